"""Extraction on hostile shapes of text: is its time linear in the input, whatever the content?

    python -m benchmarks.bench_adversarial [--quick] [--sizes 100000,1000000,4000000] [--only SHAPE ...]

Each shape is generated deterministically (a fixed seed, made-up names and words: nothing of the
corpus) at growing sizes in bytes, read with `bot.documents.document_from_text` (not timed) and
extracted with `bot.extract.extract` in this process. Figures per shape: seconds per MB at the
largest size (target ≤ 1 s/MB on this 2-core machine, one process) and the growth ratio, seconds per
MB at the largest size over seconds per MB at the smallest (1.0 = linear; a quadratic path shows as
the size ratio, 40 from 100 KB to 4 MB). Timings are the best of three runs at the smaller sizes,
of two at the largest, in CPU seconds of this process (the machine is shared: wall time also counts
the neighbours). Reading the text into paragraphs (`bot.documents`' part) is timed apart, with the
same growth bound and its own per-MB bound.
"""
from __future__ import annotations

import argparse
import gc
import random
import string
import sys
import time
from collections.abc import Callable

from benchmarks.common import emit, fig

SECONDS_PER_MB = 1.0  # the bound: whatever the content
READING_SECONDS_PER_MB = 2.0  # reading into paragraphs, whatever the shape
GROWTH = 2.0  # seconds per MB may not grow more than this from the smallest size to the largest
QUICK_SIZES = [100_000, 1_000_000]
FULL_SIZES = [100_000, 1_000_000, 4_000_000]

_SYLLABLES = ("ka ro vel din sa mor tel bri an ost ven lu par gi tam sel dor wen ha fi "
              "ler mun zo ria bek tov nar ish").split()
_FIRST = ("John Mary Anna Peter Laura Tom Maria David Sarah Michael Elena Carlos Julia Ahmed "
          "Olga Paul Linda James Nadia Victor").split()
_WORDS = ("the plan would change how the city pays for roads and schools while the council "
          "waits for a vote on the budget that many residents say came too late").split()
_ROLES = ("the senator", "the mayor", "the governor", "the director", "the minister")


def _surname(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {_surname(rng)}"


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n))


def _fill(size: int, piece: Callable[[], str], sep: str = " ", head: str = "Headline of a hostile file\n\n") -> str:
    parts, total = [head], len(head)
    while total < size:
        part = piece() + sep
        parts.append(part)
        total += len(part.encode())
    return "".join(parts)


# -- the shapes ------------------------------------------------------------------------------------

def quotes_in_one_paragraph(size: int, rng: random.Random) -> str:
    """One paragraph full of attributed quotations, pronouns and descriptions."""
    cues = [lambda: f"“{_words(rng, 8)},” said {_name(rng)}.",
            lambda: f"{_name(rng)} said: “{_words(rng, 6)}.”",
            lambda: f"“{_words(rng, 5)},” he added.",
            lambda: f"“{_words(rng, 5)},” {rng.choice(_ROLES)} said.",
            lambda: f"“{_words(rng, 7)}.”"]
    return _fill(size, lambda: rng.choice(cues)())


def quote_paragraphs(size: int, rng: random.Random) -> str:
    """Many one-line paragraphs, each a quotation without a cue (the speaker runs on)."""
    return _fill(size, lambda: f"“{_words(rng, rng.randint(3, 12))}.”", sep="\n\n")


def capital_soup(size: int, rng: random.Random) -> str:
    """One paragraph of capitalised words, first names and surnames, without punctuation."""
    return _fill(size, lambda: rng.choice(_FIRST) if rng.random() < 0.3 else _surname(rng))


def no_sentence_end(size: int, rng: random.Random) -> str:
    """A paragraph that never ends a sentence: names, pronouns, cues and quotations in one run."""
    pieces = [lambda: _words(rng, 6), lambda: f"{_name(rng)} said", lambda: "she said",
              lambda: f"“{_words(rng, 4)}”", lambda: "saying", lambda: f"Mr. {_surname(rng)} and he",
              lambda: "according to the official"]
    return _fill(size, lambda: rng.choice(pieces)())


def many_names(size: int, rng: random.Random) -> str:
    """Thousands of different people, many sharing a surname or a first name, in short paragraphs."""
    surnames = [_surname(rng) for _ in range(20)]
    pieces = [lambda: f"{rng.choice(_FIRST)} {rng.choice(surnames)} met {_name(rng)} on Monday.",
              lambda: f"“{_words(rng, 6)},” Mr. {rng.choice(surnames)} said.",
              lambda: f"Ms. {rng.choice(surnames)} and {rng.choice(_FIRST)} {_surname(rng)}, the chairman, spoke.",
              lambda: f"{rng.choice(_FIRST)} {rng.choice('ABCDEFGH')}. {rng.choice(surnames)} said it was {_words(rng, 4)}."]
    return _fill(size, lambda: " ".join(rng.choice(pieces)() for _ in range(4)), sep="\n\n")


def one_name_everywhere(size: int, rng: random.Random) -> str:
    """One person named thousands of times, in every form, in one paragraph."""
    forms = ["Mr. Karvel", "Karvel", "John Karvel", "Secretary Karvel", "John A. Karvel"]
    return _fill(size, lambda: f"{rng.choice(forms)} said {_words(rng, 5)}.")


def unclosed_marks(size: int, rng: random.Random) -> str:
    """Opening marks that never close, curly and straight, in long paragraphs."""
    marks = ["“", '"', "«", "„"]
    return _fill(size, lambda: f"{rng.choice(marks)}{_words(rng, 3)} {_name(rng)} said"
                 + ("\n\n" if rng.random() < 0.001 else ""))


def nested_marks(size: int, rng: random.Random) -> str:
    """Quotation marks nested thousands deep, and closing marks without an opening one."""
    depth = max(1, size // 200)
    def piece() -> str:
        return "".join(f"“{rng.choice(_WORDS)} " for _ in range(depth)) + "".join(
            f"{rng.choice(_WORDS)}.” " for _ in range(depth))
    return _fill(size, piece)


def many_paragraphs(size: int, rng: random.Random) -> str:
    """Hundreds of thousands of tiny paragraphs."""
    pieces = [lambda: "Yes.", lambda: f"{rng.choice(_FIRST)}.", lambda: "“No.”", lambda: "He said:",
              lambda: f"{_name(rng)}:"]
    return _fill(size, lambda: rng.choice(pieces)(), sep="\n\n")


def unique_paragraphs(size: int, rng: random.Random) -> str:
    """many_paragraphs with hardly two paragraphs alike (each has a made-up four-letter word): what the
    extractor saves on a paragraph written again does not help here."""
    def word() -> str:
        return "".join(rng.choices(string.ascii_lowercase, k=4))

    pieces = [lambda: f"{word().capitalize()}.", lambda: f"{word()}.", lambda: f"“{word()}.”",
              lambda: f"He said {word()}:", lambda: f"{_name(rng)}:"]
    return _fill(size, lambda: rng.choice(pieces)(), sep="\n\n")


def pronoun_chain(size: int, rng: random.Random) -> str:
    """A name, then sentences whose subject is "she" (runs of hundreds without a quotation, each
    "she" referring to the one before), and quotations she said."""
    head = f"Headline of a hostile file\n\nMs. {_surname(rng)} arrived. "
    return _fill(size, lambda: f"She {_words(rng, 4)}." if rng.random() < 0.995 else f"“{_words(rng, 5)},” she said.",
                 head=head)


def descriptions(size: int, rng: random.Random) -> str:
    """Quotations attributed to descriptions ("the senator said") nobody in the text fits."""
    return _fill(size, lambda: f"{_name(rng)} spoke. “{_words(rng, 6)},” {rng.choice(_ROLES)} said.")


def long_words(size: int, rng: random.Random) -> str:
    """Words tens of thousands of characters long, runs of apostrophes, hyphens and periods."""
    pieces = [lambda: "a" * 5000, lambda: "A" + "'" * 2000, lambda: "-" * 2000, lambda: ". " * 1000,
              lambda: "Mr." + " " * 2000 + "x", lambda: "Ab" + "’" * 2000 + "s said"]
    return _fill(size, lambda: rng.choice(pieces)())


def colon_chain(size: int, rng: random.Random) -> str:
    """Colons and participles introducing quotations, with no sentence end: `X: “…” saying “…”`."""
    pieces = [lambda: f"{_name(rng)}: “{_words(rng, 4)}”", lambda: f", saying “{_words(rng, 3)}”",
              lambda: f"and {rng.choice(_ROLES)} continued: “{_words(rng, 3)}”", lambda: _words(rng, 3)]
    return _fill(size, lambda: rng.choice(pieces)())


def long_headline(size: int, rng: random.Random) -> str:
    """A first line (the headline) of half the file, then many short paragraphs."""
    head = " ".join(_surname(rng) for _ in range(size // 20)) + "\n\n"
    return _fill(size, lambda: f"{_name(rng)} said “{_words(rng, 4)}.”", sep="\n\n", head=head)


SHAPES: dict[str, Callable[[int, random.Random], str]] = {f.__name__: f for f in (
    quotes_in_one_paragraph, quote_paragraphs, capital_soup, no_sentence_end, many_names,
    one_name_everywhere, unclosed_marks, nested_marks, many_paragraphs, unique_paragraphs, pronoun_chain, descriptions,
    long_words, colon_chain, long_headline)}


def generate(shape: str, size: int, seed: int = 11) -> str:
    return SHAPES[shape](size, random.Random(f"{shape}-{seed}"))


def time_reading_and_extraction(text: str, runs: int) -> tuple[float, float]:
    """The best CPU seconds of reading `text` into a Document, and of extracting it."""
    from bot.documents import document_from_text
    from bot.extract import extract

    # The first extraction of a process loads the first-name list (~0.2 s): not the text's cost.
    extract(document_from_text("warm.txt", "Headline\n\n“We are ready,” said Mary Smith, the mayor."))
    reading = extraction = float("inf")
    for _ in range(runs):
        gc.collect()
        started = time.process_time()
        document = document_from_text("hostile.txt", text)
        reading = min(reading, time.process_time() - started)
        gc.collect()
        started = time.process_time()
        extract(document)
        extraction = min(extraction, time.process_time() - started)
    return reading, extraction


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", help="sizes in bytes, e.g. 100000,1000000,4000000")
    parser.add_argument("--only", nargs="+", choices=list(SHAPES), metavar="SHAPE")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else QUICK_SIZES if args.quick else FULL_SIZES
    figures = []
    for shape in args.only or SHAPES:
        per_mb, reading_per_mb = [], []
        for size in sizes:
            text = generate(shape, size)
            mb = len(text.encode()) / 1e6
            reading, seconds = time_reading_and_extraction(text, 2 if size == max(sizes) else 3)
            per_mb.append(seconds / mb)
            reading_per_mb.append(reading / mb)
            print(f"{shape:>24} {mb:6.2f} MB {seconds:8.3f} s {seconds / mb:7.3f} s/MB (reading {reading / mb:.3f} s/MB)",
                  file=sys.stderr, flush=True)
        growth = per_mb[-1] / per_mb[0] if per_mb[0] > 0 else float("nan")
        reading_growth = reading_per_mb[-1] / reading_per_mb[0] if reading_per_mb[0] > 0 else float("nan")
        label = f"adversarial {shape}"
        figures += [
            fig(label, f"reading s/MB at {sizes[-1] / 1e6:g} MB", round(reading_per_mb[-1], 3), "s/MB", "<=",
                READING_SECONDS_PER_MB, note=f"growth {reading_growth:.2f}× from {sizes[0] / 1e6:g} MB"),
            fig(label, f"s/MB at {sizes[-1] / 1e6:g} MB", round(per_mb[-1], 3), "s/MB", "<=", SECONDS_PER_MB,
                note=", ".join(f"{s / 1e6:g} MB: {v:.3f}" for s, v in zip(sizes, per_mb))),
            fig(label, f"growth {sizes[0] / 1e6:g} → {sizes[-1] / 1e6:g} MB", round(growth, 2), "×", "<=", GROWTH,
                note="s/MB at the largest size over s/MB at the smallest; 1 = linear"),
        ]
    emit(figures)


if __name__ == "__main__":
    main()
