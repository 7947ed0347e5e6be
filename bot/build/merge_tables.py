"""The merge of people of a whole build, written as the store's tables with little held in memory.

A year of news has millions of distinct names. Each record's name gets an id and its sums are kept
in arrays; the roles, aliases and claims it carries go to scratch tables and are summed by SQL. The
join targets then need only each key's claimants, and people are described name by name, reading
the summed roles and aliases in name order alongside (a tree of several names waits until its last
name is read). People are numbered by SQL in the order of their names' keys, as `merge.merge` does.
"""
from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterable

from bot.build.merge import (
    MergedPerson,
    NameCounts,
    describe,
    group_key,
    join_target,
    name_key,
    top_role,
    what_aliases_count,
)

SCRATCH = """
create table {db}.staged_roles (name_id integer, role text, mentions integer);
create table {db}.staged_aliases (name_id integer, alias text);
create table {db}.staged_claims (alias_key text, name_id integer);
create table {db}.persons (root text, sort_key text, name text, role text, aliases text, mentions integer,
    quotes integer, documents integer, paragraphs integer, statements integer);
create table {db}.key_roots (key text, target text, root text, names);
create table {db}.name_keys (name_id integer primary key, key text);
create table {db}.person_of_root (root text primary key, person_id integer) without rowid;
create table {db}.person_of_name (name_id integer primary key, person_id integer);
"""
BATCH = 20_000
MANY = object()  # a key claimed by more than one group


class MergeTables:
    """Records in (`add`), the merge tables and people out (`finish`). `scratch`: the attached
    database for what is summed or sorted on the way."""

    def __init__(self, conn: sqlite3.Connection, scratch: str = "scratch"):
        self.conn, self.scratch = conn, scratch
        for statement in SCRATCH.format(db=scratch).split(";"):  # (executescript would commit)
            if statement.strip():
                conn.execute(statement)
        self.ids: dict[str, int] = {}
        self.names: list[str] = [""]
        self.keys: list[str] = [""]
        self.sums = [array("q", [0]) for _ in range(5)]  # records, mentions, quotes, paragraphs, statements by name id
        self.staged: dict[str, list[tuple]] = {"roles": [], "aliases": [], "claims": []}
        self.interned: dict[str, str] = {}

    def add(self, name: str, aliases: Iterable[str], role: str | None, mentions: int, quotes: int = 0,
            paragraphs: int = 0, statements: int = 0) -> int:
        """Count one record in; returns the id of its name."""
        name_id = self.ids.get(name)
        if name_id is None:
            name_id = self.ids[name] = len(self.names)
            self.names.append(name)
            key = group_key(name)
            self.keys.append(self.interned.setdefault(key, key))
            for column in self.sums:
                column.append(0)
        records, mention_sums, quote_sums, paragraph_sums, statement_sums = self.sums
        records[name_id] += 1
        mention_sums[name_id] += mentions
        quote_sums[name_id] += quotes
        paragraph_sums[name_id] += paragraphs
        statement_sums[name_id] += statements
        if role:
            self.staged["roles"].append((name_id, role, mentions))
        carried, claims = what_aliases_count(name, self.keys[name_id], aliases)
        self.staged["aliases"] += [(name_id, alias) for alias in carried]
        self.staged["claims"] += [(alias_key, name_id) for alias_key, _ in claims]
        if len(self.staged["aliases"]) + len(self.staged["roles"]) >= BATCH:
            self._flush()
        return name_id

    def _flush(self) -> None:
        for table, rows in self.staged.items():
            if rows:
                self.conn.executemany(f"insert into {self.scratch}.staged_{table} values ({','.join('?' * len(rows[0]))})",
                                      rows)
                rows.clear()

    def finish(self) -> int:
        """Write names, name_roles, name_aliases, claims, name_groups and people (and `person_of_name`
        in scratch: each name id's person); returns how many people there are."""
        conn, s = self.conn, self.scratch
        self._flush()
        records, mentions, quotes, paragraphs, statements = self.sums
        conn.executemany("insert into names values (?, ?, ?, ?, ?, ?, ?)", (
            (i, self.names[i], records[i], mentions[i], quotes[i], paragraphs[i], statements[i])
            for i in range(1, len(self.names))))
        conn.executemany(f"insert into {s}.name_keys values (?, ?)", ((i, self.keys[i]) for i in range(1, len(self.names))))
        conn.execute(f"insert into name_roles select name_id, role, sum(mentions), count(*) from {s}.staged_roles"
                     " group by name_id, role order by name_id, role")
        conn.execute(f"insert into name_aliases select name_id, alias, count(*) from {s}.staged_aliases"
                     " group by name_id, alias order by name_id, alias")
        conn.execute(f"insert into claims select alias_key, name_id, count(*) from {s}.staged_claims"
                     " group by alias_key, name_id order by alias_key, name_id")
        for table in ("roles", "aliases", "claims"):
            conn.execute(f"delete from {s}.staged_{table}")

        # Join targets: a group key claimed by exactly one other group (the key of a claiming name) with more words.
        groups: dict[str, int | str] = {}  # key → the ids of its names, as name_groups holds them (`name_ids_value`)
        for name_id in range(1, len(self.keys)):
            held = groups.get(self.keys[name_id])
            groups[self.keys[name_id]] = name_id if held is None else f"{held},{name_id}"
        claimant: dict[str, object] = {}
        for alias_key, name_id in conn.execute("select alias_key, name_id from claims"):
            if alias_key in groups:
                claiming = claimant.get(alias_key)
                if claiming is None:
                    claimant[alias_key] = self.keys[name_id]
                elif claiming != self.keys[name_id]:
                    claimant[alias_key] = MANY
        target = {key: join_target(key, True, () if by is MANY else (by,))
                  for key, by in claimant.items() if by is not MANY}
        target = {key: up for key, up in target.items() if up is not None}
        del claimant
        root: dict[str, str] = {}
        for key in target:
            top = key
            while top in target:
                top = target[top]
            root[key] = top
        left: dict[str, int] = {}  # names of each tree still to be read (trees of several names only)
        for key in self.keys[1:]:
            top = root.get(key, key)
            left[top] = left.get(top, 0) + 1
        left = {top: count for top, count in left.items() if count > 1}
        waiting: dict[str, tuple[dict, dict, dict]] = {}
        persons: list[tuple] = []
        roles = conn.execute("select name_id, role, mentions, records from name_roles order by name_id")
        aliases = conn.execute("select name_id, alias, records from name_aliases order by name_id")
        next_role, next_alias = next(roles, None), next(aliases, None)
        for name_id in range(1, len(self.names)):
            name = self.names[name_id]
            counts = NameCounts(self.keys[name_id], records[name_id], mentions[name_id], quotes[name_id],
                                paragraphs[name_id], statements[name_id])
            its_roles, its_aliases = {}, {}
            while next_role is not None and next_role[0] == name_id:
                its_roles[name, next_role[1]] = [next_role[2], next_role[3]]
                next_role = next(roles, None)
            while next_alias is not None and next_alias[0] == name_id:
                its_aliases[name, next_alias[1]] = next_alias[2]
                next_alias = next(aliases, None)
            top = root.get(counts.key, counts.key)
            if top not in left:
                persons.append(self._person(top, describe({name: counts}, top_role({name: counts}, its_roles), its_aliases)))
            else:
                tree = waiting.setdefault(top, ({}, {}, {}))
                tree[0][name] = counts
                tree[1].update(its_roles)
                tree[2].update(its_aliases)
                left[top] -= 1
                if not left[top]:
                    tree_names, tree_roles, tree_aliases = waiting.pop(top)
                    persons.append(self._person(top, describe(tree_names, top_role(tree_names, tree_roles), tree_aliases)))
            if len(persons) >= BATCH:
                self._stage_persons(persons)
        self._stage_persons(persons)
        conn.executemany(f"insert into {s}.key_roots values (?, ?, ?, ?)",
                         ((key, target.get(key), root.get(key, key), ids) for key, ids in groups.items()))
        del root, target, groups, waiting

        # People numbered in the order of their names' keys; every key and name gets its person.
        conn.execute(f"insert into {s}.person_of_root select root, row_number() over (order by sort_key, name)"
                     f" from {s}.persons")
        conn.execute(f"insert into people select row_number() over (order by sort_key, name), name, role, aliases,"
                     f" mentions, quotes, paragraphs, statements from {s}.persons"
                     " order by sort_key, name")
        conn.execute(f"insert into name_groups select k.key, k.target, r.person_id, k.names from {s}.key_roots k"
                     f" join {s}.person_of_root r on r.root = k.root order by k.key")
        conn.execute(f"insert into {s}.person_of_name select n.name_id, g.person_id from {s}.name_keys n"
                     " join name_groups g on g.key = n.key order by n.name_id")
        return conn.execute(f"select count(*) from {s}.persons").fetchone()[0]

    @staticmethod
    def _person(root: str, described: tuple) -> tuple:
        name, role, aliases, mentions, quotes, documents, paragraphs, statements = described
        return (root, name_key(name), name, role, "\n".join(aliases), mentions, quotes, documents, paragraphs,
                statements)

    def _stage_persons(self, persons: list[tuple]) -> None:
        self.conn.executemany(f"insert into {self.scratch}.persons values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", persons)
        persons.clear()


def merge_people(people_by_document: list[list]) -> tuple[list[MergedPerson], list[dict[str, int]]]:
    """People merged across documents (records: anything with name, aliases, role, mentions), as a build
    merges them; and, per document, each local name → merged person id."""
    from bot.store.schema import TABLES

    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.executescript(TABLES)
        conn.execute("attach ':memory:' as scratch")
        tables = MergeTables(conn)
        for people in people_by_document:
            for p in people:
                tables.add(p.name, p.aliases, p.role, p.mentions)
        tables.finish()
        merged = [MergedPerson(pid, name, role, aliases.split("\n") if aliases else [], mentions, quotes, documents,
                               paragraphs) for pid, name, role, aliases, mentions, quotes, documents, paragraphs
                  in conn.execute("select r.person_id, p.name, p.role, p.aliases, p.mentions, p.quotes, p.documents,"
                                  " p.paragraphs from scratch.persons p join scratch.person_of_root r on r.root = p.root"
                                  " order by r.person_id")]
        person_of = dict(conn.execute("select n.name, m.person_id from names n join scratch.person_of_name m"
                                      " on m.name_id = n.id"))
    finally:
        conn.close()
    return merged, [{p.name: person_of[p.name] for p in people} for people in people_by_document]
