"""Plain-text seed files (`.txt`): the first non-empty line is the headline."""
from __future__ import annotations

from pathlib import Path

from bot.documents.cleaning import clean_title, story_and_credits
from bot.documents.paragraphs import split_lines, split_paragraphs
from bot.models import Document


def document_from_text(path: str, text: str) -> Document:
    """A plain-text document: the first non-empty line is the headline."""
    paragraphs, credits = story_and_credits(split_lines(split_paragraphs(text), text))
    first_line = next((title for title in map(clean_title, text.splitlines()) if title), "")
    return Document(path=path, title=first_line or clean_title(Path(path).stem), text=text,
                    paragraphs=paragraphs, credits=credits)
