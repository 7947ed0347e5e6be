"""Briefbot's benchmarks: `python -m benchmarks.run [--quick] [--only NAME ...] [--sizes N,N,...]`.

Runs each benchmark in a fresh interpreter (see benchmarks/common.py), prints a table of figures with
their targets and writes benchmarks/results.json. Work files (generated seed folders, stores, state
databases) go to benchmarks/work/, which git ignores; generated seed folders are reused between runs.

Benchmarks (names for --only):
  extract  words/s of bot.extract.extract over the 840 PolNeAR articles, one process
  adversarial  extraction of hostile generated text (quotation floods, capitalised soups, unclosed and
           nested marks, pronoun chains, huge paragraph counts …): s/MB and its growth with size
  build    synthetic stores built with bot.store.build: time, docs/s, size, peak RSS, rebuilds
  answers  p50/p99 of the command core and raw Store methods on each built store
  rounds   a month of hourly fetch rounds (720 in-place updates) on the 10k store: update time, and the
           searches' cost after them against the store as built
  charts   /trend on the largest store up to 100k: drawing p50/p99, peak RSS after 100 different charts
  digest   fan-out to 10,000 due chats: limiter off (messages/s, RSS) and on (sustained rate, 429s)
  alerts   follows and alerts: matching 100 new documents against 10,000 chats x 5 follows on the largest
           store up to 100k, alert fan-out limiter off and on, landing-to-alert latency over 1,000 alerts
  rss      resident memory of a running `briefbot run` on the largest store, against a fake Bot API
  wire     commands from 100 users through the Bot API emulator (tests/e2e) to `briefbot run`
  sources  following news (bench_sources.py): 304 rounds of 1,000 feeds, 100 new articles with the store's
           update on the largest store up to 100k, near-duplicates (labelled pairs; ms/doc in memory and in
           the store)

Quick mode (< 2 min): hostile shapes at 100 KB and 1 MB, 1k store only (100 fetch rounds), 2,000 chats
for the unlimited fan-out, a 10 s limited window, 2,000 chats with follows and 300 alerts for latency,
600 commands through the emulator.
Full mode (< 15 min): hostile shapes at 100 KB, 1 MB and 4 MB, 1k and 10k stores, and 100k and 1M when
the 10k build says they fit in the time left (otherwise the largest multiple of 10k that fits is built,
the larger sizes are extrapolated and marked "est.", and builds measured apart with `--only build
--sizes 100000` (or 1000000) are quoted with their date, their stores used by the answer and
bot-process benchmarks); 10,000 chats, a 20 s window, 10,000 chats with 5 follows each on the largest
store up to 100k, 1,000 alerts for latency, 10,000 commands through the emulator.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone

from benchmarks.common import ROOT, WORK, Figure, fig

RESULTS = ROOT / "benchmarks" / "results.json"
NAMES = ["extract", "adversarial", "build", "answers", "rounds", "charts", "digest", "alerts", "rss", "wire", "sources"]
FULL_BUDGET_S = 12 * 60  # of the 15 minutes; a shared machine can be slower than the estimate


def size_label(size: int) -> str:
    return f"{size // 1000}k" if size >= 1000 else str(size)


class Runner:
    def __init__(self, quick: bool, only: list[str], sizes: list[int] | None, seed: int):
        self.quick = quick
        self.only = only or NAMES
        self.seed = seed
        self.sizes = sizes or ([1000] if quick else [1000, 10_000, 100_000, 1_000_000])
        self.explicit_sizes = sizes is not None
        self.started = time.monotonic()
        self.figures: list[Figure] = []
        self.errors: list[str] = []
        self.stores: dict[int, str] = {}

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def child(self, module: str, args: list[str], timeout: float, what: str) -> dict:
        from benchmarks.common import run_child
        print(f"[{self.elapsed():6.1f} s] {what} …", file=sys.stderr, flush=True)
        result = run_child(module, args, timeout)
        if "error" in result:
            self.errors.append(f"{what}: {result['error']}\n{result.get('stderr', '')[-1500:]}")
            print(f"    FAILED: {result['error']}\n{result.get('stderr', '')[-1500:]}", file=sys.stderr)
            return result
        self.figures += [Figure(**f) for f in result["figures"]]
        return result

    def run(self) -> None:
        WORK.mkdir(parents=True, exist_ok=True)
        if "extract" in self.only:
            self.child("benchmarks.bench_extract", ["--quick"] if self.quick else [], 300, "extraction")
        if "adversarial" in self.only:
            self.child("benchmarks.bench_adversarial", ["--quick"] if self.quick else [], 600,
                       "extraction of hostile text")
        if {"build", "answers", "rounds", "charts", "alerts", "rss", "wire", "sources"} & set(self.only):
            self.builds()
        if "answers" in self.only:
            for size, db in sorted(self.stores.items()):
                self.child("benchmarks.bench_answers", ["--db", db, "--label", f"answers {size_label(size)}"], 300,
                           f"answers on the {size_label(size)} store")
        if "rounds" in self.only and self.stores:
            size = max([s for s in self.stores if s <= 10_000] or [min(self.stores)])
            rounds = 100 if self.quick else 720
            self.child("benchmarks.bench_rounds", [
                "--db", self.stores[size], "--seeds", str(WORK / f"seeds-{size}-s{self.seed}"), "--rounds", str(rounds),
                "--label", f"{rounds} fetch rounds, {size_label(size)} store"], 600,
                f"{rounds} fetch rounds on the {size_label(size)} store")
        # /trend and alerts have their targets at 100k: they run on the largest store up to that size.
        up_to_100k = {size: db for size, db in self.stores.items() if size <= 100_000} or self.stores
        if "charts" in self.only and self.stores:
            size, db = max(up_to_100k.items())
            self.child("benchmarks.bench_charts", ["--db", db, "--label", f"charts, {size_label(size)} store",
                                                   "--charts", "30" if self.quick else "100"], 300,
                       f"/trend charts on the {size_label(size)} store")
        if "digest" in self.only:
            chats = 2000 if self.quick else 10_000
            self.child("benchmarks.bench_digest", ["--mode", "off", "--chats", str(chats)], 300,
                       f"digest fan-out to {chats} chats, limiter off")
            # How the per-chat cost grows with the store (the composer and the seen-items of each chat).
            for size, chats in ([(1000, 200)] if self.quick else [(1000, 500), (10_000, 200)]):
                if size in self.stores:
                    self.child("benchmarks.bench_digest", ["--mode", "off", "--chats", str(chats), "--store",
                                                           self.stores[size], "--label",
                                                           f"digest {chats} chats, {size_label(size)} store, limiter off"],
                               300, f"digest fan-out to {chats} chats on the {size_label(size)} store")
            window = 10 if self.quick else 20
            self.child("benchmarks.bench_digest", ["--mode", "on", "--chats", "10000", "--window", str(window)],
                       120, f"digest fan-out, limiter on, {window} s window")
            if not self.quick:
                self.child("benchmarks.bench_digest", ["--mode", "on", "--chats", "10000", "--window", str(window),
                                                       "--limiter-per-second", "29"],
                           120, "digest fan-out, limiter at 29/s (what-if)")
        if "alerts" in self.only and self.stores:
            size, db = max(up_to_100k.items())
            args = ["--store", db] + (["--chats", "2000", "--window", "10", "--latency-alerts", "300"] if self.quick
                                      else ["--window", "20"])
            self.child("benchmarks.bench_alerts", args, 600,
                       f"alerts: matching and fan-out on the {size_label(size)} store, latency")
        if "rss" in self.only and self.stores:
            size, db = max(self.stores.items())
            self.child("benchmarks.bench_rss", ["--db", db, "--label", f"bot process, {size_label(size)} store",
                                                "--commands", "300" if self.quick else "1000"], 300,
                       f"resident memory of `briefbot run` on the {size_label(size)} store")
        if "wire" in self.only and self.stores:
            size = max([s for s in self.stores if s <= 10_000] or [min(self.stores)])  # 100k: answers and rss
            db = self.stores[size]
            commands = "1000" if self.quick else "10000"
            self.child("benchmarks.bench_wire", ["--db", db, "--commands", commands,
                                                 "--label", f"wire, {size_label(size)} store"], 600,
                       f"{commands} commands through the emulator, {size_label(size)} store")

        if "sources" in self.only:
            args = ["--quick"] if self.quick else []
            if self.stores:
                size, db = max(up_to_100k.items())
                args += ["--store", db, "--seeds", str(WORK / f"seeds-{size}-s{self.seed}")]
            self.child("benchmarks.bench_sources", args, 900, "news sources: rounds, the store's update, near-duplicates")

    def builds(self) -> None:
        from benchmarks.bench_build import store_path
        last = None  # the last build's figures, to decide whether the next size fits the time left
        fitted = False  # a third point of growth is built once, for the first size that does not fit
        for size in self.sizes:
            if "build" not in self.only:
                if store_path(size, self.seed).is_file():
                    self.stores[size] = str(store_path(size, self.seed))
                continue
            if not self.explicit_sizes and size >= 100_000 and last:
                generated = (WORK / f"seeds-{size}-s{self.seed}" / ".generated.json").is_file()
                # Larger builds are slower per document than the last one (the writing process, not the
                # extraction workers, sets the pace at scale), and the changes measured after the build
                # (a day's documents dropped and added back) grow with it: 2× its time, and 2.5 s per 1k
                # to generate.
                per_doc = 2 / last["rate"] + last["rebuild_s"] / last["documents"] + (0 if generated else 2.5 / 1000)
                left = FULL_BUDGET_S - self.elapsed() - 620  # answers (with 100k), rounds, digest, alerts, rss, wire to run
                if size * per_doc > left:
                    fits = int(left / per_doc) // 10_000 * 10_000
                    if not fitted and fits >= 2 * last["documents"]:  # a size that fits, for a third point of growth
                        last = self.build(fits) or last
                        fitted = True
                    self.extrapolate(size, last)
                    self.earlier(size, store_path(size, self.seed), size * per_doc, left)
                    continue
            last = self.build(size) or last

    def build(self, size: int) -> dict | None:
        result = self.child("benchmarks.bench_build", ["--size", str(size), "--seed", str(self.seed)],
                            7200 if size >= 1_000_000 else 3600, f"generate + build a {size_label(size)} store")
        if "error" in result:
            return None
        self.stores[size] = result["store"]
        return {"documents": result["documents"], "rebuild_s": result["rebuild_s"], "build_s": result["build_s"],
                "rate": result["documents"] / result["build_s"]}

    def extrapolate(self, size: int, last: dict) -> None:
        label = f"build {size_label(size)} (est.)"
        self.figures += [
            fig(label, "fresh build (extrapolated)", round(size / last["rate"]), "s", "<=",
                2700 if size >= 1_000_000 else 300,
                note=f"linear from the {last['documents']}-doc build at {last['rate']:.0f} docs/s; not measured in this run"),
        ]

    def earlier(self, size: int, db, estimate: float, left: float) -> None:
        """Figures of a build of `size` measured apart (they are in work/), and its store for the answers."""
        saved = WORK / f"build-{size}-s{self.seed}.json"
        if not saved.is_file():
            return
        data = json.loads(saved.read_text())
        when = data.get("measured_at", "earlier")
        for f in data["figures"]:
            f["bench"] += f" (measured apart, {when})"
            self.figures.append(Figure(**f))
        if db.is_file():
            self.stores[size] = str(db)
        self.figures.append(fig(f"build {size_label(size)}", "why not rebuilt in this run", None, note=(
            f"est. {estimate:.0f} s > {left:.0f} s left of the 15 min; measured apart with "
            f"`python -m benchmarks.run --only build --sizes {size}`")))


def table(figures: list[Figure]) -> str:
    rows = [("benchmark", "figure", "value", "target", "met", "note")]
    for f in figures:
        value = "—" if f.value is None else (f"{f.value:,}" if isinstance(f.value, int) else f"{f.value:,.3f}".rstrip("0").rstrip("."))
        met = {True: "yes", False: "NO", None: ""}[f.met]
        note = f.note if len(f.note) <= 90 else f.note[:87] + "…"
        rows.append((f.bench, f.name, f"{value} {f.unit}".strip(), f.target, met, note))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for n, r in enumerate(rows):
        lines.append(" | ".join(c.ljust(w) for c, w in zip(r[:5], widths)) + " | " + r[5])
        if n == 0:
            lines.append("-+-".join("-" * w for w in widths) + "-+-" + "-" * 20)
    return "\n".join(lines)


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def main() -> None:
    parser = argparse.ArgumentParser(description="Briefbot benchmarks")
    parser.add_argument("--quick", action="store_true", help="the < 2 minute subset")
    parser.add_argument("--only", nargs="+", choices=NAMES, metavar="NAME", help=f"only these: {', '.join(NAMES)}")
    parser.add_argument("--sizes", help="store sizes to build, e.g. 1000,10000,100000 (default: by mode)")
    parser.add_argument("--seed", type=int, default=7, help="seed number of the synthetic documents")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else None
    runner = Runner(args.quick, args.only or [], sizes, args.seed)
    runner.run()
    print()
    print(table(runner.figures))
    missed = [f for f in runner.figures if f.met is False]
    print(f"\n{len([f for f in runner.figures if f.met])} targets met, {len(missed)} missed; "
          f"{runner.elapsed():.0f} s in all ({'quick' if args.quick else 'full'} mode)")
    for error in runner.errors:
        print("ERROR:", error.splitlines()[0])
    results = {
        "mode": "quick" if args.quick else "full",
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(runner.elapsed(), 1),
        "commit": git_commit(),
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg(), "python": platform.python_version()},
        "only": runner.only,
        "sizes": runner.sizes,
        "figures": [f.dict() for f in runner.figures],
        "errors": runner.errors,
    }
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(f"results written to {RESULTS.relative_to(ROOT)}")
    sys.exit(1 if runner.errors else 0)


if __name__ == "__main__":
    main()
