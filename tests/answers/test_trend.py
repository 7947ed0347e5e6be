"""/trend over a real store: the caption's numbers are the store's counts for the same days and zone,
the chart is a PNG of the promised size, and what cannot be charted is answered in words."""
from __future__ import annotations

import io
import os
import re
import sqlite3
from datetime import date, datetime, timezone

import pytest
from PIL import Image

from bot.answers.charts import sparkline
from bot.answers.commands import CommandCore
from bot.answers.trend import TrendAnswers
from bot.build import build
from bot.delivery.slots import zone
from bot.store.mentions import mentioned_paragraphs
from bot.store.queries import Store
from bot.store.trends import local_day

TODAY = date(2024, 5, 20)
STORY = """---
date: {day}
---
# {title}

Mayor Ivan Brodsky opened the {thing} on {weekday}, and Mayor Brodsky thanked the builders.

“It is a good day for the harbour,” Brodsky said.
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    folder = tmp_path_factory.mktemp("trend")
    seeds = folder / "seeds"
    seeds.mkdir()
    for n, (day, thing) in enumerate([("2024-05-18", "bridge"), ("2024-05-18", "harbour wall"),
                                      ("2024-05-02", "school"), ("2024-03-01", "library")]):
        (seeds / f"{n}.md").write_text(STORY.format(day=day, title=f"Brodsky opens the {thing}", thing=thing,
                                                    weekday="Monday"))
    # No date in the file: its day is the file's time, 23:30 UTC on 19 May (20 May in Kiribati).
    late = seeds / "late.txt"
    late.write_text("Night ferry begins\n\nMayor Ivan Brodsky launched a night ferry to the islands.\n")
    stamp = datetime(2024, 5, 19, 23, 30, tzinfo=timezone.utc).timestamp()
    os.utime(late, (stamp, stamp))
    build(seeds, folder / "briefing.db")
    return Store(folder / "briefing.db")


@pytest.fixture
def core(store) -> CommandCore:
    return CommandCore(store, trends=TrendAnswers(store, today=lambda tz: TODAY))


def stored_mentions(store: Store, first: str, last: str, tz: str) -> int:
    """The store's own count, from the mentions' spans, for the days first..last in zone tz."""
    conn = sqlite3.connect(store.path)
    rows = conn.execute("select d.published, d.added_at, r.mentioned from person_documents r"
                        " join documents d on d.id = r.document_id join people p on p.id = r.person_id"
                        " where p.name = 'Ivan Brodsky'").fetchall()
    days = [local_day(published, added_at, zone(tz)) for published, added_at, mentioned in rows
            for _, spans in mentioned_paragraphs(mentioned) for _ in spans]
    return sum(date.fromisoformat(first) <= d <= date.fromisoformat(last) for d in days)


@pytest.mark.parametrize("tz", ["UTC", "Pacific/Kiritimati"])
def test_the_caption_holds_the_stores_counts_for_the_chats_days(store, core, tz):
    answer = core.trend("brodsky 7", zone(tz), tz)
    assert answer.photo is not None
    mentions = stored_mentions(store, "2024-05-14", "2024-05-20", tz)
    assert f"<b>Ivan Brodsky</b>: {mentions} mentions" in answer.html
    assert "busiest 18 May" in answer.html and "Brodsky opens the" in answer.html
    # The ferry story (23:30 UTC on 19 May) is on 20 May in Kiribati: that day has a count there only.
    (line,) = answer.photo.sparklines
    today = core.trend("brodsky 1", zone(tz), tz)
    if tz == "UTC":
        assert line[-2:] != "▁▁" and line[-1] == "▁"
        assert today.photo is None and "last seen 19 May 2024" in today.html
    else:
        assert line[-1] != "▁"
        assert f"<b>Ivan Brodsky</b>: {stored_mentions(store, '2024-05-20', '2024-05-20', tz)} mention" in today.html


def test_a_longer_window_counts_more_and_the_chart_is_a_png(store, core):
    week, quarter = core.trend("brodsky 7"), core.trend("brodsky 90")
    count = lambda a: int(re.search(r"Ivan Brodsky</b>: (\d+) mentions", a.html)[1])  # noqa: E731
    assert count(quarter) == stored_mentions(store, "2024-02-22", "2024-05-20", "UTC") > count(week)
    image = Image.open(io.BytesIO(quarter.photo.png))
    image.verify()
    assert image.format == "PNG" and image.size == (800, 450)


def test_topics_count_paragraphs_and_documents(core):
    answer = core.trend("harbour 7")
    assert "<b>harbour</b>: " in answer.html and "2 documents" in answer.html


def test_the_same_question_is_drawn_once(store):
    drawn = []
    trends = TrendAnswers(store, today=lambda tz: TODAY)
    real = trends.cache.get_or_draw
    trends.cache.get_or_draw = lambda key, draw: real(key, lambda: drawn.append(key) or draw())
    for _ in range(3):
        trends.answer("brodsky, harbour 30", zone("UTC"), "UTC")
    assert len(drawn) == 1


@pytest.mark.parametrize("args, says", [
    ("zebra", "not in the store at all"),
    ("brodsky 0", "DAYS is a number from 1 to 365"),
    ("brodsky 366", "DAYS is a number from 1 to 365"),
    ("a, b, c, d", "Up to 3"),
    ("«»—", "has no words I can look for"),
    ("", "Usage: /trend"),
])
def test_what_cannot_be_charted_is_said_in_words(core, args, says):
    answer = core.trend(args)
    assert answer.photo is None and says in answer.html, answer.html


def test_sparkline_scales_to_the_busiest_day():
    assert sparkline([0, 1, 2, 4]) == "▁▃▅█"
    assert sparkline([0, 0]) == "▁▁"
