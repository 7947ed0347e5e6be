"""Publication dates as files state them, checked: one function, used by every reader.

A date may carry a time (`2024-05-03T08:00:00Z`, `2024-05-03 08:00+02:00`): the time is kept, as the
UTC instant `2024-05-03T06:00:00+00:00` (a time without a zone is taken as UTC), so that documents of
one day are ordered by the hour they were published. A date alone stays a date (`2024-05-03`).
A date must be a real calendar day (`2024-13-45`, `0000-00-00` and `2023-02-29` are not) from
FIRST_YEAR on, and not more than a day ahead of now: a document dated `9999-12-31` would otherwise
head /sources and be /brief's default for ever. A date that fails is unknown (the document falls
back to its file's date) and the reader notes why, so that the build can say so.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

FIRST_YEAR = 1900
FUTURE_SLACK = timedelta(days=1)  # time zones: a file written today somewhere may be dated tomorrow here
_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?![\d])")
_TIME = re.compile(r"[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?[ \t]*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$", re.IGNORECASE)


def publication_date(value: str | None, now: datetime | None = None) -> tuple[str | None, str | None]:
    """(ISO date, None) for a usable date at the start of `value` (`2024-05-03`), or (UTC instant, None)
    when a valid time follows it (`2024-05-03T08:00Z` → `2024-05-03T08:00:00+00:00`);
    (None, why) for one that is not a real day or lies more than a day ahead of `now` (default: the
    current time, UTC); (None, None) when `value` states no date at all."""
    if value is None or not str(value).strip():
        return None, None
    shown = " ".join(str(value).split())[:40]
    match = _ISO_DATE.match(str(value))
    if not match:
        return None, f"its date “{shown}” is not a date (YYYY-MM-DD); the file's date is used instead"
    try:
        day = date(*(int(part) for part in match.groups()))
    except ValueError:
        day = None
    if day is None or day.year < FIRST_YEAR:
        return None, f"its date {match.group().strip()} is not a real date; the file's date is used instead"
    now = now or datetime.now(timezone.utc)
    if day > (now + FUTURE_SLACK).date():
        return None, (f"its date {day.isoformat()} is more than a day ahead of the build; "
                      "the file's date is used instead")
    instant = _instant(day, str(value)[match.end():])
    if instant is not None:
        if instant > now + FUTURE_SLACK:
            return None, (f"its date {instant:%Y-%m-%d %H:%M} UTC is more than a day ahead of the build; "
                          "the file's date is used instead")
        return instant.isoformat(timespec="seconds"), None
    return day.isoformat(), None


def _instant(day: date, rest: str) -> datetime | None:
    """The UTC instant of `day` at the time `rest` states (`T08:30:00Z`, ` 08:30+02:00`); None without a
    valid time (the date alone is kept then)."""
    match = _TIME.match(rest)
    if not match:
        return None
    hour, minute, second, zone = match.groups()
    try:
        offset = timedelta(0)
        if zone and zone.upper() != "Z":
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            if offset >= timedelta(hours=24):
                return None
            offset = -offset if zone[0] == "-" else offset
        moment = datetime(day.year, day.month, day.day, int(hour), int(minute), int(second or 0),
                          tzinfo=timezone(offset))
    except ValueError:
        return None
    return moment.astimezone(timezone.utc)
