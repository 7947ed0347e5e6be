"""OPML 2.0 (the subscription list every feed reader imports and exports), read safely and written.

`parse_opml(data)` reads hostile files without harm: lxml with `resolve_entities=False` (no entity
expansion: a billion-laughs file stays small), `no_network=True`, `load_dtd=False` (no external DTD or
entity — no XXE), no huge-tree mode; nested outlines are walked to any depth (iteratively, bounded by
MAX_OUTLINES), their parents' titles giving each feed its category; duplicates (same canonical URL)
are reported once; only http/https URLs are kept, the others listed with the reason.
`export_opml(items)` writes an OPML 2.0 document: feeds as `type="rss"` outlines with `xmlUrl`,
pages as `type="link"` outlines with `url`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime

import lxml.etree

from bot.sources.text import plain_text
from bot.sources.urls import canonical_url, resolve_link

MAX_OUTLINES = 10_000
MAX_BYTES = 5 * 1024 * 1024


class BadOpml(ValueError):
    """The file is not OPML that can be read; the message says why."""


@dataclass(frozen=True)
class OpmlItem:
    url: str
    kind: str  # "feed" or "page"
    title: str = ""
    html_url: str | None = None
    category: str = ""  # the enclosing outlines' titles, "News/World"


@dataclass
class OpmlContents:
    title: str = ""
    items: list[OpmlItem] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)


def _parser() -> lxml.etree.XMLParser:
    return lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                                huge_tree=False, remove_comments=True, remove_pis=True, recover=False)


def parse_opml(data: bytes) -> OpmlContents:
    """The feeds and pages an OPML file lists (see the module doc); BadOpml when it cannot be read."""
    if len(data) > MAX_BYTES:
        raise BadOpml(f"too large (over {MAX_BYTES // 1024 // 1024} MB)")
    try:
        root = lxml.etree.fromstring(data, parser=_parser())
    except lxml.etree.XMLSyntaxError as exc:
        raise BadOpml(f"not valid XML ({exc})") from None
    if not isinstance(root.tag, str) or lxml.etree.QName(root).localname.lower() != "opml":
        raise BadOpml("not an OPML file (the root element is not <opml>)")
    contents = OpmlContents()
    for element in root.iter("{*}title"):
        contents.title = plain_text(element.text or "")[:200]
        break
    body = next(iter(root.iter("{*}body")), None)
    if body is None:
        raise BadOpml("not an OPML file (no <body>)")
    seen: set[str] = set()
    stack: list[tuple[object, tuple[str, ...]]] = [(child, ()) for child in reversed(list(body))]
    count = 0
    while stack:
        element, path = stack.pop()
        if not isinstance(getattr(element, "tag", None), str) or lxml.etree.QName(element).localname != "outline":
            continue
        count += 1
        if count > MAX_OUTLINES:
            contents.skipped.append(("…", f"more than {MAX_OUTLINES:,} outlines; the rest is ignored"))
            break
        attrs = {k.lower() if isinstance(k, str) else k: v for k, v in element.attrib.items()}
        title = plain_text(attrs.get("title") or attrs.get("text") or "")[:200]
        raw_url = attrs.get("xmlurl") or (attrs.get("url") if (attrs.get("type") or "").lower() == "link" else None)
        if raw_url:
            kind = "feed" if attrs.get("xmlurl") else "page"
            url, reason = resolve_link("", raw_url.strip())
            if url is None:
                contents.skipped.append((raw_url[:200], reason or "refused"))
            elif canonical_url(url) in seen:
                contents.duplicates.append(url)
            else:
                seen.add(canonical_url(url))
                html_url, _ = resolve_link("", attrs.get("htmlurl"))
                contents.items.append(OpmlItem(url, kind, title, html_url, "/".join(path)))
        children = list(element)
        if children:
            stack.extend((child, path + ((title,) if title else ())) for child in reversed(children))
    return contents


def export_opml(items: list[OpmlItem], title: str = "Briefbot sources", now: datetime | None = None) -> bytes:
    """An OPML 2.0 document listing `items` (UTF-8 bytes with an XML declaration)."""
    root = lxml.etree.Element("opml", version="2.0")
    head = lxml.etree.SubElement(root, "head")
    lxml.etree.SubElement(head, "title").text = title
    lxml.etree.SubElement(head, "dateCreated").text = format_datetime(
        (now or datetime.now(timezone.utc)).astimezone(timezone.utc), usegmt=True)
    body = lxml.etree.SubElement(root, "body")
    for item in items:
        name = item.title or item.url
        if item.kind == "page":
            outline = lxml.etree.SubElement(body, "outline", type="link", text=name, title=name, url=item.url)
        else:
            outline = lxml.etree.SubElement(body, "outline", type="rss", text=name, title=name, xmlUrl=item.url)
            if item.html_url:
                outline.set("htmlUrl", item.html_url)
    return lxml.etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
