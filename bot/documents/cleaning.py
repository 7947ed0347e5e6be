"""What is not story text: site furniture ("See also …", "Share this:") and bylines, which become credits."""
from __future__ import annotations

import re

from bot.models import Paragraph

_HAS_WORD = re.compile(r"\w")
# Boilerplate and bylines are short; a long paragraph that happens to start alike is story text.
_SHORT_WORDS = 40
# Lines that sites wrap around a story, recognised by how they open (after markup is removed).
_BOILERPLATE = re.compile(
    r"""^(?:
        (?:see|read)\s+(?:also|more)\b                        # See also  Migrant deaths …
      | also\s+read\b | read\s+next\b
      | (?:related|recommended|more\s+(?:from|on)\s+[^:]{0,40}|trending|most\s+(?:read|popular))\s*:
      | you\s+(?:may|might)\s+(?:also\s+)?(?:like|be\s+interested)
      | leave\s+a\s+(?:reply|comment)                          # comment forms
      | (?:post|add|write)\s+a\s+comment | cancel\s+reply
      | comments?\s+(?:are\s+closed|\(\d+\)|policy)
      | your\s+email\s+address\s+will\s+not\s+be\s+published
      | required\s+fields\s+are\s+marked
      | save\s+my\s+name,?\s+email
      | (?:share|tweet|email|print)\s+(?:this|on|via)\b      # share and subscribe prompts
      | share\s*(?::|$) | click\s+to\s+(?:share|email|print|tweet)
      | (?:subscribe|sign\s+up)\s+(?:to|for|now|today|here)\b | subscribe\s*$
      | follow\s+us\b | like\s+this\s*: | advertisement\s*$ | loading\.{3}\s*$
      | (?:copyright\b|©)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_ANYWHERE_BOILERPLATE = re.compile(r"all\s+rights\s+reserved", re.IGNORECASE)

# "Julian E Barnes contributed reporting from Washington", "Reporting by X; Editing by Y".
_CREDIT_PHRASE = re.compile(
    r"\b(?:contribut\w*\s+(?:reporting|to\s+this\s+(?:report|article|story))"
    r"|(?:additional\s+)?reporting\s+by|(?:writing|editing|edited|written|compiled)\s+by)\b",
    re.IGNORECASE,
)
# Each credit phrase holds one of these, matched alike: a quick search that rules out most paragraphs.
_CREDIT_HINT = re.compile(r"contribut|by", re.IGNORECASE)
_NAME = r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4}"
_FULL_NAME = re.compile(rf"{_NAME}")
_BY_LINE = re.compile(rf"^By\s+{_NAME}(?:(?:\s*,\s*|\s+and\s+){_NAME})*\.?$")
# Places in bylines: "from Washington", "in New York".
_PLACE = re.compile(r"\b(?:from|in)\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*")
_CREDIT_SEPARATOR = re.compile(r"\s*(?:[,;|&]|\band\b)\s*")

# Markdown markup that is not words: block markers, link targets, emphasis.
_MD_BLOCK_MARKER = re.compile(r"^(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d+[.)][ \t]+)")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"[*_`]+")


def plain_words(text: str) -> str:
    """`text` without Markdown markup and with whitespace collapsed: what a reader sees."""
    # Each substitution is made only where its markup can be: looking costs much less than substituting.
    if "[" in text:
        text = _MD_LINK.sub(r"\1", text)
    text = _MD_BLOCK_MARKER.sub("", text.lstrip())
    if "*" in text or "_" in text or "`" in text:
        text = _MD_EMPHASIS.sub("", text)
    return " ".join(text.split())


MAX_TITLE = 300  # characters: a headline longer than this (a one-line file) is cut with "…"
# Invisible characters that reorder or hide text: bidi controls, zero-width spaces and joiners, BOMs.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def clean_title(title: str) -> str:
    """A headline as chats will see it: no bidi controls or zero-width characters (which could
    reorder or hide what it says), no control characters, whitespace collapsed, at most MAX_TITLE
    characters."""
    title = " ".join(_CONTROL.sub(" ", _INVISIBLE.sub("", title)).split())
    return title if len(title) <= MAX_TITLE else title[:MAX_TITLE - 1].rstrip() + "…"


def is_boilerplate(text: str) -> bool:
    """True for site furniture such as "See also …", "Leave a Reply", "Share this:"."""
    words = plain_words(text)
    return len(words.split()) <= _SHORT_WORDS and _is_short_boilerplate(words)


def _is_short_boilerplate(words: str) -> bool:
    """`is_boilerplate` of a text already made plain (`plain_words`) and short (at most _SHORT_WORDS words)."""
    return bool(_BOILERPLATE.match(words) or _ANYWHERE_BOILERPLATE.search(words))


def credited_names(text: str) -> list[str]:
    """The names in a byline, or [] when `text` is not a byline.

    >>> credited_names("Julian E Barnes Contributing reporting from Washington, W Stephen Erlanger from Brussels.")
    ['Julian E Barnes', 'Stephen Erlanger']
    """
    words = plain_words(text)
    return _short_credited_names(words) if len(words.split()) <= _SHORT_WORDS else []


def _short_credited_names(words: str) -> list[str]:
    """`credited_names` of a text already made plain (`plain_words`) and short (at most _SHORT_WORDS words)."""
    if not (_CREDIT_HINT.search(words) and _CREDIT_PHRASE.search(words) or _BY_LINE.match(words)):
        return []
    remainder = _PLACE.sub("|", re.sub(r"^By\s+", "|", _CREDIT_PHRASE.sub("|", words)))
    names = []
    for piece in _CREDIT_SEPARATOR.split(remainder):
        piece = piece.strip(" .")
        tokens = piece.split()
        # A bare leading letter is a mangled connector ("W Stephen Erlanger" for "w/ Stephen …").
        if len(tokens) > 2 and len(tokens[0]) == 1:
            piece = " ".join(tokens[1:])
        if len(piece.split()) >= 2 and _FULL_NAME.fullmatch(piece):
            names.append(piece)
    return names


def story_and_credits(paragraphs: list[Paragraph]) -> tuple[list[Paragraph], list[str]]:
    """Story paragraphs (renumbered from 0) and the credited names, dropping boilerplate."""
    story: list[Paragraph] = []
    credits: list[str] = []
    for paragraph in paragraphs:
        if not _HAS_WORD.search(paragraph.text):
            continue
        if len(paragraph.text.split(maxsplit=_SHORT_WORDS)) <= _SHORT_WORDS:  # long ones are story text
            words = plain_words(paragraph.text)  # as short: markup removed never adds words
            if _is_short_boilerplate(words):
                continue
            names = _short_credited_names(words)
            if names:
                credits.extend(name for name in names if name not in credits)
                continue
        if paragraph.index != len(story):
            paragraph = Paragraph(len(story), paragraph.start, paragraph.end, paragraph.text)
        story.append(paragraph)
    return story, credits
