"""A lean sendMessage for fan-outs: HTTP/1.1 keep-alive over asyncio streams, JSON bodies, Telegram's
answers mapped to python-telegram-bot's exceptions exactly as PTB maps them.

Digests and alerts send tens of thousands of messages whose answers are only looked at for errors.
Through `Bot.send_message` each one costs about a millisecond of CPU (PTB's request objects, httpx,
building a `Message` from the answer); this costs a fraction of that (benchmarks/README.md). Replies
to commands keep going through PTB. Used when the Bot's server is reached over plain http(s) with
PTB's HTTPXRequest, no proxy and no PTB rate limiter (see `wire_for`); otherwise `Sender` falls back
to `Bot.send_message`.
"""
from __future__ import annotations

import asyncio
import json
import ssl
from collections import deque
from http import HTTPStatus
from urllib.parse import urlsplit

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)


class WireError(NetworkError):
    """The connection failed before any answer came (a stale keep-alive connection, a reset)."""


def raise_for(code: int, payload: bytes) -> object:
    """The result of a Bot API answer, or the exception PTB raises for it (`BaseRequest._request_wrapper`)."""
    try:
        data = json.loads(payload)
    except ValueError:
        data = None
    if 200 <= code <= 299 and isinstance(data, dict) and data.get("ok"):
        return data.get("result")
    try:
        message = f"{HTTPStatus(code).phrase} ({code})"
    except ValueError:
        message = f"Unknown HTTPError ({code})"
    if isinstance(data, dict):
        message = data.get("description") or message
        parameters = data.get("parameters")
        if parameters:
            if parameters.get("migrate_to_chat_id"):
                raise ChatMigrated(parameters["migrate_to_chat_id"])
            if parameters.get("retry_after"):
                raise RetryAfter(parameters["retry_after"])
            message += f". The server response contained unknown parameters: {parameters}"
    elif 200 <= code <= 299:
        raise TelegramError("Invalid server response")
    if code == HTTPStatus.FORBIDDEN:
        raise Forbidden(message)
    if code in (HTTPStatus.NOT_FOUND, HTTPStatus.UNAUTHORIZED):
        raise InvalidToken(message)
    if code == HTTPStatus.BAD_REQUEST:
        raise BadRequest(message)
    if code == HTTPStatus.CONFLICT:
        raise Conflict(message)
    raise NetworkError(message)


class WireSender:
    """sendMessage over a few kept-alive connections to the Bot API server at `base_url` (…/bot<token>)."""

    def __init__(self, base_url: str, read_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 connections: int = 16):
        url = urlsplit(base_url)
        if url.scheme not in {"http", "https"} or not url.hostname:
            raise ValueError("the Bot API server must be an http(s) URL")
        self.host = url.hostname
        self.tls = url.scheme == "https"
        self.port = url.port or (443 if self.tls else 80)
        self.path = url.path.rstrip("/")
        self.host_header = url.netloc.rpartition("@")[2]
        self.read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        self.connections = connections
        self._idle: deque[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = deque()
        self._ssl = ssl.create_default_context() if self.tls else None

    async def send_message(self, chat_id: int, text: str, thread_id: int | None = None) -> None:
        body = {"chat_id": chat_id, "text": text, "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}}
        if thread_id is not None:
            body["message_thread_id"] = thread_id
        await self.call("sendMessage", body)

    async def call(self, method: str, body: dict) -> object:
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        request = (f"POST {self.path}/{method} HTTP/1.1\r\nHost: {self.host_header}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                   f"Connection: keep-alive\r\n\r\n").encode() + data
        for attempt in (1, 2):
            reused = bool(self._idle)
            try:
                code, payload = await self._exchange(request)
            except WireError:
                if reused and attempt == 1:  # the server closed an idle connection: the request never ran
                    continue
                raise
            return raise_for(code, payload)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        reader, writer = await self._connection()
        answered = False
        try:
            writer.write(request)
            status = await asyncio.wait_for(reader.readline(), self.read_timeout)
            if not status:
                raise WireError("the connection was closed before an answer")
            answered = True
            headers = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.read_timeout)
            code = int(status.split(b" ", 2)[1])
            length, chunked, close = None, False, False
            for line in headers.split(b"\r\n"):
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"transfer-encoding" and b"chunked" in value.lower():
                    chunked = True
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            payload = await asyncio.wait_for(self._body(reader, length, chunked), self.read_timeout)
        except asyncio.TimeoutError:
            writer.close()
            raise TimedOut("Timed out") from None
        except (ConnectionError, asyncio.IncompleteReadError, OSError, ValueError, IndexError) as exc:
            writer.close()
            if not answered:
                raise WireError(f"the connection failed: {exc!r}") from None
            raise NetworkError(f"the answer was cut short: {exc!r}") from None
        except BaseException:
            writer.close()  # cancelled mid-request: the connection's state is unknown
            raise
        if close or length is None and not chunked:
            writer.close()
        elif len(self._idle) < self.connections:
            self._idle.append((reader, writer))
        else:
            writer.close()
        return code, payload

    @staticmethod
    async def _body(reader: asyncio.StreamReader, length: int | None, chunked: bool) -> bytes:
        if chunked:
            parts = []
            while True:
                size = int((await reader.readline()).split(b";")[0].strip(), 16)
                if size == 0:
                    await reader.readline()
                    return b"".join(parts)
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
        if length is None:
            return await reader.read()
        return await reader.readexactly(length)

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while self._idle:
            reader, writer = self._idle.popleft()
            if not writer.is_closing() and not reader.at_eof():
                return reader, writer
            writer.close()
        try:
            return await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port, ssl=self._ssl,
                                        server_hostname=self.host if self.tls else None), self.connect_timeout)
        except asyncio.TimeoutError:
            raise TimedOut("Timed out while connecting") from None
        except OSError as exc:
            raise NetworkError(f"could not connect: {exc!r}") from None

    async def close(self) -> None:
        while self._idle:
            _, writer = self._idle.popleft()
            writer.close()


def wire_for(bot) -> WireSender | None:
    """A WireSender to `bot`'s server with its request timeouts, or None where it cannot stand in for
    `Bot.send_message`: another transport than PTB's HTTPXRequest, a proxy, not an http(s) server, or
    a bot with PTB's own rate limiter (RATE_LIMIT=on), which the fan-out's messages must share with
    the replies to commands."""
    try:
        from telegram.request import HTTPXRequest

        if getattr(bot, "rate_limiter", None) is not None:
            return None
        request = bot.request
        if type(request) is not HTTPXRequest or getattr(request, "_client_kwargs", {}).get("proxy"):
            return None
        client = getattr(request, "_client", None)
        if client is not None and getattr(client, "_mounts", None):
            return None  # proxies configured on the client
        timeout = getattr(client, "timeout", None) if client is not None else None
        read = getattr(timeout, "read", 5.0) if timeout is not None else request.read_timeout
        connect = getattr(timeout, "connect", 5.0) if timeout is not None else 5.0
        return WireSender(bot.base_url, read, connect)
    except (ValueError, AttributeError, RuntimeError):
        return None
