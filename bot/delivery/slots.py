"""When a chat's digest is due: parsing the time and zone a chat asks for, and local-time slots.

A slot is the UTC instant of a chat's local digest time on one local date. Daylight-saving changes
keep the local time. A local time that does not exist that day (02:30 when clocks jump from 02:00
to 03:00) falls the length of the jump later, at 03:30; a local time that happens twice (03:30 when
clocks fall back from 04:00 to 03:00) is the first of the two. Either way a chat gets one digest a
local day, because the delivery log is keyed by the local date.
"""
from __future__ import annotations

import html
import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from bot.i18n import N_, Refusal

DEFAULT_TIME = "08:00"
SUBSCRIBE_EXAMPLE = "/subscribe 07:30 Europe/Kyiv"

_TIME = re.compile(r"^(\d{1,2})[:.h](\d{2})$")
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


class BadSchedule(Refusal):
    """A time or zone the bot cannot use; the message (HTML, `html(t)` in a language) says what was
    wrong and how to write it."""


def parse_time(text: str, example: str = SUBSCRIBE_EXAMPLE) -> str:
    """'7:30' → '07:30'; anything that is not a 24-hour clock time raises BadSchedule (whose message
    gives `example`)."""
    match = _TIME.match(text.strip())
    if match:
        hours, minutes = int(match[1]), int(match[2])
        if hours < 24 and minutes < 60:
            return f"{hours:02d}:{minutes:02d}"
    raise BadSchedule(N_("“{text}” is not a time of day. Use 24-hour HH:MM, for example {example}."),
                      text=html.escape(text, quote=False), example=html.escape(example, quote=False))


@cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def parse_zone(text: str) -> str:
    """An IANA zone (any letter case) or a UTC offset, in the form the bot stores it."""
    raw = text.strip()
    if raw.upper() in {"UTC", "GMT", "Z"}:
        return "UTC"
    match = _OFFSET.match(raw)
    if match:
        sign, hours, minutes = match[1], int(match[2]), int(match[3] or 0)
        if minutes < 60 and hours * 60 + minutes <= 14 * 60:
            if hours == minutes == 0:
                return "UTC"
            return f"UTC{sign}{hours:02d}:{minutes:02d}"
    name = _zone_names().get(raw.lower())
    if name:
        return name
    raise BadSchedule(N_("“{text}” is not a time zone I know. Use a zone name such as Europe/Kyiv or "
                         "America/New_York, or an offset such as UTC+3 or +05:30."), text=html.escape(text, quote=False))


def zone(tz: str) -> tzinfo:
    """The tzinfo for a stored zone string (see parse_zone)."""
    match = _OFFSET.match(tz) if tz.startswith("UTC") and len(tz) > 3 else None
    if match:
        offset = timedelta(hours=int(match[2]), minutes=int(match[3] or 0))
        return timezone(offset if match[1] == "+" else -offset)
    return ZoneInfo(tz)


def slot(local_time: str, tz: str, local_date: date) -> datetime:
    """The UTC instant of `local_time` on `local_date` in zone `tz`."""
    hours, minutes = map(int, local_time.split(":"))
    local = datetime.combine(local_date, time(hours, minutes), tzinfo=zone(tz))
    return local.astimezone(timezone.utc)


def latest_slot(local_time: str, tz: str, now: datetime) -> tuple[date, datetime]:
    """The most recent slot at or before `now`, with its local date."""
    today = now.astimezone(zone(tz)).date()
    for day in (today + timedelta(days=1), today, today - timedelta(days=1), today - timedelta(days=2)):
        instant = slot(local_time, tz, day)
        if instant <= now:
            return day, instant
    raise AssertionError("a daily slot always exists within two days")  # pragma: no cover


def next_slot(local_time: str, tz: str, after: datetime) -> tuple[date, datetime]:
    """The first slot strictly after `after`, with its local date."""
    today = after.astimezone(zone(tz)).date()
    for day in (today - timedelta(days=1), today, today + timedelta(days=1), today + timedelta(days=2)):
        instant = slot(local_time, tz, day)
        if instant > after:
            return day, instant
    raise AssertionError("a daily slot always exists within two days")  # pragma: no cover


def due_slot(local_time: str, tz: str, now: datetime, grace: timedelta) -> tuple[date, datetime] | None:
    """The slot to deliver now: the latest one, if it passed less than `grace` ago."""
    day, instant = latest_slot(local_time, tz, now)
    return (day, instant) if now - instant < grace else None
