"""The digest commands as Telegram sends them: PTB Updates through a real Application whose Bot talks
to the fake Bot API server."""

import pytest
from telegram import Update
from telegram.ext import ApplicationBuilder

from bot.delivery.digest_commands import TOGGLE_ONLY_NEWS
from handlers import digests

from .conftest import ADMIN, SEED, TOKEN

GROUP = -1001


@pytest.fixture
async def app(api, settings, clock):
    application = (ApplicationBuilder().token(TOKEN).base_url(f"{api.url}/bot")
                   .base_file_url(f"{api.url}/file/bot").build())
    digests.register(application, settings, clock=clock)
    await application.initialize()
    yield application
    await application.shutdown()


def handlers_of(app):
    return next(c for h in app.handlers[0] for c in [getattr(h.callback, "__self__", None)] if c is not None)


_update_id = 0


def message(text: str, chat_id: int = 1, user_id: int = 1, thread_id: int | None = None,
            sender_chat: int | None = None, document: dict | None = None) -> dict:
    global _update_id
    _update_id += 1
    chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
    if thread_id is not None:
        chat["is_forum"] = True
    msg = {"message_id": _update_id, "date": 1_700_000_000, "chat": chat,
           "from": {"id": user_id, "is_bot": False, "first_name": "User"}}
    if text:
        msg["text"] = text
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if thread_id is not None:
        msg["message_thread_id"] = thread_id
        msg["is_topic_message"] = True
    if sender_chat is not None:
        msg["sender_chat"] = {"id": sender_chat, "type": "supergroup", "title": "Group"}
    if document is not None:
        msg["document"] = document
    return {"update_id": _update_id, "message": msg}


async def send(app, data: dict) -> None:
    await app.process_update(Update.de_json(data, app.bot))


def state_of(app):
    return handlers_of(app).commands.state


async def test_subscribe_in_private_with_time_and_zone(app, api):
    await send(app, message("/subscribe 07:30 Europe/Kyiv"))
    [reply] = api.texts(1)
    assert "Subscribed" in reply and "07:30" in reply and "Europe/Kyiv" in reply
    sub = state_of(app).subscription(1)
    assert (sub.time, sub.tz, sub.thread_id, sub.created_by) == ("07:30", "Europe/Kyiv", None, 1)
    assert [j.name for j in app.job_queue.jobs() if j.name.startswith("digest:1")] == ["digest:1"]


async def test_subscribe_defaults_to_eight_in_the_saved_zone(app, api):
    await send(app, message("/subscribe 09:15 UTC+3"))
    await send(app, message("/unsubscribe"))
    await send(app, message("/subscribe"))
    sub = state_of(app).subscription(1)
    assert (sub.time, sub.tz) == ("08:00", "UTC+03:00")
    await send(app, message("/subscribe America/New_York"))  # a zone alone keeps the time
    assert (state_of(app).subscription(1).time, state_of(app).subscription(1).tz) == ("08:00", "America/New_York")


@pytest.mark.parametrize("args, complaint", [("25:00", "not a time of day"), ("7", "not a time of day"),
                                             ("08:00 Mars/Olympus", "not a time zone I know"),
                                             ("08:00 09:00", "Usage"), ("1 2 3", "Usage")])
async def test_bad_times_and_zones_get_an_example_and_change_nothing(app, api, args, complaint):
    await send(app, message("/subscribe 06:45 Europe/Kyiv"))
    await send(app, message(f"/subscribe {args}"))
    reply = api.texts(1)[-1]
    assert complaint in reply and "/subscribe 07:30 Europe/Kyiv" in reply
    sub = state_of(app).subscription(1)
    assert (sub.time, sub.tz) == ("06:45", "Europe/Kyiv")


@pytest.mark.parametrize("status, allowed", [("member", False), ("administrator", True), ("creator", True)])
async def test_in_groups_only_administrators_change_the_subscription(app, api, status, allowed):
    api.members[(GROUP, 5)] = status
    await send(app, message("/subscribe 10:00", chat_id=GROUP, user_id=5))
    assert (state_of(app).subscription(GROUP) is not None) == allowed
    if not allowed:
        assert "Only this group's administrators" in api.texts(GROUP)[-1]
    if allowed:
        await send(app, message("/unsubscribe", chat_id=GROUP, user_id=5))
        assert state_of(app).subscription(GROUP) is None


async def test_a_refused_member_cannot_unsubscribe_the_group(app, api):
    api.members[(GROUP, ADMIN)] = "administrator"
    await send(app, message("/subscribe 10:00", chat_id=GROUP, user_id=ADMIN))
    await send(app, message("/unsubscribe", chat_id=GROUP, user_id=5))
    assert state_of(app).subscription(GROUP) is not None
    assert "Only this group's administrators" in api.texts(GROUP)[-1]


async def test_an_anonymous_administrator_may_subscribe(app, api):
    await send(app, message("/subscribe 10:00", chat_id=GROUP, user_id=1087968824, sender_chat=GROUP))
    assert state_of(app).subscription(GROUP) is not None
    assert not any(m == "getChatMember" for m, _ in api.calls)


async def test_a_forum_topic_subscription_remembers_its_topic(app, api):
    api.members[(GROUP, ADMIN)] = "administrator"
    await send(app, message("/subscribe 10:00", chat_id=GROUP, user_id=ADMIN, thread_id=12))
    assert state_of(app).subscription(GROUP).thread_id == 12
    assert api.sent[-1].thread_id == 12 and "in this topic" in api.sent[-1].text


async def test_settings_show_the_subscription_and_the_button_toggles_only_news(app, api):
    await send(app, message("/subscribe 07:30 Europe/Kyiv"))
    await send(app, message("/settings"))
    text = api.texts(1)[-1]
    assert "07:30" in text and "Europe/Kyiv" in text and "spotlight" in text and "Next:" in text
    [(_, params)] = [c for c in api.calls if c[0] == "sendMessage"][-1:]
    assert params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == TOGGLE_ONLY_NEWS
    await send(app, callback(1, 1, TOGGLE_ONLY_NEWS))
    assert state_of(app).subscription(1).only_news is True
    [(_, edit)] = [c for c in api.calls if c[0] == "editMessageText"]
    assert "only new documents" in edit["text"]


async def test_a_member_pressing_the_button_in_a_group_changes_nothing(app, api):
    await send(app, callback(GROUP, 5, TOGGLE_ONLY_NEWS))
    assert state_of(app).chat_only_news(GROUP) is False
    [(_, answer)] = [c for c in api.calls if c[0] == "answerCallbackQuery"]
    assert "administrators" in answer["text"]


def callback(chat_id: int, user_id: int, data: str) -> dict:
    global _update_id
    _update_id += 1
    return {"update_id": _update_id, "callback_query": {
        "id": str(_update_id), "chat_instance": "ci", "data": data,
        "from": {"id": user_id, "is_bot": False, "first_name": "User"},
        "message": {"message_id": 99, "date": 1_700_000_000, "text": "settings",
                    "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                    "from": {"id": 42, "is_bot": True, "first_name": "Briefbot"}}}}


async def test_digest_on_demand_leaves_the_schedule_alone(app, api):
    await send(app, message("/subscribe 07:30 Europe/Kyiv"))
    await send(app, message("/digest"))
    assert "new document" in api.texts(1)[-1]
    state = state_of(app)
    assert state.last_delivery(1) is None  # the scheduled digest of the day is still to come
    await send(app, message("/digest"))
    assert "Spotlight" in api.texts(1)[-1]  # what was shown counts as seen


async def test_unsubscribe(app, api):
    await send(app, message("/unsubscribe"))
    assert "no daily digest" in api.texts(1)[-1]
    await send(app, message("/subscribe"))
    await send(app, message("/unsubscribe"))
    assert "Unsubscribed" in api.texts(1)[-1] and state_of(app).subscription(1) is None
    assert not [j for j in app.job_queue.jobs() if j.name == "digest:1"]


def document(api, file_id: str, name: str, data: bytes) -> dict:
    api.files[file_id] = data
    return {"file_id": file_id, "file_unique_id": file_id, "file_name": name, "file_size": len(data)}


async def test_an_admin_adds_a_document_under_a_safe_name(app, api, settings):
    text = "Diplomats meet again\n\n" + SEED.read_text(encoding="utf-8").split("\n", 1)[1]
    await send(app, message("", chat_id=ADMIN, user_id=ADMIN,
                            document=document(api, "f1", "../../etc/x.txt", text.encode())))
    saved = settings.seeds_dir / "x.txt"
    assert saved.read_text(encoding="utf-8") == text
    assert sorted(p.name for p in settings.seeds_dir.iterdir()) == sorted([SEED.name, "x.txt"])
    reply = api.texts(ADMIN)[-1]
    assert "Added x.txt" in reply and "2 documents" in reply and "Diplomats meet again" in reply
    assert "people" in reply and "Blinken" in reply and "quotes" in reply
    await send(app, message("", chat_id=ADMIN, user_id=ADMIN,
                            document=document(api, "f2", "x.txt", text.encode())))
    assert "already in the store" in api.texts(ADMIN)[-1]


async def test_uploads_from_others_or_of_other_kinds_are_refused(app, api, settings):
    await send(app, message("", chat_id=5, user_id=5, document=document(api, "f3", "y.txt", b"Some text")))
    assert "Only the bot's administrators" in api.texts(5)[-1]
    await send(app, message("", chat_id=ADMIN, user_id=ADMIN, document=document(api, "f4", "y.pdf", b"%PDF")))
    assert "Only .htm, .html, .md, .txt files" in api.texts(ADMIN)[-1]
    assert sorted(p.name for p in settings.seeds_dir.iterdir()) == [SEED.name]


async def test_a_file_that_breaks_the_build_is_not_kept(app, api, settings, monkeypatch):
    def broken_build(seeds_dir, db_path):
        raise RuntimeError("extractor bug")
    monkeypatch.setattr(digests.store_build, "build", broken_build)
    await send(app, message("", chat_id=ADMIN, user_id=ADMIN, document=document(api, "f5", "z.md", b"# Title\n\nText")))
    assert "failed while rebuilding" in api.texts(ADMIN)[-1]
    assert sorted(p.name for p in settings.seeds_dir.iterdir()) == [SEED.name]


async def test_an_oversized_file_is_refused_before_downloading(app, api, settings):
    doc = document(api, "f6", "big.txt", b"x")
    doc["file_size"] = 50 * 1024 * 1024
    await send(app, message("", chat_id=ADMIN, user_id=ADMIN, document=doc))
    assert "larger than 5 MB" in api.texts(ADMIN)[-1]
    assert not any(m == "getFile" for m, _ in api.calls)


async def test_a_busy_store_keeps_the_uploaded_file_and_says_why(app, api, settings, monkeypatch):
    def busy(seeds_dir, db_path, **kwargs):
        raise digests.store_build.StoreBusy("briefing.db is busy: a reader has held a transaction on it for over 30 s")
    monkeypatch.setattr(digests.store_build, "build", busy)
    await send(app, message("", chat_id=ADMIN, user_id=ADMIN, document=document(api, "f7", "w.md", b"# Title\n\nText")))
    reply = api.texts(ADMIN)[-1]
    assert "briefing.db is busy" in reply and "The file is kept" in reply and "failed while rebuilding" not in reply
    assert (settings.seeds_dir / "w.md").is_file()


async def test_an_upload_whose_store_path_is_not_a_store_keeps_the_file(app, api, settings):
    settings.briefing_db.unlink()
    settings.briefing_db.write_text("not a store, an article")
    await send(app, message("", chat_id=ADMIN, user_id=ADMIN, document=document(api, "f8", "v.md", b"# Title\n\nText")))
    reply = api.texts(ADMIN)[-1]
    assert "is not a Briefbot store" in reply and "The file is kept" in reply
    assert (settings.seeds_dir / "v.md").is_file() and settings.briefing_db.read_text() == "not a store, an article"


async def test_an_upload_with_a_date_set_aside_is_told_so(app, api, settings):
    text = "---\ntitle: Talks resume\ndate: 9999-12-31\n---\n\n" + SEED.read_text(encoding="utf-8").split("\n", 1)[1]
    await send(app, message("", chat_id=ADMIN, user_id=ADMIN, document=document(api, "f9", "future.md", text.encode())))
    reply = api.texts(ADMIN)[-1]
    assert "Added future.md" in reply
    assert "Note: its date 9999-12-31 is more than a day ahead of the build; the file's date is used instead." in reply
