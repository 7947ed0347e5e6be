"""Retired documents: out of every answer at once, their rows taken out later, a slice at a time.

Taking a document out of the store is cheap for its own rows but not for its people's: the people a
day of news names (35,000 at a million documents) are spread over every page of every table kept by
person or by name, and an exact removal rewrites each of those pages (17 s for a day at a million
documents). So an in-place build that takes out more than PURGE_SLICE documents outright (retention,
a folder emptied) retires them: their `documents` rows move to `retired_documents` and their places in
`document_order` go, in a transaction as short as those rows. Every answer reaches a document through
its `documents` row (quotations, statements, mentions and search hits are joined to it), so the
documents are gone from answers when that transaction commits; the counts kept per person (mentions,
quotations) still hold them until the purge (`bot.build.purge`) takes their rows out, PURGE_SLICE
documents a transaction, exactly as an in-place removal does. The table exists only while documents
await their purge.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from bot.build.rows import number_documents

# Documents removed outright by one build, above which they are retired rather than removed, and the
# documents one purge transaction takes out: about an hour of a busy year of news (5,000 documents a
# day), which an in-place removal takes out in under 2 s at a million documents.
PURGE_SLICE = 200
TABLE = "retired_documents"


@dataclass
class Retired:
    """What `retire` took out of the answers: the documents' ids, and their paragraphs, quotations and
    key points (the store's counts leave them at once)."""
    ids: list[int] = field(default_factory=list)
    paragraphs: int = 0
    quotes: int = 0
    key_points: int = 0


def has_retired(conn: sqlite3.Connection) -> bool:
    return conn.execute("select 1 from sqlite_master where type = 'table' and name = ?", (TABLE,)).fetchone() is not None


def waiting(conn: sqlite3.Connection) -> int:
    """How many retired documents wait for their purge."""
    return conn.execute(f"select count(*) from {TABLE}").fetchone()[0] if has_retired(conn) else 0


def retired_documents_end(conn: sqlite3.Connection) -> int:
    """The highest id of a retired document (0 when none): new documents are numbered above it."""
    return (conn.execute(f"select max(id) from {TABLE}").fetchone()[0] or 0) if has_retired(conn) else 0


def retire(conn: sqlite3.Connection, document_ids: list[int]) -> Retired:
    """Move the documents' rows out of `documents` (into `retired_documents`) and out of
    `document_order`, in the caller's transaction."""
    ids = json.dumps(sorted(document_ids))
    each = "(select value from json_each(?))"
    conn.execute(f"create table if not exists {TABLE} as select * from documents where 0")
    conn.execute(f"insert into {TABLE} select * from documents where id in {each}", (ids,))
    keys, paragraphs, quotes = set(), 0, 0
    for document_id, sort_date, paragraph_count, quote_count in conn.execute(
            f"select id, sort_date, paragraphs, quotes from documents where id in {each}", (ids,)).fetchall():
        keys.add((sort_date, document_id))
        paragraphs += paragraph_count or 0
        quotes += quote_count or 0
    (key_points,) = conn.execute(f"select count(*) from key_points where document_id in {each}", (ids,)).fetchone()
    conn.execute(f"delete from documents where id in {each}", (ids,))
    number_documents(conn, keys)
    return Retired(sorted(document_ids), paragraphs, quotes, key_points)


def next_slice(conn: sqlite3.Connection, size: int = PURGE_SLICE) -> list[int]:
    """The ids of the next retired documents to purge (the oldest first); [] when none is left."""
    if not has_retired(conn):
        return []
    return [document_id for (document_id,) in conn.execute(
        f"select id from {TABLE} order by sort_date, id limit ?", (size,))]


def forget_if_purged(conn: sqlite3.Connection) -> None:
    """Drop the table once every retired document is purged."""
    if has_retired(conn) and conn.execute(f"select 1 from {TABLE} limit 1").fetchone() is None:
        conn.execute(f"drop table {TABLE}")
