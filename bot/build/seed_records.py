"""What changed in the seed folder since the store was built, found at the cost of a folder scan.

The store records each file it read (documents, skipped_files): its path, content hash and a hash of
its stat (size, mtime, ctime, inode). A file whose stat is what was recorded is not read again to
hash it, as git does; a stat taken less than a second after the file last changed is not recorded
(the file could change again within the same clock tick), so it is read again next time.

Three shortcuts keep a large folder (a year of news, ~2 million files) cheap:
- the folder as a whole has a digest of every entry's stat (`scan_digest` in meta, taken before the
  build read anything): when it is what the last build recorded, and every stat old enough to
  trust, the folder is unchanged, without sorting a listing or looking at any record;
- the fingerprint of the input is made of a sum of per-file hashes (`seed_sum`), so an update
  adjusts it by the files it changes instead of hashing the whole list again;
- a caller that knows which files it wrote or deleted (a feed's fetch round, retention) names them
  (`changed`), and the folder is not scanned at all.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import stat
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.build.seed_folder import PATH_LIMIT, file_sha256, survey_folder
from bot.build.versions import extractor_version
from bot.documents import READER_VERSION, printable_name
from bot.store.schema import SCHEMA_VERSION

SUM_BITS = 128
TRUST_NS = 1_000_000_000  # a stat is trusted when the file last changed at least this long before it was taken


def stat_hash(status: list[int] | tuple[int, ...]) -> int:
    """One number for a file's (size, mtime, ctime, inode): compared, never read back."""
    return hash(tuple(status))


def entry_hash(rel: str, sha: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{rel}\t{sha}".encode(), digest_size=SUM_BITS // 8).digest(), "big")


def fingerprint_of(seed_sum: int) -> str:
    """One hash for the whole input: file names and contents (their sum), the schema, reader and extractor."""
    return hashlib.sha256(f"{SCHEMA_VERSION}|{READER_VERSION}|{extractor_version()}|{seed_sum:x}".encode()).hexdigest()


def folder_digest(seeds_dir: Path) -> tuple[str, int]:
    """A digest of everything in the folder as `stat` sees it (every entry, hidden ones and links too,
    not followed), and the newest ctime among them. Cheaper than the scan that lists seed files (no
    sorting, one number per entry): a million files in about three seconds."""
    total, newest = 0, 0
    folders = [os.fspath(seeds_dir)]
    while folders:
        try:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    try:
                        status = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    changed = status.st_ctime_ns
                    if changed > newest:
                        newest = changed
                    total += hash((zlib.crc32(os.fsencode(entry.path)), status.st_mode, status.st_size,
                                   status.st_mtime_ns, changed, status.st_ino))
                    if stat.S_ISDIR(status.st_mode):
                        folders.append(entry.path)
        except OSError:
            continue
    return f"{total & ((1 << 64) - 1):016x}", newest


def stored_records(db_path: Path) -> dict[str, tuple[str, int | None]]:
    """Path → (content hash, stat hash) of every file the store read, skipped ones included."""
    if not db_path.is_file():
        return {}
    try:
        with contextlib.closing(sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            return {path: (sha, stat) for path, sha, stat in conn.execute(
                "select path, sha256, stat from documents union all select path, sha256, stat from skipped_files")}
    except sqlite3.Error:
        return {}


@dataclass
class SeedChanges:
    """How the seed folder differs from what the store recorded."""
    folder: Path
    changed: dict[str, str | None] = field(default_factory=dict)  # path → new content hash (None: removed)
    stats: dict[str, int | None] = field(default_factory=dict)  # path → stat hash to record (changed, added, touched)
    recorded: dict[str, str] = field(default_factory=dict)  # path → content hash recorded, for the changed paths
    seed_sum: int = 0
    fingerprint: str = ""
    scan_digest: str = ""
    files: list[tuple[str, str, int | None]] | None = None  # every (path, hash, stat hash) in Path order, when scanned
    refused: list[tuple[str, str]] = field(default_factory=list)  # (printable path, reason): in the folder, not read
    surveyed: bool = False  # `refused` is what a listing of the folder found now (else: the last listing's)
    scanned_at: int = 0

    @property
    def touched_only(self) -> bool:
        """Nothing to build: only some stats to record again (files rewritten with the same content)."""
        return not self.changed


def look(seeds_dir: Path, db_path: Path, meta: dict[str, str], changed: Iterable[str] | None = None,
         every_file: bool = False) -> SeedChanges:
    """What changed in `seeds_dir` since the store at `db_path` (with this `meta`) was built.

    With `changed` (paths relative to the folder), only those files are looked at; the rest are taken
    to be as recorded. Otherwise the folder is scanned: files with the recorded stat are not read.
    `every_file`: list every file with its hash (`files`, what a full build needs) even when the
    scan finds the folder as recorded.
    """
    scanned_at = time.time_ns()
    result = SeedChanges(seeds_dir, scanned_at=scanned_at)
    stored_sum = meta.get("seed_sum")
    if changed is not None and stored_sum is not None:
        names = sorted(set(changed))
        records = _records_of(db_path, names)
        for rel in names:
            path = seeds_dir / rel
            try:
                status = os.stat(path)
            except OSError:
                status = None
            if status is None or not path.is_file():
                if rel in records:
                    result.changed[rel] = None
                continue
            try:
                sha = file_sha256(path)
            except OSError:
                if rel in records:
                    result.changed[rel] = None
                continue
            stamp = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
            result.stats[rel] = stat_hash(stamp) if stamp[2] < scanned_at - TRUST_NS else None
            if records.get(rel, (None,))[0] != sha:
                result.changed[rel] = sha
        result.recorded = {rel: records[rel][0] for rel in result.changed if rel in records}
        result.seed_sum = _adjusted(int(stored_sum, 16), result)
        result.fingerprint = fingerprint_of(result.seed_sum)
        return result

    digest, newest = folder_digest(seeds_dir)
    result.scan_digest = digest if newest < scanned_at - TRUST_NS else ""  # (a file changing now: not trusted)
    if not every_file and result.scan_digest and result.scan_digest == meta.get("scan_digest") and stored_sum is not None \
            and fingerprint_of(int(stored_sum, 16)) == meta.get("fingerprint"):
        result.seed_sum = int(stored_sum, 16)
        result.fingerprint = meta["fingerprint"]
        result.refused = [tuple(r) for r in json.loads(meta.get("refused", "[]"))]  # they are as they were too
        return result  # every stat as recorded, same versions: nothing to read (result.files stays None)
    found, result.refused = survey_folder(seeds_dir)
    result.surveyed = True
    records = stored_records(db_path) if stored_sum is not None else {}
    files: list[tuple[str, str, int | None]] = []
    trusted_before = scanned_at - TRUST_NS
    for rel, status in found:
        record = records.pop(rel, None)
        stamp = stat_hash(status)
        fresh = status[2] < trusted_before
        if record is not None and record[1] == stamp and fresh:
            sha = record[0]
        else:
            try:
                sha = file_sha256(seeds_dir / rel)
            except OSError as exc:  # gone, or replaced by a link or a FIFO since the folder was listed
                result.refused.append((printable_name(str(seeds_dir / rel), limit=PATH_LIMIT),
                                       f"cannot be read ({exc.strerror or exc})"))
                if record is not None:
                    records[rel] = record
                continue
            if record is None or record[0] != sha:
                result.changed[rel] = sha
            if record is None or record[1] != stamp or not fresh:
                result.stats[rel] = stamp if fresh else None
        files.append((rel, sha, stamp if fresh else None))
        if record is not None and rel in result.changed:
            result.recorded[rel] = record[0]
    for rel, (sha, _) in records.items():  # recorded, no longer in the folder
        result.changed[rel] = None
        result.recorded[rel] = sha
    result.files = files
    result.seed_sum = (_adjusted(int(stored_sum, 16), result) if stored_sum is not None
                       else sum(entry_hash(rel, sha) for rel, sha, _ in files) % (1 << SUM_BITS))
    result.fingerprint = fingerprint_of(result.seed_sum)
    return result


def _records_of(db_path: Path, names: list[str]) -> dict[str, tuple[str, int | None]]:
    if not names or not db_path.is_file():
        return {}
    found: dict[str, tuple[str, int | None]] = {}
    try:
        with contextlib.closing(sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            for start in range(0, len(names), 500):
                chunk = names[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for table in ("documents", "skipped_files"):
                    found.update((path, (sha, stat)) for path, sha, stat in conn.execute(
                        f"select path, sha256, stat from {table} where path in ({marks})", chunk))
    except sqlite3.Error:
        return {}
    return found


def _adjusted(seed_sum: int, changes: SeedChanges) -> int:
    for rel, sha in changes.changed.items():
        if rel in changes.recorded:
            seed_sum -= entry_hash(rel, changes.recorded[rel])
        if sha is not None:
            seed_sum += entry_hash(rel, sha)
    return seed_sum % (1 << SUM_BITS)
