"""The running bot: resident memory of a `briefbot run` process (long polling a fake Bot API, see
benchmarks/fake_api.py) on a store, while it answers a burst of commands from simulated users.

    python -m benchmarks.bench_rss --db benchmarks/work/store-10000-s7.db [--commands 1000]

The commands (/who, /quotes, /search, /brief with names and topics from the store, misspelt names,
from 100 users in private chats and groups) are queued at the fake server at once; the bot fetches
them with getUpdates and answers through sendMessage. Figures: the peak RSS (VmHWM) of start-up (with a
new state.db, the alerts' first look reads the whole store once), then, the peak reset, the peak while
answering the burst; RSS when idle after start-up, and replies per second. RATE_LIMIT is off, so PTB's limiter does not pace the
burst (its memory is not the question here).
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_answers import Pools, command_text
from benchmarks.common import WORK, emit, fig, rss_mb
from benchmarks.fake_api import FakeApiProcess

TOKEN = "123456:BENCH-token"


def updates(pools: Pools, rng: random.Random, count: int) -> list[dict]:
    result = []
    for n in range(count):
        user = 1000 + n % 100
        chat = {"id": user, "type": "private", "first_name": "U"} if user % 4 else \
            {"id": -100_000 - user, "type": "group", "title": "G"}
        text = command_text(pools, rng)
        result.append({"update_id": n + 1, "message": {
            "message_id": n + 1, "date": int(time.time()), "chat": chat, "text": text,
            "from": {"id": user, "is_bot": False, "first_name": "U"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]}})
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--commands", type=int, default=1000)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    label = args.label or f"bot process, {args.db.stem}"
    pools = Pools(args.db, random.Random(5))
    batch = updates(pools, random.Random(6), args.commands)
    state = WORK / "state-rss.db"
    for old in WORK.glob("state-rss.db*"):
        old.unlink()
    with FakeApiProcess() as api:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": f"{api.url}/bot",
               "BRIEFING_DB": str(args.db.resolve()), "STATE_DB": str(state), "RATE_LIMIT": "off",
               "LOG_LEVEL": "WARNING", "SEEDS_DIR": str(WORK / "no-seeds")}
        log = (WORK / "bot-rss.log").open("w")
        bot = subprocess.Popen([str(Path(sys.executable).parent / "briefbot"), "run"], cwd=WORK, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
        try:
            # The alerts' first look (every quotation of the store recorded as the archive, once per
            # state.db: about a minute at a million documents) runs in a worker thread: the burst below
            # is answered while it works.
            deadline = time.monotonic() + 300
            launched = time.monotonic()
            while api.get("/stats")["by_method"].get("getUpdates", 0) < 2:
                if bot.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the bot did not start polling; see {WORK / 'bot-rss.log'}")
                time.sleep(0.2)
            startup_s = time.monotonic() - launched
            time.sleep(1.0)
            idle_rss, startup_hwm = rss_mb(bot.pid)
            Path(f"/proc/{bot.pid}/clear_refs").write_text("5")  # the peak from here on: serving, not starting
            api.post("/updates", batch)
            started = time.monotonic()
            peak_sample = idle_rss
            replies = 0
            deadline = started + 240
            while replies < len(batch) and time.monotonic() < deadline and bot.poll() is None:
                time.sleep(0.1)
                peak_sample = max(peak_sample, rss_mb(bot.pid)[0])
                replies = api.get("/stats")["by_method"].get("sendMessage", 0)
            elapsed = time.monotonic() - started
            rss, hwm = rss_mb(bot.pid)
        finally:
            bot.terminate()
            try:
                bot.wait(timeout=10)
            except subprocess.TimeoutExpired:
                bot.kill()
            log.close()
    emit([
        fig(label, "peak RSS while serving (VmHWM)", round(hwm, 1), "MB", "<=", 200,
            note=f"idle after start {idle_rss:.0f} MB, after the burst {rss:.0f} MB; store {args.db.name}"),
        fig(label, "peak RSS of start-up (VmHWM)", round(startup_hwm, 1), "MB", "<=", 200,
            note=f"polling {startup_s:.0f} s after launch; with a new state.db the alerts' first look (every "
                 "quotation of the store recorded as the archive) runs in a worker thread meanwhile"),
        fig(label, "replies/s (fake API, polling)", round(replies / elapsed, 1), "replies/s",
            note=f"{replies} replies to {len(batch)} commands in {elapsed:.1f} s (the alerts' first look may still run meanwhile)"
                 + ("" if replies >= len(batch) else f"; {len(batch) - replies} UNANSWERED")),
    ])


if __name__ == "__main__":
    main()
