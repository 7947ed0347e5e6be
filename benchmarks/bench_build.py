"""Build benchmark: a synthetic seed folder of N documents into a store with bot.store.build.

    python -m benchmarks.bench_build --size 1000 [--seed 7]

Figures: fresh build time, docs/s, words/s, store file size, peak RSS during the build (summed over this
process and its descendants, i.e. any worker pool, sampled from /proc), CPU seconds per wall second over
those processes (1.0 = one core busy, 2.0 = two), the no-op rebuild, and the rebuild after one document
changed (twice: after the change and after undoing it). The store is left at
benchmarks/work/store-N-sS.db for the answer benchmark.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from benchmarks import corpus_gen
from benchmarks.common import WORK, TreeSampler, emit, fig, maxrss_mb


def store_path(size: int, seed: int) -> Path:
    return WORK / f"store-{size}-s{seed}.db"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    label = f"build {args.size // 1000}k" if args.size >= 1000 else f"build {args.size}"

    started = time.perf_counter()
    seeds = corpus_gen.generate(args.size, args.seed)
    generate_s = time.perf_counter() - started
    words = 0
    files = sorted(p for p in seeds.iterdir() if not p.name.startswith("."))
    for path in files:
        words += len(path.read_text(encoding="utf-8").split())

    from bot import (
        build as store,  # imported after generation, so the baseline RSS below is the build's own
    )

    db = store_path(args.size, args.seed)
    for old in [db, *db.parent.glob(f".{db.name}.*")]:
        old.unlink(missing_ok=True)
    baseline_mb = maxrss_mb()
    with TreeSampler() as tree:  # the build may run workers (a pool, a forkserver's children)
        t0 = time.perf_counter()
        report = store.build(seeds, db)
        build_s = time.perf_counter() - t0
    cpu_ratio = tree.cpu_seconds / build_s
    peak_mb = maxrss_mb()
    size_mb = db.stat().st_size / 1e6

    t0 = time.perf_counter()
    noop = store.build(seeds, db)
    noop_s = time.perf_counter() - t0
    assert noop.unchanged

    # One document changed: a sentence appended to the middle file; then the change undone.
    victim = files[len(files) // 2]
    original = victim.read_bytes()
    stat = victim.stat()
    try:
        victim.write_bytes(original + "\nA spokesman said on Friday: “We are reviewing the matter.”\n".encode())
        t0 = time.perf_counter()
        changed = store.build(seeds, db)
        changed_s = time.perf_counter() - t0
    finally:
        victim.write_bytes(original)
        os.utime(victim, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    if args.size <= 20_000:  # the store matches its folder again; skipped at 100k, where it costs minutes
        t0 = time.perf_counter()
        undone = store.build(seeds, db)
        undone_s = time.perf_counter() - t0
        undo_note = f", undo {undone_s:.2f} s (reused {undone.reused})"
    else:
        undone_s, undo_note = 0.0, " (undo not rebuilt: the store keeps the changed document)"
    rebuild_s = max(changed_s, undone_s)

    figures = [
        fig(label, "generate seeds (not part of build)", round(generate_s, 2), "s"),
        fig(label, "documents", report.documents, "", note=f"{report.people} people, {report.quotes} quotes, "
            f"{len(report.skipped)} skipped"),
        fig(label, "fresh build", round(build_s, 2), "s",
            *((("<=", 300.0) if args.size >= 100_000 else (None, None))),
            note="phases: " + ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in report.phases.items())),
        fig(label, "docs/s", round(report.documents / build_s, 1), "docs/s",
            note=f"100k need ≥ 333 docs/s; CPU/wall {cpu_ratio:.2f} over {tree.max_processes} processes "
                 f"(1.0 = one core busy, 2.0 = both)"),
        fig(label, "words/s (read+extract+write)", round(words / build_s), "words/s"),
        fig(label, "store file size", round(size_mb, 1), "MB"),
        fig(label, "peak RSS during build (all processes)", round(max(tree.peak_rss_mb, peak_mb), 1), "MB",
            note=f"summed over the build's processes, sampled every 0.2 s; the building process alone "
                 f"{peak_mb:.0f} MB (imports {baseline_mb:.0f} MB)"),
        fig(label, "no-op rebuild (unchanged seeds)", round(noop_s, 3), "s"),
        fig(label, "rebuild after 1 changed doc", round(rebuild_s, 2), "s", "<=", 2.0,
            note=f"change {changed_s:.2f} s (reused {changed.reused}){undo_note}"),
    ]
    extra = {"store": str(db), "documents": report.documents, "build_s": build_s, "cpu_ratio": cpu_ratio,
             "rebuild_s": rebuild_s, "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    # Kept for `benchmarks.run`, which quotes a 100k build measured apart when it has no time for one.
    (WORK / f"build-{args.size}-s{args.seed}.json").write_text(
        json.dumps({"figures": [f.dict() for f in figures], **extra}, ensure_ascii=False))
    emit(figures, **extra)


if __name__ == "__main__":
    main()
