"""Retired documents: many gone at once leave every answer when the build commits, and their rows
with the purge, after which the store is what a clean build of the remaining files gives."""
import asyncio
import sqlite3
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

import bot.build.in_place as in_place
from bot.build import build
from bot.build.purge import pending, purge_all, purge_slice
from bot.build.retention import drop_documents_before
from bot.store.queries import Store
from bot.store.trends import topic_series

from .test_incremental import SEARCHES, assert_same_store, clean_build, synthetic  # noqa: F401 - a fixture

UTC = ZoneInfo("UTC")


@pytest.fixture
def retiring(monkeypatch):
    """Builds retire whatever takes out more than 3 documents outright."""
    monkeypatch.setattr(in_place, "PURGE_SLICE", 3)


def rows(db, sql, *params):
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def raw(db) -> dict[str, list]:
    """Every row of every table (the search indexes' own tables included), as stored."""
    tables = [t for (t,) in rows(db, "select name from sqlite_master where type = 'table' and sql not like 'create virtual%'")]
    return {table: sorted(rows(db, f'select * from "{table}"'), key=repr) for table in tables}


def cutoff_of(db, share: int = 3) -> int:
    dates = sorted(d for (d,) in rows(db, "select sort_date from documents"))
    return dates[len(dates) // share]


def answers(store: Store, names: list[str]) -> dict:
    """What a chat sees of the documents: every one listed, briefed and searched, by content; and the
    documents of each person's quotations, statements, mentions and card. (Who is who, names and
    counts, is the merge of every document the store holds, retired ones included until purged.)"""
    count = store.summary()["documents"]
    first, last = (date.fromtimestamp(d) for d in store.read("select min(sort_date), max(sort_date) from documents")[0])
    days = [first + timedelta(days=n) for n in range(-1, (last - first).days + 2)]
    seen = {
        "summary": {k: v for k, v in store.summary().items() if k not in ("built_at", "people")},
        "sources": [(s.document_id, s.title) for s in store.sources()],
        "briefs": [],
        "search": {word: sorted((h.source.document_id, h.source.paragraph) for h in store.search(word, limit=1000)[0])
                   for word in SEARCHES},
        "topics": {word: topic_series(store, [word], days, UTC).counts for word in SEARCHES},
        "people": {},
    }
    for n in range(1, count + 2):
        brief = store.brief(n)
        seen["briefs"].append(brief and (brief.document_id, brief.key_points, [q.text for q in brief.quotes],
                                         [c.document_id for c in brief.also]))
    for name in names:
        found = store.find_people(name, 1)
        if not found or found[0].name != name:
            continue
        person = found[0].id
        seen["people"][name] = (
            {q.source.document_id for q in store.quotes_by(person, 0, 1000)[0]}
            | {s.source.document_id for s in store.statements_by(person, 0, 1000)[0]}
            | {h.source.document_id for h in store.mentions(person, 0, 1000)[0]}
            | {d.document_id for d in store.person_card(person, document_limit=1000).documents})
    return seen


def test_documents_retired_leave_every_answer_at_once_and_their_rows_with_the_purge(synthetic, tmp_path, retiring):  # noqa: F811
    db = tmp_path / "briefing.db"
    build(synthetic, db, workers=1)
    cutoff = cutoff_of(db)
    old = {i for (i,) in rows(db, "select id from documents where sort_date < ?", cutoff)}
    assert len(old) > 3
    # The people of the documents that go, who are named in others too: their answers change.
    names = [n for (n,) in rows(db, "select p.name from people p where exists (select 1 from person_documents pd"
                                    " where pd.person_id = p.id and pd.document_id in (select value from json_each(?)))"
                                    " order by p.mentions desc limit 12", str(sorted(old)))]
    store = Store(db)
    before = answers(store, names)
    assert any(d in old for hits in before["search"].values() for d, _ in hits)  # the test can fail
    assert sum(sum(counts) for counts in before["topics"].values()) > 0

    report = drop_documents_before(synthetic, db, cutoff)
    assert pending(db) == len(old) and report.documents == len(before["sources"]) - len(old)
    retired = answers(store, names)
    version = store.version
    assert not any(d in old for d, _ in retired["sources"])
    assert not any(d in old for hits in retired["search"].values() for d, _ in hits)
    assert any(documents & old for documents in before["people"].values())
    assert not any(documents & old for documents in retired["people"].values())

    assert purge_all(db) == len(old)
    assert pending(db) == 0 and not rows(db, "select 1 from sqlite_master where name = 'retired_documents'")
    assert store.version != version  # caches keyed by the store's version see the purge
    # What the answers said of the documents was already what it is once the rows are gone.
    purged = answers(store, names)
    assert {k: v for k, v in purged.items() if k != "people"} == {k: v for k, v in retired.items() if k != "people"}
    assert_same_store(db, clean_build(synthetic, tmp_path))
    assert build(synthetic, db).unchanged


def test_counts_kept_per_person_are_exact_after_each_slice_of_the_purge(synthetic, tmp_path, retiring):  # noqa: F811
    db = tmp_path / "briefing.db"
    build(synthetic, db, workers=1)
    drop_documents_before(synthetic, db, cutoff_of(db, 2))
    waiting = pending(db)
    people_before = rows(db, "select count(*) from people")[0][0]
    left = purge_slice(db, 4)
    assert left == waiting - 4
    # The people named only in the purged documents are gone, and meta counts them as the table does.
    store = Store(db)
    assert store.summary()["people"] == rows(db, "select count(*) from people")[0][0] <= people_before
    while left:
        left = purge_slice(db, 4)
    assert_same_store(db, clean_build(synthetic, tmp_path))


def test_a_file_back_at_a_retired_path_before_the_purge_is_a_document_again(synthetic, tmp_path, retiring):  # noqa: F811
    db = tmp_path / "briefing.db"
    build(synthetic, db, workers=1)
    cutoff = cutoff_of(db)
    (path,) = rows(db, "select path from documents where sort_date < ? order by sort_date limit 1", cutoff)[0]
    text = (synthetic / path).read_bytes()
    drop_documents_before(synthetic, db, cutoff)
    (synthetic / path).write_bytes(text)
    report = build(synthetic, db, changed=[path])
    assert pending(db) > 0 and rows(db, "select count(*) from documents where path = ?", path) == [(1,)]
    purge_all(db)
    assert rows(db, "select count(*) from documents where path = ?", path) == [(1,)]
    assert report.documents == Store(db).summary()["documents"]
    assert_same_store(db, clean_build(synthetic, tmp_path))


def test_a_purge_that_fails_midway_changes_nothing_and_the_next_one_finishes(synthetic, tmp_path, retiring, monkeypatch):  # noqa: F811
    db = tmp_path / "briefing.db"
    build(synthetic, db, workers=1)
    drop_documents_before(synthetic, db, cutoff_of(db))
    before, waiting = raw(db), pending(db)

    def failing(*args):  # after the slice's rows are deleted: a late failure
        raise OSError("disk full")

    monkeypatch.setattr(in_place, "update_shares", failing)
    with pytest.raises(OSError, match="disk full"):
        purge_slice(db)
    assert raw(db) == before and pending(db) == waiting
    monkeypatch.undo()
    assert purge_all(db) == waiting
    assert_same_store(db, clean_build(synthetic, tmp_path))


def test_the_bots_purge_takes_every_slice_under_its_build_lock(synthetic, tmp_path, retiring, monkeypatch):  # noqa: F811
    import handlers.upkeep as upkeep

    db = tmp_path / "briefing.db"
    build(synthetic, db, workers=1)
    drop_documents_before(synthetic, db, cutoff_of(db))
    waiting = pending(db)
    lock = asyncio.Lock()
    held = []

    def slice_(path):
        held.append(lock.locked())
        return purge_slice(path, 2)

    monkeypatch.setattr(upkeep, "purge_slice", slice_)
    purge = upkeep.RetiredPurge(db, lock)
    assert asyncio.run(purge.run()) == waiting
    assert len(held) == (waiting + 1) // 2 and all(held)
    assert pending(db) == 0 and asyncio.run(purge.run()) == 0


def test_briefbot_build_and_prune_purge_what_they_retired_before_they_return(synthetic, tmp_path, retiring, capsys):  # noqa: F811
    from bot.frontends import cli

    db = tmp_path / "briefing.db"
    build(synthetic, db, workers=1)
    files = sorted(synthetic.iterdir())
    for path in files[:6]:  # deleted by hand: the next build retires them
        path.unlink()
    assert cli.main(["build", "--seeds", str(synthetic), "--db", str(db)]) == 0
    out, err = capsys.readouterr()
    assert "purging retired documents: 6/6" in err and pending(db) == 0
    people = Store(db).summary()["people"]
    assert f"{len(files) - 6} documents, {people} people" in out
    assert people == rows(db, "select count(*) from people")[0][0]

    import time
    days = int((time.time() - cutoff_of(db)) / 86_400)
    old = len(rows(db, "select 1 from documents where sort_date < ?", int(time.time() - days * 86_400)))
    assert old > 3
    assert cli.main(["prune", str(days), "--seeds", str(synthetic), "--db", str(db)]) == 0
    out, err = capsys.readouterr()
    assert f"purging retired documents: {old}/{old}" in err and pending(db) == 0
    assert f"{len(files) - 6 - old} documents left" in out
    assert_same_store(db, clean_build(synthetic, tmp_path))
