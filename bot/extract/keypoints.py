"""Key points of a document for briefings: news-style lead sentences and the most informative
quoted claims, each tied to its source paragraph."""
from __future__ import annotations

import re
from itertools import islice

from bot.models import Document, KeyPoint, Quote

_SENTENCE_END = re.compile(r"(?<=[.!?])[”\"’')]*\s+(?=[A-Z“\"]|'')")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+")
_NUMBER = re.compile(r"\d")
LEADS = 3
QUOTES = 2


def first_sentence(text: str) -> str:
    m = _SENTENCE_END.search(text)
    return text[: m.start()].rstrip() if m else text


def find_key_points(document: Document, quotes: list[Quote]) -> list[KeyPoint]:
    """Up to three lead sentences from the opening paragraphs, then up to two quoted claims."""
    candidates: list[KeyPoint] = []
    title = document.title.strip()
    story = islice((p for p in document.paragraphs if p.text.strip() != title), 8)
    for position, para in enumerate(story):
        sentence = first_sentence(para.text)
        words = len(sentence.split())
        if words < 8 or sentence.lstrip().startswith(("“", '"', "''")):
            continue  # too short to say anything, or a quotation (those come below)
        informative = len(_CAPITALISED.findall(sentence)) + len(_NUMBER.findall(sentence))
        score = 1.0 / (1 + position) + 0.02 * min(informative, 10)
        candidates.append(KeyPoint(sentence, para.start, para.start + len(sentence), para.index, "lead", score))
    leads = sorted(sorted(candidates, key=lambda k: -k.score)[:LEADS], key=lambda k: k.start)

    claims = [q for q in quotes if q.speaker and len(q.text.split()) >= 8]
    claims.sort(key=lambda q: -min(len(q.text.split()), 40))
    points = []
    for q in claims[:QUOTES]:
        text = q.text.rstrip(",;:—– ")  # “… a good thing,” Mr. Blinken said -> "… a good thing"
        points.append(KeyPoint(text, q.start, q.start + len(text), q.paragraph, "quote",
                               min(len(q.text.split()), 40) / 40))
    return leads + sorted(points, key=lambda k: k.start)
