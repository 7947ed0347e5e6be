"""The store's upkeep while the bot runs: its pages kept in the page cache, the rows of retired
documents purged, and its full-text indexes merged back into one segment each.

Every WARM_SECONDS, from start-up on, the job `store:warm` asks the kernel to read the store into the
page cache, when the machine has the memory for it (`bot.store.page_cache`): the first answers after a
start, and those after other work pushed the store's pages out, are read from memory, not from disk.

Every PURGE_LOOK_SECONDS the job `store:purge` looks for documents a build retired (many taken out at
once, as retention does: `bot.build.retired`) and purges their rows a slice at a time, each slice
under the bot's build lock (about 2 s at a million documents): the counts kept per person are exact
again when it ends.

Each in-place update (a fetch round, an upload, retention) adds segments that FTS5 merges only level
by level, and every search reads each segment holding its words (see `bot.build.search_segments`).
Every UPKEEP_SECONDS the job looks; when an index has more than MAX_SEGMENTS and the last merge ended
a day or more ago, it merges them all, slice by slice, taking the bot's build lock for one slice at a
time: a fetch round or an upload waits one slice at most. The whole merge writes the indexes again
(some 40 s at a million documents), hence at most once a day.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from telegram.ext import Application, ContextTypes

from bot.build.purge import pending, purge_slice
from bot.build.report import StoreBusy
from bot.build.search_segments import COMPACT_PAGES, compact_slice, needs_compacting
from bot.config import Settings
from bot.store.page_cache import available_memory, warm
from handlers.sources import build_lock

log = logging.getLogger(__name__)
UPKEEP_SECONDS = 3600.0
WARM_SECONDS = 900.0  # a cached store costs the call ~0.1 s of CPU at 8 GB; evicted pages are read back
MERGE_EVERY_SECONDS = 86_400.0  # at most one whole merge a day
MAX_SLICES = 2000  # a bound on one merge: ten times the slices a million documents take
PURGE_LOOK_SECONDS = 60.0


class SearchUpkeep:
    def __init__(self, db_path: Path, lock: asyncio.Lock, clock: Callable[[], float] = time.monotonic,
                 pages: int = COMPACT_PAGES):
        self.db_path = db_path
        self.lock = lock
        self.pages = pages  # per index and slice
        self.clock = clock
        self.merged_at: float | None = None  # when the last whole merge ended (None: not since start-up)

    async def run(self) -> bool:
        """Merge the indexes if they are due; returns whether they were merged. A store that stays busy or
        fails is left for the next time (logged): the bot keeps serving from it as it is."""
        if self.merged_at is not None and self.clock() - self.merged_at < MERGE_EVERY_SECONDS:
            return False
        started = time.monotonic()
        slices = 0
        try:
            if not await asyncio.to_thread(needs_compacting, self.db_path):
                return False
            more = True
            while more:
                if slices == MAX_SLICES:
                    log.warning("Search upkeep stopped after %d slices with segments left", slices)
                    return False
                async with self.lock:
                    more = await asyncio.to_thread(compact_slice, self.db_path, self.pages)
                slices += 1
        except (StoreBusy, sqlite3.Error) as exc:
            log.warning("Search upkeep stopped after %d slices, to go on next time: %s", slices, exc)
            return False
        self.merged_at = self.clock()
        log.info("Search upkeep: indexes merged into one segment each in %d slices, %.1f s",
                 slices, time.monotonic() - started)
        return True


class RetiredPurge:
    """The rows of retired documents purged a slice at a time, each under the bot's build lock."""

    def __init__(self, db_path: Path, lock: asyncio.Lock):
        self.db_path = db_path
        self.lock = lock
        self.running = False  # a purge longer than PURGE_LOOK_SECONDS is not started twice

    async def run(self) -> int:
        """Purge every retired document; returns how many were purged. A store that stays busy or fails
        is left for the next look (logged)."""
        if self.running:
            return 0
        self.running = True
        started, purged, slices = time.monotonic(), 0, 0
        try:
            waiting = left = await asyncio.to_thread(pending, self.db_path)
            while left:
                async with self.lock:
                    left = await asyncio.to_thread(purge_slice, self.db_path)
                slices += 1
                purged = waiting - left
        except (StoreBusy, sqlite3.Error) as exc:
            log.warning("Purge of retired documents stopped after %d slices, to go on next time: %s", slices, exc)
            return purged
        finally:
            self.running = False
        if slices:
            log.info("Purge: %d retired documents taken out of the store in %d slices, %.1f s",
                     purged, slices, time.monotonic() - started)
        return purged


def register(application: Application, settings: Settings) -> None:
    upkeep = SearchUpkeep(settings.briefing_db, build_lock(application))
    application.bot_data["search_upkeep"] = upkeep

    async def job(context: ContextTypes.DEFAULT_TYPE) -> None:
        await upkeep.run()

    application.job_queue.run_repeating(job, UPKEEP_SECONDS, first=60, name="store:upkeep")

    purge = RetiredPurge(settings.briefing_db, build_lock(application))
    application.bot_data["retired_purge"] = purge

    async def purge_job(context: ContextTypes.DEFAULT_TYPE) -> None:
        await purge.run()

    application.job_queue.run_repeating(purge_job, PURGE_LOOK_SECONDS, first=5, name="store:purge")

    told = {"left on disk": False}

    async def warm_job(context: ContextTypes.DEFAULT_TYPE) -> None:
        asked = await asyncio.to_thread(warm_store, settings.briefing_db, not told["left on disk"])
        told["left on disk"] = not asked

    application.job_queue.run_repeating(warm_job, WARM_SECONDS, first=1, name="store:warm")


def warm_store(db_path: Path, say_why: bool = True) -> int:
    """`page_cache.warm` with the memory available now; returns the bytes asked for. A store left on disk
    is logged with the reason when `say_why` (the job says it once, not every WARM_SECONDS)."""
    available = available_memory()
    asked = warm(db_path, available)
    if asked:
        log.debug("Store pages asked into the page cache: %.1f MB", asked / 1e6)
    elif say_why and available is not None and db_path.is_file():
        log.info("Store not read into the page cache: %.0f MB, with %.0f MB of memory available",
                 db_path.stat().st_size / 1e6, available / 1e6)
    return asked
