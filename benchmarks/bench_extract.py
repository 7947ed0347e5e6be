"""Extraction throughput: bot.extract.extract over the PolNeAR articles, in one process.

    python -m benchmarks.bench_extract [--quick]

Documents are read first (reading is not timed); words are those of the story paragraphs, the text
extraction looks at. Figures: words/s over the whole corpus (best of the passes, so a neighbour's
burst of CPU on this shared machine does not decide it), and per-document p50/p99 ms.
"""
from __future__ import annotations

import argparse
import gc
import time

from benchmarks import corpus_gen
from benchmarks.common import emit, fig, percentile


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    from bot.documents import read_document
    from bot.extract import extract

    documents = [read_document(p) for p in corpus_gen.corpus_files()]
    words = sum(len(p.text.split()) for d in documents for p in d.paragraphs)
    passes = 1 if args.quick else 3
    rates, per_document = [], []
    gc.collect()
    for _ in range(passes):
        started = time.perf_counter()
        for document in documents:
            t0 = time.perf_counter_ns()
            extract(document)
            per_document.append((time.perf_counter_ns() - t0) / 1e6)
        rates.append(words / (time.perf_counter() - started))
    label = "extraction"
    emit([
        fig(label, "words/s (one process)", round(max(rates)), "words/s", ">=", 200_000,
            note=f"{len(documents)} articles, {words} words; best of {passes} (all: {', '.join(f'{r:,.0f}' for r in rates)})"),
        fig(label, "per-document p50", round(percentile(per_document, 50), 2), "ms"),
        fig(label, "per-document p99", round(percentile(per_document, 99), 2), "ms",
            note=f"max {max(per_document):.1f} ms"),
    ])


if __name__ == "__main__":
    main()
