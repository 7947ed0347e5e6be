"""Reading seed files into Documents: decoded text, headline, paragraphs with their offsets."""
from __future__ import annotations

import re
from pathlib import Path

from bot.models import Document, Paragraph

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


class UnreadableDocument(Exception):
    """A seed file that cannot be read; the message says why."""


def split_paragraphs(text: str) -> list[Paragraph]:
    """Paragraphs are separated by blank lines; each keeps its offsets into `text`."""
    paragraphs: list[Paragraph] = []
    pos = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[pos:end]
        stripped = chunk.strip()
        if stripped:
            start = pos + (len(chunk) - len(chunk.lstrip()))
            paragraphs.append(Paragraph(len(paragraphs), start, start + len(stripped), stripped))
        if match:
            pos = match.end()
    return paragraphs


def document_from_text(path: str, text: str) -> Document:
    """A plain-text document: the first non-empty line is the headline."""
    paragraphs = split_paragraphs(text)
    title = paragraphs[0].text.splitlines()[0].strip() if paragraphs else Path(path).stem
    return Document(path=path, title=title, text=text, paragraphs=paragraphs)


def read_document(path: str | Path) -> Document:
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return document_from_text(str(path), text)
