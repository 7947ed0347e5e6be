"""Score who-said-what against a folder in the PolNeAR format: direct quotations and reported speech.

    python -m benchmarks.quotes_eval [FOLDER] [--part tune|held-out|both] [--json] [--limit N]
                                     [--errors N] [--kind direct|reported]

FOLDER holds `text/NAME.txt` and `attributions/NAME.ann` (brat standoff; see the corpus README);
by default ../shared/corpus/polnear-train. Nothing of the corpus is copied anywhere.

Two parts. An article is held out when sha1 of its file name is 0 modulo 5 (a fifth, fixed by this
code): the rules are tuned on the other four fifths and the held-out part is only looked at when a
rule set is finished. `--errors` lists mistakes of the tuning part only. With `--part both` (the
default) both parts are scored and the difference tune - held-out is printed as the over-fit.

What counts:
- Every attribution (.ann: Content, Source, Cue) has a kind by its Content: "direct" when all its
  words stand between quotation marks, "mixed" when some do, "indirect" when none do. Quotation
  marks are curly, straight, or two apostrophes (''…'', the New York Times archive's marks).
- Gold direct quotations are the quoted parts of every attribution's Content (as the corpus README
  defines them). A found quotation matches a gold one when their spans overlap by at least half of
  the shorter (one-to-one, best overlap first).
- Gold reported speech is every indirect or mixed attribution whose cue is a verb of saying
  (`SPEECH_VERBS`: said, told, according to, argued, …). PolNeAR also annotates attitudes and acts
  ("Clinton targets Trump", "the poll finds"); those are scored apart as `all_attributions` so the
  figure for speech is not mistaken for one on everything. A found statement matches a gold
  attribution when their spans overlap by half of the shorter; it is right when it matches an
  attribution of any kind with the right source (the annotation holds every attribution, so a
  statement that matches none is counted wrong).
- The speaker is right when the found speaker's name (or an alias) shares a name word with the gold
  Source ("Clinton" ~ "Democratic candidate Hillary Clinton"). A Source that names no person
  ("officials", "a spokesman", "the Washington Post") expects no named speaker (null). The corpus does
  not resolve references: a he/she Source or a definite description ("the senator") is judged
  against `benchmarks/resolved_sources.tsv` when it holds that source (resolved by hand, reading the
  article); the others are judged only against the nearest earlier Source that names a person, a
  rough proxy, and are left out of every figure but the `*_proxy` ones, as are the attributions the
  annotators gave no Source span at all.
- Figures, per kind: `claim_precision`, of the statements attributed to a named person that match
  a gold one, the share attributed right (`claim_precision_strict` also counts the attributed ones
  that match nothing as wrong); `recall`, gold ones found with the right speaker (null for a source
  that names no person); for reported speech `named_*`: precision, recall and F1 over named sources
  only. The reliability table: of the found statements with confidence >= c, how many, and the share
  right.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.documents import document_from_text
from bot.extract import extract

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "polnear-train"
HAND_RESOLVED = Path(__file__).resolve().parent / "resolved_sources.tsv"
_QUOTED = re.compile(r"(?:[“\"]|'')((?:(?!'')[^“”\"])+)(?:[”\"]|'')")
_PRONOUNS = {"he", "she", "him", "her", "they", "we", "i", "it", "you", "his", "hers", "them", "who", "whom"}
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
# Cues of reported speech: verbs of saying and writing, and "according to". The judge's own list,
# kept apart from the extractor's lexicon.
SPEECH_VERBS = frozenset("""
say says said saying tell tells told telling according add adds added adding note notes noted noting
write writes wrote writing argue argues argued arguing claim claims claimed claiming announce
announces announced announcing explain explains explained explaining insist insists insisted
insisting warn warns warned warning state states stated stating declare declares declared
acknowledge acknowledges acknowledged admit admits admitted suggest suggests suggested suggesting
recall recalls recalled recalling reply replies replied respond responds responded tweet tweets
tweeted testify testifies testified confirm confirms confirmed deny denies denied promise promises
promised pledge pledges pledged vow vows vowed urge urges urged stress stresses stressed emphasize
emphasized predict predicts predicted concede conceded contend contends contended maintain
maintains maintained counter countered complain complains complained joke joked posted post posts
report reports reported ask asks asked asking told assert asserts asserted allege alleges alleged
observe observed remark remarked reiterate reiterated echo echoed mention mentions mentioned
repeat repeated conclude concluded describe describes described
""".split())


@dataclass
class GoldAttribution:
    kind: str  # "direct", "mixed" or "indirect"
    content: list[tuple[int, int]]
    source: str | None  # the Source span's text
    source_start: int | None
    cue: str | None
    speech: bool  # its cue is a verb of saying
    referent: str | None = None  # for a pronoun source: who it is (by hand, or the nearest named source)
    pronoun: bool = False
    hand: bool = False  # the referent was resolved by hand

    @property
    def known(self) -> bool:
        """Whether the truth is known: a Source that names someone or no one, or a reference to
        someone resolved by hand (an attribution without a Source span is not judged)."""
        return self.source is not None and (not self.pronoun or self.hand)

    @property
    def start(self) -> int:
        return self.content[0][0]

    @property
    def end(self) -> int:
        return self.content[-1][1]

    @property
    def length(self) -> int:
        return sum(b - a for a, b in self.content)


@dataclass
class GoldQuote:
    start: int
    end: int
    attribution: GoldAttribution

    @property
    def content(self) -> list[tuple[int, int]]:
        return [(self.start, self.end)]

    @property
    def length(self) -> int:
        return self.end - self.start


def held_out(name: str) -> bool:
    """The held-out fifth: chosen by the article's file name, never by its content."""
    return int(hashlib.sha1(name.encode()).hexdigest(), 16) % 5 == 0


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


def is_definite_description(phrase: str) -> bool:
    """ "the senator", "The former president": one person, named elsewhere in the article (or not)."""
    words = phrase.strip().rstrip(",").split()
    if not 2 <= len(words) <= 6 or words[0].lower() != "the" or name_words(phrase):
        return False
    last = words[-1].lower().strip(".,’'")
    return last not in _ORGANISATION_WORDS and not last.endswith("s")


def read_hand_resolved(path: Path = HAND_RESOLVED) -> dict[tuple[str, int], str]:
    """(article, source offset) -> the person a he/she source is, "" when no named person."""
    resolved: dict[tuple[str, int], str] = {}
    if not path.is_file():
        return resolved
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        article, offset, name = (line.split("\t") + ["", ""])[:3]
        resolved[(article, int(offset))] = "" if name.strip() == "-" else name.strip()
    return resolved


def _kind(text: str, content: list[tuple[int, int]],
          inside: list[tuple[int, int]] = ()) -> tuple[str, list[tuple[int, int]]]:
    """The attribution's kind by its Content, and the quoted parts of it. A quotation may run over
    several fragments of the Content; `inside` are the spans of the attribution's own Source and Cue,
    which annotators sometimes left inside the Content ("“…,” she said. “…”" as one Content):
    their words do not make a quotation mixed."""
    first, last = content[0][0], content[-1][1]
    marks = [(m.start(), m.end(), m.start(1), m.end(1)) for m in _QUOTED.finditer(text, first, last)]
    quoted = [(a, b) for _, _, a, b in marks if text[a:b].strip()
              and any(min(b, y) > max(a, x) for x, y in content)]
    covered = [(start, end) for start, end, _, _ in marks] + list(inside)
    rest = "".join(_without(text, x, y, covered) for x, y in content)
    if not quoted:
        return "indirect", quoted
    return ("mixed" if re.search(r"\w", rest) else "direct"), quoted


def _without(text: str, a: int, b: int, spans) -> str:
    """text[a:b] with the characters of `spans` left out."""
    keep = [text[i] for i in range(a, b) if not any(x <= i < y for x, y in spans)] if spans else [text[a:b]]
    return "".join(keep)


def read_gold(name: str, ann_path: Path, text: str,
              hand: dict[tuple[str, int], str] | None = None) -> tuple[list[GoldAttribution], list[GoldQuote]]:
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

    def text_of(key: str | None) -> str | None:
        return " ".join(text[a:b] for a, b in spans[key][1]) if key in spans else None

    named = sorted((spans[r["Source"]][1][0][0], text_of(r["Source"])) for r in relations
                   if r.get("Source") in spans)
    named = [(pos, src) for pos, src in named if src.lower() not in _PRONOUNS and name_words(src)]
    attributions: list[GoldAttribution] = []
    quotes: list[GoldQuote] = []
    seen: set[tuple[int, int]] = set()
    for rel in relations:
        content = spans.get(rel.get("Content", ""))
        if not content:
            continue
        source = text_of(rel.get("Source"))
        source_start = spans[rel["Source"]][1][0][0] if rel.get("Source") in spans else None
        cue = text_of(rel.get("Cue"))
        inside = [s for key in ("Source", "Cue") if rel.get(key) in spans for s in spans[rel[key]][1]]
        kind, quoted = _kind(text, content[1], inside)
        speech = bool(cue) and any(w in SPEECH_VERBS for w in re.findall(r"[a-z]+", cue.lower()))
        gold = GoldAttribution(kind, content[1], source, source_start, cue, speech)
        if source and (source.strip().lower() in _PRONOUNS or is_definite_description(source)):
            gold.pronoun = True
            if hand is not None and (name, source_start) in hand:
                gold.referent, gold.hand = hand[(name, source_start)] or None, True
            else:
                earlier = [src for pos, src in named if pos < (source_start or 0)]
                gold.referent = earlier[-1] if earlier else None
        attributions.append(gold)
        for a, b in quoted:
            if (a, b) not in seen:
                seen.add((a, b))
                quotes.append(GoldQuote(a, b, gold))
    return attributions, quotes


def expected_source(gold: GoldAttribution) -> str | None:
    """The source a found speaker is judged against: the Source, or who a pronoun Source is."""
    if gold.pronoun:
        if gold.source and gold.source.strip().lower() in {"i", "we", "they", "it", "you", "them"} and not gold.hand:
            return None
        return gold.referent
    return gold.source


def expects_person(gold: GoldAttribution) -> bool:
    source = expected_source(gold)
    return bool(source) and (gold.hand or names_a_person(source))


def speaker_is_right(gold: GoldAttribution, speaker: str | None, aliases: dict[str, list[str]]) -> bool:
    source = expected_source(gold)
    if speaker is None:
        return not expects_person(gold)
    expected = name_words(source)
    found = name_words(speaker)
    for alias in aliases.get(speaker, []):
        found |= name_words(alias)
    return bool(found & expected)


def _overlap(found: tuple[int, int], content: list[tuple[int, int]]) -> int:
    return sum(max(0, min(found[1], b) - max(found[0], a)) for a, b in content)


def match(found: list[tuple[int, int]], gold: list) -> dict[int, int]:
    """One-to-one pairs found index -> gold index, best overlap first (half of the shorter)."""
    pairs = []
    for i, span in enumerate(found):
        for j, g in enumerate(gold):
            if span[1] <= g.start or span[0] >= g.end:
                continue
            overlap = _overlap(span, g.content)
            if overlap > 0 and overlap >= 0.5 * min(span[1] - span[0], g.length):
                pairs.append((overlap, i, j))
    pairs.sort(reverse=True)
    used_f, used_g, result = set(), set(), {}
    for _, i, j in pairs:
        if i not in used_f and j not in used_g:
            used_f.add(i)
            used_g.add(j)
            result[i] = j
    return result


RELIABILITY_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


@dataclass
class Tally:
    """Counts for one kind (direct or reported) over a set of articles."""
    gold: int = 0
    found: int = 0
    matched: int = 0
    right: int = 0  # matched with the right speaker (gold of the recall set)
    claims: int = 0  # found with a named speaker
    claims_matched: int = 0
    claims_right: int = 0
    named_gold: int = 0  # gold whose source is a person
    named_right: int = 0  # … found with the right speaker
    pronoun: int = 0
    pronoun_right: int = 0
    hand: int = 0
    hand_right: int = 0
    proxy_gold: int = 0  # gold whose he/she source is judged only by proxy (left out of the figures above)
    proxy_matched: int = 0
    proxy_right: int = 0
    proxy_claims: int = 0
    proxy_claims_right: int = 0
    all_gold: int = 0  # reported: every indirect/mixed attribution, speech or not
    all_named_right: int = 0
    all_named_gold: int = 0
    # confidence -> right (1/0), for every found statement judged (matched, or a named claim)
    judged: list[tuple[float, bool, bool]] = field(default_factory=list)  # (confidence, right, named)

    def figures(self, reported: bool) -> dict:
        def ratio(a: int, b: int) -> float:
            return round(a / b, 4) if b else 0.0

        out = {
            "gold": self.gold, "found": self.found,
            "span_recall": ratio(self.matched, self.gold),
            "span_precision": ratio(self.matched + self.proxy_matched, self.found),
            "recall": ratio(self.right, self.gold),
            "claims": self.claims,
            "claim_precision": ratio(self.claims_right, self.claims_matched),
            "claim_precision_strict": ratio(self.claims_right, self.claims),
            "named_source_recall": ratio(self.named_right, self.named_gold),
            "pronoun_speaker_accuracy_hand": ratio(self.hand_right, self.hand),
            "hand_resolved": self.hand,
            "proxy_judged": self.proxy_gold,
            "pronoun_speaker_accuracy_proxy": ratio(self.pronoun_right, self.pronoun),
            "claim_precision_with_proxy": ratio(self.claims_right + self.proxy_claims_right,
                                                self.claims_matched + self.proxy_claims),
        }
        if reported:
            precision = ratio(self.claims_right, self.claims)
            recall = ratio(self.named_right, self.named_gold)
            out["named_precision"] = precision
            out["named_recall"] = recall
            out["named_f1"] = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
            out["all_attributions"] = self.all_gold
            out["all_named_recall"] = ratio(self.all_named_right, self.all_named_gold)
        out["reliability"] = reliability(self.judged)
        return out


def reliability(judged: list[tuple[float, bool, bool]]) -> list[dict]:
    """For each level c: statements with confidence >= c (named claims / all), and the share right."""
    rows = []
    for level in RELIABILITY_LEVELS:
        named = [right for c, right, is_named in judged if c >= level and is_named]
        every = [right for c, right, _ in judged if c >= level]
        rows.append({"confidence": level, "named": len(named),
                     "named_right": round(sum(named) / len(named), 4) if named else None,
                     "all": len(every), "all_right": round(sum(every) / len(every), 4) if every else None})
    return rows


def article_names(folder: Path, part: str, limit: int | None = None) -> list[str]:
    names = sorted(p.stem for p in (folder / "text").glob("*.txt"))
    if part == "tune":
        names = [n for n in names if not held_out(n)]
    elif part == "held-out":
        names = [n for n in names if held_out(n)]
    return names[:limit]


def evaluate(folder: Path, part: str = "tune", limit: int | None = None, errors: int = 0,
             kinds: tuple[str, ...] = ("direct", "reported"), log=sys.stderr) -> dict:
    """Figures of one part ("tune", "held-out" or "all"); `errors` mistakes are printed (tune only)."""
    if errors and part != "tune":
        raise ValueError("mistakes are shown for the tuning part only")
    hand = read_hand_resolved()
    direct, reported = Tally(), Tally()
    words = 0
    seconds = 0.0
    shown = [0]

    def show(line: str) -> None:
        if shown[0] < errors:
            shown[0] += 1
            print(line, file=log)

    names = article_names(folder, part, limit)
    for name in names:
        text = (folder / "text" / f"{name}.txt").read_text(encoding="utf-8-sig")
        attributions, gold_quotes = read_gold(name, folder / "attributions" / f"{name}.ann", text, hand)
        words += len(text.split())
        began = time.perf_counter()
        result = extract(document_from_text(name, text))
        seconds += time.perf_counter() - began
        aliases = {p.name: p.aliases for p in result.people}
        if "direct" in kinds:
            _score(name, text, result.quotes, gold_quotes, gold_quotes, direct, aliases, show, "direct")
        if "reported" in kinds:
            speech = [g for g in attributions if g.kind != "direct" and g.speech]
            found_reported = getattr(result, "reported", [])  # (an extractor from before reported speech)
            _score(name, text, found_reported, speech, attributions, reported, aliases, show, "reported", True)
            everything = [g for g in attributions if g.kind != "direct"]
            pairs = match([(q.start, q.end) for q in found_reported], everything)
            reported.all_gold += len(everything)
            reported.all_named_gold += sum(expects_person(g) for g in everything)
            for i, j in pairs.items():
                g = everything[j]
                if expects_person(g) and speaker_is_right(g, found_reported[i].speaker, aliases):
                    reported.all_named_right += 1

    figures: dict = {"part": part, "documents": len(names)}
    if "direct" in kinds:
        figures["direct"] = direct.figures(False)
    if "reported" in kinds:
        figures["reported"] = reported.figures(True)
    figures["words"] = words
    figures["words_per_second"] = round(words / seconds) if seconds else 0
    return figures


def _score(name: str, text: str, found_items, recall_gold: list, claim_gold: list, tally: Tally,
           aliases: dict[str, list[str]], show, label: str, strict: bool = False) -> None:
    """Recall against `recall_gold`; claims judged against `claim_gold` (a superset). The
    reliability table counts a named claim that matches nothing as wrong only when `strict`."""
    found = [(q.start, q.end) for q in found_items]
    tally.found += len(found)
    pairs = match(found, recall_gold)

    def attribution(g) -> GoldAttribution:
        return g.attribution if isinstance(g, GoldQuote) else g

    def proxy(g) -> bool:  # a he/she source nobody resolved by hand, or none at all: judged apart
        return not attribution(g).known

    for g in recall_gold:
        if proxy(g):
            tally.proxy_gold += 1
            continue
        tally.gold += 1
        tally.named_gold += expects_person(attribution(g))
    for i, j in pairs.items():
        g = recall_gold[j]
        gold = attribution(g)
        right = speaker_is_right(gold, found_items[i].speaker, aliases)
        if proxy(g):
            tally.proxy_matched += 1
            tally.proxy_right += right
            tally.pronoun += 1
            tally.pronoun_right += right
            continue
        tally.matched += 1
        tally.right += right
        if expects_person(gold):
            tally.named_right += right
        if gold.hand:
            tally.hand += 1
            tally.hand_right += right
        if not right and not proxy(g):
            source = expected_source(gold)
            show(f"{label.upper()} SPEAKER {name}@{g.start}: {text[g.start:g.end][:70]!r} gold={gold.source!r}"
                 f"{' -> ' + repr(source) if gold.pronoun else ''} found={found_items[i].speaker!r}")
    missed = set(range(len(recall_gold))) - set(pairs.values())
    for j in sorted(missed):
        g = recall_gold[j]
        gold = attribution(g)
        show(f"{label.upper()} MISSED {name}@{g.start}: {text[g.start:g.end][:70]!r} gold={gold.source!r} cue={gold.cue!r}")
    # Claims: every found statement, judged against every gold attribution it may stand for.
    claim_pairs = pairs if claim_gold is recall_gold else match(found, claim_gold)
    for i, item in enumerate(found_items):
        named = item.speaker is not None
        confidence = getattr(item, "confidence", None)  # (an extractor from before confidences: 1)
        confidence = 1.0 if confidence is None else confidence
        if i in claim_pairs:
            g = claim_gold[claim_pairs[i]]
            gold = attribution(g)
            right = speaker_is_right(gold, item.speaker, aliases)
            if proxy(g):
                if named:
                    tally.proxy_claims += 1
                    tally.proxy_claims_right += right
                continue
            tally.judged.append((confidence, right, named))
            if named:
                tally.claims += 1
                tally.claims_matched += 1
                tally.claims_right += right
        elif named:
            tally.claims += 1
            if strict:  # reported speech: a statement no annotator saw is not one
                tally.judged.append((confidence, False, True))
            show(f"{label.upper()} EXTRA {name}@{item.start}: {text[item.start:item.end][:70]!r} found={item.speaker!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--part", choices=["tune", "held-out", "both", "all"], default="both")
    parser.add_argument("--kind", choices=["direct", "reported"], help="only this kind")
    parser.add_argument("--limit", type=int, help="only the first N documents of each part")
    parser.add_argument("--errors", type=int, default=0, help="print up to N mistakes (tuning part) to stderr")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if not (args.folder / "text").is_dir():
        print(f"no corpus at {args.folder} (expected text/ and attributions/)", file=sys.stderr)
        return 2
    kinds = (args.kind,) if args.kind else ("direct", "reported")
    parts = ["tune", "held-out"] if args.part == "both" else [args.part]
    results = {part: evaluate(args.folder, part, args.limit, args.errors if part == "tune" else 0, kinds)
               for part in parts}
    if args.json:
        print(json.dumps(results))
        return 0
    print_table(results)
    return 0


def print_table(results: dict) -> None:
    parts = list(results)
    first = results[parts[0]]
    header = f"{'':>32}" + "".join(f"{p:>12}" for p in parts) + ("    over-fit" if len(parts) == 2 else "")
    print(header)
    print(f"{'documents':>32}" + "".join(f"{results[p]['documents']:>12}" for p in parts))
    for kind in ("direct", "reported"):
        if kind not in first:
            continue
        print(f"-- {kind}")
        for key, value in first[kind].items():
            if key == "reliability":
                continue
            cells = [results[p][kind][key] for p in parts]
            line = f"{key:>32}" + "".join(f"{c:>12}" for c in cells)
            if len(parts) == 2 and isinstance(value, float):
                line += f"{cells[0] - cells[1]:>12.4f}"
            print(line)
        print(f"{'reliability (confidence >= c)':>32}  named claims: n, right | all judged: n, right")
        for part in parts:
            for row in results[part][kind]["reliability"]:
                print(f"{part + ' c=' + str(row['confidence']):>32}  {row['named']:>6} {row['named_right']!s:>7}"
                      f" | {row['all']:>6} {row['all_right']!s:>7}")
    print(f"{'words':>32}" + "".join(f"{results[p]['words']:>12}" for p in parts))
    print(f"{'words_per_second':>32}" + "".join(f"{results[p]['words_per_second']:>12}" for p in parts))


if __name__ == "__main__":
    sys.exit(main())
