"""The text of stored documents: kept once per document, compressed (see `bot.store.schema`), and cut
into paragraphs, quotations and key points here.

A document's text is its story paragraphs, UTF-8, joined without separators and compressed as raw
deflate with the store's preset dictionary (`text_dictionary`, made by the full build from its first
documents: `bot.build.text_dictionary`). A news text of a few KB compresses poorly on its own, its
first use of each common word spelt out; the dictionary lends those words to every document (about a
fifth off the compressed size). Every text of a store is compressed with the same dictionary, so a
reader loads it once per connection (`load_codec`).

The stored form (`TextCodec.encode`) is the paragraphs' lengths and gaps, then the compressed text; it
is kept in parts of at most TEXT_PART bytes, a row each (`text_rows`). A row never spans pages: with a
whole ~1.7 KB text a row, an 8 KB page was left with ~1.2 KB that the next text did not fit in (15 % of
the table); parts of ~600 bytes leave ~300 (1,000-byte parts left ~450, and 400-byte ones no less).
"""
from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from itertools import groupby

# zlib level. The dictionary offers every text many more matches to weigh: level 6 took 2.3 times as
# long as without it (~110 µs more a document, in the building process), level 5 1.75 times, for 1 % more.
TEXT_COMPRESSION = 5
PARAGRAPH_GAP = 2  # characters between a paragraph and the next, mostly ("\n\n"): not written in the spans
TEXT_PART = 600  # bytes of a document's stored text a document_texts row holds, at most (see `text_rows`)
PARTS = 16  # rows a document's text may take: document_texts' rowid is the document's id × PARTS + its part


class TextCodec:
    """A store's document texts to and from their stored form: the paragraph spans, then the compressed text.

    The spans are one varint per paragraph (as in `bot.store.mentions`): its length in characters, doubled,
    plus one when it does not start PARAGRAPH_GAP characters after the previous one ends (the first: after
    position 0), the gap then following as a varint of its own; e.g. 105, 218, 287 and 125 characters
    starting at 0, 107, 327 and 617 are 4 (the count), 211 and 0 (the first, its gap), 436, 574, 251 and 3.
    Starts are offsets into the file's text, which quotations' and key points' offsets are relative to."""

    def __init__(self, dictionary: bytes):
        self.dictionary = dictionary

    def compress(self, data: bytes) -> bytes:
        compressor = (zlib.compressobj(TEXT_COMPRESSION, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY, self.dictionary)
                      if self.dictionary else zlib.compressobj(TEXT_COMPRESSION, zlib.DEFLATED, -15))
        return compressor.compress(data) + compressor.flush()

    def decompress(self, blob: bytes) -> bytes:
        decompressor = (zlib.decompressobj(-15, self.dictionary) if self.dictionary else zlib.decompressobj(-15))
        return decompressor.decompress(blob) + decompressor.flush()

    def encode(self, paragraphs: list[tuple[int, str]]) -> bytes:
        """The stored form of the paragraphs given as (start, text)."""
        spans, end = [len(paragraphs)], 0
        for start, text in paragraphs:
            gap = start - end
            spans += [len(text) * 2] if gap == PARAGRAPH_GAP else [len(text) * 2 + 1, gap]
            end = start + len(text)
        return _varints(spans) + self.compress("".join(text for _, text in paragraphs).encode())

    def decode(self, stored: bytes) -> list[tuple[int, str]]:
        """(start, text) of each paragraph of a document, from its stored form (b"": none)."""
        if not stored:
            return []
        at, spans = 0, []
        count, at = _varint(stored, at)
        for _ in range(count):
            length, at = _varint(stored, at)
            gap = PARAGRAPH_GAP
            if length & 1:
                gap, at = _varint(stored, at)
            spans.append((gap, length >> 1))
        text = self.decompress(stored[at:]).decode()
        out, cursor, end = [], 0, 0
        for gap, length in spans:
            start = end + gap
            out.append((start, text[cursor:cursor + length]))
            cursor += length
            end = start + length
        return out


def _varints(values: list[int]) -> bytes:
    out = bytearray()
    for value in values:
        while value >= 0x80:
            out.append(value & 0x7F | 0x80)
            value >>= 7
        out.append(value)
    return bytes(out)


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """The varint at `at`, and where the next begins."""
    value = shift = 0
    while data[at] & 0x80:
        value |= (data[at] & 0x7F) << shift
        shift += 7
        at += 1
    return value | data[at] << shift, at + 1


def text_rows(document_id: int, stored: bytes) -> list[tuple[int, bytes]]:
    """The document_texts rows (rowid, part) of a document's stored text: parts of about equal size, TEXT_PART
    bytes at most, but PARTS of them at most."""
    parts = min(PARTS, max(1, -(-len(stored) // TEXT_PART)))
    size = -(-len(stored) // parts)
    return [(document_id * PARTS + n, stored[n * size:(n + 1) * size]) for n in range(parts)]


def stored_text(conn: sqlite3.Connection, document_id: int) -> bytes:
    """A document's stored text, from its rows (b"" when it has none)."""
    return b"".join(part for part, in conn.execute(
        "select text from document_texts where id between ? and ? order by id",
        (document_id * PARTS, document_id * PARTS + PARTS - 1)))


def stored_texts(conn: sqlite3.Connection) -> Iterator[tuple[int, bytes]]:
    """(document id, stored text) of every document that has one, by id."""
    for document_id, parts in groupby(conn.execute("select id, text from document_texts order by id"),
                                      key=lambda row: row[0] // PARTS):
        yield document_id, b"".join(part for _, part in parts)


def delete_texts(conn: sqlite3.Connection, document_ids: Iterable[int]) -> None:
    conn.executemany("delete from document_texts where id between ? and ?",
                     [(document_id * PARTS, document_id * PARTS + PARTS - 1) for document_id in document_ids])


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
    return codec.decode(stored_text(conn, document_id))


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
