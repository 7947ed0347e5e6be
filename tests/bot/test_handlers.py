"""The Telegram handlers, run for real by the Application against a fake Bot API (no network)."""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone

from telegram_fakes import TOKEN, Updates, feed

from bot import i18n
from bot.answers import render
from bot.answers.commands import COMMANDS, Answer, Button
from bot.frontends.telegram_app import register_commands
from bot.logging_setup import RedactingFormatter
from handlers.errors import SORRY
from handlers.throttle import BURST


async def test_quiz_sends_a_quiz_poll_within_telegram_limits(application, bot_api):
    await feed(application, Updates.message("/quiz", chat_id=-5, chat_type="supergroup", thread_id=9))
    (poll,) = bot_api.calls_of("sendPoll")
    assert poll["type"] == "quiz" and poll["is_anonymous"] is False
    options = [o["text"] for o in poll["options"]]
    assert len(options) == 4 and len(set(options)) == 4
    (correct,) = poll["correct_option_ids"]
    assert 0 <= correct < 4
    assert poll["question"].startswith("Who said it?") and len(poll["question"]) <= 300
    assert all(len(o) <= 100 for o in options) and len(poll["explanation"]) <= 200
    assert "¶" in poll["explanation"]  # the source, shown after voting
    assert options[correct] in poll["explanation"]
    assert poll["message_thread_id"] == 9
    parse_modes = [poll.get("question_parse_mode"), poll.get("explanation_parse_mode"),
                   *(o.get("text_parse_mode") for o in poll["options"])]
    assert parse_modes == [None] * 6  # quotations are plain text, never parsed as HTML


async def test_inline_query_offers_card_and_quotes(application, bot_api):
    await feed(application, Updates.inline("blinken"))
    (answer,) = bot_api.calls_of("answerInlineQuery")
    results = answer["results"]
    assert results[0]["title"] == "Anthony J. Blinken"
    card = results[0]["input_message_content"]
    assert card["parse_mode"] == "HTML" and card["message_text"].startswith("<b>Anthony J. Blinken</b>")
    assert len(results) > 1 and all("¶" in r["description"] for r in results[1:])
    assert len({r["id"] for r in results}) == len(results)
    # The shared card opens the follow in the bot's chat with one tap; quotes carry no button.
    (follow,) = [b for row in results[0]["reply_markup"]["inline_keyboard"] for b in row]
    assert follow["url"] == "https://t.me/BriefTestBot?start=follow-anthony-j-blinken"
    assert all("reply_markup" not in r for r in results[1:])


async def test_inline_query_with_no_words_answers_empty(application, bot_api):
    await feed(application, Updates.inline("!!! ***"))
    (answer,) = bot_api.calls_of("answerInlineQuery")
    assert answer["results"] == []


async def test_group_command_replies_in_topic_quoting_the_question(application, bot_api):
    update = Updates.message("/who@BriefTestBot haines", chat_id=-100, chat_type="supergroup", thread_id=42)
    await feed(application, update)
    (sent,) = bot_api.calls_of("sendMessage")
    assert sent["text"].startswith("<b>Avril D. Haines</b>")
    assert sent["message_thread_id"] == 42
    assert sent["reply_parameters"]["message_id"] == update["message"]["message_id"]


async def test_command_for_another_bot_is_ignored(application, bot_api):
    await feed(application, Updates.message("/who@OtherBot haines", chat_id=-100, chat_type="group"))
    assert bot_api.calls_of("sendMessage") == []


async def test_edited_command_edits_the_earlier_answer(application, bot_api):
    first = Updates.message("/who haines")
    await feed(application, first)
    (answer,) = bot_api.calls_of("sendMessage")
    edited = Updates.message("/who xi", edited=True)
    edited["edited_message"]["message_id"] = first["message"]["message_id"]
    await feed(application, edited)
    (edit,) = bot_api.calls_of("editMessageText")
    assert edit["text"].startswith("<b>Xi Jinping</b>")
    assert len(bot_api.calls_of("sendMessage")) == 1
    assert edit["message_id"] == 1000  # the fake API's id of the first answer
    assert answer["text"].startswith("<b>Avril D. Haines</b>")


async def test_next_button_edits_the_message_with_the_next_page(application, bot_api):
    await feed(application, Updates.callback("qt:5:", message_id=77))
    assert bot_api.calls_of("answerCallbackQuery")
    (edit,) = bot_api.calls_of("editMessageText")
    assert edit["message_id"] == 77 and "All quotes</b> (6–" in edit["text"]
    labels = [b["text"] for row in edit["reply_markup"]["inline_keyboard"] for b in row]
    assert "◀ Previous" in labels


async def test_button_under_an_uneditable_message_answers_below_it(application, bot_api):
    bot_api.refuse.add("editMessageText")
    await feed(application, Updates.callback("qt:5:", message_id=77))
    (sent,) = bot_api.calls_of("sendMessage")
    assert "All quotes</b> (6–" in sent["text"]


async def test_long_answers_are_split_with_buttons_on_the_last_part(application, bot_api, monkeypatch):
    long = "\n\n".join(f"<b>{i}</b> " + "news " * 200 for i in range(10))
    core = application.bot_data["core"]
    monkeypatch.setattr(core, "answer", lambda *a: Answer(long, [[Button("Next ▶", "qt:5:")]]))
    await feed(application, Updates.message("/brief"))
    sent = bot_api.calls_of("sendMessage")
    assert len(sent) > 1 and all(len(s["text"]) <= render.MESSAGE_LIMIT for s in sent)
    assert [("reply_markup" in s) for s in sent] == [False] * (len(sent) - 1) + [True]


async def test_errors_are_logged_with_the_update_and_the_user_gets_no_internals(application, bot_api, monkeypatch, caplog):
    def explode(*args):
        raise RuntimeError(f"database exploded at https://api.telegram.org/bot{TOKEN}/x")

    monkeypatch.setattr(application.bot_data["core"], "answer", explode)
    with caplog.at_level(logging.ERROR):
        await feed(application, Updates.message("/who haines"))
    (sent,) = bot_api.calls_of("sendMessage")
    assert sent["text"] == SORRY
    record = next(r for r in caplog.records if "Error while handling update" in r.getMessage())
    assert "/who haines" in record.getMessage()
    line = RedactingFormatter([TOKEN]).format(record)
    assert "database exploded" in line and TOKEN not in line


async def test_command_menus_registered_per_scope(application, bot_api):
    await register_commands(application)
    calls = [c for c in bot_api.calls_of("setMyCommands") if "language_code" not in c]  # the default menus
    assert [c["scope"]["type"] for c in calls] == ["all_private_chats", "all_group_chats", "all_chat_administrators"]
    assert [c["command"] for c in calls[0]["commands"]] == [c.name for c in COMMANDS]
    in_groups = [c.name for c in COMMANDS if c.in_groups]
    assert [c["command"] for c in calls[2]["commands"]] == in_groups
    assert [c["command"] for c in calls[1]["commands"]] == [c.name for c in COMMANDS if c.in_groups and not c.admins_only]
    assert "start" not in in_groups


async def test_refused_command_menu_is_only_a_warning(application, bot_api, caplog):
    bot_api.refuse.add("setMyCommands")
    with caplog.at_level(logging.WARNING):
        await register_commands(application)
    menus = 3 * len(i18n.languages())  # three scopes, in every language
    assert sum("Could not register the command menu" in r.getMessage() for r in caplog.records) == menus


async def test_command_menus_registered_in_every_language_with_the_same_command_names(application, bot_api):
    """setMyCommands per language_code: the descriptions translated, the command names English."""
    await register_commands(application)
    calls = bot_api.calls_of("setMyCommands")
    by_language: dict = {}
    for call in calls:
        by_language.setdefault(call.get("language_code"), []).append(call)
    assert set(by_language) == {None, "de", "es", "fr", "ru", "uk"}
    names = [[c["command"] for c in call["commands"]] for call in by_language[None]]
    for language, menus in by_language.items():
        assert [[c["command"] for c in call["commands"]] for call in menus] == names
    uk = {c["command"]: c["description"] for c in by_language["uk"][0]["commands"]}
    assert uk["help"] == "цей список" and uk["language"] == "мова, якою бот говорить у цьому чаті"
    assert {c["command"]: c["description"] for c in by_language[None][0]["commands"]}["help"] == "this list"


async def test_plain_text_hint_in_private_silence_in_groups_unless_addressed(application, bot_api):
    await feed(application, Updates.message("hello", command=False))
    assert "/help" in bot_api.calls_of("sendMessage")[-1]["text"]
    await feed(application, Updates.message("talking about Blinken", chat_id=-7, chat_type="group"))
    await feed(application, Updates.message("/frobnicate", chat_id=-7, chat_type="group"))
    assert len(bot_api.calls_of("sendMessage")) == 1
    await feed(application, Updates.message("@BriefTestBot hi", chat_id=-7, chat_type="group", command=False))
    await feed(application, Updates.message("/frobnicate@BriefTestBot", chat_id=-7, chat_type="group"))
    texts = [s["text"] for s in bot_api.calls_of("sendMessage")]
    assert len(texts) == 3 and "I don't know /frobnicate" in texts[2]


async def test_group_reply_to_the_bot_counts_as_addressing_it(application, bot_api):
    ours = {"message_id": 5, "date": 1, "chat": {"id": -7, "type": "group", "title": "G"}, "text": "card",
            "from": {"id": 666, "is_bot": True, "first_name": "Briefbot", "username": "BriefTestBot"}}
    theirs = {**ours, "from": {"id": 2, "is_bot": False, "first_name": "Bob"}}
    await feed(application, Updates.message("thanks", chat_id=-7, chat_type="group", reply_to=theirs))
    assert bot_api.calls_of("sendMessage") == []
    await feed(application, Updates.message("and now?", chat_id=-7, chat_type="group", reply_to=ours))
    assert "/help" in bot_api.calls_of("sendMessage")[0]["text"]


async def test_flooding_user_is_slowed_with_one_warning(application, bot_api):
    for _ in range(BURST + 4):
        await feed(application, Updates.message("/sources", user_id=55))
    texts = [s["text"] for s in bot_api.calls_of("sendMessage")]
    assert sum(t.startswith("<b>Sources") for t in texts) == BURST
    assert sum("too fast" in t for t in texts) == 1
    await feed(application, Updates.message("/sources", user_id=56))  # others are not affected
    assert bot_api.calls_of("sendMessage")[-1]["text"].startswith("<b>Sources")


async def test_a_chart_sent_once_can_be_shared_inline_as_that_photo(application, bot_api):
    await feed(application, Updates.inline("trend blinken"))
    (before,) = bot_api.calls_of("answerInlineQuery")
    assert before["results"][0]["type"] == "article"  # Telegram has no such photo yet: the numbers in words
    assert "Anthony J. Blinken</b>: 10 mentions" in before["results"][0]["input_message_content"]["message_text"]
    await feed(application, Updates.message("/trend blinken", chat_id=7))
    (photo,) = bot_api.calls_of("sendPhoto")
    assert photo["caption"].startswith("<b>Last 30 days</b>") and photo["parse_mode"] == "HTML"
    share = photo["reply_markup"]["inline_keyboard"][0][0]
    assert share["text"] == "Share" and share["switch_inline_query"] == "trend blinken"
    await feed(application, Updates.inline(share["switch_inline_query"]))
    after = bot_api.calls_of("answerInlineQuery")[-1]["results"][0]
    assert after["type"] == "photo" and after["photo_file_id"] == "p1"  # what the fake API answered sendPhoto with
    assert after["caption"] == photo["caption"]


async def test_the_bot_keeps_its_store_in_the_page_cache_from_start_up(application):
    """`briefbot run` asks for its store's pages right after start-up, then every WARM_SECONDS."""
    from handlers.upkeep import WARM_SECONDS

    [job] = [j for j in application.job_queue.jobs() if j.name == "store:warm"]
    assert job.trigger.interval.total_seconds() == WARM_SECONDS
    assert (job.trigger.start_date - datetime.now(timezone.utc)).total_seconds() <= 1


async def test_the_bot_keeps_its_search_indexes_with_the_builds_lock(application):
    """`briefbot run` schedules the search upkeep on its store, taking turns with uploads and fetch rounds."""
    from handlers.sources import build_lock
    from handlers.upkeep import UPKEEP_SECONDS

    [job] = [j for j in application.job_queue.jobs() if j.name == "store:upkeep"]
    assert job.trigger.interval.total_seconds() == UPKEEP_SECONDS
    keeper = application.bot_data["search_upkeep"]
    assert keeper.db_path == application.bot_data["settings"].briefing_db
    assert keeper.lock is build_lock(application)


async def test_the_bot_purges_retired_documents_with_the_builds_lock(application):
    """`briefbot run` looks for retired documents to purge soon after start-up and every minute, taking
    turns with uploads and fetch rounds (tests/store/test_retired.py purges with it)."""
    from handlers.sources import build_lock
    from handlers.upkeep import PURGE_LOOK_SECONDS

    [job] = [j for j in application.job_queue.jobs() if j.name == "store:purge"]
    assert job.trigger.interval.total_seconds() == PURGE_LOOK_SECONDS
    assert (job.trigger.start_date - datetime.now(timezone.utc)).total_seconds() <= 5
    purge = application.bot_data["retired_purge"]
    assert purge.db_path == application.bot_data["settings"].briefing_db
    assert purge.lock is build_lock(application)


async def test_digests_are_planned_even_when_start_up_keeps_the_loop_busy(application):
    """The digest scheduler's start-up job must run late rather than never: APScheduler drops a job more
    than a second late by default, and a first look at a large store keeps the loop busy longer."""
    from bot.delivery.schedule import job_name

    state = application.bot_data["state"]
    state.subscribe(4242, "08:00", "Europe/Kyiv")
    await application.start()
    try:
        time.sleep(1.5)  # the loop blocked past the job's due time, as a long first look blocks it
        for _ in range(50):
            await asyncio.sleep(0.05)
            if application.job_queue.get_jobs_by_name(job_name(4242)):
                break
        assert application.job_queue.get_jobs_by_name(job_name(4242))
    finally:
        await application.stop()
