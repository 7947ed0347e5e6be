"""Rendering: escaping, highlighting, citations, the 4096-character and 64-byte limits, plain text."""
from hypothesis import given
from hypothesis import strategies as st

from bot.answers import render
from bot.models import Briefing, BriefPerson, PersonCard, QuoteHit, SearchHit, Source

SOURCE = Source(1, "Talks <maybe> & war", 4, "2023-05-01")


def hit(text="We <b>will</b> & stay", speaker="Ann <Lee>", role="Minister & envoy"):
    return QuoteHit(7, text, speaker, role, SOURCE)


def test_cite_gives_title_and_one_based_paragraph_escaped():
    assert render.cite(SOURCE) == "<i>Talks &lt;maybe&gt; &amp; war</i>, 2023-05-01, ¶5"


def test_quote_block_escapes_every_stored_text():
    block = render.quote_block(hit())
    assert "&lt;b&gt;will&lt;/b&gt; &amp; stay" in block
    assert "<b>Ann &lt;Lee&gt;</b>, Minister &amp; envoy" in block
    assert "¶5" in block


def test_highlight_bolds_matches_and_escapes_the_rest():
    assert render.highlight("a <x> \x02crimea\x03 & b") == "a &lt;x&gt; <b>crimea</b> &amp; b"


def test_highlight_closes_a_match_cut_off_by_the_snippet():
    assert render.highlight("\x02open") == "<b>open</b>"
    assert render.highlight("stray\x03 end") == "stray end"


def test_person_card_lists_aliases_mentions_places_and_quotes():
    card = PersonCard(3, "Anthony J. Blinken", "Secretary of State", ["Anthony J. Blinken", "Mr. Blinken"], 6,
                      [SOURCE], [hit(speaker="Anthony J. Blinken", role="Secretary of State")])
    text = render.person_card(card)
    assert text.startswith("<b>Anthony J. Blinken</b>\nSecretary of State\nAlso called: Mr. Blinken\n")
    assert "Mentioned 6 times in <i>Talks" in text
    assert "Strongest quotes" in text and "<blockquote>" in text


def test_split_message_keeps_paragraphs_whole_and_under_the_limit():
    paragraphs = [f"<b>{i}</b> " + "word " * 150 for i in range(40)]
    parts = render.split_message("\n\n".join(paragraphs))
    assert len(parts) > 1
    assert all(len(p) <= render.MESSAGE_LIMIT for p in parts)
    assert "\n\n".join(parts) == "\n\n".join(paragraphs)


def test_split_message_shortens_a_single_giant_paragraph_as_plain_text():
    (part,) = render.split_message("<b>" + "x" * 5000 + "</b>")
    assert len(part) <= render.MESSAGE_LIMIT and "<b>" not in part and part.endswith("…")


@given(st.text(max_size=200), st.text(max_size=20))
def test_callback_data_always_fits_64_bytes(free_text, prefix):
    data = render.fit_callback(prefix[:10], free_text)
    assert len(data.encode()) <= render.CALLBACK_LIMIT
    assert free_text.startswith(data[len(prefix[:10]):])


def test_to_plain_has_no_tags_and_unescapes():
    plain = render.to_plain(render.quote_block(hit("line one\nline <b>two</b> & more")) + "\n<code>/who x</code>")
    assert not any(tag in plain for tag in ("<blockquote>", "<i>", "</i>", "<b>Ann", "<code>", "&amp;", "&lt;"))
    assert plain.startswith("  “line one line <b>two</b> & more”\n— Ann <Lee>, Minister & envoy")
    assert plain.endswith("\n/who x")


def test_briefing_has_headline_points_people_and_quotes():
    b = Briefing(1, "Headline & more", "2023-05-01", ["By A"], [("Point <one>.", SOURCE)],
                 [BriefPerson("Xi Jinping", "President")], [hit()])
    text = render.briefing(b)
    assert text.startswith("<b>Headline &amp; more</b>\n2023-05-01 · By A")
    assert "• Point &lt;one&gt;. (<i>Talks" in text
    assert "• <b>Xi Jinping</b>, President" in text
    assert "Notable quotes" in text


def test_search_page_shortens_long_snippets_around_the_match():
    snippet = "filler " * 300 + "\x02crimea\x03 tail"
    text = render.search_page("crimea", [SearchHit(snippet, SOURCE, -1.0)], 0, 1)
    assert "<b>crimea</b>" in text and len(text) < 1200
    assert render.search_page("x<y", [], 0, 0) == "Nothing in the store matches “x&lt;y”."
