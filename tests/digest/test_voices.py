"""The weekly "voices of the week" chart: on the chat's chosen day the digest ends with a photo of the
week's most quoted people (its caption the same list in words), sent once, and /settings moves it."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image

from bot import build as store_builder
from bot.delivery.digest import DigestComposer
from bot.delivery.digest_commands import DigestCommands
from bot.delivery.fanout import DigestDelivery
from bot.delivery.state import SENT
from bot.delivery.voices import is_photo_part
from bot.store.queries import Store
from tests.hardening.telegram_html import problems

MONDAY = datetime(2026, 3, 2, 8, tzinfo=timezone.utc)  # the week before it: 23 Feb – 1 Mar
STORY = """---
date: {day}
---
# {title}

{quotes}
"""


def quotes_by(name: str, role: str, n: int) -> str:
    return "\n\n".join(f"“Point {k} of the plan for the harbour district stands,” said {role} {name}."
                       for k in range(n))


@pytest.fixture
def store(tmp_path) -> Store:
    """Three speakers in the week before MONDAY (5, 3 and 1 quotations) and one quoted a month earlier."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for n, (day, name, role, count) in enumerate([
            ("2026-02-24", "Ivan Brodsky", "Mayor", 5), ("2026-02-27", "Petra Novak", "Governor", 3),
            ("2026-03-01", "Tom Reyes", "Senator", 1), ("2026-01-20", "Ann Lee", "Senator", 7)]):
        (seeds / f"{n}.md").write_text(STORY.format(day=day, title=f"{name} on the harbour plan",
                                                    quotes=quotes_by(name, role, count)), encoding="utf-8")
    store_builder.build(seeds, tmp_path / "briefing.db")
    return Store(tmp_path / "briefing.db")


def test_the_chosen_day_ends_the_digest_with_the_weeks_voices(store, state):
    state.subscribe(1, "08:00", "UTC")
    composer = DigestComposer(store, state)
    digest = composer.digest_for(1, only_news=False, slot=MONDAY)
    *texts, chart = digest.parts
    assert texts and not any(is_photo_part(p) for p in texts) and is_photo_part(chart)
    png, caption = composer.voices.photo(chart)
    assert Image.open(io.BytesIO(png)).size == (800, 450)
    assert problems(caption) == [] and len(caption) <= 1024
    lines = caption.split("\n")
    assert lines[0].startswith("🗣 <b>Voices of the week</b> (23 Feb – 01 Mar 2026)")
    assert [re.sub(r"<[^>]+>", "", line) for line in lines[1:]] == [
        "1. Ivan Brodsky, Mayor — 5 quotations", "2. Petra Novak, Governor — 3 quotations",
        "3. Tom Reyes, Senator — 1 quotation"]  # Ann Lee's quotations are a month old
    tuesday = composer.digest_for(1, only_news=False, slot=MONDAY + timedelta(days=1))
    assert not any(is_photo_part(p) for p in tuesday.parts)


def test_a_chat_that_wants_only_news_still_gets_its_weekly_chart_and_off_means_off(store, state):
    state.subscribe(2, "08:00", "UTC")
    state.set_only_news(2, True)
    composer = DigestComposer(store, state)
    state.mark_seen(2, composer.digest_for(2, only_news=True, slot=MONDAY - timedelta(days=1)).items)
    only_chart = composer.digest_for(2, only_news=True, slot=MONDAY)
    assert len(only_chart.parts) == 1 and is_photo_part(only_chart.parts[0])
    state.set_voices_day(2, None)
    assert composer.digest_for(2, only_news=True, slot=MONDAY + timedelta(days=7)).parts == []


def test_the_day_is_the_chats_local_day(store, state):
    """Monday 01:00 in Kyiv is still Sunday in UTC: the chart comes with the Kyiv chat's Monday digest."""
    state.subscribe(3, "01:00", "Europe/Kyiv")
    composer = DigestComposer(store, state)
    kyiv_monday = datetime(2026, 3, 1, 23, tzinfo=timezone.utc)
    assert is_photo_part(composer.digest_for(3, only_news=False, slot=kyiv_monday).parts[-1])


def test_a_week_nobody_was_quoted_has_no_chart(store, state):
    state.subscribe(4, "08:00", "UTC")
    later = DigestComposer(store, state).digest_for(4, only_news=False, slot=MONDAY + timedelta(days=28))
    assert not any(is_photo_part(p) for p in later.parts)


def test_settings_move_the_chart_through_the_week_then_off(store, state, clock):
    commands = DigestCommands(state, DigestComposer(store, state), clock)
    assert "in the digest on Monday" in commands.settings(5).html
    seen = []
    for _ in range(8):
        answer = commands.next_voices_day(5)
        seen.append(answer.html.split("Voices of the week")[1].split("\n")[0])
    assert seen[0].endswith("on Tuesday") and seen[5].endswith("on Sunday")
    assert seen[6] == ": off" and seen[7].endswith("on Monday")
    assert commands.settings(5).buttons[-1][0].label == "Voices chart on Tuesday"


async def test_the_chart_is_sent_once_as_a_photo_after_the_digests_messages(store, state, bot, api, clock):
    state.subscribe(6, "08:00", "UTC", since=MONDAY - timedelta(days=1))
    clock.set(MONDAY + timedelta(minutes=1))
    delivery = DigestDelivery(bot, state, DigestComposer(store, state), clock, grace=timedelta(hours=6))
    outcomes = await delivery.deliver_due()
    assert [o.status for o in outcomes] == [SENT]
    sent = [m for m in api.sent if m.chat_id == 6]
    assert sent[-1].photo is not None and sent[-1].photo.startswith(b"\x89PNG")
    assert sent[-1].text.startswith("🗣 <b>Voices of the week</b>") and all(m.photo is None for m in sent[:-1])
    assert await delivery.deliver_due() == [] and [m for m in api.sent if m.chat_id == 6] == sent
