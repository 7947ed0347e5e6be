"""Delivery through a fake Bot API server: every Telegram answer, and what state.db says after it."""
from datetime import date, datetime, timedelta, timezone

import pytest

from bot.delivery.fanout import (
    NETWORK_ATTEMPTS,
    OVERALL_PER_SECOND,
    DigestDelivery,
    RateLimiter,
)
from bot.delivery.state import COMPOSED, SENT, SKIPPED, UNDELIVERABLE

from .conftest import CountingComposer

UTC = timezone.utc
GRACE = timedelta(hours=6)
DAY = date(2026, 3, 1)
SLOT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def delivery(bot, state, clock, composer=None):
    return DigestDelivery(bot, state, composer or CountingComposer(), clock, GRACE)


@pytest.fixture
def at_slot(clock):
    clock.set(SLOT + timedelta(minutes=1))
    return clock


async def test_a_due_digest_is_sent_once_and_logged(api, bot, state, at_slot):
    state.subscribe(1, "08:00", "UTC")
    d = delivery(bot, state, at_slot)
    [outcome] = await d.deliver_due()
    assert outcome.status == SENT
    assert await d.deliver_due() == []  # the day is done
    assert api.texts(1) == ["<b>Digest</b> 2026-03-01 08:00 part 1"]
    assert state.delivery(1, DAY).status == SENT
    assert set(state.seen(1, "document")) == {"doc-2026-03-01"}
    [(_, params)] = [c for c in api.calls if c[0] == "sendMessage"]
    assert params["parse_mode"] == "HTML"


async def test_retry_after_waits_as_told_then_sends(api, bot, state, at_slot):
    state.subscribe(1, "08:00", "UTC")
    api.faults[1] = ["429:7", "429:3"]
    [outcome] = await delivery(bot, state, at_slot).deliver_due()
    assert outcome.status == SENT and api.texts(1) == ["<b>Digest</b> 2026-03-01 08:00 part 1"]
    assert at_slot.sleeps == [7, 3]


@pytest.mark.parametrize("faults", [["500"], ["502"], ["500", "502", "500"], ["timeout"]])
async def test_network_errors_and_5xx_are_retried_with_backoff(api, bot, state, at_slot, faults):
    state.subscribe(1, "08:00", "UTC")
    api.faults[1] = list(faults)
    [outcome] = await delivery(bot, state, at_slot).deliver_due()
    assert outcome.status == SENT and len(api.texts(1)) == 1
    assert at_slot.sleeps == [2 ** i for i in range(len(faults))]


async def test_retries_are_bounded_and_the_digest_waits_for_a_later_attempt(api, bot, state, at_slot):
    state.subscribe(1, "08:00", "UTC")
    api.faults[1] = ["500"] * NETWORK_ATTEMPTS
    d = delivery(bot, state, at_slot)
    [outcome] = await d.deliver_due()
    assert outcome.status == COMPOSED and api.texts(1) == []
    entry = state.delivery(1, DAY)
    assert entry.status == COMPOSED and "network errors" in entry.error
    assert state.seen(1, "document") == {}
    # Ten minutes later the network is back: the same stored digest goes out, once.
    at_slot.set(at_slot.now() + timedelta(minutes=10))
    [outcome] = await d.deliver_due()
    assert outcome.status == SENT and api.texts(1) == ["<b>Digest</b> 2026-03-01 08:00 part 1"]


@pytest.mark.parametrize("fault, reason", [("403", "blocked by the user"), ("kicked", "kicked"),
                                           ("notfound", "chat not found")])
async def test_blocked_kicked_or_missing_chats_pause_the_subscription(api, bot, state, at_slot, fault, reason):
    state.subscribe(-5, "08:00", "UTC")
    state.subscribe(6, "08:00", "UTC")
    api.faults[-5] = [fault]
    outcomes = {o.chat_id: o.status for o in await delivery(bot, state, at_slot).deliver_due()}
    assert outcomes == {-5: UNDELIVERABLE, 6: SENT}  # one bad chat does not stop the others
    sub = state.subscription(-5)
    assert sub.paused and reason in sub.pause_reason.lower()
    assert state.delivery(-5, DAY).status == UNDELIVERABLE
    assert [s.chat_id for s in state.subscriptions()] == [6]
    # Never retried: the next day nothing is attempted for the paused chat.
    at_slot.set(at_slot.now() + timedelta(days=1))
    sends = len(api.calls)
    await delivery(bot, state, at_slot).deliver_due()
    assert [c[1]["chat_id"] for c in api.calls[sends:] if c[0] == "sendMessage"] == [6]


async def test_a_migrated_group_moves_its_subscription_and_gets_the_digest_there(api, bot, state, at_slot):
    state.subscribe(-5, "08:00", "Europe/London", created_by=9)
    api.faults[-5] = ["migrate:-1005"]
    [outcome] = await delivery(bot, state, at_slot).deliver_due()
    assert (outcome.chat_id, outcome.migrated_from, outcome.status) == (-1005, -5, SENT)
    assert api.texts(-1005) == ["<b>Digest</b> 2026-03-01 08:00 part 1"] and api.texts(-5) == []
    assert state.subscription(-5) is None
    assert state.subscription(-1005).tz == "Europe/London"
    assert state.delivery(-1005, DAY).status == SENT
    assert await delivery(bot, state, at_slot).deliver_due() == []


async def test_a_deleted_topic_falls_back_to_the_main_chat(api, bot, state, at_slot):
    state.subscribe(-7, "08:00", "UTC", thread_id=12)
    api.faults[-7] = ["thread"]
    [outcome] = await delivery(bot, state, at_slot).deliver_due()
    assert outcome.status == SENT
    assert [(m.chat_id, m.thread_id) for m in api.sent] == [(-7, None)]


async def test_the_digest_goes_to_the_topic_it_was_set_up_in(api, bot, state, at_slot):
    state.subscribe(-7, "08:00", "UTC", thread_id=12)
    await delivery(bot, state, at_slot).deliver_due()
    assert [(m.chat_id, m.thread_id) for m in api.sent] == [(-7, 12)]


async def test_a_thread_of_parts_resumes_after_the_part_that_went(api, bot, state, at_slot):
    state.subscribe(1, "08:00", "UTC")
    api.faults[1] = ["ok", *["502"] * NETWORK_ATTEMPTS]  # part 1 goes, part 2 keeps failing
    composer = CountingComposer(parts=3)
    d = delivery(bot, state, at_slot, composer)
    [outcome] = await d.deliver_due()
    assert outcome.status == COMPOSED and state.delivery(1, DAY).parts_sent == 1
    [outcome] = await d.deliver_due()
    assert outcome.status == SENT
    assert api.texts(1) == [f"<b>Digest</b> 2026-03-01 08:00 part {i}" for i in (1, 2, 3)]
    assert len(composer.composed) == 1  # resumed from state.db, not composed again


async def test_only_news_chat_without_news_gets_nothing_but_the_day_is_logged(api, bot, state, at_slot):
    state.subscribe(1, "08:00", "UTC")
    d = delivery(bot, state, at_slot, CountingComposer(empty_for={1}))
    [outcome] = await d.deliver_due()
    assert outcome.status == SKIPPED and api.sent == []
    assert state.delivery(1, DAY).status == SKIPPED
    assert await d.deliver_due() == []


async def test_after_downtime_only_slots_within_grace_are_delivered(api, bot, state, clock):
    state.subscribe(1, "08:00", "UTC")  # due 5 h ago at start-up: delivered
    state.subscribe(2, "01:00", "UTC")  # due 12 h ago: skipped, not piled up
    clock.set(datetime(2026, 3, 1, 13, 0, tzinfo=UTC))
    outcomes = await delivery(bot, state, clock).deliver_due()
    assert [(o.chat_id, o.status) for o in outcomes] == [(1, SENT)]
    assert api.texts(2) == [] and state.delivery(2, DAY) is None


async def test_an_unsent_digest_that_went_stale_is_skipped_and_its_news_kept(api, bot, state, clock):
    state.subscribe(1, "08:00", "UTC")
    state.claim(1, DAY, SLOT, ["old"], {"document": ["A"]})
    clock.set(SLOT + GRACE + timedelta(minutes=1))
    assert await delivery(bot, state, clock).deliver_due() == []
    assert api.sent == [] and state.delivery(1, DAY).status == SKIPPED
    assert state.seen(1, "document") == {}  # "A" was never shown, so the next digest shows it


class FakeClockForLimiter:
    def __init__(self):
        self.t = datetime(2026, 1, 1, tzinfo=UTC)
        self.sleeps = []

    def now(self):
        return self.t

    async def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.t += timedelta(seconds=seconds)


async def test_rate_limits_overall_and_per_group():
    clock = FakeClockForLimiter()
    limiter = RateLimiter(clock)
    start = clock.t
    for chat in range(1, 2 * OVERALL_PER_SECOND + 1):  # private chats: two seconds' worth
        await limiter.wait_turn(chat)
    assert clock.t - start == timedelta(seconds=1)
    limiter, start = RateLimiter(clock), clock.t
    for _ in range(21):  # the 21st message to one group waits for the minute to pass
        await limiter.wait_turn(-100)
    assert clock.t - start == timedelta(minutes=1)


async def test_a_slot_that_passed_before_subscribing_is_not_owed(api, bot, state, clock):
    state.subscribe(1, "08:00", "UTC", since=SLOT + timedelta(minutes=5))  # subscribed at 08:05 for 08:00
    clock.set(SLOT + timedelta(minutes=10))  # e.g. a restart at 08:10
    assert await delivery(bot, state, clock).deliver_due() == []
    clock.set(SLOT + timedelta(days=1, minutes=1))
    [outcome] = await delivery(bot, state, clock).deliver_due()
    assert outcome.status == SENT and api.texts(1) == ["<b>Digest</b> 2026-03-02 08:00 part 1"]


async def test_an_unexpected_error_for_one_chat_does_not_stop_the_others(api, bot, state, at_slot):
    for chat in (1, 2, 3):
        state.subscribe(chat, "08:00", "UTC")
    api.faults[2] = ["409"]
    d = delivery(bot, state, at_slot)
    outcomes = {o.chat_id: o.status for o in await d.deliver_due()}
    assert outcomes == {1: SENT, 2: COMPOSED, 3: SENT}
    assert "Conflict" in state.delivery(2, DAY).error
    [outcome] = await d.deliver_due()  # the next attempt sends the stored digest
    assert (outcome.chat_id, outcome.status) == (2, SENT) and len(api.texts(2)) == 1
