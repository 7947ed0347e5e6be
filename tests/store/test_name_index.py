"""The name index reads only some people's postings: it must find exactly whom a full scan would.

The reference below scores every person of the store the way `NameIndex` documents it (mean over
the query words of the best match among the person's name words; the whole query as a label wins
ties, then prominence). Hypothesis asks both about names of a store crowded with shared first
names, near-identical surnames and titles.
"""
import random
import sqlite3
import string
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.extract
from bot import build as store_module
from bot.build import rows as store_rows
from bot.build.merge import MergedPerson
from bot.store.name_index import NameIndex
from bot.store.names import name_tokens
from bot.store.queries import Store

FIRST = ["John", "Joan", "Jon", "Mary", "Maria", "Marie", "Ali", "Li", "Xi", "Anna", "Ann", "Bill", "Billy", "José"]
LAST = ["Smith", "Smyth", "Smithers", "Schmidt", "Blinken", "Blinkin", "Haines", "Hains", "Li", "Lee", "Ng",
        "O'Brien", "Obrien", "Müller", "Mueller", "Warren", "Warden", "Kim"]
TITLES = ["Sen.", "Gov.", "Mr.", "Ms.", "Dr.", "President"]


@pytest.fixture(scope="module")
def crowded(tmp_path_factory) -> Path:
    """A store of 400 people whose names share words, made by the build's own people writer."""
    from tests.store.conftest import stand_in_extract, write_articles

    folder = tmp_path_factory.mktemp("crowded")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bot.extract, "extract", stand_in_extract)
        db = folder / "briefing.db"
        store_module.build(write_articles(folder / "seeds"), db)
    rng = random.Random(5)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("begin")
    first_id = conn.execute("select max(id) from people").fetchone()[0] + 1
    people = []
    for pid in range(first_id, first_id + 400):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        middle = f" {rng.choice(string.ascii_uppercase)}." if rng.random() < 0.4 else ""
        aliases = [last, f"{rng.choice(TITLES)} {last}"] if rng.random() < 0.7 else []
        people.append(MergedPerson(pid, f"{first}{middle} {last}", None, aliases, rng.randint(0, 30), rng.randint(0, 4), 1, 1))
    rows = store_rows.RowWriter(conn)
    words = store_rows.write_people(rows, people)
    rows.flush()
    store_rows.count_name_vocabulary(conn, Counter(), words)
    conn.execute("commit")
    conn.close()
    return db


def reference(db, index: NameIndex, name: str, limit: int) -> list[tuple[int, float]]:
    words = name_tokens(name)[:6]
    if not words:
        return []
    matches = [index.word_matches(word) for word in words]
    conn = sqlite3.connect(db)
    ranked = []
    for pid, name, aliases, mentions, quotes in conn.execute("select id, name, aliases, mentions, quotes from people"):
        labels = store_rows.stored_labels(name, aliases)
        tokens = {t for label in labels for t in label.split()}
        best = [max([0.0, *(m[t] for t in tokens if t in m)]) for m in matches]
        score = sum(best) / len(words)
        ranked.append((score, " ".join(words) in labels, (mentions, quotes, -pid), pid))
    conn.close()
    ranked.sort(reverse=True)
    return [(pid, round(score, 1)) for score, _, _, pid in ranked[:limit] if score >= NameIndex.THRESHOLD]


def names_and_words(db) -> list[str]:
    conn = sqlite3.connect(db)
    names = [r[0] for r in conn.execute("select name from people")]
    names += [alias for (aliases,) in conn.execute("select aliases from people") for alias in aliases.split("\n") if alias]
    conn.close()
    return names


def misspelt(draw, text: str) -> str:
    if not text:
        return text
    i = draw(st.integers(0, len(text) - 1))
    kind = draw(st.sampled_from(["drop", "double", "swap", "change", "keep"]))
    if kind == "drop":
        return text[:i] + text[i + 1:]
    if kind == "double":
        return text[:i] + text[i] + text[i:]
    if kind == "swap" and i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if kind == "change":
        return text[:i] + draw(st.sampled_from(string.ascii_lowercase)) + text[i + 1:]
    return text


@st.composite
def questions(draw, pool: list[str]) -> str:
    words = []
    for _ in range(draw(st.integers(1, 5))):
        source = draw(st.sampled_from(pool)).split()
        word = draw(st.sampled_from(source))
        words.append(misspelt(draw, word) if draw(st.booleans()) else word)
    return " ".join(words)


def test_finds_exactly_whom_a_full_scan_finds(crowded):
    store = Store(crowded)
    index = store._name_index()
    pool = names_and_words(crowded)

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(question=questions(pool), limit=st.sampled_from([1, 2, 5]))
    def check(question, limit):
        found = [(m.id, m.score) for m in store.find_people(question, limit)]
        assert found == reference(crowded, index, question, limit), question

    check()


@pytest.mark.parametrize("name", ["Sen. Warren", "Smith", "John Smith", "jon smyth", "Li", "Mueller", "Müller"])
def test_typical_names_agree_with_the_full_scan(crowded, name):
    store = Store(crowded)
    assert [(m.id, m.score) for m in store.find_people(name, 5)] == reference(crowded, store._name_index(), name, 5)


def test_the_index_holds_words_not_people(crowded):
    index = Store(crowded)._name_index()
    assert "smith" in index.vocabulary and "=john smith" not in index.vocabulary
    assert not hasattr(index, "postings")  # the people behind each word stay in SQLite


# Every posting probed, no candidates gathered; shared postings found by probes only, by walks in step
# only; every word too crowded to gather people (the last ones gather them all the same), or some of them.
@pytest.mark.parametrize("seek_rows, crowded_at", [(0, 250), (1, 250), (10**6, 250), (6, 0), (6, 2)])
def test_probing_or_walking_postings_in_step_finds_the_same_people(crowded, monkeypatch, seek_rows, crowded_at):
    monkeypatch.setattr(NameIndex, "SEEK_ROWS", seek_rows)
    monkeypatch.setattr(NameIndex, "CROWDED", crowded_at)
    store = Store(crowded)
    index = store._name_index()
    pool = names_and_words(crowded)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(question=questions(pool), limit=st.sampled_from([1, 5]))
    def check(question, limit):
        found = [(m.id, m.score) for m in store.find_people(question, limit)]
        assert found == reference(crowded, index, question, limit), question

    check()


def test_only_people_who_can_still_qualify_are_scored(crowded):
    store = Store(crowded)
    index, conn = store._name_index(), store._db()
    matches = [index.word_matches(word) for word in ("john", "smyth")]
    candidates = index._candidates(conn, "john", 100.0, matches, 0)
    johns = {pid for (pid,) in conn.execute("select person_id from name_postings where token = 'john'")}
    smyths = {pid for (pid,) in conn.execute("select person_id from name_postings where token = 'smyth'")}
    assert sorted(pid for _, _, pid in candidates) == sorted(johns & smyths) and len(candidates) < len(johns)


def test_whole_label_keys_short_labels_as_text_long_ones_as_digests():
    from bot.store.names import in_posting_order, whole_label_key

    assert whole_label_key("xi") == "=xi"
    assert whole_label_key("blinken") == "=blinken"  # 7 characters
    key = whole_label_key("anthony blinken")
    assert isinstance(key, bytes) and len(key) == 8
    assert key == whole_label_key("anthony blinken") != whole_label_key("antony blinken")
    postings = [(key, 3, 0, 1), ("blinken", 3, 0, 1), ("=xi", 9, 1, 2)]
    assert in_posting_order(postings) == [("=xi", 9, 1, 2), ("blinken", 3, 0, 1), (key, 3, 0, 1)]
