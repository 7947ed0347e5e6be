"""Reported speech in the answers, over a store built from a fetched article and the seed article:
/quotes gives a person's direct quotations first and their reported statements after them, as plain
text (never in quotation marks or a blockquote) reported by the outlet; the pages cover both lists
once; the /who card and inline mode show both; /brief adds the document's statements."""
from __future__ import annotations

import re

import pytest

from bot.answers.commands import QUOTES_PAGE, CommandCore
from bot.build import build
from bot.store.queries import Store
from tests.hardening.telegram_html import problems
from tests.reported_articles import (
    AUTHORITY_REPORTED,
    QUELL_QUOTE,
    QUELL_REPORTED,
    write_seeds,
)

LINK = '<a href="https://coastwire.example/news/wall">Coast Wire</a>'


@pytest.fixture(scope="module")
def core(tmp_path_factory) -> CommandCore:
    folder = tmp_path_factory.mktemp("reported")
    build(write_seeds(folder / "seeds"), folder / "briefing.db")
    return CommandCore(Store(folder / "briefing.db"))


def blocks(html: str) -> list[str]:
    return html.split("\n\n")


def test_quotes_give_direct_quotations_first_then_what_was_reported_by_the_outlet(core):
    html = core.answer("quotes", "marta quell").html
    assert not problems(html)
    parts = blocks(html)
    assert parts[0].startswith("<b>Quotes by Marta Quell</b> (1–1 of 1)")
    assert parts[1].startswith(f"<blockquote>{QUELL_QUOTE},</blockquote>")
    assert parts[2].startswith("<b>Reported</b> (1–1 of 1)")
    # The outlet's words: plain text, no quotation marks or blockquote around them, and who reported them.
    assert parts[3] == (f"{QUELL_REPORTED}\n— <b>Marta Quell</b>, reported by {LINK},"
                        " 2024-04-16, ¶3")
    assert AUTHORITY_REPORTED not in html  # nobody named: not hers


def test_a_document_without_an_outlet_is_cited_by_its_title(core):
    html = core.answer("quotes", "milley").html
    assert "No direct quotations from them in the store." in html
    statement = blocks(html)[-1]
    assert statement.startswith("a prolonged war would result in more casualties\n— <b>Mark A. Milley</b>")
    assert "reported in <i>US officials said the Ukrainian attack" in statement
    assert "<blockquote>" not in statement and "“a prolonged" not in statement


@pytest.mark.parametrize("name", ["blinken", "haines", "marta quell"])
def test_pages_cover_the_quotations_then_the_statements_once(core, name):
    person = core.store.find_people(name)[0].id
    quotes, quote_total = core.store.quotes_by(person, 0, 100)
    statements, statement_total = core.store.statements_by(person, 0, 100)
    assert statement_total and statement_total == len(statements)
    seen, answer, pages = [], core.answer("quotes", name), 0
    while True:
        pages += 1
        assert not problems(answer.html)
        seen += [b for b in blocks(answer.html) if b.startswith("<blockquote>") or "\n— " in b]
        following = [b.callback for row in answer.buttons for b in row if b.label == "Next ▶"]
        if not following:
            break
        answer = core.answer_callback(following[0])
    assert pages == -(-(quote_total + statement_total) // QUOTES_PAGE)
    shown_quotes = [b for b in seen if b.startswith("<blockquote>")]
    shown_statements = [b for b in seen if not b.startswith("<blockquote>")]
    assert seen == shown_quotes + shown_statements  # every quotation before any statement
    assert [re.sub(r"</?blockquote>", "", b.split("\n— ")[0]) for b in shown_quotes] == [q.text for q in quotes]
    assert [b.split("\n— ")[0] for b in shown_statements] == [s.text.replace("&", "&amp;") for s in statements]
    assert all(", reported " in b for b in shown_statements)
    back = [b.callback for row in answer.buttons for b in row if b.label == "◀ Previous"]
    assert back == ([f"qp:{(pages - 2) * QUOTES_PAGE}:{person}"] if pages > 1 else [])


def test_the_card_shows_both_with_their_counts(core):
    html = core.answer("who", "marta quell").html
    assert not problems(html)
    assert "<b>Strongest quotes</b> (1 quotation in all)" in html
    assert "<b>Reported</b> (1 statement in all)" in html
    assert html.index(QUELL_QUOTE) < html.index(QUELL_REPORTED)
    assert f"{QUELL_REPORTED}\n— <b>Marta Quell</b>, reported by {LINK}" in html
    card = core.inline_results("marta quell")[0]
    assert card.html == html  # inline mode shares the card


def test_a_card_without_statements_says_nothing_of_them(core):
    html = core.answer("who", "tom brice").html
    assert "<b>Strongest quotes</b> (1 quotation in all)" in html and "Reported" not in html


def test_the_briefing_adds_the_documents_statements_after_its_quotes(core):
    number = next(n for n, s in enumerate(core.store.sources(), 1) if s.outlet == "Coast Wire")
    html = core.answer("brief", str(number)).html
    assert not problems(html)
    assert html.index("<b>Notable quotes</b>") < html.index("<b>Reported</b>")
    reported = html[html.index("<b>Reported</b>"):]
    assert f"{QUELL_REPORTED}\n— <b>Marta Quell</b>" in reported and AUTHORITY_REPORTED not in reported
