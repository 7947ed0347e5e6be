"""The counts of words in the newest rows (search_shares), kept up to date in place, are what a count
of the store's own newest rows gives; the words of few rows it leaves out are counted in the index alike."""
import re
import shutil
import sqlite3

import pytest

import bot.store.queries
from bot.build import build
from bot.build.search_shares import count_shares
from bot.store.queries import Store
from bot.store.schema import SEARCH_TABLES

from .test_incremental import synthetic  # noqa: F401 - the fixture


def shares(db) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return sorted(conn.execute("select * from search_shares").fetchall())
    finally:
        conn.close()


def recounted(db, tmp_path) -> list[tuple]:
    copy = sqlite3.connect(":memory:", isolation_level=None)
    source = sqlite3.connect(db)
    source.backup(copy)  # the committed store, its log included
    source.close()
    copy.execute("begin")
    count_shares(copy)
    copy.execute("commit")
    counted = sorted(copy.execute("select * from search_shares").fetchall())
    copy.close()
    return counted


@pytest.mark.parametrize("sample, few_rows", [(60, 0), (400, 0), (60, 40), (400, 12)])
def test_counts_follow_rows_added_removed_and_changed(synthetic, tmp_path, monkeypatch, sample, few_rows):  # noqa: F811
    monkeypatch.setattr(bot.store.queries, "SAMPLE", sample)
    monkeypatch.setattr(bot.store.queries, "FEW_ROWS", few_rows)
    files = sorted(synthetic.iterdir())
    spare = tmp_path / "spare"
    spare.mkdir()
    for path in files[30:]:
        shutil.move(path, spare / path.name)
    db = tmp_path / "briefing.db"
    build(synthetic, db, workers=1)
    assert shares(db) and shares(db) == recounted(db, tmp_path)
    later = sorted(spare.iterdir())
    steps = [
        lambda: shutil.move(later[0], synthetic / later[0].name),  # newest rows come in, the oldest leave
        lambda: (synthetic / later[0].name).unlink(),  # the newest rows go: older ones come back in
        lambda: files[3].write_text(files[3].read_text(encoding="utf-8") + "\n“We will see,” a spokesman said.\n",
                                    encoding="utf-8"),
        lambda: [shutil.move(p, synthetic / p.name) for p in later[1:5]],
        lambda: [(synthetic / p.name).unlink() for p in later[2:4]] and files[5].unlink(),
    ]
    for step in steps:
        step()
        report = build(synthetic, db)
        assert not report.unchanged
        assert shares(db) == recounted(db, tmp_path), steps.index(step)


def test_words_of_few_rows_are_left_out_and_counted_in_the_index_alike(synthetic, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr(bot.store.queries, "SAMPLE", 400)  # most words in none of the newest rows, some in many
    every, few = tmp_path / "every.db", tmp_path / "few.db"
    with monkeypatch.context() as patch:
        patch.setattr(bot.store.queries, "FEW_ROWS", 0)
        build(synthetic, every, workers=1)
    build(synthetic, few, workers=1)
    kept = shares(few)
    assert kept and all(total > bot.store.queries.FEW_ROWS for *_, total in kept)
    assert set(kept) < set(shares(every)) and len(kept) < len(shares(every)) / 2
    words = sorted({word.lower() for path in synthetic.iterdir()
                    for word in re.findall(r"\w+", path.read_text(encoding="utf-8"))}) + ["zyzzyva"]
    for table in SEARCH_TABLES:
        assert Store(few)._shares_of(table, words) == Store(every)._shares_of(table, words)


def test_searches_weigh_a_word_left_out_by_its_rows(synthetic, tmp_path, monkeypatch):  # noqa: F811
    """RANK_ROWS weighs every word's rows: a word of few rows counts as many as it has, not as none."""
    db = tmp_path / "briefing.db"
    build(synthetic, db, workers=1)
    store = Store(db)
    (said, common), (rare, few) = store._shares_of("paragraphs_fts", ["said", "war"])
    assert 0 < few <= bot.store.queries.FEW_ROWS < common
    monkeypatch.setattr(bot.store.queries, "RANK_ROWS", common + few - 1)
    assert not store.search_plan("said war").best_first
    monkeypatch.setattr(bot.store.queries, "RANK_ROWS", common + few)
    assert store.search_plan("said war").best_first
