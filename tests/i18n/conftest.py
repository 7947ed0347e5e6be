"""Fixtures of the language tests: the stores of tests/bot (the seed article, the synthetic articles)
and the helpers of tests/hardening (the Telegram HTML validator)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hardening"))  # telegram_html

from tests.bot.conftest import seed_store, synthetic_store  # noqa: E402,F401 - fixtures
