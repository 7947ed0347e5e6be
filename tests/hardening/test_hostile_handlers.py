"""Hostile messages and inline queries through the real Application (PTB, its HTTP layer, every
handler family) against the recording fake Bot API: whatever is typed, each message the bot sends
is one Telegram would take, and no update ends in the error handler."""
from __future__ import annotations

import itertools
import logging

import pytest
from hostile import arguments
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from telegram_fakes import Updates, feed
from telegram_html import callback_problems, problems

from bot.answers import render
from bot.answers.commands import COMMANDS
from handlers.errors import SORRY
from handlers.throttle import Throttle

NAMES = [c.name for c in COMMANDS] + ["frobnicate"]
ADMINS_ONLY = {c.name for c in COMMANDS if c.admins_only}
EXAMPLES = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture
def unthrottled(application):
    """The flood control of its own test (test_abuse.py) would refuse most of these examples."""
    ticks = itertools.count(step=1000.0)
    application.bot_data["throttle"] = Throttle(clock=lambda: next(ticks))
    return application


def sent_problems(bot_api, since: int) -> list:
    found = []
    for method, params in bot_api.calls[since:]:
        if method in {"sendMessage", "editMessageText"}:
            found += problems(params["text"])
            markup = params.get("reply_markup") or {}
            found += [p for row in markup.get("inline_keyboard", []) for b in row
                      for p in callback_problems(b.get("callback_data"))]
        if method == "sendPhoto":  # a chart: its caption must be HTML Telegram takes, within 1,024 characters
            found += problems(params.get("caption", ""))
            if len(render.to_plain(params.get("caption", ""))) > render.CAPTION_LIMIT:
                found.append("caption over 1,024 characters")
        if method == "answerInlineQuery":
            for result in params["results"]:
                found += problems(result["input_message_content"]["message_text"])
    return found


@EXAMPLES
@given(command=st.sampled_from(NAMES), args=arguments, private=st.booleans())
@example(command="search", args="&" * 4000, private=True)
@example(command="brief", args="²", private=False)
@example(command="trend", args="AND", private=False)  # a chart: sent with sendPhoto
async def test_hostile_commands_get_valid_replies(unthrottled, bot_api, caplog, command, args, private):
    since = len(bot_api.calls)
    private = private or command in ADMINS_ONLY  # in groups these ask getChatMember first,
    # which this fake answers with True only (tests/digest and tests/follows cover group rights)
    text = f"/{command}{'' if private else '@BriefTestBot'} {args}"[:4096]
    chat = {"chat_id": 1} if private else {"chat_id": -100, "chat_type": "supergroup"}
    with caplog.at_level(logging.ERROR):
        await feed(unthrottled, Updates.message(text, **chat))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert sent_problems(bot_api, since) == []
    replies = [p["text"] for m, p in bot_api.calls[since:] if m in {"sendMessage", "sendPoll"} for p in [p]
               if "text" in p]
    assert SORRY not in replies
    assert [m for m, _ in bot_api.calls[since:] if m in {"sendMessage", "sendPoll", "sendPhoto"}]


@EXAMPLES
@given(query=arguments)
async def test_hostile_inline_queries_get_valid_articles(unthrottled, bot_api, caplog, query):
    since = len(bot_api.calls)
    with caplog.at_level(logging.ERROR):
        await feed(unthrottled, Updates.inline(query[:256]))  # Telegram cuts inline queries at 256
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [m for m, _ in bot_api.calls[since:]] == ["answerInlineQuery"]
    assert sent_problems(bot_api, since) == []
