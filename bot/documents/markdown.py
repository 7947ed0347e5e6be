"""Markdown seed files (`.md`): front matter, headings and blocks, with offsets into the file's text."""
from __future__ import annotations

import re
from pathlib import Path

from bot.documents.cleaning import plain_words, story_and_credits
from bot.models import Document, Paragraph

_LINE = re.compile(r"[^\n]+")
_MD_BLOCK_MARKER = re.compile(r"^(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d+[.)][ \t]+)")
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_MD_TOP_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_MD_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)
_FRONT_MATTER_FIELD = re.compile(r"^(\w+)\s*:\s*['\"]?(.*?)['\"]?\s*$", re.MULTILINE)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _markdown_blocks(text: str, offset: int) -> list[Paragraph]:
    """Blocks of lines separated by blank lines; a heading line is always a block of its own."""
    spans: list[tuple[int, int]] = []
    block: list[int] = []  # [start, end] of the block being read
    for line in _LINE.finditer(text, offset):
        blank_line_before = bool(block) and text.count("\n", block[1], line.start()) > 1
        if block and (blank_line_before or not line.group().strip() or _MD_HEADING.match(line.group())):
            spans.append((block[0], block[1]))
            block = []
        if not line.group().strip():
            continue
        if _MD_HEADING.match(line.group()):
            spans.append((line.start(), line.end()))
        elif block:
            block[1] = line.end()
        else:
            block = [line.start(), line.end()]
    if block:
        spans.append((block[0], block[1]))
    paragraphs = []
    for start, end in spans:
        chunk = text[start:end]
        lead = len(chunk) - len(chunk.lstrip())
        stripped = chunk.strip()
        paragraphs.append(Paragraph(len(paragraphs), start + lead, start + lead + len(stripped), stripped))
    return paragraphs


def _without_block_marker(paragraph: Paragraph) -> Paragraph:
    """The paragraph's span moved past a leading "# ", "> " or "- " so the words start it."""
    marker = _MD_BLOCK_MARKER.match(paragraph.text)
    if not marker:
        return paragraph
    text = paragraph.text[marker.end():]
    if paragraph.text.startswith("#"):
        text = text.rstrip("# \t")
    start = paragraph.start + marker.end()
    return Paragraph(paragraph.index, start, start + len(text), text)


def document_from_markdown(path: str, text: str) -> Document:
    """A Markdown document; headline from front matter `title:`, a `#` heading, or the first line.

    Each block (and each heading line) is a paragraph whose span skips its block marker, so
    `text[p.start:p.end] == p.text` still holds; inline markup such as links stays in `p.text`.
    """
    body_start = 0
    fields: dict[str, str] = {}
    front_matter = _MD_FRONT_MATTER.match(text)
    if front_matter:
        body_start = front_matter.end()
        fields = {key.lower(): value for key, value in _FRONT_MATTER_FIELD.findall(front_matter.group(1))}
    blocks = [_without_block_marker(block) for block in _markdown_blocks(text, body_start)]
    paragraphs, credits = story_and_credits(blocks)
    # The headline: a level-1 heading anywhere, else a heading that opens the text, else the first line.
    top_heading = _MD_TOP_HEADING.search(text, body_start)
    first_block = text[body_start:].lstrip()
    opening = _MD_HEADING.match(first_block.split("\n", 1)[0]) if first_block else None
    heading = top_heading or opening
    title = fields.get("title") or (heading.group(1) if heading else first_block.split("\n", 1)[0])
    date = _ISO_DATE.match(fields.get("date", ""))
    return Document(path=path, title=plain_words(title) or Path(path).stem, text=text, paragraphs=paragraphs,
                    credits=credits, published=date.group(0) if date else None)
