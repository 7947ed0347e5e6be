"""Read-only questions to briefing.db: who is who, who said what, where a word occurs, what is new.

`Store` opens the file read-only and, before each question, checks whether a build changed the
store: a full build swaps in a new file (one `stat` sees another inode, and the Store reopens), an
incremental build commits to the same file (`PRAGMA data_version` changes, and the Store reloads
its meta and name index). Either way a running bot serves the new store without a restart.
Every answer carries its Source (document, title, paragraph, date), and every query is an index
lookup or an FTS5 match, so answers stay fast on large stores. Text is kept once per document,
compressed (see `bot.store.schema`): paragraphs, quotations and key points are cut from it here, and
search snippets are made by FTS5 over the few paragraphs shown (`TextProbe`).
"""
from __future__ import annotations

import dataclasses
import json
import os
import random
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

from bot.models import (
    COUNT_CAP,
    Briefing,
    BriefPerson,
    PersonCard,
    PersonMatch,
    QuoteHit,
    SearchHit,
    SearchPlan,
    Source,
    SourceInfo,
    StatementHit,
    StoryCopy,
)
from bot.store.mentions import mentioned_paragraphs
from bot.store.name_index import NameIndex
from bot.store.schema import SEARCH_TABLES, from_hundredths, to_hundredths
from bot.store.search_text import TextProbe, highlight, match_expression, search_terms
from bot.store.texts import (
    TextCodec,
    cut,
    document_of_paragraph,
    document_paragraphs,
    load_codec,
)

_SNIPPET_TOKENS = 32
RANKED_WINDOW = 500  # FTS matches ranked per question (see Store._ranked_matches)
SAMPLE = 20_000  # newest rows in which a word's share is counted (bot.build.search_shares)
STOP_SHARE = 0.15  # a word in more of them ("the", "said", "not") means nothing: it is left out
RANK_ROWS = 40_000  # words in more rows than this, together, make BM25 slow: such searches come newest first
WALK_STEPS = 600  # rows of the rarest word times the other words (up to 4 µs each at 1M): more, and only the newest rows are searched
READ_ROWS = 4_000  # rows of the words read by rowid range in the newest rows searched (about 1.5 ms)
VERIFY_ROWS = 60  # or: rows of the rarest word, at which the others are looked up (about 10 µs a word each)
NEWEST_END = 100  # a window of at most this share (1/100) of the rows is read from its newest end
# Words in no more rows than this are left out of search_shares (most of a small store's vocabulary):
# counted in the index when asked, in ~10 µs (`rows_with_word`), as the build would have counted them.
FEW_ROWS = 40
STORY_COPIES = 10  # other outlets' copies of a story named with a briefing
PROMINENT = 1000  # best-known people kept per version of the store (suggestions, quiz distractors)
TEXTS_KEPT = 256  # documents' decompressed paragraphs kept per version of the store
CACHE_KB = 32_768  # SQLite's page cache of the store's connection


def open_word_rows(conn: sqlite3.Connection) -> None:
    """The vocabulary of each full-text index, each word's rows (`rows_with_word`), as this connection's tables."""
    for table in SEARCH_TABLES:
        conn.execute(f"create virtual table if not exists temp.{table}_instances"
                     f" using fts5vocab(main, {table}, 'instance')")


def rows_with_word(conn: sqlite3.Connection, table: str, stem: str | None, low: int) -> tuple[int, int]:
    """How many rows of `table` hold a stemmed word, and how many of those are numbered above `low`, from
    the index itself (`open_word_rows`): a walk over the word's rows, for the words search_shares leaves out."""
    return conn.execute(f"select count(distinct doc), count(distinct doc) filter (where doc > ?)"
                        f" from temp.{table}_instances where term = ?", (low, stem)).fetchone()


class StoreNotBuilt(FileNotFoundError):
    """There is no briefing.db yet: run `briefbot build`."""


class Store:
    """Read-only questions to briefing.db; follows rebuilds by itself (a swapped file or an in-place update)."""

    def __init__(self, db_path: str | Path):
        self.path = Path(db_path)
        self._conn: sqlite3.Connection | None = None
        self._identity: tuple[int, int, int, int] | None = None
        self._names: NameIndex | None = None
        self._prominent: list[PersonMatch] | None = None
        self._shares: dict[tuple[str, str | None], tuple[float, int]] = {}
        self._newest: dict[str, int] = {}
        self._texts: OrderedDict[int, list[tuple[int, str]]] = OrderedDict()
        self._codec = TextCodec(b"")
        self._probe = TextProbe()
        self._meta: dict[str, str] = {}
        self._version: int | None = None
        self._generation = 0  # counts the versions of the store this Store has seen
        self._reopening = threading.Lock()
        self._db()

    def _db(self) -> sqlite3.Connection:
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            raise StoreNotBuilt(f"no store at {self.path}: run `briefbot build`") from None
        identity = (status.st_dev, status.st_ino, status.st_mtime_ns, status.st_size)
        with self._reopening:
            if identity != self._identity or self._conn is None:
                # The old connection is not closed here: a query in another thread may still be
                # reading the old file through it; it closes when the last reference goes.
                conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
                conn.row_factory = sqlite3.Row
                # A page cache of 32 MB (SQLite's default is 2): the index pages a question walks through
                # stay between questions on a store of millions of rows.
                conn.execute(f"pragma cache_size = -{CACHE_KB}")
                open_word_rows(conn)
                self._conn, self._identity = conn, identity
                self._load(conn)
            else:
                # An incremental build commits to this very file: data_version tells (cheaply).
                version = self._conn.execute("pragma data_version").fetchone()[0]
                if version != self._version:
                    self._load(self._conn)
            return self._conn

    def _load(self, conn: sqlite3.Connection) -> None:
        """What is kept per version of the store: its meta table and text codec; the name index is rebuilt
        on demand."""
        self._version = conn.execute("pragma data_version").fetchone()[0]
        self._meta = dict(conn.execute("select key, value from meta"))
        self._codec = load_codec(conn)
        self._names = None
        self._prominent = None
        self._shares = {}
        self._newest = {}
        self._texts = OrderedDict()
        self._generation += 1

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _rows(self, sql: str, *params: object) -> list[sqlite3.Row]:
        return self._db().execute(sql, params).fetchall()

    def _column(self, sql: str, *params: object) -> list:
        """The first column of a query's rows, read a row at a time.

        A search reads thousands of rowids; held all at once as rows (two objects each) they set off
        Python's cyclic garbage collector every question or two, and its full passes, one in a hundred
        questions or so, take 10-20 ms. Read this way each row is freed as the next one comes."""
        return [row[0] for row in self._db().execute(sql, params)]

    def read(self, sql: str, *params: object) -> list[sqlite3.Row]:
        """Rows of a read-only query on the current store, for the query modules beside this one."""
        return self._rows(sql, *params)

    @property
    def version(self) -> str:
        """What names this very content of the store (its build's fingerprint, and how many slices of
        retired documents were purged since: `bot.build.purge`): a key for caches."""
        self._db()
        purges = self._meta.get("purges")
        return self._meta.get("fingerprint", "") + (f"+{purges}" if purges else "")

    def _name_index(self, conn: sqlite3.Connection | None = None) -> NameIndex:
        conn = conn or self._db()
        generation, names = self._generation, self._names
        if names is None:
            names = NameIndex(conn)
            if generation == self._generation:  # the store did not change meanwhile
                self._names = names
        return names

    def _count(self, name: str) -> int:
        self._db()
        return int(json.loads(self._meta.get("counts", "{}")).get(name, 0))

    # ---- people ----------------------------------------------------------------------------

    def find_people(self, name: str, limit: int = 5) -> list[PersonMatch]:
        """People whose name or alias is like `name`, best first; [] when nobody is close."""
        conn = self._db()
        return self._name_index(conn).find(conn, name, limit)

    def list_people(self, offset: int = 0, limit: int = 10) -> tuple[list[PersonMatch], int]:
        """People by prominence (mentions, then quotes), and how many there are in all."""
        rows = self._rows("select id, name, role, mentions from people order by mentions desc, quotes desc, id"
                          " limit ? offset ?", limit, offset)
        return [PersonMatch(r["id"], r["name"], r["role"], r["mentions"], 100.0) for r in rows], self._count("people")

    def prominent_people(self, limit: int = PROMINENT) -> list[PersonMatch]:
        """The best-known people (at most PROMINENT), most mentioned first; read once per version of the store."""
        conn = self._db()
        generation, prominent = self._generation, self._prominent
        if prominent is None:
            prominent = [PersonMatch(r["id"], r["name"], r["role"], r["mentions"], 100.0) for r in conn.execute(
                "select id, name, role, mentions from people order by mentions desc, quotes desc, id limit ?",
                (PROMINENT,))]
            if generation == self._generation:
                self._prominent = prominent
        return prominent[:limit]

    def person_card(self, person_id: int, quote_limit: int = 3, document_limit: int = 5,
                    statement_limit: int = 2) -> PersonCard | None:
        """The person, where they are mentioned, their strongest quotations and statements, and how many
        of each there are."""
        rows = self._rows("select id, name, role, mentions, aliases, quotes, statements from people where id = ?",
                          person_id)
        if not rows:
            return None
        person = rows[0]
        aliases = person["aliases"].split("\n") if person["aliases"] else []
        documents = [
            Source(r["document_id"], r["title"], r["first_paragraph"], r["published"], r["url"], r["outlet"])
            for r in self._rows(
                "select pd.document_id, pd.first_paragraph, d.title, d.published, d.url, d.outlet from person_documents pd"
                " join documents d on d.id = pd.document_id where pd.person_id = ?"
                " order by pd.sort_date desc, pd.document_id desc limit ?", person_id, document_limit)
        ] if document_limit else []
        quotes = self.quotes_by(person_id, 0, quote_limit)[0] if quote_limit else []
        statements = self.statements_by(person_id, 0, statement_limit)[0] if statement_limit else []
        return PersonCard(person["id"], person["name"], person["role"], aliases, person["mentions"], documents, quotes,
                          person["quotes"], statements, person["statements"])

    # ---- text ----------------------------------------------------------------------------------

    def _paragraphs(self, document_id: int) -> list[tuple[int, str]]:
        """(start, text) of each paragraph of a document, decompressed once per version of the store."""
        texts = self._texts
        found = texts.get(document_id)
        if found is not None:
            texts.move_to_end(document_id)
            return found
        conn = self._db()
        found = texts[document_id] = document_paragraphs(conn, self._codec, document_id)
        if len(texts) > TEXTS_KEPT:
            texts.popitem(last=False)
        return found

    def _cut(self, document_id: int, paragraph: int, start: int, end: int, text: str | None) -> str:
        """A quotation's or key point's text: its own, or its span of its paragraph."""
        return text if text is not None else cut(self._paragraphs(document_id), paragraph, start, end, text)

    # ---- quotations ------------------------------------------------------------------------

    _QUOTE_COLUMNS = ("select q.id, q.text, q.paragraph, q.start, q.\"end\", coalesce(p.name, q.speaker) as speaker,"
                      " p.role, q.document_id, d.title, d.published, d.url, d.outlet, q.confidence")
    _QUOTE_JOINS = " join documents d on d.id = q.document_id left join people p on p.id = q.person_id"

    def _quote_hit(self, row: sqlite3.Row, score: float = 0.0) -> QuoteHit:
        source = Source(row["document_id"], row["title"], row["paragraph"], row["published"], row["url"], row["outlet"])
        text = self._cut(row["document_id"], row["paragraph"], row["start"], row["end"], row["text"])
        return QuoteHit(row["id"], text, row["speaker"], row["role"], source, score, from_hundredths(row["confidence"]))

    def quotes_by(self, person_id: int, offset: int = 0, limit: int = 5) -> tuple[list[QuoteHit], int]:
        """A person's quotations, strongest first (substantive sentences before 1-3 word fragments)."""
        rows = self._rows(self._QUOTE_COLUMNS + " from quotes q" + self._QUOTE_JOINS +
                          " where q.person_id = ? order by q.strength desc, q.id limit ? offset ?",
                          person_id, limit, offset)
        total = self._rows("select quotes from people where id = ?", person_id)
        return [self._quote_hit(r) for r in rows], total[0]["quotes"] if total else 0

    # ---- reported speech ----------------------------------------------------------------------

    _STATEMENT_COLUMNS = ('select s.document_id, s.paragraph, s.start, s."end", s.text, s.mixed, s.confidence,'
                          " coalesce(p.name, s.speaker) as speaker, p.role, d.title, d.published, d.url, d.outlet"
                          " from statements s join documents d on d.id = s.document_id"
                          " left join people p on p.id = s.person_id")

    def _statement_hit(self, row: sqlite3.Row) -> StatementHit:
        source = Source(row["document_id"], row["title"], row["paragraph"], row["published"], row["url"], row["outlet"])
        text = self._cut(row["document_id"], row["paragraph"], row["start"], row["end"], row["text"])
        return StatementHit(text, row["speaker"], row["role"], source, bool(row["mixed"]),
                            from_hundredths(row["confidence"]))

    def statements_by(self, person_id: int, offset: int = 0, limit: int = 5) -> tuple[list[StatementHit], int]:
        """What the person was reported to have said, most confident first, then newest (one walk of their
        index), and how many statements they have."""
        rows = self._rows(self._STATEMENT_COLUMNS + " where s.person_id = ?"
                          " order by s.confidence desc, s.sort_date desc, s.document_id desc, s.n limit ? offset ?",
                          person_id, limit, offset)
        total = self._rows("select statements from people where id = ?", person_id)
        return [self._statement_hit(r) for r in rows], total[0]["statements"] if total else 0

    def quote(self, quote_id: int) -> QuoteHit | None:
        rows = self._rows(self._QUOTE_COLUMNS + " from quotes q" + self._QUOTE_JOINS + " where q.id = ?", quote_id)
        return self._quote_hit(rows[0]) if rows else None

    def recent_quotes(self, offset: int = 0, limit: int = 5) -> tuple[list[QuoteHit], int]:
        """Quotations of the newest documents, strongest first within each."""
        rows = self._rows(self._QUOTE_COLUMNS + " from documents d join quotes q"
                          " on q.id between d.first_quote and d.first_quote + d.quotes - 1"
                          " left join people p on p.id = q.person_id where d.first_quote is not null"
                          " order by d.sort_date desc, d.id desc, q.strength desc, q.id limit ? offset ?", limit, offset)
        return [self._quote_hit(r) for r in rows], self._count("quotes")

    def quotes_about(self, topic: str, offset: int = 0, limit: int = 5) -> tuple[list[QuoteHit], int]:
        """Quotations whose words match `topic`, best first (see `_ranked_matches`). Raises NoUsableWords."""
        ranked, total = self._ranked_matches("quotes_fts", self.search_plan(topic, "quotes_fts"), offset, limit)
        by_id = {r["id"]: r for r in self._rows(
            self._QUOTE_COLUMNS + " from quotes q" + self._QUOTE_JOINS +
            f" where q.id in ({','.join('?' * len(ranked))})", *ranked)}
        return [self._quote_hit(by_id[i], score) for i, score in ranked.items() if i in by_id], total

    def search_plan(self, text: str, table: str = "paragraphs_fts") -> SearchPlan:
        """How a search for `text` in `table` runs (see SearchPlan). Raises NoUsableWords.

        A word in over STOP_SHARE of the newest rows is left out (unless all are). BM25 reads the
        rows of every word to weigh it: over RANK_ROWS of them together, hits come newest first. Finding
        the rows that hold several words takes FTS5 a step for each row of the rarest, in which each
        other word is looked up (one to four microseconds when they are common), however few rows hold them
        all. Over WALK_STEPS such lookups, only the newest rows are searched (`_window_matches`): as many
        as hold READ_ROWS rows of the words in all, or VERIFY_ROWS of the rarest, whichever is more.
        """
        terms = search_terms(text)
        counted = dict(zip(terms, self._shares_of(table, terms)))
        kept = [term for term in terms if counted[term][0] <= STOP_SHARE]
        if not kept:  # only words like "the": look for them after all
            kept = terms
        ignored = [term for term in terms if term not in kept]
        best_first = sum(counted[term][1] for term in kept) <= RANK_ROWS
        rarest = min(counted[term][1] for term in kept)
        newest_rows = 0
        if rarest * (len(kept) - 1) > WALK_STEPS:
            every = sum(counted[term][1] for term in kept)
            newest_rows = self._newest_row(table) * max(READ_ROWS / every, VERIFY_ROWS / rarest)
            newest_rows = max(1, int(newest_rows)) if newest_rows < self._newest_row(table) else 0
        return SearchPlan(kept, ignored, best_first and not newest_rows, newest_rows=newest_rows)

    def _newest_row(self, table: str) -> int:
        newest = self._newest.get(table)
        if newest is None:
            newest = self._newest[table] = self._db().execute(f"select max(rowid) from {table}").fetchone()[0] or 0
        return newest

    def _shares_of(self, table: str, terms: list[str]) -> list[tuple[float, int]]:
        """For each term, the share of the newest SAMPLE rows of `table` that hold it and how many rows
        hold it in all (the build counted both, see `bot.build.search_shares`); the share is 0 in a
        table of no more than SAMPLE rows."""
        conn = self._db()
        sample = int(self._meta.get("search_sample", SAMPLE))
        newest = self._newest_row(table)
        found = []
        for stem in self._probe.stems(terms):
            counted = self._shares.get((table, stem))
            if counted is None:
                row = conn.execute("select rows, total from search_shares where fts = ? and term = ?",
                                   (SEARCH_TABLES.index(table), stem)).fetchone()
                if row is None:  # a word of FEW_ROWS or fewer
                    row = rows_with_word(conn, table, stem, newest - sample if newest > sample else newest)[::-1]
                counted = ((row[0] / sample if newest > sample else 0.0), row[1])
                if len(self._shares) >= 100_000:
                    self._shares.clear()
                self._shares[table, stem] = counted
            found.append(counted)
        return found

    def _ranked_matches(self, table: str, plan: SearchPlan, offset: int, limit: int) -> tuple[dict[int, float], int]:
        """A page of the rows holding all of the plan's terms, best first, with their scores; and how many
        rows hold them, counted up to COUNT_CAP.

        BM25 costs time per match, so only the newest RANKED_WINDOW matches are ranked (rowids follow
        the order documents were written in); later pages go on newest first. Its weights also count
        each word's rows in the whole table, a long read for a common word: then the plan says newest
        first. A plan with `newest_rows` looks at the newest that many rows only (all of them for any
        of the words: the first rows holding one come soon), newest first. Each question walks the
        matches once: the rows of a newest-first page are read with at least COUNT_CAP of them, which
        counts them.
        """
        match = match_expression(plan.terms, plan.any_word)
        since = max(0, self._newest_row(table) - plan.newest_rows) if plan.newest_rows and not plan.any_word else 0
        if since:
            newest = self._window_matches(table, plan, since)[::-1]
            return {rowid: 0.0 for rowid in newest[offset:offset + limit]}, len(newest)
        page: dict[int, float] = {}
        first, seen = offset, 0  # matches known to exist, however far the walk went
        if plan.best_first and offset < RANKED_WINDOW:
            window = self._db().execute(f"select rowid, rank from (select rowid, bm25({table}) as rank from {table}"
                                        f" where {table} match ? and rowid > ? order by rowid desc limit ?)"
                                        " order by rank, rowid desc", (match, since, RANKED_WINDOW))
            ranked = 0  # read a row at a time (see `_column`)
            for ranked, (rowid, rank) in enumerate(window, 1):
                if offset < ranked <= offset + limit:
                    page[rowid] = -rank
            if ranked < RANKED_WINDOW:
                return page, ranked
            offset, seen = RANKED_WINDOW, RANKED_WINDOW
        wanted = limit - len(page)
        if wanted > 0:
            reach = max(offset + wanted, COUNT_CAP)
            newest = self._column(f"select rowid from {table} where {table} match ? and rowid > ?"
                                  " order by rowid desc limit ?", match, since, reach)
            page.update((rowid, 0.0) for rowid in newest[offset:offset + wanted])
            if len(newest) < reach:  # every match seen
                return page, len(newest) if newest or offset == 0 else max(first + len(page), len(newest))
            seen = max(seen, len(newest))
        elif seen < COUNT_CAP:  # (a ranked window shorter than COUNT_CAP)
            seen = self._rows(f"select count(*) from (select rowid from {table} where {table} match ? and rowid > ?"
                              " limit ?)", match, since, COUNT_CAP)[0][0]
        return page, max(first + len(page), min(seen, COUNT_CAP))

    def _window_matches(self, table: str, plan: SearchPlan, since: int) -> list[int]:
        """The rows above `since` that hold all of the plan's words, oldest first.

        FTS5 walks an AND of several words from its first match, wherever a rowid bound lies, so it is
        not asked: each word alone is read by rowid range (its rows are its matches), the rarest first,
        each next one only where the rows left lie — or, when the window was sized for it (see
        `search_plan`), each next one only at the rows left, one by one (FTS5 seeks to a rowid in a
        word's rows: 10-35 µs a row and word at 1M, where decompressing the row's document to
        check its text took 150-300 µs). One word at a time: given an AND of words and rowids,
        FTS5 walks the AND instead."""
        counted = dict(zip(plan.terms, self._shares_of(table, plan.terms)))
        terms = sorted(plan.terms, key=lambda term: counted[term][1])
        newest = self._newest_row(table)
        read_all = sum(counted[term][1] for term in terms) * plan.newest_rows <= READ_ROWS * newest * 1.01
        # Which end FTS5 starts from: from the oldest, it finds a rowid by walking the word's page index
        # (cheap steps, as many as the word has pages); from the newest, by reading its pages back to
        # it (dear steps, as many as lie after it). In a window of the newest 0.3 % of rows, a look-up
        # in a very common word's rows took 25-35 µs of CPU from the newest end against up to 0.6 ms from
        # the oldest at 1M documents; in the newest 2.5 %, 150 µs against 85.
        order = "desc" if plan.newest_rows * NEWEST_END <= newest else "asc"
        query = f"select rowid from {table} where {table} match ? and rowid between ? and ? order by rowid {order}"
        at = (f"select rowid from {table} where {table} match ? and rowid in (select value from json_each(?))"
              f" order by rowid {order}")
        rows = sorted(self._column(query, match_expression(terms[:1]), since + 1, newest))
        for term in terms[1:]:
            if not rows:
                break
            theirs = set(self._column(query, match_expression([term]), rows[0], rows[-1]) if read_all
                         else self._column(at, match_expression([term]), json.dumps(rows)))
            rows = [r for r in rows if r in theirs]
        return rows

    def quiz_question(self, rng: random.Random) -> tuple[QuoteHit, list[str]] | None:
        """A real quotation of a named person and three other people's names; None under 4 people."""
        if self._count("people") < 4 or not self._count("quotes"):
            return None
        question = (self._QUOTE_COLUMNS + " from quotes q" + self._QUOTE_JOINS +
                    " where q.id >= ? and q.person_id is not null and q.words >= 4 order by q.id limit 1")
        rows = self._rows(question, rng.randint(1, self._count("quotes"))) or self._rows(question, 1)
        if not rows:
            return None
        speaker_id = self._rows("select person_id from quotes where id = ?", rows[0]["id"])[0][0]
        # Distractors are people of the news (a byline's reporters are never mentioned in it).
        others = [p.name for p in self.prominent_people(40) if p.id != speaker_id and p.mentions > 0]
        if len(others) < 3:
            return None
        return self._quote_hit(rows[0]), rng.sample(others, 3)

    # ---- paragraphs --------------------------------------------------------------------------

    def search(self, words: str, offset: int = 0, limit: int = 5, any_word: bool = False) -> tuple[list[SearchHit], int]:
        """Paragraphs holding all of `words` (stemmed; any of them with `any_word`), best first; the total
        is capped at COUNT_CAP.

        Any text is safe: it is reduced to quoted words by `match_expression`, which raises
        NoUsableWords when none is left. Ranking as in `_ranked_matches`.
        """
        plan = dataclasses.replace(self.search_plan(words), any_word=any_word)
        ranked, total = self._ranked_matches("paragraphs_fts", plan, offset, limit)
        if not ranked:
            return [], total
        sources, texts = {}, {}
        conn = self._db()
        for rowid in ranked:
            place = document_of_paragraph(conn, rowid)
            paragraphs = self._paragraphs(place[0]) if place else []
            if not place or place[1] >= len(paragraphs):
                continue
            title, published, url, outlet = conn.execute("select title, published, url, outlet from documents where id = ?",
                                                         (place[0],)).fetchone()
            sources[rowid] = Source(place[0], title, place[1], published, url, outlet)
            texts[rowid] = paragraphs[place[1]][1]
        snippets = self._probe.snippets(texts, match_expression(plan.terms, any_word), _SNIPPET_TOKENS)
        hits = [SearchHit(snippets[i], sources[i], score) for i, score in ranked.items() if i in sources]
        return hits, total

    def mentions(self, person_id: int, offset: int = 0, limit: int = 5) -> tuple[list[SearchHit], int]:
        """Paragraphs that mention the person, newest documents first (in a document, by paragraph), the
        mentions highlighted. The person's documents come from their index with how many paragraphs
        each holds, so that earlier pages are counted, not read."""
        conn = self._db()
        hits: list[SearchHit] = []
        skip = offset
        documents = conn.execute(
            "select pd.document_id, group_concat(pd.ord), sum(pd.paragraphs) from person_documents pd"
            " where pd.person_id = ? and exists (select 1 from documents d where d.id = pd.document_id)"  # not retired
            " group by pd.sort_date, pd.document_id order by pd.sort_date desc, pd.document_id desc", (person_id,))
        for document_id, ords, count in documents:
            if skip >= count:
                skip -= count
                continue
            rows = sorted((paragraph, ord_, found) for ord_, mentioned in conn.execute(
                f"select ord, mentioned from person_documents where document_id = ? and ord in ({ords})", (document_id,))
                for paragraph, found in mentioned_paragraphs(mentioned))
            spans: dict[int, list[tuple[int, int]]] = {}
            for paragraph, _, found in rows:
                spans.setdefault(paragraph, []).extend(found)
            title, published, url, outlet = conn.execute("select title, published, url, outlet from documents where id = ?",
                                                         (document_id,)).fetchone()
            paragraphs = self._paragraphs(document_id)
            for paragraph, _, _ in rows[skip:skip + limit - len(hits)]:
                text = paragraphs[paragraph][1] if paragraph < len(paragraphs) else ""
                hits.append(SearchHit(highlight(text, spans[paragraph]), Source(document_id, title, paragraph, published, url, outlet), 0.0))
            skip = 0
            if len(hits) >= limit:
                break
        documents.close()
        total = self._rows("select paragraphs from people where id = ?", person_id)
        return hits, total[0]["paragraphs"] if total else 0

    # ---- documents ---------------------------------------------------------------------------

    def brief(self, n: int | None = None, key_point_limit: int = 5, people_limit: int = 8,
              quote_limit: int = 3, min_confidence: float = 0.0, statement_limit: int = 2) -> Briefing | None:
        """The briefing of the newest document, or of the Nth newest (1-based); None when there is none.

        `min_confidence` leaves out the quotations attributed less surely (and those not estimated);
        `reported` holds up to `statement_limit` statements of named people, most confident first."""
        n = 1 if n is None else n
        if n < 1:
            return None
        # document_order numbers documents oldest first (1..count): the Nth newest is one lookup, not an OFFSET.
        rows = self._rows("select d.id, d.title, d.published, d.credits, d.first_quote, d.quotes, d.url, d.outlet,"
                          " d.author from document_order o"
                          " join documents d on d.id = o.document_id"
                          " where o.position = (select max(position) from document_order) + 1 - ?", n)
        if not rows:
            return None
        document = rows[0]
        key_points = [
            (self._cut(document["id"], r["paragraph"], r["start"], r["end"], r["text"]),
             Source(document["id"], document["title"], r["paragraph"], document["published"], document["url"],
                    document["outlet"]))
            for r in self._rows('select text, paragraph, start, "end" from key_points where document_id = ?'
                                " order by rank limit ?", document["id"], key_point_limit)
        ]
        people = [BriefPerson(r["name"], r["role"]) for r in self._rows(
            "select p.name, p.role from person_documents pd join people p on p.id = pd.person_id"
            " where pd.document_id = ? order by pd.mentions desc, p.id limit ?", document["id"], people_limit)]
        quotes = [self._quote_hit(r) for r in self._rows(
            self._QUOTE_COLUMNS + " from quotes q" + self._QUOTE_JOINS +
            " where q.id between ? and ? and ifnull(q.confidence, 0) >= ? order by q.strength desc, q.id limit ?",
            document["first_quote"] or 0, (document["first_quote"] or 0) + document["quotes"] - 1,
            to_hundredths(min_confidence), quote_limit)]
        reported = [self._statement_hit(r) for r in self._rows(
            self._STATEMENT_COLUMNS + " where s.document_id = ? and s.person_id is not null"
            " order by s.confidence desc, s.n limit ?", document["id"], statement_limit)] if statement_limit else []
        return Briefing(document["id"], document["title"], document["published"], json.loads(document["credits"]),
                        key_points, people, quotes, document["url"], document["outlet"], document["author"],
                        self.same_story(document["id"]), reported)

    def same_story(self, document_id: int, limit: int = STORY_COPIES) -> list[StoryCopy]:
        """The other documents carrying this document's story (bot.build.stories), first published first:
        the story's first document and the others whose first it is. (A story republished over weeks goes
        on under later first copies: the first of this one may itself belong to an earlier one.)"""
        return [StoryCopy(r["id"], r["title"], r["url"], r["outlet"], r["published"]) for r in self._rows(
            "select d.id, d.title, d.url, d.outlet, d.published, d.sort_date, d.path from stories me"
            " join stories s on s.story = me.story join documents d on d.id = s.document_id"
            " where me.document_id = ? and s.document_id != ?"
            " union select d.id, d.title, d.url, d.outlet, d.published, d.sort_date, d.path from stories me"
            " join documents d on d.id = me.story where me.document_id = ? and me.story != ?"
            " order by 6, 7 limit ?",
            document_id, document_id, document_id, document_id, limit)]

    def sources(self, offset: int = 0, limit: int | None = None) -> list[SourceInfo]:
        """The documents in the store, newest first (all of them unless `limit` says otherwise)."""
        return [SourceInfo(r["id"], r["title"], r["published"], r["added_at"], r["people"], r["quotes"], r["url"],
                           r["outlet"], r["story"], r["story_size"] or 1)
                for r in self._rows("select d.id, d.title, d.published, d.added_at, d.people, d.quotes, d.url, d.outlet,"
                                    " s.story, (select count(*) from stories o where o.story = s.story)"
                                    " + (select f.story != f.document_id from stories f where f.document_id = s.story)"
                                    " as story_size"
                                    " from documents d left join stories s on s.document_id = d.id"
                                    " order by d.sort_date desc, d.id desc limit ? offset ?",
                                    -1 if limit is None else limit, offset)]

    def summary(self) -> dict:
        """Counts of what the store holds, when it was built, and how many seed files were skipped."""
        self._db()
        counts = json.loads(self._meta.get("counts", "{}"))
        return {**counts, "paragraphs": int(self._meta.get("paragraphs", 0)),
                "built_at": self._meta.get("built_at"), "skipped": len(json.loads(self._meta.get("skipped", "[]")))}
