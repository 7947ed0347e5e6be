"""The daily digest end to end: a user of the real `briefbot run` subscribes for the next minute on
the emulator, and the digest arrives when the minute comes (this test waits for it, up to ~75 s)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from emulator import User, buttons_of, text_of

KYIV = ZoneInfo("Europe/Kyiv")


def test_subscribe_a_minute_ahead_and_the_digest_arrives(polling_bot):
    front, _ = polling_bot
    user = User(front, chat_id=301, user_id=301)
    user.command("/settings")
    assert "Not subscribed" in text_of(user.reply(timeout=30))  # also waits for the bot to start
    now = datetime.now(KYIV)
    if now.second > 45:  # leave the bot time to take the subscription before the minute turns
        time.sleep(61 - now.second)
        now = datetime.now(KYIV)
    at = f"{now + timedelta(minutes=1):%H:%M}"
    user.command(f"/subscribe {at} Europe/Kyiv")
    confirmation = text_of(user.reply())
    assert "Subscribed" in confirmation and at in confirmation and "Europe/Kyiv" in confirmation

    digest = text_of(user.reply(timeout=90))
    assert digest.startswith("📰 <b>Your digest</b> — 1 new document")
    assert "US officials said the Ukrainian attack" in digest and "Who is who:" in digest
    assert datetime.now(KYIV).strftime("%H:%M") >= at or at == "00:00"

    user.command("/settings")
    settings = user.reply()
    assert f"Time: <b>{at}</b>" in text_of(settings) and "delivered" in text_of(settings)
    assert "Only news, please" in buttons_of(settings)
    user.silence(1.0)  # one digest, nothing more
