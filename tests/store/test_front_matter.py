"""The one front-matter parser (bot.documents.front_matter), read by the store's reader and by bot.sources."""
from __future__ import annotations

import pytest

from bot.documents import document_from_markdown
from bot.documents.front_matter import leading_escape, parse_front_matter, unescape_paragraph, unquote_value

STORY = "The harbour council voted on Thursday to add three evening crossings to the ferry timetable."


@pytest.mark.parametrize("raw, value", [
    ("'It''s'", "It's"), ('"say \\"hi\\""', 'say "hi"'), ('"caf\\u00e9"', "café"), ("bare words", "bare words"),
    ("true", True), ("False", False), ("'true'", "true"), ('"C:\\path"', "C:\\path"), ("''", ""), ("'", "'"),
])
def test_values(raw, value):
    assert unquote_value(raw) == value


def test_crlf_first_key_wins_and_no_front_matter():
    fields, start = parse_front_matter("---\r\ntitle: 'A'\r\ntitle: 'B'\r\nurl:\r\n- list item\r\n---\r\nBody")
    assert fields == {"title": "A", "url": ""} and start == len("---\r\ntitle: 'A'\r\ntitle: 'B'\r\nurl:\r\n- list item\r\n---\r\n")
    assert parse_front_matter("title: x\n---\n") == ({}, 0)


@pytest.mark.parametrize("text, at", [("\\# one", 0), ("12\\. two", 2), ("3\\) three", 1), ("\\\\x", 0),
                                      ("plain", None), ("\\a not an escape", None), ("1\\x", None)])
def test_leading_escape(text, at):
    assert leading_escape(text) == at
    if at is not None:
        assert unescape_paragraph(text) == text[:at] + text[at + 1:]


@pytest.mark.parametrize("url, kept", [
    ("https://example.com/a?b=1&c=2", True), ("http://example.com", True), ("javascript:alert(1)", False),
    ("data:text/html,<b>x</b>", False), ("file:///etc/passwd", False), ("https://exa mple.com", False),
    ('https://example.com/"><script>', False), ("ftp://example.com/x", False),
])
def test_only_http_links_reach_the_document(url, kept):
    quoted = "'" + url.replace("'", "''") + "'"
    document = document_from_markdown("a.md", f"---\ntitle: 'T'\nurl: {quoted}\noutlet: 'O'\n---\n\n{STORY}\n")
    assert document.url == (url if kept else None)
    assert document.outlet == "O"


def test_escaped_blocks_keep_offsets_into_the_documents_text():
    text = f"---\ntitle: 'T'\n---\n\n\\# 1 in the polls, {STORY}\n\n2\\. {STORY}\n\n{STORY}\n"
    document = document_from_markdown("a.md", text)
    assert [p.text[:5] for p in document.paragraphs] == ["# 1 i", "2. Th", "The h"]
    assert all(document.text[p.start:p.end] == p.text for p in document.paragraphs)
    assert document.title == "T"
