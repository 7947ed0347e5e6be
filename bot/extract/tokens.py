"""Words, quotation marks and sentence ends of a text, each with its offsets.

Extraction rules look at a few words around a name or a quotation, so the text is cut once into
tokens that remember where they stand; nothing is normalised, offsets stay into the original.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from operator import itemgetter
from typing import NamedTuple

from bot.models import Paragraph

OPEN_QUOTES = "“\"«„"
CLOSE_QUOTES = "”\"»"
# Two apostrophes are a straight double mark in some archives: ''The middle class is clobbered,''
APOSTROPHES = "’'"

# Abbreviations whose period does not end a sentence: "Mr. Blinken", "U.S. officials".
ABBREVIATIONS = frozenset("""
mr. ms. mrs. dr. sen. sens. rep. reps. gov. gen. lt. col. sgt. capt. adm. maj. prof. rev. atty.
supt. cmdr. jr. sr. st. mt. ft. no. inc. co. corp. ltd. vs. v. etc. jan. feb. mar. apr. aug.
sept. sep. oct. nov. dec. u.s. u.k. u.n. d.c. a.m. p.m. e.g. i.e. ph.d. calif. fla. mass. pa.
wash. ore. ariz. colo. conn. del. ga. ill. ind. kan. ky. la. md. mich. minn. miss. mo. mont.
neb. nev. n.h. n.j. n.m. n.y. n.c. n.d. okla. r.i. s.c. s.d. tenn. tex. va. vt. wis. wyo. ala.
ark. d-calif. r-texas
""".split())

# A word is a letter, then word characters, apostrophes and hyphens, ending in a word character:
# written without backtracking (a possessive {0,3}+, runs of marks each followed by letters).
_TOKEN = re.compile(
    r"""(?P<word>(?:[A-Z]\.){2,}|[A-Za-z][a-z]{0,3}+\.(?=\s+[A-Z\d])|[^\W\d_]\w*(?:[’'\-]+\w+)*)"""
    r"""|(?P<num>\d+(?:[,.:]\d+)*%?)"""
    r"""|(?P<quote>[“”"«»„]|'')"""
    r"""|(?P<punct>[^\s\w])""",
)


class Token(NamedTuple):
    text: str
    start: int
    end: int
    kind: str  # "word", "num", "quote" or "punct"
    lower: str
    is_capitalised: bool  # a word starting with a capital letter


# Token.lower as a C-level function: `WORDS.isdisjoint(map(LOWER, tokens))` tells whether any of a
# few tokens is one of WORDS without a generator (three times cheaper; on a whole paragraph of a
# few tokens a plain loop is as fast).
LOWER = itemgetter(Token._fields.index("lower"))

_INITIALS = re.compile(r"(?:[A-Z]\.)+")


# _TOKEN's matches with what lies before each: `findall` gives them as strings, without a match
# object and three calls on it per token (tokenizing ~20 % faster). Only white space and "_" start
# no token (every other character starts one of _TOKEN's alternatives), so the run before a token
# is [\s_]*, taken whole (no backtracking); \Z takes the run after the last token, so every search
# matches where it starts and the time stays linear in the text. The last tuple or two are \Z's.
_CUT = re.compile(r"([\s_]*+)(?:" + _TOKEN.pattern + r"|\Z)")
# A text is cut by `findall` at most about this many characters at a time: the strings of a window's
# matches are freed before the next window's are made (all of a paragraph of megabytes at once
# spread its tokens out in memory and slowed what reads and frees them later).
_WINDOW = 4096
# Where a window may end: at white space after a character that is no period. No token holds white
# space, and the one lookahead (a short word's period before "\s+[A-Z\d]") starts at a period, so
# the tokens on either side are those of a cut through the whole text.
_WINDOW_END = re.compile(r"[^\s.]\s")


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of text[start:end]; a word keeps a trailing period only when it is an abbreviation."""
    tokens: list[Token] = []
    end = len(text) if end is None else end
    while end - start > _WINDOW:
        cut = _WINDOW_END.search(text, start + _WINDOW, end)
        if cut is None:
            break
        _cut(text, start, cut.start() + 1, [tokens])
        start = cut.start() + 1
    _cut(text, start, end, [tokens])
    return tokens


def tokenize_paragraphs(text: str, paragraphs: Sequence[Paragraph]) -> list[list[Token]]:
    """`tokenize(text, p.start, p.end)` for each of `paragraphs` (in text order, apart).

    Paragraphs with only white space between them are cut together, up to about _WINDOW characters
    at a time, by one `findall` (a text of many short paragraphs paid a call and its set-up per
    paragraph). No token holds white space, so each lies inside one paragraph."""
    cut: list[list[Token]] = []
    i, n = 0, len(paragraphs)
    while i < n:
        start, end = paragraphs[i].start, paragraphs[i].end
        if end - start > _WINDOW:
            cut.append(tokenize(text, start, end))
            i += 1
            continue
        breaks: list[int] = []  # the ends of the paragraphs cut together, but the last
        i += 1
        while i < n and paragraphs[i].end - start <= _WINDOW and text[end:paragraphs[i].start].isspace():
            breaks.append(end)
            end = paragraphs[i].end
            i += 1
        breaks.reverse()
        cut.append([])
        _cut(text, start, end, cut, breaks)
        while len(cut) < i:  # paragraphs at the end without tokens ("_")
            cut.append([])
    return cut


def _cut(text: str, start: int, end: int, cut: list[list[Token]], breaks: list[int] | None = None) -> None:
    """Append the tokens of text[start:end] to cut[-1]; those after each offset of `breaks` (the
    ends of paragraphs, white space after each, popped from the list's end) to a new list on `cut`.

    The one lookahead (a short word's period before "\\s+[A-Z\\d]") sees past a paragraph's end,
    where the paragraph cut alone has the word and the period apart ("Mr." + "\\n\\nSmith"): so
    are they here."""
    tokens = cut[-1]
    append = tokens.append
    make = tuple.__new__  # the hot loop of extraction: build the tuples directly
    stop = breaks.pop() if breaks else end + 1
    b = start
    for before, word, num, quote, punct in _CUT.findall(text, start, end):
        # A token touching the one before shares its offset: one int object for both.
        a = b + len(before) if before else b
        if a >= stop:  # a paragraph's first token (or a later one's: a paragraph of "_" has none)
            while a >= stop:
                tokens = []
                cut.append(tokens)
                stop = breaks.pop() if breaks else end + 1
            append = tokens.append
        if word:
            b = a + len(word)
            low = word.lower()
            cap = word[0].isupper()
            if word[-1] == "." and (low not in ABBREVIATIONS and not _INITIALS.fullmatch(word)
                                    or b == stop and word.count(".") == 1):  # "Mr." ending a paragraph
                # "said." -> "said" + "."
                append(make(Token, (word[:-1], a, b - 1, "word", low[:-1], cap)))
                append(make(Token, (".", b - 1, b, "punct", ".", False)))
                continue
            append(make(Token, (word, a, b, "word", low, cap)))
        elif punct:
            b = a + len(punct)
            append(make(Token, (punct, a, b, "punct", punct, False)))
        elif quote:
            b = a + len(quote)
            append(make(Token, (quote, a, b, "quote", quote, False)))
        elif num:
            b = a + len(num)
            append(make(Token, (num, a, b, "num", num, False)))


def is_sentence_end(tokens: list[Token], i: int) -> bool:
    """Whether token i is a period, ! or ? that ends a sentence (what follows starts a new one)."""
    if tokens[i].text not in ".!?":
        return False
    j = i + 1
    while j < len(tokens) and (tokens[j].kind == "quote" or tokens[j].text in ")]’'"):
        j += 1
    return j >= len(tokens) or tokens[j].is_capitalised or tokens[j].kind in ("quote", "num")
