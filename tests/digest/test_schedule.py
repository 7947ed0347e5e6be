"""Scheduling with a clock that only moves when told: jobs fire at local slots, once a day, across
daylight-saving changes, after downtime within the grace period, and after a crash mid-fan-out."""
import asyncio
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from bot.delivery.fanout import NETWORK_ATTEMPTS, DigestDelivery
from bot.delivery.schedule import RETRY_DELAY, DigestScheduler, job_name
from bot.delivery.state import COMPOSED, SENT, StateStore

from .conftest import CountingComposer

UTC = timezone.utc
GRACE = timedelta(hours=6)


class FakeJob:
    def __init__(self, callback, when, data, name):
        self.callback, self.when, self.data, self.name = callback, when, data, name
        self.removed = False

    def schedule_removal(self):
        self.removed = True


class FakeJobQueue:
    """PTB JobQueue's run_once / get_jobs_by_name over the fake clock; `run_until` plays time forward."""

    def __init__(self, clock):
        self.clock = clock
        self.jobs: list[FakeJob] = []

    def run_once(self, callback, when, data=None, name=None, job_kwargs=None):
        job = FakeJob(callback, when, data, name)
        self.jobs.append(job)
        return job

    def get_jobs_by_name(self, name):
        return [j for j in self.jobs if j.name == name and not j.removed]

    def live(self):
        return [j for j in self.jobs if not j.removed]

    async def run_until(self, end: datetime):
        while True:
            due = sorted((j for j in self.live() if j.when <= end), key=lambda j: j.when)
            if not due:
                break
            job = due[0]
            job.removed = True  # a run_once job is gone once it fires
            self.clock.set(max(self.clock.now(), job.when))
            await job.callback(SimpleNamespace(job=job))
        self.clock.set(max(self.clock.now(), end))


def scheduler_over(bot, state, clock, composer=None):
    queue = FakeJobQueue(clock)
    delivery = DigestDelivery(bot, state, composer or CountingComposer(), clock, GRACE)
    return DigestScheduler(queue, delivery, state, clock), queue


async def test_subscribe_and_advance_past_the_time_gives_exactly_one_digest(api, bot, state, clock):
    clock.set(datetime(2026, 3, 1, 6, 0, tzinfo=UTC))  # 08:00 in Kyiv
    scheduler, queue = scheduler_over(bot, state, clock)
    state.subscribe(1, "09:00", "Europe/Kyiv")
    scheduler.plan(1)
    [job] = queue.live()
    assert (job.name, job.when) == ("digest:1", datetime(2026, 3, 1, 7, 0, tzinfo=UTC))
    await queue.run_until(datetime(2026, 3, 1, 6, 59, tzinfo=UTC))
    assert api.texts(1) == []
    await queue.run_until(datetime(2026, 3, 1, 7, 1, tzinfo=UTC))
    assert api.texts(1) == ["<b>Digest</b> 2026-03-01 07:00 part 1"]
    await queue.run_until(datetime(2026, 3, 1, 23, 59, tzinfo=UTC))
    assert len(api.texts(1)) == 1
    [job] = queue.live()  # tomorrow's job is planned, and only that one
    assert job.when == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


async def test_resubscribing_replaces_the_job_and_unsubscribing_removes_it(api, bot, state, clock):
    scheduler, queue = scheduler_over(bot, state, clock)
    state.subscribe(1, "09:00", "UTC")
    scheduler.plan(1)
    state.subscribe(1, "10:00", "UTC")
    scheduler.plan(1)
    assert [j.when.hour for j in queue.live()] == [10]
    state.unsubscribe(1)
    scheduler.plan(1)
    assert queue.live() == []
    await queue.run_until(clock.now() + timedelta(days=2))
    assert api.sent == []


@pytest.mark.parametrize("days, tz, local_time, expected_utc", [
    # Kyiv springs forward on 29 March 2026: 08:00 stays 08:00 local (06:00 UTC, then 05:00 UTC).
    ((date(2026, 3, 27), 4), "Europe/Kyiv", "08:00",
     ["03-27 06:00", "03-28 06:00", "03-29 05:00", "03-30 05:00"]),
    # 03:30 does not exist in Kyiv on 29 March: that day's digest comes at 04:30 local, still once.
    ((date(2026, 3, 27), 4), "Europe/Kyiv", "03:30",
     ["03-27 01:30", "03-28 01:30", "03-29 01:30", "03-30 00:30"]),
    # Kyiv falls back on 25 October 2026: 03:30 happens twice that night; one digest, at the first.
    ((date(2026, 10, 23), 4), "Europe/Kyiv", "03:30",
     ["10-23 00:30", "10-24 00:30", "10-25 00:30", "10-26 01:30"]),
    ((date(2026, 10, 23), 4), "Europe/Kyiv", "08:00",
     ["10-23 05:00", "10-24 05:00", "10-25 06:00", "10-26 06:00"]),
    # Berlin skips 02:00-03:00 on 29 March 2026.
    ((date(2026, 3, 28), 2), "Europe/Berlin", "02:30", ["03-28 01:30", "03-29 01:30"]),
])
async def test_one_digest_a_local_day_across_daylight_saving_changes(api, bot, state, clock, days, tz,
                                                                     local_time, expected_utc):
    first, count = days
    clock.set(datetime.combine(first, datetime.min.time(), tzinfo=UTC) - timedelta(hours=4))
    scheduler, queue = scheduler_over(bot, state, clock)
    state.subscribe(1, local_time, tz)
    await scheduler.start()
    await queue.run_until(clock.now() + timedelta(days=count, hours=1))
    assert [t.split(" ", 1)[1].rsplit(" part", 1)[0][5:] for t in api.texts(1)] == expected_utc


async def test_after_downtime_start_up_delivers_within_grace_once_and_skips_older(api, bot, state, clock):
    state.subscribe(1, "08:00", "UTC")
    state.subscribe(2, "02:00", "UTC")
    clock.set(datetime(2026, 3, 1, 10, 0, tzinfo=UTC))  # the bot comes back at 10:00
    scheduler, queue = scheduler_over(bot, state, clock)
    await scheduler.start()
    assert api.texts(1) == ["<b>Digest</b> 2026-03-01 08:00 part 1"]  # 2 h late: delivered
    assert api.texts(2) == []  # 8 h late: skipped, not piled up
    # Restarting again the same day sends nothing more.
    scheduler, queue = scheduler_over(bot, state, clock)
    await scheduler.start()
    assert len(api.sent) == 1
    assert sorted(j.when for j in queue.live()) == [datetime(2026, 3, 2, 2, tzinfo=UTC), datetime(2026, 3, 2, 8, tzinfo=UTC)]


async def test_a_failing_delivery_is_retried_later_within_grace(api, bot, state, clock):
    clock.set(datetime(2026, 3, 1, 7, 0, tzinfo=UTC))
    state.subscribe(1, "08:00", "UTC")
    api.faults[1] = ["500"] * 5  # the first attempt uses up its retries
    scheduler, queue = scheduler_over(bot, state, clock)
    await scheduler.start()
    await queue.run_until(datetime(2026, 3, 1, 8, 0, 30, tzinfo=UTC))
    assert api.texts(1) == [] and state.delivery(1, "2026-03-01").status == COMPOSED
    await queue.run_until(datetime(2026, 3, 1, 8, 20, tzinfo=UTC))
    assert api.texts(1) == ["<b>Digest</b> 2026-03-01 08:00 part 1"]
    assert [j.when for j in queue.live()] == [datetime(2026, 3, 2, 8, tzinfo=UTC)]


async def test_a_crash_mid_fan_out_then_restart_gives_every_chat_exactly_one(api, bot, tmp_path, clock):
    path = tmp_path / "state.db"
    first_state = StateStore(path)
    chats = [1, 2, 3, 4, 5]
    for chat in chats:
        first_state.subscribe(chat, "08:00", "UTC")
    clock.set(datetime(2026, 3, 1, 7, 59, tzinfo=UTC))
    composer = CountingComposer()
    scheduler, queue = scheduler_over(bot, first_state, clock, composer)
    await scheduler.start()
    api.faults[3] = ["hang"]  # the process dies while sending to chat 3
    fan_out = asyncio.create_task(queue.run_until(datetime(2026, 3, 1, 8, 5, tzinfo=UTC)))
    await asyncio.wait_for(api.hung.wait(), 5)
    fan_out.cancel()
    with pytest.raises(asyncio.CancelledError):
        await fan_out
    assert {m.chat_id for m in api.sent} == {1, 2}
    assert first_state.delivery(3, "2026-03-01").status == COMPOSED  # claimed, stored, unsent

    clock.set(datetime(2026, 3, 1, 8, 10, tzinfo=UTC))  # restart ten minutes later
    second_state = StateStore(path)
    scheduler, queue = scheduler_over(bot, second_state, clock, composer)
    await scheduler.start()
    assert sorted(m.chat_id for m in api.sent) == chats  # each exactly once
    assert all(second_state.delivery(c, "2026-03-01").status == SENT for c in chats)
    assert [c for c, _ in composer.composed].count(3) == 1  # chat 3's stored digest was resent, not recomposed
    await queue.run_until(datetime(2026, 3, 1, 23, tzinfo=UTC))
    assert len(api.sent) == len(chats)
    assert sorted(j.name for j in queue.live()) == sorted(job_name(c) for c in chats)


async def test_a_job_that_fails_outright_still_leaves_the_chat_a_job(api, bot, state, clock):
    clock.set(datetime(2026, 3, 1, 7, 0, tzinfo=UTC))
    state.subscribe(1, "08:00", "UTC")
    scheduler, queue = scheduler_over(bot, state, clock)
    scheduler.plan(1)

    async def broken(chat_ids=None):
        raise OSError("disk full")
    scheduler.delivery.deliver_due = broken
    with pytest.raises(OSError):
        await queue.run_until(datetime(2026, 3, 1, 8, 1, tzinfo=UTC))
    [job] = queue.live()
    assert job.when == datetime(2026, 3, 1, 8, 10, tzinfo=UTC)  # tried again ten minutes later


async def test_a_start_up_digest_that_fails_is_tried_again_ten_minutes_later(api, bot, state, clock):
    state.subscribe(1, "08:00", "UTC")
    clock.set(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))  # back at 09:00: the 08:00 digest is owed
    api.faults[1] = ["500"] * NETWORK_ATTEMPTS
    scheduler, queue = scheduler_over(bot, state, clock)
    [outcome] = await scheduler.start()
    assert outcome.status == COMPOSED and api.texts(1) == []
    [job] = queue.live()
    assert job.when == clock.now() + RETRY_DELAY  # not tomorrow
    await queue.run_until(datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    assert api.texts(1) == ["<b>Digest</b> 2026-03-01 08:00 part 1"]
    assert [j.when for j in queue.live()] == [datetime(2026, 3, 2, 8, tzinfo=UTC)]
