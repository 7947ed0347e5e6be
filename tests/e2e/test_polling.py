"""The real `briefbot run`, long polling the emulator, driven by users in private chats and groups."""
from __future__ import annotations

import json
import re
import time

from emulator import BOT_USERNAME, TOKEN, User, buttons_of, text_of


def test_start_and_help_in_a_private_chat(polling_bot):
    front, _ = polling_bot
    user = User(front, chat_id=101, user_id=101)
    user.command("/start")
    welcome = text_of(user.reply(timeout=30))  # the first answer also waits for the bot to start
    assert "Hello" in welcome and "/who" in welcome and "/search" in welcome
    user.command("/help")
    assert "/quotes [NAME|TOPIC]" in text_of(user.reply())


def test_deep_link_opens_the_card(polling_bot):
    front, _ = polling_bot
    user = User(front, chat_id=102, user_id=102)
    user.command("/start who-blinken")
    card = user.reply(timeout=30)
    assert text_of(card).startswith("<b>Anthony J. Blinken</b>\nSecretary of State")
    assert set(buttons_of(card)) >= {"All quotes", "Mentions"}


def test_who_exact_and_misspelt(polling_bot):
    front, _ = polling_bot
    user = User(front, chat_id=103, user_id=103)
    for asked, name in [("Anthony J. Blinken", "Anthony J. Blinken"), ("blinkin", "Anthony J. Blinken"),
                        ("haines", "Avril D. Haines"), ("Xi", "Xi Jinping")]:
        user.command(f"/who {asked}")
        text = text_of(user.reply(timeout=30))
        assert text.startswith(f"<b>{name}</b>") and "¶" in text, text  # the card, citing its source
    user.command("/who Blinken")
    card = user.reply()
    assert "Also called:" in text_of(card) and "Blinken" in text_of(card)


def test_quotes_pages_edit_the_same_message(polling_bot):
    front, _ = polling_bot
    user = User(front, chat_id=104, user_id=104)
    user.command("/quotes")
    first = user.reply(timeout=30)
    assert re.search(r"All quotes</b> \(1–5 of \d+\)", text_of(first))
    nxt = buttons_of(first)["Next ▶"]
    user.press(first, nxt)
    second = _wait_for_edit(user, first, "(6–10 of")
    assert "◀ Previous" in buttons_of(second)
    user.press(second, buttons_of(second)["◀ Previous"])
    back = _wait_for_edit(user, first, "(1–5 of")
    assert text_of(back) == text_of(first)
    user.silence(0.5)  # paging edited; it sent no new message


def test_card_buttons_lead_to_quotes_and_mentions(polling_bot):
    front, _ = polling_bot
    user = User(front, chat_id=105, user_id=105)
    user.command("/who blinken")
    card = user.reply(timeout=30)
    user.press(card, buttons_of(card)["Mentions"])
    mentions = _wait_for_edit(user, card, "Mentions of Anthony J. Blinken")
    assert "<b>Blinken</b>" in text_of(mentions) or "<b>blinken</b>" in text_of(mentions).lower()


def test_search_with_hostile_input_never_fails(polling_bot):
    front, _ = polling_bot
    user = User(front, chat_id=106, user_id=106)
    for hostile in ['"unbalanced ( NEAR * 🙂', 'AND OR NOT', '***', "crimea) OR (", "<b>x</b> & ;DROP TABLE"]:
        user.command(f"/search {hostile}")
        text = text_of(user.reply(timeout=30))
        assert "went wrong" not in text, (hostile, text)
    user.command("/search diplomacy")
    found = text_of(user.reply())
    assert "<b>diplomacy</b>" in found.lower() and "¶" in found


def test_brief_and_sources(polling_bot):
    front, _ = polling_bot
    user = User(front, chat_id=107, user_id=107)
    user.command("/brief")
    text = text_of(user.reply(timeout=30))
    assert text.startswith("<b>US officials said the Ukrainian attack")
    assert "Key points" in text and "Who is who" in text
    user.command("/brief 99")
    assert "no document 99" in text_of(user.reply())
    user.command("/sources")
    assert "1. <b>US officials said" in text_of(user.reply())


def test_plain_text_gets_a_hint_in_private(polling_bot):
    front, _ = polling_bot
    user = User(front, chat_id=108, user_id=108)
    user.say("hello bot")
    assert "/help" in text_of(user.reply(timeout=30))
    user.command("/nonsense")
    assert "I don't know /nonsense" in text_of(user.reply())


def test_supergroup_forum_topic_addressed_commands(polling_bot):
    front, _ = polling_bot
    member = User(front, chat_id=-100500, user_id=109, chat_type="supergroup", title="Newsroom", thread_id=77)
    member.command(f"/who@{BOT_USERNAME} haines")
    reply = member.reply(timeout=30)
    assert "Avril D. Haines" in text_of(reply)
    assert int(reply["message"]["message_thread_id"]) == 77
    asked = _last_user_message(front, member.chat_id)
    assert json.loads(reply["message"]["reply_parameters"])["message_id"] == asked["messageId"]
    member.command("/who@SomeOtherBot haines")  # meant for another bot
    member.say("just chatting about Blinken")  # not addressed
    member.silence()
    member.say(f"@{BOT_USERNAME} what can you do?")
    assert "/help" in text_of(member.reply())


def test_flooding_user_is_slowed_not_crashed(polling_bot):
    front, bot = polling_bot
    user = User(front, chat_id=110, user_id=110)
    for _ in range(14):
        user.command("/sources")
    replies = user.replies(9, timeout=30)
    user.silence(1.0)
    texts = [text_of(r) for r in replies]
    assert sum("too fast" in t for t in texts) == 1
    assert 8 <= sum(t.startswith("<b>Sources") for t in texts) < 14
    assert bot.process.poll() is None


def test_token_never_logged(polling_bot):
    front, bot = polling_bot
    user = User(front, chat_id=111, user_id=111)
    user.command("/who xi")
    user.reply(timeout=30)
    log = bot.log()
    assert "getUpdates" in log  # the log is there and talkative (DEBUG) ...
    assert TOKEN not in log and TOKEN.split(":")[1] not in log  # ... yet never holds the token


def _wait_for_edit(user: User, message: dict, needle: str, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = user.current(message)
        if needle in text_of(current):
            return current
        time.sleep(0.05)
    raise AssertionError(f"message never showed {needle!r}: {text_of(user.current(message))}")


def _last_user_message(front, chat_id: int) -> dict:
    return [r for r in front.history()
            if r.get("message", {}).get("chat", {}).get("id") == chat_id][-1]
