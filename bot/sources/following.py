"""Following sources as a user does it: add, remove, list, one fetch round and the store's update after it.

The one place where the bot (`handlers/sources.py`, its JobQueue job), the console and the command
line (`briefbot sources …`, `briefbot fetch`) meet the library; each of them is a thin face of these
calls, with the settings of `bot.config`:

    following = Following(settings)                  # the registry in STATE_DB
    outcome = await following.add(url, name, added_by=42)   # probe (feed, discovered feed, or page), then add
    following.remove("3") / following.remove(url)    # the source and its entries are forgotten
    report = await following.fetch(progress=print)   # one round of every due source (retention too)
    build = following.build_store()                  # the store's incremental build, when files changed
    build = following.build_store_apart()            # the same in a fresh process (the running bot's way)

A URL already followed (any spelling of it, or the feed a page leads to) is the same source; adding a
paused source again resumes it.
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bot.config import Settings
from bot.sources.discovery import SourceProbe, probe_source
from bot.sources.http import Fetcher
from bot.sources.netguard import Connector, Resolver, url_refusal
from bot.sources.registry import FEED, PAGE, PAUSED, Source, SourceRegistry
from bot.sources.round import RoundReport, SourceOutcome, fetch_round

SCAN_EVERY = timedelta(days=1)


@dataclass
class AddOutcome:
    """What `Following.add` did: added (`created`), found it followed already, resumed it, or failed."""
    url: str  # as asked
    source: Source | None = None
    created: bool = False
    resumed: bool = False
    probe: SourceProbe | None = None
    error: str | None = None  # why nothing was added, for the person who asked


class Following:
    """The sources of one bot (its state.db) and the settings to read them with."""

    def __init__(self, settings: Settings, *, resolver: Resolver | None = None, connector: Connector | None = None,
                 registry: SourceRegistry | None = None):
        self.settings = settings
        self.registry = registry or SourceRegistry(settings.state_db)
        self.resolver = resolver
        self.connector = connector
        self._scanned: datetime | None = None  # when retention last read every fetched file's date

    @property
    def interval(self) -> float:
        """Each source's own interval, in seconds (FETCH_INTERVAL_MINUTES)."""
        return self.settings.fetch_interval_minutes * 60.0

    def fetcher(self) -> Fetcher:
        s = self.settings
        return Fetcher(allow_private=s.allow_private_sources, timeout=s.sources_timeout,
                       max_concurrency=s.sources_concurrency, per_host=s.sources_per_host,
                       resolver=self.resolver, connector=self.connector)

    def close(self) -> None:
        self.registry.close()

    # Adding and removing ---------------------------------------------------------------------------

    async def add(self, url: str, name: str = "", *, added_by: int | None = None,
                  now: datetime | None = None) -> AddOutcome:
        """Probe `url` (a feed, a page naming its feed, or a page to follow as it is) and follow it."""
        url = (url or "").strip()
        outcome = AddOutcome(url)
        reason = url_refusal(url)
        if reason:
            outcome.error = f"that address cannot be followed: {reason}"
            return outcome
        known = self.registry.find(url)
        if known is not None:
            return self._known(outcome, known, now)
        async with self.fetcher() as fetcher:
            probe = await probe_source(fetcher, url)
        outcome.probe = probe
        if probe.error is not None:
            outcome.error = str(probe.error)
            return outcome
        known = self.registry.find(probe.url)  # the feed a page leads to may be followed already
        if known is not None:
            return self._known(outcome, known, now)
        try:
            source, created = self.registry.add(probe.url, kind=FEED if probe.kind == "feed" else PAGE,
                                                name=" ".join(name.split())[:200],
                                                feed_title=probe.title or None, added_by=added_by,
                                                interval=self.interval, now=now)
        except ValueError as exc:
            outcome.error = str(exc)
            return outcome
        outcome.source, outcome.created = source, created
        return outcome

    def _known(self, outcome: AddOutcome, source: Source, now: datetime | None) -> AddOutcome:
        if source.state == PAUSED:
            self.registry.resume(source.id, now=now)
            outcome.resumed = True
            source = self.registry.get(source.id) or source
        outcome.source = source
        return outcome

    def remove(self, number_or_url: str) -> tuple[Source, list[str]] | None:
        """Stop following a source (by its number in /feeds or its URL). Its articles stay in seeds/ and the
        store. None when no source is known by that number or URL."""
        number_or_url = (number_or_url or "").strip()
        if not number_or_url:
            return None
        return self.registry.remove(number_or_url)

    def sources(self) -> list[Source]:
        return self.registry.sources()

    # Reading ---------------------------------------------------------------------------------------

    async def fetch(self, *, progress: Callable[[SourceOutcome], None] | None = None,
                    now: datetime | None = None, scan: bool | None = None) -> RoundReport:
        """One round: every due source read, new and changed articles saved under seeds/feeds/, and with
        KEEP_DAYS, fetched articles published before then deleted. Those are found by the registry (an
        indexed look-up) on most rounds, and by reading the date of every file under seeds/feeds/ (which
        also finds the articles of sources removed since) when `scan` says so, or, by default, on the
        first round and then once every SCAN_EVERY. The store is not touched (see `build_store`)."""
        s = self.settings
        now = now or datetime.now(timezone.utc)
        if scan is None:
            scan = self._scanned is None or now - self._scanned >= SCAN_EVERY
        if scan and s.keep_days:
            self._scanned = now
        async with self.fetcher() as fetcher:
            return await fetch_round(self.registry, s.seeds_dir, now=now, fetcher=fetcher,
                                     keep_days=s.keep_days or None, expire="scan" if scan else "registry",
                                     progress=progress)

    def build_store(self, report: RoundReport | None = None):
        """The store brought up to date with seeds/ (an incremental build for a round's few files). Given
        the round's `report`, only the files it wrote, changed or removed are looked at (no scan of the
        folder: about a second for 100 new articles at a million documents, against some 20 s of scan)."""
        return _build_store(self.settings.seeds_dir, self.settings.briefing_db, self.settings.build_file_seconds,
                            self._changed(report))

    def build_store_apart(self, report: RoundReport | None = None):
        """`build_store` in a fresh process (spawned), for the running bot: what a build holds in memory
        (at 100k documents, the seed folder's recorded hashes and stats and the people it merges again:
        some 300 MB) is given back when it ends, and the bot itself stays small. Blocks until the build
        is done: call it in a thread, one build at a time. Its exceptions (StoreBusy, NotAStore …) are
        raised here."""
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            return pool.submit(_build_store, self.settings.seeds_dir, self.settings.briefing_db,
                               self.settings.build_file_seconds, self._changed(report)).result()

    def _changed(self, report: RoundReport | None) -> list[str] | None:
        """The seed paths a round touched, relative to seeds/ (None: scan the folder)."""
        if report is None:
            return None
        from bot.build.seed_folder import seed_path

        return sorted(seed_path(self.settings.seeds_dir, p) for p in [*report.written, *report.changed, *report.removed])


def _build_store(seeds_dir, db_path, file_seconds, changed=None):
    from bot.build import build

    return build(seeds_dir, db_path, file_seconds=file_seconds, changed=changed)


def changed_files(report: RoundReport) -> bool:
    """Whether a round wrote or removed seed files (and the store needs a build)."""
    return bool(report.written or report.changed or report.removed)
