"""URL canonicalisation (Hypothesis) and entry identity."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sources.identity import CHANGED, NEW, SAME, classify, content_hash, identity_key
from bot.sources.urls import canonical_url, is_tracking_param, resolve_link

labels = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
hosts = st.lists(labels, min_size=2, max_size=4).map(".".join)
segments = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%20", max_size=12)
paths = st.lists(segments, max_size=4).map(lambda parts: "/" + "/".join(parts))
names = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).filter(lambda n: not is_tracking_param(n))
values = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", max_size=8)
params = st.lists(st.tuples(names, values), max_size=5)
tracking = st.lists(st.tuples(st.sampled_from(["utm_source", "utm_medium", "UTM_Campaign", "utm_content", "fbclid",
                                               "gclid", "mc_cid", "mc_eid", "msclkid", "_ga", "igshid"]), values),
                    max_size=4)


def build(scheme, host, port, path, query, fragment=""):
    netloc = host if port is None else f"{host}:{port}"
    q = "&".join(f"{k}={v}" for k, v in query)
    return f"{scheme}://{netloc}{path}" + (f"?{q}" if q else "") + (f"#{fragment}" if fragment else "")


@settings(max_examples=300, deadline=None)
@given(scheme=st.sampled_from(["http", "https"]), host=hosts, path=paths, query=params, noise=tracking,
       fragment=values, shuffle=st.randoms(use_true_random=False), upper=st.booleans())
def test_canonical_url_ignores_case_port_fragment_tracking_and_order(scheme, host, path, query, noise, fragment,
                                                                     shuffle, upper):
    plain = canonical_url(build(scheme, host, None, path, query))
    mixed = list(query) + list(noise)
    shuffle.shuffle(mixed)
    default_port = 80 if scheme == "http" else 443
    variant = build(scheme.upper() if upper else scheme, host.upper() if upper else host, default_port, path, mixed,
                    fragment)
    assert canonical_url(variant) == plain
    assert canonical_url(plain) == plain  # idempotent
    parts = urlsplit(plain)
    assert parts.fragment == "" and parts.port is None
    assert not any(is_tracking_param(k) for k, _ in parse_qsl(parts.query, keep_blank_values=True))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    assert pairs == sorted(pairs)


@given(host=hosts, path=paths, query=params)
def test_canonical_url_keeps_what_identifies_the_page(host, path, query):
    one = canonical_url(build("https", host, None, path, query))
    other_port = canonical_url(build("https", host, 8443, path, query))
    other_scheme = canonical_url(build("http", host, None, path, query))
    assert one != other_port and one != other_scheme
    if query:
        assert canonical_url(build("https", host, None, path, query[1:])) != one or query[0] in query[1:]


def test_canonical_url_examples():
    assert canonical_url("HTTPS://News.Example.COM:443/World/Story?b=2&utm_source=x&a=1#top") == \
        "https://news.example.com/World/Story?a=1&b=2"
    assert canonical_url("http://example.com") == "http://example.com/"
    assert canonical_url("http://example.com:8080/a%7eb%2f") == "http://example.com:8080/a~b%2F"
    assert canonical_url("https://пример.рф/") == "https://xn--e1afmkfd.xn--p1ai/"


def test_resolve_link():
    assert resolve_link("https://a.example/feed/", "../x?y=1") == ("https://a.example/x?y=1", None)
    assert resolve_link("https://a.example/", "//b.example/p")[0] == "https://b.example/p"
    for bad in ["javascript:alert(1)", " JAVASCRIPT:alert(1)", "java\tscript:alert(1)", "data:text/html,x",
                "file:///etc/passwd", "vbscript:x", "mailto:a@b.c"]:
        link, reason = resolve_link("https://a.example/", bad)
        assert link is None and "not allowed" in reason


def test_identity_prefers_guid_then_link_then_hash():
    digest = content_hash("Title", ["Body."], None)
    assert identity_key("abc-1", "https://a.example/x", digest) == "guid:abc-1"
    assert identity_key(None, "https://A.example:443/x?utm_source=y#f", digest) == "url:https://a.example/x"
    assert identity_key("  ", None, digest) == f"hash:{digest}"


def test_content_hash_changes_with_content_not_whitespace():
    base = content_hash("Title", ["One paragraph.", "Two."], "https://a.example/x")
    assert content_hash(" Title ", ["One  paragraph.", "Two.\n"], "https://a.example/x#frag") == base
    assert content_hash("Title", ["One paragraph.", "Two, edited."], "https://a.example/x") != base
    assert content_hash("New title", ["One paragraph.", "Two."], "https://a.example/x") != base


def test_classify():
    assert classify("guid:1", "h1", None).state == NEW
    assert classify("guid:1", "h1", "h1").state == SAME
    assert classify("guid:1", "h2", "h1").state == CHANGED
