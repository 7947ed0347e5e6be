"""`briefbot run` killed with SIGKILL in the middle of a digest fan-out, then started again over the
same state.db: every due chat ends up with its digest exactly once."""
from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path

from bot.delivery.state import COMPOSED, SENT, StateStore
from tests.digest.conftest import TOKEN
from tests.digest.test_application import subscribe_due

CHATS = [1, 2, 3, 4, 5, 6, 7, 8, -100, -200]  # private chats and groups, due in the same minute
HUNG = 6  # the first process dies while its request to this chat is in flight


async def start_bot(server, seed_store: Path, state_db: Path, log: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": f"{server.fake.url}/bot",
           "BRIEFING_DB": str(seed_store), "STATE_DB": str(state_db), "LOG_LEVEL": "DEBUG", "WEBHOOK_URL": ""}
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "briefbot"), "run", cwd=state_db.parent, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out)


def deliveries(state_db: Path) -> list[tuple]:
    with sqlite3.connect(f"{state_db.resolve().as_uri()}?mode=ro", uri=True) as conn:
        return conn.execute("select chat_id, local_date, status, parts from deliveries order by chat_id").fetchall()


async def test_a_fan_out_killed_midway_is_completed_by_the_next_process_without_duplicates(
        server, seed_store, tmp_path):
    fake = server.fake
    state_db, log = tmp_path / "state.db", tmp_path / "bot.log"
    due = subscribe_due(type("S", (), {"state_db": state_db}), CHATS, datetime.now(timezone.utc))
    fake.faults[HUNG] = ["hang"]

    first = await start_bot(server, seed_store, state_db, log)
    try:
        await asyncio.wait_for(fake.hung.wait(), 60)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    before = sorted(c for c in CHATS if fake.texts(c))
    assert HUNG not in before and 0 < len(before) < len(CHATS)  # killed in the middle
    assert (HUNG, str(due.date()), COMPOSED) in [row[:3] for row in deliveries(state_db)]  # claimed, unsent

    second = await start_bot(server, seed_store, state_db, log)
    try:
        await fake.wait_until(lambda: all(fake.texts(c) for c in CHATS))
    finally:
        second.send_signal(signal.SIGINT)  # as Ctrl-C: a clean stop
        await asyncio.wait_for(second.wait(), 30)
    assert second.returncode == 0

    rows = deliveries(state_db)
    assert [(chat, status) for chat, _, status, _ in rows] == [(c, SENT) for c in sorted(CHATS)]
    state = StateStore(state_db)
    for chat in CHATS:  # each chat got its stored digest, once: not a message more or less
        assert fake.texts(chat) == state.delivery(chat, due.date()).parts
    state.close()
    output = log.read_text(encoding="utf-8", errors="replace")
    assert "Digest jobs planned for 10 subscriptions" in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output  # DEBUG, two processes, a crash
