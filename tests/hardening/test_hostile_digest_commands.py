"""/subscribe, /settings, /digest and /unsubscribe fed what hostile users type: every answer is valid
Telegram HTML, and state.db only ever holds a time and a zone the scheduler can use."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hostile import arguments, phrase
from hypothesis import example, given, settings
from hypothesis import strategies as st
from telegram_html import problems

from bot.answers import render
from bot.delivery.digest import DigestComposer
from bot.delivery.digest_commands import DigestCommands
from bot.delivery.slots import next_slot, parse_time, zone
from bot.delivery.state import StateStore
from bot.store.queries import Store
from tests.digest.conftest import FakeClock

ZONES = ["Europe/Kyiv", "europe/kyiv", "UTC+3", "UTC-14:00", "UTC+14:01", "GMT+99", "+5:30", "-0", "../../etc/passwd",
         "/etc/localtime", "Etc/GMT+12", "posixrules", "Factory", "localtime", "America/Argentina/ComodRivadavia"]
TIMES = ["07:30", "7:30", "24:00", "23:60", "-1:00", "1:2", "٠٧:٣٠", "²:00", "07:30:00", "0730", "99999999999:00"]
schedule = st.lists(st.one_of(st.sampled_from(ZONES), st.sampled_from(TIMES), phrase), max_size=3).map(" ".join)


@pytest.fixture(scope="module")
def commands(seed_store, tmp_path_factory):
    state = StateStore(tmp_path_factory.mktemp("state") / "state.db")
    clock = FakeClock(datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc))  # a DST night in Europe
    yield DigestCommands(state, DigestComposer(Store(seed_store), state), clock)
    state.close()


def valid(html: str) -> None:
    for part in render.split_message(html):
        assert problems(part) == [], (problems(part), part[:200])


@settings(max_examples=150, deadline=None)
@given(args=st.one_of(schedule, arguments), chat=st.sampled_from([1, -100]))
@example(args="٠٧:٣٠ europe/kyiv", chat=1)
@example(args="99999999999:00", chat=1)
def test_hostile_schedules_answer_validly_and_store_only_usable_ones(commands, args, chat):
    valid(commands.subscribe(chat, args, user_id=5).html)
    sub = commands.state.subscription(chat)
    if sub is not None:
        assert parse_time(sub.time) == sub.time
        zone(sub.tz)  # the scheduler can use it
        next_slot(sub.time, sub.tz, commands.clock.now())
    valid(commands.settings(chat).html)
    digest = commands.digest_now(chat)
    assert 1 <= len(digest.parts) <= 3
    for part in digest.parts:
        valid(part)
    valid(commands.unsubscribe(chat).html if args.endswith("x") else commands.toggle_only_news(chat).html)
