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


def test_briefbot_prune_lists_with_dry_run_then_deletes_and_updates_the_store(synthetic, tmp_path):  # noqa: F811
    import time

    from .test_cli import briefbot

    db = tmp_path / "briefing.db"
    build(synthetic, db, workers=1)
    files = sorted(synthetic.iterdir())
    before = dates(db)
    days = int((time.time() - before[len(before) // 2]) / DAY)  # about half of them are older
    conn = sqlite3.connect(db)
    old = {synthetic / path for (path,) in conn.execute("select path from documents where sort_date < ?",
                                                        (int(time.time() - days * DAY),))}
    conn.close()
    assert 0 < len(old) < len(files)
    listed = briefbot("prune", days, "--dry-run", "--seeds", synthetic, "--db", db)
    assert listed.returncode == 0, listed.stderr
    assert f"{len(old)} documents dated more than {days} days ago would go" in listed.stdout
    assert "nothing changed" in listed.stdout and sorted(synthetic.iterdir()) == files and dates(db) == before
    pruned = briefbot("prune", days, "--seeds", synthetic, "--db", db)
    assert pruned.returncode == 0, pruned.stderr
    assert sorted(synthetic.iterdir()) == [p for p in files if p not in old]
    assert Store(db).summary()["documents"] == len(files) - len(old)
    not_a_store = tmp_path / "notes.txt"
    not_a_store.write_text("my notes\n")
    refused = briefbot("prune", "0", "--seeds", synthetic, "--db", not_a_store)
    assert refused.returncode == 1 and "not a Briefbot store" in refused.stderr
    assert sorted(synthetic.iterdir()) == [p for p in files if p not in old]
