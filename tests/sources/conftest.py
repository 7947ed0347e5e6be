"""A real HTTP server on 127.0.0.1 (aiohttp, random port) for the source tests, and the network stubs.

`server.route(path, handler_or_spec)` sets what a path answers: a callable (aiohttp request → response,
may be async) or a `Reply`. Every request is recorded in `server.requests` (path, headers).

No test reaches any address but 127.0.0.1: names are resolved by `StubResolver` (a table), and
`RecordingConnector` records every connection attempt and, for addresses other than the loopback
ones it is told to map, refuses to connect.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path

import httpcore
import pytest
from aiohttp import web

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Reply:
    body: bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None

    def response(self) -> web.Response:
        body = self.body.encode() if isinstance(self.body, str) else self.body
        headers = dict(self.headers)
        if self.content_type:
            headers["Content-Type"] = self.content_type
        return web.Response(body=body, status=self.status, headers=headers)


class FeedServer:
    def __init__(self):
        self.routes: dict[str, object] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.runner: web.AppRunner | None = None
        self.port = 0

    def route(self, path: str, spec) -> None:
        self.routes[path] = spec

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path_qs, dict(request.headers)))
        spec = self.routes.get(request.path_qs, self.routes.get(request.path))
        if spec is None:
            return web.Response(status=404, text="no such page")
        if isinstance(spec, Reply):
            return spec.response()
        answer = spec(request)
        if inspect.isawaitable(answer):
            answer = await answer
        return answer.response() if isinstance(answer, Reply) else answer

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()


@pytest.fixture
async def server():
    srv = FeedServer()
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


class StubResolver:
    """Resolves names from a table; a name not in it fails (no DNS query is ever made)."""

    def __init__(self, table: dict[str, list[str] | list[list[str]]]):
        self.table = table
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        answer = self.table.get(host)
        if answer is None:
            from bot.sources.netguard import UnresolvableHost
            raise UnresolvableHost(f"cannot resolve {host}: not in the test table")
        if answer and isinstance(answer[0], list):  # a sequence of answers: DNS rebinding
            return answer.pop(0) if len(answer) > 1 else answer[0]
        return answer


class RecordingConnector:
    """Records every connection attempt (ip, port). Addresses in `to_local` are connected to the local
    test server instead (so a "public" name can be served by 127.0.0.1); the loopback is connected to when
    `allow_loopback`; anything else is refused without connecting."""

    def __init__(self, to_local: dict[str, int] | None = None, allow_loopback: bool = True):
        self.to_local = to_local or {}
        self.allow_loopback = allow_loopback
        self.attempts: list[tuple[str, int]] = []
        self._backend = httpcore.AnyIOBackend()

    async def __call__(self, ip: str, port: int, **kwargs):
        self.attempts.append((ip, port))
        if ip in self.to_local:
            return await self._backend.connect_tcp("127.0.0.1", self.to_local[ip], **kwargs)
        if self.allow_loopback and ip.startswith("127."):
            return await self._backend.connect_tcp(ip, port, **kwargs)
        raise httpcore.ConnectError(f"test connector: no connection to {ip} (recorded, not attempted)")

    def attempted(self, ip: str) -> bool:
        return any(a == ip for a, _ in self.attempts)


@pytest.fixture
def connector():
    return RecordingConnector()


@pytest.fixture
async def fetcher(connector):
    from bot.sources.http import Fetcher
    f = Fetcher(allow_private=True, timeout=3.0, connector=connector, resolver=StubResolver({}))
    try:
        yield f
    finally:
        await f.aclose()
