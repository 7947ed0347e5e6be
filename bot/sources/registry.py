"""The sources the bot follows and what it has taken from them, in SQLite (state.db: user data).

    registry = SourceRegistry("state.db")
    source, created = registry.add("https://example.com/feed.xml", added_by=42)
    registry.due(now)                                   # sources to read now
    registry.record_failure(source.id, error, now=now)  # FailureOutcome(notify_admins=…)

Tables (created if missing; WAL mode; every change one transaction, commits wait for the disk):

- `sources`: id (AUTOINCREMENT: a number is never reused), url, canonical_url (UNIQUE: a source
  added twice is one source), slug (UNIQUE: its seed folder name), name, kind (feed|page), feed_title,
  added_by, added_at, etag, last_modified, interval (seconds, the source's own), next_due, last_checked,
  last_ok, last_error, failing_since, failures (consecutive), state (ok|failing|paused), pause_reason,
  entries_taken, ttl (the feed's last <ttl>, minutes).
- `source_entries`: source_id (→ sources, ON DELETE CASCADE), identity (guid:/url:/hash:/page: key),
  link (canonical link, indexed: an article taken from one source is not taken again from another),
  content_hash, seed_path (relative to the seed folder; NULL once removed by retention), published,
  taken_at, updated_at; primary key (source_id, identity).

Failures back off exponentially from the source's interval (interval × 2^(failures−1), at most
BACKOFF_CAP, and never sooner than a Retry-After asks); a source failing for PAUSE_AFTER (a day) is
paused, as is a source answering 410 Gone at once: that call's outcome says `notify_admins` — True only
on the change to paused, so administrators are told once. Times are ISO 8601 UTC strings.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlite_utils

from bot.sources.http import MIN_INTERVAL, FetchError, effective_interval
from bot.sources.netguard import url_refusal
from bot.sources.opml import OpmlItem, export_opml, parse_opml
from bot.sources.seed_files import slugify
from bot.sources.urls import canonical_url

DEFAULT_INTERVAL = 30 * 60.0
BACKOFF_CAP = 6 * 3600.0
PAUSE_AFTER = timedelta(days=1)
OK, FAILING, PAUSED = "ok", "failing", "paused"
FEED, PAGE = "feed", "page"


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one (UTC)")
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Source:
    id: int
    url: str
    canonical_url: str
    slug: str
    name: str
    kind: str
    feed_title: str | None
    added_by: int | None
    added_at: str
    etag: str | None
    last_modified: str | None
    interval: float
    next_due: str
    last_checked: str | None
    last_ok: str | None
    last_error: str | None
    failing_since: str | None
    failures: int
    state: str
    pause_reason: str | None
    entries_taken: int
    ttl: int | None  # the feed's <ttl> (minutes) when it last said one: it still applies after a 304

    @property
    def display_name(self) -> str:
        return self.name or self.feed_title or self.url


@dataclass(frozen=True)
class TakenEntry:
    source_id: int
    identity: str
    link: str | None
    content_hash: str
    seed_path: str | None
    published: str | None


@dataclass(frozen=True)
class FailureOutcome:
    state: str  # FAILING or PAUSED
    failures: int
    next_due: datetime | None  # None when paused
    notify_admins: bool  # True once: when this failure paused the source
    message: str


@dataclass
class OpmlImport:
    added: list[Source]
    already: list[Source]  # the file listed sources the registry has
    duplicates: list[str]  # listed twice in the file
    skipped: list[tuple[str, str]]  # (URL, why)


_SOURCE_FIELDS = [f.name for f in fields(Source)]


class SourceRegistry:
    """Sources and taken entries in their own tables of a SQLite file (see the module doc)."""

    def __init__(self, path: Path | str):
        self.db = sqlite_utils.Database(path)
        self.db.enable_wal()
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute("PRAGMA foreign_keys = ON")
        self._create_tables()

    def close(self) -> None:
        self.db.close()

    def _create_tables(self) -> None:
        with self.db.atomic():
            self.db.execute("""
                CREATE TABLE IF NOT EXISTS sources (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    url TEXT NOT NULL,
                    canonical_url TEXT NOT NULL UNIQUE,
                    slug TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL DEFAULT '',
                    kind TEXT NOT NULL DEFAULT 'feed' CHECK (kind IN ('feed', 'page')),
                    feed_title TEXT,
                    added_by INTEGER,
                    added_at TEXT NOT NULL,
                    etag TEXT,
                    last_modified TEXT,
                    interval REAL NOT NULL,
                    next_due TEXT NOT NULL,
                    last_checked TEXT,
                    last_ok TEXT,
                    last_error TEXT,
                    failing_since TEXT,
                    failures INTEGER NOT NULL DEFAULT 0,
                    state TEXT NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'failing', 'paused')),
                    pause_reason TEXT,
                    entries_taken INTEGER NOT NULL DEFAULT 0,
                    ttl INTEGER
                )""")
            self.db.execute("CREATE INDEX IF NOT EXISTS sources_due ON sources (next_due) WHERE state != 'paused'")
            self.db.execute("""
                CREATE TABLE IF NOT EXISTS source_entries (
                    source_id INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
                    identity TEXT NOT NULL,
                    link TEXT,
                    content_hash TEXT NOT NULL,
                    seed_path TEXT,
                    published TEXT,
                    taken_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    PRIMARY KEY (source_id, identity)
                ) WITHOUT ROWID""")
            self.db.execute("CREATE INDEX IF NOT EXISTS source_entries_link ON source_entries (link)")
            self.db.execute("CREATE INDEX IF NOT EXISTS source_entries_path ON source_entries (seed_path)")
            self.db.execute("CREATE INDEX IF NOT EXISTS source_entries_published ON source_entries (published) "
                            "WHERE seed_path IS NOT NULL")

    @contextmanager
    def _atomic(self, durable: bool = True) -> Iterator[None]:
        """One change in one transaction. `durable=False` commits without waiting for the disk (WAL keeps
        it atomic; an OS crash may undo it): used for "read, nothing new" and failure bookkeeping, where
        losing the change only means a source is read again sooner."""
        conn = self.db.conn
        if not durable and not conn.in_transaction:
            conn.execute("PRAGMA synchronous = NORMAL")
            try:
                with self.db.atomic():
                    yield
            finally:
                conn.execute("PRAGMA synchronous = FULL")
            return
        with self.db.atomic():
            yield

    def _row(self, sql: str, params: Iterable = ()) -> Source | None:
        cursor = self.db.execute(f"SELECT {', '.join(_SOURCE_FIELDS)} FROM sources {sql}", list(params))
        row = cursor.fetchone()
        return Source(*row) if row else None

    def _rows(self, sql: str = "", params: Iterable = ()) -> list[Source]:
        cursor = self.db.execute(f"SELECT {', '.join(_SOURCE_FIELDS)} FROM sources {sql}", list(params))
        return [Source(*row) for row in cursor.fetchall()]

    # Sources -----------------------------------------------------------------------------------

    def add(self, url: str, *, kind: str = FEED, name: str = "", feed_title: str | None = None,
            added_by: int | None = None, interval: float = DEFAULT_INTERVAL,
            now: datetime | None = None) -> tuple[Source, bool]:
        """(the source, True) after adding `url`; (the existing source, False) when its canonical URL is known.

        ValueError for a URL that cannot be fetched (not http/https …). A new source is due at once.
        """
        url = url.strip()
        reason = url_refusal(url)
        if reason:
            raise ValueError(f"cannot follow {url[:200]!r}: {reason}")
        if kind not in (FEED, PAGE):
            raise ValueError(f"kind must be 'feed' or 'page', not {kind!r}")
        key = canonical_url(url)
        now = now or _now()
        with self._atomic():
            existing = self._row("WHERE canonical_url = ?", [key])
            if existing:
                return existing, False
            slug = self._free_slug(slugify(name or feed_title or _host_path(key), 40, "source"))
            self.db.execute(
                "INSERT INTO sources (url, canonical_url, slug, name, kind, feed_title, added_by, added_at, "
                "interval, next_due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [url, key, slug, (name or "").strip()[:200], kind, feed_title, added_by, _iso(now),
                 max(MIN_INTERVAL, float(interval)), _iso(now)])
            source = self._row("WHERE canonical_url = ?", [key])
        assert source is not None
        return source, True

    def _free_slug(self, base: str) -> str:
        slug, n = base, 1
        while self.db.execute("SELECT 1 FROM sources WHERE slug = ?", [slug]).fetchone():
            n += 1
            slug = f"{base[:36]}-{n}"
        return slug

    def get(self, source_id: int) -> Source | None:
        return self._row("WHERE id = ?", [source_id])

    def find(self, number_or_url: int | str) -> Source | None:
        """The source with this number (its id, as `sources()` lists it) or this URL (any spelling)."""
        if isinstance(number_or_url, int):
            return self.get(number_or_url) if 0 <= number_or_url < 2**63 else None
        text = str(number_or_url).strip()
        if text.isdigit():  # a number as typed: ASCII digits that SQLite can hold, else no source has it
            return self.get(int(text)) if text.isascii() and len(text) <= 18 else None
        return self._row("WHERE canonical_url = ?", [canonical_url(str(number_or_url))])

    def sources(self) -> list[Source]:
        """Every source, by number."""
        return self._rows("ORDER BY id")

    def due(self, now: datetime | None = None) -> list[Source]:
        """Sources to read now: not paused, next_due reached; the longest overdue first."""
        return self._rows("WHERE state != 'paused' AND next_due <= ? ORDER BY next_due, id", [_iso(now or _now())])

    def remove(self, number_or_url: int | str) -> tuple[Source, list[str]] | None:
        """Forget a source and what was taken from it; (the source, its seed paths) or None if unknown.

        The seed files are left where they are: the caller decides whether to delete them.
        """
        with self._atomic():
            source = self.find(number_or_url)
            if source is None:
                return None
            paths = [row[0] for row in self.db.execute(
                "SELECT seed_path FROM source_entries WHERE source_id = ? AND seed_path IS NOT NULL", [source.id])]
            self.db.execute("DELETE FROM sources WHERE id = ?", [source.id])
        return source, paths

    def rename(self, source_id: int, name: str) -> None:
        with self._atomic():
            self.db.execute("UPDATE sources SET name = ? WHERE id = ?", [name.strip()[:200], source_id])

    def pause(self, source_id: int, reason: str) -> None:
        with self._atomic():
            self.db.execute("UPDATE sources SET state = 'paused', pause_reason = ? WHERE id = ?", [reason, source_id])

    def resume(self, source_id: int, now: datetime | None = None) -> None:
        """Un-pause: failures forgotten, due at once."""
        with self._atomic():
            self.db.execute("UPDATE sources SET state = 'ok', pause_reason = NULL, failures = 0, failing_since = NULL,"
                            " next_due = ? WHERE id = ?", [_iso(now or _now()), source_id])

    # Outcomes of a read --------------------------------------------------------------------------

    def record_not_modified(self, source_id: int, *, now: datetime, interval: float | None = None) -> None:
        """A 304 (or nothing new): healthy again, next read after `interval` (the effective one)."""
        with self._atomic(durable=False):
            self._ok(source_id, now, interval)

    def record_success(self, source_id: int, *, now: datetime, interval: float | None = None,
                       etag: str | None = None, last_modified: str | None = None, feed_title: str | None = None,
                       url: str | None = None, ttl: int | None = None,
                       taken: Iterable[TakenEntry] = ()) -> None:
        """A read that worked: validators, title and ttl saved, the taken entries recorded — one transaction."""
        with self._atomic():
            self._ok(source_id, now, interval)
            self.db.execute("UPDATE sources SET etag = ?, last_modified = ?, feed_title = COALESCE(?, feed_title), "
                            "ttl = ? WHERE id = ?", [etag, last_modified, feed_title, ttl, source_id])
            if url:
                self.db.execute("UPDATE sources SET url = ? WHERE id = ?", [url, source_id])
            for entry in taken:
                self._take(entry, now)

    def _ok(self, source_id: int, now: datetime, interval: float | None) -> None:
        source = self.get(source_id)
        if source is None:
            return
        seconds = max(MIN_INTERVAL, interval if interval is not None else source.interval)
        self.db.execute(
            "UPDATE sources SET last_checked = ?, last_ok = ?, next_due = ?, failures = 0, failing_since = NULL, "
            "last_error = NULL, state = CASE WHEN state = 'paused' THEN 'paused' ELSE 'ok' END WHERE id = ?",
            [_iso(now), _iso(now), _iso(now + timedelta(seconds=seconds)), source_id])

    def _take(self, entry: TakenEntry, now: datetime) -> None:
        existing = self.db.execute("SELECT 1 FROM source_entries WHERE source_id = ? AND identity = ?",
                                   [entry.source_id, entry.identity]).fetchone()
        if existing:
            self.db.execute("UPDATE source_entries SET link = ?, content_hash = ?, seed_path = ?, published = ?, "
                            "updated_at = ? WHERE source_id = ? AND identity = ?",
                            [entry.link, entry.content_hash, entry.seed_path, entry.published, _iso(now),
                             entry.source_id, entry.identity])
        else:
            self.db.execute("INSERT INTO source_entries (source_id, identity, link, content_hash, seed_path, "
                            "published, taken_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [entry.source_id, entry.identity, entry.link, entry.content_hash, entry.seed_path,
                             entry.published, _iso(now), _iso(now)])
            self.db.execute("UPDATE sources SET entries_taken = entries_taken + 1 WHERE id = ?", [entry.source_id])

    def record_failure(self, source_id: int, error: FetchError | str, *, now: datetime,
                       retry_after: float | None = None) -> FailureOutcome:
        """A failed read: back off, or pause (410 Gone, or failing for a day). See the module doc."""
        message = str(error)
        with self._atomic(durable=False):
            source = self.get(source_id)
            if source is None:
                return FailureOutcome(PAUSED, 0, None, False, message)
            failures = source.failures + 1
            since = _parse(source.failing_since) or now
            gone = isinstance(error, FetchError) and error.pause
            if gone or now - since >= PAUSE_AFTER:
                reason = message if gone else f"failing since {since:%Y-%m-%d %H:%M} UTC: {message}"
                notify = source.state != PAUSED
                self.db.execute("UPDATE sources SET last_checked = ?, last_error = ?, failures = ?, failing_since = ?, "
                                "state = 'paused', pause_reason = ? WHERE id = ?",
                                [_iso(now), message, failures, _iso(since), reason, source_id])
                return FailureOutcome(PAUSED, failures, None, notify, reason)
            delay = min(source.interval * 2 ** min(failures - 1, 20), max(BACKOFF_CAP, source.interval))
            if retry_after:
                delay = max(delay, effective_interval(MIN_INTERVAL, retry_after=retry_after))
            due = now + timedelta(seconds=delay)
            self.db.execute("UPDATE sources SET last_checked = ?, last_error = ?, failures = ?, failing_since = ?, "
                            "state = 'failing', next_due = ? WHERE id = ?",
                            [_iso(now), message, failures, _iso(since), _iso(due), source_id])
            return FailureOutcome(FAILING, failures, due, False, message)

    # Taken entries -------------------------------------------------------------------------------

    def taken(self, source_id: int, identities: Iterable[str]) -> dict[str, TakenEntry]:
        """The entries of `identities` already taken from this source, by identity."""
        keys = list(dict.fromkeys(identities))
        found: dict[str, TakenEntry] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            cursor = self.db.execute(
                f"SELECT source_id, identity, link, content_hash, seed_path, published FROM source_entries "
                f"WHERE source_id = ? AND identity IN ({', '.join('?' * len(chunk))})", [source_id, *chunk])
            for row in cursor:
                found[row[1]] = TakenEntry(*row)
        return found

    def taken_by_link(self, source_id: int, link: str) -> TakenEntry | None:
        """The entry taken from this source with this canonical link (under whatever identity), or None."""
        row = self.db.execute("SELECT source_id, identity, link, content_hash, seed_path, published FROM "
                              "source_entries WHERE link = ? AND source_id = ? LIMIT 1", [link, source_id]).fetchone()
        return TakenEntry(*row) if row else None

    def link_taken_elsewhere(self, link: str, source_id: int) -> int | None:
        """The id of another source this canonical link was already taken from, or None."""
        row = self.db.execute("SELECT source_id FROM source_entries WHERE link = ? AND source_id != ? LIMIT 1",
                              [link, source_id]).fetchone()
        return row[0] if row else None

    def entries(self, source_id: int) -> list[TakenEntry]:
        cursor = self.db.execute("SELECT source_id, identity, link, content_hash, seed_path, published "
                                 "FROM source_entries WHERE source_id = ? ORDER BY published DESC", [source_id])
        return [TakenEntry(*row) for row in cursor]

    def forget_paths(self, paths: Iterable[str]) -> int:
        """Seed files removed (by retention): their entries stay taken, without a path. Returns the count."""
        count = 0
        with self._atomic():
            for path in paths:
                count += self.db.execute("UPDATE source_entries SET seed_path = NULL WHERE seed_path = ?",
                                         [str(path)]).rowcount
        return count

    def expire(self, seeds_dir: Path | str, cutoff: datetime) -> list[Path]:
        """Delete the seed files of entries published before `cutoff` (retention) and forget their paths;
        the deleted paths. An entry stays taken (it is not fetched again). A path outside the seed folder
        is never deleted."""
        seeds_dir = Path(seeds_dir)
        root = seeds_dir.resolve()
        rows = [row[0] for row in self.db.execute(
            "SELECT seed_path FROM source_entries WHERE seed_path IS NOT NULL AND published < ?", [_iso(cutoff)])]
        removed: list[Path] = []
        for rel in rows:
            path = seeds_dir / rel
            try:
                if root not in path.resolve().parents or path.is_symlink():
                    continue
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                continue
            removed.append(path)
        self.forget_paths(rows)
        for folder in {p.parent for p in removed}:  # month and source folders left empty
            for empty in (folder, folder.parent):
                try:
                    empty.rmdir()
                except OSError:
                    break
        return removed

    # OPML ----------------------------------------------------------------------------------------

    def import_opml(self, data: bytes, *, added_by: int | None = None, interval: float = DEFAULT_INTERVAL,
                    now: datetime | None = None) -> OpmlImport:
        """Add every feed and page an OPML file lists (BadOpml when it is not readable OPML)."""
        contents = parse_opml(data)
        report = OpmlImport([], [], list(contents.duplicates), list(contents.skipped))
        for item in contents.items:
            try:
                source, created = self.add(item.url, kind=FEED if item.kind == "feed" else PAGE, name=item.title,
                                           added_by=added_by, interval=interval, now=now)
            except ValueError as exc:
                report.skipped.append((item.url, str(exc)))
                continue
            (report.added if created else report.already).append(source)
        return report

    def export_opml(self, now: datetime | None = None) -> bytes:
        items = [OpmlItem(s.url, s.kind, s.name or s.feed_title or "") for s in self.sources()]
        return export_opml(items, now=now)


def _host_path(url: str) -> str:
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    return host.split(".")[0] if host.count(".") >= 1 and len(host.split(".")[0]) > 2 else host
