"""The fan-out's lean sendMessage (bot.delivery.wire) against the fake Bot API and a raw server: the
same exceptions PTB raises for each of Telegram's answers, JSON bodies with the thread, kept-alive
connections that the server may close between messages."""
from __future__ import annotations

import asyncio
import json

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.delivery.wire import WireSender, raise_for, wire_for

from .conftest import READ_TIMEOUT, TOKEN, make_bot


@pytest.mark.parametrize("fault, error", [
    ("429:3", RetryAfter), ("403", Forbidden), ("kicked", Forbidden), ("notfound", BadRequest),
    ("toolong", BadRequest), ("thread", BadRequest), ("migrate:-100777", ChatMigrated), ("500", NetworkError),
    ("502", NetworkError), ("409", Conflict), ("timeout", TimedOut)])
async def test_each_answer_maps_to_the_exception_ptb_raises(api, fault, error):
    wire = wire_for(make_bot(api))
    assert wire is not None and wire.read_timeout == READ_TIMEOUT
    api.faults[5] = [fault]
    with pytest.raises(error) as caught:
        await wire.send_message(5, "<b>hi</b>")
    if error is ChatMigrated:
        assert caught.value.new_chat_id == -100777
    if error is RetryAfter:
        assert caught.value._retry_after.total_seconds() == 3  # noqa: SLF001 - the value PTB keeps
    await wire.send_message(5, "<b>again</b>", thread_id=9)
    assert (api.sent[-1].text, api.sent[-1].thread_id) == ("<b>again</b>", 9)
    await wire.close()


def test_bodies_ptb_would_refuse_are_refused_alike():
    assert raise_for(200, b'{"ok": true, "result": {"message_id": 1}}') == {"message_id": 1}
    for code, error in [(401, InvalidToken), (404, InvalidToken), (400, BadRequest), (503, NetworkError)]:
        with pytest.raises(error):
            raise_for(code, b'{"ok": false, "description": "nope"}')
    with pytest.raises(NetworkError):
        raise_for(502, b"<html>Bad Gateway</html>")


async def test_a_connection_the_server_closed_is_replaced_without_losing_the_message():
    """A server that answers one request per connection (and says nothing about closing): the next
    message finds its kept-alive connection closed and goes on a new one, once."""
    received = []

    async def handle(reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
                      .split(b":")[1])
        received.append(json.loads(await reader.readexactly(length)))
        body = b'{"ok":true,"result":true}'
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(body), body))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    wire = WireSender(f"http://127.0.0.1:{port}/bot{TOKEN}", read_timeout=2)
    for n in range(3):
        await wire.send_message(7, f"message {n}")
        await asyncio.sleep(0.05)
    assert [r["text"] for r in received] == ["message 0", "message 1", "message 2"]
    assert received[0]["link_preview_options"] == {"is_disabled": True} and received[0]["parse_mode"] == "HTML"
    server.close()
    await server.wait_closed()
    with pytest.raises(NetworkError):
        await wire.send_message(7, "nobody listens")


def test_no_lean_path_past_ptbs_own_rate_limiter_or_a_proxy():
    from telegram.ext import AIORateLimiter, ExtBot
    from telegram.request import HTTPXRequest

    assert wire_for(ExtBot(TOKEN, rate_limiter=AIORateLimiter())) is None  # replies and fan-out share it
    assert wire_for(ExtBot(TOKEN, request=HTTPXRequest(proxy="http://127.0.0.1:3128"))) is None
    assert wire_for(ExtBot(TOKEN)).host == "api.telegram.org" and wire_for(ExtBot(TOKEN)).tls
