"""Following the news end to end: an administrator of the real `briefbot run` adds two feeds served by a
local HTTP server (127.0.0.1, ALLOW_PRIVATE_SOURCES=1); the feeds gain the same story, lightly edited by
the second outlet; within the fetch interval (one minute here) /sources lists it, /who finds the person
quoted in it, and a subscribed chat's /digest tells it once, naming the other outlet. Waits up to ~100 s.
"""
from __future__ import annotations

import html
import shutil
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from emulator import SEED, Front, User, buttons_of, start_bot, text_of

from bot.build import build

ADMIN = 401
STORY = [
    "The harbour authority said on Tuesday that the old sea wall at Kettle Point will be rebuilt before winter, "
    "after storms in March tore a forty-metre gap in it and flooded the fish market twice in one week.",
    "“We will rebuild the harbour wall before the first winter storm, and we will build it higher,” said Marta Quell, "
    "the harbour master, at a meeting with traders and fishing crews on the quay.",
    "The work is expected to cost about 12 million euros, two thirds of it paid by the regional government and the "
    "rest from a levy on the cargo terminal that the council approved last autumn after a long debate.",
    "Traders on the quay said the flooding had cost them weeks of business, and several asked for compensation from "
    "the authority, which said it would consider each claim once the repairs had begun in earnest.",
    "Engineers from the port's own works department will start by shoring up the damaged section with rock armour, "
    "then pour a new concrete crown two metres above the old one, according to plans published on Tuesday.",
    "“The sea has been telling us for years that the wall was too low,” Ms. Quell said. “This time we are listening, "
    "and the quay will stay open while the crews work from barges on the seaward side.”",
    "The ferry to the islands will keep its timetable throughout the works, the operator said in a statement, "
    "though the evening crossing may leave from the north pier on days when cranes block the main berth.",
    "Residents of the old town, whose cellars flooded in March, welcomed the plan but asked for a second pump "
    "station, which the authority said it would study together with the council before the end of the year.",
]
FERRY = ["The ferry operator added an evening crossing to the islands for the summer season, and said fares would "
         "stay as they are until the autumn review of every route it runs from the harbour."] * 2


def edited(paragraphs: list[str]) -> list[str]:
    """The second outlet's copy: a paragraph dropped, a few words changed (wire copy, lightly edited)."""
    copy = [p.replace("on Tuesday", "this week").replace("said", "told reporters") for p in paragraphs]
    del copy[6]
    return copy


def rss(title: str, items: list[tuple[str, str, list[str], str]]) -> str:
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{link}</link><guid>{link}</guid><pubDate>{date}</pubDate>"
        f"<content:encoded>{html.escape(''.join(f'<p>{html.escape(p)}</p>' for p in body))}</content:encoded></item>"
        for t, link, body, date in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            f'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>{html.escape(title)}</title>'
            f"<link>https://example.org/</link><description>news</description>{entries}</channel></rss>")


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def news_site(tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def publish(www: Path, base: str, with_story: bool) -> None:
    ferry = ("Evening ferry added for the summer", f"{base}/wire/ferry", FERRY, "Mon, 15 Apr 2024 06:00:00 GMT")
    wire_items, daily_items = [ferry], []
    if with_story:
        wire_items.insert(0, ("Harbour wall to be rebuilt before winter", f"{base}/wire/wall", STORY,
                              "Tue, 16 Apr 2024 09:00:00 GMT"))
        daily_items.append(("Kettle Point sea wall: repairs promised by winter", f"{base}/daily/wall", edited(STORY),
                            "Tue, 16 Apr 2024 11:30:00 GMT"))
    for name, title, items in (("wire.xml", "Coast Wire", wire_items), ("daily.xml", "Daily Tide", daily_items)):
        temp = www / f".{name}"
        temp.write_text(rss(title, items), encoding="utf-8")
        temp.replace(www / name)
    (www / "daily.html").write_text('<html><head><title>The Daily Tide</title><link rel="alternate" '
                                    'type="application/rss+xml" href="/daily.xml"></head><body><p>Home</p></body></html>')


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
