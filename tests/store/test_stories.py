"""Stories: the same story from several outlets is one group, derived from seeds/ (a rebuild gives the same
groups) and kept by incremental builds exactly as a clean build makes it."""
from __future__ import annotations

import random
import sqlite3
from array import array
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import bot.build.stories as stories
from bot.build import build
from bot.build.stories import (
    band_keys,
    band_row,
    equal_bins,
    similar,
    story_signature,
    update_stories,
    write_stories,
)
from bot.sources.near_duplicates import MIN_SHINGLES, filled_bins, signature
from bot.sources.seed_files import SeedArticle, write_article
from bot.store.queries import Store
from bot.store.schema import TABLES
from tests.store.test_incremental import assert_same_store, clean_build

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_7c73074e746b7734.txt"
WHEN = datetime(2024, 4, 12, 7, 30, tzinfo=timezone.utc)


def seed_paragraphs() -> list[str]:
    return [p.strip() for p in SEED.read_text(encoding="utf-8").split("\n\n") if p.strip()][1:]


def edited(paragraphs: list[str], seed: int) -> list[str]:
    """A lightly edited copy (a wire story republished): a paragraph dropped, a few words changed."""
    rng = random.Random(seed)
    out = list(paragraphs)
    del out[rng.randrange(1, len(out))]
    words = " ".join(out).split(" ")
    for i in rng.sample(range(len(words)), len(words) // 30):
        words[i] = rng.choice(["reportedly", "officials", "Monday", "sources"])
    text = " ".join(words)
    return [text[i:i + 400] for i in range(0, len(text), 400)]


OTHER = ["The harbour council voted on Thursday to add three evening crossings to the ferry timetable, "
         f"and the operator said fares would stay as they are until the spring review of route {n}." for n in range(12)]


def article(outlet: str, paragraphs: list[str], hours: int, title: str = "Ukraine counterattack and diplomacy") -> SeedArticle:
    slug = outlet.lower().replace(" ", "-")
    return SeedArticle(title=title, paragraphs=paragraphs, source=slug, identity=f"guid:{slug}:{title}:{hours}",
                       url=f"https://{slug}.example/world/{hours}", outlet=outlet, date=WHEN + timedelta(hours=hours))


def groups(db: Path) -> set[frozenset[str]]:
    """Stories of two or more documents, as sets of their outlets."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select s.story, d.outlet from stories s join documents d on d.id = s.document_id").fetchall()
    by_story: dict[int, set[str]] = {}
    for story, outlet in rows:
        by_story.setdefault(story, set()).add(outlet)
    return {frozenset(v) for v in by_story.values() if len(v) > 1}


def test_signature_bands_and_threshold():
    story = seed_paragraphs()
    a, b = story_signature("t", story), story_signature("t", edited(story, 1))
    assert len(a) == 128 and len(band_keys(a)) == 32 and len(set(band_keys(a))) == 32
    assert similar(a, b) and equal_bins(a, a) == 64
    assert not similar(a, story_signature("t", OTHER))
    assert story_signature("Short", ["Too short to compare."]) is None
    assert any(x == y for x, y in zip(band_keys(a), band_keys(b)))  # found through a shared band


def test_signature_in_numpy_is_near_duplicates_signature():
    """story_signature's numpy bins are those of near_duplicates.signature, short texts (bins filled from
    their neighbours, or too short) and odd words (non-ASCII, lone surrogates, digits) included."""
    rng = random.Random(3)
    vocab = ["the", "Über", "straße", "naïve", "1984", "x_y", "\ud800", "ﬁ", "İstanbul", "said", "—", "U.S."]
    vocab += [f"w{i}" for i in range(400)]
    texts = [seed_paragraphs(), edited(seed_paragraphs(), 2), OTHER]
    texts += [[" ".join(rng.choice(vocab) for _ in range(n))] for n in [*range(0, 80, 3), *range(80, 3000, 97)]]
    fast = 0
    for paragraphs in texts:
        reference = signature("\n".join(["Title", *paragraphs]))
        expected = reference.to_bytes()[:128] if reference.shingles >= MIN_SHINGLES else None
        assert story_signature("Title", paragraphs) == expected
        fast += filled_bins("\n".join(["Title", *paragraphs])) is not None
    assert fast >= 20  # the numpy path was taken, not only the reference


def test_three_outlets_one_story_and_the_brief_names_the_others(tmp_path):
    seeds, db = tmp_path / "seeds", tmp_path / "briefing.db"
    story = seed_paragraphs()
    write_article(seeds, article("Wire Service", story, 0))
    write_article(seeds, article("Daily Paper", edited(story, 1), 2, "Counterattack could open the way to talks"))
    write_article(seeds, article("Evening Post", edited(story, 2), 5))
    write_article(seeds, article("Harbour Gazette", OTHER, 3, "Ferry timetable"))
    build(seeds, db)
    assert groups(db) == {frozenset({"Wire Service", "Daily Paper", "Evening Post"})}
    store = Store(db)
    newest = store.brief(1)  # the Evening Post's copy, newest
    assert newest.outlet == "Evening Post" and newest.url == "https://evening-post.example/world/5"
    assert [c.outlet for c in newest.also] == ["Wire Service", "Daily Paper"]  # first published first
    assert newest.published == "2024-04-12T12:30:00+00:00"
    ferry = store.brief(2)
    assert ferry.outlet == "Harbour Gazette" and ferry.also == []
    # /sources' order is the publication instant's, to the hour.
    assert [s.outlet for s in store.sources()] == ["Evening Post", "Harbour Gazette", "Daily Paper", "Wire Service"]
    first = {s.outlet: s.story for s in store.sources()}
    assert first["Evening Post"] == first["Daily Paper"] == first["Wire Service"] != first["Harbour Gazette"]


def test_incremental_changes_give_the_groups_of_a_clean_build(tmp_path):
    """Removing a story's first document, adding an earlier one, editing a copy out of the story: each
    in-place build equals a clean build, stories included (compared by path)."""
    seeds, db = tmp_path / "seeds", tmp_path / "briefing.db"
    story = seed_paragraphs()
    paths = {}
    for n, outlet in enumerate(["Wire Service", "Daily Paper", "Evening Post", "Morning Star"]):
        paths[outlet] = write_article(seeds, article(outlet, story if n == 0 else edited(story, n), 2 * n + 1))
    paths["Harbour Gazette"] = write_article(seeds, article("Harbour Gazette", OTHER, 3, "Ferry timetable"))
    for n in range(60):  # enough files that a few changes are built in place
        write_article(seeds, article(f"Filler {n}", [f"Filler paragraph number {n} about the weather in town {n}, "
                                                      f"with rain expected on day {n} and sun on day {n + 1}."], 10 + n,
                                     f"Weather {n}"))
    build(seeds, db)
    inode = db.stat().st_ino
    steps = [
        lambda: paths.pop("Wire Service").unlink(),  # the story's first document goes
        lambda: paths.__setitem__("Early Bird", write_article(seeds, article("Early Bird", edited(story, 9), -5))),
        lambda: paths["Daily Paper"].write_text(paths["Daily Paper"].read_text().split("\n---\n")[0]
                                                + "\n---\n\n" + "\n\n".join(OTHER[::-1]) + "\n"),
        lambda: paths.pop("Early Bird").unlink(),
    ]
    expected = [{"Daily Paper", "Evening Post", "Morning Star"},
                {"Early Bird", "Daily Paper", "Evening Post", "Morning Star"},
                {"Early Bird", "Evening Post", "Morning Star"},
                {"Evening Post", "Morning Star"}]
    for n, (step, want) in enumerate(zip(steps, expected)):
        step()
        build(seeds, db)
        assert db.stat().st_ino == inode  # built in place
        found = groups(db)
        assert want in found, (n, found)
        assert_same_store(db, clean_build(seeds, tmp_path / f"clean{n}"))


def story_of(db: Path) -> dict[str, str]:
    """Each document's outlet with the outlet of its story's first document."""
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("select d.outlet, f.outlet from stories s join documents d on d.id = s.document_id"
                                 " join documents f on f.id = s.story"))


def fillers(seeds: Path, count: int) -> None:
    """Unrelated articles, so that a few changes are built in place."""
    for n in range(count):
        write_article(seeds, article(f"Filler {n}", [f"Filler paragraph number {n} about the weather in town {n}, "
                                                      f"with rain expected on day {n} and sun on day {n + 1}."], 10 + n,
                                     f"Weather {n}"))


def test_a_story_of_weeks_goes_on_under_the_first_copy_of_the_week_before(tmp_path):
    """A document's story is its first near-duplicate of the STORY_DAYS before it: copies on days 0, 5,
    10 and 20 make d5 a copy of d0, d10 a copy of d5, d20 a story of its own; taking d0 out and putting
    a copy on day 3 in, in place, gives what a clean build gives."""
    seeds, db = tmp_path / "seeds", tmp_path / "briefing.db"
    story = seed_paragraphs()
    paths = {f"d{day}": write_article(seeds, article(f"d{day}", edited(story, day + 1), 24 * day)) for day in (0, 5, 10, 20)}
    fillers(seeds, 60)
    build(seeds, db)
    assert {k: v for k, v in story_of(db).items() if k.startswith("d")} == {"d0": "d0", "d5": "d0", "d10": "d5", "d20": "d20"}
    store = Store(db)
    by_outlet = {s.outlet: s for s in store.sources()}
    assert [c.outlet for c in store.same_story(by_outlet["d10"].document_id)] == ["d5"]  # its first copy, named
    assert [c.outlet for c in store.same_story(by_outlet["d5"].document_id)] == ["d0"]
    assert by_outlet["d10"].story_size == 2 and by_outlet["d0"].story_size == 2 and by_outlet["d20"].story_size == 1
    inode = db.stat().st_ino
    paths.pop("d0").unlink()
    build(seeds, db)
    assert db.stat().st_ino == inode  # built in place
    assert {k: v for k, v in story_of(db).items() if k.startswith("d")} == {"d5": "d5", "d10": "d5", "d20": "d20"}
    assert_same_store(db, clean_build(seeds, tmp_path / "clean0"))
    write_article(seeds, article("d3", edited(story, 4), 24 * 3))  # d10 is exactly a week after it: still in
    build(seeds, db)
    assert db.stat().st_ino == inode
    assert {k: v for k, v in story_of(db).items() if k.startswith("d")} == {"d3": "d3", "d5": "d3", "d10": "d3", "d20": "d20"}
    assert_same_store(db, clean_build(seeds, tmp_path / "clean1"))


def test_the_copies_of_a_story_whose_first_copy_goes_are_compared_about_once_each(tmp_path, monkeypatch):
    """A feed that republishes one story many times (or a story everybody carries) must not make its upkeep
    quadratic: when the first copy leaves, each other copy finds its new first with a few comparisons."""
    seeds, db = tmp_path / "seeds", tmp_path / "briefing.db"
    story = seed_paragraphs()
    copies = 120
    first = write_article(seeds, article("Copy 0", story, 0))
    for n in range(1, copies):
        write_article(seeds, article(f"Copy {n}", edited(story, n), n))
    fillers(seeds, 200)
    build(seeds, db)
    assert set(story_of(db)[f"Copy {n}"] for n in range(copies)) == {"Copy 0"}
    calls = 0
    counted = stories.similar

    def counting(a, b):
        nonlocal calls
        calls += 1
        return counted(a, b)

    monkeypatch.setattr(stories, "similar", counting)
    inode = db.stat().st_ino
    first.unlink()
    build(seeds, db)
    assert db.stat().st_ino == inode
    assert set(story_of(db)[f"Copy {n}"] for n in range(1, copies)) == {"Copy 1"}
    assert calls <= 3 * copies, calls  # each of the orphaned copies against all the others would be ~14,000
    monkeypatch.undo()
    assert_same_store(db, clean_build(seeds, tmp_path / "clean0"))


def test_a_band_row_shared_by_chance_joins_no_story():
    """story_bands keeps a 16-bit hash of each band's bins: two documents whose band 0 hashes alike but whose
    bins differ, and who share no other band, are two stories in a full build and in place, although
    half their bins are equal; sharing that band for real makes one story in both."""
    rng = random.Random(3)
    first = array("H", (rng.randrange(65536) for _ in range(64)))
    second = array("H", (b if n % 2 == 0 else b ^ 1 for n, b in enumerate(first)))  # no band equal, 32 bins equal
    when = 1_700_000_000
    first_key = band_keys(first.tobytes())[0]
    while True:  # band 0's bins, other than the first's, hashed alike
        second[0], second[1] = rng.randrange(65536), rng.randrange(65536)
        key = band_keys(second.tobytes())[0]
        if key != first_key and band_row(key, when + 60) == band_row(first_key, when):
            break
    for shared, want in ((False, 2), (True, 1)):
        if shared:
            second[0], second[1] = first[0], first[1]
        a, b = first.tobytes(), second.tobytes()
        assert similar(a, b)
        stories_of = []
        for in_place in (False, True):
            conn = sqlite3.connect(":memory:")
            conn.executescript(TABLES)
            conn.executemany("insert into documents (id, path, sort_date) values (?, ?, ?)", [(1, "a", when), (2, "b", when + 60)])
            if in_place:
                write_stories(conn, [(when, "a", 1, a)])
                update_stories(conn, [], [(2, when + 60, b)])
            else:
                write_stories(conn, [(when, "a", 1, a), (when + 60, "b", 2, b)])
            stories_of.append(conn.execute("select story from stories where document_id = 2").fetchone()[0])
        assert stories_of == [want, want], (shared, stories_of)


@pytest.fixture(autouse=True)
def _mk(tmp_path):
    for n in range(4):
        (tmp_path / f"clean{n}").mkdir()


@pytest.mark.parametrize("week_reads", [0, 10_000])
def test_removing_the_oldest_day_re_leads_its_copies_as_a_clean_build(monkeypatch, week_reads):
    """Retention drops the oldest day, which holds the first copies of many stories: their copies of the week
    after are led again, by reading their weeks whole (`_first_copies_in_weeks`) or, when that would read too
    much, band by band; either way as write_stories leads the documents left (bins shared by chance, copies
    that are alike to a later copy only, and documents too short to compare included)."""
    monkeypatch.setattr(stories, "WEEK_READS", week_reads)
    rng = random.Random(11)
    bases = [array("H", (rng.randrange(65536) for _ in range(64))) for _ in range(20)]
    start, documents = 1_700_000_000, []
    for n in range(1200):
        base = rng.choice(bases)
        raw = array("H", (b if rng.random() < 0.55 else rng.randrange(65536) for b in base)).tobytes()
        when = start + rng.randrange(12 * 86_400) // 3600 * 3600  # on the hour: some documents share a date
        documents.append((when, f"{n:04d}.md", n + 1, None if n % 37 == 0 else raw))
    cutoff = start + 2 * 86_400
    kept = [d for d in documents if d[0] >= cutoff]
    removed = [(d[0], d[2]) for d in documents if d[0] < cutoff]

    def stories_of(conn):
        return conn.execute("select document_id, story from stories order by document_id").fetchall()

    conn = sqlite3.connect(":memory:")
    conn.executescript(TABLES)
    conn.executemany("insert into documents (id, path, sort_date) values (?, ?, ?)", [(d[2], d[1], d[0]) for d in documents])
    write_stories(conn, documents)
    assert len({story for _, story in stories_of(conn)}) < 600  # stories of several copies
    conn.execute("delete from documents where sort_date < ?", (cutoff,))
    update_stories(conn, removed, [])
    clean = sqlite3.connect(":memory:")
    clean.executescript(TABLES)
    write_stories(clean, kept)
    assert stories_of(conn) == stories_of(clean)
    band_rows = "select band, document_id from story_bands order by 1, 2"
    assert conn.execute(band_rows).fetchall() == clean.execute(band_rows).fetchall()


@pytest.mark.parametrize("week_reads", [0, 10_000])
def test_bands_shared_by_many_are_read_to_a_bound_in_place_as_in_a_clean_build(monkeypatch, week_reads):
    """Templated pages share bands without being near-duplicates: a document is compared with the
    RUN_CANDIDATES first documents of a band in its week, no more, and documents added and removed in
    place (which move who those first ones are) give the stories of a clean build, step after step."""
    monkeypatch.setattr(stories, "RUN_CANDIDATES", 4)
    monkeypatch.setattr(stories, "WEEK_READS", week_reads)
    rng = random.Random(5)
    bases = [array("H", (rng.randrange(65536) for _ in range(64))) for _ in range(5)]
    start = 1_700_000_000

    def document(n: int) -> tuple[int, str, int, bytes]:
        if rng.random() < 0.5:  # a templated page: the first two bands of every other one, little else
            bins = array("H", (rng.randrange(65536) for _ in range(64)))
        else:  # a copy of a story: half its bins, so that only the templated bands can find it, or a band of its own
            base = rng.choice(bases)
            bins = array("H", (b if n % 2 == 0 or rng.random() < 0.15 else rng.randrange(65536) for n, b in enumerate(base)))
        if rng.random() < 0.8:
            bins[0:4] = array("H", [1, 2, 3, 4])
        return start + rng.randrange(20 * 86_400) // 600 * 600, f"{n:04d}.md", n + 1, bins.tobytes()

    def stories_of(conn):
        return conn.execute("select document_id, story from stories order by document_id").fetchall()

    documents = {d[2]: d for d in (document(n) for n in range(300))}
    conn = sqlite3.connect(":memory:")
    conn.executescript(TABLES)
    conn.executemany("insert into documents (id, path, sort_date) values (?, ?, ?)",
                     [(d[2], d[1], d[0]) for d in documents.values()])
    write_stories(conn, list(documents.values()))
    next_id = 301
    for step in range(8):
        removed = rng.sample(sorted(documents), 12)
        added = [document(n) for n in range(next_id - 1, next_id + 11)]
        next_id += 12
        conn.execute(f"delete from documents where id in ({','.join(map(str, removed))})")
        conn.executemany("insert into documents (id, path, sort_date) values (?, ?, ?)", [(d[2], d[1], d[0]) for d in added])
        update_stories(conn, [(documents.pop(i)[0], i) for i in removed], [(d[2], d[0], d[3]) for d in added])
        documents.update((d[2], d) for d in added)
        clean = sqlite3.connect(":memory:")
        clean.executescript(TABLES)
        write_stories(clean, list(documents.values()))
        assert stories_of(conn) == stories_of(clean), step
    assert len({story for _, story in stories_of(conn)}) < len(documents) - 30  # stories of several copies


@pytest.mark.parametrize("week_reads", [0, 10_000])
def test_a_near_duplicate_past_a_bands_first_documents_of_the_week_is_not_its_story(monkeypatch, week_reads):
    """With RUN_CANDIDATES 4, four templated pages first in band 0 of the week hide the fifth document of that
    band from a later one: C's story is X, found by another band; once X goes, C is its own story although A,
    fifth in band 0, is alike, in a clean build and in place, whether its week is read whole or by bands."""
    monkeypatch.setattr(stories, "RUN_CANDIDATES", 4)
    monkeypatch.setattr(stories, "WEEK_READS", week_reads)
    rng = random.Random(8)
    noise = lambda: array("H", (rng.randrange(65536) for _ in range(64)))  # noqa: E731
    shared = noise()
    templated = []
    for _ in range(4):
        bins = noise()
        bins[0:2] = array("H", [1, 2])
        templated.append(bins)
    a, c, x = noise(), noise(), noise()
    for bins in (a, c):
        bins[0:2] = array("H", [1, 2])
    for bins in (a, c, x):
        bins[2::2] = shared[2::2]  # half their bins alike: near-duplicates that share no whole band by that
    x[15] = c[15]  # band 7 (bins 14 and 15) shared by X and C
    when = 1_700_000_000
    named = [("x", x), *((f"t{n}", t) for n, t in enumerate(templated, 1)), ("a", a), ("c", c)]
    documents = [(when + 3600 * n, f"{name}.md", n + 1, bins.tobytes()) for n, (name, bins) in enumerate(named)]
    assert similar(a.tobytes(), c.tobytes()) and similar(x.tobytes(), c.tobytes())
    id_of = {name: n + 1 for n, (name, _) in enumerate(named)}

    def story_of(conn, name):
        (story,) = conn.execute("select story from stories where document_id = ?", (id_of[name],)).fetchone()
        return next(other for other, i in id_of.items() if i == story)

    conn = sqlite3.connect(":memory:")
    conn.executescript(TABLES)
    conn.executemany("insert into documents (id, path, sort_date) values (?, ?, ?)", [(d[2], d[1], d[0]) for d in documents])
    write_stories(conn, documents)
    assert (story_of(conn, "c"), story_of(conn, "a")) == ("x", "a")
    conn.execute("delete from documents where id = ?", (id_of["x"],))
    update_stories(conn, [(when, id_of["x"])], [])
    clean = sqlite3.connect(":memory:")
    clean.executescript(TABLES)
    write_stories(clean, documents[1:])
    assert story_of(conn, "c") == story_of(clean, "c") == "c"
