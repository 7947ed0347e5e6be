"""Shortcuts of the extraction's hot paths: each gives what the full check would.

A name grows only over capitalised words (bot.extract.people.find_mentions) because every word
check that lets it grow is false for any other token, and a name word is never a word surname; a
sentence of fewer than four tokens is no headline (bot.extract.reported._title_case) without
counting its words; the word pattern written without backtracking (bot.extract.tokens._TOKEN)
matches as its backtracking form did; tokens cut from `findall`'s strings (bot.extract.tokens.tokenize)
are those cut from _TOKEN's matches, and paragraphs cut together (tokenize_paragraphs) have the
tokens of each cut alone; the quotations found in one search (bot.extract.quotes.find_quote_spans)
are those of each paragraph alone; a verb with too few tokens after it and no comma before it
reports nothing (bot.extract.reported._reports_nothing), and a quotation opening its paragraph has
no cue or subject before it (SpeakerFinder.opens_paragraph).
"""
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.bench_adversarial import SHAPES, generate
from bot.documents import document_from_text
from bot.documents.paragraphs import split_paragraphs
from bot.extract import extract, reported
from bot.extract import tokens as tokens_module
from bot.extract.lexicon import ORG_WORDS, PLACES
from bot.extract.people import _NOT_SURNAMES, is_initial, is_name_word, is_word_surname
from bot.extract.quotes import find_quote_spans
from bot.extract.reported import _title_case
from bot.extract.speakers import SpeakerFinder
from bot.extract.tokens import _INITIALS, _TOKEN, ABBREVIATIONS, Token, tokenize, tokenize_paragraphs

TEXTS = [
    "W. Mark Felt met J.J. Goldberg and Julian E Barnes of the U.S. Senate on Monday.",
    "“It’s over,” said Gov. Ellen Park, the Democrat; Ms. de la Cruz and Mr. Church didn’t.",
    "Ludwig van Beethoven, Martin Luther King Jr. and ǅemal Bijedić (d. 1977) — ½ of Ægir’s crew.",
    "ÉMILE ZOLA wrote ''J'accuse'' in L’Aurore; «Oui», dit-il. 3.5% of 1,000 said: no.",
    *(generate(shape, 3_000) for shape in sorted(SHAPES)),
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_name_grows_only_over_capitalised_words(text):
    for tok in tokenize(text):
        if not tok.is_capitalised:
            assert not is_name_word(tok) and not is_word_surname(tok) and not is_initial(tok), tok


@pytest.mark.parametrize("text", TEXTS + [" ".join(w.capitalize() for w in sorted(ORG_WORDS | PLACES | _NOT_SURNAMES))
                                          + " Parks London’s Israel's Church Churches"])
def test_a_name_word_is_no_word_surname(text):
    for tok in tokenize(text):
        assert not (is_name_word(tok) and is_word_surname(tok)), tok


def _title_case_counted(toks, start, end):
    words = [t for t in toks[start:min(end, start + 20)] if t.kind == "word" and len(t.text) > 3]
    return len(words) >= 4 and sum(t.is_capitalised for t in words) >= 0.8 * len(words)


@pytest.mark.parametrize("text", TEXTS + ["Marco Rubio Responds To Question", "Biden Says Talks Work"])
def test_a_short_sentence_is_no_headline_as_its_words_counted_tell(text):
    toks = tokenize(text)
    for start in range(len(toks)):
        for end in range(start, min(len(toks), start + 8) + 1):
            assert _title_case(toks, start, end, {}) == _title_case_counted(toks, start, end)


_BACKTRACKING = re.compile(
    r"""(?P<word>(?:[A-Z]\.){2,}|[A-Za-z][a-z]{0,3}\.(?=\s+[A-Z\d])|[^\W\d_](?:[\w’'\-]*\w)?)"""
    r"""|(?P<num>\d+(?:[,.:]\d+)*%?)"""
    r"""|(?P<quote>[“”"«»„]|'')"""
    r"""|(?P<punct>[^\s\w])""",
)


def same_matches(text: str) -> bool:
    return ([(m.span(), m.lastgroup) for m in _TOKEN.finditer(text)]
            == [(m.span(), m.lastgroup) for m in _BACKTRACKING.finditer(text)])


@pytest.mark.parametrize("text", TEXTS + ["rock’n’roll -- x-- Ab’’’s said o'' e.g. Mr.  Smith Jr. Dr.\n\nX U.S.A. 4"])
def test_the_word_pattern_matches_as_its_backtracking_form(text):
    assert same_matches(text)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="aBcDzÉé1_’'-. \n“\"", max_size=40))
def test_the_word_pattern_matches_as_its_backtracking_form_on_any_text(text):
    assert same_matches(text)


def tokenize_by_matches(text: str, start: int, end: int) -> list[Token]:
    """Tokens as they were cut from _TOKEN's match objects."""
    tokens = []
    for m in _TOKEN.finditer(text, start, end):
        kind, word, (a, b) = m.lastgroup, m.group(), m.span()
        if kind == "word" and word[-1] == "." and word.lower() not in ABBREVIATIONS and not _INITIALS.fullmatch(word):
            tokens += [Token(word[:-1], a, b - 1, "word", word.lower()[:-1], word[0].isupper()),
                       Token(".", b - 1, b, "punct", ".", False)]
        else:
            tokens.append(Token(word, a, b, kind, word.lower() if kind == "word" else word,
                                kind == "word" and word[0].isupper()))
    return tokens


def cut_alike(text: str, start: int, end: int) -> bool:
    return tokenize(text, start, end) == tokenize_by_matches(text, start, end)


@pytest.fixture
def small_windows(monkeypatch):
    """Windows of findall a few characters long, so that short texts are cut in many."""
    monkeypatch.setattr(tokens_module, "_WINDOW", 3)


@pytest.mark.parametrize("text", TEXTS + ["rock’n’roll __x_ ² Ab’’’s said o'' e.g. Mr.  Smith Jr. Dr.\n\nX U.S.A. 4 _ "])
def test_tokens_are_cut_as_from_the_matches(text):
    assert cut_alike(text, 0, len(text))
    assert all(cut_alike(text, a, min(len(text), a + n)) for a in range(0, len(text), 7) for n in (1, 2, 5, 13, 40))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="aBcDzÉé1²_’'-.% \n“\"”", max_size=40), st.integers(0, 40), st.integers(0, 40))
def test_tokens_are_cut_as_from_the_matches_on_any_text(text, start, end):
    assert cut_alike(text, min(start, len(text)), max(min(end, len(text)), min(start, len(text))))


@pytest.mark.parametrize("text", TEXTS)
def test_tokens_cut_window_by_window_are_those_cut_at_once(text, small_windows):
    assert cut_alike(text, 0, len(text))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="aBcDzÉé1²_’'-.% \n“\"”", max_size=40), st.integers(0, 40), st.integers(0, 40))
def test_tokens_cut_window_by_window_are_those_cut_at_once_on_any_text(text, start, end):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tokens_module, "_WINDOW", 2)
        assert cut_alike(text, min(start, len(text)), max(min(end, len(text)), min(start, len(text))))


def cut_apart_alike(text: str, keep: list[bool]) -> bool:
    """Paragraphs cut together have the tokens of each cut alone (some left out, as boilerplate is)."""
    paragraphs = [p for p, kept in zip(split_paragraphs(text), keep + [True] * len(text)) if kept]
    return tokenize_paragraphs(text, paragraphs) == [tokenize(text, p.start, p.end) for p in paragraphs]


@pytest.mark.parametrize("text", TEXTS + ["Mr.\n\nSmith said No.\n\n2 A.\n\nB U.S.\n\nX __\n\n_\n\nYes.\n\n_"])
def test_paragraphs_cut_together_have_the_tokens_of_each_cut_alone(text):
    text = text.replace(". ", ".\n\n")
    assert cut_apart_alike(text, [])
    assert cut_apart_alike(text, [i % 3 != 1 for i in range(len(text))])


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="aBcDzÉé1²_’'-.% \n“\"”MrNo", max_size=60), st.lists(st.booleans(), max_size=12),
       st.sampled_from([2, 5, 11, 4096]))
def test_paragraphs_cut_together_have_the_tokens_of_each_cut_alone_on_any_text(text, keep, window):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tokens_module, "_WINDOW", window)
        assert cut_apart_alike(text, keep)



def quoted_apart_alike(text: str, keep: list[bool]) -> bool:
    """The quotations found in all the paragraphs at once are those of each paragraph alone."""
    paragraphs = [p for p, kept in zip(split_paragraphs(text), keep + [True] * len(text)) if kept]
    return find_quote_spans(text, paragraphs) == [s for p in paragraphs for s in find_quote_spans(text, [p])]


@pytest.mark.parametrize("text", TEXTS + ["“a\n\nb” c ''d\n\n'' e” f “g\n\n”", "'' x\n\n''\n\n“"])
def test_quotations_found_at_once_are_those_of_each_paragraph(text):
    assert quoted_apart_alike(text, [])
    assert quoted_apart_alike(text, [i % 3 != 1 for i in range(len(text))])


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="aB .,\n“”\"«»„'", max_size=60), st.lists(st.booleans(), max_size=12))
def test_quotations_found_at_once_are_those_of_each_paragraph_on_any_text(text, keep):
    assert quoted_apart_alike(text, keep)


# Words and marks, and sentences, that quotations and reported speech are made of.
_PIECES = ["He", "she", "said", "says", "told", "according", "to", ",", ",", "abcd", "Mr.", "Ann", "Smith",
           "“", "”", "“", "”", ":", ".", "that", "the", "plan", "was", "dead", "\n\n", "\n\n",
           "“The plan was dead,” said Ann Smith.", "“Abcd,” he said.", "He said: “The plan was dead.”",
           "“The plan.”", "Mr. Smith said the plan was dead.", "He said abcd:", "Ann Smith:", "“No.”",
           "According to Mr. Smith, the plan was dead.", "The plan was dead, she said.", "“abcd", "abcd.”"]
# Each shortcut turned off: the rule it saves a walk of gives the same answer.
_SHORTCUTS = {
    "a verb with too few tokens after it and no comma before it": (reported, "_reports_nothing", lambda toks, c: False),
    "a quotation opening its paragraph": (SpeakerFinder, "opens_paragraph", lambda self, p, offset: False),
}


@pytest.mark.parametrize("shortcut", _SHORTCUTS)
@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=40))
def test_extraction_is_the_same_without_a_shortcut(shortcut, pieces):
    document = document_from_text("t.txt", "Headline\n\n" + " ".join(pieces))
    owner, name, off = _SHORTCUTS[shortcut]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(owner, name, off)
        without = extract(document)
    assert extract(document) == without
