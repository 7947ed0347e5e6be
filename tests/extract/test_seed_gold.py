"""The acceptance test of extraction: the seed article against its hand annotation."""
import json
from pathlib import Path

import pytest

from bot.documents import read_document
from bot.extract import extract

ROOT = Path(__file__).resolve().parents[2]
GOLD = json.loads((ROOT / "tests" / "seed_gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed():
    return extract(read_document(ROOT / "seeds" / "000_7c73074e746b7734.txt"))


def test_every_person_is_found_with_their_aliases(seed):
    people = {p.name: p for p in seed.people}
    for gold in GOLD["people"]:
        assert gold["name"] in people, gold["name"]
        assert set(gold["aliases"]) <= set(people[gold["name"]].aliases), gold["name"]


def test_no_place_or_organisation_is_a_person(seed):
    names = {p.name for p in seed.people} | {a for p in seed.people for a in p.aliases}
    assert not names & set(GOLD["non_people"])
    assert len(seed.people) == len(GOLD["people"])


def test_roles(seed):
    people = {p.name: p for p in seed.people}
    with_roles = [g for g in GOLD["people"] if g["role_contains"]]
    right = [g["name"] for g in with_roles
             if any(w.lower() in (people[g["name"]].role or "").lower() for w in g["role_contains"])]
    assert len(right) >= 14, set(g["name"] for g in with_roles) - set(right)


def test_every_required_quotation_has_its_speaker(seed):
    found = {(q.start, q.end): q.speaker for q in seed.quotes}
    for gold in GOLD["quotes"]:
        if gold["optional"]:
            continue
        assert (gold["start"], gold["end"]) in found, gold["text"]
        assert found[(gold["start"], gold["end"])] == gold["speaker"], gold["text"]


def test_no_quotation_outside_the_gold(seed):
    gold = {(g["start"], g["end"]) for g in GOLD["quotes"]}
    assert [q.text for q in seed.quotes if (q.start, q.end) not in gold] == []


def test_offsets_cite_the_text(seed):
    text = read_document(ROOT / "seeds" / "000_7c73074e746b7734.txt").text
    for quote in seed.quotes:
        assert text[quote.start:quote.end] == quote.text
    for point in seed.key_points:
        assert text[point.start:point.end] == point.text


def test_key_points_lead_with_news_and_quote_named_people(seed):
    kinds = [k.kind for k in seed.key_points]
    assert kinds[0] == "lead" and "quote" in kinds
    assert seed.key_points[0].text.startswith("Ukraine’s planned counterattack")
