"""Document texts as stored: compressed with the store's preset dictionary (made by the full build from
its first documents, used unchanged in place), paragraphs kept as lengths and gaps."""
from __future__ import annotations

import sqlite3
import zlib

import pytest

import bot.build.rows as rows
import bot.build.text_dictionary as text_dictionary
import bot.extract
from bot.build import build
from bot.build.text_dictionary import DICTIONARY_BYTES, make_dictionary
from bot.store.queries import Store
from bot.store.texts import (
    PARTS,
    TEXT_PART,
    TextCodec,
    delete_texts,
    load_codec,
    stored_text,
    stored_texts,
    text_rows,
)

from .test_incremental import scripted_extract, story

PARAGRAPHS = [
    [],
    [(0, "One paragraph.")],
    [(2, "Starts after a blank line."), (30, "Two apart."), (41, "One apart."), (60, "Far."), (64, "")],
    [(0, "Żółć i „cytat”: 42 €."), (23, "Ünïcödé 🙂 and the rest of the story, said the minister.")],
]


@pytest.mark.parametrize("dictionary", [b"", b" minister said the story of"])
@pytest.mark.parametrize("paragraphs", PARAGRAPHS)
def test_paragraphs_come_back_as_they_went_in(paragraphs, dictionary):
    codec = TextCodec(dictionary)
    assert codec.decode(codec.encode(paragraphs)) == paragraphs


def test_spans_are_lengths_with_a_gap_only_where_it_is_not_the_usual_two():
    codec = TextCodec(b"")
    stored = codec.encode([(0, "a" * 105), (107, "b" * 218), (327, "c" * 287), (617, "d" * 125)])
    spans = bytes([4, 211, 1, 0, 180, 3, 190, 4, 251, 1, 3])  # 4; 105×2+1, gap 0; 218×2; 287×2; 125×2+1, gap 3
    assert stored == spans + codec.compress(b"a" * 105 + b"b" * 218 + b"c" * 287 + b"d" * 125)


@pytest.mark.parametrize("size", [0, 1, TEXT_PART, TEXT_PART + 1, 5 * TEXT_PART - 3, PARTS * TEXT_PART * 3 + 7])
def test_a_stored_text_is_kept_in_parts_of_at_most_text_part_bytes_but_the_last_of_parts(size):
    stored = bytes(range(256)) * (size // 256) + bytes(size % 256)
    rows = text_rows(12, stored)
    assert [rowid for rowid, _ in rows] == list(range(12 * PARTS, 12 * PARTS + len(rows)))
    assert b"".join(part for _, part in rows) == stored
    assert len(rows) == min(PARTS, max(1, -(-size // TEXT_PART)))
    assert max(len(part) for _, part in rows) - min(len(part) for _, part in rows) < len(rows)  # about equal
    assert len(rows) == PARTS or all(len(part) <= TEXT_PART for _, part in rows)
    conn = sqlite3.connect(":memory:")
    conn.execute("create table document_texts (id integer primary key, text blob)")
    conn.executemany("insert into document_texts values (?, ?)", rows + text_rows(11, b"x" * 3000) + text_rows(13, b"y"))
    assert stored_text(conn, 12) == stored and stored_text(conn, 14) == b""
    assert [(document_id, len(text)) for document_id, text in stored_texts(conn)] == [(11, 3000), (12, size), (13, 1)]
    delete_texts(conn, [12])
    assert stored_text(conn, 12) == b"" and stored_text(conn, 11) == b"x" * 3000


def test_a_dictionary_of_the_texts_words_makes_them_smaller():
    texts = [f"The minister said on {day} that the government would respond to the report. "
             f"Officials in the capital declined to comment on document {n}.".encode()
             for n, day in enumerate(["Monday", "Tuesday", "Friday"] * 40)]
    dictionary = make_dictionary(texts)
    assert b" minister" in dictionary and b" government" in dictionary
    assert b" 7." not in dictionary  # in one document only
    plain, primed = TextCodec(b""), TextCodec(dictionary)
    assert sum(map(len, map(primed.compress, texts))) < 0.8 * sum(map(len, map(plain.compress, texts)))


def test_the_dictionary_keeps_within_deflates_window_with_the_most_used_words_last():
    words = [f" word{n:05d}{'x' * (n % 7)}" for n in range(8000)]
    texts = ["".join(words[n::3]).encode() for n in range(3)] * 2 + [" common common".encode()] * 6
    dictionary = make_dictionary(texts)
    assert 0 < len(dictionary) <= DICTIONARY_BYTES
    assert dictionary.endswith(b" common")  # in every document: the most useful
    assert make_dictionary(texts) == dictionary


@pytest.fixture
def built(tmp_path, monkeypatch) -> tuple:
    """A store of four scripted stories, fully built."""
    monkeypatch.setattr(bot.extract, "extract", scripted_extract)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text(story("Senate", "John Smith|Mr. Smith|senator|3", quote=("We will vote", "John Smith")))
    (seeds / "b.txt").write_text(story("Hearing", "John Smith||senator|2", quote=("No comment", "John Smith")))
    (seeds / "c.txt").write_text(story("City", "Ann Lee|Ms. Lee|mayor|4", quote=("The bridge opens", "Ann Lee")))
    (seeds / "d.txt").write_text(story("Other", "Bo Chan||coach|2", quote=("We will win", "Bo Chan")))
    db = tmp_path / "briefing.db"
    build(seeds, db)
    return seeds, db


def stored_dictionary(db) -> bytes:
    with sqlite3.connect(db) as conn:
        return conn.execute("select dictionary from text_dictionary").fetchone()[0]


def test_a_full_build_makes_its_dictionary_from_its_first_documents(built, tmp_path, monkeypatch):
    seeds, _ = built
    monkeypatch.setattr(rows, "SAMPLE_DOCUMENTS", 2)
    db = tmp_path / "two.db"
    build(seeds, db, incremental=False, workers=1)
    conn = sqlite3.connect(db)
    codec = load_codec(conn)
    first_two = [b"".join(text.encode() for _, text in codec.decode(stored_text(conn, document_id)))
                 for document_id, in conn.execute("select id from documents order by path limit 2")]
    conn.close()
    assert codec.dictionary == make_dictionary(first_two) != b""
    assert build(seeds, db).unchanged


def test_texts_are_compressed_with_the_dictionary_and_read_only_with_it(built):
    _, db = built
    dictionary = stored_dictionary(db)
    assert dictionary
    with sqlite3.connect(db) as conn:
        stored = next(stored_texts(conn))[1]
    codec = TextCodec(dictionary)
    paragraphs = codec.decode(stored)
    compressed = codec.compress("".join(text for _, text in paragraphs).encode())
    assert paragraphs[0][1] and stored.endswith(compressed)
    with pytest.raises(zlib.error):
        zlib.decompressobj(-15).decompress(compressed)  # raw deflate that refers to the dictionary


def test_an_update_in_place_reads_and_writes_with_the_full_builds_dictionary(built):
    seeds, db = built
    dictionary = stored_dictionary(db)
    (seeds / "e.txt").write_text(story("Harbour", "Ann Lee|Ms. Lee|mayor|2", quote=("The harbour reopens", "Ann Lee")))
    (seeds / "b.txt").unlink()
    inode = db.stat().st_ino
    build(seeds, db)
    assert db.stat().st_ino == inode  # in place
    assert stored_dictionary(db) == dictionary
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from text_dictionary").fetchone() == (1,)
        stored = stored_text(conn, conn.execute("select id from documents where path = 'e.txt'").fetchone()[0])
    assert any("The harbour reopens" in text for _, text in TextCodec(dictionary).decode(stored))
    store = Store(db)
    hits, _ = store.quotes_about("harbour")
    assert [hit.text for hit in hits] == ["The harbour reopens"]
    store.close()


def test_a_store_grown_in_place_well_past_its_dictionarys_documents_is_built_anew(built, monkeypatch):
    seeds, db = built  # its dictionary made from its 4 documents
    monkeypatch.setattr(text_dictionary, "REMAKE_FLOOR", 3)
    with sqlite3.connect(db) as conn:
        assert conn.execute("select value from meta where key = 'dictionary_documents'").fetchone() == ("4",)
    for n, name in enumerate(["e", "f", "g", "h"]):
        inode = db.stat().st_ino
        (seeds / f"{name}.txt").write_text(story(f"Round {n}", "Ann Lee|Ms. Lee|mayor|1", quote=(f"Round {n}", "Ann Lee")))
        build(seeds, db)
        assert db.stat().st_ino == inode  # in place while the store holds fewer than twice 4 documents
    (seeds / "i.txt").write_text(story("Round 4", "Bo Chan||coach|1"))
    build(seeds, db)  # 8 documents: a full build, its dictionary made from all 9
    assert db.stat().st_ino != inode
    with sqlite3.connect(db) as conn:
        assert conn.execute("select value from meta where key = 'dictionary_documents'").fetchone() == ("9",)
    assert build(seeds, db).unchanged
