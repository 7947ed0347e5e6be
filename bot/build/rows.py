"""Writing a store's rows: a prepared document's rows, people and their name index, numbering, meta."""
from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from bot.build.merge import MergedPerson
from bot.build.prepare import PreparedFile
from bot.build.report import BuildReport
from bot.build.text_dictionary import SAMPLE_DOCUMENTS, make_dictionary
from bot.build.versions import extractor_version
from bot.documents import READER_VERSION
from bot.store.mentions import mentioned_value
from bot.store.names import folded_labels, in_posting_order, label_words, posting_keys
from bot.store.schema import SCHEMA_VERSION
from bot.store.texts import TextCodec, store_dictionary, text_rows

BATCH_ROWS = 20_000  # rows held back for one executemany per table


def date_seconds(text: str) -> int | None:
    """An ISO date or date and time as seconds since 1970 (UTC when no zone is given); None if it is no date."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return int(moment.timestamp())
    except (OverflowError, ValueError, OSError):
        return None


@dataclass
class DocumentRows:
    """One prepared document as rows of the store, person columns still to be filled (see `RowWriter`).

    `records`: (ord, name, aliases, role, mentions, quotes, paragraphs, statements) — the input of the
    merge; person_documents rows start with the record's ord, quotes and statements with their
    speaker's ord (or None) — the writer puts the person id in its place.
    """
    document: tuple
    text: tuple  # (document_id, [(start, text) of each paragraph]): `TextRows` stores it
    key_points: list
    records: list
    person_documents: list  # (ord, document_id, ord, aliases, role, mentions, paragraphs, first_paragraph, sort_date,
    #                          mentioned)
    quotes: list  # (speaker ord, id, document_id, ord, paragraph, start, end, words, strength, text, speaker,
    #                confidence)
    statements: list  # (speaker ord, document_id, n, ord, paragraph, start, end, mixed, confidence, cue_start,
    #                    cue_end, sort_date, text, speaker)
    paragraph_search: list  # (rowid, text)
    quote_search: list  # (rowid, text)
    sort_date: int = 0
    paragraphs: int = 0


def document_rows(prepared: PreparedFile, document_id: int, first_paragraph: int, first_quote: int,
                  stat: int | None) -> DocumentRows:
    """The rows of a prepared document, its paragraphs numbered from `first_paragraph` in the paragraph
    index and its quotations from `first_quote`."""
    title, published, credits, added_at, sort_text, words, paragraph_count, people, quote_count, url, outlet, author = (
        prepared.document)
    sort_date = date_seconds(sort_text)
    if sort_date is None:  # a published date that is no date ("2024-13-45"): the file's own
        sort_date = date_seconds(added_at) or 0
    paragraphs = prepared.paragraphs  # (idx, start, end, text)
    starts = [p[1] for p in paragraphs]
    texts = [p[3] for p in paragraphs]
    document = (document_id, prepared.rel, title, prepared.sha256, stat, published, credits, added_at, sort_date,
                words, paragraph_count, people, quote_count, first_paragraph if paragraphs else None,
                first_quote if prepared.quotes else None, url, outlet, author)
    text = (document_id, list(zip(starts, texts)))

    def own_text(paragraph: int, start: int, end: int, value: str) -> str | None:
        """None when `value` is the paragraph's slice [start, end): it is not stored twice."""
        if 0 <= paragraph < len(texts):
            offset = starts[paragraph]
            if texts[paragraph][start - offset:end - offset] == value:
                return None
        return value

    key_points = [(document_id, rank, paragraph, kind, start, end, score, own_text(paragraph, start, end, value))
                  for paragraph, rank, kind, value, start, end, score in prepared.key_points]
    spans: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for ord_, paragraph, start, end in prepared.mentions:
        offset = starts[paragraph]
        spans.setdefault((ord_, paragraph), []).append((start - offset, end - offset))
    mentioned: dict[int, list[tuple[int, list[tuple[int, int]]]]] = {}
    for ord_, paragraph in sorted(prepared.person_paragraphs):
        mentioned.setdefault(ord_, []).append((paragraph, spans.get((ord_, paragraph), [])))
    person_documents = [(ord_, document_id, ord_, "\n".join(prepared.records[ord_][1]), prepared.records[ord_][2],
                         mentions, prepared.records[ord_][4], first, sort_date, mentioned_value(mentioned.get(ord_, [])))
                        for ord_, first, mentions in prepared.person_documents]
    quotes_of = Counter(q[0] for q in prepared.quotes if q[0] is not None)
    statements_of = Counter(s[0] for s in prepared.statements if s[0] is not None)
    records = [(ord_, name, aliases, role, mentions, quotes_of[ord_], paragraph_count, statements_of[ord_])
               for ord_, (name, aliases, role, mentions, paragraph_count) in enumerate(prepared.records)]
    quotes, quote_search = [], []
    for n, (ord_, speaker, paragraph, start, end, value, words, strength, confidence) in enumerate(prepared.quotes):
        quote_id = first_quote + n
        quotes.append((ord_, quote_id, document_id, ord_, paragraph, start, end, words, strength,
                       own_text(paragraph, start, end, value), speaker if ord_ is None else None, confidence))
        quote_search.append((quote_id, value))
    statements = [(ord_, document_id, n, ord_, paragraph, start, end, mixed, confidence, cue_start, cue_end, sort_date,
                   own_text(paragraph, start, end, value), speaker if ord_ is None else None)
                  for n, (ord_, speaker, paragraph, start, end, value, mixed, confidence, cue_start, cue_end)
                  in enumerate(prepared.statements)]
    return DocumentRows(document, text, key_points, records, person_documents, quotes,
                        statements, [(first_paragraph + n, value) for n, value in enumerate(texts)], quote_search,
                        sort_date, len(paragraphs))


class TextRows:
    """Rows of document_texts, compressed with the store's dictionary (`bot.store.texts`).

    An in-place update is given the stored codec. A full build has none yet: its first SAMPLE_DOCUMENTS
    documents wait, the dictionary is made from them and stored, and they and every later document are
    compressed with it; a build of fewer documents makes it from all of them (`finish`)."""

    def __init__(self, conn: sqlite3.Connection, codec: TextCodec | None):
        self.conn, self.codec = conn, codec
        self.waiting: list[tuple[int, list[tuple[int, str]]]] = []
        self.sample = 0  # documents the dictionary was made from, when made here

    def add(self, document_id: int, paragraphs: list[tuple[int, str]]) -> list[tuple]:
        """The rows ready to be written (none while the dictionary waits for its documents)."""
        if self.codec is not None:
            return text_rows(document_id, self.codec.encode(paragraphs))
        self.waiting.append((document_id, paragraphs))
        return self.finish() if len(self.waiting) >= SAMPLE_DOCUMENTS else []

    def finish(self) -> list[tuple]:
        """The rows still waiting, the dictionary made first if there is none."""
        if self.codec is None:
            self.sample = len(self.waiting)
            self.codec = store_dictionary(self.conn, make_dictionary(
                "".join(text for _, text in paragraphs).encode() for _, paragraphs in self.waiting))
        waiting, self.waiting = self.waiting, []
        return [row for document_id, paragraphs in waiting
                for row in text_rows(document_id, self.codec.encode(paragraphs))]


class RowWriter:
    """Rows waiting for one executemany per table (plain sqlite3: no per-row Python work beyond the tuple).

    `SQL` may be given other statements (a full build stages the person columns' tables elsewhere);
    `texts` writes the documents' text (needed by `add_document` only)."""

    SQL = {
        "documents": "insert into documents values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        "document_texts": "insert into document_texts values (?,?)",
        "key_points": "insert into key_points values (?,?,?,?,?,?,?,?)",
        "paragraphs_fts": "insert into paragraphs_fts (rowid, text) values (?,?)",
        "quotes_fts": "insert into quotes_fts (rowid, text) values (?,?)",
        "person_documents": "insert into person_documents values (?,?,?,?,?,?,?,?,?,?,?)",
        "quotes": "insert into quotes values (?,?,?,?,?,?,?,?,?,?,?,?)",
        "statements": "insert into statements values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        "people": "insert into people values (?,?,?,?,?,?,?,?)",
        "name_postings": "insert into name_postings values (?,?,?,?)",
    }

    def __init__(self, conn: sqlite3.Connection, sql: dict[str, str] | None = None,
                 on_flush: Callable[[], None] | None = None, texts: TextRows | None = None):
        self.conn = conn
        self.texts = texts
        self.sql = {**self.SQL, **(sql or {})}
        self.pending: dict[str, list[tuple]] = {table: [] for table in self.sql}
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
                self.conn.executemany(self.sql[table], batch)
                batch.clear()
        self.count = 0
        if self.on_flush is not None:
            self.on_flush()

    def add_document(self, rows: DocumentRows, person_of: Callable[[int], object], name_of: Callable[[int], int]) -> None:
        """A document's rows; `person_of(ord)` is what goes in the person column of each record's rows,
        `name_of(ord)` the id of its name."""
        self.add("documents", [rows.document])
        self.add("document_texts", self.texts.add(*rows.text))
        self.add("key_points", rows.key_points)
        self.add("paragraphs_fts", rows.paragraph_search)
        self.add("quotes_fts", rows.quote_search)
        self.add("person_documents", [(row[1], row[2], person_of(row[0]), name_of(row[0]), *row[3:])
                                      for row in rows.person_documents])
        for table, rows_of in (("quotes", rows.quotes), ("statements", rows.statements)):
            self.add(table, [(row[1], row[2], row[3], None if row[0] is None else person_of(row[0]), *row[4:])
                             for row in rows_of])


def person_row(person: MergedPerson) -> tuple:
    """A person's row of `people`."""
    return (person.id, person.name, person.role, "\n".join(person.aliases), person.mentions, person.quotes,
            person.paragraphs, person.statements)


def stored_labels(name: str, aliases: str | None) -> list[str]:
    """The folded labels of a stored person (`aliases` as the people table holds them)."""
    return folded_labels(name, aliases.split("\n") if aliases else [])


def person_rows(person: MergedPerson) -> tuple[tuple, list[str], list[tuple]]:
    """A person's row, their name words, and their name postings."""
    labels = folded_labels(person.name, person.aliases)
    words = label_words(labels)
    return person_row(person), words, [(key, person.mentions, person.quotes, person.id)
                                               for key in posting_keys(labels, words)]


def write_people(rows: RowWriter, people: Iterable[MergedPerson]) -> Counter[str]:
    """Rows of people: the person and the name postings. Returns how many of them each name word has."""
    vocabulary: Counter[str] = Counter()
    for person in people:
        row, words, postings = person_rows(person)
        vocabulary.update(words)
        rows.add("people", [row])
        rows.add("name_postings", postings)
    return vocabulary


def update_people(conn: sqlite3.Connection, people: list[MergedPerson]) -> list[MergedPerson]:
    """Update in place the stored people (same ids) that `people` describe by the same name words and
    labels, in whatever order; returns the others, to be written anew.

    Removing a day of news changes the counts of tens of thousands of people (and with them the order of
    some of their aliases) but the name words of few: the rows are updated, the name postings (keyed by
    mentions and quotes) moved only when those changed, and the name words counted as they were."""
    stored: dict[int, tuple] = {}
    for chunk in chunks(sorted(p.id for p in people), 5000):
        for row in conn.execute("select id, name, role, aliases, mentions, quotes, paragraphs, statements"
                                " from people where id in (select value from json_each(?))",
                                (json.dumps(chunk),)):  # as `person_row` makes them
            stored[row[0]] = row
    others, updates, gone, postings = [], [], [], []
    for person in people:
        old = stored.get(person.id)
        if old is None:
            others.append(person)
            continue
        row = person_row(person)
        if row == old:
            continue
        labels = folded_labels(person.name, person.aliases)
        if row[1:4:2] != old[1:4:2] and set(labels) != set(stored_labels(old[1], old[3])):
            others.append(person)
            continue
        updates.append((*row[1:], person.id))
        if (person.mentions, person.quotes) != old[4:6]:
            keys = posting_keys(labels, label_words(labels))
            gone += [(key, old[4], old[5], person.id) for key in keys]
            postings += [(key, person.mentions, person.quotes, person.id) for key in keys]
    conn.executemany("update people set name = ?, role = ?, aliases = ?, mentions = ?, quotes = ?,"
                     " paragraphs = ?, statements = ? where id = ?", updates)
    conn.executemany("delete from name_postings where token = ? and mentions = ? and quotes = ? and person_id = ?",
                     in_posting_order(gone))
    conn.executemany("insert into name_postings values (?, ?, ?, ?)", in_posting_order(postings))
    return others


def drop_people(conn: sqlite3.Connection, person_ids: Iterable[int]) -> Counter[str]:
    """Delete these people and their name postings (each by its whole key); returns how many of them
    each name word had."""
    words: Counter[str] = Counter()
    postings = []
    for chunk in chunks(sorted(person_ids), 5000):
        ids = json.dumps(chunk)
        for pid, name, aliases, mentions, quotes in conn.execute(
                "select id, name, aliases, mentions, quotes from people where id in (select value from json_each(?))",
                (ids,)):
            labels = stored_labels(name, aliases)
            mine = label_words(labels)
            postings += [(key, mentions, quotes, pid) for key in posting_keys(labels, mine)]
            words.update(mine)
        conn.execute("delete from people where id in (select value from json_each(?))", (ids,))
    conn.executemany("delete from name_postings where token = ? and mentions = ? and quotes = ? and person_id = ?",
                     in_posting_order(postings))
    return words


def count_name_vocabulary(conn: sqlite3.Connection, removed: Counter[str], added: Counter[str]) -> None:
    """Adjust how many people each name word has: `removed` of them went, `added` came."""
    change = Counter(added)
    change.subtract(removed)
    conn.executemany("insert into name_vocabulary values (?, ?) on conflict (token) do update"
                     " set people = people + excluded.people", sorted(change.items()))
    conn.executemany("delete from name_vocabulary where token = ? and people <= 0", [(w,) for w, n in change.items() if n < 0])


def number_documents(conn: sqlite3.Connection, moved: set[tuple[int, int]] | None = None) -> None:
    """`document_order`: consecutive positions for the documents from the oldest (by sort_date, then
    id) to the newest; "the Nth newest" is the highest position less N - 1.

    `moved`: the (sort_date, id) of the documents an in-place change added or removed. The documents
    before the oldest of them and after the newest keep their order; of those two runs, the longer
    keeps its positions and the rest is numbered again next to it. So adding the newest documents
    writes their rows only, and retention (the oldest go) none at all: the positions then start
    above 1, as they may."""
    if not moved:
        conn.execute("delete from document_order")
        conn.execute("insert into document_order select row_number() over (order by sort_date, id), id from documents")
        return
    first, last = conn.execute("select min(position), max(position) from document_order").fetchone()
    low, high = min(moved), max(moved)
    (before,) = conn.execute("select count(*) from documents where (sort_date, id) < (?, ?)", low).fetchone()
    (after,) = conn.execute("select count(*) from documents where (sort_date, id) > (?, ?)", high).fetchone()
    if first is None:
        number_documents(conn)
    elif before >= after:  # keep the older run, number from the oldest moved document on
        conn.execute("delete from document_order where position >= ?", (first + before,))
        conn.execute("insert into document_order select ? + row_number() over (order by sort_date, id), id"
                     " from documents where (sort_date, id) >= (?, ?)", (first + before - 1, *low))
    else:  # keep the newer run, number up to the newest moved document, ending just before it
        end = last - after
        (count,) = conn.execute("select count(*) from documents where (sort_date, id) <= (?, ?)", high).fetchone()
        conn.execute("delete from document_order where position <= ?", (end,))
        conn.execute("insert into document_order select ? + row_number() over (order by sort_date, id), id"
                     " from documents where (sort_date, id) <= (?, ?)", (end - count, *high))


def meta_rows(fingerprint: str, seed_sum: str, scan_digest: str, report: BuildReport, paragraphs: int,
              refused: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """The meta table's rows; `refused`: what a listing of the folder found but does not read (kept as
    it was when the folder was not listed)."""
    import dataclasses

    counts = {"documents": report.documents, "people": report.people, "quotes": report.quotes,
              "key_points": report.key_points}
    return [
        ("fingerprint", fingerprint),
        ("seed_sum", seed_sum),
        ("scan_digest", scan_digest),
        ("built_at", datetime.now(timezone.utc).isoformat(timespec="seconds")),
        ("schema_version", SCHEMA_VERSION),
        ("reader_version", READER_VERSION),
        ("extractor_version", extractor_version()),
        ("skipped", json.dumps([dataclasses.asdict(s) for s in report.skipped])),
        ("counts", json.dumps(counts)),
        ("paragraphs", str(paragraphs)),
    ] + ([("refused", json.dumps(refused))] if refused is not None else [])


def chunks(values: list, size: int = 500) -> Iterator[list]:
    for i in range(0, len(values), size):
        yield values[i:i + size]
