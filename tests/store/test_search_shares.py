"""The counts of words in the newest rows (search_shares), kept up to date in place, are what a count
of the store's own newest rows gives."""
import shutil
import sqlite3

import pytest

import bot.store.queries
from bot.build import build
from bot.build.search_shares import count_shares

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


@pytest.mark.parametrize("sample", [60, 400])
def test_counts_follow_rows_added_removed_and_changed(synthetic, tmp_path, monkeypatch, sample):  # noqa: F811
    monkeypatch.setattr(bot.store.queries, "SAMPLE", sample)
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
