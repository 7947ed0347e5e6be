"""Building briefing.db from the seed folder: read, extract, merge people, write; atomically either way.

Two kinds of build, both all-or-nothing for readers:

- A full build (no store yet, a new schema, reader or extractor version, or many changed files)
  writes a new file beside the old store and renames it over the old one (`os.replace`), so a reader
  sees either the old store or the new one, never a half-written file, and a failed or killed build
  leaves the old store serving. Files are read and extracted by a pool of worker processes (one per
  core; in this process for small folders), in order and a few chunks at a time, while this process
  writes rows with plain `executemany` into a file with no journal (it is nobody's store until the
  rename); FTS and indexes are built after the bulk insert.
- An incremental build (a few files changed, added or removed) updates the store in place, in one
  SQLite transaction in WAL mode: it deletes the changed documents' rows, inserts their new
  versions, merges again only the people the change can reach (`_affected_records`) and updates
  FTS rows and meta. That is as atomic as the rename: readers keep the snapshot they started with
  until the commit, then see all of it; an error rolls the transaction back and a killed build
  leaves only uncommitted log frames, which SQLite ignores. The result equals a clean build table
  for table, except that ids are kept where they can be (tests/store/test_incremental.py).

A running `bot.queries.Store` notices both: a new inode after a full build, `PRAGMA data_version`
after an incremental one. Builds that touch the live store take turns (`_store_lock`), and a full
build empties the old store's WAL before its rename (`_empty_wal`), since `-wal`/`-shm` files go by
name. An unchanged seed folder (same files, same content hashes, same extractor and reader
versions) is not rebuilt; files whose stat matches the last build's record are not hashed again
(`_seed_hashes`). The extraction of each file is kept in the store (compressed, keyed by
content hash), so a full rebuild extracts only the files that changed.
"""
from __future__ import annotations

import bisect
import concurrent.futures
import contextlib
import dataclasses
import glob
import hashlib
import itertools
import json
import multiprocessing
import os
import signal
import sqlite3
import tempfile
import threading
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import bot.extract
from bot.documents import READER_VERSION, UnreadableDocument, read_document
from bot.models import Extraction, KeyPoint, Person, Quote
from bot.names import HONORIFICS, folded_labels, label_words, posting_keys

try:
    import fcntl
except ImportError:  # Windows: no flock, so stale temp files are not cleaned up there
    fcntl = None

SCHEMA_VERSION = "4"
TEMP_SUFFIX = ".building"  # a store being written, beside the one it will replace
BATCH_ROWS = 20_000  # rows held back for one executemany per table
POOL_THRESHOLD = 200  # files: fewer are read and extracted in this process (a pool costs more than it saves)
CHUNK_SIZE = 16  # files per task sent to a worker
CHUNKS_IN_FLIGHT = 4  # tasks queued per worker: enough to keep it busy, few enough to keep memory flat
INCREMENTAL_MIN_FILES = 50  # up to this many changed files (or INCREMENTAL_SHARE of them) update in place
INCREMENTAL_SHARE = 0.05

Progress = Callable[[int, int, str], None]  # (files done, files in all, path just read)


def extractor_version() -> str:
    """The extractor's own version (bot.extract.EXTRACTOR_VERSION): a bump invalidates every stored extraction."""
    return str(getattr(bot.extract, "EXTRACTOR_VERSION", "0"))


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass
class BuildReport:
    db_path: Path
    unchanged: bool  # True when the store was already built from these very files
    documents: int = 0
    people: int = 0
    quotes: int = 0
    key_points: int = 0
    reused: int = 0  # documents whose extraction was taken from the previous store
    skipped: list[SkippedFile] = field(default_factory=list)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase of a full build


# ---- what is in the seed folder -------------------------------------------------------------

def seed_files(seeds_dir: Path) -> list[Path]:
    """Every regular file under `seeds_dir`, sorted, except hidden ones (".gitkeep", editor swap files)."""
    return [seeds_dir / rel for rel, _ in _scan(seeds_dir)]


def _scan(seeds_dir: Path) -> list[tuple[str, list[int]]]:
    """(path relative to the folder, [size, mtime, ctime, inode]) of each seed file, in Path order.

    One scandir pass (what `Path.rglob` visits: symlinked folders are not entered, hidden names are
    skipped), so that a large folder is listed and stat'ed in a fraction of a second.
    """
    found: list[tuple[str, list[int]]] = []

    def walk(folder: str, prefix: str) -> None:
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except PermissionError:
            return
        for entry in listed:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, f"{prefix}{entry.name}/")
                elif entry.is_file():
                    status = entry.stat()
                    found.append((prefix + entry.name,
                                  [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino]))
            except OSError:  # gone meanwhile
                continue

    walk(str(seeds_dir), "")
    if any("/" in rel for rel, _ in found):
        found.sort(key=lambda item: item[0].split("/"))  # as Paths sort: part by part
    else:
        found.sort()  # a flat folder: the same order, faster
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _SeedHashes(dict):
    """Path relative to the folder → content hash of every seed file (in Path order), with their stats
    and the hashes the store recorded."""
    folder: Path
    stats: dict[str, str]  # "size:mtime:ctime:inode" (a string: quick to compare, store and load)
    scanned_at: int
    recorded: dict[str, str]


def _seed_hashes(seeds_dir: Path, meta: dict[str, str]) -> _SeedHashes:
    """Content hashes of the seed files; a file whose stat (size, mtime, ctime, inode) is what the store
    recorded is not read again. Like git's index: only a stat taken more than a second after the file
    last changed is trusted, so a write within the same clock tick cannot go unnoticed."""
    scanned_at = time.time_ns()
    try:
        old_hashes = json.loads(meta.get("seed_hashes", "{}"))
        old_stats = json.loads(meta.get("seed_stats", "{}"))
        trusted_before = int(meta.get("seed_stats_at", "0")) - 1_000_000_000
    except ValueError:
        old_hashes, old_stats, trusted_before = {}, {}, 0
    hashes = _SeedHashes()
    hashes.folder, hashes.stats, hashes.scanned_at, hashes.recorded = seeds_dir, {}, scanned_at, old_hashes
    for rel, status in _scan(seeds_dir):
        known = old_hashes.get(rel)
        stamp = "%d:%d:%d:%d" % tuple(status)
        if known is None or old_stats.get(rel) != stamp or status[2] >= trusted_before:
            known = _sha256(seeds_dir / rel)
        hashes[rel] = known
        hashes.stats[rel] = stamp
    return hashes


def _fingerprint(seeds_dir: Path, hashes: _SeedHashes) -> str:
    """One hash for the whole input: file names, contents, and the versions of reader, extractor and schema."""
    digest = hashlib.sha256(f"{SCHEMA_VERSION}|{READER_VERSION}|{extractor_version()}".encode())
    for rel, sha in hashes.items():
        digest.update(f"\n{rel}\t{sha}".encode())
    return digest.hexdigest()


def _stored_meta(db_path: Path) -> dict[str, str]:
    """The meta table of an existing store, or {} when there is none or it cannot be read."""
    if not db_path.is_file():
        return {}
    try:
        with sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True) as conn:
            return dict(conn.execute("select key, value from meta"))
    except sqlite3.Error:
        return {}


# ---- merging people across documents ----------------------------------------------------------

def name_key(name: str) -> str:
    """How names are compared: case, dots and honorifics ignored ("Mr. Blinken" ~ "blinken")."""
    tokens = name.casefold().replace(".", " ").replace("’", "'").split()
    while len(tokens) > 1 and tokens[0] in HONORIFICS:
        tokens = tokens[1:]
    return " ".join(tokens)


@dataclass
class _PersonRecord:
    """One person as one document's extraction saw them."""
    document_index: int
    person: Person
    group: int = -1


@dataclass
class MergedPerson:
    id: int
    name: str
    role: str | None
    aliases: list[str]
    mentions: int


def merge_people(people_by_document: list[list[Person]]) -> tuple[list[MergedPerson], list[dict[str, int]]]:
    """People merged across documents; and, per document, each local name → merged person id.

    Same name (by `name_key`) → one person. A short name of one document ("Blinken") joins the
    person of another document who carries it as an alias ("Anthony J. Blinken", alias "Mr.
    Blinken") — only when exactly one fuller name claims it, so two different Smiths stay apart.
    """
    records = [_PersonRecord(d, p) for d, people in enumerate(people_by_document) for p in people]
    group_of_key: dict[str, int] = {}
    for record in records:
        record.group = group_of_key.setdefault(name_key(record.person.name), len(group_of_key))
    claimants: dict[str, set[int]] = {}
    for record in records:
        for alias in record.person.aliases:
            key = name_key(alias)
            if key in group_of_key and group_of_key[key] != record.group:
                claimants.setdefault(key, set()).add(record.group)
    # Only towards a fuller name, so redirects cannot form cycles.
    key_of_group = list(group_of_key)
    redirect = {
        group_of_key[key]: group for key, (group,) in ((k, tuple(g)) for k, g in claimants.items() if len(g) == 1)
        if len(key_of_group[group].split()) > len(key.split())
    }

    def final_group(group: int) -> int:
        while group in redirect:  # "Blinken" → "Anthony Blinken" → "Anthony J. Blinken"
            group = redirect[group]
        return group

    members: dict[int, list[_PersonRecord]] = {}
    for record in records:
        members.setdefault(final_group(record.group), []).append(record)

    merged: list[MergedPerson] = []
    ids_by_document: list[dict[str, int]] = [{} for _ in people_by_document]
    for group_records in sorted(members.values(), key=lambda rs: name_key(_canonical(rs).name)):
        canonical = _canonical(group_records)
        with_role = [r.person for r in group_records if r.person.role]
        role = max(with_role, key=lambda p: p.mentions).role if with_role else None
        aliases: list[str] = []
        for record in group_records:
            for alias in [record.person.name, *record.person.aliases]:
                if alias != canonical.name and alias not in aliases:
                    aliases.append(alias)
        person = MergedPerson(len(merged) + 1, canonical.name, role, aliases,
                              sum(r.person.mentions for r in group_records))
        merged.append(person)
        for record in group_records:
            ids_by_document[record.document_index][record.person.name] = person.id
    return merged, ids_by_document


def _canonical(records: list[_PersonRecord]) -> Person:
    """The fullest name among the records (most words, then most mentions)."""
    return max((r.person for r in records), key=lambda p: (len(p.name.split()), p.mentions, p.name))


# ---- one document's rows -----------------------------------------------------------------------

def quote_strength(text: str) -> int:
    """How much a quote says: its words, capped; 1-3 word fragments ("just and lasting") rank last."""
    words = len(text.split())
    return words if words <= 3 else 10 + min(words, 40)


def _extraction_to_blob(extraction: Extraction) -> bytes:
    # vars() instead of dataclasses.asdict: the same JSON, several times faster on large builds.
    return zlib.compress(json.dumps(extraction, default=vars, ensure_ascii=False).encode())


def _extraction_from_blob(blob: bytes) -> Extraction:
    data = json.loads(zlib.decompress(blob))
    return Extraction(
        people=[Person(**{**p, "spans": [tuple(s) for s in p.get("spans", [])]}) for p in data["people"]],
        quotes=[Quote(**q) for q in data["quotes"]],
        key_points=[KeyPoint(**k) for k in data["key_points"]],
    )


class _ExtractionCache:
    """Extractions kept by the previous store, looked up by (content hash, file type, versions)."""

    def __init__(self, db_path: Path | None, versions: str, conn: sqlite3.Connection | None = None):
        self.versions = versions
        self.conn: sqlite3.Connection | None = conn
        self.owned = conn is None
        if conn is None and db_path is not None and db_path.is_file():
            try:
                self.conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
                self.conn.execute("select 1 from extraction_cache limit 1")
            except sqlite3.Error:
                self.close()

    @staticmethod
    def key(sha256: str, path: Path) -> str:
        return f"{sha256}:{path.suffix.lower()}"

    def get_blob(self, key: str) -> bytes | None:
        if self.conn is None:
            return None
        try:
            row = self.conn.execute("select extraction from extraction_cache where key = ? and versions = ?",
                                    (key, self.versions)).fetchone()
        except sqlite3.Error:
            return None
        return None if row is None else row[0]

    def close(self) -> None:
        if self.conn is not None and self.owned:
            self.conn.close()
        self.conn = None


class _Prepared(NamedTuple):
    """One seed file made ready for the store (in a worker process or in this one); plain tuples only.

    `records` are the document's people as its extraction saw them: (name, aliases, role, mentions,
    paragraphs); mentions, person_paragraphs and person_documents refer to them by their position
    (`ord`), quotes by the position of their speaker, so that the merged person ids can be filled
    in once people are merged across documents.
    """
    rel: str
    path: str
    sha256: str
    skipped: str | None = None
    document: tuple = ()  # title, published, credits, added_at, sort_date, words, paragraphs, people, quotes
    paragraphs: list = []  # (idx, start, end, text)
    key_points: list = []  # (paragraph, rank, kind, text, start, end, score)
    cache_key: str = ""
    blob: bytes = b""
    reused: bool = False
    records: list = []  # (name, aliases tuple, role, mentions, paragraphs)
    mentions: list = []  # (ord, paragraph, start, end)
    person_paragraphs: list = []  # (ord, paragraph)
    person_documents: list = []  # (ord, first_paragraph, mentions)
    quotes: list = []  # (speaker ord or None, speaker, paragraph, start, end, text, words, strength)


def _prepare(path: Path, rel: str, sha: str, cache: _ExtractionCache | None) -> _Prepared:
    """Read and extract one file (or take its extraction from the cache) and turn it into rows."""
    try:
        document = read_document(path)
    except UnreadableDocument as exc:
        return _Prepared(rel, str(path), sha, skipped=str(exc))
    key = _ExtractionCache.key(sha, path)
    blob = cache.get_blob(key) if cache is not None else None
    extraction = None
    if blob is not None:
        try:
            extraction = _extraction_from_blob(blob)
        except (zlib.error, ValueError, TypeError, KeyError):  # written by another shape of bot.models
            extraction = None
    reused = extraction is not None
    if extraction is None:
        extraction = bot.extract.extract(document)
        blob = _extraction_to_blob(extraction)
    spans = [(p.start, p.end) for p in document.paragraphs]

    def paragraph_at(offset: int) -> int | None:
        """Index of the story paragraph holding `offset`, or None (credits, boilerplate)."""
        position = bisect.bisect_right(spans, (offset, float("inf"))) - 1
        if position >= 0 and offset < spans[position][1]:
            return position
        return None

    added_at = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
    sort_date = document.published or added_at
    records, mentions, person_paragraphs, person_documents = [], [], [], []
    local: dict[str, int] = {}
    for ord_, person in enumerate(extraction.people):
        paragraphs: dict[int, int] = {}
        for start, end in person.spans:
            paragraph = paragraph_at(start)
            if paragraph is None:
                continue
            paragraphs[paragraph] = paragraphs.get(paragraph, 0) + 1
            mentions.append((ord_, paragraph, start, end))
        person_paragraphs.extend((ord_, paragraph) for paragraph in paragraphs)
        person_documents.append((ord_, min(paragraphs, default=0), person.mentions))
        records.append((person.name, tuple(person.aliases), person.role, person.mentions, len(paragraphs)))
        local[person.name] = ord_
    quotes = [(local.get(q.speaker) if q.speaker else None, q.speaker, q.paragraph, q.start, q.end, q.text,
               len(q.text.split()), quote_strength(q.text)) for q in extraction.quotes]
    ranked = sorted(extraction.key_points, key=lambda k: -k.score)
    return _Prepared(
        rel, str(path), sha,
        document=(document.title, document.published, json.dumps(document.credits, ensure_ascii=False), added_at,
                  sort_date, sum(len(p.text.split()) for p in document.paragraphs), len(document.paragraphs),
                  len(extraction.people), len(extraction.quotes)),
        paragraphs=[(p.index, p.start, p.end, p.text) for p in document.paragraphs],
        key_points=[(k.paragraph, rank, k.kind, k.text, k.start, k.end, k.score) for rank, k in enumerate(ranked)],
        cache_key=key, blob=blob, reused=reused, records=records, mentions=mentions,
        person_paragraphs=person_paragraphs, person_documents=person_documents, quotes=quotes,
    )


# ---- reading and extracting: in this process, or in a pool over the cores ------------------------

_worker_cache: _ExtractionCache | None = None


def _worker_start(db_path: str | None, versions: str, parent: int | None) -> None:
    global _worker_cache
    _die_with_parent(parent)
    _worker_cache = _ExtractionCache(Path(db_path) if db_path else None, versions)


def _die_with_parent(parent: int | None) -> None:
    """A worker ends when the build that started it is killed (SIGKILL included), instead of living on
    with the build's inherited files open (Linux; elsewhere it ends when its task queue closes)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _worker_prepare(items: list[tuple[str, str, str]]) -> list[_Prepared]:
    return [_prepare(Path(path), rel, sha, _worker_cache) for path, rel, sha in items]


def _pool_context():
    """fork where it is safe (no other threads: quick, and a test's stand-in extractor comes along), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _prepared_stream(items: list[tuple[Path, str, str]], db_path: Path, versions: str,
                     workers: int | None) -> Iterator[_Prepared]:
    """Every file prepared, in order. Large folders go through a process pool over the cores, fed in
    chunks with a bounded number in flight (memory stays flat); small ones are done here, where
    starting workers would cost more than it saves."""
    if workers is None:
        workers = (os.cpu_count() or 1) if len(items) >= POOL_THRESHOLD else 1
    if workers <= 1:
        cache = _ExtractionCache(db_path, versions)
        try:
            for path, rel, sha in items:
                yield _prepare(path, rel, sha, cache)
        finally:
            cache.close()
        return
    chunks = [[(str(p), r, s) for p, r, s in items[i:i + CHUNK_SIZE]] for i in range(0, len(items), CHUNK_SIZE)]
    in_flight: deque[concurrent.futures.Future] = deque()
    context = _pool_context()
    # A forkserver's workers are its children, not ours; it ends with us, and they with it.
    parent = None if context.get_start_method() == "forkserver" else os.getpid()
    with concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker_start,
            initargs=(str(db_path) if db_path.is_file() else None, versions, parent)) as pool:
        try:
            pending = iter(chunks)
            for chunk in itertools.islice(pending, workers * CHUNKS_IN_FLIGHT):
                in_flight.append(pool.submit(_worker_prepare, chunk))
            while in_flight:
                done = in_flight.popleft().result()
                following = next(pending, None)
                if following is not None:
                    in_flight.append(pool.submit(_worker_prepare, following))
                yield from done
        finally:
            for future in in_flight:
                future.cancel()


# ---- writing rows ---------------------------------------------------------------------------------

_TABLES = """
create table documents (id integer primary key, path text, title text, sha256 text, published text, credits text,
    added_at text, sort_date text, words integer, paragraphs integer, people integer, quotes integer);
create table document_order (position integer primary key, document_id integer references documents(id));
create table paragraphs (id integer primary key, document_id integer references documents(id), idx integer,
    start integer, "end" integer, text text);
create table people (id integer primary key, name text, role text, mentions integer, quotes integer,
    documents integer, paragraphs integer, labels text);
create table name_postings (token text, mentions integer, quotes integer, person_id integer references people(id));
create table name_vocabulary (token text primary key, people integer);
create table aliases (person_id integer references people(id), alias text);
create table mentions (person_id integer references people(id), document_id integer references documents(id),
    paragraph integer, start integer, "end" integer, ord integer);
create table person_documents (person_id integer references people(id), document_id integer references documents(id),
    first_paragraph integer, mentions integer, sort_date text, ord integer);
create table person_paragraphs (person_id integer references people(id),
    document_id integer references documents(id), paragraph integer, sort_date text, ord integer);
create table quotes (id integer primary key, person_id integer references people(id), speaker text,
    document_id integer references documents(id), paragraph integer, start integer, "end" integer, text text,
    words integer, strength integer, sort_date text);
create table key_points (document_id integer references documents(id), paragraph integer, rank integer, kind text,
    text text, start integer, "end" integer, score float);
create table person_records (id integer primary key, document_id integer references documents(id), ord integer,
    person_id integer references people(id), name text, name_key text, aliases text, role text, mentions integer);
create table alias_keys (key text, record_id integer references person_records(id));
create table meta (key text primary key, value text);
create table extraction_cache (key text primary key, versions text, extraction blob);
"""
# `document_order` numbers documents oldest first (by sort_date, then id), so that "the Nth newest" is
# one lookup. `people.labels` holds a person's name and aliases folded by `bot.names`, one per
# line; `name_postings` lists, for each folded name word and each whole label ("=" + label), the people
# who have it, in the order of the people index (most mentioned first); `name_vocabulary` counts the
# people of each word. Those three are
# what /who searches (see `bot.queries.NameIndex`).
# `person_records` and `alias_keys` are what extraction saw of each document's people (the input of
# `merge_people`), kept so that an incremental build can merge again only the people a change touches.

_INDEXES = [  # (table, columns, unique): built after the bulk insert, which is faster than keeping them up
    ("documents", ["sort_date", "id"], False),
    ("documents", ["path"], True),
    ("paragraphs", ["document_id", "idx"], True),
    ("people", ["mentions desc", "quotes desc", "id"], False),
    ("name_postings", ["token", "mentions desc", "quotes desc", "person_id"], False),
    ("aliases", ["person_id"], False),
    ("mentions", ["person_id", "document_id", "paragraph"], False),
    ("person_documents", ["person_id", "sort_date", "document_id"], False),
    ("person_documents", ["document_id", "mentions"], False),
    ("person_paragraphs", ["person_id", "sort_date", "document_id", "paragraph"], False),
    ("quotes", ["person_id", "strength desc", "id"], False),
    ("quotes", ["document_id", "strength desc", "id"], False),
    ("quotes", ["sort_date", "strength"], False),
    ("key_points", ["document_id", "rank"], False),
    ("person_records", ["name_key"], False),
    ("person_records", ["document_id", "ord"], False),
    ("alias_keys", ["key"], False),
    ("alias_keys", ["record_id"], False),
]


class _Rows:
    """Rows waiting for one executemany per table (plain sqlite3: no per-row Python work beyond the tuple)."""

    SQL = {
        "documents": "insert into documents values (?,?,?,?,?,?,?,?,?,?,?,?)",
        "paragraphs": "insert into paragraphs (document_id, idx, start, \"end\", text) values (?,?,?,?,?)",
        "key_points": "insert into key_points values (?,?,?,?,?,?,?,?)",
        "extraction_cache": "insert or replace into extraction_cache values (?,?,?)",
        "mentions": "insert into mentions values (?,?,?,?,?,?)",
        "person_paragraphs": "insert into person_paragraphs values (?,?,?,?,?)",
        "person_documents": "insert into person_documents values (?,?,?,?,?,?)",
        "quotes": "insert into quotes values (?,?,?,?,?,?,?,?,?,?,?)",
        "person_records": "insert into person_records values (?,?,?,?,?,?,?,?,?)",
        "alias_keys": "insert into alias_keys values (?,?)",
        "aliases": "insert into aliases values (?,?)",
        "people": "insert into people values (?,?,?,?,?,?,?,?)",
        "name_postings": "insert into name_postings values (?,?,?,?)",
    }

    def __init__(self, conn: sqlite3.Connection, on_flush: Callable[[], None] | None = None):
        self.conn = conn
        self.pending: dict[str, list[tuple]] = {table: [] for table in self.SQL}
        self.count = 0
        self.on_flush = on_flush

    def add(self, table: str, rows: Iterable[tuple]) -> None:
        batch = self.pending[table]
        before = len(batch)
        batch.extend(rows)
        self.count += len(batch) - before
        if self.count >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        for table, batch in self.pending.items():
            if batch:
                self.conn.executemany(self.SQL[table], batch)
                batch.clear()
        self.count = 0
        if self.on_flush is not None:
            self.on_flush()


def _write_people(rows: _Rows, people: Iterable[tuple[int, str, str | None, list[str], int, int, int, int]]) -> Counter[str]:
    """Rows of people (id, name, role, aliases, mentions, quotes, documents, paragraphs): the person, the
    aliases and the name postings. Returns how many of these people each name word has."""
    vocabulary: Counter[str] = Counter()
    for pid, name, role, aliases, mentions, quotes, documents, paragraphs in people:
        labels = folded_labels(name, aliases)
        words = label_words(labels)
        vocabulary.update(words)
        rows.add("people", [(pid, name, role, mentions, quotes, documents, paragraphs, "\n".join(labels))])
        rows.add("aliases", [(pid, alias) for alias in aliases])
        rows.add("name_postings", [(key, mentions, quotes, pid) for key in posting_keys(labels, words)])
    return vocabulary


def _drop_name_postings(conn: sqlite3.Connection, person_ids: Iterable[int]) -> set[str]:
    """Delete these people's name postings (each by its whole index key); returns their name words."""
    words: set[str] = set()
    for chunk in _chunks(sorted(person_ids)):
        people = conn.execute(f"select id, labels, mentions, quotes from people where id in ({','.join('?' * len(chunk))})",
                              chunk).fetchall()
        for pid, labels, mentions, quotes in people:
            labels = labels.split("\n") if labels else []
            mine = label_words(labels)
            conn.executemany("delete from name_postings where token = ? and mentions = ? and quotes = ? and person_id = ?",
                             [(key, mentions, quotes, pid) for key in posting_keys(labels, mine)])
            words.update(mine)
    return words


def _recount_name_vocabulary(conn: sqlite3.Connection, words: Iterable[str]) -> None:
    for word in words:
        (people,) = conn.execute("select count(*) from name_postings where token = ?", (word,)).fetchone()
        if people:
            conn.execute("insert or replace into name_vocabulary values (?, ?)", (word, people))
        else:
            conn.execute("delete from name_vocabulary where token = ?", (word,))


def _number_documents(conn: sqlite3.Connection, since: tuple[str, int] | None = None) -> None:
    """`document_order`: 1 for the oldest document (by sort_date, then id), and on.

    `since`: the (sort_date, id) of the oldest document an incremental build added or removed. The
    numbers before it stand; only those from there on are written again (one row when the document
    added is the newest)."""
    since = since or ("", 0)
    (base,) = conn.execute("select count(*) from documents where (sort_date, id) < (?, ?)", since).fetchone()
    conn.execute("delete from document_order where position > ?", (base,))
    conn.execute("insert into document_order select ? + row_number() over (order by sort_date, id), id"
                 " from documents where (sort_date, id) >= (?, ?)", (base, *since))


def _add_document(rows: _Rows, document_id: int, prepared: _Prepared, person_of: list[int | None],
                  first_quote_id: int, versions: str) -> None:
    """A prepared document's rows; `person_of[ord]` is the person id (or, in a full build, the record id)."""
    d = prepared.document
    sort_date = d[4]
    rows.add("documents", [(document_id, prepared.rel, d[0], prepared.sha256, d[1], d[2], d[3], sort_date, d[5], d[6],
                            d[7], d[8])])
    rows.add("paragraphs", [(document_id, *p) for p in prepared.paragraphs])
    rows.add("key_points", [(document_id, *k) for k in prepared.key_points])
    rows.add("extraction_cache", [(prepared.cache_key, versions, prepared.blob)])
    rows.add("mentions", [(person_of[o], document_id, paragraph, start, end, o)
                          for o, paragraph, start, end in prepared.mentions])
    rows.add("person_paragraphs", [(person_of[o], document_id, paragraph, sort_date, o)
                                   for o, paragraph in prepared.person_paragraphs])
    rows.add("person_documents", [(person_of[o], document_id, first, mentions, sort_date, o)
                                  for o, first, mentions in prepared.person_documents])
    rows.add("quotes", [(first_quote_id + n, None if o is None else person_of[o], speaker, document_id, paragraph,
                         start, end, text, words, strength, sort_date)
                        for n, (o, speaker, paragraph, start, end, text, words, strength) in enumerate(prepared.quotes)])


def _add_records(rows: _Rows, document_id: int, prepared: _Prepared, first_record_id: int,
                 person_of: list[int | None]) -> None:
    rows.add("person_records", [
        (first_record_id + o, document_id, o, person_of[o], name, name_key(name),
         json.dumps(list(aliases), ensure_ascii=False), role, mentions)
        for o, (name, aliases, role, mentions, _) in enumerate(prepared.records)])
    rows.add("alias_keys", [(name_key(alias), first_record_id + o)
                            for o, record in enumerate(prepared.records) for alias in record[1]])


class _Record:
    """The part of a Person that `merge_people` reads, without the spans."""
    __slots__ = ("name", "aliases", "role", "mentions")

    def __init__(self, name: str, aliases: list[str], role: str | None, mentions: int):
        self.name, self.aliases, self.role, self.mentions = name, aliases, role, mentions


def _meta_rows(fingerprint: str, seeds_dir: Path, hashes: _SeedHashes, report: BuildReport,
               paragraphs: int) -> list[tuple[str, str]]:
    counts = {"documents": report.documents, "people": report.people, "quotes": report.quotes,
              "key_points": report.key_points}
    return [
        ("fingerprint", fingerprint),
        ("built_at", datetime.now(timezone.utc).isoformat(timespec="seconds")),
        ("schema_version", SCHEMA_VERSION),
        ("reader_version", READER_VERSION),
        ("extractor_version", extractor_version()),
        ("seed_hashes", json.dumps(hashes)),
        ("seed_stats", json.dumps(hashes.stats)),
        ("seed_stats_at", str(hashes.scanned_at)),
        ("skipped", json.dumps([dataclasses.asdict(s) for s in report.skipped])),
        ("counts", json.dumps(counts)),
        ("paragraphs", str(paragraphs)),
    ]


# ---- the build ----------------------------------------------------------------------------------

def build(seeds_dir: str | Path, db_path: str | Path, *, progress: Progress | None = None,
          workers: int | None = None, incremental: bool = True) -> BuildReport:
    """Build the store at `db_path` from the files in `seeds_dir`, unless it is already built from them.

    Unreadable files are skipped and listed in the report. Any other failure (an error in
    extraction, a full disk) raises, and the store that was there before stays as it was.
    `workers`: processes reading and extracting (default: every core for large folders, none for
    small ones). `incremental=False` always writes a new file.
    """
    started = time.monotonic()
    seeds_dir, db_path = Path(seeds_dir), Path(db_path)
    if not seeds_dir.is_dir():
        raise FileNotFoundError(f"seed folder not found: {seeds_dir}")
    meta = _stored_meta(db_path)
    hashes = _seed_hashes(seeds_dir, meta)
    fingerprint = _fingerprint(seeds_dir, hashes)
    if meta.get("fingerprint") == fingerprint:
        return BuildReport(db_path, unchanged=True, skipped=[SkippedFile(**s) for s in json.loads(meta["skipped"])],
                           seconds=time.monotonic() - started, **json.loads(meta["counts"]))

    db_path.parent.mkdir(parents=True, exist_ok=True)
    report = None
    for _ in range(3) if incremental else ():
        report = _update_in_place(db_path, seeds_dir, hashes, fingerprint, meta, progress)
        if report is not _STALE:
            break
        meta = _stored_meta(db_path)  # another build changed the store meanwhile: look again
        if meta.get("fingerprint") == fingerprint:
            return BuildReport(db_path, unchanged=True, seconds=time.monotonic() - started,
                               skipped=[SkippedFile(**s) for s in json.loads(meta["skipped"])],
                               **json.loads(meta["counts"]))
    if report is None or report is _STALE:
        report = _build_new_file(db_path, seeds_dir, hashes, fingerprint, progress, workers)
    report.db_path = db_path
    report.seconds = time.monotonic() - started
    return report


def _build_new_file(db_path: Path, seeds_dir: Path, hashes: _SeedHashes, fingerprint: str,
                    progress: Progress | None, workers: int | None) -> BuildReport:
    """The full build: a new file beside the store, renamed over it when complete."""
    _remove_stale_builds(db_path)
    handle, temp_name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=TEMP_SUFFIX, dir=db_path.parent)
    _hold(handle)  # until the rename: marks the temp file as this running build's
    try:
        report = _write_store(Path(temp_name), seeds_dir, hashes, fingerprint, db_path, progress, workers)
        _sync_file(Path(temp_name))
        # mkstemp makes the file private; the store is as readable as the one it replaces.
        os.chmod(temp_name, db_path.stat().st_mode & 0o777 if db_path.exists() else 0o644)
        with _store_lock(db_path):
            _empty_wal(db_path)
            os.replace(temp_name, db_path)
        _sync_directory(db_path.parent)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    finally:
        os.close(handle)  # after SQLite closed the file: closing earlier would drop SQLite's own locks
    return report


def _hold(handle: int) -> None:
    """Lock a build's temp file for as long as the build runs (the lock dies with the process)."""
    if fcntl is not None:
        fcntl.flock(handle, fcntl.LOCK_EX)


def _remove_stale_builds(db_path: Path) -> None:
    """Delete temp files that killed builds (SIGKILL, power loss) left beside the store.

    A running build holds a lock on its temp file, so only files nobody holds are removed, never
    the file of a build still running in another process. Without flock (Windows) nothing is removed.
    """
    if fcntl is None:
        return
    for path in db_path.parent.glob(f".{glob.escape(db_path.name)}.*{TEMP_SUFFIX}"):
        try:
            with path.open("rb") as stale:
                fcntl.flock(stale.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                path.unlink()
        except OSError:  # held by a running build, or already gone
            continue


@contextlib.contextmanager
def _store_lock(db_path: Path) -> Iterator[None]:
    """Builds that change the live store (an in-place update, the rename of a new file) take turns.

    The lock is a flock on the store's folder (no lock file to leave behind); it dies with the process.
    """
    if fcntl is None:
        yield
        return
    fd = os.open(db_path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _empty_wal(db_path: Path) -> None:
    """Before a new file is renamed over a store in WAL mode: move every committed page into the old
    file and cut its `-wal` to zero bytes, so that no frame of the old store's log can ever be read
    as part of the new one (the `-wal` and `-shm` files go by name, not by inode)."""
    if not db_path.exists():  # a log left by a store deleted while open is nobody's: it must not pair with ours
        for leftover in (Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
            leftover.unlink(missing_ok=True)
        return
    if not Path(f"{db_path}-wal").exists():
        return
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        busy, _, _ = conn.execute("pragma wal_checkpoint(truncate)").fetchone()
    finally:
        conn.close()
    if busy:
        raise sqlite3.OperationalError(f"{db_path} is busy: its log could not be emptied; the old store is serving")


def _write_store(temp_path: Path, seeds_dir: Path, hashes: _SeedHashes, fingerprint: str, old_store: Path,
                 progress: Progress | None, workers: int | None = None) -> BuildReport:
    conn = sqlite3.connect(temp_path, isolation_level=None)
    report = BuildReport(temp_path, unchanged=False)
    versions = f"{READER_VERSION}|{extractor_version()}"
    try:
        # A temp file nobody reads yet: durability comes from the final fsync and rename, not a journal.
        conn.execute("pragma journal_mode = off")
        conn.execute("pragma synchronous = off")
        conn.execute("pragma cache_size = -131072")
        conn.execute("pragma locking_mode = exclusive")
        conn.executescript(_TABLES)
        _create_search(conn)
        conn.execute("begin")
        indexed = {"paragraphs": 0, "quotes": 0}  # rows up to these ids are in the FTS indexes

        def index_new_rows() -> None:
            """FTS for the rows just written: done while the workers extract, not after."""
            for table, last in indexed.items():
                conn.execute(f"insert into {table}_fts (rowid, text) select id, text from {table} where id > ?", (last,))
                indexed[table] = conn.execute(f"select max(id) from {table}").fetchone()[0] or 0

        rows = _Rows(conn, on_flush=index_new_rows)
        people_by_document: list[list[_Record]] = []
        record_paragraphs: list[int] = [0]  # by record id
        record_quotes: list[int] = [0]
        interned: dict[str, str] = {}
        document_ids: list[int] = []
        paragraphs = quote_id = record_id = 0
        items = [(seeds_dir / rel, rel, sha) for rel, sha in hashes.items()]
        phase_started = time.monotonic()
        for done, prepared in enumerate(_prepared_stream(items, old_store, versions, workers), 1):
            if prepared.skipped is not None:
                report.skipped.append(SkippedFile(prepared.path, prepared.skipped))
            else:
                document_id = report.documents + 1
                person_of = list(range(record_id + 1, record_id + 1 + len(prepared.records)))
                _add_document(rows, document_id, prepared, person_of, quote_id + 1, versions)
                _add_records(rows, document_id, prepared, record_id + 1, [None] * len(prepared.records))
                people_by_document.append([
                    _Record(interned.setdefault(name, name), [interned.setdefault(a, a) for a in aliases],
                            role and interned.setdefault(role, role), mentions)
                    for name, aliases, role, mentions, _ in prepared.records])
                record_paragraphs.extend(r[4] for r in prepared.records)
                quotes_by_ord = [0] * len(prepared.records)
                for q in prepared.quotes:
                    if q[0] is not None:
                        quotes_by_ord[q[0]] += 1
                record_quotes.extend(quotes_by_ord)
                document_ids.append(document_id)
                record_id += len(prepared.records)
                quote_id += len(prepared.quotes)
                paragraphs += len(prepared.paragraphs)
                report.documents += 1
                report.quotes += len(prepared.quotes)
                report.key_points += len(prepared.key_points)
                report.reused += prepared.reused
            if progress:
                progress(done, len(items), prepared.path)
        rows.flush()
        interned.clear()
        report.phases["read, extract, write rows"] = time.monotonic() - phase_started
        phase_started = time.monotonic()

        # People merged across documents; the person columns, written as record ids, become person ids.
        merged, ids_by_document = merge_people(people_by_document)
        person_of_record = [0]
        person_documents = [0] * (len(merged) + 1)
        person_paragraphs = [0] * (len(merged) + 1)
        person_quotes = [0] * (len(merged) + 1)
        for people, ids in zip(people_by_document, ids_by_document):
            for record in people:
                person = ids[record.name]
                rid = len(person_of_record)
                person_of_record.append(person)
                person_documents[person] += 1
                person_paragraphs[person] += record_paragraphs[rid]
                person_quotes[person] += record_quotes[rid]
        del people_by_document, ids_by_document, record_paragraphs, record_quotes
        conn.executemany("update person_records set person_id = ? where id = ?",
                         ((person, rid) for rid, person in enumerate(person_of_record) if rid))
        for table in ("mentions", "person_documents", "person_paragraphs", "quotes"):
            conn.execute(f"update {table} set person_id = r.person_id from person_records r"
                         f" where r.id = {table}.person_id")
        report.phases["merge people"] = time.monotonic() - phase_started
        phase_started = time.monotonic()

        vocabulary = _write_people(rows, ((p.id, p.name, p.role, p.aliases, p.mentions, person_quotes[p.id],
                                           person_documents[p.id], person_paragraphs[p.id]) for p in merged))
        rows.flush()
        conn.executemany("insert into name_vocabulary values (?, ?)", vocabulary.items())
        _number_documents(conn)
        report.people = len(merged)
        del merged, person_of_record
        report.phases["people, name index, numbering"] = time.monotonic() - phase_started
        phase_started = time.monotonic()

        for table in ("paragraphs", "quotes"):  # one b-tree per index instead of the batches' segments
            conn.execute(f"insert into {table}_fts ({table}_fts) values ('optimize')")
        report.phases["merge search segments"] = time.monotonic() - phase_started
        phase_started = time.monotonic()

        _create_indexes(conn)
        conn.executemany("insert into meta values (?, ?)", _meta_rows(fingerprint, seeds_dir, hashes, report, paragraphs))
        conn.execute("commit")
        conn.execute("analyze")
        report.phases["indexes"] = time.monotonic() - phase_started
        conn.execute("pragma locking_mode = normal")
        # Readers and in-place updates use WAL: a reader keeps its snapshot while an update commits.
        conn.execute("pragma journal_mode = wal")
    finally:
        conn.close()
    return report


def _create_search(conn: sqlite3.Connection) -> None:
    """FTS5 (porter stemming) over paragraphs and quotes, with their tables as content (filled by the build)."""
    for table in ("paragraphs", "quotes"):
        conn.execute(f"create virtual table {table}_fts using fts5 (text, tokenize='porter', content={table})")


def _create_indexes(conn: sqlite3.Connection) -> None:
    """The indexes, built after the bulk insert (faster than keeping them up during it)."""
    for table, columns, unique in _INDEXES:
        name = "_".join(c.split()[0] for c in columns)
        listed = ", ".join(f'"{c.split()[0]}"' + (" desc" if c.endswith(" desc") else "") for c in columns)
        conn.execute(f'create {"unique " if unique else ""}index "idx_{table}_{name}" on "{table}" ({listed})')


# ---- the incremental build: a few changed files, updated in place in one transaction ----------------

_STALE = BuildReport(Path(), unchanged=False)  # what _update_in_place returns when the store changed under it


def _chunks(values: list, size: int = 500) -> Iterator[list]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _update_in_place(db_path: Path, seeds_dir: Path, hashes: _SeedHashes, fingerprint: str,
                     meta: dict[str, str], progress: Progress | None) -> BuildReport | None:
    """Apply a few changed, added or removed files to the live store in one SQLite transaction.

    Returns None (and changes nothing) when a full build is the right thing: no store, another
    schema, reader or extractor version, or too many changed files. The store is in WAL mode, so
    readers keep reading the snapshot they started with while the update runs and see all of it
    once it commits; an error rolls it back and a killed build leaves only uncommitted log frames,
    which SQLite ignores. Only the documents that changed are read and extracted, and only the
    people whose merge they can affect are merged again (see `_affected_records`).
    """
    if not meta or not db_path.is_file() or any(meta.get(k) != v for k, v in (
            ("schema_version", SCHEMA_VERSION), ("reader_version", READER_VERSION),
            ("extractor_version", extractor_version()))) or "seed_hashes" not in meta:
        return None
    old_hashes = hashes.recorded
    changed = {rel for rel in old_hashes.keys() | hashes.keys() if old_hashes.get(rel) != hashes.get(rel)}
    if not changed or len(changed) > max(INCREMENTAL_MIN_FILES, len(hashes) * INCREMENTAL_SHARE):
        return None
    try:
        old_skipped = [SkippedFile(**s) for s in json.loads(meta["skipped"])]
        counts = json.loads(meta["counts"])
        skipped_rel = {Path(s.path).relative_to(seeds_dir).as_posix(): s for s in old_skipped}
    except (ValueError, KeyError, TypeError):  # another seed folder spelling, or an odd meta table
        return None

    with _store_lock(db_path):
        conn = sqlite3.connect(db_path, isolation_level=None, timeout=30)
        try:
            if conn.execute("pragma journal_mode = wal").fetchone()[0] != "wal":
                return None
            conn.execute("pragma synchronous = normal")
            conn.execute("pragma cache_size = -65536")
            conn.execute("begin immediate")
            try:
                if conn.execute("select value from meta where key = 'fingerprint'").fetchone() != (meta["fingerprint"],):
                    conn.execute("rollback")  # another build changed the store since we looked
                    return _STALE
                report, paragraphs = _apply_changes(conn, hashes, changed, skipped_rel, counts,
                                                    int(meta.get("paragraphs", 0)), progress)
                conn.executemany("insert or replace into meta values (?, ?)", _meta_rows(
                    fingerprint, seeds_dir, hashes, report, paragraphs))
                conn.execute("commit")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("rollback")
                raise
        finally:
            conn.close()
    return report


def _apply_changes(conn: sqlite3.Connection, hashes: _SeedHashes, changed: set[str],
                   skipped_rel: dict[str, SkippedFile], counts: dict[str, int], paragraphs_total: int,
                   progress: Progress | None) -> tuple[BuildReport, int]:
    versions = f"{READER_VERSION}|{extractor_version()}"
    report = BuildReport(Path(), unchanged=False)
    document_of_path = {path: document_id for chunk in _chunks(sorted(changed)) for path, document_id in conn.execute(
        f"select path, id from documents where path in ({','.join('?' * len(chunk))})", chunk)}
    removed = [document_of_path[rel] for rel in changed if rel in document_of_path]
    order = {rel: n for n, rel in enumerate(hashes)}  # the full build's order

    # The changed files, read and extracted here (they are few).
    cache = _ExtractionCache(None, versions, conn)
    to_read = [(hashes.folder / rel, rel, sha) for rel, sha in hashes.items() if rel in changed]
    added: list[_Prepared] = []
    new_skips: dict[str, SkippedFile] = {}
    for done, (path, rel, sha) in enumerate(to_read, 1):
        prepared = _prepare(path, rel, sha, cache)
        if prepared.skipped is not None:
            new_skips[rel] = SkippedFile(prepared.path, prepared.skipped)
        else:
            added.append(prepared)
        if progress:
            progress(done, len(to_read), prepared.path)
    skips = {rel: s for rel, s in skipped_rel.items() if rel not in changed} | new_skips
    report.skipped = [skips[rel] for rel in sorted(skips, key=lambda r: order.get(r, -1))]

    # People: merge again every record whose merged person a change can touch.
    touched = {name_key(r[0]) for p in added for r in p.records} | {
        name_key(alias) for p in added for r in p.records for alias in r[1]}
    for chunk in _chunks(removed):
        marks = ",".join("?" * len(chunk))
        touched.update(k for (k,) in conn.execute(f"select name_key from person_records where document_id in ({marks})", chunk))
        touched.update(k for (k,) in conn.execute(
            f"select a.key from alias_keys a join person_records r on r.id = a.record_id where r.document_id in ({marks})",
            chunk))
    affected, ambiguous = _affected_records(conn, touched, removed, added)
    removed_set = set(removed)
    old_people = {row[3] for row in affected.values()}
    surviving = sorted((row for row in affected.values() if row[1] not in removed_set),
                       key=lambda row: (order[row[8]], row[2]))
    # merge_people in the order a clean build would give it the same records: by path, then position.
    groups: list[list[_Record]] = []
    sources: list[list[tuple]] = []  # per group: the surviving record rows, or the new records' positions
    previous_document = None
    for row in surviving:
        if row[1] != previous_document:
            groups.append([])
            sources.append([])
            previous_document = row[1]
        groups[-1].append(_Record(row[4], json.loads(row[5]), row[6], row[7]))
        sources[-1].append(row)
    new_groups: dict[str, int] = {}
    for prepared in added:
        new_groups[prepared.rel] = len(groups)
        groups.append([_Record(name, list(aliases), role, mentions) for name, aliases, role, mentions, _ in prepared.records])
        sources.append([])
    position = {g: order[rows[0][8]] for g, rows in enumerate(sources) if rows}
    position.update({g: order[rel] for rel, g in new_groups.items()})
    # Two stand-in claimants for each ambiguous key, last: in the partial merge as in a full one, a
    # short name claimed by several fuller ones stays apart.
    position[len(groups)] = len(order)
    groups.append([_Record(f"\x00stand-in {n}", [key], None, 0) for n, key in enumerate(k for k in ambiguous for _ in "ab")])
    sources.append([])
    ranked = sorted(range(len(groups)), key=position.__getitem__)
    merged, ids_by_group = merge_people([groups[g] for g in ranked])
    ids_by_group = {g: ids for g, ids in zip(ranked, ids_by_group)}
    stand_ins = set(ids_by_group[len(groups) - 1].values())
    merged = [person for person in merged if person.id not in stand_ins]

    # Person ids stay as they were where they can: each merged person takes the smallest old id among
    # its records' that no other took; the others get new ids.
    next_id = (conn.execute("select max(id) from people").fetchone()[0] or 0) + 1
    candidates: dict[int, set[int]] = {}
    for g, rows in enumerate(sources):
        for row in rows:
            candidates.setdefault(ids_by_group[g][row[4]], set()).add(row[3])
    person_id: dict[int, int] = {}
    taken: set[int] = set()
    for person in merged:
        free = sorted(candidates.get(person.id, set()) - taken)
        if free:
            person_id[person.id] = free[0]
        else:
            person_id[person.id] = next_id
            next_id += 1
        taken.add(person_id[person.id])

    # Remove the changed documents.
    removed_keys = [tuple(row) for chunk in _chunks(removed) for row in conn.execute(
        f"select sort_date, id from documents where id in ({','.join('?' * len(chunk))})", chunk)]
    deleted_paragraphs = 0
    for document_id in removed:
        paragraph_rows = conn.execute("select id, text from paragraphs where document_id = ?", (document_id,)).fetchall()
        conn.executemany("insert into paragraphs_fts (paragraphs_fts, rowid, text) values ('delete', ?, ?)", paragraph_rows)
        deleted_paragraphs += len(paragraph_rows)
        quote_rows = conn.execute("select id, text from quotes where document_id = ?", (document_id,)).fetchall()
        conn.executemany("insert into quotes_fts (quotes_fts, rowid, text) values ('delete', ?, ?)", quote_rows)
        report.quotes -= len(quote_rows)
        report.key_points -= conn.execute("delete from key_points where document_id = ?", (document_id,)).rowcount
        people_here = [p for (p,) in conn.execute("select distinct person_id from person_records where document_id = ?",
                                                   (document_id,))]
        for table in ("mentions", "person_paragraphs"):
            conn.executemany(f"delete from {table} where person_id = ? and document_id = ?",
                             [(p, document_id) for p in people_here])
        for table in ("paragraphs", "quotes", "person_documents"):
            conn.execute(f"delete from {table} where document_id = ?", (document_id,))
        conn.execute("delete from alias_keys where record_id in (select id from person_records where document_id = ?)",
                     (document_id,))
        conn.execute("delete from person_records where document_id = ?", (document_id,))
        sha, path = conn.execute("select sha256, path from documents where id = ?", (document_id,)).fetchone()
        conn.execute("delete from documents where id = ?", (document_id,))
        key = _ExtractionCache.key(sha, Path(path))
        if not any(_ExtractionCache.key(sha, Path(other)) == key
                   for (other,) in conn.execute("select path from documents where sha256 = ?", (sha,))):
            conn.execute("delete from extraction_cache where key = ?", (key,))
    name_words = _drop_name_postings(conn, old_people)
    for chunk in _chunks(sorted(old_people)):
        marks = ",".join("?" * len(chunk))
        conn.execute(f"delete from people where id in ({marks})", chunk)
        conn.execute(f"delete from aliases where person_id in ({marks})", chunk)

    # Records that stay but now belong to another person id: whole people move at once when they can.
    # New ids are written negated first, so that two people swapping ids do not mix.
    moves: dict[int, dict[int, list[tuple]]] = {}
    for g, rows in enumerate(sources):
        for row in rows:
            moves.setdefault(row[3], {}).setdefault(person_id[ids_by_group[g][row[4]]], []).append(row)
    person_tables = ("mentions", "person_paragraphs", "person_documents", "person_records")
    for old, targets in moves.items():
        if len(targets) == 1:
            (new,) = targets
            if new != old:
                for table in (*person_tables, "quotes"):
                    conn.execute(f"update {table} set person_id = ? where person_id = ?", (-new, old))
            continue
        for new, rows in targets.items():
            for row in rows:  # (id, document_id, ord, person_id, name, ...)
                for table in ("mentions", "person_paragraphs", "person_documents"):
                    conn.execute(f"update {table} set person_id = ? where person_id = ? and document_id = ? and ord = ?",
                                 (-new, old, row[1], row[2]))
                conn.execute("update person_records set person_id = ? where id = ?", (-new, row[0]))
                conn.execute("update quotes set person_id = ? where person_id = ? and document_id = ? and speaker = ?",
                             (-new, old, row[1], row[4]))
    for table in (*person_tables, "quotes"):
        conn.execute(f"update {table} set person_id = -person_id where person_id < 0")

    # Add the new versions of the changed documents.
    rows = _Rows(conn)
    next_document = (conn.execute("select max(id) from documents").fetchone()[0] or 0) + 1
    next_quote = (conn.execute("select max(id) from quotes").fetchone()[0] or 0) + 1
    next_record = (conn.execute("select max(id) from person_records").fetchone()[0] or 0) + 1
    added_ids = []
    for prepared in added:
        document_id = document_of_path.get(prepared.rel)
        if document_id is None:
            document_id, next_document = next_document, next_document + 1
        ids = ids_by_group[new_groups[prepared.rel]]
        person_of = [person_id[ids[record[0]]] for record in prepared.records]
        _add_document(rows, document_id, prepared, person_of, next_quote, versions)
        _add_records(rows, document_id, prepared, next_record, person_of)
        next_quote += len(prepared.quotes)
        next_record += len(prepared.records)
        added_ids.append(document_id)
        report.quotes += len(prepared.quotes)
        report.key_points += len(prepared.key_points)
        paragraphs_total += len(prepared.paragraphs)
        report.reused += prepared.reused
    rows.flush()
    for document_id in added_ids:
        conn.execute("insert into paragraphs_fts (rowid, text) select id, text from paragraphs where document_id = ?",
                     (document_id,))
        conn.execute("insert into quotes_fts (rowid, text) select id, text from quotes where document_id = ?",
                     (document_id,))

    # The merged people, with their counts taken from the rows they now have.
    def counted(person: MergedPerson) -> tuple:
        pid = person_id[person.id]
        (quotes,), (documents,), (paragraphs,) = (
            conn.execute(f"select count(*) from {table} where person_id = ?", (pid,)).fetchone()
            for table in ("quotes", "person_documents", "person_paragraphs"))
        return pid, person.name, person.role, person.aliases, person.mentions, quotes, documents, paragraphs

    name_words |= _write_people(rows, map(counted, merged)).keys()
    rows.flush()
    _recount_name_vocabulary(conn, name_words)
    added_keys = [tuple(row) for chunk in _chunks(added_ids) for row in conn.execute(
        f"select sort_date, id from documents where id in ({','.join('?' * len(chunk))})", chunk)]
    moved = set(removed_keys) ^ set(added_keys)  # a document rewritten with its date kept keeps its number
    if moved:
        _number_documents(conn, min(moved))

    report.documents = counts["documents"] - len(removed) + len(added)
    report.people = counts["people"] - len(old_people) + len(merged)
    report.quotes += counts["quotes"]
    report.key_points += counts["key_points"]
    report.reused += report.documents - len(added)
    return report, paragraphs_total - deleted_paragraphs


def _affected_records(conn: sqlite3.Connection, touched: set[str], removed: list[int],
                      added: list[_Prepared]) -> tuple[dict[int, tuple], list[str]]:
    """The person records to merge again, and the name keys that stay ambiguous after the change.

    `merge_people` groups records by name key and then redirects a group k to the group g of a
    fuller name when g is the only group carrying k as an alias. A merged person is one tree of such
    redirects. A change can alter only the redirects of the keys it touches (their records or their
    claimants changed), so the people to merge again are the trees, before and after the change, that
    hold a touched key: from each key, its redirect target (before and after) and the keys redirected
    into it are followed, never the many fuller names that merely share an ambiguous alias ("Mr.
    Smith"). So that the partial merge keeps such a key ambiguous, the caller adds two stand-in
    claimants for each (the returned keys) and drops them from the result.
    Returns record id → (id, document_id, ord, person_id, name, aliases, role, mentions, path).
    """
    added_own: set[str] = set()
    added_claims: dict[str, set[str]] = {}  # alias key → own keys of new records carrying it
    for prepared in added:
        for record in prepared.records:
            own = name_key(record[0])
            added_own.add(own)
            for alias in record[1]:
                if name_key(alias) != own:
                    added_claims.setdefault(name_key(alias), set()).add(own)
    gone = f" and r.document_id not in ({','.join(map(str, removed))})" if removed else ""
    memo: dict[tuple, object] = {}

    def once(key: tuple, compute: Callable[[], object]):
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    def is_group(key: str, after: bool) -> bool:
        if after and key in added_own:
            return True
        return once(("group", key, after), lambda: conn.execute(
            f"select 1 from person_records r where r.name_key = ?{gone if after else ''} limit 1", (key,)).fetchone()
            is not None)

    def claimants(key: str, after: bool) -> set[str]:
        """Up to three groups (own keys) carrying `key` as an alias: enough to tell one from many."""
        found = once(("claim", key, after), lambda: {k for (k,) in conn.execute(
            "select distinct r.name_key from alias_keys a join person_records r on r.id = a.record_id"
            f" where a.key = ? and r.name_key != ?{gone if after else ''} limit 3", (key, key))})
        return found | added_claims.get(key, set()) if after else found

    def target(key: str, after: bool) -> str | None:
        if not is_group(key, after):
            return None
        groups = claimants(key, after)
        if len(groups) != 1:
            return None
        (group,) = groups
        return group if len(group.split()) > len(key.split()) else None

    visited: set[str] = set()
    frontier = list(touched)
    while frontier:
        key = frontier.pop()
        if key in visited:
            continue
        visited.add(key)
        for after in (False, True):
            up = target(key, after)
            if up is not None and up not in visited:
                frontier.append(up)
        for (alias,) in conn.execute("select distinct a.key from alias_keys a join person_records r"
                                     " on r.id = a.record_id where r.name_key = ?", (key,)):
            if alias not in visited and key in (target(alias, False), target(alias, True)):
                frontier.append(alias)

    found: dict[int, tuple] = {}
    select = ("select r.id, r.document_id, r.ord, r.person_id, r.name, r.aliases, r.role, r.mentions, d.path"
              " from person_records r join documents d on d.id = r.document_id where r.name_key = ?")
    for key in visited:
        found.update((row[0], row) for row in conn.execute(select, (key,)))
    ambiguous = sorted(key for key in visited if is_group(key, True) and len(claimants(key, True)) > 1)
    return found, ambiguous


def _sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_directory(path: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
