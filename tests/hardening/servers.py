"""Servers for tests/digest's fake Bot API: on a port that can be closed and reopened, and grown
enough for `briefbot run` to long-poll it."""
from __future__ import annotations

import asyncio

from aiohttp import web

from tests.digest.conftest import FakeBotApi, _error, _ok


class RestartableServer:
    """tests/digest's fake Bot API on a fixed port that can be stopped and started again, so the bot
    meets a refused connection and then the server coming back."""

    def __init__(self, fake: FakeBotApi):
        self.fake = fake
        self.port = 0
        self.runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self.fake.handle)
        app.router.add_get("/file/bot{token}/{path:.*}", self.fake.download)
        self.runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        self.fake.url = f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        await self.runner.cleanup()

POLL_SECONDS = 0.2  # how long an empty getUpdates is held: short, so a stopping bot stops at once


class PollingBotApi(FakeBotApi):
    """Answers the calls of run_polling's start-up and polling, refuses any method when told, and
    tells waiters of each message it takes."""

    def __init__(self):
        super().__init__()
        self.changed = asyncio.Event()
        self.refusals: dict[str, list[str]] = {}  # method -> descriptions of the 400s its next calls get

    async def handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if self.refusals.get(method):
            self.calls.append((method, {}))
            return _error(400, self.refusals[method].pop(0))
        if method == "getUpdates":
            await asyncio.sleep(POLL_SECONDS)  # the server's side of a long poll: nothing came
            return _ok([])
        if method in {"deleteWebhook", "setMyCommands"}:
            return _ok(True)
        return await super().handle(request)

    async def _send_message(self, params: dict) -> web.Response:
        response = await super()._send_message(params)
        self.changed.set()
        return response

    async def wait_until(self, condition, timeout: float = 60) -> None:
        """Return once `condition()` holds, checking after each message the server takes."""
        async with asyncio.timeout(timeout):
            while True:
                self.changed.clear()
                if condition():
                    return
                await self.changed.wait()
