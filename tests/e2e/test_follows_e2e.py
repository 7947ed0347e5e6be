"""Follows end to end: a private chat and a forum group follow a person and a topic through the
emulator; a new document is built into the store while the real `briefbot run` runs; the bot is
killed mid-batch and started again; each chat gets exactly one alert message, in its place."""
from __future__ import annotations

import shutil
import sqlite3
import time

from emulator import SEED, TOKEN, Front, User, buttons_of, start_bot, text_of

from bot.build import build

KYIV = """Blinken visits Kyiv

Secretary of State Anthony J. Blinken arrived in Kyiv on Wednesday for talks on Crimea and the counteroffensive.

“We are here to listen, and to make sure Ukraine has what it needs for as long as it takes,” Mr. Blinken said.
"""


def group_command(user: User, text: str) -> None:
    """A command in the forum group from an anonymous administrator (who writes as the group itself)."""
    message = user._message(text)
    message["sender_chat"] = {"id": user.chat_id, "type": "supergroup", "title": user.title}
    message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
    user.front.post("/sendCommand", message)


def wait_for_queue(state_db, count: int, timeout: float) -> int:
    """How many (thing followed, alert) pairs the bot has recorded, once there are `count` (or the time is up)."""
    deadline, found = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        with sqlite3.connect(state_db) as conn:
            try:
                found = conn.execute("select count(*) from alert_hits").fetchone()[0]
            except sqlite3.OperationalError:
                found = 0
        if found >= count:
            break
        time.sleep(0.1)
    return found


def test_follow_a_person_and_a_topic_and_get_one_alert_each_across_a_restart(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    store = tmp_path / "briefing.db"
    build(seeds, store)
    front = Front()
    env = {"SEEDS_DIR": str(seeds), "ALERT_BATCH_MINUTES": "0.25", "ALERT_CHECK_SECONDS": "0.5"}
    bot = start_bot(front, tmp_path, store, **env)
    try:
        private = User(front, chat_id=401, user_id=401)
        private.command("/follow blinkin")
        answer = text_of(private.reply(timeout=30))
        assert "Following <b>Anthony J. Blinken</b>" in answer and "The last one would have been" in answer
        private.command("/follow crimea -football")
        assert "Following the topic <b>crimea -football</b>" in text_of(private.reply())

        forum = User(front, chat_id=-100600, user_id=402, chat_type="supergroup", title="Newsroom", thread_id=88)
        group_command(forum, "/follow Mr. Blinken")
        reply = forum.reply()
        assert "Following <b>Anthony J. Blinken</b>" in text_of(reply) and "Alerts go to this topic" in text_of(reply)
        group_command(forum, "/follow crimea")
        forum.reply()
        member = User(front, chat_id=-100600, user_id=403, chat_type="supergroup", title="Newsroom", thread_id=88)
        member.command("/follow haines")  # not an administrator: refused (getChatMember says "member")
        refusal = member.reply()
        assert "Only this group's administrators can change what it follows" in text_of(refusal)

        (seeds / "kyiv.txt").write_text(KYIV, encoding="utf-8")
        build(seeds, store)  # in place, while the bot runs
        # The quotation for "Anthony J. Blinken", the document for "crimea -football" and for "crimea".
        queued = wait_for_queue(tmp_path / "state.db", 3, timeout=15)  # the bot looks every 0.5 s
        assert queued == 3, bot.log()[-3000:]
        bot.process.kill()  # mid-batch: queued, and the 15 s batch still gathering
        bot.process.wait()
        assert not any(row[0] for row in sqlite3.connect(tmp_path / "state.db").execute(
            "select count(*) from alert_batches"))
        bot = start_bot(front, tmp_path, store, **env)  # the same state.db

        alert = private.reply(timeout=40)
        text = text_of(alert)
        assert text.startswith("🔔 <b>2 new alerts</b>"), text
        assert "We are here to listen" in text and "Anthony J. Blinken" in text and "Secretary of State" in text
        assert "📌 <i>crimea -football</i>" in text and "Blinken visits Kyiv" in text and "¶" in text
        group_alert = forum.reply(timeout=20)
        assert int(group_alert["message"]["message_thread_id"]) == 88
        assert "We are here to listen" in text_of(group_alert) and "📌 <i>crimea</i>" in text_of(group_alert)
        private.silence(3.0)
        forum.silence(0.5)

        private.command("/alerts")
        listing = text_of(private.reply())
        assert "Alerts since the last alert message" in listing and "We are here to listen" in listing
        private.command("/following")
        following = private.reply()
        assert "1. 👤 <b>Anthony J. Blinken</b>" in text_of(following) and "2. 📌 crimea -football" in text_of(following)
        assert any(label.startswith("✖ 2.") for label in buttons_of(following))
        private.command("/unfollow 2")
        assert "Unfollowed <b>crimea -football</b>" in text_of(private.reply())
        private.command("/start follow-haines")
        assert "Following <b>Avril D. Haines</b>" in text_of(private.reply())
    finally:
        log = bot.stop()
        front.stop()
    assert TOKEN not in log
