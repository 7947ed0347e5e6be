"""Extractions kept in the store (compressed, keyed by content hash and versions), so that a rebuild
extracts only the files that changed."""
from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

from bot.models import Extraction, KeyPoint, Person, Quote


def extraction_to_blob(extraction: Extraction) -> bytes:
    # vars() instead of dataclasses.asdict: the same JSON, several times faster on large builds.
    return zlib.compress(json.dumps(extraction, default=vars, ensure_ascii=False).encode())


def extraction_from_blob(blob: bytes) -> Extraction:
    data = json.loads(zlib.decompress(blob))
    return Extraction(
        people=[Person(**{**p, "spans": [tuple(s) for s in p.get("spans", [])]}) for p in data["people"]],
        quotes=[Quote(**q) for q in data["quotes"]],
        key_points=[KeyPoint(**k) for k in data["key_points"]],
    )


class ExtractionCache:
    """Extractions kept by the previous store, looked up by (content hash, file type, versions)."""

    def __init__(self, db_path: Path | None, versions: str, conn: sqlite3.Connection | None = None):
        self.versions = versions
        self.conn: sqlite3.Connection | None = conn
        self.owned = conn is None
        if conn is None and db_path is not None and db_path.is_file():
            try:
                self.conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
                self.conn.execute("select 1 from extraction_cache limit 1")
            except sqlite3.Error:
                self.close()

    @staticmethod
    def key(sha256: str, path: Path) -> str:
        return f"{sha256}:{path.suffix.lower()}"

    def get_blob(self, key: str) -> bytes | None:
        if self.conn is None:
            return None
        try:
            row = self.conn.execute("select extraction from extraction_cache where key = ? and versions = ?",
                                    (key, self.versions)).fetchone()
        except sqlite3.Error:
            return None
        return None if row is None else row[0]

    def close(self) -> None:
        if self.conn is not None and self.owned:
            self.conn.close()
        self.conn = None
