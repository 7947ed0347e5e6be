"""Feeds from fetched bytes: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed 1.0/1.1 through json.

    feed = parse_feed(result.body, result.final_url, result.headers)   # NotAFeed(reason) when it is none

feedparser is only ever given the bytes (wrapped in BytesIO: given a str or bytes it would try to
open a file or URL of that name) and the response headers (their charset decides the decoding, as
the XML declaration does). Malformed XML is read as far as feedparser recovers it (`bozo`); when
nothing usable is left the reason says what was wrong.

Every entry comes out with: its id (GUID), its link resolved against the feed URL (dropped, with the
reason in `link_refused`, unless http/https), a title with HTML and scripts stripped and entities
decoded, the summary and the full content as plain-text paragraphs, the author, the publication date
as an aware UTC datetime (or None), and `summary_only`: True when the feed carries no text of at
least FULL_TEXT_MIN_WORDS words (the entry's page is then worth fetching). Of a long feed the newest
`limit` (100) entries are kept: dated entries newest first, then undated ones in feed order.
"""
from __future__ import annotations

import calendar
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

import feedparser

from bot.sources.text import paragraphs_from_html, plain_text
from bot.sources.urls import resolve_link

MAX_ENTRIES = 100
FULL_TEXT_MIN_WORDS = 120  # a feed text shorter than this is taken for a summary
MAX_TITLE = 300
MAX_ID = 1000
JSON_FEED_PREFIX = "https://jsonfeed.org/version/"
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL)


class NotAFeed(ValueError):
    """The bytes hold no usable feed; the message says what was found instead."""


@dataclass(frozen=True)
class FeedEntry:
    id: str | None
    link: str | None
    title: str
    summary: list[str]  # plain-text paragraphs
    content: list[str]  # plain-text paragraphs of the full text, [] when the feed carries none
    author: str | None
    published: datetime | None  # aware, UTC
    summary_only: bool
    link_refused: str | None = None  # why the entry's link was dropped

    @property
    def paragraphs(self) -> list[str]:
        """The best text the feed gives: the content, else the summary."""
        return self.content or self.summary


@dataclass(frozen=True)
class Feed:
    url: str
    format: str  # feedparser's version ("rss20", "atom10", "rss10", …) or "json1"/"json1.1"
    title: str
    site_url: str | None
    ttl: int | None  # minutes (RSS <ttl>)
    entries: list[FeedEntry]
    total_entries: int  # before keeping the newest `limit`
    problems: list[str] = field(default_factory=list)  # what feedparser had to recover from


def looks_like_json(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def looks_like_html(data: bytes, content_type: str = "") -> bool:
    return content_type.startswith(("text/html", "application/xhtml")) or bool(_HTML_START.match(data[:2048]))


def parse_feed(data: bytes, url: str, headers: Mapping[str, str] | None = None, *, limit: int = MAX_ENTRIES) -> Feed:
    """The feed in `data` (fetched from `url`, with the response `headers`); NotAFeed when there is none."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if not data or not data.strip():
        raise NotAFeed("not a feed: the answer is empty")
    if "json" in content_type or looks_like_json(data):
        return parse_json_feed(data, url, limit=limit)
    return _parse_xml_feed(data, url, headers, content_type, limit)


def _parse_xml_feed(data: bytes, url: str, headers: dict[str, str], content_type: str, limit: int) -> Feed:
    response_headers = {"content-location": url}
    if "content-type" in headers:
        response_headers["content-type"] = headers["content-type"]
    if "content-language" in headers:
        response_headers["content-language"] = headers["content-language"]
    parsed = feedparser.parse(io.BytesIO(data), response_headers=response_headers,
                              resolve_relative_uris=True, sanitize_html=True)
    problem = _problem(parsed)
    version = parsed.get("version") or ""
    raw_entries = list(parsed.get("entries") or [])
    if not version and not raw_entries:
        if looks_like_html(data, content_type):
            raise NotAFeed("not a feed: the answer is a web page (HTML)")
        if problem:
            raise NotAFeed(f"not a feed: malformed XML ({problem})")
        raise NotAFeed("not a feed: no RSS, Atom or JSON Feed found")
    meta = parsed.get("feed") or {}
    dated = [(_date(e), i, e) for i, e in enumerate(raw_entries)]
    dated.sort(key=lambda t: (t[0] is None, -(t[0].timestamp()) if t[0] else 0, t[1]))
    entries = [_xml_entry(e, published, url) for published, _, e in dated[:limit]]
    ttl = _int(meta.get("ttl"))
    site, _ = resolve_link(url, meta.get("link"))
    return Feed(url=url, format=version or "unknown", title=plain_text(meta.get("title"))[:MAX_TITLE], site_url=site,
                ttl=ttl if ttl and ttl > 0 else None, entries=entries, total_entries=len(raw_entries),
                problems=[problem] if problem else [])


def _problem(parsed: Any) -> str:
    """What was wrong with the XML, or "" (a missing or non-XML Content-Type, or a charset that the
    document's own declaration overrode, is not a problem of the feed)."""
    if not parsed.get("bozo"):
        return ""
    exc = parsed.get("bozo_exception")
    benign = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)
    if exc is None or isinstance(exc, benign):
        return ""
    return str(exc).strip() or type(exc).__name__


def _xml_entry(raw: Any, published: datetime | None, feed_url: str) -> FeedEntry:
    link_value = raw.get("link")
    if not link_value:
        for candidate in raw.get("links") or []:
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link_value = candidate["href"]
                break
    link, refused = resolve_link(feed_url, link_value)
    summary = paragraphs_from_html(raw.get("summary"))
    content: list[str] = []
    for item in raw.get("content") or []:
        paragraphs = paragraphs_from_html(item.get("value"))
        if _words(paragraphs) > _words(content):
            content = paragraphs
    author = plain_text(raw.get("author")) or None
    if not author:
        for person in raw.get("authors") or []:
            author = plain_text(person.get("name") or person.get("email")) or None
            if author:
                break
    entry_id = (raw.get("id") or raw.get("guid") or "").strip()[:MAX_ID] or None
    return _entry(entry_id, link, refused if link_value else None, plain_text(raw.get("title")), summary, content,
                  author, published)


def _entry(entry_id, link, refused, title, summary, content, author, published) -> FeedEntry:
    full = content if _words(content) >= _words(summary) else summary
    summary_only = _words(full) < FULL_TEXT_MIN_WORDS
    if not summary_only and not content:
        content = summary  # the feed's "summary" is the whole text
    return FeedEntry(id=entry_id, link=link, title=title[:MAX_TITLE], summary=summary, content=content,
                     author=author[:200] if author else None, published=published, summary_only=summary_only,
                     link_refused=refused)


def _date(raw: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = raw.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)
            except (OverflowError, ValueError, OSError, TypeError):
                continue
    return None


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _words(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


# JSON Feed ---------------------------------------------------------------------------------------

def parse_json_feed(data: bytes, url: str, *, limit: int = MAX_ENTRIES) -> Feed:
    """A JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1) as the same `Feed` as RSS and Atom."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise NotAFeed(f"not a feed: malformed JSON ({exc})") from None
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(JSON_FEED_PREFIX):
        raise NotAFeed("not a feed: JSON, but not a JSON Feed (no jsonfeed.org version)")
    items = doc.get("items")
    if not isinstance(items, list):
        raise NotAFeed("not a feed: JSON Feed without an items list")
    version = "json" + str(doc["version"])[len(JSON_FEED_PREFIX):].strip("/")
    base = url
    home, _ = resolve_link(url, _str(doc.get("home_page_url")))
    dated = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            dated.append((_iso_date(item.get("date_published")) or _iso_date(item.get("date_modified")), i, item))
    dated.sort(key=lambda t: (t[0] is None, -(t[0].timestamp()) if t[0] else 0, t[1]))
    entries = []
    for published, _, item in dated[:limit]:
        raw_link = _str(item.get("url")) or _str(item.get("external_url"))
        link, refused = resolve_link(base, raw_link)
        content = paragraphs_from_html(_str(item.get("content_html"))) or paragraphs_from_html(
            _str(item.get("content_text")))
        summary = paragraphs_from_html(_str(item.get("summary")))
        author = None
        authors = item.get("authors") or doc.get("authors") or []
        if isinstance(item.get("author"), dict):  # JSON Feed 1.0
            authors = [item["author"]]
        elif not authors and isinstance(doc.get("author"), dict):
            authors = [doc["author"]]
        for person in authors if isinstance(authors, list) else []:
            if isinstance(person, dict) and _str(person.get("name")):
                author = plain_text(_str(person["name"]))
                break
        entry_id = _str(item.get("id"))
        entries.append(_entry(entry_id.strip()[:MAX_ID] or None if entry_id else None, link,
                              refused if raw_link else None, plain_text(_str(item.get("title"))),
                              summary, content, author, published))
    return Feed(url=url, format=version, title=plain_text(_str(doc.get("title")))[:MAX_TITLE], site_url=home,
                ttl=None, entries=entries, total_entries=len(dated))


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _iso_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
