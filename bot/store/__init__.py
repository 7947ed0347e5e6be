"""briefing.db: its layout (`schema`), and the read-only questions the answers ask of it (`Store`).

The store is derived from the seed folder by `bot.build` and can be rebuilt at any time.
"""
from bot.store.queries import Store, StoreNotBuilt
from bot.store.search_text import NoUsableWords

__all__ = ["NoUsableWords", "Store", "StoreNotBuilt"]
