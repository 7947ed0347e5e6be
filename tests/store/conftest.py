"""Shared fixtures of the store tests: a small seed folder of each format and a stand-in extractor.

The stand-in finds the people of a fixed lexicon and the curly-quoted passages, so the store and its
queries can be tested apart from the real extractor (tests that need the real one skip while it
is a stub).
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

import bot.extract
from bot.models import Document, Extraction, KeyPoint, Person, Quote

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_7c73074e746b7734.txt"

# canonical name → (aliases, role)
LEXICON: dict[str, tuple[list[str], str | None]] = {
    "Anthony J. Blinken": (["Mr. Blinken", "Blinken"], "Secretary of State"),
    "Avril D. Haines": (["Ms. Haines"], "director of national intelligence"),
    "Xi Jinping": (["Mr. Xi"], "President of China"),
    "Vladimir Putin": (["Mr. Putin"], "President of Russia"),
    "Li Hui": ([], "special envoy"),
    "Alexis Tsipras": ([], None),
}

ARTICLES = {
    "a_brussels.txt": """Blinken meets allies in Brussels

Secretary of State Anthony J. Blinken met NATO ministers in Brussels on Tuesday to discuss support for Ukraine.

“We will stand with Ukraine for as long as it takes, and our allies agree on that,” Mr. Blinken said.

Avril D. Haines, the director of national intelligence, said the Russian offensive had stalled near Kharkiv and that Crimea remained heavily fortified.

“Stalled,” Ms. Haines said.

See also: Ministers meet in Vienna

Jane Roe contributed reporting from Brussels.
""",
    "b_beijing.md": """---
date: 2024-05-03
---
# Xi Jinping hosts Putin in Beijing

President Xi Jinping welcomed Vladimir Putin to Beijing for two days of talks on trade, energy and Crimea.

> “Our friendship has no limits, and no one can divide our two peoples,” Mr. Xi said, as Mr. Putin nodded.

Blinken said the visit was “deeply concerning for every country in Europe and beyond,” in a statement.

Leave a Reply
""",
    "c_envoy.html": """<!doctype html><html><head><title>China's envoy tours Europe</title>
<meta property="article:published_time" content="2024-05-05T08:00:00Z"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>China's envoy tours Europe</h1>
<p>Li Hui, China's special envoy, began a tour of European capitals on Monday, promising to listen to all sides.</p>
<p>“China is ready to play a constructive role in ending the war as soon as possible,” Li Hui said in Warsaw.</p>
<p>Share this: Facebook Twitter Email</p>
<p>Alexis Tsipras, a former prime minister, said the tour was a welcome first step toward talks.</p>
<p>“A welcome first step, but only a first step toward real negotiations,” Alexis Tsipras said.</p>
</article><footer>Your email address will not be published. Required fields are marked *</footer></body></html>
""",
}


def _spans(text: str, form: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(rf"(?<![\w.]){re.escape(form)}(?!\w)", text)]


def stand_in_extract(document: Document) -> Extraction:
    """People of LEXICON found in the text, curly quotes given to the nearest person, first paragraphs as leads."""
    text = document.text
    people: list[Person] = []
    for name, (aliases, role) in LEXICON.items():
        found = [form for form in [name, *aliases] if _spans(text, form)]
        if not found:
            continue
        spans = sorted({span for form in found for span in _spans(text, form)})
        # Longer forms claim their spans first ("Mr. Blinken" holds "Blinken").
        spans = [s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans)]
        canonical = name if name in found else found[0]
        people.append(Person(canonical, [f for f in found if f != canonical], role if name in found else None,
                             len(spans), spans))
    quotes = []
    for match in re.finditer(r"“([^”]+?)[,.]?”", text):
        paragraph = next((p for p in document.paragraphs if p.start <= match.start() < p.end), None)
        if paragraph is None:
            continue
        nearby = [(min(abs(s - match.end()), abs(e - match.start())), person.name)
                  for person in people for s, e in person.spans if paragraph.start <= s < paragraph.end]
        speaker = min(nearby)[1] if nearby else None
        quotes.append(Quote(match.group(1), match.start(1), match.end(1), speaker, paragraph.index))
    key_points = [KeyPoint(p.text, p.start, p.end, p.index, "lead", 1.0 / (1 + p.index))
                  for p in document.paragraphs[1:3]]
    return Extraction(people, quotes, key_points)


@pytest.fixture
def stand_in_extractor(monkeypatch):
    monkeypatch.setattr(bot.extract, "extract", stand_in_extract)
    return stand_in_extract


def write_articles(folder: Path) -> Path:
    """The three articles, dated so that a_brussels is oldest and c_envoy newest."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, (name, text) in enumerate(ARTICLES.items()):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        os.utime(path, (1_700_000_000 + number, 1_700_000_000 + number))
    return folder


@pytest.fixture
def seeds(tmp_path) -> Path:
    return write_articles(tmp_path / "seeds")


@pytest.fixture
def built(seeds, tmp_path, stand_in_extractor) -> Path:
    """A store built from `seeds` with the stand-in extractor."""
    from bot.build import build

    db = tmp_path / "briefing.db"
    build(seeds, db)
    return db


@pytest.fixture
def seed_folder(tmp_path) -> Path:
    """A folder holding only the real seed article."""
    folder = tmp_path / "real_seeds"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder

