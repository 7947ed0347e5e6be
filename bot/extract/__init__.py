"""Extraction of people, quotations, reported speech and key points from a Document.

Deterministic rules over tokens and word lists (bot.extract.lexicon); no model is downloaded.
Quotations (bot.extract.quotes) get their speakers from bot.extract.speakers, reported speech is
found by bot.extract.reported with the same rules, and every attribution's confidence, and whether
its evidence is strong enough to name anyone, comes from bot.extract.confidence. Time is linear in
the text (benchmarks/bench_adversarial.py). Measured with `python -m benchmarks.quotes_eval` on the
PolNeAR corpus, tuned on four fifths of it and checked on the fifth held out.
"""
from __future__ import annotations

import gc
import re
from collections.abc import Callable
from operator import attrgetter

from bot.extract.confidence import assess
from bot.extract.keypoints import find_key_points
from bot.extract.people import PersonCluster, cluster_people, find_mentions
from bot.extract.quotes import QuoteSpan, find_quote_spans
from bot.extract.reported import find_reported
from bot.extract.speakers import NO_SPEAKER, SpeakerFinder
from bot.extract.tokens import Token, tokenize_paragraphs
from bot.models import Document, Extraction, Person, Quote

# Bump when a rule changes what is extracted: the store rebuilds documents extracted before.
EXTRACTOR_VERSION = "3"

# A quotation this short in title case names a show, a book or a slogan.
_TITLE_WORDS = 5
_LOWER_WORD = re.compile(r"\b[a-z]{3,}\b")
# A quotation this short is a scare quote or a title unless a speaker is found for it.
_SHORT_QUOTE_WORDS = 3


def extract(document: Document) -> Extraction:
    """All that the store keeps of one document, in time linear in its text."""
    # Extraction allocates millions of small objects on a large file and makes no reference cycles:
    # the cyclic collector's full passes over them cost more per MB the larger the file (measured
    # with benchmarks/bench_adversarial.py: 0.6 s/MB without it, 1.3 with it on 1 MB of quotations).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _extract(document)
    finally:
        if collecting:
            gc.enable()


def _extract(document: Document) -> Extraction:
    text = document.text
    spans = find_quote_spans(text, document.paragraphs)
    inside = _QuoteIndex(spans, len(text))

    tokens = tokenize_paragraphs(text, document.paragraphs)
    mentions, mention_paragraph = find_mentions(tokens, inside.contains)
    # Names of the credits line ("Julian E Barnes contributed reporting") are people too.
    clusters = cluster_people(mentions, _LowerCaseWords(text))
    roles = {i: _role(c) for i, c in enumerate(clusters)}
    names = _distinct_names(clusters, roles)

    finder = SpeakerFinder(tokens, mentions, mention_paragraph, clusters, roles, inside.contains)

    quotes: list[Quote] = []
    previous_speaker: dict[int, int | None] = {}  # paragraph -> speaker of its last quotation
    for span in spans:
        attribution = finder.attribute(span)
        person, evidence, cue = attribution.person, attribution.evidence, attribution.cue
        if not attribution.cue_found:
            finder.cue = None
            person, evidence = _running_speaker(span, previous_speaker, document, finder)
            cue = finder.cue if evidence == "running:introduced" else None
        quoted = text[span.start:span.end]
        title = None  # whether `quoted` is a title (_is_title), worked out when first needed
        if person is None and span.open_mark is not None:
            title = _is_title(quoted)
            if not title:
                person = finder.sentence_subject_before(span.paragraph, span.open_mark)
                evidence = "subject:before" if person is not None else evidence
        previous_speaker[span.paragraph] = person
        words = len(quoted.split())
        cue_text, cue_start, cue_end = _cue(cue, tokens, text)
        # A short quotation said by nobody named is a scare quote or a title (critics called the plan
        # a “reset”), unless a verb of saying gives it a source of its own (“No,” an aide said).
        spoken = cue_text is not None and cue_text.lower() not in _NAMING_CUES
        if words <= _SHORT_QUOTE_WORDS and (person is None or person == NO_SPEAKER) and not spoken \
                or words <= _TITLE_WORDS and (_is_title(quoted) if title is None else title):
            continue  # “boundless”, “Meet the Press”: not a quotation of a person
        speaker = names[person] if person is not None and person >= 0 else None
        evidence = evidence or "none"
        if words <= _SHORT_QUOTE_WORDS and not spoken and evidence.startswith(("running:", "subject:")):
            speaker = None  # ''somewhat conservative'', ''optics'': the writer's words, said by nobody in particular
        keep, confidence = assess(evidence, speaker is not None)
        quotes.append(Quote(quoted, span.start, span.end, speaker if keep else None,
                            span.paragraph, confidence=confidence, cue=cue_text, cue_start=cue_start,
                            cue_end=cue_end, evidence=evidence))

    reported = find_reported(text, tokens, finder, names)

    people = [_person(c, names[i], roles[i]) for i, c in enumerate(clusters)]
    people = [p for p in people if p.mentions]
    if document.credits:
        known = {p.name for p in people}
        for credit in document.credits:
            if credit not in known:
                people.append(Person(credit, [], "contributing reporter", 0))
    people.sort(key=attrgetter("mentions"), reverse=True)  # most mentioned first, else in order (stable)
    return Extraction(people=people, quotes=quotes, key_points=find_key_points(document, quotes),
                      reported=reported)


# Verbs that name or describe rather than report words: critics called the plan a “reset”.
_NAMING_CUES = frozenset("called calling calls call described describes describing dubbed labeled labelled "
                         "termed referred refers characterized characterizes".split())


def _cue(cue: tuple[int, int, int] | None, tokens: list[list[Token]],
         text: str) -> tuple[str | None, int | None, int | None]:
    """The text and offsets of a cue given as (paragraph, first token, last token)."""
    if cue is None:
        return None, None, None
    p, first, last = cue
    start, end = tokens[p][first].start, tokens[p][last].end
    return text[start:end], start, end


class _LowerCaseWords:
    """The text's words of three letters or more written in lower case (`_LOWER_WORD`'s matches), as a
    set. Few documents ask about any (one or two words, rarely six): the first few words asked about
    are looked for alone, and only a document that asks about more has all its words collected (once,
    so that the time stays linear in the text however many single names it has)."""

    def __init__(self, text: str):
        self.text = text
        self.lookups = 0
        self.words: set[str] | None = None

    def __contains__(self, word: str) -> bool:
        if self.words is None and self.lookups < _LOOKUPS_ALONE:
            self.lookups += 1
            return _written_alone(self.text, word)
        if self.words is None:
            self.words = set(_LOWER_WORD.findall(self.text))
        return word in self.words


_LOOKUPS_ALONE = 8


def _written_alone(text: str, word: str) -> bool:
    """Whether `word` is one of `_LOWER_WORD`'s matches in `text`: a whole run of word characters."""
    if _LOWER_WORD.fullmatch(word) is None:
        return False
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        if not _is_word_character(text[at - 1:at]) and not _is_word_character(text[end:end + 1]):
            return True
        at = text.find(word, at + 1)
    return False


def _is_word_character(char: str) -> bool:
    """What `\\w` matches in a str pattern ("" at either end of the text: no)."""
    return char.isalnum() or char == "_"


class _QuoteIndex:
    """Whether an offset of the text lies inside a quotation: the last quotation starting at or
    before it holds it. One flag per character, set once, makes each look-up an index (extraction
    asks for every name and many words); `contains` is the flags' own indexing, read as booleans
    (no Python call per look-up)."""

    def __init__(self, spans: list[QuoteSpan], length: int):
        ordered = sorted((s.start, s.end) for s in spans)
        self.inside = bytearray(length)
        for i, (start, end) in enumerate(ordered):
            # Up to the next quotation's start at most: from there on, that one decides.
            stop = min(end, ordered[i + 1][0]) if i + 1 < len(ordered) else end
            if stop > start:
                self.inside[start:stop] = b"\x01" * (stop - start)
        # Whether the last quotation starting at or before an offset of the text holds it.
        self.contains: Callable[[int], bool] = memoryview(self.inside).cast("?").__getitem__


def _is_title(quoted: str) -> bool:
    """ “Saturday Night Live”, “The Art of the Deal”: every longer word capitalised."""
    words = [w for w in quoted.split() if len(w) > 3 and w.lower() not in _TITLE_SMALL_WORDS]
    if quoted.rstrip().endswith(("!", "?")) and len(words) <= 1:
        return False  # “Disgraceful!” is an exclamation, not a title
    return bool(words) and all(w[0].isupper() for w in words)


_TITLE_SMALL_WORDS = frozenset("with from into over than that this upon".split())  # “The Nightly Show with Larry Wilmore”


def _running_speaker(span: QuoteSpan, previous: dict[int, int | None], document: Document,
                     finder: SpeakerFinder) -> tuple[int | None, str]:
    """Who speaks a quotation that has no cue of its own, and how that was found: the paragraph's
    last speaker; or, for a quotation opening its paragraph, whoever the previous paragraph
    introduced ("Cruz continued:"), spoke last in it, or was its last sentence's subject."""
    if span.paragraph in previous:
        return previous[span.paragraph], "running:paragraph"
    para = document.paragraphs[span.paragraph]
    if span.open_mark is None or span.paragraph == 0:
        return None, ""
    if span.open_mark != para.start:
        # Lynch announced the lawsuit on Monday. “We are seeking a court order …”
        sentence = finder.opens_sentence(span.paragraph, span.open_mark)
        return (finder.last_subject(span.paragraph, sentence) if sentence is not None else None), "running:sentence"
    before = span.paragraph - 1
    introduced = finder.introduced_by(before)
    if introduced is not None:
        return introduced, "running:introduced"
    if previous.get(before) is not None:
        return previous[before], "running:previous"
    return finder.last_subject(before), "running:subject"


def _canonical(cluster: PersonCluster) -> str:
    return " ".join(cluster.full)


def _distinct_names(clusters: list[PersonCluster], roles: dict[int, str | None]) -> dict[int, str]:
    """Each person's name, told apart from any other of the document written the same: "Mr. Smith"
    and "Ms. Smith" (by the honorific they were given), else by role ("Smith (the mayor)"). The
    store merges people by name, so two people never share one."""
    names = {i: _canonical(c) for i, c in enumerate(clusters)}
    first: dict[str, int] = {}  # name -> the first person of that name
    by_name: dict[str, list[int]] = {}  # name -> its people, for a name two or more people have
    for i, name in names.items():
        if clusters[i].mentions and first.setdefault(name, i) != i:
            by_name.setdefault(name, [first[name]]).append(i)
    for name, same in by_name.items():  # each name's people apart from any other name's: in any order
        for i in same:
            honorific = next((m.honorific for m in clusters[i].mentions if m.honorific), None)
            names[i] = f"{honorific} {name}" if honorific else name
        taken: dict[str, int] = {}
        for i in same:
            if names[i] in taken:  # same honorific too: the role, else the order of appearance
                role = roles.get(i)
                names[i] = f"{names[i]} ({role})" if role else f"{names[i]} ({len(taken) + 1})"
            taken[names[i]] = i
    return names


def _role(cluster: PersonCluster) -> str | None:
    """The role in apposition when there is one (it says most), else the title before the name."""
    for mention in cluster.mentions:
        if mention.appositive:
            return mention.appositive
    titles = [m.title for m in cluster.mentions if m.title]
    return max(titles, key=len) if titles else None


def _person(cluster: PersonCluster, name: str, role: str | None) -> Person:
    aliases: dict[str, None] = {}  # in the order first written
    for mention in cluster.mentions:
        written = mention.name
        aliases[written] = None
        if mention.honorific:
            aliases[f"{mention.honorific} {written}"] = None
        elif mention.title and " " not in mention.title:
            aliases[f"{mention.title} {written}"] = None
    aliases.pop(name, None)
    spans = [(m.start, m.end) for m in cluster.mentions]
    return Person(name=name, aliases=list(aliases), role=role, mentions=len(cluster.mentions), spans=spans)
