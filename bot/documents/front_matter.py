"""Front matter of Markdown seed files: the one parser, used by the reader and by `bot.sources.seed_files`.

    ---
    title: 'Minister: talks will go on'
    url: 'https://example.com/world/talks'
    outlet: 'Example News'
    author: "O'Hara"
    date: '2024-05-01T12:00:00Z'
    source: 'example-news'
    summary_only: true
    ---

A block between two `---` lines at the very start of the file (lines may end in \\n, \\r\\n or a lone
\\r), one `key: value` a line; other lines (YAML lists, comments) are ignored. Keys are folded to lower
case; the first occurrence of a key wins. Values are read as the YAML scalars the writer makes:

- single-quoted (`'It''s'` → `It's`; a lone `'` inside is kept, as a forgiving reader of hand-written files);
- double-quoted: a JSON string (`"say \\"hi\\""`, `"caf\\u00e9"`); one that is not valid JSON loses its
  outer quotes only;
- `true` / `false` (any case) are booleans; anything else is the bare text, trimmed.

The body's paragraphs may begin with a CommonMark backslash escape that the writer puts before a
character Markdown would read as block markup (`\\# 1`, `\\> quoted`, `1\\. item`):
`leading_escape` says where such a backslash is, so that the reader can drop it.
"""
from __future__ import annotations

import json
import re

FRONT_MATTER = re.compile(r"\A---[ \t]*(?:\r\n|\r|\n)(.*?)(?:\r\n|\r|\n)---[ \t]*(?:\r\n|\r|\n|\Z)", re.DOTALL)
_LINE = re.compile(r"[^\r\n]+")
_FIELD = re.compile(r"^[ \t]*([A-Za-z_]\w*)[ \t]*:(?:[ \t]+(.*?)|[ \t]*)[ \t]*$")
MARKUP_START = "#>-*+=_|`~<\\"
_ESCAPED = re.compile(r"\\[#>\-*+=_|`~<\\]")
_ESCAPED_NUMBER = re.compile(r"\d{1,9}\\[.)]")


def unquote_value(raw: str) -> str | bool:
    """One front-matter value as written (see the module doc)."""
    raw = raw.strip()
    lowered = raw.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1].replace("''", "'")
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        try:
            value = json.loads(raw)
        except ValueError:
            return raw[1:-1]
        return value if isinstance(value, str) else raw[1:-1]
    return raw


def parse_front_matter(text: str) -> tuple[dict[str, str | bool], int]:
    """(fields, offset where the body starts) of a file's text; ({}, 0) when it has no front matter."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, 0
    fields: dict[str, str | bool] = {}
    for line in _LINE.finditer(match.group(1)):
        field = _FIELD.match(line.group())
        if field:
            fields.setdefault(field.group(1).lower(), unquote_value(field.group(2) or ""))
    return fields, match.end()


def text_field(fields: dict[str, str | bool], key: str) -> str | None:
    """A field's text (None when absent, empty or a boolean)."""
    value = fields.get(key)
    return value.strip() or None if isinstance(value, str) else None


def leading_escape(paragraph: str) -> int | None:
    """Where the writer's escaping backslash is in a paragraph's text (`\\#…` → 0, `12\\. …` → 2), or None."""
    if _ESCAPED.match(paragraph):
        return 0
    number = _ESCAPED_NUMBER.match(paragraph)
    if number:
        return number.end() - 2
    return None


def unescape_paragraph(paragraph: str) -> str:
    """The paragraph with its leading escape (see `leading_escape`) removed."""
    at = leading_escape(paragraph)
    return paragraph if at is None else paragraph[:at] + paragraph[at + 1:]
