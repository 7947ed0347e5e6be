"""`briefbot build` killed with SIGKILL halfway: the old store keeps serving, whole; the next build
finishes, removes what the killed one left behind, and gives the same store as a clean build."""
from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from pathlib import Path

from bot.build import build
from tests.bot.conftest import SEED

DOCUMENTS = 200  # about two seconds of building: the kill lands well inside it
KILL_AT = 40
TABLES = ["documents", "document_texts", "people", "person_documents", "quotes", "key_points"]


def write_seeds(folder: Path, count: int) -> None:
    """Copies of the seed article, each with its own last paragraph (so its own content hash)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = SEED.read_text(encoding="utf-8")
    for n in range(count):
        (folder / f"{n:04}.txt").write_text(f"{text}\n\nCorrection {n}: an earlier version misstated the date.\n",
                                            encoding="utf-8")


def whole(db: Path) -> dict[str, int]:
    """The store's row counts, after SQLite found the file sound."""
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as conn:
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".building"))


async def build_killed_midway(seeds: Path, db: Path) -> None:
    """Start `briefbot build` and SIGKILL it once its progress line passes KILL_AT files."""
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "briefbot"), "build", "--seeds", str(seeds), "--db", str(db),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, cwd=db.parent)
    seen = b""
    try:
        while True:
            chunk = await asyncio.wait_for(process.stderr.read(256), timeout=60)
            assert chunk, f"the build ended before it could be killed: {seen[-300:]!r}"
            seen += chunk
            counts = [int(part.split(b"/")[0]) for part in seen.split(b"reading ")[1:] if b"/" in part]
            if counts and counts[-1] >= KILL_AT:
                break
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    assert process.returncode == -signal.SIGKILL
    assert f"/{DOCUMENTS}".encode() in seen and f"{DOCUMENTS}/{DOCUMENTS}".encode() not in seen


async def test_a_build_killed_midway_leaves_the_old_store_whole_and_the_next_build_completes(tmp_path):
    seeds, db = tmp_path / "seeds", tmp_path / "briefing.db"
    write_seeds(seeds, 1)
    build(seeds, db)
    before = whole(db)
    write_seeds(seeds, DOCUMENTS)

    await build_killed_midway(seeds, db)
    assert whole(db) == before  # the killed build never touched the serving store
    assert len(leftovers(tmp_path)) == 1  # its half-written temp file

    report = build(seeds, db)
    assert not report.unchanged and report.documents == DOCUMENTS
    assert leftovers(tmp_path) == []
    clean = tmp_path / "clean"
    clean.mkdir()
    build(seeds, clean / "briefing.db")
    assert whole(db) == whole(clean / "briefing.db")
    assert whole(db)["documents"] == DOCUMENTS


def test_a_running_build_keeps_its_temp_file_from_a_concurrent_one(tmp_path, monkeypatch):
    """Cleaning up must not delete the temp file of a build still running (e.g. an admin's upload
    rebuilding while `briefbot build` runs): only files no build holds are removed."""
    import bot.build.full_build as store

    seeds, db = tmp_path / "seeds", tmp_path / "briefing.db"
    write_seeds(seeds, 2)
    inner_leftovers = []
    real_write = store.write_store

    def write_then_build_again(temp_path, *args):
        report = real_write(temp_path, *args)
        (seeds / "extra.txt").write_text("Another story\n\nMayor Ivan Brodsky opened a bridge.\n")
        monkeypatch.setattr(store, "write_store", real_write)
        build(seeds, tmp_path / "briefing.db")  # a second build while the first holds its temp file
        inner_leftovers.extend(leftovers(tmp_path))
        (seeds / "extra.txt").unlink()
        return report

    monkeypatch.setattr(store, "write_store", write_then_build_again)
    build(seeds, db)  # the outer build's rename succeeds: its temp file was left alone
    assert len(inner_leftovers) == 1 and leftovers(tmp_path) == []
    assert whole(db)["documents"] == 2
