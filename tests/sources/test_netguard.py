"""Address refusal: proven with a stub resolver and a connector that records attempts — no test here
ever opens a connection to anything but 127.0.0.1."""
from __future__ import annotations

import pytest

from bot.sources import http
from bot.sources.http import Fetcher
from bot.sources.netguard import address_refusal, url_refusal
from tests.sources.conftest import RecordingConnector, Reply, StubResolver

FORBIDDEN = {
    "10.1.2.3": "private", "192.168.0.10": "private", "172.16.5.4": "private", "100.64.0.1": "private",
    "169.254.169.254": "link-local", "127.0.0.1": "loopback", "127.8.9.10": "loopback", "::1": "loopback",
    "fc00::1": "private", "fd12:3456::1": "private", "fe80::1": "link-local", "224.0.0.251": "multicast",
    "ff02::1": "multicast", "0.0.0.0": "unspecified", "0.1.2.3": "unspecified", "::": "unspecified",
    "240.0.0.1": "reserved", "255.255.255.255": "reserved", "::ffff:127.0.0.1": "loopback",
    "::ffff:10.0.0.1": "private", "2002:a00:1::": "private", "64:ff9b::a9fe:a9fe": "link-local",
    "192.0.2.1": "private",
}


@pytest.mark.parametrize("address, reason", sorted(FORBIDDEN.items()))
def test_forbidden_addresses(address, reason):
    refusal = address_refusal(address)
    assert refusal is not None and reason in refusal


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.10", "127.0.0.1", "::1", "fc00::1", "100.64.0.1"])
def test_private_and_loopback_allowed_when_asked(address):
    assert address_refusal(address, allow_private=True) is None


@pytest.mark.parametrize("address", ["169.254.169.254", "fe80::1", "224.0.0.1", "0.0.0.0", "240.0.0.1"])
def test_link_local_multicast_reserved_never_allowed(address):
    assert address_refusal(address, allow_private=True) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.4.4"])
def test_public_addresses_allowed(address):
    assert address_refusal(address) is None


def test_url_refusals():
    assert url_refusal("https://example.com/feed") is None
    assert "javascript" in url_refusal("JavaScript:alert(1)")
    assert "data" in url_refusal("data:,x") and "file" in url_refusal("file:///etc/passwd")
    assert "control" in url_refusal("http://a.com/\r\nHost: evil")
    assert "port" in url_refusal("http://a.com:99999/") or "malformed" in url_refusal("http://a.com:99999/")


@pytest.mark.parametrize("name, address", [
    ("intranet.test", "10.0.0.5"), ("router.test", "192.168.1.1"), ("metadata.test", "169.254.169.254"),
    ("local.test", "127.0.0.1"), ("six.test", "::1"), ("ula.test", "fc00::7"), ("mcast.test", "224.1.1.1")])
async def test_names_resolving_to_forbidden_addresses_are_never_connected(name, address):
    resolver = StubResolver({name: [address]})
    connector = RecordingConnector()
    async with Fetcher(resolver=resolver, connector=connector) as fetcher:
        result = await fetcher.fetch(f"http://{name}/feed.xml")
    assert result.error.kind == http.REFUSED and address in result.error.message
    assert resolver.calls == [name]
    assert connector.attempts == []


@pytest.mark.parametrize("literal, address", [
    ("10.0.0.1", "10.0.0.1"), ("192.168.1.20", "192.168.1.20"), ("169.254.169.254", "169.254.169.254"),
    ("127.0.0.1", "127.0.0.1"), ("[::1]", "::1"), ("[fc00::1]", "fc00::1"), ("224.0.0.1", "224.0.0.1"),
    ("[::ffff:7f00:1]", "::ffff:7f00:1")])
async def test_ip_literals_refused_without_connecting(literal, address):
    resolver = StubResolver({})
    connector = RecordingConnector()
    async with Fetcher(resolver=resolver, connector=connector) as fetcher:
        result = await fetcher.fetch(f"http://{literal}:8080/x")
    assert result.error.kind == http.REFUSED
    assert connector.attempts == [] and resolver.calls == []


async def test_one_forbidden_address_among_several_refuses_the_host():
    resolver = StubResolver({"mixed.test": ["93.184.216.34", "10.0.0.9"]})
    connector = RecordingConnector()
    async with Fetcher(resolver=resolver, connector=connector) as fetcher:
        result = await fetcher.fetch("https://mixed.test/feed")
    assert result.error.kind == http.REFUSED and connector.attempts == []


async def test_public_address_is_attempted_only_through_the_recorder():
    resolver = StubResolver({"news.test": ["93.184.216.34"]})
    connector = RecordingConnector()
    async with Fetcher(resolver=resolver, connector=connector) as fetcher:
        result = await fetcher.fetch("https://news.test/feed")
    assert connector.attempts == [("93.184.216.34", 443)]  # the validated IP, recorded, not contacted
    assert result.error.kind == http.NETWORK


async def test_dns_rebinding_connects_to_the_validated_address(server):
    # First answer public (validated), later answers private: the connection goes to the validated IP.
    resolver = StubResolver({"rebind.test": [["93.184.216.34"], ["127.0.0.1"]]})
    connector = RecordingConnector(to_local={"93.184.216.34": server.port}, allow_loopback=False)
    server.route("/feed", Reply("served", headers={}))
    async with Fetcher(resolver=resolver, connector=connector) as fetcher:
        result = await fetcher.fetch(f"http://rebind.test:{server.port}/feed")
        assert result.ok and result.body == b"served"
        _, headers = server.requests[0]
        assert headers["Host"] == f"rebind.test:{server.port}"  # the real name, though the IP was connected
        assert connector.attempts == [("93.184.216.34", server.port)]
        # a new connection resolves again, gets the private answer, and is refused
    async with Fetcher(resolver=resolver, connector=connector) as other:
        second = await other.fetch(f"http://rebind.test:{server.port}/feed")
    assert second.error.kind == http.REFUSED
    assert not connector.attempted("127.0.0.1")


@pytest.mark.parametrize("target, address", [
    ("http://10.0.0.1/admin", "10.0.0.1"), ("http://192.168.0.1/", "192.168.0.1"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"), ("http://127.0.0.1:9/x", "127.0.0.1"),
    ("http://[::1]/x", "::1"), ("http://[fc00::1]/", "fc00::1"), ("http://224.0.0.1/", "224.0.0.1"),
    ("http://internal.test/", "10.9.9.9")])
async def test_redirect_from_an_allowed_server_to_a_forbidden_address(server, target, address):
    # The allowed server is reached as a "public" name mapped to the local test server.
    resolver = StubResolver({"news.test": ["93.184.216.34"], "internal.test": ["10.9.9.9"]})
    connector = RecordingConnector(to_local={"93.184.216.34": server.port}, allow_loopback=False)
    server.route("/feed", Reply(status=302, headers={"Location": target}))
    async with Fetcher(resolver=resolver, connector=connector) as fetcher:
        result = await fetcher.fetch(f"http://news.test:{server.port}/feed")
    assert result.error.kind == http.REFUSED and address in result.error.message
    assert connector.attempts == [("93.184.216.34", server.port)]
    assert server.hits("/feed") == 1


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://224.0.0.1/",
                                    "http://0.0.0.0:80/", "http://[fe80::1]/"])
async def test_redirect_from_local_server_with_private_allowed(server, target):
    connector = RecordingConnector()
    server.route("/feed", Reply(status=307, headers={"Location": target}))
    async with Fetcher(allow_private=True, connector=connector, resolver=StubResolver({})) as fetcher:
        result = await fetcher.fetch(server.url("/feed"))
    assert result.error.kind == http.REFUSED
    assert [ip for ip, _ in connector.attempts] == ["127.0.0.1"]


async def test_redirect_to_a_public_address_is_recorded_not_contacted(server):
    connector = RecordingConnector()
    server.route("/feed", Reply(status=302, headers={"Location": "http://93.184.216.34/feed"}))
    async with Fetcher(allow_private=True, connector=connector, resolver=StubResolver({})) as fetcher:
        result = await fetcher.fetch(server.url("/feed"))
    assert connector.attempts[-1] == ("93.184.216.34", 80)
    assert result.error.kind == http.NETWORK


async def test_loopback_refused_by_default(server):
    connector = RecordingConnector()
    async with Fetcher(connector=connector, resolver=StubResolver({})) as fetcher:
        result = await fetcher.fetch(server.url("/anything"))
    assert result.error.kind == http.REFUSED and "loopback" in result.error.message
    assert connector.attempts == [] and server.requests == []
