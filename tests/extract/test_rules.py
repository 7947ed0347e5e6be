"""Extraction rules on sentences written for them: each names the case it exists for."""
from bot.documents import document_from_text
from bot.extract import extract


def run(body: str):
    text = "Headline of a test story\n\n" + body
    result = extract(document_from_text("t.txt", text))
    return result, {q.text: q.speaker for q in result.quotes}


def test_pronoun_takes_the_subject_not_the_object():
    _, quotes = run("Speaking in Salem, Donald Trump went after Jeb Bush, calling him weak.\n\n"
                    "He says, “Here’s a guy who could not run a lemonade stand.”")
    assert quotes["Here’s a guy who could not run a lemonade stand."] == "Donald Trump"


def test_she_skips_men():
    _, quotes = run("Ms. Laura Perez met Mr. Tom Bryant in Boston on Monday.\n\n"
                    "“We will not back down from this fight,” she said.")
    assert quotes["We will not back down from this fight,"] == "Laura Perez"


def test_paragraph_ending_in_a_colon_introduces_the_next_quote():
    _, quotes = run("Senator Maria Gonzalez continued:\n\n“The questions asked tonight show why people "
                    "do not trust the media.”")
    assert quotes["The questions asked tonight show why people do not trust the media."] == "Maria Gonzalez"


def test_inverted_cue_with_a_title():
    _, quotes = run("“We had to acknowledge that we had a big issue with trade,” said United Auto Workers "
                    "Secretary-Treasurer Gary Casteel.")
    assert quotes["We had to acknowledge that we had a big issue with trade,"] == "Gary Casteel"


def test_descriptions_are_no_named_speaker():
    _, quotes = run("“The border will stay closed for the rest of the year,” a senior official said.")
    assert quotes["The border will stay closed for the rest of the year,"] is None


def test_scare_quotes_and_titles_are_not_quotations():
    _, quotes = run("The band played “Saturday Night Live” favourites while critics called the plan "
                    "a “reset” of sorts.")
    assert quotes == {}


def test_a_lost_opening_mark_does_not_swallow_the_text():
    result, quotes = run("“I find that shocking,” said Anna Berg. The deal would reward aggression. "
                         "Worse, it sets a precedent.”\n\nThe next paragraph is plain reporting and "
                         "mentions “nothing” quoted.")
    assert quotes["I find that shocking,"] == "Anna Berg"
    assert quotes["The deal would reward aggression. Worse, it sets a precedent."] == "Anna Berg"
    assert all("plain reporting" not in q for q in quotes)


def test_an_unclosed_mark_ends_with_its_paragraph():
    _, quotes = run("Mr. Ali Hassan said: “We came here with nothing and built everything\n\n"
                    "Officials declined to comment on the matter.")
    assert quotes == {"We came here with nothing and built everything": "Ali Hassan"}


def test_multi_paragraph_quote_keeps_its_speaker():
    _, quotes = run("“The first part of my answer is about the economy and jobs,” said Gov. Ellen Park.\n\n"
                    "“The second part is about schools, which matter just as much.”")
    assert quotes["The second part is about schools, which matter just as much."] == "Ellen Park"


def test_people_roles_and_aliases():
    result, _ = run("Germany’s foreign minister, Annalena Lindqvist, met Foreign Minister Wu Tao in Vienna. "
                    "Ms. Lindqvist said little. Mr. Wu left early. The White House and the Black Sea Fleet "
                    "were not mentioned by Lindqvist.")
    people = {p.name: p for p in result.people}
    assert set(people) == {"Annalena Lindqvist", "Wu Tao"}
    assert people["Annalena Lindqvist"].role == "Germany’s foreign minister"
    assert {"Ms. Lindqvist", "Lindqvist"} <= set(people["Annalena Lindqvist"].aliases)
    assert people["Wu Tao"].role == "Foreign Minister" and "Mr. Wu" in people["Wu Tao"].aliases


def test_an_honorific_keeps_people_of_one_surname_apart():
    _, quotes = run("Governor Jane Smith vetoed the bill on Friday.\n\n"
                    "“This veto will not stand for long in this state,” said Mr. Smith, the Democrat.")
    assert quotes["This veto will not stand for long in this state,"] == "Smith"


def test_a_quotation_without_a_cue_belongs_to_the_previous_sentences_subject():
    _, quotes = run("John Bolton distanced himself from the movement on Monday. "
                    "“I am going to support him, and support him enthusiastically.”")
    assert quotes["I am going to support him, and support him enthusiastically."] == "John Bolton"


def test_a_closed_quotation_is_not_attributed_to_the_next_sentences_subject():
    _, quotes = run("Morris says the campaign will “compete vigorously for the nomination.” "
                    "The move was first reported by a local paper.")
    assert quotes["compete vigorously for the nomination."] == "Morris"


def test_people_sharing_a_surname_stay_apart():
    result, quotes = run("Hillary Clinton thinks schools test too much, former President Bill Clinton said.\n\n"
                         "Bill Clinton said it was “not that there shouldn’t be tests at all.”")
    assert {p.name for p in result.people} == {"Hillary Clinton", "Bill Clinton"}
    assert quotes["not that there shouldn’t be tests at all."] == "Bill Clinton"


def test_infinitive_cue_takes_the_sentence_subject():
    _, quotes = run("Ms. Claudia Tenney spoke for an hour. She went on to say:\n\n"
                    "“None of them will come out and support the nominee.”")
    assert quotes["None of them will come out and support the nominee."] == "Claudia Tenney"


def test_a_participle_speaks_for_the_cue_before_it():
    _, quotes = run("Donald Trump’s excesses are sickening, François Hollande said Tuesday in Paris, noting "
                    "that the nominee “makes you want to retch.”")
    assert quotes["makes you want to retch."] == "François Hollande"


def test_a_pronoun_subject_carries_to_the_next_quoted_sentence():
    _, quotes = run("Gloria Garcia, a nurse from Brownsville, was among those polled. She says people should "
                    "choose for themselves. “It is their life; they are not hurting anybody.”")
    assert quotes["It is their life; they are not hurting anybody."] == "Gloria Garcia"


def test_lower_case_words_are_the_texts_whole_lower_case_words():
    """The look-up that tells "Prosecutors said" from a name finds exactly `_LOWER_WORD`'s matches,
    whether it looks for the word alone (the first few look-ups) or in all the text's words (after)."""
    from bot.extract import _LOOKUPS_ALONE, _LOWER_WORD, _LowerCaseWords

    text = ("the prosecutors_ said x3abc abc3 éabc abcé Abc aBc ab abc-def abc’s «abc» the_end ǅabc ½abc "
            "officials ended there theory lately")
    expected = set(_LOWER_WORD.findall(text))
    candidates = sorted({w for w in text.replace("’", " ").replace("-", " ").split()} | {
        "abc", "def", "end", "the", "prosecutors", "officials", "lat", "late", "lately", "her", "ory", "s", "éabc"})
    for word in candidates:
        assert (word in _LowerCaseWords(text)) == (word in expected), word  # looked for alone
    words = _LowerCaseWords(text)
    assert [word in words for word in candidates] == [word in expected for word in candidates]
    assert len(candidates) > _LOOKUPS_ALONE and words.words == expected  # then collected once: linear time
