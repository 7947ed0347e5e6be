"""The time source of the push side, injected so tests can advance time instead of sleeping."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` (a fake clock just moves on)."""


class SystemClock:
    """Real time."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
