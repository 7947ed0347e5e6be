"""state.db: what chats told the bot and what they have received.

Unlike briefing.db (derived from seeds/, rebuilt at will) this database is the only copy of user data:
subscriptions, each chat's saved time zone, the delivery log and what each chat has already seen.
It is opened in WAL mode and every write runs in one transaction, so a crash leaves either the old
or the new state, never half of a change. Commits wait for the disk (synchronous=FULL), except the
digest fan-out's claims and sent-marks, two a message: those are safe against the process dying,
and an OS crash or power cut may undo the last few of them (those digests are then sent again).
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import sqlite_utils

DEFAULT_VOICES_DAY = 0  # Monday: the digest's weekly "voices of the week" chart, unless a chat chose otherwise

# Delivery log statuses, in the order a delivery moves through them.
COMPOSED = "composed"  # claimed: the messages are stored and about to be sent
SENT = "sent"  # every part was accepted by Telegram
SKIPPED = "skipped"  # nothing to send (an "only news" chat on a day without news)
UNDELIVERABLE = "undeliverable"  # the chat blocked or removed the bot; the subscription is paused


@dataclass(frozen=True)
class Subscription:
    chat_id: int
    thread_id: int | None  # forum topic the digest goes to
    time: str  # local "HH:MM"
    tz: str  # an IANA name or a fixed offset such as "UTC+03:00"
    only_news: bool
    paused: bool
    pause_reason: str | None
    created_by: int | None
    since: datetime | None  # when this time and zone were set; no earlier slot is owed
    language: str | None = None  # the chat's language code (chosen, else its user's client's), None: English


@dataclass(frozen=True)
class Delivery:
    chat_id: int
    local_date: str  # ISO date in the subscription's zone
    slot: str  # ISO UTC instant the digest was due
    status: str
    parts: list[str]  # the composed messages, kept so a crash before sending loses nothing
    items: dict[str, list[str]]  # what the digest shows, marked seen once it is sent
    parts_sent: int
    updated_at: str
    error: str | None


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class StateStore:
    """Subscriptions, chat settings, the delivery log and what each chat has seen."""

    def __init__(self, path: Path | str, threads: bool = False):
        """`threads`: the connection may be used from a thread other than this one (one at a time), as the
        alerts' matcher uses its own (`handlers.follows`)."""
        self.db = sqlite_utils.Database(sqlite3.connect(str(path), check_same_thread=False) if threads else path)
        self.db.enable_wal()
        self.db.execute("PRAGMA synchronous = FULL")  # every commit waits for the disk, unless told otherwise
        self._depth = 0  # savepoints open within a caller's transaction
        # Tables keyed by chat, moved by migrate_chat; other families (follows, alerts) add theirs.
        self.chat_tables = ["subscriptions", "chat_settings", "deliveries", "seen"]
        self._create_tables()

    def close(self) -> None:
        self.db.close()

    def file(self) -> str:
        """The database file's path ("" for a database in memory)."""
        rows = self.db.execute("pragma database_list").fetchall()
        return next((file for _, name, file in rows if name == "main"), "")

    def _create_tables(self) -> None:
        with self.db.atomic():
            self.db["subscriptions"].create(
                {"chat_id": int, "thread_id": int, "time": str, "tz": str, "only_news": int,
                 "paused": int, "pause_reason": str, "created_by": int, "since": str},
                pk="chat_id", not_null={"time", "tz"}, defaults={"only_news": 0, "paused": 0},
                if_not_exists=True,
            )
            self.db["chat_settings"].create(
                {"chat_id": int, "tz": str, "only_news": int, "language": str, "client_language": str},
                pk="chat_id", if_not_exists=True,
            )
            # The chat's language (/language) and, for a private chat, its user's Telegram language
            # (issue 13): a state.db from before gets the columns.
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(chat_settings)")}
            # voices_day: the weekday (0 Monday … 6 Sunday) of the "voices of the week" chart, "off",
            # or NULL for the default (Monday).
            for column in ("language", "client_language", "voices_day"):
                if column not in columns:
                    self.db.execute(f"ALTER TABLE chat_settings ADD COLUMN {column} TEXT")
            self.db["deliveries"].create(
                {"chat_id": int, "local_date": str, "slot": str, "status": str, "parts": str,
                 "items": str, "parts_sent": int, "updated_at": str, "error": str},
                pk=("chat_id", "local_date"), defaults={"parts_sent": 0}, if_not_exists=True,
            )
            # Items are keyed by what they are (a title, a name, a quotation's text), not by row ids
            # of briefing.db, which a rebuild may renumber. `seq` orders the showings per chat, so
            # once everything was seen the spotlight starts again with the item seen longest ago.
            self.db["seen"].create(
                {"chat_id": int, "kind": str, "item": str, "seq": int},
                pk=("chat_id", "kind", "item"), if_not_exists=True,
            )
            # The open deliveries, found without reading the whole log (it grows by a row per chat a day).
            self.db.execute(f"CREATE INDEX IF NOT EXISTS deliveries_open ON deliveries (chat_id) "
                            f"WHERE status = '{COMPOSED}'")

    @contextmanager
    def _atomic(self, durable: bool = True) -> Iterator[None]:
        """One change: a transaction of its own, or a savepoint within the caller's transaction.

        `durable=False` commits without waiting for the disk (PRAGMA synchronous=NORMAL for this
        commit; WAL keeps it atomic): safe when the process dies, but an OS crash or a power cut may
        undo it until the next durable commit or checkpoint syncs the log. Only the fan-out's claims
        and sent-marks use it (losing one means a digest sent again); what users tell the bot, never.
        """
        conn = self.db.conn
        if not conn.in_transaction:
            if not durable:
                conn.execute("PRAGMA synchronous = NORMAL")
            try:
                # The write lock first: the alerts' matcher writes from a connection of its own, and a
                # transaction that read before another connection's commit could then not write (SQLite
                # fails it at once, SQLITE_BUSY_SNAPSHOT); this one waits for the lock instead.
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            finally:
                if not durable:
                    conn.execute("PRAGMA synchronous = FULL")
            return
        self._depth += 1
        name = f"state_{self._depth}"  # numbered, unlike sqlite_utils' random names (an os.urandom each)
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if conn.in_transaction:  # an error may have ended the whole transaction already
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            conn.execute(f"RELEASE SAVEPOINT {name}")
        finally:
            self._depth -= 1

    # Subscriptions and chat settings ---------------------------------------------------------

    def subscribe(self, chat_id: int, time: str, tz: str, thread_id: int | None = None,
                  created_by: int | None = None, since: datetime | None = None) -> Subscription:
        """Create or replace the chat's subscription (a new one starts unpaused); remember the zone.

        `since` is when this time and zone were set: no earlier slot is owed to the chat.
        """
        with self._atomic():
            self.db["subscriptions"].upsert(
                {"chat_id": chat_id, "thread_id": thread_id, "time": time, "tz": tz,
                 "only_news": int(self.chat_only_news(chat_id)), "paused": 0, "pause_reason": None,
                 "created_by": created_by, "since": since.isoformat() if since else None},
                pk="chat_id",
            )
            self.db["chat_settings"].upsert({"chat_id": chat_id, "tz": tz}, pk="chat_id")
        return self.subscription(chat_id)

    def unsubscribe(self, chat_id: int) -> bool:
        """Remove the subscription; the saved zone and what the chat has seen are kept."""
        with self._atomic():
            found = self.subscription(chat_id) is not None
            self.db.execute("DELETE FROM subscriptions WHERE chat_id = ?", [chat_id])
        return found

    _SUBSCRIPTIONS = ("SELECT s.*, coalesce(c.language, c.client_language) AS language FROM subscriptions s"
                      " LEFT JOIN chat_settings c ON c.chat_id = s.chat_id")

    def subscription(self, chat_id: int) -> Subscription | None:
        rows = self._rows(self._SUBSCRIPTIONS + " WHERE s.chat_id = ?", [chat_id])
        return _subscription(rows[0]) if rows else None

    def subscriptions(self) -> list[Subscription]:
        """The active (unpaused) subscriptions."""
        return [_subscription(r) for r in self._rows(self._SUBSCRIPTIONS + " WHERE s.paused = 0 ORDER BY s.chat_id")]

    def pause(self, chat_id: int, reason: str) -> None:
        with self._atomic():
            self.db.execute("UPDATE subscriptions SET paused = 1, pause_reason = ? WHERE chat_id = ?",
                            [reason, chat_id])

    def chat_zone(self, chat_id: int) -> str | None:
        rows = self._rows("SELECT tz FROM chat_settings WHERE chat_id = ?", [chat_id])
        return rows[0]["tz"] if rows else None

    def chat_only_news(self, chat_id: int) -> bool:
        rows = self._rows("SELECT only_news FROM chat_settings WHERE chat_id = ?", [chat_id])
        return bool(rows and rows[0]["only_news"])

    def set_only_news(self, chat_id: int, only_news: bool) -> None:
        """The chat's "only news" choice; it outlives unsubscribing."""
        with self._atomic():
            self.db["chat_settings"].upsert({"chat_id": chat_id, "only_news": int(only_news)}, pk="chat_id")
            self.db.execute("UPDATE subscriptions SET only_news = ? WHERE chat_id = ?",
                            [int(only_news), chat_id])

    def voices_day(self, chat_id: int) -> int | None:
        """The weekday (0 Monday … 6 Sunday) on which the chat's digest carries the voices of the week;
        None when the chat turned it off."""
        rows = self._rows("SELECT voices_day FROM chat_settings WHERE chat_id = ?", [chat_id])
        value = rows[0]["voices_day"] if rows else None
        if value is None:
            return DEFAULT_VOICES_DAY
        return None if value == "off" else int(value)

    def set_voices_day(self, chat_id: int, day: int | None) -> None:
        with self._atomic():
            self.db["chat_settings"].upsert({"chat_id": chat_id, "voices_day": "off" if day is None else str(day)},
                                            pk="chat_id")

    # Languages ------------------------------------------------------------------------------------

    def language_choice(self, chat_id: int) -> tuple[str | None, str | None]:
        """(the language the chat chose with /language, its user's Telegram language) as stored."""
        rows = self._rows("SELECT language, client_language FROM chat_settings WHERE chat_id = ?", [chat_id])
        return (rows[0]["language"], rows[0]["client_language"]) if rows else (None, None)

    def chat_language(self, chat_id: int) -> str | None:
        """The language code messages to the chat are written in: its choice, else (private chats) its
        user's Telegram language; None for neither (English)."""
        chosen, client = self.language_choice(chat_id)
        return chosen or client

    def languages(self) -> dict[int, str]:
        """`chat_language` of every chat that has one."""
        return dict(self.db.execute("SELECT chat_id, coalesce(language, client_language) FROM chat_settings"
                                    " WHERE coalesce(language, client_language) IS NOT NULL").fetchall())

    def set_language(self, chat_id: int, language: str | None) -> None:
        """The chat's choice of language (None: back to its user's Telegram language, or English)."""
        with self._atomic():
            self.db["chat_settings"].upsert({"chat_id": chat_id, "language": language}, pk="chat_id")

    def note_client_language(self, chat_id: int, language: str | None) -> None:
        """A private chat's user writes with a Telegram client in `language`: kept for the messages the
        bot sends unasked (digests, alerts), written only when it changed."""
        if self.language_choice(chat_id)[1] == language:
            return
        with self._atomic():
            self.db["chat_settings"].upsert({"chat_id": chat_id, "client_language": language}, pk="chat_id")

    def migrate_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: everything the old chat id owned moves to the new id."""
        with self._atomic():
            for table in self.chat_tables:
                # OR REPLACE: where both ids hold a row (a repeated migration), the old chat's row
                # is the one the users last set up, so it replaces the other.
                self.db.execute(f"UPDATE OR REPLACE {table} SET chat_id = ? WHERE chat_id = ?",
                                [new_id, old_id])

    # Delivery log -----------------------------------------------------------------------------

    def delivery(self, chat_id: int, local_date: date | str) -> Delivery | None:
        rows = self._rows("SELECT * FROM deliveries WHERE chat_id = ? AND local_date = ?", [chat_id, str(local_date)])
        return _delivery(rows[0]) if rows else None

    def last_delivery(self, chat_id: int) -> Delivery | None:
        rows = self._rows("SELECT * FROM deliveries WHERE chat_id = ? ORDER BY local_date DESC LIMIT 1", [chat_id])
        return _delivery(rows[0]) if rows else None

    def claim(self, chat_id: int, local_date: date | str, slot: datetime, parts: list[str],
              items: dict[str, list[str]], status: str = COMPOSED, durable: bool = True) -> Delivery | None:
        """Record the composed digest for (chat, local date) before anything is sent.

        Returns None when that day already has an entry (it was claimed before, maybe by a run that
        crashed); otherwise the new entry. `items` are marked seen only once every part is sent, so
        a digest that never arrives hides nothing from the next one. `durable`: see `_atomic`.
        """
        entry = Delivery(chat_id=chat_id, local_date=str(local_date), slot=slot.isoformat(), status=status,
                         parts=list(parts), items={k: list(v) for k, v in items.items()}, parts_sent=0,
                         updated_at=_now_iso(), error=None)
        with self._atomic(durable):
            inserted = self.db.execute(
                "INSERT INTO deliveries (chat_id, local_date, slot, status, parts, items, parts_sent, updated_at, "
                "error) VALUES (?, ?, ?, ?, ?, ?, 0, ?, NULL) ON CONFLICT (chat_id, local_date) DO NOTHING",
                [chat_id, entry.local_date, entry.slot, status, json.dumps(parts), json.dumps(items),
                 entry.updated_at]).rowcount
        return entry if inserted else None

    def part_sent(self, chat_id: int, local_date: date | str, parts_sent: int, done: bool,
                  items: dict[str, list[str]] | None = None, durable: bool = True) -> None:
        """Telegram accepted part number `parts_sent` (1-based); `done` when it was the last, and then
        the delivery's items are marked seen (`items`: the entry's own, to spare reading them back).
        `durable`: see `_atomic`."""
        with self._atomic(durable):
            self.db.execute(
                "UPDATE deliveries SET parts_sent = ?, status = ?, updated_at = ?, error = NULL "
                "WHERE chat_id = ? AND local_date = ?",
                [parts_sent, SENT if done else COMPOSED, _now_iso(), chat_id, str(local_date)])
            if done and items is None:
                row = self.db.execute("SELECT items FROM deliveries WHERE chat_id = ? AND local_date = ?",
                                      [chat_id, str(local_date)]).fetchone()
                items = json.loads(row[0] or "{}") if row is not None else {}
            if done:
                self._mark_seen(chat_id, items)

    def note_error(self, chat_id: int, local_date: date | str, error: str) -> None:
        """Why the last attempt did not go through; the delivery stays open for a later attempt."""
        with self._atomic():
            self.db.execute("UPDATE deliveries SET error = ?, updated_at = ? WHERE chat_id = ? AND local_date = ?",
                            [error, _now_iso(), chat_id, str(local_date)])

    def close_delivery(self, chat_id: int, local_date: date | str, status: str, error: str) -> None:
        """End an unsent delivery for good (UNDELIVERABLE, or SKIPPED when it went stale)."""
        with self._atomic():
            self.db.execute(
                "UPDATE deliveries SET status = ?, error = ?, updated_at = ? WHERE chat_id = ? AND local_date = ?",
                [status, error, _now_iso(), chat_id, str(local_date)])

    def pending_deliveries(self, chat_ids: Iterable[int] | None = None) -> list[Delivery]:
        """Deliveries claimed but not fully sent (a crash or an outage interrupted them); of
        `chat_ids` only, when given."""
        query = f"SELECT * FROM deliveries WHERE status = '{COMPOSED}'"
        order = " ORDER BY chat_id, local_date"  # a chat's older digest is resumed before a newer one
        if chat_ids is None:
            return self._deliveries(query + order, [])
        ids = sorted(set(chat_ids))
        found = []
        for start in range(0, len(ids), 500):  # within SQLite's limit on bound parameters
            chunk = ids[start:start + 500]
            found += self._deliveries(query + f" AND chat_id IN ({', '.join('?' * len(chunk))})" + order, chunk)
        return found

    def _deliveries(self, query: str, params: list) -> list[Delivery]:
        return [_delivery(row) for row in self._rows(query, params)]

    def _rows(self, query: str, params: list | None = None) -> list[dict]:
        cursor = self.db.execute(query, params or [])
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row)) for row in cursor]

    # What each chat has seen -----------------------------------------------------------------

    def seen(self, chat_id: int, kind: str) -> dict[str, int]:
        """Items of `kind` the chat has received, each with when (a per-chat sequence number)."""
        return dict(self.db.execute("SELECT item, seq FROM seen WHERE chat_id = ? AND kind = ?",
                                    [chat_id, kind]).fetchall())

    def mark_seen(self, chat_id: int, items: dict[str, list[str]]) -> None:
        with self._atomic():
            self._mark_seen(chat_id, items)

    def _mark_seen(self, chat_id: int, items: dict[str, list[str]]) -> None:
        rows = [(kind, item) for kind, keys in items.items() for item in keys]
        if not rows:
            return
        seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM seen WHERE chat_id = ?", [chat_id]).fetchone()[0]
        self.db.conn.executemany(
            "INSERT INTO seen (chat_id, kind, item, seq) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (chat_id, kind, item) DO UPDATE SET seq = excluded.seq",
            [(chat_id, kind, item, seq) for kind, item in rows])


def _subscription(row: dict) -> Subscription:
    return Subscription(
        chat_id=row["chat_id"], thread_id=row["thread_id"], time=row["time"], tz=row["tz"],
        only_news=bool(row["only_news"]), paused=bool(row["paused"]), pause_reason=row["pause_reason"],
        created_by=row["created_by"], since=datetime.fromisoformat(row["since"]) if row["since"] else None,
        language=row.get("language"),
    )


def _delivery(row: dict) -> Delivery:
    return Delivery(
        chat_id=row["chat_id"], local_date=row["local_date"], slot=row["slot"], status=row["status"],
        parts=json.loads(row["parts"] or "[]"), items=json.loads(row["items"] or "{}"), parts_sent=row["parts_sent"] or 0,
        updated_at=row["updated_at"], error=row["error"],
    )
