"""Alerts in each chat's language: matching renders an alert once (English) with the facts it was made
of; each chat's batch, /alerts page and digest section speak the chat's language."""
from __future__ import annotations

from datetime import timedelta

from bot import i18n
from bot.delivery.digest import DigestComposer

from .conftest import KYIV


async def test_each_chat_gets_its_alerts_in_its_language(world, api, bot):
    world.state.set_language(1, "uk")
    world.state.note_client_language(2, "de")  # a private chat's Telegram language
    for chat in (1, 2, 3):
        world.commands.follow(chat, "blinken")
    world.write("kyiv.txt", KYIV)
    world.build()
    world.matcher.check()
    assert world.state.db.execute("select count(*) from alert_items").fetchone()[0] == 2  # rendered once, not per chat
    world.clock.t += timedelta(minutes=10)
    outcomes = await world.delivery(bot).deliver_due()
    assert sorted(o.chat_id for o in outcomes) == [1, 2, 3]
    (uk,), (de,), (en,) = api.texts(1), api.texts(2), api.texts(3)
    assert uk.startswith("🔔 <b>2 нові сповіщення</b>") and "We are here to listen" in uk
    assert de.startswith("🔔 <b>2 neue Meldungen</b>") and "We are here to listen" in de
    assert en.startswith("🔔 <b>2 new alerts</b>")
    assert "Blinken visits Kyiv" in uk and "¶" in uk  # the news itself stays in its language
    page = world.commands.alerts(1, t=i18n.translator("uk")).html
    assert page.startswith("<b>Сповіщення від останнього повідомлення зі сповіщеннями</b> (1–2 з 2")


async def test_a_topic_alert_quotes_the_sentence_in_the_language_s_quotation_marks(world, api, bot):
    world.state.set_language(5, "fr")
    world.commands.follow(5, "crimea")
    world.write("kyiv.txt", KYIV)
    world.build()
    world.matcher.check()
    world.clock.t += timedelta(minutes=10)
    await world.delivery(bot).deliver_due()
    (text,) = api.texts(5)
    assert text.startswith("🔔 <b>Nouvelle alerte</b>") and "📌 <i>crimea</i>" in text
    assert "\n« Secretary of State Anthony J. Blinken arrived in Kyiv" in text


async def test_an_alert_kept_from_before_languages_is_sent_as_it_was(world, api, bot):
    """Items matched by a bot without this issue have no facts (data NULL): they go out in English."""
    world.state.set_language(1, "ru")
    world.commands.follow(1, "blinken")
    world.write("kyiv.txt", KYIV)
    world.build()
    world.matcher.check()
    world.state.db.execute("update alert_items set data = null")
    world.clock.t += timedelta(minutes=10)
    await world.delivery(bot).deliver_due()
    (text,) = api.texts(1)
    assert text.startswith("🔔 <b>2 новых уведомления</b>")  # the heading is the chat's; the items as stored
    assert text.count("🗣 <b>Anthony J. Blinken</b>") == 2


def test_the_digest_following_section_speaks_the_chat_language(world):
    world.commands.follow(1, "blinken")
    world.write("kyiv.txt", KYIV)
    world.build()
    world.matcher.check()
    composer = DigestComposer(world.store, world.state)
    composer.follows = world.follows
    digest = composer.digest_for(1, only_news=True, slot=world.clock.now(), language="es")
    assert digest.parts[0].startswith("👣 <b>Lo que sigues</b> — desde tu último resumen\n• 🗣 <b>Anthony J. Blinken</b>: «")
