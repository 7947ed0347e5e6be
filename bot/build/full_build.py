"""The full build: a new store written beside the old one and renamed over it when complete."""
from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from pathlib import Path

from bot.build.merge import NameRecord, merge_people
from bot.build.report import BuildReport, Progress, SkippedFile
from bot.build.rows import (
    RowWriter,
    add_document,
    add_records,
    meta_rows,
    number_documents,
    write_people,
)
from bot.build.seed_folder import SeedHashes
from bot.build.stories import write_stories
from bot.build.store_files import (
    TEMP_SUFFIX,
    empty_wal,
    hold_lock,
    remove_stale_builds,
    store_lock,
    sync_directory,
    sync_file,
)
from bot.build.versions import extraction_versions
from bot.build.workers import prepared_files
from bot.store.schema import TABLES, create_indexes, create_search


def build_new_file(db_path: Path, seeds_dir: Path, hashes: SeedHashes, fingerprint: str,
                    progress: Progress | None, workers: int | None) -> BuildReport:
    """The full build: a new file beside the store, renamed over it when complete."""
    remove_stale_builds(db_path)
    handle, temp_name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=TEMP_SUFFIX, dir=db_path.parent)
    hold_lock(handle)  # until the rename: marks the temp file as this running build's
    try:
        report = write_store(Path(temp_name), seeds_dir, hashes, fingerprint, db_path, progress, workers)
        sync_file(Path(temp_name))
        # mkstemp makes the file private; the store is as readable as the one it replaces.
        os.chmod(temp_name, db_path.stat().st_mode & 0o777 if db_path.exists() else 0o644)
        with store_lock(db_path):
            empty_wal(db_path)
            os.replace(temp_name, db_path)
        sync_directory(db_path.parent)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    finally:
        os.close(handle)  # after SQLite closed the file: closing earlier would drop SQLite's own locks
    return report


def write_store(temp_path: Path, seeds_dir: Path, hashes: SeedHashes, fingerprint: str, old_store: Path,
                 progress: Progress | None, workers: int | None = None) -> BuildReport:
    conn = sqlite3.connect(temp_path, isolation_level=None)
    report = BuildReport(temp_path, unchanged=False)
    versions = extraction_versions()
    try:
        # A temp file nobody reads yet: durability comes from the final fsync and rename, not a journal.
        conn.execute("pragma journal_mode = off")
        conn.execute("pragma synchronous = off")
        conn.execute("pragma cache_size = -131072")
        conn.execute("pragma locking_mode = exclusive")
        conn.executescript(TABLES)
        create_search(conn)
        conn.execute("begin")
        indexed = {"paragraphs": 0, "quotes": 0}  # rows up to these ids are in the FTS indexes

        def index_new_rows() -> None:
            """FTS for the rows just written: done while the workers extract, not after."""
            for table, last in indexed.items():
                conn.execute(f"insert into {table}_fts (rowid, text) select id, text from {table} where id > ?", (last,))
                indexed[table] = conn.execute(f"select max(id) from {table}").fetchone()[0] or 0

        rows = RowWriter(conn, on_flush=index_new_rows)
        people_by_document: list[list[NameRecord]] = []
        record_paragraphs: list[int] = [0]  # by record id
        record_quotes: list[int] = [0]
        interned: dict[str, str] = {}
        document_ids: list[int] = []
        story_items: list[tuple] = []  # (sort_date, path, id, signature): for bot.build.stories
        paragraphs = quote_id = record_id = 0
        items = [(seeds_dir / rel, rel, sha) for rel, sha in hashes.items()]
        phase_started = time.monotonic()
        for done, prepared in enumerate(prepared_files(items, old_store, versions, workers), 1):
            report.notes.extend(SkippedFile(prepared.path, note) for note in prepared.notes)
            if prepared.skipped is not None:
                report.skipped.append(SkippedFile(prepared.path, prepared.skipped))
            else:
                document_id = report.documents + 1
                person_of = list(range(record_id + 1, record_id + 1 + len(prepared.records)))
                add_document(rows, document_id, prepared, person_of, quote_id + 1, versions)
                add_records(rows, document_id, prepared, record_id + 1, [None] * len(prepared.records))
                story_items.append((prepared.document[4], prepared.rel, document_id, prepared.signature))
                people_by_document.append([
                    NameRecord(interned.setdefault(name, name), [interned.setdefault(a, a) for a in aliases],
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
        write_stories(conn, story_items)
        del story_items
        report.phases["stories"] = time.monotonic() - phase_started
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

        vocabulary = write_people(rows, ((p.id, p.name, p.role, p.aliases, p.mentions, person_quotes[p.id],
                                           person_documents[p.id], person_paragraphs[p.id]) for p in merged))
        rows.flush()
        conn.executemany("insert into name_vocabulary values (?, ?)", vocabulary.items())
        number_documents(conn)
        report.people = len(merged)
        del merged, person_of_record
        report.phases["people, name index, numbering"] = time.monotonic() - phase_started
        phase_started = time.monotonic()

        for table in ("paragraphs", "quotes"):  # one b-tree per index instead of the batches' segments
            conn.execute(f"insert into {table}_fts ({table}_fts) values ('optimize')")
        report.phases["merge search segments"] = time.monotonic() - phase_started
        phase_started = time.monotonic()

        create_indexes(conn)
        conn.executemany("insert into meta values (?, ?)", meta_rows(fingerprint, seeds_dir, hashes, report, paragraphs))
        conn.execute("commit")
        conn.execute("analyze")
        report.phases["indexes"] = time.monotonic() - phase_started
        conn.execute("pragma locking_mode = normal")
        # Readers and in-place updates use WAL: a reader keeps its snapshot while an update commits.
        conn.execute("pragma journal_mode = wal")
    finally:
        conn.close()
    return report
