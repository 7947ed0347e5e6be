"""Exactly-once fan-out of digests, and what to do when Telegram pushes back.

This is the one module of the push side that speaks to Telegram. For every due (chat, local date)
the delivery log in state.db is written before anything is sent ("composed", with the messages) and
after each accepted message ("sent" after the last), so a restart resumes where a crash stopped and
never sends a day's digest twice. The only window left is a crash after Telegram accepted a message
and before state.db recorded it: that message is sent again (at-least-once for that one message).

Chats are delivered side by side: up to LANES chats are worked on at once (across every caller),
each chat's messages in order by one lane. How many messages may be in flight at once is a separate,
smaller window (SendWindow): what the rate limit needs to cover Telegram's round trip, and no more,
since every message in flight (or accepted and not yet recorded) is one a crash could make us send
again. Against a nearby server that is one message, as in a one-at-a-time fan-out, so the window
above stays one message; over a 100 ms round trip it is four, and a crash may repeat up to four.
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Protocol

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.delivery.clock import Clock
from bot.delivery.slots import due_slot
from bot.delivery.state import (
    COMPOSED,
    SENT,
    SKIPPED,
    UNDELIVERABLE,
    Delivery,
    StateStore,
    Subscription,
)
from bot.delivery.voices import is_photo_part
from bot.delivery.wire import wire_for

if TYPE_CHECKING:
    from bot.delivery.digest import DigestComposer

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

NETWORK_ATTEMPTS = 5  # tries per message on network errors and 5xx, backing off 1, 2, 4, 8 s
MAX_RETRY_AFTER_WAITS = 10  # flood-control waits per message before leaving it for later
# One under Telegram's 30/s: measured against a server enforcing 30/s, sending at exactly 30 provoked
# 429s (the two clocks' windows never line up), 29 provoked none (benchmarks/README.md).
OVERALL_PER_SECOND = 29
GROUP_PER_MINUTE = 20
# Chats worked on at once (composed, claimed, waiting for the window), across every deliver_due running,
# and the most messages ever in flight: at 29/s that covers a round trip of up to 16 / 29 / 1.25 = 440 ms.
LANES = 16
# Messages in flight: rate x round trip (Little's law) with this headroom, at least 1, at most LANES.
ROUND_TRIP_HEADROOM = 1.25
# In flight when there is no rate limit (a local Bot API server): this process's CPU is the limit then
# (PTB and httpx take ~1-1.3 ms of it a message), and httpx's pool costs more per request the more
# connections it holds. benchmarks/bench_digest.py --mode off, 10,000 chats, 2 cores under other load:
# 1 in flight 404-468 msg/s, 2: 422-588, 4: 441-564, 8: 350-439 (raw send_message: 16 and 32 in
# flight fall to about 480 and 430 from 770-880 at 2-8). 2 sends as much as any, and a crash can
# repeat at most two messages.
UNTHROTTLED_IN_FLIGHT = 2


class RateLimiter:
    """Telegram's broadcast limits: about 30 messages a second overall and 20 a minute per group."""

    def __init__(self, clock: Clock, per_second: int = OVERALL_PER_SECOND, group_per_minute: int = GROUP_PER_MINUTE):
        self.clock = clock
        self.per_second = per_second
        self.group_per_minute = group_per_minute
        self._overall: deque[datetime] = deque()
        self._groups: dict[int, deque[datetime]] = {}

    async def wait_turn(self, chat_id: int) -> None:
        """Return when one more message to `chat_id` keeps within both limits; count it."""
        while True:
            now = self.clock.now()
            wait = _wait(self._overall, now, timedelta(seconds=1), self.per_second)
            if chat_id < 0:  # groups and channels have negative ids
                group = self._groups.setdefault(chat_id, deque())
                wait = max(wait, _wait(group, now, timedelta(minutes=1), self.group_per_minute))
            if wait <= 0:
                break
            await self.clock.sleep(wait)
        self._overall.append(now)
        if chat_id < 0:
            self._groups[chat_id].append(now)


def _wait(sent: deque[datetime], now: datetime, window: timedelta, limit: int) -> float:
    """Seconds until fewer than `limit` of the instants in `sent` fall within `window` before now."""
    while sent and now - sent[0] >= window:
        sent.popleft()
    if len(sent) < limit:
        return 0.0
    return (sent[0] + window - now).total_seconds()


class SendWindow:
    """How many messages may be in flight at once: what the rate limit needs, given the round trip.

    A message counts from just before its turn at the rate limiter until state.db has recorded it as
    sent (or it failed): every such message is one a crash could leave accepted by Telegram but not
    recorded, to be sent again after a restart. So the window is as small as the rate allows:
    ceil(per_second x round trip x headroom), where the round trip is a moving average of Bot API
    calls. Without a rate limit (`per_second` None) it is UNTHROTTLED_IN_FLIGHT. Waiters are served
    first come, first served.
    """

    def __init__(self, per_second: float | None, most: int = LANES):
        self.per_second = per_second
        self.most = most
        self.round_trip: float | None = None  # seconds, exponentially weighted
        self._in_flight = 0
        self._waiters: deque[asyncio.Future] = deque()

    @property
    def size(self) -> int:
        if self.per_second is None:
            return min(self.most, UNTHROTTLED_IN_FLIGHT)
        if self.round_trip is None:
            return 1
        return max(1, min(self.most, math.ceil(self.per_second * self.round_trip * ROUND_TRIP_HEADROOM)))

    def observe(self, seconds: float) -> None:
        """One Bot API call's round trip."""
        self.round_trip = seconds if self.round_trip is None else 0.8 * self.round_trip + 0.2 * seconds
        self._wake()

    async def __aenter__(self) -> None:
        if self._in_flight < self.size and not self._waiters:
            self._in_flight += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # _wake hands the place over: it is already counted in flight
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._in_flight -= 1  # handed over, but leaving: the place passes on
                self._wake()
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self._in_flight < self.size:
            waiter = self._waiters.popleft()
            if not waiter.done():  # a cancelled waiter is passed over
                self._in_flight += 1
                waiter.set_result(None)


class Undeliverable(Exception):
    """Telegram will not take messages for this chat (bot blocked or removed, chat gone)."""


class TryLater(Exception):
    """Telegram or the network kept failing; the delivery stays open for a later attempt."""


@dataclass(frozen=True)
class Outcome:
    chat_id: int  # where the digest went (the new id after a group migrated)
    local_date: date
    status: str  # a state.py delivery status; COMPOSED means "still open, try later"
    migrated_from: int | None = None


class PartLog(Protocol):
    """Where a delivery records what became of its messages (the digest log, the alert log)."""

    def sent(self, chat_id: int, parts_sent: int, done: bool) -> None:
        """Telegram accepted part number `parts_sent` (1-based); `done` when it was the last."""

    def failed(self, chat_id: int, error: str) -> None:
        """This attempt did not go through; the delivery stays open for a later one."""

    def undeliverable(self, chat_id: int, reason: str) -> None:
        """The chat blocked or removed the bot, or is gone: close the delivery for good."""

    def migrated(self, old_id: int, new_id: int) -> None:
        """The group became supergroup `new_id`: move what the old id owned."""


@dataclass(frozen=True)
class Sent:
    status: str  # SENT, UNDELIVERABLE, or COMPOSED (still open, try later)
    chat_id: int  # where the messages went (the new id after a group migrated)
    migrated_from: int | None = None


class Sender:
    """Sends chats' messages through one rate limiter and one send window, shared by every kind of
    delivery (digests and alerts), and maps Telegram's answers: flood control waited out, network
    errors and 5xx retried with backoff, a migrated group followed, a gone forum topic replaced by the
    main chat, a blocked bot or a missing chat reported as undeliverable."""

    def __init__(self, bot: Bot, clock: Clock, limiter: RateLimiter | None = None, lanes: int = LANES,
                 lean: bool = True):
        self.bot = bot
        self.clock = clock
        # sendMessage without PTB's per-message cost (bot.delivery.wire), where it can stand in for it.
        self.wire = wire_for(bot) if lean else None
        self.limiter = limiter or RateLimiter(clock)
        self.lanes = lanes
        self.lane = asyncio.Semaphore(lanes)  # chats worked on at once, across every delivery using this Sender
        self.window = SendWindow(getattr(self.limiter, "per_second", None), lanes)
        self.busy: set[int] = set()  # chats some delivery has taken on and not finished
        # What a chart part of a digest stands for: (PNG, caption), or None when there is nothing to draw.
        self.photos: Callable[[str], tuple[bytes, str] | None] | None = None

    async def send_parts(self, chat_id: int, thread_id: int | None, parts: list[str], first: int,
                         ledger: PartLog) -> Sent:
        """Send `parts[first:]` in order, `ledger.sent` committed after each before the next goes (a restart
        resumes after the last accepted one); map failures to the outcome and to `log`."""
        migrated_from = None
        part = first
        try:
            while part < len(parts):
                record = partial(ledger.sent, chat_id, part + 1, part + 1 == len(parts))
                try:
                    await self.send_one(chat_id, thread_id, parts[part], record)
                except ChatMigrated as exc:
                    if migrated_from is not None:  # a second move at once: something is off, retry later
                        ledger.failed(chat_id, f"migrated again to {exc.new_chat_id}")
                        return Sent(COMPOSED, chat_id, migrated_from)
                    ledger.migrated(chat_id, exc.new_chat_id)
                    migrated_from, chat_id = chat_id, exc.new_chat_id
                    self.busy.add(chat_id)  # its moved delivery is this one: no other caller resumes it
                    continue
                except BadRequest as exc:
                    if thread_id is not None and "thread not found" in exc.message.lower():
                        log.warning("Topic %s of chat %s is gone; sending to the main chat", thread_id, chat_id)
                        thread_id = None
                        continue
                    if "chat not found" in exc.message.lower():
                        ledger.undeliverable(chat_id, exc.message)
                        return Sent(UNDELIVERABLE, chat_id, migrated_from)
                    log.error("Telegram refused a message for chat %s: %s", chat_id, exc.message)
                    ledger.failed(chat_id, f"BadRequest: {exc.message}")
                    return Sent(COMPOSED, chat_id, migrated_from)
                except Forbidden as exc:
                    ledger.undeliverable(chat_id, exc.message)
                    return Sent(UNDELIVERABLE, chat_id, migrated_from)
                except TryLater as exc:
                    log.warning("Messages for chat %s not sent yet: %s", chat_id, exc)
                    ledger.failed(chat_id, str(exc))
                    return Sent(COMPOSED, chat_id, migrated_from)
                part += 1
            return Sent(SENT, chat_id, migrated_from)
        finally:
            if migrated_from is not None:
                self.busy.discard(chat_id)

    async def send_one(self, chat_id: int, thread_id: int | None, text: str,
                       record: Callable[[], object]) -> None:
        """One message, then `record()` (the sent-mark), within the send window; waiting out flood
        control and retrying network errors with backoff, outside the window.

        Raises TryLater when the bounded retries are used up; Telegram's refusals (Forbidden,
        BadRequest, ChatMigrated) propagate at once, since retrying cannot change them.
        """
        network_failures = retry_after_waits = 0
        while True:
            async with self.window:
                await self.limiter.wait_turn(chat_id)
                try:
                    await self._timed_send(chat_id, thread_id, text)
                except RetryAfter as exc:
                    retry_after_waits += 1
                    if retry_after_waits > MAX_RETRY_AFTER_WAITS:
                        raise TryLater(f"flood control did not lift: {exc}") from exc
                    wait = _seconds(exc)
                except (ChatMigrated, BadRequest, Forbidden):
                    raise
                except NetworkError as exc:  # includes TimedOut and HTTP 5xx
                    network_failures += 1
                    if network_failures >= NETWORK_ATTEMPTS:
                        raise TryLater(f"network errors: {exc}") from exc
                    wait = 2 ** (network_failures - 1)
                else:
                    record()  # before the place in the window is given up
                    return
            await self.clock.sleep(wait)

    async def _timed_send(self, chat_id: int, thread_id: int | None, text: str) -> None:
        started = time.monotonic()
        try:
            if is_photo_part(text):
                photo = self.photos(text) if self.photos is not None else None
                if photo is not None:  # else there is nothing left to draw: the part counts as sent
                    await self.bot.send_photo(chat_id, photo[0], caption=photo[1], message_thread_id=thread_id,
                                              parse_mode=ParseMode.HTML)
            elif self.wire is not None:
                await self.wire.send_message(chat_id, text, thread_id)
            else:
                await self.bot.send_message(chat_id, text, message_thread_id=thread_id, parse_mode=ParseMode.HTML,
                                            link_preview_options=NO_PREVIEW)
        finally:
            self.window.observe(time.monotonic() - started)


class _DigestLog:
    """The digest delivery log of one (chat, local date), as `Sender` records into it."""

    def __init__(self, state: StateStore, local_date: date, items: dict[str, list[str]]):
        self.state, self.local_date, self.items = state, local_date, items

    def sent(self, chat_id: int, parts_sent: int, done: bool) -> None:
        self.state.part_sent(chat_id, self.local_date, parts_sent, done, self.items, durable=False)

    def failed(self, chat_id: int, error: str) -> None:
        self.state.note_error(chat_id, self.local_date, error)

    def undeliverable(self, chat_id: int, reason: str) -> None:
        log.warning("Chat %s cannot receive digests (%s); subscription paused", chat_id, reason)
        self.state.close_delivery(chat_id, self.local_date, UNDELIVERABLE, reason)
        self.state.pause(chat_id, reason)

    def migrated(self, old_id: int, new_id: int) -> None:
        log.info("Chat %s migrated to %s; moving its subscription", old_id, new_id)
        self.state.migrate_chat(old_id, new_id)


class DigestDelivery:
    """Delivers due digests, each (chat, local date) at most once, over a Bot (or a shared Sender)."""

    def __init__(self, bot: Bot, state: StateStore, composer: DigestComposer, clock: Clock,
                 grace: timedelta, limiter: RateLimiter | None = None, lanes: int = LANES,
                 sender: Sender | None = None):
        self.sender = sender or Sender(bot, clock, limiter, lanes)
        voices = getattr(composer, "voices", None)  # (a stand-in composer in tests may draw nothing)
        self.sender.photos = self.sender.photos or (voices.photo if voices is not None else None)
        self.bot = self.sender.bot
        self.state = state
        self.composer = composer
        self.clock = clock
        self.grace = grace
        self.limiter = self.sender.limiter
        self.lanes = self.sender.lanes
        self.window = self.sender.window
        self._busy = self.sender.busy

    async def deliver_due(self, chat_ids: list[int] | None = None) -> list[Outcome]:
        """Deliver every digest due now (for `chat_ids`, default all): interrupted ones first.

        A slot that passed less than the grace period ago is due; an older one is skipped, and an
        interrupted delivery of such a slot is closed as skipped (its items stay unseen, so the next
        digest shows them). Chats go side by side in up to `lanes` lanes (shared with any other
        deliver_due running meanwhile); a chat's own digests go one after the other, oldest first.
        Outcomes come chat by chat, chats with an interrupted digest first.
        """
        now = self.clock.now()
        wanted = None if chat_ids is None else sorted(set(chat_ids))
        work: dict[int, list[tuple[Subscription, date | str, Callable[[], Awaitable[Outcome]]]]] = {}
        for entry in self.state.pending_deliveries(wanted):
            if entry.chat_id in self._busy:
                continue
            if now - datetime.fromisoformat(entry.slot) >= self.grace:
                self.state.close_delivery(entry.chat_id, entry.local_date, SKIPPED, "went stale while unsent")
                log.info("Digest for chat %s of %s went stale unsent; skipped", entry.chat_id, entry.local_date)
                continue
            sub = self.state.subscription(entry.chat_id)
            if sub is not None and not sub.paused:
                work.setdefault(sub.chat_id, []).append((sub, entry.local_date, partial(self._send, sub, entry)))
        if wanted is None:
            subs = self.state.subscriptions()
        else:
            subs = [sub for chat in wanted if (sub := self.state.subscription(chat)) is not None and not sub.paused]
        for sub in subs:
            if sub.chat_id in self._busy:
                continue
            due = due_slot(sub.time, sub.tz, now, self.grace)
            if due is None or (sub.since and due[1] < sub.since) or self.state.delivery(sub.chat_id, due[0]):
                continue
            work.setdefault(sub.chat_id, []).append((sub, due[0], partial(self.deliver, sub, *due)))
        if not work:
            return []
        outcomes: dict[int, list[Outcome]] = {}

        async def chat_jobs(chat_id: int, jobs: list) -> None:
            done = outcomes.setdefault(chat_id, [])
            for sub, local_date, job in jobs:
                done.append(await self._guarded(sub, local_date, job()))

        await fan_out(self.sender, work, chat_jobs)
        return [outcome for chat in work for outcome in outcomes.get(chat, [])]

    async def _guarded(self, sub: Subscription, local_date: date | str, delivering: Awaitable[Outcome]) -> Outcome:
        """Run one chat's delivery so that nothing unexpected in it stops the fan-out to the others."""
        try:
            return await delivering
        except Exception as exc:  # noqa: BLE001 - logged in full; the digest stays open for a retry
            log.exception("Delivering the digest to chat %s failed unexpectedly", sub.chat_id)
            self.state.note_error(sub.chat_id, local_date, f"{type(exc).__name__}: {exc}")
            return Outcome(sub.chat_id, date.fromisoformat(str(local_date)), COMPOSED)

    async def deliver(self, sub: Subscription, local_date: date, slot: datetime) -> Outcome:
        """Compose, claim and send the chat's digest for `local_date`, unless that day was claimed."""
        digest = self.composer.digest_for(sub.chat_id, sub.only_news, slot, sub.language)
        status = COMPOSED if digest.parts else SKIPPED
        entry = self.state.claim(sub.chat_id, local_date, slot, digest.parts, digest.items, status, durable=False)
        if entry is None:
            return Outcome(sub.chat_id, local_date, self.state.delivery(sub.chat_id, local_date).status)
        if status == SKIPPED:
            return Outcome(sub.chat_id, local_date, SKIPPED)
        return await self._send(sub, entry)

    async def _send(self, sub: Subscription, entry: Delivery) -> Outcome:
        """Send the entry's unsent parts in order, recording each; map failures to outcomes."""
        local_date = date.fromisoformat(entry.local_date)
        sent = await self.sender.send_parts(sub.chat_id, sub.thread_id, entry.parts, entry.parts_sent,
                                            _DigestLog(self.state, local_date, entry.items))
        return Outcome(sent.chat_id, local_date, sent.status, sent.migrated_from)


async def fan_out(sender: Sender, work: dict[int, object], deliver_chat: Callable[[int, object], Awaitable[None]]) -> None:
    """Run `deliver_chat(chat_id, job)` for every chat of `work`, side by side in up to `sender.lanes`
    lanes (shared with every other fan-out on this Sender), each chat in one lane; the chats are taken
    on (`sender.busy`) before the first await, so a job firing meanwhile for one of them leaves it alone."""
    sender.busy.update(work)
    queue = deque(work.items())

    async def lane() -> None:
        while queue:
            chat_id, job = queue.popleft()
            async with sender.lane:
                await deliver_chat(chat_id, job)

    try:
        await asyncio.gather(*(lane() for _ in range(min(sender.lanes, len(queue)))))
    finally:
        sender.busy.difference_update(work)


def _seconds(exc: RetryAfter) -> float:
    """How long flood control asks to wait (an int or a timedelta, depending on PTB's settings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
