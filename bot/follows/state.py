"""Follows, alert settings and the alert log, in state.db beside the digests' tables.

Like everything in state.db these are the users' own data (briefing.db is rebuilt at will and holds
none of it). A follow of a person is kept by the person's names, folded (`bot.store.names.fold`),
never by a row id of briefing.db; a topic by its stemmed words.

The alert log works as the digest log does. Matching puts each new item once in `alert_items` and,
for every chat that follows it, a row in `alert_queue` keyed by (chat, item): an item can be queued
for a chat only once, ever. Delivery claims a batch: in one transaction it writes the composed
messages to `alert_batches` and marks the items as in that batch; then it sends the messages one by
one, recording each. A restart resumes a claimed batch after its last recorded message and never
composes its items again.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from bot.delivery.state import COMPOSED, SENT, UNDELIVERABLE, StateStore

PERSON, TOPIC = "person", "topic"
PENDING, BATCHED, HELD = "pending", "batched", "held"  # held: alerts were off; kept for /alerts and the digest
MAX_FOLLOWS = 50


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Follow:
    id: int
    chat_id: int
    kind: str  # PERSON or TOPIC
    key: str  # person: the folded canonical name; topic: stemmed words, then "-" and the excluded ones
    label: str  # as shown: the person's name, or the topic as typed
    labels: tuple[str, ...]  # person: folded name and aliases, canonical first
    words: tuple[str, ...]  # topic: stems that must all be in one paragraph
    exclude: tuple[str, ...]  # topic: stems that must be nowhere in the document
    thread_id: int | None  # the forum topic the follow was made in
    created_at: str


@dataclass(frozen=True)
class AlertSettings:
    enabled: bool
    batch_minutes: float | None  # None: the bot's default (ALERT_BATCH_MINUTES)
    quiet: tuple[str, str] | None  # local ("22:00", "07:00")
    only_follows: bool  # the daily digest holds only what the chat follows
    paused: str | None  # why alerts stopped (the bot was blocked or removed)


@dataclass(frozen=True)
class QueuedItem:
    key: str
    kind: str
    html: str  # the alert as sent
    line: str  # one line of it, for digests and /alerts
    follow_id: int | None
    label: str | None  # the follow's label (None when the follow was removed since)
    thread_id: int | None
    queued_at: str
    detail: str | None  # what matched, for this chat (a topic's sentence)


@dataclass(frozen=True)
class Batch:
    chat_id: int
    batch: int
    thread_id: int | None
    status: str
    parts: list[str]
    parts_sent: int
    created_at: str


class TooManyFollows(Exception):
    pass


class FollowState:
    """The follow and alert tables of state.db, over a StateStore's connection and transactions."""

    def __init__(self, state: StateStore):
        self.state = state
        self.db = state.db
        self._create_tables()
        for table in ("follows", "alert_settings", "alert_queue", "alert_batches"):
            if table not in state.chat_tables:
                state.chat_tables.append(table)

    def _create_tables(self) -> None:
        with self.state._atomic():
            for sql in (
                "CREATE TABLE IF NOT EXISTS follows (id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL,"
                " kind TEXT NOT NULL, key TEXT NOT NULL, label TEXT NOT NULL, labels TEXT, words TEXT, exclude TEXT,"
                " thread_id INTEGER, created_by INTEGER, created_at TEXT, UNIQUE (chat_id, kind, key))",
                "CREATE TABLE IF NOT EXISTS alert_settings (chat_id INTEGER PRIMARY KEY, enabled INTEGER DEFAULT 1,"
                " batch_minutes REAL, quiet TEXT, only_follows INTEGER DEFAULT 0, paused TEXT)",
                # Each new item once, rendered once whatever the number of chats it goes to.
                "CREATE TABLE IF NOT EXISTS alert_items (key TEXT PRIMARY KEY, kind TEXT, html TEXT, line TEXT,"
                " created_at TEXT)",
                "CREATE TABLE IF NOT EXISTS alert_queue (chat_id INTEGER NOT NULL, key TEXT NOT NULL, follow_id INTEGER,"
                " thread_id INTEGER, queued_at TEXT, status TEXT, batch INTEGER, detail TEXT, PRIMARY KEY (chat_id, key))",
                f"CREATE INDEX IF NOT EXISTS alert_queue_pending ON alert_queue (chat_id, queued_at)"
                f" WHERE status = '{PENDING}'",
                "CREATE INDEX IF NOT EXISTS alert_queue_recent ON alert_queue (chat_id, queued_at)",
                "CREATE TABLE IF NOT EXISTS alert_batches (chat_id INTEGER NOT NULL, batch INTEGER NOT NULL,"
                " thread_id INTEGER, status TEXT, parts TEXT, parts_sent INTEGER DEFAULT 0, created_at TEXT,"
                " updated_at TEXT, error TEXT, PRIMARY KEY (chat_id, batch))",
                f"CREATE INDEX IF NOT EXISTS alert_batches_open ON alert_batches (chat_id) WHERE status = '{COMPOSED}'",
                # What the matcher has already seen of briefing.db: each document's content hash and the
                # keys of its quotations (a changed document alerts only its new quotations).
                "CREATE TABLE IF NOT EXISTS alert_documents (path TEXT PRIMARY KEY, sha256 TEXT, quotes TEXT)",
                "CREATE TABLE IF NOT EXISTS alert_meta (key TEXT PRIMARY KEY, value TEXT)",
            ):
                self.db.execute(sql)

    def _rows(self, sql: str, params: Iterable = ()) -> list[tuple]:
        return self.db.execute(sql, list(params)).fetchall()

    # Follows ------------------------------------------------------------------------------------

    def add(self, chat_id: int, kind: str, key: str, label: str, labels: Iterable[str] = (),
            words: Iterable[str] = (), exclude: Iterable[str] = (), thread_id: int | None = None,
            created_by: int | None = None, now: datetime | None = None) -> tuple[Follow, bool]:
        """The chat's follow of (kind, key): the existing one (False), or a new one (True).
        Raises TooManyFollows past MAX_FOLLOWS."""
        with self.state._atomic():
            existing = self._rows("SELECT * FROM follows WHERE chat_id = ? AND kind = ? AND key = ?", [chat_id, kind, key])
            if existing:
                return _follow(existing[0]), False
            if self.count(chat_id) >= MAX_FOLLOWS:
                raise TooManyFollows()
            self.db.execute(
                "INSERT INTO follows (chat_id, kind, key, label, labels, words, exclude, thread_id, created_by,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [chat_id, kind, key, label, json.dumps(list(labels)), json.dumps(list(words)),
                 json.dumps(list(exclude)), thread_id, created_by, iso(now or datetime.now(timezone.utc))])
            self._bump()
            self.db.execute("UPDATE alert_settings SET paused = NULL WHERE chat_id = ?", [chat_id])
            row = self._rows("SELECT * FROM follows WHERE chat_id = ? AND kind = ? AND key = ?", [chat_id, kind, key])
        return _follow(row[0]), True

    def remove(self, chat_id: int, follow_id: int) -> Follow | None:
        with self.state._atomic():
            rows = self._rows("SELECT * FROM follows WHERE chat_id = ? AND id = ?", [chat_id, follow_id])
            if not rows:
                return None
            self.db.execute("DELETE FROM follows WHERE id = ?", [follow_id])
            self._bump()
        return _follow(rows[0])

    def of_chat(self, chat_id: int) -> list[Follow]:
        return [_follow(r) for r in self._rows("SELECT * FROM follows WHERE chat_id = ? ORDER BY id", [chat_id])]

    def count(self, chat_id: int) -> int:
        return self._rows("SELECT count(*) FROM follows WHERE chat_id = ?", [chat_id])[0][0]

    def every(self) -> list[Follow]:
        return [_follow(r) for r in self._rows("SELECT * FROM follows ORDER BY id")]

    def version(self) -> int:
        """Changes with every follow added or removed (by any process using this state.db)."""
        return int(self.meta("follows_version") or 0)

    def _bump(self) -> None:
        self.db.execute("INSERT INTO alert_meta (key, value) VALUES ('follows_version', '1') ON CONFLICT (key)"
                        " DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    # Alert settings -----------------------------------------------------------------------------

    def settings(self, chat_id: int) -> AlertSettings:
        rows = self._rows("SELECT enabled, batch_minutes, quiet, only_follows, paused FROM alert_settings"
                          " WHERE chat_id = ?", [chat_id])
        if not rows:
            return AlertSettings(True, None, None, False, None)
        enabled, batch, quiet, only_follows, paused = rows[0]
        return AlertSettings(bool(enabled), batch, tuple(quiet.split("-")) if quiet else None, bool(only_follows),
                             paused)

    def every_setting(self) -> dict[int, AlertSettings]:
        return {r[0]: AlertSettings(bool(r[1]), r[2], tuple(r[3].split("-")) if r[3] else None, bool(r[4]), r[5])
                for r in self._rows("SELECT chat_id, enabled, batch_minutes, quiet, only_follows, paused"
                                    " FROM alert_settings")}

    def update_settings(self, chat_id: int, **values: object) -> AlertSettings:
        """Set some of enabled, batch_minutes, quiet ("HH:MM-HH:MM" or None), only_follows, paused."""
        with self.state._atomic():
            self.db.execute("INSERT INTO alert_settings (chat_id) VALUES (?) ON CONFLICT (chat_id) DO NOTHING",
                            [chat_id])
            for column, value in values.items():
                assert column in {"enabled", "batch_minutes", "quiet", "only_follows", "paused"}, column
                self.db.execute(f"UPDATE alert_settings SET {column} = ? WHERE chat_id = ?", [value, chat_id])
            if values.get("enabled"):
                self.db.execute("UPDATE alert_settings SET paused = NULL WHERE chat_id = ?", [chat_id])
        return self.settings(chat_id)

    # Matching's memory of the store -------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM alert_meta WHERE key = ?", [key])
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self.state._atomic():
            self.db.execute("INSERT INTO alert_meta (key, value) VALUES (?, ?) ON CONFLICT (key)"
                            " DO UPDATE SET value = excluded.value", [key, value])

    def known_documents(self) -> dict[str, str]:
        """path → content hash of every document matching has seen."""
        return dict(self._rows("SELECT path, sha256 FROM alert_documents"))

    def known_quotes(self, paths: Iterable[str]) -> dict[str, set[str]]:
        paths = list(paths)
        found: dict[str, set[str]] = {}
        for start in range(0, len(paths), 500):
            chunk = paths[start:start + 500]
            for path, quotes in self._rows(f"SELECT path, quotes FROM alert_documents WHERE path IN"
                                           f" ({','.join('?' * len(chunk))})", chunk):
                found[path] = set((quotes or "").split())
        return found

    def record(self, documents: list[tuple[str, str, list[str]]], gone: Iterable[str],
               items: list[tuple[str, str, str, str]], queue: list[tuple[int, str, int, int | None, str, str | None]],
               now: datetime, durable: bool = True) -> int:
        """One matching pass, in one transaction: the documents it saw (path, hash, quotation keys), the
        paths no longer in the store, the new items (key, kind, html, line) and the queue rows (chat,
        item key, follow id, thread, status, what matched); a (chat, item) queued before is left alone. Returns how
        many queue rows were new."""
        at = iso(now)
        with self.state._atomic(durable):
            conn = self.db.conn
            conn.executemany("INSERT INTO alert_documents (path, sha256, quotes) VALUES (?, ?, ?) ON CONFLICT (path)"
                             " DO UPDATE SET sha256 = excluded.sha256, quotes = excluded.quotes",
                             [(path, sha, " ".join(keys)) for path, sha, keys in documents])
            conn.executemany("DELETE FROM alert_documents WHERE path = ?", [(p,) for p in gone])
            conn.executemany("INSERT INTO alert_items (key, kind, html, line, created_at) VALUES (?, ?, ?, ?, ?)"
                             " ON CONFLICT (key) DO NOTHING", [(*item, at) for item in items])
            before = conn.total_changes
            conn.executemany("INSERT INTO alert_queue (chat_id, key, follow_id, thread_id, queued_at, status, detail)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, key) DO NOTHING",
                             [(chat, key, follow, thread, at, status, detail)
                              for chat, key, follow, thread, status, detail in queue])
            return conn.total_changes - before

    # Batches ------------------------------------------------------------------------------------

    def pending_chats(self) -> dict[int, str]:
        """Chats with items waiting for a batch, each with when its oldest waiting item came."""
        return dict(self._rows(f"SELECT chat_id, min(queued_at) FROM alert_queue WHERE status = '{PENDING}'"
                               " GROUP BY chat_id"))

    def pending(self, chat_id: int) -> list[QueuedItem]:
        return self._items(f"WHERE q.chat_id = ? AND q.status = '{PENDING}' ORDER BY q.queued_at, q.rowid", [chat_id])

    def _items(self, where: str, params: list) -> list[QueuedItem]:
        return [QueuedItem(*row) for row in self._rows(
            "SELECT q.key, i.kind, i.html, i.line, q.follow_id, f.label, q.thread_id, q.queued_at, q.detail FROM alert_queue q"
            " JOIN alert_items i ON i.key = q.key LEFT JOIN follows f ON f.id = q.follow_id " + where, params)]

    def claim(self, chat_id: int, thread_id: int | None, keys: list[str], parts: list[str], now: datetime) -> Batch:
        """The chat's next batch, with its messages, and its items taken out of the waiting ones: at once."""
        at = iso(now)
        with self.state._atomic(durable=False):
            batch = self._rows("SELECT coalesce(max(batch), 0) + 1 FROM alert_batches WHERE chat_id = ?", [chat_id])[0][0]
            self.db.execute("INSERT INTO alert_batches (chat_id, batch, thread_id, status, parts, parts_sent,"
                            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                            [chat_id, batch, thread_id, COMPOSED, json.dumps(parts), at, at])
            self.db.conn.executemany(f"UPDATE alert_queue SET status = '{BATCHED}', batch = ? WHERE chat_id = ?"
                                     f" AND key = ? AND status = '{PENDING}'", [(batch, chat_id, k) for k in keys])
        return Batch(chat_id, batch, thread_id, COMPOSED, parts, 0, at)

    def hold(self, chat_id: int, keys: list[str]) -> None:
        """Waiting items of a chat whose alerts are off: kept for /alerts and the digest, never sent."""
        with self.state._atomic(durable=False):
            self.db.conn.executemany(f"UPDATE alert_queue SET status = '{HELD}' WHERE chat_id = ? AND key = ?"
                                     f" AND status = '{PENDING}'", [(chat_id, k) for k in keys])

    def open_batches(self, chat_ids: Iterable[int] | None = None) -> list[Batch]:
        rows = self._rows(f"SELECT chat_id, batch, thread_id, status, parts, parts_sent, created_at FROM alert_batches"
                          f" WHERE status = '{COMPOSED}' ORDER BY chat_id, batch")
        wanted = None if chat_ids is None else set(chat_ids)
        return [Batch(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6]) for r in rows
                if wanted is None or r[0] in wanted]

    def batch_sent(self, chat_id: int, batch: int, parts_sent: int, done: bool, now: datetime) -> None:
        with self.state._atomic(durable=False):
            self.db.execute("UPDATE alert_batches SET parts_sent = ?, status = ?, updated_at = ?, error = NULL"
                            " WHERE chat_id = ? AND batch = ?", [parts_sent, SENT if done else COMPOSED, iso(now),
                                                                 chat_id, batch])

    def batch_error(self, chat_id: int, batch: int, error: str, now: datetime, status: str = COMPOSED) -> None:
        with self.state._atomic():
            self.db.execute("UPDATE alert_batches SET status = ?, error = ?, updated_at = ? WHERE chat_id = ?"
                            " AND batch = ?", [status, error, iso(now), chat_id, batch])

    def undeliverable(self, chat_id: int, batch: int, reason: str, now: datetime) -> None:
        """The bot was blocked or removed: the batch is closed and the chat's alerts pause until the chat
        follows something again or turns alerts back on."""
        with self.state._atomic():
            self.batch_error(chat_id, batch, reason, now, UNDELIVERABLE)
            self.update_settings(chat_id, paused=reason)

    def last_batch(self, chat_id: int) -> Batch | None:
        rows = self._rows(f"SELECT chat_id, batch, thread_id, status, parts, parts_sent, created_at FROM alert_batches"
                          f" WHERE chat_id = ? AND status = '{SENT}' ORDER BY batch DESC LIMIT 1", [chat_id])
        return Batch(rows[0][0], rows[0][1], rows[0][2], rows[0][3], json.loads(rows[0][4]), rows[0][5],
                     rows[0][6]) if rows else None

    def since_last_alert(self, chat_id: int, offset: int, limit: int) -> tuple[list[QueuedItem], int]:
        """What the chat's last alert message carried (with what it left for /alerts) and what came since,
        newest first; with no alert message yet, everything queued for the chat."""
        last = self.last_batch(chat_id)
        where = "WHERE q.chat_id = ?" + (" AND (q.batch >= ? OR q.batch IS NULL)" if last else "")
        params: list = [chat_id] + ([last.batch] if last else [])
        total = self._rows("SELECT count(*) FROM alert_queue q " + where, params)[0][0]
        items = self._items(where + " ORDER BY q.queued_at DESC, q.rowid DESC LIMIT ? OFFSET ?", params + [limit, offset])
        return items, total

    def item_lines(self, keys: list[str]) -> list[str]:
        """The one-line form of the items of `keys`, in that order (items no longer known left out)."""
        lines = dict(self._rows(f"SELECT key, line FROM alert_items WHERE key IN ({','.join('?' * len(keys))})", keys))
        return [lines[k] for k in keys if k in lines]

    def recent(self, chat_id: int, since: datetime, limit: int) -> list[QueuedItem]:
        """Items queued for the chat since `since`, newest first."""
        return self._items("WHERE q.chat_id = ? AND q.queued_at >= ? ORDER BY q.queued_at DESC, q.rowid DESC LIMIT ?",
                           [chat_id, iso(since), limit])


def _follow(row: tuple) -> Follow:
    (fid, chat_id, kind, key, label, labels, words, exclude, thread_id, _created_by, created_at) = row
    return Follow(fid, chat_id, kind, key, label, tuple(json.loads(labels or "[]")), tuple(json.loads(words or "[]")),
                  tuple(json.loads(exclude or "[]")), thread_id, created_at)
