"""Fixtures of the hardening tests, borrowed from the other test folders rather than copied.

tests/bot gives the store built from the seed article, and the fake Bot API that records
PTB's calls; tests/digest gives the fake Bot API whose answers carry Telegram's faults. Added here:
that fake on a port that can be closed and reopened, the Application `briefbot run` builds over it,
and the bot's own redacting log handler at DEBUG.
"""
from __future__ import annotations

import io
import logging
import sys
from pathlib import Path

import pytest
from telegram.ext import ApplicationBuilder

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # test modules import the helpers beside this file

from servers import PollingBotApi, RestartableServer  # noqa: E402

import bot.frontends.telegram_app as app_module  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.logging_setup import configure_logging  # noqa: E402
from tests.bot.conftest import application, bot_api, seed_store  # noqa: E402,F401
from tests.digest.conftest import READ_TIMEOUT  # noqa: E402
from tests.digest.conftest import TOKEN as DIGEST_TOKEN  # noqa: E402


@pytest.fixture
async def server():
    """tests/digest's fake Bot API with its faults, which `briefbot run` can also long-poll."""
    s = RestartableServer(PollingBotApi())
    await s.start()
    yield s
    await s.stop()


class _ShortTimeouts(ApplicationBuilder):
    """build_application's builder, with a read timeout that the fake's "timeout" answer exceeds."""

    def build(self):
        self.read_timeout(READ_TIMEOUT).connect_timeout(1)
        return super().build()


@pytest.fixture
async def make_app(server, seed_store, tmp_path, monkeypatch):
    """`await make_app(rate_limit=..., **settings)`: the Application `briefbot run` builds, over `server`."""
    monkeypatch.setattr(app_module, "ApplicationBuilder", _ShortTimeouts)
    built = []

    async def make(rate_limit: bool = False, **overrides):
        paths = {"briefing_db": seed_store, "state_db": tmp_path / "state.db", "seeds_dir": tmp_path / "seeds"}
        settings = Settings(token=DIGEST_TOKEN, api_base_url=f"{server.fake.url}/bot", rate_limit=rate_limit,
                            **{**paths, **overrides})
        application = app_module.build_application(settings)
        await application.initialize()
        built.append(application)
        return application

    yield make
    for application in built:
        await application.shutdown()


@pytest.fixture
def redacted_stderr(monkeypatch):
    """The bot's own logging (configure_logging at DEBUG, token redacted) into a stand-in stderr;
    returns a function giving everything written so far."""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("DEBUG", [DIGEST_TOKEN])
    monkeypatch.undo()
    yield stream.getvalue
    root.handlers[:], root.level = saved
