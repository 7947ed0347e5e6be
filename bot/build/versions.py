"""The versions a stored extraction depends on: a bump of either makes every file be extracted again."""
from __future__ import annotations

import bot.extract
from bot.documents import READER_VERSION


def extractor_version() -> str:
    """The extractor's own version (bot.extract.EXTRACTOR_VERSION): a bump invalidates every stored extraction."""
    return str(getattr(bot.extract, "EXTRACTOR_VERSION", "0"))


def extraction_versions() -> str:
    """The key under which extractions are cached: the reader's and the extractor's versions."""
    return f"{READER_VERSION}|{extractor_version()}"
