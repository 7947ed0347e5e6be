"""/trend through the emulator: the chart arrives as a photo (sendPhoto, multipart) with its numbers
in the caption, from the command and from the card's Trend button."""
from __future__ import annotations

import urllib.request

from emulator import User, buttons_of, text_of

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def photo_bytes(front, record: dict) -> bytes:
    file_id = record["message"]["photo"][-1]["file_id"]
    with urllib.request.urlopen(f"{front.url}/photos/{file_id}", timeout=10) as response:
        return response.read()


def test_trend_sends_a_chart_with_its_numbers_in_the_caption(polling_bot):
    front, _ = polling_bot
    user = User(front, chat_id=401, user_id=401)
    user.command("/trend blinken, crimea")
    chart = user.reply(timeout=30)
    caption = chart["message"]["caption"]
    assert "<b>Anthony J. Blinken</b>: 10 mentions, 9 quotations" in caption
    assert "<b>crimea</b>: 3 paragraphs, 1 document" in caption
    assert photo_bytes(front, chart).startswith(PNG_SIGNATURE)


def test_the_cards_trend_button_sends_the_persons_chart(polling_bot):
    front, _ = polling_bot
    user = User(front, chat_id=402, user_id=402)
    user.command("/who haines")
    card = user.reply(timeout=30)
    user.press(card, buttons_of(card)["Trend"])
    chart = user.reply(timeout=30)
    assert chart["message"]["caption"].startswith("<b>Last 30 days</b> (UTC")
    assert "<b>Avril D. Haines</b>: " in chart["message"]["caption"]
    assert photo_bytes(front, chart).startswith(PNG_SIGNATURE)


def test_trend_of_nothing_answers_in_words(polling_bot):
    front, _ = polling_bot
    user = User(front, chat_id=403, user_id=403)
    user.command("/trend zebra")
    assert "not in the store at all" in text_of(user.reply(timeout=30))
    user.command("/trend blinken 9999")
    assert "DAYS is a number from 1 to 365" in text_of(user.reply())
