"""`search_shares`: in how many of the newest rows of each full-text index every stemmed word is.

A search leaves out words in too many of the newest rows and ranks only when its words are rare
enough (`bot.store.queries.Store.search_plan`); counting that at question time cost the first
question with each word a walk over its postings (21 ms at 100k documents). The build counts the
words of the newest `queries.SAMPLE` rows (by rowid) by indexing their text again in a small
in-memory table and reading its vocabulary; an in-place update adjusts the counts by the rows that
entered or left that window, so its cost follows the change, not the sample.

The newest rows are those with the highest rowids, which follow the order documents were written
in: the counts describe this store's own numbering (an updated store and a clean build of the same
folder number rows differently, and so count different samples).
"""
from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator

from bot.build.extraction_cache import paragraph_texts
from bot.store import queries

TABLES = ("paragraphs_fts", "quotes_fts")


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


def newest_rowids(conn: sqlite3.Connection) -> dict[str, int]:
    return {table: conn.execute(f"select max(rowid) from {table}").fetchone()[0] or 0 for table in TABLES}


def refresh_shares(conn: sqlite3.Connection) -> None:
    """Count again the words of the newest SAMPLE rows of paragraphs_fts and quotes_fts (the sample's
    size goes in meta: the answers divide by it)."""
    sample = queries.SAMPLE
    conn.execute("delete from search_shares")
    conn.execute("insert or replace into meta values ('search_sample', ?)", (str(sample),))
    for table, newest in newest_rowids(conn).items():
        if newest > sample:  # else a small index: every word is rare enough (see Store._shares_of)
            _add(conn, table, word_rows(text for _, text in ROWS[table](conn, newest - sample, newest)), 1)


def update_shares(conn: sqlite3.Connection, before: dict[str, int], removed: dict[str, list[tuple[int, str]]],
                  added: dict[str, list[tuple[int, str]]]) -> None:
    """Adjust the counts after an in-place change: `before` the newest rowid of each index before it,
    `removed` and `added` the (rowid, text) of the rows it took out and put in."""
    sample = queries.SAMPLE
    stored = conn.execute("select value from meta where key = 'search_sample'").fetchone()
    if stored is None or int(stored[0]) != sample:
        refresh_shares(conn)
        return
    after = newest_rowids(conn)
    for table in TABLES:
        old, new = before[table], after[table]
        if new <= sample:
            conn.execute("delete from search_shares where fts = ?", (table,))
            continue
        if old <= sample:  # the index just grew past the sample: count it whole
            conn.execute("delete from search_shares where fts = ?", (table,))
            _add(conn, table, word_rows(text for _, text in ROWS[table](conn, new - sample, new)), 1)
            continue
        low_before, low_after = old - sample, new - sample
        leaving = [text for rowid, text in removed.get(table, ()) if rowid > low_before]
        entering = [text for rowid, text in added.get(table, ()) if rowid > low_after]
        if low_after > low_before:  # rows that were among the newest and no longer are
            leaving += [text for _, text in ROWS[table](conn, low_before, min(low_after, old))]
        elif low_after < low_before:  # the newest rows went: older ones come into the sample
            entering += [text for _, text in ROWS[table](conn, low_after, low_before)]
        _add(conn, table, word_rows(leaving), -1)
        _add(conn, table, word_rows(entering), 1)


def _add(conn: sqlite3.Connection, table: str, counts: Counter[str], sign: int) -> None:
    for term, rows in counts.items():
        if not conn.execute("update search_shares set rows = rows + ? where fts = ? and term = ?",
                            (sign * rows, table, term)).rowcount:
            conn.execute("insert into search_shares values (?, ?, ?)", (table, term, sign * rows))
    if sign < 0:
        conn.execute("delete from search_shares where fts = ? and rows <= 0", (table,))


def _paragraph_rows(conn: sqlite3.Connection, low: int, high: int) -> Iterator[tuple[int, str]]:
    """(rowid, text) of the paragraphs numbered above `low`, up to `high`."""
    for first, blob, spans in conn.execute(
            "select d.first_paragraph, t.text, t.paragraph_spans from documents d"
            " join document_texts t on t.document_id = d.id"
            " where d.first_paragraph <= ? order by d.first_paragraph desc", (high,)):
        paragraphs = paragraph_texts(blob, spans)
        if first + len(paragraphs) <= low + 1:
            break
        for n, (_, text) in enumerate(paragraphs):
            if low < first + n <= high:
                yield first + n, text


def _quote_rows(conn: sqlite3.Connection, low: int, high: int) -> Iterator[tuple[int, str]]:
    """(rowid, text) of the quotations numbered above `low`, up to `high`."""
    document, paragraphs = None, []
    for quote_id, document_id, paragraph, start, end, text in conn.execute(
            'select id, document_id, paragraph, start, "end", text from quotes where id > ? and id <= ?'
            " order by document_id, id", (low, high)):
        if text is None:
            if document_id != document:
                document = document_id
                row = conn.execute("select text, paragraph_spans from document_texts where document_id = ?",
                                   (document_id,)).fetchone()
                paragraphs = paragraph_texts(*row)
            offset, body = paragraphs[paragraph]
            text = body[start - offset:end - offset]
        yield quote_id, text


ROWS = {"paragraphs_fts": _paragraph_rows, "quotes_fts": _quote_rows}
