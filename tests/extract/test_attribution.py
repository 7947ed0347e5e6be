"""Who said what, on articles written for each way attribution went wrong (issue 11).

Every article here is made up; each test names the class of mistake it guards against.
"""
from bot.documents import document_from_text
from bot.extract import extract


def run(body: str):
    text = "Headline of a test story\n\n" + body
    result = extract(document_from_text("t.txt", text))
    return result, {q.text: q.speaker for q in result.quotes}


# -- what stands between the name and the verb ------------------------------------------------------

def test_an_age_between_the_name_and_the_verb():
    _, quotes = run("“I have never seen the river this high in my life,” Dana Whitfield, 25, said on Sunday.")
    assert quotes["I have never seen the river this high in my life,"] == "Dana Whitfield"


def test_a_long_role_with_commas_between_the_name_and_the_verb():
    _, quotes = run("Henri Castel, the foreign minister of France, a permanent member of the Security Council, "
                    "said the vote would “change nothing at all on the ground.”")
    assert quotes["change nothing at all on the ground."] == "Henri Castel"


def test_an_affiliation_after_the_name():
    _, quotes = run("“The permit should never have been granted in the first place,” Mr. Oskar Brandt of the "
                    "Sierra Club said.")
    assert quotes["The permit should never have been granted in the first place,"] == "Oskar Brandt"


def test_a_title_with_a_city_and_a_day_after_the_verb():
    _, quotes = run("“We are asking everyone to stay away from the bridge tonight,” Tulsa police Chief Wendell "
                    "Franklin said Monday.")
    assert quotes["We are asking everyone to stay away from the bridge tonight,"] == "Wendell Franklin"


def test_a_relative_clause_between_the_name_and_the_verb():
    _, quotes = run("Marta Quill, who has run the shelter on Fifth Street since 2009, when it opened, said: "
                    "“We turn people away every single night.”")
    assert quotes["We turn people away every single night."] == "Marta Quill"


# -- attributions a reader sees but the rules did not -----------------------------------------------

def test_a_dash_names_the_speaker_in_a_list_of_voter_quotes():
    _, quotes = run("We asked voters in the square what they thought.\n\n"
                    "“The taxes are simply too high for families like mine.” ― Lena Okafor, nurse\n\n"
                    "“I want the schools fixed before anything else.” — Tomas Reyes")
    assert quotes["The taxes are simply too high for families like mine."] == "Lena Okafor"
    assert quotes["I want the schools fixed before anything else."] == "Tomas Reyes"


def test_a_continued_quotation_keeps_the_speaker_named_in_the_sentence_before():
    _, quotes = run("Mayor Ruth Adeyemi spoke to reporters after the vote on Tuesday. “We did what we promised. "
                    "The money goes to the parks, not to the consultants.”")
    assert quotes["We did what we promised. The money goes to the parks, not to the consultants."] == "Ruth Adeyemi"


def test_a_possessive_is_not_the_speaker():
    _, quotes = run("Walter Reed was charged on Friday.\n\n"
                    "“My client has done nothing wrong and will be cleared,” Reed’s lawyer, John Pryor, said.")
    assert quotes["My client has done nothing wrong and will be cleared,"] == "John Pryor"


def test_according_to_a_statement_from_a_named_senator():
    _, quotes = run("The bill “puts working families first and the lobbyists last,” according to a statement "
                    "from Senator Maria Delgado.")
    assert quotes["puts working families first and the lobbyists last,"] == "Maria Delgado"


def test_a_description_named_only_in_the_next_sentence():
    _, quotes = run("“This is the worst budget I have seen in twenty years,” the senator said. Senator Paul "
                    "Whitcombe has voted against every budget since 2010.")
    assert quotes["This is the worst budget I have seen in twenty years,"] == "Paul Whitcombe"


def test_told_names_the_listener_not_the_speaker():
    _, quotes = run("President Amara Obi posed for photographs with every guest.\n\n"
                    "“That was a good speech you gave last night, Madam President,” Representative Carl "
                    "Huber, Democrat of Ohio, told Ms. Obi.")
    assert quotes["That was a good speech you gave last night, Madam President,"] == "Carl Huber"


def test_a_passive_question_is_the_asker_s():
    _, quotes = run("Governor Lee Grant was asked by the moderator, Jan Pohl, “Would you raise taxes on "
                    "anyone earning under a million dollars?”")
    assert quotes["Would you raise taxes on anyone earning under a million dollars?"] == "Jan Pohl"


def test_a_quoted_phrase_inside_a_clause_belongs_to_that_clause_s_speaker():
    _, quotes = run("Ana Ruiz accused Tom Hale of running “a campaign of lies from start to finish” while Hale "
                    "said the charge was false.")
    assert quotes["a campaign of lies from start to finish"] == "Ana Ruiz"


def test_a_new_sentence_after_a_quotation_is_no_attribution():
    _, quotes = run("Governor Dana Price called the long lines “unacceptable and shameful.” Mayor Greg Stone "
                    "wrote a letter to the attorney general on Tuesday.")
    assert quotes["unacceptable and shameful."] == "Dana Price"


# -- people kept apart ------------------------------------------------------------------------------

def test_mr_and_ms_of_one_surname_stay_apart():
    result, quotes = run("Ms. Carol Hammond and her sons, Jake Hammond and Eli Hammond, run the farm.\n\n"
                         "“We will not sell the land,” Ms. Hammond said.\n\n"
                         "“Mother decides, not us,” Jake Hammond said.")
    assert quotes["We will not sell the land,"] == "Carol Hammond"
    assert quotes["Mother decides, not us,"] == "Jake Hammond"
    assert {"Carol Hammond", "Jake Hammond", "Eli Hammond"} <= {p.name for p in result.people}


# -- words that are names only with evidence ---------------------------------------------------------

def test_a_place_or_common_word_alone_is_no_person():
    result, quotes = run("“The city will never forget this,” Washington said in a statement.\n\n"
                         "“Prices will rise,” Bank said, according to the report.")
    assert not {p.name for p in result.people} & {"Washington", "Bank"}
    assert set(quotes.values()) == {None}


def test_a_surname_that_is_a_word_is_a_person_when_introduced_with_a_full_name():
    result, quotes = run("Ellen Park, the city’s budget director, presented the plan.\n\n"
                         "“We cut every department by five percent,” Ms. Park said.\n\n"
                         "“Nobody was spared,” Park added.")
    assert quotes["We cut every department by five percent,"] == "Ellen Park"
    assert quotes["Nobody was spared,"] == "Ellen Park"


def test_mr_before_a_word_surname_is_a_person():
    _, quotes = run("“We will rebuild the pier before the summer,” Mr. Harold Church told the council.")
    assert quotes["We will rebuild the pier before the summer,"] == "Harold Church"


# -- quotation marks -------------------------------------------------------------------------------

def test_a_quotation_nested_in_the_same_marks_is_kept_whole():
    _, quotes = run("“My father told me, “never sell the farm,” and I never will,” said Ruth Ames.")
    assert quotes["My father told me, “never sell the farm,” and I never will,"] == "Ruth Ames"


def test_an_unclosed_quotation_that_holds_its_own_cue():
    _, quotes = run("“We expect the road to open by Friday,” said Mayor Ann Lutz.\n\n"
                    "“The bridge will stay closed until the engineers are satisfied, said Tom Brown, the "
                    "county engineer.")
    assert quotes["The bridge will stay closed until the engineers are satisfied,"] == "Tom Brown"


def test_two_apostrophes_are_quotation_marks():
    _, quotes = run("''The middle class is getting clobbered,'' Mr. Dan Biel told reporters.")
    assert quotes["The middle class is getting clobbered,"] == "Dan Biel"


# -- reported speech ---------------------------------------------------------------------------------

def reported(body: str):
    result, _ = run(body)
    return {q.text: (q.kind, q.speaker, q.cue) for q in result.reported}


def test_reported_speech_after_the_verb():
    found = reported("Avril Haines, the director of national intelligence, said Mr. Putin could claim a "
                     "victory in the east by the summer.")
    assert found == {"Mr. Putin could claim a victory in the east by the summer":
                     ("indirect", "Avril Haines", "said")}


def test_reported_speech_before_the_verb_and_according_to():
    found = reported("The talks failed after two days, Ms. Laura Bigbee said on Monday. According to the "
                     "ministry, the border will stay closed until June.")
    assert found["The talks failed after two days"] == ("indirect", "Laura Bigbee", "said")
    assert found["the border will stay closed until June"] == ("indirect", None, "According to")


def test_reported_speech_that_quotes_some_words_is_mixed_and_stays_out_of_the_quotations():
    result, quotes = run("Governor Tom Reyes said the budget was “dead on arrival” in the Senate.")
    assert [(q.kind, q.speaker) for q in result.reported] == [("mixed", "Tom Reyes")]
    assert result.reported[0].text == "the budget was “dead on arrival” in the Senate"
    assert all(q.kind == "direct" for q in result.quotes) and quotes == {"dead on arrival": "Tom Reyes"}


def test_told_reports_the_clause_after_that():
    found = reported("Senator Ana Ruiz told reporters on Friday that the vote would be delayed again.")
    assert found == {"the vote would be delayed again": ("indirect", "Ana Ruiz", "told")}


def test_what_was_not_said_is_not_reported():
    assert reported("Senator Harry Reid would not say whether he would support the plan.") == {}
    assert reported("Senator Harry Reid announced the steps at the White House on Monday.") == {}


def test_a_pronoun_source_is_resolved_like_a_quotation_s():
    found = reported("Mayor Ruth Adeyemi toured the flooded streets on Monday. She said the city would "
                     "rebuild the levee before winter.")
    assert found == {"the city would rebuild the levee before winter": ("indirect", "Ruth Adeyemi", "said")}


def test_every_statement_has_a_confidence_and_a_cue_that_cite_the_text():
    text = "Headline of a test story\n\nAvril Haines said Mr. Putin could claim a victory by the summer."
    result = extract(document_from_text("t.txt", text))
    for statement in result.reported:
        assert 0 <= statement.confidence <= 1
        assert text[statement.cue_start:statement.cue_end] == statement.cue
        assert text[statement.start:statement.end] == statement.text
