"""The store built from the real seed article with the real extractor."""
import gc

import pytest

import bot.store.queries
from bot.build import build
from bot.store.queries import Store
from bot.store.search_text import HIGHLIGHT_START


@pytest.fixture
def seed_store(seed_folder, tmp_path):
    build(seed_folder, tmp_path / "briefing.db")
    return Store(tmp_path / "briefing.db")


def sampled_store(seed_folder, path, monkeypatch, sample: int) -> Store:
    """The seed store built with the share of words counted over only the newest `sample` rows."""
    with monkeypatch.context() as patch:
        patch.setattr(bot.store.queries, "SAMPLE", sample)
        build(seed_folder, path)
    return Store(path)


def test_who_finds_blinken_with_alias_role_and_quotes(seed_store):
    match = seed_store.find_people("blinkin")[0]
    card = seed_store.person_card(match.id)
    assert card.name == "Anthony J. Blinken"
    assert "Mr. Blinken" in card.aliases
    assert "secretary of state" in card.role.lower()
    assert len(card.quotes) == 3 and all(q.speaker == "Anthony J. Blinken" for q in card.quotes)


@pytest.mark.parametrize("asked, found", [("haines", "Avril D. Haines"), ("Xi", "Xi Jinping"),
                                          ("zelenski", "Volodymyr Zelensky"), ("Milley", "Mark A. Milley")])
def test_fuzzy_names_on_the_seed(seed_store, asked, found):
    assert seed_store.find_people(asked)[0].name == found


def test_seed_quotes_search_and_brief(seed_store):
    assert seed_store.summary()["quotes"] >= 17
    hits, total = seed_store.search("Crimea")
    assert total >= 3 and HIGHLIGHT_START in hits[0].snippet
    brief = seed_store.brief()
    assert brief.credits == ["Julian E Barnes", "Stephen Erlanger"]
    assert brief.key_points and brief.people and brief.quotes


def test_quiz_distractors_are_people_of_the_news_not_the_bylines_reporters(seed_store):
    import random

    for seed in range(30):
        _, others = seed_store.quiz_question(random.Random(seed))
        assert not {"Julian E Barnes", "Stephen Erlanger"} & set(others)


# ---- common words (counted on the newest rows: SAMPLE is made small so that 37 paragraphs count) ----

def _paragraphs_with(store, word: str) -> set[int]:
    return {r[0] for r in store._rows("select rowid from paragraphs_fts where paragraphs_fts match ?", f'"{word}"')}


def test_a_word_in_most_paragraphs_is_left_out_and_the_rest_come_newest_first(seed_folder, tmp_path, monkeypatch):
    seed_store = sampled_store(seed_folder, tmp_path / "sampled.db", monkeypatch, 20)
    monkeypatch.setattr(bot.store.queries, "RANK_ROWS", 2)  # "crimea" is in 3 paragraphs: too many to rank
    plan = seed_store.search_plan("the crimea")
    assert plan.terms == ["crimea"] and plan.ignored == ["the"] and not plan.best_first
    hits, total = seed_store.search("the crimea", 0, 10)
    assert total == len(_paragraphs_with(seed_store, "crimea")) == 3
    assert [h.source.paragraph for h in hits] == [35, 34, 33]  # newest (last added) first
    assert seed_store.search_plan("the").terms == ["the"]  # nothing else to look for: kept


def test_without_common_words_every_word_is_required_and_ranked(seed_store):
    plan = seed_store.search_plan("the crimea")  # 37 paragraphs: no word is measured as common
    assert plan.terms == ["the", "crimea"] and plan.ignored == [] and plan.best_first
    hits, total = seed_store.search("the crimea", 0, 10)
    assert total == len(_paragraphs_with(seed_store, "the") & _paragraphs_with(seed_store, "crimea"))
    assert [h.rank for h in hits] == sorted((h.rank for h in hits), reverse=True) and hits[0].rank > 0


@pytest.mark.parametrize("sample, window", [(20, 500), (10_000, 500), (10_000, 4)])
def test_pages_cover_every_match_once_with_the_right_total(seed_folder, tmp_path, monkeypatch, sample, window):
    seed_store = sampled_store(seed_folder, tmp_path / "sampled.db", monkeypatch, sample)
    monkeypatch.setattr(bot.store.queries, "RANKED_WINDOW", window)
    wanted = _paragraphs_with(seed_store, "the")
    seen = []
    for offset in range(0, len(wanted) + 10, 3):
        hits, total = seed_store.search("the", offset, 3)
        assert total == len(wanted), offset
        seen += [(h.source.document_id, h.source.paragraph) for h in hits]
    first = dict(seed_store._rows("select id, first_paragraph from documents"))
    assert sorted(first[document] + paragraph for document, paragraph in seen) == sorted(wanted)


def test_the_answer_says_which_words_were_left_out_and_the_order(seed_folder, tmp_path, monkeypatch):
    from bot.answers.commands import CommandCore

    monkeypatch.setattr(bot.store.queries, "RANK_ROWS", 2)
    text = CommandCore(sampled_store(seed_folder, tmp_path / "20.db", monkeypatch, 20)).answer("search", "the crimea").html
    assert "newest first" in text and "<i>Left out as too common: the</i>" in text
    seed_store = sampled_store(seed_folder, tmp_path / "10.db", monkeypatch, 10)  # the seed has 19 quotations
    quotes = CommandCore(seed_store).answer("quotes", "the support").html
    assert "Left out as too common: the" in quotes and "(1–2 of 2)" in quotes
    assert "Left out" not in CommandCore(seed_store).answer("search", "crimea").html


def test_when_no_paragraph_has_all_the_words_those_with_some_of_them_come(seed_store):
    from bot.answers.commands import CommandCore

    core = CommandCore(seed_store)
    text = core.answer("search", "crimea zebra").html
    assert "(1–3 of 3, best first; none has all the words, these have some)" in text and "<b>Crimea</b>" in text
    assert core.answer("search", "zebra quokka").html == "Nothing in the store matches “zebra quokka”."
    assert "none has all" not in core.answer("search", "crimea").html  # one word: nothing to fall back to
    hits, total = seed_store.search("crimea zebra")
    assert (hits, total) == ([], 0)  # the store's own search keeps every word required


def test_a_total_counted_to_the_cap_reads_as_more(seed_store, monkeypatch):
    from bot.answers import render
    from bot.answers.commands import CommandCore

    monkeypatch.setattr(bot.store.queries, "COUNT_CAP", 4)
    monkeypatch.setattr(render, "COUNT_CAP", 4)
    monkeypatch.setattr(bot.store.queries, "RANKED_WINDOW", 2)  # a full window: the rest is counted, not seen
    hits, total = seed_store.search("the", 0, 3)
    assert total == 4  # counted up to the cap
    assert "(1–5 of 5+, best first)" in CommandCore(seed_store).answer("search", "the").html  # a page of 5 shown
    assert "(1–3 of 3," in CommandCore(seed_store).answer("search", "crimea").html  # below the cap: exact


@pytest.mark.parametrize("read_rows, verify_rows", [(12, 0), (0, 2)])  # both words read; the rarest read, checked
def test_words_all_in_many_rows_are_looked_for_in_the_newest_rows_only(seed_store, monkeypatch, read_rows, verify_rows):
    from bot.answers.commands import CommandCore

    the, ukraine = _paragraphs_with(seed_store, "the"), _paragraphs_with(seed_store, "ukraine")
    both = sorted(the & ukraine)
    monkeypatch.setattr(bot.store.queries, "WALK_STEPS", 4)  # a step per row of the rarest word, one other word
    monkeypatch.setattr(bot.store.queries, "READ_ROWS", read_rows)
    monkeypatch.setattr(bot.store.queries, "VERIFY_ROWS", verify_rows)
    plan = seed_store.search_plan("the ukraine")
    newest = seed_store._rows("select max(rowid) from paragraphs_fts")[0][0]
    assert plan.newest_rows == int(newest * max(read_rows / (len(the) + len(ukraine)), verify_rows / len(ukraine))) > 0
    hits, total = seed_store.search("the ukraine", 0, 50)
    within = [r for r in both if r > newest - plan.newest_rows]
    assert total == len(within) < len(both)
    first = dict(seed_store._rows("select id, first_paragraph from documents"))
    assert sorted(first[h.source.document_id] + h.source.paragraph for h in hits) == within
    text = CommandCore(seed_store).answer("search", "the ukraine").html
    assert f"in the newest {plan.newest_rows:,} paragraphs" in text
    assert seed_store.search_plan("ukraine").newest_rows == 0  # one word: its newest rows come first anyway


def test_rows_read_by_the_thousand_leave_the_garbage_collector_nothing_to_count(seed_store):
    """Searches read their rowids a row at a time: thousands of row objects held at once would set off
    Python's collector every question or two, and its full passes cost 10-20 ms in a bot's process."""
    sql = "with recursive n(x) as (select 1 union all select x + 1 from n where x < 10000) select x from n"
    gc.disable()
    try:
        gc.collect()  # the count of objects allocated since, less those freed, starts at 0
        rowids = seed_store._column(sql)
        allocated = gc.get_count()[0]
    finally:
        gc.enable()
    assert rowids == list(range(1, 10_001)) and allocated < 100


def test_in_the_newest_rows_the_rarest_words_rows_are_checked_for_each_other_word(seed_store, monkeypatch):
    """Each other word is looked up at the rows left, one word at a time (an AND of them, given rowids,
    would make FTS5 walk the whole index): the same rows as reading every word's rows."""
    words = ["said", "ukraine", "and"]  # in 13, 19 and 21 paragraphs
    rows = [_paragraphs_with(seed_store, word) for word in words]
    monkeypatch.setattr(bot.store.queries, "WALK_STEPS", 4)
    monkeypatch.setattr(bot.store.queries, "READ_ROWS", 0)  # the rarest word's rows only, the others looked up there
    monkeypatch.setattr(bot.store.queries, "VERIFY_ROWS", 10)
    plan = seed_store.search_plan(" ".join(words))
    newest = seed_store._rows("select max(rowid) from paragraphs_fts")[0][0]
    window = {r for r in rows[0] if r > newest - plan.newest_rows}
    within = sorted(window & rows[1] & rows[2])
    assert plan.newest_rows and 1 < len(within) < len(window & rows[1])  # the last word leaves some out
    hits, total = seed_store.search(" ".join(words), 0, 50)
    first = dict(seed_store._rows("select id, first_paragraph from documents"))
    assert total == len(within)
    assert sorted(first[h.source.document_id] + h.source.paragraph for h in hits) == within
