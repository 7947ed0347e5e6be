"""The follow commands as Telegram sends them: PTB Updates through a real Application (the digest and
follow families) whose Bot talks to the fake Bot API server."""
from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.ext import ApplicationBuilder

from bot.config import Settings
from bot.follows.commands import NEXT_BATCH, TOGGLE_ALERTS, TOGGLE_ONLY_FOLLOWS
from bot.follows.state import MAX_FOLLOWS
from handlers import digests, follows
from tests.digest.conftest import TOKEN
from tests.digest.test_handlers import message, send

from .conftest import KYIV, make_world

GROUP = -1001


@pytest.fixture
async def app(api, tmp_path, clock):
    world = make_world(tmp_path / "w", clock)
    settings = Settings(token=TOKEN, briefing_db=world.db, state_db=tmp_path / "w" / "state.db",
                        seeds_dir=world.seeds, alert_batch_minutes=0)
    application = (ApplicationBuilder().token(TOKEN).base_url(f"{api.url}/bot")
                   .base_file_url(f"{api.url}/file/bot").build())
    digests.register(application, settings, clock=clock)
    follows.register(application, settings, clock=clock)
    application.bot_data["world"] = world
    await application.initialize()
    await application.bot_data["alert_jobs"].run()  # the first look, as the job's first run does at start-up
    yield application
    await application.shutdown()
    world.state.close()


def callback(data: str, chat_id: int = 1, user_id: int = 1, message_id: int = 1) -> dict:
    update = message("", chat_id=chat_id, user_id=user_id)
    msg = update.pop("message")
    msg["text"] = "settings"
    update["callback_query"] = {"id": "cb1", "from": msg["from"], "chat_instance": "x", "data": data, "message": msg}
    return update


@pytest.mark.parametrize("status, allowed", [("member", False), ("administrator", True)])
async def test_in_groups_only_administrators_change_follows_and_everyone_sees_them(app, api, status, allowed):
    api.members[(GROUP, 5)] = status
    await send(app, message("/follow blinken", chat_id=GROUP, user_id=5, thread_id=9))
    state = app.bot_data["follow_commands"].follows
    assert (len(state.of_chat(GROUP)) == 1) == allowed
    if allowed:
        assert state.of_chat(GROUP)[0].thread_id == 9 and "Alerts go to this topic" in api.texts(GROUP)[-1]
    else:
        assert "Only this group's administrators" in api.texts(GROUP)[-1]
    await send(app, message("/following", chat_id=GROUP, user_id=6))
    assert ("Anthony J. Blinken" in api.texts(GROUP)[-1]) == allowed


async def test_the_matcher_runs_in_a_worker_thread_on_a_connection_of_its_own(app, api):
    """The first look at a million documents takes a minute: the event loop answers meanwhile."""
    import threading

    jobs = app.bot_data["alert_jobs"]
    assert jobs.in_thread and jobs.matcher.follows.db is not app.bot_data["follow_commands"].follows.db
    ran_in = []
    check = jobs.matcher.check
    jobs.matcher.check = lambda: (ran_in.append(threading.get_ident()), check())[1]
    await send(app, message("/follow blinken"))
    world = app.bot_data["world"]
    world.write("kyiv.txt", KYIV)
    world.build()
    assert [o.status for o in await jobs.run()] == ["sent"]
    assert ran_in and threading.get_ident() not in ran_in


async def test_a_new_document_reaches_the_chat_through_the_alert_job(app, api):
    await send(app, message("/follow blinken"))
    world = app.bot_data["world"]
    world.write("kyiv.txt", KYIV)
    world.build()
    outcomes = await app.bot_data["alert_jobs"].run()
    assert [(o.chat_id, o.status) for o in outcomes] == [(1, "sent")]
    assert api.texts(1)[-1].startswith("🔔 <b>2 new alerts</b>")
    await send(app, message("/alerts"))
    assert "We are here to listen" in api.texts(1)[-1]


async def test_settings_show_alerts_and_their_buttons_change_them(app, api):
    await send(app, message("/settings"))
    text = api.texts(1)[-1]
    assert "<b>Alerts</b>" in text and "Alerts: on; gathered for at once" in text
    commands = app.bot_data["follow_commands"]
    for data in (TOGGLE_ALERTS, NEXT_BATCH, TOGGLE_ONLY_FOLLOWS):
        await send(app, callback(data))
    s = commands.follows.settings(1)
    assert (s.enabled, s.batch_minutes, s.only_follows) == (False, 5, True)
    edited = [p["text"] for m, p in api.calls if m == "editMessageText"][-1]
    assert "Alerts: off" in edited and "only what this chat follows" in edited


async def test_fifty_follows_then_a_clear_message(app, api):
    commands = app.bot_data["follow_commands"]
    for n in range(MAX_FOLLOWS):
        commands.follow(1, f"topic{n}")
    await send(app, message("/follow crimea"))
    assert f"follows {MAX_FOLLOWS} people and topics already" in api.texts(1)[-1]
    assert len(commands.follows.of_chat(1)) == MAX_FOLLOWS


async def test_quiet_hours_hold_alerts_until_they_end(app, api, clock):
    await send(app, message("/subscribe 08:00 Europe/Kyiv"))
    await send(app, message("/quiet 00:00-12:00"))  # clock: 06:00 UTC = 08:00 in Kyiv, quiet
    assert "Quiet hours: 00:00–12:00 (Europe/Kyiv)" in api.texts(1)[-1]
    await send(app, message("/follow blinken"))
    world = app.bot_data["world"]
    world.write("kyiv.txt", KYIV)
    world.build()
    sent = len(api.texts(1))
    assert await app.bot_data["alert_jobs"].run() == []
    clock.t += timedelta(hours=3, minutes=59)
    assert await app.bot_data["alert_jobs"].run() == [] and len(api.texts(1)) == sent
    clock.t += timedelta(minutes=1)  # 12:00 in Kyiv
    assert [o.status for o in await app.bot_data["alert_jobs"].run()] == ["sent"]


async def test_deep_link_follows_with_one_tap(app, api):
    from handlers import start
    start.register(app, Settings())
    await send(app, message("/start follow-avril-haines"))
    assert "Following <b>Avril D. Haines</b>" in api.texts(1)[-1]
