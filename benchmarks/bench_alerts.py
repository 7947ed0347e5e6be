"""Follows and alerts at scale, with the bot's own code (bot.follows: Matcher, AlertDelivery; the digests'
Sender; StateStore on disk) against a real store and the fake Bot API server (benchmarks/fake_api.py).

    python -m benchmarks.bench_alerts --store PATH [--chats 10000] [--docs 100] [--window 20]
                                      [--latency-alerts 1000] [--check-seconds 0.5]

1. Matching: --chats chats follow 5 people and topics each (60 % people, 40 % topics of one or two words,
   a tenth of them with an excluded word), drawn Zipf-skewed (weight 1/rank) from the store's 2,000
   best-known people and 2,000 common words. The matcher records the store as it finds it; then the
   newest --docs documents are forgotten (as if they had just landed) and one `Matcher.check` is timed:
   finding them by content hash among all documents, reading them, building the follow index (each
   person follow resolved against the store) and matching, and writing the queue. Target ≤ 1 s for
   100 documents at 100k.
2. Fan-out: the queued alerts, batch length 0, delivered by AlertDelivery through Sender. Limiter off
   (nothing refused): messages/s (target ≥ 1,000). Limiter on (RateLimiter, 29/s) against a server
   enforcing 30/s and 20/min per group: accepted messages/s over --window seconds and 429s (target 0).
3. Latency: a store of the seed article; chats following Anthony J. Blinken (batch 0); new documents
   quoting him built in place one after another while the alert job runs every --check-seconds (as
   `briefbot run` does with ALERT_CHECK_SECONDS); each alert's latency is from the build's commit to
   the fake server accepting the message. p50 and p99 over --latency-alerts alerts.
Chats are 90 % private, 10 % groups (negative ids).
"""
from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import random
import shutil
import sqlite3
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.common import WORK, cpu_seconds, emit, fig, percentile, within
from benchmarks.fake_api import FakeApiProcess

TOKEN = "123456:BENCH-token"
POOL = 256
PEOPLE = 2000
WORDS = 2000
SEED_DIR = Path(__file__).resolve().parents[1] / "seeds"


class NoLimiter:
    per_second = None

    async def wait_turn(self, chat_id: int) -> None:
        return None


def zipf(rng: random.Random, n: int) -> int:
    """An index in range(n), index i with weight 1/(i+1)."""
    weights = getattr(zipf, "_cache", {}).get(n)
    if weights is None:
        total, weights = 0.0, []
        for i in range(n):
            total += 1.0 / (i + 1)
            weights.append(total)
        zipf._cache = {**getattr(zipf, "_cache", {}), n: weights}
    return min(n - 1, bisect.bisect_left(weights, rng.random() * weights[-1]))


def chat_id(i: int) -> int:
    return -(1_000_000_000_000 + i) if i % 10 == 9 else 10_000 + i


def make_follows(state_path: Path, store: Path, chats: int, seed: int) -> tuple[object, dict]:
    """--chats chats with 5 follows each, written straight into state.db's follows table."""
    from bot.delivery.state import StateStore
    from bot.follows.state import PERSON, TOPIC, FollowState, iso, target
    from bot.follows.topics import Stemmer, parse_topic
    from bot.store import changes
    from bot.store.names import fold
    from bot.store.texts import load_codec, stored_text

    for old in state_path.parent.glob(state_path.name + "*"):
        old.unlink()
    state = StateStore(state_path)
    follows = FollowState(state)
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    rng = random.Random(seed)
    people = []
    for pid, in conn.execute("select id from people order by mentions desc, quotes desc, id limit ?", (PEOPLE,)):
        row = changes.person(conn, pid)
        people.append((fold(row.name), row.name, json.dumps(changes.person_labels(row))))
    counts: Counter[str] = Counter()
    codec = load_codec(conn)
    newest = conn.execute("select max(id) from documents").fetchone()[0] or 0
    for document_id in [n for n in range(max(0, newest - 20_000) + 1, newest + 1) if n % 2 == 0][:4000]:
        # about one paragraph in 50 of the newest documents
        for _, text in codec.decode(stored_text(conn, document_id))[::25]:
            counts.update(w.lower() for w in text.split() if w.isalpha() and len(w) >= 5)
    vocabulary = [w for w, _ in counts.most_common(WORDS + 100)][100:]  # the hundred commonest are no topic
    stemmer = Stemmer()
    topics = []
    for i in range(WORDS):
        words = [vocabulary[i]] + ([vocabulary[zipf(rng, len(vocabulary))]] if rng.random() < 0.3 else [])
        text = " ".join(words) + (f" -{vocabulary[zipf(rng, len(vocabulary))]}" if rng.random() < 0.1 else "")
        topic = parse_topic(text, stemmer)
        topics.append((topic.key, topic.label, json.dumps(topic.stems), json.dumps(topic.excluded_stems)))
    rows, at = [], iso(datetime.now(timezone.utc))
    kinds = Counter()
    for i in range(chats):
        chosen: set[tuple[str, int]] = set()
        while len(chosen) < 5:
            if rng.random() < 0.6 and people:
                chosen.add((PERSON, zipf(rng, len(people))))
            else:
                chosen.add((TOPIC, zipf(rng, len(topics))))
        for kind, n in sorted(chosen):
            kinds[kind] += 1
            if kind == PERSON:
                key, label, labels = people[n]
                rows.append((chat_id(i), PERSON, key, label, labels, "[]", "[]", None, 7, at))
            else:
                key, label, stems, excluded = topics[n]
                rows.append((chat_id(i), TOPIC, key, label, "[]", stems, excluded, None, 7, at))
    with state.db.conn:
        state.db.conn.executemany(
            "INSERT OR IGNORE INTO follows (chat_id, kind, key, label, labels, words, exclude, thread_id, created_by,"
            " created_at, target, since_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            [(*r, target(r[1], r[2])) for r in rows])
        follows._bump()
    conn.close()
    distinct = {(r[1], r[2]) for r in rows}
    return state, {"follows": len(rows), "people": kinds["person"], "topics": kinds["topic"],
                   "distinct": len(distinct)}


def match(store: Path, chats: int, docs: int, seed: int) -> tuple[object, dict]:
    from bot.delivery.clock import SystemClock
    from bot.follows.matching import Matcher
    from bot.follows.state import FollowState
    from bot.store.changes import StoreWatch

    state, made = make_follows(WORK / "state-alerts.db", store, chats, seed)
    follows = FollowState(state)
    matcher = Matcher(StoreWatch(store), follows, SystemClock())
    t0 = time.perf_counter()
    matcher.check()  # the first look: the store as it is, recorded
    baseline_s = time.perf_counter() - t0
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    documents = conn.execute("select count(*) from documents").fetchone()[0]
    newest = [p for (p,) in conn.execute("select path from documents order by id desc limit ?", (docs,))]
    conn.close()
    with state.db.conn:
        state.db.conn.executemany("DELETE FROM alert_documents WHERE path = ?", [(p,) for p in newest])
    matcher.look_again()
    t0 = time.perf_counter()
    report = matcher.check()
    match_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    matcher.look_again(index=True)
    matcher.index()
    index_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    waiting = follows.pending_chats()
    pending_s = time.perf_counter() - t0
    return state, {**made, "documents": documents, "landed": report.documents, "items": report.items,
                   "hits": report.hits, "chats_alerted": len(waiting), "match_s": match_s, "index_s": index_s,
                   "baseline_s": baseline_s, "pending_s": pending_s}


async def fan_out(api_url: str, state, limited: bool, window: float | None) -> dict:
    from telegram import Bot
    from telegram.request import HTTPXRequest

    from bot.delivery.clock import SystemClock
    from bot.delivery.fanout import RateLimiter, Sender
    from bot.follows.alerts import AlertDelivery
    from bot.follows.state import FollowState

    with state.db.conn:  # every alert waiting again, no batch claimed: each run starts alike
        state.db.execute("DELETE FROM alert_chats")
        state.db.execute("DELETE FROM alert_batches")
        state.db.execute("DELETE FROM alert_meta WHERE key = 'floor'")
    clock = SystemClock()
    bot = Bot(TOKEN, base_url=f"{api_url}/bot", request=HTTPXRequest(connection_pool_size=POOL, read_timeout=10))
    await bot.initialize()
    sender = Sender(bot, clock, RateLimiter(clock) if limited else NoLimiter())
    delivery = AlertDelivery(sender, FollowState(state), state, clock, 0)
    cpu0, started = cpu_seconds(), time.perf_counter()
    outcomes = await within(delivery.deliver_due(), window)
    elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu0
    await bot.shutdown()
    return {"elapsed": elapsed, "cpu": cpu, "outcomes": Counter(o.status for o in outcomes),
            "in_flight": sender.window.size}


LANDED = """Statement {n} from the Secretary

Secretary of State Anthony J. Blinken spoke to reporters in Washington on day {n} of the talks.

“Statement number {n}: we will keep working with our allies, day after day, until the job is done,” Mr. Blinken said.
"""


async def latency(api_url: str, api, alerts: int, check_seconds: float) -> dict:
    """Documents built in place one after another while the alert job runs; each alert's latency from
    its document's commit to the fake server accepting it."""
    from telegram import Bot
    from telegram.request import HTTPXRequest

    from bot.build import build
    from bot.delivery.clock import SystemClock
    from bot.delivery.fanout import Sender
    from bot.delivery.state import StateStore
    from bot.follows.alerts import AlertDelivery, AlertJobs
    from bot.follows.commands import FollowCommands
    from bot.follows.matching import Matcher
    from bot.follows.state import FollowState
    from bot.store.changes import StoreWatch
    from bot.store.queries import Store

    root = WORK / "alerts-latency"
    shutil.rmtree(root, ignore_errors=True)
    (root / "seeds").mkdir(parents=True)
    for path in SEED_DIR.iterdir():
        shutil.copy(path, root / "seeds" / path.name)
    db = root / "briefing.db"
    build(root / "seeds", db)
    clock = SystemClock()
    state = StateStore(root / "state.db")
    follows = FollowState(state)
    chats, docs = 100, max(1, alerts // 100)
    commands = FollowCommands(Store(db), follows, state, clock, 0)
    for i in range(chats):
        commands.follow(chat_id(i), "blinken")
    bot = Bot(TOKEN, base_url=f"{api_url}/bot", request=HTTPXRequest(connection_pool_size=POOL, read_timeout=10))
    await bot.initialize()
    delivery = AlertDelivery(Sender(bot, clock, NoLimiter()), follows, state, clock, 0)
    jobs = AlertJobs(Matcher(StoreWatch(db), follows, clock), delivery, None, check_seconds)
    await jobs.run()  # the first look
    api.post("/reset")
    stop = asyncio.Event()

    async def job_loop() -> None:  # what the JobQueue does in `briefbot run`: a run every check_seconds
        while not stop.is_set():
            await jobs.run()
            try:
                await asyncio.wait_for(stop.wait(), check_seconds)
            except asyncio.TimeoutError:
                pass

    landed: dict[int, float] = {}
    loop_task = asyncio.ensure_future(job_loop())
    rng = random.Random(3)
    for n in range(docs):
        (root / "seeds" / f"statement-{n:04d}.txt").write_text(LANDED.format(n=n), encoding="utf-8")
        await asyncio.to_thread(build, root / "seeds", db)
        landed[n] = time.monotonic()  # committed (the build returns after its commit)
        # Documents land at no fixed phase of the job's looks, each after the last one's alerts went out.
        await asyncio.sleep(check_seconds * (1.5 + rng.random()))
    deadline = time.monotonic() + 60
    while api.get("/stats")["sent"] < docs * chats and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    stop.set()
    await loop_task
    await bot.shutdown()
    state.close()
    latencies = []
    for at, _chat, text in api.get("/stats?replies=1")["replies"]:
        marker = text.split("Statement number ", 1)
        if len(marker) == 2 and marker[1].split(":")[0].isdigit():
            latencies.append(at - landed[int(marker[1].split(":")[0])])
    return {"latencies": latencies, "expected": docs * chats}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--docs", type=int, default=100)
    parser.add_argument("--window", type=float, default=20.0)
    parser.add_argument("--latency-alerts", type=int, default=1000)
    parser.add_argument("--check-seconds", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    state, m = match(args.store, args.chats, args.docs, args.seed)
    size = f"{m['documents'] // 1000}k" if m["documents"] >= 1000 else str(m["documents"])
    label = args.label or f"alerts, {size} store, {args.chats // 1000}k chats"
    figures = [fig(label, f"match {m['landed']} new documents", round(m["match_s"], 3), "s", "<=", 1.0, note=(
        f"{m['follows']} follows ({m['people']} people, {m['topics']} topics, {m['distinct']} distinct), Zipf; "
        f"{m['items']} alerts, {m['hits']} hits, for {m['chats_alerted']} chats (found in {m['pending_s']:.2f} s); "
        f"incl. the follow index ({m['index_s']:.2f} s alone); first look at the store {m['baseline_s']:.1f} s"))]
    with FakeApiProcess() as api:
        off = asyncio.run(fan_out(api.url, state, False, None))
        sent = api.get("/stats")["sent"]
    figures.append(fig(label, "fan-out msg/s, limiter off", round(sent / off["elapsed"], 1), "msg/s", ">=", 1000,
                       note=f"{sent} messages in {off['elapsed']:.1f} s; {dict(off['outcomes'])}; CPU {off['cpu']:.1f} s; "
                            f"{off['in_flight']} in flight"))
    with FakeApiProcess(per_second=30, group_per_minute=20) as api:
        asyncio.run(fan_out(api.url, state, True, args.window))
        stats = api.get("/stats?times=1")
    times = sorted(stats["sent_times"])
    seconds = max(1, int(times[-1] - times[0])) if len(times) > 1 else 1
    rate = sum(1 for t in times if t < times[0] + seconds) / seconds if times else 0.0
    figures += [fig(label, "fan-out msg/s, limiter on", round(rate, 2), "msg/s", ">=", 28,
                    note=f"{stats['sent']} accepted in a {args.window:.0f} s window"),
                fig(label, "fan-out 429s, limiter on", stats["rejected_429"], "", "<=", 0,
                    note="server enforces 30/s overall and 20/min per group")]
    state.close()
    with FakeApiProcess() as api:
        lat = asyncio.run(latency(api.url, api, args.latency_alerts, args.check_seconds))
    values = sorted(lat["latencies"])
    note = (f"{len(values)} of {lat['expected']} alerts; batch 0; the job looks every {args.check_seconds:g} s "
            f"(ALERT_CHECK_SECONDS; default 5)")
    figures += [fig("alerts, landing to sent", "p50", round(percentile(values, 50) * 1000) if values else None, "ms",
                    note=note),
                fig("alerts, landing to sent", "p99", round(percentile(values, 99) * 1000) if values else None, "ms",
                    note=f"max {max(values) * 1000:.0f} ms" if values else "")]
    emit(figures)


if __name__ == "__main__":
    main()
