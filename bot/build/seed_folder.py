"""What is in the seed folder: its files with their stats, their content hashes, and what is there but
is not read (symbolic links, FIFOs and devices, unstorable names), with the reason. (What changed
since the store was built is `bot.build.seed_records`.)"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path

from bot.documents import name_problem, printable_name
from bot.documents.files import file_kind

PATH_LIMIT = 4000  # bytes: a longer path (deep nesting) cannot be opened by name on Linux (PATH_MAX 4096)


def seed_path(seeds_dir: str | Path, path: str | Path) -> str:
    """A file's path as the store records it and `build(changed=...)` takes it: relative to the seed
    folder, with forward slashes (both resolved first, so a folder reached through a link works)."""
    return Path(path).resolve().relative_to(Path(seeds_dir).resolve()).as_posix()


def seed_files(seeds_dir: Path) -> list[Path]:
    """Every seed file the build reads under `seeds_dir`, sorted: regular files, not hidden (".gitkeep",
    editor swap files), not symbolic links, with names that can be stored (see `survey_folder`)."""
    return [seeds_dir / rel for rel, _ in scan_folder(seeds_dir)]


def scan_folder(seeds_dir: Path) -> list[tuple[str, list[int]]]:
    """(path relative to the folder, [size, mtime, ctime, inode]) of each seed file, in Path order."""
    return survey_folder(seeds_dir)[0]


def survey_folder(seeds_dir: Path) -> tuple[list[tuple[str, list[int]]], list[tuple[str, str]]]:
    """The seed files, and what is in the folder but will not be read, with the reason.

    Seed files: (path relative to the folder, [size, mtime, ctime, inode]), in Path order. Refused:
    (printable path, reason), for symbolic links (never followed: one pointing outside the folder
    would serve any file on the machine to chats, and one pointing inside would read a file twice),
    FIFOs, sockets and devices (reading them could block the build or have effects), names that are
    not valid UTF-8 or hold control or bidi characters (they cannot be stored, or forge lines where
    shown), paths too long to open, and folders that cannot be listed. Hidden names are skipped
    silently. One scandir pass, no entry followed, so a large folder takes a fraction of a second.
    """
    found: list[tuple[str, list[int]]] = []
    refused: list[tuple[str, str]] = []
    root = os.path.realpath(seeds_dir)
    base_length = len(os.fsencode(str(seeds_dir)))

    def refuse(rel: str, reason: str) -> None:
        refused.append((printable_name(str(seeds_dir / rel), limit=PATH_LIMIT), reason))

    def link_reason(path: str) -> str:
        target = os.path.realpath(path)
        try:
            target_mode = os.stat(path).st_mode
        except OSError:
            return f"a dangling symbolic link (to {printable_name(os.readlink(path))}); links are not followed"
        if os.path.commonpath([root, target]) != root:
            what = "a folder" if stat.S_ISDIR(target_mode) else "a file"
            return f"a symbolic link to {what} outside the seed folder; links are not followed"
        inside = printable_name(os.path.relpath(target, root))
        if stat.S_ISDIR(target_mode):
            return f"a symbolic link to the folder {inside}; links are not followed"
        return f"a symbolic link to {inside} in the seed folder; links are not followed (each file is read once, by its own name)"

    folders = [(str(seeds_dir), "")]
    while folders:  # a loop, not recursion: nesting of any depth is walked
        folder, prefix = folders.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError as exc:
            if prefix:
                refuse(prefix.rstrip("/"), f"a folder that cannot be listed ({exc.strerror or exc})")
            elif not isinstance(exc, PermissionError):
                raise
            continue
        for entry in listed:
            name = entry.name
            if name.startswith("."):
                continue
            rel = prefix + name
            problem = name_problem(name)
            if problem:
                refuse(rel, problem)
                continue
            try:
                status = entry.stat(follow_symlinks=False)
                if stat.S_ISLNK(status.st_mode):
                    refuse(rel, link_reason(entry.path))
                elif stat.S_ISDIR(status.st_mode):
                    folders.append((entry.path, f"{rel}/"))
                elif not stat.S_ISREG(status.st_mode):
                    refuse(rel, f"not a regular file but {file_kind(status.st_mode)}; not read")
                elif base_length + 1 + len(os.fsencode(rel)) > PATH_LIMIT:
                    refuse(rel, f"its path is too long ({base_length + 1 + len(os.fsencode(rel)):,} bytes)")
                else:
                    found.append((rel, [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino]))
            except OSError:  # gone meanwhile
                continue
    if any("/" in rel for rel, _ in found):
        found.sort(key=lambda item: item[0].split("/"))  # as Paths sort: part by part
    else:
        found.sort()  # a flat folder: the same order, faster
    refused.sort()
    return found, refused


def file_sha256(path: Path) -> str:
    """The content hash of a seed file, opened as the reader opens it: not through a symbolic link, and
    only if it is a regular file (a FIFO put in its place after the folder was listed cannot block)."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(f"not a regular file but {file_kind(mode)}; not read")
        os.set_blocking(fd, True)
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
