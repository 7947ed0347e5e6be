"""Who said each quotation: the speech cue next to it, the subject of the cue, and what a
pronoun or a description ("the senator") refers to.

Order of evidence, strongest first:
1. a cue right after the closing mark: `“…,” Mr. Blinken said` / `“…,” said Alena Polyakova`;
2. the nearest cue before the quotation in its sentence: `Ms. Haines said Mr. Putin could … “…”`;
3. a colon introducing it: `Mr. Cleverly makes no mention …: “…”` (the sentence's subject);
4. the speaker of the previous quotation in the paragraph, or of the previous paragraph when the
   quotation opens its own paragraph (quotes that run on).
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.extract.lexicon import (
    CUE_FILLERS, NON_NAME_WORDS, PRONOUN_GENDER, ROLE_NOUNS, SPEECH_CUES, SUBJECT_PRONOUNS,
)
from bot.extract.people import Mention, PersonCluster, bare
from bot.extract.quotes import QuoteSpan
from bot.extract.tokens import Token, is_sentence_end

_PREPOSITIONS = frozenset("like unlike with to of by for from about against than as on at in into "
                          "toward towards including among between".split())
_DETERMINERS = frozenset("the a an another one some many several two three other most".split())
NO_SPEAKER = -1  # a speaker that is not a named person ("officials", "they")


@dataclass
class Attribution:
    person: int | None  # cluster index, NO_SPEAKER, or None when no cue was found at all
    cue_found: bool


class SpeakerFinder:
    """Attributes quotations of one document; built once per document."""

    def __init__(self, paragraphs_tokens: list[list[Token]], mentions: list[Mention],
                 people: list[PersonCluster], roles: dict[int, str | None]):
        self.tokens = paragraphs_tokens
        self.people = people
        self.roles = roles
        self.mention_at: dict[tuple[int, int], Mention] = {}  # (paragraph, last token) -> mention
        self.mention_first: dict[tuple[int, int], Mention] = {}
        self.context = [m for m in mentions if m.person >= 0 and not m.in_quote]
        self._paragraph_of_mention: dict[int, int] = {}
        self._mentions = mentions

    def index_mention(self, paragraph: int, mention: Mention) -> None:
        self.mention_at[(paragraph, mention.last)] = mention
        self.mention_first[(paragraph, mention.first - (1 if mention.honorific else 0))] = mention
        self.mention_first[(paragraph, mention.first)] = mention

    # -- the quotation's neighbourhood ---------------------------------------------------------

    def attribute(self, quote: QuoteSpan) -> Attribution:
        toks = self.tokens[quote.paragraph]
        open_i = _index_at(toks, quote.open_mark) if quote.open_mark is not None else None
        close_i = _index_at(toks, quote.close_mark) if quote.close_mark is not None else None
        if close_i is not None:
            found = self._after(quote.paragraph, toks, close_i + 1)
            if found is not None:
                return Attribution(found, True)
        begin = open_i if open_i is not None else _index_from(toks, quote.start)
        found = self._before(quote.paragraph, toks, begin)
        if found is not None:
            return Attribution(found, True)
        return Attribution(None, False)

    def _after(self, p: int, toks: list[Token], i: int) -> int | None:
        """`“…,” Mr. Smith said` / `“…,” said Smith, the Democrat` / `“…” he added`."""
        n = len(toks)
        if i < n and toks[i].text == ",":
            i += 1
        if i >= n:
            return None
        if toks[i].lower in SPEECH_CUES:  # cue first: said Mr. Smith
            j = i + 1
            if j < n and toks[j].kind == "word":
                return self._noun_phrase_forward(p, toks, j)
            return None
        if toks[i].lower == "as" and i + 1 < n:  # as he put it
            i += 1
        subject_end = self._noun_phrase_end(p, toks, i)
        if subject_end is None:
            return None
        j = subject_end + 1
        while j < n and (toks[j].lower in CUE_FILLERS or toks[j].lower.endswith("ly") and toks[j].kind == "word"):
            j += 1
        if j < n and (toks[j].lower in SPEECH_CUES or toks[j].lower == "put"):
            return self._resolve_phrase(p, toks, i, subject_end)
        return None

    def _before(self, p: int, toks: list[Token], begin: int) -> int | None:
        """The nearest speech cue before the quotation in its sentence, and that cue's subject."""
        k = begin - 1
        depth = 0
        colon = k >= 0 and toks[k].text == ":"
        sentence_start = 0
        while k >= 0:
            tok = toks[k]
            if tok.kind == "quote":
                # Skip over an earlier quotation of the same sentence.
                depth = 1 - depth
            elif depth == 0 and k < begin - 1 and is_sentence_end(toks, k):
                sentence_start = k + 1
                break
            elif depth == 0 and tok.lower in SPEECH_CUES:
                return self._subject_of_cue(p, toks, k, sentence_start_hint=None)
            elif depth == 0 and tok.lower == "to" and k >= 1 and toks[k - 1].lower == "according":
                return self._noun_phrase_forward(p, toks, k + 1)
            k -= 1
        if colon:
            return self._sentence_subject(p, toks, sentence_start, begin)
        return None

    def _subject_of_cue(self, p: int, toks: list[Token], cue: int, sentence_start_hint) -> int | None:
        k = cue - 1
        while k >= 0 and (toks[k].lower in CUE_FILLERS or toks[k].lower.endswith("ly") and toks[k].kind == "word"
                          and toks[k].lower not in ("only", "family")):
            k -= 1
        if k >= 0 and toks[k].lower in ("he", "she") and k >= 1 and (p, k - 1) in self.mention_at:
            k -= 1  # garbled "Mr. Blinken He said": the name is the subject
        if toks[cue].lower.endswith("ing") and k >= 0 and toks[k].text == ",":
            # "…, saying “…”": the clause's subject is the sentence's.
            start = k
            while start > 0 and not is_sentence_end(toks, start - 1):
                start -= 1
            return self._sentence_subject(p, toks, start, k)
        if k >= 1 and toks[k].text == "," and (p, k - 1) in self.mention_at:
            k -= 1  # "Germany’s foreign minister, Annalina Berbock, said": the name is the subject
        elif k >= 0 and toks[k].text in ",)":
            # Skip an appositive: "Avril D. Haines, the director of national intelligence, said".
            closer = "," if toks[k].text == "," else "("
            j = k - 1
            while j >= 0 and k - j < 16 and toks[j].text != closer:
                j -= 1
            if j >= 0 and toks[j].text == closer:
                k = j - 1
            else:
                return None
        if k < 0:
            return None
        return self._resolve_ending_at(p, toks, k)

    def _sentence_subject(self, p: int, toks: list[Token], start: int, end: int) -> int | None:
        """The first person named in the sentence outside a prepositional phrase."""
        k = start
        while k < end:
            tok = toks[k]
            if tok.kind == "quote":
                return None
            if tok.lower in SUBJECT_PRONOUNS:
                return self._resolve_pronoun(p, toks, k)
            mention = self.mention_first.get((p, k))
            if mention is not None:
                previous = toks[k - 1].lower if k > start else ""
                if previous not in _PREPOSITIONS:
                    return mention.person
                k = mention.last
            k += 1
        return None

    # -- noun phrases ----------------------------------------------------------------------------

    def _noun_phrase_end(self, p: int, toks: list[Token], i: int) -> int | None:
        """Index of the last token of a subject starting at i (a name, pronoun or description)."""
        n = len(toks)
        if toks[i].lower in SUBJECT_PRONOUNS:
            return i
        mention = self.mention_first.get((p, i))
        if mention is not None:
            end = mention.last
            if end + 1 < n and toks[end + 1].text == ",":  # "Smith, the Democrat, said"
                j = end + 2
                while j < n and j - end < 16 and toks[j].text != ",":
                    j += 1
                if j < n and toks[j].text == "," and j + 1 < n and toks[j + 1].lower in SPEECH_CUES:
                    return j
            return end
        j = i
        while j < n and j - i < 7 and toks[j].kind == "word" and toks[j].lower not in SPEECH_CUES:
            j += 1
        if j > i and j < n and toks[j].kind == "word":
            return j - 1
        return None

    def _noun_phrase_forward(self, p: int, toks: list[Token], i: int) -> int | None:
        """The speaker named after a cue: "said Mr. Smith, the Democrat", "said one official"."""
        mention = self.mention_first.get((p, i))
        if mention is not None:
            return mention.person
        if toks[i].lower in SUBJECT_PRONOUNS:
            return self._resolve_pronoun(p, toks, i)
        j = i
        while j < len(toks) and j - i < 6 and toks[j].kind == "word":
            mention = self.mention_first.get((p, j))
            if mention is not None and toks[j - 1].text != "of":
                return mention.person
            j += 1
        return self._resolve_description(toks[i:j], toks[i].start) if j > i else None

    def _resolve_phrase(self, p: int, toks: list[Token], i: int, end: int) -> int | None:
        mention = self.mention_first.get((p, i))
        if mention is not None:
            return mention.person
        if toks[i].lower in SUBJECT_PRONOUNS:
            return self._resolve_pronoun(p, toks, i)
        return self._resolve_description(toks[i:end + 1], toks[i].start)

    def _resolve_ending_at(self, p: int, toks: list[Token], k: int) -> int | None:
        tok = toks[k]
        if tok.lower in SUBJECT_PRONOUNS:
            return self._resolve_pronoun(p, toks, k)
        mention = self.mention_at.get((p, k))
        if mention is not None:
            return mention.person if mention.person >= 0 else NO_SPEAKER
        j = k
        while j > 0 and k - j < 6 and toks[j - 1].kind == "word" and toks[j - 1].lower not in _PREPOSITIONS \
                and toks[j].lower not in _DETERMINERS:
            j -= 1
        words = toks[j:k + 1]
        if not words or tok.kind != "word":
            return None
        return self._resolve_description(words, tok.start)

    def _resolve_pronoun(self, p: int, toks: list[Token], k: int) -> int:
        gender = PRONOUN_GENDER.get(toks[k].lower)
        if gender is None:  # they, we, I, it: a group, the writer, a thing
            return NO_SPEAKER
        offset = toks[k].start
        for mention in reversed(self.context):
            if mention.start >= offset:
                continue
            cluster_gender = self.people[mention.person].gender
            if cluster_gender in (None, gender):
                return mention.person
        return NO_SPEAKER

    def _resolve_description(self, words: list[Token], offset: int) -> int:
        """ "the senator" -> the last person named before whose role has that word; else nobody."""
        head = bare(words[-1].text).lower()
        if head not in ROLE_NOUNS or head.endswith("s") and head[:-1] in ROLE_NOUNS:
            return NO_SPEAKER
        if words[0].lower not in ("the",) or any(w.is_capitalised and w.lower not in NON_NAME_WORDS for w in words[1:]):
            return NO_SPEAKER
        for mention in reversed(self.context):
            if mention.start >= offset:
                continue
            role = (self.roles.get(mention.person) or "").lower()
            if head in role.split():
                return mention.person
        return NO_SPEAKER


def _index_at(toks: list[Token], offset: int) -> int:
    for i, tok in enumerate(toks):
        if tok.start == offset:
            return i
    return _index_from(toks, offset)


def _index_from(toks: list[Token], offset: int) -> int:
    """Index of the first token at or after `offset`."""
    for i, tok in enumerate(toks):
        if tok.start >= offset:
            return i
    return len(toks)
