"""What landed in briefing.db since someone last looked: the reads behind follows and alerts.

`StoreWatch` keeps its own read-only connection and tells whether a build changed the store since the
last look (a full build swaps in another file: its inode differs; an in-place update commits to the
same file: `PRAGMA data_version` differs), each change counted as a new `generation`. Ids are no
guide to what is new (a full build renumbers everything; an in-place one keeps a changed document's
id and may reuse freed quote ids), so new and changed documents are found by path and content hash
(`changed_documents`, against what was seen before, kept elsewhere and attached to the connection),
and quotations by their text (`text_key`).

Documents carry `url` and `outlet` (fetched articles, schema 6); a store without those columns is read without them.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.store.names import fold, whole_label_key
from bot.store.schema import from_hundredths, to_hundredths
from bot.store.search_text import match_expression
from bot.store.texts import (
    cut,
    document_of_paragraph,
    document_paragraphs,
    load_codec,
    stored_text,
)

CHUNK = 500  # ids per `in (...)` query, within SQLite's limit on bound parameters


def text_key(text: str) -> str:
    """A quotation's identity within its document, across rebuilds: its words (speaker left out, so
    a quotation attributed anew is not news)."""
    return hashlib.sha1(" ".join(text.split()).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class LandedQuote:
    text: str
    person_id: int | None
    speaker: str | None  # the person's canonical name, else what extraction saw
    role: str | None
    paragraph: int  # 0-based
    confidence: float | None = None  # of the attribution (see bot.models.Quote)

    @property
    def key(self) -> str:
        return text_key(self.text)


@dataclass
class LandedDocument:
    id: int
    path: str
    sha256: str
    title: str
    published: str | None
    url: str | None = None
    outlet: str | None = None
    paragraphs: list[tuple[int, str]] = field(default_factory=list)  # (index, text), in order
    quotes: list[LandedQuote] = field(default_factory=list)


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    role: str | None
    aliases: tuple[str, ...]
    mentions: int


class StoreWatch:
    """A read-only connection to briefing.db that notices rebuilds, for code outside `Store`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.conn: sqlite3.Connection | None = None
        self.generation = 0  # bumped for each version of the store seen
        self._identity: tuple[int, int] | None = None
        self._version: int | None = None
        self._columns: set[str] = set()

    def look(self) -> sqlite3.Connection | None:
        """The connection to the store as it is now (None when there is no store); `generation` is
        bumped when it is another version than at the last look."""
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            return None
        identity = (status.st_dev, status.st_ino)
        if identity != self._identity or self.conn is None:
            if self.conn is not None:
                self.conn.close()
            self.conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            self._identity, self._version = identity, None
            self._columns = {row[1] for row in self.conn.execute("pragma table_info(documents)")}
        version = self.conn.execute("pragma data_version").fetchone()[0]
        if version != self._version:
            self._version = version
            self.generation += 1
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def has_column(self, name: str) -> bool:
        return name in self._columns


def document_hashes(conn: sqlite3.Connection) -> dict[str, tuple[int, str]]:
    """Every document's path → (id, content hash): one pass over the documents table."""
    return {path: (doc_id, sha) for doc_id, path, sha in conn.execute("select id, path, sha256 from documents")}


def changed_documents(conn: sqlite3.Connection, seen: str) -> list[tuple[int, str]]:
    """(id, path) of the documents that table `seen` (path, sha256; attached to `conn`) does not hold
    with their present content hash: new and changed ones, in id order. One pass over the documents,
    a probe of `seen` each, in SQLite: nothing of the store is held in Python memory."""
    return [tuple(r) for r in conn.execute(
        f"select d.id, d.path from documents d left join {seen} s on s.path = d.path"
        " where s.sha256 is not d.sha256 order by d.id")]


def vanished_paths(conn: sqlite3.Connection, seen: str) -> list[str]:
    """The paths in table `seen` that no document of the store has any more."""
    return [path for (path,) in conn.execute(
        f"select s.path from {seen} s where not exists (select 1 from documents d where d.path = s.path)")]


def landed_documents(watch: StoreWatch, ids: Iterable[int]) -> list[LandedDocument]:
    """The documents of `ids` with their paragraphs and quotations, in id order."""
    conn = watch.conn
    extra = [c for c in ("url", "outlet") if watch.has_column(c)]
    columns = "id, path, sha256, title, published" + "".join(f", {c}" for c in extra)
    found: dict[int, LandedDocument] = {}
    codec = load_codec(conn)
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(f"select {columns} from documents where id in ({marks})", chunk):
            more = dict(zip(extra, row[5:]))
            found[row[0]] = LandedDocument(row[0], row[1], row[2], row[3], row[4], more.get("url"), more.get("outlet"))
        texts: dict[int, list[tuple[int, str]]] = {}
        for doc_id in chunk:
            if doc_id in found:
                texts[doc_id] = codec.decode(stored_text(conn, doc_id))
                found[doc_id].paragraphs = [(index, text) for index, (_, text) in enumerate(texts[doc_id])]
        for doc_id, text, person_id, speaker, role, paragraph, start, end, confidence in conn.execute(
                "select d.id, q.text, q.person_id, coalesce(p.name, q.speaker), p.role, q.paragraph, q.start, q.\"end\","
                " q.confidence from documents d join quotes q on q.id between d.first_quote and d.first_quote + d.quotes - 1"
                f" left join people p on p.id = q.person_id where d.id in ({marks}) order by d.id, q.start", chunk):
            text = cut(texts.get(doc_id, []), paragraph, start, end, text)
            found[doc_id].quotes.append(LandedQuote(text, person_id, speaker, role, paragraph,
                                                    from_hundredths(confidence)))
    return [found[i] for i in ids if i in found]


def quote_texts(conn: sqlite3.Connection, first: int, last: int) -> Iterator[tuple[int, str]]:
    """(document id, text) of the quotations of the documents with ids first..last, by document and
    quotation id. Each document's own range of quotation ids is read: ids of documents changed in
    place lie far from their neighbours', so one range over the chunk could span the whole table."""
    codec = load_codec(conn)
    document, paragraphs = None, []
    for document_id, paragraph, start, end, text in conn.execute(
            'select q.document_id, q.paragraph, q.start, q."end", q.text from documents d'
            " join quotes q on q.id between d.first_quote and d.first_quote + d.quotes - 1"
            " where d.id between ? and ? order by d.id, q.id", (first, last)):
        if text is None and document_id != document:
            document, paragraphs = document_id, document_paragraphs(conn, codec, document_id)
        yield document_id, cut(paragraphs, paragraph, start, end, text)


def person(conn: sqlite3.Connection, person_id: int) -> PersonRow | None:
    row = conn.execute("select id, name, role, mentions from people where id = ?", (person_id,)).fetchone()
    if row is None:
        return None
    (aliases,) = conn.execute("select aliases from people where id = ?", (person_id,)).fetchone()
    return PersonRow(row[0], row[1], row[2], tuple(aliases.split("\n")) if aliases else (), row[3])


def person_labels(row: PersonRow) -> list[str]:
    """What a follow of this person keeps: their name and aliases folded (`bot.store.names.fold`),
    the canonical name first."""
    labels: list[str] = []
    for label in (row.name, *row.aliases):
        folded = fold(label)
        if folded and folded not in labels:
            labels.append(folded)
    return labels


def resolve_person(conn: sqlite3.Connection, labels: list[str]) -> int | None:
    """The current person of a follow kept by its folded `labels` (canonical name first), whatever the
    rebuilds did: the person with that canonical name; else the one who carries it as an alias (the
    name merged into a fuller one); else, label by label, the best-known person called by the alias.
    None when nobody in the store has any of the names."""
    for n, label in enumerate(labels):
        rows = conn.execute(
            "select np.person_id, p.name from name_postings np join people p on p.id = np.person_id"
            " where np.token = ? order by np.mentions desc, np.quotes desc, np.person_id limit 20",
            (whole_label_key(label),)).fetchall()
        if not rows:
            continue
        exact = [pid for pid, name in rows if fold(name) == label]
        if exact:
            return exact[0]
        if n == 0 or len(label.split()) > 1 or len(rows) == 1:
            return rows[0][0]
    return None


def latest_quote(conn: sqlite3.Connection, person_id: int,
                 min_confidence: float = 0.0) -> tuple[LandedQuote, str, str | None] | None:
    """The person's quotation of the newest document (of those attributed at least `min_confidence`), with
    that document's title and date."""
    row = conn.execute(
        'select q.text, q.person_id, p.name, p.role, q.paragraph, d.title, d.published, d.id, q.start, q."end",'
        " q.confidence from quotes q join people p on p.id = q.person_id join documents d on d.id = q.document_id"
        " where q.person_id = ? and ifnull(q.confidence, 0) >= ?"
        " order by d.sort_date desc, d.id desc, q.strength desc, q.id desc limit 1",
        (person_id, to_hundredths(min_confidence))).fetchone()
    if row is None:
        return None
    text = cut(document_paragraphs(conn, load_codec(conn), row[7]), row[4], row[8], row[9], row[0])
    return LandedQuote(text, row[1], row[2], row[3], row[4], from_hundredths(row[10])), row[5], row[6]


def latest_paragraphs(conn: sqlite3.Connection, words: list[str], limit: int = 50) -> list[tuple[int, int, str, str, str | None]]:
    """The newest paragraphs holding every one of `words` (as /search matches them), at most `limit`:
    (document id, paragraph index, text, document title, published)."""
    found = []
    codec = load_codec(conn)
    for (rowid,) in conn.execute("select rowid from paragraphs_fts where paragraphs_fts match ?"
                                 " order by rowid desc limit ?", (match_expression(words), limit)).fetchall():
        place = document_of_paragraph(conn, rowid)
        if place is None:
            continue
        paragraphs = document_paragraphs(conn, codec, place[0])
        title, published = conn.execute("select title, published from documents where id = ?", (place[0],)).fetchone()
        if place[1] < len(paragraphs):
            found.append((place[0], place[1], paragraphs[place[1]][1], title, published))
    return found


def document_text(conn: sqlite3.Connection, document_id: int) -> str:
    """A document's title and paragraphs, for checking a topic's excluded words."""
    row = conn.execute("select title from documents where id = ?", (document_id,)).fetchone()
    paragraphs = document_paragraphs(conn, load_codec(conn), document_id)
    return "\n".join([row[0] if row else "", *(text for _, text in paragraphs)])
