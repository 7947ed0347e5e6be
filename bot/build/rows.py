"""Writing a store's rows: documents, people and their name index, numbering, meta."""
from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from bot.build.merge import group_key, name_key
from bot.build.prepare import PreparedFile
from bot.build.report import BuildReport
from bot.build.seed_folder import SeedHashes
from bot.build.versions import extractor_version
from bot.documents import READER_VERSION
from bot.store.names import folded_labels, label_words, posting_keys
from bot.store.schema import SCHEMA_VERSION

BATCH_ROWS = 20_000  # rows held back for one executemany per table


class RowWriter:
    """Rows waiting for one executemany per table (plain sqlite3: no per-row Python work beyond the tuple)."""

    SQL = {
        "documents": "insert into documents values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
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


def write_people(rows: RowWriter, people: Iterable[tuple[int, str, str | None, list[str], int, int, int, int]]) -> Counter[str]:
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


def drop_name_postings(conn: sqlite3.Connection, person_ids: Iterable[int]) -> set[str]:
    """Delete these people's name postings (each by its whole index key); returns their name words."""
    words: set[str] = set()
    for chunk in chunks(sorted(person_ids)):
        people = conn.execute(f"select id, labels, mentions, quotes from people where id in ({','.join('?' * len(chunk))})",
                              chunk).fetchall()
        for pid, labels, mentions, quotes in people:
            labels = labels.split("\n") if labels else []
            mine = label_words(labels)
            conn.executemany("delete from name_postings where token = ? and mentions = ? and quotes = ? and person_id = ?",
                             [(key, mentions, quotes, pid) for key in posting_keys(labels, mine)])
            words.update(mine)
    return words


def recount_name_vocabulary(conn: sqlite3.Connection, words: Iterable[str]) -> None:
    for word in words:
        (people,) = conn.execute("select count(*) from name_postings where token = ?", (word,)).fetchone()
        if people:
            conn.execute("insert or replace into name_vocabulary values (?, ?)", (word, people))
        else:
            conn.execute("delete from name_vocabulary where token = ?", (word,))


def number_documents(conn: sqlite3.Connection, since: tuple[str, int] | None = None) -> None:
    """`document_order`: 1 for the oldest document (by sort_date, then id), and on.

    `since`: the (sort_date, id) of the oldest document an incremental build added or removed. The
    numbers before it stand; only those from there on are written again (one row when the document
    added is the newest)."""
    since = since or ("", 0)
    (base,) = conn.execute("select count(*) from documents where (sort_date, id) < (?, ?)", since).fetchone()
    conn.execute("delete from document_order where position > ?", (base,))
    conn.execute("insert into document_order select ? + row_number() over (order by sort_date, id), id"
                 " from documents where (sort_date, id) >= (?, ?)", (base, *since))


def add_document(rows: RowWriter, document_id: int, prepared: PreparedFile, person_of: list[int | None],
                  first_quote_id: int, versions: str) -> None:
    """A prepared document's rows; `person_of[ord]` is the person id (or, in a full build, the record id)."""
    d = prepared.document
    sort_date = d[4]
    rows.add("documents", [(document_id, prepared.rel, d[0], prepared.sha256, d[1], d[2], d[3], sort_date, d[5], d[6],
                            d[7], d[8], *d[9:12])])
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


def add_records(rows: RowWriter, document_id: int, prepared: PreparedFile, first_record_id: int,
                 person_of: list[int | None]) -> None:
    rows.add("person_records", [
        (first_record_id + o, document_id, o, person_of[o], name, group_key(name),
         json.dumps(list(aliases), ensure_ascii=False), role, mentions)
        for o, (name, aliases, role, mentions, _) in enumerate(prepared.records)])
    rows.add("alias_keys", [(name_key(alias), first_record_id + o)
                            for o, record in enumerate(prepared.records) for alias in record[1]])


def meta_rows(fingerprint: str, seeds_dir: Path, hashes: SeedHashes, report: BuildReport,
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



def chunks(values: list, size: int = 500) -> Iterator[list]:
    for i in range(0, len(values), size):
        yield values[i:i + size]
