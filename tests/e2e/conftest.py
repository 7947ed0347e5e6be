"""End-to-end fixtures: a store built from the seed, and the emulator with `briefbot run` before it."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # test modules import emulator

from emulator import SEED, Front, start_bot  # noqa: E402

from bot.build import build  # noqa: E402


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    seeds = folder / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    build(seeds, folder / "briefing.db")
    return folder / "briefing.db"


@pytest.fixture(scope="module")
def polling_bot(tmp_path_factory, seed_store):
    """The emulator front and a `briefbot run` long-polling it, shared by a module's tests."""
    front = Front()
    bot = start_bot(front, tmp_path_factory.mktemp("polling"), seed_store)
    yield front, bot
    bot.stop()
    front.stop()
