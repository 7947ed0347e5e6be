"""The guarded fetcher against a real local server: limits, errors, conditional GET, encodings."""
from __future__ import annotations

import asyncio
import gzip
import zlib

import pytest
from aiohttp import web

from bot.sources import http
from bot.sources.http import USER_AGENT, Fetcher, effective_interval, parse_max_age, parse_retry_after
from tests.sources.conftest import Reply, fixture_bytes


async def test_feed_fetched_with_user_agent_and_validators(server, fetcher):
    server.route("/feed.xml", Reply(fixture_bytes("rss20.xml"), content_type="application/rss+xml; charset=utf-8",
                                    headers={"ETag": '"v1"', "Last-Modified": "Fri, 12 Apr 2024 10:00:00 GMT",
                                             "Cache-Control": "public, max-age=600"}))
    result = await fetcher.fetch(server.url("/feed.xml"))
    assert result.ok and result.status == 200
    assert result.body == fixture_bytes("rss20.xml")
    assert result.etag == '"v1"' and result.last_modified == "Fri, 12 Apr 2024 10:00:00 GMT"
    assert result.charset == "utf-8" and result.content_type == "application/rss+xml"
    assert result.hints.max_age == 600
    _, headers = server.requests[0]
    assert headers["User-Agent"] == USER_AGENT and USER_AGENT.startswith("Briefbot/")
    assert "If-None-Match" not in headers


async def test_conditional_get_gives_304_without_body(server, fetcher):
    def feed(request):
        if request.headers.get("If-None-Match") == '"v1"' or request.headers.get("If-Modified-Since"):
            return Reply(status=304, headers={"ETag": '"v1"'})
        return Reply(fixture_bytes("rss20.xml"), headers={"ETag": '"v1"'})
    server.route("/feed.xml", feed)
    first = await fetcher.fetch(server.url("/feed.xml"))
    again = await fetcher.fetch(server.url("/feed.xml"), etag=first.etag)
    assert again.ok and again.not_modified and again.status == 304 and again.body == b""
    by_date = await fetcher.fetch(server.url("/feed.xml"), last_modified="Fri, 12 Apr 2024 10:00:00 GMT")
    assert by_date.not_modified
    assert server.requests[1][1]["If-None-Match"] == '"v1"'
    assert server.requests[2][1]["If-Modified-Since"] == "Fri, 12 Apr 2024 10:00:00 GMT"


@pytest.mark.parametrize("status, kind, pause", [
    (404, http.NOT_FOUND, False), (410, http.GONE, True), (500, http.SERVER_ERROR, False),
    (502, http.SERVER_ERROR, False), (403, http.HTTP_ERROR, False), (429, http.RATE_LIMITED, False)])
async def test_http_errors_are_values(server, fetcher, status, kind, pause):
    server.route("/x", Reply("nope", status=status))
    result = await fetcher.fetch(server.url("/x"))
    assert result.error is not None and result.error.kind == kind and result.error.pause is pause
    assert str(status) in result.error.message
    if status == 410:
        assert "paused" in result.error.message


async def test_retry_after_on_503_seconds_and_date(server, fetcher):
    server.route("/a", Reply("busy", status=503, headers={"Retry-After": "7200"}))
    server.route("/b", Reply("busy", status=503, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}))
    a = await fetcher.fetch(server.url("/a"))
    b = await fetcher.fetch(server.url("/b"))
    assert a.error.kind == http.SERVER_ERROR and a.hints.retry_after == 7200
    assert b.hints.retry_after > 10 * 365 * 86400


async def test_stalled_server_times_out_as_a_value(server, connector):
    async def stall(request):
        await asyncio.sleep(60)
        return Reply("late")

    async def slow_body(request):
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(600):  # a trickle: every read succeeds, the whole request does not finish in time
            await response.write(b"<")
            await asyncio.sleep(0.05)
        return response
    server.route("/stall", stall)
    server.route("/trickle", slow_body)
    async with Fetcher(allow_private=True, timeout=0.5, connector=connector) as fetcher:
        stalled = await fetcher.fetch(server.url("/stall"))
        trickled = await fetcher.fetch(server.url("/trickle"))
    for result in (stalled, trickled):
        assert result.error.kind == http.TIMEOUT_ERROR and "timed out" in result.error.message
        assert result.body == b""


async def test_redirects_followed_up_to_five(server, fetcher):
    for i in range(5):
        server.route(f"/r{i}", Reply(status=302, headers={"Location": f"/r{i + 1}"}))
    server.route("/r5", Reply("arrived"))
    result = await fetcher.fetch(server.url("/r0"))
    assert result.ok and result.body == b"arrived" and result.final_url == server.url("/r5")
    assert len(result.redirects) == 5 and result.permanent_url is None


async def test_more_than_five_redirects_refused(server, fetcher):
    for i in range(6):
        server.route(f"/r{i}", Reply(status=301, headers={"Location": f"/r{i + 1}"}))
    server.route("/r6", Reply("too far"))
    result = await fetcher.fetch(server.url("/r0"))
    assert result.error.kind == http.TOO_MANY_REDIRECTS
    assert server.hits("/r6") == 0


async def test_redirect_loop_detected(server, fetcher):
    server.route("/a", Reply(status=302, headers={"Location": "/b"}))
    server.route("/b", Reply(status=302, headers={"Location": server.url("/a")}))
    result = await fetcher.fetch(server.url("/a"))
    assert result.error.kind == http.REDIRECT_LOOP and "loop" in result.error.message
    assert server.hits("/a") == 1 and server.hits("/b") == 1


async def test_permanent_redirect_reported(server, fetcher):
    server.route("/old", Reply(status=301, headers={"Location": "/new"}))
    server.route("/new", Reply("here"))
    result = await fetcher.fetch(server.url("/old"))
    assert result.ok and result.permanent_url == server.url("/new")


@pytest.mark.parametrize("target", ["file:///etc/passwd", "javascript:alert(1)", "data:text/plain,hi",
                                    "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/"])
async def test_redirect_to_other_schemes_refused(server, fetcher, target):
    server.route("/go", Reply(status=302, headers={"Location": target}))
    result = await fetcher.fetch(server.url("/go"))
    assert result.error.kind == http.BAD_URL and "not allowed" in result.error.message


@pytest.mark.parametrize("url, words", [
    ("javascript:alert(1)", "scheme javascript"), ("data:text/html,<b>x</b>", "scheme data"),
    ("file:///etc/passwd", "scheme file"), ("ftp://example.com/", "scheme ftp"), ("/relative/path", "no scheme"),
    ("http://user:pw@127.0.0.1/", "credentials"), ("http:///nohost", "no host"), ("", "empty")])
async def test_refused_urls_make_no_request(fetcher, connector, url, words):
    result = await fetcher.fetch(url)
    assert result.error.kind == http.BAD_URL and words in result.error.message
    assert connector.attempts == []


async def test_body_over_five_megabytes_stops(server, fetcher):
    big = b"x" * (5 * 1024 * 1024 + 10)

    async def chunked(request):
        response = web.StreamResponse()  # no Content-Length: the cap must hold while streaming
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(8):
            await response.write(b"y" * (1024 * 1024))
        await response.write_eof()
        return response
    server.route("/big", Reply(big))
    server.route("/chunked", chunked)
    announced = await fetcher.fetch(server.url("/big"))
    streamed = await fetcher.fetch(server.url("/chunked"))
    assert announced.error.kind == http.TOO_LARGE and "announced" in announced.error.message
    assert streamed.error.kind == http.TOO_LARGE and "as transferred" in streamed.error.message
    assert streamed.body == b""


def _gzip_stream(total: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1024 * 1024)
    parts = [compressor.compress(block) for _ in range(total // len(block))]
    return b"".join(parts) + compressor.flush()


async def test_gzip_bomb_stops_at_the_decoded_cap(server, fetcher):
    bomb = _gzip_stream(200 * 1024 * 1024)  # 200 MB of zeros in ~200 KB
    assert len(bomb) < 1024 * 1024
    server.route("/bomb", Reply(bomb, headers={"Content-Encoding": "gzip"}, content_type="application/rss+xml"))
    result = await fetcher.fetch(server.url("/bomb"))
    assert result.error.kind == http.TOO_LARGE and "decompressed" in result.error.message
    assert result.body == b""


@pytest.mark.parametrize("coding", ["gzip", "x-gzip", "deflate-zlib", "deflate-raw", "gzip-members"])
async def test_compressed_bodies_decoded(server, fetcher, coding):
    body = fixture_bytes("atom.xml") * 20
    if coding in ("gzip", "x-gzip"):
        data, header = gzip.compress(body), coding
    elif coding == "gzip-members":
        half = len(body) // 2
        data, header = gzip.compress(body[:half]) + gzip.compress(body[half:]), "gzip"
    elif coding == "deflate-zlib":
        data, header = zlib.compress(body), "deflate"
    else:
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        data, header = compressor.compress(body) + compressor.flush(), "deflate"
    server.route("/z", Reply(data, headers={"Content-Encoding": header}))
    result = await fetcher.fetch(server.url("/z"))
    assert result.ok and result.body == body
    assert "gzip" in server.requests[0][1]["Accept-Encoding"]


async def test_unsupported_or_corrupt_encoding(server, fetcher):
    server.route("/br", Reply(b"\x0b\x02\x80hello", headers={"Content-Encoding": "br"}))
    server.route("/bad", Reply(b"\x1f\x8b\x08\x00garbage-not-gzip" * 4, headers={"Content-Encoding": "gzip"}))
    br = await fetcher.fetch(server.url("/br"))
    bad = await fetcher.fetch(server.url("/bad"))
    assert br.error.kind == http.BAD_ENCODING and "'br'" in br.error.message
    assert bad.error.kind == http.BAD_ENCODING and "corrupt" in bad.error.message


@pytest.mark.parametrize("max_concurrency, per_host, expected", [(3, 4, 3), (8, 2, 2)])
async def test_concurrency_bounded_overall_and_per_host(server, connector, max_concurrency, per_host, expected):
    in_flight = 0
    peak = 0
    three = asyncio.Event()

    async def slow(request):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight >= expected:
            three.set()
        try:
            await asyncio.wait_for(three.wait(), 5)
        except TimeoutError:
            pass
        await asyncio.sleep(0.01)
        in_flight -= 1
        return Reply("ok")
    server.route("/slow", slow)
    async with Fetcher(allow_private=True, max_concurrency=max_concurrency, per_host=per_host,
                       connector=connector) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(server.url(f"/slow?n={i}")) for i in range(10)))
    assert all(r.ok for r in results)
    assert peak == expected


async def test_connection_refused_is_a_network_error(connector):
    import socket
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with Fetcher(allow_private=True, connector=connector) as fetcher:
        result = await fetcher.fetch(f"http://127.0.0.1:{port}/feed")
    assert result.error.kind == http.NETWORK and "cannot fetch" in result.error.message


def test_cache_hint_parsing():
    assert parse_max_age("public, max-age=300") == 300
    assert parse_max_age('max-age="60", must-revalidate') == 60
    assert parse_max_age("no-cache, max-age=300") is None
    assert parse_max_age("private") is None and parse_max_age(None) is None
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 100) == 100
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 + 100) == 0
    assert parse_retry_after("soon") is None and parse_retry_after("") is None


def test_effective_interval_lengthens_never_shortens():
    assert effective_interval(1800) == 1800
    assert effective_interval(1800, ttl_minutes=90) == 5400
    assert effective_interval(1800, max_age=60) == 1800  # a shorter hint does not shorten
    assert effective_interval(10) == 60  # never under a minute
    assert effective_interval(10, retry_after=5) == 60
    assert effective_interval(1800, retry_after=7200) == 7200
    assert effective_interval(1800, max_age=10 ** 9) == 24 * 3600  # a hint lengthens up to a day
