"""Topics as /search matches them: words stemmed exactly as briefing.db's full-text index stems them.

The store's FTS5 tables use the `porter` tokenizer over `unicode61`; `Stemmer` runs the same tokenizer
in an in-memory SQLite database (its `fts5vocab` table lists each token's stem), so a follow of
"talks" matches a paragraph saying "talking" exactly when /search would find it there.
"""
from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass

from bot.i18n import N_, Refusal
from bot.store.names import WORD

MAX_WORDS = 5
MAX_EXCLUDED = 3
MAX_WORD = 64  # letters of a word kept, as /search keeps them
MAX_INPUT = 1000  # characters of a topic read at all
# A sentence ends at . ! ? or … (with any closing quote or bracket) before a capital, a digit or an
# opening quote; not after an initial ("Anthony J. Blinken") or an honorific ("Mr. Blinken").
_GAP = re.compile(r"\s+")
_NOT_AN_END = re.compile(r"(?:\b[A-Z]|\bM[rs]|\bMrs|\bDr|\bSt|\bGen|\bSen|\bRep|\bGov)\.$")
_STARTS = re.compile(r"[\"“‘'(\[A-Z0-9]")


class BadTopic(Refusal):
    """A topic the bot cannot follow; the message says why and how to write one."""


class Stemmer:
    """Stems of texts, by FTS5's porter tokenizer (the store's), in a private in-memory database."""

    def __init__(self) -> None:
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute("create virtual table texts using fts5 (text, tokenize='porter')")
        self._conn.execute("create virtual table stems using fts5vocab (texts, 'instance')")
        self._lock = threading.Lock()

    def stem_sets(self, texts: list[str]) -> list[set[str]]:
        """The set of stems of each text."""
        found: list[set[str]] = [set() for _ in texts]
        if not texts:
            return found
        with self._lock:
            with self._conn:
                self._conn.execute("delete from texts")
                self._conn.executemany("insert into texts (rowid, text) values (?, ?)",
                                       [(n, t) for n, t in enumerate(texts, 1)])
                for term, doc in self._conn.execute("select term, doc from stems"):
                    found[doc - 1].add(term)
                self._conn.execute("delete from texts")
        return found

    def stems(self, text: str) -> list[str]:
        """The stems of `text`, in order, each once."""
        with self._lock:
            with self._conn:
                self._conn.execute("delete from texts")
                self._conn.execute("insert into texts (rowid, text) values (1, ?)", (text,))
                ordered = [t for (t,) in self._conn.execute("select term from stems order by offset")]
                self._conn.execute("delete from texts")
        return list(dict.fromkeys(ordered))


@dataclass(frozen=True)
class Topic:
    words: tuple[str, ...]  # as typed, lower case: what /search is asked
    excluded: tuple[str, ...]
    stems: tuple[str, ...]  # every one must be in one paragraph
    excluded_stems: tuple[str, ...]  # none may be anywhere in the document

    @property
    def key(self) -> str:
        return " ".join(sorted(self.stems)) + "".join(f" -{s}" for s in sorted(self.excluded_stems))

    @property
    def label(self) -> str:
        return " ".join(self.words) + "".join(f" -{w}" for w in self.excluded)


def parse_topic(text: str, stemmer: Stemmer) -> Topic:
    """`crimea talks -football`: words that must all be in one paragraph, and words after a minus sign
    that must be nowhere in the document. Raises BadTopic."""
    words: list[str] = []
    excluded: list[str] = []
    for token in text[:MAX_INPUT].split():
        negative = token[0] in "-−–"
        target = excluded if negative else words
        for word in WORD.findall(token):
            word = word[:MAX_WORD].casefold()
            if word not in target:
                target.append(word)
    if not words:
        raise BadTopic(N_("A topic needs at least one word to look for, e.g. {example}."),
                       example="<code>/follow crimea -football</code>")
    if len(words) > MAX_WORDS:
        raise BadTopic(N_("A topic has at most {most} words (every one must be in the same paragraph); "
                          "this one has {count}."), most=MAX_WORDS, count=len(words))
    if len(excluded) > MAX_EXCLUDED:
        raise BadTopic(N_("A topic leaves out at most {most} words; this one has {count}."), most=MAX_EXCLUDED,
                       count=len(excluded))
    stems = stemmer.stems(" ".join(words))
    excluded_stems = [s for s in stemmer.stems(" ".join(excluded)) if s not in stems]
    if not stems:
        raise BadTopic(N_("A topic needs at least one word to look for, e.g. {example}."),
                       example="<code>/follow crimea -football</code>")
    return Topic(tuple(words), tuple(excluded), tuple(stems), tuple(excluded_stems))


def sentences(paragraph: str) -> list[str]:
    """The paragraph's sentences, closing quotation marks kept with the sentence they end."""
    found, start = [], 0
    for gap in _GAP.finditer(paragraph):
        before = paragraph[start:gap.start()].rstrip("\"'”’)]")
        if before.endswith((".", "!", "?", "…")) and not _NOT_AN_END.search(before) \
                and _STARTS.match(paragraph, gap.end()):
            found.append(paragraph[start:gap.start()])
            start = gap.end()
    found.append(paragraph[start:])
    return [s for s in found if s.strip()]


def matching_sentence(paragraph: str, stems: tuple[str, ...], stemmer: Stemmer) -> str:
    """The sentence of `paragraph` holding the most of `stems` (the first of equals)."""
    parts = sentences(paragraph)
    if len(parts) <= 1:
        return paragraph
    found = stemmer.stem_sets(parts)
    best = max(range(len(parts)), key=lambda i: (len(found[i] & set(stems)), -i))
    return parts[best]
