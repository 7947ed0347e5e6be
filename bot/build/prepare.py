"""One seed file made ready for the store: read, extracted (or taken from the cache), turned into rows."""
from __future__ import annotations

import bisect
import json
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import bot.extract
from bot.build.budget import (
    FILE_SECONDS,
    TimeBudgetExceeded,
    over_budget_reason,
    time_budget,
)
from bot.build.extraction_cache import (
    ExtractionCache,
    extraction_from_blob,
    extraction_to_blob,
)
from bot.build.stories import story_signature
from bot.documents import UnreadableDocument, read_seed
from bot.store.schema import to_hundredths


def quote_strength(text: str) -> int:
    """How much a quote says: its words, capped; 1-3 word fragments ("just and lasting") rank last."""
    words = len(text.split())
    return words if words <= 3 else 10 + min(words, 40)


class PreparedFile(NamedTuple):
    """One seed file made ready for the store (in a worker process or in this one); plain tuples only.

    `records` are the document's people as its extraction saw them: (name, aliases, role, mentions,
    paragraphs); mentions, person_paragraphs and person_documents refer to them by their position
    (`ord`), quotes and statements (reported speech) by the position of their speaker, so that the
    merged person ids can be filled in once people are merged across documents. Confidences are in
    hundredths, as stored.
    """
    rel: str
    path: str
    sha256: str
    skipped: str | None = None
    document: tuple = ()  # title, published, credits, added_at, sort_date, words, paragraphs, people, quotes,
    #                       url, outlet, author
    paragraphs: list = []  # (idx, start, end, text)
    key_points: list = []  # (paragraph, rank, kind, text, start, end, score)
    cache_key: str = ""
    blob: bytes = b""
    reused: bool = False
    records: list = []  # (name, aliases tuple, role, mentions, paragraphs)
    mentions: list = []  # (ord, paragraph, start, end)
    person_paragraphs: list = []  # (ord, paragraph)
    person_documents: list = []  # (ord, first_paragraph, mentions)
    quotes: list = []  # (speaker ord or None, speaker, paragraph, start, end, text, words, strength, confidence)
    statements: list = []  # (speaker ord or None, speaker, paragraph, start, end, text, mixed, confidence,
    #                         cue_start, cue_end)
    notes: tuple = ()  # what reading set aside (a date in the future), said by the build
    signature: bytes | None = None  # the story's MinHash bins (bot.build.stories), None when too short


def prepare_file(path: Path, rel: str, sha: str, cache: ExtractionCache | None,
                 budget: float | None = None) -> PreparedFile:
    """Read and extract one file (or take its extraction from the cache) and turn it into rows.

    A file that takes longer than `budget` seconds (default: the running build's, `FILE_SECONDS`)
    is skipped with that reason."""
    seconds = FILE_SECONDS.get() if budget is None else budget
    try:
        with time_budget(seconds):
            return _prepare(path, rel, sha, cache)
    except TimeBudgetExceeded:
        return PreparedFile(rel, str(path), sha, skipped=over_budget_reason(seconds))


def _prepare(path: Path, rel: str, sha: str, cache: ExtractionCache | None) -> PreparedFile:
    try:
        document, status = read_seed(path.parents[rel.count("/")], rel)  # never leaves the seed folder
    except UnreadableDocument as exc:
        return PreparedFile(rel, str(path), sha, skipped=str(exc))
    key = ExtractionCache.key(sha, path)
    blob = cache.get_blob(key) if cache is not None else None
    extraction = None
    if blob is not None:
        try:
            extraction = extraction_from_blob(blob)
        except (zlib.error, ValueError, TypeError, KeyError):  # written by another shape of bot.models
            extraction = None
    reused = extraction is not None
    if extraction is None:
        extraction = bot.extract.extract(document)
        blob = extraction_to_blob(extraction)
    spans = [(p.start, p.end) for p in document.paragraphs]

    def paragraph_at(offset: int) -> int | None:
        """Index of the story paragraph holding `offset`, or None (credits, boilerplate)."""
        position = bisect.bisect_right(spans, (offset, float("inf"))) - 1
        if position >= 0 and offset < spans[position][1]:
            return position
        return None

    added_at = datetime.fromtimestamp(status.st_mtime, timezone.utc).isoformat(timespec="seconds")
    sort_date = document.published or added_at
    records, mentions, person_paragraphs, person_documents = [], [], [], []
    local: dict[str, int] = {}
    for ord_, person in enumerate(extraction.people):
        paragraphs: dict[int, int] = {}
        for start, end in person.spans:
            paragraph = paragraph_at(start)
            if paragraph is None:
                continue
            paragraphs[paragraph] = paragraphs.get(paragraph, 0) + 1
            mentions.append((ord_, paragraph, start, end))
        person_paragraphs.extend((ord_, paragraph) for paragraph in paragraphs)
        person_documents.append((ord_, min(paragraphs, default=0), person.mentions))
        records.append((person.name, tuple(person.aliases), person.role, person.mentions, len(paragraphs)))
        local[person.name] = ord_
    quotes = [(local.get(q.speaker) if q.speaker else None, q.speaker, q.paragraph, q.start, q.end, q.text,
               len(q.text.split()), quote_strength(q.text), to_hundredths(q.confidence)) for q in extraction.quotes]
    statements = [(local.get(s.speaker) if s.speaker else None, s.speaker, s.paragraph, s.start, s.end, s.text,
                   int(s.kind == "mixed"), to_hundredths(s.confidence), s.cue_start, s.cue_end)
                  for s in extraction.reported]
    ranked = sorted(extraction.key_points, key=lambda k: -k.score)
    return PreparedFile(
        rel, str(path), sha,
        document=(document.title, document.published, json.dumps(document.credits, ensure_ascii=False), added_at,
                  sort_date, sum(len(p.text.split()) for p in document.paragraphs), len(document.paragraphs),
                  len(extraction.people), len(extraction.quotes), document.url, document.outlet, document.author),
        paragraphs=[(p.index, p.start, p.end, p.text) for p in document.paragraphs],
        key_points=[(k.paragraph, rank, k.kind, k.text, k.start, k.end, k.score) for rank, k in enumerate(ranked)],
        cache_key=key, blob=blob, reused=reused, records=records, mentions=mentions,
        person_paragraphs=person_paragraphs, person_documents=person_documents, quotes=quotes, statements=statements,
        notes=tuple(document.notes),
        signature=story_signature(document.title, (p.text for p in document.paragraphs)),
    )
