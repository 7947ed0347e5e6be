"""A fake Telegram Bot API server on 127.0.0.1 for the benchmarks: answers at once, counts, and can
enforce Telegram's broadcast limits (answering 429 with retry_after when they are exceeded).

    python -m benchmarks.fake_api [--port 0] [--per-second 30] [--group-per-minute 20]

Prints `PORT <n>` once listening. Besides Bot API methods (/bot<token>/<method>) it serves:
  GET  /stats    {"sent", "rejected_429", "by_method", "sent_times" (monotonic, when asked ?times=1)}
  POST /reset    zero the counters
  POST /updates  queue updates (a JSON list of Update objects) for getUpdates
With no limits given, nothing is ever refused.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import time

from aiohttp import web


class FakeApi:
    def __init__(self, per_second: int = 0, group_per_minute: int = 0):
        self.per_second = per_second
        self.group_per_minute = group_per_minute
        self.reset()
        self.updates: list[dict] = []
        self.update_offset = 0
        self.new_updates = asyncio.Event()

    def reset(self) -> None:
        self.sent = 0
        self.rejected = 0
        self.by_method: collections.Counter[str] = collections.Counter()
        self.sent_times: list[float] = []
        self.window: collections.deque[float] = collections.deque()
        self.groups: dict[int, collections.deque[float]] = {}
        self.replies: list[tuple[float, int, str]] = []  # (monotonic, chat_id, text[:200]) of sendMessage

    def _over_limit(self, chat_id: int, now: float) -> bool:
        if self.per_second:
            while self.window and now - self.window[0] >= 1.0:
                self.window.popleft()
            if len(self.window) >= self.per_second:
                return True
        if self.group_per_minute and chat_id < 0:
            group = self.groups.setdefault(chat_id, collections.deque())
            while group and now - group[0] >= 60.0:
                group.popleft()
            if len(group) >= self.group_per_minute:
                return True
        return False

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.by_method[method] += 1
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
        if method == "getMe":
            return ok({"id": 42, "is_bot": True, "first_name": "Briefbot", "username": "briefbot",
                       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True})
        if method == "getUpdates":
            return await self._get_updates(params)
        if method in {"sendMessage", "editMessageText"}:
            chat_id = int(params.get("chat_id", 0))
            now = time.monotonic()
            if self._over_limit(chat_id, now):
                self.rejected += 1
                return web.json_response({"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                          "parameters": {"retry_after": 1}}, status=429)
            self.window.append(now)
            if chat_id < 0:
                self.groups.setdefault(chat_id, collections.deque()).append(now)
            self.sent += 1
            self.sent_times.append(now)
            text = str(params.get("text", ""))
            self.replies.append((now, chat_id, text[:200]))
            return ok({"message_id": self.sent, "date": int(time.time()), "text": text,
                       "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup",
                                **({"first_name": "U"} if chat_id > 0 else {"title": "G"})}})
        if method == "getChatMember":
            user = int(params.get("user_id", 0))
            return ok({"status": "member", "user": {"id": user, "is_bot": False, "first_name": "U"}})
        if method == "getMyCommands":
            return ok([])
        return ok(True)  # setMyCommands, deleteWebhook, answerCallbackQuery, sendChatAction, ...

    async def _get_updates(self, params: dict) -> web.Response:
        offset = int(params.get("offset", 0) or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self.new_updates.clear()
            try:
                await asyncio.wait_for(self.new_updates.wait(), timeout=min(float(params.get("timeout", 0) or 0), 1.0))
            except asyncio.TimeoutError:
                pass
        limit = int(params.get("limit", 100) or 100)
        return ok(self.updates[:limit])

    async def stats(self, request: web.Request) -> web.Response:
        body = {"sent": self.sent, "rejected_429": self.rejected, "by_method": dict(self.by_method),
                "queued_updates": len(self.updates)}
        if request.query.get("times"):
            body["sent_times"] = self.sent_times
        if request.query.get("replies"):
            body["replies"] = self.replies
        return web.json_response(body)

    async def post_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return ok(True)

    async def post_updates(self, request: web.Request) -> web.Response:
        self.updates.extend(await request.json())
        self.new_updates.set()
        return ok(len(self.updates))


def ok(result) -> web.Response:
    return web.json_response({"ok": True, "result": result})


async def serve(port: int, per_second: int, group_per_minute: int) -> None:
    api = FakeApi(per_second, group_per_minute)
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_get("/stats", api.stats)
    app.router.add_post("/reset", api.post_reset)
    app.router.add_post("/updates", api.post_updates)
    app.router.add_route("*", "/bot{token}/{method}", api.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    print(f"PORT {site._server.sockets[0].getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--per-second", type=int, default=0)
    parser.add_argument("--group-per-minute", type=int, default=0)
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.port, args.per_second, args.group_per_minute))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()


class FakeApiProcess:
    """The fake server in a child process (so its CPU is not the measured process's): a context manager."""

    def __init__(self, per_second: int = 0, group_per_minute: int = 0):
        self.args = ["--per-second", str(per_second), "--group-per-minute", str(group_per_minute)]
        self.proc = None
        self.url = ""

    def __enter__(self) -> "FakeApiProcess":
        import subprocess
        import sys

        from benchmarks.common import ROOT
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks.fake_api", *self.args], cwd=ROOT,
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"fake Bot API did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"
        return self

    def cpu_seconds(self) -> float:
        """User and system CPU seconds the server process has used so far (from /proc)."""
        import os
        from pathlib import Path
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def get(self, path: str) -> dict:
        import urllib.request
        with urllib.request.urlopen(self.url + path, timeout=30) as answer:
            return json.loads(answer.read())

    def post(self, path: str, body: object = None) -> dict:
        import urllib.request
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except Exception:  # noqa: BLE001
                self.proc.kill()
