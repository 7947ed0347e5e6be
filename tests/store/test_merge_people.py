"""People extraction keeps apart stay apart in the store (issue 11): "Ms. Hammond" and "Mr. Hammond",
a mother and her sons, "Ms. Smith" and "Mr. Smith" — each with their own quotations."""
import sqlite3

from bot.build import build
from bot.build.merge import group_key
from bot.build.merge_tables import MergeTables
from bot.models import Person
from bot.store.queries import Store
from bot.store.schema import TABLES

ARTICLE = """Farm stays in the family

Ms. Hammond and her sons have run the dairy on Route 9 for thirty years. Mr. Hammond, the eldest son, \
handles the herd.

“We will not sell the land to the developers, whatever they offer,” Ms. Hammond said on Monday.

“Mother decides, not us, and she has decided,” Mr. Hammond said.
"""

SECOND = """Dairy wins a prize

“The prize belongs to the whole county and every farmer in it,” Mr. Hammond said at the fair.
"""


def merge_people(people_by_document: list[list[Person]]) -> list[dict[str, int]]:
    """Per document, each local name's merged person, as a full build merges them (from counts)."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(TABLES)
    conn.execute("attach '' as scratch")
    tables = MergeTables(conn)
    name_ids = [[tables.add(p.name, p.aliases, p.role, p.mentions) for p in people] for people in people_by_document]
    tables.finish()
    person_of = dict(conn.execute("select name_id, person_id from scratch.person_of_name"))
    return [{p.name: person_of[i] for p, i in zip(people, ids)} for people, ids in zip(people_by_document, name_ids)]


def test_honorifics_keep_people_of_one_name_apart_within_and_across_documents():
    document = [Person("Ms. Hammond", ["Hammond"], None, 2), Person("Mr. Hammond", ["Hammond"], "eldest son", 2)]
    other = [Person("Hammond", ["Mr. Hammond"], None, 1)]
    ids = merge_people([document, other])
    assert ids[0]["Ms. Hammond"] != ids[0]["Mr. Hammond"]
    assert ids[1]["Hammond"] not in (ids[0]["Ms. Hammond"], ids[0]["Mr. Hammond"])  # two could claim it
    assert group_key("Ms. Hammond") != group_key("Mr. Hammond") and group_key("Hammond") == "hammond"


def test_first_names_keep_people_apart():
    ids = merge_people([[Person("Carol Hammond", ["Ms. Hammond", "Hammond"], None, 3),
                                 Person("Jake Hammond", ["Hammond"], None, 2)],
                                [Person("Hammond", [], None, 1)]])
    assert len({ids[0]["Carol Hammond"], ids[0]["Jake Hammond"], ids[1]["Hammond"]}) == 3


def test_a_built_store_gives_each_hammond_their_own_quotations(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a_farm.txt").write_text(ARTICLE, encoding="utf-8")
    (seeds / "b_fair.txt").write_text(SECOND, encoding="utf-8")
    db = tmp_path / "briefing.db"
    build(seeds, db)
    store = Store(db)
    said = {q.text: q.speaker for person in store.list_people(0, 100)[0] for q in store.quotes_by(person.id, 0, 100)[0]}
    assert said["We will not sell the land to the developers, whatever they offer,"] == "Ms. Hammond"
    assert said["Mother decides, not us, and she has decided,"] == "Mr. Hammond"
    # Elsewhere a bare "Mr. Hammond" could be either of two men and women named so: he is kept apart
    # rather than given to one of them (never to Ms. Hammond).
    assert said["The prize belongs to the whole county and every farmer in it,"] == "Hammond"
