"""Languages end to end: the real `briefbot run` long-polling the emulator. A user whose Telegram client
is Ukrainian gets /help in Ukrainian; `/language de` switches a chat, buttons included, and the choice
outlives a restart of the bot (it is kept in state.db)."""
from __future__ import annotations

import time

import pytest
from emulator import Front, User, buttons_of, start_bot, text_of


@pytest.fixture(scope="module")
def bot(tmp_path_factory, seed_store):
    front = Front()
    folder = tmp_path_factory.mktemp("languages")
    process = start_bot(front, folder, seed_store)
    yield front, folder, process
    process.stop()
    front.stop()


def test_a_ukrainian_client_gets_help_in_ukrainian(bot):
    front, _, _ = bot
    user = User(front, chat_id=301, user_id=301, language="uk")
    user.command("/help")
    text = text_of(user.reply(timeout=30))
    assert text.startswith("<b>Briefbot</b> коротко розповідає про новини, які отримав.")
    assert "/who [ІМʼЯ] — хто є хто: посада, інші імена, згадки, цитати" in text
    assert "/language [МОВА] — мова, якою бот говорить у цьому чаті" in text
    english = User(front, chat_id=302, user_id=302, language="en")
    english.command("/help")
    assert "/quotes [NAME|TOPIC] — quotations by a person or about a topic" in text_of(english.reply(timeout=30))


def test_language_de_switches_a_chat(bot, seed_store):
    front, folder, process = bot
    user = User(front, chat_id=303, user_id=303, language="uk")
    user.command("/language de")
    assert text_of(user.reply(timeout=30)).startswith("✅ Sprache dieses Chats: Deutsch (mit /language gewählt).")
    user.command("/who blinkin")
    card = user.reply()
    assert "-mal erwähnt in" in text_of(card) and "<b>Stärkste Zitate</b>" in text_of(card)
    assert {"Alle Zitate", "Erwähnungen", "Verlauf", "Folgen"} <= set(buttons_of(card))
    user.press(card, buttons_of(card)["Alle Zitate"])
    deadline = time.monotonic() + 15
    while not text_of(user.current(card)).startswith("<b>Zitate von Anthony J. Blinken</b>"):
        assert time.monotonic() < deadline, text_of(user.current(card))
        time.sleep(0.1)
    # The choice is in state.db: a restarted bot still speaks German to this chat.
    process.stop()
    restarted = start_bot(front, folder, seed_store)
    try:
        user.command("/sources")
        assert text_of(user.reply(timeout=30)).startswith("<b>Quellen</b>")
    finally:
        restarted.stop()
