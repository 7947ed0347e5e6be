"""Read-only questions to briefing.db: who is who, who said what, where a word occurs, what is new.

`Store` opens the file read-only and, before each question, checks whether a build changed the
store: a full build swaps in a new file (one `stat` sees another inode, and the Store reopens), an
incremental build commits to the same file (`PRAGMA data_version` changes, and the Store reloads
its meta and name index). Either way a running bot serves the new store without a restart.
Every answer carries its Source (document, title, paragraph, date), and every query is an index
lookup or an FTS5 match, so answers stay fast on large stores.
"""
from __future__ import annotations

import dataclasses
import json
import os
import random
import sqlite3
import threading
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
    StoryCopy,
)
from bot.store.name_index import NameIndex
from bot.store.search_text import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    highlight,
    match_expression,
    search_terms,
)

_SNIPPET_TOKENS = 32
RANKED_WINDOW = 500  # FTS matches ranked per question (see Store._ranked_matches)
SAMPLE = 20_000  # newest rows in which a word's share is measured (Store._share)
COMMON_SHARE = 0.02  # words in more of them, together, make BM25 slow: such searches come newest first
STOP_SHARE = 0.15  # a word in more of them ("the", "said", "not") means nothing: it is left out
STORY_COPIES = 10  # other outlets' copies of a story named with a briefing
PROMINENT = 1000  # best-known people kept per version of the store (suggestions, quiz distractors)


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
        self._shares: dict[tuple[str, str], float] = {}
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
                self._conn, self._identity = conn, identity
                self._load(conn)
            else:
                # An incremental build commits to this very file: data_version tells (cheaply).
                version = self._conn.execute("pragma data_version").fetchone()[0]
                if version != self._version:
                    self._load(self._conn)
            return self._conn

    def _load(self, conn: sqlite3.Connection) -> None:
        """What is kept per version of the store: its meta table; the name index is rebuilt on demand."""
        self._version = conn.execute("pragma data_version").fetchone()[0]
        # Not the seed folder's hashes and stats (megabytes on a large store; the bot has no use for them).
        self._meta = dict(conn.execute("select key, value from meta where key not in ('seed_hashes', 'seed_stats')"))
        self._names = None
        self._prominent = None
        self._shares = {}
        self._generation += 1

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _rows(self, sql: str, *params: object) -> list[sqlite3.Row]:
        return self._db().execute(sql, params).fetchall()

    def read(self, sql: str, *params: object) -> list[sqlite3.Row]:
        """Rows of a read-only query on the current store, for the query modules beside this one."""
        return self._rows(sql, *params)

    @property
    def version(self) -> str:
        """What names this very content of the store (its build fingerprint): a key for caches."""
        self._db()
        return self._meta.get("fingerprint", "")

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

    def person_card(self, person_id: int, quote_limit: int = 3, document_limit: int = 5) -> PersonCard | None:
        rows = self._rows("select id, name, role, mentions from people where id = ?", person_id)
        if not rows:
            return None
        person = rows[0]
        aliases = [r["alias"] for r in self._rows("select alias from aliases where person_id = ? order by rowid", person_id)]
        documents = [
            Source(r["document_id"], r["title"], r["first_paragraph"], r["published"], r["url"], r["outlet"])
            for r in self._rows(
                "select pd.document_id, pd.first_paragraph, d.title, d.published, d.url, d.outlet from person_documents pd"
                " join documents d on d.id = pd.document_id where pd.person_id = ?"
                " order by pd.sort_date desc, pd.document_id desc limit ?", person_id, document_limit)
        ]
        quotes, _ = self.quotes_by(person_id, 0, quote_limit)
        return PersonCard(person["id"], person["name"], person["role"], aliases, person["mentions"], documents, quotes)

    # ---- quotations ------------------------------------------------------------------------

    _QUOTE_COLUMNS = ("select q.id, q.text, coalesce(p.name, q.speaker) as speaker, p.role, q.document_id,"
                      " q.paragraph, d.title, d.published, d.url, d.outlet")
    _QUOTE_JOINS = " join documents d on d.id = q.document_id left join people p on p.id = q.person_id"

    @staticmethod
    def _quote_hit(row: sqlite3.Row, score: float = 0.0) -> QuoteHit:
        source = Source(row["document_id"], row["title"], row["paragraph"], row["published"], row["url"], row["outlet"])
        return QuoteHit(row["id"], row["text"], row["speaker"], row["role"], source, score)

    def quotes_by(self, person_id: int, offset: int = 0, limit: int = 5) -> tuple[list[QuoteHit], int]:
        """A person's quotations, strongest first (substantive sentences before 1-3 word fragments)."""
        rows = self._rows(self._QUOTE_COLUMNS + " from quotes q" + self._QUOTE_JOINS +
                          " where q.person_id = ? order by q.strength desc, q.id limit ? offset ?",
                          person_id, limit, offset)
        total = self._rows("select quotes from people where id = ?", person_id)
        return [self._quote_hit(r) for r in rows], total[0]["quotes"] if total else 0

    def quote(self, quote_id: int) -> QuoteHit | None:
        rows = self._rows(self._QUOTE_COLUMNS + " from quotes q" + self._QUOTE_JOINS + " where q.id = ?", quote_id)
        return self._quote_hit(rows[0]) if rows else None

    def recent_quotes(self, offset: int = 0, limit: int = 5) -> tuple[list[QuoteHit], int]:
        """Quotations of the newest documents, strongest first within each."""
        rows = self._rows(self._QUOTE_COLUMNS + " from quotes q" + self._QUOTE_JOINS +
                          " order by q.sort_date desc, q.strength desc limit ? offset ?", limit, offset)
        return [self._quote_hit(r) for r in rows], self._count("quotes")

    def quotes_about(self, topic: str, offset: int = 0, limit: int = 5) -> tuple[list[QuoteHit], int]:
        """Quotations whose words match `topic`, best first (see `_ranked_matches`). Raises NoUsableWords."""
        ranked, total = self._ranked_matches("quotes_fts", self.search_plan(topic, "quotes_fts"), offset, limit)
        by_id = {r["id"]: r for r in self._rows(
            self._QUOTE_COLUMNS + " from quotes q" + self._QUOTE_JOINS +
            f" where q.id in ({','.join('?' * len(ranked))})", *ranked)}
        return [self._quote_hit(by_id[i], score) for i, score in ranked.items()], total

    def search_plan(self, text: str, table: str = "paragraphs_fts") -> SearchPlan:
        """How a search for `text` in `table` runs (see SearchPlan). Raises NoUsableWords."""
        terms = search_terms(text)
        shares = {term: self._share(table, term) for term in terms}
        kept = [term for term in terms if shares[term] <= STOP_SHARE]
        if not kept:  # only words like "the": look for them after all
            kept = terms
        ignored = [term for term in terms if term not in kept]
        return SearchPlan(kept, ignored, sum(shares[term] for term in kept) <= COMMON_SHARE)

    def _share(self, table: str, term: str) -> float:
        """The share of the newest SAMPLE rows of `table` that hold `term` (counted up to STOP_SHARE);
        0 in a table of no more than SAMPLE rows. Known per version of the store once asked."""
        key = (table, term.casefold())
        share = self._shares.get(key)
        if share is None:
            newest = self._rows(f"select max(rowid) from {table}")[0][0] or 0
            share = 0.0 if newest <= SAMPLE else self._rows(
                f"select count(*) from (select rowid from {table} where {table} match ? and rowid > ? limit ?)",
                match_expression([term]), newest - SAMPLE, int(STOP_SHARE * SAMPLE) + 1)[0][0] / SAMPLE
            if len(self._shares) >= 100_000:
                self._shares.clear()
            self._shares[key] = share
        return share

    def _ranked_matches(self, table: str, plan: SearchPlan, offset: int, limit: int) -> tuple[dict[int, float], int]:
        """A page of the rows holding all of the plan's terms, best first, with their scores; and how many
        rows hold them, counted up to COUNT_CAP.

        BM25 costs time per match, so only the newest RANKED_WINDOW matches are ranked (rowids follow
        the seed folder's order); later pages go on newest first. Its weights also count each word's
        rows in the whole table, a long read for a common word: then the plan says newest first.
        """
        match = match_expression(plan.terms, plan.any_word)
        page: dict[int, float] = {}
        total, first = None, offset
        if plan.best_first and offset < RANKED_WINDOW:
            window = self._rows(f"select rowid, rank from (select rowid, bm25({table}) as rank from {table}"
                                f" where {table} match ? order by rowid desc limit ?) order by rank, rowid desc",
                                match, RANKED_WINDOW)
            page = {rowid: -rank for rowid, rank in window[offset:offset + limit]}
            if len(window) < RANKED_WINDOW:
                return page, len(window)
            offset = RANKED_WINDOW
        wanted = limit - len(page)
        if wanted > 0:
            newest = self._rows(f"select rowid from {table} where {table} match ? order by rowid desc limit ? offset ?",
                                match, wanted, offset)
            page.update((rowid, 0.0) for (rowid,) in newest)
            if len(newest) < wanted and (newest or offset == 0):
                total = offset + len(newest)  # the last page: no need to count
        if total is None:  # at least what the pages so far have shown
            total = max(first + len(page) if page else 0, self._rows(
                f"select count(*) from (select rowid from {table} where {table} match ? limit ?)", match, COUNT_CAP)[0][0])
        return page, total

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
        if not ranked:  # (an empty `rowid in ()` would still walk every match)
            return [], total
        match = match_expression(plan.terms, any_word)
        marks = ",".join("?" * len(ranked))
        snippets = dict(self._rows(
            f"select rowid, snippet(paragraphs_fts, 0, ?, ?, '…', ?) from paragraphs_fts"
            f" where paragraphs_fts match ? and rowid in ({marks})",
            HIGHLIGHT_START, HIGHLIGHT_END, _SNIPPET_TOKENS, match, *ranked))
        sources = {r["id"]: Source(r["document_id"], r["title"], r["idx"], r["published"], r["url"], r["outlet"])
                   for r in self._rows(
            "select p.id, p.document_id, p.idx, d.title, d.published, d.url, d.outlet from paragraphs p"
            f" join documents d on d.id = p.document_id where p.id in ({marks})", *ranked)}
        hits = [SearchHit(snippets[i], sources[i], score) for i, score in ranked.items()]
        return hits, total

    def mentions(self, person_id: int, offset: int = 0, limit: int = 5) -> tuple[list[SearchHit], int]:
        """Paragraphs that mention the person, newest documents first, the mentions highlighted."""
        rows = self._rows(
            "select pp.document_id, pp.paragraph, d.title, d.published, d.url, d.outlet, pa.text, pa.start"
            " from person_paragraphs pp"
            " join documents d on d.id = pp.document_id"
            " join paragraphs pa on pa.document_id = pp.document_id and pa.idx = pp.paragraph"
            " where pp.person_id = ? order by pp.sort_date desc, pp.document_id desc, pp.paragraph limit ? offset ?",
            person_id, limit, offset)
        hits = []
        for r in rows:
            spans = [(m["start"] - r["start"], m["end"] - r["start"]) for m in self._rows(
                "select start, end from mentions where person_id = ? and document_id = ? and paragraph = ?",
                person_id, r["document_id"], r["paragraph"])]
            source = Source(r["document_id"], r["title"], r["paragraph"], r["published"], r["url"], r["outlet"])
            hits.append(SearchHit(highlight(r["text"], spans), source, 0.0))
        total = self._rows("select paragraphs from people where id = ?", person_id)
        return hits, total[0]["paragraphs"] if total else 0

    # ---- documents ---------------------------------------------------------------------------

    def brief(self, n: int | None = None, key_point_limit: int = 5, people_limit: int = 8,
              quote_limit: int = 3) -> Briefing | None:
        """The briefing of the newest document, or of the Nth newest (1-based); None when there is none."""
        n = 1 if n is None else n
        if n < 1:
            return None
        # document_order numbers documents oldest first (1..count): the Nth newest is one lookup, not an OFFSET.
        rows = self._rows("select d.id, d.title, d.published, d.credits, d.url, d.outlet, d.author from document_order o"
                          " join documents d on d.id = o.document_id"
                          " where o.position = (select max(position) from document_order) + 1 - ?", n)
        if not rows:
            return None
        document = rows[0]
        key_points = [
            (r["text"], Source(document["id"], document["title"], r["paragraph"], document["published"],
                               document["url"], document["outlet"]))
            for r in self._rows("select text, paragraph from key_points where document_id = ? order by rank limit ?",
                                document["id"], key_point_limit)
        ]
        people = [BriefPerson(r["name"], r["role"]) for r in self._rows(
            "select p.name, p.role from person_documents pd join people p on p.id = pd.person_id"
            " where pd.document_id = ? order by pd.mentions desc, p.id limit ?", document["id"], people_limit)]
        quotes = [self._quote_hit(r) for r in self._rows(
            self._QUOTE_COLUMNS + " from quotes q" + self._QUOTE_JOINS +
            " where q.document_id = ? order by q.strength desc, q.id limit ?", document["id"], quote_limit)]
        return Briefing(document["id"], document["title"], document["published"], json.loads(document["credits"]),
                        key_points, people, quotes, document["url"], document["outlet"], document["author"],
                        self.same_story(document["id"]))

    def same_story(self, document_id: int, limit: int = STORY_COPIES) -> list[StoryCopy]:
        """The other documents carrying this document's story (bot.build.stories), first published first."""
        return [StoryCopy(r["id"], r["title"], r["url"], r["outlet"], r["published"]) for r in self._rows(
            "select d.id, d.title, d.url, d.outlet, d.published from stories me"
            " join stories s on s.story = me.story join documents d on d.id = s.document_id"
            " where me.document_id = ? and s.document_id != ? order by d.sort_date, d.path limit ?",
            document_id, document_id, limit)]

    def sources(self, offset: int = 0, limit: int | None = None) -> list[SourceInfo]:
        """The documents in the store, newest first (all of them unless `limit` says otherwise)."""
        return [SourceInfo(r["id"], r["title"], r["published"], r["added_at"], r["people"], r["quotes"], r["url"],
                           r["outlet"], r["story"], r["story_size"] or 1)
                for r in self._rows("select d.id, d.title, d.published, d.added_at, d.people, d.quotes, d.url, d.outlet,"
                                    " s.story, (select count(*) from stories o where o.story = s.story) as story_size"
                                    " from documents d left join stories s on s.document_id = d.id"
                                    " order by d.sort_date desc, d.id desc limit ? offset ?",
                                    -1 if limit is None else limit, offset)]

    def summary(self) -> dict:
        """Counts of what the store holds, when it was built, and how many seed files were skipped."""
        self._db()
        counts = json.loads(self._meta.get("counts", "{}"))
        return {**counts, "paragraphs": int(self._meta.get("paragraphs", 0)),
                "built_at": self._meta.get("built_at"), "skipped": len(json.loads(self._meta.get("skipped", "[]")))}
