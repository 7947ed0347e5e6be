"""Reading seed files into Documents: decoded text, headline, story paragraphs with their offsets.

Plain text (`.txt`) and Markdown (`.md`) keep offsets into the file's text as decoded from UTF-8
(BOM stripped, nothing else normalised). Web pages (`.html`, `.htm`) are reduced to their main text
by trafilatura first, so their `Document.text` is that extracted text and offsets point into it.

Lines that are not news — "See also …" links, comment forms, share and subscribe prompts — are
dropped, and bylines ("X contributed reporting from Y.") become `Document.credits`.
"""
from __future__ import annotations

import re
from pathlib import Path

from bot.models import Document, Paragraph

READER_VERSION = "2"  # bump when reading changes what paragraphs or offsets a file yields
MAX_BYTES = 5 * 1024 * 1024
TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_LINE = re.compile(r"[^\n]+")
_NEWLINE = re.compile(r"\n")
_HAS_WORD = re.compile(r"\w")
# Boilerplate and bylines are short; a long paragraph that happens to start alike is story text.
_SHORT_WORDS = 40

# Lines that sites wrap around a story, recognised by how they open (after markup is removed).
_BOILERPLATE = re.compile(
    r"""^(?:
        (?:see|read)\s+(?:also|more)\b                        # See also  Migrant deaths …
      | also\s+read\b | read\s+next\b
      | (?:related|recommended|more\s+(?:from|on)\s+[^:]{0,40}|trending|most\s+(?:read|popular))\s*:
      | you\s+(?:may|might)\s+(?:also\s+)?(?:like|be\s+interested)
      | leave\s+a\s+(?:reply|comment)                          # comment forms
      | (?:post|add|write)\s+a\s+comment | cancel\s+reply
      | comments?\s+(?:are\s+closed|\(\d+\)|policy)
      | your\s+email\s+address\s+will\s+not\s+be\s+published
      | required\s+fields\s+are\s+marked
      | save\s+my\s+name,?\s+email
      | (?:share|tweet|email|print)\s+(?:this|on|via)\b      # share and subscribe prompts
      | share\s*(?::|$) | click\s+to\s+(?:share|email|print|tweet)
      | (?:subscribe|sign\s+up)\s+(?:to|for|now|today|here)\b | subscribe\s*$
      | follow\s+us\b | like\s+this\s*: | advertisement\s*$ | loading\.{3}\s*$
      | (?:copyright\b|©)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_ANYWHERE_BOILERPLATE = re.compile(r"all\s+rights\s+reserved", re.IGNORECASE)

# "Julian E Barnes contributed reporting from Washington", "Reporting by X; Editing by Y".
_CREDIT_PHRASE = re.compile(
    r"\b(?:contribut\w*\s+(?:reporting|to\s+this\s+(?:report|article|story))"
    r"|(?:additional\s+)?reporting\s+by|(?:writing|editing|edited|written|compiled)\s+by)\b",
    re.IGNORECASE,
)
_NAME = r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4}"
_FULL_NAME = re.compile(rf"{_NAME}")
_BY_LINE = re.compile(rf"^By\s+{_NAME}(?:(?:\s*,\s*|\s+and\s+){_NAME})*\.?$")
# Places in bylines: "from Washington", "in New York".
_PLACE = re.compile(r"\b(?:from|in)\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*")
_CREDIT_SEPARATOR = re.compile(r"\s*(?:[,;|&]|\band\b)\s*")

# Markdown markup that is not words: block markers, link targets, emphasis.
_MD_BLOCK_MARKER = re.compile(r"^(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d+[.)][ \t]+)")
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_MD_TOP_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"[*_`]+")
_MD_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)
_FRONT_MATTER_FIELD = re.compile(r"^(\w+)\s*:\s*['\"]?(.*?)['\"]?\s*$", re.MULTILINE)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class UnreadableDocument(Exception):
    """A seed file that cannot be read; the message says why."""


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


def plain_words(text: str) -> str:
    """`text` without Markdown markup and with whitespace collapsed: what a reader sees."""
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub("", _MD_BLOCK_MARKER.sub("", text.lstrip()))
    return " ".join(text.split())


def is_boilerplate(text: str) -> bool:
    """True for site furniture such as "See also …", "Leave a Reply", "Share this:"."""
    words = plain_words(text)
    if len(words.split()) > _SHORT_WORDS:
        return False
    return bool(_BOILERPLATE.match(words) or _ANYWHERE_BOILERPLATE.search(words))


def credited_names(text: str) -> list[str]:
    """The names in a byline, or [] when `text` is not a byline.

    >>> credited_names("Julian E Barnes Contributing reporting from Washington, W Stephen Erlanger from Brussels.")
    ['Julian E Barnes', 'Stephen Erlanger']
    """
    words = plain_words(text)
    if len(words.split()) > _SHORT_WORDS:
        return []
    if not (_CREDIT_PHRASE.search(words) or _BY_LINE.match(words)):
        return []
    remainder = _PLACE.sub("|", re.sub(r"^By\s+", "|", _CREDIT_PHRASE.sub("|", words)))
    names = []
    for piece in _CREDIT_SEPARATOR.split(remainder):
        piece = piece.strip(" .")
        tokens = piece.split()
        # A bare leading letter is a mangled connector ("W Stephen Erlanger" for "w/ Stephen …").
        if len(tokens) > 2 and len(tokens[0]) == 1:
            piece = " ".join(tokens[1:])
        if len(piece.split()) >= 2 and _FULL_NAME.fullmatch(piece):
            names.append(piece)
    return names


def _story(paragraphs: list[Paragraph]) -> tuple[list[Paragraph], list[str]]:
    """Story paragraphs (renumbered from 0) and the credited names, dropping boilerplate."""
    story: list[Paragraph] = []
    credits: list[str] = []
    for paragraph in paragraphs:
        if not _HAS_WORD.search(paragraph.text):
            continue
        if len(paragraph.text.split(maxsplit=_SHORT_WORDS)) <= _SHORT_WORDS:  # long ones are story text
            if is_boilerplate(paragraph.text):
                continue
            names = credited_names(paragraph.text)
            if names:
                credits.extend(name for name in names if name not in credits)
                continue
        story.append(Paragraph(len(story), paragraph.start, paragraph.end, paragraph.text))
    return story, credits


_LINE_BREAK = re.compile(r"\n")
_ENDS_SENTENCE = tuple(".!?:”\"’")


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


def document_from_text(path: str, text: str) -> Document:
    """A plain-text document: the first non-empty line is the headline."""
    paragraphs, credits = _story(split_lines(split_paragraphs(text), text))
    first_line = text.strip().splitlines()[0].strip() if text.strip() else ""
    return Document(path=path, title=first_line or Path(path).stem, text=text,
                    paragraphs=paragraphs, credits=credits)


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
    paragraphs, credits = _story(blocks)
    # The headline: a level-1 heading anywhere, else a heading that opens the text, else the first line.
    top_heading = _MD_TOP_HEADING.search(text, body_start)
    first_block = text[body_start:].lstrip()
    opening = _MD_HEADING.match(first_block.split("\n", 1)[0]) if first_block else None
    heading = top_heading or opening
    title = fields.get("title") or (heading.group(1) if heading else first_block.split("\n", 1)[0])
    date = _ISO_DATE.match(fields.get("date", ""))
    return Document(path=path, title=plain_words(title) or Path(path).stem, text=text, paragraphs=paragraphs,
                    credits=credits, published=date.group(0) if date else None)


def document_from_html(path: str, html: str) -> Document:
    """A web page's main text, found by trafilatura; offsets point into that extracted text.

    trafilatura writes one paragraph (or heading, or list item) per line; the headline comes from
    the page's metadata (`<title>`, Open Graph), the date from its publication metadata.
    """
    import trafilatura  # imported here: it is slow to import and only web pages need it

    extracted = trafilatura.bare_extraction(html, include_comments=False, include_tables=False, with_metadata=True)
    if extracted is None or not (extracted.text or "").strip():
        raise UnreadableDocument("no main text found in the web page")
    text = extracted.text
    paragraphs, credits = _story(split_paragraphs(text, _NEWLINE))
    title = (extracted.title or "").strip() or (paragraphs[0].text if paragraphs else Path(path).stem)
    date = _ISO_DATE.match(extracted.date or "")
    return Document(path=path, title=title, text=text, paragraphs=paragraphs, credits=credits,
                    published=date.group(0) if date else None)


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
