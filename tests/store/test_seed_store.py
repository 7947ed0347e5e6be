"""The store built from the real seed article with the real extractor."""
import pytest

from bot.queries import HIGHLIGHT_START, Store
from bot.store import build



@pytest.fixture
def seed_store(seed_folder, tmp_path):
    build(seed_folder, tmp_path / "briefing.db")
    return Store(tmp_path / "briefing.db")


def test_who_finds_blinken_with_alias_role_and_quotes(seed_store):
    match = seed_store.find_people("blinkin")[0]
    card = seed_store.person_card(match.id)
    assert card.name == "Anthony J. Blinken"
    assert "Mr. Blinken" in card.aliases
    assert "secretary of state" in card.role.lower()
    assert len(card.quotes) == 3 and all(q.speaker == "Anthony J. Blinken" for q in card.quotes)


@pytest.mark.parametrize("asked, found", [("haines", "Avril D. Haines"), ("Xi", "Xi Jinping"),
                                          ("zelenski", "Volodymyr Zelensky"), ("Milley", "Mark A. Milley")])
def test_fuzzy_names_on_the_seed(seed_store, asked, found):
    assert seed_store.find_people(asked)[0].name == found


def test_seed_quotes_search_and_brief(seed_store):
    assert seed_store.summary()["quotes"] >= 17
    hits, total = seed_store.search("Crimea")
    assert total >= 3 and HIGHLIGHT_START in hits[0].snippet
    brief = seed_store.brief()
    assert brief.credits == ["Julian E Barnes", "Stephen Erlanger"]
    assert brief.key_points and brief.people and brief.quotes


def test_quiz_distractors_are_people_of_the_news_not_the_bylines_reporters(seed_store):
    import random

    for seed in range(30):
        _, others = seed_store.quiz_question(random.Random(seed))
        assert not {"Julian E Barnes", "Stephen Erlanger"} & set(others)
