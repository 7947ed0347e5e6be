"""Exactly-once fan-out of digests, and what to do when Telegram pushes back.

This is the one module of the push side that speaks to Telegram. For every due (chat, local date)
the delivery log in state.db is written before anything is sent ("composed", with the messages) and
after each accepted message ("sent" after the last), so a restart resumes where a crash stopped and
never sends a day's digest twice. The only window left is a crash after Telegram accepted a message
and before state.db recorded it: that message is sent again (at-least-once for that one message).
"""
from __future__ import annotations

import logging
import warnings
from collections import deque
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.clock import Clock
from bot.slots import due_slot
from bot.state import COMPOSED, SENT, SKIPPED, UNDELIVERABLE, Delivery, StateStore, Subscription

if TYPE_CHECKING:
    from bot.digest import DigestComposer

log = logging.getLogger(__name__)

NETWORK_ATTEMPTS = 5  # tries per message on network errors and 5xx, backing off 1, 2, 4, 8 s
MAX_RETRY_AFTER_WAITS = 10  # flood-control waits per message before leaving it for later
# One under Telegram's 30/s: measured against a server enforcing 30/s, sending at exactly 30 provoked
# 429s (the two clocks' windows never line up), 29 provoked none (benchmarks/README.md).
OVERALL_PER_SECOND = 29
GROUP_PER_MINUTE = 20


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


class DigestDelivery:
    """Delivers due digests, each (chat, local date) at most once, over a Bot."""

    def __init__(self, bot: Bot, state: StateStore, composer: DigestComposer, clock: Clock,
                 grace: timedelta, limiter: RateLimiter | None = None):
        self.bot = bot
        self.state = state
        self.composer = composer
        self.clock = clock
        self.grace = grace
        self.limiter = limiter or RateLimiter(clock)
        self._busy: set[int] = set()

    async def deliver_due(self, chat_ids: list[int] | None = None) -> list[Outcome]:
        """Deliver every digest due now (for `chat_ids`, default all): interrupted ones first.

        A slot that passed less than the grace period ago is due; an older one is skipped, and an
        interrupted delivery of such a slot is closed as skipped (its items stay unseen, so the next
        digest shows them).
        """
        now = self.clock.now()
        wanted = None if chat_ids is None else set(chat_ids)
        outcomes = []
        for entry in self.state.pending_deliveries():
            if (wanted is not None and entry.chat_id not in wanted) or entry.chat_id in self._busy:
                continue
            if now - datetime.fromisoformat(entry.slot) >= self.grace:
                self.state.close_delivery(entry.chat_id, entry.local_date, SKIPPED, "went stale while unsent")
                log.info("Digest for chat %s of %s went stale unsent; skipped", entry.chat_id, entry.local_date)
                continue
            sub = self.state.subscription(entry.chat_id)
            if sub is not None and not sub.paused:
                outcomes.append(await self._guarded(sub, entry.local_date, self._send(sub, entry)))
        for sub in self.state.subscriptions():
            if (wanted is not None and sub.chat_id not in wanted) or sub.chat_id in self._busy:
                continue
            due = due_slot(sub.time, sub.tz, now, self.grace)
            if due is None or (sub.since and due[1] < sub.since) or self.state.delivery(sub.chat_id, due[0]):
                continue
            outcomes.append(await self._guarded(sub, due[0], self.deliver(sub, *due)))
        return outcomes

    async def _guarded(self, sub: Subscription, local_date: date | str, delivering: Awaitable[Outcome]) -> Outcome:
        """Run one chat's delivery so that nothing unexpected in it stops the fan-out to the others."""
        with self._working_on(sub.chat_id):
            try:
                return await delivering
            except Exception as exc:  # noqa: BLE001 - logged in full; the digest stays open for a retry
                log.exception("Delivering the digest to chat %s failed unexpectedly", sub.chat_id)
                self.state.note_error(sub.chat_id, local_date, f"{type(exc).__name__}: {exc}")
                return Outcome(sub.chat_id, date.fromisoformat(str(local_date)), COMPOSED)

    @contextmanager
    def _working_on(self, chat_id: int) -> Iterator[None]:
        """Mark a chat as being delivered to, so a job firing meanwhile leaves it alone."""
        self._busy.add(chat_id)
        try:
            yield
        finally:
            self._busy.discard(chat_id)

    async def deliver(self, sub: Subscription, local_date: date, slot: datetime) -> Outcome:
        """Compose, claim and send the chat's digest for `local_date`, unless that day was claimed."""
        digest = self.composer.digest_for(sub.chat_id, sub.only_news, slot)
        status = COMPOSED if digest.parts else SKIPPED
        entry = self.state.claim(sub.chat_id, local_date, slot, digest.parts, digest.items, status)
        if entry is None:
            return Outcome(sub.chat_id, local_date, self.state.delivery(sub.chat_id, local_date).status)
        if status == SKIPPED:
            return Outcome(sub.chat_id, local_date, SKIPPED)
        return await self._send(sub, entry)

    async def _send(self, sub: Subscription, entry: Delivery) -> Outcome:
        """Send the entry's unsent parts in order, recording each; map failures to outcomes."""
        chat_id, thread_id, migrated_from = sub.chat_id, sub.thread_id, None
        local_date = date.fromisoformat(entry.local_date)
        part = entry.parts_sent
        while part < len(entry.parts):
            try:
                await self._send_one(chat_id, thread_id, entry.parts[part])
            except ChatMigrated as exc:
                if migrated_from is not None:  # a second move at once: something is off, retry later
                    self.state.note_error(chat_id, local_date, f"migrated again to {exc.new_chat_id}")
                    return Outcome(chat_id, local_date, COMPOSED, migrated_from)
                log.info("Chat %s migrated to %s; moving its subscription", chat_id, exc.new_chat_id)
                self.state.migrate_chat(chat_id, exc.new_chat_id)
                migrated_from, chat_id = chat_id, exc.new_chat_id
                continue
            except BadRequest as exc:
                if thread_id is not None and "thread not found" in exc.message.lower():
                    log.warning("Topic %s of chat %s is gone; sending to the main chat", thread_id, chat_id)
                    thread_id = None
                    continue
                if "chat not found" in exc.message.lower():
                    return self._undeliverable(chat_id, local_date, exc)
                log.error("Telegram refused the digest for chat %s: %s", chat_id, exc.message)
                self.state.note_error(chat_id, local_date, f"BadRequest: {exc.message}")
                return Outcome(chat_id, local_date, COMPOSED, migrated_from)
            except Forbidden as exc:
                return self._undeliverable(chat_id, local_date, exc)
            except TryLater as exc:
                log.warning("Digest for chat %s not sent yet: %s", chat_id, exc)
                self.state.note_error(chat_id, local_date, str(exc))
                return Outcome(chat_id, local_date, COMPOSED, migrated_from)
            part += 1
            self.state.part_sent(chat_id, local_date, part, done=part == len(entry.parts))
        return Outcome(chat_id, local_date, SENT, migrated_from)

    def _undeliverable(self, chat_id: int, local_date: date, exc: Exception) -> Outcome:
        reason = getattr(exc, "message", str(exc))
        log.warning("Chat %s cannot receive digests (%s); subscription paused", chat_id, reason)
        self.state.close_delivery(chat_id, local_date, UNDELIVERABLE, reason)
        self.state.pause(chat_id, reason)
        return Outcome(chat_id, local_date, UNDELIVERABLE)

    async def _send_one(self, chat_id: int, thread_id: int | None, text: str) -> None:
        """One message, waiting out flood control and retrying network errors with backoff.

        Raises TryLater when the bounded retries are used up; Telegram's refusals (Forbidden,
        BadRequest, ChatMigrated) propagate at once, since retrying cannot change them.
        """
        network_failures = retry_after_waits = 0
        while True:
            await self.limiter.wait_turn(chat_id)
            try:
                await self.bot.send_message(
                    chat_id, text, message_thread_id=thread_id, parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True))
                return
            except RetryAfter as exc:
                retry_after_waits += 1
                if retry_after_waits > MAX_RETRY_AFTER_WAITS:
                    raise TryLater(f"flood control did not lift: {exc}") from exc
                await self.clock.sleep(_seconds(exc))
            except (ChatMigrated, BadRequest, Forbidden):
                raise
            except NetworkError as exc:  # includes TimedOut and HTTP 5xx
                network_failures += 1
                if network_failures >= NETWORK_ATTEMPTS:
                    raise TryLater(f"network errors: {exc}") from exc
                await self.clock.sleep(2 ** (network_failures - 1))


def _seconds(exc: RetryAfter) -> float:
    """How long flood control asks to wait (an int or a timedelta, depending on PTB's settings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
