"""What is in the seed folder: its files with their stats, and their content hashes. (What changed
since the store was built is `bot.build.seed_records`.)"""
from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path


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


def stored_meta(db_path: Path) -> dict[str, str]:
    """The meta table of an existing store, or {} when there is none or it cannot be read."""
    if not db_path.is_file():
        return {}
    try:
        with sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True) as conn:
            return dict(conn.execute("select key, value from meta"))
    except sqlite3.Error:
        return {}
