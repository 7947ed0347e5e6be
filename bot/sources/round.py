"""One fetch round: read every due source, save new and changed articles as seed files, record it all.

    report = await fetch_round(registry, seeds_dir, now=now, allow_private=False, max_concurrency=8,
                               keep_days=30)
    for line in report.lines(): print(line)       # "Example News: 3 new, 1 updated" …
    report.written, report.changed, report.removed # seed paths, for the store's incremental build
    report.notify                                  # outcomes the administrators are to be told about

For each due source (at most `max_concurrency` requests in flight over the whole round):
- a conditional GET with the source's ETag / Last-Modified; a 304 is recorded and costs no parsing;
- a feed is parsed (in a worker thread) and its newest `max_entries` entries are compared with what
  was taken: new entries are saved, changed ones (same identity, new content hash) rewrite their file,
  the rest are left; an entry whose canonical link was taken from another source (or earlier in this
  round) is not taken twice; entries older than `keep_days` are not taken;
- an entry with only a summary has its page fetched and its main text extracted; when that fails the
  summary is saved, marked `summary_only`; with neither, the entry is skipped with the reason;
- a page source is re-read and its main text extracted: a new document whenever that text changes;
- the source's outcome (validators, interval lengthened by ttl / max-age / Retry-After, taken entries)
  is recorded in one transaction, after its files were written (a crash in between rewrites the
  same files on the next round: names are derived from the entry's identity);
- a failure backs off, and pauses the source after a day (or at once for 410 Gone); the outcome then
  asks for the administrators to be told, once.
Then, with `keep_days`, fetched seed files older than that are deleted (`report.removed`): by what the
registry took (`expire="registry"`, an indexed look-up: what the running bot does), or by reading the
date of every file under seeds/feeds/ (`expire="scan"`, the default: files the registry does not know
too), or not at all (`expire=None`).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.sources.articles import HTML_TYPES, NoMainText, extract_article, fetch_article
from bot.sources.feeds import MAX_ENTRIES, Feed, FeedEntry, NotAFeed, parse_feed
from bot.sources.http import FEED_ACCEPT, NOT_A_FEED, PAGE_ACCEPT, Fetcher, FetchError, FetchResult, effective_interval
from bot.sources.identity import NEW, SAME, classify, content_hash, identity_key
from bot.sources.netguard import Connector, Resolver
from bot.sources.registry import FEED, PAGE, Source, SourceRegistry, TakenEntry
from bot.sources.seed_files import SeedArticle, remove_expired, write_article
from bot.sources.urls import canonical_url

FUTURE_SLACK = timedelta(hours=1)  # a date further ahead than this is taken as "now"


@dataclass
class SourceOutcome:
    source_id: int
    name: str
    status: str  # "ok", "not_modified", "failing" or "paused"
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    summary_only: int = 0  # saved with the feed's summary only
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (entry, why)
    error: str | None = None
    notify_admins: bool = False
    written: list[Path] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)

    def line(self) -> str:
        """One progress line: "Example News: 3 new, 1 updated", "…: 304 not modified", "…: failing: timeout"."""
        if self.status == "not_modified":
            return f"{self.name}: 304 not modified"
        if self.status in ("failing", "paused"):
            return f"{self.name}: {self.status}: {self.error}"
        parts = [f"{self.new} new"]
        if self.updated:
            parts.append(f"{self.updated} updated")
        if self.summary_only:
            parts.append(f"{self.summary_only} summary only")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped ({self.skipped[0][1]})")
        return f"{self.name}: {', '.join(parts)}"


@dataclass
class RoundReport:
    outcomes: list[SourceOutcome] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)  # new seed files
    changed: list[Path] = field(default_factory=list)  # seed files rewritten with new content
    removed: list[Path] = field(default_factory=list)  # seed files deleted by retention

    @property
    def notify(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.notify_admins]

    def lines(self) -> list[str]:
        return [o.line() for o in self.outcomes]


async def fetch_round(registry: SourceRegistry, seeds_dir: Path | str, *, now: datetime | None = None,
                      fetcher: Fetcher | None = None, allow_private: bool = False, timeout: float = 30.0,
                      max_concurrency: int = 8, per_host: int = 4, max_entries: int = MAX_ENTRIES,
                      keep_days: float | None = None, expire: str | None = "scan",
                      resolver: Resolver | None = None, connector: Connector | None = None,
                      progress: Callable[[SourceOutcome], None] | None = None) -> RoundReport:
    """Read every due source once (see the module doc). `fetcher`, when given, is used (and left open);
    otherwise one is made from `allow_private`, `timeout`, `max_concurrency`, `per_host`, `resolver`,
    `connector` (and closed at the end)."""
    now = now or datetime.now(timezone.utc)
    seeds_dir = Path(seeds_dir)
    own = fetcher is None
    if fetcher is None:
        fetcher = Fetcher(allow_private=allow_private, timeout=timeout, max_concurrency=max_concurrency,
                          per_host=per_host, resolver=resolver, connector=connector)
    report = RoundReport()
    try:
        poller = _Poller(registry, seeds_dir, fetcher, now, max_entries, keep_days)

        async def one(source: Source) -> None:
            try:
                outcome = await poller.poll(source)
            except Exception as exc:  # a bug must not stop the round; the source is marked failing
                failure = registry.record_failure(source.id, f"internal error: {type(exc).__name__}: {exc}", now=now)
                outcome = SourceOutcome(source.id, source.display_name, failure.state, error=failure.message,
                                        notify_admins=failure.notify_admins)
            report.outcomes.append(outcome)
            report.written += outcome.written
            report.changed += outcome.changed
            if progress:
                progress(outcome)

        await asyncio.gather(*(one(source) for source in registry.due(now)))
    finally:
        if own:
            await fetcher.aclose()
    report.outcomes.sort(key=lambda o: o.source_id)
    if keep_days and expire == "registry":
        report.removed = registry.expire(seeds_dir, now - timedelta(days=keep_days))
    elif keep_days and expire:
        report.removed = remove_expired(seeds_dir, keep_days, now)
        if report.removed:
            registry.forget_paths(_relative(seeds_dir, path) for path in report.removed)
    return report


def _relative(seeds_dir: Path, path: Path) -> str:
    try:
        return path.relative_to(seeds_dir).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass
class _Candidate:
    entry: FeedEntry
    identity: str
    digest: str
    state: str
    previous: TakenEntry | None
    link_key: str | None


class _Poller:
    def __init__(self, registry: SourceRegistry, seeds_dir: Path, fetcher: Fetcher, now: datetime,
                 max_entries: int, keep_days: float | None):
        self.registry = registry
        self.seeds_dir = seeds_dir
        self.fetcher = fetcher
        self.now = now
        self.max_entries = max_entries
        self.cutoff = now - timedelta(days=keep_days) if keep_days else None
        self.claimed_links: dict[str, int] = {}  # canonical link -> source id, within this round

    async def poll(self, source: Source) -> SourceOutcome:
        accept = FEED_ACCEPT if source.kind == FEED else PAGE_ACCEPT
        result = await self.fetcher.fetch(source.url, etag=source.etag, last_modified=source.last_modified,
                                          accept=accept)
        if result.error:
            return self._failed(source, result.error, result.hints.retry_after)
        interval = effective_interval(source.interval, ttl_minutes=source.ttl, max_age=result.hints.max_age,
                                      retry_after=result.hints.retry_after)
        if result.not_modified:
            self.registry.record_not_modified(source.id, now=self.now, interval=interval)
            return SourceOutcome(source.id, source.display_name, "not_modified")
        if source.kind == PAGE:
            return await self._page(source, result, interval)
        try:
            feed = await asyncio.to_thread(parse_feed, result.body, result.final_url, result.headers,
                                           limit=self.max_entries)
        except NotAFeed as exc:
            return self._failed(source, FetchError(NOT_A_FEED, str(exc)), None)
        return await self._feed(source, result, feed)

    def _failed(self, source: Source, error: FetchError, retry_after: float | None) -> SourceOutcome:
        failure = self.registry.record_failure(source.id, error, now=self.now, retry_after=retry_after)
        return SourceOutcome(source.id, source.display_name, failure.state, error=failure.message,
                             notify_admins=failure.notify_admins)

    async def _feed(self, source: Source, result: FetchResult, feed: Feed) -> SourceOutcome:
        outcome = SourceOutcome(source.id, source.display_name or feed.title, "ok")
        if not source.name and not source.feed_title and feed.title:
            outcome.name = feed.title
        candidates: list[_Candidate] = []
        seen: set[str] = set()
        for entry in feed.entries:
            published = entry.published
            if self.cutoff and published and published < self.cutoff:
                continue
            digest = content_hash(entry.title, [*entry.summary, "\x1e", *entry.content], entry.link)
            identity = identity_key(entry.id, entry.link, digest)
            if identity in seen:
                continue
            seen.add(identity)
            candidates.append(_Candidate(entry, identity, digest, NEW, None,
                                         canonical_url(entry.link) if entry.link else None))
        taken = self.registry.taken(source.id, [c.identity for c in candidates])
        todo: list[_Candidate] = []
        for candidate in candidates:
            previous = taken.get(candidate.identity)
            status = classify(candidate.identity, candidate.digest, previous.content_hash if previous else None)
            candidate.state, candidate.previous = status.state, previous
            if status.state == SAME:
                outcome.unchanged += 1
                continue
            if status.state == NEW and candidate.link_key:
                # the same article under another identity (a GUID that changed form, a moved feed)
                same = self.registry.taken_by_link(source.id, candidate.link_key)
                if same is not None and same.identity not in taken:
                    status = classify(same.identity, candidate.digest, same.content_hash)
                    candidate.identity, candidate.state, candidate.previous = same.identity, status.state, same
                    if status.state == SAME:
                        outcome.unchanged += 1
                        continue
            if candidate.state == NEW and candidate.link_key:
                other = self.claimed_links.get(candidate.link_key)
                if other is None:
                    other = self.registry.link_taken_elsewhere(candidate.link_key, source.id)
                if other is not None and other != source.id:
                    outcome.skipped.append((_label(candidate.entry), f"already taken from source {other}"))
                    continue
                self.claimed_links[candidate.link_key] = source.id
            todo.append(candidate)
        articles = await asyncio.gather(*(self._article(c.entry) for c in todo))
        rows: list[TakenEntry] = []
        for candidate, (paragraphs, summary_only, reason, page_title, page_author) in zip(todo, articles):
            entry = candidate.entry
            if not paragraphs:
                outcome.skipped.append((_label(entry), reason or "no text"))
                continue
            published = entry.published
            if published is None or published > self.now + FUTURE_SLACK:
                published = self.now
            article = SeedArticle(
                title=entry.title or page_title or _first_words(paragraphs), paragraphs=paragraphs,
                source=source.slug, identity=candidate.identity, url=entry.link,
                outlet=source.name or feed.title or source.feed_title or "", author=entry.author or page_author,
                date=published, summary_only=summary_only)
            previous = candidate.previous.seed_path if candidate.previous else None
            path = await asyncio.to_thread(write_article, self.seeds_dir, article, previous=previous)
            rows.append(TakenEntry(source.id, candidate.identity, candidate.link_key, candidate.digest,
                                   _relative(self.seeds_dir, path), published.isoformat(timespec="seconds")))
            if candidate.state == NEW:
                outcome.new += 1
                outcome.written.append(path)
            else:
                outcome.updated += 1
                outcome.changed.append(path)
            if summary_only:
                outcome.summary_only += 1
        interval = effective_interval(source.interval, ttl_minutes=feed.ttl, max_age=result.hints.max_age,
                                      retry_after=result.hints.retry_after)
        self.registry.record_success(source.id, now=self.now, interval=interval, etag=result.etag,
                                     last_modified=result.last_modified, feed_title=feed.title or None,
                                     ttl=feed.ttl, taken=rows)
        return outcome

    async def _article(self, entry: FeedEntry) -> tuple[list[str], bool, str | None, str, str | None]:
        """(paragraphs, summary_only, reason, page title, page author) for an entry to save."""
        if not entry.summary_only:
            return entry.paragraphs, False, None, "", None
        if not entry.link:
            reason = f"no page to read ({entry.link_refused or 'no link'})"
            return entry.paragraphs, True, reason, "", None
        article = await fetch_article(self.fetcher, entry.link, summary=entry.paragraphs)
        return article.paragraphs, article.summary_only, article.reason, article.title, article.author

    async def _page(self, source: Source, result: FetchResult, interval: float) -> SourceOutcome:
        outcome = SourceOutcome(source.id, source.display_name, "ok")
        if result.content_type not in HTML_TYPES:
            return self._failed(source, FetchError(NOT_A_FEED, f"not a web page ({result.content_type})"), None)
        try:
            text = await asyncio.to_thread(extract_article, result.body, result.final_url, result.charset)
        except NoMainText as exc:
            outcome.skipped.append((source.url, str(exc)))
            self.registry.record_success(source.id, now=self.now, interval=interval, etag=result.etag,
                                         last_modified=result.last_modified)
            return outcome
        title = text.title or source.name or _first_words(text.paragraphs)
        digest = content_hash(title, text.paragraphs)
        identity = "page:" + digest
        if self.registry.taken(source.id, [identity]):
            outcome.unchanged += 1
            self.registry.record_success(source.id, now=self.now, interval=interval, etag=result.etag,
                                         last_modified=result.last_modified)
            return outcome
        article = SeedArticle(title=title, paragraphs=text.paragraphs, source=source.slug, identity=identity,
                              url=result.final_url, outlet=source.name or title, author=text.author,
                              date=self.now)
        path = await asyncio.to_thread(write_article, self.seeds_dir, article)
        outcome.new += 1
        outcome.written.append(path)
        self.registry.record_success(
            source.id, now=self.now, interval=interval, etag=result.etag, last_modified=result.last_modified,
            feed_title=text.title or None,
            taken=[TakenEntry(source.id, identity, canonical_url(result.final_url), digest,
                              _relative(self.seeds_dir, path), self.now.isoformat(timespec="seconds"))])
        return outcome


def _label(entry: FeedEntry) -> str:
    return entry.title or entry.link or entry.id or "(untitled entry)"


def _first_words(paragraphs: list[str], limit: int = 12) -> str:
    words = " ".join(paragraphs).split()
    return " ".join(words[:limit]) + ("…" if len(words) > limit else "") if words else "Untitled"
