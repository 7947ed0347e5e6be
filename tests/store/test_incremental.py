"""Incremental builds (a few changed files updated in place) and the worker pool give the very store a
clean build gives; a failing incremental build leaves the store as it was."""
from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

import bot.build.affected_people as affected_people
import bot.build.in_place as in_place
import bot.build.search_segments as search_segments
import bot.build.seed_records as seed_records
import bot.build.workers as workers
import bot.extract
from bot.build import build
from bot.models import Document, Extraction, KeyPoint, Person, Quote
from bot.store.queries import Store
from bot.store.schema import SEARCH_TABLES, packed_tables
from bot.store.texts import load_codec, stored_texts

SYNTHETIC = Path(__file__).resolve().parents[2] / "benchmarks" / "work" / "seeds-1000-s7"
SEARCHES = ["minister", "said", "election", "war", "president", "talks", "we"]


def canonical(db: Path) -> dict[str, list]:
    """Every table of the store with ids replaced by what they stand for (paths, names), sorted.

    Ids differ between an incremental and a clean build (an update keeps the ids it can), so tables
    are compared by content, FTS indexes entry by entry (term, row's path and place, offset). Left
    out: stats of files and the scan's digest (they record when a file was looked at), and the
    counts of words in the newest rows (search_shares: which rows are newest follows each store's own
    numbering; tests/store/test_search_shares.py checks them against a count of that store's rows), and
    the compression dictionary and how many documents it came from (texts are compared decompressed)."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    person = "(select name from people where id = t.person_id)"
    path = "(select path from documents where id = t.document_id)"
    name = "(select name from names where id = t.name_id)"
    queries = {
        "documents": "select path, title, sha256, published, credits, added_at, sort_date, words, paragraphs, people,"
                     " quotes, url, outlet, author from documents",
        # Stories by what they group: each document's path with its story's first document's path.
        "stories": f"select {path}, (select path from documents where id = t.story), signature from stories t",
        "story_bands": f"select band, {path} from story_bands t",
        # Positions are consecutive from the oldest document; where they start is the store's own.
        "document_order": "select o.position - (select min(position) from document_order), d.path"
                          " from document_order o join documents d on d.id = o.document_id",
        "skipped_files": "select path, sha256, reason from skipped_files",
        "people": "select name, role, aliases, mentions, quotes, paragraphs, statements from people",
        "name_postings": f"select token, mentions, quotes, {person} from name_postings t",
        "name_vocabulary": "select token, people from name_vocabulary",
        "person_documents": f"select {path}, ord, {person}, {name}, aliases, role, mentions, paragraphs, first_paragraph,"
                            " sort_date, mentioned from person_documents t",
        "quotes": f'select {path}, ord, {person}, paragraph, start, "end", words, strength, text, speaker, confidence'
                  " from quotes t",
        "statements": f'select {path}, n, ord, {person}, paragraph, start, "end", mixed, confidence, cue_start, cue_end,'
                      " sort_date, text, speaker from statements t",
        "key_points": f'select {path}, rank, paragraph, kind, start, "end", score, text from key_points t',
        "names": "select name, records, mentions, quotes, paragraphs, statements from names",
        "name_roles": f"select {name}, role, mentions, records from name_roles t",
        "name_aliases": f"select {name}, alias, records from name_aliases t",
        "claims": f"select alias_key, {name}, records from claims t",
        # Each key's names by what they are (their ids differ).
        "name_groups": f"select key, target, {person}, (select group_concat(name, '|') from (select n.name from names n"
                       " join json_each('[' || t.names || ']') j on j.value = n.id order by n.name)) from name_groups t",
        "meta": "select key, value from meta where key not in ('built_at', 'scan_digest', 'dictionary_documents', 'purges')",
    }
    tables = {name: sorted(conn.execute(sql).fetchall(), key=repr) for name, sql in queries.items()}
    # Texts by what they say: each store compresses them with its own dictionary.
    codec = load_codec(conn)
    path_of = dict(conn.execute("select id, path from documents"))
    tables["document_texts"] = sorted(((path_of[document_id], codec.decode(stored))
                                       for document_id, stored in stored_texts(conn)), key=repr)
    places = {
        # A row of an index named by its document's path and its place in it (not by its rowid).
        "paragraphs": "select d.path, :row - d.first_paragraph from documents d"
                      " where :row between d.first_paragraph and d.first_paragraph + d.paragraphs - 1",
        "quotes": "select d.path, t.start from quotes t join documents d on d.id = t.document_id where t.id = :row",
    }
    for table, place in places.items():
        def named(rowid: int, place=place) -> tuple:
            return conn.execute(place, {"row": rowid}).fetchone()

        conn.execute(f"create virtual table temp.{table}_words using fts5vocab(main, {table}_fts, instance)")
        tables[f"{table}_fts"] = sorted((term, *named(doc), offset) for term, doc, offset in conn.execute(
            f"select term, doc, offset from temp.{table}_words").fetchall())
        tables[f"{table}_fts_rows"] = conn.execute(f"select count(*) from {table}_fts_docsize").fetchall()
        tables[f"{table}_search"] = [(word, sorted(named(rowid) for (rowid,) in conn.execute(
            f"select rowid from {table}_fts where {table}_fts match ?", (word,)).fetchall())) for word in SEARCHES]
    conn.close()
    return tables


def assert_same_store(db: Path, clean: Path) -> None:
    got, want = canonical(db), canonical(clean)
    for table in want:
        assert got[table] == want[table], table


def clean_build(seeds: Path, tmp_path: Path) -> Path:
    db = tmp_path / "clean" / "briefing.db"
    db.parent.mkdir(exist_ok=True)
    report = build(seeds, db, incremental=False, workers=1)
    assert not report.unchanged
    return db


# ---- a scripted extractor: people and quotes written into the text, for tricky merges --------------

PERSON = re.compile(r"^@(?P<name>[^|\n]+)\|(?P<aliases>[^|\n]*)\|(?P<role>[^|\n]*)\|(?P<mentions>\d+)$", re.M)
QUOTE = re.compile(r"“([^”]+)” (?:said )?(?P<speaker>[^.\n]*)\.")
REPORTED = re.compile(r"^(?P<speaker>[^@“\n][^\n]*?) (?P<cue>said) that (?P<clause>[^\n]+)\.$", re.M)


def scripted_extract(document: Document) -> Extraction:
    """Lines `@Name|alias;alias|role|mentions` are people (spans: the line); `“…” said Name.` are quotes;
    `Name said that … .` report what Name said."""
    people = [Person(m["name"], [a for a in m["aliases"].split(";") if a], m["role"] or None, int(m["mentions"]),
                     [m.span("name")]) for m in PERSON.finditer(document.text)]
    quotes = []
    for m in QUOTE.finditer(document.text):
        paragraph = next(p.index for p in document.paragraphs if p.start <= m.start() < p.end)
        quotes.append(Quote(m.group(1), m.start(1), m.end(1), m["speaker"] or None, paragraph, confidence=0.96))
    reported = []
    for m in REPORTED.finditer(document.text):
        paragraph = next(p.index for p in document.paragraphs if p.start <= m.start() < p.end)
        reported.append(Quote(m["clause"], m.start("clause"), m.end("clause"), m["speaker"], paragraph,
                              kind="mixed" if "“" in m["clause"] else "indirect", confidence=0.92, cue=m["cue"],
                              cue_start=m.start("cue"), cue_end=m.end("cue")))
    points = [KeyPoint(p.text, p.start, p.end, p.index, "lead", 1.0 / (1 + p.index)) for p in document.paragraphs[:2]]
    return Extraction(people, quotes, points, reported)


def story(title: str, *people: str, quote: tuple[str, str] | None = None,
          reported: tuple[str, str] | None = None) -> str:
    lines = [title, ""] + [f"@{p}" + "\n" for p in people]
    if quote:
        lines.append(f"“{quote[0]}” said {quote[1]}.\n")
    if reported:
        lines.append(f"{reported[0]} said that {reported[1]}.\n")
    return "\n".join(lines)


@pytest.fixture
def scripted(monkeypatch):
    monkeypatch.setattr(bot.extract, "extract", scripted_extract)


@pytest.fixture
def smiths(tmp_path, scripted) -> tuple[Path, Path]:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text(story("Senate", "John Smith|Mr. Smith|senator|3", "Ann Lee||mayor|1",
                                       quote=("We will vote", "John Smith"),
                                       reported=("John Smith", "the vote would be “very close”")))
    (seeds / "b.txt").write_text(story("Hearing", "Smith||-|2", quote=("No comment", "Smith"),
                                       reported=("Smith", "he had not seen the letter")).replace("|-|", "||"))
    (seeds / "c.txt").write_text(story("City", "Ann Lee|Ms. Lee|mayor|4", "Lee||deputy|1",
                                       quote=("The bridge opens", "Ann Lee"),
                                       reported=("Lee", "the bridge would open late")))
    (seeds / "d.txt").write_text(story("Other", "Bo Chan||coach|2"))
    db = tmp_path / "briefing.db"
    build(seeds, db)
    return seeds, db


def test_a_new_claimant_splits_a_merged_person_as_a_clean_build_does(smiths, tmp_path):
    seeds, db = smiths
    # "Smith" joined John Smith (the one fuller name claiming it); Will Smith makes it ambiguous.
    (seeds / "e.txt").write_text(story("Film", "Will Smith|Mr. Smith|actor|5", quote=("Action", "Will Smith")))
    inode = db.stat().st_ino
    report = build(seeds, db)
    assert db.stat().st_ino == inode and report.documents == 5
    assert_same_store(db, clean_build(seeds, tmp_path))
    names = {r[0] for r in canonical(db)["people"]}
    assert {"John Smith", "Will Smith", "Smith"} <= names


def test_removing_and_changing_documents_updates_in_place_like_a_clean_build(smiths, tmp_path):
    seeds, db = smiths
    (seeds / "a.txt").unlink()  # "Smith" is left on its own
    (seeds / "c.txt").write_text(story("City", "Ann Lee||mayor|4", quote=("The bridge is late", "Ann Lee")))
    (seeds / "f.txt").write_text(story("Sports", "Bo Chan|Coach Chan;Chan|coach|1", "Chan||-|1").replace("|-|", "||"))
    (seeds / "g.txt").write_bytes(b"\x00\x01binary")
    report = build(seeds, db)
    assert db.stat().st_ino == report.db_path.stat().st_ino
    assert [s.path.rsplit("/", 1)[-1] for s in report.skipped] == ["g.txt"]
    assert_same_store(db, clean_build(seeds, tmp_path))
    assert build(seeds, db).unchanged
    (seeds / "g.txt").unlink()  # the skipped file goes away: only meta changes
    build(seeds, db)
    assert_same_store(db, clean_build(seeds, tmp_path))


def test_people_swapping_ids_do_not_mix(smiths, tmp_path):
    seeds, db = smiths
    # Lee (deputy) and Ann Lee merge when Ann Lee is the one claimant of "Lee"; make it two, then one.
    (seeds / "h.txt").write_text(story("Court", "Tom Lee|Mr. Lee|judge|2"))
    build(seeds, db)
    assert_same_store(db, clean_build(seeds, tmp_path))
    (seeds / "h.txt").unlink()
    build(seeds, db)
    assert_same_store(db, clean_build(seeds, tmp_path))


@pytest.mark.parametrize("chunk", [5000, 1])
def test_a_persons_role_and_counts_follow_changes_in_place_as_in_a_clean_build(smiths, tmp_path, monkeypatch, chunk):
    """In place, a person as they were keeps their role unless it lost counts or another role gained
    enough to overtake it; people named by the same words are updated, not written anew. (With SQL
    lists of one value, a person's names and roles are still summed together.)"""
    monkeypatch.setattr(affected_people, "CHUNK", chunk)
    seeds, db = smiths

    def person(name: str) -> tuple:
        return next(row for row in canonical(db)["people"] if row[0] == name)

    steps = [
        ("i.txt", story("Vote", "Ann Lee||governor|9")),  # a gained role overtakes "mayor"
        ("j.txt", story("Poll", "Ann Lee||mayor|1")),  # the kept role gains, the other is left behind
        ("i.txt", None),  # the kept role loses: summed again
        ("k.txt", story("Fair", "Ann Lee||deputy mayor|6", "Bo Chan||coach|1")),  # as many mentions, fewer records
        ("m.txt", story("Zoo", "Ann Lee||deputy mayor|1")),  # now more mentions
        ("d.txt", None),  # Bo Chan's counts fall, nothing else about him changes
        ("n.txt", story("Gala", "Ann Lee|Annie||1")),  # a new alias: a new name word
        ("o.txt", story("Fete", "Ann Lee|Lee||1")),  # the same words, the aliases in another order
        ("p.txt", story("Rally", "Ann Lee||governor|3", "Lee||governor|5")),  # a role gained by two names
    ]
    roles = []
    for name, text in steps:
        if text is None:
            (seeds / name).unlink()
        else:
            (seeds / name).write_text(text)
        build(seeds, db)
        assert_same_store(db, clean_build(seeds, tmp_path))
        roles.append(person("Ann Lee")[1])
    assert roles == ["governor", "governor", "mayor", "mayor", "deputy mayor", "deputy mayor", "deputy mayor",
                     "deputy mayor", "governor"]
    assert person("Ann Lee")[2].split("\n") == ["Lee", "Annie", "Ms. Lee"]
    assert person("Bo Chan")[3:6] == (1, 0, 1)


def test_a_failure_midway_through_an_incremental_build_leaves_the_store_as_it_was(smiths, monkeypatch):
    from bot.store.queries import Store

    seeds, db = smiths
    reader = Store(db)
    before = canonical(db)
    (seeds / "a.txt").unlink()
    (seeds / "e.txt").write_text(story("Film", "Will Smith|Mr. Smith|actor|5"))
    def failing(*args):  # after the old rows are deleted and people moved: a late failure
        raise OSError("disk full")

    monkeypatch.setattr(in_place.RowWriter, "add_document", failing)
    with pytest.raises(OSError, match="disk full"):
        build(seeds, db)
    assert canonical(db) == before
    assert reader.summary()["documents"] == 4 and reader.find_people("john smith")[0].name == "John Smith"
    monkeypatch.undo()
    monkeypatch.setattr(bot.extract, "extract", scripted_extract)
    assert build(seeds, db).documents == 4


def test_many_changed_files_make_a_full_build(smiths, tmp_path):
    seeds, db = smiths
    for n in range(60):
        (seeds / f"z{n:02}.txt").write_text(story(f"Story {n}", f"Person Number{n}||-|1").replace("|-|", "||"))
    inode = db.stat().st_ino
    build(seeds, db)
    assert db.stat().st_ino != inode  # a new file, swapped in
    assert_same_store(db, clean_build(seeds, tmp_path))


# ---- the real extractor over synthetic news (benchmarks/corpus_gen) ------------------------------

@pytest.fixture
def synthetic(tmp_path) -> Path:
    source = SYNTHETIC
    if not source.is_dir():
        try:
            from benchmarks import corpus_gen

            source = corpus_gen.generate(60, 7, out=tmp_path / "generated")
        except (OSError, ValueError) as exc:
            pytest.skip(f"no synthetic seeds (benchmarks/corpus_gen needs the PolNeAR corpus): {exc}")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for path in sorted(p for p in source.iterdir() if not p.name.startswith("."))[:60]:
        shutil.copy2(path, seeds / path.name)
    return seeds


def test_real_extractor_incremental_equals_clean(synthetic, tmp_path):
    db = tmp_path / "briefing.db"
    files = sorted(synthetic.iterdir())
    spare = tmp_path / "spare"
    spare.mkdir()
    for path in files[40:]:
        shutil.move(path, spare / path.name)
    build(synthetic, db, workers=1)
    # One changed, one removed, two added.
    changed = files[7]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA spokesman said on Friday: “We are reviewing the matter.”\n",
                       encoding="utf-8")
    files[12].unlink()
    for path in sorted(spare.iterdir())[:2]:
        shutil.move(path, synthetic / path.name)
    inode = db.stat().st_ino
    report = build(synthetic, db)
    assert db.stat().st_ino == inode and report.documents == 41
    assert_same_store(db, clean_build(synthetic, tmp_path))


@pytest.mark.parametrize("start_method", ["fork", "forkserver"])
def test_the_worker_pool_and_this_process_build_the_same_store(synthetic, tmp_path, monkeypatch, start_method):
    """fork is used when the building process has no other thread; forkserver (the bot, threads) otherwise."""
    import multiprocessing

    monkeypatch.setattr(workers, "pool_context", lambda: multiprocessing.get_context(start_method))
    pooled, single = tmp_path / "pooled.db", tmp_path / "single.db"
    build(synthetic, pooled, workers=2, incremental=False)
    build(synthetic, single, workers=1, incremental=False)
    with sqlite3.connect(pooled) as a, sqlite3.connect(single) as b:
        for (table,) in a.execute("select name from sqlite_master where type = 'table' and name not like '%fts%'"):
            where = "where key not in ('built_at', 'scan_digest')" if table == "meta" else ""
            # A file's stat is recorded only when taken a second after the file last changed: timing.
            columns = ", ".join(c for _, c, *_ in a.execute(f"pragma table_info({table})") if c != "stat")
            assert sorted(a.execute(f"select {columns} from {table} {where}").fetchall(), key=repr) == \
                sorted(b.execute(f"select {columns} from {table} {where}").fetchall(), key=repr), table
    assert canonical(pooled) == canonical(single)


def test_an_incremental_build_killed_midway_leaves_the_store_whole(smiths, tmp_path):
    """SIGKILL after the old rows are deleted and people moved, before the new rows are in: the
    transaction never committed, so readers and the next build find the store as it was."""
    import subprocess
    import sys

    seeds, db = smiths
    before = canonical(db)
    (seeds / "a.txt").unlink()
    (seeds / "e.txt").write_text(story("Film", "Will Smith|Mr. Smith|actor|5"))
    root = Path(__file__).resolve().parents[2]
    script = (
        "import os, signal, sys\n"
        f"sys.path.insert(0, {str(root)!r})\n"
        "import bot.extract, bot.build as store, bot.build.in_place as in_place\n"
        "from tests.store.test_incremental import scripted_extract\n"
        "bot.extract.extract = scripted_extract\n"
        "in_place.RowWriter.add_document = lambda *args: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"store.build({str(seeds)!r}, {str(db)!r})\n"
    )
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert killed.returncode == -9, killed.stderr
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as conn:
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
    assert canonical(db) == before
    report = build(seeds, db)
    assert not report.unchanged and report.documents == 4
    assert_same_store(db, clean_build(seeds, tmp_path))


def test_a_short_name_claimed_by_several_stays_apart_when_only_one_claimant_changes(smiths, tmp_path):
    seeds, db = smiths
    (seeds / "e.txt").write_text(story("Film", "Will Smith|Mr. Smith|actor|5"))
    build(seeds, db)
    # b.txt now holds John Smith as well as the bare "Smith": John Smith is merged again, Will Smith
    # is not, and "Smith" must stay ambiguous (two claimants) as in a clean build.
    (seeds / "b.txt").write_text(story("Hearing", "Smith||-|2", "John Smith|Mr. Smith|senator|1",
                                       quote=("No comment", "Smith")).replace("|-|", "||"))
    report = build(seeds, db)
    assert report.documents == 5
    assert_same_store(db, clean_build(seeds, tmp_path))
    assert "Smith" in {r[0] for r in canonical(db)["people"]}


def test_a_file_rewritten_with_its_size_and_mtime_kept_is_still_seen(smiths, monkeypatch):
    """Unchanged files are not hashed again when their stat matches the store's record; a rewrite
    that keeps size and mtime still changes the ctime, so it is read."""
    import os
    import time as clock

    seeds, db = smiths
    now = clock.time_ns
    # Stats recorded "long" after the files last changed are trusted (see bot.build.seed_records).
    monkeypatch.setattr(seed_records.time, "time_ns", lambda: now() + 10 ** 12)
    (seeds / "x.txt").write_text(story("Extra", "Ann Lee||mayor|1"))
    assert not build(seeds, db).unchanged  # a build that writes (a no-op records nothing)
    target = seeds / "d.txt"
    status = target.stat()
    clock.sleep(0.01)
    target.write_text(target.read_text().replace("Bo Chan", "Bo Chin"))
    os.utime(target, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert target.stat().st_size == status.st_size
    hashed = []
    real = seed_records.file_sha256
    monkeypatch.setattr(seed_records, "file_sha256", lambda path: hashed.append(path.name) or real(path))
    report = build(seeds, db)
    assert not report.unchanged and hashed == ["d.txt"]
    assert "Bo Chin" in {r[0] for r in canonical(db)["people"]}


def test_a_log_left_by_a_deleted_store_is_not_read_as_part_of_the_new_one(smiths, tmp_path):
    seeds, db = smiths
    (seeds / "e.txt").write_text(story("Film", "Will Smith|Mr. Smith|actor|5"))
    holder = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    holder.execute("select count(*) from documents").fetchall()  # keeps the -wal and -shm in place
    build(seeds, db)  # in place: its pages sit in the -wal while a reader is open
    stale_wal = Path(f"{db}-wal")
    assert stale_wal.exists() and stale_wal.stat().st_size > 0
    db.unlink()  # someone deletes the store, not its log
    build(seeds, db)
    holder.close()
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as conn:
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
    assert_same_store(db, clean_build(seeds, tmp_path))


def test_documents_added_before_the_others_or_removed_between_them_are_numbered_as_a_clean_build(smiths, tmp_path):
    seeds, db = smiths
    oldest = seeds / "0.txt"
    oldest.write_text(story("Archive", "Ann Lee||mayor|1"))
    os.utime(oldest, (1_500_000_000, 1_500_000_000))  # older than every other document
    (seeds / "b.txt").unlink()
    build(seeds, db)
    assert_same_store(db, clean_build(seeds, tmp_path))
    titles = [Store(db).brief(n).title for n in range(1, 5)]
    assert titles[-1] == "Archive" and Store(db).brief(5) is None


def test_a_large_update_writes_one_segment_per_index(smiths, tmp_path, monkeypatch):
    """FTS5 writes out a segment whenever a transaction's new words outgrow its in-memory hash (1 MB by
    default): a day of news taken out or put back at once left six. An in-place update writes one."""
    seeds, db = smiths
    rng = random.Random(3)
    words = ["".join(rng.choices("bcdfghklmnprstvz", k=4)) + "a" for _ in range(30000)]
    for n in range(40):
        body = "\n\n".join(" ".join(rng.choices(words, k=60)) + "." for _ in range(80))
        (seeds / f"day-{n:02d}.txt").write_text(story(f"Day {n}", "Rena Voss||envoy|1") + "\n" + body + "\n")
    conn = sqlite3.connect(db)
    before = {index: search_segments.segments(conn, index) for index in SEARCH_TABLES}
    monkeypatch.setattr(in_place, "merge_some_segments", lambda conn: None)  # what the update writes, unmerged
    build(seeds, db, changed=[f"day-{n:02d}.txt" for n in range(40)])
    assert search_segments.segments(conn, "paragraphs_fts") == before["paragraphs_fts"] + 1
    conn.close()


def test_search_segments_stay_few_as_updates_pile_up(smiths, tmp_path):
    """Each in-place update writes new full-text segments (40 updates without the merge step leave 11 per
    index); its bounded merge keeps them few, since a search reads every segment, and loses nothing."""
    seeds, db = smiths
    for n in range(40):
        (seeds / f"round-{n:02d}.txt").write_text(story(f"Round {n}", f"Rena Voss||envoy|{n % 3 + 1}",
                                                        quote=(f"Talks resume in week {n}", "Rena Voss")))
        expired = [f"round-{n - 5:02d}.txt"] if n >= 5 else []
        for rel in expired:
            (seeds / rel).unlink()
        build(seeds, db, changed=[f"round-{n:02d}.txt", *expired])
    conn = sqlite3.connect(db)
    assert all(search_segments.segments(conn, index) <= 2 for index in SEARCH_TABLES)
    conn.close()
    assert_same_store(db, clean_build(seeds, tmp_path))


def test_a_full_build_fills_the_pages_of_the_tables_kept_in_key_order(synthetic, tmp_path):
    """Rows inserted one by one, even in key order, leave an index b-tree's pages ~87 % full; copied
    whole from scratch they fill them. Only a table's last leaf page may be partly empty."""
    db = tmp_path / "briefing.db"
    for copy in range(3):  # the 60 documents three times over: tables of several pages each
        for path in sorted(synthetic.glob("*.*")):
            if not path.name.startswith("copy-"):
                shutil.copy2(path, synthetic / f"copy-{copy}-{path.name}")
    build(synthetic, db, workers=1)
    conn = sqlite3.connect(db)
    half_empty = dict(conn.execute(
        "select name, sum(unused > pgsize / 10) from dbstat where pagetype = 'leaf' group by name"))
    leaves = dict(conn.execute("select name, count(*) from dbstat where pagetype = 'leaf' group by name"))
    conn.close()
    packed = packed_tables()
    assert sum(leaves[name] for name in packed) >= 40  # enough pages for a partly filled one to show
    assert {name: half_empty[name] for name in packed if half_empty[name] > 1} == {}
