"""Where a document's person is mentioned, as `person_documents.mentioned` keeps it: a blob of unsigned
LEB128 varints (7 bits a byte, the high bit set on all bytes of a number but its last), one item per
paragraph in paragraph order: the paragraph (less the previous item's), how many mentions it holds,
then for each mention its start (less the previous mention's end, zigzag-coded: a mention may start
before it) and its length, the offsets relative to the paragraph. [(5, [(120, 139)]), (6, [(4, 12),
(30, 38)])] is 05 01 f0 01 13 01 02 08 08 24 08: 11 bytes where "5:120-139 6:4-12,30-38" took 22, and
read back faster. Kept in the person's own row of the document: a row per paragraph cost as much again
in keys and row headers as the offsets themselves.
"""
from __future__ import annotations


def mentioned_value(paragraphs: list[tuple[int, list[tuple[int, int]]]]) -> bytes:
    """The stored form of (paragraph, [(start, end), …]) items, in paragraph order."""
    out = bytearray()

    def put(value: int) -> None:
        while value >= 0x80:
            out.append(value & 0x7F | 0x80)
            value >>= 7
        out.append(value)

    previous = 0
    for paragraph, spans in paragraphs:
        put(paragraph - previous)
        previous = paragraph
        put(len(spans))
        end = 0
        for start, stop in spans:
            step = start - end
            put(step * 2 if step >= 0 else -step * 2 - 1)
            put(stop - start)
            end = stop
    return bytes(out)


def mentioned_paragraphs(stored: bytes | None) -> list[tuple[int, list[tuple[int, int]]]]:
    """(paragraph, [(start, end), …]) of each paragraph in a stored `mentioned`."""
    if not stored:
        return []
    if max(stored) < 0x80:  # every number below 128: a byte each
        values = list(stored)
    else:
        values, value, shift = [], 0, 0
        for byte in stored:
            if byte & 0x80:
                value |= (byte & 0x7F) << shift
                shift += 7
            else:
                values.append(value | byte << shift)
                value = shift = 0
    out = []
    paragraph = i = 0
    while i < len(values):
        paragraph += values[i]
        count = values[i + 1]
        i += 2
        spans = []
        end = 0
        for _ in range(count):
            step = values[i]
            start = end + (step >> 1 if not step & 1 else -((step + 1) >> 1))
            end = start + values[i + 1]
            spans.append((start, end))
            i += 2
        out.append((paragraph, spans))
    return out
