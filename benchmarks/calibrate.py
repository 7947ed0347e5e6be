"""Measure, on the tuning part of the corpus, how often each kind of attribution evidence is right,
and write those shares into bot/extract/confidence.py (its TABLE).

    python -m benchmarks.calibrate [FOLDER] [--dry-run]

Only the tuning part is read (quotes_eval.held_out decides which articles are held out), and only
attributions whose truth is known count: a found quotation or statement that matches a gold one
whose source names someone, names no one, or is a he/she or "the senator" resolved by hand
(quotes_eval's judge). A named speaker that matches nothing counts as wrong for reported speech
(the corpus annotates every attribution, so a statement no annotator saw is not one) and is left
out for quotations (annotators skipped some quoted passages, e.g. letters quoted at length).
Shares are smoothed, (right + 1) / (judged + 2); evidence seen fewer than 20 times is given its
broader class's share (bot.extract.confidence._shares).
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

import bot.extract.confidence as confidence
from benchmarks.quotes_eval import (
    DEFAULT_FOLDER,
    GoldQuote,
    article_names,
    match,
    read_gold,
    read_hand_resolved,
    speaker_is_right,
)
from bot.documents import document_from_text
from bot.extract import extract

TABLE_FILE = Path(confidence.__file__)


def measure(folder: Path) -> dict[str, list[float]]:
    """evidence -> [named judged, named right, null judged, null right], over the evidence and
    every broader class of it ("after:name" also counts for "after")."""
    counts: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0])
    hand = read_hand_resolved()
    sampled = _referring_share_resolved(folder, hand)
    confidence.CALIBRATING = True
    try:
        for name in article_names(folder, "tune"):
            text = (folder / "text" / f"{name}.txt").read_text(encoding="utf-8-sig")
            attributions, gold_quotes = read_gold(name, folder / "attributions" / f"{name}.ann", text, hand)
            result = extract(document_from_text(name, text))
            aliases = {p.name: p.aliases for p in result.people}
            reported_gold = [g for g in attributions if g.kind != "direct"]
            for items, gold, strict in ((result.quotes, gold_quotes, False), (result.reported, reported_gold, True)):
                pairs = match([(q.start, q.end) for q in items], gold)
                for i, item in enumerate(items):
                    named = item.speaker is not None
                    if i in pairs:
                        g = gold[pairs[i]]
                        g = g.attribution if isinstance(g, GoldQuote) else g
                        if not g.known:
                            continue  # truth unknown
                        right = speaker_is_right(g, item.speaker, aliases)
                    elif named and strict:
                        right = False
                    else:
                        continue
                    # A statement whose speaker came from "he" or "the senator" is judged, when it
                    # matches, only if that gold reference was resolved by hand (a sample): one that
                    # matches nothing weighs as much as the sample is of all references.
                    weight = sampled if i not in pairs and item.evidence.endswith((":pronoun", ":description")) else 1
                    for key in _classes(item.evidence):
                        row = counts[key]
                        row[0 if named else 2] += weight
                        row[1 if named else 3] += right * weight
    finally:
        confidence.CALIBRATING = False
    return counts


def _referring_share_resolved(folder: Path, hand: dict) -> float:
    """The share of he/she and "the senator" sources of the tuning part resolved by hand."""
    resolved = total = 0
    for name in article_names(folder, "tune"):
        text = (folder / "text" / f"{name}.txt").read_text(encoding="utf-8-sig")
        attributions, _ = read_gold(name, folder / "attributions" / f"{name}.ann", text, hand)
        for g in attributions:
            if g.pronoun and g.source and g.source.strip().lower() not in ("i", "we", "they", "it", "you", "them"):
                total += 1
                resolved += g.hand
    return resolved / total if total else 1.0


def _classes(evidence: str) -> list[str]:
    parts = evidence.split(":")
    return [":".join(parts[:i]) for i in range(len(parts), 0, -1)]


def table_source(counts: dict[str, list[int]]) -> str:
    lines = ["TABLE: dict[str, tuple[float, float, int, int]] = {"]
    for key in sorted(counts):
        named_n, named_right, null_n, null_right = counts[key]
        named = (named_right + 1) / (named_n + 2)
        null = (null_right + 1) / (null_n + 2)
        lines.append(f"    {key!r}: ({named:.3f}, {null:.3f}, {round(named_n)}, {round(null_n)}),")
    lines.append("}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--dry-run", action="store_true", help="print the table instead of writing it")
    args = parser.parse_args(argv)
    counts = measure(args.folder)
    table = table_source(counts)
    if args.dry_run:
        print(table)
        return 0
    source = TABLE_FILE.read_text(encoding="utf-8")
    block = re.compile(r"(# BEGIN CALIBRATION[^\n]*\n# [^\n]*\n)TABLE: .*?\n}\n|(# BEGIN CALIBRATION[^\n]*\n# [^\n]*\n)TABLE: [^\n]*\n",
                       re.DOTALL)
    new, replaced = block.subn(lambda m: (m.group(1) or m.group(2)) + table + "\n", source, count=1)
    if not replaced:
        print("no calibration block in", TABLE_FILE, file=sys.stderr)
        return 1
    TABLE_FILE.write_text(new, encoding="utf-8")
    print(f"wrote {len(counts)} rows to {TABLE_FILE}")
    for key in sorted(counts, key=lambda k: -counts[k][0] - counts[k][2])[:40]:
        named_n, named_right, null_n, null_right = counts[key]
        print(f"{key:40} named {named_right:7.1f}/{named_n:<7.1f} null {null_right:5.0f}/{null_n:<5.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
