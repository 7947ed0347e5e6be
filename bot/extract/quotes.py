"""Finding quotation spans: curly and straight marks (and '' for "), multi-paragraph quotes, broken marks.

Quotations never cross a paragraph: a mark left open at a paragraph's end closes there (the
convention for quotes running over several paragraphs), so a lost closing mark cannot swallow the
rest of the article.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.models import Paragraph

# Inside an unclosed quotation, its own attribution: ", said Tom Brown", ", Tom Brown said", ", she said".
_CUE_VERBS = "said|says|added|adds|continued|explained|wrote|told|asked|recalled|noted|insisted"
_NAME_WORDS = r"(?:(?:Mr|Ms|Mrs|Dr|Sen|Rep|Gov|Gen)\.\s+)?[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){0,3}"
_INNER_CUE = re.compile(rf",\s+(?:(?:{_CUE_VERBS})\s+{_NAME_WORDS}|{_NAME_WORDS}\s+(?:{_CUE_VERBS})\b"
                        rf"|(?:he|she)\s+(?:{_CUE_VERBS})\b)")
# One mark after another (each starts with its own character): the search then skips to the next of
# those characters, which a character class as an alternative keeps it from doing.
_MARKS = re.compile("“|”|\"|«|»|„|''")
_SENTENCE_START = re.compile(r"(?:^|[.!?][”\"’')]*\s+)(?=[A-Z“\"]|'')")


@dataclass(slots=True)
class QuoteSpan:
    start: int  # inner text, without the marks
    end: int
    paragraph: int
    open_mark: int | None  # offset of the opening mark; None when it is missing (broken)
    close_mark: int | None  # offset of the closing mark; None when it runs to the paragraph's end

    @property
    def broken(self) -> bool:
        return self.open_mark is None


def _is_opening(text: str, pos: int, width: int, para: Paragraph) -> bool:
    mark = text[pos]
    if mark in "“«„":
        return True
    if mark in "”»":
        return False
    # A straight mark opens when it follows a space (or starts the paragraph) and touches a word.
    before = text[pos - 1] if pos > para.start else " "
    after = text[pos + width] if pos + width < para.end else " "
    return (before.isspace() or before in "([{—–-/:") and not after.isspace()


def find_quote_spans(text: str, paragraphs: list[Paragraph]) -> list[QuoteSpan]:
    """The quotations of each paragraph (paragraphs in text order, white space between them), in order.

    The marks are found by one search from the first paragraph to the last (a search per paragraph
    cost more than its marks on a text of many short ones); those between paragraphs are nobody's."""
    spans: list[QuoteSpan] = []
    if not paragraphs:
        return spans
    k = 0
    para = paragraphs[0]
    opened: list[tuple[int, int]] = []  # (offset, width) of the marks open, outermost first
    last_close: int | None = None
    for m in _MARKS.finditer(text, para.start, paragraphs[-1].end):
        pos, end = m.span()
        if pos >= para.end:  # the paragraph holding this mark, if any
            _close(spans, text, para, opened)
            opened, last_close = [], None
            k += 1
            while paragraphs[k].end <= pos:
                k += 1
            para = paragraphs[k]
        if pos < para.start:
            continue
        if _is_opening(text, pos, end - pos, para):
            # “My father told me, “never sell,” and I never will”: a quotation inside a quotation.
            opened.append((pos, end - pos))
            continue
        if opened:
            open_at, open_width = opened.pop()
            if not opened:  # the outermost quotation closes; inner ones are part of it
                _add(spans, text, open_at + open_width, pos, para.index, open_at, pos)
                last_close = end
        elif last_close is not None:
            # “…,” she added. Territorial concessions would … abuses.”  (opening mark lost)
            start = _next_sentence_start(text, last_close, pos)
            if start is not None:
                _add(spans, text, start, pos, para.index, None, pos)
            last_close = end
    _close(spans, text, para, opened)
    return spans


def _close(spans: list[QuoteSpan], text: str, para: Paragraph, opened: list[tuple[int, int]]) -> None:
    """At a paragraph's end, the quotation its outermost mark left open (if any) closes."""
    if opened:
        open_at, open_width = opened[0]
        _add_unclosed(spans, text, open_at + open_width, para.end, para.index, open_at)


def _add_unclosed(spans: list[QuoteSpan], text: str, start: int, end: int, paragraph: int, open_mark: int) -> None:
    """A quotation left open runs to its paragraph's end, unless it holds its own attribution:
    “The bridge will stay closed, said Tom Brown, the county engineer (the closing mark lost)."""
    cue = _INNER_CUE.search(text, start, end)
    if cue is not None:
        comma = cue.start()
        _add(spans, text, start, comma + 1, paragraph, open_mark, comma)
        return
    _add(spans, text, start, end, paragraph, open_mark, None)


def _next_sentence_start(text: str, begin: int, end: int) -> int | None:
    """Where the first sentence starting at or after `begin` (and before `end`) begins."""
    if text[max(0, begin - 4):begin].rstrip("”\"'’").endswith((".", "!", "?")):
        stripped = len(text[begin:end]) - len(text[begin:end].lstrip())
        return begin + stripped if begin + stripped < end else None
    m = _SENTENCE_START.search(text, begin + 1, end)
    return m.end() if m and m.end() < end else None


def _add(spans: list[QuoteSpan], text: str, start: int, end: int, paragraph: int,
         open_mark: int | None, close_mark: int | None) -> None:
    # The white space around the quoted words stripped in place (str.strip's characters are those
    # of str.isspace), without a copy of the words.
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(QuoteSpan(start, end, paragraph, open_mark, close_mark))
