"""Reading seed files: formats, offsets, boilerplate, bylines, and files that cannot be read."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.documents import (
    MAX_BYTES,
    UnreadableDocument,
    credited_names,
    document_from_bytes,
    document_from_markdown,
    document_from_text,
    is_boilerplate,
    read_document,
)

from .conftest import ARTICLES, ROOT, SEED


def assert_offsets_hold(document):
    for index, paragraph in enumerate(document.paragraphs):
        assert paragraph.index == index
        assert document.text[paragraph.start:paragraph.end] == paragraph.text


def test_text_headline_is_first_non_empty_line(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("\n\n  Ministers meet  \n\nThey met on Tuesday.\n", encoding="utf-8")
    document = read_document(path)
    assert document.title == "Ministers meet"
    assert [p.text for p in document.paragraphs] == ["Ministers meet", "They met on Tuesday."]
    assert_offsets_hold(document)


def test_bom_is_stripped_and_nothing_else_changes(tmp_path):
    text = "Title\r\n\r\nCafé  “quoted”\u00a0text\r\n"
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    document = read_document(path)
    assert document.text == text
    assert_offsets_hold(document)


def test_markdown_heading_front_matter_and_offsets_into_the_file():
    document = document_from_bytes("b.md", ARTICLES["b_beijing.md"].encode())
    assert document.title == "Xi Jinping hosts Putin in Beijing"
    assert document.published == "2024-05-03"
    assert document.text == ARTICLES["b_beijing.md"]
    assert_offsets_hold(document)
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Xi Jinping hosts Putin in Beijing"  # the "# " marker is outside the span
    assert texts[2].startswith("“Our friendship")  # so is the "> " of a block quote
    assert "Leave a Reply" not in texts


def test_markdown_without_heading_uses_first_line_and_splits_headings_from_text():
    text = "Plain first line\nstill the first block\n\n## Section\nBody under the heading.\n"
    document = document_from_markdown("x.md", text)
    assert document.title == "Plain first line"
    assert [p.text for p in document.paragraphs] == ["Plain first line\nstill the first block", "Section",
                                                     "Body under the heading."]
    assert_offsets_hold(document)


def test_html_main_text_title_date_and_no_furniture():
    document = document_from_bytes("c.html", ARTICLES["c_envoy.html"].encode())
    assert document.title == "China's envoy tours Europe"
    assert document.published == "2024-05-05"
    texts = [p.text for p in document.paragraphs]
    assert any(t.startswith("Li Hui, China's special envoy") for t in texts)
    assert not any("Share this" in t or "Home" == t or "email address" in t for t in texts)
    assert "<p>" not in document.text
    assert_offsets_hold(document)


def test_seed_boilerplate_is_not_story_and_byline_becomes_credits():
    gold = json.loads((ROOT / "tests" / "seed_gold.json").read_text(encoding="utf-8"))
    document = read_document(SEED)
    assert document.title == gold["title"]
    story = {" ".join(p.text.split()) for p in document.paragraphs}
    for line in gold["boilerplate"]:
        assert " ".join(line.split()) not in story
    assert not any("Contributing reporting" in p.text for p in document.paragraphs)
    assert document.credits == ["Julian E Barnes", "Stephen Erlanger"]
    assert_offsets_hold(document)


@pytest.mark.parametrize("line", [
    "See also: Talks collapse in Geneva",
    "Read more: The war in maps",
    "Related: How the sanctions work",
    "Leave a comment",
    "Cancel reply",
    "Comments are closed.",
    "Save my name, email, and website in this browser for the next time I comment.",
    "Share this:",
    "Share on Facebook",
    "Click to share on Twitter (Opens in new window)",
    "Subscribe to our newsletter for the latest news",
    "Sign up for the morning briefing",
    "Follow us on Twitter",
    "Like this:",
    "Advertisement",
    "© 2024 Daily Planet. All rights reserved.",
    "[See also: the timeline](https://example.com/timeline)",
])
def test_site_furniture_is_boilerplate(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize("line", [
    "Share prices fell sharply in Moscow on Tuesday as the rouble weakened.",
    "Readers of the report will see also that the numbers do not add up.",
    "Related talks in Vienna ended without agreement, officials said.",
    "Subscribers to the service were told on Monday that it would close.",
    "Mr. Blinken said the allies would follow up on the plan next week.",
])
def test_story_sentences_are_not_boilerplate(line):
    assert not is_boilerplate(line)


@pytest.mark.parametrize("line, names", [
    ("Jane Roe contributed reporting from Vienna.", ["Jane Roe"]),
    ("Jane Roe and John Doe contributed reporting.", ["Jane Roe", "John Doe"]),
    ("Reporting by Jane Roe in London; Editing by John Doe", ["Jane Roe", "John Doe"]),
    ("Additional reporting by Ana María López.", ["Ana María López"]),
    ("By Jane Roe and John Doe", ["Jane Roe", "John Doe"]),
    ("Julian E Barnes Contributing reporting from Washington, W Stephen Erlanger from Brussels.",
     ["Julian E Barnes", "Stephen Erlanger"]),
])
def test_bylines_give_names(line, names):
    assert credited_names(line) == names


@pytest.mark.parametrize("line", [
    "By Tuesday, the talks had collapsed and the delegations had gone home.",
    "Officials said reporting by the agency had been accurate.",
])
def test_story_sentences_are_not_bylines(line):
    assert credited_names(line) == []


def test_byline_paragraph_leaves_the_story(tmp_path):
    document = document_from_text("x.txt", "Title\n\nStory text here.\n\nJane Roe contributed reporting from Kyiv.\n")
    assert document.credits == ["Jane Roe"]
    assert [p.text for p in document.paragraphs] == ["Title", "Story text here."]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=400))
def test_offsets_hold_for_any_text(text):
    for reader in (document_from_text, document_from_markdown):
        assert_offsets_hold(reader("any", text))


@pytest.mark.parametrize("name, data, reason", [
    ("latin1.txt", "Caf\xe9 au lait\n".encode("latin-1"), "not UTF-8"),
    ("binary.txt", b"PK\x03\x04\x00\x00binary", "binary"),
    ("empty.txt", b"", "empty"),
    ("blank.md", b" \n\t\n\n", "empty"),
    ("only-furniture.txt", b"Leave a Reply\n\nShare this:\n", "no story text"),
    ("picture.png", b"\x89PNG\r\n", "unsupported"),
])
def test_unreadable_files_say_why(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(UnreadableDocument, match=reason):
        read_document(path)


def test_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: cheap to make
    with pytest.raises(UnreadableDocument, match="too large"):
        read_document(path)


def test_paragraphs_written_one_per_line_are_split_but_wrapped_lines_are_not():
    from bot.documents import document_from_text

    text = ("Headline\n\nThe senator spoke on Monday.\n“We will win,” she said.\nThe crowd cheered and\n"
            "chanted her name.\n")
    doc = document_from_text("t.txt", text)
    assert [p.text for p in doc.paragraphs] == [
        "Headline", "The senator spoke on Monday.", "“We will win,” she said.",
        "The crowd cheered and\nchanted her name."]
    assert all(text[p.start:p.end] == p.text for p in doc.paragraphs)
