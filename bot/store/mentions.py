"""Where a document's person is mentioned, as `person_documents.mentioned` keeps it: one item per
paragraph, in paragraph order, "paragraph:start-end,start-end", the offsets relative to the paragraph
(e.g. "5:120-139 6:4-12,30-38"). Kept in the person's own row of the document: a row per paragraph
cost as much again in keys and row headers as the offsets themselves.
"""
from __future__ import annotations


def mentioned_text(paragraphs: list[tuple[int, list[str]]]) -> str:
    """The stored form of (paragraph, ["start-end", …]) items, in paragraph order."""
    return " ".join(f"{paragraph}:{','.join(spans)}" for paragraph, spans in paragraphs)


def mentioned_paragraphs(text: str | None) -> list[tuple[int, list[tuple[int, int]]]]:
    """(paragraph, [(start, end), …]) of each paragraph in a stored `mentioned`."""
    out = []
    for item in (text or "").split():
        paragraph, _, spans = item.partition(":")
        out.append((int(paragraph), [(int(start), int(end)) for start, end in
                                     (span.split("-") for span in spans.split(",") if span)]))
    return out
