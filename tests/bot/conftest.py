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

from telegram_fakes import TOKEN, FakeBotApi  # noqa: E402

from bot.answers.commands import CommandCore  # noqa: E402
from bot.build import build  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.frontends.telegram_app import build_application  # noqa: E402
from bot.store.queries import Store  # noqa: E402

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


HARBOUR = """Harbour talks resume in Valdora

Prime Minister Maria Okonkwo met Trade Minister Jonas Albrecht in Valdora on Monday to restart the harbour talks.

“We will not sign anything that hurts our fishermen,” Ms. Okonkwo said after the meeting.

Mr. Albrecht said the port fees would fall. “The harbour must stay open to everyone,” he said.

“Fishermen <and> dockers & sailors deserve a fair deal,” Ms. Okonkwo added.

Union leader Petra Novak said the strike would continue. “We are not going back to work until the fees are gone,” Ms. Novak said.

Mayor Ivan Brodsky said, “The city will pay for the new cranes.”
"""


def senate_story() -> str:
    """Two Smiths (for choices) and one speaker with twelve quotations (for paging)."""
    lines = ["Senate hearing on the harbour budget", "",
             "Senator John Smith questioned Governor Jane Smith about the harbour budget on Tuesday.", "",
             "Port director Tom Reyes answered for the harbour.", ""]
    for n in range(1, 13):
        lines += [f"“Budget line {n} is about the harbour and the cranes,” Mr. Reyes said.", ""]
    return "\n".join(lines)


@pytest.fixture(scope="session")
def synthetic_store(tmp_path_factory) -> Path:
    """briefing.db built from two small synthetic articles with known people and quotes."""
    folder = tmp_path_factory.mktemp("synthetic")
    seeds = folder / "seeds"
    seeds.mkdir()
    (seeds / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    (seeds / "senate.txt").write_text(senate_story(), encoding="utf-8")
    build(seeds, folder / "briefing.db")
    return folder / "briefing.db"


@pytest.fixture
def synthetic(synthetic_store) -> CommandCore:
    return CommandCore(Store(synthetic_store), rng=random.Random(3))


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
