"""Finding the people of a text: name mentions, who they are (role), and which mentions are one person.

A capitalised run of words is a person's name only with evidence: an honorific or title before it
("Mr. Blinken", "Foreign Minister Chen Gang"), a known first name ("Avril D. Haines"), a role in
apposition ("Wang Yi, China's chief foreign policy official") or a speaking part ("…," said Smith).
Places and organisations ("White House", "Black Sea Fleet") end in words no name ends in.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.extract.lexicon import (
    HONORIFICS, NON_NAME_WORDS, ORG_WORDS, PLACES, ROLE_NOUNS, SPEECH_CUES, TITLE_WORDS,
    given_names,
)
from bot.extract.tokens import Token

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


def is_name_word(tok: Token) -> bool:
    """A capitalised word that can be part of a person's name."""
    if not tok.is_capitalised or len(tok.text) < 2 or is_initial(tok):
        return False
    word = bare(tok.text)
    low = word.lower()
    if low in NON_NAME_WORDS or low in ORG_WORDS or low in PLACES or low in TITLE_WORDS \
            or low in HONORIFICS or low.endswith("s") and low[:-1] in PLACES:  # Ukrainians
        return False
    if word.isupper() and len(word) > 1:  # acronyms: NATO, GOP, CNN
        return False
    if low in SPEECH_CUES:  # "Continued Stone: …", "Said Dorothy Poynter, …"
        return False
    if low.endswith(_CONTRACTIONS):  # "You’ve", "They’re"
        return False
    if "-" in low and any(part in TITLE_WORDS for part in low.split("-")):  # Secretary-Treasurer
        return False
    return any(c.islower() for c in word)


@dataclass
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
    person: int = -1

    @property
    def name(self) -> str:
        return " ".join(self.words)

    @property
    def evidence(self) -> bool:
        first = self.words[0].lower()
        if self.honorific or self.title or self.appositive:
            return True
        if len(self.words) >= 2 and first in given_names():
            return True
        return self.speaking and len(self.words) <= 2  # not "United Auto Workers said"


@dataclass
class PersonCluster:
    mentions: list[Mention] = field(default_factory=list)
    gender: str | None = None

    @property
    def full(self) -> tuple[str, ...]:
        return max((m.words for m in self.mentions), key=lambda w: (len(w), sum(map(len, w))))


def find_mentions(tokens: list[Token], text: str, in_quote) -> list[Mention]:
    """Every capitalised run that may name a person, with the context that tells who they are."""
    mentions: list[Mention] = []
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        honorific = None
        j = i
        if tok.lower in HONORIFICS and j + 1 < n and tokens[j + 1].is_capitalised:
            honorific = tok.text
            j += 1
        if j < n and tokens[j].is_capitalised and is_name_word(tokens[j]):
            k = j
            # Grow the name over name words, middle initials and particles: "Julian E Barnes".
            while k + 1 < n and not _is_possessive(tokens[k]):
                nxt = tokens[k + 1]
                surname_like = honorific and nxt.is_capitalised and bare(nxt.text).lower() in ORG_WORDS
                if (is_name_word(nxt) or surname_like) and tokens[k].end + 1 >= nxt.start:
                    k += 1  # "Gov. Ellen Park": after an honorific, "Park" is a surname
                elif (is_initial(nxt) or nxt.lower in PARTICLES) and k + 2 < n \
                        and is_name_word(tokens[k + 2]):
                    k += 2
                elif nxt.lower in SUFFIXES and tokens[k].end <= nxt.start:
                    k += 1
                    break
                else:
                    break
            if k - j >= 2 and not honorific and tokens[j].lower not in given_names():
                # "United Auto Workers Gary Casteel": the name starts at its first name.
                j = next((g for g in range(j + 1, k) if tokens[g].lower in given_names()), j)
            if k - j >= 5 and tokens[j].lower in given_names():
                k = j + 1  # a headline in title case: "Salma Hayek Described Her Experience …"
            words = tuple(bare(t.text) for t in tokens[j:k + 1] if t.lower not in SUFFIXES)
            # "Joint Chiefs", "Clinton Foundation": the name is part of an organisation's.
            org_follows = k + 1 < n and tokens[k + 1].is_capitalised and not _is_possessive(tokens[k]) \
                and bare(tokens[k + 1].text).lower() in ORG_WORDS
            if words and len(words) <= 5 and not org_follows:
                mention = Mention(j, k, tokens[j].start, tokens[k].end - _possessive_len(tokens[k]),
                                  words, honorific=honorific, in_quote=in_quote(tokens[j].start))
                _read_title(tokens, i if honorific else j, mention)
                _read_appositive(tokens, k, mention)
                _read_speaking(tokens, mention)
                mentions.append(mention)
            i = k + 1
            continue
        i = j + 1 if honorific else i + 1
    return mentions


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
        while k < n and len(words) < 14 and tokens[k].kind == "word" and tokens[k].lower not in SPEECH_CUES:
            words.append(tokens[k])
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
    # "said Republican party boss Reince Priebus", "according to Smith"
    before = mention.first - (1 if mention.honorific else 0) - 1
    while before >= 0 and mention.first - before <= 6 and tokens[before].kind == "word" \
            and tokens[before].lower not in SPEECH_CUES and tokens[before].lower != "to" \
            and tokens[before].lower not in NON_NAME_WORDS:
        before -= 1
    if before >= 0 and tokens[before].lower in SPEECH_CUES | {"to"}:
        if tokens[before].lower != "to" or before >= 1 and tokens[before - 1].lower == "according":
            mention.speaking = True


def cluster_people(mentions: list[Mention], common_words: set[str] = frozenset()) -> list[PersonCluster]:
    """Group mentions of one person: full names first, then short forms by surname.

    A lone word whose only evidence is speaking is no name when the text also writes it in lower
    case ("Prosecutors said" beside "prosecutors"): `common_words` holds the lower-case words."""
    people: list[PersonCluster] = []
    by_word: dict[str, list[int]] = {}

    def gender_of(m: Mention) -> str | None:
        if m.honorific:
            return HONORIFICS.get(m.honorific.lower())
        return given_names().get(m.words[0].lower()) if len(m.words) >= 2 else None

    def add(m: Mention, person: int) -> None:
        m.person = person
        cluster = people[person]
        cluster.mentions.append(m)
        cluster.gender = cluster.gender or gender_of(m)

    # Full names (two words or more) with evidence make people; equal first and last word merge.
    for m in mentions:
        if len(m.words) < 2 or not m.evidence:
            continue
        key_first, key_last = m.words[0].lower(), m.words[-1].lower()
        match = None
        for p in by_word.get(key_last, []):
            full = people[p].full
            if full[0].lower() == key_first and full[-1].lower() == key_last:
                match = p
                break
        if match is None:
            people.append(PersonCluster())
            match = len(people) - 1
            for word in {key_first, key_last}:
                by_word.setdefault(word, []).append(match)
        add(m, match)

    # Short forms: "Mr. Blinken", "Blinken", "President Biden", a full name without evidence.
    singles: dict[str, int] = {}
    for m in mentions:
        if m.person >= 0:
            continue
        surname = m.words[-1].lower()
        candidates = [p for p in by_word.get(surname, []) if people[p].full[-1].lower() == surname]
        sibling = False
        if len(m.words) > 1:
            # "Bill Clinton" beside "Hillary Clinton": same surname, another first name, another person.
            same_first = [p for p in candidates if people[p].full[0].lower() == m.words[0].lower()
                          or len(people[p].full) == 1]
            sibling = bool(candidates) and not same_first
            candidates = same_first
        elif not candidates:
            candidates = [p for p in by_word.get(surname, [])]
        gender = gender_of(m)
        if gender:  # "Mr. Smith" is not Governor Jane Smith
            candidates = [p for p in candidates if people[p].gender in (None, gender)]
            if not candidates and surname in singles and people[singles[surname]].gender not in (None, gender):
                singles.pop(surname)
        if candidates:
            add(m, _nearest(people, candidates, m.start))
        elif len(m.words) == 1 and surname in singles:
            add(m, singles[surname])
        elif (m.evidence or sibling) and (len(m.words) > 1 or m.honorific or m.title or m.appositive
                                          or m.words[0].lower() not in common_words):
            people.append(PersonCluster())
            singles[surname] = len(people) - 1
            by_word.setdefault(surname, []).append(len(people) - 1)
            add(m, len(people) - 1)
    return people


def _nearest(people: list[PersonCluster], candidates: list[int], offset: int) -> int:
    """Of several people sharing a surname, the one named most recently before `offset`."""
    def last_before(p: int) -> int:
        starts = [m.start for m in people[p].mentions if m.start < offset and len(m.words) > 1]
        return max(starts) if starts else -1
    return max(candidates, key=lambda p: (last_before(p), -candidates.index(p)))
