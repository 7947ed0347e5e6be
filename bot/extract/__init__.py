"""Extraction of people, quotations and key points from a Document (work in progress)."""
from __future__ import annotations

from bot.models import Document, Extraction


def extract(document: Document) -> Extraction:
    """All that the store keeps of one document."""
    return Extraction(people=[], quotes=[], key_points=[])
