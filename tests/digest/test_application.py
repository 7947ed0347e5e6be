"""The digest family inside a running PTB Application: the real JobQueue (APScheduler) runs the
start-up catch-up and holds one job per subscription; a second Application over the same state.db,
started after the first died mid-fan-out, completes the fan-out without a duplicate."""
import asyncio
from datetime import datetime, timedelta, timezone

from telegram.ext import ApplicationBuilder

from bot.delivery.schedule import job_name
from bot.delivery.slots import next_slot
from bot.delivery.state import SENT, StateStore
from handlers import digests

from .conftest import TOKEN, FakeClock

UTC = timezone.utc


def application(api, settings, clock):
    app = (ApplicationBuilder().token(TOKEN).base_url(f"{api.url}/bot")
           .base_file_url(f"{api.url}/file/bot").build())
    digests.register(app, settings, clock=clock)
    return app


async def wait_for(condition, seconds=10.0):
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


def subscribe_due(settings, chats, now):
    """Subscriptions whose slot passed two minutes ago (UTC), as if the bot had been down then."""
    state = StateStore(settings.state_db)
    due = now - timedelta(minutes=2)
    for chat in chats:
        state.subscribe(chat, f"{due:%H:%M}", "UTC")
    state.close()
    return due


async def test_start_up_catches_up_and_plans_one_job_per_subscription(api, settings):
    clock = FakeClock(datetime.now(UTC))
    due = subscribe_due(settings, [1, -100], clock.now())
    app = application(api, settings, clock)
    await app.initialize()
    await app.start()
    try:
        await wait_for(lambda: len(api.sent) == 2 and app.job_queue.get_jobs_by_name(job_name(1)))
        assert sorted(m.chat_id for m in api.sent) == [-100, 1]
        for chat in (1, -100):
            [job] = app.job_queue.get_jobs_by_name(job_name(chat))
            assert job.next_t == next_slot(f"{due:%H:%M}", "UTC", clock.now())[1]
    finally:
        await app.stop()
        await app.shutdown()


async def test_restart_mid_fan_out_still_one_digest_per_chat(api, settings):
    clock = FakeClock(datetime.now(UTC))
    chats = [1, 2, 3, 4, 5]
    due = subscribe_due(settings, chats, clock.now())
    api.faults[3] = ["hang"]  # the first process dies while its request to chat 3 is in flight

    before = asyncio.all_tasks()
    first = application(api, settings, clock)
    await first.initialize()
    await first.start()
    await asyncio.wait_for(api.hung.wait(), 10)
    for task in asyncio.all_tasks() - before - {asyncio.current_task()}:
        task.cancel()  # the crash: everything the first application was doing stops here
    await asyncio.sleep(0.05)
    assert {m.chat_id for m in api.sent} == {1, 2}

    second = application(api, settings, clock)
    await second.initialize()
    await second.start()
    try:
        await wait_for(lambda: len(api.sent) >= len(chats) and second.job_queue.get_jobs_by_name(job_name(5)))
        await asyncio.sleep(0.2)  # room for a duplicate to show up, if there were one
        assert sorted(m.chat_id for m in api.sent) == chats
        state = StateStore(settings.state_db)
        assert all(state.delivery(c, due.date()).status == SENT for c in chats)
        state.close()
    finally:
        await second.stop()
        await second.shutdown()
