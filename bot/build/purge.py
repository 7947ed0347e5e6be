"""The purge: retired documents' rows taken out of the store, PURGE_SLICE documents a transaction.

Each slice is an in-place removal like any other (`bot.build.in_place.rewrite`): the people those
documents named are merged again and their counts are exact once the slice commits. The bot purges
in the background (`handlers.upkeep`), one slice at a time under its build lock; `briefbot build`
and `briefbot prune` purge to the end before they return.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from bot.build.in_place import rewrite
from bot.build.retired import PURGE_SLICE, TABLE, forget_if_purged, next_slice, waiting
from bot.build.search_segments import merge_some_segments, one_segment_per_update
from bot.build.store_files import live_update, write_transaction

PURGES = "purges"  # meta: how many slices were purged, part of the store's version (`Store.version`)


def pending(db_path: str | Path) -> int:
    """How many retired documents wait for their purge (0 without a store)."""
    db_path = Path(db_path)
    if not db_path.is_file():
        return 0
    conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return waiting(conn)
    finally:
        conn.close()


def purge_slice(db_path: str | Path, size: int = PURGE_SLICE) -> int:
    """Take the rows of up to `size` retired documents out of the store, in one transaction under the
    builds' lock; returns how many are left to purge."""
    with live_update(Path(db_path)) as conn, write_transaction(conn):
        ids = next_slice(conn, size)
        if ids:
            one_segment_per_update(conn)
            rewritten = rewrite(conn, ids, TABLE, [], {}, {})
            merge_some_segments(conn)
            counts = json.loads(conn.execute("select value from meta where key = 'counts'").fetchone()[0])
            counts["people"] += rewritten.people
            purges = conn.execute("select value from meta where key = ?", (PURGES,)).fetchone()
            conn.executemany("insert or replace into meta values (?, ?)", [
                ("counts", json.dumps(counts)), (PURGES, str(int(purges[0]) + 1 if purges else 1))])
        forget_if_purged(conn)
        return waiting(conn)


def purge_all(db_path: str | Path, progress: Callable[[int], None] | None = None) -> int:
    """Purge every retired document, a slice at a time; `progress(left)` after each. Returns how many
    were purged."""
    total = left = pending(db_path)
    while left:
        left = purge_slice(db_path)
        if progress:
            progress(left)
    return total
