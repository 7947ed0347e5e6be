"""Opening seed files without leaving the seed folder, and naming files safely.

Seed folders are filled by strangers (feeds, uploads), so reading one trusts nothing about it:

- `read_seed_file` opens a file *inside* a folder one path component at a time (`openat` with
  `O_NOFOLLOW`), so neither the file nor any folder on the way can be a symbolic link, even one
  swapped in after the folder was listed; the opened file must be a regular file (`fstat` of the
  open descriptor, so a FIFO, device or socket is never read), and it is opened `O_NONBLOCK`, so a
  FIFO cannot block the open either. At most `MAX_BYTES + 1` bytes are read.
- `read_named_file` reads a path a user named on the command line: symbolic links are followed
  (the user chose the path), but only a regular file is read, never a FIFO or device.
- `printable_name` shows any file name (undecodable bytes, newlines, control and bidi characters)
  as one line of plain text, so that no name can forge a line of output or a reply.
"""
from __future__ import annotations

import errno
import os
import stat
import unicodedata
from pathlib import Path

from bot.documents.errors import UnreadableDocument

MAX_BYTES = 5 * 1024 * 1024
MAX_NAME_SHOWN = 120  # characters of a name shown in a message; longer names are cut with "…"

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# Characters that reorder or hide text (Trojan-source style names): never shown raw.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def file_kind(mode: int) -> str:
    """What a stat mode is, in words: "a FIFO (named pipe)", "a socket", "a folder", …"""
    for test, kind in ((stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return "a special file"


def name_problem(name: str) -> str | None:
    """Why a file name (as `os.fsdecode` gives it) is refused, or None when it is fine.

    A name that is not valid UTF-8 (its undecodable bytes arrive as surrogate escapes, which
    SQLite, JSON and Telegram cannot take), or one holding control characters (newlines, tabs,
    escape sequences) or bidirectional controls is refused: it could not be stored, or could
    forge or disguise a line wherever the name is shown.
    """
    if any("\udc80" <= c <= "\udcff" for c in name):
        return "its name is not valid UTF-8"
    if any(unicodedata.category(c) == "Cc" for c in name):
        return "its name has control characters (newlines, tabs or escapes)"
    if any(c in BIDI_CONTROLS for c in name):
        return "its name has bidirectional text controls"
    if any(unicodedata.category(c) == "Cs" for c in name):  # a lone surrogate that is no escape
        return "its name is not valid UTF-8"
    return None


def printable_name(name: str, limit: int = MAX_NAME_SHOWN) -> str:
    """`name` as one line of valid UTF-8: undecodable bytes as \\xNN, control and bidi characters as
    \\n, \\t or \\uNNNN, cut to `limit` characters."""
    shown = []
    for c in name:
        if "\udc80" <= c <= "\udcff":
            shown.append(f"\\x{ord(c) - 0xdc00:02x}")
        elif c in "\n\t\r":
            shown.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}[c])
        elif unicodedata.category(c) in {"Cc", "Cs"} or c in BIDI_CONTROLS:
            shown.append(f"\\u{ord(c):04x}")
        else:
            shown.append(c)
    text = "".join(shown)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _describe_os_error(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _read_regular(fd: int) -> tuple[bytes, os.stat_result]:
    """The bytes of the open file `fd` (closed here), which must be a regular file of at most MAX_BYTES."""
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise UnreadableDocument(f"not a regular file but {file_kind(status.st_mode)}; not read")
        if status.st_size > MAX_BYTES:
            raise UnreadableDocument(f"too large ({status.st_size:,} bytes; the limit is {MAX_BYTES:,})")
        if _NONBLOCK:
            os.set_blocking(fd, True)
        parts, size = [], 0
        while size <= MAX_BYTES:  # a file that grows while it is read is still cut at the limit
            block = os.read(fd, min(1 << 20, MAX_BYTES + 1 - size))
            if not block:
                break
            parts.append(block)
            size += len(block)
        data = b"".join(parts)
        if len(data) > MAX_BYTES:
            raise UnreadableDocument(f"too large (over {MAX_BYTES:,} bytes, the limit)")
        return data, status
    except OSError as exc:
        raise UnreadableDocument(f"cannot be read ({_describe_os_error(exc)})") from exc
    finally:
        os.close(fd)


def open_in_folder(folder: str | Path, rel: str) -> int:
    """A read-only descriptor of `folder/rel`, reached without following any symbolic link below
    `folder` and without blocking; UnreadableDocument with the reason otherwise."""
    parts = rel.split("/")
    if not rel or any(part in {"", ".", ".."} for part in parts):
        raise UnreadableDocument("its path leaves the seed folder")
    try:
        directory = os.open(folder, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    except OSError as exc:
        raise UnreadableDocument(f"its folder cannot be opened ({_describe_os_error(exc)})") from exc
    try:
        for depth, part in enumerate(parts[:-1]):
            try:
                inner = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=directory)
            except OSError as exc:
                where = printable_name("/".join(parts[:depth + 1]))
                if exc.errno in {errno.ELOOP, errno.ENOTDIR}:
                    raise UnreadableDocument(f"its folder {where} is a symbolic link or not a folder; "
                                             "links are not followed") from exc
                raise UnreadableDocument(f"its folder {where} cannot be opened ({_describe_os_error(exc)})") from exc
            os.close(directory)
            directory = inner
        try:
            # Looked at before it is opened: opening a device or FIFO can have effects of its own.
            mode = os.stat(parts[-1], dir_fd=directory, follow_symlinks=False).st_mode
            if stat.S_ISLNK(mode):
                raise UnreadableDocument("a symbolic link; links are not followed")
            if not stat.S_ISREG(mode):
                raise UnreadableDocument(f"not a regular file but {file_kind(mode)}; not read")
            return os.open(parts[-1], os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC, dir_fd=directory)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise UnreadableDocument("a symbolic link; links are not followed") from exc
            if exc.errno == errno.ENXIO:
                raise UnreadableDocument("not a regular file but a socket; not read") from exc
            raise UnreadableDocument(f"cannot be opened ({_describe_os_error(exc)})") from exc
    finally:
        os.close(directory)


def read_seed_file(folder: str | Path, rel: str) -> tuple[bytes, os.stat_result]:
    """The bytes and stat of the seed file `rel` (a '/'-separated path) inside `folder`, never leaving it."""
    return _read_regular(open_in_folder(folder, rel))


def read_named_file(path: str | Path) -> tuple[bytes, os.stat_result]:
    """The bytes and stat of a file a user named (links followed); only a regular file is read."""
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise UnreadableDocument(f"not a regular file but {file_kind(mode)}; not read")
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | _CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise UnreadableDocument("not a regular file but a socket; not read") from exc
        raise UnreadableDocument(f"cannot be opened ({_describe_os_error(exc)})") from exc
    return _read_regular(fd)
