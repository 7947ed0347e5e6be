"""Reported speech in the store: kept apart from quotations (`statements`), with the confidence of every
attribution; rebuilt from the store's rows by the extraction cache exactly as extraction found it; and
replaced with its document, in place as in a clean build."""
from __future__ import annotations

import sqlite3

import pytest

import bot.extract
from bot.build import build
from bot.build.extraction_cache import stored_extraction
from bot.documents import read_seed
from bot.store.queries import Store
from bot.store.texts import load_codec
from tests.reported_articles import (
    AUTHORITY_REPORTED,
    HARBOUR_PATH,
    QUELL_QUOTE,
    QUELL_REPORTED,
    SEED,
    write_seeds,
)
from tests.store.test_incremental import assert_same_store, clean_build


@pytest.fixture
def seeds(tmp_path):
    return write_seeds(tmp_path / "seeds")


def rows(db, sql, *params):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def attribution(quote) -> tuple:
    """What the store keeps of a quotation or statement (all but its evidence)."""
    return (quote.text, quote.start, quote.end, quote.speaker, quote.paragraph, quote.kind, quote.confidence,
            quote.cue, quote.cue_start, quote.cue_end)


def test_reported_speech_is_stored_apart_from_quotations(seeds, tmp_path):
    db = tmp_path / "briefing.db"
    build(seeds, db)
    store = Store(db)
    quell = store.find_people("marta quell")[0].id
    quotes, total = store.quotes_by(quell)
    assert total == 1 and [q.text for q in quotes] == [QUELL_QUOTE + ","] and quotes[0].confidence == 0.98
    statements = rows(db, "select s.mixed, s.confidence, p.name, s.text is null from statements s"
                          " join documents d on d.id = s.document_id left join people p on p.id = s.person_id"
                          f" where d.path = '{HARBOUR_PATH}' order by s.n")
    # The authority's statement names nobody; Ms. Quell's is hers; none is among the quotations, and none
    # repeats its text (each is its span of the paragraph).
    assert statements == [(0, 83, None, 1), (0, 94, "Marta Quell", 1)]
    assert rows(db, "select count(*) from quotes q join statements s on s.document_id = q.document_id"
                    " and s.start = q.start") == [(0,)]
    people = dict(rows(db, "select name, statements from people"))
    assert people["Marta Quell"] == 1 and people["Tom Brice"] == 0
    assert people["Avril D. Haines"] == 2  # the seed article: "Ms. Haines said …" twice


def test_the_extraction_cache_gives_back_what_extraction_found(seeds, tmp_path):
    db = tmp_path / "briefing.db"
    build(seeds, db)
    conn = sqlite3.connect(db)
    try:
        for rel in (HARBOUR_PATH, SEED.name):
            (document_id,) = conn.execute("select id from documents where path = ?", (rel,)).fetchone()
            stored = stored_extraction(conn, load_codec(conn), document_id)
            fresh = bot.extract.extract(read_seed(seeds, rel)[0])
            assert fresh.reported and stored.reported
            assert [attribution(q) for q in stored.reported] == [attribution(q) for q in fresh.reported]
            assert [attribution(q)[:7] for q in stored.quotes] == [attribution(q)[:7] for q in fresh.quotes]
    finally:
        conn.close()


def test_a_rebuild_reusing_the_stored_extractions_equals_a_fresh_build(seeds, tmp_path, monkeypatch):
    db = tmp_path / "briefing.db"
    build(seeds, db)
    (seeds / "late.txt").write_text("Harbour works begin\n\nMarta Quell said the cranes would arrive on Monday.\n",
                                    encoding="utf-8")
    extract = bot.extract.extract
    monkeypatch.setattr(bot.extract, "extract", lambda document: extract(document) if document.path.endswith(
        "late.txt") else pytest.fail(f"{document.path} extracted again"))
    report = build(seeds, db, incremental=False)  # a new file: the unchanged ones come from the cache
    assert report.reused == 2 and report.documents == 3
    monkeypatch.undo()
    assert rows(db, "select count(*) from statements s join people p on p.id = s.person_id"
                    " where p.name = 'Marta Quell'") == [(2,)]
    assert_same_store(db, clean_build(seeds, tmp_path))


def test_a_changed_document_replaces_its_statements(seeds, tmp_path):
    db = tmp_path / "briefing.db"
    build(seeds, db)
    harbour = seeds / HARBOUR_PATH
    harbour.write_text(harbour.read_text(encoding="utf-8").replace(
        "the work would cost about four million pounds", "the work would cost about nine million pounds"),
        encoding="utf-8")
    inode = db.stat().st_ino
    build(seeds, db)
    assert db.stat().st_ino == inode  # updated in place
    store = Store(db)
    quell = store.find_people("marta quell")[0].id
    statements, total = store.statements_by(quell)
    assert total == 1 and [s.text for s in statements] == [QUELL_REPORTED.replace("four", "nine")]
    assert statements[0].source.outlet == "Coast Wire" and not statements[0].mixed
    assert_same_store(db, clean_build(seeds, tmp_path))
    harbour.unlink()
    build(seeds, db)
    assert rows(db, "select count(*) from statements where text = ? or start = ?", AUTHORITY_REPORTED, 252) == [(0,)]
    assert Store(db).find_people("marta quell") == []
    assert_same_store(db, clean_build(seeds, tmp_path))
