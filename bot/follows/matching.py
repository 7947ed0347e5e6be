"""Matching what landed in briefing.db against every chat's follows, once per new batch of documents.

`Matcher.check` is cheap when nothing changed (a stat and `PRAGMA data_version`). After a build it
finds the new and changed documents by path and content hash against what it saw before (kept in
state.db), reads only those, and matches them against an index of all follows: people by their
current person id (each follow's names resolved once per version of the store), topics by one of
their stems. The cost grows with what is new, not with the number of chats or stored documents.

A new document alerts each of its quotations (direct quotations of a followed person attributed as
surely as a digest quotes them, `QUOTABLE_CONFIDENCE`; never reported speech) and its topics; a changed one (same path, new content)
only the quotations it did not have before. What a pass writes is one item per new alert and one hit
per person or topic it is about, whatever the number of chats that follow them; an item's key is what
it is (a quotation's speaker and words; a document's path and the topic), never a row id, and it is
written once, so neither a full rebuild nor a crash halfway through can alert anything twice.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.answers import render
from bot.delivery.clock import Clock
from bot.follows.items import (
    SENTENCE_CHARS,
    document_data,
    document_parts,
    quote_alert,
    quote_data,
)
from bot.follows.state import PERSON, TOPIC, Follow, FollowState, target
from bot.follows.topics import Stemmer, sentences
from bot.models import QUOTABLE_CONFIDENCE
from bot.store import changes
from bot.store.changes import LandedDocument, LandedQuote, StoreWatch

log = logging.getLogger(__name__)
READ_CHUNK = 200  # documents read from the store at a time
BASELINE_CHUNK = 5000  # documents recorded at a time by the first look
BASELINE = "baseline"  # alert_meta key: set once the matcher has recorded the store as it first found it


@dataclass
class FollowIndex:
    """Everything followed (once, however many chats follow it), arranged for matching: people by
    current person id, topics by one stem each."""
    generation: int
    version: int
    people: dict[int, list[str]] = field(default_factory=dict)  # person id → targets ("p:" + folded name)
    topics: dict[str, list[Follow]] = field(default_factory=dict)  # stem → topics with that stem


@dataclass
class MatchReport:
    documents: int = 0  # new or changed documents matched
    gone: int = 0
    items: int = 0  # distinct alerts
    hits: int = 0  # (thing followed, alert) pairs
    seconds: float = 0.0


def quote_item_key(quote: LandedQuote) -> str:
    return "q:" + changes.text_key(f"{quote.speaker}\x00{quote.text}")


def document_item_key(path: str, topic_key: str) -> str:
    return "d:" + changes.text_key(f"{path}\x00{topic_key}")


def build_index(conn, follows: list[Follow], generation: int, version: int) -> FollowIndex:
    """The index of `follows`, one for each thing followed (`FollowState.targets`)."""
    index = FollowIndex(generation, version)
    for follow in follows:
        if follow.kind == PERSON:
            person_id = changes.resolve_person(conn, list(follow.labels))
            if person_id is not None:
                index.people.setdefault(person_id, []).append(target(PERSON, follow.key))
        elif follow.kind == TOPIC and follow.words:
            anchor = max(follow.words, key=lambda s: (len(s), s))  # the longest stem: likely the rarest
            index.topics.setdefault(anchor, []).append(follow)
    return index


class Matcher:
    """Finds what landed since the last look and records an alert for each person or topic it is about."""

    def __init__(self, watch: StoreWatch, follows: FollowState, clock: Clock, stemmer: Stemmer | None = None):
        self.watch = watch
        self.follows = follows
        self.clock = clock
        self.stemmer = stemmer or Stemmer()
        self._matched: int | None = None  # the store generation last matched
        self._index: FollowIndex | None = None
        self._attached: object | None = None  # the store connection state.db is attached to, read-only

    def index(self) -> FollowIndex | None:
        """The follow index for the store as it is now (rebuilt after a build or a change of follows)."""
        conn = self.watch.look()
        if conn is None:
            return None
        version = self.follows.version()
        index = self._index
        if index is None or index.generation != self.watch.generation or index.version != version:
            index = self._index = build_index(conn, self.follows.targets(), self.watch.generation, version)
        return index

    def look_again(self, index: bool = False) -> None:
        """Forget that this version of the store was matched (the next check compares every document
        with what was recorded again) and, with `index`, the follow index."""
        self._matched = None
        if index:
            self._index = None

    def check(self) -> MatchReport:
        report = MatchReport()
        started = datetime.now()
        conn = self.watch.look()
        if conn is None or self._matched == self.watch.generation:
            return report
        generation = self.watch.generation
        self._attach(conn)
        conn.execute("begin")  # one snapshot of the store for the whole pass
        try:
            self._match(conn, report)
        finally:
            conn.execute("commit")
        self._matched = generation
        report.seconds = (datetime.now() - started).total_seconds()
        if report.documents or report.gone:
            log.info("Matched %d new or changed documents (%d gone): %d alerts on %d things followed, in %.2f s",
                     report.documents, report.gone, report.items, report.hits, report.seconds)
        return report

    def _attach(self, conn) -> None:
        """state.db, read-only, on the store's connection (once per connection): the documents seen
        before are compared with the store's in SQL."""
        if self._attached is conn:
            return
        self._attached = None
        path = self.follows.state.file()
        if path:
            conn.execute("attach database ? as seen", (f"{Path(path).resolve().as_uri()}?mode=ro",))
            self._attached = conn

    def _match(self, conn, report: MatchReport) -> None:
        now = self.clock.now()
        if self.follows.meta(BASELINE) is None:
            self._record_baseline(conn, now)
            return
        if self._attached is conn:
            landed = changes.changed_documents(conn, "seen.alert_documents")
            gone = changes.vanished_paths(conn, "seen.alert_documents")
        else:  # state.db in memory: compared in Python
            current, known = changes.document_hashes(conn), self.follows.known_documents()
            landed = [(doc_id, path) for path, (doc_id, sha) in current.items() if known.get(path) != sha]
            gone = [path for path in known if path not in current]
        report.documents, report.gone = len(landed), len(gone)
        if not landed:
            if gone:
                self.follows.record([], gone, [], now)
            return
        index = self.index()
        landed.sort()
        for start in range(0, len(landed), READ_CHUNK):
            chunk = landed[start:start + READ_CHUNK]
            documents = changes.landed_documents(self.watch, [doc_id for doc_id, _ in chunk])
            before = self.follows.known_quotes(path for _, path in chunk)
            items = self._match_documents(documents, before, index)
            added, hits = self.follows.record(
                [(d.path, d.sha256, sorted({q.key for q in d.quotes})) for d in documents],
                gone if start == 0 else [], items, now, durable=False)
            report.items += added
            report.hits += hits

    def _match_documents(self, documents: list[LandedDocument], before: dict[str, set[str]],
                         index: FollowIndex) -> list[tuple]:
        """The new items of `documents`: (key, kind, html, line, document path, targets, data)."""
        items: dict[str, tuple] = {}
        for document in documents:
            old = before.get(document.path, set())
            for quote in document.quotes:
                if quote.person_id is None or quote.key in old or quote.person_id not in index.people:
                    continue
                if (quote.confidence or 0) < QUOTABLE_CONFIDENCE:  # alerts quote as surely as the digest
                    continue
                key = quote_item_key(quote)
                if key not in items:
                    items[key] = (key, PERSON, *quote_alert(quote, document), document.path,
                                  index.people[quote.person_id], quote_data(quote, document))
        if index.topics:
            self._match_topics(documents, index, items)
        return list(items.values())

    def _match_topics(self, documents: list[LandedDocument], index: FollowIndex, items: dict) -> None:
        texts, owners = [], []
        for d, document in enumerate(documents):
            texts.append(document.title)
            owners.append((d, -1, document.title))
            for idx, text in document.paragraphs:
                texts.append(text)
                owners.append((d, idx, text))
        stems = self.stemmer.stem_sets(texts)
        whole: dict[int, set[str]] = defaultdict(set)
        for (d, _, _), found in zip(owners, stems):
            whole[d] |= found
        done: set[tuple[int, str]] = set()  # (document, topic) matched already
        matched: list[tuple[int, Follow]] = []  # (owner, topic)
        for n, ((d, _, _), found) in enumerate(zip(owners, stems)):
            for stem in found:
                for topic in index.topics.get(stem, ()):
                    if (d, topic.key) in done or not found.issuperset(topic.words):
                        continue
                    done.add((d, topic.key))
                    if not whole[d].intersection(topic.exclude):
                        matched.append((n, topic))
        if not matched:
            return
        # The sentences of the matching paragraphs, stemmed together once: each topic's alert quotes the
        # sentence holding the most of its words.
        split = {n: sentences(owners[n][2]) if owners[n][1] >= 0 else [owners[n][2]] for n in {n for n, _ in matched}}
        order = sorted(split)
        flat = [sentence for n in order for sentence in split[n]]
        flat_stems = iter(self.stemmer.stem_sets(flat))
        sentence_stems = {n: [next(flat_stems) for _ in split[n]] for n in order}
        parts: dict[int, tuple[str, str, str]] = {}
        for n, topic in matched:
            d, idx, _ = owners[n]
            words = set(topic.words)
            best = max(range(len(split[n])), key=lambda i: (len(sentence_stems[n][i] & words), -i))
            document = documents[d]
            key = document_item_key(document.path, topic.key)
            if n not in parts:
                parts[n] = document_parts(document, max(idx, 0))
            head, tail, line = parts[n]
            sentence = render.escape(render.shorten(split[n][best], SENTENCE_CHARS))
            items[key] = (key, TOPIC, head + sentence + tail, line, document.path, [target(TOPIC, topic.key)],
                          document_data(document, max(idx, 0), split[n][best]))

    def _record_baseline(self, conn, now: datetime) -> None:
        """The first look: the store as found is the starting point (its archive alerts nobody).
        Recorded a few thousand documents at a time, so memory stays flat on a large store."""
        last, count = 0, 0
        while True:
            documents = conn.execute("select id, path, sha256 from documents where id > ? order by id limit ?",
                                     (last, BASELINE_CHUNK)).fetchall()
            if not documents:
                break
            keys: dict[int, set[str]] = defaultdict(set)
            for doc_id, text in changes.quote_texts(conn, documents[0][0], documents[-1][0]):
                keys[doc_id].add(changes.text_key(text))
            self.follows.record([(path, sha, sorted(keys.get(doc_id, ()))) for doc_id, path, sha in documents],
                                [], [], now, durable=False)
            last, count = documents[-1][0], count + len(documents)
        self.follows.set_meta(BASELINE, now.isoformat())
        log.info("Alerts start from the store as it is: %d documents", count)
