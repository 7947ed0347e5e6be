"""The full-text indexes' segments, kept few while in-place updates pile up.

FTS5 writes what each transaction adds to an index (and the delete markers of the rows it removes) as a
new segment, and a search reads every segment holding its words. The full build merges each index into
one segment; left to FTS5's own merging, a month of hourly fetch rounds leaves a dozen segments per
index (`benchmarks/bench_rounds.py`), and searches cost more with each. So each in-place update ends
with a bounded merge step: any level of two segments or more is merged, `MERGE_PAGES` pages at a time
(a merge left unfinished goes on at the next update). Merging also drops the delete markers and the
entries they cancel, so the rows retention removes do not linger in the index.
"""
from __future__ import annotations

import sqlite3

from bot.store.schema import SEARCH_TABLES

SEGMENTS_PER_LEVEL = 2  # FTS5's 'usermerge': merge a level once it holds this many segments
MERGE_PAGES = 1000  # pages written per index and update (8 MB): a fetch round writes a few dozen


def merge_all_segments(conn: sqlite3.Connection) -> None:
    """Each index as one segment (one b-tree), as the full build leaves it."""
    for index in SEARCH_TABLES:
        conn.execute(f"insert into {index} ({index}) values ('optimize')")


def merge_some_segments(conn: sqlite3.Connection) -> None:
    for index in SEARCH_TABLES:
        conn.execute(f"insert into {index} ({index}, rank) values ('usermerge', ?)", (SEGMENTS_PER_LEVEL,))
        conn.execute(f"insert into {index} ({index}, rank) values ('merge', ?)", (MERGE_PAGES,))


def segments(conn: sqlite3.Connection, index: str) -> int:
    """How many segments the index has (a search reads each of those holding its words)."""
    return conn.execute(f"select count(distinct segid) from {index}_idx").fetchone()[0]
