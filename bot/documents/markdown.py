"""Markdown seed files (`.md`): front matter, headings and blocks, with offsets into the file's text.

Front matter is read by `bot.documents.front_matter` (the one parser, shared with the writer of
fetched articles, `bot.sources.seed_files`): `title`, `date` (a day, or an instant whose time is kept),
and for fetched articles `url` (kept only when it is an http or https address), `outlet`, `author`,
`source` and `summary_only`. A block's leading CommonMark backslash escape (`\\# 1 in the polls`,
`1\\. item`, as the writer neutralises block markup) is undone: the backslash is left out of the
document's text, so offsets point into the file's text less those backslashes.

What is not prose is not story text: HTML comments, fenced and indented code blocks and tables are
left out of the paragraphs (so neither their words nor their quotation marks are read as news), and
never give the headline. Lines may end in \\n, \\r\\n or a lone \\r.
"""
from __future__ import annotations

import bisect
import re
from pathlib import Path

from bot.documents.cleaning import clean_title, plain_words, story_and_credits
from bot.documents.dates import publication_date
from bot.documents.front_matter import FRONT_MATTER, leading_escape, parse_front_matter, text_field
from bot.documents.paragraphs import LINE_BREAK
from bot.models import Document, Paragraph

_LINE = re.compile(r"[^\r\n]+")
_MD_BLOCK_MARKER = re.compile(r"^(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d+[.)][ \t]+)")
_MD_HEADING = re.compile(r"^[ ]{0,3}#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$")
_MD_TOP_HEADING = re.compile(r"^[ ]{0,3}#[ \t]+(.+?)[ \t]*#*[ \t]*$")
_MD_FRONT_MATTER = FRONT_MATTER
_LINK_LIMIT = 2000
_LINK = re.compile(r"https?://[^\s\x00-\x1f\x7f<>\"]+", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")
_INDENTED = re.compile(r"^(?: {4}|[ ]{0,3}\t)")
_NOT_A_BREAK = re.compile(r"[^\r\n]")
_TABLE_ROW = re.compile(r"^[ \t]*\|")
_TABLE_DELIMITER = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)+\|?[ \t]*$")


def _masked(text: str, offset: int) -> str:
    """`text` with HTML comments and fenced code blocks (from `offset` on) blanked out, line breaks
    kept: the same offsets, with nothing left there to read as prose."""
    spans = [m.span() for m in _COMMENT.finditer(text, offset)]
    fence: tuple[str, int] | None = None  # (marker, start of the opening line)
    for line in _LINE.finditer(text, offset):
        marker = _FENCE.match(line.group())
        if fence is None:
            if marker and not any(s <= line.start() < e for s, e in spans):
                fence = (marker.group(1), line.start())
        elif marker and marker.group(1)[0] == fence[0][0] and len(marker.group(1)) >= len(fence[0]) \
                and not line.group()[marker.end():].strip():
            spans.append((fence[1], line.end()))
            fence = None
    if fence is not None:  # a fence never closed runs to the end, as Markdown renders it
        spans.append((fence[1], len(text)))
    if not spans:
        return text
    pieces, position = [], offset
    for start, end in sorted(spans):
        start = max(start, position)  # a comment inside a fence, or a fence inside a comment
        if end <= start:
            continue
        pieces.append(text[position:start])
        pieces.append(_NOT_A_BREAK.sub(" ", text[start:end]))
        position = end
    return text[:offset] + "".join(pieces) + text[position:]


def _is_code_or_table(lines: list[str]) -> bool:
    """A block of indented code (every line indented four spaces or a tab), or a table (every line
    opening with |, or a header row over a |---|---| delimiter row)."""
    if all(_INDENTED.match(line) for line in lines):
        return True
    if len(lines) >= 2 and (all(_TABLE_ROW.match(line) for line in lines) or _TABLE_DELIMITER.match(lines[1])):
        return True
    return False


def _markdown_blocks(text: str, offset: int) -> list[Paragraph]:
    """Blocks of lines separated by blank lines; a heading line is always a block of its own; code
    blocks and tables are left out. `text` is the masked text, so comments and fences are blank."""
    spans: list[tuple[int, int, list[str]]] = []
    block: list = []  # [start, end, lines] of the block being read
    for line in _LINE.finditer(text, offset):
        content = line.group()
        blank_line_before = bool(block) and len(LINE_BREAK.findall(text, block[1], line.start())) > 1
        if block and (blank_line_before or not content.strip() or _MD_HEADING.match(content)):
            spans.append(tuple(block))
            block = []
        if not content.strip():
            continue
        if _MD_HEADING.match(content):
            spans.append((line.start(), line.end(), [content]))
        elif block:
            block[1] = line.end()
            block[2].append(content)
        else:
            block = [line.start(), line.end(), [content]]
    if block:
        spans.append(tuple(block))
    paragraphs = []
    for start, end, lines in spans:
        if _is_code_or_table(lines):
            continue
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
    `text[p.start:p.end] == p.text` still holds (`text` being the file's text less the leading escapes,
    see the module doc); inline markup such as links stays in `p.text`.
    """
    fields, body_start = parse_front_matter(text)
    masked = _masked(text, body_start)
    blocks = [_without_block_marker(block) for block in _markdown_blocks(masked, body_start)]
    # The blocks are found in the file as written; then their leading escapes are taken out.
    text, blocks = _unescaped(text, blocks)
    paragraphs, credits = story_and_credits(blocks)
    # The headline: a level-1 heading anywhere, else a heading that opens the text, else the first line
    # of the first block of prose (never a comment, code or a table).
    lines = [line.group() for line in _LINE.finditer(masked, body_start) if line.group().strip()]
    top_heading = next((m for m in map(_MD_TOP_HEADING.match, lines) if m), None)
    opening = _MD_HEADING.match(lines[0]) if lines else None
    heading = top_heading or opening
    first_line = next((line.group() for line in _LINE.finditer(blocks[0].text)), "") if blocks else ""
    title = text_field(fields, "title") or (heading.group(1) if heading else first_line)
    published, note = publication_date(text_field(fields, "date"))
    outlet, author = text_field(fields, "outlet"), text_field(fields, "author")
    return Document(path=path, title=clean_title(plain_words(title)) or clean_title(Path(path).stem), text=text,
                    paragraphs=paragraphs, credits=credits, published=published, notes=[note] if note else [],
                    url=safe_link(text_field(fields, "url")), outlet=_one_line(outlet), author=_one_line(author),
                    source=clean_title(text_field(fields, "source") or "")[:100] or None,
                    summary_only=fields.get("summary_only") is True)


def _one_line(value: str | None, limit: int = 200) -> str | None:
    """A name as chats will see it (see `clean_title`), at most `limit` characters; None when nothing is left."""
    return clean_title(value)[:limit] or None if value else None


def safe_link(url: str | None) -> str | None:
    """`url` when it is a whole http(s) address without spaces, controls or markup characters, else None."""
    if not url or len(url) > _LINK_LIMIT or not _LINK.fullmatch(url):
        return None
    return url


def _unescaped(text: str, blocks: list[Paragraph]) -> tuple[str, list[Paragraph]]:
    """`text` without each block's leading backslash escape (see the module doc), and the blocks' spans
    moved to match, each holding its own text of the result."""
    cuts = []
    for block in blocks:
        at = leading_escape(text[block.start:block.end])
        if at is not None:
            cuts.append(block.start + at)
    if cuts:
        pieces, position = [], 0
        for cut in cuts:
            pieces.append(text[position:cut])
            position = cut + 1
        pieces.append(text[position:])
        text = "".join(pieces)

    def moved(offset: int) -> int:
        return offset - bisect.bisect_right(cuts, offset - 1) if cuts else offset

    spans = [(moved(b.start), moved(b.end)) for b in blocks]
    return text, [Paragraph(b.index, start, end, text[start:end]) for b, (start, end) in zip(blocks, spans)]
