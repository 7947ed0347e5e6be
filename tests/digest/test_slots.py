"""Times, zones and local-time slots, across daylight-saving changes."""
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.delivery.slots import (
    BadSchedule,
    due_slot,
    latest_slot,
    next_slot,
    parse_time,
    parse_zone,
    slot,
    zone,
)

UTC = timezone.utc


@pytest.mark.parametrize("text, expected", [("8:00", "08:00"), ("07:30", "07:30"), ("23:59", "23:59"),
                                            ("0:00", "00:00"), ("7.45", "07:45")])
def test_times_are_normalised(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "7:60", "7", "seven", "07:3", "-1:00", "", "12:00pm"])
def test_bad_times_say_how_to_write_one(text):
    with pytest.raises(BadSchedule, match="for example /subscribe 07:30 Europe/Kyiv"):
        parse_time(text)


@pytest.mark.parametrize("text, expected", [
    ("Europe/Kyiv", "Europe/Kyiv"), ("europe/kyiv", "Europe/Kyiv"), ("America/New_York", "America/New_York"),
    ("UTC", "UTC"), ("gmt", "UTC"), ("+03:00", "UTC+03:00"), ("UTC+3", "UTC+03:00"), ("utc-5", "UTC-05:00"),
    ("+0530", "UTC+05:30"), ("GMT+5:45", "UTC+05:45"), ("+00:00", "UTC"), ("UTC+14", "UTC+14:00"),
])
def test_zones_by_name_or_offset(text, expected):
    assert parse_zone(text) == expected


@pytest.mark.parametrize("text", ["Mars/Olympus", "+15", "UTC+3:75", "../../etc/passwd", "Kyiv", "+", "EST5EDTX"])
def test_unknown_zones_are_refused_with_examples(text):
    with pytest.raises(BadSchedule, match="Europe/Kyiv .* UTC\\+3"):
        parse_zone(text)


def test_offset_zone_slot():
    assert slot("08:00", "UTC+03:00", date(2026, 3, 1)) == datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
    assert slot("08:00", "UTC-05:30", date(2026, 3, 1)) == datetime(2026, 3, 1, 13, 30, tzinfo=UTC)


def test_kyiv_keeps_local_time_across_both_changes():
    # Kyiv: EET (+2) until 29 March 2026 03:00, EEST (+3) until 25 October 2026 04:00.
    assert slot("08:00", "Europe/Kyiv", date(2026, 3, 28)) == datetime(2026, 3, 28, 6, 0, tzinfo=UTC)
    assert slot("08:00", "Europe/Kyiv", date(2026, 3, 29)) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    assert slot("08:00", "Europe/Kyiv", date(2026, 10, 25)) == datetime(2026, 10, 25, 6, 0, tzinfo=UTC)


def test_a_skipped_local_time_comes_the_length_of_the_jump_later():
    # 03:30 does not exist in Kyiv on 29 March 2026; the digest comes at 04:30 local (01:30 UTC),
    # once, between the neighbouring days' slots.
    day_slot = slot("03:30", "Europe/Kyiv", date(2026, 3, 29))
    assert day_slot == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert next_slot("03:30", "Europe/Kyiv", datetime(2026, 3, 28, 12, tzinfo=UTC)) == (date(2026, 3, 29), day_slot)
    assert next_slot("03:30", "Europe/Kyiv", day_slot) == (date(2026, 3, 30), datetime(2026, 3, 30, 0, 30, tzinfo=UTC))
    # Berlin skips 02:00-03:00 the same night.
    assert slot("02:30", "Europe/Berlin", date(2026, 3, 29)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_a_repeated_local_time_is_its_first_occurrence():
    # 03:30 happens twice in Kyiv on 25 October 2026 (00:30 and 01:30 UTC): the first one counts,
    # and the second is not another slot.
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert slot("03:30", "Europe/Kyiv", date(2026, 10, 25)) == first
    assert next_slot("03:30", "Europe/Kyiv", first) == (date(2026, 10, 26), datetime(2026, 10, 26, 1, 30, tzinfo=UTC))


def test_next_and_latest_slot_around_now():
    now = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)  # 08:00 in Kyiv
    assert latest_slot("08:00", "Europe/Kyiv", now) == (date(2026, 3, 1), now)
    assert next_slot("08:00", "Europe/Kyiv", now) == (date(2026, 3, 2), now + timedelta(days=1))
    assert latest_slot("09:00", "Europe/Kyiv", now) == (date(2026, 2, 28), datetime(2026, 2, 28, 7, tzinfo=UTC))
    # A zone far east: its local date is already tomorrow.
    assert next_slot("07:00", "Pacific/Kiritimati", datetime(2026, 3, 1, 12, tzinfo=UTC)) == (
        date(2026, 3, 2), datetime(2026, 3, 1, 17, tzinfo=UTC))


def test_due_within_grace_only():
    slot_time = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    grace = timedelta(hours=6)
    assert due_slot("08:00", "UTC", slot_time - timedelta(seconds=1), grace) is None  # yesterday's is 24 h old
    assert due_slot("08:00", "UTC", slot_time, grace) == (date(2026, 3, 1), slot_time)
    assert due_slot("08:00", "UTC", slot_time + timedelta(hours=5, minutes=59), grace) == (date(2026, 3, 1), slot_time)
    assert due_slot("08:00", "UTC", slot_time + grace, grace) is None


ZONES = ["Europe/Kyiv", "Europe/London", "America/New_York", "America/Santiago", "Australia/Lord_Howe",
         "Asia/Kolkata", "Pacific/Chatham", "UTC+05:45", "UTC-09:30"]


@settings(max_examples=60, deadline=None)
@given(tz=st.sampled_from(ZONES), hours=st.integers(0, 23), minutes=st.sampled_from([0, 15, 30, 45]),
       start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1)))
def test_following_next_slot_gives_one_slot_per_local_day_at_the_asked_time(tz, hours, minutes, start):
    local_time = f"{hours:02d}:{minutes:02d}"
    now = start.replace(tzinfo=UTC)
    days = []
    for _ in range(400):  # more than a year: every daylight-saving change of the zone
        day, instant = next_slot(local_time, tz, now)
        assert instant > now
        local = instant.astimezone(zone(tz))
        # At the asked time, or (when that time does not exist that day) later by the clock change.
        assert local.date() == day
        assert local.strftime("%H:%M") == local_time or local.replace(tzinfo=None) > datetime.combine(
            day, datetime.strptime(local_time, "%H:%M").time())
        days.append(day)
        now = instant
    assert all((b - a).days == 1 for a, b in zip(days, days[1:]))  # no local day twice, none missed
