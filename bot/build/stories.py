"""Stories: documents that carry the same story (wire copy republished, lightly edited), found in the store.

The tables are `stories` and `story_bands` (bot.store.schema). Derived from the seed folder like every other table, so `rm briefing.db && briefbot build` gives the
same groups, and kept up by the incremental build without reading the whole store.

- Each document's MinHash signature (`bot.sources.near_duplicates.signature` of its headline and story
  paragraphs: 64 bins of 16 bits) is kept in `stories.signature` (128 bytes; NULL for a text too short
  to compare, under MIN_SHINGLES word 3-shingles).
- LSH bands live in the database: `story_bands (band, document_id)`, WITHOUT ROWID, one row for each of
  the 32 bands of 2 bins of a document; `band` is the band's number in the top bits over the band's 32
  raw bits, so two documents share a row key exactly when they share a band (no hash collisions).
  Candidates of a document are one indexed lookup of its 32 keys; they are reported when their
  estimated similarity (equal bins / 64) is at least `near_duplicates.THRESHOLD` (0.3).
- A document's story is its *first* near-duplicate: of itself and every document at that threshold,
  the one first published (by `documents.sort_date`, then path). `stories.story` holds that
  document's id. Each member of a story is thus a near-duplicate of its first document (a star, not a
  chain: two unrelated stories are never joined through a third), and the grouping is a function of
  the set of documents alone: a full build and any sequence of incremental ones give the same groups.

Incremental upkeep (`update_stories`): removed documents' rows go (their bands are recomputed from the
stored signature: no second index), added ones are inserted and looked up; a document whose story was a
removed one is looked up again; a neighbour of an added document earlier than its story's first
document joins the added one. Cost: a few indexed lookups per changed document, whatever the store's size.
"""
from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterable

from bot.sources.near_duplicates import BINS, MIN_SHINGLES, ROWS, THRESHOLD, signature

SIGNATURE_BYTES = BINS * 2  # the bins only: the shingle count decides whether a row is kept at all
BANDS = BINS // ROWS
MIN_EQUAL = -(-int(THRESHOLD * BINS * 1000) // 1000)  # equal bins for a near-duplicate: ceil(0.3 × 64) = 20
_LANE_LOW = int.from_bytes(b"\x01\x00" * BINS, "little")
_BAND_BITS = 16 * ROWS
_BAND_MASK = (1 << _BAND_BITS) - 1

def story_signature(title: str, paragraphs: Iterable[str]) -> bytes | None:
    """The bins of a document's signature (SIGNATURE_BYTES bytes), or None when it is too short to compare."""
    sig = signature("\n".join([title, *paragraphs]))
    if sig.shingles < MIN_SHINGLES:
        return None
    return sig.to_bytes()[:SIGNATURE_BYTES]


def band_keys(raw: bytes) -> list[int]:
    """The 32 band keys of a signature: band number << 32 | the band's two 16-bit bins."""
    x = int.from_bytes(raw, "little")
    return [(b << _BAND_BITS) | ((x >> (_BAND_BITS * b)) & _BAND_MASK) for b in range(BANDS)]


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

def write_stories(conn: sqlite3.Connection, documents: list[tuple[object, str, int, bytes | None]]) -> int:
    """Every document's story, signature and bands, for a new store. `documents`: (sort_date, path,
    document id, signature or None). Returns how many documents belong to a story of two or more.

    Documents are taken in publication order; a document's story is the first earlier one it is
    similar to in any band (the runs of equal band keys are scanned from their first member, and
    the scan of a run stops at the first similar one), else itself. Memory: the signatures (128 bytes
    a document) and one 8-byte word per band and document.
    """
    documents = sorted(documents, key=lambda d: (d[0], d[1]))
    count = len(documents)
    signatures = [d[3] for d in documents]
    story = list(range(count))  # by position in publication order
    packed = array("Q")
    for position, raw in enumerate(signatures):
        if raw is not None:
            packed.extend((key << 24) | position for key in band_keys(raw))
    packed = array("Q", sorted(packed))
    mask = (1 << 24) - 1
    run_start = 0
    for i in range(1, len(packed) + 1):
        if i < len(packed) and packed[i] >> 24 == packed[run_start] >> 24:
            continue
        if i - run_start > 1:
            members = [word & mask for word in packed[run_start:i]]
            for k in range(1, len(members)):
                member = members[k]
                best = story[member]
                for earlier in members[:k]:
                    if earlier >= best:
                        break
                    if similar(signatures[earlier], signatures[member]):
                        best = earlier
                        break
                story[member] = best
        run_start = i
    ids = [d[2] for d in documents]
    conn.executemany("insert into stories values (?, ?, ?)",
                     ((ids[p], ids[story[p]], signatures[p]) for p in range(count)))
    conn.executemany("insert into story_bands values (?, ?)",
                     ((word >> 24, ids[word & mask]) for word in packed))
    led = {s for p, s in enumerate(story) if s != p}
    return sum(1 for p in range(count) if story[p] != p or p in led)


# The incremental build ---------------------------------------------------------------------------

def update_stories(conn: sqlite3.Connection, removed: Iterable[int], added: Iterable[tuple[int, bytes | None]]) -> None:
    """Stories after documents were removed and added in place (a changed document is both, under one id).

    Runs inside the in-place build's transaction, after the documents table has its new rows."""
    removed = sorted(set(removed))
    added = list(added)
    orphans: set[int] = set()
    for document_id in removed:
        row = conn.execute("select signature from stories where document_id = ?", (document_id,)).fetchone()
        if row is None:
            continue
        if row[0] is not None:
            conn.executemany("delete from story_bands where band = ? and document_id = ?",
                             [(key, document_id) for key in band_keys(row[0])])
        conn.execute("delete from stories where document_id = ?", (document_id,))
        orphans.update(d for (d,) in conn.execute("select document_id from stories where story = ?", (document_id,)))
    orphans -= set(removed)
    for document_id, raw in added:
        conn.execute("insert into stories values (?, ?, ?)", (document_id, document_id, raw))
        if raw is not None:
            conn.executemany("insert into story_bands values (?, ?)", [(key, document_id) for key in band_keys(raw)])
    added_ids = {document_id for document_id, _ in added}
    orphans -= added_ids
    for document_id, raw in added:
        neighbours = _neighbours(conn, document_id, raw)
        order = _order(conn, [document_id, *neighbours])
        first = min([document_id, *neighbours], key=order.__getitem__)
        conn.execute("update stories set story = ? where document_id = ?", (first, document_id))
        # A neighbour whose story begins later than this document now begins here.
        current = dict(conn.execute(f"select document_id, story from stories where document_id in "
                                    f"({','.join('?' * len(neighbours))})", neighbours).fetchall()) if neighbours else {}
        order.update(_order(conn, [s for s in current.values() if s not in order]))
        for neighbour, leader in current.items():
            if neighbour in added_ids or neighbour in orphans:
                continue
            if leader not in order or order[document_id] < order[leader]:
                conn.execute("update stories set story = ? where document_id = ?", (document_id, neighbour))
    for document_id in sorted(orphans):
        raw = conn.execute("select signature from stories where document_id = ?", (document_id,)).fetchone()[0]
        neighbours = _neighbours(conn, document_id, raw)
        order = _order(conn, [document_id, *neighbours])
        conn.execute("update stories set story = ? where document_id = ?",
                     (min([document_id, *neighbours], key=order.__getitem__), document_id))


def _neighbours(conn: sqlite3.Connection, document_id: int, raw: bytes | None) -> list[int]:
    """The documents similar to this one (at the threshold), found through their shared bands."""
    if raw is None:
        return []
    keys = band_keys(raw)
    candidates = sorted({d for (d,) in conn.execute(
        f"select document_id from story_bands where band in ({','.join('?' * len(keys))})", keys)} - {document_id})
    found = []
    for start in range(0, len(candidates), 500):
        chunk = candidates[start:start + 500]
        for other, signature_ in conn.execute(
                f"select document_id, signature from stories where document_id in ({','.join('?' * len(chunk))})", chunk):
            if signature_ is not None and similar(raw, signature_):
                found.append(other)
    return found


def _order(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple]:
    """(sort_date, path) of documents: the order in which a story's first document is chosen."""
    ids = sorted(set(ids))
    found: dict[int, tuple] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for document_id, sort_date, path in conn.execute(
                f"select id, sort_date, path from documents where id in ({','.join('?' * len(chunk))})", chunk):
            found[document_id] = (sort_date, path)
    return found
