"""Finding quotation spans: curly and straight marks, multi-paragraph quotes, broken marks.

Quotations never cross a paragraph: a mark left open at a paragraph's end closes there (the
convention for quotes running over several paragraphs), so a lost closing mark cannot swallow the
rest of the article.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.models import Paragraph

_MARKS = re.compile(r"[“”\"«»„]")
_SENTENCE_START = re.compile(r"(?:^|[.!?][”\"’)]*\s+)(?=[A-Z“\"])")


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


def _is_opening(text: str, pos: int, para: Paragraph) -> bool:
    mark = text[pos]
    if mark in "“«„":
        return True
    if mark in "”»":
        return False
    # A straight mark opens when it follows a space (or starts the paragraph) and touches a word.
    before = text[pos - 1] if pos > para.start else " "
    after = text[pos + 1] if pos + 1 < para.end else " "
    return (before.isspace() or before in "([{—–-/:") and not after.isspace()


def find_quote_spans(text: str, paragraphs: list[Paragraph]) -> list[QuoteSpan]:
    spans: list[QuoteSpan] = []
    for para in paragraphs:
        open_at: int | None = None
        last_close: int | None = None
        for m in _MARKS.finditer(text, para.start, para.end):
            pos = m.start()
            if _is_opening(text, pos, para):
                # A second opening mark while one is open: the first lost its closing mark.
                open_at = pos
                continue
            if open_at is not None:
                _add(spans, text, open_at + 1, pos, para.index, open_at, pos)
                open_at, last_close = None, pos + 1
            elif last_close is not None:
                # “…,” she added. Territorial concessions would … abuses.”  (opening mark lost)
                start = _next_sentence_start(text, last_close, pos)
                if start is not None:
                    _add(spans, text, start, pos, para.index, None, pos)
                last_close = pos + 1
        if open_at is not None:
            _add(spans, text, open_at + 1, para.end, para.index, open_at, None)
    return spans


def _next_sentence_start(text: str, begin: int, end: int) -> int | None:
    """Where the first sentence starting at or after `begin` (and before `end`) begins."""
    if text[begin - 2: begin - 1] in (".", "!", "?") or text[begin - 1: begin] in (".", "!", "?"):
        stripped = len(text[begin:end]) - len(text[begin:end].lstrip())
        return begin + stripped if begin + stripped < end else None
    m = _SENTENCE_START.search(text, begin + 1, end)
    return m.end() if m and m.end() < end else None


def _add(spans: list[QuoteSpan], text: str, start: int, end: int, paragraph: int,
         open_mark: int | None, close_mark: int | None) -> None:
    inner = text[start:end]
    start += len(inner) - len(inner.lstrip())
    end -= len(inner) - len(inner.rstrip())
    if end > start:
        spans.append(QuoteSpan(start, end, paragraph, open_mark, close_mark))
