"""The text of stored documents: kept once per document, compressed (see `bot.store.schema`), and cut
into paragraphs, quotations and key points here.

A document's text is its story paragraphs, UTF-8, joined without separators and compressed as raw
deflate with the store's preset dictionary (`text_dictionary`, made by the full build from its first
documents: `bot.build.text_dictionary`). A news text of a few KB compresses poorly on its own, its
first use of each common word spelt out; the dictionary lends those words to every document (about a
fifth off the compressed size). Every text of a store is compressed with the same dictionary, so a
reader loads it once per connection (`load_codec`).
"""
from __future__ import annotations

import sqlite3
import zlib

# zlib level. The dictionary offers every text many more matches to weigh: level 6 took 2.3 times as
# long as without it (~110 µs more a document, in the building process), level 5 1.75 times, for 1 % more.
TEXT_COMPRESSION = 5
PARAGRAPH_GAP = 2  # characters between a paragraph and the next, mostly ("\n\n"): not written in the spans


class TextCodec:
    """A store's document texts to and from their stored form: (compressed text, paragraph spans).

    The spans are one item per paragraph: its length in characters, preceded by "gap:" when it does not
    start PARAGRAPH_GAP characters after the previous one ends (the first: after position 0), e.g.
    "0:105 218 287 3:125" for paragraphs starting at 0, 107, 327 and 617. Starts are offsets into the
    file's text, which quotations' and key points' offsets are relative to."""

    def __init__(self, dictionary: bytes):
        self.dictionary = dictionary

    def compress(self, data: bytes) -> bytes:
        compressor = (zlib.compressobj(TEXT_COMPRESSION, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY, self.dictionary)
                      if self.dictionary else zlib.compressobj(TEXT_COMPRESSION, zlib.DEFLATED, -15))
        return compressor.compress(data) + compressor.flush()

    def decompress(self, blob: bytes) -> bytes:
        decompressor = (zlib.decompressobj(-15, self.dictionary) if self.dictionary else zlib.decompressobj(-15))
        return decompressor.decompress(blob) + decompressor.flush()

    def encode(self, paragraphs: list[tuple[int, str]]) -> tuple[bytes, str]:
        """(blob, spans) of the paragraphs given as (start, text)."""
        spans, end = [], 0
        for start, text in paragraphs:
            gap = start - end
            spans.append(str(len(text)) if gap == PARAGRAPH_GAP else f"{gap}:{len(text)}")
            end = start + len(text)
        return self.compress("".join(text for _, text in paragraphs).encode()), " ".join(spans)

    def decode(self, blob: bytes | None, spans: str) -> list[tuple[int, str]]:
        """(start, text) of each paragraph of a document, from its document_texts row."""
        text = self.decompress(blob).decode() if blob else ""
        out, cursor, end = [], 0, 0
        for span in spans.split():
            gap, _, length = span.rpartition(":")
            start, length = end + (int(gap) if gap else PARAGRAPH_GAP), int(length)
            out.append((start, text[cursor:cursor + length]))
            cursor += length
            end = start + length
        return out


def load_codec(conn: sqlite3.Connection) -> TextCodec:
    """The codec of the store open on `conn` (its dictionary never changes: a full build makes a new file)."""
    row = conn.execute("select dictionary from text_dictionary").fetchone()
    return TextCodec(row[0] if row else b"")


def store_dictionary(conn: sqlite3.Connection, dictionary: bytes) -> TextCodec:
    """Keep a new store's dictionary; the codec that uses it."""
    conn.execute("insert into text_dictionary values (?)", (dictionary,))
    return TextCodec(dictionary)


def document_paragraphs(conn: sqlite3.Connection, codec: TextCodec, document_id: int) -> list[tuple[int, str]]:
    """(start, text) of each paragraph of a stored document ([] when there is none)."""
    row = conn.execute("select text, paragraph_spans from document_texts where document_id = ?",
                       (document_id,)).fetchone()
    return codec.decode(row[0], row[1]) if row else []


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
