"""User text made safe for full-text search, and snippets with the matched words marked."""
from __future__ import annotations

from bot.store.names import WORD

HIGHLIGHT_START, HIGHLIGHT_END = "\x02", "\x03"
_MAX_SEARCH_TERMS = 16
_MAX_TERM_LENGTH = 64
_SNIPPET_CHARS = 240


class NoUsableWords(ValueError):
    """The search text has no word to look for (only punctuation, emoji, operators or spaces)."""


def search_terms(text: str) -> list[str]:
    """The words of user text that a search looks for, each once (at most 16, each cut to 64 letters).

    Operators (AND, OR, NOT, NEAR), quotes, parentheses, `*` and `:` lose their meaning: every word
    is looked for as itself. Raises NoUsableWords when no word is left.
    """
    terms: list[str] = []
    for word in WORD.findall(text[:10_000]):
        word = word[:_MAX_TERM_LENGTH]
        if word.casefold() not in (t.casefold() for t in terms):
            terms.append(word)
        if len(terms) == _MAX_SEARCH_TERMS:
            break
    if not terms:
        raise NoUsableWords(text)
    return terms


def match_expression(text: str | list[str], any_word: bool = False) -> str:
    """User text (or its `search_terms`) as a safe FTS5 query: each word a quoted term, all required
    (or, with `any_word`, any of them)."""
    terms = search_terms(text) if isinstance(text, str) else text
    return (" OR " if any_word else " ").join(f'"{term}"' for term in terms)


def highlight(text: str, spans: list[tuple[int, int]], width: int = _SNIPPET_CHARS) -> str:
    """`text` cut to about `width` characters around the first span, spans wrapped in \\x02 … \\x03."""
    spans = sorted((max(0, s), min(len(text), e)) for s, e in spans if e > s)
    if len(text) <= width or not spans:
        left, right = 0, min(len(text), width) if not spans else len(text)
    else:
        left = max(0, spans[0][0] - width // 3)
        right = min(len(text), left + width)
        left = text.rfind(" ", 0, left) + 1 if left else 0
        space = text.find(" ", right)
        right = len(text) if space == -1 else space
    out, cursor = [], left
    for start, end in spans:
        if start < cursor or end > right:
            continue
        out += [text[cursor:start], HIGHLIGHT_START, text[start:end], HIGHLIGHT_END]
        cursor = end
    out.append(text[cursor:right])
    return ("…" if left else "") + "".join(out) + ("…" if right < len(text) else "")
