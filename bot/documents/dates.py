"""Publication dates as files state them, checked: one function, used by every reader.

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


def publication_date(value: str | None, now: datetime | None = None) -> tuple[str | None, str | None]:
    """(ISO date, None) for a usable date at the start of `value` (`2024-05-03`, `2024-05-03T08:00Z`);
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
    return day.isoformat(), None
