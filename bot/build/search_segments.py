"""The full-text indexes' segments, kept few while in-place updates pile up.

FTS5 writes what each transaction adds to an index (and the delete markers of the rows it removes) as a
new segment, and a search reads every segment holding its words. The full build merges each index into
one segment; left to FTS5's own merging, a month of hourly fetch rounds leaves a dozen segments per
index (`benchmarks/bench_rounds.py`), and searches cost more with each. So each in-place update ends
with a bounded merge step: any level of two segments or more is merged, `MERGE_PAGES` pages at a time
(a merge left unfinished goes on at the next update). Merging also drops the delete markers and the
entries they cancel, so the rows retention removes do not linger in the index.

FTS5 also writes a segment whenever the words a transaction has added so far outgrow its in-memory
hash ('hashsize', 1 MB by default): a day of news taken out by retention (5,000 documents at a million)
wrote two or three segments per index in one update. In-place updates set `HASH_BYTES`, so that one
update writes one segment per index.

Merging level by level still leaves a segment per level: about one more each time the updates since the
full build double in size. At a million documents, nine segments made /search's p99 6.6 ms against
2.9 ms for one. Merging across levels writes a whole index again (some 40 s at a million documents),
so it is the running bot's upkeep (`handlers.upkeep`), in slices: `compact_slice`.
"""
from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from bot.build.store_files import STORE_WAIT_SECONDS, store_lock
from bot.store.schema import SEARCH_TABLES

SEGMENTS_PER_LEVEL = 2  # FTS5's 'usermerge': merge a level once it holds this many segments
MERGE_PAGES = 1000  # pages written per index and update (8 MB): a fetch round writes a few dozen
MAX_SEGMENTS = 3  # an index with more is merged into one by the bot's upkeep
COMPACT_PAGES = 2000  # FTS5 leaf pages written per index and slice of that merge (a fraction of a second)
HASH_BYTES = 64 << 20  # FTS5's 'hashsize': what an update's new words may take in memory before a segment is written


def merge_all_segments(conn: sqlite3.Connection) -> None:
    """Each index as one segment (one b-tree), as the full build leaves it."""
    for index in SEARCH_TABLES:
        conn.execute(f"insert into {index} ({index}) values ('optimize')")


def one_segment_per_update(conn: sqlite3.Connection) -> None:
    """Let an update's words gather in memory (`HASH_BYTES`) before FTS5 writes them out as a segment."""
    for index in SEARCH_TABLES:
        conn.execute(f"insert into {index} ({index}, rank) values ('hashsize', ?)", (HASH_BYTES,))


def merge_some_segments(conn: sqlite3.Connection) -> None:
    for index in SEARCH_TABLES:
        conn.execute(f"insert into {index} ({index}, rank) values ('usermerge', ?)", (SEGMENTS_PER_LEVEL,))
        conn.execute(f"insert into {index} ({index}, rank) values ('merge', ?)", (MERGE_PAGES,))


def segments(conn: sqlite3.Connection, index: str) -> int:
    """How many segments the index has (a search reads each of those holding its words)."""
    return conn.execute(f"select count(distinct segid) from {index}_idx").fetchone()[0]


def needs_compacting(db_path: Path) -> bool:
    """Whether an index of the store has more than MAX_SEGMENTS segments (False when there is no store)."""
    if not db_path.is_file():
        return False
    with contextlib.closing(sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        return any(segments(conn, index) > MAX_SEGMENTS for index in SEARCH_TABLES)


def compact_slice(db_path: Path, pages: int = COMPACT_PAGES) -> bool:
    """One slice of merging each index into one segment, in a transaction of its own taken in turn with
    the builds (`store_lock`). FTS5's 'merge' with a negative count merges the segments of every level
    together; one left unfinished goes on at the next slice (or at an update's merge step). Returns
    whether an index still has more than one segment."""
    with store_lock(db_path), contextlib.closing(
            sqlite3.connect(db_path, isolation_level=None, timeout=STORE_WAIT_SECONDS)) as conn:
        conn.execute("begin immediate")
        try:
            for index in SEARCH_TABLES:
                if segments(conn, index) > 1:
                    conn.execute(f"insert into {index} ({index}, rank) values ('merge', ?)", (-pages,))
            left = any(segments(conn, index) > 1 for index in SEARCH_TABLES)
            conn.execute("commit")
        except BaseException:
            conn.execute("rollback")
            raise
    return left
