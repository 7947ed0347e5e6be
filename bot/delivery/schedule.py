"""Digest jobs on PTB's JobQueue (APScheduler): one per subscription, named after the chat.

state.db is the source of truth; jobs are only reminders derived from it. At start-up `start`
delivers whatever is due (within the grace period) and plans one job per active subscription at its
next local slot; each job, when it fires, delivers and plans the next one. A job that fires at the
wrong moment does no harm: delivery asks state.db what is due, not the job.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bot.delivery.clock import Clock
from bot.delivery.fanout import DigestDelivery, Outcome
from bot.delivery.slots import next_slot
from bot.delivery.state import COMPOSED, StateStore

log = logging.getLogger(__name__)

RETRY_DELAY = timedelta(minutes=10)  # after Telegram or the network kept failing
# APScheduler drops a job that starts more than a second late unless told otherwise; a late digest
# is still wanted (delivery applies the grace period itself).
JOB_KWARGS = {"misfire_grace_time": None, "coalesce": True}


def job_name(chat_id: int) -> str:
    return f"digest:{chat_id}"


class DigestScheduler:
    """Keeps one JobQueue job per active subscription, at the chat's next slot."""

    def __init__(self, job_queue: Any, delivery: DigestDelivery, state: StateStore, clock: Clock):
        self.job_queue = job_queue
        self.delivery = delivery
        self.state = state
        self.clock = clock

    async def start(self) -> list[Outcome]:
        """Catch up on digests missed while the bot was down, then plan every subscription's job (in
        ten minutes for a chat whose catch-up digest is still unsent, as after a failed job)."""
        outcomes = await self.delivery.deliver_due()
        unsent = {outcome.chat_id for outcome in outcomes if outcome.status == COMPOSED}
        for sub in self.state.subscriptions():
            self.plan(sub.chat_id, retry=sub.chat_id in unsent)
        log.info("Digest jobs planned for %d subscriptions", len(self.state.subscriptions()))
        return outcomes

    def plan(self, chat_id: int, retry: bool = False) -> None:
        """(Re)plan the chat's job from its subscription; none when unsubscribed or paused."""
        for job in self.job_queue.get_jobs_by_name(job_name(chat_id)):
            job.schedule_removal()
        sub = self.state.subscription(chat_id)
        if sub is None or sub.paused:
            return
        now = self.clock.now()
        when = now + RETRY_DELAY if retry else next_slot(sub.time, sub.tz, now)[1]
        self.job_queue.run_once(self._fire, when, data=chat_id, name=job_name(chat_id), job_kwargs=JOB_KWARGS)

    async def _fire(self, context: Any) -> None:
        """A chat's job: deliver what is due for it, then plan its next run."""
        chat_id = context.job.data
        try:
            outcomes = await self.delivery.deliver_due([chat_id])
        except Exception:
            self.plan(chat_id, retry=True)  # whatever went wrong (state.db itself?), the chat keeps a job
            raise
        for outcome in outcomes:
            if outcome.migrated_from is not None:
                self.plan(outcome.migrated_from)  # removes the old chat's job
        for outcome in outcomes:
            self.plan(outcome.chat_id, retry=outcome.status == COMPOSED)
        if not outcomes:
            self.plan(chat_id)
