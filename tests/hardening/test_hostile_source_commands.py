"""/addsource, /removesource and /feeds with hostile input, as an administrator in private and as anybody in a
group, through the real Application: every message sent is one Telegram takes, and no address but the ones
typed is ever resolved, and none is connected to (the stub resolver knows no name; the connector refuses)."""
from __future__ import annotations

import itertools
import logging

import pytest
from hostile import arguments
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from telegram_fakes import Updates, feed
from test_hostile_handlers import sent_problems

from bot.answers import feeds as feed_answers
from bot.config import Settings
from bot.frontends.telegram_app import build_application
from handlers.throttle import Throttle
from tests.bot.conftest import TOKEN
from tests.sources.conftest import RecordingConnector, StubResolver

EXAMPLES = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ADMIN = 1


@pytest.fixture
async def admin_app(bot_api, seed_store, tmp_path):
    settings_ = Settings(token=TOKEN, api_base_url=f"{bot_api.url}/bot", briefing_db=seed_store,
                         state_db=tmp_path / "state.db", seeds_dir=tmp_path / "seeds", rate_limit=False,
                         admin_user_ids=frozenset({ADMIN}))
    app = build_application(settings_)
    following = app.bot_data["following"]
    following.resolver, following.connector = StubResolver({}), RecordingConnector(allow_loopback=False)
    ticks = itertools.count(step=1000.0)
    app.bot_data["throttle"] = Throttle(clock=lambda: next(ticks))
    await app.initialize()
    yield app
    await app.shutdown()


@EXAMPLES
@given(command=st.sampled_from(["addsource", "removesource", "feeds"]), args=arguments, private=st.booleans())
@example(command="addsource", args="http://[::1", private=True)
@example(command="addsource", args="https://user:pw@example.com/feed", private=True)
@example(command="addsource", args="http://169.254.169.254/latest/meta-data", private=True)
@example(command="removesource", args="99999999999999999999999", private=True)
async def test_hostile_source_commands_get_valid_replies(admin_app, bot_api, caplog, command, args, private):
    since = len(bot_api.calls)
    text = f"/{command}{'' if private else '@BriefTestBot'} {args}"[:4096]
    chat = {"chat_id": ADMIN} if private else {"chat_id": -100, "chat_type": "supergroup"}
    with caplog.at_level(logging.ERROR):
        await feed(admin_app, Updates.message(text, user_id=ADMIN, **chat))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert sent_problems(bot_api, since) == []
    assert [m for m, _ in bot_api.calls[since:] if m == "sendMessage"]
    following = admin_app.bot_data["following"]
    assert following.connector.attempts == []  # nothing typed is ever connected to
    assert following.sources() == []  # no name resolves here: nothing can be added


@EXAMPLES
@given(names=st.lists(arguments, min_size=1, max_size=25), page=st.integers(-5, 40))
async def test_feeds_with_hostile_names_and_errors_are_valid_html(admin_app, bot_api, names, page):
    following = admin_app.bot_data["following"]
    registry = following.registry
    registry.db.execute("delete from sources")
    for n, name in enumerate(names):
        source, _ = registry.add(f"https://outlet{n}.example/{n}", name=name)
        if n % 3 == 1:
            registry.pause(source.id, name[:500])
        elif n % 3 == 2:
            registry.db.execute("update sources set state = 'failing', last_error = ?, failing_since = ? where id = ?",
                                [name[:500], "2024-04-12T07:30:00+00:00", source.id])
    since = len(bot_api.calls)
    await feed(admin_app, Updates.message("/feeds", user_id=ADMIN, chat_id=ADMIN))
    await feed(admin_app, Updates.callback(f"{feed_answers.FEEDS_CALLBACK}:{page}:", user_id=ADMIN, chat_id=ADMIN))
    assert sent_problems(bot_api, since) == []
