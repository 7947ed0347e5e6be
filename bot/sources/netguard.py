"""Which URLs and addresses the source fetcher may reach.

Two checks, both giving a reason (a short English phrase) or None:

- `url_refusal(url)`: only absolute ``http``/``https`` URLs with a host are fetched; ``javascript:``,
  ``data:``, ``file:``, ``ftp:`` and every other scheme are refused, as are URLs with credentials.
- `address_refusal(ip, allow_private)`: the address a connection would actually go to. Refused always:
  unspecified (0.0.0.0/8, ::), multicast, link-local (169.254/16 — cloud metadata — and fe80::/10),
  reserved (240/4, broadcast). Refused unless `allow_private` (the ALLOW_PRIVATE_SOURCES setting, for
  local test servers): loopback (127/8, ::1) and every other non-public range (10/8, 172.16/12,
  192.168/16, 100.64/10, fc00::/7, documentation ranges …). IPv6 forms that carry an IPv4 address
  (::ffff:a.b.c.d, 6to4, Teredo, NAT64 64:ff9b::/96) are judged by that IPv4 address too.

`GuardedBackend` is the httpcore network backend that applies the address check at connect time: it
resolves the host itself, refuses the whole host if *any* resolved address is refused, then connects
to one of the validated IPs (TLS is started by httpcore afterwards with the URL's host name as SNI and
for certificate checks, and the Host header is the URL's), so a DNS answer that changes between a
check and the connection (DNS rebinding) cannot slip through. It runs on every connection, so every
redirect hop is checked too.
"""
from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore

ALLOWED_SCHEMES = ("http", "https")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""async (host, port) -> the IP addresses (as strings) the host name resolves to."""

Connector = Callable[..., Awaitable[httpcore.AsyncNetworkStream]]
"""async (ip, port, *, timeout, local_address, socket_options) -> a connected stream."""


class RefusedAddress(Exception):
    """A connection the guard refused; `reason` says why (no connection was attempted)."""

    def __init__(self, host: str, address: str, reason: str):
        self.host, self.address, self.reason = host, address, reason
        shown = host if host == address else f"{host} ({address})"
        super().__init__(f"refused address {shown}: {reason}")


class UnresolvableHost(Exception):
    """The host name has no address."""


def url_refusal(url: str) -> str | None:
    """Why `url` may not be fetched (scheme, missing host, credentials), or None when it may."""
    if not isinstance(url, str) or not url.strip():
        return "empty URL"
    if any(ch in url for ch in "\x00\r\n\t") or any(ord(ch) < 0x20 for ch in url):
        return "control characters in the URL"
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # raises ValueError for a bad port
    except ValueError as exc:
        return f"malformed URL ({exc})"
    scheme = parts.scheme.lower()
    if not scheme:
        return "not an absolute URL (no scheme)"
    if scheme not in ALLOWED_SCHEMES:
        return f"scheme {scheme}: is not allowed (only http and https)"
    if not parts.hostname:
        return "no host in the URL"
    if parts.username is not None or parts.password is not None:
        return "credentials in the URL are not allowed"
    if port == 0:
        return "port 0 is not allowed"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # the client's address
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_refusal(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address,
                    allow_private: bool = False) -> str | None:
    """Why a connection to `address` is refused, or None when it is allowed."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return f"not an IP address ({address!r})"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            reason = address_refusal(embedded, allow_private)
            if reason:
                return f"{reason} (carried in {ip})"
    if ip.is_unspecified or (ip.version == 4 and ip in _THIS_NETWORK):
        return "unspecified address"
    if ip.is_multicast:
        return "multicast address"
    if ip.is_link_local:
        return "link-local address"
    if ip.is_loopback:
        return None if allow_private else "loopback address (private sources are not allowed)"
    if ip.is_reserved:
        return "reserved address"
    if ip.is_private or not ip.is_global:
        return None if allow_private else "private address (private sources are not allowed)"
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for `host` (A and AAAA), in its order, without duplicates."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnresolvableHost(f"cannot resolve {host}: {exc.strerror or exc}") from exc
    seen: list[str] = []
    for *_, sockaddr in infos:
        if sockaddr[0] not in seen:
            seen.append(sockaddr[0])
    return seen


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to validated IP addresses (see the module doc).

    `resolver` and `connector` can be replaced (tests use a stub resolver, and a connector that
    records the attempt instead of connecting). `refused` collects each refusal, for the fetcher's
    error message.
    """

    def __init__(self, *, allow_private: bool = False, resolver: Resolver | None = None,
                 connector: Connector | None = None):
        self.allow_private = allow_private
        self.resolver = resolver or system_resolver
        self._inner = httpcore.AnyIOBackend()
        self.connector = connector or self._inner.connect_tcp

    async def resolve(self, host: str, port: int) -> list[str]:
        """Validated addresses for `host`; RefusedAddress if any address is refused."""
        bare = host.strip("[]")
        try:
            addresses = [str(ipaddress.ip_address(bare))]
        except ValueError:
            addresses = list(await self.resolver(bare, port))
        if not addresses:
            raise UnresolvableHost(f"cannot resolve {bare}: no address")
        for address in addresses:
            reason = address_refusal(address, self.allow_private)
            if reason:
                raise RefusedAddress(bare, address, reason)
        return addresses

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        addresses = await self.resolve(host, port)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self.connector(address, port, timeout=timeout, local_address=local_address,
                                            socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout, OSError) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise RefusedAddress(path, path, "unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
