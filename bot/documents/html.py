"""Web pages (`.html`): the main text found by trafilatura; offsets point into that text."""
from __future__ import annotations

import re
from pathlib import Path

from bot.documents.cleaning import story_and_credits
from bot.documents.errors import UnreadableDocument
from bot.documents.paragraphs import split_paragraphs
from bot.models import Document

_NEWLINE = re.compile(r"\n")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def document_from_html(path: str, html: str) -> Document:
    """A web page's main text, found by trafilatura; offsets point into that extracted text.

    trafilatura writes one paragraph (or heading, or list item) per line; the headline comes from
    the page's metadata (`<title>`, Open Graph), the date from its publication metadata.
    """
    import trafilatura  # imported here: it is slow to import and only web pages need it

    extracted = trafilatura.bare_extraction(html, include_comments=False, include_tables=False, with_metadata=True)
    if extracted is None or not (extracted.text or "").strip():
        raise UnreadableDocument("no main text found in the web page")
    text = extracted.text
    paragraphs, credits = story_and_credits(split_paragraphs(text, _NEWLINE))
    title = (extracted.title or "").strip() or (paragraphs[0].text if paragraphs else Path(path).stem)
    date = _ISO_DATE.match(extracted.date or "")
    return Document(path=path, title=title, text=text, paragraphs=paragraphs, credits=credits,
                    published=date.group(0) if date else None)
