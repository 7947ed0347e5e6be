"""/addsource, /removesource, /feeds and the fetch job through a real Application and the fake Bot API; the
feeds are served by a local aiohttp server on 127.0.0.1 (names resolved by the stub resolver)."""
from __future__ import annotations

import dataclasses
import sqlite3

import pytest
from telegram.ext import ApplicationBuilder

from bot.sources.registry import PAUSED
from handlers import digests, sources
from tests.sources.conftest import FeedServer, RecordingConnector, Reply, StubResolver, fixture_bytes

from .conftest import ADMIN, TOKEN
from .test_handlers import message, send


@pytest.fixture
async def server():
    srv = FeedServer()
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
async def app(api, settings, clock):
    settings = dataclasses.replace(settings, allow_private_sources=True, fetch_interval_minutes=1)
    application = (ApplicationBuilder().token(TOKEN).base_url(f"{api.url}/bot")
                   .base_file_url(f"{api.url}/file/bot").build())
    digests.register(application, settings, clock=clock)
    sources.register(application, settings)
    following = application.bot_data["following"]
    following.resolver, following.connector = StubResolver({}), RecordingConnector()
    await application.initialize()
    yield application
    await application.shutdown()
    following.close()


def job(app) -> sources.SourceHandlers:
    return next(j.callback.__self__ for j in app.job_queue.jobs() if j.name == "sources:poll")


class Context:
    def __init__(self, app):
        self.application, self.bot, self.job_queue = app, app.bot, app.job_queue


async def test_an_admin_adds_a_feed_and_the_job_builds_it_into_the_store(app, api, server, settings):
    server.route("/feed.xml", Reply(fixture_bytes("rss20.xml"), content_type="application/rss+xml"))
    server.route("/news/storm-pier", Reply(fixture_bytes("article.html"), content_type="text/html"))
    await send(app, message(f"/addsource {server.url('/feed.xml')} Harbour Gazette", chat_id=ADMIN, user_id=ADMIN))
    reply = api.texts(ADMIN)[-1]
    assert "Following 1. <b>Harbour Gazette</b>: RSS 2.0 feed, 7 entries." in reply
    assert "Newest: “" in reply and "every 1 minute" in reply
    assert [j.name for j in app.job_queue.jobs() if j.name == "sources:after-add"] == ["sources:after-add"]
    await job(app).poll(Context(app))
    with sqlite3.connect(settings.briefing_db) as conn:
        outlets = {o for (o,) in conn.execute("select outlet from documents where url is not null")}
        fetched = conn.execute("select count(*) from documents where path like 'feeds/harbour-gazette/%'").fetchone()[0]
    assert outlets == {"Harbour Gazette"} and fetched >= 5
    await send(app, message("/feeds", chat_id=7, user_id=7))  # everybody may see them
    listing = api.texts(7)[-1]
    assert "1. <b>Harbour Gazette</b> (feed) — ok" in listing and f"{fetched} entries taken" in listing
    await send(app, message(f"/addsource {server.url('/feed.xml')}", chat_id=ADMIN, user_id=ADMIN))
    assert "Already following it: 1. <b>Harbour Gazette</b>" in api.texts(ADMIN)[-1]


@pytest.mark.parametrize("args, answer", [
    ("", "Usage: /addsource URL [NAME]"),
    ("javascript:alert(1)", "scheme javascript: is not allowed (only http and https). Nothing was added."),
    ("file:///etc/passwd", "scheme file: is not allowed"),
    ("data:text/html,hello", "scheme data: is not allowed"),
    ("https://news.example/feed", "cannot resolve news.example"),
])
async def test_bad_addresses_get_a_clear_answer(app, api, args, answer):
    await send(app, message(f"/addsource {args}".strip(), chat_id=ADMIN, user_id=ADMIN))
    assert answer in api.texts(ADMIN)[-1]
    assert app.bot_data["following"].sources() == []
    assert app.bot_data["following"].connector.attempts == []  # nothing was connected to


@pytest.mark.parametrize("status, body, answer", [
    (404, "no", "404"), (410, "gone", "410"), (503, "busy", "503"),
    (200, "just some text, no feed, no page", "not a feed"),
])
async def test_what_the_server_says_is_told(app, api, server, status, body, answer):
    server.route("/feed", Reply(body, status=status, content_type="text/plain"))
    await send(app, message(f"/addsource {server.url('/feed')}", chat_id=ADMIN, user_id=ADMIN))
    reply = api.texts(ADMIN)[-1]
    assert reply.startswith("Could not follow") and answer in reply.lower() and "Nothing was added" in reply


async def test_a_page_without_a_feed_is_followed_as_a_page(app, api, server):
    server.route("/story", Reply(fixture_bytes("article.html"), content_type="text/html"))
    await send(app, message(f"/addsource {server.url('/story')}", chat_id=ADMIN, user_id=ADMIN))
    assert "as a page" in api.texts(ADMIN)[-1] and "no feed was found" in api.texts(ADMIN)[-1]


async def test_only_admins_in_private_add_or_remove(app, api, server):
    await send(app, message(f"/addsource {server.url('/feed.xml')}", chat_id=5, user_id=5))
    await send(app, message("/removesource 1", chat_id=-1001, user_id=ADMIN))
    assert all("Only the bot's administrators" in t for t in api.texts(5) + api.texts(-1001))
    assert server.requests == []


async def test_a_gone_source_is_paused_and_admins_are_told_once(app, api, server, settings):
    server.route("/feed.xml", Reply(fixture_bytes("rss20.xml"), content_type="application/rss+xml"))
    await send(app, message(f"/addsource {server.url('/feed.xml')}", chat_id=ADMIN, user_id=ADMIN))
    server.route("/feed.xml", Reply("gone", status=410))
    poller = job(app)
    await poller.poll(Context(app))
    await poller.poll(Context(app))
    following = app.bot_data["following"]
    assert following.sources()[0].state == PAUSED
    notices = [t for t in api.texts(ADMIN) if "is paused" in t]
    assert len(notices) == 1 and "410" in notices[0]
    await send(app, message("/feeds", chat_id=ADMIN, user_id=ADMIN))
    assert "⏸ paused after repeated errors" in api.texts(ADMIN)[-1]
    await send(app, message(f"/addsource {server.url('/feed.xml')}", chat_id=ADMIN, user_id=ADMIN))
    assert "was paused; it is followed again" in api.texts(ADMIN)[-1]
    await send(app, message("/removesource 1", chat_id=ADMIN, user_id=ADMIN))
    assert "No longer following 1." in api.texts(ADMIN)[-1] and following.sources() == []
    await send(app, message("/removesource 1", chat_id=ADMIN, user_id=ADMIN))
    assert "No source is numbered or addressed “1”" in api.texts(ADMIN)[-1]


async def test_feeds_are_paged_by_buttons(app, api):
    following = app.bot_data["following"]
    for n in range(23):
        following.registry.add(f"https://outlet{n}.example/feed", name=f"Outlet <{n}> & Co")
    await send(app, message("/feeds", chat_id=7, user_id=7))
    method, params = next(c for c in reversed(api.calls) if c[0] == "sendMessage")
    assert "(1–10 of 23)" in params["text"] and "Outlet &lt;0&gt; &amp; Co" in params["text"]
    assert [b["callback_data"] for row in params["reply_markup"]["inline_keyboard"] for b in row] == ["fd:10:"]
    await send(app, {"update_id": 9999, "callback_query": {
        "id": "q1", "chat_instance": "c", "data": "fd:20:", "from": {"id": 7, "is_bot": False, "first_name": "U"},
        "message": {"message_id": 5, "date": 1_700_000_000, "chat": {"id": 7, "type": "private"}, "text": "x"}}})
    method, params = next(c for c in reversed(api.calls) if c[0] == "editMessageText")
    assert "(21–23 of 23)" in params["text"]
    assert [b["callback_data"] for row in params["reply_markup"]["inline_keyboard"] for b in row] == ["fd:10:"]
