"""The people an in-place change reaches, merged again from stored counts (see `bot.build.merge`).

A change adds and removes records. Their counts go into the tables `names`, `name_roles`,
`name_aliases` and `claims`; the join target of a key can change only if its group appeared or went
away or its claimants changed, and those are the keys the changed records carry (their names' keys
and their aliases' keys). The people to describe again are the trees that hold such a key, before
the change (they may lose keys or their root) and after it (they may gain keys). Each tree is read
from `name_groups` (a key's target, and the keys whose target it is), and a person is described from
the counts of its names. The work is proportional to the change and the trees it touches, not to
how many documents a name is in; it is done in a few statements for many rows at once (a day of
news removed by retention touches tens of thousands of names).
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator

from bot.build.merge import (
    MergeCounts,
    MergedPerson,
    NameCounts,
    describe,
    group_key,
    join_target,
    name_ids_value,
    stored_name_ids,
)

CHUNK = 5000  # values per json_each() list
CLAIMS_READ = 8  # claiming names of a key read at first (`PeopleChange.join_again`)


def _each(values: Iterable) -> Iterator[str]:
    """JSON lists of at most CHUNK values, for `... in (select value from json_each(?))`."""
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield json.dumps(values[start:start + CHUNK])


class PeopleChange:
    """Applies a change's counts to the merge tables and works out who the reached people are now."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.old_person: dict[str, int | None] = {}  # key → person id of its tree before the change
        self.name_ids: dict[str, int] = {}
        self._groups: dict[str, tuple[str | None, int | None] | None] = {}  # key → (target, person), None: no group
        self._role_changes: dict[int, list[tuple[str, int, int]]] = {}  # name id → (role, mentions, records) added

    # ---- counts ------------------------------------------------------------------------------

    def apply(self, delta: MergeCounts) -> set[str]:
        """Add the change's counts to the tables; returns the keys whose join target may have changed."""
        conn = self.conn
        # A name is found through its key: name_groups lists the ids of each key's names.
        members: dict[str, list[int]] = {}  # key → the ids of its names, for the keys of the change's names
        for keys in _each({c.key for c in delta.names.values()}):
            members.update((key, stored_name_ids(stored)) for key, stored in conn.execute(
                "select key, names from name_groups where key in (select value from json_each(?))", (keys,)))
        for ids in _each([name_id for ids in members.values() for name_id in ids]):
            self.name_ids.update((name, name_id) for name_id, name in conn.execute(
                "select id, name from names where id in (select value from json_each(?))", (ids,)) if name in delta.names)
        next_id = (conn.execute("select max(id) from names").fetchone()[0] or 0) + 1
        new, listed = [], set()  # listed: the keys whose names change
        for name, c in delta.names.items():
            if name not in self.name_ids:
                self.name_ids[name] = next_id
                new.append((next_id, name))
                members.setdefault(c.key, []).append(next_id)
                listed.add(c.key)
                next_id += 1
        conn.executemany("insert into names values (?, ?, 0, 0, 0, 0, 0)", new)
        conn.executemany("update names set records = records + ?, mentions = mentions + ?, quotes = quotes + ?,"
                         " paragraphs = paragraphs + ?, statements = statements + ? where id = ?",
                         [(c.records, c.mentions, c.quotes, c.paragraphs, c.statements, self.name_ids[name])
                          for name, c in delta.names.items()])
        ids = self.name_ids
        role_rows = [(ids[name], role, mentions, records) for (name, role), (mentions, records) in delta.roles.items()
                     if mentions or records]
        for name_id, role, mentions, records in role_rows:
            self._role_changes.setdefault(name_id, []).append((role, mentions, records))
        self._add("name_roles", ("name_id", "role"), ("mentions", "records"), role_rows)
        self._add("name_aliases", ("name_id", "alias"), ("records",),
                  [(ids[name], alias, records) for (name, alias), records in delta.aliases.items() if records])
        self._add("claims", ("alias_key", "name_id"), ("records",),
                  [(alias_key, ids[name], records) for (alias_key, name), records in delta.claims.items() if records])
        emptied = []  # names no record carries any more: they go, with their roles and aliases
        for chunk in _each(ids[name] for name, c in delta.names.items() if c.records < 0):
            emptied += [i for (i,) in conn.execute(
                "select id from names where id in (select value from json_each(?)) and records <= 0", (chunk,))]
        for chunk in _each(emptied):
            for table, column in (("name_roles", "name_id"), ("name_aliases", "name_id"), ("names", "id")):
                conn.execute(f"delete from {table} where {column} in (select value from json_each(?))", (chunk,))
        key_of = {ids[name]: c.key for name, c in delta.names.items()}
        for name_id in emptied:
            members[key_of[name_id]].remove(name_id)
            listed.add(key_of[name_id])
        # A key left without names keeps its row (NULL names) until `join_again`: the trees before the change
        # are read from it. A new key's row has no target nor person yet.
        conn.executemany("insert into name_groups (key, names) values (?, ?)"
                         " on conflict (key) do update set names = excluded.names",
                         [(key, name_ids_value(members[key])) for key in sorted(listed)])
        return {c.key for c in delta.names.values()} | {alias_key for alias_key, _ in delta.claims}

    def _add(self, table: str, key: tuple[str, str], counts: tuple[str, ...], rows: list[tuple]) -> None:
        """Add each row's counts to the table's row with its key (a new row if none); rows whose last count
        (records) fell to 0 go."""
        settings = ", ".join(f"{c} = {c} + excluded.{c}" for c in counts)
        self.conn.executemany(f"insert into {table} values ({','.join('?' * (2 + len(counts)))})"
                              f" on conflict ({', '.join(key)}) do update set {settings}", rows)
        self.conn.executemany(f"delete from {table} where {key[0]} = ? and {key[1]} = ? and {counts[-1]} <= 0",
                              [row[:2] for row in rows if row[-1] < 0])

    # ---- trees -------------------------------------------------------------------------------

    def _load(self, keys: Iterable[str]) -> None:
        """Read the name_groups rows of these keys (those not read yet)."""
        missing = [k for k in set(keys) if k not in self._groups]
        for chunk in _each(missing):
            for key, target, person in self.conn.execute(
                    "select key, target, person_id from name_groups where key in (select value from json_each(?))",
                    (chunk,)):
                self._groups[key] = (target, person)
        for key in missing:
            self._groups.setdefault(key, None)

    def _roots(self, keys: Iterable[str]) -> set[str]:
        """The roots of the trees holding these keys (keys without a group have none)."""
        roots, frontier = set(), set(keys)
        while frontier:
            self._load(frontier)
            following = set()
            for key in frontier:
                row = self._groups[key]
                if row is None:
                    continue
                if row[0] is None:
                    roots.add(key)
                else:
                    following.add(row[0])
            frontier = following
        return roots

    def _trees(self, roots: set[str]) -> dict[str, list[str]]:
        """Root → the keys of its tree (root first), walked down by the keys whose target is each key."""
        member_of = {root: root for root in roots}
        trees = {root: [root] for root in roots}
        frontier = set(roots)
        while frontier:
            found = []
            for chunk in _each(frontier):
                found += self.conn.execute("select key, target from name_groups"
                                           " where target in (select value from json_each(?))", (chunk,)).fetchall()
            frontier = set()
            for key, target in found:
                if key not in member_of:
                    member_of[key] = member_of[target]
                    trees[member_of[key]].append(key)
                    frontier.add(key)
        return trees

    def _remember_people(self, keys: Iterable[str]) -> None:
        keys = [k for k in keys if k not in self.old_person]
        self._load(keys)
        for key in keys:
            row = self._groups[key]
            self.old_person[key] = None if row is None else row[1]

    def trees_before(self, keys: set[str]) -> set[str]:
        """The keys of every tree holding one of `keys`, before the change; their people are remembered."""
        reached = {k for tree in self._trees(self._roots(keys)).values() for k in tree}
        self._remember_people(reached)
        return reached

    def join_again(self, keys: set[str]) -> None:
        """Work out the join target of each of `keys` from the counts, and record it."""
        conn = self.conn
        groups: set[str] = set()  # the keys that have names (each has its row, see `apply`)
        # The groups claiming each key (the keys of the names that claim it), as far as `join_target` looks:
        # one, or two of them. A common alias has thousands of claiming names (a day's retention at 1M
        # reaches ~1 M claims): the first CLAIMS_READ of each are read, and all of them only where those
        # name one group.
        claimants: dict[str, set[str]] = {}
        key_of: dict[str, str] = {}
        unsettled: list[str] = []

        def claimed(alias_key: str, name: str) -> None:
            key = key_of.get(name)
            if key is None:
                key = key_of[name] = group_key(name)
            claimants.setdefault(alias_key, set()).add(key)

        for chunk in _each(keys):
            groups.update(k for (k,) in conn.execute(
                "select key from name_groups where key in (select value from json_each(?)) and names is not null",
                (chunk,)))
            more: set[str] = set()
            for alias_key, name, claims in conn.execute(
                    "select c.alias_key, n.name, c.claims from (select alias_key, name_id, count(*) over (partition"
                    " by alias_key) as claims, row_number() over (partition by alias_key) as place from claims"
                    " where alias_key in (select value from json_each(?)) and records > 0) c"
                    " join names n on n.id = c.name_id where c.place <= ?", (chunk, CLAIMS_READ)):
                claimed(alias_key, name)
                if claims > CLAIMS_READ:
                    more.add(alias_key)
            unsettled += [alias_key for alias_key in more if len(claimants[alias_key]) < 2]
        for chunk in _each(unsettled):
            for alias_key, name in conn.execute(
                    "select c.alias_key, n.name from claims c join names n on n.id = c.name_id"
                    " where c.alias_key in (select value from json_each(?)) and c.records > 0", (chunk,)):
                claimed(alias_key, name)
        self._load(keys)
        changed, removed = [], []
        for key in keys:
            row = self._groups[key]
            if key not in groups:
                if row is not None:
                    removed.append((key,))
                    self._groups[key] = None
                continue
            target = join_target(key, True, claimants.get(key, ()))
            if row[0] != target:
                changed.append((target, key))
                self._groups[key] = (target, row[1])
        conn.executemany("delete from name_groups where key = ?", removed)
        conn.executemany("update name_groups set target = ? where key = ?", changed)

    def trees_after(self, keys: set[str]) -> list[list[str]]:
        """The trees (root first) holding any of `keys` now, in the order of their roots."""
        trees = self._trees(self._roots(keys))
        self._remember_people(k for tree in trees.values() for k in tree)
        return [trees[root] for root in sorted(trees)]

    # ---- people ------------------------------------------------------------------------------

    def describe_all(self, trees: list[list[str]], person_ids: list[int]) -> list[MergedPerson]:
        """The people of these trees, with these ids, from the counts of their names."""
        conn = self.conn
        tree_of = {key: n for n, tree in enumerate(trees) for key in tree}
        names: list[dict[str, NameCounts]] = [{} for _ in trees]
        tree_of_name: dict[int, int] = {}
        name_of: dict[int, str] = {}
        key_of: dict[int, str] = {}
        for chunk in _each(tree_of):
            for key, stored in conn.execute(
                    "select key, names from name_groups where key in (select value from json_each(?))", (chunk,)):
                key_of.update((name_id, key) for name_id in stored_name_ids(stored))
        for chunk in _each(key_of):
            for name_id, name, records, mentions, quotes, paragraphs, statements in conn.execute(
                    "select id, name, records, mentions, quotes, paragraphs, statements from names"
                    " where id in (select value from json_each(?)) and records > 0", (chunk,)):
                key = key_of[name_id]
                names[tree_of[key]][name] = NameCounts(key, records, mentions, quotes, paragraphs, statements)
                tree_of_name[name_id], name_of[name_id] = tree_of[key], name
        aliases: list[dict] = [{} for _ in trees]
        for chunk in _each(name_of):
            for name_id, alias, records in conn.execute(
                    "select name_id, alias, records from name_aliases where name_id in (select value from json_each(?))",
                    (chunk,)):
                aliases[tree_of_name[name_id]][name_of[name_id], alias] = records
        roles = self._top_roles(trees, tree_of_name)
        return [MergedPerson(person_id, *describe(names[n], roles.get(n), aliases[n]))
                for n, person_id in enumerate(person_ids)]

    def _top_roles(self, trees: list[list[str]], tree_of_name: dict[int, int]) -> dict[int, str | None]:
        """Tree → its `top_role`.

        A tree as it was (the same keys, one person) whose role lost no mentions or records keeps it, unless
        a role that gained some overtakes it: the others only lost. Only those roles are summed. Other trees
        are summed whole, by SQL: a much-quoted person's names carry thousands of roles ("the U.S.
        president", "president of the United States" …), too many rows to count in Python."""
        names_of: list[list[int]] = [[] for _ in trees]
        for name_id, tree in tree_of_name.items():
            names_of[tree].append(name_id)
        before = self._roles_before(trees)
        roles: dict[int, str | None] = {}
        whole: list[tuple[int, int]] = []  # (tree, name id): all their roles summed
        some: list[tuple[int, int, str]] = []  # (tree, name id, role): these roles summed
        for tree, name_ids in enumerate(names_of):
            if tree not in before:
                whole += [(tree, name_id) for name_id in name_ids]
                continue
            kept = before[tree]
            changes = [change for name_id in name_ids for change in self._role_changes.get(name_id, ())]
            if any(role == kept and (mentions < 0 or records < 0) for role, mentions, records in changes):
                whole += [(tree, name_id) for name_id in name_ids]
                continue
            gained = {role for role, mentions, records in changes if mentions > 0 or records > 0} - {kept}
            if not gained:
                roles[tree] = kept
                continue
            some += [(tree, name_id, role) for name_id in name_ids for role in gained | ({kept} - {None})]
        for chunk in _whole_trees(whole):
            roles.update(self.conn.execute(
                "select tree, role from (select t.value ->> 0 as tree, r.role, row_number() over ("
                " partition by t.value ->> 0 order by sum(r.mentions) desc, sum(r.records) desc, r.role) as place"
                " from json_each(?) t join name_roles r on r.name_id = t.value ->> 1 where r.records > 0"
                " group by t.value ->> 0, r.role) where place = 1", (chunk,)))
        best: dict[int, tuple[int, int, str]] = {}
        for chunk in _whole_trees(some):
            for tree, role, mentions, records in self.conn.execute(
                    "select t.value ->> 0, r.role, sum(r.mentions), sum(r.records) from json_each(?) t join name_roles r"
                    " on r.name_id = t.value ->> 1 and r.role = t.value ->> 2 where r.records > 0"
                    " group by t.value ->> 0, r.role", (chunk,)):
                if tree not in best or (-mentions, -records, role) < best[tree]:
                    best[tree] = (-mentions, -records, role)
        roles.update((tree, role) for tree, (_, _, role) in best.items())
        return roles

    def _roles_before(self, trees: list[list[str]]) -> dict[int, str | None]:
        """Tree → the stored role of its person, for the trees that are as they were before the change."""
        keys_of: dict[int, int] = {}
        for person in self.old_person.values():
            if person is not None:
                keys_of[person] = keys_of.get(person, 0) + 1
        person_of: dict[int, int] = {}
        for tree, keys in enumerate(trees):
            people = {self.old_person.get(key) for key in keys}
            if len(people) == 1 and None not in people and keys_of[next(iter(people))] == len(keys):
                person_of[next(iter(people))] = tree
        roles: dict[int, str | None] = {}
        for chunk in _each(person_of):
            roles.update((person_of[person], role) for person, role in self.conn.execute(
                "select id, role from people where id in (select value from json_each(?))", (chunk,)))
        return roles


def _whole_trees(rows: list[tuple]) -> Iterator[str]:
    """JSON lists of rows that start with a tree's number, at most CHUNK of them unless one tree has more:
    a tree's rows are never split (they are summed together)."""
    rows = sorted(rows)
    start = 0
    while start < len(rows):
        end = min(start + CHUNK, len(rows))
        while end < len(rows) and rows[end][0] == rows[end - 1][0]:
            end += 1
        yield json.dumps(rows[start:end])
        start = end
