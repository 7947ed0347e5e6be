"""The incremental build: changed, added or removed files applied to the live store in one SQLite
transaction (WAL), merging again only the people the change reaches. Retention (`bot.build.retention`)
is files deleted from the seed folder and removed from the store this way.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.build.affected_people import PeopleChange
from bot.build.merge import MergeCounts, group_key, stored_name_ids
from bot.build.prepare import PreparedFile
from bot.build.report import BuildReport, Progress, SkippedFile
from bot.build.retired import PURGE_SLICE, Retired, retire, retired_documents_end
from bot.build.rows import (
    DocumentRows,
    RowWriter,
    TextRows,
    chunks,
    count_name_vocabulary,
    document_rows,
    drop_people,
    meta_rows,
    number_documents,
    update_people,
    write_people,
)
from bot.build.search_segments import merge_some_segments, one_segment_per_update
from bot.build.search_shares import counted_meanwhile, newest_rowids, update_shares
from bot.build.seed_records import SeedChanges
from bot.build.store_files import STORE_WAIT_SECONDS, live_update, store_lock, write_transaction
from bot.build.stories import update_stories
from bot.build.text_dictionary import SAMPLE_DOCUMENTS, outgrown
from bot.build.versions import extraction_versions, extractor_version
from bot.build.workers import prepared_files
from bot.documents import READER_VERSION
from bot.store.schema import SCHEMA_VERSION
from bot.store.texts import cut, delete_texts, load_codec, stored_text

# Up to this many changed files, or this share of the folder, are applied in place; more make a full
# build. In place, a change costs about what its own documents cost (extraction for those added, a few
# hundred row writes each); a full build rewrites every row (45 minutes at a million documents, most
# of it spent extracting files that did not change when no earlier store can lend its extractions).
INCREMENTAL_MIN_FILES = 50
INCREMENTAL_SHARE = 0.25

STALE = BuildReport(Path(), unchanged=False)  # what update_in_place returns when the store changed under it


def path_order(rel: str) -> list[str]:
    """How the full build orders files (as Paths sort: part by part)."""
    return rel.split("/")


def update_in_place(db_path: Path, seeds_dir: Path, changes: SeedChanges, meta: dict[str, str],
                    progress: Progress | None) -> BuildReport | None:
    """Apply the changed, added or removed files to the live store in one SQLite transaction.

    Returns None (and changes nothing) when a full build is the right thing: no store, another
    schema, reader or extractor version, too many changed files, or a store grown well past the
    documents its texts' dictionary was made from (`bot.build.text_dictionary.outgrown`). The store
    is in WAL mode, so readers keep reading the snapshot they started with while the update runs and
    see all of it once it commits; an error rolls it back and a killed build leaves only uncommitted log frames,
    which SQLite ignores. Only the documents that changed are read and extracted (before the store
    is locked), and only the people whose merge they can affect are merged again (see
    `PeopleChange`).
    """
    if not meta or not db_path.is_file() or any(meta.get(k) != v for k, v in (
            ("schema_version", SCHEMA_VERSION), ("reader_version", READER_VERSION),
            ("extractor_version", extractor_version()))) or "seed_sum" not in meta:
        return None
    try:
        old_skipped = [SkippedFile(**s) for s in json.loads(meta["skipped"])]
        counts = json.loads(meta["counts"])
        skipped_rel = {Path(s.path).relative_to(changes.folder).as_posix(): s for s in old_skipped}
    except (ValueError, KeyError, TypeError):  # another seed folder spelling, or an odd meta table
        return None
    files = counts["documents"] + len(old_skipped)
    if not changes.changed or len(changes.changed) > max(INCREMENTAL_MIN_FILES, files * INCREMENTAL_SHARE):
        return None
    if outgrown(int(meta.get("dictionary_documents", SAMPLE_DOCUMENTS)), counts["documents"]):
        return None  # a full build makes the texts' dictionary again

    # The new versions, read and extracted before the store is locked (the store is only read).
    versions = extraction_versions()
    to_read = sorted(((rel, sha) for rel, sha in changes.changed.items() if sha is not None),
                     key=lambda item: path_order(item[0]))
    added: list[PreparedFile] = []
    new_skips: dict[str, SkippedFile] = {}
    notes: list[SkippedFile] = []
    items = [(seeds_dir / rel, rel, sha) for rel, sha in to_read]
    for done, prepared in enumerate(prepared_files(items, db_path, versions, None), 1):
        notes.extend(SkippedFile(prepared.path, note) for note in prepared.notes)
        if prepared.skipped is not None:
            new_skips[prepared.rel] = SkippedFile(prepared.path, prepared.skipped)
        else:
            added.append(prepared)
        if progress:
            progress(done, len(items), prepared.path)
    skips = {rel: s for rel, s in skipped_rel.items() if rel not in changes.changed} | new_skips
    skipped = [skips[rel] for rel in sorted(skips, key=path_order)]

    with live_update(db_path) as conn:
        if conn.execute("pragma journal_mode = wal").fetchone()[0] != "wal":
            return None
        with write_transaction(conn):
            if conn.execute("select value from meta where key = 'fingerprint'").fetchone() != (meta["fingerprint"],):
                conn.execute("rollback")  # another build changed the store since we looked
                return STALE
            one_segment_per_update(conn)
            report, paragraphs = _apply_changes(conn, changes, added, counts, int(meta.get("paragraphs", 0)))
            merge_some_segments(conn)
            report.skipped, report.notes = skipped, notes
            conn.execute("delete from skipped_files where path in (select value from json_each(?))",
                         (json.dumps(sorted(changes.changed)),))
            conn.executemany("insert into skipped_files values (?, ?, ?, ?)", [
                (rel, changes.changed[rel], changes.stats.get(rel), s.reason) for rel, s in new_skips.items()])
            _record_touched(conn, changes)
            conn.executemany("insert or replace into meta values (?, ?)", meta_rows(
                changes.fingerprint, f"{changes.seed_sum:x}", changes.scan_digest, report, paragraphs,
                changes.refused if changes.surveyed else None))
    return report


def record_stats(db_path: Path, changes: SeedChanges, meta: dict[str, str]) -> None:
    """Files rewritten with the same content: their new stats (and the scan's digest) are recorded, so
    that the next build does not read them again. Nothing else changes."""
    if meta.get("schema_version") != SCHEMA_VERSION:
        return
    with store_lock(db_path):
        conn = sqlite3.connect(db_path, isolation_level=None, timeout=STORE_WAIT_SECONDS)
        try:
            conn.execute("begin immediate")
            if conn.execute("select value from meta where key = 'fingerprint'").fetchone() == (meta["fingerprint"],):
                _record_touched(conn, changes)
                conn.execute("insert or replace into meta values ('scan_digest', ?)", (changes.scan_digest,))
                if changes.surveyed:
                    conn.execute("insert or replace into meta values ('refused', ?)", (json.dumps(changes.refused),))
            conn.execute("commit")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("rollback")
        finally:
            conn.close()


def _record_touched(conn: sqlite3.Connection, changes: SeedChanges) -> None:
    touched = [(stat, rel) for rel, stat in changes.stats.items() if rel not in changes.changed]
    for table in ("documents", "skipped_files"):
        conn.executemany(f"update {table} set stat = ? where path = ?", touched)


def _apply_changes(conn: sqlite3.Connection, changes: SeedChanges, added: list[PreparedFile],
                   counts: dict[str, int], paragraphs_total: int) -> tuple[BuildReport, int]:
    document_of_path: dict[str, int] = {}
    for chunk in chunks(sorted(changes.changed)):
        document_of_path.update(conn.execute(
            f"select path, id from documents where path in ({','.join('?' * len(chunk))})", chunk))
    # Many documents gone outright (retention, a folder emptied) leave the answers at once and their
    # rows later (`bot.build.retired`); the others are replaced or removed here and now.
    removed = [document_id for rel, document_id in document_of_path.items() if changes.changed.get(rel) is None]
    retired = retire(conn, removed) if len(removed) > PURGE_SLICE else Retired()
    rewritten = rewrite(conn, sorted(set(document_of_path.values()) - set(retired.ids)), "documents", added,
                        document_of_path, changes.stats)

    report = BuildReport(Path(), unchanged=False)
    report.documents = counts["documents"] - len(document_of_path) + len(added)
    report.people = counts["people"] + rewritten.people
    report.quotes = counts["quotes"] - rewritten.gone.quotes - retired.quotes + sum(len(p.quotes) for p in added)
    report.key_points = (counts["key_points"] - rewritten.gone.key_points - retired.key_points
                         + sum(len(p.key_points) for p in added))
    report.reused = sum(p.reused for p in added) + report.documents - len(added)
    return report, paragraphs_total - rewritten.gone.paragraphs - retired.paragraphs + rewritten.paragraphs


@dataclass
class Rewritten:
    """What `rewrite` did: the rows it took out, how many people more (or fewer) there are, and how many
    paragraphs it added."""
    gone: _Removed
    people: int
    paragraphs: int


def rewrite(conn: sqlite3.Connection, gone_ids: list[int], table: str, added: list[PreparedFile],
            document_of_path: dict[str, int], stats: dict[str, int | None]) -> Rewritten:
    """Take the documents `gone_ids` (rows of `table`: "documents", or "retired_documents" for those
    already out of the answers) out of the store and put the `added` ones in, numbered after every row
    there was (a path's document keeps its id, `document_of_path`); merge again the people they reach,
    and bring the stories, the documents' order and the search shares up to date."""
    delta = MergeCounts()
    newest = newest_rowids(conn)
    next_quote = (conn.execute("select max(id) from quotes").fetchone()[0] or 0) + 1
    next_document = max(conn.execute("select max(id) from documents").fetchone()[0] or 0,
                        retired_documents_end(conn)) + 1

    # Remove the old versions (rows, search entries, and their records' counts).
    gone = _remove_documents(conn, gone_ids, delta, table)
    gone_words = counted_meanwhile(gone.rows)

    # The new versions as rows, numbered after every row there was.
    next_paragraph = newest["paragraphs_fts"] + 1
    documents: list[tuple[DocumentRows, PreparedFile]] = []
    paragraphs = 0
    for prepared in added:
        document_id = document_of_path.get(prepared.rel)
        if document_id is None:
            document_id, next_document = next_document, next_document + 1
        rows = document_rows(prepared, document_id, next_paragraph, next_quote, stats.get(prepared.rel))
        documents.append((rows, prepared))
        next_paragraph += rows.paragraphs
        next_quote += len(rows.quotes)
        for _, name, aliases, role, mentions, quotes, paragraph_count, statements in rows.records:
            delta.add(name, aliases, role, mentions, quotes, paragraph_count, statements)
        paragraphs += rows.paragraphs

    # People: the counts, the trees they reach, who those people are now.
    people = PeopleChange(conn)
    keys = people.apply(delta)
    before = people.trees_before(keys)
    people.join_again(keys)
    trees = people.trees_after(before | keys)
    next_person = (conn.execute("select max(id) from people").fetchone()[0] or 0) + 1
    person_of_key: dict[str, int] = {}
    person_ids, taken = [], set()
    for tree in trees:  # each tree keeps the smallest of its keys' old person ids that no other took
        candidates = sorted({people.old_person[k] for k in tree if people.old_person.get(k) is not None} - taken)
        if candidates:
            person_id = candidates[0]
        else:
            person_id, next_person = next_person, next_person + 1
        taken.add(person_id)
        person_of_key.update((key, person_id) for key in tree)
        person_ids.append(person_id)
    merged = people.describe_all(trees, person_ids)
    old_people = {p for p in people.old_person.values() if p is not None}
    stayed = [p for p in merged if p.id in old_people]
    kept = {p.id for p in stayed} - {p.id for p in update_people(conn, stayed)}  # named by the same words
    removed_words = drop_people(conn, old_people - kept)
    writer = RowWriter(conn, texts=TextRows(conn, load_codec(conn)))  # the full build's dictionary, unchanged
    added_words = write_people(writer, [p for p in merged if p.id not in kept])
    writer.flush()
    count_name_vocabulary(conn, removed_words, added_words)
    conn.executemany("update name_groups set person_id = ? where key = ?",
                     [(person, key) for key, person in person_of_key.items()])
    _move_records(conn, people, person_of_key)

    # Add the new versions.
    added_keys = []
    for rows, prepared in documents:
        persons = [person_of_key[group_key(record[1])] for record in rows.records]
        names = [people.name_ids[record[1]] for record in rows.records]
        writer.add_document(rows, persons.__getitem__, names.__getitem__)
        added_keys.append((rows.sort_date, rows.document[0]))
    writer.flush()
    update_stories(conn, gone.keys, [(rows.document[0], rows.sort_date, prepared.signature) for rows, prepared in documents])
    # A document rewritten with its date kept keeps its number; retired ones were numbered out when retired.
    moved = (set(gone.keys) if table == "documents" else set()) ^ set(added_keys)
    if moved:
        number_documents(conn, moved)
    update_shares(conn, newest, gone.rows, {
        "paragraphs_fts": [row for rows, _ in documents for row in rows.paragraph_search],
        "quotes_fts": [row for rows, _ in documents for row in rows.quote_search]}, gone_words.result())
    return Rewritten(gone, len(merged) - len(old_people), paragraphs)


class _Removed:
    """What removing documents took out: their (sort_date, id), and how many paragraphs, quotations and
    key points; with the (rowid, text) of their search rows, per index."""

    def __init__(self) -> None:
        self.keys: list[tuple[int, int]] = []
        self.paragraphs = self.quotes = self.key_points = 0
        self.rows: dict[str, list[tuple[int, str]]] = {"paragraphs_fts": [], "quotes_fts": []}


def _remove_documents(conn: sqlite3.Connection, document_ids: list[int], delta: MergeCounts,
                      table: str) -> _Removed:
    """Delete the documents' rows (theirs in `table`, and every row of theirs elsewhere) and search
    entries, a few statements for all of them; count their records out of `delta`."""
    gone = _Removed()
    codec = load_codec(conn)
    for ids in (json.dumps(document_ids[n:n + 5000]) for n in range(0, len(document_ids), 5000)):
        each = "(select value from json_each(?))"
        quotes_of: dict[tuple[int, int], int] = {}
        quote_ranges = []
        for document_id, sort_date, first_paragraph, first_quote, quote_count in conn.execute(
                f"select id, sort_date, first_paragraph, first_quote, quotes from {table} where id in {each}",
                (ids,)).fetchall():
            gone.keys.append((sort_date, document_id))
            paragraphs = codec.decode(stored_text(conn, document_id))
            gone.rows["paragraphs_fts"] += [(first_paragraph + n, text) for n, (_, text) in enumerate(paragraphs)]
            gone.paragraphs += len(paragraphs)
            if quote_count:
                quote_ranges.append((first_quote, first_quote + quote_count - 1))
                for quote_id, ord_, paragraph, start, end, text in conn.execute(
                        'select id, ord, paragraph, start, "end", text from quotes where id between ? and ?',
                        quote_ranges[-1]):
                    gone.rows["quotes_fts"].append((quote_id, cut(paragraphs, paragraph, start, end, text)))
                    if ord_ is not None:
                        quotes_of[document_id, ord_] = quotes_of.get((document_id, ord_), 0) + 1
                gone.quotes += quote_count
        statements_of = dict(((document_id, ord_), count) for document_id, ord_, count in conn.execute(
            f"select document_id, ord, count(*) from statements where document_id in {each} and ord is not null"
            " group by document_id, ord", (ids,)))
        for document_id, ord_, name, aliases, role, mentions, paragraph_count in conn.execute(
                "select r.document_id, r.ord, n.name, r.aliases, r.role, r.mentions, r.paragraphs"
                f" from person_documents r join names n on n.id = r.name_id where r.document_id in {each}", (ids,)):
            delta.add(name, aliases.split("\n") if aliases else [], role, mentions, quotes_of.get((document_id, ord_), 0),
                      paragraph_count, statements_of.get((document_id, ord_), 0), sign=-1)
        conn.executemany("delete from quotes where id between ? and ?", quote_ranges)
        gone.key_points += conn.execute(f"delete from key_points where document_id in {each}", (ids,)).rowcount
        for rows_of_theirs in ("statements", "person_documents"):
            conn.execute(f"delete from {rows_of_theirs} where document_id in {each}", (ids,))
        delete_texts(conn, json.loads(ids))
        conn.execute(f"delete from {table} where id in {each}", (ids,))
    for index, rows in gone.rows.items():
        conn.executemany(f"insert into {index} ({index}, rowid, text) values ('delete', ?, ?)", rows)
    return gone


def _move_records(conn: sqlite3.Connection, people: PeopleChange, person_of_key: dict[str, int]) -> None:
    """Rows of records that stay but now belong to another person: whole people move at once when
    they can. New ids are written negated first, so that two people swapping ids do not mix."""
    moving: dict[int, dict[str, int]] = {}  # old person → {key: new person}
    live: dict[int, set[str]] = {}  # old person → its keys that still have a person
    for key, new in person_of_key.items():
        old = people.old_person.get(key)
        if old is not None:
            live.setdefault(old, set()).add(key)
            if old != new:
                moving.setdefault(old, {})[key] = new
    if not moving:
        return
    for old, targets in moving.items():
        if set(targets) == live[old] and len(set(targets.values())) == 1:
            (new,) = set(targets.values())
            conn.execute("update person_documents set person_id = ? where person_id = ?", (-new, old))
            conn.execute("update quotes set person_id = ? where person_id = ?", (-new, old))
            conn.execute("update statements set person_id = ? where person_id = ?", (-new, old))
            continue
        for key, new in targets.items():
            name_ids = stored_name_ids(conn.execute("select names from name_groups where key = ?", (key,)).fetchone()[0])
            records = conn.execute(
                "select r.document_id, r.ord, d.first_quote, d.quotes from person_documents r"
                " join documents d on d.id = r.document_id where r.person_id = ?"
                f" and r.name_id in ({','.join('?' * len(name_ids))})", (old, *name_ids)).fetchall()
            for document_id, ord_, first_quote, quotes in records:
                conn.execute("update person_documents set person_id = ? where document_id = ? and ord = ?",
                             (-new, document_id, ord_))
                if quotes:
                    conn.execute("update quotes set person_id = ? where id between ? and ? and ord = ?",
                                 (-new, first_quote, first_quote + quotes - 1, ord_))
                conn.execute("update statements set person_id = ? where document_id = ? and ord = ?",
                             (-new, document_id, ord_))
    for table in ("person_documents", "quotes", "statements"):
        conn.execute(f"update {table} set person_id = -person_id where person_id < 0")
