"""Building briefing.db: contents, atomic swap, no-op rebuilds, skipped files, people merged across documents."""
import sqlite3

import pytest

import bot.extract
from bot.build import build
from bot.build.merge_tables import merge_people
from bot.build.prepare import quote_strength
from bot.models import Person
from bot.store.texts import load_codec, stored_texts

from .conftest import stand_in_extract


def rows(db, sql, *params):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def stored_paragraphs(db) -> dict[tuple[str, int], tuple[int, str]]:
    """(document path, paragraph index) → (start, text), from the compressed text of each document."""
    found = {}
    with sqlite3.connect(db) as conn:
        codec = load_codec(conn)
        path_of = dict(conn.execute("select id, path from documents"))
        for document_id, stored in stored_texts(conn):
            for index, (start, text) in enumerate(codec.decode(stored)):
                found[path_of[document_id], index] = (start, text)
    return found


def test_build_stores_documents_paragraphs_people_quotes_with_provenance(built):
    assert rows(built, "select count(*) from documents") == [(3,)]
    paragraphs = stored_paragraphs(built)
    # Every paragraph is the passage of its document that its offsets name.
    for (path, _), (start, text) in paragraphs.items():
        if path.endswith(".txt"):
            assert (built.parent / "seeds" / path).read_text(encoding="utf-8")[start:start + len(text)] == text
    quotes = rows(built, 'select d.path, q.paragraph, q.start, q."end", q.text from quotes q'
                         " join documents d on d.id = q.document_id")
    assert len(quotes) == 6
    for path, index, start, end, text in quotes:
        assert text is None  # stored once: its span of the paragraph
        assert paragraphs[path, index][1][start - paragraphs[path, index][0]:end - paragraphs[path, index][0]]
    assert rows(built, "select credits from documents where path = 'a_brussels.txt'") == [('["Jane Roe"]',)]
    assert rows(built, "select count(*) from key_points") == [(6,)]
    meta = dict(rows(built, "select key, value from meta"))
    assert {"fingerprint", "built_at", "seed_sum", "extractor_version"} <= set(meta)


def test_people_merge_across_documents_by_name_and_alias(built):
    # "Blinken" alone in the Beijing article joins "Anthony J. Blinken", whose alias it is elsewhere.
    people = dict(rows(built, "select name, mentions from people"))
    assert "Blinken" not in people
    assert people["Anthony J. Blinken"] == 4
    (person_id,) = rows(built, "select id from people where name = 'Anthony J. Blinken'")[0]
    assert rows(built, "select count(*) from quotes where person_id = ?", person_id) == [(2,)]
    assert rows(built, "select count(distinct document_id) from person_documents where person_id = ?"
                       " and length(mentioned) > 0", person_id) == [(2,)]


def test_merge_keeps_ambiguous_short_names_apart():
    doc1 = [Person("John Smith", ["Mr. Smith"], "senator", 3)]
    doc2 = [Person("Will Smith", ["Mr. Smith"], "actor", 2)]
    doc3 = [Person("Smith", [], None, 1)]
    doc4 = [Person("John Smith", [], "Democrat of Washington", 5)]
    merged, ids = merge_people([doc1, doc2, doc3, doc4])
    names = sorted(p.name for p in merged)
    assert names == ["John Smith", "Smith", "Will Smith"]
    john = next(p for p in merged if p.name == "John Smith")
    assert john.mentions == 8 and john.role == "Democrat of Washington"  # role of the most mentions
    assert ids[0]["John Smith"] == ids[3]["John Smith"] == john.id


def test_merge_takes_the_fullest_name_as_canonical():
    merged, _ = merge_people([[Person("Biden", ["President Biden"], "President", 4)],
                              [Person("Joseph R. Biden", ["Biden", "Mr. Biden"], None, 2)]])
    assert [(p.name, p.role, p.mentions) for p in merged] == [("Joseph R. Biden", "President", 6)]
    assert set(merged[0].aliases) == {"Biden", "President Biden", "Mr. Biden"}


def test_unchanged_seed_folder_is_a_no_op(built, seeds):
    before = built.stat()
    report = build(seeds, built)
    assert report.unchanged and report.documents == 3
    assert built.stat().st_ino == before.st_ino and built.stat().st_mtime_ns == before.st_mtime_ns


def test_extractor_version_bump_rebuilds(built, seeds, monkeypatch):
    monkeypatch.setattr(bot.extract, "EXTRACTOR_VERSION", "test-bump", raising=False)
    report = build(seeds, built)
    assert not report.unchanged and report.reused == 0


def test_changed_folder_rebuilds_and_reuses_unchanged_extractions(built, seeds, monkeypatch):
    calls = []
    monkeypatch.setattr(bot.extract, "extract", lambda document: calls.append(document.path) or stand_in_extract(document))
    (seeds / "d_new.txt").write_text("Ministers meet again\n\nAvril D. Haines spoke in Kyiv on Friday.\n", encoding="utf-8")
    report = build(seeds, built)
    assert not report.unchanged
    assert report.documents == 4 and report.reused == 3
    assert [p.rsplit("/", 1)[-1] for p in calls] == ["d_new.txt"]
    assert rows(built, "select mentions from people where name = 'Avril D. Haines'") == [(3,)]


def test_unreadable_files_are_skipped_with_reasons(seeds, tmp_path, stand_in_extractor):
    (seeds / "latin1.txt").write_bytes("Caf\xe9\n\nText".encode("latin-1"))
    (seeds / "binary.txt").write_bytes(b"\x00\x01\x02")
    (seeds / "empty.md").write_bytes(b"")
    (seeds / ".gitkeep").write_bytes(b"")  # hidden files are not seeds at all
    report = build(seeds, tmp_path / "briefing.db")
    assert report.documents == 3
    reasons = {s.path.rsplit("/", 1)[-1]: s.reason for s in report.skipped}
    assert set(reasons) == {"latin1.txt", "binary.txt", "empty.md"}
    assert "not UTF-8" in reasons["latin1.txt"] and "binary" in reasons["binary.txt"] and "empty" in reasons["empty.md"]
    assert build(seeds, tmp_path / "briefing.db").skipped == report.skipped  # a no-op still tells


def test_failed_build_leaves_the_old_store_serving(built, seeds, monkeypatch):
    from bot.store.queries import Store

    store = Store(built)
    before = built.read_bytes()

    def failing(document):
        if document.path.endswith("c_envoy.html"):
            raise RuntimeError("extractor crashed")
        return stand_in_extract(document)

    monkeypatch.setattr(bot.extract, "extract", failing)
    monkeypatch.setattr(bot.extract, "EXTRACTOR_VERSION", "forces-a-rebuild", raising=False)
    with pytest.raises(RuntimeError, match="extractor crashed"):
        build(seeds, built)
    assert built.read_bytes() == before
    assert [p.name for p in built.parent.iterdir() if p.name.startswith(".")] == []  # no temp file left
    assert store.find_people("blinken")[0].name == "Anthony J. Blinken"


def test_open_reader_keeps_its_snapshot_until_it_sees_the_swap(built, seeds):
    """A full build writes a new file: a connection to the old one reads the old store."""
    from bot.store.queries import Store

    store = Store(built)
    assert store.summary()["documents"] == 3
    old = sqlite3.connect(f"file:{built}?mode=ro", uri=True)
    (seeds / "d_new.txt").write_text("Another day\n\nLi Hui went to Paris.\n", encoding="utf-8")
    build(seeds, built, incremental=False)
    assert old.execute("select count(*) from documents").fetchone() == (3,)  # the old file is intact
    assert store.summary()["documents"] == 4  # the Store noticed the new file
    old.close()


def test_open_reader_keeps_its_snapshot_during_an_incremental_build(built, seeds):
    """An incremental build commits to the same file (WAL): a reader inside a transaction keeps its
    snapshot, and the Store sees the new documents, counts and names at its next question."""
    from bot.store.queries import Store

    store = Store(built)
    assert store.summary()["documents"] == 3 and store.find_people("Ivan Brodsky") == []
    inode = built.stat().st_ino
    old = sqlite3.connect(f"file:{built}?mode=ro", uri=True, isolation_level=None)
    old.execute("begin")
    assert old.execute("select count(*) from documents").fetchone() == (3,)
    (seeds / "d_new.txt").write_text("Another day\n\nMayor Ivan Brodsky opened a bridge, Li Hui said.\n",
                                     encoding="utf-8")
    import tests.store.conftest as conftest
    conftest.LEXICON["Ivan Brodsky"] = ([], "Mayor")
    try:
        report = build(seeds, built)
    finally:
        del conftest.LEXICON["Ivan Brodsky"]
    assert built.stat().st_ino == inode  # updated in place, not swapped
    assert report.documents == 4 and report.reused == 3
    assert old.execute("select count(*) from documents").fetchone() == (3,)  # its snapshot
    old.execute("commit")
    assert old.execute("select count(*) from documents").fetchone() == (4,)
    old.close()
    assert store.summary()["documents"] == 4  # the Store noticed the update
    assert store.find_people("Ivan Brodsky")[0].name == "Ivan Brodsky"  # and rebuilt its name index


def test_progress_is_reported_for_every_file(seeds, tmp_path, stand_in_extractor):
    seen = []
    build(seeds, tmp_path / "briefing.db", progress=lambda done, total, path: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_fragments_are_weaker_than_sentences():
    assert quote_strength("just and lasting") < quote_strength("We will stand with Ukraine for as long as it takes")
    assert quote_strength("Stalled") < quote_strength("no limits at all now")


def test_missing_seed_folder_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        build(tmp_path / "nope", tmp_path / "briefing.db")


def test_what_is_refused_is_listed_by_a_no_op_too(built, seeds, tmp_path, monkeypatch):
    """An unchanged folder is told by its digest without being listed; what the last listing refused
    (a link, here) is still said."""
    import bot.build.seed_records as seed_records

    (seeds / "elsewhere.txt").symlink_to(tmp_path / "nowhere.txt")
    now = seed_records.time.time_ns
    monkeypatch.setattr(seed_records.time, "time_ns", lambda: now() + 10 ** 12)  # every stat old enough to trust
    listed = build(seeds, built)
    assert [s.path.rsplit("/", 1)[-1] for s in listed.skipped] == ["elsewhere.txt"]
    surveyed = []
    real = seed_records.survey_folder
    monkeypatch.setattr(seed_records, "survey_folder", lambda folder: surveyed.append(folder) or real(folder))
    again = build(seeds, built)
    assert again.unchanged and surveyed == [] and again.skipped == listed.skipped
