"""Composing digests over a real store built from the seed article (and copies of it with new headlines)."""
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot import build as store_builder
from bot.answers.render import MESSAGE_LIMIT
from bot.delivery.digest import (
    DOCUMENT,
    MAX_PARTS,
    NEWEST,
    PERSON,
    QUOTE,
    ROTATION_PAGE,
    DigestComposer,
    document_key,
)
from bot.store.queries import Store

from .conftest import SEED

SLOT = datetime(2026, 3, 1, 8, tzinfo=timezone.utc)


def build(tmp_path: Path, copies: int = 0, same_story: bool = False) -> Store:
    """A store of the seed article and `copies` more documents: other stories made of disjoint parts of
    its paragraphs, or (`same_story`) the whole story again, as other outlets would carry it."""
    seeds = tmp_path / "seeds"
    seeds.mkdir(exist_ok=True)
    shutil.copy(SEED, seeds / SEED.name)
    text = SEED.read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n", 1)[1].split("\n\n") if p.strip()]
    for n in range(copies):
        body = "\n\n".join(paragraphs if same_story else paragraphs[n * 4:n * 4 + 4])
        (seeds / f"copy{n}.txt").write_text(f"Copy {n}: officials weigh the next phase\n\n" + body, encoding="utf-8")
    store_builder.build(seeds, tmp_path / "briefing.db")
    return Store(tmp_path / "briefing.db")


class CountingStore:
    """A real Store that counts briefings fetched, to see how often a digest is composed."""

    def __init__(self, store: Store):
        self.store = store
        self.briefs = 0

    def brief(self, n=None, **limits):
        self.briefs += 1
        return self.store.brief(n, **limits)

    def __getattr__(self, name):
        return getattr(self.store, name)


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory):
    return build(tmp_path_factory.mktemp("seed"))


def test_first_digest_briefs_the_new_document_with_sources(seed_store, state):
    digest = DigestComposer(seed_store, state).digest_for(1, only_news=False)
    [text] = digest.parts
    title = seed_store.sources()[0].title
    assert "new document" in text and f"<b>{title}</b>" in text
    assert "Who is who:" in text and "Anthony J. Blinken (Secretary of State)" in text
    assert "<blockquote>" in text and "(¶" in text  # the quote and the key points cite paragraphs
    assert digest.items[DOCUMENT] == [title] and len(digest.items[QUOTE]) == 1


def test_once_seen_the_news_gives_way_to_a_spotlight_that_never_repeats_until_exhausted(seed_store, state):
    composer = DigestComposer(seed_store, state)
    state.mark_seen(1, composer.digest_for(1, False).items)
    people_total = seed_store.list_people(0, 1000)[1]
    people, quotes = [], []
    for _ in range(people_total + 1):
        digest = composer.digest_for(1, False)
        assert "Spotlight" in digest.parts[0] and "nothing new" in digest.parts[0]
        people += digest.items[PERSON]
        quotes += digest.items.get(QUOTE, [])
        state.mark_seen(1, digest.items)
    assert len(set(people[:people_total])) == people_total  # every person once ...
    assert people[people_total] == people[0]  # ... then the round starts again
    distinct_quotes = len(set(quotes))
    assert distinct_quotes >= 5 and quotes[:distinct_quotes] == list(dict.fromkeys(quotes))[:distinct_quotes]


def test_only_news_means_nothing_on_a_day_without_news(seed_store, state):
    composer = DigestComposer(seed_store, state)
    assert composer.digest_for(1, only_news=True).parts  # the news itself still comes
    state.mark_seen(1, composer.digest_for(1, True).items)
    assert composer.digest_for(1, only_news=True).empty


def test_each_distinct_digest_is_composed_once_per_slot(seed_store, state):
    counting = CountingStore(seed_store)
    composer = DigestComposer(counting, state)
    state.mark_seen(3, {DOCUMENT: [seed_store.sources()[0].title]})
    digests = [composer.digest_for(chat, False, SLOT) for chat in (1, 2, 4, 5)]  # all four: the news
    assert counting.briefs == 1 and all(d is digests[0] for d in digests)
    spotlight = composer.digest_for(3, False, SLOT)  # chat 3 has seen it: a different digest
    assert "Spotlight" in spotlight.parts[0]
    composer.digest_for(1, False, SLOT.replace(day=2))  # the next slot composes afresh
    assert counting.briefs == 2


def test_one_story_from_several_outlets_is_told_once(tmp_path, state):
    store = build(tmp_path, copies=2, same_story=True)
    digest = DigestComposer(store, state).digest_for(1, False)
    text = "\n\n".join(digest.parts)
    assert "1 new document" in text and text.count("Also reported by: ") == 1
    assert len(digest.items[DOCUMENT]) == 3  # all three copies are told
    state.mark_seen(1, digest.items)
    assert "Spotlight" in DigestComposer(store, state).digest_for(1, False).parts[0]


def test_many_new_documents_fit_a_short_thread(tmp_path, state):
    many = build(tmp_path, copies=6)
    digest = DigestComposer(many, state).digest_for(1, False)
    assert 1 <= len(digest.parts) <= MAX_PARTS
    assert all(len(part) <= MESSAGE_LIMIT for part in digest.parts)
    text = "\n\n".join(digest.parts)
    assert "7 new documents" in text and "<b>Also new</b>" in text and "/brief 7" in text
    assert len(digest.items[DOCUMENT]) == 7  # the listed ones count as delivered news too
    state.mark_seen(1, digest.items)
    assert "Spotlight" in DigestComposer(many, state).digest_for(1, False).parts[0]


def test_stored_text_is_escaped(tmp_path, state):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Tags <b>&</b> in a headline\n\n" + SEED.read_text(encoding="utf-8").split("\n", 1)[1],
                                 encoding="utf-8")
    store_builder.build(seeds, tmp_path / "b.db")
    [text] = DigestComposer(Store(tmp_path / "b.db"), state).digest_for(1, False).parts
    assert "Tags &lt;b&gt;&amp;&lt;/b&gt; in a headline" in text


class PageCountingStore(CountingStore):
    """A real Store that records the pages of people and quotes a spotlight reads."""

    def __init__(self, store: Store):
        super().__init__(store)
        self.pages: list[tuple[str, int, int]] = []

    def list_people(self, offset=0, limit=10):
        self.pages.append(("people", offset, limit))
        return self.store.list_people(offset, limit)

    def recent_quotes(self, offset=0, limit=5):
        self.pages.append(("quotes", offset, limit))
        return self.store.recent_quotes(offset, limit)


def test_only_the_newest_are_news_and_a_spotlight_reads_a_page_not_the_whole_store(tmp_path, state):
    store = PageCountingStore(build(tmp_path, copies=NEWEST + 5))
    composer = DigestComposer(store, state)
    news = composer.plan(1, only_news=False)
    assert len(news.documents) + len(news.also_new) == NEWEST  # a new subscriber is not sent the archive
    state.mark_seen(1, {DOCUMENT: [document_key(info) for info in store.sources(0, NEWEST)]})
    spotlight = composer.plan(1, only_news=False)
    assert spotlight.person is not None and spotlight.quote is not None
    assert store.pages == [("people", 0, ROTATION_PAGE), ("quotes", 0, ROTATION_PAGE)]
