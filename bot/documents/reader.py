"""Reading a seed file: its bytes decoded and checked, then read by the reader its suffix names."""
from __future__ import annotations

from pathlib import Path

from bot.documents.errors import UnreadableDocument
from bot.documents.html import document_from_html
from bot.documents.markdown import document_from_markdown
from bot.documents.plain_text import document_from_text
from bot.models import Document

READER_VERSION = "2"  # bump when reading changes what paragraphs or offsets a file yields
MAX_BYTES = 5 * 1024 * 1024
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
    """Read one seed file; raises UnreadableDocument with the reason when it cannot be read."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise UnreadableDocument(f"too large ({size:,} bytes; the limit is {MAX_BYTES:,})")
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(f"cannot be opened ({exc.strerror or exc})") from exc
    return document_from_bytes(str(path), data)
