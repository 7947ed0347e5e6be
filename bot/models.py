"""Plain data shared by the layers: what reading, extraction and the store's queries hand on.

Offsets are Python string offsets (end exclusive) into a document's text as decoded from UTF-8
with the BOM stripped, so every fact can cite the exact passage it came from.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    index: int
    start: int
    end: int
    text: str


@dataclass
class Document:
    path: str
    title: str
    text: str
    paragraphs: list[Paragraph]
    credits: list[str] = field(default_factory=list)
    published: str | None = None  # ISO date, or UTC instant (2024-05-03T08:00:00+00:00), when the file tells one
    notes: list[str] = field(default_factory=list)  # what reading noticed and set aside (a date in the future)
    # What a fetched article's front matter tells (bot.sources.seed_files writes it); None for other files.
    url: str | None = None  # the article's address: only an http(s) URL is kept
    outlet: str | None = None  # who published it ("Example News")
    author: str | None = None
    source: str | None = None  # the followed source's slug (its folder under seeds/feeds/)
    summary_only: bool = False  # the body is the feed's summary, not the article


@dataclass
class Person:
    name: str  # canonical: the fullest form in the text
    aliases: list[str]
    role: str | None
    mentions: int
    spans: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Quote:
    """Something a source was reported to have said, tied to the passage that says it.

    `kind` tells which: "direct", the words between quotation marks (`text` without the marks);
    "indirect", reported speech, `text` being the reported clause ("Haines said [Mr. Putin could
    claim a victory]", "according to the ministry, [the talks failed]"); "mixed", reported speech
    whose clause quotes some words ("Trump said he had “made a lot of money in down markets”").
    `Extraction.quotes` holds only direct quotations, `Extraction.reported` the other two kinds, so a
    quotation is never shown for what someone was only reported to have said.

    `speaker` is left None whenever the evidence for a named person is weak: an unattributed
    quotation is harmless, a misattributed one is not. `confidence` is how likely the speaker (or
    its absence) is right, measured per kind of evidence on the tuning part of the PolNeAR corpus
    and checked on its held-out part: of the quotations with confidence >= c, about c are right
    (README, "How people and quotations are found"). `evidence` says which kind it rests on.
    `cue` is the verb or phrase that attributes it ("said", "according to", "told"), with its
    offsets; None when nothing in the text does (a quotation that runs on from an earlier one).
    """
    text: str  # without the quotation marks
    start: int
    end: int
    speaker: str | None  # canonical name of a Person, or None when not a named person
    paragraph: int  # index of the paragraph holding `start`
    kind: str = "direct"  # "direct", "indirect" or "mixed"
    confidence: float | None = None  # 0..1; None: not estimated (a Quote made by hand)
    cue: str | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    evidence: str = ""  # how the speaker was found ("after:name", "before:pronoun", …): what `confidence` rests on


@dataclass
class KeyPoint:
    text: str
    start: int
    end: int
    paragraph: int
    kind: str  # "lead" (a news-style statement) or "quote" (an informative quoted claim)
    score: float


@dataclass
class Extraction:
    people: list[Person]
    quotes: list[Quote]  # direct quotations only (kind "direct"), in text order
    key_points: list[KeyPoint]
    reported: list[Quote] = field(default_factory=list)  # reported speech: kind "indirect" or "mixed"


# What the store's queries answer (bot.store.queries), the same for Telegram, inline mode and console.

@dataclass(frozen=True)
class Source:
    document_id: int
    title: str
    paragraph: int  # paragraph index within the document, 0-based
    published: str | None = None
    url: str | None = None  # the article's address (fetched documents), cited as a link
    outlet: str | None = None  # who published it, named beside the title


@dataclass
class QuoteHit:
    id: int
    text: str
    speaker: str | None
    role: str | None
    source: Source
    score: float = 0.0
    confidence: float | None = None  # of the attribution (see Quote); None: not estimated


@dataclass
class StatementHit:
    """Reported speech: what an outlet wrote that someone said, in the outlet's words (never quoted)."""
    text: str  # the reported clause
    speaker: str | None
    role: str | None
    source: Source
    mixed: bool  # the clause quotes some of the speaker's words
    confidence: float | None = None


@dataclass
class PersonCard:
    id: int
    name: str
    role: str | None
    aliases: list[str]
    mentions: int
    documents: list[Source]  # where mentioned (first paragraph of each document)
    quotes: list[QuoteHit]  # strongest first
    quote_total: int = 0
    statements: list[StatementHit] = field(default_factory=list)  # most confident, then newest, first
    statement_total: int = 0


@dataclass
class PersonMatch:
    id: int
    name: str
    role: str | None
    mentions: int
    score: float  # 0..100, how well the asked name matches


@dataclass
class SearchHit:
    snippet: str  # paragraph text with matches wrapped in \x02 … \x03 (rendered as bold)
    source: Source
    rank: float


@dataclass
class BriefPerson:
    name: str
    role: str | None


@dataclass
class Briefing:
    document_id: int
    title: str
    published: str | None
    credits: list[str]
    key_points: list[tuple[str, Source]]
    people: list[BriefPerson]
    quotes: list[QuoteHit]
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    also: list["StoryCopy"] = field(default_factory=list)  # the same story from other outlets
    reported: list[StatementHit] = field(default_factory=list)  # named people's statements, most confident first


@dataclass(frozen=True)
class StoryCopy:
    """Another document carrying the same story (a near-duplicate: wire copy, a lightly edited version)."""
    document_id: int
    title: str
    url: str | None
    outlet: str | None
    published: str | None


@dataclass
class SourceInfo:
    document_id: int
    title: str
    published: str | None
    added_at: str
    people: int
    quotes: int
    url: str | None = None
    outlet: str | None = None
    story: int | None = None  # the story it belongs to (the id of the story's first document), if any
    story_size: int = 1  # documents carrying that story


COUNT_CAP = 100  # totals of full-text questions are counted up to this; more shows as "100+"
# What the bot quotes unasked (digests, alerts): direct quotations whose attribution is at least this
# likely to be right (README, "How people and quotations are found": 97 % right on the held-out part).
QUOTABLE_CONFIDENCE = 0.9


@dataclass(frozen=True)
class SearchPlan:
    """How a search runs: rows must hold all `terms` (any of them, with `any_word`); `ignored` words are
    in so many rows ("the", "said") that they would mean nothing; `best_first` is False when the words
    are common enough to make ranking slow, and hits come newest first; `newest_rows`, when not 0, is
    how many of the newest rows are searched (every word is in so many rows that finding the few that
    hold them all would read too much of the index)."""
    terms: list[str]
    ignored: list[str]
    best_first: bool
    any_word: bool = False
    newest_rows: int = 0
