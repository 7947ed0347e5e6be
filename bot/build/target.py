"""Where a build writes: only ever over a Briefbot store, an empty file or nothing.

`briefbot build --db PATH` (and the bot's own rebuild) replaces the file at PATH. Whatever else is
there - `state.db` with every subscription in it, a seed article, any text file, a folder - is
refused with a message that says what it is, and left exactly as it was.
"""
from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from bot.build.report import BuildFailed, NotAStore
from bot.documents.files import file_kind, printable_name

SQLITE_HEADER = b"SQLite format 3\x00"
STATE_TABLES = {"subscriptions", "chat_settings", "deliveries", "seen"}  # bot.delivery.state's tables


def check_store_target(db_path: Path) -> None:
    """Raise NotAStore unless `db_path` is absent, an empty file, or a Briefbot store (SQLite with a
    `meta` table that names a schema version); BuildFailed when its folder cannot take a store."""
    shown = printable_name(str(db_path))
    try:
        status = os.stat(db_path)
    except FileNotFoundError:
        status = None
    except NotADirectoryError as exc:
        raise BuildFailed(f"the store's folder {printable_name(str(db_path.parent))} is not a folder "
                          "(a file stands on its path)") from exc
    except OSError as exc:
        raise BuildFailed(f"{shown} cannot be looked at ({exc.strerror or exc})") from exc
    if status is not None:
        if not stat.S_ISREG(status.st_mode):
            raise NotAStore(f"{shown} is {file_kind(status.st_mode)}, not a store file; give the store's file path")
        if status.st_size:
            _check_contents(db_path, shown)
    folder = db_path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildFailed(f"the store's folder {printable_name(str(folder))} cannot be made ({exc.strerror or exc})") from exc
    if not folder.is_dir():
        raise BuildFailed(f"the store's folder {printable_name(str(folder))} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BuildFailed(f"the store's folder {printable_name(str(folder))} is not writable: "
                          "a build writes a new file beside the store")


def _check_contents(db_path: Path, shown: str) -> None:
    try:
        with open(db_path, "rb") as handle:
            head = handle.read(512)
    except OSError as exc:
        raise NotAStore(f"{shown} cannot be read ({exc.strerror or exc}); it was left as it is") from exc
    if not head.startswith(SQLITE_HEADER):
        raise NotAStore(f"{shown} is not a Briefbot store but {_describe(head)}; it was left as it is. "
                        "Give another --db path, or remove the file yourself")
    try:
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            tables = {name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")}
            if "meta" in tables and conn.execute(
                    "select 1 from meta where key = 'schema_version'").fetchone() is not None:
                return
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise NotAStore(f"{shown} is an SQLite file that cannot be read as a store ({exc}); it was left as it is. "
                        "If it is an old store, remove it yourself and build again") from exc
    if tables & STATE_TABLES:
        what = "Briefbot's state.db (subscriptions and chat settings)"
    elif tables:
        listed = ", ".join(sorted(tables)[:6]) + (", …" if len(tables) > 6 else "")
        what = f"an SQLite database of another kind (tables: {printable_name(listed)})"
    else:
        what = "an SQLite database with no tables"
    raise NotAStore(f"{shown} is not a Briefbot store but {what}; it was left as it is. Give another --db path")


def _describe(head: bytes) -> str:
    """What the first bytes of a file look like: text (with its opening words) or binary data."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = head[:exc.start].decode("utf-8") if exc.start > len(head) - 4 else None
    if text is not None and "\x00" not in text:
        opening = " ".join(text.split())[:40]
        return f"a text file (it begins “{printable_name(opening)}…”)" if opening else "a text file"
    return "binary data"
