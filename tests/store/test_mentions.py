"""A person's mentions in a document as person_documents keeps them (`mentioned`)."""
from bot.store.mentions import mentioned_paragraphs, mentioned_text


def test_mentions_come_back_as_they_went_in():
    stored = mentioned_text([(5, ["120-139"]), (6, ["4-12", "30-38"]), (9, [])])
    assert stored == "5:120-139 6:4-12,30-38 9:"
    assert mentioned_paragraphs(stored) == [(5, [(120, 139)]), (6, [(4, 12), (30, 38)]), (9, [])]


def test_a_person_mentioned_in_no_paragraph_has_none():
    assert mentioned_text([]) == ""
    assert mentioned_paragraphs("") == mentioned_paragraphs(None) == []
