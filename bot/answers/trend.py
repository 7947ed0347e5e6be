"""/trend NAME|TOPIC [DAYS]: how often a person or a topic was in the news, as a chart with its numbers.

Up to three, separated by commas, are compared (`/trend blinken, lavrov`). A name that matches a
person as surely as /quotes needs is that person; anything else is a topic, matched as /search
matches words. The caption carries the numbers (totals, the busiest day and its headline), so the
picture is never the only carrier of the facts; an empty window is answered in words.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from bot.answers import render
from bot.answers.charts import ChartCache, sparkline, trend_chart
from bot.answers.choosing import TOPIC_MATCH, is_sure
from bot.i18n import ENGLISH, Translator
from bot.models import PersonMatch
from bot.store.queries import Store
from bot.store.search_text import NoUsableWords, search_terms
from bot.store.trends import DailySeries, person_series, topic_series, window

DEFAULT_DAYS = 30
MOST_DAYS = 365
MOST_COMPARED = 3
KNOWN_FILE_IDS = 1000  # charts sent, whose Telegram file_id is kept for inline sharing


@dataclass(frozen=True)
class Chart:
    png: bytes
    caption: str  # Telegram HTML, within a caption's 1,024 characters
    sparklines: list[str]  # one text line per series, for the console
    key: tuple  # the question and the store's version: the same chart has the same key


@dataclass(frozen=True)
class Subject:
    label: str
    person_id: int | None  # None for a topic
    words: list[str]


class TrendAnswers:
    """Charts of daily counts over one store, drawn once per question and version of the store."""

    def __init__(self, store: Store, today: Callable[[tzinfo], date] | None = None,
                 cache: ChartCache | None = None):
        self.store = store
        self.today = today or (lambda zone: datetime.now(zone).date())
        self.cache = cache or ChartCache()
        self._file_ids: OrderedDict[tuple, str] = OrderedDict()  # chart key → Telegram's file_id, once sent

    def remember_sent(self, key: tuple, file_id: str) -> None:
        """Telegram's id of a chart it took: inline mode can share that very photo without uploading it."""
        self._file_ids[key] = file_id
        self._file_ids.move_to_end(key)
        while len(self._file_ids) > KNOWN_FILE_IDS:
            self._file_ids.popitem(last=False)

    def sent_file_id(self, key: tuple) -> str | None:
        return self._file_ids.get(key)

    def parse(self, args: str, t: Translator = ENGLISH) -> tuple[list[str], int] | str:
        """The asked names or topics and the number of days, or what is wrong with the request."""
        items = [" ".join(part.split()) for part in args.split(",")]
        words = items[-1].rsplit(" ", 1)
        days = DEFAULT_DAYS
        if len(words) == 2 and words[1].lstrip("-").isdigit() and words[1].isascii():
            days = int(words[1]) if len(words[1]) < 6 else MOST_DAYS + 1
            items[-1] = words[0]
        items = [item for item in items if item]
        if not items:
            return ""
        if len(items) > MOST_COMPARED:
            return t._("Up to {most} names or topics at once, separated by commas.", most=t.number(MOST_COMPARED))
        if not 1 <= days <= MOST_DAYS:
            return t._("{days} is a number from 1 to {most}.", days=t._("DAYS"), most=t.number(MOST_DAYS))
        return items, days

    def subject(self, item: str) -> Subject | list[PersonMatch]:
        """A person (when the name is sure), several candidates to choose from, or a topic."""
        matches = self.store.find_people(item, limit=5)
        if matches and matches[0].score >= TOPIC_MATCH and is_sure(matches):
            return Subject(matches[0].name, matches[0].id, [])
        close = [m for m in matches if m.score >= TOPIC_MATCH]
        if len(close) > 1:
            return close
        return Subject(item, None, search_terms(item))

    def series(self, subjects: list[Subject], days: int, zone: tzinfo) -> list[DailySeries]:
        span = window(self.today(zone), days)
        return [person_series(self.store, s.person_id, s.label, span, zone) if s.person_id is not None
                else topic_series(self.store, s.words, span, zone) for s in subjects]

    def chart(self, subjects: list[Subject], days: int, zone: tzinfo, zone_name: str,
              t: Translator = ENGLISH) -> Chart | str:
        """The chart and its caption, or (for an empty window) the answer in words."""
        series = self.series(subjects, days, zone)
        if not any(s.total for s in series):
            return render.trend_empty(series, days, zone_name, t)
        versus = " " + t.p_("between the names a chart compares", "vs") + " "
        title = t.n_("Last {n} day: {subjects}", "Last {n} days: {subjects}", days,
                     subjects=versus.join(s.label for s in series))
        key = (tuple((s.person_id, tuple(s.words)) for s in subjects), days, zone_name, series[0].days[-1],
               self.store.version, t.code)
        png = self.cache.get_or_draw(key, lambda: trend_chart(series, title, t))
        return Chart(png, render.trend_caption(series, days, zone_name, t),
                     [f"{s.label}: {sparkline(s.counts)}" for s in series], key)

    def subjects(self, items: list[str], t: Translator = ENGLISH) -> list[Subject] | list[PersonMatch] | str:
        """What each item is; several people for a lone ambiguous name; or why an item is no question."""
        subjects: list[Subject] = []
        for item in items:
            try:
                found = self.subject(item)
            except NoUsableWords:
                return t._("“{topic}” has no words I can look for.", topic=render.escape(item))
            if isinstance(found, list):
                if len(items) == 1:
                    return found
                found = Subject(found[0].name, found[0].id, [])  # comparing: the best-known of them
            subjects.append(found)
        return subjects

    def answer(self, args: str, zone: tzinfo, zone_name: str,
               t: Translator = ENGLISH) -> Chart | str | list[PersonMatch]:
        parsed = self.parse(args, t)
        if isinstance(parsed, str):
            return parsed
        items, days = parsed
        subjects = self.subjects(items, t)
        if isinstance(subjects, str) or not isinstance(subjects[0], Subject):
            return subjects
        return self.chart(subjects, days, zone, zone_name, t)
