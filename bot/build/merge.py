"""Merging people across documents: one person per name, short names joined to the one fuller name
that claims them."""
from __future__ import annotations

from dataclasses import dataclass

from bot.models import Person
from bot.store.names import HONORIFICS


def name_key(name: str) -> str:
    """How names are compared: case, dots and honorifics ignored ("Mr. Blinken" ~ "blinken")."""
    tokens = name.casefold().replace(".", " ").replace("’", "'").split()
    while len(tokens) > 1 and tokens[0] in HONORIFICS:
        tokens = tokens[1:]
    return " ".join(tokens)


_GENDERED = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "sir": "m", "dame": "f"}


def group_key(name: str) -> str:
    """The key people are merged by: the name key, and the gender of an honorific the name itself
    carries. Extraction writes "Mr. Smith" and "Ms. Smith" only to tell two people apart (bot.extract
    gives no two people of a document one name), so the store keeps them apart too."""
    first = name.casefold().replace(".", " ").split()[:1]
    gender = _GENDERED.get(first[0]) if first else None
    key = name_key(name)
    return f"{key}|{gender}" if gender and key != name.casefold().replace(".", " ").strip() else key


@dataclass
class _PersonRecord:
    """One person as one document's extraction saw them."""
    document_index: int
    person: Person
    group: int = -1


@dataclass
class MergedPerson:
    id: int
    name: str
    role: str | None
    aliases: list[str]
    mentions: int


def merge_people(people_by_document: list[list[Person]]) -> tuple[list[MergedPerson], list[dict[str, int]]]:
    """People merged across documents; and, per document, each local name → merged person id.

    Same name (by `group_key`: "Mr. Smith" and "Ms. Smith" are two) → one person. A short name of one
    document ("Blinken") joins the person of another document who carries it as an alias ("Anthony J.
    Blinken", alias "Mr. Blinken") — only when exactly one fuller name claims it, so two different
    Smiths stay apart.
    """
    records = [_PersonRecord(d, p) for d, people in enumerate(people_by_document) for p in people]
    group_of_key: dict[str, int] = {}
    for record in records:
        record.group = group_of_key.setdefault(group_key(record.person.name), len(group_of_key))
    claimants: dict[str, set[int]] = {}
    for record in records:
        for alias in record.person.aliases:
            key = name_key(alias)
            if key in group_of_key and group_of_key[key] != record.group:
                claimants.setdefault(key, set()).add(record.group)
    # Only towards a fuller name, so redirects cannot form cycles.
    key_of_group = list(group_of_key)
    redirect = {
        group_of_key[key]: group for key, (group,) in ((k, tuple(g)) for k, g in claimants.items() if len(g) == 1)
        if len(key_of_group[group].split()) > len(key.split())
    }

    def final_group(group: int) -> int:
        while group in redirect:  # "Blinken" → "Anthony Blinken" → "Anthony J. Blinken"
            group = redirect[group]
        return group

    members: dict[int, list[_PersonRecord]] = {}
    for record in records:
        members.setdefault(final_group(record.group), []).append(record)

    merged: list[MergedPerson] = []
    ids_by_document: list[dict[str, int]] = [{} for _ in people_by_document]
    for group_records in sorted(members.values(), key=lambda rs: name_key(_canonical(rs).name)):
        canonical = _canonical(group_records)
        with_role = [r.person for r in group_records if r.person.role]
        role = max(with_role, key=lambda p: p.mentions).role if with_role else None
        aliases: list[str] = []
        for record in group_records:
            for alias in [record.person.name, *record.person.aliases]:
                if alias != canonical.name and alias not in aliases:
                    aliases.append(alias)
        person = MergedPerson(len(merged) + 1, canonical.name, role, aliases,
                              sum(r.person.mentions for r in group_records))
        merged.append(person)
        for record in group_records:
            ids_by_document[record.document_index][record.person.name] = person.id
    return merged, ids_by_document


def _canonical(records: list[_PersonRecord]) -> Person:
    """The fullest name among the records (most words, then most mentions)."""
    return max((r.person for r in records), key=lambda p: (len(p.name.split()), p.mentions, p.name))



class NameRecord:
    """The part of a Person that `merge_people` reads, without the spans."""
    __slots__ = ("name", "aliases", "role", "mentions")

    def __init__(self, name: str, aliases: list[str], role: str | None, mentions: int):
        self.name, self.aliases, self.role, self.mentions = name, aliases, role, mentions
