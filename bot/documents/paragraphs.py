"""Cutting a text into paragraphs that keep their offsets into it."""
from __future__ import annotations

import re

from bot.models import Paragraph

# A line ends with \r\n, \n or a lone \r (old Mac files; mixed endings too).
LINE_BREAK = re.compile(r"\r\n|\r(?!\n)|\n")
_PARAGRAPH_BREAK = re.compile(r"(?:\r\n|\r(?!\n)|\n)(?:[^\S\r\n]*(?:\r\n|\r(?!\n)|\n))+")
_LINE_BREAK = LINE_BREAK
_ENDS_SENTENCE = frozenset(".!?:”\"’")
_VISIBLE = re.compile(r"\S")


def split_paragraphs(text: str, separator: re.Pattern[str] = _PARAGRAPH_BREAK, offset: int = 0,
                     end: int | None = None) -> list[Paragraph]:
    """Chunks of `text[offset:end]` between separators, stripped, each with its offsets into `text`."""
    paragraphs: list[Paragraph] = []
    pos = offset
    stop = len(text) if end is None else end
    for match in [*separator.finditer(text, offset, stop), None]:
        chunk_end = match.start() if match else stop
        chunk = text[pos:chunk_end]
        stripped = chunk.strip()
        if stripped:
            start = pos + (len(chunk) - len(chunk.lstrip()))
            paragraphs.append(Paragraph(len(paragraphs), start, start + len(stripped), stripped))
        if match:
            pos = match.end()
    return paragraphs


def split_lines(paragraphs: list[Paragraph], text: str) -> list[Paragraph]:
    """Paragraphs written one per line (no blank line between them) split at their line ends;
    `paragraphs` are those `split_paragraphs` cut from `text`.

    A line that ends a sentence, or a next line that opens a quotation, ends a paragraph; a line
    broken mid-sentence (hard-wrapped text) does not. Only the characters around each line end are
    looked at, so a paragraph of many lines is read in one pass.
    """
    result: list[Paragraph] = []
    for paragraph in paragraphs:
        start = paragraph.start
        for line_end in _LINE_BREAK.finditer(text, paragraph.start, paragraph.end):
            after = _VISIBLE.search(text, line_end.end(), paragraph.end)
            opens_quote = after is not None and after.group() in "“\""
            if opens_quote or _last_visible(text, start, line_end.start()) in _ENDS_SENTENCE:
                result.extend(split_paragraphs(text, offset=start, end=line_end.start()))
                start = line_end.end()
        if start == paragraph.start:  # not split: already a stripped chunk between paragraph breaks
            result.append(paragraph)
        else:
            result.extend(split_paragraphs(text, offset=start, end=paragraph.end))
    return [p if p.index == i else Paragraph(i, p.start, p.end, p.text) for i, p in enumerate(result)]


def _last_visible(text: str, start: int, stop: int) -> str:
    """The last character of `text[start:stop]` that is not white space, or "" (a line's trailing
    spaces are stepped over, never the whole line)."""
    i = stop - 1
    while i >= start and text[i].isspace():
        i -= 1
    return text[i] if i >= start else ""
