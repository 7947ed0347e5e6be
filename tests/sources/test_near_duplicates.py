"""Near-duplicate signatures and the LSH index."""
from __future__ import annotations

import random

import pytest

from bot.sources import near_duplicates as nd
from bot.sources.near_duplicates import NearDuplicateIndex, Signature, signature

VOCABULARY = ("minister council harbour ferry vote budget school storm pier wind farm market hall fire "
              "police court judge trial election party leader talks border army peace deal bank rate "
              "inflation strike union workers hospital nurse doctor river bridge road rail train port "
              "said told announced warned agreed rejected on in at of the a to for with from by after").split()


def story(seed: int, words: int = 300) -> str:
    rng = random.Random(seed)
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        sentences.append(" ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(8, 20))).capitalize() + ".")
    return " ".join(sentences)


def lightly_edited(text: str, seed: int) -> str:
    rng = random.Random(seed)
    sentences = text.split(". ")
    i = rng.randrange(len(sentences) - 1)
    sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]  # two sentences swapped
    edited = ". ".join(sentences)
    return "Update: " + edited + " Copyright 2024 Example Wire. All rights reserved."


def test_signature_bytes_round_trip_and_size():
    sig = signature(story(1))
    data = sig.to_bytes()
    assert len(data) == nd.SIGNATURE_BYTES == 130
    assert Signature.from_bytes(data) == sig
    with pytest.raises(ValueError):
        Signature.from_bytes(data[:-1])


STORED = ("16a2df03a86571c73a29038bccec1d0be66ce43cad9e76003f6208c4d125aa0676dccdf8965a5fbc281ef17fbae10f30d891e2"
          "96e9fcb25e7bc044220d84d6e59f475a4123a3ec04b5667ec8472a108cd9eda24f6bb13413fd74c6d68f38589aa09d69ff242eed"
          "8fb6f17f5348b51fbce81dab7e2f3329b9f21abb7c84de4d400f00")


def test_signature_is_stable_across_runs():
    # Stored signatures must not depend on the process (no use of Python's randomised hash()); a change
    # of this value means SIGNATURE_VERSION must be bumped and stored signatures recomputed.
    text = "The council voted on Thursday to add three evening crossings to the ferry timetable, ending a dispute."
    assert signature(text).to_bytes().hex() == STORED
    assert signature("The council voted on Thursday to add three evening crossings.").to_bytes().hex()[:16] == \
        signature("the COUNCIL voted on thursday, to add three evening crossings").to_bytes().hex()[:16]
    assert signature("x y z w v u t s r q p").values.tolist() == signature("x y z w v u t s r q p").values.tolist()


def test_similarity_estimates():
    a = story(1)
    assert signature(a).similarity(signature(a)) == 1.0
    assert signature(a).similarity(signature(lightly_edited(a, 2))) >= 0.6
    assert signature(a).similarity(signature(story(2))) <= 0.2


def test_index_finds_earlier_near_duplicates_only():
    index = NearDuplicateIndex()
    for i in range(200):
        assert index.add_and_query(i, signature(story(i))) == []
    hits = index.add_and_query("copy-of-17", signature(lightly_edited(story(17), 5)))
    assert [key for key, _ in hits] == [17] and hits[0][1] >= nd.THRESHOLD
    assert index.query(signature(story(17)), exclude=17) == [("copy-of-17", hits[0][1])]
    assert index.query(signature(story(10_000))) == []


def test_short_texts_are_not_compared():
    index = NearDuplicateIndex()
    index.add("short", signature("Breaking news"))
    assert "short" not in index and index.query(signature("Breaking news")) == []


def test_remove_and_replace():
    index = NearDuplicateIndex()
    index.add(1, signature(story(1)))
    index.add(2, signature(story(2)))
    index.remove(1)
    assert index.query(signature(story(1))) == [] and len(index) == 1
    index.add(2, signature(story(3)))  # document 2 updated with another text
    assert index.query(signature(story(2))) == []
    assert [k for k, _ in index.query(signature(story(3)))] == [2]


def test_bulk_load_and_merges_agree_with_incremental(monkeypatch):
    monkeypatch.setattr(nd, "MERGE_EVERY", 64)  # several merges of recent additions into the sorted array
    texts = {i: story(i, 120) for i in range(300)}
    incremental = NearDuplicateIndex()
    for key, text in texts.items():
        incremental.add(key, signature(text))
    loaded = NearDuplicateIndex.from_signatures((key, signature(text).to_bytes()) for key, text in texts.items())
    for probe in (5, 99, 250, 299):
        query = signature(lightly_edited(texts[probe], probe))
        assert incremental.query(query) == loaded.query(query)
        assert incremental.query(query)[0][0] == probe
