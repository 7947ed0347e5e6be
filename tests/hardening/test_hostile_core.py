"""Every command, button and inline query of the command core, fed what hostile users type.

Each answer must be one Telegram would take: valid HTML from its tag set with all text escaped,
every message (after the handlers' splitting) within 4096 characters, callback_data within 64 bytes,
quiz polls within Telegram's limits; and the console's plain rendering must leak no markup.
"""
from __future__ import annotations

import random

import pytest
from hostile import arguments, phrase
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from telegram_html import callback_problems, problems, tags_not_from_text

from bot.answers import render
from bot.answers.commands import COMMANDS, Answer, CommandCore
from bot.frontends.console import ConsoleChat
from bot.store.queries import Store

EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = [c.name for c in COMMANDS] + ["frobnicate", "WHO", "Search"]
CALLBACK_KINDS = ["p", "wl", "qp", "qt", "mn", "sr", "tr", "zz", ""]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def charts_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("charts")


@pytest.fixture(scope="module")
def core(seed_store) -> CommandCore:
    return CommandCore(Store(seed_store), rng=random.Random(5))


def assert_telegram_takes(answer: Answer) -> None:
    if answer.photo is not None:  # a chart: what handlers/reply.py sends as the photo's caption
        caption = render.split_message(answer.html, render.CAPTION_LIMIT)[0]
        assert problems(caption) == [] and len(render.to_plain(caption)) <= render.CAPTION_LIMIT, caption
        assert answer.photo.png.startswith(PNG_SIGNATURE)
    parts = render.split_message(answer.html)
    for part in parts:
        assert problems(part) == [], (problems(part), part[:300])
    for row in answer.buttons:
        for button in row:
            assert button.label and len(button.label) <= 64
            assert callback_problems(button.callback) == []
            assert (button.callback is None) != (button.switch_inline is None)
    if answer.poll is not None:
        poll = answer.poll
        assert 1 <= len(poll.question) <= 300 and 2 <= len(poll.options) <= 10
        assert all(1 <= len(o) <= 100 for o in poll.options) and len(set(poll.options)) == len(poll.options)
        assert 0 <= poll.correct < len(poll.options) and len(poll.explanation) <= 200
    plain = render.to_plain(answer.html)
    assert tags_not_from_text(plain, answer.html) == []


@EXAMPLES
@given(command=st.sampled_from(NAMES), args=arguments)
@example(command="brief", args="²")  # a digit to str.isdigit, not to int()
@example(command="start", args="brief-١٢³")
@example(command="brief", args="9" * 5000)  # past int()'s 4300 digits, and SQLite's 64 bits
@example(command="search", args="&" * 4000)  # escaped five times longer than the 4096 limit
@example(command="who", args="<b>" * 1500)
@example(command="trend", args="blinken, <b>crimea</b>, haines 365")
@example(command="trend", args="&" * 3000 + ", blinken")
def test_every_command_answers_hostile_arguments_with_valid_telegram_html(core, command, args):
    answer = core.answer(command, args)
    assert_telegram_takes(answer)
    for row in answer.buttons:  # the buttons lead to valid answers too
        for button in row:
            if button.callback is not None:
                assert_telegram_takes(core.answer_callback(button.callback))


@EXAMPLES
@example(kind="p", number="9223372036854775808", tail="")
@example(kind="qp", number="0", tail="²")
@given(kind=st.sampled_from(CALLBACK_KINDS), number=st.one_of(st.integers(0, 10**30).map(str), phrase),
       tail=phrase)
def test_forged_button_data_gets_a_valid_answer(core, kind, number, tail):
    data = render.fit_callback(f"{kind}:{number}:", tail)
    assert_telegram_takes(core.answer_callback(data))


@EXAMPLES
@given(query=arguments)
def test_inline_queries_offer_valid_articles(core, query):
    results = core.inline_results(query)
    assert len(results) <= 50 and len({r.id for r in results}) == len(results)
    for r in results:
        assert 1 <= len(r.id.encode()) <= 64 and r.title.strip()
        first = render.split_message(r.html)[0]  # what handlers/inline.py sends
        assert problems(first) == [], problems(first)


@settings(max_examples=100, deadline=None)
@example(lines=["/who", "²"])
@example(lines=["/who", "9" * 5000])
@given(lines=st.lists(st.one_of(st.tuples(st.sampled_from(NAMES), arguments).map(lambda t: f"/{t[0]} {t[1]}"),
                                arguments, st.sampled_from(["1", "2", "99", "@ blinken", "@ " + "<b>" * 50])),
                      min_size=1, max_size=6))
def test_console_survives_any_typing_and_shows_no_markup(core, charts_dir, lines):
    chat = ConsoleChat(core, charts_dir=charts_dir)
    for line in lines:
        out = chat.reply(line)
        assert isinstance(out, str) and out
