"""Alerts quote a followed person as the digest does: direct quotations attributed surely enough
(QUOTABLE_CONFIDENCE), never reported speech."""
from __future__ import annotations

from tests.reported_articles import (
    BRICE_QUOTE,
    HARBOUR,
    HARBOUR_PATH,
    QUELL_QUOTE,
    QUELL_REPORTED,
)

from .conftest import make_world

QUAY = "Quay meeting\n\nMarta Quell, the harbour master, met Councillor Tom Brice at the quay on Monday.\n"


def test_a_followed_person_is_alerted_only_of_sure_direct_quotations(tmp_path):
    world = make_world(tmp_path, seeds={"quay.txt": QUAY})
    try:
        world.matcher.check()
        world.commands.follow(1, "marta quell")
        world.commands.follow(1, "tom brice")
        (world.seeds / HARBOUR_PATH).parent.mkdir(parents=True)
        world.write(HARBOUR_PATH, HARBOUR)
        world.build()
        world.matcher.check()
        [item] = world.pending(1)
        assert QUELL_QUOTE in item.html and "<blockquote>" in item.html
        assert all(text not in item.html for text in (BRICE_QUOTE, QUELL_REPORTED))
        # What following him would have shown: nothing, his one quotation is below the threshold.
        assert "The store has no quotation of theirs yet." in world.commands.follow(2, "tom brice").html
    finally:
        world.state.close()
