"""How often a person or a topic was in the news, day by day: the numbers behind /trend.

A document's day is its `sort_date` (its publication date, else the time its file was added) seen
in the asker's time zone; a date without a time of day is that day in every zone. A person counts
their mentions and their quotations; a topic counts the paragraphs holding all its words (as
/search matches them) and the documents those paragraphs are in.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.store.queries import Store
from bot.store.search_text import match_expression


@dataclass(frozen=True)
class Busiest:
    day: date
    count: int
    title: str  # the headline of that day's document with the most of it
    document_id: int


@dataclass(frozen=True)
class DailySeries:
    label: str  # the person's name, or the topic's words
    kind: str  # "person" or "topic"
    days: list[date]  # every day of the window, oldest first
    counts: list[int]  # mentions (person) or matching paragraphs (topic), per day
    extra: list[int]  # quotations (person) or documents (topic), per day
    busiest: Busiest | None  # None when the window is empty
    last_seen: date | None  # the latest day with any count in the whole store, for an empty window

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def extra_total(self) -> int:
        return sum(self.extra)


def local_day(sort_date: str, zone: ZoneInfo) -> date:
    """The day of a stored `sort_date` in `zone`: a bare date is itself, an instant is converted."""
    if len(sort_date) <= 10:
        return date.fromisoformat(sort_date)
    moment = datetime.fromisoformat(sort_date)
    return moment.astimezone(zone).date() if moment.tzinfo else moment.date()


def window(last: date, days: int) -> list[date]:
    return [last - timedelta(days=n) for n in range(days - 1, -1, -1)]


def _bounds(days: list[date]) -> tuple[str, str]:
    """Stored sort_dates that can fall on these days in some zone: a day of slack on each side."""
    return (days[0] - timedelta(days=1)).isoformat(), (days[-1] + timedelta(days=2)).isoformat()


def person_series(store: Store, person_id: int, name: str, days: list[date], zone: ZoneInfo) -> DailySeries:
    low, high = _bounds(days)
    first, last = days[0], days[-1]
    mentions: Counter[date] = Counter()
    best: dict[date, tuple[int, str, int]] = {}
    for row in store.read(
            "select pd.sort_date, pd.mentions, d.id, d.title from person_documents pd"
            " join documents d on d.id = pd.document_id"
            " where pd.person_id = ? and pd.sort_date >= ? and pd.sort_date < ?", person_id, low, high):
        day = local_day(row[0], zone)
        if first <= day <= last:
            mentions[day] += row[1]
            if row[1] > best.get(day, (0,))[0]:
                best[day] = (row[1], row[3], row[2])
    quotes: Counter[date] = Counter()
    for (sort_date,) in store.read("select sort_date from quotes where person_id = ? and sort_date >= ?"
                                   " and sort_date < ?", person_id, low, high):
        day = local_day(sort_date, zone)
        if first <= day <= last:
            quotes[day] += 1
    latest = store.read("select max(sort_date) from person_documents where person_id = ?", person_id)
    return _series(name, "person", days, mentions, quotes, best, latest[0][0] if latest else None, zone)


def topic_series(store: Store, words: list[str], days: list[date], zone: ZoneInfo) -> DailySeries:
    low, high = _bounds(days)
    first, last = days[0], days[-1]
    match = match_expression(words)
    # Paragraph ids grow with document ids, and documents of a window sit in a narrow band of
    # ids; the rowid range keeps FTS from walking every match of a common word in the whole store.
    band = store.read("select min(p.id), max(p.id) from documents d join paragraphs p on p.document_id = d.id"
                      " where d.sort_date >= ? and d.sort_date < ?", low, high)
    paragraphs: Counter[date] = Counter()
    documents: dict[date, set[int]] = {}
    per_document: Counter[tuple[date, int]] = Counter()
    titles: dict[int, str] = {}
    if band and band[0][0] is not None:
        for row in store.read(
                "select d.sort_date, d.id, d.title from paragraphs_fts f join paragraphs p on p.id = f.rowid"
                " join documents d on d.id = p.document_id"
                " where paragraphs_fts match ? and f.rowid between ? and ? and d.sort_date >= ? and d.sort_date < ?",
                match, band[0][0], band[0][1], low, high):
            day = local_day(row[0], zone)
            if first <= day <= last:
                paragraphs[day] += 1
                documents.setdefault(day, set()).add(row[1])
                per_document[day, row[1]] += 1
                titles[row[1]] = row[2]
    best: dict[date, tuple[int, str, int]] = {}
    for (day, document_id), count in per_document.items():
        if count > best.get(day, (0,))[0]:
            best[day] = (count, titles[document_id], document_id)
    extra = Counter({day: len(ids) for day, ids in documents.items()})
    latest = None
    if not paragraphs:
        # The newest match by id (documents are numbered as they land): one step of the FTS index.
        found = store.read("select d.sort_date from paragraphs_fts f join paragraphs p on p.id = f.rowid"
                           " join documents d on d.id = p.document_id where paragraphs_fts match ?"
                           " order by f.rowid desc limit 1", match)
        latest = found[0][0] if found else None
    return _series(" ".join(words), "topic", days, paragraphs, extra, best, latest, zone)


def _series(label: str, kind: str, days: list[date], counts: Counter[date], extra: Counter[date],
            best: dict[date, tuple[int, str, int]], latest: str | None, zone: ZoneInfo) -> DailySeries:
    busiest = None
    if counts:
        day = max(counts, key=lambda d: (counts[d], d))
        _, title, document_id = best.get(day, (0, "", 0))
        busiest = Busiest(day, counts[day], title, document_id)
    last_seen = max(counts) if counts else (local_day(latest, zone) if latest else None)
    return DailySeries(label, kind, days, [counts[d] for d in days], [extra[d] for d in days], busiest, last_seen)


@dataclass(frozen=True)
class Voice:
    person_id: int
    name: str
    role: str | None
    quotes: int


def voices(store: Store, days: list[date], zone: ZoneInfo, limit: int = 10) -> list[Voice]:
    """The people quoted most on these days (direct quotations with a named speaker), most first."""
    low, high = _bounds(days)
    first, last = days[0], days[-1]
    counts: Counter[int] = Counter()
    for person_id, sort_date in store.read("select person_id, sort_date from quotes where sort_date >= ?"
                                           " and sort_date < ? and person_id is not null", low, high):
        if first <= local_day(sort_date, zone) <= last:
            counts[person_id] += 1
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    people = {row[0]: (row[1], row[2]) for row in store.read(
        "select id, name, role from people where id in (select value from json_each(?))",
        json.dumps([pid for pid, _ in top]))}
    return [Voice(pid, *people[pid], n) for pid, n in top if pid in people]
