"""Fixtures of the hardening tests, borrowed from the other test folders rather than copied.

tests/bot gives stores built from the seed and a synthetic story, and the fake Bot API that records
PTB's calls; tests/digest gives the fake Bot API server that answers with Telegram's faults.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # test modules import the helpers beside this file

from tests.bot.conftest import application, bot_api, seed_store, synthetic_store  # noqa: E402,F401
from tests.digest.conftest import api, settings  # noqa: E402,F401
