"""Which people an incremental change can reach: the redirect trees of the name keys it touches."""
from __future__ import annotations

import sqlite3
from collections.abc import Callable

from bot.build.merge import group_key, name_key
from bot.build.prepare import PreparedFile


def affected_records(conn: sqlite3.Connection, touched: set[str], removed: list[int],
                      added: list[PreparedFile]) -> tuple[dict[int, tuple], list[str]]:
    """The person records to merge again, and the name keys that stay ambiguous after the change.

    `merge_people` groups records by name key and then redirects a group k to the group g of a
    fuller name when g is the only group carrying k as an alias. A merged person is one tree of such
    redirects. A change can alter only the redirects of the keys it touches (their records or their
    claimants changed), so the people to merge again are the trees, before and after the change, that
    hold a touched key: from each key, its redirect target (before and after) and the keys redirected
    into it are followed, never the many fuller names that merely share an ambiguous alias ("Mr.
    Smith"). So that the partial merge keeps such a key ambiguous, the caller adds two stand-in
    claimants for each (the returned keys) and drops them from the result.
    Returns record id → (id, document_id, ord, person_id, name, aliases, role, mentions, path).
    """
    added_own: set[str] = set()
    added_claims: dict[str, set[str]] = {}  # alias key → own keys of new records carrying it
    for prepared in added:
        for record in prepared.records:
            own = group_key(record[0])
            added_own.add(own)
            for alias in record[1]:
                if name_key(alias) != own:
                    added_claims.setdefault(name_key(alias), set()).add(own)
    gone = f" and r.document_id not in ({','.join(map(str, removed))})" if removed else ""
    memo: dict[tuple, object] = {}

    def once(key: tuple, compute: Callable[[], object]):
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    def is_group(key: str, after: bool) -> bool:
        if after and key in added_own:
            return True
        return once(("group", key, after), lambda: conn.execute(
            f"select 1 from person_records r where r.name_key = ?{gone if after else ''} limit 1", (key,)).fetchone()
            is not None)

    def claimants(key: str, after: bool) -> set[str]:
        """Up to three groups (own keys) carrying `key` as an alias: enough to tell one from many."""
        found = once(("claim", key, after), lambda: {k for (k,) in conn.execute(
            "select distinct r.name_key from alias_keys a join person_records r on r.id = a.record_id"
            f" where a.key = ? and r.name_key != ?{gone if after else ''} limit 3", (key, key))})
        return found | added_claims.get(key, set()) if after else found

    def target(key: str, after: bool) -> str | None:
        if not is_group(key, after):
            return None
        groups = claimants(key, after)
        if len(groups) != 1:
            return None
        (group,) = groups
        return group if len(group.split()) > len(key.split()) else None

    visited: set[str] = set()
    frontier = list(touched)
    while frontier:
        key = frontier.pop()
        if key in visited:
            continue
        visited.add(key)
        for after in (False, True):
            up = target(key, after)
            if up is not None and up not in visited:
                frontier.append(up)
        for (alias,) in conn.execute("select distinct a.key from alias_keys a join person_records r"
                                     " on r.id = a.record_id where r.name_key = ?", (key,)):
            if alias not in visited and key in (target(alias, False), target(alias, True)):
                frontier.append(alias)

    found: dict[int, tuple] = {}
    select = ("select r.id, r.document_id, r.ord, r.person_id, r.name, r.aliases, r.role, r.mentions, d.path"
              " from person_records r join documents d on d.id = r.document_id where r.name_key = ?")
    for key in visited:
        found.update((row[0], row) for row in conn.execute(select, (key,)))
    ambiguous = sorted(key for key in visited if is_group(key, True) and len(claimants(key, True)) > 1)
    return found, ambiguous
