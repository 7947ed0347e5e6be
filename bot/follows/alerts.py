"""Alerts: a chat's queued items gathered into one message (or a short thread), sent exactly once.

A chat's batch is due `batch minutes` after its oldest waiting item came; when that moment falls in
the chat's quiet hours (local time, in the chat's zone, daylight saving included), at the end of
them. A due batch is claimed (its messages composed and stored, its items marked, in one
transaction) and then sent through the digests' `Sender`: the same rate limiter, send window, lanes
and handling of Telegram's errors, so alerts and digests together stay within Telegram's limits.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.answers import render
from bot.delivery.clock import Clock
from bot.delivery.fanout import Sender, fan_out
from bot.delivery.slots import BadSchedule, latest_slot, next_slot, parse_time
from bot.delivery.state import COMPOSED, StateStore
from bot.follows.state import PERSON, AlertSettings, Batch, FollowState, QueuedItem
from bot.i18n import ENGLISH, N_, Translator
from bot.i18n import translator as translator_for

log = logging.getLogger(__name__)

MAX_PARTS = 3  # an alert is one message, or a thread of at most three
ROOM_FOR_FOOTER = 80
BATCH_CHOICES = (0, 5, 10, 30, 60)  # minutes offered by the /settings button
# A chat whose batch stays unsent (Telegram kept failing, or something unexpected) is tried again after
# this long, not at every run of the alert job.
RETRY_DELAY = timedelta(minutes=10)
KEEP = timedelta(days=30)  # alerts older than this are forgotten (items, hits), checked once an hour
PRUNE_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class AlertOutcome:
    chat_id: int
    batch: int
    status: str  # SENT, UNDELIVERABLE, or COMPOSED (still open)
    items: int = 0


def parse_quiet(text: str) -> tuple[str, str] | None:
    """`22:00-07:00` → ("22:00", "07:00"); `off` → None. Raises BadSchedule (its `html(t)` says why)."""
    text = text.strip()
    if text.lower() in {"off", "none", "no"}:
        return None
    start, sep, end = text.replace("–", "-").replace("—", "-").partition("-")
    if not sep:
        raise BadSchedule(N_("“{text}” is not a span of hours. Write it as {example}."),
                          text=render.escape(render.shorten(text, 100)), example="<code>/quiet 22:00-07:00</code>")
    span = parse_time(start, "/quiet 22:00-07:00"), parse_time(end, "/quiet 22:00-07:00")
    if span[0] == span[1]:
        raise BadSchedule(N_("Quiet hours must start and end at different times."))
    return span


def quiet_end(quiet: tuple[str, str] | None, tz: str, moment: datetime) -> datetime | None:
    """When the quiet hours that `moment` falls in end (None when it is outside them). The hours are
    local: the latest start at or before `moment`, and the first end after that start, each found in
    the zone's own calendar (a start that does not exist on a spring-forward night comes later)."""
    if quiet is None:
        return None
    _, start = latest_slot(quiet[0], tz, moment)
    _, end = next_slot(quiet[1], tz, start)
    return end if moment < end else None


def due_at(first: datetime, batch_minutes: float, quiet: tuple[str, str] | None, tz: str) -> datetime:
    """When a batch whose oldest item came at `first` is due."""
    due = first + timedelta(minutes=batch_minutes)
    return quiet_end(quiet, tz, due) or due


def item_block(item: QueuedItem, t: Translator = ENGLISH) -> str:
    """One alert: a topic's alert names the topic followed; a person's shows the quotation and speaker."""
    html = item.rendered(t)[0]
    if item.kind == PERSON:
        return html
    return f"📌 <i>{render.escape(item.label)}</i>\n" + html


def one_per_document(items: list[QueuedItem]) -> list[QueuedItem]:
    """A document that two topics of the chat both match is one alert (the first topic's)."""
    seen: set[str] = set()
    kept = []
    for item in items:
        if item.kind != PERSON:
            if item.document in seen:
                continue
            seen.add(item.document or "")
        kept.append(item)
    return kept


def compose_batch(items: list[QueuedItem], limit: int = render.MESSAGE_LIMIT, t: Translator = ENGLISH) -> list[str]:
    """The messages of one batch: a heading, then one block per item, in at most MAX_PARTS messages
    within Telegram's limit; the items that do not fit are counted at the end ("and N more: /alerts")."""
    heading = (t._("🔔 <b>New alert</b>") if len(items) == 1 else
               t.n_("🔔 <b>{n} new alert</b>", "🔔 <b>{n} new alerts</b>", len(items)))
    parts: list[str] = []
    current = heading
    shown = 0
    for item in items:
        block = item_block(item, t)
        if len(block) > limit - ROOM_FOR_FOOTER:
            block = render.split_message(block, limit - ROOM_FOR_FOOTER)[0]
        candidate = f"{current}\n\n{block}"
        if len(candidate) <= limit - ROOM_FOR_FOOTER:
            current = candidate
        elif len(parts) + 1 < MAX_PARTS:
            parts.append(current)
            current = block
        else:
            break
        shown += 1
    rest = len(items) - shown
    if rest:
        current += "\n\n" + t.n_("…and {n} more: /alerts", "…and {n} more: /alerts", rest)
    parts.append(current)
    return parts


class _AlertLog:
    """One alert batch's record, as `Sender` writes into it."""

    def __init__(self, delivery: AlertDelivery, batch: Batch):
        self.delivery, self.batch = delivery, batch

    def sent(self, chat_id: int, parts_sent: int, done: bool) -> None:
        self.delivery.follows.batch_sent(chat_id, self.batch.batch, parts_sent, done, self.delivery.clock.now())

    def failed(self, chat_id: int, error: str) -> None:
        self.delivery.follows.batch_error(chat_id, self.batch.batch, error, self.delivery.clock.now())

    def undeliverable(self, chat_id: int, reason: str) -> None:
        log.warning("Chat %s cannot receive alerts (%s); its alerts are paused", chat_id, reason)
        self.delivery.follows.undeliverable(chat_id, self.batch.batch, reason, self.delivery.clock.now())

    def migrated(self, old_id: int, new_id: int) -> None:
        log.info("Chat %s migrated to %s; moving its follows and alerts", old_id, new_id)
        self.delivery.state.migrate_chat(old_id, new_id)


class AlertDelivery:
    """Sends every due batch of alerts, resuming claimed ones first, through a shared Sender."""

    def __init__(self, sender: Sender, follows: FollowState, state: StateStore, clock: Clock,
                 batch_minutes: float):
        self.sender = sender
        self.follows = follows
        self.state = state
        self.clock = clock
        self.batch_minutes = batch_minutes
        self._retry_at: dict[int, datetime] = {}  # chats left alone until then (in memory: a restart retries)

    def _zones(self) -> dict[int, str]:
        return dict(self.state.db.execute("SELECT chat_id, tz FROM chat_settings WHERE tz IS NOT NULL").fetchall())

    def due(self, now: datetime) -> tuple[dict[int, datetime], datetime | None]:
        """The chats whose batch is due at `now` (with when it was due), and the next due moment after.
        Chats whose alerts are off or paused pass their waiting items over."""
        due: dict[int, datetime] = {}
        upcoming: datetime | None = None
        pending = self.follows.pending_chats()
        if not pending:
            return due, upcoming
        settings = self.follows.every_setting()
        zones = self._zones()
        for chat_id, first in pending.items():
            s = settings.get(chat_id) or AlertSettings(True, None, None, False, None)
            if not s.enabled or s.paused:
                items = self.follows.pending(chat_id)
                if items:
                    self.follows.hold(chat_id, max(item.seq for item in items))
                continue
            minutes = self.batch_minutes if s.batch_minutes is None else s.batch_minutes
            when = due_at(datetime.fromisoformat(first), minutes, s.quiet, zones.get(chat_id, "UTC"))
            if when <= now:
                due[chat_id] = when
            elif upcoming is None or when < upcoming:
                upcoming = when
        return due, upcoming

    async def deliver_due(self) -> list[AlertOutcome]:
        now = self.clock.now()
        self._retry_at = {chat: at for chat, at in self._retry_at.items() if at > now}
        busy = set(self.sender.busy) | set(self._retry_at)
        work: dict[int, list[Callable]] = {}
        for batch in self.follows.open_batches():
            if batch.chat_id not in busy:
                work.setdefault(batch.chat_id, []).append(lambda b=batch: self._send(b))
        due, _ = self.due(now)
        for chat_id in due:
            if chat_id not in busy:
                work.setdefault(chat_id, []).append(lambda c=chat_id: self._new_batches(c))
        if not work:
            self.follows.settle()
            return []
        outcomes: list[AlertOutcome] = []

        async def chat_jobs(chat_id: int, jobs: list[Callable]) -> None:
            for job in jobs:
                try:
                    done = await job()
                except Exception:  # noqa: BLE001 - logged; the batch stays open, tried again later
                    log.exception("Delivering alerts to chat %s failed unexpectedly; trying again in %s",
                                  chat_id, RETRY_DELAY)
                    self._retry_at[chat_id] = self.clock.now() + RETRY_DELAY
                    return
                outcomes.extend(done)
                if any(o.status == COMPOSED for o in done):
                    self._retry_at[chat_id] = self.clock.now() + RETRY_DELAY
                    return

        await fan_out(self.sender, work, chat_jobs)
        self.follows.settle()
        return outcomes

    async def _new_batches(self, chat_id: int) -> list[AlertOutcome]:
        """Claim and send the chat's waiting items: one batch per forum topic they go to."""
        items = self.follows.pending(chat_id)
        if not items:
            return []
        by_thread: dict[int | None, list[QueuedItem]] = {}
        for item in items:
            by_thread.setdefault(item.thread_id, []).append(item)
        plans = []
        t = translator_for(self.state.chat_language(chat_id))
        for thread_id, group in by_thread.items():
            shown = one_per_document(group)
            plans.append((thread_id, compose_batch(shown, t=t), group[0].seq, group[-1].seq))
        counts = {thread_id: len(one_per_document(group)) for thread_id, group in by_thread.items()}
        outcomes = []
        for batch in self.follows.claim(chat_id, plans, max(item.seq for item in items), self.clock.now()):
            outcomes += await self._send(batch, counts[batch.thread_id])
        return outcomes

    async def _send(self, batch: Batch, items: int = 0) -> list[AlertOutcome]:
        sent = await self.sender.send_parts(batch.chat_id, batch.thread_id, batch.parts, batch.parts_sent,
                                            _AlertLog(self, batch))
        return [AlertOutcome(sent.chat_id, batch.batch, sent.status, items)]


class AlertJobs:
    """The JobQueue side: every `interval` seconds (and at once when told) look for what landed, then
    send what is due. Runs never overlap; a call during a run asks for one more run after it. The
    first run is the matcher's first look."""

    def __init__(self, matcher: Any, delivery: AlertDelivery, job_queue: Any, interval: float, in_thread: bool = False):
        self.matcher = matcher
        self.in_thread = in_thread  # the matcher runs in a worker thread (its connections allow it), the loop free
        self.delivery = delivery
        self.job_queue = job_queue
        self.interval = interval
        self._running = asyncio.Lock()
        self._again = False
        self._pruned: datetime | None = None

    def _prune(self) -> None:
        now = self.delivery.clock.now()
        if self._pruned is None or now - self._pruned >= PRUNE_EVERY:
            self._pruned = now
            gone = self.delivery.follows.prune(now - KEEP)
            if gone:
                log.info("Forgot %d alerts older than %s", gone, KEEP)

    def start(self) -> None:
        self.job_queue.run_repeating(self._job, self.interval, first=0, name="alerts:check",
                                     job_kwargs={"misfire_grace_time": None, "coalesce": True})

    def kick(self) -> None:
        """Look now (an upload just rebuilt the store)."""
        self.job_queue.run_once(self._job, 0, name="alerts:kick")

    async def _job(self, context: Any = None) -> None:
        await self.run()

    async def run(self) -> list[AlertOutcome]:
        if self._running.locked():
            self._again = True
            return []
        outcomes: list[AlertOutcome] = []
        async with self._running:
            while True:
                self._again = False
                try:
                    if self.in_thread:
                        await asyncio.to_thread(self.matcher.check)
                    else:
                        self.matcher.check()
                except Exception:  # noqa: BLE001 - the store may be mid-swap; the next run tries again
                    log.exception("Matching new documents against follows failed")
                outcomes += await self.delivery.deliver_due()
                self._prune()
                if not self._again:
                    break
        return outcomes


def batch_choice_after(current: float) -> float:
    """The next batch length the /settings button offers."""
    later = [c for c in BATCH_CHOICES if c > current]
    return later[0] if later else BATCH_CHOICES[0]

