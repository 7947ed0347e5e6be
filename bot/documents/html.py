"""Web pages (`.html`): the main text found by trafilatura; offsets point into that text.

A page whose extracted text has no line of prose - only navigation links, menus, a copyright
line - has no main text and is not a document. Scripts and styles never reach the text, entities
are decoded, and the date comes from the page's publication metadata only (not guessed from a
copyright year), checked by `bot.documents.dates`.
"""
from __future__ import annotations

import re
from pathlib import Path

from bot.documents.cleaning import clean_title, story_and_credits
from bot.documents.dates import publication_date
from bot.documents.errors import UnreadableDocument
from bot.documents.paragraphs import split_paragraphs
from bot.models import Document

_NEWLINE = re.compile(r"\n")
MIN_PROSE_WORDS = 6  # a page's main text has at least one paragraph this long; menus and link lists have none
# htmldate's own guesses (from a copyright year, from the URL) are not a publication date.
_DATE_PARAMS = {"extensive_search": False, "original_date": True}


def document_from_html(path: str, html: str) -> Document:
    """A web page's main text, found by trafilatura; offsets point into that extracted text.

    trafilatura writes one paragraph (or heading, or list item) per line; the headline comes from
    the page's metadata (`<title>`, Open Graph), the date from its publication metadata.
    """
    import trafilatura  # imported here: it is slow to import and only web pages need it

    extracted = trafilatura.bare_extraction(html, include_comments=False, include_tables=False, with_metadata=True,
                                            date_extraction_params=_DATE_PARAMS)
    if extracted is None or not (extracted.text or "").strip():
        raise UnreadableDocument("no main text found in the web page")
    text = extracted.text
    paragraphs, credits = story_and_credits(split_paragraphs(text, _NEWLINE))
    if not any(len(p.text.split()) >= MIN_PROSE_WORDS for p in paragraphs):
        raise UnreadableDocument("no main text found in the web page (only navigation, links or short lines)")
    title = clean_title(extracted.title or "") or (clean_title(paragraphs[0].text) if paragraphs else "") \
        or clean_title(Path(path).stem)
    published, note = publication_date(extracted.date)
    return Document(path=path, title=title, text=text, paragraphs=paragraphs, credits=credits,
                    published=published, notes=[note] if note else [])
