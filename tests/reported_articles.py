"""Seed files with both direct quotations and reported speech, for the tests of how the store keeps
reported speech apart (tests/store, tests/answers, tests/digest).

HARBOUR is a fetched article (front matter with url and outlet, as bot.sources.seed_files writes
them). The real extractor finds in it: a quotation of Marta Quell (confidence 0.98); her reported
statement about the cost (0.94); an unattributed statement of the harbour authority; and the longest
quotation, Tom Brice's, given to him through "he said" (0.84, below the digest's 0.9).
"""
from __future__ import annotations

import shutil
from pathlib import Path

HARBOUR_PATH = "feeds/coast-wire/2024-04/harbour-wall-before-winter-3f9a1c0b2e.md"
HARBOUR = """---
title: 'Harbour wall to be rebuilt before winter'
url: 'https://coastwire.example/news/wall'
outlet: 'Coast Wire'
author: 'Jane Doe'
date: '2024-04-16T09:00:00Z'
source: 'coast-wire'
id: '3f9a1c0b2e'
---

The harbour authority said on Tuesday that the old sea wall at Kettle Point will be rebuilt before the winter storms.

“We will rebuild the wall before the first storm,” said Marta Quell, the harbour master.

Ms. Quell said the work would cost about four million pounds and that the fishing fleet would keep its moorings.

Councillor Tom Brice walked along the quay with the engineers on Tuesday afternoon.

“The wall has stood for more than a century, the town has waited long enough for it, and we will not let another winter of storms pass before the repairs are done,” he said.
"""
QUELL_QUOTE = "We will rebuild the wall before the first storm"
QUELL_REPORTED = "the work would cost about four million pounds and that the fishing fleet would keep its moorings"
AUTHORITY_REPORTED = "the old sea wall at Kettle Point will be rebuilt before the winter storms"
BRICE_QUOTE = "The wall has stood for more than a century"

SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_7c73074e746b7734.txt"


def write_seeds(folder: Path, with_seed_article: bool = True) -> Path:
    """A seed folder with HARBOUR (and the repository's seed article, a plain .txt without an outlet)."""
    path = folder / HARBOUR_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HARBOUR, encoding="utf-8")
    if with_seed_article:
        shutil.copy(SEED, folder / SEED.name)
    return folder
