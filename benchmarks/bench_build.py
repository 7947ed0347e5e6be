"""Build benchmark: a synthetic seed folder of N documents into a store with bot.build.build, and the
changes a running bot makes to it.

    python -m benchmarks.bench_build --size 1000 [--seed 7]

Figures: fresh build time, docs/s, words/s, store file size and size per document, what each table
costs per document (SQLite's dbstat, each table with its indexes), peak RSS during the build (summed
over this process and its descendants, i.e. any worker pool, sampled from /proc), CPU seconds per wall
second over those processes (1.0 = one core busy, 2.0 = two); then, in place:

- checking an unchanged folder (a no-op build: the folder's digest);
- the rebuild after one changed document, given its path (`build(changed=...)`, as an upload or a
  feed knows what it wrote), and the same change found by scanning the folder;
- a fetch round: 100 new documents (dated now) added, given their paths, then removed again;
- retention: the oldest day's documents dropped (`bot.build.retention.drop_documents_before`; a day
  is 0.5 % of the store, 5,000 of a million): retired, out of every answer in one short transaction,
  then purged slice by slice as the bot does (`bot.build.purge`); then put back in place (the
  incremental build of that many added files, against the full build's time: what the in-place
  threshold weighs);
- the bot's search upkeep after those changes (`handlers.upkeep`: the full-text indexes' segments
  merged into one each, in slices that builds take turns with), as the running bot does at most daily.

The folder and the store are left as they started (the folder's files, the store's contents), the
store at benchmarks/work/store-N-sS.db for the answer benchmark. `--reuse` keeps a store already built
from the folder and measures only the changes (the build's own figures are quoted from its last run):
a million-document build is made once.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks import corpus_gen
from benchmarks.common import WORK, Figure, TreeSampler, emit, fig, maxrss_mb

DAY_SHARE = 0.005  # a day of news: 5,000 of a million documents
FETCH_ROUND = 100


def store_path(size: int, seed: int) -> Path:
    return WORK / f"store-{size}-s{seed}.db"


def table_costs(db: Path) -> tuple[int, list[tuple[str, int, int]]]:
    """(documents, [(table, bytes, rows)]) with each table's indexes and full-text shadow tables, largest first."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        owner = dict(conn.execute("select name, tbl_name from sqlite_master"))
        sizes: dict[str, int] = {}
        for name, size in conn.execute("select name, sum(pgsize) from dbstat group by name"):
            table = owner.get(name, name)
            for suffix in ("_data", "_idx", "_docsize", "_config", "_content"):
                if table.endswith("_fts" + suffix):
                    table = table[:-len(suffix)]
            sizes[table] = sizes.get(table, 0) + size
        documents = conn.execute("select count(*) from documents").fetchone()[0]
        rows = {t: conn.execute(f'select count(*) from "{t}"').fetchone()[0] for t in sizes
                if t in owner and not t.endswith("_fts") and not t.startswith("sqlite_")}
    finally:
        conn.close()
    return documents, sorted(((t, b, rows.get(t, 0)) for t, b in sizes.items()), key=lambda item: -item[1])


def timed(call) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = call()
    return time.perf_counter() - t0, result


def purge_timed(db: Path) -> dict:
    """The purge of retired documents (`bot.build.purge`), slice by slice, as the bot's upkeep runs it."""
    from bot.build.purge import pending, purge_slice

    slices: list[float] = []
    started = time.perf_counter()
    left = pending(db)
    while left:
        t0 = time.perf_counter()
        left = purge_slice(db)
        slices.append(time.perf_counter() - t0)
    slices.sort()
    return {"seconds": round(time.perf_counter() - started, 2), "slices": len(slices),
            "p50": slices[len(slices) // 2] if slices else 0.0, "max": slices[-1] if slices else 0.0}


def search_upkeep(db: Path, label: str) -> Figure:
    """The bot's upkeep of the search indexes (`handlers.upkeep.SearchUpkeep`), timed slice by slice."""
    import asyncio

    import handlers.upkeep as upkeep
    from bot.build.search_segments import segments
    from bot.store.schema import SEARCH_TABLES

    conn = sqlite3.connect(db)
    before = ", ".join(f"{index} {segments(conn, index)}" for index in SEARCH_TABLES)
    conn.close()
    slices: list[float] = []

    def timed_slice(db_path: Path, pages: int) -> bool:
        started = time.monotonic()
        more = compact_slice(db_path, pages)
        slices.append(time.monotonic() - started)
        return more

    compact_slice, upkeep.compact_slice = upkeep.compact_slice, timed_slice
    try:
        total_s, merged = timed(lambda: asyncio.run(upkeep.SearchUpkeep(db, asyncio.Lock()).run()))
    finally:
        upkeep.compact_slice = compact_slice
    slices.sort()
    note = (f"segments before: {before}; " + (f"{len(slices)} slices, p50 {slices[len(slices) // 2]:.2f} s, "
            f"max {slices[-1]:.2f} s (a build waits one slice at most)" if merged else "not due"))
    return fig(label, "search upkeep after the changes", round(total_s, 2), "s", note=note)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="keep the store built earlier; measure the changes")
    args = parser.parse_args()
    label = f"build {args.size // 1000}k" if args.size >= 1000 else f"build {args.size}"
    measured_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = os.getloadavg()

    started = time.perf_counter()
    seeds = corpus_gen.generate(args.size, args.seed)
    generate_s = time.perf_counter() - started
    words = 0
    files = sorted(p for p in seeds.iterdir() if not p.name.startswith("."))
    if args.size <= 100_000 and not args.reuse:
        for path in files:
            words += len(path.read_text(encoding="utf-8").split())

    # Imported after generation, so that the baseline RSS below is the build's own.
    from bot import build as store
    from bot.build.retention import drop_documents_before
    from bot.build.retired import PURGE_SLICE

    db = store_path(args.size, args.seed)
    saved = WORK / f"build-{args.size}-s{args.seed}.json"
    earlier = json.loads(saved.read_text()) if args.reuse and saved.is_file() and db.is_file() else None
    if earlier is None:
        for old in [db, *db.parent.glob(f"{db.name}-*"), *db.parent.glob(f".{db.name}.*")]:
            old.unlink(missing_ok=True)
        baseline_mb = maxrss_mb()
        with TreeSampler() as tree:  # the build may run workers (a pool, a forkserver's children)
            build_s, report = timed(lambda: store.build(seeds, db))
        cpu_ratio = tree.cpu_seconds / build_s
        peak_mb = maxrss_mb()
        size_bytes = db.stat().st_size
        documents, costs = table_costs(db)

    noop_s, noop = timed(lambda: store.build(seeds, db))
    assert noop.unchanged
    if earlier is not None:
        report = noop

    # One document changed (a sentence appended to the middle file), given its path; then undone.
    victim = files[len(files) // 2]
    original, status = victim.read_bytes(), victim.stat()
    rel = [victim.relative_to(seeds).as_posix()]

    def restore() -> None:
        victim.write_bytes(original)
        os.utime(victim, ns=(status.st_atime_ns, status.st_mtime_ns))

    try:
        victim.write_bytes(original + "\nA spokesman said on Friday: “We are reviewing the matter.”\n".encode())
        changed_s, changed = timed(lambda: store.build(seeds, db, changed=rel))
    finally:
        restore()
    undone_s, _ = timed(lambda: store.build(seeds, db, changed=rel))
    try:  # the same change, found by scanning the folder
        victim.write_bytes(original + "\nA spokesman said on Monday: “We are reviewing the matter.”\n".encode())
        scanned_s, _ = timed(lambda: store.build(seeds, db))
    finally:
        restore()
    store.build(seeds, db, changed=rel)

    # A fetch round: 100 new documents, dated now (the newest); then taken out again.
    generator = corpus_gen.Generator(corpus_gen.load_sources(), args.seed)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    fresh = []
    for index in range(args.size, args.size + FETCH_ROUND):
        name, text, _ = generator.document(index)
        path = seeds / f"fetched-{name}"
        path.write_text(re.sub(r"^date: .*$", f"date: {today}", text, count=1, flags=re.M), encoding="utf-8")
        fresh.append(path)
    fresh_rel = [p.name for p in fresh]
    fetch_s, fetched = timed(lambda: store.build(seeds, db, changed=fresh_rel))
    for path in fresh:
        path.unlink()
    unfetch_s, _ = timed(lambda: store.build(seeds, db, changed=fresh_rel))

    # Retention: the oldest day's documents go (files and rows) in one transaction, then come back in
    # place; then the oldest hour's alone (what a fetch round keeping KEEP_DAYS would drop) go and come back.
    day = max(1, round(args.size * DAY_SHARE))
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    dates = [d for (d,) in conn.execute("select sort_date from documents order by sort_date limit ?", (day + 1,))]
    conn.close()

    def drop_and_restore(cutoff: int) -> tuple[float, object, dict, float, object, float, list[str]]:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        paths = [p for (p,) in conn.execute("select path from documents where sort_date < ?", (cutoff,))]
        conn.close()
        aside = WORK / f"retention-{args.size}-s{args.seed}"
        shutil.rmtree(aside, ignore_errors=True)
        aside.mkdir(parents=True)
        for path in paths:
            os.link(seeds / path, aside / path.replace("/", "__"))
        drop_s, drop = timed(lambda: drop_documents_before(seeds, db, cutoff))
        purge = purge_timed(db)
        for path in paths:
            os.link(aside / path.replace("/", "__"), seeds / path)
        shutil.rmtree(aside)
        with TreeSampler() as back_tree:
            back_s, back = timed(lambda: store.build(seeds, db, changed=paths))
        return drop_s, drop, purge, back_s, back, back_tree.cpu_seconds / back_s, paths

    drop_s, drop, purge, back_s, back, back_cpu, dropped = drop_and_restore(dates[day])
    hour_s, _, hour_purge, _, _, _, hour_paths = drop_and_restore(dates[max(1, day // 24)])
    final_s, final = timed(lambda: store.build(seeds, db))
    upkeep = search_upkeep(db, label)
    assert final.unchanged and final.documents == report.documents, "the store no longer matches its folder"

    load_after = os.getloadavg()
    load = f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    changes = [
        fig(label, "checking an unchanged folder", round(noop_s, 3), "s", "<=", 5.0,
            note=f"a digest of every file's stat; after the changes below {final_s:.2f} s"),
        fig(label, "rebuild after 1 changed doc", round(max(changed_s, undone_s), 2), "s", "<=", 2.0,
            note=f"given its path: change {changed_s:.2f} s, undo {undone_s:.2f} s (reused {changed.reused}); "
                 f"found by scanning the folder {scanned_s:.2f} s"),
        fig(label, f"fetch round: {FETCH_ROUND} new documents", round(fetch_s, 2), "s", "<=", 2.0,
            note=f"given their paths; removing them again {unfetch_s:.2f} s; {fetched.documents} documents"),
        fig(label, f"retention: drop a day ({len(dropped):,} documents)", round(drop_s, 2), "s",
            *((("<=", 2.0) if args.size >= 1_000_000 else (None, None))),
            note=f"files deleted, documents out of every answer in one transaction (retired: "
                 f"bot.build.retired); {drop.documents:,} documents left"),
        fig(label, "retention: the day's purge", purge["seconds"], "s",
            note=f"the retired rows taken out in {purge['slices']} slices of {PURGE_SLICE} documents (each a "
                 f"transaction under the builds' lock): p50 {purge['p50']:.2f} s, max {purge['max']:.2f} s"
            if purge["slices"] else f"nothing retired: no more than {PURGE_SLICE} documents are removed at once"),
        fig(label, f"retention: drop an hour ({len(hour_paths):,} documents)", round(hour_s, 2), "s",
            note="what a fetch round keeping KEEP_DAYS drops each hour, in one transaction"
                 + (f" (retired, then purged in {hour_purge['seconds']} s)" if hour_purge["slices"] else
                    " (removed at once: no more than a purge's slice)")),
        fig(label, f"{len(dropped):,} documents added in place", round(back_s, 2), "s",
            note=f"CPU/wall {back_cpu:.2f}: the in-place threshold weighs this against a "
                 f"fresh build ({back.documents:,} documents)"),
        upkeep,
    ]
    if earlier is not None:  # the build's own figures, from when it was made; the changes, now
        kept = [Figure(**f) for f in earlier["figures"] if f["name"] not in {c.name for c in changes}]
        for f in kept:
            if f.name == "documents":
                f.note = f.note.split("; changes measured")[0] + f"; changes measured {measured_at}, {load}"
        figures = kept + changes
        extra = {k: v for k, v in earlier.items() if k != "figures"}
        extra.update(rebuild_s=max(changed_s, undone_s), changes_measured_at=measured_at, changes_load=[load_before, load_after])
        saved.write_text(json.dumps({"figures": [f.dict() for f in figures], **extra}, ensure_ascii=False))
        emit(figures, **extra)
        return

    per_doc = size_bytes / max(1, documents)
    figures = [
        fig(label, "generate seeds (not part of build)", round(generate_s, 2), "s"),
        fig(label, "documents", report.documents, "", note=f"{report.people} people, {report.quotes} quotes, "
            f"{len(report.skipped)} skipped; measured {measured_at}, {load}"),
        fig(label, "fresh build", round(build_s, 2), "s",
            *((("<=", 2700.0) if args.size >= 1_000_000 else ("<=", 300.0) if args.size >= 100_000 else (None, None))),
            note="phases: " + ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in report.phases.items())),
        fig(label, "docs/s", round(report.documents / build_s, 1), "docs/s",
            note=f"CPU/wall {cpu_ratio:.2f} over {tree.max_processes} processes (1.0 = one core busy, 2.0 = both)"),
    ]
    if words:
        figures.append(fig(label, "words/s (read+extract+write)", round(words / build_s), "words/s"))
    figures += [
        fig(label, "store file size", round(size_bytes / 1e6, 1), "MB"),
        fig(label, "store size per document", round(per_doc / 1000, 2), "KB", "<=", 10.0,
            note=" ".join(f"{t} {b / max(1, documents) / 1000:.2f}" for t, b, _ in costs[:6]) + " … (KB/doc)"),
    ]
    figures += [fig(label, f"bytes/doc: {table}", round(size / max(1, documents)), "B",
                    note=f"{rows:,} rows" if rows else "") for table, size, rows in costs]
    figures += [
        fig(label, "peak RSS during build (all processes)", round(max(tree.peak_rss_mb, peak_mb), 1), "MB",
            note=f"summed over the build's processes, sampled every 0.2 s; the building process alone "
                 f"{peak_mb:.0f} MB (imports {baseline_mb:.0f} MB)"),
    ] + changes
    extra = {"store": str(db), "documents": report.documents, "build_s": build_s, "cpu_ratio": cpu_ratio,
             "rebuild_s": max(changed_s, undone_s), "measured_at": measured_at, "load": [load_before, load_after],
             "table_costs": costs, "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    # Kept for `benchmarks.run`, which quotes a large build measured apart when it has no time for one.
    (WORK / f"build-{args.size}-s{args.seed}.json").write_text(
        json.dumps({"figures": [f.dict() for f in figures], **extra}, ensure_ascii=False))
    emit(figures, **extra)


if __name__ == "__main__":
    main()
