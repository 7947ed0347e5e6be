"""Extractions kept in the store, so that a rebuild extracts only the files that changed.

The store's own rows are the cache: what extraction found in a document (its people and their
mentions, quotations, reported statements, key points, and the confidence and cue of each attribution
— all but the evidence its confidence rests on, which the store does not keep) is there in full, so a file whose content hash and type match a
stored document gets its extraction back from that document's rows instead of being extracted
again — when the store was written by the same schema, reader and extractor versions.
"""
from __future__ import annotations

import bisect
import pickle
import sqlite3
from pathlib import Path

from bot.models import Extraction, KeyPoint, Person, Quote
from bot.store.mentions import mentioned_paragraphs
from bot.store.schema import SCHEMA_VERSION, from_hundredths
from bot.store.texts import TextCodec, document_paragraphs, load_codec
from bot.store.texts import cut as cut_text


def extraction_to_blob(extraction: Extraction) -> bytes:
    """Nothing to keep apart: the rows written from an extraction are its cache."""
    return b""


def extraction_from_blob(blob: bytes) -> Extraction:
    return pickle.loads(blob)


def stored_extraction(conn: sqlite3.Connection, codec: TextCodec, document_id: int) -> Extraction:
    """What extraction found in a stored document, rebuilt from its rows."""
    first_quote, quote_count = conn.execute("select first_quote, quotes from documents where id = ?",
                                            (document_id,)).fetchone()
    paragraphs = document_paragraphs(conn, codec, document_id)

    def cut(paragraph: int, start: int, end: int, text: str | None) -> str:
        return cut_text(paragraphs, paragraph, start, end, text)

    records = conn.execute(
        "select r.ord, n.name, r.aliases, r.role, r.mentions, r.mentioned from person_documents r"
        " join names n on n.id = r.name_id where r.document_id = ? order by r.ord", (document_id,)).fetchall()
    people, names = [], {}
    for ord_, name, aliases, role, mentions, mentioned in records:
        spans = []
        for paragraph, found in mentioned_paragraphs(mentioned):
            offset = paragraphs[paragraph][0]
            spans += [(offset + start, offset + end) for start, end in found]
        people.append(Person(name, aliases.split("\n") if aliases else [], role, mentions, spans))
        names[ord_] = name
    quotes = []
    if quote_count:
        for ord_, paragraph, start, end, text, speaker, confidence in conn.execute(
                'select ord, paragraph, start, "end", text, speaker, confidence from quotes where id between ? and ?'
                " order by id", (first_quote, first_quote + quote_count - 1)):
            quotes.append(Quote(cut(paragraph, start, end, text), start, end,
                                names.get(ord_) if ord_ is not None else speaker, paragraph,
                                confidence=from_hundredths(confidence)))
    starts = [start for start, _ in paragraphs]
    reported = []
    for ord_, paragraph, start, end, mixed, confidence, cue_start, cue_end, text, speaker in conn.execute(
            'select ord, paragraph, start, "end", mixed, confidence, cue_start, cue_end, text, speaker from statements'
            " where document_id = ? order by n", (document_id,)):
        cue = None if cue_start is None else cut(bisect.bisect_right(starts, cue_start) - 1, cue_start, cue_end, None)
        reported.append(Quote(cut(paragraph, start, end, text), start, end,
                              names.get(ord_) if ord_ is not None else speaker, paragraph,
                              kind="mixed" if mixed else "indirect", confidence=from_hundredths(confidence),
                              cue=cue, cue_start=cue_start, cue_end=cue_end))
    key_points = [KeyPoint(cut(paragraph, start, end, text), start, end, paragraph, kind, score)
                  for paragraph, kind, start, end, score, text in conn.execute(
                      'select paragraph, kind, start, "end", score, text from key_points where document_id = ?'
                      " order by rank", (document_id,))]
    return Extraction(people, quotes, key_points, reported)


class ExtractionCache:
    """Extractions of the previous store, looked up by (content hash, file type), when its versions match."""

    def __init__(self, db_path: Path | None, versions: str, conn: sqlite3.Connection | None = None):
        self.versions = versions
        self.conn: sqlite3.Connection | None = conn
        self.owned = conn is None
        self.codec: TextCodec | None = None  # read with the first stored extraction
        if conn is None and db_path is not None and db_path.is_file():
            try:
                self.conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
                meta = dict(self.conn.execute("select key, value from meta where key in"
                                              " ('schema_version', 'reader_version', 'extractor_version')"))
                stored = f"{meta.get('reader_version')}|{meta.get('extractor_version')}"
                if meta.get("schema_version") != SCHEMA_VERSION or stored != versions:
                    self.close()
            except sqlite3.Error:
                self.close()

    @staticmethod
    def key(sha256: str, path: Path) -> str:
        return f"{sha256}:{path.suffix.lower()}"

    def get_blob(self, key: str) -> bytes | None:
        if self.conn is None:
            return None
        sha, _, suffix = key.partition(":")
        try:
            # By the expression alone: with `and sha256 = ?` added, SQLite 3.40 scans the table instead.
            for document_id, path, stored in self.conn.execute(
                    "select id, path, sha256 from documents where substr(sha256, 1, 12) = ?", (sha[:12],)):
                if stored == sha and Path(path).suffix.lower() == suffix:
                    if self.codec is None:
                        self.codec = load_codec(self.conn)
                    return pickle.dumps(stored_extraction(self.conn, self.codec, document_id))
        except (sqlite3.Error, IndexError, ValueError):
            return None
        return None

    def close(self) -> None:
        if self.conn is not None and self.owned:
            self.conn.close()
        self.conn = None
