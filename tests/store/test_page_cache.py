"""The store's pages asked into the page cache: the whole file, in read-ahead chunks, only when the memory
available can hold it twice over, and never an error when it cannot be done."""
from __future__ import annotations

import logging
import os

import pytest

from bot.store.page_cache import CHUNK, HEADROOM, available_memory, warm
from handlers.upkeep import warm_store


@pytest.fixture
def advised(monkeypatch):
    """The read-ahead requests made, recorded (offset, length, advice) instead of sent to the kernel."""
    calls = []
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, offset, length, advice: calls.append((offset, length, advice)),
                        raising=False)
    return calls


@pytest.fixture
def store_file(tmp_path):
    path = tmp_path / "briefing.db"
    path.write_bytes(b"\0" * (2 * CHUNK + 12_345))  # two whole chunks and part of a third
    return path


def test_the_whole_store_is_asked_for_in_chunks(store_file, advised):
    size = store_file.stat().st_size
    assert warm(store_file, available=HEADROOM * size) == size
    assert [offset for offset, _, _ in advised] == [0, CHUNK, 2 * CHUNK]
    assert all(length == CHUNK and advice == os.POSIX_FADV_WILLNEED for _, length, advice in advised)


def test_a_store_the_memory_cannot_hold_twice_is_left_to_the_disk(store_file, advised):
    assert warm(store_file, available=HEADROOM * store_file.stat().st_size - 1) == 0
    assert warm(store_file, available=None) == 0
    assert advised == []


def test_no_store_and_no_fadvise_are_no_errors(tmp_path, store_file, advised, monkeypatch):
    assert warm(tmp_path / "missing.db", available=1 << 40) == 0
    monkeypatch.delattr(os, "posix_fadvise")
    assert warm(store_file, available=1 << 40) == 0
    assert advised == []


def test_available_memory_is_read_from_meminfo(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24684136 kB\nMemFree:         9000000 kB\nMemAvailable:   21234567 kB\n")
    assert available_memory(meminfo) == 21234567 * 1024
    meminfo.write_text("MemTotal:       24684136 kB\n")
    assert available_memory(meminfo) is None
    meminfo.write_text("MemAvailable:   lots\n")
    assert available_memory(meminfo) is None
    assert available_memory(tmp_path / "missing") is None


def test_the_bots_job_says_why_it_left_a_store_on_disk(store_file, advised, monkeypatch, caplog):
    monkeypatch.setattr("handlers.upkeep.available_memory", lambda: store_file.stat().st_size)
    with caplog.at_level(logging.INFO, logger="handlers.upkeep"):
        assert warm_store(store_file) == 0
    assert "not read into the page cache" in caplog.text and advised == []
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="handlers.upkeep"):
        assert warm_store(store_file, say_why=False) == 0
    assert "not read into the page cache" not in caplog.text
    monkeypatch.setattr("handlers.upkeep.available_memory", lambda: HEADROOM * store_file.stat().st_size)
    assert warm_store(store_file) == store_file.stat().st_size and len(advised) == 3
