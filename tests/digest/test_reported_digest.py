"""The digest quotes only direct quotations attributed surely enough (QUOTABLE_CONFIDENCE, the README's
0.9) and never reported speech, over a store built from a fetched article whose longest quotation is
attributed through "he said" (0.84)."""
from __future__ import annotations

import pytest

from bot.build import build
from bot.delivery.digest import DOCUMENT, DigestComposer
from bot.models import QUOTABLE_CONFIDENCE
from bot.store.queries import Store
from tests.reported_articles import (
    BRICE_QUOTE,
    QUELL_QUOTE,
    QUELL_REPORTED,
    write_seeds,
)


@pytest.fixture
def store(tmp_path) -> Store:
    build(write_seeds(tmp_path / "seeds", with_seed_article=False), tmp_path / "briefing.db")
    return Store(tmp_path / "briefing.db")


def test_the_threshold_is_the_readmes():
    assert QUOTABLE_CONFIDENCE == 0.9


def test_news_quotes_the_sure_quotation_not_the_stronger_unsure_one(store, state):
    briefing = store.brief(1)  # /brief shows every quotation, strongest (longest) first
    assert [q.text.startswith(BRICE_QUOTE) for q in briefing.quotes] == [True, False]
    assert briefing.quotes[0].confidence < QUOTABLE_CONFIDENCE <= briefing.quotes[1].confidence
    [text] = DigestComposer(store, state).digest_for(1, only_news=False).parts
    assert f"<blockquote>{QUELL_QUOTE}," in text and "— <b>Marta Quell</b>" in text
    # (His words may still be one of the key points, which cite their paragraph and attribute nothing.)
    assert f"<blockquote>{BRICE_QUOTE}" not in text and "— <b>Tom Brice</b>" not in text
    assert QUELL_REPORTED not in text and "Reported" not in text and "reported by" not in text


def test_the_spotlight_skips_quotations_below_the_threshold(store, state):
    composer = DigestComposer(store, state)
    state.mark_seen(1, {DOCUMENT: [store.sources()[0].title]})
    plan = composer.plan(1, only_news=False)
    spotlight = store.quote(plan.quote)
    assert spotlight.text.startswith(QUELL_QUOTE) and spotlight.confidence >= QUOTABLE_CONFIDENCE
    state.mark_seen(1, composer.compose(plan).items)
    assert composer.plan(1, only_news=False).quote == plan.quote  # the rotation starts again: never Mr. Brice's
