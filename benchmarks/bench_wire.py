"""The wire: commands from simulated users through the Bot API emulator (telegram-test-api behind
tests/e2e/front.js, started as the end-to-end tests start it) to a real `briefbot run` long-polling it.

    python -m benchmarks.bench_wire --db benchmarks/work/store-10000-s7.db [--commands 10000]

100 users: 60 in private chats, 40 in four groups. The bot's flood control (handlers/throttle.py: a
bucket of BURST commands per user, refilled at RATE per second; commands over it are dropped with one
"too fast" warning) is respected, so that every command deserves an answer:
- burst: each user sends BURST commands at once, posted as fast as the emulator takes them;
  replies/s = commands answered over the time from the first command to the last reply (the bot's
  capacity through the emulator);
- paced: the rest of --commands, round-robin over the users at 90 % of RATE per user; reply latency
  p50/p95/p99 from the emulator's own timestamps (command stored → reply stored, in ms).
Replies are matched to commands per chat in order (the bot answers each command with one message);
commands left without a reply are reported as lost, "too fast" warnings as throttled. RATE_LIMIT is off: with it on, PTB's
AIORateLimiter paces every reply to 30/s overall, which would be the figure instead of the bot's.
Note: front.js answers getUpdates by checking for new updates every 50 ms, so every latency here
includes 0-50 ms of emulator polling.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.bench_answers import Pools, misspell, search_args
from benchmarks.common import ROOT, WORK, emit, fig, percentile, rss_mb

sys.path.insert(0, str(ROOT / "tests" / "e2e"))


def command_text(pools: Pools, rng: random.Random) -> str:
    command = rng.choice(["who", "quotes", "search", "brief"])
    if command == "who":
        arg = pools.name(rng) if rng.random() < 0.6 else misspell(rng, pools.name(rng))
    elif command == "quotes":
        arg = pools.name(rng) if rng.random() < 0.5 else pools.topic(rng)
    elif command == "search":
        arg = search_args(pools, rng)
        arg = " ".join(arg.split())[:200] or "ukraine"
    else:
        arg = str(rng.randint(1, max(1, pools.documents))) if rng.random() < 0.7 else ""
    return f"/{command} {arg}".strip()


def users() -> list[tuple[int, int, str]]:
    """(user id, chat id, chat type) of the 100 simulated users."""
    result = [(2000 + n, 2000 + n, "private") for n in range(60)]
    result += [(3000 + n, -5000 - n % 4, "group") for n in range(40)]
    return result


def post(front_url: str, path: str, payload: dict) -> dict:
    request = urllib.request.Request(front_url + path, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def send(front_url: str, token: str, user: tuple[int, int, str], text: str) -> None:
    user_id, chat_id, kind = user
    first = text.split(maxsplit=1)[0]
    post(front_url, "/sendCommand", {
        "botToken": token, "date": int(time.time()), "text": text,
        "from": {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "username": f"user{user_id}"},
        "chat": {"id": chat_id, "type": kind, **({"title": "Bench group"} if kind != "private" else {"first_name": "U"})},
        "entities": [{"offset": 0, "length": len(first), "type": "bot_command"}],
    })


def wait_replies(front_url: str, token: str, expected_bot: int, limit_s: float) -> list[dict]:
    """The emulator's history once the bot has sent `expected_bot` messages, or made no progress for 20 s."""
    deadline = time.monotonic() + limit_s
    last, last_change = -1, time.monotonic()
    while True:
        history = post(front_url, "/getUpdatesHistory", {"token": token})["result"]
        bot = sum(1 for h in history if "chat_id" in h.get("message", {}))
        if bot >= expected_bot or time.monotonic() > deadline or time.monotonic() - last_change > 20:
            return history
        if bot != last:
            last, last_change = bot, time.monotonic()
        time.sleep(0.5)


WARNING = "too fast"


def latencies(history: list[dict], since_ms: float) -> tuple[list[float], int, int, float, float, int]:
    """Per-command latencies (ms) of commands stored after `since_ms`; commands, lost; first command,
    last reply; how many flood-control warnings came back."""
    commands: dict[int, list[float]] = {}
    replies: dict[int, list[float]] = {}
    warnings = 0
    for item in history:
        message = item.get("message") or {}
        if item["time"] < since_ms:
            continue
        if "chat_id" in message and WARNING in str(message.get("text", "")):
            warnings += 1
        elif "chat_id" in message:
            replies.setdefault(int(message["chat_id"]), []).append(item["time"])
        elif "chat" in message:
            commands.setdefault(int(message["chat"]["id"]), []).append(item["time"])
    result, lost = [], 0
    for chat, sent in commands.items():
        got = sorted(t for t in replies.get(chat, []))
        sent.sort()
        lost += max(0, len(sent) - len(got))
        result += [g - s for s, g in zip(sent, got)]
    short = [chat for chat, sent in commands.items() if len(replies.get(chat, [])) < len(sent)]
    unread = sum(1 for item in history if item["time"] >= since_ms and "chat" in (item.get("message") or {})
                 and not item.get("isRead", True))
    if lost:
        print(f"unanswered: {lost} command(s) in chats {short[:10]}; {unread} never fetched by the bot "
              "(still unread in the emulator)", file=sys.stderr)
    first = min((min(v) for v in commands.values()), default=since_ms)
    last = max((max(v) for v in replies.values()), default=since_ms)
    return result, sum(len(v) for v in commands.values()), lost, first, last, warnings, unread


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--commands", type=int, default=10_000)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    from emulator import TOKEN, Front, start_bot

    from handlers.throttle import BURST, RATE

    label = args.label or f"wire, {args.db.stem}"
    pools = Pools(args.db, random.Random(21))
    rng = random.Random(22)
    people = users()
    front = Front()
    tmp = Path(tempfile.mkdtemp(prefix="wire-", dir=WORK))
    bot = start_bot(front, tmp, args.db.resolve(), LOG_LEVEL="WARNING", RATE_LIMIT="off")
    figures = []
    try:
        # Ready when a first command is answered.
        send(front.url, TOKEN, people[0], "/help")
        history = wait_replies(front.url, TOKEN, 1, 60)
        if not any("chat_id" in h.get("message", {}) for h in history):
            raise SystemExit(f"the bot did not answer; log: {bot.log()[-2000:]}")
        bot_sent = sum(1 for h in history if "chat_id" in h.get("message", {}))
        idle_rss, _ = rss_mb(bot.process.pid)

        # Burst: BURST commands per user, as fast as four posting threads go.
        burst = min(args.commands, BURST * len(people))
        paced = args.commands - burst
        rate = 0.9 * RATE * len(people)
        since = time.time() * 1000
        texts = [(people[n % len(people)], command_text(pools, rng)) for n in range(burst)]
        posting = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda ut: send(front.url, TOKEN, *ut), texts))
        posting = time.monotonic() - posting
        history = wait_replies(front.url, TOKEN, bot_sent + burst, 300)
        times, sent, lost, first, last, warned, unread = latencies(history, since)
        bot_sent += len(times) + warned
        capacity = len(times) / max(1e-9, (last - first) / 1000)
        figures.append(fig(label, "burst: replies/s", round(capacity, 1), "replies/s",
                           note=f"{len(times)} replies to {sent} commands ({BURST} per user at once) in "
                                f"{(last - first) / 1000:.1f} s (posting them took {posting:.1f} s); latency p50 {percentile(times, 50):.0f} ms"))
        figures.append(fig(label, "burst: commands lost", lost, "", "<=", 0,
                           note=f"{warned} throttled; {unread} never fetched from the emulator"))

        # Paced: an even rate within flood control, round-robin over the users.
        time.sleep(BURST / RATE / 2)  # buckets half refilled
        since = time.time() * 1000
        started = time.monotonic()
        for n in range(paced):
            wait = started + n / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            send(front.url, TOKEN, people[n % len(people)], command_text(pools, rng))
        history = wait_replies(front.url, TOKEN, bot_sent + paced, 300)
        times, sent, lost, first, last, warned, unread = latencies(history, since)
        _, hwm = rss_mb(bot.process.pid)
        figures += [
            fig(label, f"paced {rate:g}/s: latency p50", round(percentile(times, 50), 1), "ms",
                note=f"{len(times)} replies to {sent} commands from 100 users; includes ≤ 50 ms emulator polling"),
            fig(label, f"paced {rate:g}/s: latency p95", round(percentile(times, 95), 1), "ms"),
            fig(label, f"paced {rate:g}/s: latency p99", round(percentile(times, 99), 1), "ms",
                note=f"max {max(times, default=0):.0f} ms"),
            fig(label, "paced: commands lost", lost, "", "<=", 0,
                note=f"{warned} throttled; {unread} never fetched from the emulator (a lost command that was "
                     "fetched was lost by the bot or its reply by the emulator)"),
            fig(label, "bot peak RSS (VmHWM)", round(hwm, 1), "MB", "<=", 200, note=f"idle {idle_rss:.0f} MB"),
        ]
    finally:
        log = bot.stop()
        front.stop()
        (WORK / "bot-wire.log").write_text(log)
    emit(figures)


if __name__ == "__main__":
    main()
