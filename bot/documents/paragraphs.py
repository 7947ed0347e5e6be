"""Cutting a text into paragraphs that keep their offsets into it."""
from __future__ import annotations

import re

from bot.models import Paragraph

# A line ends with \r\n, \n or a lone \r (old Mac files; mixed endings too).
LINE_BREAK = re.compile(r"\r\n|\r(?!\n)|\n")
_PARAGRAPH_BREAK = re.compile(r"(?:\r\n|\r(?!\n)|\n)(?:[^\S\r\n]*(?:\r\n|\r(?!\n)|\n))+")
_LINE_BREAK = LINE_BREAK
_ENDS_SENTENCE = tuple(".!?:”\"’")


def split_paragraphs(text: str, separator: re.Pattern[str] = _PARAGRAPH_BREAK, offset: int = 0) -> list[Paragraph]:
    """Chunks of `text[offset:]` between separators, stripped, each with its offsets into `text`."""
    paragraphs: list[Paragraph] = []
    pos = offset
    for match in [*separator.finditer(text, offset), None]:
        end = match.start() if match else len(text)
        chunk = text[pos:end]
        stripped = chunk.strip()
        if stripped:
            start = pos + (len(chunk) - len(chunk.lstrip()))
            paragraphs.append(Paragraph(len(paragraphs), start, start + len(stripped), stripped))
        if match:
            pos = match.end()
    return paragraphs


def split_lines(paragraphs: list[Paragraph], text: str) -> list[Paragraph]:
    """Paragraphs written one per line (no blank line between them) split at their line ends.

    A line that ends a sentence, or a next line that opens a quotation, ends a paragraph; a line
    broken mid-sentence (hard-wrapped text) does not.
    """
    result: list[Paragraph] = []
    for paragraph in paragraphs:
        start = paragraph.start
        for line_end in _LINE_BREAK.finditer(text, paragraph.start, paragraph.end):
            before = text[start:line_end.start()].rstrip()
            after = text[line_end.end():paragraph.end].lstrip()
            if before.endswith(_ENDS_SENTENCE) or after.startswith(("“", '"')):
                result.extend(split_paragraphs(text[:line_end.start()], offset=start))
                start = line_end.end()
        result.extend(split_paragraphs(text[:paragraph.end], offset=start))
    return [Paragraph(i, p.start, p.end, p.text) for i, p in enumerate(result)]
