"""/language and the language of every answer, through the Application `briefbot run` builds, over the
fake Bot API: a user's Telegram language in private chats, a chat's choice kept in state.db, groups
changed by administrators only; and digests composed once per language and plan."""
from __future__ import annotations

from datetime import timedelta

import pytest
from telegram import Update

from bot.config import Settings
from bot.delivery.digest import DigestComposer
from bot.delivery.fanout import DigestDelivery
from bot.delivery.state import StateStore
from bot.frontends.telegram_app import build_application
from bot.store.queries import Store

GROUP = -100500
_ids = iter(range(1, 10_000))


def message(text: str, chat_id: int = 7, user_id: int = 7, language: str | None = None) -> dict:
    n = next(_ids)
    chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup",
            **({"title": "Group"} if chat_id < 0 else {})}
    sender = {"id": user_id, "is_bot": False, "first_name": "User", **({"language_code": language} if language else {})}
    msg = {"message_id": n, "date": 1_700_000_000, "chat": chat, "from": sender, "text": text}
    if text.startswith("/"):
        msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": n, "message": msg}


def button(data: str, chat_id: int = 7, user_id: int = 7, language: str | None = None) -> dict:
    n = next(_ids)
    chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
    sender = {"id": user_id, "is_bot": False, "first_name": "User", **({"language_code": language} if language else {})}
    return {"update_id": n, "callback_query": {"id": str(n), "chat_instance": "ci", "data": data, "from": sender,
                                               "message": {"message_id": 5, "date": 1_700_000_000, "chat": chat,
                                                           "text": "old"}}}


@pytest.fixture
async def app(api, settings):
    application = build_application(Settings(**{**settings.__dict__, "api_base_url": f"{api.url}/bot",
                                                "rate_limit": False}))
    await application.initialize()
    yield application
    await application.shutdown()


async def send(app, data: dict) -> None:
    await app.process_update(Update.de_json(data, app.bot))


async def test_a_ukrainian_client_gets_help_in_ukrainian_and_its_language_is_kept_for_digests(app, api):
    await send(app, message("/help", language="uk"))
    (text,) = api.texts(7)
    assert text.startswith("<b>Briefbot</b> коротко розповідає про новини") and "/who [ІМʼЯ] — хто є хто" in text
    assert app.bot_data["state"].chat_language(7) == "uk"  # for what the bot sends unasked
    await send(app, message("/help", user_id=8, chat_id=8, language="pt-br"))  # a language the bot lacks: English
    assert api.texts(8)[0].startswith("<b>Briefbot</b> briefs you on the news it was given.")


async def test_language_de_switches_a_chat_whatever_its_client_says(app, api):
    await send(app, message("/language de", language="uk"))
    assert api.texts(7)[-1] == ("✅ Sprache dieses Chats: Deutsch (mit /language gewählt).\n"
                                "Die Befehlsnamen bleiben, wie sie sind: /help listet sie auf.")
    await send(app, message("/who blinkin", language="uk"))
    assert "erwähnt in" in api.texts(7)[-1] and "Stärkste Zitate" in api.texts(7)[-1]
    await send(app, message("/settings", language="uk"))
    assert "<b>Täglicher Digest</b>" in api.texts(7)[-1] and "<b>Sprache</b>: Deutsch (/language)" in api.texts(7)[-1]
    await send(app, message("/language auto", language="uk"))
    assert api.texts(7)[-1].startswith("✅ Мова цього чату: Українська — мова вашого застосунку Telegram.")
    await send(app, message("/language klingon", language="uk"))
    assert api.texts(7)[-1].startswith("Мови «klingon» я не знаю. Доступні мови: English (<code>en</code>)")


async def test_language_alone_offers_a_button_per_language_by_its_own_name(app, api):
    await send(app, message("/language", language="es"))
    sent = [params for method, params in api.calls if method == "sendMessage"][-1]
    assert sent["text"].startswith("Idioma de este chat: Español, el de tu app de Telegram.")
    labels = {b["text"]: b["callback_data"] for row in sent["reply_markup"]["inline_keyboard"] for b in row}
    assert labels == {"English": "lg:en", "Deutsch": "lg:de", "✓ Español": "lg:es", "Français": "lg:fr",
                      "Русский": "lg:ru", "Українська": "lg:uk"}
    await send(app, button("lg:fr", language="es"))
    edited = [params for method, params in api.calls if method == "editMessageText"][-1]
    assert edited["text"].startswith("✅ Langue de ce chat : Français (choisie avec /language).")
    assert app.bot_data["state"].language_choice(7) == ("fr", "es")


async def test_in_groups_only_administrators_change_the_language(app, api):
    await send(app, message("/help", chat_id=GROUP, user_id=11, language="uk"))
    assert api.texts(GROUP)[-1].startswith("<b>Briefbot</b> briefs you")  # a group speaks English until it chooses
    asked = len(api.calls)
    await send(app, message("/language", chat_id=GROUP, user_id=11, language="uk"))
    assert api.texts(GROUP)[-1].endswith("Choose another, or send <code>/language de</code>.\n"
                                         "In a group, its administrators choose.")
    assert "getChatMember" not in [method for method, _ in api.calls[asked:]]  # looking asks Telegram nothing
    await send(app, message("/language de", chat_id=GROUP, user_id=11, language="uk"))
    assert api.texts(GROUP)[-1] == "Only this group's administrators can change the language the bot speaks here."
    await send(app, button("lg:de", chat_id=GROUP, user_id=11))
    refused = [params for method, params in api.calls if method == "answerCallbackQuery"][-1]
    assert refused["show_alert"] is True and "administrators" in refused["text"]
    api.members[(GROUP, 12)] = "administrator"
    await send(app, message("/language ru", chat_id=GROUP, user_id=12))
    assert api.texts(GROUP)[-1].startswith("✅ Язык этого чата: Русский (выбран через /language).")
    await send(app, message("/sources", chat_id=GROUP, user_id=11, language="uk"))
    assert api.texts(GROUP)[-1].startswith("<b>Источники</b>")
    state: StateStore = app.bot_data["state"]
    state.migrate_chat(GROUP, GROUP - 1)  # a group that became a supergroup keeps its language
    assert state.chat_language(GROUP - 1) == "ru"


async def test_digests_are_composed_once_per_language_and_plan(tmp_path, api, bot, clock, settings):
    state = StateStore(tmp_path / "digests.db")
    composer = DigestComposer(Store(settings.briefing_db), state)
    composed = []
    compose = composer.compose
    composer.compose = lambda plan, t: composed.append(t.code) or compose(plan, t)
    for chat, language in [(1, "uk"), (2, "uk"), (3, None), (4, "de"), (5, None)]:
        state.subscribe(chat, "06:00", "UTC")
        if language:
            state.set_language(chat, language)
    delivery = DigestDelivery(bot, state, composer, clock, grace=timedelta(hours=6))
    outcomes = await delivery.deliver_due()
    assert sorted(o.chat_id for o in outcomes) == [1, 2, 3, 4, 5]
    assert sorted(composed) == ["de", "en", "uk"]  # five chats, one plan, three languages
    assert api.texts(1)[0].startswith("📰 <b>Ваш дайджест</b> — 1 новий документ") and api.texts(1) == api.texts(2)
    assert api.texts(4)[0].startswith("📰 <b>Dein Digest</b> — 1 neues Dokument")
    assert api.texts(3)[0].startswith("📰 <b>Your digest</b> — 1 new document") and api.texts(3) == api.texts(5)
    state.close()


def test_a_state_db_from_before_languages_gains_the_columns(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE chat_settings (chat_id INTEGER PRIMARY KEY, tz TEXT, only_news INTEGER)")
    conn.execute("INSERT INTO chat_settings VALUES (9, 'Europe/Kyiv', 1)")
    conn.commit()
    conn.close()
    state = StateStore(path)
    assert state.chat_zone(9) == "Europe/Kyiv" and state.chat_language(9) is None
    state.set_language(9, "uk")
    assert state.chat_language(9) == "uk" and state.chat_only_news(9)
    state.close()
