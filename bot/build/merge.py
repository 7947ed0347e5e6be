"""Merging people across documents: one person per name, short names joined to the one fuller name
that claims them.

Each document's extraction gives records (name, aliases, role, mentions). Records are grouped by
their name's key (`group_key`: "Mr. Blinken" ~ "blinken", but "Mr. Smith" and "Ms. Smith" are two); a group k joins the group g of a fuller
name when g is the only group whose records carry k as an alias ("Blinken" → "Anthony J. Blinken",
but "Smith" stays apart while both John and Will Smith are called "Mr. Smith"). A person is a tree
of such joins. What a person is follows from counts over its records, never from their order:

- name: the fullest of its names (most words, then most mentions over its records, then by text);
- role: the role its records give with the most mentions (ties: the most records, then by text);
- aliases: its other names and the aliases its records carry, the most used first (ties by text);
- mentions, quotes, documents (records), paragraphs and statements (reported speech): sums over its records.

So a build keeps counts (the tables `names`, `name_roles`, `name_aliases`, `claims`; a full build
writes them with `merge_tables.MergeTables`), and adding or removing documents changes the counts of
the names they carry (`MergeCounts`) and the few trees those names belong to
(`affected_people.PeopleChange`), whatever the size of the store.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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


def words(key: str) -> int:
    return key.count(" ") + 1


def stored_name_ids(stored: int | str | None) -> list[int]:
    """The ids of a key's names as its `name_groups` row holds them (see `name_ids_value`)."""
    if stored is None:
        return []
    if isinstance(stored, int):
        return [stored]
    return [int(name_id) for name_id in stored.split(",")]


def name_ids_value(name_ids: list[int]) -> int | str | None:
    """The ids of a key's names (ascending) as `name_groups` stores them: most keys have one name, stored as
    an integer (1-3 bytes); several as text ("12,4077"); none as NULL (a key about to go)."""
    if not name_ids:
        return None
    return name_ids[0] if len(name_ids) == 1 else ",".join(map(str, name_ids))


@dataclass
class NameCounts:
    """One distinct name, summed over the records that carry it."""
    key: str
    records: int = 0
    mentions: int = 0
    quotes: int = 0
    paragraphs: int = 0
    statements: int = 0


@dataclass
class MergedPerson:
    id: int
    name: str
    role: str | None
    aliases: list[str]
    mentions: int
    quotes: int = 0
    documents: int = 0
    paragraphs: int = 0
    statements: int = 0


class MergeCounts:
    """The counts a merge is made of, for a set of records (a whole build, or a change's delta)."""

    def __init__(self) -> None:
        self.names: dict[str, NameCounts] = {}
        self.roles: defaultdict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])  # (name, role) → [mentions, records]
        self.aliases: defaultdict[tuple[str, str], int] = defaultdict(int)  # (name, alias) → records
        self.claims: defaultdict[tuple[str, str], int] = defaultdict(int)  # (alias key, name) → records

    def add(self, name: str, aliases: Iterable[str], role: str | None, mentions: int, quotes: int = 0,
            paragraphs: int = 0, statements: int = 0, sign: int = 1) -> None:
        """Count one record in (sign 1) or out (sign -1)."""
        counts = self.names.get(name)
        if counts is None:
            counts = self.names[name] = NameCounts(group_key(name))
        counts.records += sign
        counts.mentions += sign * mentions
        counts.quotes += sign * quotes
        counts.paragraphs += sign * paragraphs
        counts.statements += sign * statements
        if role:
            counted = self.roles[name, role]
            counted[0] += sign * mentions
            counted[1] += sign
        carried, claims = what_aliases_count(name, counts.key, aliases)
        for alias in carried:
            self.aliases[name, alias] += sign
        for alias_key, _ in claims:
            self.claims[alias_key, name] += sign


def what_aliases_count(name: str, key: str, aliases: Iterable[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """A record's aliases as the merge counts them: those other than its name, and the claims they make
    ((alias key, own key), for each alias whose key is not the record's own)."""
    carried, claims = [], []
    for alias in aliases:
        if alias != name:
            carried.append(alias)
        alias_key = name_key(alias)
        if alias_key != key:
            claims.append((alias_key, key))
    return carried, claims


def join_target(key: str, is_group: bool, claimants: Iterable[str]) -> str | None:
    """The fuller key that group `key` joins: the only group claiming it, if it has more words."""
    if not is_group:
        return None
    claimants = list(claimants)
    if len(claimants) != 1 or words(claimants[0]) <= words(key):
        return None
    return claimants[0]


def top_role(names: Mapping[str, NameCounts], roles: Mapping[tuple[str, str], list[int]]) -> str | None:
    """The role these names' records give with the most mentions (ties: the most records, then by text).

    `roles` ((name, role) → [mentions, records]) holds at least every entry of these names (others are
    ignored)."""
    by_role: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (name, role), (mentions, records) in roles.items():
        if name in names and records > 0:
            by_role[role][0] += mentions
            by_role[role][1] += records
    return min(by_role, key=lambda r: (-by_role[r][0], -by_role[r][1], r)) if by_role else None


def describe(names: Mapping[str, NameCounts], role: str | None,
             aliases: Mapping[tuple[str, str], int]) -> tuple[str, str | None, list[str], int, int, int, int, int]:
    """One person from the counts of its names and its `top_role`: (name, role, aliases, mentions, quotes,
    documents, paragraphs, statements).

    `aliases` ((name, alias) → records) holds at least every entry of these names (others are ignored)."""
    canonical = max(names, key=lambda n: (len(n.split()), names[n].mentions, n))
    used: defaultdict[str, int] = defaultdict(int)
    for name, counts in names.items():
        used[name] += counts.records
    for (name, alias), records in aliases.items():
        if name in names and records > 0:
            used[alias] += records
    used.pop(canonical, None)
    ordered = sorted(used, key=lambda a: (-used[a], a))
    return (canonical, role, ordered, sum(c.mentions for c in names.values()), sum(c.quotes for c in names.values()),
            sum(c.records for c in names.values()), sum(c.paragraphs for c in names.values()),
            sum(c.statements for c in names.values()))
