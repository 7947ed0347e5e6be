"""The bot's upkeep of the search indexes: segments that in-place updates piled up are merged back into
one per index, slice by slice, at most daily, without changing an answer or holding up the builds."""
from __future__ import annotations

import asyncio
import logging
import random
import sqlite3

import pytest

import bot.build.in_place as in_place
from bot.build import build
from bot.build.report import StoreBusy
from bot.build.search_segments import (
    MAX_SEGMENTS,
    merge_all_segments,
    needs_compacting,
    segments,
)
from bot.store.queries import Store
from bot.store.schema import SEARCH_TABLES
from handlers import upkeep
from handlers.upkeep import SearchUpkeep

TOWNS = ["Harwick", "Dunmore", "Selby", "Ashford", "Corran", "Bellport", "Kestrel", "Marlow"]


def article(n: int) -> str:
    town = TOWNS[n % len(TOWNS)]
    rng = random.Random(n)
    notes = "\n\n".join(" ".join("".join(rng.choices("bdfgklmnprstvz", k=3)) + "o" for _ in range(40)) + "."
                         for _ in range(10))  # words of its own: the index grows to many pages
    return (f"Floods reach {town} as the river rises\n\n"
            f"The river at {town} rose two metres overnight, and the town council closed the old bridge "
            f"on day {n}.\n\n"
            f"\u201cWe are moving families from the low streets tonight,\u201d said Mayor Ann Lee, who "
            f"visited the levee in {town}.\n\n"
            f"Forecasters expect more rain over the hills above {town} before the weekend.\n\n{notes}\n")


def all_segments(db) -> list[int]:
    conn = sqlite3.connect(db)
    try:
        return [segments(conn, index) for index in SEARCH_TABLES]
    finally:
        conn.close()


def answers(db) -> list:
    store = Store(db)
    found = [store.search(words, limit=50) for words in ("river", "bridge", "rain weekend", "Harwick")]
    return found + [store.quotes_about(words, limit=50) for words in ("families", "streets tonight")]


@pytest.fixture
def piled(tmp_path, monkeypatch):
    """A store whose updates were left unmerged: one segment per update and index."""
    seeds, db = tmp_path / "seeds", tmp_path / "briefing.db"
    seeds.mkdir()
    for n in range(12):
        (seeds / f"a{n:02d}.txt").write_text(article(n))
    build(seeds, db)
    with monkeypatch.context() as patch:
        patch.setattr(in_place, "merge_some_segments", lambda conn: None)
        add(seeds, db, range(12, 14))
        conn = sqlite3.connect(db)
        merge_all_segments(conn)  # one segment, on a level above the updates' (as at a large store)
        conn.commit()
        conn.close()
        add(seeds, db, range(14, 20))
    assert min(all_segments(db)) > MAX_SEGMENTS
    return seeds, db


def add(seeds, db, numbers) -> None:
    """An in-place update per article."""
    for n in numbers:
        (seeds / f"a{n:02d}.txt").write_text(article(n))
        build(seeds, db, changed=[f"a{n:02d}.txt"])


def test_the_upkeep_merges_each_index_into_one_segment_and_answers_stay(piled):
    _, db = piled
    before = answers(db)
    assert needs_compacting(db)
    assert asyncio.run(SearchUpkeep(db, asyncio.Lock(), pages=4).run())
    assert all_segments(db) == [1, 1]
    assert answers(db) == before
    assert not needs_compacting(db)


def test_the_upkeep_leaves_a_store_of_few_segments_alone(tmp_path):
    seeds, db = tmp_path / "seeds", tmp_path / "briefing.db"
    seeds.mkdir()
    (seeds / "a.txt").write_text(article(1))
    build(seeds, db)
    assert not asyncio.run(SearchUpkeep(db, asyncio.Lock()).run())
    assert not asyncio.run(SearchUpkeep(tmp_path / "none.db", asyncio.Lock()).run())  # no store yet


def test_the_upkeep_merges_at_most_once_a_day(piled, monkeypatch):
    seeds, db = piled
    now = [1000.0]
    keeper = SearchUpkeep(db, asyncio.Lock(), clock=lambda: now[0])
    assert asyncio.run(keeper.run())
    monkeypatch.setattr(in_place, "merge_some_segments", lambda conn: None)
    add(seeds, db, range(20, 25))
    assert needs_compacting(db)
    now[0] += upkeep.MERGE_EVERY_SECONDS - 1
    assert not asyncio.run(keeper.run())
    now[0] += 1
    assert asyncio.run(keeper.run())
    assert all_segments(db) == [1, 1]


def test_builds_wait_one_slice_at_most(piled):
    """The build lock is taken for each slice: a build waiting for it gets it before the merge is done."""
    _, db = piled

    async def scenario() -> list[int]:
        lock = asyncio.Lock()
        keeper = SearchUpkeep(db, lock, pages=2)
        merging = asyncio.create_task(keeper.run())
        await asyncio.sleep(0)  # the upkeep starts: it reads the segments, then takes the lock
        while not lock.locked():
            await asyncio.sleep(0.001)
        async with lock:  # a build's turn: the merge is not finished
            seen = all_segments(db)
        assert await merging
        return seen

    assert max(asyncio.run(scenario())) > 1
    assert all_segments(db) == [1, 1]


def test_a_busy_store_is_left_for_the_next_time(piled, monkeypatch, caplog):
    _, db = piled

    def busy(db_path, pages):
        raise StoreBusy("another build has been updating the store for over 30 s")

    monkeypatch.setattr(upkeep, "compact_slice", busy)
    keeper = SearchUpkeep(db, asyncio.Lock())
    with caplog.at_level(logging.WARNING, logger="handlers.upkeep"):
        assert not asyncio.run(keeper.run())
    assert keeper.merged_at is None and "to go on next time" in caplog.text
    monkeypatch.undo()
    assert asyncio.run(keeper.run()) and all_segments(db) == [1, 1]
