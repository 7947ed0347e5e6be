"""Finding the people of a text: name mentions, who they are (role), and which mentions are one person.

A capitalised run of words is a person's name only with evidence: an honorific or title before it
("Mr. Blinken", "Foreign Minister Chen Gang"), a known first name ("Avril D. Haines"), a role in
apposition ("Wang Yi, China's chief foreign policy official") or a speaking part ("…," said Smith).
Places and organisations ("White House", "Black Sea Fleet") end in words no name ends in.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Container
from dataclasses import dataclass, field

from bot.extract.lexicon import (
    HONORIFICS,
    NON_NAME_WORDS,
    ORG_WORDS,
    PLACES,
    ROLE_NOUNS,
    SPEECH_CUES,
    TITLE_WORDS,
    given_names,
)
from bot.extract.tokens import Token, is_sentence_end

_INITIALS = re.compile(r"(?:[A-Z]\.){1,3}")
_APPOSITIVE_REACH = 45  # tokens from a name to the cue its appositives lead to: "X, the …, a …, said"
PARTICLES = frozenset({"de", "van", "von", "bin", "al", "da", "di", "del", "la", "le", "du", "dos",
                       "der", "den", "ibn", "el", "ter", "st."})
SUFFIXES = frozenset({"jr.", "sr.", "jr", "sr", "ii", "iii", "iv"})
# Lower-case words that may stand inside a title before a name: "former Secretary of State".
TITLE_MODIFIERS = frozenset("""
former then acting deputy vice assistant associate senior top chief foreign national security
presidential state interior defense defence finance economy prime first lady general attorney
district supreme federal chief executive communications press campaign minority majority house
senate whip white of for the and on to
""".split())
HONORIFIC_ROLES = {"sen.": "Senator", "sens.": "Senator", "rep.": "Representative",
                   "reps.": "Representative", "gov.": "Governor", "gen.": "General",
                   "lt.": "Lieutenant", "col.": "Colonel", "adm.": "Admiral", "sgt.": "Sergeant",
                   "capt.": "Captain", "maj.": "Major", "prof.": "Professor", "rev.": "Reverend",
                   "atty.": "Attorney", "dr.": "Doctor", "dr": "Doctor"}
_POSSESSIVE = ("’s", "'s", "’", "'")
_CONTRACTIONS = tuple(f"{mark}{end}" for mark in "’'" for end in ("ve", "ll", "re", "d", "m", "t"))


def bare(word: str) -> str:
    """A word without a possessive ending: "Putin’s" -> "Putin"."""
    if word[-1] not in "s’'":
        return word
    for ending in _POSSESSIVE:
        if word.endswith(ending) and len(word) > len(ending) + 1:
            return word[: -len(ending)]
    return word


def is_initial(tok: Token) -> bool:
    return tok.kind == "word" and (len(tok.text) == 1 and tok.text.isupper()
                                   or len(tok.text) == 2 and tok.text[0].isupper() and tok.text[1] == ".")


class _Answers(dict):
    """`question`'s answers for the texts asked about, each worked out once: a hit is a dict look-up
    (no call). Texts of more than 32 characters (hostile text) are not kept, and all are forgotten
    once 65,536 are kept, so that a process reading text for months stays small."""

    def __init__(self, question: Callable[[str], bool]):
        super().__init__()
        self.question = question

    def __missing__(self, text: str) -> bool:
        answer = self.question(text)
        if len(text) <= 32:
            if len(self) >= 1 << 16:
                self.clear()
            self[text] = answer
        return answer


def is_name_word(tok: Token) -> bool:
    """A capitalised word that can be part of a person's name."""
    return tok.is_capitalised and _name_texts[tok.text]


def is_word_surname(tok: Token) -> bool:
    """A capitalised word that is a common word or a place and also a surname: "Park", "Church",
    "London", "Israel" — a name's last word after a first name or an honorific, never alone."""
    if not tok.is_capitalised or tok.kind != "word" or len(tok.text) < 3:
        return False
    return _word_surname_texts[tok.text]


def _is_word_surname_text(text: str) -> bool:
    low = bare(text).lower()
    return (low in ORG_WORDS or low in PLACES) and low not in NON_NAME_WORDS and low not in TITLE_WORDS \
        and low not in _NOT_SURNAMES and any(map(str.islower, text))


_word_surname_texts = _Answers(_is_word_surname_text)


# Organisation words and places that are never a person's surname.
_NOT_SURNAMES = frozenset("""
house senate congress committee party department ministry office agency administration council court
army navy corps police union league association institute institution foundation university college
school center centre hospital fund group company corporation corp inc co ltd llc times post news
journal tribune network channel street avenue square building tower bridge river mountain mountains
island islands sea ocean gulf valley county state states city province region republic kingdom federation
commission authority bureau service services board chiefs staff project program programme initiative
campaign club team fc mosque temple museum airport station port prize award awards act law treaty
accord accords summit conference forum organization organisation alliance coalition movement front
caucus cabinet parliament assembly duma kremlin pentagon airlines airways motors media records studios
capital capitol plaza garden gardens hotel prison jail base embassy consulate america americas europe
africa asia soviet american british chinese russian ukrainian european german french italian spanish
iranian iraqi israeli palestinian syrian turkish japanese korean indian pakistani afghan mexican canadian
african asian arab muslim christian jewish catholic western eastern northern southern democrats
republicans democratic republican gop nato un eu us usa uk
""".split())


def _is_name_text(text: str) -> bool:
    if len(text) < 2 or len(text) == 2 and text[0].isupper() and text[1] == ".":  # an initial
        return False
    word = bare(text)
    low = word.lower()
    # Common words, organisations' words, places, titles, honorifics and speech cues ("Continued
    # Stone: …", "Said Dorothy Poynter, …"), and places' people: "Ukrainians".
    if low in _NEVER_NAMES or low.endswith("s") and low[:-1] in PLACES:
        return False
    if word.isupper() and len(word) > 1:  # acronyms: NATO, GOP, CNN
        return False
    if low.endswith(_CONTRACTIONS):  # "You’ve", "They’re"
        return False
    if "-" in low and any(part in TITLE_WORDS for part in low.split("-")):  # Secretary-Treasurer
        return False
    return any(map(str.islower, word))


_NEVER_NAMES = frozenset(NON_NAME_WORDS | ORG_WORDS | PLACES | TITLE_WORDS | SPEECH_CUES | HONORIFICS.keys())
_name_texts = _Answers(_is_name_text)


@dataclass(slots=True)
class Mention:
    first: int  # token index of the first name word
    last: int  # token index of the last name word
    start: int
    end: int
    words: tuple[str, ...]  # name words, possessive stripped
    honorific: str | None = None
    title: str | None = None  # title written before the name: "Secretary of State"
    title_start: int | None = None  # offset where honorific/title begins
    appositive: str | None = None  # role in apposition: "the director of national intelligence"
    speaking: bool = False  # subject of a speech cue
    in_quote: bool = False
    word_surname: bool = False  # its last word is also a word or a place: "Park", "Church", "London"
    person: int = -1

    @property
    def name(self) -> str:
        return " ".join(self.words)

    @property
    def evidence(self) -> bool:
        if self.honorific or self.title or self.appositive:
            return True
        if self.word_surname:  # "Jackson Park" is a park unless more than a first name says otherwise
            return self.speaking and len(self.words) == 2
        if len(self.words) >= 2 and self.words[0].lower() in given_names():
            return True
        return self.speaking and len(self.words) <= 2  # not "United Auto Workers said"


@dataclass(slots=True)
class PersonCluster:
    mentions: list[Mention] = field(default_factory=list)
    gender: str | None = None
    full: tuple[str, ...] = ()  # the fullest name: most words, then most letters

    def add(self, mention: Mention) -> None:
        self.mentions.append(mention)
        words, full = mention.words, self.full
        if len(words) > len(full) or len(words) == len(full) and sum(map(len, words)) > sum(map(len, full)):
            self.full = words


def find_mentions(paragraphs: list[list[Token]], in_quote) -> tuple[list[Mention], list[int]]:
    """Every capitalised run that may name a person, with the context that tells who they are: the
    mentions of all the paragraphs (each given as its tokens), and the paragraph of each. One call
    for the document (a call per paragraph cost more than most paragraphs' names)."""
    mentions: list[Mention] = []
    paragraph_of: list[int] = []
    first_names = given_names()
    for p, tokens in enumerate(paragraphs):
        i, n = 0, len(tokens)
        # The end of the last capitalised run grown without an honorific: a name starting later in
        # the same run ends there too, so a title-case "soup" is walked once, not once per name in it.
        run_start = run_end = -1
        while i < n:
            tok = tokens[i]
            if not tok.is_capitalised and tok.lower not in HONORIFICS:
                i += 1
                continue
            honorific = None
            j = i
            if tok.lower in HONORIFICS and j + 1 < n and tokens[j + 1].is_capitalised:
                honorific = tok.text
                j += 1
            lead = None  # "J.J. Goldberg", "W. Mark Felt": initials before the first name
            if not honorific and tok.text[-1] == "." and len(tok.text) <= 6 and _INITIALS.fullmatch(tok.text) \
                    and j + 1 < n and is_name_word(tokens[j + 1]) and tok.end + 1 >= tokens[j + 1].start:
                lead = j
                j += 1
            # For a capitalised token, is_name_word is its text's answer: looked up here without a call.
            if j < n and tokens[j].is_capitalised \
                    and (_name_texts[tokens[j].text] or honorific and is_word_surname(tokens[j])):
                # After a first name or an honorific a word may be a surname ("Ellen Park", "Mr. Church");
                # alone it never names anyone ("Park said", "Washington said").
                first_name = tokens[j].lower in first_names
                known = not honorific and run_start < j <= run_end \
                    and not (first_name and j + 1 < n and is_word_surname(tokens[j + 1]))
                k = run_end if known else j
                # Grow the name over name words, middle initials and particles: "Julian E Barnes".
                while not known and k + 1 < n and not _is_possessive(tokens[k]):
                    nxt = tokens[k + 1]
                    capitalised = nxt.is_capitalised  # name words, surnames and initials all are
                    # After an honorific or a first name, a word surname too: "Gov. Ellen Park".
                    if capitalised and (_name_texts[nxt.text] or (honorific or k == j and first_name)
                                        and is_word_surname(nxt)) and tokens[k].end + 1 >= nxt.start:
                        k += 1
                    elif (capitalised and is_initial(nxt) or nxt.lower in PARTICLES) and k + 2 < n \
                            and is_name_word(tokens[k + 2]):
                        k += 2
                    elif nxt.lower in SUFFIXES and tokens[k].end <= nxt.start:
                        k += 1
                        break
                    else:
                        break
                if not honorific:
                    run_start, run_end = j, k
                if k - j >= 2 and not honorific and tokens[j].lower not in first_names:
                    # "United Auto Workers Gary Casteel": the name starts at its first name.
                    j = next((g for g in range(j + 1, k) if tokens[g].lower in first_names), j)
                if k - j >= 5 and tokens[j].lower in first_names:
                    k = j + 1  # a headline in title case: "Salma Hayek Described Her Experience …"
                if lead is not None and j == lead + 1 and k - j < 4:
                    j = lead
                if j == k:  # a name of one word, the most common: without a slice and a list
                    words = (bare(tokens[j].text),) if tokens[j].lower not in SUFFIXES else ()
                else:
                    words = tuple([bare(t.text) for t in tokens[j:k + 1] if t.lower not in SUFFIXES])
                # "Joint Chiefs", "Clinton Foundation": the name is part of an organisation's.
                org_follows = k + 1 < n and tokens[k + 1].is_capitalised and not _is_possessive(tokens[k]) \
                    and bare(tokens[k + 1].text).lower() in ORG_WORDS
                if words and len(words) <= 5 and not org_follows:
                    # A name word is no word surname (one is a place or an organisation's word, the
                    # other never): its known answer saves asking about each new surname again.
                    mention = Mention(j, k, tokens[j].start, tokens[k].end - _possessive_len(tokens[k]),
                                      words, honorific=honorific, in_quote=in_quote(tokens[j].start),
                                      word_surname=not _name_texts[tokens[k].text] and is_word_surname(tokens[k]))
                    if honorific or j > 0 and tokens[j - 1].kind == "word":  # no title without a word before
                        _read_title(tokens, i if honorific else j, mention)
                    _read_appositive(tokens, k, mention)
                    _read_speaking(tokens, mention)
                    mentions.append(mention)
                    paragraph_of.append(p)
                i = k + 1
                continue
            if not honorific and is_word_surname(tok) and (i + 1 >= n or not tokens[i + 1].is_capitalised):
                # "…," Park said: a word that is a surname only when someone was introduced by it.
                mention = Mention(i, i, tok.start, tok.end - _possessive_len(tok), (bare(tok.text),),
                                  in_quote=in_quote(tok.start), word_surname=True)
                _read_speaking(tokens, mention)
                if mention.speaking:
                    mentions.append(mention)
                    paragraph_of.append(p)
            i = j + 1 if honorific else i + 1
    return mentions, paragraph_of


def _is_possessive(tok: Token) -> bool:
    return tok.text.endswith(_POSSESSIVE) and len(tok.text) > 2


def _possessive_len(tok: Token) -> int:
    return len(tok.text) - len(bare(tok.text))


def _read_title(tokens: list[Token], first: int, mention: Mention) -> None:
    """The title written just before a name: "Russian President Vladimir Putin"."""
    if mention.honorific:
        mention.title_start = tokens[first].start
        role = HONORIFIC_ROLES.get(mention.honorific.lower())
        if role:
            mention.title = role
        first_title = first
    else:
        first_title = first
    k = first_title - 1
    kept = first_title
    while k >= 0 and first_title - k <= 6:
        tok = tokens[k]
        low = bare(tok.text).lower()
        if tok.kind != "word":
            break
        if tok.is_capitalised and low not in NON_NAME_WORDS or low in TITLE_WORDS \
                or low in TITLE_MODIFIERS and low not in ("the", "and", "on", "to", "for", "of"):
            kept = k
        elif low not in ("of", "for", "the", "and", "on"):
            break
        k -= 1
    if kept >= first_title:
        return
    # The word touching the name must be a title: "Secretary of State" yes, "Ukrainian leaders" no.
    if not _ends_in_title(tokens[kept:first_title]):
        return
    while kept < first_title and tokens[kept].lower in ("of", "for", "the", "and", "on"):
        kept += 1
    title = " ".join(t.text for t in tokens[kept:first_title])
    mention.title = title if not mention.title else f"{title} {mention.title}"
    mention.title_start = tokens[kept].start


def _ends_in_title(words: list[Token]) -> bool:
    """ "Russian President", "Secretary of State": a title word, then at most an "of …" complement."""
    if not (words[-1].is_capitalised or bare(words[-1].text).lower() in TITLE_WORDS):
        return False
    for i in range(len(words) - 1, -1, -1):
        low = bare(words[i].text).lower()
        if low in TITLE_WORDS:
            return i == len(words) - 1 or words[i + 1].lower == "of"
        if not (words[i].is_capitalised or low in ("of", "the")):
            return False
    return False


def _read_appositive(tokens: list[Token], last: int, mention: Mention) -> None:
    """A role set off by commas after the name ("X, the director of national intelligence,"),
    or before it ("Germany’s foreign minister, Annalina Berbock,")."""
    n = len(tokens)
    if last + 1 < n and tokens[last + 1].text == ",":
        k = last + 2
        words: list[Token] = []
        while k < n and len(words) < 14 and tokens[k].kind in ("word", "num") and tokens[k].lower not in SPEECH_CUES:
            words.append(tokens[k])  # "the 2012 Republican presidential nominee"
            k += 1
        closed = k >= n or tokens[k].text in ",.;:)—–" or tokens[k].kind == "quote"
        if words and closed and _is_role_phrase(words):
            mention.appositive = _clean_role(words)
            return
    first = mention.first - (1 if mention.honorific else 0)
    if first >= 2 and tokens[first - 1].text == ",":
        k = first - 2
        words = []
        while k >= 0 and len(words) < 10 and tokens[k].kind == "word":
            words.insert(0, tokens[k])
            k -= 1
        after = mention.last + 1
        closed = after >= n or tokens[after].text in ",.;:" or tokens[after].lower in SPEECH_CUES
        if words and closed and bare(words[-1].text).lower() in ROLE_NOUNS and _is_role_phrase(words):
            # Keep the role's own words: "In Berlin, Germany’s foreign minister" -> from "Germany’s".
            while len(words) > 1 and words[0].lower in NON_NAME_WORDS and words[0].lower not in ("the", "a", "an"):
                words.pop(0)
            mention.appositive = _clean_role(words)


def _is_role_phrase(words: list[Token]) -> bool:
    lowered = [bare(w.text).lower() for w in words]
    first = words[0]
    # "X, the director of …", "X, China’s chief …", "X, Head of …", "X, chairman of …" — not "X, met …"
    if not (first.is_capitalised or lowered[0] in ("the", "a", "an") or lowered[0] in ROLE_NOUNS
            or lowered[0] in TITLE_MODIFIERS or first.text != bare(first.text)):
        return False
    return any(w in ROLE_NOUNS for w in lowered)


def _clean_role(words: list[Token]) -> str:
    while words and words[0].lower in ("the", "a", "an"):
        words = words[1:]
    return " ".join(w.text for w in words)


_CUES_AND_TO = SPEECH_CUES | {"to"}


def _read_speaking(tokens: list[Token], mention: Mention) -> None:
    """Whether the name is the subject of a speech cue: "Smith said", "said Smith", "Smith, …, said"."""
    n = len(tokens)
    k = mention.last + 1
    relative = k + 1 < n and tokens[k].text == "," and tokens[k + 1].lower in ("who", "whose", "which")
    if (mention.appositive or relative) and k < n and tokens[k].text == ",":
        # "Melanne Verveer, who served as Hillary Clinton’s chief of staff …, said"
        end = k + 1
        while end < n and end - k < 32 and tokens[end].text != ",":
            end += 1
        k = end + 1
    while k < n and tokens[k].lower in ("has", "had", "also", "later", "then", "again", "once"):
        k += 1
    if k < n and tokens[k].lower in SPEECH_CUES:
        mention.speaking = True
        return
    first = mention.first - (1 if mention.honorific else 0)
    if mention.last + 1 < n and tokens[mention.last + 1].text == "," \
            and not (first > 0 and tokens[first - 1].lower in ("the", "a", "an")):  # not "The Forward, …, wrote"
        # "Rich Heffley, a top Tallahassee GOP operative who played …, said": the first cue after
        # the name's comma, itself after a comma, in the same sentence.
        k = mention.last + 2
        while k < n and k - mention.last <= _APPOSITIVE_REACH and tokens[k].kind != "quote" \
                and not (tokens[k].text in ".!?;" and is_sentence_end(tokens, k)):
            if tokens[k].lower in SPEECH_CUES:
                mention.speaking = tokens[k - 1].text == "," and k > mention.last + 2 \
                    and not tokens[k].lower.endswith("ing")
                return
            k += 1
    # "said Republican party boss Reince Priebus", "according to Smith"
    before = mention.first - (1 if mention.honorific else 0) - 1
    while before >= 0 and mention.first - before <= 6 and tokens[before].kind == "word" \
            and tokens[before].lower not in SPEECH_CUES and tokens[before].lower != "to" \
            and tokens[before].lower not in NON_NAME_WORDS:
        before -= 1
    if before >= 0 and tokens[before].lower in _CUES_AND_TO:
        if tokens[before].lower != "to" or before >= 1 and tokens[before - 1].lower == "according":
            mention.speaking = True


def cluster_people(mentions: list[Mention], common_words: Container[str] = frozenset()) -> list[PersonCluster]:
    """Group mentions of one person: full names first, then short forms by surname.

    A lone word whose only evidence is speaking is no name when the text also writes it in lower
    case ("Prosecutors said" beside "prosecutors"): `common_words` holds the lower-case words.
    Every look-up is by word, so the time is linear in the mentions however many people share a
    surname (a short form weighs at most _NEAREST_REACH of them)."""
    people: list[PersonCluster] = []
    full_names: dict[tuple[str, str], int] = {}  # (first, last word) of a full name -> its person
    by_last: dict[str, list[int]] = {}  # people whose fullest name ends in the word, oldest first
    by_first: dict[str, list[int]] = {}  # people whose full name starts with the word
    # Where each word was written as part of a full name: (offset, person), in text order; full
    # names of the first pass and of the second are two lists, each in order.
    written: tuple[dict[str, list[tuple[int, int]]], dict[str, list[tuple[int, int]]]] = ({}, {})

    first_names = given_names()

    def gender_of(m: Mention) -> str | None:
        if m.honorific:
            return HONORIFICS.get(m.honorific.lower())
        return first_names.get(m.words[0].lower()) if len(m.words) >= 2 else None

    def add(m: Mention, person: int, second_pass: bool) -> None:
        m.person = person
        cluster = people[person]
        cluster.add(m)
        cluster.gender = cluster.gender or gender_of(m)
        words = m.words
        if len(words) > 1:
            first, last = words[0].lower(), words[-1].lower()
            at = (m.start, person)
            written[second_pass].setdefault(first, []).append(at)
            if last != first:
                written[second_pass].setdefault(last, []).append(at)

    firsts: list[str | None] = []  # per person: the first word of its full name (first pass only)
    lasts: list[str] = []  # per person: the last word of its name

    def new_person(first: str | None, last: str) -> int:
        person = len(people)
        people.append(PersonCluster())
        firsts.append(first if first != last else None)
        lasts.append(last)
        by_last.setdefault(last, []).append(person)
        if first and first != last:
            by_first.setdefault(first, []).append(person)
        return person

    # Full names (two words or more) with evidence make people; equal first and last word merge.
    for m in mentions:
        if len(m.words) < 2 or not m.evidence:
            continue
        key = (m.words[0].lower(), m.words[-1].lower())
        person = full_names.get(key)
        if person is None:
            person = full_names[key] = new_person(*key)
        add(m, person, False)

    # Short forms: "Mr. Blinken", "Blinken", "President Biden", a full name without evidence.
    singles: dict[str, int] = {}
    for m in mentions:
        if m.person >= 0:
            continue
        surname = m.words[-1].lower()
        gender = gender_of(m)
        sharing = by_last.get(surname, [])
        sibling = False
        if len(m.words) > 1:
            # "Bill Clinton" beside "Hillary Clinton": same surname, another first name, another person.
            first = m.words[0].lower()

            def same_first(p: int) -> bool:
                return people[p].full[0].lower() == first or len(people[p].full) == 1

            def fits(p: int) -> bool:
                return lasts[p] == surname and same_first(p) \
                    and (gender is None or people[p].gender in (None, gender))
            sibling = bool(sharing) and not any(same_first(p) for p in sharing[:_NEAREST_REACH])
        else:
            by_surname = bool(sharing)
            if not by_surname:
                sharing = by_first.get(surname, [])  # "Hillary" for Hillary Clinton

            def fits(p: int) -> bool:
                named = lasts[p] == surname if by_surname else firsts[p] == surname
                return named and (gender is None or people[p].gender in (None, gender))
        person = None
        # Whoever fits is in `sharing` (by_last and by_first file every person under the word
        # fits() compares): when it is empty, nobody is looked for.
        if gender and sharing:
            # "Ms. Hammond" is Carol Hammond, not her son Eli whose first name tells no gender.
            person = _nearest(sharing, lambda p: fits(p) and people[p].gender == gender, written, surname, m.start)
        if person is None and sharing:
            person = _nearest(sharing, fits, written, surname, m.start)
        if person is None and gender and surname in singles \
                and people[singles[surname]].gender not in (None, gender):
            singles.pop(surname)  # "Mr. Smith" is not Governor Jane Smith
        if person is not None:
            add(m, person, True)
        elif len(m.words) == 1 and surname in singles:
            add(m, singles[surname], True)
        elif (m.evidence or sibling) and (len(m.words) > 1 or m.honorific or m.title or m.appositive
                                          or m.words[0].lower() not in common_words):
            person = singles[surname] = new_person(None, surname)
            add(m, person, True)
    return people


_NEAREST_REACH = 256  # names looked at to choose among people sharing a surname (news has a few)


def _nearest(sharing: list[int], fits, written, word: str, offset: int) -> int | None:
    """Of the people in `sharing` that fit, the one whose full name was written last before
    `offset`; when none was, the oldest that fits; None when none fits."""
    first = written[0].get(word, [])
    second = written[1].get(word, [])
    i = bisect_left(first, (offset, -1)) - 1
    j = bisect_left(second, (offset, -1)) - 1
    for _ in range(_NEAREST_REACH):
        if i < 0 and j < 0:
            break
        if j < 0 or i >= 0 and first[i][0] > second[j][0]:
            person = first[i][1]
            i -= 1
        else:
            person = second[j][1]
            j -= 1
        if fits(person):
            return person
    return next((p for p in sharing[:_NEAREST_REACH] if fits(p)), None)
