"""/follow, /unfollow, /quiet, /alerts and their buttons fed what hostile users type: every answer is
valid Telegram HTML with callback data within 64 bytes, and state.db only ever holds follows the
matcher can use (at most 50 a chat, at most 5 words and 3 exclusions a topic) and quiet hours it can read."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hostile import arguments, phrase
from hypothesis import example, given, settings
from hypothesis import strategies as st
from telegram_html import callback_problems, problems

from bot.answers import render
from bot.delivery.state import StateStore
from bot.follows.alerts import parse_quiet
from bot.follows.commands import FollowCommands
from bot.follows.state import MAX_FOLLOWS, TOPIC, FollowState
from bot.follows.topics import MAX_EXCLUDED, MAX_WORDS
from bot.store.queries import Store
from tests.digest.conftest import FakeClock

QUIET = ["<b>", "<b>-07:00", "22:00-<i>", "&amp;", "22:00-07:00", "7:00-7:00", "25:00-01:00", "off", "22:00", "-", "22:00–07:00", "٢٢:٠٠-٠٧:٠٠", "1:2-3:4"]
topic = st.lists(st.one_of(phrase, st.sampled_from(["-football", "-", "--", "−x", "crimea", "talks"])),
                 max_size=9).map(" ".join)


@pytest.fixture(scope="module")
def commands(seed_store, tmp_path_factory):
    state = StateStore(tmp_path_factory.mktemp("state") / "state.db")
    clock = FakeClock(datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc))
    yield FollowCommands(Store(seed_store), FollowState(state), state, clock, 10)
    state.close()


def valid(answer) -> None:
    for part in render.split_message(answer.html):
        assert problems(part) == [], (problems(part), part[:200])
    for row in answer.buttons:
        for button in row:
            assert callback_problems(button.callback) == []


@settings(max_examples=200, deadline=None)
@given(args=st.one_of(arguments, topic), chat=st.sampled_from([1, -100]), quiet=st.sampled_from(QUIET))
@example(args="a b c d e f -x -y -z -w", chat=1, quiet="off")
@example(args="-football", chat=1, quiet="off")
def test_hostile_follows_answer_validly_and_store_only_usable_ones(commands, args, chat, quiet):
    answer = commands.follow(chat, args, user_id=5)
    valid(answer)
    for row in answer.buttons:  # a choice of people, or the words as a topic: pressing any is safe too
        for button in row:
            valid(commands.answer_callback(chat, button.callback))
    follows = commands.follows.of_chat(chat)
    assert len(follows) <= MAX_FOLLOWS
    for f in follows:
        if f.kind == TOPIC:
            assert 1 <= len(f.words) <= MAX_WORDS and len(f.exclude) <= MAX_EXCLUDED
    valid(commands.following(chat))
    valid(commands.quiet(chat, quiet))
    s = commands.follows.settings(chat)
    assert s.quiet is None or parse_quiet("-".join(s.quiet)) == s.quiet
    valid(commands.alerts(chat))
    valid(commands.unfollow(chat, args))
    if len(follows) > 40:
        for f in follows:
            commands.unfollow_id(chat, f.id)
