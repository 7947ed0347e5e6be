"""Fixtures of the follow and alert tests: real stores built by `bot.build.build` from seed files
written here (the repository's seed article plus documents each test adds), a real state.db, the
fake Bot API of tests/digest and its clock that moves only when told."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.build import build
from bot.delivery.fanout import Sender
from bot.delivery.state import StateStore
from bot.follows.alerts import AlertDelivery
from bot.follows.commands import FollowCommands
from bot.follows.matching import Matcher
from bot.follows.state import FollowState
from bot.store.changes import StoreWatch
from bot.store.queries import Store
from tests.digest.conftest import SEED, FakeClock, api, bot, clock  # noqa: F401 - fixtures

# A new document, as a wire story: Blinken quoted twice, Crimea in one paragraph.
KYIV = """Blinken visits Kyiv

Secretary of State Anthony J. Blinken arrived in Kyiv on Wednesday for talks on Crimea and the counteroffensive.

“We are here to listen, and to make sure Ukraine has what it needs for as long as it takes,” Mr. Blinken said.

“No one should doubt our resolve, now or in the months ahead,” Mr. Blinken said at the embassy.
"""

FOOTBALL = """Crimea derby ends level

The football match in Crimea ended in a draw on Sunday, before a crowd of twelve thousand.

“We deserved more from this game than a single point,” said coach Ivan Petrenko.
"""


@dataclass
class World:
    """A seed folder and the store built from it, state.db, and the bot's follow machinery over them."""
    root: Path
    clock: FakeClock
    state: StateStore
    follows: FollowState
    commands: FollowCommands
    matcher: Matcher
    store: Store

    @property
    def seeds(self) -> Path:
        return self.root / "seeds"

    @property
    def db(self) -> Path:
        return self.root / "briefing.db"

    def write(self, name: str, text: str) -> None:
        (self.seeds / name).write_text(text, encoding="utf-8")

    def build(self, full: bool = False):
        """Build the store from the seed folder: in place when it can, or (`full`) a clean new file."""
        if full:
            for path in self.root.glob("briefing.db*"):
                path.unlink()
        return build(self.seeds, self.db)

    def pending(self, chat_id: int) -> list:
        """The chat's waiting alerts (QueuedItem), oldest first."""
        return self.follows.pending(chat_id)

    def keys(self, chat_id: int) -> list[str]:
        return [item.key for item in self.pending(chat_id)]

    def item(self, key: str) -> tuple:
        return tuple(self.state.db.execute("SELECT kind, html, line FROM alert_items WHERE key = ?", [key]).fetchone())

    def delivery_due_chats(self) -> dict:
        return AlertDelivery(None, self.follows, self.state, self.clock, 0).due(self.clock.now())[0]

    def delivery(self, bot, batch_minutes: float = 0.0) -> AlertDelivery:
        return AlertDelivery(Sender(bot, self.clock), self.follows, self.state, self.clock, batch_minutes)


def make_world(root: Path, clock: FakeClock | None = None, batch_minutes: float = 10.0,
               seeds: dict[str, str] | None = None) -> World:
    """A world whose seed folder holds the repository's seed article, or `seeds` (name → text) instead."""
    (root / "seeds").mkdir(parents=True, exist_ok=True)
    if seeds is None:
        shutil.copy(SEED, root / "seeds" / SEED.name)
    for name, text in (seeds or {}).items():
        (root / "seeds" / name).write_text(text, encoding="utf-8")
    build(root / "seeds", root / "briefing.db")
    clock = clock or FakeClock(datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc))
    state = StateStore(root / "state.db")
    follows = FollowState(state)
    store = Store(root / "briefing.db")
    commands = FollowCommands(store, follows, state, clock, batch_minutes)
    matcher = Matcher(StoreWatch(root / "briefing.db"), follows, clock)
    return World(root, clock, state, follows, commands, matcher, store)


@pytest.fixture
def world(tmp_path):
    w = make_world(tmp_path)
    w.matcher.check()  # the first look: the seed article is the archive, it alerts nobody
    yield w
    w.state.close()
