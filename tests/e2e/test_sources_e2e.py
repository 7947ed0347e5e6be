"""Following the news end to end: an administrator of the real `briefbot run` adds two feeds served by a
local HTTP server (127.0.0.1, ALLOW_PRIVATE_SOURCES=1); the feeds gain the same story, lightly edited by
the second outlet; within the fetch interval (one minute here) /sources lists it, /who finds the person
quoted in it, and a subscribed chat's /digest tells it once, naming the other outlet. Waits up to ~100 s.
"""
from __future__ import annotations

import shutil
import time

from emulator import SEED, Front, User, buttons_of, start_bot, text_of

from bot.build import build
from tests.sources.local_news import news_site, publish  # noqa: F401 (a fixture)

ADMIN = 401


def wait_for(user: User, command: str, needle: str, timeout: float) -> str:
    """Send `command` every few seconds until its answer holds `needle`; that answer."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        user.command(command)
        last = text_of(user.reply(timeout=30))
        if needle in last:
            return last
        time.sleep(3)
    raise AssertionError(f"{command} never said {needle!r}; last answer: {last}")


def test_follow_two_feeds_and_one_story_is_told_once(tmp_path, news_site):
    www, base = news_site
    publish(www, base, with_story=False)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    build(seeds, tmp_path / "briefing.db")
    front = Front()
    bot = start_bot(front, tmp_path, tmp_path / "briefing.db", SEEDS_DIR=str(seeds), ADMIN_USER_IDS=str(ADMIN),
                    ALLOW_PRIVATE_SOURCES="1", FETCH_INTERVAL_MINUTES="1")
    try:
        admin = User(front, chat_id=ADMIN, user_id=ADMIN)
        reader = User(front, chat_id=402, user_id=402)
        reader.command("/addsource " + base + "/wire.xml")
        assert "Only the bot's administrators" in text_of(reader.reply(timeout=30))
        reader.command("/subscribe 06:00 UTC")
        assert "Subscribed" in text_of(reader.reply())
        reader.command("/digest")  # the seed article: the chat has had the store's news
        assert "1 new document" in text_of(reader.reply())

        admin.command("/addsource javascript:alert(1)")
        refused = text_of(admin.reply())
        assert "only http and https" in refused and "Nothing was added" in refused
        admin.command(f"/addsource {base}/wire.xml")
        added = text_of(admin.reply(timeout=30))
        assert "Following 1. <b>Coast Wire</b>" in added and "RSS 2.0 feed, 1 entry" in added
        assert "Newest: “Evening ferry added for the summer”" in added and "every 1 minute" in added
        admin.command(f"/addsource {base}/daily.html Daily Tide")
        added = text_of(admin.reply(timeout=30))
        assert "Following 2. <b>Daily Tide</b> (the feed found on the page you gave)" in added
        admin.command(f"/addsource {base}/wire.xml")
        assert "Already following it: 1." in text_of(admin.reply(timeout=30))

        wait_for(reader, "/sources", "Evening ferry added for the summer", 40)
        publish(www, base, with_story=True)  # both outlets carry the harbour story
        listed = wait_for(reader, "/sources", "Harbour wall to be rebuilt before winter", 100)
        assert "Kettle Point sea wall: repairs promised by winter" in listed and "same story as" in listed
        assert f'<a href="{base}/wire/wall">Harbour wall to be rebuilt before winter</a></b> · Coast Wire' in listed

        reader.command("/who marta quell")
        card = text_of(reader.reply())
        assert "<b>Marta Quell</b>" in card and "We will rebuild the harbour wall" in card
        assert "Coast Wire" in card or "Daily Tide" in card

        reader.command("/digest")
        digest = text_of(reader.reply())
        assert "2 new documents" in digest  # the ferry and the harbour story, told once
        assert digest.count("Harbour wall to be rebuilt") + digest.count("Kettle Point sea wall: repairs") == 1
        assert "Also reported by: " in digest and ("Coast Wire</a>" in digest or "Daily Tide</a>" in digest)

        admin.command("/feeds")
        feeds = admin.reply()
        listing = text_of(feeds)
        assert "1. <b>Coast Wire</b> (feed) — ok" in listing and "2 entries taken" in listing
        assert "2. <b>Daily Tide</b> (feed) — ok" in listing and "1 entry taken" in listing
        assert buttons_of(feeds) == {}  # one page
        admin.command("/removesource 2")
        assert "No longer following 2. <b>Daily Tide</b>. Its 1 article stays in the store." in text_of(admin.reply())
    finally:
        log = bot.stop()
        front.stop()
    assert "Traceback" not in log, log[-3000:]
    written = sorted(p.relative_to(seeds).parts[:2] for p in (seeds / "feeds").rglob("*.md"))
    assert written == [("feeds", "coast-wire")] * 2 + [("feeds", "daily-tide")]
