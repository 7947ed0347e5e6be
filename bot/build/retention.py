"""Retention: the documents older than a date leave the seed folder and the store, in place.

`briefbot prune DAYS` deletes the seed files of the documents dated before the cutoff, whoever
put them there, and removes them from the store in one in-place update: readers see all of the
documents go at once, or none. More than PURGE_SLICE of them are retired (`bot.build.retired`): out
of every answer at once, their rows purged after (`bot.build.purge`). (The bot's `KEEP_DAYS` concerns fetched articles only: each fetch
round deletes its expired files and the round's build takes them out the same way.) A document's date is its published date, else its file's mtime
(`documents.sort_date`), so the store finds them by an index, without scanning the folder.
"""
from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path

from bot.build.builder import build
from bot.build.report import BuildReport, Progress

DAY = 86_400


def documents_before(db_path: str | Path, cutoff: int) -> list[str]:
    """The seed paths of the stored documents dated before `cutoff` (seconds since 1970, UTC), oldest first."""
    with contextlib.closing(sqlite3.connect(f"{Path(db_path).resolve().as_uri()}?mode=ro", uri=True)) as conn:
        return [path for (path,) in conn.execute("select path from documents where sort_date < ? order by sort_date, id",
                                                 (cutoff,))]


def drop_documents_before(seeds_dir: str | Path, db_path: str | Path, cutoff: int,
                          progress: Progress | None = None) -> BuildReport:
    """Delete the seed files of the documents dated before `cutoff` (seconds since 1970, UTC) and remove
    them from the store in one in-place transaction, like any incremental build.

    The files go first: should the store's update then fail, the store stays whole as it was and the
    next build removes them."""
    seeds_dir, db_path = Path(seeds_dir), Path(db_path)
    old = documents_before(db_path, cutoff)
    for rel in old:
        (seeds_dir / rel).unlink(missing_ok=True)
    return build(seeds_dir, db_path, progress=progress, changed=old)


def keep_days(seeds_dir: str | Path, db_path: str | Path, days: int, now: float | None = None) -> BuildReport:
    """Keep the documents of the last `days` days (the `KEEP_DAYS` setting): `drop_documents_before`
    the start of that span."""
    return drop_documents_before(seeds_dir, db_path, int((time.time() if now is None else now) - days * DAY))
