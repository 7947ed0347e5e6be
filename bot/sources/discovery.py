"""What a URL is: a feed, a web page that names its feeds, or a page to follow as it is.

    feeds = discover_feeds(html_bytes, page_url)          # [DiscoveredFeed(url, type, title)]
    probe = await probe_source(fetcher, url)              # SourceProbe(kind="feed"|"page", url, …) or .error

Autodiscovery reads `<link rel="alternate" type="application/rss+xml|atom+xml|feed+json|rdf+xml">`
(also `application/json` with a feed-like title) from the page's head and body, resolved against
`<base href>` or the page URL, with lxml's HTML parser (no network, no entity expansion; hostile or
broken markup is read as far as it goes). Only http/https feed URLs are kept, each once, in page order.
A page with no feed is a "page" source: re-read on schedule, a new document when its main text changes.
"""
from __future__ import annotations

from dataclasses import dataclass

import lxml.etree
import lxml.html

from bot.sources.feeds import Feed, NotAFeed, looks_like_html, parse_feed
from bot.sources.http import NOT_A_FEED, Fetcher, FetchError, FetchResult
from bot.sources.text import decode_page, plain_text
from bot.sources.urls import canonical_url, resolve_link

FEED_TYPES = {
    "application/rss+xml": "rss", "application/atom+xml": "atom", "application/feed+json": "json",
    "application/rdf+xml": "rss", "application/x-rss+xml": "rss", "application/x-atom+xml": "atom",
}
_PARSER = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, recover=True,
                               default_doctype=False)


@dataclass(frozen=True)
class DiscoveredFeed:
    url: str
    type: str  # "rss", "atom" or "json"
    title: str


@dataclass
class SourceProbe:
    """What `probe_source` found at a URL."""
    url: str  # the URL to follow: the feed's (possibly discovered), or the page's
    kind: str | None = None  # "feed" or "page"; None with an error
    title: str = ""  # the feed's or the page's title
    feed: Feed | None = None
    page: FetchResult | None = None
    discovered: list[DiscoveredFeed] | None = None
    error: FetchError | None = None



def parse_html(data: bytes | str, charset: str | None = None):
    """An lxml tree of a (possibly hostile) page, or None when nothing can be read."""
    text = decode_page(data, charset) if isinstance(data, bytes) else data
    if isinstance(text, str):
        text = text.replace("\x00", "")
        if text.lstrip().startswith("<?xml"):  # lxml refuses str with an encoding declaration
            text = text.encode("utf-8")
    if not text or not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text, parser=_PARSER)
    except (lxml.etree.ParserError, ValueError):
        return None


def discover_feeds(html: bytes | str, page_url: str, charset: str | None = None) -> list[DiscoveredFeed]:
    """The feeds a page names in its `<link rel="alternate">` elements (see the module doc)."""
    root = parse_html(html, charset)
    if root is None:
        return []
    base = page_url
    for element in root.iter("base"):
        href = element.get("href")
        if href:
            resolved, _ = resolve_link(page_url, href)
            if resolved:
                base = resolved
            break
    found: list[DiscoveredFeed] = []
    seen: set[str] = set()
    for element in root.iter("link", "a"):
        rel = (element.get("rel") or "").lower().split()
        if "alternate" not in rel:
            continue
        mime = (element.get("type") or "").split(";")[0].strip().lower()
        kind = FEED_TYPES.get(mime)
        if kind is None:
            continue
        url, _ = resolve_link(base, element.get("href"))
        if not url or canonical_url(url) in seen:
            continue
        seen.add(canonical_url(url))
        found.append(DiscoveredFeed(url, kind, plain_text(element.get("title"))[:200]))
    return found


def page_title(html: bytes | str, charset: str | None = None) -> str:
    root = parse_html(html, charset)
    if root is None:
        return ""
    for element in root.iter("title"):
        return plain_text(element.text_content())[:300]
    return ""


async def probe_source(fetcher: Fetcher, url: str) -> SourceProbe:
    """Fetch `url` and say how to follow it: as a feed (given, or discovered in the page) or as a page."""
    result = await fetcher.fetch(url)
    if result.error:
        return SourceProbe(url=url, error=result.error)
    try:
        feed = parse_feed(result.body, result.final_url, result.headers)
        return SourceProbe(url=result.final_url, kind="feed", title=feed.title, feed=feed)
    except NotAFeed as not_feed:
        if not looks_like_html(result.body, result.content_type):
            return SourceProbe(url=url, error=FetchError(NOT_A_FEED, str(not_feed)))
    discovered = discover_feeds(result.body, result.final_url, result.charset)
    for candidate in discovered:
        answer = await fetcher.fetch(candidate.url)
        if answer.error:
            continue
        try:
            feed = parse_feed(answer.body, answer.final_url, answer.headers)
        except NotAFeed:
            continue
        return SourceProbe(url=answer.final_url, kind="feed", title=feed.title or candidate.title, feed=feed,
                           discovered=discovered)
    return SourceProbe(url=result.final_url, kind="page", title=page_title(result.body, result.charset),
                       page=result, discovered=discovered)
