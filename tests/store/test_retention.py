"""Retention: the documents older than a date leave the folder and the store at once, in place, and
the store is then what a clean build of the remaining files gives."""
import sqlite3

import pytest

import bot.build.in_place as in_place
from bot.build import build
from bot.build.retention import DAY, drop_documents_before, keep_days
from bot.store.queries import Store

from .test_incremental import assert_same_store, canonical, clean_build, synthetic  # noqa: F401 - a fixture


def dates(db) -> list[int]:
    conn = sqlite3.connect(db)
    try:
        return sorted(d for (d,) in conn.execute("select sort_date from documents"))
    finally:
        conn.close()


def test_documents_before_the_cutoff_leave_the_folder_and_the_store_in_place(synthetic, tmp_path):  # noqa: F811
    db = tmp_path / "briefing.db"
    build(synthetic, db, workers=1)
    before = dates(db)
    cutoff = before[len(before) // 3]
    reader = Store(db)
    snapshot = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    snapshot.execute("begin")
    assert snapshot.execute("select count(*) from documents").fetchone() == (len(before),)
    inode = db.stat().st_ino
    report = drop_documents_before(synthetic, db, cutoff)
    assert db.stat().st_ino == inode  # in place, not a new file
    kept = [d for d in before if d >= cutoff]
    assert report.documents == len(kept) and dates(db) == kept
    assert len(list(synthetic.iterdir())) == len(kept)
    # A reader in the middle of a transaction keeps its snapshot; the next question sees all of it.
    assert snapshot.execute("select count(*) from documents").fetchone() == (len(before),)
    snapshot.close()
    assert reader.summary()["documents"] == len(kept)
    assert_same_store(db, clean_build(synthetic, tmp_path))
    assert build(synthetic, db).unchanged


def test_keep_days_counts_back_from_now(synthetic, tmp_path):  # noqa: F811
    db = tmp_path / "briefing.db"
    build(synthetic, db, workers=1)
    newest = dates(db)[-1]
    report = keep_days(synthetic, db, 30, now=newest + 10 * DAY)
    assert report.documents == len([d for d in dates(db) if d >= newest - 20 * DAY]) >= 1
    assert all(d >= newest - 20 * DAY for d in dates(db))


def test_a_failed_drop_leaves_the_store_whole_and_the_next_build_finishes_it(synthetic, tmp_path, monkeypatch):  # noqa: F811
    db = tmp_path / "briefing.db"
    build(synthetic, db, workers=1)
    before = canonical(db)
    cutoff = dates(db)[10]

    def failing(*args):  # after the documents' rows are deleted: a late failure
        raise OSError("disk full")

    monkeypatch.setattr(in_place, "update_shares", failing)
    with pytest.raises(OSError, match="disk full"):
        drop_documents_before(synthetic, db, cutoff)
    assert canonical(db) == before  # nothing of it was committed
    monkeypatch.undo()
    report = build(synthetic, db)  # the files are gone: the next build removes their documents
    assert not report.unchanged and dates(db) == [d for d in dates(db) if d >= cutoff]
    assert_same_store(db, clean_build(synthetic, tmp_path))
