"""Questions to the store: fuzzy names, cards, quotes, safe search, briefings, quiz."""
import random
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.store.queries import Store, StoreNotBuilt
from bot.store.search_text import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    NoUsableWords,
    match_expression,
)


@pytest.fixture
def store(built):
    return Store(built)


@pytest.mark.parametrize("asked, found", [
    ("blinkin", "Anthony J. Blinken"),
    ("Blinken", "Anthony J. Blinken"),
    ("Mr. Blinken", "Anthony J. Blinken"),
    ("haines", "Avril D. Haines"),
    ("avril haines", "Avril D. Haines"),
    ("Xi", "Xi Jinping"),
    ("xi jinpin", "Xi Jinping"),
    ("PUTIN", "Vladimir Putin"),
    ("tsipr", "Alexis Tsipras"),
    ("Li", "Li Hui"),
])
def test_find_people_best_first(store, asked, found):
    assert store.find_people(asked)[0].name == found


def test_short_exact_name_beats_fuzzy_noise(store):
    # "Xi" is inside "Alexis" and near "Li": only the exact word counts.
    assert [m.name for m in store.find_people("Xi")] == ["Xi Jinping"]


@pytest.mark.parametrize("asked", ["zzzz", "", "   ", "!!!", "Mr.", "Kharkiv", "q"])
def test_find_people_is_empty_when_nothing_is_close(store, asked):
    assert store.find_people(asked) == []


def test_list_people_by_prominence_with_total(store):
    first, total = store.list_people(0, 2)
    rest, _ = store.list_people(2, 10)
    assert total == 6 and len(first) == 2 and len(rest) == 4
    assert first[0].name == "Anthony J. Blinken"
    mentions = [p.mentions for p in first + rest]
    assert mentions == sorted(mentions, reverse=True)


def test_person_card_with_strongest_quotes_first(store):
    haines = store.find_people("haines")[0]
    card = store.person_card(haines.id)
    assert card.name == "Avril D. Haines" and card.role == "director of national intelligence"
    assert card.aliases == ["Ms. Haines"]
    assert [q.text for q in card.quotes][-1] == "Stalled"  # the one-word fragment comes last
    assert card.documents[0].title == "Blinken meets allies in Brussels"
    assert store.person_card(10_000) is None


def test_quotes_by_pages_with_total(store):
    blinken = store.find_people("blinken")[0]
    page, total = store.quotes_by(blinken.id, 0, 1)
    assert total == 2 and len(page) == 1
    assert page[0].speaker == "Anthony J. Blinken" and page[0].role == "Secretary of State"
    assert page[0].source.title and page[0].source.paragraph >= 0


def test_quotes_about_a_topic(store):
    hits, total = store.quotes_about("constructive role")
    assert total == 1 and hits[0].speaker == "Li Hui"
    with pytest.raises(NoUsableWords):
        store.quotes_about("“ ” ()")


def test_mentions_highlight_the_person(store):
    haines = store.find_people("haines")[0]
    hits, total = store.mentions(haines.id, 0, 10)
    assert total == 2
    assert all(HIGHLIGHT_START in h.snippet and HIGHLIGHT_END in h.snippet for h in hits)
    assert f"{HIGHLIGHT_START}Avril D. Haines{HIGHLIGHT_END}" in hits[0].snippet


def test_search_stems_ranks_and_marks_matches(store):
    hits, total = store.search("crimea", 0, 10)
    assert total == 2
    assert all(f"{HIGHLIGHT_START}Crimea{HIGHLIGHT_END}" in h.snippet for h in hits)
    stemmed, _ = store.search("talk")  # porter: "talks" matches
    assert any("talks" in h.snippet for h in stemmed)
    all_words, total = store.search("crimea fortified")
    assert total == 1 and all_words[0].source.title == "Blinken meets allies in Brussels"


@pytest.mark.parametrize("text", [
    'crimea"', '"crimea', "(crimea", "crimea)", "crimea*", "NEAR(crimea talks)", "crimea AND", "OR crimea",
    "NOT crimea", "crimea:talks", "^crimea", "crimea + - talks", "col:crimea", "{crimea}", "\x00crimea\x1b",
    "crimea 🇺🇦", "crimea" + " x" * 5000,
])
def test_search_survives_fts_syntax(store, text):
    hits, total = store.search(text)
    assert total >= 0


@pytest.mark.parametrize("text", ["", "   ", "()", '"', "***", "😀🔥", "\x00\x01", "“ ” ‘ ’ — …"])
def test_search_without_words_says_so(store, text):
    with pytest.raises(NoUsableWords):
        store.search(text)


# The store is only read, so sharing it between generated inputs is safe.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_search_never_raises_on_any_text(store, text):
    try:
        store.search(text)
        store.quotes_about(text)
    except NoUsableWords:
        pass
    store.find_people(text)


def test_match_expression_quotes_every_word():
    assert match_expression('NEAR("a" OR b*) c') == '"NEAR" "a" "OR" "b" "c"'
    assert len(match_expression("word " * 10_000).split()) <= 16


def test_brief_newest_and_nth(store):
    newest = store.brief()
    assert newest.title == "China's envoy tours Europe" and newest.published == "2024-05-05"
    assert [p.name for p in newest.people][:1] in (["Li Hui"], ["Alexis Tsipras"])
    assert newest.key_points and newest.key_points[0][1].document_id == newest.document_id
    assert store.brief(3).title == "Blinken meets allies in Brussels"
    assert store.brief(3).credits == ["Jane Roe"]
    assert store.brief(4) is None and store.brief(0) is None


def test_sources_newest_first(store):
    sources = store.sources()
    assert [s.title for s in sources] == ["China's envoy tours Europe", "Xi Jinping hosts Putin in Beijing",
                                          "Blinken meets allies in Brussels"]
    assert sources[0].people == 2 and sources[0].quotes == 2


def test_quiz_question_has_a_named_speaker_and_three_other_names(store):
    for seed in range(20):
        quote, others = store.quiz_question(random.Random(seed))
        assert quote.speaker and len(quote.text.split()) >= 4
        assert len(others) == 3 and quote.speaker not in others and len(set(others)) == 3


def test_quiz_needs_four_people(tmp_path, stand_in_extractor):
    from bot.build import build

    from .conftest import write_articles

    seeds = write_articles(tmp_path / "seeds")
    (seeds / "b_beijing.md").unlink()
    (seeds / "c_envoy.html").unlink()
    build(seeds, tmp_path / "small.db")
    assert Store(tmp_path / "small.db").quiz_question(random.Random(1)) is None


def test_summary_counts(store):
    summary = store.summary()
    assert summary["documents"] == 3 and summary["people"] == 6 and summary["quotes"] == 6
    assert summary["paragraphs"] > 0 and summary["built_at"] and summary["skipped"] == 0


def test_store_is_read_only(store, built):
    with pytest.raises(sqlite3.OperationalError):
        store._db().execute("delete from people")


def test_missing_store_is_reported(tmp_path):
    with pytest.raises(StoreNotBuilt):
        Store(tmp_path / "none.db")
