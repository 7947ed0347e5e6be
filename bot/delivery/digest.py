"""Composing a chat's digest: the news it has not had yet, else a short spotlight, as Telegram HTML.

A digest is decided in two steps. `plan` looks at what the chat has seen and picks what to show (a
small hashable `DigestPlan`); `compose` turns a plan into messages in a language. Chats whose plans
and languages are equal get the same digest, so `DigestComposer.digest_for` composes each distinct
(language, plan) once per time slot.
"""
from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, TypeVar

from bot.answers import render
from bot.delivery.state import StateStore
from bot.delivery.voices import WeeklyVoices
from bot.i18n import ENGLISH, Translator
from bot.i18n import translator as translator_for
from bot.models import QUOTABLE_CONFIDENCE, Briefing, QuoteHit, SourceInfo

if TYPE_CHECKING:
    from bot.store.queries import Store

FULL_DOCUMENTS = 3  # new documents briefed in full; further ones are listed by title
KEY_POINTS = 3
PEOPLE = 6
MAX_PARTS = 3  # a digest is one message or a short thread, never a flood
SPOTLIGHT_QUOTE_WORDS = 6
NEWEST = 20  # how many of the newest documents a digest looks at for news
ROTATION_PAGE = 200  # people or quotes read at a time when looking for the next spotlight
CACHE_SLOTS = 256

DOCUMENT, PERSON, QUOTE = "document", "person", "quote"
FOLLOWING = "following"  # seen-kind of the alerts a digest's "Following" section showed
FOLLOWING_SHOWN = 8
FOLLOWING_DAYS = 7  # a digest looks this far back for what the chat's follows did
T = TypeVar("T")


@dataclass(frozen=True)
class DigestPlan:
    """What one digest shows: new documents (store positions, 1-based as in /brief N), else a spotlight."""
    documents: tuple[int, ...] = ()  # briefed in full, newest first
    also_new: tuple[int, ...] = ()  # listed by title only
    person: int | None = None  # spotlight person id
    quote: int | None = None  # spotlight quote id
    following: tuple[str, ...] = ()  # alert items of the chat's follows not shown in a digest yet
    voices: tuple[str, str] | None = None  # (first day, zone) of the week whose voices are charted

    @property
    def empty(self) -> bool:
        return not (self.documents or self.person or self.quote or self.following or self.voices)


@dataclass
class Digest:
    parts: list[str]  # messages of Telegram HTML, each within the 4096-character limit, or a chart
    # (bot.delivery.voices.PHOTO_PART), which the sender draws and sends as a photo
    items: dict[str, list[str]] = field(default_factory=dict)  # seen-keys of what it shows

    @property
    def empty(self) -> bool:
        return not self.parts


def document_key(info: SourceInfo | Briefing) -> str:
    return info.title


def quote_key(hit: QuoteHit) -> str:
    """A quotation's identity across rebuilds: its speaker and words."""
    return hashlib.sha1(f"{hit.speaker}\x00{hit.text}".encode()).hexdigest()[:16]


def _next_in_rotation(fetch: Callable[[int, int], list[T]], key: Callable[[T], str | None],
                      seen: dict[str, int]) -> T | None:
    """The first item never seen, paging through the store in its order; when every item was seen,
    the one seen longest ago (the rotation starts over). Items whose key is None are passed over.

    Pages are read only as far as the first unseen item, so a chat's daily spotlight costs a page or
    two whatever the size of the store.
    """
    offset, oldest, oldest_seen = 0, None, None
    while page := fetch(offset, ROTATION_PAGE):
        for item in page:
            k = key(item)
            if k is None:
                continue
            if k not in seen:
                return item
            if oldest_seen is None or seen[k] < oldest_seen:
                oldest, oldest_seen = item, seen[k]
        offset += len(page)
    return oldest


class DigestComposer:
    """Plans and composes digests over the briefing store, caching each distinct one per slot."""

    def __init__(self, store: Store, state: StateStore):
        self.store = store
        self.state = state
        self.follows = None  # bot.follows.state.FollowState, when the follow family is there
        self.voices = WeeklyVoices(store)
        self._cache: OrderedDict[tuple[str, str, DigestPlan], Digest] = OrderedDict()
        self._story_version: str | None = None
        self._stories: dict[int, list[str]] = {}

    def plan(self, chat_id: int, only_news: bool, now: datetime | None = None) -> DigestPlan:
        now = now or datetime.now(timezone.utc)
        following, only_follows = self._following(chat_id, now)
        plan = DigestPlan() if only_follows else self._plan(chat_id, only_news)
        return dataclasses.replace(plan, following=following, voices=self._voices(chat_id, now))

    def _voices(self, chat_id: int, now: datetime) -> tuple[str, str] | None:
        """The week to chart, when the chat's digest at `now` falls on the day it chose for it."""
        sub = self.state.subscription(chat_id)
        tz = (sub.tz if sub else None) or self.state.chat_zone(chat_id) or "UTC"
        first = self.voices.due(self.state.voices_day(chat_id), now, tz)
        return None if first is None else (first, tz)

    def _following(self, chat_id: int, now: datetime) -> tuple[tuple[str, ...], bool]:
        """What the chat's follows did since its last digest (alert items not shown in a digest yet), and
        whether the chat wants only that."""
        if self.follows is None:
            return (), False
        seen = self.state.seen(chat_id, FOLLOWING)
        since = now - timedelta(days=FOLLOWING_DAYS)
        recent = [item.key for item in self.follows.recent(chat_id, since, 4 * FOLLOWING_SHOWN) if item.key not in seen]
        return tuple(recent[:FOLLOWING_SHOWN]), self.follows.settings(chat_id).only_follows

    def _plan(self, chat_id: int, only_news: bool) -> DigestPlan:
        seen_documents = self.state.seen(chat_id, DOCUMENT)
        # sources() lists the newest first, numbered as /brief N numbers them; only the newest few can
        # be news (a chat that subscribes to a large archive is not sent the archive). A story carried
        # by several outlets is told once: by its newest new copy, unless the chat had one of them.
        new, stories = [], set()
        for n, info in enumerate(self.store.sources(0, NEWEST), 1):
            if document_key(info) in seen_documents:
                continue
            if info.story_size > 1:
                if info.story in stories or any(title in seen_documents for title in self._story_titles(info)):
                    continue
                stories.add(info.story)
            new.append(n)
        if new:
            return DigestPlan(documents=tuple(new[:FULL_DOCUMENTS]), also_new=tuple(new[FULL_DOCUMENTS:]))
        if only_news:
            return DigestPlan()
        person = _next_in_rotation(lambda offset, limit: self.store.list_people(offset, limit)[0],
                                   lambda p: p.name, self.state.seen(chat_id, PERSON))
        quote = _next_in_rotation(lambda offset, limit: self.store.recent_quotes(offset, limit)[0],
                                  _spotlight_key, self.state.seen(chat_id, QUOTE))
        return DigestPlan(person=None if person is None else person.id,
                          quote=None if quote is None else quote.id)

    def _story_titles(self, info: SourceInfo) -> list[str]:
        """The titles of the other documents of a document's story (kept per version of the store)."""
        version = self.store.version
        if self._story_version != version:
            self._story_version, self._stories = version, {}
        titles = self._stories.get(info.document_id)
        if titles is None:
            titles = [copy.title for copy in self.store.same_story(info.document_id)]
            self._stories[info.document_id] = titles
        return titles

    def digest_for(self, chat_id: int, only_news: bool, slot: datetime | None = None,
                   language: str | Translator | None = None) -> Digest:
        """The chat's digest in `language` (a code or a Translator; English by default); with a `slot`,
        chats of that slot with the same plan and language share one composition."""
        t = language if isinstance(language, Translator) else translator_for(language)
        plan = self.plan(chat_id, only_news, slot)
        if slot is None:
            return self.compose(plan, t)
        key = (slot.isoformat(), t.code, plan)
        if key not in self._cache:
            self._cache[key] = self.compose(plan, t)
            while len(self._cache) > CACHE_SLOTS:
                self._cache.popitem(last=False)
        return self._cache[key]

    def compose(self, plan: DigestPlan, t: Translator = ENGLISH) -> Digest:
        if plan.empty:
            return Digest(parts=[])
        if plan.documents:
            digest = self._news(plan, t)
        elif plan.person or plan.quote:
            digest = self._spotlight(plan, t)
        else:
            digest = Digest(parts=[])
        digest = self._with_following(plan, digest, t)
        chart = self.voices.part(*plan.voices, t) if plan.voices else None
        return Digest(parts=[*digest.parts, chart], items=digest.items) if chart else digest

    def _with_following(self, plan: DigestPlan, digest: Digest, t: Translator) -> Digest:
        """The "Following" section first: what the chat's follows did since its last digest."""
        if not plan.following or self.follows is None:
            return digest
        lines = self.follows.item_lines(list(plan.following), t)
        if not lines:
            return digest
        section = t._("👣 <b>Following</b> — since your last digest") + "\n" + "\n".join(f"• {line}" for line in lines)
        if digest.parts:
            parts = _messages([section, *digest.parts], t)
        else:
            parts = _messages([t._("📰 <b>Your digest</b> — what you follow"), section], t)
        items = {k: list(v) for k, v in digest.items.items()}
        items[FOLLOWING] = list(plan.following)
        return Digest(parts=parts, items=items)

    def _news(self, plan: DigestPlan, t: Translator) -> Digest:
        items: dict[str, list[str]] = {DOCUMENT: [], QUOTE: []}
        sections = []
        for n in plan.documents:
            # Only quotations attributed surely enough; reported speech is never quoted here.
            b = self.store.brief(n, min_confidence=QUOTABLE_CONFIDENCE, statement_limit=0)
            if b is None:  # the store was rebuilt under us; the document shows up next time
                continue
            sections.append(_document_section(b, t))
            items[DOCUMENT].append(document_key(b))
            items[DOCUMENT] += [copy.title for copy in b.also]  # the story is told: its copies are not news
            quote = _quote_that_matters(b)
            items[QUOTE] += [quote_key(quote)] if quote else []
        if plan.also_new:
            sources = self.store.sources(0, NEWEST)
            listed = [(n, sources[n - 1]) for n in plan.also_new if n <= len(sources)]
            sections.append(t._("<b>Also new</b>") + "\n" + "\n".join(
                f"• {render.link(s.url, render.escape(s.title))}{render.outlet_tag(s.outlet)} — /brief {n}"
                for n, s in listed))
            items[DOCUMENT] += [document_key(s) for _, s in listed]
            for _, s in listed:
                if s.story_size > 1:
                    items[DOCUMENT] += self._story_titles(s)
        if not sections:
            return Digest(parts=[])
        count = len(plan.documents) + len(plan.also_new)
        heading = (t._("📰 <b>Your digest</b> — 1 new document") if count == 1 else
                   t.n_("📰 <b>Your digest</b> — {n} new document", "📰 <b>Your digest</b> — {n} new documents", count))
        return Digest(parts=_messages([heading, *sections], t), items=items)

    def _spotlight(self, plan: DigestPlan, t: Translator) -> Digest:
        items: dict[str, list[str]] = {}
        blocks = [t._("🔦 <b>Spotlight</b> — nothing new since your last digest, so here is someone worth knowing.")]
        if plan.person is not None:
            card = self.store.person_card(plan.person, quote_limit=0, statement_limit=0)
            if card is not None:
                where = "; ".join(render.cite(s, t) for s in card.documents[:2])
                blocks.append(f"<b>{render.escape(card.name)}</b>"
                              + (f", {render.escape(card.role)}" if card.role else "")
                              + "\n" + render.mentioned(card.mentions, where, t)
                              + "\n" + t._("More: {command}", command="/who " + render.escape(card.name)))
                items[PERSON] = [card.name]
        if plan.quote is not None:
            hit = self.store.quote(plan.quote)
            if hit is not None:
                blocks.append(t._("<b>Quote of the day</b>") + "\n" + render.quote_block(hit, t=t))
                items[QUOTE] = [quote_key(hit)]
        if not items:
            return Digest(parts=[])
        return Digest(parts=_messages(blocks, t), items=items)



def _spotlight_key(quote: QuoteHit) -> str | None:
    """Quotations worth a spotlight are sentences attributed surely enough (QUOTABLE_CONFIDENCE), not
    fragments; others have no key."""
    if (quote.speaker and len(quote.text.split()) >= SPOTLIGHT_QUOTE_WORDS
            and (quote.confidence or 0) >= QUOTABLE_CONFIDENCE):
        return quote_key(quote)
    return None


def _document_section(b: Briefing, t: Translator = ENGLISH) -> str:
    """One new document: headline, key points, who is who, the quote that matters, each cited.

    The headline names the document, so the lines under it cite only their paragraph.
    """
    head = f"<b>{render.link(b.url, render.escape(b.title))}</b>"
    meta = [render.escape(render.shorten(b.outlet, render.OUTLET_CHARS))] if b.outlet else []
    meta += [render.escape(render.when(b.published, t))] if b.published else []
    if meta:
        head += "\n" + " · ".join(meta)
    if b.also:
        head += "\n" + render.also_reported(b.also, t=t)
    blocks = [head]
    if b.key_points:
        blocks.append("\n".join(f"• {render.escape(render.shorten(text, 300))} (¶{src.paragraph + 1})"
                                for text, src in b.key_points[:KEY_POINTS]))
    if b.people:
        blocks.append(t._("<b>Who is who:</b>") + " " + "; ".join(
            render.escape(p.name) + (f" ({render.escape(p.role)})" if p.role else "")
            for p in b.people[:PEOPLE]))
    quote = _quote_that_matters(b)
    if quote is not None:
        speaker = render.escape(quote.speaker) if quote.speaker else t._("unattributed")
        role = f", {render.escape(quote.role)}" if quote.role else ""
        blocks.append(f"<blockquote>{render.escape(render.shorten(quote.text, 350))}</blockquote>\n"
                      f"— <b>{speaker}</b>{role} (¶{quote.source.paragraph + 1})")
    return "\n\n".join(blocks)


def _quote_that_matters(b: Briefing) -> QuoteHit | None:
    """The strongest quotation that is not already one of the key points shown."""
    shown = [text for text, _ in b.key_points[:KEY_POINTS]]
    fresh = [q for q in b.quotes if not any(q.text in text or text in q.text for text in shown)]
    return (fresh or b.quotes or [None])[0]


def _messages(blocks: list[str], t: Translator = ENGLISH) -> list[str]:
    """The blocks as at most MAX_PARTS messages within Telegram's limit, the last one noting a cut."""
    parts = render.split_message("\n\n".join(blocks))
    if len(parts) > MAX_PARTS:
        parts = parts[:MAX_PARTS]
        parts[-1] = render.split_message(parts[-1] + "\n\n" + t._("…and more: see /sources."))[0]
    return parts
