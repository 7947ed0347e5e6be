"""How names are compared when people look someone up: words with case and accents folded.

Shared by the build (which stores a folded word → people index) and by
`bot.store.queries` (which folds the question the same way).
"""
from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable

WORD = re.compile(r"[^\W_]+")  # what FTS5's unicode61 tokenizer counts as a word, near enough
HONORIFICS = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame"}


def name_tokens(name: str) -> list[str]:
    """Words of a name as they are compared: case and accents folded, honorifics dropped."""
    folded = name.casefold()
    if not folded.isascii():  # accents off: "Müller" is compared as "muller"
        folded = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    tokens = WORD.findall(folded)
    return [t for t in tokens if t not in HONORIFICS] or tokens


@functools.lru_cache(maxsize=1 << 16)  # a build folds the same names and aliases many times
def fold(label: str) -> str:
    """`name_tokens` of `label`, joined by spaces."""
    return " ".join(name_tokens(label))


def folded_labels(name: str, aliases: Iterable[str]) -> list[str]:
    """A person's name and aliases folded, each once."""
    labels: list[str] = []
    for label in (name, *aliases):
        folded = fold(label)
        if folded and folded not in labels:
            labels.append(folded)
    return labels


def label_words(labels: Iterable[str]) -> list[str]:
    """The distinct words of folded labels, in order."""
    return list(dict.fromkeys(word for label in labels for word in label.split()))


DIGESTED = 8  # labels of this many characters or more are posted by a digest of as many bytes


def whole_label_key(label: str) -> str | bytes:
    """The posting key of a whole folded label: "=" + the label (no name word holds "="), or for a label
    of DIGESTED characters or more (most: 14 on average) the first DIGESTED bytes of its BLAKE2b digest, a
    blob. The key is only ever compared for equality with a question's; in a store of 3 million such
    labels, two share a digest with a chance of 2.4e-7."""
    if len(label) < DIGESTED:
        return "=" + label
    return hashlib.blake2b(label.encode(), digest_size=DIGESTED).digest()


def in_posting_order(postings: list[tuple]) -> list[tuple]:
    """Name postings (key, mentions, quotes, person_id) as SQLite orders their keys: text, then blobs. Each
    kind sorted on its own, natively (a key function per posting cost 2.7 s of a day's retention at 1M)."""
    return sorted(p for p in postings if type(p[0]) is str) + sorted(p for p in postings if type(p[0]) is not str)


def posting_keys(labels: list[str], words: list[str]) -> list[str | bytes]:
    """What a person is found by: each name word (`label_words(labels)`), and each whole label."""
    return words + [whole_label_key(label) for label in labels]
