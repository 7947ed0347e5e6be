"""The weekly "voices of the week" chart a digest carries on the day its chat chose (Monday unless told).

The ten people quoted most in the seven local days before the digest's date, as a bar chart with
their roles, and the same list in the photo's caption. In the delivery log the chart is one part
written as a marker (`PHOTO_PART` and what to draw): a digest's parts are text, kept so a restart
resumes them, and a PNG has no place there; the sender turns the marker into the photo when it sends
it, drawing each distinct week, zone and language once (`ChartCache`).
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, tzinfo

from bot.answers import render
from bot.answers.charts import ChartCache, voices_chart
from bot.delivery.slots import zone
from bot.i18n import Translator
from bot.i18n import translator as translator_for
from bot.store.queries import Store
from bot.store.trends import Voice, voices, window

PHOTO_PART = "\x00photo:"  # a digest part that is a chart, not a message text
WEEK = 7
VOICES = 10
WEEKDAYS = 7


def is_photo_part(part: str) -> bool:
    return part.startswith(PHOTO_PART)


def week_before(local_date: date) -> date:
    """The first of the seven days before `local_date`."""
    return local_date - timedelta(days=WEEK)


class WeeklyVoices:
    """Who was quoted most in a week, as a digest part and, when sent, as a photo with its caption."""

    def __init__(self, store: Store, cache: ChartCache | None = None):
        self.store = store
        self.cache = cache or ChartCache()

    def due(self, voices_day: int | None, slot: datetime, tz: str) -> str | None:
        """The first day of the week to chart when the chat's digest at `slot` (its local date in zone
        `tz`) falls on its chosen weekday; else None."""
        local = slot.astimezone(zone(tz)).date()
        if voices_day is None or local.weekday() != voices_day:
            return None
        return week_before(local).isoformat()

    def week(self, first: date, tz: tzinfo) -> list[Voice]:
        return voices(self.store, window(first + timedelta(days=WEEK - 1), WEEK), tz, VOICES)

    def part(self, first: str, tz: str, t: Translator) -> str | None:
        """The digest's chart part for the week from `first`, or None when nobody was quoted."""
        if not self.week(date.fromisoformat(first), zone(tz)):
            return None
        return PHOTO_PART + json.dumps({"chart": "voices", "first": first, "zone": tz, "language": t.code})

    def photo(self, part: str) -> tuple[bytes, str] | None:
        """The PNG and caption a chart part stands for (None if the store has nobody for it any more)."""
        try:
            spec = json.loads(part[len(PHOTO_PART):])
            first = date.fromisoformat(spec["first"])
            tz, t = spec["zone"], translator_for(spec.get("language"))
        except (ValueError, KeyError, TypeError):
            return None
        people = self.week(first, zone(tz))
        if not people:
            return None
        last = first + timedelta(days=WEEK - 1)
        key = ("voices", first, tz, t.code, self.store.version)
        png = self.cache.get_or_draw(key, lambda: voices_chart(people, render.voices_title(first, last, t), t))
        return png, render.voices_caption(people, first, last, t)
