"""`search_shares`: for each stemmed word of each full-text index, in how many of its newest rows it
is (`rows`, among the newest `queries.SAMPLE`) and in how many rows in all (`total`).

A search leaves out words in too many of the newest rows, ranks only when its words' rows are few
enough for BM25's weights to be read quickly, and bounds the walk of words that are all common
(`bot.store.queries.Store.search_plan`). Counting that at question time cost the first question
with each word a walk over its postings (21 ms at 100k documents). A full build counts the newest
rows by indexing their text again in a small in-memory table and reading its vocabulary, and the
totals from the index's own vocabulary; an in-place update adjusts both by the rows it adds and
removes and the rows that enter or leave the sample, so its cost follows the change.

Only words in more than `queries.FEW_ROWS` rows are kept (a 1,000-document store's vocabulary is mostly
words of a few rows; the answers count those in the index when asked). An in-place update counts again
in the index each word not kept that it adds rows to, and keeps it if it now has more.

The newest rows are those with the highest rowids, which follow the order documents were written
in: the sample describes this store's own numbering (an updated store and a clean build of the
same folder number rows differently, and so sample different rows).
"""
from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from bot.store import queries
from bot.store.schema import SEARCH_TABLES
from bot.store.texts import cut, document_paragraphs, load_codec, stored_text


def word_rows(texts: Iterable[str]) -> Counter[str]:
    """How many of `texts` hold each stemmed word (as the store's tokenizer indexes it)."""
    counter = sqlite3.connect(":memory:")
    try:
        counter.execute("create virtual table sample using fts5 (text, tokenize='porter', content='', detail=none)")
        counter.execute("create virtual table sample_words using fts5vocab(sample, 'row')")
        counter.executemany("insert into sample (text) values (?)", ((text,) for text in texts))
        return Counter(dict(counter.execute("select term, doc from sample_words")))
    finally:
        counter.close()


def counted_meanwhile(rows: dict[str, list[tuple[int, str]]]) -> Future[dict[str, Counter[str]]]:
    """`word_rows` of each index's (rowid, text) rows, counted in a thread while the caller goes on: the
    tokenizer runs inside SQLite, which lets other Python threads run (a day of news removed in place:
    ~150,000 rows, about a second)."""
    executor = ThreadPoolExecutor(1)
    try:
        return executor.submit(lambda: {table: word_rows(text for _, text in of_table) for table, of_table in rows.items()})
    finally:
        executor.shutdown(wait=False)  # its thread ends with the task


def newest_rowids(conn: sqlite3.Connection) -> dict[str, int]:
    return {table: conn.execute(f"select max(rowid) from {table}").fetchone()[0] or 0 for table in SEARCH_TABLES}


def count_shares(conn: sqlite3.Connection) -> None:
    """Count every word of both indexes: in all their rows (their vocabulary) and in the newest SAMPLE
    (the sample's size goes in meta: the answers divide by it)."""
    sample = queries.SAMPLE
    conn.execute("delete from search_shares")
    conn.execute("insert or replace into meta values ('search_sample', ?)", (str(sample),))
    for table, newest in newest_rowids(conn).items():
        newest_words = _sample(conn, table, newest, sample)
        conn.execute(f"create virtual table temp.{table}_vocabulary using fts5vocab(main, {table}, 'row')")
        try:
            conn.executemany("insert into search_shares values (?, ?, ?, ?)", (
                (SEARCH_TABLES.index(table), term, newest_words.get(term, 0), total)
                for term, total in conn.execute(f"select term, doc from temp.{table}_vocabulary where doc > ?",
                                                (queries.FEW_ROWS,)).fetchall()))
        finally:
            conn.execute(f"drop table temp.{table}_vocabulary")


def _sample(conn: sqlite3.Connection, table: str, newest: int, sample: int) -> Counter[str]:
    if newest <= sample:  # a small index: every word is rare enough (see Store._shares_of)
        return Counter()
    return word_rows(text for _, text in ROWS[table](conn, newest - sample, newest))


def update_shares(conn: sqlite3.Connection, before: dict[str, int], removed: dict[str, list[tuple[int, str]]],
                  added: dict[str, list[tuple[int, str]]], removed_words: dict[str, Counter[str]] | None = None) -> None:
    """Adjust the counts after an in-place change: `before` the newest rowid of each index before it,
    `removed` and `added` the (rowid, text) of the rows it took out and put in; `removed_words`, when
    given, the `word_rows` of the removed rows (see `counted_meanwhile`)."""
    sample = queries.SAMPLE
    stored = conn.execute("select value from meta where key = 'search_sample'").fetchone()
    if stored is None or int(stored[0]) != sample:
        count_shares(conn)
        return
    after = newest_rowids(conn)
    for table in SEARCH_TABLES:
        gone, new = removed.get(table, []), added.get(table, [])
        total = word_rows(text for _, text in new)
        total.subtract(removed_words[table] if removed_words else word_rows(text for _, text in gone))
        old, newest = before[table], after[table]
        if old <= sample or newest <= sample:  # a small index (no sample), or one that just grew past it
            conn.execute("update search_shares set rows = 0 where fts = ?", (SEARCH_TABLES.index(table),))
            rows = _sample(conn, table, newest, sample)
        else:
            rows = _sample_change(conn, table, old, newest, gone, new, sample)
        _adjust(conn, table, total, rows, newest - sample if newest > sample else newest)
    conn.execute("delete from search_shares where total <= ?", (queries.FEW_ROWS,))


def _sample_change(conn: sqlite3.Connection, table: str, old: int, newest: int, gone: list[tuple[int, str]],
                   new: list[tuple[int, str]], sample: int) -> Counter[str]:
    """How the count of each word in the newest `sample` rows changed, the newest rowid going from `old`
    to `newest` while the rows `gone` went and the rows `new` came."""
    low_before, low_after = old - sample, newest - sample
    leaving = [text for rowid, text in gone if rowid > low_before]
    entering = [text for rowid, text in new if rowid > low_after]
    if low_after > low_before:  # rows that were among the newest and no longer are
        leaving += [text for _, text in ROWS[table](conn, low_before, min(low_after, old))]
    elif low_after < low_before:  # the newest rows went: older ones come into the sample
        entering += [text for _, text in ROWS[table](conn, low_after, low_before)]
    change = word_rows(entering)
    change.subtract(word_rows(leaving))
    return change


def _adjust(conn: sqlite3.Connection, table: str, total: Counter[str], rows: Counter[str], low: int) -> None:
    """Add the changes of `total` and `rows` to the table's kept words; count again those of the other
    words that rows were added to (`_recount`: the rows above `low` are the sample, none when the index
    has no more than SAMPLE). A word not kept was in FEW_ROWS rows or fewer: only added rows take it past them."""
    fts = SEARCH_TABLES.index(table)
    touched = sorted(set(total) | set(rows))
    kept = {term for term, in conn.execute("select term from search_shares where fts = ? and term in"
                                           " (select value from json_each(?))", (fts, json.dumps(touched)))}
    conn.executemany("update search_shares set total = total + ?, rows = rows + ? where fts = ? and term = ?",
                     [(total[term], rows[term], fts, term) for term in touched
                      if term in kept and (total[term] or rows[term])])
    _recount(conn, table, [term for term in touched if term not in kept and total[term] > 0], low)


def _recount(conn: sqlite3.Connection, table: str, terms: list[str], low: int) -> None:
    """Keep those of `terms` now in more than FEW_ROWS rows, counted in the index (a word not kept has no
    count to adjust): in all rows, and in those above `low`."""
    queries.open_word_rows(conn)
    for term in terms:
        total, rows = queries.rows_with_word(conn, table, term, low)
        if total > queries.FEW_ROWS:
            conn.execute("insert into search_shares values (?, ?, ?, ?)",
                         (SEARCH_TABLES.index(table), term, rows, total))


def _paragraph_rows(conn: sqlite3.Connection, low: int, high: int) -> Iterator[tuple[int, str]]:
    """(rowid, text) of the paragraphs numbered above `low`, up to `high`."""
    codec = load_codec(conn)
    for first, document_id in conn.execute(
            "select first_paragraph, id from documents where first_paragraph <= ?"
            " order by first_paragraph desc", (high,)):
        paragraphs = codec.decode(stored_text(conn, document_id))
        if first + len(paragraphs) <= low + 1:
            break
        for n, (_, text) in enumerate(paragraphs):
            if low < first + n <= high:
                yield first + n, text


def _quote_rows(conn: sqlite3.Connection, low: int, high: int) -> Iterator[tuple[int, str]]:
    """(rowid, text) of the quotations numbered above `low`, up to `high`."""
    codec = load_codec(conn)
    document, paragraphs = None, []
    for quote_id, document_id, paragraph, start, end, text in conn.execute(
            'select id, document_id, paragraph, start, "end", text from quotes where id > ? and id <= ?'
            " order by document_id, id", (low, high)):
        if text is None:
            if document_id != document:
                document, paragraphs = document_id, document_paragraphs(conn, codec, document_id)
            text = cut(paragraphs, paragraph, start, end, text)
        yield quote_id, text


ROWS = {"paragraphs_fts": _paragraph_rows, "quotes_fts": _quote_rows}
