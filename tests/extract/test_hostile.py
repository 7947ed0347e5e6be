"""Extraction on hostile text: what it finds stays sound, and nothing deep or long breaks it.

How fast it is on these shapes is measured by benchmarks/bench_adversarial.py, not here.
"""
import pytest

from benchmarks.bench_adversarial import SHAPES, generate
from bot.documents import document_from_text
from bot.extract import extract


def run(body: str):
    text = "Headline of a test story\n\n" + body
    return text, extract(document_from_text("t.txt", text))


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_hostile_shape_extracts_with_offsets_that_cite_the_text(shape):
    text = generate(shape, 20_000)
    result = extract(document_from_text("hostile.txt", text))
    names = {p.name for p in result.people}
    for quote in result.quotes:
        assert text[quote.start:quote.end] == quote.text
        assert quote.speaker is None or quote.speaker in names


def test_a_pronoun_chain_longer_than_the_recursion_limit_says_nothing_rather_than_crash():
    # Each "She" refers to the "She" before it; thousands of links are no evidence of anyone.
    _, result = run("Ms. Ada Karvel arrived in town on Monday. "
                    + "She walked to the square and waited. " * 3000
                    + "“We will stay until the vote is over,” she said.")
    assert [(q.text, q.speaker) for q in result.quotes] == [("We will stay until the vote is over,", None)]


def test_a_short_pronoun_chain_still_reaches_its_name():
    _, result = run("Ms. Ada Karvel arrived in town on Monday. She walked to the square. She waited. "
                    "“We will stay until the vote is over,” she said.")
    assert result.quotes[0].speaker == "Ada Karvel"


def test_participles_chained_without_end_keep_the_first_subject():
    _, result = run("Ms. Ada Karvel spoke on Monday, " + "saying that the roads were closed, " * 2000
                    + "saying “We will stay until the vote is over.”")
    assert result.quotes[-1].speaker == "Ada Karvel"


def test_a_capitalised_soup_is_no_crowd_of_people():
    def people(groups: int) -> set[str]:
        soup = " ".join(["Karvel Dostani Velmor Brian Tamsel"] * groups)
        return {p.name for p in run(soup + " said nothing.")[1].people}
    # However long the run, the names read in it are those of a few of its words.
    assert people(2000) == people(3) and len(people(3)) <= 3


def test_a_short_form_goes_to_the_nearest_person_of_its_gender_among_many_of_one_surname():
    people = " ".join(f"{first} Karvel met the board." for first in
                      ["John", "Mary", "Peter", "Anna", "Paul", "Linda"] * 60)
    _, result = run(people + " Linda Karvel stayed. Paul Karvel left.\n\n"
                    "“We will stay until the vote is over,” Ms. Karvel said.")
    assert result.quotes[0].speaker == "Linda Karvel"


def test_deeply_nested_and_unclosed_marks_keep_quotations_inside_their_paragraph():
    text, result = run("“a " * 5000 + "b.” " * 5000 + "\n\nMr. Tom Brown said: “We will not wait")
    assert result.quotes[-1].text == "We will not wait" and result.quotes[-1].speaker == "Tom Brown"
    for quote in result.quotes:
        assert "\n" not in quote.text
