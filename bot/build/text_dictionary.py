"""The preset dictionary a full build compresses document texts with (see `bot.store.texts`), made from
the store's own first documents.

It holds the words found in many of those documents, each with the space before it, the most useful
last (deflate reaches the end of a dictionary, nearest the text, with the shortest distances). A
word's use is the documents it is in times its length (the bytes a match saves on the word spelt out,
roughly); a word inside one already taken is left out. Words of few documents (a story's own names)
are left out, so that the dictionary describes the news in general and keeps serving the documents
that come after it. Measured on generated stores (`benchmarks.corpus_gen`), the dictionary made from
1,000 documents of other articles than the 1,500 compressed: 2,013 → 1,636 bytes a document (-19 %).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

SAMPLE_DOCUMENTS = 1000  # the first documents of a full build, which the dictionary is made from
REMAKE_GROWTH = 2  # a store grown in place to this many times the documents its dictionary came from...
REMAKE_FLOOR = 25  # (counting at least this many) is built anew, when they were fewer than SAMPLE_DOCUMENTS
DICTIONARY_BYTES = 32 * 1024  # deflate's window: it reaches no further back
MIN_SHARE = 0.01  # of the sample's documents a word must be in (and at least 2)


def outgrown(made_from: int, documents: int) -> bool:
    """Whether a store of `documents` has outgrown a dictionary made from `made_from` documents.

    In-place updates keep the dictionary of the full build, and a bot's store may start with a few
    documents and grow by fetch rounds small enough to be applied in place: from 10 documents a
    dictionary takes 8 % off the texts, from 100 17 %, from 400 and more 19 %. Such a store gets a full
    build instead of an update at 50, 100, 200, … 1,600 documents (each reusing every stored
    extraction, a second or two), which makes the dictionary from the first SAMPLE_DOCUMENTS again."""
    return made_from < SAMPLE_DOCUMENTS and documents >= REMAKE_GROWTH * max(made_from, REMAKE_FLOOR)


def make_dictionary(texts: Iterable[bytes]) -> bytes:
    """The dictionary for a store whose first documents' texts (UTF-8) are `texts`."""
    documents: Counter[bytes] = Counter()
    count = 0
    for text in texts:
        documents.update(set(text.split()))
        count += 1
    least = max(2, round(count * MIN_SHARE))
    ranked = sorted(((n * len(word), b" " + word) for word, n in documents.items() if n >= least), reverse=True)
    chosen: list[bytes] = []
    taken = bytearray()
    size = 0
    for _, word in ranked:
        if size + len(word) > DICTIONARY_BYTES or word in taken:
            continue
        chosen.append(word)
        taken += word + b"\0"
        size += len(word)
    return b"".join(reversed(chosen))
