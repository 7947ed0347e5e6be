"""Charts: /trend answered and drawn on one store, and what 100 different charts cost in memory.

    python -m benchmarks.bench_charts --db benchmarks/work/store-1000-s7.db [--charts 100]

`--charts` different questions (one to three of the store's best-known people and common topic
words, 7 to 365 days, deterministic from --seed) are answered by `CommandCore.trend` as a chat would
ask them, in UTC, with the window ending on the store's newest day so that charts have something to
draw. Figures: the first chart (matplotlib's import included) apart; then p50/p99 ms of drawing
alone (`charts.trend_chart` on the answer's series) and of the whole answer (queries and drawing);
the process's peak RSS after all the charts, against the bot's 200 MB bar, and how much it grew.
"""
from __future__ import annotations

import argparse
import gc
import random
import time
from datetime import datetime, timezone

from benchmarks.common import emit, fig, maxrss_mb, percentile, rss_mb

TOPICS = ["ukraine", "election", "tax", "health care", "russia", "border", "economy", "court", "trade", "energy"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--charts", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--label", default="charts")
    args = parser.parse_args()
    from bot.answers.charts import trend_chart
    from bot.answers.commands import CommandCore
    from bot.answers.trend import TrendAnswers
    from bot.store.queries import Store

    store = Store(args.db)
    newest = store.read("select max(sort_date) from documents")[0][0]  # seconds, UTC
    last_day = datetime.fromtimestamp(newest, timezone.utc).date()
    trends = TrendAnswers(store, today=lambda tz: last_day)
    core = CommandCore(store, trends=trends)
    rng = random.Random(args.seed)
    people = [p.name for p in store.prominent_people(200)]
    questions: set[str] = set()
    while len(questions) < args.charts + 1:
        subjects = rng.sample(people + TOPICS, rng.randint(1, 3))
        questions.add(", ".join(subjects) + f" {rng.choice([7, 14, 30, 30, 90, 365])}")
    questions = sorted(questions)
    gc.collect()
    rss_before, _ = rss_mb()

    started = time.perf_counter()
    first = core.trend(questions[0], timezone.utc, "UTC")
    cold_ms = (time.perf_counter() - started) * 1000
    answer_ms, draw_ms, drawn = [], [], 0
    for question in questions[1:]:
        started = time.perf_counter()
        answer = core.trend(question, timezone.utc, "UTC")
        answer_ms.append((time.perf_counter() - started) * 1000)
        if answer.photo is None:
            continue
        drawn += 1
        items, days = trends.parse(question)
        series = trends.series(trends.subjects(items), days, timezone.utc)
        started = time.perf_counter()
        trend_chart(series, "benchmark")
        draw_ms.append((time.perf_counter() - started) * 1000)
    rss_after, _ = rss_mb()
    label = args.label
    emit([
        fig(label, "first chart (matplotlib imported)", round(cold_ms, 1), "ms",
            note="photo" if first.photo else "answered in words"),
        fig(label, "charts drawn", drawn, "", note=f"of {len(questions) - 1} questions; the rest answered in words"),
        fig(label, "drawing p50", round(percentile(draw_ms, 50), 1), "ms"),
        fig(label, "drawing p99", round(percentile(draw_ms, 99), 1), "ms", "<=", 150),
        fig(label, "answer p50 (queries + drawing)", round(percentile(answer_ms, 50), 1), "ms"),
        fig(label, "answer p99 (queries + drawing)", round(percentile(answer_ms, 99), 1), "ms"),
        fig(label, f"peak RSS after {len(questions)} charts", round(maxrss_mb(), 1), "MB", "<=", 200),
        fig(label, "RSS growth over the charts", round(rss_after - rss_before, 1), "MB"),
    ])


if __name__ == "__main__":
    main()
