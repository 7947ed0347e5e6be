"""Telegram's faults on command replies, through the Application `briefbot run` builds, talking HTTP to
a fake Bot API: whatever the answer, nothing crashes, the error is logged without the token, and the
next update is served."""
from __future__ import annotations

import pytest
from telegram_fakes import Updates, feed

from handlers.errors import SORRY
from tests.digest.conftest import TOKEN

CHAT = 31


async def served_next(application, fake, chat=CHAT) -> None:
    """The next command from the chat gets its real answer."""
    await feed(application, Updates.message("/who haines", chat_id=chat, user_id=abs(chat)))
    assert fake.texts(chat)[-1].startswith("<b>Avril D. Haines</b>")


@pytest.mark.parametrize("fault", ["500", "502", "timeout", "toolong"])
async def test_a_failed_reply_is_logged_redacted_and_the_user_told(make_app, server, redacted_stderr, fault):
    application = await make_app()
    server.fake.faults[CHAT] = [fault]
    await feed(application, Updates.message("/who xi", chat_id=CHAT, user_id=CHAT))
    assert server.fake.texts(CHAT) == [SORRY]  # the answer is lost, the apology is not
    log = redacted_stderr()
    assert "Error while handling update" in log and "/who xi" in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    await served_next(application, server.fake)


@pytest.mark.parametrize("fault", ["403", "kicked", "notfound"])
async def test_a_chat_that_cannot_be_written_to_costs_one_logged_error(make_app, server, redacted_stderr, fault):
    application = await make_app()
    server.fake.faults[CHAT] = [fault, fault]  # the apology cannot go either
    await feed(application, Updates.message("/who xi", chat_id=CHAT, user_id=CHAT))
    assert server.fake.texts(CHAT) == []
    log = redacted_stderr()
    assert "Error while handling update" in log and "Could not tell the user" in log
    assert TOKEN not in log
    await served_next(application, server.fake, chat=CHAT + 1)  # other chats are served
    await served_next(application, server.fake)  # and this one once it can be written to again


async def test_flood_control_on_a_reply_is_waited_out_and_the_answer_arrives(make_app, server, redacted_stderr):
    application = await make_app(rate_limit=True)  # as `briefbot run` runs by default
    server.fake.faults[CHAT] = ["429:1"]
    await feed(application, Updates.message("/who xi", chat_id=CHAT, user_id=CHAT))
    sent = [p for m, p in server.fake.calls if m == "sendMessage"]
    assert len(sent) == 2  # refused once, then sent after retry_after
    assert [t[:17] for t in server.fake.texts(CHAT)] == ["<b>Xi Jinping</b>"]
    assert "Error while handling update" not in redacted_stderr()
    await served_next(application, server.fake)


async def test_connection_refused_then_the_server_comes_back(make_app, server, redacted_stderr):
    application = await make_app()
    await server.stop()
    await feed(application, Updates.message("/who xi", chat_id=CHAT, user_id=CHAT))
    log = redacted_stderr()
    assert "Error while handling update" in log and "Could not tell the user" in log
    assert TOKEN not in log
    await server.start()
    await served_next(application, server.fake)


async def test_a_reply_to_a_group_that_just_became_a_supergroup_goes_to_the_supergroup(make_app, server):
    application = await make_app()
    server.fake.faults[-5] = ["migrate:-1005"]
    await feed(application, Updates.message("/who xi", chat_id=-5, chat_type="group", user_id=9))
    assert server.fake.texts(-5) == []
    assert [t[:17] for t in server.fake.texts(-1005)] == ["<b>Xi Jinping</b>"]


async def test_a_button_press_too_old_to_answer_still_shows_its_page(make_app, server):
    """After a restart or a slow moment Telegram refuses answerCallbackQuery ("query is too old");
    the page the button asked for must still replace the message."""
    application = await make_app()
    server.fake.refusals["answerCallbackQuery"] = [
        "Bad Request: query is too old and response timeout expired or query ID is invalid"]
    await feed(application, Updates.callback("qt:5:", chat_id=CHAT, user_id=CHAT, message_id=77))
    [edit] = [p for m, p in server.fake.calls if m == "editMessageText"]
    assert edit["message_id"] == 77 and "All quotes</b> (6–" in edit["text"]
