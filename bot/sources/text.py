"""HTML fragments (feed titles, summaries, content) to plain text, safely.

lxml's HTML parser reads hostile markup without fetching anything or expanding custom entities;
scripts, styles and other non-text elements are dropped with their content; block elements become
paragraph breaks; entities are decoded; whitespace within a paragraph is collapsed.
"""
from __future__ import annotations

import html
import re

import lxml.etree
import lxml.html

_DROP = {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "head",
         "title", "meta", "link", "button", "select", "textarea", "form", "canvas", "audio", "video"}
_BLOCK = {"p", "div", "section", "article", "header", "footer", "aside", "nav", "main", "blockquote", "pre",
          "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "td", "th", "figure",
          "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "address", "details", "summary", "center"}
_SPACES = re.compile(r"\s+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_LOOKS_LIKE_MARKUP = re.compile(r"<[a-zA-Z!/?]|&[#a-zA-Z0-9]+;")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_PARSER = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, recover=True,
                               default_doctype=False, compact=True)


def paragraphs_from_html(markup: str | None) -> list[str]:
    """The text paragraphs of an HTML fragment (or of plain text), each on one line."""
    if not markup or not markup.strip():
        return []
    text = markup
    if _LOOKS_LIKE_MARKUP.search(markup):
        text = _html_text(markup)
    else:
        text = markup.replace("\r\n", "\n")
    text = _CONTROL.sub("", text)
    return [p for p in (_SPACES.sub(" ", chunk).strip() for chunk in _PARAGRAPH_BREAK.split(text)) if p]


def plain_text(markup: str | None) -> str:
    """One line of plain text from an HTML fragment: tags and scripts gone, entities decoded."""
    return " ".join(paragraphs_from_html(markup))


def _html_text(markup: str) -> str:
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div", parser=_PARSER)
    except (lxml.etree.ParserError, ValueError):
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))
    parts: list[str] = []

    def walk(element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.lower()
        if tag in _DROP:
            if element.tail:
                parts.append(element.tail)
            return
        block = tag in _BLOCK
        if block:
            parts.append("\n\n")
        if tag == "br":
            parts.append("\n\n" if _next_is_br(element) else " ")
        if element.text and isinstance(element.tag, str):
            parts.append(element.text)
        for child in element:
            walk(child)
        if block:
            parts.append("\n\n")
        if element.tail:
            parts.append(element.tail)

    walk(root)
    return "".join(parts)


def _next_is_br(element) -> bool:
    """<br><br> (nothing but space between) is a paragraph break; a single <br> a space."""
    if element.tail and element.tail.strip():
        return False
    following = element.getnext()
    return following is not None and isinstance(following.tag, str) and following.tag.lower() == "br"


def decode_page(data: bytes, charset: str | None) -> str | bytes:
    """A page's bytes as text in the charset its headers name; without one (or an unknown one) the
    bytes themselves, for lxml to find `<meta charset>`."""
    if charset:
        try:
            return data.decode(charset, errors="replace")
        except LookupError:
            pass
    return data
