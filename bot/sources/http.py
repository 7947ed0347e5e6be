"""Safe, bounded HTTP fetching for feeds and article pages (async, on httpx).

    async with Fetcher(allow_private=False, max_concurrency=8) as fetcher:
        result = await fetcher.fetch(url, etag=..., last_modified=...)
        if result.error: ...            # a FetchError value, never an exception
        elif result.not_modified: ...   # 304: nothing to parse
        else: result.body, result.headers, result.charset, result.hints

What a fetch guarantees:
- only http/https URLs (`netguard.url_refusal`), on every redirect hop too;
- connections only to validated addresses (`netguard.GuardedBackend`): loopback, private,
  link-local, multicast, reserved and unspecified addresses are refused unless `allow_private`
  (which allows loopback and private ranges only), checked on the IP actually connected to;
- at most `max_redirects` (5) redirects, followed by hand; a loop is reported as such;
- a deadline for the whole request — connect, redirects, headers and body — (`timeout`, 30 s);
- the body read streamed and stopped at `max_bytes` (5 MB) both as transferred and as decoded:
  gzip and deflate are decoded here in bounded chunks, so a gzip bomb stops at the cap;
- conditional GET (If-None-Match / If-Modified-Since); a 304 comes back with no body;
- at most `max_concurrency` requests at once (a semaphore shared by every fetch of this Fetcher), and at
  most `per_host` (4) of them to one host (a publisher with many feeds is not hammered); connections are
  kept alive in several small pools, a host always in the same one (httpcore's pool does work in the square
  of its size on every request: 16 connections in one pool halved the rate of a round of 304s);
- caching hints from the answer (`Cache-Control: max-age`, `Retry-After`), see `effective_interval`;
- a User-Agent naming Briefbot and its version; no proxy or .netrc from the environment.
"""
from __future__ import annotations

import asyncio
import email.utils
import ssl
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timezone
from urllib.parse import urljoin

import httpcore
import httpx

from bot.sources.netguard import Connector, GuardedBackend, RefusedAddress, Resolver, UnresolvableHost, url_refusal

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
TIMEOUT = 30.0
MIN_INTERVAL = 60.0  # a source is never read more often than once a minute
MAX_HINT = 24 * 3600.0  # caching hints lengthen an interval to at most a day
_CHUNK = 64 * 1024
_REDIRECTS = {301, 302, 303, 307, 308}

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml, "
               "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.7, */*;q=0.5")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("briefbot")
    except Exception:  # not installed (running from a checkout)
        return "0"


USER_AGENT = f"Briefbot/{_version()} (news briefing bot; feed reader)"

# FetchError kinds
BAD_URL = "bad_url"
REFUSED = "refused_address"
NOT_FOUND = "not_found"
GONE = "gone"
HTTP_ERROR = "http_error"
SERVER_ERROR = "server_error"
RATE_LIMITED = "rate_limited"
TIMEOUT_ERROR = "timeout"
TOO_LARGE = "too_large"
REDIRECT_LOOP = "redirect_loop"
TOO_MANY_REDIRECTS = "too_many_redirects"
NETWORK = "network"
BAD_ENCODING = "bad_encoding"
NOT_A_FEED = "not_a_feed"  # given by the feed parser, not by the fetcher
NO_MAIN_TEXT = "no_main_text"  # given by article extraction


@dataclass(frozen=True)
class FetchError:
    """Why a fetch (or what followed it) failed: a value with a message fit for an administrator."""
    kind: str
    message: str
    status: int | None = None
    pause: bool = False  # the source should be paused, not retried (410 Gone)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class CacheHints:
    """What the server said about how often to come back (seconds), when it said it."""
    max_age: float | None = None  # Cache-Control: max-age (s-maxage is for shared caches)
    retry_after: float | None = None  # Retry-After on 429/503 (and 3xx/200 if sent)


@dataclass
class FetchResult:
    url: str  # as asked
    final_url: str  # after redirects
    status: int | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    error: FetchError | None = None
    not_modified: bool = False
    hints: CacheHints = field(default_factory=CacheHints)
    redirects: list[str] = field(default_factory=list)
    permanent_url: str | None = None  # where a chain of permanent redirects (301/308) led

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag") or None

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified") or None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'").lower()
        return None


def effective_interval(base: float, *, ttl_minutes: float | None = None, max_age: float | None = None,
                       retry_after: float | None = None) -> float:
    """The seconds until a source is read again: its own interval, lengthened (never shortened) by the
    feed's `ttl` (minutes), `Cache-Control: max-age` and `Retry-After`, each taken up to a day; never
    under one minute."""
    interval = max(MIN_INTERVAL, float(base))
    for hint in (ttl_minutes * 60 if ttl_minutes else None, max_age, retry_after):
        if hint is not None and hint > 0:
            interval = max(interval, min(float(hint), MAX_HINT))
    return interval


def parse_max_age(cache_control: str | None) -> float | None:
    """`max-age` of a Cache-Control header in seconds, or None (also for no-cache/no-store)."""
    if not cache_control:
        return None
    directives = {}
    for part in cache_control.split(","):
        key, _, value = part.strip().partition("=")
        directives[key.strip().lower()] = value.strip().strip('"')
    if "no-store" in directives or "no-cache" in directives:
        return None
    try:
        value = float(directives["max-age"])
    except (KeyError, ValueError):
        return None
    return value if value >= 0 else None


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After in seconds from now: a number of seconds or an HTTP date; None when absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    seconds = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, seconds)


class _TooLarge(Exception):
    pass


class _Decoder:
    """One content-coding (gzip, several gzip members, or deflate), decoded in chunks of at most 64 KB."""

    def __init__(self, coding: str):
        self.coding = coding
        self._obj = zlib.decompressobj(31 if coding == "gzip" else 15)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.coding == "deflate" and not self._started and data:
            # "deflate" means zlib-wrapped, but raw deflate is often sent: look for the zlib header.
            zlib_header = len(data) >= 2 and (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0
            self._obj = zlib.decompressobj(15 if zlib_header else -15)
        self._started = True
        while data:
            if self._obj.eof:
                if self.coding != "gzip" or not data.strip(b"\x00"):
                    return  # zero padding after the stream
                self._obj = zlib.decompressobj(31)  # another gzip member follows
            out = self._obj.decompress(data, _CHUNK)
            if out:
                yield out
            data = self._obj.unused_data if self._obj.eof else self._obj.unconsumed_tail
        while not self._obj.eof:  # output zlib still holds without further input, also bounded
            out = self._obj.decompress(b"", _CHUNK)
            if not out:
                break
            yield out


def _decoders(content_encoding: str) -> list[_Decoder]:
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    decoders = []
    for coding in codings:
        if coding in ("identity", ""):
            continue
        if coding in ("gzip", "x-gzip"):
            decoders.append(_Decoder("gzip"))
        elif coding == "deflate":
            decoders.append(_Decoder("deflate"))
        else:
            raise ValueError(coding)
    if len(decoders) > 2:
        raise ValueError(content_encoding)
    return list(reversed(decoders))  # the last coding applied is undone first


def _pipe(decoders: list[_Decoder], data: bytes) -> Iterator[bytes]:
    if not decoders:
        if data:
            yield data
        return
    for piece in decoders[0].feed(data):
        yield from _pipe(decoders[1:], piece)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool on the guarded network backend."""

    def __init__(self, backend: GuardedBackend, max_connections: int):
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
            network_backend=backend,
        )


class Fetcher:
    """A bounded, guarded HTTP client; one per process (or per round), closed with `aclose()`.

    Parameters: `allow_private` (ALLOW_PRIVATE_SOURCES), `timeout` (seconds for a whole request,
    redirects and body included), `max_bytes` (body cap, compressed and decoded), `max_redirects`,
    `max_concurrency` (requests in flight at once), `per_host` (at once to one host), `user_agent`;
    `resolver`/`connector` replace DNS
    resolution and the TCP connect (tests).
    """

    def __init__(self, *, allow_private: bool = False, timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES,
                 max_redirects: int = MAX_REDIRECTS, max_concurrency: int = 8, per_host: int = 4,
                 user_agent: str = USER_AGENT,
                 resolver: Resolver | None = None, connector: Connector | None = None):
        self.allow_private = allow_private
        self.timeout = float(timeout)
        self.max_bytes = int(max_bytes)
        self.max_redirects = int(max_redirects)
        self.user_agent = user_agent
        self.max_concurrency = max(1, int(max_concurrency))
        self.per_host = max(1, min(int(per_host), self.max_concurrency))
        self.semaphore = asyncio.Semaphore(self.max_concurrency)
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self.backend = GuardedBackend(allow_private=allow_private, resolver=resolver, connector=connector)
        shards = -(-self.max_concurrency // self.per_host)
        self._transports = [_GuardedTransport(self.backend, max_connections=self.per_host * 2) for _ in range(shards)]
        # Requests are built by the client (headers, timeouts) and sent on a transport itself: no
        # cookie jar shared between sites, and redirects are only ever looked at here.
        self._client = httpx.AsyncClient(
            transport=self._transports[0],
            follow_redirects=False, trust_env=False, timeout=httpx.Timeout(self.timeout),
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    async def __aenter__(self) -> "Fetcher":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()
        for transport in self._transports[1:]:
            await transport.aclose()

    def _transport_for(self, url: httpx.URL) -> _GuardedTransport:
        key = f"{url.host}:{url.port}".encode("utf-8", "replace")
        return self._transports[zlib.crc32(key) % len(self._transports)]

    def _slots_for(self, url: str) -> asyncio.Semaphore:
        try:
            host = (httpx.URL(url).host or "").lower()
        except Exception:
            host = ""
        slots = self._host_slots.get(host)
        if slots is None:
            slots = self._host_slots[host] = asyncio.Semaphore(self.per_host)
        return slots

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                    accept: str = FEED_ACCEPT) -> FetchResult:
        """GET `url` within every limit of this Fetcher; errors come back as `result.error`."""
        result = FetchResult(url=url, final_url=url)
        reason = url_refusal(url)
        if reason:
            result.error = FetchError(BAD_URL, f"refused URL: {reason}")
            return result
        async with self._slots_for(url), self.semaphore:  # a host's turn first, so a busy host holds no global slot
            try:
                async with asyncio.timeout(self.timeout):
                    await self._fetch(result, etag, last_modified, accept)
            except TimeoutError:
                result.error = FetchError(TIMEOUT_ERROR, f"timed out after {self.timeout:g} s")
                result.body = b""
        return result

    async def _fetch(self, result: FetchResult, etag: str | None, last_modified: str | None, accept: str) -> None:
        current = result.url.strip()
        seen = {_loop_key(current)}
        permanent = True
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for hop in range(self.max_redirects + 1):
            result.final_url = current
            try:
                request = self._client.build_request("GET", current, headers=headers)
                response = await self._transport_for(request.url).handle_async_request(request)
            except RefusedAddress as exc:
                result.error = FetchError(REFUSED, str(exc))
                return
            except UnresolvableHost as exc:
                result.error = FetchError(NETWORK, str(exc))
                return
            except httpx.TimeoutException:
                result.error = FetchError(TIMEOUT_ERROR, f"timed out after {self.timeout:g} s")
                return
            except (httpx.HTTPError, ssl.SSLError, OSError, ValueError) as exc:
                result.error = FetchError(NETWORK, f"cannot fetch: {_describe(exc)}")
                return
            try:
                status = response.status_code
                location = response.headers.get("location")
                if status in _REDIRECTS and location:
                    target = urljoin(current, location.strip())
                    reason = url_refusal(target)
                    if reason:
                        result.error = FetchError(BAD_URL, f"redirect to a refused URL: {reason}", status)
                        return
                    if _loop_key(target) in seen:
                        result.error = FetchError(REDIRECT_LOOP, f"redirect loop at {target}", status)
                        return
                    if hop == self.max_redirects:
                        result.error = FetchError(TOO_MANY_REDIRECTS,
                                                  f"more than {self.max_redirects} redirects", status)
                        return
                    seen.add(_loop_key(target))
                    permanent = permanent and status in (301, 308)
                    if permanent:
                        result.permanent_url = target
                    result.redirects.append(target)
                    current = target
                    continue
                await self._answer(result, response)
                return
            finally:
                if not response.is_closed:
                    await _drain(response)
                await response.aclose()

    async def _answer(self, result: FetchResult, response: httpx.Response) -> None:
        status = result.status = response.status_code
        headers: dict[str, str] = {}
        for name, value in response.headers.multi_items():
            name = name.lower()
            headers[name] = f"{headers[name]}, {value}" if name in headers and name != "content-type" else value
        result.headers = headers
        result.hints = CacheHints(parse_max_age(headers.get("cache-control")),
                                  parse_retry_after(headers.get("retry-after")))
        if status == 304:
            result.not_modified = True
            return
        error = _status_error(status, response.reason_phrase)
        if error:
            result.error = error
            return
        length = headers.get("content-length", "")
        if length.strip().isdigit() and int(length) > self.max_bytes:
            result.error = _too_large(self.max_bytes, f"announced {int(length):,} bytes")
            return
        try:
            decoders = _decoders(headers.get("content-encoding", ""))
        except ValueError as exc:
            result.error = FetchError(BAD_ENCODING, f"unsupported content encoding {exc.args[0]!r}", status)
            return
        body = bytearray()
        received = 0
        try:
            async for raw in response.aiter_raw(_CHUNK):
                received += len(raw)
                if received > self.max_bytes:
                    raise _TooLarge("as transferred")
                for piece in _pipe(decoders, raw):
                    body += piece
                    if len(body) > self.max_bytes:
                        raise _TooLarge("once decompressed")
        except _TooLarge as exc:
            result.error = _too_large(self.max_bytes, str(exc))
            return
        except zlib.error as exc:
            result.error = FetchError(BAD_ENCODING, f"corrupt compressed body ({exc})", status)
            return
        except httpx.TimeoutException:
            result.error = FetchError(TIMEOUT_ERROR, f"timed out after {self.timeout:g} s")
            return
        except httpx.HTTPError as exc:
            result.error = FetchError(NETWORK, f"connection broken while reading: {_describe(exc)}", status)
            return
        result.body = bytes(body)


async def _drain(response: httpx.Response, limit: int = _CHUNK) -> None:
    """Read what is left of a small answer (a 304, a redirect, an error page) so that its connection can be
    reused; a larger rest is not read (the connection is closed instead)."""
    read = 0
    try:
        async for raw in response.aiter_raw(_CHUNK):
            read += len(raw)
            if read > limit:
                return
    except (httpx.HTTPError, RuntimeError):
        return


def _too_large(limit: int, how: str) -> FetchError:
    return FetchError(TOO_LARGE, f"too large: over {limit / 1024 / 1024:g} MB ({how})")


def _status_error(status: int, phrase: str) -> FetchError | None:
    if 200 <= status < 300:
        return None
    if status == 404:
        return FetchError(NOT_FOUND, "not found (404)", status)
    if status == 410:
        return FetchError(GONE, "gone (410): the publisher removed it; the source is paused", status, pause=True)
    if status == 429:
        return FetchError(RATE_LIMITED, "too many requests (429)", status)
    if status >= 500:
        return FetchError(SERVER_ERROR, f"server error ({status}{' ' + phrase if phrase else ''})", status)
    if status in _REDIRECTS:
        return FetchError(HTTP_ERROR, f"redirect ({status}) without a Location", status)
    return FetchError(HTTP_ERROR, f"HTTP {status}{' ' + phrase if phrase else ''}", status)


def _loop_key(url: str) -> str:
    try:
        return str(httpx.URL(url).copy_with(fragment=None))
    except Exception:
        return url


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:200]
