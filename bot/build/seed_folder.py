"""What is in the seed folder: its files, their content hashes (not read again when their stat is
unchanged, as git does), and one fingerprint of the whole input."""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path

from bot.build.versions import extractor_version
from bot.documents import READER_VERSION
from bot.store.schema import SCHEMA_VERSION


def seed_files(seeds_dir: Path) -> list[Path]:
    """Every regular file under `seeds_dir`, sorted, except hidden ones (".gitkeep", editor swap files)."""
    return [seeds_dir / rel for rel, _ in scan_folder(seeds_dir)]


def scan_folder(seeds_dir: Path) -> list[tuple[str, list[int]]]:
    """(path relative to the folder, [size, mtime, ctime, inode]) of each seed file, in Path order.

    One scandir pass (what `Path.rglob` visits: symlinked folders are not entered, hidden names are
    skipped), so that a large folder is listed and stat'ed in a fraction of a second.
    """
    found: list[tuple[str, list[int]]] = []

    def walk(folder: str, prefix: str) -> None:
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except PermissionError:
            return
        for entry in listed:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, f"{prefix}{entry.name}/")
                elif entry.is_file():
                    status = entry.stat()
                    found.append((prefix + entry.name,
                                  [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino]))
            except OSError:  # gone meanwhile
                continue

    walk(str(seeds_dir), "")
    if any("/" in rel for rel, _ in found):
        found.sort(key=lambda item: item[0].split("/"))  # as Paths sort: part by part
    else:
        found.sort()  # a flat folder: the same order, faster
    return found


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class SeedHashes(dict):
    """Path relative to the folder → content hash of every seed file (in Path order), with their stats
    and the hashes the store recorded."""
    folder: Path
    stats: dict[str, str]  # "size:mtime:ctime:inode" (a string: quick to compare, store and load)
    scanned_at: int
    recorded: dict[str, str]


def seed_hashes(seeds_dir: Path, meta: dict[str, str]) -> SeedHashes:
    """Content hashes of the seed files; a file whose stat (size, mtime, ctime, inode) is what the store
    recorded is not read again. Like git's index: only a stat taken more than a second after the file
    last changed is trusted, so a write within the same clock tick cannot go unnoticed."""
    scanned_at = time.time_ns()
    try:
        old_hashes = json.loads(meta.get("seed_hashes", "{}"))
        old_stats = json.loads(meta.get("seed_stats", "{}"))
        trusted_before = int(meta.get("seed_stats_at", "0")) - 1_000_000_000
    except ValueError:
        old_hashes, old_stats, trusted_before = {}, {}, 0
    hashes = SeedHashes()
    hashes.folder, hashes.stats, hashes.scanned_at, hashes.recorded = seeds_dir, {}, scanned_at, old_hashes
    for rel, status in scan_folder(seeds_dir):
        known = old_hashes.get(rel)
        stamp = "%d:%d:%d:%d" % tuple(status)
        if known is None or old_stats.get(rel) != stamp or status[2] >= trusted_before:
            known = file_sha256(seeds_dir / rel)
        hashes[rel] = known
        hashes.stats[rel] = stamp
    return hashes


def folder_fingerprint(seeds_dir: Path, hashes: SeedHashes) -> str:
    """One hash for the whole input: file names, contents, and the versions of reader, extractor and schema."""
    digest = hashlib.sha256(f"{SCHEMA_VERSION}|{READER_VERSION}|{extractor_version()}".encode())
    for rel, sha in hashes.items():
        digest.update(f"\n{rel}\t{sha}".encode())
    return digest.hexdigest()


def stored_meta(db_path: Path) -> dict[str, str]:
    """The meta table of an existing store, or {} when there is none or it cannot be read."""
    if not db_path.is_file():
        return {}
    try:
        with sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True) as conn:
            return dict(conn.execute("select key, value from meta"))
    except sqlite3.Error:
        return {}
