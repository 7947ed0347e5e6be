"""The incremental build: a few changed, added or removed files applied to the live store in one
SQLite transaction (WAL), merging again only the people the change reaches."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from bot.build.affected_people import affected_records
from bot.build.extraction_cache import ExtractionCache
from bot.build.merge import MergedPerson, NameRecord, group_key, merge_people, name_key
from bot.build.prepare import PreparedFile, prepare_file
from bot.build.report import BuildReport, Progress, SkippedFile
from bot.build.rows import (
    RowWriter,
    add_document,
    add_records,
    chunks,
    drop_name_postings,
    meta_rows,
    number_documents,
    recount_name_vocabulary,
    write_people,
)
from bot.build.seed_folder import SeedHashes
from bot.build.stories import update_stories
from bot.build.store_files import STORE_WAIT_SECONDS, store_lock
from bot.build.versions import extraction_versions, extractor_version
from bot.documents import READER_VERSION
from bot.store.schema import SCHEMA_VERSION

INCREMENTAL_MIN_FILES = 50  # up to this many changed files (or INCREMENTAL_SHARE of them) update in place
INCREMENTAL_SHARE = 0.05

STALE = BuildReport(Path(), unchanged=False)  # what update_in_place returns when the store changed under it



def update_in_place(db_path: Path, seeds_dir: Path, hashes: SeedHashes, fingerprint: str,
                     meta: dict[str, str], progress: Progress | None) -> BuildReport | None:
    """Apply a few changed, added or removed files to the live store in one SQLite transaction.

    Returns None (and changes nothing) when a full build is the right thing: no store, another
    schema, reader or extractor version, or too many changed files. The store is in WAL mode, so
    readers keep reading the snapshot they started with while the update runs and see all of it
    once it commits; an error rolls it back and a killed build leaves only uncommitted log frames,
    which SQLite ignores. Only the documents that changed are read and extracted, and only the
    people whose merge they can affect are merged again (see `affected_records`).
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

    with store_lock(db_path):
        conn = sqlite3.connect(db_path, isolation_level=None, timeout=STORE_WAIT_SECONDS)
        try:
            if conn.execute("pragma journal_mode = wal").fetchone()[0] != "wal":
                return None
            conn.execute("pragma synchronous = normal")
            conn.execute("pragma cache_size = -65536")
            conn.execute("begin immediate")
            try:
                if conn.execute("select value from meta where key = 'fingerprint'").fetchone() != (meta["fingerprint"],):
                    conn.execute("rollback")  # another build changed the store since we looked
                    return STALE
                report, paragraphs = _apply_changes(conn, hashes, changed, skipped_rel, counts,
                                                    int(meta.get("paragraphs", 0)), progress)
                conn.executemany("insert or replace into meta values (?, ?)", meta_rows(
                    fingerprint, seeds_dir, hashes, report, paragraphs))
                conn.execute("commit")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("rollback")
                raise
        finally:
            conn.close()
    return report


def _apply_changes(conn: sqlite3.Connection, hashes: SeedHashes, changed: set[str],
                   skipped_rel: dict[str, SkippedFile], counts: dict[str, int], paragraphs_total: int,
                   progress: Progress | None) -> tuple[BuildReport, int]:
    versions = extraction_versions()
    report = BuildReport(Path(), unchanged=False)
    document_of_path = {path: document_id for chunk in chunks(sorted(changed)) for path, document_id in conn.execute(
        f"select path, id from documents where path in ({','.join('?' * len(chunk))})", chunk)}
    removed = [document_of_path[rel] for rel in changed if rel in document_of_path]
    order = {rel: n for n, rel in enumerate(hashes)}  # the full build's order

    # The changed files, read and extracted here (they are few).
    cache = ExtractionCache(None, versions, conn)
    to_read = [(hashes.folder / rel, rel, sha) for rel, sha in hashes.items() if rel in changed]
    added: list[PreparedFile] = []
    new_skips: dict[str, SkippedFile] = {}
    for done, (path, rel, sha) in enumerate(to_read, 1):
        prepared = prepare_file(path, rel, sha, cache)
        report.notes.extend(SkippedFile(prepared.path, note) for note in prepared.notes)
        if prepared.skipped is not None:
            new_skips[rel] = SkippedFile(prepared.path, prepared.skipped)
        else:
            added.append(prepared)
        if progress:
            progress(done, len(to_read), prepared.path)
    skips = {rel: s for rel, s in skipped_rel.items() if rel not in changed} | new_skips
    report.skipped = [skips[rel] for rel in sorted(skips, key=lambda r: order.get(r, -1))]

    # People: merge again every record whose merged person a change can touch.
    touched = {group_key(r[0]) for p in added for r in p.records} | {
        name_key(alias) for p in added for r in p.records for alias in r[1]}
    for chunk in chunks(removed):
        marks = ",".join("?" * len(chunk))
        touched.update(k for (k,) in conn.execute(f"select name_key from person_records where document_id in ({marks})", chunk))
        touched.update(k for (k,) in conn.execute(
            f"select a.key from alias_keys a join person_records r on r.id = a.record_id where r.document_id in ({marks})",
            chunk))
    affected, ambiguous = affected_records(conn, touched, removed, added)
    removed_set = set(removed)
    old_people = {row[3] for row in affected.values()}
    surviving = sorted((row for row in affected.values() if row[1] not in removed_set),
                       key=lambda row: (order[row[8]], row[2]))
    # merge_people in the order a clean build would give it the same records: by path, then position.
    groups: list[list[NameRecord]] = []
    sources: list[list[tuple]] = []  # per group: the surviving record rows, or the new records' positions
    previous_document = None
    for row in surviving:
        if row[1] != previous_document:
            groups.append([])
            sources.append([])
            previous_document = row[1]
        groups[-1].append(NameRecord(row[4], json.loads(row[5]), row[6], row[7]))
        sources[-1].append(row)
    new_groups: dict[str, int] = {}
    for prepared in added:
        new_groups[prepared.rel] = len(groups)
        groups.append([NameRecord(name, list(aliases), role, mentions) for name, aliases, role, mentions, _ in prepared.records])
        sources.append([])
    position = {g: order[rows[0][8]] for g, rows in enumerate(sources) if rows}
    position.update({g: order[rel] for rel, g in new_groups.items()})
    # Two stand-in claimants for each ambiguous key, last: in the partial merge as in a full one, a
    # short name claimed by several fuller ones stays apart.
    position[len(groups)] = len(order)
    groups.append([NameRecord(f"\x00stand-in {n}", [key], None, 0) for n, key in enumerate(k for k in ambiguous for _ in "ab")])
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
    removed_keys = [tuple(row) for chunk in chunks(removed) for row in conn.execute(
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
        key = ExtractionCache.key(sha, Path(path))
        if not any(ExtractionCache.key(sha, Path(other)) == key
                   for (other,) in conn.execute("select path from documents where sha256 = ?", (sha,))):
            conn.execute("delete from extraction_cache where key = ?", (key,))
    name_words = drop_name_postings(conn, old_people)
    for chunk in chunks(sorted(old_people)):
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
    rows = RowWriter(conn)
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
        add_document(rows, document_id, prepared, person_of, next_quote, versions)
        add_records(rows, document_id, prepared, next_record, person_of)
        next_quote += len(prepared.quotes)
        next_record += len(prepared.records)
        added_ids.append(document_id)
        report.quotes += len(prepared.quotes)
        report.key_points += len(prepared.key_points)
        paragraphs_total += len(prepared.paragraphs)
        report.reused += prepared.reused
    rows.flush()
    update_stories(conn, removed, [(document_id, prepared.signature) for document_id, prepared in zip(added_ids, added)])
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

    name_words |= write_people(rows, map(counted, merged)).keys()
    rows.flush()
    recount_name_vocabulary(conn, name_words)
    added_keys = [tuple(row) for chunk in chunks(added_ids) for row in conn.execute(
        f"select sort_date, id from documents where id in ({','.join('?' * len(chunk))})", chunk)]
    moved = set(removed_keys) ^ set(added_keys)  # a document rewritten with its date kept keeps its number
    if moved:
        number_documents(conn, min(moved))

    report.documents = counts["documents"] - len(removed) + len(added)
    report.people = counts["people"] - len(old_people) + len(merged)
    report.quotes += counts["quotes"]
    report.key_points += counts["key_points"]
    report.reused += report.documents - len(added)
    return report, paragraphs_total - deleted_paragraphs
