"""A person's mentions in a document as person_documents keeps them (`mentioned`)."""
from bot.store.mentions import mentioned_paragraphs, mentioned_value


def test_mentions_come_back_as_they_went_in():
    stored = mentioned_value([(5, [(120, 139)]), (6, [(4, 12), (30, 38)]), (9, [])])
    assert stored == bytes.fromhex("05 01 f0 01 13 01 02 08 08 24 08 03 00")
    assert mentioned_paragraphs(stored) == [(5, [(120, 139)]), (6, [(4, 12), (30, 38)]), (9, [])]


def test_large_offsets_and_mentions_out_of_order_come_back_too():
    items = [(0, [(0, 0)]), (7, [(300, 310), (12, 20), (12, 20)]), (128, []), (20_000, [(70_000, 2 ** 40)])]
    assert mentioned_paragraphs(mentioned_value(items)) == items


def test_a_person_mentioned_in_no_paragraph_has_none():
    assert mentioned_value([]) == b""
    assert mentioned_paragraphs(b"") == mentioned_paragraphs(None) == []
