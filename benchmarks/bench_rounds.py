"""A month of fetch rounds on one store: is it still as quick to search as a store built afresh?

    python -m benchmarks.bench_rounds --db benchmarks/work/store-10000-s7.db
        --seeds benchmarks/work/seeds-10000-s7 [--rounds 720] [--per-round 5]

A copy of the store and of its seed folder (hard links: the originals are left as they are) take
`--rounds` rounds (its full-text indexes first merged into one segment each, as the full build leaves
them), each one in-place build as a fetch round under KEEP_DAYS makes it: `--per-round` new documents
(generated, dated today) added and as many of the oldest removed, in one transaction. 720 rounds are a
month of hourly rounds.

Figures: the rounds' update time (p50, p99, max); the full-text indexes' segments after the rounds
(each search reads every segment holding its words: see `bot.build.search_segments`); the CPU time of
a fixed mix of 600 searches and /quotes topics (1-2 words of the store's vocabulary) on the store after
the rounds, against the same store with its indexes merged into one segment each, as a full build of
the same documents would leave them (the best of four runs each, taken in turns): target ≤ 1.15.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sqlite3
import time
from pathlib import Path

from benchmarks import corpus_gen
from benchmarks.common import WORK, emit, fig, percentile
from bot.build import build
from bot.build.search_segments import merge_all_segments, segments
from bot.store.queries import Store
from bot.store.schema import SEARCH_TABLES

DRIFT = 1.15  # the search mix may cost at most this much more after the rounds than with one segment per index


def search_mix(db: Path, count: int = 600, seed: int = 3) -> list[str]:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    # Every word of the index (search_shares keeps only the common ones since schema 13).
    conn.execute("create virtual table temp.mix_words using fts5vocab(main, paragraphs_fts, 'row')")
    words = [w for (w,) in conn.execute("select term from mix_words order by term")]
    conn.close()
    rng = random.Random(seed)
    return [" ".join(rng.sample(words, rng.choice((1, 1, 2)))) for _ in range(count)]


def search_cpu(db: Path, mix: list[str]) -> float:
    """CPU seconds of the mix: searches and /quotes topics."""
    store = Store(db)
    store.search("warm")
    started = time.process_time()
    for words in mix:
        store.search(words)
        store.quotes_about(words)
    return time.process_time() - started


def merge_segments(db: Path) -> None:
    conn = sqlite3.connect(db)
    merge_all_segments(conn)
    conn.commit()
    conn.close()


def segment_counts(db: Path) -> str:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return ", ".join(f"{index} {segments(conn, index)}" for index in SEARCH_TABLES)
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--seeds", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=720)
    parser.add_argument("--per-round", type=int, default=5)
    parser.add_argument("--label", default="a month of fetch rounds")
    args = parser.parse_args()

    here = WORK / "rounds"
    shutil.rmtree(here, ignore_errors=True)
    seeds, db = here / "seeds", here / "store.db"
    shutil.copytree(args.seeds, seeds, copy_function=os.link)
    shutil.copyfile(args.db, db)
    build(seeds, db)  # the copy's folder has a new path: recorded once, nothing extracted again
    merge_segments(db)  # as the full build leaves them (the original took changes since)
    conn = sqlite3.connect(db)
    oldest_first = [p for (p,) in conn.execute("select path from documents order by sort_date, id")]
    (documents,) = conn.execute("select count(*) from documents").fetchone()
    conn.close()

    mix = search_mix(db)
    generator = corpus_gen.Generator(corpus_gen.load_sources(), 11)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    times = []
    for n in range(args.rounds):
        added = []
        for i in range(args.per_round):
            name, text, _ = generator.document(10_000_000 + n * args.per_round + i)
            path = seeds / f"round-{n:04d}-{name}"
            path.write_text(re.sub(r"^date: .*$", f"date: {today}", text, count=1, flags=re.M), encoding="utf-8")
            added.append(path.name)
        expired, oldest_first = oldest_first[:args.per_round], oldest_first[args.per_round:] + added
        for rel in expired:
            (seeds / rel).unlink()
        started = time.perf_counter()
        report = build(seeds, db, changed=added + expired)
        times.append(time.perf_counter() - started)
        assert not report.unchanged and report.documents == documents, "a round did not keep the store's size"
    segments_after = segment_counts(db)
    merged = here / "merged.db"
    shutil.copyfile(db, merged)
    merge_segments(merged)
    cpu_after, cpu_merged = float("inf"), float("inf")
    for _ in range(4):  # in turns, so that the shared machine's moods fall on both
        cpu_after = min(cpu_after, search_cpu(db, mix))
        cpu_merged = min(cpu_merged, search_cpu(merged, mix))
    shutil.rmtree(here)

    replaced = args.rounds * args.per_round
    emit([
        fig(args.label, "round's update p50", round(percentile(times, 50), 3), "s",
            note=f"{args.rounds} rounds of {args.per_round} documents in and {args.per_round} out; "
                 f"{replaced:,} of the {documents:,} documents replaced"),
        fig(args.label, "round's update p99", round(percentile(times, 99), 3), "s", note=f"max {max(times):.3f} s"),
        fig(args.label, "search mix after the rounds, times one segment per index", round(cpu_after / cpu_merged, 2),
            "×", "<=", DRIFT, note=f"CPU {cpu_after:.3f} s after the rounds ({segments_after} segments), "
                                   f"{cpu_merged:.3f} s with one segment per index"),
    ])


if __name__ == "__main__":
    main()
