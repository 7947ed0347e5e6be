"""`briefbot run` as a process: a token the server rejects ends it cleanly, without printing the token."""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from telegram_fakes import TOKEN


async def test_rejected_token_exits_with_a_clear_message_and_no_token(bot_api, seed_store, tmp_path):
    bot_api.unauthorized = True
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": f"{bot_api.url}/bot",
           "BRIEFING_DB": str(seed_store), "STATE_DB": str(tmp_path / "state.db"), "LOG_LEVEL": "DEBUG",
           "WEBHOOK_URL": ""}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "briefbot"), "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    output = (out + err).decode()
    assert process.returncode == 1
    assert "rejected the bot token: check TELEGRAM_BOT_TOKEN" in output
    assert bot_api.calls_of("getMe")  # it really asked the server
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
