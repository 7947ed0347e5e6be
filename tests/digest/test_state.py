"""state.db: subscriptions, settings, the delivery log and what chats have seen."""
import sqlite3
from datetime import date, datetime, timezone

import pytest

from bot.delivery.state import COMPOSED, SENT, SKIPPED, UNDELIVERABLE, StateStore

SLOT = datetime(2026, 3, 1, 8, tzinfo=timezone.utc)


def test_wal_mode_and_survives_reopening(tmp_path):
    path = tmp_path / "state.db"
    first = StateStore(path)
    first.subscribe(-100, "07:30", "Europe/Kyiv", thread_id=5, created_by=7)
    first.set_only_news(-100, True)
    first.claim(-100, date(2026, 3, 1), SLOT, ["hello"], {"document": ["A"]})
    first.close()
    again = StateStore(path)
    assert again.db.journal_mode == "wal"
    sub = again.subscription(-100)
    assert (sub.time, sub.tz, sub.thread_id, sub.created_by, sub.only_news, sub.paused) == (
        "07:30", "Europe/Kyiv", 5, 7, True, False)
    assert again.delivery(-100, "2026-03-01").parts == ["hello"]
    again.close()


def test_unsubscribe_keeps_the_zone_and_the_only_news_choice(state):
    state.subscribe(1, "09:00", "Asia/Tokyo")
    state.set_only_news(1, True)
    assert state.unsubscribe(1) is True
    assert state.unsubscribe(1) is False
    assert state.subscription(1) is None
    assert state.chat_zone(1) == "Asia/Tokyo"
    assert state.subscribe(1, "10:00", "Asia/Tokyo").only_news is True


def test_resubscribing_unpauses(state):
    state.subscribe(1, "09:00", "UTC")
    state.pause(1, "Forbidden: bot was blocked by the user")
    assert state.subscriptions() == []
    assert state.subscription(1).pause_reason.startswith("Forbidden")
    state.subscribe(1, "09:00", "UTC")
    assert [s.chat_id for s in state.subscriptions()] == [1]


def test_a_day_is_claimed_once_and_items_count_as_seen_only_when_all_parts_went(state):
    day = date(2026, 3, 1)
    entry = state.claim(1, day, SLOT, ["one", "two"], {"document": ["Doc A"], "quote": ["q1"]})
    assert entry.status == COMPOSED and entry.parts_sent == 0
    assert state.claim(1, day, SLOT, ["other"], {}) is None  # a second claim of the day loses
    state.part_sent(1, day, 1, done=False)
    assert state.seen(1, "document") == {}
    assert [d.chat_id for d in state.pending_deliveries()] == [1]
    state.part_sent(1, day, 2, done=True)
    assert state.delivery(1, day).status == SENT
    assert set(state.seen(1, "document")) == {"Doc A"} and set(state.seen(1, "quote")) == {"q1"}
    assert state.pending_deliveries() == []


def test_closing_and_noting_errors(state):
    day = date(2026, 3, 1)
    state.claim(1, day, SLOT, ["x"], {"document": ["A"]})
    state.note_error(1, day, "network errors")
    assert state.delivery(1, day).status == COMPOSED and state.delivery(1, day).error == "network errors"
    state.close_delivery(1, day, UNDELIVERABLE, "blocked")
    assert state.delivery(1, day).status == UNDELIVERABLE
    assert state.seen(1, "document") == {}  # never delivered, so never seen
    state.claim(2, day, SLOT, [], {}, status=SKIPPED)
    assert state.last_delivery(2).status == SKIPPED


def test_seen_items_are_ordered_by_showing(state):
    state.mark_seen(1, {"person": ["A", "B"]})
    state.mark_seen(1, {"person": ["C"]})
    state.mark_seen(1, {"person": ["A"]})  # shown again: now the most recent
    seen = state.seen(1, "person")
    assert seen["B"] < seen["C"] < seen["A"]
    assert state.seen(2, "person") == {}


def test_migration_moves_everything_to_the_new_chat(state):
    state.subscribe(-1, "08:00", "Europe/Kyiv", created_by=3)
    state.set_only_news(-1, True)
    state.mark_seen(-1, {"document": ["A"]})
    state.claim(-1, date(2026, 3, 1), SLOT, ["x"], {})
    state.migrate_chat(-1, -1001)
    assert state.subscription(-1) is None and state.chat_zone(-1) is None
    new = state.subscription(-1001)
    assert (new.time, new.tz, new.only_news, new.created_by) == ("08:00", "Europe/Kyiv", True, 3)
    assert set(state.seen(-1001, "document")) == {"A"}
    assert state.delivery(-1001, "2026-03-01") is not None


def test_a_failed_write_changes_nothing(state):
    state.subscribe(1, "08:00", "UTC")
    with pytest.raises(sqlite3.Error):
        with state.db.atomic():
            state.db.execute("UPDATE subscriptions SET time = '09:00' WHERE chat_id = 1")
            state.db.execute("INSERT INTO no_such_table VALUES (1)")
    assert state.subscription(1).time == "08:00"


def test_fan_out_writes_need_not_wait_for_the_disk_and_still_survive_reopening(tmp_path):
    path = tmp_path / "state.db"
    day = date(2026, 3, 1)
    first = StateStore(path)
    assert first.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    entry = first.claim(1, day, SLOT, ["a", "b"], {"document": ["A"]}, durable=False)
    assert entry == first.delivery(1, day)
    first.part_sent(1, day, 1, done=False, durable=False)
    first.part_sent(1, day, 2, done=True, items=entry.items, durable=False)
    assert first.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL again for everything else
    first.close()
    again = StateStore(path)
    assert again.delivery(1, day).status == SENT and again.delivery(1, day).parts_sent == 2
    assert set(again.seen(1, "document")) == {"A"}
    again.close()


def test_pending_deliveries_of_some_chats_come_oldest_first(state):
    for chat, day in [(2, date(2026, 3, 2)), (1, date(2026, 3, 1)), (2, date(2026, 3, 1)), (3, date(2026, 3, 1))]:
        state.claim(chat, day, SLOT, ["x"], {})
    state.part_sent(3, date(2026, 3, 1), 1, done=True)
    assert [(d.chat_id, d.local_date) for d in state.pending_deliveries()] == [
        (1, "2026-03-01"), (2, "2026-03-01"), (2, "2026-03-02")]
    assert [(d.chat_id, d.local_date) for d in state.pending_deliveries([2, 3])] == [
        (2, "2026-03-01"), (2, "2026-03-02")]
    assert state.pending_deliveries([]) == []


def test_a_change_that_fails_inside_a_callers_transaction_undoes_only_itself(state):
    day = date(2026, 3, 1)
    with state.db.atomic():
        state.claim(1, day, SLOT, ["x"], {})
        with pytest.raises(sqlite3.IntegrityError):
            state.subscribe(2, None, "UTC")  # no time: refused by the table
        state.part_sent(1, day, 1, done=True)
    assert state.delivery(1, day).status == SENT
    assert state.subscription(2) is None and state.chat_zone(2) is None


def test_a_change_that_reads_first_is_not_refused_when_another_connection_writes_meanwhile(tmp_path):
    """The alerts' matcher writes to state.db from a connection of its own (`handlers.follows`): a change
    that read, then wrote, failed at once ("database is locked") when the other connection committed
    in between. Changes take the write lock first: the other connection waits for it."""
    import threading
    import time

    path = tmp_path / "state.db"
    handlers, matcher = StateStore(path), StateStore(path, threads=True)
    other = threading.Thread(target=lambda: matcher.subscribe(2, "09:00", "UTC"))
    with handlers._atomic():
        assert handlers.subscription(1) is None  # a read first
        other.start()
        time.sleep(0.3)  # the other connection tries to write meanwhile
        handlers.subscribe(1, "08:00", "Europe/Kyiv")
    other.join()
    assert handlers.subscription(1).tz == "Europe/Kyiv" and handlers.subscription(2).time == "09:00"
