"""Deterministic synthetic seed folders for the benchmarks, made from the PolNeAR articles and the seed.

Document i of a folder depends only on (seed number, i), so the first 1,000 documents of a 10k folder
are those of the 1k folder. Each document is one source article (the corpus articles and the seed
article in turn, then again in a new disguise) varied in three ways:

- names: every person the extractor finds in the source gets a new first name and surname from a
  pool (surnames drawn with a Zipf-like skew, so some people recur across many documents, as in a
  newsroom's archive); "Mr. Blinken" follows "Anthony J. Blinken" since surnames are swapped everywhere;
- dates: years in the text are shifted, weekdays rotated, and the file's mtime (the store's date of a
  .txt file without one) is spread over a few years; one file in five is Markdown with a `date:`;
- wording: body paragraphs are lightly shuffled, a few common words swapped for synonyms, and the
  headline gets an edition tag, so that documents differ in content hash and title.

    python -m benchmarks.corpus_gen --count 1000 [--seed 7] [--out benchmarks/work/seeds-1000-s7]

The corpus is read in place (never copied into the repository); generated folders live under
benchmarks/work/, which git ignores.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "work"
CORPUS = Path(os.environ.get("POLNEAR_TEXT", "/work/shared/corpus/polnear-train/text"))
SEED_ARTICLE = ROOT / "seeds" / "000_7c73074e746b7734.txt"
GENERATOR_VERSION = "1"

FIRST_NAMES = """Aaron Abigail Adam Adrian Aisha Alan Albert Alejandro Alex Alice Amanda Amir Ana Andrea Andrew Angela
Anna Anthony Antonio Arthur Barbara Ben Benjamin Beth Brian Bruce Carl Carla Carlos Carmen Caroline Catherine
Charles Chen Chris Christina Claire Clara Daniel David Deborah Dennis Diana Diego Dmitri Elena Elizabeth Emily
Emma Eric Erik Eva Fatima Felix Fiona Francis Frank Gabriel George Grace Hannah Harold Hassan Helen Henry Hiro
Ian Igor Irene Isaac Ivan James Jane Janet Jason Javier Jean Jennifer Jessica John Jonathan Jorge Joseph Julia
Karen Karl Kate Kenneth Kevin Laura Leila Leo Linda Lisa Lucas Lucy Luis Maria Mark Martha Martin Mary Matthew
Michael Miguel Mohammed Nadia Nancy Natalia Nathan Nicholas Nina Olga Oliver Omar Patricia Paul Pedro Peter
Philip Rachel Rafael Rebecca Richard Robert Rosa Ruth Samuel Sandra Sarah Sergei Sharon Simon Sofia Stephen
Susan Thomas Timothy Tom Victor Victoria Walter William Yusuf Zoe""".split()

_ONSETS = "B Br C Ch D Dr F G Gr H K Kr L M N P Pr R S Sh St T Tr V W Z".split()
_VOWELS = "a e i o u ai ea ou".split()
_CODAS = "n r l s t m nd rt ck ll ss rd".split()
_ENDINGS = "son er ley man ton ford well enko ski ez ini ova berg stein ard ett".split()

SYNONYMS = {
    "officials": "authorities", "said": "said", "government": "administration", "week": "week",
    "announced": "declared", "meeting": "talks", "country": "nation", "people": "residents",
    "important": "significant", "plan": "proposal", "support": "backing", "problem": "issue",
    "attack": "assault", "election": "vote", "leaders": "chiefs", "report": "account",
}
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
EDITIONS = ["", "", "", "Update: ", "Analysis: ", "Live: ", "Explainer: ", "Opinion: ", "Exclusive: "]
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-3]\d)\b")
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b")
_SYNONYM = re.compile(r"\b(" + "|".join(w for w, s in SYNONYMS.items() if w != s) + r")\b")
BASE_DATE = datetime(2019, 1, 1, 8, 0, tzinfo=timezone.utc)


def surname_pool(size: int = 6000, seed: int = 0) -> list[str]:
    """`size` distinct made-up surnames ("Brenko", "Stailton"), the same for the same seed."""
    rng = random.Random(f"surnames-{seed}")
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < size:
        name = rng.choice(_ONSETS) + rng.choice(_VOWELS)
        if rng.random() < 0.6:
            name += rng.choice(_CODAS)
        name += rng.choice(_ENDINGS)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


@dataclass
class Source:
    name: str
    text: str
    people: list[str]  # canonical names the extractor found ("Anthony J. Blinken")


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.txt"))


def load_sources(cache: Path | None = WORK / "sources.json") -> list[Source]:
    """The corpus articles and the seed article, with the people found in each (names cached in work/)."""
    files = [SEED_ARTICLE, *corpus_files()]
    if not files[1:]:
        raise SystemExit(f"no corpus articles under {CORPUS}")
    key = hashlib.sha256("\n".join(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files).encode()).hexdigest()
    if cache is not None and cache.is_file():
        data = json.loads(cache.read_text())
        if data.get("key") == key and len(data["people"]) == len(files):
            return [Source(p.name, p.read_text(encoding="utf-8"), people) for p, people in zip(files, data["people"])]
    from bot.documents import read_document
    from bot.extract import extract

    sources = []
    for path in files:
        people = [p.name for p in extract(read_document(path)).people if p.mentions]
        sources.append(Source(path.name, path.read_text(encoding="utf-8"), people))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        # Only the names: the corpus text itself is read in place, never copied.
        cache.write_text(json.dumps({"key": key, "people": [s.people for s in sources]}))
    return sources


class Generator:
    def __init__(self, sources: list[Source], seed: int = 7):
        self.sources = sources
        self.seed = seed
        self.surnames = surname_pool(seed=seed)
        # Zipf-like weights: the first surnames of the pool are common, the tail is rare.
        self.weights = [1.0 / (rank + 10) for rank in range(len(self.surnames))]

    def document(self, index: int) -> tuple[str, str, datetime]:
        """(file name, text, mtime) of document `index`."""
        rng = random.Random(f"{self.seed}-{index}")
        source = self.sources[index % len(self.sources)]
        text = source.text
        # Names: surname and first-name swaps, applied to whole words everywhere in the text.
        swaps: dict[str, str] = {}
        for person in source.people:
            words = [w for w in person.replace(".", " ").split() if w[:1].isupper() and len(w) > 1]
            if not words:
                continue
            if words[-1] not in swaps:
                swaps[words[-1]] = rng.choices(self.surnames, self.weights)[0]
            if len(words) > 1 and words[0] not in swaps:
                swaps[words[0]] = rng.choice(FIRST_NAMES)
        if swaps:
            pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(swaps, key=len, reverse=True)) + r")\b")
            text = pattern.sub(lambda m: swaps[m.group(1)], text)
        # Dates: shift years, rotate weekdays.
        years = rng.randint(-3, 8)
        text = _YEAR.sub(lambda m: str(int(m.group(1)) + years), text)
        days = rng.randint(0, 6)
        text = _WEEKDAY.sub(lambda m: WEEKDAYS[(WEEKDAYS.index(m.group(1)) + days) % 7], text)
        # Wording: synonyms for some words, a lightly shuffled body, an edition tag on the headline.
        if rng.random() < 0.5:
            text = _SYNONYM.sub(lambda m: SYNONYMS[m.group(1)] if rng.random() < 0.5 else m.group(1), text)
        blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
        headline, body = blocks[0], blocks[1:]
        for _ in range(len(body) // 6):
            i, j = rng.randrange(len(body)), rng.randrange(len(body))
            if abs(i - j) <= 2:
                body[i], body[j] = body[j], body[i]
        if len(body) > 6 and rng.random() < 0.3:
            del body[rng.randrange(1, len(body))]
        headline = rng.choice(EDITIONS) + headline.strip() + f" ({index:06d})"
        moment = BASE_DATE + timedelta(minutes=rng.randrange(0, 4 * 365 * 24 * 60))
        stem = f"{index:06d}_{hashlib.sha1(f'{self.seed}-{index}'.encode()).hexdigest()[:10]}"
        if rng.random() < 0.2:
            front = f"---\ntitle: {headline.replace(chr(10), ' ')}\ndate: {moment:%Y-%m-%d}\n---\n\n"
            return f"{stem}.md", front + "\n\n".join(body) + "\n", moment
        return f"{stem}.txt", headline + "\n\n" + "\n\n".join(body) + "\n", moment


def generate(count: int, seed: int = 7, out: Path | None = None, sources: list[Source] | None = None) -> Path:
    """A seed folder of `count` documents; reused as it is when a complete one is already there."""
    out = out or WORK / f"seeds-{count}-s{seed}"
    marker = out / ".generated.json"
    expected = {"version": GENERATOR_VERSION, "count": count, "seed": seed}
    if marker.is_file() and json.loads(marker.read_text()) == expected:
        return out
    gen = Generator(sources or load_sources(), seed)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        if old.is_file():
            old.unlink()
    for index in range(count):
        name, text, moment = gen.document(index)
        path = out / name
        path.write_text(text, encoding="utf-8")
        stamp = moment.timestamp()
        os.utime(path, (stamp, stamp))
    marker.write_text(json.dumps(expected))  # hidden: the store's seed_files() skips it
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    started = time.perf_counter()
    out = generate(args.count, args.seed, args.out)
    print(f"{args.count} documents in {out} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
