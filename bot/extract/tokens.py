"""Words, quotation marks and sentence ends of a text, each with its offsets.

Extraction rules look at a few words around a name or a quotation, so the text is cut once into
tokens that remember where they stand; nothing is normalised, offsets stay into the original.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
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

_TOKEN = re.compile(
    r"""(?P<word>(?:[A-Z]\.){2,}|[A-Za-z][a-z]{0,3}\.(?=\s+[A-Z\d])|[^\W\d_](?:[\w’'\-]*\w)?)"""
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


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of text[start:end]; a word keeps a trailing period only when it is an abbreviation."""
    tokens: list[Token] = []
    _read_tokens(text, start, len(text) if end is None else end, {}, tokens)
    return tokens


def tokenize_paragraphs(text: str, paragraphs: Iterable[Paragraph]) -> list[list[Token]]:
    """The tokens of each paragraph of `text`, as `tokenize` cuts them. A word form is worked out
    once for all the paragraphs: its tokens share the strings, which a long text repeats."""
    forms: dict[str, _WordForm] = {}
    result: list[list[Token]] = []
    for para in paragraphs:
        tokens: list[Token] = []
        _read_tokens(text, para.start, para.end, forms, tokens)
        result.append(tokens)
    return result


class _WordForm(NamedTuple):
    text: str  # without the trailing period that is no part of it
    lower: str
    is_capitalised: bool
    period: bool  # a trailing period to make a token of its own: "said." -> "said" + "."


def _word_form(word: str) -> _WordForm:
    low = word.lower()
    cap = word[0].isupper()
    if word[-1] == "." and low not in ABBREVIATIONS and not _INITIALS.fullmatch(word):
        return _WordForm(word[:-1], low[:-1], cap, True)
    return _WordForm(word, low, cap, False)


def _read_tokens(text: str, start: int, end: int, forms: dict[str, _WordForm], tokens: list[Token]) -> None:
    """Append the tokens of text[start:end] to `tokens`; `forms` remembers each word form read."""
    append = tokens.append
    make = tuple.__new__  # the hot loop of extraction: build the tuples directly
    b = -1
    for m in _TOKEN.finditer(text, start, end):
        kind = m.lastgroup or "punct"
        word = m.group()
        last = b
        a, b = m.span()
        if a == last:
            a = last  # a token touching the one before: one int object for both offsets
        if kind != "word":
            append(make(Token, (word, a, b, kind, word, False)))
            continue
        form = forms.get(word)
        if form is None:
            form = forms[word] = _word_form(word)
        word, low, cap, period = form
        if period:
            append(make(Token, (word, a, b - 1, "word", low, cap)))
            append(make(Token, (".", b - 1, b, "punct", ".", False)))
        else:
            append(make(Token, (word, a, b, "word", low, cap)))


def is_sentence_end(tokens: list[Token], i: int) -> bool:
    """Whether token i is a period, ! or ? that ends a sentence (what follows starts a new one)."""
    if tokens[i].text not in ".!?":
        return False
    j = i + 1
    while j < len(tokens) and (tokens[j].kind == "quote" or tokens[j].text in ")]’'"):
        j += 1
    return j >= len(tokens) or tokens[j].is_capitalised or tokens[j].kind in ("quote", "num")
