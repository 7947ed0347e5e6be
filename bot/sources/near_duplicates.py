"""Near-duplicate stories: the same story carried by several outlets (wire copy republished, lightly edited).

    sig = signature(text)                     # Signature; sig.to_bytes() is 130 bytes, for the store
    index = NearDuplicateIndex()              # or NearDuplicateIndex.from_signatures([(doc_id, bytes), …])
    index.query(sig)                          # [(doc_id, estimated similarity)] of earlier near-duplicates
    index.add(doc_id, sig)

Method: MinHash over word 3-shingles (lower-cased \\w+ words), as one-permutation hashing — each
shingle is hashed once (64 bits, see `shingle_hashes`), the hash's top bits choose one of BINS bins and each bin
keeps its smallest value; empty bins are filled from the next non-empty one (rotation densification).
The fraction of equal bins estimates the Jaccard similarity of two documents' shingle sets, like
classic MinHash with BINS permutations, at the cost of one hash per shingle instead of BINS. Values
are kept to 16 bits (a chance equality adds ~1/65536 to the estimate), so a signature is 130 bytes with its
shingle count.

Index: LSH banding, BINS // ROWS = 32 bands of 2 bins; two documents sharing a band are candidates
(a pair at similarity 0.3 is one with probability 0.95, at 0.5 with 0.9999; unrelated texts, ~0.003),
and a candidate is reported when its estimated similarity (equal bins, counted on the signatures as
integers) is at least THRESHOLD. Band keys live in one sorted array of 64-bit words (40-bit band hash,
24-bit document number) plus a small dict of the latest additions, merged into the array every
MERGE_EVERY additions: 8 bytes a band a document instead of a Python dict entry (~100 bytes), so
100k documents take ~26 MB of band keys and ~13 MB of signatures (40 MB; the keys list and
the key→number dict come on top).

Chosen over datasketch's MinHash + MinHashLSH, measured on the same pairs and documents
(benchmarks/bench_sources.py): the same precision (1.0), a slightly lower recall for datasketch (0.990
vs 0.997 at 0.3), and 1.0 ms against 0.59 ms a new document at 10k documents (its signature hashes
every shingle under 64 permutations in numpy); it would also bring numpy and scipy as dependencies,
and its LSH keeps Python dicts of byte keys.

THRESHOLD = 0.3, measured on labelled pairs (benchmarks/bench_sources.py, full mode): 2,407 same-story
pairs — 300 PolNeAR articles each re-edited seven ways (sentences reordered, a paragraph dropped, a
paragraph added, headline rewritten, 10 % of words substituted, boilerplate appended, all of these at
once), 300 corpus_gen re-disguised copies of one source (names swapped, years shifted, synonyms,
paragraphs shuffled) and the 7 real pairs of versions of one story in PolNeAR — against 1,983
different stories: the 1,200 most similar pairs of different PolNeAR articles (same topic; the most
similar has a true Jaccard of 0.14) and 783 same-day pairs from different outlets. At 0.3: precision
1.000, recall 0.997 (the 7 misses: "all at once" edits of short articles, corpus_gen copies with most
names swapped, one paragraph-added copy of a very short article). 0.2 and 0.25 found a few more here,
but with 64 bins the estimate's standard deviation at the most similar different pair (0.14) is 0.04:
at 0.3 such a pair is reported with odds of 1 in 10,000, at 0.2 of 1 in 14; at 0.5 recall is 0.939.
Time per new document (signature, query, add): 0.59 ms at 10k and 0.60 ms at 100k indexed documents
(p99 4.6 and 1.7 ms: the merges of recent additions).
"""
from __future__ import annotations

import hashlib
import re
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

SHINGLE = 3
BINS = 64
ROWS = 2  # bins a band: BINS // ROWS = 32 bands
THRESHOLD = 0.3
MIN_SHINGLES = 8  # shorter texts (a headline, a one-line summary) are not compared
MERGE_EVERY = 2048
_BIN_BITS = BINS.bit_length() - 1
_VALUE_MASK = 0xFFFF
_KEY_BITS = 40
_ORD_BITS = 24
_ORD_MASK = (1 << _ORD_BITS) - 1
_WORD = re.compile(r"\w+")
_MASK64 = (1 << 64) - 1
_K1, _K2, _K3 = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0xD6E8FEB86659FD93
SIGNATURE_BYTES = BINS * 2 + 2
SIGNATURE_VERSION = 1  # bump when signatures change: stored ones must then be recomputed
_EMPTY = 0xFFFF + 1  # above every 16-bit value: marks an empty bin before densification
assert 1 << _BIN_BITS == BINS


@dataclass(frozen=True)
class Signature:
    values: array  # array('H') of BINS 16-bit values
    shingles: int  # how many distinct shingles the text had

    def to_bytes(self) -> bytes:
        """SIGNATURE_BYTES (130) bytes: BINS 16-bit values then the shingle count (capped), little-endian."""
        values = array("H", self.values)
        values.append(min(self.shingles, 0xFFFF))
        return (values if _little() else _swapped(values)).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Signature":
        if len(data) != SIGNATURE_BYTES:
            raise ValueError(f"a signature is {SIGNATURE_BYTES} bytes, not {len(data)}")
        values = array("H")
        values.frombytes(data)
        if not _little():
            values.byteswap()
        shingles = values.pop()
        return cls(values, shingles)

    def similarity(self, other: "Signature") -> float:
        """Estimated Jaccard similarity of the two texts' shingle sets."""
        return sum(a == b for a, b in zip(self.values, other.values)) / BINS


def _little() -> bool:
    import sys
    return sys.byteorder == "little"


def _swapped(values: array) -> array:
    copy = array("H", values)
    copy.byteswap()
    return copy


def shingle_hashes(text: str, size: int = SHINGLE) -> set[int]:
    """64-bit hashes of the text's word 3-shingles (lower-cased \\w+ words; `size` must be 3).

    Each word is hashed once (CRC-32, stable across processes and versions), and a shingle's three word
    hashes are mixed by multiplication with odd 64-bit constants: ~3x faster in pure Python than
    hashing each shingle's text, and as good for MinHash as long as bins and values are taken from the
    high bits, which depend on all three words (the low bits do not).
    """
    if size != 3:
        raise ValueError("shingles are 3 words")
    words = _WORD.findall(text.lower())
    if not words:
        return set()
    crc = zlib.crc32
    h = [crc(w.encode("utf-8", "surrogatepass")) for w in words]
    if len(h) < 3:
        h = h + [0] * (3 - len(h))
    mask = _MASK64
    return {(((a << 32 | b) * _K1 ^ c * _K2) & mask) * _K3 & mask for a, b, c in zip(h, h[1:], h[2:])}


def signature(text: str) -> Signature:
    """The text's MinHash signature (one-permutation hashing with densification, see the module doc)."""
    hashes = shingle_hashes(text)
    bins = [_EMPTY] * BINS
    shift = 64 - _BIN_BITS
    for h in hashes:
        b = h >> shift
        v = (h >> 40) & _VALUE_MASK  # bits 40-55 and the bin's 58-63 depend on all three words
        if v < bins[b]:
            bins[b] = v
    if hashes and _EMPTY in bins:
        filled = [i for i, v in enumerate(bins) if v != _EMPTY]
        result = list(bins)
        for i in range(BINS):
            if bins[i] == _EMPTY:
                # the next non-empty bin to the right (circularly), offset by the distance
                j = next((k for k in filled if k > i), filled[0])
                distance = (j - i) % BINS
                result[i] = (bins[j] + distance * 0x9E37) & _VALUE_MASK
        bins = result
    elif not hashes:
        bins = [0] * BINS
    return Signature(array("H", bins), len(hashes))


_BIN_SHIFT = np.uint64(64 - (BINS.bit_length() - 1))
_VALUE_SHIFT = np.uint64(40)
_MIXERS = np.array([_K1, _K2, _K3], dtype=np.uint64)


def filled_bins(text: str) -> np.ndarray | None:
    """`signature(text)`'s bins computed in numpy, or None when one of them is empty.

    The same 64-bit word 3-shingle hashes as `shingle_hashes` (uint64 arithmetic wraps
    as its masks do), and each bin's smallest 16-bit value: half the time of `signature` on a news
    article (the words and their CRCs, still in Python, are most of what is left). A text with an
    empty bin (under a few hundred words) is left to `signature`, which fills it from the next one."""
    words = _WORD.findall(text.lower())
    if len(words) < BINS + 2:  # fewer shingles than bins
        return None
    crc = zlib.crc32
    h = np.array([crc(w.encode("utf-8", "surrogatepass")) for w in words], dtype=np.uint64)
    k1, k2, k3 = _MIXERS
    hashes = (((h[:-2] << np.uint64(32)) | h[1:-1]) * k1 ^ h[2:] * k2) * k3
    # bin << 16 | value, sorted: each bin's smallest value comes first in its run
    keys = np.sort(((hashes >> _BIN_SHIFT) << np.uint64(16)) | ((hashes >> _VALUE_SHIFT) & np.uint64(0xFFFF)))
    first = np.flatnonzero(np.diff(keys >> np.uint64(16), prepend=np.uint64(BINS)))
    if len(first) < BINS:
        return None
    return keys[first] & np.uint64(0xFFFF)


def _band_keys(raw: bytes, rows: int) -> list[int]:
    """One 40-bit key per band of `rows` bins (the band's number is part of the hash)."""
    width = rows * 2
    blake = hashlib.blake2b
    return [int.from_bytes(blake(raw[b * width:(b + 1) * width], digest_size=5, person=b"band%03d" % b).digest(),
                           "big") for b in range(BINS // rows)]


_LANE_LOW = int.from_bytes(b"\x01\x00" * BINS, "little")  # the lowest bit of every 16-bit lane


def _equal_bins(a: int, b: int) -> int:
    """How many 16-bit lanes of two signatures (as ints) are equal: 64 minus the lanes where a ^ b != 0."""
    x = a ^ b
    x |= x >> 8
    x |= x >> 4
    x |= x >> 2
    x |= x >> 1
    return BINS - (x & _LANE_LOW).bit_count()


class NearDuplicateIndex:
    """Documents' signatures, queried for earlier near-duplicates (see the module doc).

    Document keys are any hashable values (the store's document ids). Not thread-safe.
    """

    def __init__(self, threshold: float = THRESHOLD, rows: int = ROWS):
        if BINS % rows:
            raise ValueError(f"rows must divide {BINS}")
        self.threshold = threshold
        self.rows = rows
        self._keys: list = []  # ordinal -> key
        self._ordinal: dict = {}  # key -> ordinal
        self._signatures = bytearray()  # BINS * 2 bytes per ordinal, little-endian
        self._dead: set[int] = set()
        self._static = array("Q")  # sorted (band key << 24 | ordinal)
        self._recent: dict[int, list[int]] = {}  # band key -> ordinals, not yet merged
        self._recent_count = 0

    def __len__(self) -> int:
        return len(self._keys) - len(self._dead)

    def __contains__(self, key) -> bool:
        return key in self._ordinal

    @property
    def nbytes(self) -> int:
        """Bytes held by the signatures and band keys (not counting the keys' own Python objects)."""
        return len(self._signatures) + self._static.itemsize * len(self._static) + \
            sum(8 * len(v) + 100 for v in self._recent.values())

    @classmethod
    def from_signatures(cls, items: Iterable[tuple[object, bytes | Signature]], threshold: float = THRESHOLD,
                        rows: int = ROWS) -> "NearDuplicateIndex":
        """An index loaded at once from stored signatures (faster than adding them one by one)."""
        index = cls(threshold, rows)
        packed = array("Q")
        for key, data in items:
            sig = data if isinstance(data, Signature) else Signature.from_bytes(data)
            added = index._append(key, sig)
            if added is not None:
                ordinal, raw = added
                packed.extend((k << _ORD_BITS) | ordinal for k in _band_keys(raw, rows))
        index._static = array("Q", sorted(packed))
        return index

    def _append(self, key, sig: Signature) -> tuple[int, bytes] | None:
        if key in self._ordinal:
            self.remove(key)
        if sig.shingles < MIN_SHINGLES:
            return None
        ordinal = len(self._keys)
        if ordinal > _ORD_MASK:
            raise OverflowError("the index holds at most 16.7 million documents")
        raw = sig.to_bytes()[:BINS * 2]
        self._keys.append(key)
        self._ordinal[key] = ordinal
        self._signatures += raw
        return ordinal, raw

    def add(self, key, sig: Signature) -> None:
        """Index a document (a key already present is replaced: a document updated)."""
        added = self._append(key, sig)
        if added is None:
            return
        ordinal, raw = added
        for band_key in _band_keys(raw, self.rows):
            self._recent.setdefault(band_key, []).append(ordinal)
        self._recent_count += 1
        if self._recent_count >= MERGE_EVERY:
            self._merge()

    def remove(self, key) -> None:
        ordinal = self._ordinal.pop(key, None)
        if ordinal is not None:
            self._dead.add(ordinal)

    def _merge(self) -> None:
        packed = self._static.tolist()
        packed.extend((k << _ORD_BITS) | o for k, ordinals in self._recent.items() for o in ordinals)
        packed.sort()  # two sorted runs: timsort merges them in linear time
        self._static = array("Q", packed)
        self._recent.clear()
        self._recent_count = 0

    def _candidates(self, raw: bytes) -> set[int]:
        found: set[int] = set()
        static = self._static
        size = len(static)
        for band_key in _band_keys(raw, self.rows):
            low = band_key << _ORD_BITS
            i = bisect_left(static, low)
            high = low | _ORD_MASK
            while i < size and static[i] <= high:
                found.add(static[i] & _ORD_MASK)
                i += 1
            more = self._recent.get(band_key)
            if more:
                found.update(more)
        return found - self._dead if self._dead else found

    def query(self, sig: Signature, threshold: float | None = None, exclude=None) -> list[tuple[object, float]]:
        """Earlier documents whose estimated similarity to `sig` is at least the threshold, most similar first."""
        if sig.shingles < MIN_SHINGLES:
            return []
        threshold = self.threshold if threshold is None else threshold
        raw = sig.to_bytes()[:BINS * 2]
        mine = int.from_bytes(raw, "little")
        signatures = memoryview(self._signatures)
        width = BINS * 2
        hits = []
        for ordinal in self._candidates(raw):
            start = ordinal * width
            score = _equal_bins(mine, int.from_bytes(signatures[start:start + width], "little")) / BINS
            if score >= threshold:
                key = self._keys[ordinal]
                if key != exclude:
                    hits.append((key, score))
        hits.sort(key=lambda hit: -hit[1])
        return hits

    def add_and_query(self, key, sig: Signature) -> list[tuple[object, float]]:
        """The earlier near-duplicates of a new document, which is then indexed."""
        hits = self.query(sig, exclude=key)
        self.add(key, sig)
        return hits
