"""Chats delivered side by side: how many messages are in flight (as few as the rate limit needs, so a
crash can repeat as few as possible), each chat's parts in order, no chat delivered twice by two
fan-outs at once, and the lanes shared by every caller."""
import asyncio
import math
from datetime import date, datetime, timedelta, timezone

import pytest

from bot.delivery.fanout import (
    LANES,
    ROUND_TRIP_HEADROOM,
    UNTHROTTLED_IN_FLIGHT,
    DigestDelivery,
    SendWindow,
)
from bot.delivery.state import SENT

from .conftest import CountingComposer

UTC = timezone.utc
GRACE = timedelta(hours=6)
SLOT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


class NoLimiter:
    per_second = None

    async def wait_turn(self, chat_id):
        return None


@pytest.fixture
def at_slot(clock):
    clock.set(SLOT + timedelta(minutes=1))
    return clock


def subscribe(state, chats):
    for chat in chats:
        state.subscribe(chat, "08:00", "UTC")


def test_the_window_is_what_the_rate_needs_over_the_round_trip():
    window = SendWindow(per_second=29)
    assert window.size == 1  # nothing measured yet
    window.observe(0.002)  # a nearby server
    assert window.size == 1
    window.observe(0.1)
    assert window.round_trip == pytest.approx(0.8 * 0.002 + 0.2 * 0.1)
    for _ in range(50):
        window.observe(0.1)  # Telegram 100 ms away: 29/s needs about three in flight
    assert window.size == math.ceil(29 * 0.1 * ROUND_TRIP_HEADROOM) == 4
    for _ in range(50):
        window.observe(5.0)  # timeouts: never more than the lanes
    assert window.size == LANES
    assert SendWindow(per_second=None).size == UNTHROTTLED_IN_FLIGHT


async def test_the_window_serves_in_order_and_a_cancelled_waiter_passes_its_turn_on():
    window = SendWindow(per_second=29)  # size 1
    order = []

    async def holder(name, release):
        async with window:
            order.append(name)
            await release.wait()

    first, second, third = asyncio.Event(), asyncio.Event(), asyncio.Event()
    a = asyncio.create_task(holder("a", first))
    await asyncio.sleep(0)
    b = asyncio.create_task(holder("b", second))
    c = asyncio.create_task(holder("c", third))
    await asyncio.sleep(0)
    assert order == ["a"]
    first.set()
    await asyncio.sleep(0)  # a leaves: its place is handed to b ...
    b.cancel()  # ... who is cancelled before it could use it
    await asyncio.sleep(0.01)
    assert order == ["a", "c"]  # c is not left waiting
    third.set()
    await asyncio.gather(a, c)
    with pytest.raises(asyncio.CancelledError):
        await b
    assert window._in_flight == 0 and not window._waiters


async def test_with_the_limiter_and_a_nearby_server_one_message_is_in_flight(api, bot, state, at_slot):
    subscribe(state, range(1, 21))
    outcomes = await DigestDelivery(bot, state, CountingComposer(parts=2), at_slot, GRACE).deliver_due()
    assert [o.status for o in outcomes] == [SENT] * 20
    assert api.most_in_flight == 1  # a crash can leave at most one message sent but unrecorded


async def test_over_a_slow_round_trip_the_limiter_lets_more_fly(api, bot, state, at_slot):
    subscribe(state, range(1, 25))
    api.delay = 0.2  # Telegram far away: one at a time would be 5 messages a second, not 29
    d = DigestDelivery(bot, state, CountingComposer(), at_slot, GRACE)
    started = asyncio.get_running_loop().time()
    outcomes = await d.deliver_due()
    elapsed = asyncio.get_running_loop().time() - started
    assert [o.status for o in outcomes] == [SENT] * 24
    assert d.window.size == math.ceil(29 * d.window.round_trip * ROUND_TRIP_HEADROOM) >= 7
    assert 4 <= api.most_in_flight <= LANES
    assert elapsed < 24 * 0.2 / 2


async def test_without_a_rate_limit_the_window_opens_to_its_unthrottled_size(api, bot, state, at_slot):
    subscribe(state, range(1, 31))
    api.delay = 0.02
    d = DigestDelivery(bot, state, CountingComposer(), at_slot, GRACE, limiter=NoLimiter())
    outcomes = await d.deliver_due()
    assert [o.status for o in outcomes] == [SENT] * 30
    assert api.most_in_flight == UNTHROTTLED_IN_FLIGHT


async def test_side_by_side_each_chat_gets_its_parts_in_order(api, bot, state, at_slot):
    chats = list(range(1, 13))
    subscribe(state, chats)
    for chat in chats:  # uneven answers, so the chats overtake one another
        api.faults[chat] = [f"slow:{0.001 * ((chat * 7 + i * 3) % 11)}" for i in range(3)]
    d = DigestDelivery(bot, state, CountingComposer(parts=3), at_slot, GRACE, limiter=NoLimiter())
    await d.deliver_due()
    assert api.most_in_flight > 1
    for chat in chats:
        assert api.texts(chat) == [f"<b>Digest</b> 2026-03-01 08:00 part {i}" for i in (1, 2, 3)]
        assert state.delivery(chat, date(2026, 3, 1)).status == SENT


async def test_two_fan_outs_at_once_deliver_each_chat_once(api, bot, state, at_slot):
    chats = list(range(1, 11))
    subscribe(state, chats)
    api.delay = 0.01
    d = DigestDelivery(bot, state, CountingComposer(), at_slot, GRACE, limiter=NoLimiter())
    everyone, some = await asyncio.gather(d.deliver_due(), d.deliver_due([2, 5, 9]))
    assert sorted(o.chat_id for o in everyone + some) == chats
    assert sorted(m.chat_id for m in api.sent) == chats


async def test_the_lanes_are_shared_by_every_caller(api, bot, state, at_slot):
    chats = list(range(1, 21))
    subscribe(state, chats)
    api.delay = 0.01
    d = DigestDelivery(bot, state, CountingComposer(), at_slot, GRACE, limiter=NoLimiter(), lanes=2)
    # One job per chat, as the scheduler fires them when many chats share a minute.
    outcomes = await asyncio.gather(*(d.deliver_due([chat]) for chat in chats))
    assert sorted(o.chat_id for [o] in outcomes) == chats
    assert api.most_in_flight == 2


async def test_a_cancelled_fan_out_leaves_claimed_digests_to_be_resumed_once(api, bot, state, at_slot):
    chats = list(range(1, 9))
    subscribe(state, chats)
    api.faults[3] = ["hang"]
    composer = CountingComposer()
    d = DigestDelivery(bot, state, composer, at_slot, GRACE, limiter=NoLimiter())
    fan_out = asyncio.create_task(d.deliver_due())
    await asyncio.wait_for(api.hung.wait(), 5)
    await asyncio.sleep(0.05)
    fan_out.cancel()
    with pytest.raises(asyncio.CancelledError):
        await fan_out
    assert not d._busy
    again = DigestDelivery(bot, state, composer, at_slot, GRACE, limiter=NoLimiter())
    await again.deliver_due()
    # Without a rate limit several were in flight when the fan-out stopped; each chat still has one
    # digest, because nothing accepted went unrecorded (the fake answers before the cancel).
    assert sorted(m.chat_id for m in api.sent) == chats
    assert len(composer.composed) == len(chats)  # a claimed digest is resumed, never composed again
