"""The wire: commands from simulated users through the Bot API emulator (telegram-test-api behind
tests/e2e/front.js, started as the end-to-end tests start it) to a real `briefbot run` long-polling it.

    python -m benchmarks.bench_wire --db benchmarks/work/store-10000-s7.db [--commands 10000]
        [--log-level DEBUG] [--keep-history]

100 users: 60 in private chats, 40 in four groups. The bot's flood control (handlers/throttle.py: a
bucket of BURST commands per user, refilled at RATE per second; commands over it are dropped with one
"too fast" warning) is respected, so that every command deserves an answer:
- burst: each user sends BURST commands at once, posted as fast as the emulator takes them;
  replies/s = commands answered over the time from the first command to the last answer (the bot's
  capacity through the emulator);
- paced: the rest of --commands, round-robin over the users at 90 % of RATE per user; reply latency
  p50/p95/p99 from the emulator's own timestamps (command stored → first part of its answer stored, in
  ms).
Readiness is checked by a probe user outside the 100, so their buckets start full.

Accounting (benchmarks/wire_account.py): every bot message is tied to the command it answers (the
quoted message in groups; in private chats the text, against each command's answer computed
beforehand with the bot's own CommandCore on the same store, since a long answer comes as several
messages), and every command gets one outcome: answered, or unanswered with its cause (answer in part,
error apology, flood warning, silently throttled, fetched but not answered, never fetched). A phase
ends when every command has its outcome, or when the emulator saw nothing stored or fetched for 10 s.
Unanswered commands are printed with their update ids (to find them in the bot's log at --log-level
DEBUG, which slows the bot) and written to benchmarks/work/wire-unanswered.json; --keep-history writes
the emulator's whole history to benchmarks/work/wire-history.json.
RATE_LIMIT is off: with it on, PTB's AIORateLimiter paces every reply to 30/s overall, which would be
the figure instead of the bot's.
Note: front.js answers getUpdates by checking for new updates every 50 ms, so every latency here
includes 0-50 ms of emulator polling.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.bench_answers import Pools, command_text
from benchmarks.common import ROOT, WORK, emit, fig, percentile, rss_mb
from benchmarks.wire_account import ANSWERED, OUTCOMES, Accounting, Command, account

sys.path.insert(0, str(ROOT / "tests" / "e2e"))

PROBE = (1999, 1999, "private")  # the readiness probe: not one of the 100 users
SETTLED = {ANSWERED, "error", "warned"}  # outcomes that can no longer change
QUIET_S = 10.0  # a phase ends this long after the emulator last stored or handed out anything


def users() -> list[tuple[int, int, str]]:
    """(user id, chat id, chat type) of the 100 simulated users."""
    result = [(2000 + n, 2000 + n, "private") for n in range(60)]
    result += [(3000 + n, -5000 - n % 4, "group") for n in range(40)]
    return result


def post(front_url: str, path: str, payload: dict) -> dict:
    request = urllib.request.Request(front_url + path, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def send(front_url: str, token: str, user: tuple[int, int, str], text: str) -> bool:
    """Post one command as `user`; False when the emulator refused it (or did not answer)."""
    user_id, chat_id, kind = user
    first = text.split(maxsplit=1)[0]
    try:
        answer = post(front_url, "/sendCommand", {
            "botToken": token, "date": int(time.time()), "text": text,
            "from": {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "username": f"user{user_id}"},
            "chat": {"id": chat_id, "type": kind, **({"title": "Bench group"} if kind != "private" else {"first_name": "U"})},
            "entities": [{"offset": 0, "length": len(first), "type": "bot_command"}],
        })
    except OSError as exc:
        print(f"posting {text[:40]!r} as {user_id} failed: {exc}", file=sys.stderr)
        return False
    return bool(answer and answer.get("ok"))


def expected_answers(db: Path, texts: list[str]) -> dict[str, list[str]]:
    """text → the messages the bot should send for it (CommandCore.answer split as handlers/reply.py splits
    it), computed here on the same store before the bot starts."""
    from bot.answers import render
    from bot.answers.commands import CommandCore, parse_command
    from bot.store.queries import Store

    store = Store(db)
    core = CommandCore(store)
    result: dict[str, list[str]] = {}
    for text in texts:
        if text not in result:
            command, args = parse_command(text)
            result[text] = render.split_message(core.answer(command, args).html)
    store.close()
    return result


def settle(front_url: str, token: str, expected: dict[str, list[str]], select, posted: int,
           limit_s: float) -> tuple[list[dict], Accounting, str]:
    """Read the emulator's history until every selected command has an outcome that cannot change, or
    nothing was stored or handed to the bot for QUIET_S (or `limit_s` passed). Returns the history,
    its accounting and how the wait ended."""
    started = time.monotonic()
    deadline = started + limit_s
    last, changed = None, started
    while True:
        history = post(front_url, "/getUpdatesHistory", {"token": token})["result"]
        accounting = account(history, expected, skip_chats={PROBE[1]})
        phase = [c for c in accounting.commands if select(c)]
        open_ = sum(1 for c in phase if c.outcome() not in SETTLED)
        now = time.monotonic()
        signature = (len(history), sum(1 for h in history if h.get("isRead")))
        if signature != last:
            last, changed = signature, now
        if not open_ and len(phase) >= posted:
            return history, accounting, f"all settled {now - started:.1f} s after posting"
        if now - changed >= QUIET_S:
            return history, accounting, (f"{open_} without an answer {QUIET_S:.0f} s after the emulator last "
                                         f"stored or handed out anything ({now - started:.1f} s after posting)")
        if now > deadline:
            return history, accounting, f"{open_} without an answer at the {limit_s:.0f} s limit"
        time.sleep(1.0)


def causes(commands: list[Command]) -> str:
    """'none', or each cause of unanswered commands with its count."""
    counts: dict[str, int] = {}
    for c in commands:
        if c.outcome() != ANSWERED:
            counts[c.outcome()] = counts.get(c.outcome(), 0) + 1
    return "; ".join(f"{n} {OUTCOMES[k]}" for k, n in counts.items()) or "none"


def describe(c: Command) -> dict:
    return {"outcome": OUTCOMES[c.outcome()], "update_id": c.update_id, "message_id": c.message_id,
            "chat_id": c.chat_id, "user_id": c.user_id, "text": c.text[:200], "stored_ms": c.time,
            "fetched": c.fetched, "messages": [(t, kind, text[:80]) for t, kind, text in c.parts],
            "expected_parts": len(c.expected or [])}


def phase_figures(commands: list[Command]) -> tuple[list[float], float, float, int]:
    """Latencies (ms) of the answered commands, first command and last answer (ms), answered count."""
    answered = [c for c in commands if c.outcome() == ANSWERED]
    times = [c.latency() for c in answered if c.latency() is not None]
    first = min((c.time for c in commands), default=0.0)
    last = max((t for c in answered for t, kind, _ in c.parts if kind == "answer"), default=first)
    return times, first, last, len(answered)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--commands", type=int, default=10_000)
    parser.add_argument("--label", default="")
    parser.add_argument("--log-level", default="WARNING", help="the bot's LOG_LEVEL (DEBUG logs every update)")
    parser.add_argument("--keep-history", action="store_true", help="write the emulator's history to the work folder")
    args = parser.parse_args()
    from emulator import TOKEN, Front, start_bot

    from handlers.throttle import BURST, RATE

    label = args.label or f"wire, {args.db.stem}"
    pools = Pools(args.db, random.Random(21))
    rng = random.Random(22)
    people = users()
    burst = min(args.commands, BURST * len(people))
    paced = args.commands - burst
    rate = 0.9 * RATE * len(people)
    texts = [command_text(pools, rng) for _ in range(args.commands)]
    computing = time.monotonic()
    expected = expected_answers(args.db.resolve(), texts + ["/help"])
    computing = time.monotonic() - computing
    split = sum(1 for t in texts if len(expected[t]) > 1)

    front = Front()
    tmp = Path(tempfile.mkdtemp(prefix="wire-", dir=WORK))
    bot = start_bot(front, tmp, args.db.resolve(), LOG_LEVEL=args.log_level, RATE_LIMIT="off")
    figures = []
    unanswered: list[dict] = []
    history: list[dict] = []
    try:
        # Ready when the probe's /help is answered.
        send(front.url, TOKEN, PROBE, "/help")
        deadline = time.monotonic() + 120
        while not any(h.get("message", {}).get("chat_id") in (PROBE[1], str(PROBE[1]))
                      for h in post(front.url, "/getUpdatesHistory", {"token": TOKEN})["result"]):
            if time.monotonic() > deadline or bot.process.poll() is not None:
                raise SystemExit(f"the bot did not answer; log: {bot.log()[-2000:]}")
            time.sleep(0.2)
        idle_rss, _ = rss_mb(bot.process.pid)

        # Burst: BURST commands per user, as fast as four posting threads go.
        burst_since = time.time() * 1000
        jobs = [(people[n % len(people)], texts[n]) for n in range(burst)]
        posting = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            refused = sum(1 for ok in pool.map(lambda job: send(front.url, TOKEN, *job), jobs) if not ok)
        posting = time.monotonic() - posting
        in_burst = lambda c: c.time >= burst_since  # noqa: E731 - the paced phase has not begun
        _, accounting, ended = settle(front.url, TOKEN, expected, in_burst, burst - refused, 300)
        burst_ids = {c.message_id for c in accounting.commands if in_burst(c)}
        phase = [c for c in accounting.commands if c.message_id in burst_ids]
        times, first, last, answered = phase_figures(phase)
        figures.append(fig(label, "burst: replies/s", round(answered / max(1e-9, (last - first) / 1000), 1), "replies/s",
                           note=f"{answered} of {len(phase)} commands ({BURST} per user at once) answered in "
                                f"{(last - first) / 1000:.1f} s from the first command to the last answer (posting "
                                f"them took {posting:.1f} s); latency p50 {percentile(times, 50):.0f} ms; "
                                f"unanswered: {causes(phase)}; {ended}"))

        # Paced: an even rate within flood control, round-robin over the users.
        time.sleep(BURST / RATE / 2)  # buckets half refilled
        started = time.monotonic()
        refused_burst = refused
        for n in range(paced):
            wait = started + n / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            refused += not send(front.url, TOKEN, people[n % len(people)], texts[burst + n])
        sending = time.monotonic() - started
        in_paced = lambda c: c.message_id not in burst_ids  # noqa: E731
        history, accounting, ended = settle(front.url, TOKEN, expected, in_paced, paced - (refused - refused_burst), 300)
        _, hwm = rss_mb(bot.process.pid)
        phase = [c for c in accounting.commands if in_paced(c)]
        times, first, last, answered = phase_figures(phase)
        figures += [
            fig(label, f"paced {rate:g}/s: latency p50", round(percentile(times, 50), 1), "ms",
                note=f"{answered} of {len(phase)} commands from 100 users answered (sent in {sending:.1f} s); "
                     f"unanswered: {causes(phase)}; includes ≤ 50 ms emulator polling; {ended}"),
            fig(label, f"paced {rate:g}/s: latency p95", round(percentile(times, 95), 1), "ms"),
            fig(label, f"paced {rate:g}/s: latency p99", round(percentile(times, 99), 1), "ms",
                note=f"max {max(times, default=0):.0f} ms"),
            fig(label, "paced: replies/s", round(answered / max(1e-9, (last - first) / 1000), 1), "replies/s",
                note=f"commands sent at {rate:g}/s"),
        ]
        every = accounting.commands
        lost = [c for c in every if c.outcome() != ANSWERED]
        unanswered = [describe(c) for c in lost]
        differs = sum(1 for c in every if c.differs)
        figures += [
            fig(label, "commands sent", args.commands, "",
                note=f"{len(every)} stored by the emulator; {refused} posts refused; {split} of them with a long answer, "
                     f"sent as several messages; expected answers computed beforehand in {computing:.1f} s"),
            fig(label, "commands answered", len(every) - len(lost), "",
                note=f"{differs} answered with a text other than the expected answer; "
                     f"{len(accounting.extra)} bot messages tied to no command"),
            fig(label, "commands unanswered", len(lost) + (args.commands - len(every)), "", "<=", 0,
                note=f"{causes(every)}" + (f"; {args.commands - len(every)} not stored by the emulator"
                                           if len(every) < args.commands else "")
                     + (f"; update ids {[c.update_id for c in lost[:10]]}" if lost else "")),
            fig(label, "bot peak RSS (VmHWM)", round(hwm, 1), "MB", "<=", 200, note=f"idle {idle_rss:.0f} MB"),
        ]
        for c in unanswered[:20]:
            print(f"unanswered: {c}", file=sys.stderr)
    finally:
        log = bot.stop()
        front.stop()
        (WORK / "bot-wire.log").write_text(log)
        shutil.rmtree(tmp, ignore_errors=True)  # the bot's state database; its log is kept above
        (WORK / "wire-unanswered.json").write_text(json.dumps(unanswered, ensure_ascii=False, indent=1))
        if args.keep_history:
            (WORK / "wire-history.json").write_text(json.dumps(history, ensure_ascii=False))
    emit(figures)


if __name__ == "__main__":
    main()
