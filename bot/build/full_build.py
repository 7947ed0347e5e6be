"""The full build: a new store written beside the old one and renamed over it when complete.

Documents, their text, key points, the paragraphs where each person is mentioned and the full-text
indexes are written as the workers hand the files over, in order (the texts of the first documents
wait for the compression dictionary made from them: `bot.build.rows.TextRows`). The rows that name a person id (a
person's documents, quotations and statements) have to wait for the merge of people, which needs every document: those rows go to a scratch database
(a private temp file) with the id of their name in the person column, and are copied into the store once people are
merged, sorted by the order they are read in.

The tables keyed by their own order (WITHOUT ROWID) are written in scratch too and copied into the store at
the end, each whole in key order: SQLite then fills their pages (~99 % against ~87 % when rows arrive one by
one, even sorted), which takes ~0.3 KB off each document. Until then those tables exist in scratch only, so
the writers' unqualified names (`insert into name_roles ...`) resolve to them there.
"""
from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from pathlib import Path

from bot.build.merge_tables import MergeTables
from bot.build.report import BuildReport, Progress, SkippedFile
from bot.build.rows import (
    RowWriter,
    TextRows,
    document_rows,
    meta_rows,
    number_documents,
    stored_labels,
)
from bot.build.search_segments import merge_all_segments
from bot.build.search_shares import count_shares
from bot.build.seed_records import SeedChanges
from bot.build.store_files import (
    TEMP_SUFFIX,
    empty_wal,
    hold_lock,
    remove_stale_builds,
    store_lock,
    sync_directory,
    sync_file,
)
from bot.build.stories import write_stories
from bot.build.versions import extraction_versions
from bot.build.workers import prepared_files
from bot.store.names import label_words, posting_keys
from bot.store.schema import PAGE_SIZE, create_indexes, create_search, packed_tables, table_statements

SCRATCH = """
create table scratch.staged_person_documents (document_id integer, ord integer, person_id integer, name_id integer,
    aliases text, role text, mentions integer, paragraphs integer, first_paragraph integer, sort_date integer,
    mentioned blob);
create table scratch.staged_quotes (id integer primary key, document_id integer, ord integer, person_id integer,
    paragraph integer, start integer, "end" integer, words integer, strength integer, text text, speaker text,
    confidence integer);
create table scratch.staged_statements (document_id integer, n integer, ord integer, person_id integer, paragraph integer,
    start integer, "end" integer, mixed integer, confidence integer, cue_start integer, cue_end integer,
    sort_date integer, text text, speaker text);
create table scratch.staged_name_postings (token text, mentions integer, quotes integer, person_id integer);
"""


def build_new_file(db_path: Path, seeds_dir: Path, changes: SeedChanges, progress: Progress | None,
                   workers: int | None) -> BuildReport:
    """The full build: a new file beside the store, renamed over it when complete."""
    remove_stale_builds(db_path)
    handle, temp_name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=TEMP_SUFFIX, dir=db_path.parent)
    hold_lock(handle)  # until the rename: marks the temp file as this running build's
    try:
        report = write_store(Path(temp_name), seeds_dir, changes, db_path, progress, workers)
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


def write_store(temp_path: Path, seeds_dir: Path, changes: SeedChanges, old_store: Path,
                progress: Progress | None, workers: int | None = None) -> BuildReport:
    conn = sqlite3.connect(temp_path, isolation_level=None)
    report = BuildReport(temp_path, unchanged=False)
    versions = extraction_versions()
    try:
        conn.execute(f"pragma page_size = {PAGE_SIZE}")
        # The search indexes' merge frees the pages of their segments, more than the indexes built after
        # it reuse in a small store (0.5-0.9 KB a document at 1k, none at 10k): they are given back at the end.
        conn.execute("pragma auto_vacuum = incremental")
        # A temp file nobody reads yet: durability comes from the final fsync and rename, not a journal.
        conn.execute("pragma journal_mode = off")
        conn.execute("pragma synchronous = off")
        conn.execute("pragma cache_size = -262144")
        conn.execute("pragma locking_mode = exclusive")
        conn.execute("pragma threads = 2")  # sorting for the person tables and the indexes
        conn.execute("attach '' as scratch")  # a private temp file, deleted when the connection closes
        conn.execute("pragma scratch.journal_mode = off")
        conn.execute("pragma scratch.cache_size = -65536")
        packed = packed_tables()
        for statement in table_statements():
            name = statement.split()[2]
            conn.execute(statement.replace(f"create table {name} ", f"create table scratch.{name} ")
                         if name in packed else statement)
        create_search(conn)
        conn.executescript(SCRATCH)
        conn.execute("begin")
        rows = RowWriter(conn, {
            "person_documents": "insert into scratch.staged_person_documents values (?,?,?,?,?,?,?,?,?,?,?)",
            "quotes": "insert into scratch.staged_quotes values (?,?,?,?,?,?,?,?,?,?,?,?)",
            "statements": "insert into scratch.staged_statements values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            "name_postings": "insert into scratch.staged_name_postings values (?,?,?,?)",
        }, texts=TextRows(conn, None))
        people = MergeTables(conn)
        paragraphs = quotes = 0
        skipped_rows = []
        files = changes.files or []
        stat_of = {rel: stat for rel, _, stat in files}
        items = [(seeds_dir / rel, rel, sha) for rel, sha, _ in files]
        story_items: list[tuple] = []  # (sort_date, path, id, signature): for bot.build.stories
        phase_started = time.monotonic()
        for done, prepared in enumerate(prepared_files(items, old_store, versions, workers), 1):
            report.notes.extend(SkippedFile(prepared.path, note) for note in prepared.notes)
            if prepared.skipped is not None:
                report.skipped.append(SkippedFile(prepared.path, prepared.skipped))
                skipped_rows.append((prepared.rel, prepared.sha256, stat_of.get(prepared.rel), prepared.skipped))
            else:
                document_id = report.documents + 1
                document = document_rows(prepared, document_id, paragraphs + 1, quotes + 1, stat_of.get(prepared.rel))
                local = [people.add(*record[1:]) for record in document.records]
                rows.add_document(document, local.__getitem__, local.__getitem__)
                story_items.append((document.sort_date, prepared.rel, document_id, prepared.signature))
                paragraphs += document.paragraphs
                quotes += len(prepared.quotes)
                report.documents += 1
                report.quotes += len(prepared.quotes)
                report.key_points += len(prepared.key_points)
                report.reused += prepared.reused
            if progress:
                progress(done, len(items), prepared.path)
        rows.add("document_texts", rows.texts.finish())  # a store of fewer documents than the dictionary's sample
        rows.flush()
        report.phases["read, extract, write rows"] = time.monotonic() - phase_started
        phase_started = time.monotonic()
        report.people = people.finish()
        del people
        report.phases["merge people"] = time.monotonic() - phase_started
        phase_started = time.monotonic()

        write_stories(conn, story_items)  # after the merge, whose names in memory are gone by now
        del story_items
        report.phases["stories"] = time.monotonic() - phase_started
        phase_started = time.monotonic()

        # The person-keyed rows, their name ids turned into person ids, each table written in its order.
        conn.execute("insert into person_documents select s.document_id, s.ord, m.person_id, s.name_id, s.aliases,"
                     " s.role, s.mentions, s.paragraphs, s.first_paragraph, s.sort_date, s.mentioned"
                     " from scratch.staged_person_documents s"
                     " join scratch.person_of_name m on m.name_id = s.person_id order by s.rowid")
        conn.execute('insert into quotes select q.id, q.document_id, q.ord, m.person_id, q.paragraph, q.start, q."end",'
                     " q.words, q.strength, q.text, q.speaker, q.confidence from scratch.staged_quotes q"
                     " left join scratch.person_of_name m on m.name_id = q.person_id order by q.id")
        conn.execute("insert into statements select s.document_id, s.n, s.ord, m.person_id, s.paragraph, s.start,"
                     ' s."end", s.mixed, s.confidence, s.cue_start, s.cue_end, s.sort_date, s.text, s.speaker'
                     " from scratch.staged_statements s left join scratch.person_of_name m on m.name_id = s.person_id"
                     " order by s.rowid")
        report.phases["person tables"] = time.monotonic() - phase_started
        phase_started = time.monotonic()

        vocabulary: dict[str, int] = {}
        for pid, name, aliases, mentions, quotes in conn.execute("select id, name, aliases, mentions, quotes from people"):
            labels = stored_labels(name, aliases)
            words = label_words(labels)
            for word in words:
                vocabulary[word] = vocabulary.get(word, 0) + 1
            rows.add("name_postings", [(key, mentions, quotes, pid) for key in posting_keys(labels, words)])
        rows.flush()
        conn.execute("insert into name_postings select * from scratch.staged_name_postings"
                     " order by token, mentions desc, quotes desc, person_id")
        conn.executemany("insert into name_vocabulary values (?, ?)", sorted(vocabulary.items()))
        number_documents(conn)
        report.phases["people, name index, numbering"] = time.monotonic() - phase_started
        phase_started = time.monotonic()

        merge_all_segments(conn)  # one b-tree per index instead of the batches' segments
        report.phases["merge search segments"] = time.monotonic() - phase_started
        phase_started = time.monotonic()

        count_shares(conn)
        conn.executemany("insert into skipped_files values (?, ?, ?, ?)", sorted(skipped_rows))
        copy_packed(conn, packed)
        create_indexes(conn)
        conn.executemany("insert into meta values (?, ?)", meta_rows(
            changes.fingerprint, f"{changes.seed_sum:x}", changes.scan_digest, report, paragraphs, changes.refused))
        conn.execute("insert into meta values ('dictionary_documents', ?)", (str(rows.texts.sample),))
        conn.execute("commit")
        conn.execute("detach scratch")
        conn.execute("analyze")
        conn.executescript("pragma incremental_vacuum")  # (executescript runs it to the end: execute frees one page)
        report.phases["indexes"] = time.monotonic() - phase_started
        conn.execute("pragma locking_mode = normal")
        # Readers and in-place updates use WAL: a reader keeps its snapshot while an update commits.
        conn.execute("pragma journal_mode = wal")
    finally:
        conn.close()
    return report


def copy_packed(conn: sqlite3.Connection, packed: dict[str, str]) -> None:
    """Create the tables keyed by their own order in the store and copy each from scratch whole: an
    `insert ... select *` between tables of the same definition is SQLite's transfer, which appends whole
    sorted runs and leaves the pages full."""
    for name, statement in packed.items():
        conn.execute(statement)
        conn.execute(f"insert into main.{name} select * from scratch.{name}")
        conn.execute(f"drop table scratch.{name}")
