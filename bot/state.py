"""state.db: what chats told the bot and what they have received.

Unlike briefing.db (derived from seeds/, rebuilt at will) this database is the only copy of user data:
subscriptions, each chat's saved time zone, the delivery log and what each chat has already seen.
It is opened in WAL mode and every write runs in one transaction, so a crash leaves either the old
or the new state, never half of a change.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import sqlite_utils

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

    def __init__(self, path: Path | str):
        self.db = sqlite_utils.Database(path)
        self.db.enable_wal()
        self._create_tables()

    def close(self) -> None:
        self.db.close()

    def _create_tables(self) -> None:
        with self.db.atomic():
            self.db["subscriptions"].create(
                {"chat_id": int, "thread_id": int, "time": str, "tz": str, "only_news": int,
                 "paused": int, "pause_reason": str, "created_by": int, "since": str},
                pk="chat_id", not_null={"time", "tz"}, defaults={"only_news": 0, "paused": 0},
                if_not_exists=True,
            )
            self.db["chat_settings"].create(
                {"chat_id": int, "tz": str, "only_news": int}, pk="chat_id", if_not_exists=True,
            )
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

    # Subscriptions and chat settings ---------------------------------------------------------

    def subscribe(self, chat_id: int, time: str, tz: str, thread_id: int | None = None,
                  created_by: int | None = None, since: datetime | None = None) -> Subscription:
        """Create or replace the chat's subscription (a new one starts unpaused); remember the zone.

        `since` is when this time and zone were set: no earlier slot is owed to the chat.
        """
        with self.db.atomic():
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
        with self.db.atomic():
            found = self.subscription(chat_id) is not None
            self.db.execute("DELETE FROM subscriptions WHERE chat_id = ?", [chat_id])
        return found

    def subscription(self, chat_id: int) -> Subscription | None:
        rows = list(self.db["subscriptions"].rows_where("chat_id = ?", [chat_id]))
        return _subscription(rows[0]) if rows else None

    def subscriptions(self) -> list[Subscription]:
        """The active (unpaused) subscriptions."""
        return [_subscription(r) for r in self.db["subscriptions"].rows_where("paused = 0", order_by="chat_id")]

    def pause(self, chat_id: int, reason: str) -> None:
        with self.db.atomic():
            self.db.execute("UPDATE subscriptions SET paused = 1, pause_reason = ? WHERE chat_id = ?",
                            [reason, chat_id])

    def chat_zone(self, chat_id: int) -> str | None:
        rows = list(self.db["chat_settings"].rows_where("chat_id = ?", [chat_id]))
        return rows[0]["tz"] if rows else None

    def chat_only_news(self, chat_id: int) -> bool:
        rows = list(self.db["chat_settings"].rows_where("chat_id = ?", [chat_id]))
        return bool(rows and rows[0]["only_news"])

    def set_only_news(self, chat_id: int, only_news: bool) -> None:
        """The chat's "only news" choice; it outlives unsubscribing."""
        with self.db.atomic():
            self.db["chat_settings"].upsert({"chat_id": chat_id, "only_news": int(only_news)}, pk="chat_id")
            self.db.execute("UPDATE subscriptions SET only_news = ? WHERE chat_id = ?",
                            [int(only_news), chat_id])

    def migrate_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: everything the old chat id owned moves to the new id."""
        with self.db.atomic():
            for table in ("subscriptions", "chat_settings", "deliveries", "seen"):
                # OR REPLACE: where both ids hold a row (a repeated migration), the old chat's row
                # is the one the users last set up, so it replaces the other.
                self.db.execute(f"UPDATE OR REPLACE {table} SET chat_id = ? WHERE chat_id = ?",
                                [new_id, old_id])

    # Delivery log -----------------------------------------------------------------------------

    def delivery(self, chat_id: int, local_date: date | str) -> Delivery | None:
        rows = list(self.db["deliveries"].rows_where(
            "chat_id = ? AND local_date = ?", [chat_id, str(local_date)]))
        return _delivery(rows[0]) if rows else None

    def last_delivery(self, chat_id: int) -> Delivery | None:
        rows = list(self.db["deliveries"].rows_where(
            "chat_id = ?", [chat_id], order_by="local_date DESC", limit=1))
        return _delivery(rows[0]) if rows else None

    def claim(self, chat_id: int, local_date: date | str, slot: datetime, parts: list[str],
              items: dict[str, list[str]], status: str = COMPOSED) -> Delivery | None:
        """Record the composed digest for (chat, local date) before anything is sent.

        Returns None when that day already has an entry (it was claimed before, maybe by a run that
        crashed); otherwise the new entry. `items` are marked seen only once every part is sent, so
        a digest that never arrives hides nothing from the next one.
        """
        with self.db.atomic():
            if self.delivery(chat_id, local_date) is not None:
                return None
            self.db["deliveries"].insert(
                {"chat_id": chat_id, "local_date": str(local_date), "slot": slot.isoformat(),
                 "status": status, "parts": json.dumps(parts), "items": json.dumps(items),
                 "parts_sent": 0, "updated_at": _now_iso(), "error": None},
                pk=("chat_id", "local_date"),
            )
        return self.delivery(chat_id, local_date)

    def part_sent(self, chat_id: int, local_date: date | str, parts_sent: int, done: bool) -> None:
        """Telegram accepted part number `parts_sent` (1-based); `done` when it was the last."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET parts_sent = ?, status = ?, updated_at = ?, error = NULL "
                "WHERE chat_id = ? AND local_date = ?",
                [parts_sent, SENT if done else COMPOSED, _now_iso(), chat_id, str(local_date)])
            if done:
                self._mark_seen(chat_id, self.delivery(chat_id, local_date).items)

    def note_error(self, chat_id: int, local_date: date | str, error: str) -> None:
        """Why the last attempt did not go through; the delivery stays open for a later attempt."""
        with self.db.atomic():
            self.db.execute("UPDATE deliveries SET error = ?, updated_at = ? WHERE chat_id = ? AND local_date = ?",
                            [error, _now_iso(), chat_id, str(local_date)])

    def close_delivery(self, chat_id: int, local_date: date | str, status: str, error: str) -> None:
        """End an unsent delivery for good (UNDELIVERABLE, or SKIPPED when it went stale)."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET status = ?, error = ?, updated_at = ? WHERE chat_id = ? AND local_date = ?",
                [status, error, _now_iso(), chat_id, str(local_date)])

    def pending_deliveries(self) -> list[Delivery]:
        """Deliveries claimed but not fully sent (a crash or an outage interrupted them)."""
        return [_delivery(r) for r in self.db["deliveries"].rows_where("status = ?", [COMPOSED])]

    # What each chat has seen -----------------------------------------------------------------

    def seen(self, chat_id: int, kind: str) -> dict[str, int]:
        """Items of `kind` the chat has received, each with when (a per-chat sequence number)."""
        return {r["item"]: r["seq"] for r in self.db["seen"].rows_where("chat_id = ? AND kind = ?", [chat_id, kind])}

    def mark_seen(self, chat_id: int, items: dict[str, list[str]]) -> None:
        with self.db.atomic():
            self._mark_seen(chat_id, items)

    def _mark_seen(self, chat_id: int, items: dict[str, list[str]]) -> None:
        seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM seen WHERE chat_id = ?", [chat_id]).fetchone()[0]
        rows = [{"chat_id": chat_id, "kind": kind, "item": item, "seq": seq}
                for kind, keys in items.items() for item in keys]
        if rows:
            self.db["seen"].upsert_all(rows, pk=("chat_id", "kind", "item"))


def _subscription(row: dict) -> Subscription:
    return Subscription(
        chat_id=row["chat_id"], thread_id=row["thread_id"], time=row["time"], tz=row["tz"],
        only_news=bool(row["only_news"]), paused=bool(row["paused"]), pause_reason=row["pause_reason"],
        created_by=row["created_by"], since=datetime.fromisoformat(row["since"]) if row["since"] else None,
    )


def _delivery(row: dict) -> Delivery:
    return Delivery(
        chat_id=row["chat_id"], local_date=row["local_date"], slot=row["slot"], status=row["status"],
        parts=json.loads(row["parts"] or "[]"), items=json.loads(row["items"] or "{}"), parts_sent=row["parts_sent"] or 0,
        updated_at=row["updated_at"], error=row["error"],
    )
