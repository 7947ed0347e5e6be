"""When a name asked for is "that person": one close match, or a near-exact one clearly ahead."""
from __future__ import annotations

from bot.models import PersonMatch

SURE_MATCH = 90  # among several matches, one this good and clearly ahead of the next is "that person"
CLEAR_LEAD = 10
TOPIC_MATCH = 85  # /quotes X and /trend X treat X as a speaker only when the name matches this well


def is_sure(matches: list[PersonMatch]) -> bool:
    """One match (the store returns only close ones), or a near-exact one clearly ahead of the rest."""
    if len(matches) == 1:
        return True
    best = matches[0]
    return best.score >= SURE_MATCH and best.score - matches[1].score >= CLEAR_LEAD
