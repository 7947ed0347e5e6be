"""Seed files: names, atomic writes, hostile front matter, Markdown neutralised, the reader round trip."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.documents import read_document
from bot.sources.seed_files import (
    SeedArticle,
    UnsafePath,
    escape_paragraph,
    read_article,
    read_front_matter,
    remove_expired,
    render,
    slugify,
    unescape_paragraph,
    write_article,
)

WHEN = datetime(2024, 4, 12, 7, 30, tzinfo=timezone.utc)
STORY = [
    "The harbour council voted on Thursday to add three evening crossings to the ferry timetable.",
    "“We listened to the people who cross every day,” said Ines Varga, who chairs the transport committee.",
    "Fares could rise next year: the operator said so at 10:30, after the vote — and repeated it twice.",
]


def article(**changes) -> SeedArticle:
    values = dict(title="Council approves new ferry timetable", paragraphs=list(STORY), source="harbour-gazette",
                  identity="guid:gazette-2024-0412", url="https://gazette.example/news/ferry",
                  outlet="Harbour Gazette", author="Marta Quell", date=WHEN)
    values.update(changes)
    return SeedArticle(**values)


def test_path_layout_and_reader_round_trip(tmp_path):
    path = write_article(tmp_path, article())
    relative = path.relative_to(tmp_path)
    assert relative.parts[:3] == ("feeds", "harbour-gazette", "2024-04")
    assert relative.name.startswith("council-approves-new-ferry-timetable-") and relative.suffix == ".md"
    document = read_document(path)
    assert document.title == "Council approves new ferry timetable"
    assert [p.text for p in document.paragraphs] == STORY
    assert document.published == "2024-04-12T07:30:00+00:00"  # the time is kept
    assert (document.url, document.outlet, document.author, document.source, document.summary_only) == (
        "https://gazette.example/news/ferry", "Harbour Gazette", "Marta Quell", "harbour-gazette", False)
    fields = read_front_matter(path)
    assert fields == {"title": "Council approves new ferry timetable", "url": "https://gazette.example/news/ferry",
                      "outlet": "Harbour Gazette", "author": "Marta Quell", "date": "2024-04-12T07:30:00Z",
                      "source": "harbour-gazette", "id": fields["id"]}
    assert "summary_only" not in fields


def test_summary_only_flag_and_missing_author(tmp_path):
    path = write_article(tmp_path, article(summary_only=True, author=None, paragraphs=STORY[:1]))
    fields = read_front_matter(path)
    assert fields["summary_only"] is True and "author" not in fields
    document = read_document(path)
    assert [p.text for p in document.paragraphs] == STORY[:1]
    assert document.summary_only is True and document.author is None


@pytest.mark.parametrize("title", [
    "Minister: talks will go on", 'He said "no" to the plan', "O'Brien's comeback: 'not yet'",
    "---", "title: fake\nurl: javascript:alert(1)", "Line one\n---\nsource: forged", "# Not a heading",
    "Ends with a quote'", '"Fully quoted"', "Both ' and \" and \\ backslash", "Tab\there\r\nand CR",
])
def test_hostile_titles_cannot_break_the_front_matter(tmp_path, title):
    path = write_article(tmp_path, article(title=title))
    fields = read_front_matter(path)
    assert fields["title"] == " ".join(title.split())
    assert fields["source"] == "harbour-gazette" and fields["url"] == "https://gazette.example/news/ferry"
    assert "fake" not in fields.get("url", "")
    document = read_document(path)
    assert [p.text for p in document.paragraphs] == STORY
    # The store's reader reads the same values as this package (one parser): the title exactly as
    # written, save what a headline never keeps (Markdown emphasis and block markers, for any file).
    from bot.documents.cleaning import clean_title, plain_words
    assert document.title == clean_title(plain_words(fields["title"]))
    assert document.url == "https://gazette.example/news/ferry" and document.source == "harbour-gazette"


@pytest.mark.parametrize("line", [
    "# 1 in sales, the company said on Monday that it would expand abroad.",
    "> quoted from the minutes of the meeting on Tuesday evening",
    "- a dash that opens a paragraph about the budget",
    "* starred paragraph about the vote", "+ plus paragraph about taxes",
    "1. The first point was that the budget would be cut.", "2) The second point was about schools.",
    "```python the fence", "~~~ another fence", "| a | table | row |", "---", "===", "<div>raw html</div>",
    "\\ backslash first", "___ underline",
])
def test_markdown_markup_in_the_body_is_neutralised(tmp_path, line):
    path = write_article(tmp_path, article(paragraphs=[STORY[0], line, STORY[1]]))
    _, paragraphs = read_article(path)
    assert paragraphs == [STORY[0], line, STORY[1]]  # exact round trip through this package's reader
    text = path.read_text()
    body = text.split("\n---\n", 1)[1]
    for written in body.strip().split("\n\n"):
        assert not written.startswith(("#", ">", "- ", "* ", "+ ", "```", "~~~", "|", "---", "===", "<"))
    # The bot's reader sees prose: no heading, no quote block, nothing dropped from the story around it.
    document = read_document(path)
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == STORY[0] and texts[-1] == STORY[1]
    if any(ch.isalnum() for ch in line):
        assert texts[1] == line  # the reader undoes the escape: the paragraph reads as it was fetched
        assert len(texts) == 3


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(min_size=1, max_size=80), author=st.text(max_size=40), outlet=st.text(max_size=40),
       url_tail=st.text(max_size=30))
def test_front_matter_round_trip(tmp_path, title, author, outlet, url_tail):
    a = article(title=title, author=author, outlet=outlet, url="https://x.example/" + url_tail,
                identity=f"guid:{title}")
    path = write_article(tmp_path, a)
    fields = read_front_matter(path)
    from bot.sources.seed_files import clean_line
    assert fields["title"] == (clean_line(title) or "Untitled")
    assert fields["outlet"] == clean_line(outlet)
    assert fields.get("author", "") == clean_line(author)
    assert fields["url"] == clean_line("https://x.example/" + url_tail)
    assert fields["date"] == "2024-04-12T07:30:00Z" and fields["source"] == "harbour-gazette"
    _, paragraphs = read_article(path)
    assert paragraphs == STORY
    document = read_document(path)
    from bot.documents.cleaning import clean_title
    assert document.outlet == (clean_title(clean_line(outlet)) or None)
    assert document.author == (clean_title(clean_line(author)) or None)
    assert document.url in (None, clean_line("https://x.example/" + url_tail))
    assert document.url is not None or any(c in clean_line("https://x.example/" + url_tail) for c in ' <>"')
    assert document.published == "2024-04-12T07:30:00+00:00"
    assert [p.text for p in document.paragraphs] == STORY


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=60))
def test_paragraph_escape_round_trip(text):
    from bot.sources.seed_files import clean_line
    line = clean_line(text)
    assert unescape_paragraph(escape_paragraph(text)) == line


@pytest.mark.parametrize("title, expected", [
    ("Council approves new ferry timetable", "council-approves-new-ferry-timetable"),
    ("Мэр открыл новый мост", "mer-otkryl-novyy-most"), ("Câmara aprova orçamento", "camara-aprova-orcamento"),
    ("../../etc/passwd", "etc-passwd"), ("....", "article"), ("日本語のみ", "article"), ("A" * 200, "a" * 60),
])
def test_slugs_are_safe(title, expected):
    assert slugify(title) == expected


def test_names_stay_inside_and_bounded(tmp_path):
    path = write_article(tmp_path, article(title="../../" * 30 + "x" * 300, source="../../../outside"))
    assert tmp_path in path.resolve().parents
    assert all(len(part) <= 80 for part in path.relative_to(tmp_path).parts)
    assert all(set(part) <= set("abcdefghijklmnopqrstuvwxyz0123456789-.") for part in path.relative_to(tmp_path).parts)


def test_a_symlinked_folder_out_of_the_seed_folder_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    seeds = tmp_path / "seeds"
    (seeds / "feeds").mkdir(parents=True)
    os.symlink(outside, seeds / "feeds" / "harbour-gazette")
    with pytest.raises(UnsafePath):
        write_article(seeds, article())
    assert list(outside.rglob("*.md")) == []


def test_never_overwrites_a_different_article(tmp_path):
    first = write_article(tmp_path, article())
    squatter = first.read_text().replace(read_front_matter(first)["id"], "0000000000")
    first.write_text(squatter)  # the same name now holds another entry
    second = write_article(tmp_path, article())
    assert second != first and second.name.endswith("-2.md")
    assert first.read_text() == squatter


def test_update_rewrites_the_same_file_atomically(tmp_path):
    first = write_article(tmp_path, article())
    updated = write_article(tmp_path, article(title="Council approves ferry timetable, with changes",
                                              paragraphs=STORY[:2]), previous=first.relative_to(tmp_path))
    assert updated == first
    assert read_front_matter(first)["title"] == "Council approves ferry timetable, with changes"
    assert [p.name for p in first.parent.iterdir()] == [first.name]  # no temp file left behind


def test_retention_removes_old_files_only(tmp_path):
    now = datetime(2024, 6, 1, tzinfo=timezone.utc)
    old = write_article(tmp_path, article(date=now - timedelta(days=40), identity="guid:old"))
    new = write_article(tmp_path, article(date=now - timedelta(days=5), identity="guid:new"))
    hand = tmp_path / "hand-written.md"
    hand.write_text("---\ntitle: kept\ndate: 2001-01-01\n---\n\nNot fetched.\n")
    removed = remove_expired(tmp_path, 30, now)
    assert removed == [old] and not old.exists() and new.exists() and hand.exists()
    assert not old.parent.exists()  # its month folder was left empty and removed


def test_render_is_plain_utf8_without_control_characters():
    text = render(article(title="Bell\x07 and \x00 nul\u202e bidi", paragraphs=["A\x00B paragraph\u2028here"]), "abc")
    assert "\x00" not in text and "\x07" not in text and "\u202e" not in text and "\u2028" not in text
