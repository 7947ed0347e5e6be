"""`briefbot build --db PATH` replaces PATH only when it is a Briefbot store, an empty file or nothing:
state.db with its subscriptions, a seed article, any other file or a folder is refused with a line
that says what it is, and left byte for byte as it was (issue 12 §1, item 2)."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.build import build
from bot.delivery.state import StateStore

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_7c73074e746b7734.txt"


def briefbot(*args, cwd=ROOT, env=None, input=None):
    return subprocess.run([sys.executable, "-m", "bot.frontends.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=120, input=input,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **(env or {})})


@pytest.fixture
def seeds(tmp_path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / SEED.name).write_bytes(SEED.read_bytes())
    return folder


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_state(path: Path) -> Path:
    state = StateStore(path)
    state.subscribe(42, "07:30", "Europe/Kyiv")
    state.close()
    return path


def make_other_sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("create table invoices (id integer primary key, total real)")
        conn.execute("insert into invoices values (1, 9.5)")
    return path


def write(data: bytes):
    def make(path: Path) -> Path:
        path.write_bytes(data)
        return path
    return make


@pytest.mark.parametrize("make, says", [
    (make_state, "is not a Briefbot store but Briefbot's state.db (subscriptions and chat settings)"),
    (write(SEED.read_bytes()), "is not a Briefbot store but a text file (it begins “US officials said"),
    (write(b"hello\n"), "is not a Briefbot store but a text file (it begins “hello…”)"),
    (write(b"\x89PNG\r\n\x1a\n\x00\x00binary"), "is not a Briefbot store but binary data"),
    (make_other_sqlite, "is not a Briefbot store but an SQLite database of another kind (tables: invoices)"),
], ids=["state.db", "seed article", "text", "binary", "other sqlite"])
def test_a_file_that_is_not_a_store_is_refused_and_left_as_it_was(seeds, tmp_path, make, says):
    target = make(tmp_path / "target.db")
    before = fingerprint(target)
    result = briefbot("build", "--seeds", seeds, "--db", target, "--quiet")
    assert result.returncode == 1
    assert result.stderr.startswith(f"briefbot: not built: {target} {says}"), result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert fingerprint(target) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".target")] == []  # no temp file left
    if make is make_state:
        assert StateStore(target).subscription(42) is not None


def test_the_bots_own_rebuild_refuses_state_db_too(seeds, tmp_path):
    """The upload handler and `make run` call the same build(): pointing the store at state.db keeps every
    subscription."""
    state = make_state(tmp_path / "state.db")
    before = fingerprint(state)
    from bot.build import NotAStore

    with pytest.raises(NotAStore, match="state.db"):
        build(seeds, state)
    assert fingerprint(state) == before
    started = briefbot("start", cwd=tmp_path, input="", env={
        "SEEDS_DIR": str(seeds), "BRIEFING_DB": str(state), "STATE_DB": str(tmp_path / "other-state.db")})
    assert started.returncode == 1 and "not a Briefbot store" in started.stderr and "Traceback" not in started.stderr
    assert fingerprint(state) == before and StateStore(state).subscription(42) is not None


def test_folders_fifos_and_unmakeable_places_are_clear_errors(seeds, tmp_path):
    (tmp_path / "folder.db").mkdir()
    os.mkfifo(tmp_path / "pipe.db")
    (tmp_path / "a_file").write_text("not a folder")
    cases = [(tmp_path / "folder.db", "is a folder, not a store file"),
             (tmp_path / "pipe.db", "is a FIFO (named pipe), not a store file"),
             (tmp_path / "a_file" / "briefing.db", "the store's folder"),
             (Path("/proc/briefing.db"), "")]
    for target, says in cases:
        result = briefbot("build", "--seeds", seeds, "--db", target, "--quiet")
        assert result.returncode == 1, (target, result.stdout)
        assert result.stderr.startswith("briefbot: ") and says in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert (tmp_path / "folder.db").is_dir() and list((tmp_path / "folder.db").iterdir()) == []
    assert (tmp_path / "a_file").read_text() == "not a folder"


def test_an_empty_file_an_absent_one_and_a_store_are_built(seeds, tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    for target in (empty, tmp_path / "new" / "briefing.db"):
        result = briefbot("build", "--seeds", seeds, "--db", target, "--quiet")
        assert result.returncode == 0, result.stderr
        assert "1 documents" in result.stdout
    (seeds / "more.txt").write_text("Another story\n\nThe minister said talks would resume.\n", encoding="utf-8")
    again = briefbot("build", "--seeds", seeds, "--db", empty, "--quiet")
    assert again.returncode == 0 and "2 documents" in again.stdout
