"""Every seed file has a time budget: a file that takes too long to read and extract is skipped with
its reason, never a hung build - in this process (main thread or not) and in the worker pool, where a
worker deaf to the alarm is killed and replaced (issue 12 §1, item 4). The only timings asserted are
generous upper bounds (pytest-timeout ends a hung test)."""
from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import bot.build.workers as workers
import bot.extract
from bot.build import build
from tests.hardening.slow_extract import slow_or_stuck

ROOT = Path(__file__).resolve().parents[2]
BUDGET = 1.0


def story(n: int, marker: str = "") -> str:
    return f"Story number {n}\n\nThe council met on day {n} and agreed a budget. {marker}\n"


@pytest.fixture
def slow_extractor(monkeypatch):
    monkeypatch.setattr(bot.extract, "extract", slow_or_stuck)


def make_seeds(folder: Path, count: int, markers: dict[int, str]) -> Path:
    folder.mkdir()
    for n in range(count):
        (folder / f"{n:03d}.txt").write_text(story(n, markers.get(n, "")), encoding="utf-8")
    return folder


def stored_paths(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [p for (p,) in conn.execute("select path from documents order by id")]


def test_a_slow_file_is_skipped_in_this_process(tmp_path, slow_extractor):
    seeds = make_seeds(tmp_path / "seeds", 3, {1: "SLOW"})
    report = build(seeds, tmp_path / "briefing.db", workers=1, file_seconds=BUDGET)
    assert [(Path(s.path).name, s.reason) for s in report.skipped] == [
        ("001.txt", "took longer than 1 s to read and extract (the limit is BUILD_FILE_SECONDS)")]
    assert stored_paths(tmp_path / "briefing.db") == ["000.txt", "002.txt"]


def test_a_slow_file_is_skipped_when_the_build_runs_in_a_thread(tmp_path, slow_extractor):
    """As the bot rebuilds after an upload (asyncio.to_thread): no SIGALRM outside the main thread."""
    seeds = make_seeds(tmp_path / "seeds", 3, {0: "SLOW"})
    reports = []
    worker = threading.Thread(target=lambda: reports.append(build(seeds, tmp_path / "briefing.db", file_seconds=BUDGET)))
    worker.start()
    worker.join(120)
    assert not worker.is_alive()
    assert [Path(s.path).name for s in reports[0].skipped] == ["000.txt"]
    assert "took longer than 1 s" in reports[0].skipped[0].reason
    # and an incremental update in a thread: the slow file changed, another one added
    (seeds / "000.txt").write_text(story(0, "SLOW again"), encoding="utf-8")
    (seeds / "003.txt").write_text(story(3), encoding="utf-8")
    worker = threading.Thread(target=lambda: reports.append(build(seeds, tmp_path / "briefing.db", file_seconds=BUDGET)))
    worker.start()
    worker.join(120)
    assert [Path(s.path).name for s in reports[1].skipped] == ["000.txt"] and reports[1].documents == 3


@pytest.mark.parametrize("start_method", ["fork", "forkserver"])
@pytest.mark.parametrize("marker", ["SLOW", "HANG"])
def test_a_slow_or_stuck_file_is_skipped_by_the_pool_which_keeps_its_order(tmp_path, slow_extractor, monkeypatch,
                                                                           start_method, marker):
    """SLOW: the alarm inside the worker ends it. HANG: the worker ignores the alarm; the backstop kills
    and replaces it, and the rest of its chunk is read by the new worker."""
    monkeypatch.setattr(workers, "pool_context", lambda: multiprocessing.get_context(start_method))
    count = 3 * workers.CHUNK_SIZE + 5
    seeds = make_seeds(tmp_path / "seeds", count, {20: marker, 40: marker})
    report = build(seeds, tmp_path / "briefing.db", workers=2, file_seconds=BUDGET)
    assert [Path(s.path).name for s in report.skipped] == ["020.txt", "040.txt"]
    for skipped in report.skipped:
        assert skipped.reason.startswith("took longer than 1 s to read and extract")
        if marker == "HANG":
            assert skipped.reason.endswith("its worker did not stop and was replaced")
    assert stored_paths(tmp_path / "briefing.db") == [f"{n:03d}.txt" for n in range(count) if n not in {20, 40}]


def test_the_pool_hands_out_chunks_only_within_its_memory_bound(tmp_path, slow_extractor, monkeypatch):
    monkeypatch.setattr(workers, "pool_context", lambda: multiprocessing.get_context("fork"))
    given: list[int] = []
    real_give = workers._Worker.give
    monkeypatch.setattr(workers._Worker, "give", lambda self, chunk, first, items: (
        given.append(chunk), real_give(self, chunk, first, items))[1])
    count = 20 * workers.CHUNK_SIZE
    seeds = make_seeds(tmp_path / "seeds", count, {})
    items = [(seeds / f"{n:03d}.txt", f"{n:03d}.txt", "x") for n in range(count)]
    limit = 2 * workers.CHUNKS_IN_FLIGHT
    for n, prepared in enumerate(workers.prepared_files(items, tmp_path / "none.db", "v", 2)):
        assert prepared.rel == f"{n:03d}.txt"
        assert max(given) < n // workers.CHUNK_SIZE + limit
    assert sorted(given) == list(range(20))


def test_the_budget_is_a_setting_of_the_cli(tmp_path):
    seeds = make_seeds(tmp_path / "seeds", 2, {1: "SLOW"})
    script = ("import sys, bot.extract; from tests.hardening.slow_extract import slow_or_stuck; "
              "bot.extract.extract = slow_or_stuck; from bot.frontends.cli import main; "
              f"sys.exit(main(['build', '--seeds', {str(seeds)!r}, '--db', {str(tmp_path / 'b.db')!r}, '--quiet']))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "BUILD_FILE_SECONDS": "1"})
    assert result.returncode == 2, result.stderr
    assert f"skipped {seeds}/001.txt: took longer than 1 s to read and extract" in result.stderr
    assert "1 documents" in result.stdout
