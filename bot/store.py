"""Building briefing.db from the seed folder: read, extract, merge people, write, swap in atomically.

The build writes a new file beside the old store and renames it over the old one (`os.replace`),
so a reader sees either the old store or the new one, never a half-written file, and a failed build
leaves the old store serving. An unchanged seed folder (same files, same content hashes, same
extractor and reader versions) is not rebuilt. The extraction of each file is kept in the store
(compressed, keyed by content hash), so a rebuild extracts only the files that changed.
"""
from __future__ import annotations

import bisect
import dataclasses
import glob
import hashlib
import json
import os
import sqlite3
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils
from sqlite_utils.db import DescIndex

import bot.extract
from bot.documents import READER_VERSION, UnreadableDocument, read_document
from bot.models import Document, Extraction, KeyPoint, Person, Quote

try:
    import fcntl
except ImportError:  # Windows: no flock, so stale temp files are not cleaned up there
    fcntl = None

SCHEMA_VERSION = "1"
TEMP_SUFFIX = ".building"  # a store being written, beside the one it will replace
BATCH_SIZE = 1000
_HONORIFICS = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame"}

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


# ---- what is in the seed folder -------------------------------------------------------------

def seed_files(seeds_dir: Path) -> list[Path]:
    """Every regular file under `seeds_dir`, sorted, except hidden ones (".gitkeep", editor swap files)."""
    return sorted(
        path for path in seeds_dir.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(seeds_dir).parts)
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fingerprint(seeds_dir: Path, hashes: dict[Path, str]) -> str:
    """One hash for the whole input: file names, contents, and the versions of reader, extractor and schema."""
    digest = hashlib.sha256(f"{SCHEMA_VERSION}|{READER_VERSION}|{extractor_version()}".encode())
    for path, sha in hashes.items():
        digest.update(f"\n{path.relative_to(seeds_dir).as_posix()}\t{sha}".encode())
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
    while len(tokens) > 1 and tokens[0] in _HONORIFICS:
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


@dataclass
class _ReadDocument:
    """What the second pass (people, mentions, quotes) needs of a document; its text is already stored."""
    id: int
    sha256: str
    paragraph_spans: list[tuple[int, int]]
    extraction: Extraction
    sort_date: str

    def paragraph_at(self, offset: int) -> int | None:
        """Index of the story paragraph holding `offset`, or None (credits, boilerplate)."""
        position = bisect.bisect_right(self.paragraph_spans, (offset, float("inf"))) - 1
        if position >= 0 and offset < self.paragraph_spans[position][1]:
            return position
        return None


# ---- the build ----------------------------------------------------------------------------------

class _ExtractionCache:
    """Extractions kept by the previous store, looked up by (content hash, file type, versions)."""

    def __init__(self, db_path: Path, versions: str):
        self.versions = versions
        self.conn: sqlite3.Connection | None = None
        if db_path.is_file():
            try:
                self.conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
                self.conn.execute("select 1 from extraction_cache limit 1")
            except sqlite3.Error:
                self.close()

    @staticmethod
    def key(sha256: str, path: Path) -> str:
        return f"{sha256}:{path.suffix.lower()}"

    def get(self, key: str) -> Extraction | None:
        if self.conn is None:
            return None
        row = self.conn.execute("select extraction from extraction_cache where key = ? and versions = ?",
                                (key, self.versions)).fetchone()
        if row is None:
            return None
        try:
            return _extraction_from_blob(row[0])
        except (zlib.error, ValueError, TypeError, KeyError):  # written by another shape of bot.models
            return None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def build(seeds_dir: str | Path, db_path: str | Path, *, progress: Progress | None = None) -> BuildReport:
    """Build the store at `db_path` from the files in `seeds_dir`, unless it is already built from them.

    Unreadable files are skipped and listed in the report. Any other failure (an error in
    extraction, a full disk) raises, and the store that was there before stays as it was.
    """
    started = time.monotonic()
    seeds_dir, db_path = Path(seeds_dir), Path(db_path)
    if not seeds_dir.is_dir():
        raise FileNotFoundError(f"seed folder not found: {seeds_dir}")
    hashes = {path: _sha256(path) for path in seed_files(seeds_dir)}
    fingerprint = _fingerprint(seeds_dir, hashes)
    meta = _stored_meta(db_path)
    if meta.get("fingerprint") == fingerprint:
        return BuildReport(db_path, unchanged=True, skipped=[SkippedFile(**s) for s in json.loads(meta["skipped"])],
                           seconds=time.monotonic() - started, **json.loads(meta["counts"]))

    db_path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(db_path)
    handle, temp_name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=TEMP_SUFFIX, dir=db_path.parent)
    _hold(handle)  # until the rename: marks the temp file as this running build's
    cache = _ExtractionCache(db_path, f"{READER_VERSION}|{extractor_version()}")
    try:
        report = _write_store(Path(temp_name), seeds_dir, hashes, fingerprint, cache, progress)
        cache.close()
        _sync_file(Path(temp_name))
        # mkstemp makes the file private; the store is as readable as the one it replaces.
        os.chmod(temp_name, db_path.stat().st_mode & 0o777 if db_path.exists() else 0o644)
        os.replace(temp_name, db_path)
        _sync_directory(db_path.parent)
    except BaseException:
        cache.close()
        Path(temp_name).unlink(missing_ok=True)
        raise
    finally:
        os.close(handle)  # after SQLite closed the file: closing earlier would drop SQLite's own locks
    report.db_path = db_path
    report.seconds = time.monotonic() - started
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


def _write_store(temp_path: Path, seeds_dir: Path, hashes: dict[Path, str], fingerprint: str,
                 cache: _ExtractionCache, progress: Progress | None) -> BuildReport:
    db = sqlite_utils.Database(temp_path)
    # A temp file nobody reads yet: durability comes from the final fsync and rename, not the journal.
    db.execute("pragma journal_mode = memory")
    db.execute("pragma synchronous = off")
    db.execute("pragma cache_size = -65536")
    report = BuildReport(temp_path, unchanged=False)
    try:
        _create_tables(db)
        with db.atomic():
            documents = _insert_documents(db, seeds_dir, hashes, cache, progress, report)
            _insert_people_and_quotes(db, documents, report)
            _create_search_and_indexes(db)
            counts = {"documents": report.documents, "people": report.people, "quotes": report.quotes,
                      "key_points": report.key_points}
            db["meta"].insert_all([
                {"key": "fingerprint", "value": fingerprint},
                {"key": "built_at", "value": datetime.now(timezone.utc).isoformat(timespec="seconds")},
                {"key": "schema_version", "value": SCHEMA_VERSION},
                {"key": "reader_version", "value": READER_VERSION},
                {"key": "extractor_version", "value": extractor_version()},
                {"key": "seed_hashes", "value": json.dumps({p.relative_to(seeds_dir).as_posix(): h for p, h in hashes.items()})},
                {"key": "skipped", "value": json.dumps([dataclasses.asdict(s) for s in report.skipped])},
                {"key": "counts", "value": json.dumps(counts)},
                {"key": "paragraphs", "value": str(db["paragraphs"].count)},
            ])
        db.execute("analyze")
    finally:
        db.close()
    return report


def _create_tables(db: sqlite_utils.Database) -> None:
    db["documents"].create({"id": int, "path": str, "title": str, "sha256": str, "published": str,
                            "credits": str, "added_at": str, "sort_date": str, "words": int,
                            "paragraphs": int, "people": int, "quotes": int}, pk="id")
    db["paragraphs"].create({"id": int, "document_id": int, "idx": int, "start": int, "end": int, "text": str},
                            pk="id", foreign_keys=[("document_id", "documents")])
    db["people"].create({"id": int, "name": str, "role": str, "mentions": int, "quotes": int,
                         "documents": int, "paragraphs": int}, pk="id")
    db["aliases"].create({"person_id": int, "alias": str}, foreign_keys=[("person_id", "people")])
    db["mentions"].create({"person_id": int, "document_id": int, "paragraph": int, "start": int, "end": int},
                          foreign_keys=[("person_id", "people"), ("document_id", "documents")])
    # Derived from mentions, so that a person's pages are index range scans even for the most mentioned.
    db["person_documents"].create({"person_id": int, "document_id": int, "first_paragraph": int,
                                   "mentions": int, "sort_date": str},
                                  foreign_keys=[("person_id", "people"), ("document_id", "documents")])
    db["person_paragraphs"].create({"person_id": int, "document_id": int, "paragraph": int, "sort_date": str},
                                   foreign_keys=[("person_id", "people"), ("document_id", "documents")])
    db["quotes"].create({"id": int, "person_id": int, "speaker": str, "document_id": int, "paragraph": int,
                         "start": int, "end": int, "text": str, "words": int, "strength": int, "sort_date": str},
                        pk="id", foreign_keys=[("person_id", "people"), ("document_id", "documents")])
    db["key_points"].create({"document_id": int, "paragraph": int, "rank": int, "kind": str, "text": str,
                             "start": int, "end": int, "score": float},
                            foreign_keys=[("document_id", "documents")])
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["extraction_cache"].create({"key": str, "versions": str, "extraction": bytes}, pk="key")


def _create_search_and_indexes(db: sqlite_utils.Database) -> None:
    db["paragraphs"].enable_fts(["text"], tokenize="porter")
    db["quotes"].enable_fts(["text"], tokenize="porter")
    for table, columns, unique in [
        ("documents", ["sort_date", "id"], False),
        ("paragraphs", ["document_id", "idx"], True),
        ("people", [DescIndex("mentions"), DescIndex("quotes"), "id"], False),
        ("aliases", ["person_id"], False),
        ("mentions", ["person_id", "document_id", "paragraph"], False),
        ("person_documents", ["person_id", "sort_date", "document_id"], False),
        ("person_documents", ["document_id", "mentions"], False),
        ("person_paragraphs", ["person_id", "sort_date", "document_id", "paragraph"], False),
        ("quotes", ["person_id", DescIndex("strength"), "id"], False),
        ("quotes", ["document_id", DescIndex("strength"), "id"], False),
        ("quotes", ["sort_date", "strength"], False),
        ("key_points", ["document_id", "rank"], False),
    ]:
        db[table].create_index(columns, unique=unique)


def _read_documents(seeds_dir: Path, hashes: dict[Path, str], cache: _ExtractionCache,
                    progress: Progress | None, report: BuildReport) -> Iterator[tuple[Document, str, Extraction, bool]]:
    """Each readable file with its hash, extraction and whether that came from the cache; skips are reported."""
    for done, (path, sha) in enumerate(hashes.items(), 1):
        try:
            document = read_document(path)
        except UnreadableDocument as exc:
            report.skipped.append(SkippedFile(str(path), str(exc)))
        else:
            key = _ExtractionCache.key(sha, path)
            extraction = cache.get(key)
            reused = extraction is not None
            if extraction is None:
                extraction = bot.extract.extract(document)
            yield document, sha, extraction, reused
        if progress:
            progress(done, len(hashes), str(path))


def _insert_documents(db: sqlite_utils.Database, seeds_dir: Path, hashes: dict[Path, str], cache: _ExtractionCache,
                      progress: Progress | None, report: BuildReport) -> list[_ReadDocument]:
    """Documents, paragraphs, key points and the extraction cache; returns what people and quotes need."""
    kept: list[_ReadDocument] = []

    def rows() -> Iterator[tuple[str, dict]]:
        for document, sha, extraction, reused in _read_documents(seeds_dir, hashes, cache, progress, report):
            added_at = datetime.fromtimestamp(Path(document.path).stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
            read = _ReadDocument(len(kept) + 1, sha, [(p.start, p.end) for p in document.paragraphs], extraction,
                                 document.published or added_at)
            report.reused += reused
            yield "documents", {
                "id": read.id, "path": Path(document.path).relative_to(seeds_dir).as_posix(), "title": document.title, "sha256": sha,
                "published": document.published, "credits": json.dumps(document.credits, ensure_ascii=False),
                "added_at": added_at, "sort_date": read.sort_date,
                "words": sum(len(p.text.split()) for p in document.paragraphs),
                "paragraphs": len(document.paragraphs), "people": len(extraction.people),
                "quotes": len(extraction.quotes),
            }
            for p in document.paragraphs:
                yield "paragraphs", {"document_id": read.id, "idx": p.index, "start": p.start, "end": p.end, "text": p.text}
            ranked = sorted(extraction.key_points, key=lambda k: -k.score)
            for rank, point in enumerate(ranked):
                yield "key_points", {"document_id": read.id, "paragraph": point.paragraph, "rank": rank,
                                     "kind": point.kind, "text": point.text, "start": point.start,
                                     "end": point.end, "score": point.score}
            yield "extraction_cache", {"key": _ExtractionCache.key(sha, Path(document.path)),
                                       "versions": cache.versions, "extraction": _extraction_to_blob(extraction)}
            read.extraction = Extraction(extraction.people, extraction.quotes, key_points=[])  # stored already
            kept.append(read)
            report.documents += 1
            report.key_points += len(extraction.key_points)

    _insert_batched(db, rows())
    return kept


def _insert_batched(db: sqlite_utils.Database, rows: Iterable[tuple[str, dict]]) -> None:
    """Insert (table, row) pairs with one executemany per table per BATCH_SIZE rows."""
    pending: dict[str, list[dict]] = {}
    for table, row in rows:
        batch = pending.setdefault(table, [])
        batch.append(row)
        if len(batch) >= BATCH_SIZE:
            db[table].insert_all(batch, batch_size=BATCH_SIZE, replace=table == "extraction_cache")
            batch.clear()
    for table, batch in pending.items():
        if batch:
            db[table].insert_all(batch, batch_size=BATCH_SIZE, replace=table == "extraction_cache")


def _insert_people_and_quotes(db: sqlite_utils.Database, documents: list[_ReadDocument], report: BuildReport) -> None:
    merged, ids_by_document = merge_people([read.extraction.people for read in documents])
    quote_counts: dict[int, int] = {}
    document_counts: dict[int, int] = {}
    paragraph_counts: dict[int, int] = {}

    def rows() -> Iterator[tuple[str, dict]]:
        quote_id = 0
        for read, person_ids in zip(documents, ids_by_document):
            for person in read.extraction.people:
                person_id = person_ids[person.name]
                paragraphs: dict[int, int] = {}  # paragraph → mentions there
                for start, end in person.spans:
                    paragraph = read.paragraph_at(start)
                    if paragraph is None:
                        continue
                    paragraphs[paragraph] = paragraphs.get(paragraph, 0) + 1
                    yield "mentions", {"person_id": person_id, "document_id": read.id, "paragraph": paragraph,
                                       "start": start, "end": end}
                for paragraph in paragraphs:
                    yield "person_paragraphs", {"person_id": person_id, "document_id": read.id,
                                                "paragraph": paragraph, "sort_date": read.sort_date}
                yield "person_documents", {"person_id": person_id, "document_id": read.id,
                                           "first_paragraph": min(paragraphs, default=0),
                                           "mentions": person.mentions, "sort_date": read.sort_date}
                document_counts[person_id] = document_counts.get(person_id, 0) + 1
                paragraph_counts[person_id] = paragraph_counts.get(person_id, 0) + len(paragraphs)
            for quote in read.extraction.quotes:
                quote_id += 1
                person_id = person_ids.get(quote.speaker) if quote.speaker else None
                if person_id is not None:
                    quote_counts[person_id] = quote_counts.get(person_id, 0) + 1
                yield "quotes", {"id": quote_id, "person_id": person_id, "speaker": quote.speaker,
                                 "document_id": read.id, "paragraph": quote.paragraph, "start": quote.start,
                                 "end": quote.end, "text": quote.text, "words": len(quote.text.split()),
                                 "strength": quote_strength(quote.text), "sort_date": read.sort_date}
                report.quotes += 1

    _insert_batched(db, rows())
    _insert_batched(db, (
        ("aliases", {"person_id": person.id, "alias": alias}) for person in merged for alias in person.aliases
    ))
    _insert_batched(db, (
        ("people", {"id": p.id, "name": p.name, "role": p.role, "mentions": p.mentions,
                    "quotes": quote_counts.get(p.id, 0), "documents": document_counts.get(p.id, 0),
                    "paragraphs": paragraph_counts.get(p.id, 0)})
        for p in merged
    ))
    report.people = len(merged)


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
