"""Tables a full build writes whole, their pages packed full.

A table keyed by something else than a rowid (WITHOUT ROWID) is a b-tree that SQLite fills to about
87 % when its rows come in key order: each split shares the last pages' rows between them, and later
rows fill only the last page. Copying a whole table into an empty one laid out alike (`insert into t
select * from u`: SQLite's transfer optimization, as VACUUM does) appends the rows to each page until it
is full: a fresh 1k store's name_postings took 672 bytes a document written in key order and 590
copied. So a full build writes such a table's rows to a twin in its scratch database, then copies the
twin. (In-place updates later split the pages they insert into, as they split any full page.)
"""
from __future__ import annotations

import re
import sqlite3


def scratch_twin(conn: sqlite3.Connection, table: str, scratch: str = "scratch") -> str:
    """A new table in the `scratch` database laid out as the main database's `table` (columns, types
    and key): its qualified name."""
    (sql,) = conn.execute("select sql from main.sqlite_master where type = 'table' and name = ?", (table,)).fetchone()
    twin = f"{scratch}.packed_{table}"
    conn.execute(re.sub(r"^create table \w+", f"create table {twin}", sql, count=1, flags=re.IGNORECASE))
    return twin


def copy_packed(conn: sqlite3.Connection, twin: str, table: str) -> None:
    """Copy the twin's rows into `table` (empty, no index but its key yet), packed; then drop the twin."""
    conn.execute(f"insert into main.{table} select * from {twin}")
    conn.execute(f"drop table {twin}")


def fill_packed(conn: sqlite3.Connection, table: str, select: str, params: tuple = (), scratch: str = "scratch") -> None:
    """Fill the empty `table` with the rows `select` gives (best in the table's key order), packed."""
    twin = scratch_twin(conn, table, scratch)
    conn.execute(f"insert into {twin} {select}", params)
    copy_packed(conn, twin, table)
