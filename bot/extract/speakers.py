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

from collections.abc import Callable, Iterator
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
                 people: list[PersonCluster], roles: dict[int, str | None],
                 in_quote: Callable[[int], bool]):
        self.tokens = paragraphs_tokens
        self.people = people
        self.roles = roles
        self.in_quote = in_quote
        self.mention_at: dict[tuple[int, int], Mention] = {}  # (paragraph, last token) -> mention
        self.mention_first: dict[tuple[int, int], Mention] = {}  # (paragraph, first token) -> mention
        self.context = [m for m in mentions if m.person >= 0 and not m.in_quote]
        self._sentences: dict[int, list[tuple[int, int]]] = {}
        self._pronouns: dict[tuple[int, int], int] = {}

    def index_mention(self, paragraph: int, mention: Mention) -> None:
        self.mention_at[(paragraph, mention.last)] = mention
        self.mention_first[(paragraph, mention.first - (1 if mention.honorific else 0))] = mention
        self.mention_first[(paragraph, mention.first)] = mention

    # -- the quotation's neighbourhood ---------------------------------------------------------

    def attribute(self, quote: QuoteSpan) -> Attribution:
        toks = self.tokens[quote.paragraph]
        open_i = _index_at(toks, quote.open_mark) if quote.open_mark is not None else None
        close_i = _index_at(toks, quote.close_mark) if quote.close_mark is not None else None
        after = None
        if close_i is not None:
            after = self._after(quote.paragraph, toks, close_i + 1)
            if after is not None and after != NO_SPEAKER:
                return Attribution(after, True)
        # “… nomination.” O’Malley’s move was first reported by MSNBC: a closed sentence's
        # "speaker" that is nobody gives way to a cue before the quotation.
        begin = open_i if open_i is not None else _index_from(toks, quote.start)
        found = self._before(quote.paragraph, toks, begin)
        if found is not None and (after is None or found != NO_SPEAKER):
            return Attribution(found, True)
        return Attribution(after, after is not None)

    def _after(self, p: int, toks: list[Token], i: int) -> int | None:
        """The attribution right after the closing mark: `“…,” Mr. Smith said`, `“…,” said Smith`,
        `“…,” State spokesman Mark Toner said`, `“…,” Melanne Verveer, who served …, said`,
        `“…” in the 2008 primary, said Ohio State University professor Paul Beck`."""
        n = len(toks)
        if i < n and toks[i].text == ",":
            i += 1
        if i >= n:
            return None
        if toks[i].lower in SPEECH_CUES:
            if toks[i].lower.endswith("ing"):
                return None  # “…,” claiming that …: the sentence's own subject speaks
            return self._noun_phrase_forward(p, toks, i + 1) if i + 1 < n else None
        if toks[i].lower == "as" and i + 1 < n:  # as he put it
            i += 1
        # A quotation that ends its sentence (“… ASAP.”) may be followed by a new sentence that
        # reports something else: “…” Steve Adler, rVotes' owner, said the campaign had not …
        ended = i > 0 and toks[i - 1].kind == "quote" and i >= 2 and toks[i - 2].text in ".!?"
        mention = self.mention_first.get((p, i))
        if mention is not None and mention.person >= 0 and mention.last + 1 < n \
                and toks[mention.last + 1].text == "," and not ended:
            return mention.person  # “…,” Trump, the 2016 GOP front-runner nationally, said
        cue = self._first_cue(toks, i)
        if cue is None:
            return self._any_verb_after(p, toks, i)
        if ended and not _closes_clause(toks, cue + 1):
            return None
        if toks[cue - 1].text == "," and cue + 1 < n and cue - i <= 10:
            found = self._noun_phrase_forward(p, toks, cue + 1)
            if found is not None and found != NO_SPEAKER:
                return found
        if cue - i > 8 and not self._appositive_between(p, toks, i, cue) \
                and not _is_noun_phrase(toks[i:cue]):
            return None
        return self._subject_of_cue(p, toks, cue)

    def _any_verb_after(self, p: int, toks: list[Token], i: int) -> int | None:
        """`“…,” an angry Hollande retaliated`, `“…,” he groused`: right after a quotation, a person
        followed by any past-tense verb is its speaker, whatever the verb."""
        n = len(toks)
        if toks[i].lower in PRONOUN_GENDER and toks[i].lower in SUBJECT_PRONOUNS:
            end = i
        else:
            j = i
            while j < n and j - i < 3 and toks[j].kind == "word" and (p, j) not in self.mention_first:
                j += 1
            mention = self.mention_first.get((p, j))
            if mention is None or mention.person < 0:
                return None
            end = mention.last
        verb = toks[end + 1] if end + 1 < n else None
        if verb is None or verb.kind != "word" or not verb.text.islower() \
                or not (verb.text.endswith("ed") or verb.text in _IRREGULAR_PAST):
            return None
        return self._resolve_phrase(p, toks, i if end == i else j, end)

    def _first_cue(self, toks: list[Token], i: int, limit: int = 30) -> int | None:
        """The first speech cue from token i on, within the sentence."""
        k = i
        while k < len(toks) and k - i < limit:
            if toks[k].lower in SPEECH_CUES or toks[k].lower == "put" and toks[k - 1].kind == "word":
                return k
            if is_sentence_end(toks, k) and k > i:
                return None
            k += 1
        return None

    def _appositive_between(self, p: int, toks: list[Token], i: int, cue: int) -> bool:
        """Whether toks[i:cue] is a name set off by an appositive: "Melanne Verveer, who …,"."""
        k = i
        while k < cue and k - i <= 8:
            mention = self.mention_first.get((p, k))
            if mention is not None:
                return mention.last + 1 < cue and toks[mention.last + 1].text == "," \
                    and toks[cue - 1].text == ","
            k += 1
        return False

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
            elif depth == 0 and is_sentence_end(toks, k):
                sentence_start = k + 1
                break
            elif depth == 0 and tok.lower in SPEECH_CUES:
                if k == 0 or is_sentence_end(toks, k - 1):  # Said Dorothy Poynter, …, “…”
                    return self._noun_phrase_forward(p, toks, k + 1)
                if k == 0 or toks[k - 1].lower not in ("that", "who", "which"):
                    return self._subject_of_cue(p, toks, k)
                # "Penwell said the world lost a voice that said “…”": the outer cue speaks
            elif depth == 0 and tok.lower == "back" and k >= 1 and toks[k - 1].lower in ("shot", "fired"):
                return self._subject_of_cue(p, toks, k - 1)  # "Hillary shot back, “…”"
            elif depth == 0 and tok.lower == "to" and k >= 1 and toks[k - 1].lower == "according":
                return self._noun_phrase_forward(p, toks, k + 1)
            k -= 1
        if colon:
            return self._sentence_subject(p, toks, sentence_start, begin)
        return None

    def _subject_of_cue(self, p: int, toks: list[Token], cue: int) -> int | None:
        k = cue - 1
        while k >= 0 and (toks[k].lower in CUE_FILLERS or _is_adverb(toks[k])):
            k -= 1
        if k >= 0 and toks[k].lower in ("he", "she") and k >= 1 and (p, k - 1) in self.mention_at:
            k -= 1  # garbled "Mr. Blinken He said": the name is the subject
        coordinated = k >= 0 and toks[k].lower in ("and", "but", "then")  # De Blasio said … and said
        participle = toks[cue].lower.endswith("ing") and k >= 0 \
            and toks[k].lower in (",", "while", "before", "after", "when", "by")  # …, saying “…”
        infinitive = k >= 0 and toks[k].lower == "to"  # "She went on to say:"
        if coordinated or participle or infinitive:
            # "…, saying “…”": the clause's subject is the sentence's — the subject of the verb
            # before it when that is a cue ("Hollande said Tuesday in Paris, noting …").
            start = k
            while start > 0 and not is_sentence_end(toks, start - 1):
                start -= 1
            for earlier in range(k - 1, start - 1, -1):
                if toks[earlier].lower in SPEECH_CUES and not self.in_quote(toks[earlier].start):
                    found = self._subject_of_cue(p, toks, earlier)
                    if found is not None and found != NO_SPEAKER:
                        return found
                    break
            return self._sentence_subject(p, toks, start, k)
        if k >= 2 and toks[k].text == "," and toks[k - 1].text == ")":
            # "Gov. John Kasich (R-OH), said": step over the parenthesis to the name.
            j = k - 1
            while j > 0 and toks[j].text != "(" and k - j < 8:
                j -= 1
            if toks[j].text == "(" and (p, j - 1) in self.mention_at:
                k = j  # now toks[k - 1] ends the name
        if k >= 1 and toks[k].text in ",(" and (p, k - 1) in self.mention_at \
                and self._opens_phrase(p, toks, self.mention_at[(p, k - 1)]):
            k -= 1  # "Germany’s foreign minister, Annalina Berbock, said": the name is the subject
        elif k >= 0 and toks[k].text in ",)":
            # Skip an appositive: "Avril D. Haines, the director of national intelligence, said",
            # "Rep. Zoe Lofgren (D-Calif.), who introduced a bill this month …, said".
            closer = "," if toks[k].text == "," else "("
            j = k - 1
            while j >= 0 and k - j < 32 and toks[j].text != closer and not is_sentence_end(toks, j):
                j -= 1
            if j < 0 or toks[j].text != closer:
                return None
            k = j - 1
            if k >= 2 and toks[k - 1].text == "," and toks[k].kind == "word" and not toks[k].is_capitalised \
                    and (p, k - 2) in self.mention_at:
                k -= 2  # "Sanders, meanwhile, who sits at zero endorsements, said"
            if k >= 0 and toks[k].text == ")":
                while k >= 0 and toks[k].text != "(":
                    k -= 1
                k -= 1
        if k < 0:
            return None
        return self._resolve_ending_at(p, toks, k)

    def _opens_phrase(self, p: int, toks: list[Token], mention: Mention) -> bool:
        """Whether a name starts its phrase ("…, Annalina Berbock, said") rather than ending an
        appositive ("Parker Eaton, a Republican who voted for JFK and Bill Clinton, said")."""
        first = mention.first - (1 if mention.honorific else 0)
        return first == 0 or toks[first - 1].text in ",(—–:" or toks[first - 1].kind == "quote" \
            or is_sentence_end(toks, first - 1) or toks[first - 1].is_capitalised

    def _sentence_subject(self, p: int, toks: list[Token], start: int, end: int) -> int | None:
        """The first person named in the sentence outside a prepositional phrase."""
        k = start
        while k < end:
            tok = toks[k]
            if self.in_quote(tok.start) or tok.kind == "quote":
                k += 1
                continue
            if tok.lower in SUBJECT_PRONOUNS and tok.lower != "it":
                return self._resolve_pronoun(p, toks, k)
            mention = self.mention_first.get((p, k))
            if mention is not None:
                previous = toks[k - 1].lower if k > start else ""
                possessive = toks[mention.last].text.endswith(("’s", "'s"))
                if previous not in _PREPOSITIONS and mention.person >= 0 and not possessive:
                    return mention.person
                k = mention.last
            k += 1
        return None

    # -- noun phrases ----------------------------------------------------------------------------

    def _noun_phrase_forward(self, p: int, toks: list[Token], i: int) -> int | None:
        """The speaker named after a cue: "said Mr. Smith, the Democrat", "said one official"."""
        mention = self.mention_first.get((p, i))
        if mention is not None and mention.person >= 0:
            return mention.person
        if toks[i].lower in SUBJECT_PRONOUNS:
            return self._resolve_pronoun(p, toks, i)
        # "said Clinton spokesman Brian Fallon": the last name before the phrase ends.
        j, found = i, None
        while j < len(toks) and j - i < 8 and toks[j].kind == "word" and toks[j].lower not in ("of", "who"):
            mention = self.mention_first.get((p, j))
            if mention is not None and mention.person >= 0:
                found = mention.person
                j = mention.last
            j += 1
        if found is not None:
            return found
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
        while j > 1 and k - j < 5 and toks[j].kind == "word" and toks[j].is_capitalised:
            j -= 1
        if toks[j].lower == "of" and (p, j - 1) in self.mention_at:  # Joel Pollak of Breitbart California
            return self.mention_at[(p, j - 1)].person
        j = k
        while j > 0 and k - j < 6 and toks[j - 1].kind == "word" and toks[j - 1].lower not in _PREPOSITIONS \
                and toks[j].lower not in _DETERMINERS:
            j -= 1
        words = toks[j:k + 1]
        if not words or tok.kind != "word":
            return None
        return self._resolve_description(words, tok.start)

    def _resolve_pronoun(self, p: int, toks: list[Token], k: int) -> int:
        """he/she: the first fitting subject going back sentence by sentence (a Hobbs-style walk:
        "Trump went after Bush, calling him “a total stiff.” He says …" -> Trump)."""
        gender = PRONOUN_GENDER.get(toks[k].lower)
        if gender is None:  # they, we, I, it: a group, the writer, a thing
            return NO_SPEAKER
        key = (p, k)
        if key not in self._pronouns:
            self._pronouns[key] = NO_SPEAKER  # a chain of pronouns ends here
            for para, start, end in self._sentences_back(p, k):
                found = self._subject_in(para, start, end, gender)
                if found is not None:
                    self._pronouns[key] = found
                    break
        return self._pronouns[key]

    def _sentences_back(self, p: int, k: int, limit: int = 6) -> Iterator[tuple[int, int, int]]:
        """(paragraph, first token, end token) of the sentence holding token k up to k, then of
        the sentences before it, nearest first."""
        count = 0
        for para in range(p, max(-1, p - 4), -1):
            for start, end in reversed(self.sentences(para)):
                if para == p:
                    if start > k:
                        continue
                    end = min(end, k)
                yield para, start, end
                count += not self.in_quote(self.tokens[para][start].start) if start < end else 0
                if count >= limit:
                    return

    def _subject_in(self, p: int, start: int, end: int, gender: str | None) -> int | None:
        """The first person of a sentence that fits `gender` and is not in a prepositional phrase
        or a possessive; failing that, the first that fits."""
        toks = self.tokens[p]
        fallback = None
        i = start
        while i < end:
            tok = toks[i]
            if self.in_quote(tok.start):
                i += 1
                continue
            previous = toks[i - 1].lower if i > 0 else ""
            mention = self.mention_first.get((p, i))
            if mention is not None and mention.first >= i:
                if mention.person >= 0 and (gender is None or self.people[mention.person].gender in (None, gender)):
                    possessive = toks[mention.last].text.endswith(("’s", "'s"))
                    if previous not in _PREPOSITIONS and not possessive:
                        return mention.person
                    fallback = mention.person if fallback is None else fallback
                i = mention.last + 1
                continue
            pronoun = PRONOUN_GENDER.get(tok.lower)
            if pronoun and pronoun == (gender or pronoun) and tok.lower in SUBJECT_PRONOUNS \
                    and previous not in _PREPOSITIONS:
                found = self._resolve_pronoun(p, toks, i)
                if found != NO_SPEAKER:
                    return found
            i += 1
        return fallback

    def sentences(self, p: int) -> list[tuple[int, int]]:
        """Token ranges of the sentences of paragraph p."""
        if p not in self._sentences:
            toks = self.tokens[p]
            ranges, start = [], 0
            for i in range(len(toks)):
                if is_sentence_end(toks, i):
                    ranges.append((start, i + 1))
                    start = i + 1
            if start < len(toks):
                ranges.append((start, len(toks)))
            self._sentences[p] = ranges
        return self._sentences[p]

    # -- quotations without a cue of their own ----------------------------------------------------

    def introduced_by(self, p: int) -> int | None:
        """The speaker a paragraph ending in a colon introduces: "Cruz continued:"."""
        toks = self.tokens[p]
        if not toks or toks[-1].text != ":":
            return None
        return self._before(p, toks, len(toks))

    def last_subject(self, p: int, before: int | None = None) -> int | None:
        """The subject of a paragraph's last sentence ("Valastro praised Christie’s leadership …"),
        or of its last sentence ending before token `before`."""
        sentences = [(s, e) for s, e in self.sentences(p) if before is None or e <= before]
        if not sentences:
            return None
        start, end = sentences[-1]
        return self._subject_in(p, start, end, None)

    def sentence_subject_before(self, p: int, offset: int) -> int | None:
        """The subject of the sentence a quotation stands in, named before it:
        "Trump later called Haley “very weak on immigration.”" """
        toks = self.tokens[p]
        i = _index_at(toks, offset)
        for start, end in self.sentences(p):
            if start <= i < end:
                return self._subject_in(p, start, i, None)
        return None

    def opens_sentence(self, p: int, offset: int) -> int | None:
        """The token index of a quotation's opening mark when it starts a sentence, else None."""
        toks = self.tokens[p]
        i = _index_at(toks, offset)
        return i if i > 0 and is_sentence_end(toks, i - 1) else None

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


_IRREGULAR_PAST = frozenset("shot went spoke took struck hit began fired wrote told".split())


def _is_adverb(tok: Token) -> bool:
    """ "recently", "flatly" — not "Kelly" nor "only"."""
    return tok.kind == "word" and not tok.is_capitalised and tok.text.endswith("ly") \
        and tok.text not in ("only", "family", "rally", "ally", "italy")


def _closes_clause(toks: list[Token], i: int) -> bool:
    """Whether a cue at i - 1 ends its clause ("… ASAP.” Smith said on Monday."), rather than
    opening reported speech of its own ("Smith said the campaign had not …")."""
    k = i
    while k < len(toks) and k - i <= 5:
        if toks[k].text in ",:" and k + 1 < len(toks) and toks[k + 1].kind == "quote":
            return False  # "Mills then writes back, “You look cute.”": the cue opens the next one
        if toks[k].text in ".,;:!?" or toks[k].kind == "quote":
            return True
        if toks[k].lower in ("that", "the", "it", "he", "she", "they", "there", "this"):
            return False
        k += 1
    return True


_NOUN_PHRASE_WORDS = ROLE_NOUNS | {"of", "and", "the", "for", "at", "a", "an"}


def _is_noun_phrase(words: list[Token]) -> bool:
    """ "nuclear experts David Albright and Serena Kelleher-Vergantini of Washington’s Institute" """
    return all(w.kind == "word" and (w.is_capitalised or w.lower in _NOUN_PHRASE_WORDS
                                     or bare(w.text).lower() in ROLE_NOUNS) for w in words)


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
