"""Autodiscovery, probing a URL (feed / page with feeds / page), and article extraction."""
from __future__ import annotations

import pytest

from bot.sources import http
from bot.sources.articles import NoMainText, extract_article, fetch_article
from bot.sources.discovery import discover_feeds, probe_source
from tests.sources.conftest import Reply, fixture_bytes


def test_discovery_resolves_and_filters():
    feeds = discover_feeds(fixture_bytes("page-with-feed.html"), "https://gazette.example/section/index.html")
    assert [(f.url, f.type, f.title) for f in feeds] == [
        ("https://gazette.example/feed.xml", "rss", "Gazette RSS"),
        ("https://gazette.example/section/feeds/atom.xml", "atom", "Gazette Atom")]


@pytest.mark.parametrize("html", [
    b"", b"\x00\x01\x02", b"<html><head><link rel=alternate type=application/rss+xml></head></html>",
    b"<link rel='alternate' type='application/rss+xml' href='data:text/xml,<rss/>'>",
    b"<" * 10000, b"<html>" + b"<div>" * 5000 + b"</html>",
    b"<!DOCTYPE html [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><html><head>"
    b"<link rel=alternate type=application/rss+xml href='&x;'></head></html>",
])
def test_discovery_survives_hostile_html(html):
    feeds = discover_feeds(html, "https://a.example/")
    assert all(f.url.startswith("https://a.example/") for f in feeds)
    assert not any("passwd" in f.url and "root" in f.url for f in feeds)


def test_discovery_honours_base_and_json_feeds():
    html = (b"<html><head><base href='https://cdn.example/site/'>"
            b"<link rel='alternate feed' type='application/feed+json' href='feed.json' title='JSON'>"
            b"<link rel='alternate' type='application/rss+xml' href='feed.json'></head></html>")
    feeds = discover_feeds(html, "https://a.example/")
    assert [(f.url, f.type) for f in feeds] == [("https://cdn.example/site/feed.json", "json")]


async def test_probe_feed_page_with_feed_and_plain_page(server, fetcher):
    server.route("/feed.xml", Reply(fixture_bytes("rss20.xml"), content_type="application/rss+xml"))
    server.route("/home", Reply(fixture_bytes("page-with-feed.html"), content_type="text/html; charset=utf-8"))
    server.route("/story", Reply(fixture_bytes("article.html"), content_type="text/html"))
    server.route("/noise", Reply(fixture_bytes("garbage.txt"), content_type="text/plain"))
    direct = await probe_source(fetcher, server.url("/feed.xml"))
    assert direct.kind == "feed" and direct.url == server.url("/feed.xml")
    assert direct.title == "The Harbour Gazette & Review"
    found = await probe_source(fetcher, server.url("/home"))
    assert found.kind == "feed" and found.url == server.url("/feed.xml") and len(found.discovered) == 2
    page = await probe_source(fetcher, server.url("/story"))
    assert page.kind == "page" and page.url == server.url("/story") and page.discovered == []
    assert page.title.startswith("Storm closes Old Pier")
    noise = await probe_source(fetcher, server.url("/noise"))
    assert noise.kind is None and noise.error.kind == http.NOT_A_FEED
    missing = await probe_source(fetcher, server.url("/missing"))
    assert missing.error.kind == http.NOT_FOUND


def test_extract_article_keeps_the_story_drops_the_furniture():
    text = extract_article(fixture_bytes("article.html"), "https://gazette.example/news/storm-pier")
    joined = "\n".join(text.paragraphs)
    assert text.paragraphs[0].startswith("High winds tore planks from the Old Pier")
    assert "“The pier has stood for a hundred and twenty years" in joined
    assert "Walkers are asked to use the inland route" in joined
    for furniture in ("Most read", "All rights reserved", "Privacy", "Ferry timetable row", "Subscribe"):
        assert furniture not in joined
    assert text.title == "Storm closes Old Pier and coastal path"


@pytest.mark.parametrize("page", [fixture_bytes("nav-only.html"), b"", b"<html><body></body></html>",
                                  b"<html><body><p>Copyright 2024 Example. All rights reserved.</p></body></html>"])
def test_navigation_only_page_has_no_main_text(page):
    with pytest.raises(NoMainText) as caught:
        extract_article(page, "https://gazette.example/")
    assert str(caught.value).startswith("no main text")


async def test_fetch_article_uses_the_page_or_falls_back_to_the_summary(server, fetcher):
    server.route("/story", Reply(fixture_bytes("article.html"), content_type="text/html; charset=utf-8"))
    server.route("/nav", Reply(fixture_bytes("nav-only.html"), content_type="text/html"))
    server.route("/pdf", Reply(b"%PDF-1.4", content_type="application/pdf"))
    summary = ["High winds damaged the Old Pier."]
    good = await fetch_article(fetcher, server.url("/story"), summary=summary)
    assert good.fetched and not good.summary_only and good.paragraphs[0].startswith("High winds tore")
    for path, words in [("/missing", "not found (404)"), ("/nav", "no main text"), ("/pdf", "not a web page")]:
        fallback = await fetch_article(fetcher, server.url(path), summary=summary)
        assert fallback.summary_only and fallback.paragraphs == summary
        assert words in fallback.reason and "summary is used" in fallback.reason
    nothing = await fetch_article(fetcher, server.url("/missing"), summary=[])
    assert nothing.paragraphs == [] and "not found" in nothing.reason
