"""Follows, alert settings and the alert log, in state.db beside the digests' tables.

Like everything in state.db these are the users' own data (briefing.db is rebuilt at will and holds
none of it). A follow of a person is kept by the person's names, folded (`bot.store.names.fold`),
never by a row id of briefing.db; a topic by its stemmed words.

Alerts are kept per thing followed, not per chat, so that what matching writes grows with what is new
and not with the number of chats. Matching puts each new item once in `alert_items` (numbered by
`seq`, in the order they came; an item's key is what it is, so an item already there is never added
again) and a row in `alert_hits` for each person or topic it is about (a follow's `target`). A chat's
waiting alerts are the hits of its follows newer than its watermark (`alert_chats.seq`) and than the
follow itself. Delivery claims a batch: in one transaction it writes the composed messages to
`alert_batches` and moves the chat's watermark past the items in them; then it sends the messages one
by one, recording each. A restart resumes a claimed batch after its last recorded message and never
composes its items again.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from bot.delivery.state import COMPOSED, SENT, UNDELIVERABLE, StateStore
from bot.follows.items import render_item
from bot.i18n import ENGLISH, Translator

PERSON, TOPIC = "person", "topic"
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


def target(kind: str, key: str) -> str:
    """What a follow is of, as hits name it: "p:" + a person's folded name, "t:" + a topic's key."""
    return ("p:" if kind == PERSON else "t:") + key


@dataclass(frozen=True)
class QueuedItem:
    seq: int
    key: str
    kind: str
    html: str  # the alert as sent
    line: str  # one line of it, for digests and /alerts
    document: str | None  # the document's path
    follow_id: int
    label: str  # the follow's label
    thread_id: int | None
    queued_at: str
    data: str | None = None  # the facts it was rendered from (JSON), for other languages (bot.follows.items)

    def rendered(self, t: Translator) -> tuple[str, str]:
        """(the alert, one line of it) in `t`'s language: as stored for English, else from its facts."""
        if t.is_source or not self.data:
            return self.html, self.line
        return render_item(self.kind, self.data, t) or (self.html, self.line)


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
        for table in ("follows", "alert_settings", "alert_chats", "alert_batches"):
            if table not in state.chat_tables:
                state.chat_tables.append(table)

    def _create_tables(self) -> None:
        with self.state._atomic():
            for sql in (
                "CREATE TABLE IF NOT EXISTS follows (id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL,"
                " kind TEXT NOT NULL, key TEXT NOT NULL, label TEXT NOT NULL, labels TEXT, words TEXT, exclude TEXT,"
                " thread_id INTEGER, created_by INTEGER, created_at TEXT, target TEXT, since_seq INTEGER DEFAULT 0,"
                " UNIQUE (chat_id, kind, key))",
                "CREATE INDEX IF NOT EXISTS follows_target ON follows (target)",
                "CREATE TABLE IF NOT EXISTS alert_settings (chat_id INTEGER PRIMARY KEY, enabled INTEGER DEFAULT 1,"
                " batch_minutes REAL, quiet TEXT, only_follows INTEGER DEFAULT 0, paused TEXT)",
                # Each new item once, rendered once whatever the number of chats it goes to.
                "CREATE TABLE IF NOT EXISTS alert_items (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE,"
                " kind TEXT, html TEXT, line TEXT, document TEXT, created_at TEXT)",
                "CREATE INDEX IF NOT EXISTS alert_items_created ON alert_items (created_at)",
                "CREATE TABLE IF NOT EXISTS alert_hits (target TEXT NOT NULL, seq INTEGER NOT NULL,"
                " PRIMARY KEY (target, seq)) WITHOUT ROWID",
                "CREATE INDEX IF NOT EXISTS alert_hits_seq ON alert_hits (seq)",
                # Each chat's watermark: the last item it was sent (or, alerts off, passed over).
                "CREATE TABLE IF NOT EXISTS alert_chats (chat_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)",
                "CREATE TABLE IF NOT EXISTS alert_batches (chat_id INTEGER NOT NULL, batch INTEGER NOT NULL,"
                " thread_id INTEGER, status TEXT, parts TEXT, parts_sent INTEGER DEFAULT 0, first_seq INTEGER,"
                " last_seq INTEGER, created_at TEXT, updated_at TEXT, error TEXT, PRIMARY KEY (chat_id, batch))",
                f"CREATE INDEX IF NOT EXISTS alert_batches_open ON alert_batches (chat_id) WHERE status = '{COMPOSED}'",
                # What the matcher has already seen of briefing.db: each document's content hash and the
                # keys of its quotations (a changed document alerts only its new quotations).
                "CREATE TABLE IF NOT EXISTS alert_documents (path TEXT PRIMARY KEY, sha256 TEXT, quotes TEXT)",
                "CREATE TABLE IF NOT EXISTS alert_meta (key TEXT PRIMARY KEY, value TEXT)",
            ):
                self.db.execute(sql)
            # The facts each alert was rendered from (JSON), to render it in a chat's language; added by
            # issue 13, so a state.db from before gets the column (its older items stay English).
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(alert_items)")}
            if "data" not in columns:
                self.db.execute("ALTER TABLE alert_items ADD COLUMN data TEXT")

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
                " created_at, target, since_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " (SELECT coalesce(max(seq), 0) FROM alert_items))",  # only what comes after the follow
                [chat_id, kind, key, label, json.dumps(list(labels)), json.dumps(list(words)),
                 json.dumps(list(exclude)), thread_id, created_by, iso(now or datetime.now(timezone.utc)),
                 target(kind, key)])
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

    def targets(self) -> list[Follow]:
        """One follow for each thing followed (by any number of chats): what matching needs."""
        return [_follow(r) for r in self._rows("SELECT * FROM follows WHERE id IN (SELECT min(id) FROM follows"
                                               " GROUP BY target)")]

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

    def set_meta(self, key: str, value: str, durable: bool = True) -> None:
        with self.state._atomic(durable):
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
               items: list[tuple], now: datetime, durable: bool = True) -> tuple[int, int]:
        """One matching pass, in one transaction: the documents it saw (path, hash, quotation keys), the
        paths no longer in the store, and the new items (key, kind, html, line, document path, targets, and
        the facts they were rendered from: JSON, or None).
        An item whose key is there already (the same quotation in another document) is not added again.
        Returns (items added, hits added)."""
        at = iso(now)
        added = hits = 0
        with self.state._atomic(durable):
            conn = self.db.conn
            conn.executemany("INSERT INTO alert_documents (path, sha256, quotes) VALUES (?, ?, ?) ON CONFLICT (path)"
                             " DO UPDATE SET sha256 = excluded.sha256, quotes = excluded.quotes",
                             [(path, sha, " ".join(keys)) for path, sha, keys in documents])
            conn.executemany("DELETE FROM alert_documents WHERE path = ?", [(p,) for p in gone])
            rows = []
            for key, kind, html, line, document, targets, *data in items:
                cursor = conn.execute("INSERT INTO alert_items (key, kind, html, line, document, created_at, data)"
                                      " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                                      (key, kind, html, line, document, at, data[0] if data else None))
                if cursor.rowcount:
                    added += 1
                    rows += [(t, cursor.lastrowid) for t in targets]
            conn.executemany("INSERT OR IGNORE INTO alert_hits (target, seq) VALUES (?, ?)", rows)
            hits = len(rows)
        return added, hits

    # Batches ------------------------------------------------------------------------------------

    def floor(self) -> int:
        """No chat waits for an item at or below this (kept in alert_meta, moved up by `settle`)."""
        return int(self.meta("floor") or 0)

    def pending_chats(self) -> dict[int, str]:
        """Chats with items waiting for a batch, each with when its oldest waiting item came."""
        return {chat: first for chat, first in self._rows(
            "SELECT f.chat_id, min(i.created_at) FROM alert_hits h"
            " JOIN follows f ON f.target = h.target AND h.seq > f.since_seq"
            " JOIN alert_items i ON i.seq = h.seq"
            " LEFT JOIN alert_chats c ON c.chat_id = f.chat_id"
            " WHERE h.seq > ? AND h.seq > coalesce(c.seq, 0) GROUP BY f.chat_id", [self.floor()])}

    def settle(self) -> None:
        """Move the floor up to the oldest item any chat still waits for (all of them, when none waits)."""
        rows = self._rows("SELECT min(h.seq) FROM alert_hits h JOIN follows f ON f.target = h.target"
                          " AND h.seq > f.since_seq LEFT JOIN alert_chats c ON c.chat_id = f.chat_id"
                          " WHERE h.seq > ? AND h.seq > coalesce(c.seq, 0)", [self.floor()])
        waiting = rows[0][0]
        top = self._rows("SELECT coalesce(max(seq), 0) FROM alert_items")[0][0]
        floor = top if waiting is None else waiting - 1
        if floor != self.floor():
            self.set_meta("floor", str(floor), durable=False)

    def watermark(self, chat_id: int) -> int:
        rows = self._rows("SELECT seq FROM alert_chats WHERE chat_id = ?", [chat_id])
        return rows[0][0] if rows else 0

    _ITEMS = ("SELECT i.seq, i.key, i.kind, i.html, i.line, i.document, f.id, f.label, f.thread_id, i.created_at,"
              " i.data"
              " FROM follows f JOIN alert_hits h ON h.target = f.target AND h.seq > f.since_seq"
              " JOIN alert_items i ON i.seq = h.seq WHERE f.chat_id = ?")

    def _items(self, sql: str, params: list) -> list[QueuedItem]:
        """Items of the chat's follows, each once (an item two follows share comes with the first follow)."""
        found: dict[int, QueuedItem] = {}
        for row in self._rows(sql, params):
            if row[0] not in found:
                found[row[0]] = QueuedItem(*row)
        return list(found.values())

    def pending(self, chat_id: int) -> list[QueuedItem]:
        """The chat's waiting items, oldest first."""
        return self._items(self._ITEMS + " AND h.seq > ? ORDER BY i.seq, f.id", [chat_id, self.watermark(chat_id)])

    def claim(self, chat_id: int, batches: list[tuple[int | None, list[str], int, int]], through: int,
              now: datetime) -> list[Batch]:
        """The chat's next batches (thread, messages, first and last item), and its watermark moved to
        `through`: at once, so a batch is composed once and its items never again."""
        at = iso(now)
        claimed = []
        with self.state._atomic(durable=False):
            number = self._rows("SELECT coalesce(max(batch), 0) FROM alert_batches WHERE chat_id = ?", [chat_id])[0][0]
            for thread_id, parts, first, last in batches:
                number += 1
                self.db.execute("INSERT INTO alert_batches (chat_id, batch, thread_id, status, parts, parts_sent,"
                                " first_seq, last_seq, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
                                [chat_id, number, thread_id, COMPOSED, json.dumps(parts), first, last, at, at])
                claimed.append(Batch(chat_id, number, thread_id, COMPOSED, parts, 0, at))
            self._move(chat_id, through)
        return claimed

    def hold(self, chat_id: int, through: int) -> None:
        """A chat whose alerts are off passes its waiting items over (they stay for /alerts and the digest)."""
        with self.state._atomic(durable=False):
            self._move(chat_id, through)

    def _move(self, chat_id: int, through: int) -> None:
        self.db.execute("INSERT INTO alert_chats (chat_id, seq) VALUES (?, ?) ON CONFLICT (chat_id)"
                        " DO UPDATE SET seq = max(seq, excluded.seq)", [chat_id, through])

    def open_batches(self, chat_ids: Iterable[int] | None = None) -> list[Batch]:
        rows = self._rows(f"SELECT chat_id, batch, thread_id, status, parts, parts_sent, created_at FROM alert_batches"
                          f" WHERE status = '{COMPOSED}' ORDER BY chat_id, batch")
        wanted = None if chat_ids is None else set(chat_ids)
        return [Batch(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6]) for r in rows
                if wanted is None or r[0] in wanted]

    def batch_sent(self, chat_id: int, batch: int, parts_sent: int, done: bool, now: datetime) -> None:
        """Part `parts_sent` (1-based) was accepted; once the last was, the batch's messages are let go
        (only an unsent batch needs them; /alerts shows the items themselves)."""
        with self.state._atomic(durable=False):
            self.db.execute("UPDATE alert_batches SET parts_sent = ?, status = ?, updated_at = ?, error = NULL"
                            + (", parts = '[]'" if done else "") + " WHERE chat_id = ? AND batch = ?",
                            [parts_sent, SENT if done else COMPOSED, iso(now), chat_id, batch])

    def batch_error(self, chat_id: int, batch: int, error: str, now: datetime, status: str = COMPOSED) -> None:
        with self.state._atomic():
            self.db.execute("UPDATE alert_batches SET status = ?, error = ?, updated_at = ?"
                            + (", parts = '[]'" if status != COMPOSED else "") + " WHERE chat_id = ? AND batch = ?",
                            [status, error, iso(now), chat_id, batch])

    def prune(self, before: datetime) -> int:
        """Forget the items that came before `before`, and their hits (a chat's /alerts and digest look
        back a week at most). Returns how many items went."""
        rows = self._rows("SELECT seq FROM alert_items WHERE created_at < ? ORDER BY created_at DESC, seq DESC"
                          " LIMIT 1", [iso(before)])
        if not rows:
            return 0
        with self.state._atomic():
            self.db.execute("DELETE FROM alert_hits WHERE seq <= ?", [rows[0][0]])
            return self.db.execute("DELETE FROM alert_items WHERE seq <= ?", [rows[0][0]]).rowcount

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
        newest first; with no alert message yet, everything of the chat's follows."""
        rows = self._rows(f"SELECT first_seq FROM alert_batches WHERE chat_id = ? AND status = '{SENT}'"
                          " ORDER BY batch DESC LIMIT 1", [chat_id])
        since = (rows[0][0] or 1) - 1 if rows else 0
        items = self._items(self._ITEMS + " AND h.seq > ? ORDER BY i.seq DESC, f.id", [chat_id, since])
        return items[offset:offset + limit], len(items)

    def item_lines(self, keys: list[str], t: Translator = ENGLISH) -> list[str]:
        """The one-line form of the items of `keys`, in that order (items no longer known left out), in
        `t`'s language."""
        rows = self._rows(f"SELECT key, line, kind, data FROM alert_items WHERE key IN ({','.join('?' * len(keys))})",
                          keys)
        lines = {key: line if t.is_source or not data else (render_item(kind, data, t) or ("", line))[1]
                 for key, line, kind, data in rows}
        return [lines[k] for k in keys if k in lines]

    def recent(self, chat_id: int, since: datetime, limit: int) -> list[QueuedItem]:
        """Items of the chat's follows that came since `since`, newest first."""
        return self._items(self._ITEMS + " AND i.created_at >= ? ORDER BY i.seq DESC, f.id LIMIT ?",
                           [chat_id, iso(since), limit])


def _follow(row: tuple) -> Follow:
    (fid, chat_id, kind, key, label, labels, words, exclude, thread_id, _created_by, created_at, *_) = row
    return Follow(fid, chat_id, kind, key, label, tuple(json.loads(labels or "[]")), tuple(json.loads(words or "[]")),
                  tuple(json.loads(exclude or "[]")), thread_id, created_at)
