"""User text made safe for full-text search, snippets with the matched words marked, and the stems of words."""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable

from bot.store.names import WORD

HIGHLIGHT_START, HIGHLIGHT_END = "\x02", "\x03"
_MAX_SEARCH_TERMS = 16
_MAX_TERM_LENGTH = 64
_SNIPPET_CHARS = 240


class NoUsableWords(ValueError):
    """The search text has no word to look for (only punctuation, emoji, operators or spaces)."""


def search_terms(text: str) -> list[str]:
    """The words of user text that a search looks for, each once (at most 16, each cut to 64 letters).

    Operators (AND, OR, NOT, NEAR), quotes, parentheses, `*` and `:` lose their meaning: every word
    is looked for as itself. Raises NoUsableWords when no word is left.
    """
    terms: list[str] = []
    for word in WORD.findall(text[:10_000]):
        word = word[:_MAX_TERM_LENGTH]
        if word.casefold() not in (t.casefold() for t in terms):
            terms.append(word)
        if len(terms) == _MAX_SEARCH_TERMS:
            break
    if not terms:
        raise NoUsableWords(text)
    return terms


def match_expression(text: str | list[str], any_word: bool = False) -> str:
    """User text (or its `search_terms`) as a safe FTS5 query: each word a quoted term, all required
    (or, with `any_word`, any of them)."""
    terms = search_terms(text) if isinstance(text, str) else text
    return (" OR " if any_word else " ").join(f'"{term}"' for term in terms)


def highlight(text: str, spans: list[tuple[int, int]], width: int = _SNIPPET_CHARS) -> str:
    """`text` cut to about `width` characters around the first span, spans wrapped in \\x02 … \\x03."""
    spans = sorted((max(0, s), min(len(text), e)) for s, e in spans if e > s)
    if len(text) <= width or not spans:
        left, right = 0, min(len(text), width) if not spans else len(text)
    else:
        left = max(0, spans[0][0] - width // 3)
        right = min(len(text), left + width)
        left = text.rfind(" ", 0, left) + 1 if left else 0
        space = text.find(" ", right)
        right = len(text) if space == -1 else space
    out, cursor = [], left
    for start, end in spans:
        if start < cursor or end > right:
            continue
        out += [text[cursor:start], HIGHLIGHT_START, text[start:end], HIGHLIGHT_END]
        cursor = end
    out.append(text[cursor:right])
    return ("…" if left else "") + "".join(out) + ("…" if right < len(text) else "")


class TextProbe:
    """A small in-memory FTS5 table with the store's tokenizer, for what the store's contentless indexes
    cannot tell: the stem a word is indexed under, and the highlighted snippet of a few texts.

    The snippets are FTS5's own (`snippet()` over the same text, tokenizer and query), so they are what
    an index with its text would give. The table is emptied after each use ('delete-all', which an
    index over a table of its own allows). Safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute("create table probe_text (id integer primary key, text text)")
        self._conn.execute("create virtual table probe using fts5 (text, tokenize='porter', content=probe_text,"
                           " content_rowid=id)")
        self._conn.execute("create virtual table probe_terms using fts5vocab(probe, 'instance')")
        self._stems: dict[str, str | None] = {}

    def _fill(self, rows: Iterable[tuple[int, str]]) -> None:
        rows = list(rows)
        self._conn.executemany("insert into probe_text values (?, ?)", rows)
        self._conn.executemany("insert into probe (rowid, text) values (?, ?)", rows)

    def _empty(self) -> None:
        self._conn.execute("insert into probe (probe) values ('delete-all')")
        self._conn.execute("delete from probe_text")

    def stems(self, words: list[str]) -> list[str | None]:
        """The term each word is indexed under ("talks" → "talk"), or None when it yields no term."""
        missing = [w for w in dict.fromkeys(words) if w not in self._stems]
        if missing:
            with self._lock:
                try:
                    self._fill(enumerate(missing, 1))
                    found = dict(self._conn.execute("select doc, term from probe_terms where offset = 0"))
                finally:
                    self._empty()
            if len(self._stems) > 100_000:
                self._stems.clear()
            for n, word in enumerate(missing, 1):
                self._stems[word] = found.get(n)
        return [self._stems[w] for w in words]

    def snippets(self, texts: dict[int, str], match: str, tokens: int) -> dict[int, str]:
        """Each text cut to about `tokens` words around its best match of `match`, the matches marked."""
        if not texts:
            return {}
        with self._lock:
            try:
                self._fill(texts.items())
                found = dict(self._conn.execute(
                    "select rowid, snippet(probe, 0, ?, ?, '…', ?) from probe where probe match ?",
                    (HIGHLIGHT_START, HIGHLIGHT_END, tokens, match)))
            finally:
                self._empty()
        return {rowid: found.get(rowid, text) for rowid, text in texts.items()}
