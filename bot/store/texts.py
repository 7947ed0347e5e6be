"""The text of stored documents: kept once per document, compressed (see `bot.store.schema`), and cut
into paragraphs, quotations and key points here."""
from __future__ import annotations

import sqlite3
import zlib


def paragraph_texts(blob: bytes | None, spans: str) -> list[tuple[int, str]]:
    """(start, text) of each paragraph of a document, from its document_texts row."""
    text = zlib.decompress(blob).decode() if blob else ""
    out, cursor = [], 0
    for span in spans.split():
        start, length = span.split(":")
        length = int(length)
        out.append((int(start), text[cursor:cursor + length]))
        cursor += length
    return out


def document_paragraphs(conn: sqlite3.Connection, document_id: int) -> list[tuple[int, str]]:
    """(start, text) of each paragraph of a stored document ([] when there is none)."""
    row = conn.execute("select text, paragraph_spans from document_texts where document_id = ?",
                       (document_id,)).fetchone()
    return paragraph_texts(row[0], row[1]) if row else []


def cut(paragraphs: list[tuple[int, str]], paragraph: int, start: int, end: int, text: str | None) -> str:
    """A quotation's or key point's text: its own when stored, else its span of its paragraph."""
    if text is not None:
        return text
    if not 0 <= paragraph < len(paragraphs):
        return ""
    offset, body = paragraphs[paragraph]
    return body[start - offset:end - offset]


def document_of_paragraph(conn: sqlite3.Connection, rowid: int) -> tuple[int, int] | None:
    """(document id, paragraph index) of a row of paragraphs_fts."""
    row = conn.execute("select id, ? - first_paragraph from documents where first_paragraph <= ?"
                       " order by first_paragraph desc limit 1", (rowid, rowid)).fetchone()
    return (row[0], row[1]) if row else None
