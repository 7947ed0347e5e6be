"""Digest fan-out: N subscribed chats due in the same minute, delivered by the bot's own code
(bot.delivery.DigestDelivery with bot.digest.DigestComposer over a real store, bot.state.StateStore on
disk) through PTB's Bot to the fake Bot API server (benchmarks/fake_api.py, a separate process).

    python -m benchmarks.bench_digest --mode off [--chats 10000] [--store PATH]
    python -m benchmarks.bench_digest --mode on  [--chats 10000] [--window 20]

--mode off: no rate limiter (a no-op stands in for RateLimiter, so DigestDelivery's send window is
UNTHROTTLED_IN_FLIGHT); the server refuses nothing. The whole fan-out is timed: messages/s, the peak
RSS of this process, and the CPU seconds of this process and of the fake server during the fan-out
(which of the two is the bottleneck).
--languages uk,de,en: the chats speak these in turn (chat_settings.language), so the composer works once
per language and plan; without it every chat speaks English, as before issue 13.
--mode on:  bot.delivery.RateLimiter (29/s overall, 20/min per group) against a server that enforces
30/s and 20/min per group with 429s; delivery runs for --window seconds and is then cancelled.
Reported: accepted messages/s over the window, the lowest rate of any whole 5-second stretch, and
429s provoked.
Chats are 90% private (positive ids) and 10% groups (negative ids), all due at the current UTC minute.
The Bot's HTTPXRequest has the connection pool PTB's ApplicationBuilder gives `briefbot run` (256).
"""
from __future__ import annotations

import argparse
import asyncio
import time
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks.common import WORK, cpu_seconds, emit, fig, maxrss_mb, within
from benchmarks.fake_api import FakeApiProcess

TOKEN = "123456:BENCH-token"
POOL = 256  # ApplicationBuilder's default connection_pool_size, which bot/app.py keeps
SEED_STORE_SEEDS = Path(__file__).resolve().parents[1] / "seeds"


class NoLimiter:
    """No rate limit (`per_second` None): DigestDelivery's send window is then UNTHROTTLED_IN_FLIGHT."""
    per_second = None

    async def wait_turn(self, chat_id: int) -> None:
        return None


def seed_store() -> Path:
    """A store built from the repository's seeds/ (one article): every chat gets a one-message digest."""
    from bot import build as store
    db = WORK / "store-seed.db"
    store.build(SEED_STORE_SEEDS, db)
    return db


def make_state(path: Path, chats: int, now: datetime, languages: list[str] | None = None):
    from bot.delivery.state import StateStore
    for old in path.parent.glob(path.name + "*"):
        old.unlink()
    state = StateStore(path)
    slot = f"{now:%H:%M}"
    since = (now - timedelta(days=2)).isoformat()
    rows = []
    for i in range(chats):
        chat_id = -(1_000_000_000_000 + i) if i % 10 == 9 else 10_000 + i
        rows.append({"chat_id": chat_id, "thread_id": None, "time": slot, "tz": "UTC", "only_news": 0,
                     "paused": 0, "pause_reason": None, "created_by": 7, "since": since})
    with state.db.atomic():
        state.db["subscriptions"].insert_all(rows, batch_size=1000)
        if languages:  # chat i speaks languages[i % n] ("en": no row, as a chat that never chose)
            chosen = [{"chat_id": row["chat_id"], "language": languages[i % len(languages)]}
                      for i, row in enumerate(rows) if languages[i % len(languages)] != "en"]
            state.db["chat_settings"].insert_all(chosen, batch_size=1000)
    return state


async def fan_out(api_url: str, db: Path, chats: int, limited: bool, window: float | None,
                  per_second: int | None = None, server_cpu=lambda: 0.0, languages: list[str] | None = None) -> dict:
    from telegram import Bot
    from telegram.request import HTTPXRequest

    from bot.delivery.clock import SystemClock
    from bot.delivery.digest import DigestComposer
    from bot.delivery.fanout import DigestDelivery, RateLimiter
    from bot.store.queries import Store

    clock = SystemClock()
    now = clock.now()
    state = make_state(WORK / f"state-bench-{'on' if limited else 'off'}.db", chats, now, languages)
    store = Store(db)
    composer = DigestComposer(store, state)
    bot = Bot(TOKEN, base_url=f"{api_url}/bot", request=HTTPXRequest(connection_pool_size=POOL, read_timeout=10))
    await bot.initialize()
    limiter = (RateLimiter(clock, **({"per_second": per_second} if per_second else {})) if limited
               else NoLimiter())
    delivery = DigestDelivery(bot, state, composer, clock, grace=timedelta(hours=6), limiter=limiter)
    rss_before = maxrss_mb()
    cpu_before, server_before = cpu_seconds(), server_cpu()
    started = time.perf_counter()
    outcomes = await within(delivery.deliver_due(), window)
    elapsed = time.perf_counter() - started
    cpu, server = cpu_seconds() - cpu_before, server_cpu() - server_before
    await bot.shutdown()
    statuses: dict[str, int] = {}
    for outcome in outcomes:
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    state.close()
    store.close()
    return {"elapsed": elapsed, "statuses": statuses, "rss_before": rss_before, "rss_peak": maxrss_mb(),
            "cpu": cpu, "server_cpu": server, "in_flight": delivery.window.size}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["on", "off"], required=True)
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=20.0)
    parser.add_argument("--store", type=Path, help="default: a store of the repository's one seed article")
    parser.add_argument("--label", default="")
    parser.add_argument("--limiter-per-second", type=int, help="what-if: RateLimiter(per_second=N) instead of its default")
    parser.add_argument("--languages", help="comma-separated language codes the chats speak in turn (default: all English)")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    db = args.store or seed_store()
    limited = args.mode == "on"
    languages = [code.strip() for code in args.languages.split(",")] if args.languages else None
    label = args.label or f"digest {args.chats // 1000}k chats, limiter {args.mode}"
    if languages:
        label += f", {len(languages)} languages"
    if args.limiter_per_second:
        label += f" at {args.limiter_per_second}/s (what-if)"
    store_note = f"store {db.name}"
    if limited:
        with FakeApiProcess(per_second=30, group_per_minute=20) as api:
            result = asyncio.run(fan_out(api.url, db, args.chats, True, args.window, args.limiter_per_second,
                                         api.cpu_seconds, languages))
            stats = api.get("/stats?times=1")
        times = sorted(stats["sent_times"])
        rate = slowest_5s = 0.0
        if len(times) > 1:
            # Over whole seconds from the first accepted message: the limiter lets messages out in bursts,
            # so a span cut between bursts would count one burst too many or too few.
            start = times[0]
            seconds = int(times[-1] - start) or 1
            rate = sum(1 for t in times if t < start + seconds) / seconds
            stretches = [sum(1 for x in times if start + k <= x < start + k + 5) / 5.0 for k in range(0, seconds - 4)]
            slowest_5s = min(stretches) if stretches else rate
        emit([
            fig(label, "sustained msg/s", round(rate, 2), "msg/s", ">=", 28,
                note=f"{stats['sent']} accepted in a {args.window:.0f} s window; lowest 5-s stretch {slowest_5s:.1f}/s; "
                     f"{result['in_flight']} in flight at the end; {store_note}"),
            fig(label, "429 answers provoked", stats["rejected_429"], "", "<=", 0,
                note="server enforces 30/s overall and 20/min per group, exactly"),
        ])
        return
    with FakeApiProcess() as api:
        result = asyncio.run(fan_out(api.url, db, args.chats, False, None, server_cpu=api.cpu_seconds,
                                     languages=languages))
        stats = api.get("/stats")
    sent = stats["sent"]
    emit([
        fig(label, "messages/s", round(sent / result["elapsed"], 1), "msg/s", ">=", 1000,
            note=f"{sent} messages to {args.chats} chats in {result['elapsed']:.1f} s; outcomes {result['statuses']}; "
                 f"{result['in_flight']} in flight at most; CPU s: fan-out {result['cpu']:.1f}, "
                 f"fake server {result['server_cpu']:.1f}; {store_note}"),
        fig(label, "peak RSS", round(result["rss_peak"], 1), "MB", note=f"before fan-out {result['rss_before']:.0f} MB"),
    ])


if __name__ == "__main__":
    main()
