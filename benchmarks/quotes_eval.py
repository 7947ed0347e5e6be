"""Score quotation extraction against a folder in the PolNeAR format.

    python -m benchmarks.quotes_eval [FOLDER] [--json] [--limit N] [--errors N]

FOLDER holds `text/NAME.txt` and `attributions/NAME.ann` (brat standoff; see the corpus README);
by default ../shared/corpus/polnear-train. Nothing of the corpus is copied anywhere.

What counts:
- Gold direct quotations are the parts of an attribution's Content span between double quotation
  marks (curly or straight), as the corpus README defines them.
- A found quotation matches a gold one when their spans overlap by at least half of the shorter
  (one-to-one, best overlap first).
- The speaker is right when the found speaker's name shares a name word with the gold Source span
  ("Clinton" ~ "Democratic candidate Hillary Clinton"). A Source that names no person
  ("officials", "a spokesman", "the Washington Post", "CNN") expects no named speaker (null). The corpus does not resolve pronouns, so a
  pronoun Source ("he", "she") is judged against the nearest preceding gold Source that names a
  person — a rough approximation of the coreference (a hand check of 16 disagreements found the
  extractor right in 12), reported apart as `pronoun_speaker_accuracy`, and left out of
  `f1_without_pronoun_sources`.
- F1 (quote + speaker) counts a true positive only when the quotation matches and its speaker is
  right; precision's denominator is every quotation found.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.documents import document_from_text
from bot.extract import extract

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "polnear-train"
_QUOTED = re.compile(r"[“\"]([^“”\"]+)[”\"]")
_PRONOUNS = {"he", "she", "him", "her", "they", "we", "i", "it", "you", "his", "hers", "them"}
_NAME_WORD = re.compile(r"[A-Z][\w’'\-]+")
# Words that make a Source an organisation, a publication or a document rather than a person.
_ORGANISATION_WORDS = {
    "news", "post", "times", "journal", "network", "foundation", "committee", "campaign", "website",
    "letter", "statement", "report", "administration", "house", "department", "agency", "party",
    "magazine", "newspaper", "tribune", "herald", "institute", "center", "council", "poll",
    "survey", "ad", "email", "memo", "book", "study", "court", "office", "ministry", "union",
    "group", "association", "university", "company", "editorial", "article", "story", "bill",
    "congress", "senate", "legion", "times", "press", "magazine", "pac",
}
_DETERMINERS = {"a", "an", "the", "another", "one", "some", "someone", "many", "several", "two",
                "three", "other", "most", "both", "his", "her", "their", "its", "our", "this", "that"}
_NOT_NAME = {"The", "A", "An", "Mr", "Ms", "Mrs", "Dr", "Sen", "Rep", "Gov", "President", "Senator",
             "Secretary", "Democratic", "Republican", "Former", "Speaker", "Sens", "Reps"}


@dataclass
class GoldQuote:
    start: int
    end: int
    source: str | None  # the Source span's text
    referent: str | None  # for pronoun sources: the nearest preceding named source
    pronoun: bool


def _spans(spec: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in (frag.split() for frag in spec.split(";"))]


def name_words(phrase: str | None) -> set[str]:
    """Capitalised words of a phrase that can be part of a person's name."""
    if not phrase:
        return set()
    words = {re.sub(r"[’']s?$", "", w).rstrip(".") for w in _NAME_WORD.findall(phrase)}
    return {w.lower() for w in words if len(w) > 1 and w not in _NOT_NAME}


def names_a_person(phrase: str | None) -> bool:
    """Whether a Source names a person, rather than describing one ("a senior official",
    "Hillary Clinton’s right-hand woman") or naming an organisation ("the Washington Post", "CNN")."""
    if not phrase or not name_words(phrase):
        return False
    head = phrase.split(",")[0].strip(" .")
    words = head.split()
    if not words or words[0].lower() in _DETERMINERS:
        return False
    last = words[-1].strip(".")
    if last[:1].islower() or last.lower().rstrip("’'s") in _ORGANISATION_WORDS:
        return False
    capitalised = [w.strip(".’'s") for w in words if w[:1].isupper()]
    return not all(w.isupper() and len(w) > 1 for w in capitalised)  # CNN, AP


def read_gold(ann_path: Path, text: str) -> list[GoldQuote]:
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    relations: list[dict[str, str]] = []
    for line in ann_path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or not re.fullmatch(r"[TE]\d+", parts[0]):
            continue
        if parts[0][0] == "T":
            kind, spec = parts[1].split(" ", 1)
            spans[parts[0]] = (kind, _spans(spec))
        else:
            relations.append(dict(item.split(":", 1) for item in parts[1].split()))
    sources = []  # (start, text) of every Source span, for pronoun referents
    for rel in relations:
        if rel.get("Source") in spans:
            s = spans[rel["Source"]][1]
            sources.append((s[0][0], " ".join(text[a:b] for a, b in s)))
    sources.sort()
    named = [(pos, src) for pos, src in sources
             if src.lower() not in _PRONOUNS and name_words(src)]
    gold: list[GoldQuote] = []
    seen: set[tuple[int, int]] = set()
    for rel in relations:
        content = spans.get(rel.get("Content", ""))
        if not content:
            continue
        source = None
        if rel.get("Source") in spans:
            source = " ".join(text[a:b] for a, b in spans[rel["Source"]][1])
        source_start = spans[rel["Source"]][1][0][0] if rel.get("Source") in spans else 0
        pronoun = bool(source) and source.strip().lower() in _PRONOUNS
        referent = None
        if pronoun:
            earlier = [src for pos, src in named if pos < source_start]
            referent = earlier[-1] if earlier else None
        for a, b in content[1]:
            for m in _QUOTED.finditer(text, a, b):
                key = (m.start(1), m.end(1))
                if key in seen or not m.group(1).strip():
                    continue
                seen.add(key)
                gold.append(GoldQuote(m.start(1), m.end(1), source, referent, pronoun))
    return gold


def speaker_is_right(gold: GoldQuote, speaker: str | None, aliases: dict[str, list[str]]) -> bool:
    source = gold.referent if gold.pronoun else gold.source
    if gold.pronoun and gold.source and gold.source.lower() in {"i", "we", "they", "it", "you"}:
        source = None
    if speaker is None:
        return not names_a_person(source)
    expected = name_words(source)
    found = name_words(speaker)
    for alias in aliases.get(speaker, []):
        found |= name_words(alias)
    return bool(found & expected)


def match(found: list[tuple[int, int]], gold: list[GoldQuote]) -> dict[int, int]:
    """One-to-one pairs found index -> gold index, best overlap first."""
    pairs = []
    for i, (fs, fe) in enumerate(found):
        for j, g in enumerate(gold):
            overlap = min(fe, g.end) - max(fs, g.start)
            if overlap > 0 and overlap >= 0.5 * min(fe - fs, g.end - g.start):
                pairs.append((overlap, i, j))
    pairs.sort(reverse=True)
    used_f, used_g, result = set(), set(), {}
    for _, i, j in pairs:
        if i not in used_f and j not in used_g:
            used_f.add(i)
            used_g.add(j)
            result[i] = j
    return result


def evaluate(folder: Path, limit: int | None = None, errors: int = 0) -> dict:
    names = sorted(p.stem for p in (folder / "text").glob("*.txt"))[:limit]
    totals = dict(gold=0, found=0, matched=0, right=0, named=0, named_right=0, pronoun=0,
                  pronoun_right=0, gold_pronoun=0)
    words = 0
    seconds = 0.0
    shown = 0
    for name in names:
        text = (folder / "text" / f"{name}.txt").read_text(encoding="utf-8-sig")
        gold = read_gold(folder / "attributions" / f"{name}.ann", text)
        words += len(text.split())
        began = time.perf_counter()
        result = extract(document_from_text(name, text))
        seconds += time.perf_counter() - began
        aliases = {p.name: p.aliases for p in result.people}
        found = [(q.start, q.end) for q in result.quotes]
        pairs = match(found, gold)
        totals["gold"] += len(gold)
        totals["gold_pronoun"] += sum(g.pronoun for g in gold)
        totals["found"] += len(found)
        totals["matched"] += len(pairs)
        for i, j in pairs.items():
            g = gold[j]
            right = speaker_is_right(g, result.quotes[i].speaker, aliases)
            totals["right"] += right
            if g.pronoun:
                totals["pronoun"] += 1
                totals["pronoun_right"] += right
            elif names_a_person(g.source):
                totals["named"] += 1
                totals["named_right"] += right
            if not right and shown < errors:
                shown += 1
                print(f"SPEAKER {name}: {text[g.start:g.end][:60]!r} gold={g.source!r}"
                      f"{' -> ' + repr(g.referent) if g.pronoun else ''} found={result.quotes[i].speaker!r}",
                      file=sys.stderr)
        if errors and shown < errors:
            for j, g in enumerate(gold):
                if j not in pairs.values() and shown < errors:
                    shown += 1
                    print(f"MISSED {name}: {text[g.start:g.end][:70]!r} gold={g.source!r}", file=sys.stderr)
            for i, (fs, fe) in enumerate(found):
                if i not in pairs and shown < errors:
                    shown += 1
                    print(f"EXTRA {name}: {text[fs:fe][:70]!r} found={result.quotes[i].speaker!r}",
                          file=sys.stderr)

    def ratio(a: int, b: int) -> float:
        return round(a / b, 4) if b else 0.0

    precision = ratio(totals["right"], totals["found"])
    recall = ratio(totals["right"], totals["gold"])
    # The same, leaving out quotations whose gold source is a pronoun (judged only by proxy).
    right_np = totals["right"] - totals["pronoun_right"]
    precision_np = ratio(right_np, totals["found"] - totals["pronoun"])
    recall_np = ratio(right_np, totals["gold"] - totals["gold_pronoun"])
    return {
        "documents": len(names),
        "gold_quotes": totals["gold"],
        "found_quotes": totals["found"],
        "quote_recall": ratio(totals["matched"], totals["gold"]),
        "quote_precision": ratio(totals["matched"], totals["found"]),
        "speaker_accuracy": ratio(totals["right"], totals["matched"]),
        "named_speaker_accuracy": ratio(totals["named_right"], totals["named"]),
        "pronoun_speaker_accuracy": ratio(totals["pronoun_right"], totals["pronoun"]),
        "precision": precision,
        "recall": recall,
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "f1_without_pronoun_sources": round(2 * precision_np * recall_np / (precision_np + recall_np), 4)
        if precision_np + recall_np else 0.0,
        "words": words,
        "words_per_second": round(words / seconds) if seconds else 0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--limit", type=int, help="only the first N documents")
    parser.add_argument("--errors", type=int, default=0, help="print up to N mistakes to stderr")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if not (args.folder / "text").is_dir():
        print(f"no corpus at {args.folder} (expected text/ and attributions/)", file=sys.stderr)
        return 2
    figures = evaluate(args.folder, args.limit, args.errors)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>26}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
