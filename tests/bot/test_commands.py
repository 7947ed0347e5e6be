"""The command core over real stores: the seed article and two small synthetic articles."""
from __future__ import annotations

import random

import pytest

from bot.answers import render
from bot.answers.commands import COMMANDS, CommandCore, parse_command
from bot.store.queries import Store


def callbacks(answer) -> dict[str, str]:
    return {b.label: b.callback for row in answer.buttons for b in row if b.callback is not None}


@pytest.mark.parametrize("asked", ["Anthony J. Blinken", "blinken", "blinkin", "Mr. Blinken", "BLINKEN"])
def test_who_finds_blinken_however_asked(core, asked):
    answer = core.answer("who", asked)
    assert answer.html.startswith("<b>Anthony J. Blinken</b>\nSecretary of State\nAlso called:")
    mentions = core.store.find_people("Anthony J. Blinken", 1)[0].mentions
    assert f"Mentioned {mentions} times in <i>US officials said" in answer.html
    assert "<b>Strongest quotes</b>" in answer.html and "¶" in answer.html
    assert set(callbacks(answer)) == {"All quotes", "Mentions", "Trend", "Follow"}
    assert ("Follow", f"fl:p:{core.store.find_people(asked, 1)[0].id}") in [(b.label, b.callback) for row in answer.buttons for b in row]


@pytest.mark.parametrize(("asked", "name"), [("haines", "Avril D. Haines"), ("Xi", "Xi Jinping"),
                                             ("zelenskyy", "Volodymyr Zelensky")])
def test_who_partial_and_misspelt(core, asked, name):
    assert core.answer("who", asked).html.startswith(f"<b>{name}</b>")


def test_who_several_matches_offers_a_choice(synthetic):
    answer = synthetic.answer("who", "smith")
    assert answer.html.startswith("Several people match “smith”")
    choice = callbacks(answer)
    assert set(choice) == {"Jane Smith", "John Smith"}
    assert synthetic.answer_callback(choice["John Smith"]).html.startswith("<b>John Smith</b>\nSenator")


def test_who_unknown_suggests_closest_names(core):
    answer = core.answer("who", "Blinkn Toni")
    assert answer.html.startswith("Nobody called “Blinkn Toni” in the store. Closest names:")
    assert list(callbacks(answer))[0] == "Anthony J. Blinken"
    answer = core.answer("who", "Zqxw Vvvv")
    assert "Closest names" in answer.html and len(callbacks(answer)) == 3


def test_who_alone_lists_everybody_by_prominence_in_pages(core):
    _, total = core.store.list_people(0, 1)
    assert 10 < total <= 20  # the seed names more than a page of people
    first = core.answer("who")
    assert f"(1–10 of {total}, most mentioned first)" in first.html
    assert first.html.index("Anthony J. Blinken") < first.html.index("Avril D. Haines")
    second = core.answer_callback(callbacks(first)["Next ▶"])
    assert f"(11–{total} of {total}" in second.html and "◀ Previous" in callbacks(second)
    assert core.answer_callback(callbacks(second)["◀ Previous"]).html == first.html


def test_quotes_by_a_person_page_forward_and_back(synthetic):
    first = synthetic.answer("quotes", "reyes")
    assert "Quotes by Tom Reyes</b> (1–5 of 12)" in first.html
    assert "— <b>Tom Reyes</b>, Port director · <i>Senate hearing on the harbour budget</i>, ¶" in first.html
    second = synthetic.answer_callback(callbacks(first)["Next ▶"])
    third = synthetic.answer_callback(callbacks(second)["Next ▶"])
    assert "(6–10 of 12)" in second.html and "(11–12 of 12)" in third.html
    assert "Next ▶" not in callbacks(third)
    assert synthetic.answer_callback(callbacks(second)["◀ Previous"]).html == first.html


def test_quotes_escape_stored_text(synthetic):
    answer = synthetic.answer("quotes", "okonkwo")
    assert "Fishermen &lt;and&gt; dockers &amp; sailors" in answer.html


def test_quotes_about_a_topic_and_all_quotes(core):
    about = core.answer("quotes", "ukraine")
    assert about.html.startswith("<b>Quotes about ukraine</b>") and "¶" in about.html
    _, total = core.store.recent_quotes(0, 1)
    every = core.answer("quotes")
    assert every.html.startswith(f"<b>All quotes</b> (1–5 of {total})")


def test_quotes_with_no_words_is_explained(core):
    assert "has no words I can look for" in core.answer("quotes", "*** ((").html


def test_long_topics_fit_callback_data_and_still_page(synthetic):
    topic = "harbour " + "кран " * 40
    answer = synthetic.answer("quotes", "harbour")
    assert "Next ▶" in callbacks(answer)
    long = synthetic.quotes_about(topic, 0)
    for data in [*callbacks(answer).values(), *callbacks(long).values()]:
        assert len(data.encode()) <= render.CALLBACK_LIMIT


@pytest.mark.parametrize("hostile", ['"unbalanced', "crimea) OR (", "NEAR(a b)", "*", "a:b", "🙂🙂",
                                     "AND", "x" * 5000, "\x00\x02\x03", "<script>alert(1)</script>"])
def test_search_never_raises_on_hostile_input(core, hostile):
    html = core.answer("search", hostile).html
    assert "<script>" not in html


def test_search_highlights_and_cites(core):
    answer = core.answer("search", "diplomacy")
    assert "<b>diplomacy</b>" in answer.html and "¶" in answer.html
    assert "(1–5 of 6, best first)" in answer.html  # six paragraphs of the seed say "diplomacy"
    assert "(6–6 of 6" in core.answer_callback(callbacks(answer)["Next ▶"]).html


def test_search_without_usable_words_gets_help(core):
    assert "has no words I can search for" in core.answer("search", "*** ) (").html
    assert core.answer("search").html.startswith("Usage: /search WORDS")


def test_brief_newest_nth_and_wrong(synthetic):
    newest = synthetic.answer("brief").html
    assert newest.startswith("<b>Senate hearing on the harbour budget</b>")
    second = synthetic.answer("brief", "2").html
    assert second.startswith("<b>Harbour talks resume in Valdora</b>")
    assert "<b>Key points</b>" in second and "<b>Who is who</b>" in second and "• <b>Maria Okonkwo</b>, Prime Minister" in second
    assert "<b>Notable quotes</b>" in second
    assert "no document 3; the store holds 2" in synthetic.answer("brief", "3").html
    assert synthetic.answer("brief", "latest").html.startswith("Usage: /brief [N]")


def test_sources_lists_documents(synthetic):
    html = synthetic.answer("sources").html
    assert "1. <b>Senate hearing on the harbour budget</b>" in html and "2. <b>Harbour talks resume" in html
    assert "4 people, 5 quotes" in html


def test_quiz_is_a_real_quotation_with_its_speaker_among_four(core, seed_store):
    store = Store(seed_store)
    for seed in range(5):
        answer = CommandCore(store, rng=random.Random(seed)).answer("quiz")
        poll = answer.poll
        speaker = poll.options[poll.correct]
        assert len(poll.options) == 4 and len(set(poll.options)) == 4
        quoted = poll.question.removeprefix("Who said it? “").removesuffix("”")
        hits, _ = store.quotes_by(store.find_people(speaker, 1)[0].id, 0, 50)
        assert any(h.text.startswith(quoted.rstrip("…")) for h in hits)
        assert poll.explanation.startswith(speaker) and "¶" in poll.explanation
        assert len(poll.question) <= 300 and len(poll.explanation) <= 200


def test_quiz_needs_four_people(tmp_path):
    from bot.build import build

    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "a.txt").write_text("Title\n\n“We go,” Mayor Ivan Brodsky said.\n")
    build(tmp_path / "seeds", tmp_path / "b.db")
    answer = CommandCore(Store(tmp_path / "b.db")).answer("quiz")
    assert answer.poll is None and "at least four people" in answer.html


def test_deep_links_open_the_same_answer(core):
    assert core.answer("start", "who-blinken").html == core.answer("who", "blinken").html
    assert core.answer("start", "quotes-haines").html == core.answer("quotes", "haines").html
    assert core.answer("start", "search-crimea").html == core.answer("search", "crimea").html
    assert core.answer("start").html.startswith("Hello!")
    assert core.answer("start", "nonsense").html.startswith("Hello!")


def test_help_lists_every_command_with_an_example(core):
    html = core.answer("help").html
    for command in COMMANDS:
        assert f"/{command.name}" in html and render.escape(command.example) in html


def test_inline_results_share_the_card_and_quotes_verbatim(core):
    results = core.inline_results("blinken")
    assert results[0].html == core.answer("who", "blinken").html
    quotes, _ = core.store.quotes_by(core.store.find_people("blinken", 1)[0].id, 0, 50)
    assert [r.id for r in results[1:]] == [f"q{q.id}" for q in quotes[:len(results) - 1]]
    assert core.inline_results("") and core.inline_results("%%%") == []


def test_unknown_commands_and_expired_buttons(core):
    assert core.answer("frobnicate").html == "I don't know /frobnicate. Send /help for the list of commands."
    assert core.answer("subscribe", "08:00").html.startswith(
        "/subscribe (a daily digest at your local time) works in a Telegram chat: send it to the bot there")
    assert "expired" in core.answer_callback("zz:1:").html
    assert "expired" in core.answer_callback("qp:x:1").html
    assert "no longer in the store" in core.answer_callback("p:99999:").html


def test_every_answer_fits_one_message(core):
    for command, args in [("who", ""), ("who", "blinken"), ("quotes", ""), ("search", "russia"),
                          ("brief", ""), ("sources", ""), ("help", "")]:
        answer = core.answer(command, args)
        assert len(answer.html) <= render.MESSAGE_LIMIT, command
        assert all(len(b.callback.encode()) <= 64 for row in answer.buttons for b in row if b.callback)


def test_parse_command():
    assert parse_command("/who@BriefBot  anthony blinken") == ("who", "anthony blinken")
    assert parse_command("/WHO") == ("who", "")
    assert parse_command("who") is None and parse_command("/ who") is None


def test_sources_shows_the_newest_of_a_large_store(tmp_path):
    from bot.answers.commands import SOURCES_SHOWN
    from bot.build import build

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for n in range(SOURCES_SHOWN + 5):
        (seeds / f"{n:03}.txt").write_text(f"Story number {n}\n\nMayor Ivan Brodsky opened bridge {n}.\n")
    build(seeds, tmp_path / "briefing.db")
    html = CommandCore(Store(tmp_path / "briefing.db")).answer("sources").html
    assert f"the newest {SOURCES_SHOWN} of {SOURCES_SHOWN + 5}" in html
    assert html.count("</b> — ") == SOURCES_SHOWN
