"""The people an in-place change reaches, merged again from stored counts (see `bot.build.merge`).

A change adds and removes records. Their counts go into the tables `names`, `name_roles`,
`name_aliases` and `claims`; the join target of a key can change only if its group appeared or went
away or its claimants changed, and those are the keys the changed records carry (their names' keys
and their aliases' keys). The people to describe again are the trees that hold such a key, before
the change (they may lose keys or their root) and after it (they may gain keys). Each tree is read
from `name_groups` (a key's target, and the keys whose target it is), and a person is described from
the counts of its names. The work is proportional to the change and the trees it touches, not to
how many documents a name is in.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from bot.build.merge import MergeCounts, MergedPerson, NameCounts, describe, join_target
from bot.build.rows import chunks


class PeopleChange:
    """Applies a change's counts to the merge tables and works out who the reached people are now."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.old_person: dict[str, int | None] = {}  # key → person id of its tree before the change
        self.name_ids: dict[str, int] = {}

    # ---- counts ------------------------------------------------------------------------------

    def name_id(self, name: str) -> int | None:
        if name not in self.name_ids:
            row = self.conn.execute("select id from names where name = ?", (name,)).fetchone()
            if row is None:
                return None
            self.name_ids[name] = row[0]
        return self.name_ids[name]

    def apply(self, delta: MergeCounts) -> set[str]:
        """Add the change's counts to the tables; returns the keys whose join target may have changed."""
        conn = self.conn
        next_id = (conn.execute("select max(id) from names").fetchone()[0] or 0) + 1
        for name, c in delta.names.items():
            name_id = self.name_id(name)
            if name_id is None:
                name_id = self.name_ids[name] = next_id
                next_id += 1
                conn.execute("insert into names values (?, ?, ?, 0, 0, 0, 0)", (name_id, name, c.key))
            conn.execute("update names set records = records + ?, mentions = mentions + ?, quotes = quotes + ?,"
                         " paragraphs = paragraphs + ? where id = ?",
                         (c.records, c.mentions, c.quotes, c.paragraphs, name_id))
        for (name, role), (mentions, records) in delta.roles.items():
            self._add("name_roles", "name_id = ? and role = ?", (self.name_ids[name], role), (mentions, records))
        for (name, alias), records in delta.aliases.items():
            self._add("name_aliases", "name_id = ? and alias = ?", (self.name_ids[name], alias), (records,))
        for (alias_key, group_key), records in delta.claims.items():
            self._add("claims", "alias_key = ? and group_key = ?", (alias_key, group_key), (records,))
        gone = [self.name_ids[name] for name in delta.names
                if conn.execute("select records from names where id = ?", (self.name_ids[name],)).fetchone()[0] <= 0]
        for chunk in chunks(gone):
            marks = ",".join("?" * len(chunk))
            for table, column in (("names", "id"), ("name_roles", "name_id"), ("name_aliases", "name_id")):
                conn.execute(f"delete from {table} where {column} in ({marks})", chunk)
        return {c.key for c in delta.names.values()} | {alias_key for alias_key, _ in delta.claims}

    def _add(self, table: str, where: str, key: tuple, amounts: tuple[int, ...]) -> None:
        """Add `amounts` to the row's counts (the last of them counts records: a row goes at 0)."""
        if not any(amounts):
            return
        columns = {"name_roles": ("mentions", "records"), "name_aliases": ("records",), "claims": ("records",)}[table]
        settings = ", ".join(f"{c} = {c} + ?" for c in columns)
        updated = self.conn.execute(f"update {table} set {settings} where {where}", (*amounts, *key)).rowcount
        if not updated:
            self.conn.execute(f"insert into {table} values ({','.join('?' * (len(key) + len(amounts)))})", (*key, *amounts))
        elif amounts[-1] < 0:
            self.conn.execute(f"delete from {table} where {where} and {columns[-1]} <= 0", key)

    # ---- trees -------------------------------------------------------------------------------

    def _target(self, key: str) -> tuple[bool, str | None]:
        row = self.conn.execute("select target from name_groups where key = ?", (key,)).fetchone()
        return (False, None) if row is None else (True, row[0])

    def _root(self, key: str) -> str | None:
        exists, target = self._target(key)
        if not exists:
            return None
        while target is not None:
            key = target
            target = self._target(key)[1]
        return key

    def _tree(self, root: str) -> list[str]:
        keys, frontier = [root], [root]
        while frontier:
            found = [k for (k,) in self.conn.execute("select key from name_groups where target = ?", (frontier.pop(),))]
            keys += found
            frontier += found
        return keys

    def _remember_people(self, keys: Iterable[str]) -> None:
        for chunk in chunks(sorted(k for k in keys if k not in self.old_person)):
            found = dict(self.conn.execute(
                f"select key, person_id from name_groups where key in ({','.join('?' * len(chunk))})", chunk))
            for key in chunk:
                self.old_person[key] = found.get(key)

    def trees_before(self, keys: set[str]) -> set[str]:
        """The keys of every tree holding one of `keys`, before the change; their people are remembered."""
        reached: set[str] = set()
        for key in keys:
            if key in reached:
                continue
            root = self._root(key)
            if root is not None:
                reached.update(self._tree(root))
        self._remember_people(reached)
        return reached

    def join_again(self, keys: set[str]) -> None:
        """Work out the join target of each of `keys` from the counts, and record it."""
        conn = self.conn
        for key in sorted(keys):
            is_group = conn.execute("select 1 from names where key = ? and records > 0 limit 1", (key,)).fetchone() is not None
            claimants = [k for (k,) in conn.execute(
                "select group_key from claims where alias_key = ? and records > 0 limit 2", (key,))]
            target = join_target(key, is_group, claimants)
            exists, old = self._target(key)
            if not is_group:
                if exists:
                    conn.execute("delete from name_groups where key = ?", (key,))
            elif not exists:
                conn.execute("insert into name_groups values (?, ?, null)", (key, target))
            elif old != target:
                conn.execute("update name_groups set target = ? where key = ?", (target, key))

    def trees_after(self, keys: set[str]) -> list[list[str]]:
        """The trees (root first) holding any of `keys` now, in the order of their roots."""
        roots = {root for root in map(self._root, keys) if root is not None}
        trees = [self._tree(root) for root in sorted(roots)]
        self._remember_people(k for tree in trees for k in tree)
        return trees

    # ---- people ------------------------------------------------------------------------------

    def describe(self, tree: list[str], person_id: int) -> MergedPerson:
        conn = self.conn
        names: dict[str, NameCounts] = {}
        ids: dict[int, str] = {}
        for chunk in chunks(tree):
            for name_id, name, key, records, mentions, quotes, paragraphs in conn.execute(
                    f"select id, name, key, records, mentions, quotes, paragraphs from names"
                    f" where key in ({','.join('?' * len(chunk))}) and records > 0", chunk):
                names[name] = NameCounts(key, records, mentions, quotes, paragraphs)
                ids[name_id] = name
        roles: dict[tuple[str, str], list[int]] = {}
        aliases: dict[tuple[str, str], int] = {}
        for chunk in chunks(sorted(ids)):
            marks = ",".join("?" * len(chunk))
            for name_id, role, mentions, records in conn.execute(
                    f"select name_id, role, mentions, records from name_roles where name_id in ({marks})", chunk):
                roles[ids[name_id], role] = [mentions, records]
            for name_id, alias, records in conn.execute(
                    f"select name_id, alias, records from name_aliases where name_id in ({marks})", chunk):
                aliases[ids[name_id], alias] = records
        name, role, alias_list, mentions, quotes, documents, paragraphs = describe(names, roles, aliases)
        return MergedPerson(person_id, name, role, alias_list, mentions, quotes, documents, paragraphs)
