"""Per-user flood control: a user sending faster than a sane rate is slowed, not served.

A token bucket per user (BURST requests, refilled at RATE per second) checked before any other
handler; an update over the limit is dropped, and the user is told once per burst to slow down.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.config import Settings
from handlers.reply import language

BURST = 8
RATE = 1.0  # requests per second, sustained
PRUNE_EVERY = 1024  # calls between sweeps of idle users' buckets, so memory stays bounded


@dataclass
class Bucket:
    tokens: float = BURST
    stamp: float = field(default_factory=time.monotonic)
    warned: bool = False

    def take(self, now: float) -> bool:
        self.tokens = min(BURST, self.tokens + (now - self.stamp) * RATE)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.warned = False
            return True
        return False


class Throttle:
    """The buckets of all users; `clock` is injectable for tests."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.buckets: dict[int, Bucket] = {}
        self.calls = 0

    def allow(self, user_id: int) -> bool:
        now = self.clock()
        self.calls += 1
        if self.calls % PRUNE_EVERY == 0:
            self.prune(now)
        bucket = self.buckets.setdefault(user_id, Bucket(stamp=now))
        return bucket.take(now)

    def prune(self, now: float) -> None:
        """Forget users idle long enough for their bucket to be full again: a fresh one is the same."""
        idle = BURST / RATE
        self.buckets = {user: b for user, b in self.buckets.items() if now - b.stamp < idle}

    def should_warn(self, user_id: int) -> bool:
        """True the first time a user is refused since they were last served."""
        bucket = self.buckets[user_id]
        first, bucket.warned = not bucket.warned, True
        return first


async def check(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop the update here when its user is over the limit."""
    user = update.effective_user
    if user is None or update.poll_answer or update.poll:
        return
    throttle: Throttle = context.bot_data["throttle"]
    if throttle.allow(user.id):
        return
    if throttle.should_warn(user.id):
        t = language(update, context)
        if update.callback_query:
            await update.callback_query.answer(t._("Too fast — wait a moment."), show_alert=False)
        elif update.effective_message and update.effective_chat:
            await update.effective_message.reply_text(t._("You're sending commands too fast; wait a few seconds."))
    elif update.callback_query:
        await update.callback_query.answer()
    raise ApplicationHandlerStop


def register(application: Application, settings: Settings) -> None:
    application.bot_data["throttle"] = Throttle()
    application.add_handler(TypeHandler(Update, check), group=-1)
