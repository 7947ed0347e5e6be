"""`build`: the store brought up to date with the seed folder, by the kind of build that fits.

Nothing is done for an unchanged folder; changed files are applied in place (`in_place`) unless they
are too many; otherwise a new file is written and renamed over the old store (`full_build`).
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path

from bot.build import seed_records
from bot.build.full_build import build_new_file
from bot.build.in_place import STALE, record_stats, update_in_place
from bot.build.report import BuildReport, Progress, SkippedFile
from bot.build.seed_folder import stored_meta


def build(seeds_dir: str | Path, db_path: str | Path, *, progress: Progress | None = None,
          workers: int | None = None, incremental: bool = True, changed: Iterable[str] | None = None) -> BuildReport:
    """Build the store at `db_path` from the files in `seeds_dir`, unless it is already built from them.

    Unreadable files are skipped and listed in the report. Any other failure (an error in
    extraction, a full disk) raises, and the store that was there before stays as it was.
    `workers`: processes reading and extracting (default: every core for large folders, none for
    small ones). `incremental=False` always writes a new file. `changed`: the paths (relative to the
    folder) of the only files that changed, added or went away, when the caller knows them (a fetch
    round, retention): the folder is then not scanned.
    """
    started = time.monotonic()
    seeds_dir, db_path = Path(seeds_dir), Path(db_path)
    if not seeds_dir.is_dir():
        raise FileNotFoundError(f"seed folder not found: {seeds_dir}")
    meta = stored_meta(db_path)
    changes = seed_records.look(seeds_dir, db_path, meta, changed if incremental else None)
    if meta.get("fingerprint") == changes.fingerprint and not changes.changed:
        if changes.stats or (changes.scan_digest and changes.scan_digest != meta.get("scan_digest")):
            record_stats(db_path, changes, meta)  # same contents, new stats: not read again next time
        return _unchanged(db_path, meta, started)

    db_path.parent.mkdir(parents=True, exist_ok=True)
    report = None
    for _ in range(3) if incremental else ():
        report = update_in_place(db_path, seeds_dir, changes, meta, progress)
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
    report.db_path = db_path
    report.seconds = time.monotonic() - started
    return report


def _unchanged(db_path: Path, meta: dict[str, str], started: float) -> BuildReport:
    return BuildReport(db_path, unchanged=True, skipped=[SkippedFile(**s) for s in json.loads(meta["skipped"])],
                       seconds=time.monotonic() - started, **json.loads(meta["counts"]))
