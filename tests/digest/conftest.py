"""Fixtures of the digest tests: a clock that moves only when told, and a fake Bot API server.

The fake server is a real HTTP server on 127.0.0.1 that PTB's Bot talks to through `base_url`, so
every Telegram answer (flood control, 5xx, 403, chat not found, migration, timeouts) reaches the
code under test through PTB's own request and error handling.
"""
from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiohttp import web
from telegram import Bot
from telegram.request import HTTPXRequest

from bot import build as store_builder
from bot.config import Settings
from bot.delivery.digest import Digest
from bot.delivery.state import StateStore

TOKEN = "123456:TEST-token"
SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_7c73074e746b7734.txt"
ADMIN = 7  # the one id in ADMIN_USER_IDS
READ_TIMEOUT = 0.3  # seconds; the fake server's "timeout" answer takes longer than this


class FakeClock:
    """Time that moves only when advanced, or when the code under test sleeps."""

    def __init__(self, start: datetime):
        self.t = start
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += timedelta(seconds=seconds)
        await asyncio.sleep(0)

    def set(self, moment: datetime) -> None:
        self.t = moment


class CountingComposer:
    """Stands in for DigestComposer: a digest naming chat and slot, compositions counted per slot."""

    def __init__(self, parts: int = 1, empty_for: set[int] = frozenset()):
        self.parts = parts
        self.empty_for = empty_for
        self.composed: list[tuple[int, datetime | None]] = []

    def digest_for(self, chat_id, only_news, slot=None, language=None):
        self.composed.append((chat_id, slot))
        if chat_id in self.empty_for:
            return Digest(parts=[])
        return Digest(parts=[f"<b>Digest</b> {slot:%Y-%m-%d %H:%M} part {i + 1}" for i in range(self.parts)],
                      items={"document": [f"doc-{slot:%Y-%m-%d}"]})


@dataclass
class Sent:
    chat_id: int
    text: str  # a photo's caption, for a photo
    thread_id: int | None
    photo: bytes | None = None


@dataclass
class FakeBotApi:
    """Answers Bot API methods; `faults[chat_id]` lists what the next sendMessage calls to it get.

    Fault words: "ok" (no fault), "429:N" (flood control, retry after N s), "500", "502", "timeout" (answers after
    the client gave up, and the message is not delivered), "403" (blocked), "kicked",
    "notfound" (chat not found), "toolong" (message is too long), "migrate:NEW" (group upgraded to chat NEW), "thread" (topic gone), "409" (an answer the delivery code does not expect),
    "hang" (never answers, as if the bot died mid-request), "slow:S" (answers after S seconds).
    Every sendMessage takes `delay` seconds; `most_in_flight` is the most ever being answered at once.
    """
    url: str = ""
    sent: list[Sent] = field(default_factory=list)
    faults: dict[int, list[str]] = field(default_factory=dict)
    members: dict[tuple[int, int], str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    calls: list[tuple[str, dict]] = field(default_factory=list)
    hung: asyncio.Event = field(default_factory=asyncio.Event)
    delay: float = 0.0
    in_flight: int = 0
    most_in_flight: int = 0

    def texts(self, chat_id: int) -> list[str]:
        return [m.text for m in self.sent if m.chat_id == chat_id]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = {k: _decode(v) for k, v in (await request.post()).items()}
        self.calls.append((method, params))
        if method == "getMe":
            return _ok({"id": 42, "is_bot": True, "first_name": "Briefbot", "username": "briefbot"})
        if method == "sendMessage":
            return await self._send_message(params)
        if method == "sendPhoto":
            chat_id, thread = int(params["chat_id"]), params.get("message_thread_id")
            self.sent.append(Sent(chat_id, params.get("caption", ""), int(thread) if thread is not None else None,
                                  params["photo"].file.read()))
            return _ok({"message_id": len(self.sent), "date": 1_700_000_000, "caption": params.get("caption", ""),
                        "photo": [{"file_id": "p", "file_unique_id": "p", "width": 800, "height": 450}],
                        "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}})
        if method == "getChatMember":
            status = self.members.get((int(params["chat_id"]), int(params["user_id"])), "member")
            return _ok({"status": status, "user": {"id": int(params["user_id"]), "is_bot": False, "first_name": "U"},
                        **({"can_be_edited": False, "can_manage_chat": True, "can_change_info": True,
                            "can_delete_messages": True, "can_invite_users": True, "can_restrict_members": True,
                            "can_pin_messages": True, "can_promote_members": False, "can_manage_video_chats": True,
                            "is_anonymous": False, "can_post_stories": True, "can_edit_stories": True,
                            "can_delete_stories": True} if status == "administrator" else {}),
                        **({"is_anonymous": False} if status == "creator" else {})})
        if method == "getFile":
            file_id = params["file_id"]
            return _ok({"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files[file_id]),
                        "file_path": f"documents/{file_id}"})
        if method in {"answerCallbackQuery", "editMessageText"}:
            return _ok(True)
        return _error(404, "Not Found: method not found")

    async def _send_message(self, params: dict) -> web.Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return await self._answer_send(params)
        finally:
            self.in_flight -= 1

    async def _answer_send(self, params: dict) -> web.Response:
        chat_id = int(params["chat_id"])
        queue = self.faults.get(chat_id, [])
        fault = queue.pop(0) if queue else None
        if fault not in (None, "ok"):
            kind, _, arg = fault.partition(":")
            if kind == "429":
                return _error(429, f"Too Many Requests: retry after {arg}", {"retry_after": int(arg)})
            if kind == "500":
                return _error(500, "Internal Server Error")
            if kind == "502":
                return web.Response(status=502, text="<html>502 Bad Gateway</html>", content_type="text/html")
            if kind == "timeout":
                await asyncio.sleep(READ_TIMEOUT * 3)
                return _error(500, "too late")
            if kind == "403":
                return _error(403, "Forbidden: bot was blocked by the user")
            if kind == "kicked":
                return _error(403, "Forbidden: bot was kicked from the supergroup chat")
            if kind == "notfound":
                return _error(400, "Bad Request: chat not found")
            if kind == "migrate":
                return _error(400, "Bad Request: group chat was upgraded to a supergroup chat",
                              {"migrate_to_chat_id": int(arg)})
            if kind == "409":
                return _error(409, "Conflict: something unexpected")
            if kind == "thread":
                return _error(400, "Bad Request: message thread not found")
            if kind == "toolong":
                return _error(400, "Bad Request: message is too long")
            if kind == "hang":
                self.hung.set()
                await asyncio.Event().wait()
            if kind == "slow":
                await asyncio.sleep(float(arg))
        thread = params.get("message_thread_id")
        self.sent.append(Sent(chat_id, params["text"], int(thread) if thread is not None else None))
        return _ok({"message_id": len(self.sent), "date": 1_700_000_000, "text": params["text"],
                    "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}})

    async def download(self, request: web.Request) -> web.Response:
        return web.Response(body=self.files[request.match_info["path"].removeprefix("documents/")])


def _decode(value: str):
    try:
        return json.loads(value)
    except (ValueError, TypeError):
        return value


def _ok(result) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str, parameters: dict | None = None) -> web.Response:
    body = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)


@pytest.fixture
async def api():
    fake = FakeBotApi()
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", fake.handle)
    app.router.add_get("/file/bot{token}/{path:.*}", fake.download)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    fake.url = f"http://127.0.0.1:{port}"
    yield fake
    await runner.cleanup()


def make_bot(api: FakeBotApi) -> Bot:
    return Bot(TOKEN, base_url=f"{api.url}/bot", base_file_url=f"{api.url}/file/bot",
               request=HTTPXRequest(read_timeout=READ_TIMEOUT, connect_timeout=1))


@pytest.fixture
async def bot(api):
    b = make_bot(api)
    await b.initialize()
    yield b
    await b.shutdown()


@pytest.fixture
def clock():
    return FakeClock(datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc))


@pytest.fixture
def state(tmp_path):
    s = StateStore(tmp_path / "state.db")
    yield s
    s.close()
@pytest.fixture
def settings(tmp_path):
    """Paths in tmp: seeds/ with the seed article, briefing.db built from it, an empty state.db."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    store_builder.build(seeds, tmp_path / "briefing.db")
    return Settings(token=TOKEN, briefing_db=tmp_path / "briefing.db", state_db=tmp_path / "state.db",
                    seeds_dir=seeds, admin_user_ids=frozenset({ADMIN}))


