"""Documents are hostile too (an admin forwards whatever a site printed): a store built from seeds full
of markup, entities, control characters and giant titles still gives valid Telegram HTML in every
answer, button, inline result and digest part."""
from __future__ import annotations

import random
from datetime import datetime, timezone

from hostile import MARKUP, phrase
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram_html import problems
from test_hostile_core import assert_telegram_takes

from bot.answers import render
from bot.answers.commands import CommandCore
from bot.build import build
from bot.delivery.digest import MAX_PARTS, DigestComposer
from bot.delivery.state import StateStore
from bot.store.queries import Store

TITLE = "Breaking: <b>Talks</b> & “deals” " + "&<>" * 1500  # a 4,500-character headline of markup
STORY = f"""{TITLE}

Prime Minister <i>Maria</i> Okonkwo & Trade Minister Jonas Albrecht met in Valdora on Monday.\x07

“We will not sign <script>alert(1)</script> anything & everything,” Ms. Okonkwo said.

{"Mr. Albrecht said the <fees> & <dues> would fall. " * 120}

“{"&amp; <b>nested</b> " * 300},” Mr. Albrecht said.
"""


def answers(core: CommandCore):
    for command, args in [("who", ""), ("who", "okonkwo"), ("who", "albrecht"), ("quotes", ""),
                          ("quotes", "okonkwo"), ("quotes", "fees"), ("search", "fees"), ("search", "nested"),
                          ("brief", ""), ("brief", "1"), ("sources", ""), ("quiz", "")]:
        yield core.answer(command, args)


def check_store(folder, stories: list[str]) -> None:
    seeds = folder / "seeds"
    seeds.mkdir()
    for n, story in enumerate(stories):
        (seeds / f"{n}.txt").write_text(story, encoding="utf-8")
    build(seeds, folder / "briefing.db")
    store = Store(folder / "briefing.db")
    core = CommandCore(store, rng=random.Random(1))
    for answer in answers(core):
        assert_telegram_takes(answer)
        for row in answer.buttons:
            for button in row:
                if button.callback:
                    assert_telegram_takes(core.answer_callback(button.callback))
    for query in ["", "okonkwo", "fees"]:
        for result in core.inline_results(query):
            assert result.title.strip() and problems(render.split_message(result.html)[0]) == []
    state = StateStore(folder / "state.db")
    digest = DigestComposer(store, state).digest_for(1, False, datetime(2026, 3, 1, 8, tzinfo=timezone.utc))
    read = store.summary().get("documents", 0)  # a file with a NUL byte is skipped as binary
    assert (1 if read else 0) <= len(digest.parts) <= MAX_PARTS
    for part in digest.parts:
        assert problems(part) == [], problems(part)
    state.close()


def test_a_document_of_markup_and_giant_titles_gives_valid_answers_and_digests(tmp_path):
    check_store(tmp_path, [STORY])
    assert Store(tmp_path / "briefing.db").summary()["documents"] == 1


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paragraphs=st.lists(st.one_of(phrase, st.sampled_from(MARKUP).map(lambda m: m * 700)), min_size=1,
                           max_size=6))
def test_random_hostile_documents_give_valid_answers_and_digests(tmp_path_factory, paragraphs):
    story = "\n\n".join(["Mayor Ivan Brodsky <b>opened</b> & closed", *paragraphs,
                         "“The city & the <port> will pay,” Mayor Ivan Brodsky said."])
    check_store(tmp_path_factory.mktemp("hostile"), [story])
