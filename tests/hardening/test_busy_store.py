"""A store kept busy - a reader's long transaction, another build - makes a build wait a bounded time
(store_files.STORE_WAIT_SECONDS), then fail with a clear line; the old store keeps serving and a later
build succeeds (issue 12 §1, item 5)."""
from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import bot.build.in_place as in_place
import bot.build.store_files as store_files
from bot.build import build
from bot.store.queries import Store

ROOT = Path(__file__).resolve().parents[2]
STORY = "{title}\n\nForeign Minister Chen Gang met envoys in {place} on Monday, officials said.\n"


def write_story(seeds: Path, name: str, place: str) -> None:
    (seeds / name).write_text(STORY.format(title=f"Talks in {place}", place=place), encoding="utf-8")


@pytest.fixture
def store(tmp_path) -> tuple[Path, Path]:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for place in ("Geneva", "Vienna", "Oslo"):
        write_story(seeds, f"{place.lower()}.txt", place)
    db = tmp_path / "briefing.db"
    build(seeds, db)
    return seeds, db


@pytest.fixture
def pinned_reader(store):
    """A reader in a transaction that started before an in-place update: the log holds frames it pins."""
    seeds, db = store
    reader = sqlite3.connect(db)
    reader.execute("begin")
    assert reader.execute("select count(*) from documents").fetchone() == (3,)
    write_story(seeds, "geneva.txt", "Bern")
    assert build(seeds, db).documents == 3  # in place: readers do not stop it
    assert os.path.getsize(f"{db}-wal") > 0
    yield reader
    reader.close()


def short_wait(monkeypatch, seconds: float = 0.5) -> None:
    monkeypatch.setattr(store_files, "STORE_WAIT_SECONDS", seconds)
    monkeypatch.setattr(in_place, "STORE_WAIT_SECONDS", seconds)


def test_a_full_build_under_a_long_read_fails_clearly_and_the_old_store_serves(store, pinned_reader, monkeypatch):
    from bot.build import StoreBusy

    seeds, db = store
    short_wait(monkeypatch)
    write_story(seeds, "lima.txt", "Lima")
    with pytest.raises(StoreBusy, match="a reader has held a transaction on it for over 0.5 s"):
        build(seeds, db, incremental=False)
    assert Store(db).summary()["documents"] == 3
    assert pinned_reader.execute("select count(*) from documents").fetchone() == (3,)
    assert [p.name for p in db.parent.iterdir() if p.name.endswith(".building")] == []
    pinned_reader.rollback()
    assert build(seeds, db, incremental=False).documents == 4


def test_the_cli_says_so_in_one_line_and_exits_1(store, pinned_reader, tmp_path):
    seeds, db = store
    write_story(seeds, "lima.txt", "Lima")
    script = ("import sys, bot.build.store_files as s, bot.build.in_place as p; s.STORE_WAIT_SECONDS = 0.5; "
              "p.INCREMENTAL_MIN_FILES = 0; p.INCREMENTAL_SHARE = 0; from bot.frontends.cli import main; "
              f"sys.exit(main(['build', '--seeds', {str(seeds)!r}, '--db', {str(db)!r}, '--quiet']))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert result.stderr.startswith(f"briefbot: not built: {db} is busy: a reader has held a transaction"), result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert Store(db).summary()["documents"] == 3


def test_another_build_holding_the_store_makes_this_one_wait_then_fail(store, monkeypatch):
    from bot.build import StoreBusy

    seeds, db = store
    short_wait(monkeypatch)
    write_story(seeds, "lima.txt", "Lima")
    held = os.open(db.parent, os.O_RDONLY)  # what a running build holds (store_files.store_lock)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(StoreBusy, match="another build"):
            build(seeds, db)
    finally:
        os.close(held)
    assert build(seeds, db).documents == 4


def test_another_writer_holding_sqlites_lock_makes_an_update_fail_clearly(store, monkeypatch):
    from bot.build import StoreBusy

    seeds, db = store
    short_wait(monkeypatch)
    write_story(seeds, "lima.txt", "Lima")
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("begin immediate")
    try:
        with pytest.raises(StoreBusy, match="another writer"):
            build(seeds, db)
    finally:
        writer.execute("rollback")
        writer.close()
    assert Store(db).summary()["documents"] == 3
    assert build(seeds, db).documents == 4


def test_make_run_starts_on_the_old_store_when_its_build_fails(store, pinned_reader, tmp_path):
    """`briefbot start` (make run): the build cannot swap in a new store, the bot starts on the old one."""
    seeds, db = store
    write_story(seeds, "lima.txt", "Lima")
    script = ("import sys, bot.build.store_files as s, bot.build.in_place as p; s.STORE_WAIT_SECONDS = 0.5; "
              "p.INCREMENTAL_MIN_FILES = 0; p.INCREMENTAL_SHARE = 0; from bot.frontends.cli import main; "
              "sys.exit(main(['start']))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                            input="/sources\n", env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                                     "SEEDS_DIR": str(seeds), "BRIEFING_DB": str(db),
                                                     "STATE_DB": str(tmp_path / "state.db")})
    assert result.returncode == 0, result.stderr
    assert "is busy" in result.stderr and f"starting with the store as it was ({db})" in result.stderr
    assert "Talks in Bern" in result.stdout and "Talks in Lima" not in result.stdout
