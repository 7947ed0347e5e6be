"""Alert batches: gathered for the chat's batch length, held through quiet hours in the chat's zone
(daylight saving included), composed within Telegram's limits, and sent exactly once through the
fake Bot API, across restarts and Telegram's refusals."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers import render
from bot.delivery.slots import BadSchedule
from bot.follows.alerts import compose_batch, due_at, parse_quiet, quiet_end
from bot.follows.state import QueuedItem

from .conftest import KYIV

UTC = timezone.utc
KYIV_TZ = "Europe/Kyiv"


def local(tz: str, *args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def test_parse_quiet():
    assert parse_quiet("22:00-07:00") == ("22:00", "07:00")
    assert parse_quiet("7:30–9:00") == ("07:30", "09:00")
    assert parse_quiet("off") is None
    for bad in ["22:00", "25:00-07:00", "22:00-22:00", "-", "night", "22:00-07:00-08:00"]:
        with pytest.raises(BadSchedule):
            parse_quiet(bad)


def test_quiet_hours_across_midnight_and_daylight_saving():
    quiet = ("22:00", "07:00")
    # An ordinary night in Kyiv (UTC+2 in winter): 23:30 local is quiet until 07:00 local.
    assert quiet_end(quiet, KYIV_TZ, local(KYIV_TZ, 2026, 3, 20, 23, 30)) == local(KYIV_TZ, 2026, 3, 21, 7, 0)
    assert quiet_end(quiet, KYIV_TZ, local(KYIV_TZ, 2026, 3, 21, 12, 0)) is None
    # The night clocks jump forward (29 March 2026, 03:00 → 04:00): the night is an hour shorter in UTC.
    start = local(KYIV_TZ, 2026, 3, 28, 22, 0)
    end = quiet_end(quiet, KYIV_TZ, start)
    assert end == datetime(2026, 3, 29, 4, 0, tzinfo=UTC) and end - start == timedelta(hours=8)
    # The night clocks fall back (25 October 2026): an hour longer.
    start = local(KYIV_TZ, 2026, 10, 24, 22, 0)
    assert quiet_end(quiet, KYIV_TZ, start) - start == timedelta(hours=10)
    # A span within one day, in New York (UTC-5 in winter).
    assert quiet_end(("01:00", "05:00"), "America/New_York", datetime(2026, 1, 10, 8, 0, tzinfo=UTC)) == \
        datetime(2026, 1, 10, 10, 0, tzinfo=UTC)


def test_a_batch_is_due_after_its_length_or_when_quiet_hours_end():
    first = local(KYIV_TZ, 2026, 3, 20, 12, 0)
    assert due_at(first, 10, None, KYIV_TZ) == first + timedelta(minutes=10)
    assert due_at(first, 10, ("22:00", "07:00"), KYIV_TZ) == first + timedelta(minutes=10)
    late = local(KYIV_TZ, 2026, 3, 20, 21, 55)  # due at 22:05, in quiet hours: at 07:00
    assert due_at(late, 10, ("22:00", "07:00"), KYIV_TZ) == local(KYIV_TZ, 2026, 3, 21, 7, 0)
    # The same instant is 23:05 at UTC+3 (quiet until 07:00 there, 04:00 UTC) and 16:05 in New York (not quiet).
    assert due_at(late, 10, ("22:00", "07:00"), "UTC+3") == datetime(2026, 3, 21, 4, 0, tzinfo=UTC)
    assert due_at(late, 10, ("22:00", "07:00"), "America/New_York") == late + timedelta(minutes=10)


ZONES = ["UTC", "Europe/Kyiv", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC+14:00", "UTC-09:30"]
HOURS = st.integers(0, 23).flatmap(lambda h: st.sampled_from([0, 30]).map(lambda m: f"{h:02d}:{m:02d}"))


@settings(max_examples=300, deadline=None)
@given(zone=st.sampled_from(ZONES), start=HOURS, end=HOURS, minutes=st.sampled_from([0, 5, 10, 60]),
       first=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)))
def test_a_due_batch_is_never_in_quiet_hours_nor_early_nor_held_past_them(zone, start, end, minutes, first):
    if start == end:
        return
    first = first.replace(tzinfo=UTC)
    due = due_at(first, minutes, (start, end), zone)
    assert due >= first + timedelta(minutes=minutes)
    assert quiet_end((start, end), zone, due) is None  # not inside quiet hours
    assert due - first <= timedelta(minutes=minutes) + timedelta(hours=25)  # at most one night's wait


def item(n: int, size: int = 300) -> QueuedItem:
    html = f"🗣 <b>Speaker {n}</b>\n<blockquote>{'word ' * (size // 5)}</blockquote>\n<i>Title</i>, ¶{n}"
    return QueuedItem(n, f"q:{n}", "person", html, f"line {n}", "doc.txt", 1, "Speaker", None,
                      "2026-01-01T00:00:00.000+00:00")


@pytest.mark.parametrize("count", [1, 2, 10, 40, 200])
def test_a_batch_is_one_message_or_a_thread_of_three_and_counts_the_rest(count):
    parts = compose_batch([item(n, 700) for n in range(count)])
    assert 1 <= len(parts) <= 3
    assert all(len(p) <= render.MESSAGE_LIMIT for p in parts)
    shown = sum(p.count("<blockquote>") for p in parts)
    assert parts[0].startswith("🔔 <b>New alert</b>" if count == 1 else f"🔔 <b>{count} new alerts</b>")
    if shown < count:
        assert parts[-1].endswith(f"…and {count - shown} more: /alerts")
    else:
        assert "more: /alerts" not in parts[-1]
    assert shown >= min(count, 12)


async def test_each_chat_gets_one_alert_message_in_its_place_and_never_again(world, api, bot):
    world.commands.follow(1, "blinken")
    world.commands.follow(-100200, "crimea", thread_id=7)
    world.write("kyiv.txt", KYIV)
    world.build()
    world.matcher.check()
    delivery = world.delivery(bot, batch_minutes=10)
    assert await delivery.deliver_due() == []  # gathered for ten minutes first
    world.clock.t += timedelta(minutes=10)
    outcomes = await delivery.deliver_due()
    assert sorted((o.chat_id, o.status, o.items) for o in outcomes) == [(-100200, "sent", 1), (1, "sent", 2)]
    (private,) = api.texts(1)
    assert private.startswith("🔔 <b>2 new alerts</b>") and "We are here to listen" in private
    (group,) = [m for m in api.sent if m.chat_id == -100200]
    assert group.thread_id == 7 and "📌 <i>crimea</i>" in group.text and "Blinken visits Kyiv" in group.text
    world.clock.t += timedelta(hours=1)
    world.matcher.check()
    assert await delivery.deliver_due() == [] and len(api.sent) == 2
    page = world.commands.alerts(1).html
    assert "We are here to listen" in page and "No one should doubt" in page


async def test_a_crash_mid_batch_resumes_it_and_repeats_nothing(world, api, bot):
    world.commands.follow(1, "blinken")
    world.write("kyiv.txt", "\n\n".join([KYIV] + [
        f"“Point number {n} is one we have made before, and will make again, as often as needed, in every "
        f"capital that will listen to us, whatever the season and whatever the news of the day,” Mr. Blinken said."
        for n in range(40)]))
    world.build()
    world.matcher.check()
    world.clock.t += timedelta(minutes=10)
    api.faults[1] = ["ok", "hang"]  # the first message goes through; the bot "dies" sending the second
    first_run = asyncio.ensure_future(world.delivery(bot).deliver_due())
    await asyncio.wait_for(api.hung.wait(), 10)
    first_run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first_run
    assert len(api.texts(1)) == 1
    claimed = json.loads(world.state.db.execute("select parts from alert_batches").fetchone()[0])
    # A new process: the claimed batch is resumed after its first message, nothing is composed again.
    outcomes = await world.delivery(bot).deliver_due()
    assert [(o.status) for o in outcomes] == ["sent"]
    texts = api.texts(1)
    assert texts == claimed
    assert len(texts) == len(set(texts)) and 2 <= len(texts) <= 3
    assert await world.delivery(bot).deliver_due() == []


async def test_a_blocked_bot_pauses_alerts_and_a_migrated_group_takes_its_follows(world, api, bot):
    world.commands.follow(1, "blinken")
    world.commands.follow(-100, "blinken")
    world.write("kyiv.txt", KYIV)
    world.build()
    world.matcher.check()
    world.clock.t += timedelta(minutes=10)
    api.faults[1] = ["403"]
    api.faults[-100] = ["migrate:-100999"]
    outcomes = await world.delivery(bot).deliver_due()
    assert sorted((o.chat_id, o.status) for o in outcomes) == [(-100999, "sent"), (1, "undeliverable")]
    assert world.follows.settings(1).paused and "Paused" in "\n".join(world.commands.settings_lines(1))
    assert [f.chat_id for f in world.follows.every()] == [1, -100999]
    world.commands.follow(1, "crimea")  # following again resumes alerts
    assert world.follows.settings(1).paused is None


async def test_sent_batches_let_their_messages_go_and_old_alerts_are_forgotten(world, api, bot):
    world.commands.follow(1, "blinken")
    world.write("kyiv.txt", KYIV)
    world.build()
    world.matcher.check()
    assert [o.status for o in await world.delivery(bot).deliver_due()] == ["sent"]
    assert world.state.db.execute("select parts from alert_batches").fetchone()[0] == "[]"
    assert "We are here to listen" in world.commands.alerts(1).html  # /alerts renders the items themselves
    assert world.follows.prune(world.clock.now() - timedelta(days=30)) == 0
    assert world.follows.prune(world.clock.now() + timedelta(seconds=1)) == 2
    assert "No alerts since the last alert message" in world.commands.alerts(1).html
