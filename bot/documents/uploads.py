"""Admins add documents by sending them to the bot: the file is saved into seeds/ under a safe name.

Whatever the sender called the file, it lands directly inside the seed folder: only the last part
of the name is kept, reduced to letters, digits, dots, dashes and underscores, and it never
overwrites a different file already there.
"""
from __future__ import annotations

import html
import os
import re
import tempfile
from pathlib import Path

from bot.i18n import N_, Refusal

EXTENSIONS = {".txt", ".md", ".html", ".htm"}
from bot.documents import UnreadableDocument, document_from_bytes

MAX_BYTES = 5 * 1024 * 1024


class RejectedUpload(Refusal):
    """A file the bot will not take; the message (`html(t)` in a language) says why."""


def safe_seed_name(filename: str) -> str:
    """`../../etc/x.txt` → `x.txt`; `Ukraine report (final).md` → `Ukraine_report_final.md`."""
    base = re.split(r"[\\/]", filename)[-1]
    stem, dot, ext = base.rpartition(".")
    if not dot or f".{ext.lower()}" not in EXTENSIONS:
        raise RejectedUpload(N_("Only {kinds} files can be added."), kinds=html.escape(", ".join(sorted(EXTENSIONS))))
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_.-")[:80] or "document"
    return f"{stem}.{ext.lower()}"


def save_seed(seeds_dir: Path, filename: str, data: bytes) -> tuple[Path, bool]:
    """Write `data` into `seeds_dir` under a safe, free name; (path, False) if it is already there."""
    if len(data) > MAX_BYTES:
        raise RejectedUpload(N_("The file is larger than {n} MB."), n=MAX_BYTES // (1024 * 1024))
    if not data.strip():
        raise RejectedUpload(N_("The file is empty."))
    name = safe_seed_name(filename)
    try:  # an unreadable file is refused here, not kept in seeds/ to be skipped by every build
        document_from_bytes(name, data)
    except UnreadableDocument as exc:
        raise RejectedUpload(N_("The file cannot be read: {error}."), error=html.escape(str(exc))) from None
    seeds_dir.mkdir(parents=True, exist_ok=True)
    stem, _, ext = name.rpartition(".")
    for n in range(1, 1000):
        target = seeds_dir / (name if n == 1 else f"{stem}_{n}.{ext}")
        if target.exists():
            if target.read_bytes() == data:
                return target, False
            continue
        # Written beside the target and renamed, so a build never reads half a file.
        handle, tmp = tempfile.mkstemp(dir=seeds_dir, prefix=".upload-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
        return target, True
    raise RejectedUpload(N_("Too many files of that name already."))
