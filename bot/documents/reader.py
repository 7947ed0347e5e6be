"""Reading a seed file: its bytes decoded and checked, then read by the reader its suffix names."""
from __future__ import annotations

import os
from pathlib import Path

from bot.documents.errors import UnreadableDocument
from bot.documents.files import MAX_BYTES, read_named_file, read_seed_file
from bot.documents.html import document_from_html
from bot.documents.markdown import document_from_markdown
from bot.documents.plain_text import document_from_text
from bot.models import Document

READER_VERSION = "4"  # bump when reading changes what a file yields (paragraphs, offsets, title, date)
TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES


def decode(data: bytes) -> str:
    """The file's text: UTF-8 with the BOM stripped, nothing else changed; UnreadableDocument if it is not text."""
    if len(data) > MAX_BYTES:
        raise UnreadableDocument(f"too large ({len(data):,} bytes; the limit is {MAX_BYTES:,})")
    if b"\x00" in data:
        raise UnreadableDocument("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if not text.strip():
        raise UnreadableDocument("empty (no text)")
    return text


_READERS = {
    **dict.fromkeys(TEXT_SUFFIXES, document_from_text),
    **dict.fromkeys(MARKDOWN_SUFFIXES, document_from_markdown),
    **dict.fromkeys(HTML_SUFFIXES, document_from_html),
}


def document_from_bytes(path: str, data: bytes) -> Document:
    """A Document from a file's bytes, read by the reader its suffix names."""
    reader = _READERS.get(Path(path).suffix.lower())
    if reader is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnreadableDocument(f"unsupported file type {Path(path).suffix or '(none)'!r} (supported: {supported})")
    document = reader(path, decode(data))
    if not document.paragraphs:
        raise UnreadableDocument("no story text (only boilerplate)")
    return document


def read_document(path: str | Path) -> Document:
    """Read one file a user named (links followed, only a regular file); UnreadableDocument with the
    reason when it cannot be read."""
    data, _ = read_named_file(path)
    return document_from_bytes(str(path), data)


def read_seed(folder: str | Path, rel: str) -> tuple[Document, os.stat_result]:
    """Read the seed file `rel` inside `folder` without leaving the folder (no symbolic link is
    followed, only a regular file is read; see `bot.documents.files`), with its stat."""
    data, status = read_seed_file(folder, rel)
    return document_from_bytes(str(Path(folder) / rel), data), status
