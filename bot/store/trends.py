"""How often a person or a topic was in the news, day by day: the numbers behind /trend.

A document's day is its publication date (that day in every zone), else the day in the asker's time
zone of the time its file was added; `sort_date` (seconds, UTC) narrows the documents to look at. A person counts
their mentions and their quotations; a topic counts the paragraphs holding all its words (as
/search matches them) and the documents those paragraphs are in.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
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


def local_day(published: str | None, added_at: str, zone: ZoneInfo) -> date:
    """A document's day in `zone`: its publication date when it has one (a bare date is that day in
    every zone), else the day in `zone` of the time its file was added."""
    if published:
        try:
            return date.fromisoformat(published[:10])
        except ValueError:  # a published date that is no date: the store sorts by the file's time too
            pass
    moment = datetime.fromisoformat(added_at)
    return moment.astimezone(zone).date() if moment.tzinfo else moment.date()


def window(last: date, days: int) -> list[date]:
    return [last - timedelta(days=n) for n in range(days - 1, -1, -1)]


def _bounds(days: list[date]) -> tuple[int, int]:
    """Stored sort_dates (seconds, UTC) that can fall on these days in some zone: a day of slack on each side."""
    low = datetime.combine(days[0] - timedelta(days=1), time(), timezone.utc)
    high = datetime.combine(days[-1] + timedelta(days=2), time(), timezone.utc)
    return int(low.timestamp()), int(high.timestamp())


def person_series(store: Store, person_id: int, name: str, days: list[date], zone: ZoneInfo) -> DailySeries:
    low, high = _bounds(days)
    first, last = days[0], days[-1]
    mentions: Counter[date] = Counter()
    best: dict[date, tuple[int, str, int]] = {}
    for row in store.read(
            "select d.published, d.added_at, pd.mentions, d.id, d.title from person_documents pd"
            " join documents d on d.id = pd.document_id"
            " where pd.person_id = ? and pd.sort_date >= ? and pd.sort_date < ?", person_id, low, high):
        day = local_day(row[0], row[1], zone)
        if first <= day <= last:
            mentions[day] += row[2]
            if row[2] > best.get(day, (0,))[0]:
                best[day] = (row[2], row[4], row[3])
    quotes: Counter[date] = Counter()
    for published, added_at in store.read(
            "select d.published, d.added_at from person_documents pd join documents d on d.id = pd.document_id"
            " join quotes q on q.id between d.first_quote and d.first_quote + d.quotes - 1 and q.ord = pd.ord"
            " where pd.person_id = ? and pd.sort_date >= ? and pd.sort_date < ?", person_id, low, high):
        day = local_day(published, added_at, zone)
        if first <= day <= last:
            quotes[day] += 1
    latest = store.read("select d.published, d.added_at from person_documents pd join documents d"
                        " on d.id = pd.document_id where pd.person_id = ?"
                        " order by pd.sort_date desc, pd.document_id desc limit 1", person_id)
    return _series(name, "person", days, mentions, quotes, best, latest[0] if latest else None, zone)


def topic_series(store: Store, words: list[str], days: list[date], zone: ZoneInfo) -> DailySeries:
    low, high = _bounds(days)
    first, last = days[0], days[-1]
    match = match_expression(words)
    # Paragraph rows are numbered as documents land, and the documents of a window sit in a narrow band
    # of them; the rowid range keeps FTS from walking every match of a common word in the whole store.
    band = store.read("select min(first_paragraph), max(first_paragraph + paragraphs - 1) from documents"
                      " where sort_date >= ? and sort_date < ?", low, high)
    paragraphs: Counter[date] = Counter()
    documents: dict[date, set[int]] = {}
    per_document: Counter[tuple[date, int]] = Counter()
    titles: dict[int, str] = {}
    if band and band[0][0] is not None:
        for row in store.read(
                "select d.published, d.added_at, d.id, d.title from paragraphs_fts f join documents d"
                " on d.id = (select id from documents where first_paragraph <= f.rowid"
                " order by first_paragraph desc limit 1)"
                " where paragraphs_fts match ? and f.rowid between ? and ? and f.rowid < d.first_paragraph + d.paragraphs"
                " and d.sort_date >= ? and d.sort_date < ?",
                match, band[0][0], band[0][1], low, high):
            day = local_day(row[0], row[1], zone)
            if first <= day <= last:
                paragraphs[day] += 1
                documents.setdefault(day, set()).add(row[2])
                per_document[day, row[2]] += 1
                titles[row[2]] = row[3]
    best: dict[date, tuple[int, str, int]] = {}
    for (day, document_id), count in per_document.items():
        if count > best.get(day, (0,))[0]:
            best[day] = (count, titles[document_id], document_id)
    extra = Counter({day: len(ids) for day, ids in documents.items()})
    latest = None
    if not paragraphs:
        # The newest match by rowid (rows are numbered as documents land): one step of the FTS index.
        found = store.read("select d.published, d.added_at from paragraphs_fts f join documents d"
                           " on d.id = (select id from documents where first_paragraph <= f.rowid"
                           " order by first_paragraph desc limit 1)"
                           " where paragraphs_fts match ? and f.rowid < d.first_paragraph + d.paragraphs"
                           " order by f.rowid desc limit 1", match)
        latest = found[0] if found else None
    return _series(" ".join(words), "topic", days, paragraphs, extra, best, latest, zone)


def _series(label: str, kind: str, days: list[date], counts: Counter[date], extra: Counter[date],
            best: dict[date, tuple[int, str, int]], latest: tuple | None, zone: ZoneInfo) -> DailySeries:
    busiest = None
    if counts:
        day = max(counts, key=lambda d: (counts[d], d))
        _, title, document_id = best.get(day, (0, "", 0))
        busiest = Busiest(day, counts[day], title, document_id)
    last_seen = max(counts) if counts else (local_day(latest[0], latest[1], zone) if latest else None)
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
    for person_id, published, added_at in store.read(
            "select q.person_id, d.published, d.added_at from documents d"
            " join quotes q on q.id between d.first_quote and d.first_quote + d.quotes - 1"
            " where d.sort_date >= ? and d.sort_date < ? and q.person_id is not null", low, high):
        if first <= local_day(published, added_at, zone) <= last:
            counts[person_id] += 1
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    people = {row[0]: (row[1], row[2]) for row in store.read(
        "select id, name, role from people where id in (select value from json_each(?))",
        json.dumps([pid for pid, _ in top]))}
    return [Voice(pid, *people[pid], n) for pid, n in top if pid in people]
