"""`build`: the store brought up to date with the seed folder, by the kind of build that fits.

Nothing is done for an unchanged folder; changed files are applied in place (`in_place`) unless they
are too many; otherwise a new file is written and renamed over the old store (`full_build`).
"""
from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from bot.build import seed_records
from bot.build.budget import DEFAULT_FILE_SECONDS, FILE_SECONDS
from bot.build.full_build import build_new_file
from bot.build.in_place import STALE, record_stats, update_in_place
from bot.build.report import BuildReport, Progress, SkippedFile, StoreBusy
from bot.build.seed_folder import stored_meta
from bot.build.store_files import STORE_WAIT_SECONDS
from bot.build.target import check_store_target


def build(seeds_dir: str | Path, db_path: str | Path, *, progress: Progress | None = None,
          workers: int | None = None, incremental: bool = True, file_seconds: float | None = None,
          changed: Iterable[str] | None = None) -> BuildReport:
    """Build the store at `db_path` from the files in `seeds_dir`, unless it is already built from them.

    Unreadable files are skipped and listed in the report. `db_path` must be absent, empty or a
    Briefbot store: anything else raises NotAStore and is left as it is. A store kept busy past the
    bounded wait raises StoreBusy. Any other failure (an error in extraction, a full disk) raises,
    and the store that was there before stays as it was.
    `workers`: processes reading and extracting (default: every core for large folders, none for
    small ones). `incremental=False` always writes a new file. `file_seconds`: the time one file may
    take to be read and extracted before it is skipped with that reason (default
    DEFAULT_FILE_SECONDS; 0: no limit), in this process and in the workers alike (`budget`).
    `changed`: the paths (relative to the folder) of the only files that changed, came or went, when
    the caller knows them (an upload, a fetch round, retention): the folder is then not scanned.
    """
    budget = FILE_SECONDS.set(DEFAULT_FILE_SECONDS if file_seconds is None else file_seconds)
    try:
        return _build_in_budget(seeds_dir, db_path, progress, workers, incremental, changed)
    finally:
        FILE_SECONDS.reset(budget)


def _build_in_budget(seeds_dir: str | Path, db_path: str | Path, progress: Progress | None, workers: int | None,
                     incremental: bool, changed: Iterable[str] | None) -> BuildReport:
    started = time.monotonic()
    seeds_dir, db_path = Path(seeds_dir), Path(db_path)
    if not seeds_dir.is_dir():
        raise FileNotFoundError(f"seed folder not found: {seeds_dir}")
    check_store_target(db_path)  # never replace what is not a Briefbot store (state.db, an article, a folder)
    meta = stored_meta(db_path)
    changes = seed_records.look(seeds_dir, db_path, meta, changed if incremental else None)
    report = _build(seeds_dir, db_path, changes, meta, progress, workers, incremental, changed)
    # What the folder holds but is never read (links, FIFOs, unstorable names) is seen afresh by every
    # scan: it is listed first, and it neither changes the store nor makes a build.
    report.skipped[:0] = [SkippedFile(path, reason) for path, reason in changes.refused]
    report.db_path = db_path
    report.seconds = time.monotonic() - started
    return report


def _build(seeds_dir: Path, db_path: Path, changes: seed_records.SeedChanges, meta: dict[str, str],
           progress: Progress | None, workers: int | None, incremental: bool,
           changed: Iterable[str] | None) -> BuildReport:
    started = time.monotonic()
    if meta.get("fingerprint") == changes.fingerprint and not changes.changed:
        if changes.stats or (changes.scan_digest and changes.scan_digest != meta.get("scan_digest")):
            record_stats(db_path, changes, meta)  # same contents, new stats: not read again next time
        return _unchanged(db_path, meta, started)

    report = None
    for _ in range(3) if incremental else ():
        try:
            report = update_in_place(db_path, seeds_dir, changes, meta, progress)
        except sqlite3.OperationalError as exc:  # SQLite's write lock, held by another writer past the wait
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise StoreBusy(f"{db_path} is busy: another writer has held it for over {STORE_WAIT_SECONDS:g} s; "
                            "nothing was changed, the store is serving as it was. Try again when it is idle") from exc
        if report is not STALE:
            break
        meta = stored_meta(db_path)  # another build changed the store meanwhile: look again
        changes = seed_records.look(seeds_dir, db_path, meta, changed)
        if meta.get("fingerprint") == changes.fingerprint and not changes.changed:
            return _unchanged(db_path, meta, started)
    if report is None or report is STALE:
        if changes.files is None:  # the folder was not scanned: a full build needs every file
            changes = seed_records.look(seeds_dir, db_path, meta, every_file=True)
        report = build_new_file(db_path, seeds_dir, changes, progress, workers)
    return report


def _unchanged(db_path: Path, meta: dict[str, str], started: float) -> BuildReport:
    return BuildReport(db_path, unchanged=True, skipped=[SkippedFile(**s) for s in json.loads(meta["skipped"])],
                       seconds=time.monotonic() - started, **json.loads(meta["counts"]))
