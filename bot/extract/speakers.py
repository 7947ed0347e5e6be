"""Who said each quotation: the speech cue next to it, the subject of the cue, and what a
pronoun or a description ("the senator") refers to.

Order of evidence, strongest first:
1. a cue right after the closing mark: `“…,” Mr. Blinken said` / `“…,” said Alena Polyakova`;
2. the nearest cue before the quotation in its sentence: `Ms. Haines said Mr. Putin could … “…”`;
3. a colon introducing it: `Mr. Cleverly makes no mention …: “…”` (the sentence's subject);
4. the speaker of the previous quotation in the paragraph, or of the previous paragraph when the
   quotation opens its own paragraph (quotes that run on).

Time is linear in the text: what a rule looks up in a paragraph (token offsets, sentences, the
nearest cue before each token) is computed once per paragraph, every scan from a sentence's start
is remembered and resumed rather than repeated, a cue's subject and a pronoun's referent are worked
out once, and chains of pronouns or participles are followed a bounded number of steps.
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.extract.lexicon import (
    CUE_FILLERS,
    NON_NAME_WORDS,
    PRONOUN_GENDER,
    ROLE_NOUNS,
    SPEECH_CUES,
    SUBJECT_PRONOUNS,
)
from bot.extract.people import Mention, PersonCluster, bare
from bot.extract.quotes import QuoteSpan
from bot.extract.tokens import LOWER, Token, is_sentence_end

_PREPOSITIONS = frozenset("like unlike with to of by for from about against than as on at in into "
                          "toward towards including among between".split())
_DETERMINERS = frozenset("the a an another one some many several two three other most".split())
NO_SPEAKER = -1  # a speaker that is not a named person ("officials", "they")
# Bounds that only hostile text reaches (news never comes near them): pronouns resolved through
# other pronouns, participles through the cue before them, sentences a pronoun looks back over.
_CHAIN = 24
_SENTENCES_LOOKED_AT = 40
_PAREN_REACH = 64


class _Paragraph:
    """What the rules look up in one paragraph, worked out once.

    `before[i]` answers "the nearest cue before token i + 1 in its sentence, skipping earlier
    quotations": (cue token or -1, token that ends the previous sentence or -1), the sentence end
    and the cue being those at the same quotation depth as token i (an even number of quotation
    marks between them and i). `cue_kind[k]`, how the cue at token k introduces a quotation
    (`_cue_kind`), is worked out with `before`."""

    __slots__ = ("toks", "_starts", "sentences", "sentence_of", "in_quote", "_before", "cue_kind",
                 "_earlier_cue", "next_cue")

    def __init__(self, toks: list[Token], in_quote: Callable[[int], bool]):
        self.toks = toks
        self.in_quote = in_quote
        self._starts: list[int] | None = None  # token offsets, listed on the first look-up (`index`)
        sentences: list[tuple[int, int]] = []
        sentence_of: list[int] = []
        start = 0
        for k, tok in enumerate(toks):
            if tok.lower in _ENDS and is_sentence_end(toks, k):
                sentence_of += [len(sentences)] * (k + 1 - start)
                sentences.append((start, k + 1))
                start = k + 1
        if start < len(toks):
            sentence_of += [len(sentences)] * (len(toks) - start)
            sentences.append((start, len(toks)))
        self.sentences = sentences
        self.sentence_of = sentence_of
        self._before: list[tuple[int, int]] | None = None
        self._earlier_cue: list[int] | None = None
        self.next_cue: list[int] | None = None

    @property
    def before(self) -> list[tuple[int, int]]:
        if self._before is None:
            self._walk()
        return self._before

    @property
    def earlier_cue(self) -> list[int]:
        """earlier_cue[i]: the speech cue nearest before token i in its sentence, outside quotations."""
        if self._earlier_cue is None:
            self._walk()
        return self._earlier_cue

    def _walk(self) -> None:
        toks, in_quote = self.toks, self.in_quote
        before: list[tuple[int, int]] = []
        earlier_cue: list[int] = []
        cue_kind: dict[int, str] = {}
        depth = 0  # quotation marks so far, modulo 2
        last_cue, last_end = [-1, -1], [-1, -1]
        cue = -1  # the last cue outside quotations in this sentence
        end_before = True  # whether the token before ends a sentence
        sentence_of, sentences = self.sentence_of, self.sentences
        for k, tok in enumerate(toks):
            earlier_cue.append(cue)
            low = tok.lower
            if tok.kind == "quote":
                depth ^= 1
                ends = False
            elif sentences[sentence_of[k]][1] == k + 1 and low in _ENDS:
                last_end[depth] = k
                ends = True
                cue = -1
            else:
                ends = False
                if low in _CUE_START:
                    kind = _cue_kind(toks, k, end_before)
                    if kind:
                        cue_kind[k] = kind
                        last_cue[depth] = k
                    if low in SPEECH_CUES and not in_quote(tok.start):
                        cue = k
            before.append((last_cue[depth], last_end[depth]))
            end_before = ends
        self._before = before
        self._earlier_cue = earlier_cue
        self.cue_kind = cue_kind

    def find_next_cues(self) -> None:
        """next_cue[i]: the first speech cue (or "put" of "as he put it") at or after token i."""
        toks = self.toks
        following, cue = [-1] * len(toks), -1
        for k in range(len(toks) - 1, -1, -1):
            if toks[k].lower in SPEECH_CUES or toks[k].lower == "put" and toks[k - 1].kind == "word":
                cue = k
            following[k] = cue
        self.next_cue = following

    def index(self, offset: int) -> int:
        """The first token at or after `offset`."""
        if self._starts is None:
            self._starts = [t.start for t in self.toks]
        return bisect_left(self._starts, offset)


_ENDS = frozenset(".!?")
_HE_OR_SHE = frozenset(w for w in SUBJECT_PRONOUNS if w in PRONOUN_GENDER)
# Words before a cue's form that make it a noun: "their stress tests", "the call", "a tweet".
_NOUN_MARKERS = frozenset("the a an their his her its our my your this these those every each".split())
_CUE_START = SPEECH_CUES | {"back", "to"}


def _cue_kind(toks: list[Token], k: int, after_end: bool) -> str | None:
    """How token k introduces a quotation that follows it in its sentence: "forward" when the
    speaker is named after it ("Said Dorothy Poynter, …", "according to Smith"), "subject" when it
    is the cue's subject, "back" for "shot back"; None when it is no cue (or "the voice that said")."""
    tok = toks[k]
    if tok.lower in SPEECH_CUES:
        if k > 0 and toks[k - 1].lower in _NOUN_MARKERS:
            return None  # "their stress tests", "a call for unity": a noun, not a cue
        if after_end:
            return "forward"
        if toks[k - 1].lower not in ("that", "who", "which"):
            return "subject"
        return None
    if tok.lower == "back" and k >= 1 and toks[k - 1].lower in ("shot", "fired"):
        return "back"
    if tok.lower == "to" and k >= 1 and toks[k - 1].lower == "according":
        return "forward"
    return None


@dataclass(slots=True)
class Attribution:
    person: int | None  # cluster index, NO_SPEAKER, or None when no cue was found at all
    cue_found: bool
    evidence: str = ""  # where and how the speaker was found: "after:name", "before:pronoun", …
    cue: tuple[int, int, int] | None = None  # (paragraph, first token, last token) of the cue


class SpeakerFinder:
    """Attributes quotations of one document; built once per document."""

    def __init__(self, paragraphs_tokens: list[list[Token]], mentions: list[Mention], mention_paragraph: list[int],
                 people: list[PersonCluster], roles: dict[int, str | None],
                 in_quote: Callable[[int], bool]):
        """`mention_paragraph`: the paragraph of each of `mentions`."""
        self.tokens = paragraphs_tokens
        self.people = people
        self.roles = roles
        self.in_quote = in_quote
        self.mention_at: dict[tuple[int, int], Mention] = {}  # (paragraph, last token) -> mention
        self.mention_first: dict[tuple[int, int], Mention] = {}  # (paragraph, first token) -> mention
        for paragraph, mention in zip(mention_paragraph, mentions):
            self.mention_at[(paragraph, mention.last)] = mention
            self.mention_first[(paragraph, mention.first)] = mention
            if mention.honorific:
                self.mention_first[(paragraph, mention.first - 1)] = mention
        self._named = set(mention_paragraph)  # paragraphs where a mention starts
        self._subject_words: list[bool | None] = [None] * len(paragraphs_tokens)  # see has_subject_words
        self.context = [m for m in mentions if m.person >= 0 and not m.in_quote]
        self._paragraphs: list[_Paragraph | None] = [None] * len(paragraphs_tokens)  # built when first asked for
        self._pronouns: dict[tuple[int, int], int] = {}
        self._cue_subjects: dict[tuple[int, int], tuple[int | None, str]] = {}
        # Scans from a sentence's start, resumed where they stopped: see _sentence_subject, _subject_in.
        self._first_subjects: dict[tuple[int, int], list] = {}
        self._subjects: dict[tuple[int, int, str | None], list] = {}
        self._roles_index: dict[str, tuple[list[int], list[int]]] | None = None
        self._roles_of: dict[int, set[str]] = {}
        self._fitting: dict[tuple, int | None] = {}
        self._depth = 0  # pronouns and participles being followed through one another
        # How the last speaker found was named: "name", "pronoun", "description" or "subject".
        self.basis = ""
        self.cue: tuple[int, int, int] | None = None  # the cue the last attribution rests on

    def has_subject_words(self, p: int) -> bool:
        """Whether paragraph p has a name or a "he" or "she" (or "he’d", …): without one, no
        sentence of it has a subject to give."""
        known = self._subject_words[p]
        if known is None:
            known = self._subject_words[p] = p in self._named or not _HE_OR_SHE.isdisjoint(map(LOWER, self.tokens[p]))
        return known

    def opens_paragraph(self, p: int, offset: int) -> bool:
        """Whether no token of paragraph p starts before `offset` (a quotation's opening mark there)."""
        return offset <= self.tokens[p][0].start

    def paragraph(self, p: int) -> _Paragraph:
        para = self._paragraphs[p]
        if para is None:
            para = self._paragraphs[p] = _Paragraph(self.tokens[p], self.in_quote)
        return para

    # -- reported speech (bot.extract.reported) ------------------------------------------------

    def source_of_cue(self, p: int, cue: int) -> tuple[int | None, str]:
        """Who the verb at token `cue` reports ("Haines said …"), and how that was found."""
        self.basis = ""
        person = self._subject_of_cue(p, self.tokens[p], cue)
        return person, self.basis

    def source_after(self, p: int, i: int) -> int | None:
        """The source named from token i on: "according to [a statement from Sen. X]"."""
        toks = self.tokens[p]
        return self._noun_phrase_forward(p, toks, i) if i < len(toks) else None

    def opens_subject(self, p: int, i: int) -> bool:
        """Whether token i begins a speaker's phrase: a name, a pronoun or a description."""
        toks = self.tokens[p]
        if i >= len(toks):
            return False
        return (p, i) in self.mention_first or toks[i].lower in SUBJECT_PRONOUNS \
            or toks[i].lower in _DETERMINERS or toks[i].lower in ("his", "her", "their", "officials")

    # -- the quotation's neighbourhood ---------------------------------------------------------

    def attribute(self, quote: QuoteSpan) -> Attribution:
        if quote.open_mark is not None and self.opens_paragraph(quote.paragraph, quote.open_mark) \
                and (quote.close_mark is None or quote.close_mark >= self.tokens[quote.paragraph][-1].start):
            # The quotation is all its paragraph: no cue before or after it there, found without
            # working out the paragraph's sentences (a text of one-line quotations has thousands).
            self.basis, self.cue = "", None
            return Attribution(None, False)
        para = self.paragraph(quote.paragraph)
        toks = para.toks
        open_i = para.index(quote.open_mark) if quote.open_mark is not None else None
        close_i = para.index(quote.close_mark) if quote.close_mark is not None else None
        after = None
        after_basis = ""
        # “a campaign of lies” in "Ana Ruiz accused Tom Hale of running “a campaign of lies” while
        # Hale said …": a quotation inside its clause's syntax belongs to that clause's cue first.
        embedded = open_i is not None and open_i > 0 and toks[open_i - 1].kind in ("word", "num") \
            and toks[open_i - 1].lower not in SPEECH_CUES
        p = quote.paragraph
        if embedded:
            self.basis, self.cue = "", None
            found = self._before(p, toks, open_i)
            if found is not None and found != NO_SPEAKER:
                return Attribution(found, True, "before:" + self.basis, self.cue)
        after_cue = None
        if close_i is not None:
            self.basis, self.cue = "", None
            after = self._after(p, toks, close_i + 1)
            after_basis, after_cue = self.basis, self.cue
            if after is not None and after != NO_SPEAKER:
                return Attribution(after, True, "after:" + after_basis, after_cue)
        # “… nomination.” O’Malley’s move was first reported by MSNBC: a closed sentence's
        # "speaker" that is nobody gives way to a cue before the quotation.
        begin = open_i if open_i is not None else para.index(quote.start)
        self.basis, self.cue = "", None
        found = self._before(p, toks, begin)
        if found is not None and (after is None or found != NO_SPEAKER):
            colon = begin > 0 and toks[begin - 1].text == ":" and para.before[begin - 1][0] <= para.before[begin - 1][1]
            return Attribution(found, True, ("colon:" if colon else "before:") + self.basis, self.cue)
        return Attribution(after, after is not None, "after:" + after_basis if after is not None else "", after_cue)

    def _after(self, p: int, toks: list[Token], i: int) -> int | None:
        """The attribution right after the closing mark: `“…,” Mr. Smith said`, `“…,” said Smith`,
        `“…,” State spokesman Mark Toner said`, `“…,” Melanne Verveer, who served …, said`,
        `“…” in the 2008 primary, said Ohio State University professor Paul Beck`."""
        n = len(toks)
        if i < n and toks[i].text == ",":
            i += 1
        if i >= n:
            return None
        if toks[i].text in _DASHES and i + 1 < n:
            # “The taxes are too high.” ― Lena Okafor, nurse  (lists of voters' or readers' words)
            mention = self.mention_first.get((p, i + 1))
            if mention is not None and mention.person >= 0:
                self.basis = "name"
                return mention.person
            return None
        if toks[i].lower == "according" and i + 2 < n and toks[i + 1].lower == "to":
            self.cue = (p, i, i + 1)
            return self._noun_phrase_forward(p, toks, i + 2)  # “…,” according to a statement from Sen. X
        if toks[i].lower in SPEECH_CUES:
            if toks[i].lower.endswith("ing"):
                return None  # “…,” claiming that …: the sentence's own subject speaks
            self.cue = (p, i, i)
            return self._noun_phrase_forward(p, toks, i + 1) if i + 1 < n else None
        if toks[i].lower == "as" and i + 1 < n:  # as he put it
            i += 1
        # A quotation that ends its sentence (“… ASAP.”) may be followed by a new sentence that
        # reports something else: “…” Steve Adler, rVotes' owner, said the campaign had not …
        ended = i > 0 and toks[i - 1].kind == "quote" and i >= 2 and toks[i - 2].text in ".!?"
        mention = self.mention_first.get((p, i))
        cue = self._first_cue(p, i)
        if mention is not None and mention.person >= 0 and mention.last + 1 < n \
                and toks[mention.last + 1].text == "," and not ended \
                and cue is not None and toks[cue - 1].text == "," and cue > mention.last + 1:
            self.basis, self.cue = "name", (p, cue, cue)
            return mention.person  # “…,” Trump, the 2016 GOP front-runner nationally, said
        if cue is None:
            return None if ended else self._any_verb_after(p, toks, i)
        if ended and not _closes_clause(toks, cue + 1):
            return None
        self.cue = (p, cue, cue)
        if toks[cue - 1].text == "," and cue + 1 < n and cue - i <= 10 and toks[cue].lower not in _ADDRESSEE_CUES:
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
        self.cue = (p, end + 1, end + 1)
        return self._resolve_phrase(p, toks, i if end == i else j, end)

    def _first_cue(self, p: int, i: int, limit: int = 30) -> int | None:
        """The first speech cue from token i on, within the sentence."""
        para = self.paragraph(p)
        if para.next_cue is None:
            para.find_next_cues()
        cue = para.next_cue[i] if i < len(para.toks) else -1
        if cue < 0 or cue - i >= limit:
            return None
        # A sentence end before the cue keeps it away; one at token i itself does not count.
        number = para.sentence_of[i]
        end = para.sentences[number][1] - 1
        if end == i and number + 1 < len(para.sentences):
            end = para.sentences[number + 1][1] - 1
        return cue if cue <= end else None

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
        if begin <= 0:
            return None
        para = self.paragraph(p)
        cue, end = para.before[begin - 1]
        if cue > end:
            kind = para.cue_kind[cue]
            two_words = toks[cue].lower in ("to", "back")  # "according to", "shot back"
            self.cue = (p, cue - 1 if two_words else cue, cue)
            if kind == "forward":  # Said Dorothy Poynter, …, “…” / according to Smith, “…”
                return self._noun_phrase_forward(p, toks, cue + 1)
            # "Penwell said the world lost a voice that said “…”": the outer cue speaks
            return self._subject_of_cue(p, toks, cue if kind == "subject" else cue - 1)  # "Hillary shot back, “…”"
        if toks[begin - 1].text == ":":
            self.cue = (p, begin - 1, begin - 1)
            return self._sentence_subject(p, toks, end + 1, begin)
        return None

    def _subject_of_cue(self, p: int, toks: list[Token], cue: int) -> int | None:
        key = (p, cue)
        if key not in self._cue_subjects:
            if self._depth >= _CHAIN:
                return None
            self._depth += 1
            try:
                self.basis = ""
                person = self._find_subject_of_cue(p, toks, cue)
                self._cue_subjects[key] = (person, self.basis)
            finally:
                self._depth -= 1
        person, self.basis = self._cue_subjects[key]
        return person

    def _find_subject_of_cue(self, p: int, toks: list[Token], cue: int) -> int | None:
        k = cue - 1
        while k >= 0 and (toks[k].lower in CUE_FILLERS or _is_adverb(toks[k])):
            k -= 1
        # "Hillary Clinton on Tuesday said that …", "Trump at the time said …"
        j = k
        while j >= 0 and k - j < 4 and (toks[j].lower in _WHEN or toks[j].kind == "num"):
            j -= 1
        if j < k and (p, j) in self.mention_at:
            k = j
        if _is_passive(toks, k + 1, cue):
            # "Governor Grant was asked by the moderator, Jan Pohl, “…”": the asker speaks, not the
            # subject; without "by …" nobody named does.
            by = cue + 1
            if by + 1 < len(toks) and toks[by].lower == "by":
                return self._noun_phrase_forward(p, toks, by + 1)
            self.basis = "passive"
            return NO_SPEAKER
        if k >= 0 and toks[k].lower in ("he", "she") and k >= 1 and (p, k - 1) in self.mention_at:
            k -= 1  # garbled "Mr. Blinken He said": the name is the subject
        coordinated = k >= 0 and toks[k].lower in ("and", "but", "then")  # De Blasio said … and said
        participle = toks[cue].lower.endswith("ing") and k >= 0 \
            and toks[k].lower in (",", "while", "before", "after", "when", "by")  # …, saying “…”
        infinitive = k >= 0 and toks[k].lower == "to"  # "She went on to say:"
        if coordinated or participle or infinitive:
            # "…, saying “…”": the clause's subject is the sentence's — the subject of the verb
            # before it when that is a cue ("Hollande said Tuesday in Paris, noting …").
            para = self.paragraph(p)
            start = para.sentences[para.sentence_of[k]][0]
            earlier = para.earlier_cue[k]
            if earlier >= 0:
                found = self._subject_of_cue(p, toks, earlier)
                if found is not None and found != NO_SPEAKER:
                    return found
            return self._sentence_subject(p, toks, start, k)
        if k >= 2 and toks[k].text == "," and toks[k - 1].text == ")":
            # "Gov. John Kasich (R-OH), said": step over the parenthesis to the name.
            j = k - 1
            while j > 0 and toks[j].text != "(" and k - j < 8:
                j -= 1
            if toks[j].text == "(" and (p, j - 1) in self.mention_at:
                k = j  # now toks[k - 1] ends the name
        if k >= 1 and toks[k].text in ",(" and (p, k - 1) in self.mention_at \
                and self.mention_at[(p, k - 1)].person >= 0 \
                and self._opens_phrase(p, toks, self.mention_at[(p, k - 1)]):
            k -= 1  # "Germany’s foreign minister, Annalina Berbock, said": the name is the subject
        elif k >= 0 and toks[k].text in ",)":
            # Skip an appositive: "Avril D. Haines, the director of national intelligence, said",
            # "Henri Castel, the foreign minister of France, a permanent member of …, said",
            # "Rep. Zoe Lofgren (D-Calif.), who introduced a bill this month …, said".
            found = self._appositive_subject(p, toks, k)
            if found is not None:
                self.basis = "name"
                return found
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
                close = k
                while k >= 0 and toks[k].text != "(" and close - k < _PAREN_REACH:
                    k -= 1
                k = k - 1 if k >= 0 and toks[k].text == "(" else -1
        if k < 0:
            return None
        return self._resolve_ending_at(p, toks, k)

    def _appositive_subject(self, p: int, toks: list[Token], k: int) -> int | None:
        """The person a run of appositives before token k (the comma before a cue) describes: the
        nearest name, set off by a comma, a parenthesis or "of …", that opens its clause."""
        para = self.paragraph(p)
        j = k - 1
        while j >= 0 and k - j <= _APPOSITIVE_REACH:
            tok = toks[j]
            relative = tok.lower in SPEECH_CUES and any(t.lower in ("who", "which") for t in toks[max(0, j - 3):j])
            if tok.kind == "quote" or tok.lower in SPEECH_CUES and not relative \
                    or para.sentences[para.sentence_of[j]][1] == j + 1 and tok.text in ".!?":
                return None  # (a cue inside "who described himself as …" is the appositive's)
            mention = self.mention_at.get((p, j))
            if mention is None:
                j -= 1
                continue
            follows = toks[mention.last + 1]
            if mention.person >= 0 and (follows.text in ",(" or follows.lower in ("of", "from", "at")):
                first = para.index(mention.title_start) if mention.title_start is not None \
                    else mention.first - (1 if mention.honorific else 0)
                if first == 0 or _opens_clause(toks, first - 1, para):
                    return mention.person
            j = mention.first - 1
        return None

    def _opens_phrase(self, p: int, toks: list[Token], mention: Mention) -> bool:
        """Whether a name starts its phrase ("…, Annalina Berbock, said") rather than ending an
        appositive ("Parker Eaton, a Republican who voted for JFK and Bill Clinton, said")."""
        first = mention.first - (1 if mention.honorific else 0)
        return first == 0 or toks[first - 1].text in ",(—–:" or toks[first - 1].kind == "quote" \
            or is_sentence_end(toks, first - 1) or toks[first - 1].is_capitalised

    def _sentence_subject(self, p: int, toks: list[Token], start: int, end: int) -> int | None:
        """The first person named in the sentence outside a prepositional phrase."""
        state = self._first_subjects.get((p, start))
        if state is None:
            state = self._first_subjects[(p, start)] = [start, None]  # [next token to look at, found]
        k, found = state
        while found is None and k < end:
            tok = toks[k]
            if self.in_quote(tok.start) or tok.kind == "quote":
                k += 1
                continue
            if tok.lower in SUBJECT_PRONOUNS and tok.lower != "it":
                found = (k, None)
                break
            mention = self.mention_first.get((p, k))
            if mention is not None:
                previous = toks[k - 1].lower if k > start else ""
                possessive = toks[mention.last].text.endswith(("’s", "'s"))
                if previous not in _PREPOSITIONS and mention.person >= 0 and not possessive:
                    found = (k, mention.person)
                    break
                k = mention.last
            k += 1
        state[0], state[1] = k, found
        if found is None or found[0] >= end:
            return None
        if found[1] is not None:
            self.basis = "subject"
            return found[1]
        return self._resolve_pronoun(p, toks, found[0])

    # -- noun phrases ----------------------------------------------------------------------------

    def _noun_phrase_forward(self, p: int, toks: list[Token], i: int) -> int | None:
        """The speaker named after a cue: "said Mr. Smith, the Democrat", "said one official"."""
        mention = self.mention_first.get((p, i))
        if mention is not None and mention.person >= 0:
            self.basis = "name"
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
            self.basis = "name"
            return found
        if j > i and j + 1 < len(toks) and toks[j].text == ",":
            mention = self.mention_first.get((p, j + 1))  # "by the moderator, Jan Pohl,"
            if mention is not None and mention.person >= 0 and j - i <= 5 \
                    and (toks[i].lower in _DETERMINERS or toks[i].lower in ("his", "her", "their")):
                self.basis = "name"
                return mention.person
        return self._resolve_description(p, i, j) if j > i else None

    def _resolve_phrase(self, p: int, toks: list[Token], i: int, end: int) -> int | None:
        mention = self.mention_first.get((p, i))
        if mention is not None:
            self.basis = "name"
            return mention.person
        if toks[i].lower in SUBJECT_PRONOUNS:
            return self._resolve_pronoun(p, toks, i)
        return self._resolve_description(p, i, end + 1)

    def _resolve_ending_at(self, p: int, toks: list[Token], k: int) -> int | None:
        tok = toks[k]
        if tok.lower in SUBJECT_PRONOUNS:
            return self._resolve_pronoun(p, toks, k)
        mention = self.mention_at.get((p, k))
        if mention is not None:
            self.basis = "name"
            first = mention.first - (1 if mention.honorific else 0)
            if mention.title_start is not None:
                first = self.paragraph(p).index(mention.title_start)
            if first > 0 and toks[first - 1].lower in _PREPOSITIONS and toks[first - 1].lower not in ("like", "as"):
                # "a commission appointed by President George W. Bush estimated …": Bush is no subject
                return NO_SPEAKER
            return mention.person if mention.person >= 0 else NO_SPEAKER
        # "Joel Pollak of Breitbart California said", "Mr. Oskar Brandt of the Sierra Club said"
        j = k
        while j > 1 and k - j < 8 and toks[j].kind == "word" and (toks[j].is_capitalised or toks[j].lower in ("the", "of")):
            if toks[j].lower == "of" and (p, j - 1) in self.mention_at and self.mention_at[(p, j - 1)].person >= 0:
                self.basis = "name"
                return self.mention_at[(p, j - 1)].person
            j -= 1
        j = k
        while j > 0 and k - j < 6 and toks[j - 1].kind == "word" and toks[j - 1].lower not in _PREPOSITIONS \
                and toks[j].lower not in _DETERMINERS:
            j -= 1
        words = toks[j:k + 1]
        if not words or tok.kind != "word":
            return None
        return self._resolve_description(p, j, k + 1)

    def _resolve_pronoun(self, p: int, toks: list[Token], k: int) -> int:
        """he/she: the first fitting subject going back sentence by sentence (a Hobbs-style walk:
        "Trump went after Bush, calling him “a total stiff.” He says …" -> Trump)."""
        gender = PRONOUN_GENDER.get(toks[k].lower)
        if gender is None:  # they, we, I, it: a group, the writer, a thing
            self.basis = "group"
            return NO_SPEAKER
        key = (p, k)
        if key not in self._pronouns:
            if self._depth >= _CHAIN:
                return NO_SPEAKER  # a pronoun that refers to a pronoun that refers to … (hostile text)
            self._pronouns[key] = NO_SPEAKER  # a chain of pronouns ends here
            self._depth += 1
            try:
                for para, start, end in self._sentences_back(p, k):
                    found = self._subject_in(para, start, end, gender)
                    if found is not None:
                        self._pronouns[key] = found
                        break
            finally:
                self._depth -= 1
        self.basis = "pronoun"
        return self._pronouns[key]

    def _sentences_back(self, p: int, k: int, limit: int = 6) -> Iterator[tuple[int, int, int]]:
        """(paragraph, first token, end token) of the sentence holding token k up to k, then of
        the sentences before it, nearest first. Those that name nobody are counted but not given:
        an empty one (token k opening its sentence) and those of a paragraph with no name and no
        "he" or "she" (has_subject_words); neither _subject_in nor _first_fitting finds anyone
        there (no mention starts in such a paragraph)."""
        count = looked_at = 0
        for para in range(p, max(-1, p - 4), -1):
            info = self.paragraph(para)
            named = self.has_subject_words(para)
            last = info.sentence_of[k] if para == p else len(info.sentences) - 1
            for number in range(last, -1, -1):
                start, end = info.sentences[number]
                if para == p:
                    end = min(end, k)
                if named and start < end:
                    yield para, start, end
                count += not self.in_quote(info.toks[start].start) if start < end else 0
                looked_at += 1
                if count >= limit or looked_at >= _SENTENCES_LOOKED_AT:
                    return

    def _subject_in(self, p: int, start: int, end: int, gender: str | None) -> int | None:
        """The first person of a sentence that fits `gender` and is not in a prepositional phrase
        or a possessive; failing that, the first that fits. Token `start` opens a sentence; the
        scan of that sentence is kept and resumed for a later `end`."""
        if end <= start:
            return None  # nothing before a sentence's first token (a pronoun opening it looks back from there)
        if not self.has_subject_words(p):
            return None
        toks = self.tokens[p]
        state = self._subjects.get((p, start, gender))
        if state is None:  # [next token to look at, (token, person) found, (token, person) fallback]
            state = self._subjects[(p, start, gender)] = [start, None, None]
        i = state[0]
        while state[1] is None and i < end:
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
                        state[1] = (i, mention.person)
                        break
                    if state[2] is None:
                        state[2] = (i, mention.person)
                i = mention.last + 1
                continue
            pronoun = PRONOUN_GENDER.get(tok.lower)
            if pronoun and pronoun == (gender or pronoun) and tok.lower in SUBJECT_PRONOUNS \
                    and previous not in _PREPOSITIONS:
                state[0] = i  # a pronoun resolved through this very sentence sees it scanned up to here
                found = self._resolve_pronoun(p, toks, i)
                if found != NO_SPEAKER:
                    state[1] = (i, found)
                    break
            i += 1
        if state[1] is None:
            state[0] = max(state[0], i)
        found, fallback = state[1], state[2]
        if found is not None and found[0] < end:
            return found[1]
        return fallback[1] if fallback is not None and fallback[0] < end else None

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
        if not self.has_subject_words(p):
            return None
        para = self.paragraph(p)
        if not para.sentences:
            return None
        if before is None:
            number = len(para.sentences) - 1
        else:
            if before <= 0:
                return None
            number = para.sentence_of[min(before, len(para.toks)) - 1]
            if para.sentences[number][1] > before:
                number -= 1
            if number < 0:
                return None
        start, end = para.sentences[number]
        return self._subject_in(p, start, end, None)

    def sentence_subject_before(self, p: int, offset: int) -> int | None:
        """The subject of the sentence a quotation stands in, named before it:
        "Trump later called Haley “very weak on immigration.”" """
        if self.opens_paragraph(p, offset):
            return None  # nothing before it
        para = self.paragraph(p)
        i = para.index(offset)
        if i >= len(para.toks):
            return None
        start, _ = para.sentences[para.sentence_of[i]]
        toks = para.toks
        # "… a damning reaction from President Barack Obama, who called the nominee “unfit to
        # serve”": the relative clause nearest the quotation is whose words they are.
        for k in range(i - 1, max(start, i - _RELATIVE_REACH) - 1, -1):
            if toks[k].lower == "who" and k >= 2 and toks[k - 1].text == "," and (p, k - 2) in self.mention_at:
                person = self.mention_at[(p, k - 2)].person
                return person if person >= 0 else None
            if toks[k].kind == "quote" or toks[k].lower in ("who", "which"):
                break
        return self._subject_in(p, start, i, None)

    def opens_sentence(self, p: int, offset: int) -> int | None:
        """The token index of a quotation's opening mark when it starts a sentence, else None."""
        para = self.paragraph(p)
        i = para.index(offset)
        return i if i > 0 and is_sentence_end(para.toks, i - 1) else None

    def _resolve_description(self, p: int, i: int, j: int) -> int:
        """ "the senator" (tokens i to j): the person it stands for, read like a pronoun whose
        gender is a role: the first subject of a sentence going back whose roles fit ("Cruz defends
        … “…,” the senator says"), else the last person named within a few paragraphs whose roles
        fit, else one named with such a role in the next sentence ("“…,” the senator said. Senator
        Paul Whitcombe has …"); nobody when none fits."""
        self.basis = "description"
        toks = self.tokens[p]
        words = toks[i:j]
        head = bare(words[-1].text).lower()
        if head not in ROLE_NOUNS or head.endswith("s") and head[:-1] in ROLE_NOUNS:
            return NO_SPEAKER
        if words[0].lower not in ("the",) or any(w.is_capitalised and w.lower not in NON_NAME_WORDS for w in words[1:]):
            return NO_SPEAKER
        wanted = {w.lower for w in words[1:-1]}

        def fits(person: int) -> bool:
            roles = self._role_words(person)
            return head in roles and not (_RANKS & (roles ^ wanted)) and ("former" not in wanted or "former" in roles)

        role = (head, frozenset(wanted))
        for para, start, end in self._sentences_back(p, i, limit=3):
            found = self._first_fitting(para, start, min(end, start + _DESCRIPTION_REACH), fits, role)
            if found is not None:
                return found
        offset = toks[i].start
        if self._roles_index is None:
            # role word -> (offsets, people) of the mentions of people with that role word, in order
            self._roles_index = {}
            for mention in self.context:
                for word in self._role_words(mention.person):
                    starts, people = self._roles_index.setdefault(word, ([], []))
                    starts.append(mention.start)
                    people.append(mention.person)
        starts, people = self._roles_index.get(head, ((), ()))
        k = bisect_left(starts, offset) - 1
        while k >= 0 and offset - starts[k] <= _DESCRIPTION_BACK:
            if fits(people[k]):
                return people[k]
            k -= 1
        para = self.paragraph(p)
        number = para.sentence_of[j - 1] + 1
        after = (p, *para.sentences[number]) if number < len(para.sentences) else None
        if after is None and p + 1 < len(self.tokens) and self.paragraph(p + 1).sentences:
            after = (p + 1, *self.paragraph(p + 1).sentences[0])
        if after is not None:
            found = self._first_fitting(after[0], after[1], min(after[2], after[1] + _DESCRIPTION_REACH), fits, role)
            if found is not None:
                return found
        return NO_SPEAKER

    def _first_fitting(self, p: int, start: int, end: int, fits, role) -> int | None:
        """The first person named from token start to end, outside quotations, prepositional phrases
        and possessives, for whom fits(person) (remembered by `role`, what fits() checks)."""
        key = (p, start, end, role)
        if key not in self._fitting:
            self._fitting[key] = self._find_fitting(p, start, end, fits)
        return self._fitting[key]

    def _find_fitting(self, p: int, start: int, end: int, fits) -> int | None:
        toks = self.tokens[p]
        k = start
        while k < end:
            mention = self.mention_first.get((p, k))
            if mention is None or self.in_quote(toks[k].start):
                k += 1
                continue
            previous = toks[k - 1].lower if k > 0 else ""
            possessive = toks[mention.last].text.endswith(("’s", "'s"))
            if mention.person >= 0 and previous not in _PREPOSITIONS and not possessive and fits(mention.person):
                return mention.person
            k = mention.last + 1
        return None

    def _role_words(self, person: int) -> set[str]:
        """Every word of the titles and appositives a person is given: {"senator", "florida", …}."""
        if person not in self._roles_of:
            words: set[str] = set()
            for mention in self.people[person].mentions:
                for phrase in (mention.title, mention.appositive):
                    if phrase:
                        words.update(bare(w).lower() for w in phrase.split())
            self._roles_of[person] = words
        return self._roles_of[person]


_DASHES = frozenset("—―–-")
# Words of a role that change who it is: "the president" is not the vice president.
_RANKS = frozenset("vice deputy assistant associate lieutenant".split())
_DESCRIPTION_REACH = 60  # tokens of a sentence looked at for the person a description stands for
_DESCRIPTION_BACK = 3000  # characters back to the last person with the description's role
_APPOSITIVE_REACH = 40
_RELATIVE_REACH = 25  # tokens from a quotation back to the "who" whose clause holds it  # tokens between a name and the comma before its cue: "X, the …, a …, said"
_BE = frozenset("was were is are been being be".split())
_WHEN = frozenset("monday tuesday wednesday thursday friday saturday sunday week weekend month year "
                  "morning afternoon evening night today yesterday tonight on at in last this early late "
                  "the time earlier later".split())
_CLAUSE_WORDS = frozenset("and but while as when because after before since although though that where so "
                          "then yet also".split())


def _opens_clause(toks: list[Token], i: int, para: "_Paragraph") -> bool:
    """Whether token i ends what comes before a clause: a sentence, a quotation, punctuation that
    opens a phrase, or a conjunction ("…, and Mayor Ann Lutz, who …, said")."""
    tok = toks[i]
    return tok.kind == "quote" or tok.text in ",:;—–(" or tok.lower in _CLAUSE_WORDS \
        or para.sentences[para.sentence_of[i]][1] == i + 1 and tok.text in ".!?"


def _is_passive(toks: list[Token], first: int, cue: int) -> bool:
    """Whether the cue at `cue` is a passive participle ("was asked", "were told"); the words from
    `first` to it are the fillers before it. "He was quoted as saying" is not: he said it."""
    word = toks[cue].lower
    if not (word.endswith("ed") or word in ("told", "written")):
        return False
    if cue + 1 < len(toks) and toks[cue + 1].lower == "as":
        return False
    fillers = [t.lower for t in toks[first:cue] if not _is_adverb(t)]
    return bool(fillers) and fillers[-1] in _BE
# Cues whose object is the one spoken to, never the speaker: “…,” X, Democrat of Ohio, told Mr. Obama.
_ADDRESSEE_CUES = frozenset("told tell tells telling asked asking urged thanked accused praised".split())
_IRREGULAR_PAST = frozenset("shot went spoke took struck hit began fired wrote told".split())


def _is_adverb(tok: Token) -> bool:
    """ "recently", "flatly" — not "Kelly" nor "only"."""
    return tok.kind == "word" and not tok.is_capitalised and tok.text.endswith("ly") \
        and tok.text not in ("only", "family", "rally", "ally", "italy")


def _closes_clause(toks: list[Token], i: int) -> bool:
    """Whether a cue at i - 1 ends its clause ("… ASAP.” Smith said on Monday in an interview."),
    rather than opening something of its own ("Smith said the campaign had not …", "Stone wrote a
    letter to the attorney general", "Sanders called Trump a “liar.”"). Unsure is no."""
    k = i
    while k < len(toks) and k - i <= 12:
        tok = toks[k]
        if tok.text in ",:" and k + 1 < len(toks) and toks[k + 1].kind == "quote":
            return False  # "Mills then writes back, “You look cute.”": the cue opens the next one
        if tok.text in ".,;:!?":
            return True
        if tok.kind == "quote":
            return False
        if tok.lower in _CLAUSE_OPENERS or k == i and tok.lower in ("the", "a", "an", "his", "her", "their"):
            return False
        k += 1
    return False


_CLAUSE_OPENERS = frozenset("that it he she they there this we i was is were are would will had has have "
                            "could should can may might".split())
_NOUN_PHRASE_WORDS = ROLE_NOUNS | {"of", "and", "the", "for", "at", "a", "an"}


def _is_noun_phrase(words: list[Token]) -> bool:
    """ "nuclear experts David Albright and Serena Kelleher-Vergantini of Washington’s Institute" """
    return all(w.kind == "word" and (w.is_capitalised or w.lower in _NOUN_PHRASE_WORDS
                                     or bare(w.text).lower() in ROLE_NOUNS) for w in words)
