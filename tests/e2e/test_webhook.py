"""`briefbot run` in webhook mode: the emulator pushes updates to the bot's URL (through the front,
which adds the secret-token header), and a server that refuses setMyCommands only earns a warning."""
from __future__ import annotations

import time

import pytest
from emulator import TOKEN, Front, User, buttons_of, free_port, start_bot, text_of


@pytest.fixture(scope="module")
def webhook_bot(tmp_path_factory, seed_store):
    front = Front("--refuse", "setMyCommands")
    port = free_port()
    bot = start_bot(front, tmp_path_factory.mktemp("webhook"), seed_store,
                    WEBHOOK_URL=f"http://127.0.0.1:{port}/briefbot-hook", WEBHOOK_LISTEN="127.0.0.1",
                    WEBHOOK_PORT=str(port), WEBHOOK_SECRET="s3cret-header-value")
    deadline = time.monotonic() + 30
    while not front.post(f"/bot{TOKEN}/getWebhookInfo", {})["result"]["url"]:
        assert bot.process.poll() is None, bot.log()
        assert time.monotonic() < deadline, f"the bot never set its webhook:\n{bot.log()}"
        time.sleep(0.1)
    yield front, bot
    bot.stop()
    front.stop()


def test_webhook_mode_answers_commands_and_buttons(webhook_bot):
    front, bot = webhook_bot
    assert front.post(f"/bot{TOKEN}/getWebhookInfo", {})["result"]["url"].endswith("/briefbot-hook")
    user = User(front, chat_id=201, user_id=201)
    user.command("/who xi jinping")
    card = user.reply(timeout=30)
    assert text_of(card).startswith("<b>Xi Jinping</b>")
    user.press(card, buttons_of(card)["Mentions"])
    deadline = time.monotonic() + 15
    while "Mentions of Xi Jinping" not in text_of(user.current(card)):
        assert time.monotonic() < deadline, text_of(user.current(card))
        time.sleep(0.05)


def test_refused_command_menu_is_a_warning_not_a_crash(webhook_bot):
    front, bot = webhook_bot
    user = User(front, chat_id=202, user_id=202)
    user.command("/sources")
    assert "Sources" in text_of(user.reply(timeout=30))
    log = bot.log()
    assert "WARNING bot.frontends.telegram_app: Could not register the command menu" in log
    assert TOKEN not in log and "s3cret-header-value" not in log
