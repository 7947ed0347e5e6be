"""Stories: documents that carry the same story (wire copy republished, lightly edited), found in the store.

The tables are `stories` and `story_bands` (bot.store.schema). Derived from the seed folder like every other table, so `rm briefing.db && briefbot build` gives the
same groups, and kept up by the incremental build without reading the whole store.

- Each document's MinHash signature (`bot.sources.near_duplicates.signature` of its headline and story
  paragraphs: 64 bins of 16 bits) is kept in `stories.signature` (128 bytes; NULL for a text too short
  to compare, under MIN_SHINGLES word 3-shingles).
- LSH bands live in the database: `story_bands (band, document_id)`, WITHOUT ROWID, one row for each of
  the 32 bands of 2 bins of a document. `band` is the low 10 bits of the document's week (`sort_date //
  STORY_SECONDS`), then the band's number (5 bits), then a 16-bit hash of its 32 raw bits: 31 bits, a
  4-byte integer. Two documents that share a band in the same week share a row key (and a few others
  do: the hash, and weeks modulo 1,024, only add candidates, which the signatures and dates then tell
  apart), so the documents near a date that share a band with one are a few indexed lookups away (its
  week and the one before or after), however long the store's history. The week comes first so that a
  week's rows are contiguous: retention's removal of the oldest day rewrites the pages of one week
  (~1,200 at a million documents), not every page of the table. Documents sharing a band are near-duplicates
  when their estimated similarity (equal bins / 64) is at least `near_duplicates.THRESHOLD` (0.3).
- A document's story is its *first* near-duplicate of the week before it: of itself and every document
  at that threshold published at most STORY_DAYS earlier that shares a band with it and is among the
  RUN_CANDIDATES first of that band's documents in that week, the one first published (by
  `documents.sort_date`, then path). `stories.story` holds that document's id. The bound keeps the
  work linear whatever arrives: a feed of templated pages ("Weather in town 12 …") makes thousands of
  documents a week that share bands without being near-duplicates, and comparing each with all of
  them was quadratic (4,000 such pages: 4 M comparisons, 4.8 s). Copies of a real story are found at
  the first comparison of a band (its first copy is the band's first document), so it leaves them as
  they were. A story told within a
  week is a star around its first copy (two unrelated stories are never joined through a third); one
  republished over weeks goes on under later first copies, each of the week before. The grouping is a
  function of the set of documents alone: a full build and any sequence of incremental ones give the
  same groups.

Incremental upkeep (`update_stories`): removed documents' rows go (their bands are recomputed from the
stored signature and date: no second index), added ones are inserted; the documents whose story was a
removed one, and the added ones, look up their first near-duplicate again; a later neighbour (within
the week after) of an added document whose story began after it joins the added one. Each band's
documents near those dates are read once and scanned in publication order from the start of the week,
stopping at the first near-duplicate, as the full build does: re-leading the n copies of a story whose
first copy left costs about n comparisons, not n². The window bounds the rest: a removal touches only
the copies of the week after it, whatever the store's size or a story's age. When that reads less (many
changes in a few weeks: retention's day), or when a changed document's band is longer than
RUN_CANDIDATES within a week of it (the change may then move which are a band's first for documents it
does not name), the weeks after the changes are instead led again whole, in numpy, as the full build
leads them (`_lead_weeks_after`).
"""
from __future__ import annotations

import json
import sqlite3
from bisect import bisect_left, bisect_right
from collections.abc import Iterable

import numpy as np

from bot.sources.near_duplicates import (
    BINS,
    MIN_SHINGLES,
    ROWS,
    THRESHOLD,
    filled_bins,
    signature,
)

SIGNATURE_BYTES = BINS * 2  # the bins only: the shingle count decides whether a row is kept at all
BANDS = BINS // ROWS
MIN_EQUAL = -(-int(THRESHOLD * BINS * 1000) // 1000)  # equal bins for a near-duplicate: ceil(0.3 × 64) = 20
STORY_DAYS = 7  # how far back a document's first near-duplicate may be
STORY_SECONDS = STORY_DAYS * 86_400
RUN_CANDIDATES = 64  # the earliest documents of a band's run in a document's week before it that it is compared with
WEEK_READS = 25  # documents of their weeks read per document changed or led again, at most (`_lead_weeks_after`)
_LANE_LOW = int.from_bytes(b"\x01\x00" * BINS, "little")
_BAND_BITS = 16 * ROWS
_BAND_MASK = (1 << _BAND_BITS) - 1
_HASH_BITS = 16
_HASH_MULTIPLIER = 0x9E3779B1  # a band's 32 bits -> their top 16 after one multiplication (Knuth's)
_BAND_NUMBER_BITS = (BANDS - 1).bit_length()
_WEEK_BITS = 10  # weeks modulo 1,024 (~20 years; older ones only add candidates)
_WEEK_MASK = (1 << _WEEK_BITS) - 1


def story_signature(title: str, paragraphs: Iterable[str]) -> bytes | None:
    """The bins of a document's signature (SIGNATURE_BYTES bytes), or None when it is too short to compare."""
    text = "\n".join([title, *paragraphs])
    bins = filled_bins(text)
    if bins is not None:
        return bins.astype("<u2").tobytes()
    sig = signature(text)  # a short text: bins to fill from their neighbours, or too few shingles
    if sig.shingles < MIN_SHINGLES:
        return None
    return sig.to_bytes()[:SIGNATURE_BYTES]


def band_keys(raw: bytes) -> list[int]:
    """The 32 band keys of a signature: band number << 32 | the band's two 16-bit bins."""
    x = int.from_bytes(raw, "little")
    return [(b << _BAND_BITS) | ((x >> (_BAND_BITS * b)) & _BAND_MASK) for b in range(BANDS)]


def band_row(key: int, sort_date: int) -> int:
    """The `story_bands.band` value of a band key (`band_keys`) of a document dated `sort_date`."""
    hashed = ((key & _BAND_MASK) * _HASH_MULTIPLIER & 0xFFFFFFFF) >> (32 - _HASH_BITS)
    week = (sort_date // STORY_SECONDS) & _WEEK_MASK
    return (week << _BAND_NUMBER_BITS | key >> _BAND_BITS) << _HASH_BITS | hashed


def band_rows(raw: bytes, sort_date: int, weeks: Iterable[int] = (0,)) -> list[int]:
    """The `story_bands.band` values of a signature dated `sort_date`, in its own week and/or the weeks
    at the given offsets from it (-1: the week before)."""
    return [band_row(key, sort_date + offset * STORY_SECONDS) for key in band_keys(raw) for offset in weeks]


def band_of_row(row: int) -> int:
    """The band's number in a `story_bands.band` value."""
    return row >> _HASH_BITS & (BANDS - 1)


def same_band(a: bytes, b: bytes, band: int) -> bool:
    """Whether two signatures have the same bins in that band."""
    return a[4 * band:4 * band + 4] == b[4 * band:4 * band + 4]


def equal_bins(a: bytes, b: bytes) -> int:
    """How many of the 64 16-bit bins of two signatures are equal."""
    x = int.from_bytes(a, "little") ^ int.from_bytes(b, "little")
    x |= x >> 8
    x |= x >> 4
    x |= x >> 2
    x |= x >> 1
    return BINS - (x & _LANE_LOW).bit_count()


def similar(a: bytes, b: bytes) -> bool:
    return equal_bins(a, b) >= MIN_EQUAL


# The full build ----------------------------------------------------------------------------------

def write_stories(conn: sqlite3.Connection, documents: list[tuple[int, str, int, bytes | None]]) -> int:
    """Every document's story, signature and bands, for a new store. `documents`: (sort_date, path,
    document id, signature or None). Returns how many documents belong to a story of two or more.

    Documents are taken in publication order; a document's story is the first one of the week before it
    that it is similar to in any band, else itself: in each run of equal band keys (sorted by key, then
    publication), the first member of a document's week before it is compared with it, all at once in
    numpy, and where that one is not similar the run is scanned on from there (rare: members of a run
    share a band, and mostly the story). Memory while it runs: the signatures and about 30 bytes per band
    and document (about 1 GB at a million documents, as much as the sort it replaced).
    """
    documents = sorted(documents, key=lambda d: (d[0], d[1]))
    count = len(documents)
    ids = [d[2] for d in documents]
    signatures = [d[3] for d in documents]
    dates = np.array([d[0] for d in documents], dtype=np.int64)
    compared = np.array([p for p, raw in enumerate(signatures) if raw is not None], dtype=np.int64)
    bins = np.frombuffer(b"".join(signatures[p] for p in compared), dtype="<u2").reshape(-1, BINS)
    story = _first_copies(dates, compared, bins)
    conn.executemany("insert into stories values (?, ?, ?)",
                     zip(ids, (ids[s] for s in story.tolist()), signatures))
    if len(compared):
        rows = _band_rows(bins, dates[compared]) << np.uint64(32)  # story_bands.band, then document id
        rows |= np.array(ids, dtype=np.uint64)[compared][:, None]
        rows = rows.ravel()
        rows.sort()  # inserted in the table's order: appended, not scattered
        for start in range(0, len(rows), 1 << 20):
            chunk = rows[start:start + (1 << 20)]
            conn.executemany("insert into story_bands values (?, ?)",
                             zip((chunk >> np.uint64(32)).tolist(), (chunk & np.uint64(0xFFFFFFFF)).tolist()))
    own = story == np.arange(count)
    led = np.zeros(count, dtype=bool)
    led[story[~own]] = True
    return int((~own | led).sum())


def _first_copies(dates: np.ndarray, compared: np.ndarray, bins: np.ndarray,
                  wanted: np.ndarray | None = None) -> np.ndarray:
    """Each document's story, as a position: documents in publication order dated `dates`, those at the
    positions `compared` with the signatures `bins` (the rest are too short to compare: their own). With
    `wanted` (a mask of positions), only those documents' stories are sought; the others stay their own."""
    story = np.arange(len(dates), dtype=np.int64)
    if len(compared):
        row_of = np.full(len(dates), -1, dtype=np.int64)  # position -> row of `bins`
        row_of[compared] = np.arange(len(compared))
        words = _band_keys(bins) << np.uint64(24)  # band key, then publication order
        words |= compared.astype(np.uint64)[:, None]
        words = words.ravel()
        words.sort()
        _first_similar_in_week(story, words, dates, bins, row_of, wanted)
    return story


def _band_keys(bins: np.ndarray) -> np.ndarray:
    """`band_keys` of every signature (rows of 64 bins): band number << 32 | its two bins, as uint64."""
    return bins.view("<u4").astype(np.uint64) | (np.arange(BANDS, dtype=np.uint64) << np.uint64(_BAND_BITS))


def _band_rows(bins: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """`band_row` of every band of every signature dated `dates`, as uint64."""
    hashed = (bins.view("<u4").astype(np.uint64) * np.uint64(_HASH_MULTIPLIER)) & np.uint64(0xFFFFFFFF)
    hashed >>= np.uint64(32 - _HASH_BITS)
    hashed |= np.arange(BANDS, dtype=np.uint64) << np.uint64(_HASH_BITS)
    weeks = ((dates // STORY_SECONDS) & _WEEK_MASK).astype(np.uint64)
    hashed |= (weeks << np.uint64(_BAND_NUMBER_BITS + _HASH_BITS))[:, None]
    return hashed


def _first_similar_in_week(story: np.ndarray, words: np.ndarray, dates: np.ndarray, bins: np.ndarray,
                           row_of: np.ndarray, wanted: np.ndarray | None) -> None:
    """Lower each (`wanted`) document's `story` (a position) to the first document of the week before it
    that shares a band key with it and is similar. `words`: band key << 24 | position, sorted."""
    position = (words & np.uint64((1 << 24) - 1)).astype(np.int32)
    key = words >> np.uint64(24)
    new_run = np.empty(len(words), dtype=bool)
    new_run[0] = True
    np.not_equal(key[1:], key[:-1], out=new_run[1:])
    del key
    placed = np.cumsum(new_run, dtype=np.int64)
    del new_run
    when = dates[position] - dates.min()  # publication order within a run: nondecreasing
    shift = int(when.max()).bit_length() + 1  # (run, when) as one sorted integer: run < 2**25, when < 2**38
    placed <<= shift
    placed |= when
    np.minimum(when, STORY_SECONDS, out=when)
    np.subtract(placed, when, out=when)  # the same run, a week earlier (or its start)
    start = np.searchsorted(placed, when, side="left")
    del placed, when
    start -= np.arange(len(words))
    waiting = np.flatnonzero(start < 0)  # an earlier member of the week in its run
    if wanted is not None:
        waiting = waiting[wanted[position[waiting]]]
    start += np.arange(len(words))
    for chunk in range(0, len(waiting), 1 << 20):
        at = waiting[chunk:chunk + (1 << 20)]
        first = start[at]
        alike = (bins[row_of[position[first]]] == bins[row_of[position[at]]]).sum(axis=1) >= MIN_EQUAL
        np.minimum.at(story, position[at[alike]], position[first[alike]])
        _scan_on(story, position, bins, row_of, at[~alike], first[~alike])


def _scan_on(story: np.ndarray, position: np.ndarray, bins: np.ndarray, row_of: np.ndarray, at: np.ndarray,
             first: np.ndarray) -> None:
    """For run members `at` whose first member of the week before (`first`) is not similar: the next ones
    of that week, up to the RUN_CANDIDATES first, compared all at once, one step at a time; each member's
    `story` is lowered to the first similar one before it (later ones cannot lower it: the story is the
    first similar of any band)."""
    mine = position[at]
    for step in range(1, RUN_CANDIDATES):
        other = first + step
        going = (other < at) & (position[np.minimum(other, at)] < story[mine])
        at, first, mine, other = at[going], first[going], mine[going], other[going]
        if not len(at):
            return
        alike = (bins[row_of[position[other]]] == bins[row_of[mine]]).sum(axis=1) >= MIN_EQUAL
        np.minimum.at(story, mine[alike], position[other[alike]])
        at, first, mine = at[~alike], first[~alike], mine[~alike]


# The incremental build ---------------------------------------------------------------------------

def update_stories(conn: sqlite3.Connection, removed: Iterable[tuple[int, int]],
                   added: Iterable[tuple[int, int, bytes | None]]) -> None:
    """Stories after documents were removed and added in place (a changed document is both, under one id).
    `removed`: (sort_date, document id) of the old rows; `added`: (document id, sort_date, signature).

    Runs inside the in-place build's transaction, after the documents table has its new rows."""
    date_of = {document_id: sort_date for sort_date, document_id in removed}
    added = list(added)
    orphans: set[int] = set()
    gone: list[tuple[int, int, bytes]] = []  # (id, sort_date, signature) of the removed documents that had one
    for start in range(0, len(date_of), 5000):
        ids = json.dumps(sorted(date_of)[start:start + 5000])
        gone += [(document_id, date_of[document_id], raw) for document_id, raw in conn.execute(
            "select document_id, signature from stories where document_id in (select value from json_each(?))"
            " and signature is not null", (ids,))]
        conn.execute("delete from stories where document_id in (select value from json_each(?))", (ids,))
        orphans.update(d for (d,) in conn.execute(
            "select document_id from stories where story in (select value from json_each(?))", (ids,)))
    conn.executemany("delete from story_bands where band = ? and document_id = ?",
                     sorted((band, document_id) for document_id, date, raw in gone for band in band_rows(raw, date)))
    orphans -= date_of.keys()
    for document_id, sort_date, raw in added:
        conn.execute("insert into stories values (?, ?, ?)", (document_id, document_id, raw))
        if raw is not None:
            conn.executemany("insert into story_bands values (?, ?)",
                             [(band, document_id) for band in band_rows(raw, sort_date)])
    added_ids = {document_id for document_id, _, _ in added}
    orphans -= added_ids
    changed = [(date, raw) for _, date, raw in gone] + [(date, raw) for _, date, raw in added if raw is not None]
    dates = [date for date, _ in changed]
    stories = _lead_weeks_after(conn, dates, WEEK_READS * (len(changed) + len(orphans)))
    if stories is None:
        near = _Nearby(conn)
        if near.long_runs(changed):
            stories = _lead_weeks_after(conn, dates, None)
        else:
            stories = near.lead_again(sorted(orphans), sorted(added_ids))
    conn.executemany("update stories set story = ? where document_id = ?",
                     [(story, document_id) for document_id, story in stories.items()])


def _lead_weeks_after(conn: sqlite3.Connection, dates: list[int], most: int | None) -> dict[int, int] | None:
    """The stories that changed among every document of the week after each of `dates` (the dates of
    documents added or removed), led as the full build leads them (`_first_copies`) from the documents
    of the week before each of them; None when more than `most` documents would be read.

    Those are the only documents whose story a change can alter: their first near-duplicate went, or
    an added document is earlier, or a document added or removed moved which are a band's
    RUN_CANDIDATES first of their week. Retention's removal of a day at a million documents reads the
    ~20,000 documents of the week after it in date order and compares them in numpy, instead of 64
    band lookups, and every candidate they name, for each of its ~4,000 copies whose first copy went."""
    read = _spans(dates, STORY_SECONDS, STORY_SECONDS)
    between = "select count(*) from documents where sort_date between ? and ?"
    if most is not None and sum(conn.execute(between, span).fetchone()[0] for span in read) > most:
        return None
    documents = sorted(row for span in read for row in conn.execute(
        "select d.sort_date, d.path, d.id, s.signature, s.story from documents d"
        " join stories s on s.document_id = d.id where d.sort_date between ? and ?", span))
    led = _spans(dates, 0, STORY_SECONDS)
    starts = [first for first, _ in led]

    def in_led(date: int) -> bool:
        span = bisect_right(starts, date) - 1
        return span >= 0 and date <= led[span][1]

    wanted = np.array([in_led(row[0]) for row in documents], dtype=bool)
    compared = np.array([p for p, row in enumerate(documents) if row[3] is not None], dtype=np.int64)
    bins = np.frombuffer(b"".join(documents[p][3] for p in compared), dtype="<u2").reshape(-1, BINS)
    story = _first_copies(np.array([row[0] for row in documents], dtype=np.int64), compared, bins, wanted).tolist()
    return {row[2]: documents[story[p]][2] for p, row in enumerate(documents)
            if wanted[p] and documents[story[p]][2] != row[4]}


def _spans(dates: Iterable[int], before: int, after: int) -> list[tuple[int, int]]:
    """The spans [date - before, date + after] of these dates, overlapping ones merged, in order."""
    spans: list[list[int]] = []
    for date in sorted(dates):
        if spans and date - before <= spans[-1][1]:
            spans[-1][1] = date + after
        else:
            spans.append([date - before, date + after])
    return [(first, last) for first, last in spans]


class _Nearby:
    """The stored stories near some documents: each band's rows read once (all weeks asked for at once),
    kept in publication order, with each document's (sort_date, path), signature and story."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._info: dict[int, list] = {}  # id -> [(sort_date, path), signature, story]
        self._runs: dict[int, tuple[list[tuple[int, str]], list[int]]] = {}

    def long_runs(self, changed: list[tuple[int, bytes]]) -> bool:
        """Whether a band of a changed document (sort_date, signature) has more than RUN_CANDIDATES documents
        within a week of it: then the change may move which documents are a band's first of their week
        for documents that are neither added nor led by a removed one, and whole weeks are led again."""
        for date, raw in changed:
            rows = band_rows(raw, date, (-1, 0, 1))
            runs = self._read(rows)
            for band in range(BANDS):
                near = 0
                for orders, ids in runs[3 * band:3 * band + 3]:
                    first, last = bisect_left(orders, (date - STORY_SECONDS,)), bisect_left(orders, (date + STORY_SECONDS + 1,))
                    near += sum(same_band(raw, self._info[d][1], band) for d in ids[first:last])
                if near > RUN_CANDIDATES:
                    return True
        return False

    def lead_again(self, orphans: list[int], added: list[int]) -> dict[int, int]:
        """The new stories of the documents whose story was removed and of those added, and of the later
        neighbours whose story began after an added one (its bands' runs are short: `long_runs`)."""
        again = sorted({*orphans, *added})
        self.describe(again)
        stories = {document_id: self.first_similar(document_id) for document_id in again}
        for document_id in added:
            order = self.order(document_id)
            for neighbour in self.later_similar(document_id):
                if neighbour in stories:
                    continue
                current = self._info[neighbour][2]
                self.describe([current])
                if order < self.order(current):
                    self._info[neighbour][2] = document_id
                    stories[neighbour] = document_id
        return stories

    def describe(self, ids: Iterable[int]) -> None:
        missing = sorted({d for d in ids if d not in self._info})
        for start in range(0, len(missing), 500):
            chunk = missing[start:start + 500]
            for document_id, story, raw, sort_date, path in self.conn.execute(
                    "select s.document_id, s.story, s.signature, d.sort_date, d.path from stories s"
                    f" join documents d on d.id = s.document_id where s.document_id in ({','.join('?' * len(chunk))})",
                    chunk):
                self._info[document_id] = [(sort_date, path), raw, story]

    def order(self, document_id: int) -> tuple[int, str]:
        return self._info[document_id][0]

    def first_similar(self, document_id: int) -> int:
        """The first document of the week before this one (itself included) that it is similar to, of the
        RUN_CANDIDATES first of each band it shares in that week."""
        (date, _), raw, _ = self._info[document_id]
        if raw is None:
            return document_id
        best, best_id = self.order(document_id), document_id
        runs = self._read(band_rows(raw, date, (-1, 0)))  # each band's week before, then its own week
        for band in range(BANDS):
            seen = 0
            for orders, ids in runs[2 * band:2 * band + 2]:
                i = bisect_left(orders, (date - STORY_SECONDS,))
                while i < len(orders) and orders[i] < best and seen < RUN_CANDIDATES:
                    other = self._info[ids[i]][1]
                    if same_band(raw, other, band):
                        seen += 1
                        if similar(raw, other):
                            best, best_id = orders[i], ids[i]
                            break
                    i += 1
                else:
                    continue
                break
        return best_id

    def later_similar(self, document_id: int) -> set[int]:
        """The documents of the week after this one that are similar to it."""
        order, raw, _ = self._info[document_id]
        if raw is None:
            return set()
        found = set()
        rows = band_rows(raw, order[0], (0, 1))
        for row, (orders, ids) in zip(rows, self._read(rows)):
            band = band_of_row(row)
            i = bisect_right(orders, order)
            while i < len(orders) and orders[i][0] - order[0] <= STORY_SECONDS:
                other = self._info[ids[i]][1]
                if ids[i] not in found and same_band(raw, other, band) and similar(raw, other):
                    found.add(ids[i])
                i += 1
        return found

    def _read(self, bands: list[int]) -> list[tuple[list[tuple[int, str]], list[int]]]:
        missing = sorted({b for b in bands if b not in self._runs})
        rows: dict[int, list[int]] = {b: [] for b in missing}
        for start in range(0, len(missing), 500):
            chunk = missing[start:start + 500]
            for band, document_id in self.conn.execute(
                    f"select band, document_id from story_bands where band in ({','.join('?' * len(chunk))})", chunk):
                rows[band].append(document_id)
        self.describe(d for ids in rows.values() for d in ids)
        info = self._info
        for band, ids in rows.items():
            if len(ids) > 1:
                ids.sort(key=self.order)
            self._runs[band] = ([info[d][0] for d in ids], ids)
        return [self._runs[b] for b in bands]
