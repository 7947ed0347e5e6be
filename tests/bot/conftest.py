"""Fixtures for the bot's offline tests: real stores built from seed files, and a fake Bot API.

The fake Bot API (telegram_fakes.py) is a local aiohttp server that records every call PTB makes and
answers like Telegram would, so handlers run for real (PTB's request layer included) without a network.
"""
from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

import pytest
from aiohttp import web

sys.path.insert(0, str(Path(__file__).parent))  # test modules import telegram_fakes

from bot.app import build_application  # noqa: E402
from bot.commands import CommandCore  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.queries import Store  # noqa: E402
from bot.store import build  # noqa: E402
from telegram_fakes import TOKEN, FakeBotApi  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_7c73074e746b7734.txt"


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory) -> Path:
    """briefing.db built from the repository's seed article."""
    folder = tmp_path_factory.mktemp("seed")
    (folder / "seeds").mkdir()
    shutil.copy(SEED, folder / "seeds" / SEED.name)
    build(folder / "seeds", folder / "briefing.db")
    return folder / "briefing.db"


@pytest.fixture
def core(seed_store) -> CommandCore:
    return CommandCore(Store(seed_store), rng=random.Random(7))


@pytest.fixture
async def bot_api():
    api = FakeBotApi()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", api.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    api.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    yield api
    await runner.cleanup()


@pytest.fixture
async def application(bot_api, seed_store, tmp_path):
    """The real Application (as `briefbot run` builds it) talking to the fake Bot API."""
    settings = Settings(token=TOKEN, api_base_url=f"{bot_api.url}/bot", briefing_db=seed_store,
                        state_db=tmp_path / "state.db", rate_limit=False)
    app = build_application(settings)
    await app.initialize()
    yield app
    await app.shutdown()
