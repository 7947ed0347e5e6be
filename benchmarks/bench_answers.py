"""Answer latency: the command core (bot.commands.CommandCore.answer, what Telegram, inline mode and the
console call) and the raw Store methods, on one store.

    python -m benchmarks.bench_answers --db benchmarks/work/store-1000-s7.db [--queries 1000]

Per command (/who, /quotes, /search, /brief) `--queries` mixed arguments, the same for every store size
(deterministic from --seed): exact names from the store, misspelt names (a letter dropped, doubled,
swapped or changed; lower case; surname only), unknown names, topics (rare and very common words, 1-3
words), hostile strings (FTS5 syntax, quotes, HTML, control characters, 10,000-character arguments),
empty arguments and /brief N in and out of range. They are timed after a first pass of as many other
questions (from --seed + 1), as a bot that has answered for a while; the first pass's p99s, from the
store just opened, are shown apart. The first question after opening the store loads the name words
(the vocabulary of `name_vocabulary`); that cold start is timed separately and not in the percentiles.
"""
from __future__ import annotations

import argparse
import gc
import random
import sqlite3
import string
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import emit, fig, maxrss_mb, percentile
from bot.store.texts import load_codec, stored_text

HOSTILE = [
    '"', '""', '"unclosed phrase', "NEAR(ukraine russia, 3)", "ukraine OR russia AND NOT war", "*", "war*",
    "text:ukraine", "^ukraine", "-ukraine", "+", "ukraine:", "{text}: war", "(((((", ")))", "AND", "OR", "NOT",
    "'; DROP TABLE people; --", "<b>bold</b> <i>x", "<script>alert(1)</script>", "&amp; &lt; &#x27;", "&",
    "\x00\x01\x02\x1b[31m", "\u202eevil\u202c", "🙂🙂🙂", "Зеленський", "習近平", "مرحبا", "ﷺ" * 30,
    "a" * 10_000, ("ukraine " * 1_500)[:10_000], "x" * 500, "\n\n\t  ", "_*[]()~`>#+-=|{}.!", "%s %d {0}",
    "NULL", "0x41", "../../etc/passwd", "\\", "''''", "Mr.", "Dr. Dr. Dr.",
]
COMMON_WORDS = ["the", "said", "president", "people", "government", "would", "state", "new", "year", "house"]


def misspell(rng: random.Random, name: str) -> str:
    chars = list(name)
    letters = [i for i, c in enumerate(chars) if c.isalpha()]
    if not letters:
        return name
    i = rng.choice(letters)
    kind = rng.randrange(6)
    if kind == 0:
        del chars[i]
    elif kind == 1:
        chars.insert(i, chars[i])
    elif kind == 2 and i + 1 < len(chars):
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    elif kind == 3:
        chars[i] = rng.choice(string.ascii_lowercase)
    elif kind == 4:
        return name.lower()
    else:
        return name.split()[-1]
    return "".join(chars)


class Pools:
    """Names, person ids, topic words and document count, read from the store itself."""

    def __init__(self, db: Path, rng: random.Random):
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        top = [r for r in conn.execute("select id, name from people order by mentions desc limit 100")]
        count = conn.execute("select max(id) from people").fetchone()[0] or 0
        some = [conn.execute("select id, name from people where id = ?", (rng.randint(1, count),)).fetchone()
                for _ in range(200)] if count else []
        self.people = [r for r in top + some if r]
        self.documents = conn.execute("select count(*) from documents").fetchone()[0]
        last = conn.execute("select max(id) from documents").fetchone()[0] or 0
        words: list[str] = []
        codec = load_codec(conn)
        for _ in range(200):  # words of random paragraphs
            paragraphs = codec.decode(stored_text(conn, rng.randint(1, last)))
            if paragraphs:
                words += [w.strip(".,;:“”\"'()’").lower() for w in rng.choice(paragraphs)[1].split() if len(w) > 4]
        self.words = [w for w in words if w.isalpha()] or ["ukraine"]
        conn.close()

    def name(self, rng: random.Random) -> str:
        return rng.choice(self.people)[1] if self.people else "Blinken"

    def topic(self, rng: random.Random) -> str:
        if rng.random() < 0.15:
            return rng.choice(COMMON_WORDS)
        return " ".join(rng.choice(self.words) for _ in range(rng.choice([1, 1, 1, 2, 2, 3])))

    def unknown(self, rng: random.Random) -> str:
        return rng.choice(["Zbigniew", "Quetzal", "Xanthippe", "Borislav"]) + " " + "".join(
            rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 9))).title()


def who_args(p: Pools, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.40:
        return p.name(rng)
    if r < 0.75:
        return misspell(rng, p.name(rng))
    if r < 0.85:
        return p.unknown(rng)
    if r < 0.95:
        return rng.choice(HOSTILE)
    return ""


def quotes_args(p: Pools, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.25:
        return p.name(rng)
    if r < 0.40:
        return misspell(rng, p.name(rng))
    if r < 0.85:
        return p.topic(rng)
    if r < 0.95:
        return rng.choice(HOSTILE)
    return ""


def search_args(p: Pools, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.70:
        return p.topic(rng)
    if r < 0.80:
        return p.name(rng)
    return rng.choice(HOSTILE)


def brief_args(p: Pools, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.30:
        return ""
    if r < 0.80:
        return str(rng.randint(1, max(1, p.documents)))
    if r < 0.90:
        return str(p.documents + rng.randint(1, 10**6))
    return rng.choice(["0", "-1", "x", "1e9", "²", "٣", rng.choice(HOSTILE)])


def command_text(pools: Pools, rng: random.Random) -> str:
    """One command of a mixed load, as a user types it (for the bot-process and wire benchmarks)."""
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


def timed(calls: list[Callable[[], object]]) -> tuple[list[float], list[int], int]:
    """Milliseconds of each call, the indexes of the slowest, and how many raised."""
    times, errors = [], 0
    gc.collect()
    for call in calls:
        t0 = time.perf_counter_ns()
        try:
            call()
        except Exception:  # noqa: BLE001 - counted; a raising command core is a defect
            errors += 1
        times.append((time.perf_counter_ns() - t0) / 1e6)
    slowest = sorted(range(len(times)), key=times.__getitem__, reverse=True)[:3]
    return times, slowest, errors


def _raises(core, command: str, arg: str) -> bool:
    try:
        core.answer(command, arg)
    except Exception:  # noqa: BLE001
        return True
    return False


def show(arg: str) -> str:
    return repr(arg if len(arg) <= 40 else arg[:30] + f"…({len(arg)} chars)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--label", default="")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    from bot.answers.commands import CommandCore
    from bot.store.page_cache import available_memory, warm
    from bot.store.queries import Store
    from bot.store.search_text import NoUsableWords

    # As the running bot does at start-up (its `store:warm` job, `handlers.upkeep.warm_store`): the store
    # asked into the page cache while the memory available can hold it twice over. Without it, questions
    # after the store's pages were pushed out read them from disk (p99 about twice as long at 1M).
    t0 = time.perf_counter()
    warmed_mb = warm(args.db, available_memory()) / 1e6
    warm_s = time.perf_counter() - t0
    rng = random.Random(args.seed)
    pools = Pools(args.db, rng)
    label = args.label or f"answers {args.db.stem}"
    store = Store(args.db)
    core = CommandCore(store, random.Random(1))
    rss_open = maxrss_mb()
    t0 = time.perf_counter()
    store.find_people("warm up")
    cold_ms = (time.perf_counter() - t0) * 1000
    rss_index = maxrss_mb()

    figures = [fig(label, "store asked into the page cache, as the bot does", round(warm_s, 2), "s",
                   note=f"{warmed_mb:,.0f} MB" if warmed_mb else "not done: the memory available is under twice the store"),
               fig(label, "cold start: first /who (loads the name words)", round(cold_ms, 1), "ms",
                   note=f"RSS {rss_open:.0f} → {rss_index:.0f} MB; {pools.documents} documents")]
    worst_p99 = 0.0
    raised: dict[str, list[str]] = {}
    raising = 0
    makers = {"who": who_args, "quotes": quotes_args, "search": search_args, "brief": brief_args}
    # As a bot that has answered for a while: a first pass of other questions (another seed) brings the
    # pages every kind of question reads into the page cache. Its p99s, from a store just opened, are
    # shown apart.
    first_rng, first_pass = random.Random(args.seed + 1), {}
    for command, make in makers.items():
        arguments = [make(pools, first_rng) for _ in range(args.queries)]
        times, _, errors = timed([lambda a=a, c=command: core.answer(c, a) for a in arguments])
        raising += errors
        if errors:
            raised[command] = sorted({show(a) for a in arguments if _raises(core, command, a)})
        first_pass[command] = percentile(times, 99)
    figures.append(fig(label, "first pass, other questions: worst p99", round(max(first_pass.values()), 3), "ms",
                       note=", ".join(f"/{c} {p99:.2f}" for c, p99 in first_pass.items())
                       + " ms: the store just opened, its pages read from disk or the page cache as they come"))
    for command, make in makers.items():
        arguments = [make(pools, rng) for _ in range(args.queries)]
        times, slowest, errors = timed([lambda a=a, c=command: core.answer(c, a) for a in arguments])
        raising += errors
        if errors:
            raised[command] = sorted(set(raised.get(command, [])) | {show(a) for a in arguments if _raises(core, command, a)})
        p99 = percentile(times, 99)
        worst_p99 = max(worst_p99, p99)
        figures.append(fig(label, f"/{command} p50", round(percentile(times, 50), 3), "ms"))
        figures.append(fig(label, f"/{command} p99", round(p99, 3), "ms", "<=", 5.0,
                           note=f"max {max(times):.1f} ms, slowest: " + ", ".join(
                               f"{show(arguments[i])} {times[i]:.1f} ms" for i in slowest)))
    figures.append(fig(label, "queries whose answer raised", raising, "", "<=", 0,
                       note="; ".join(f"/{c} {', '.join(a)}" for c, a in raised.items()) or "none"))

    def safe(method: Callable, *a):
        def call():
            try:
                return method(*a)
            except NoUsableWords:
                return None
        return call

    ids = [pid for pid, _ in pools.people] or [1]
    raw = {
        "find_people": [safe(store.find_people, misspell(rng, pools.name(rng)) if rng.random() < 0.5 else pools.name(rng))
                        for _ in range(args.queries)],
        "person_card": [safe(store.person_card, rng.choice(ids)) for _ in range(args.queries)],
        "quotes_by": [safe(store.quotes_by, rng.choice(ids), rng.choice([0, 0, 5, 10])) for _ in range(args.queries)],
        "mentions": [safe(store.mentions, rng.choice(ids), rng.choice([0, 0, 5])) for _ in range(args.queries)],
        "quotes_about": [safe(store.quotes_about, pools.topic(rng), rng.choice([0, 0, 5])) for _ in range(args.queries)],
        "search": [safe(store.search, pools.topic(rng), rng.choice([0, 0, 5])) for _ in range(args.queries)],
        "brief": [safe(store.brief, rng.randint(1, max(1, pools.documents))) for _ in range(args.queries)],
        "list_people": [safe(store.list_people, rng.choice([0, 10, 100]), 10) for _ in range(args.queries)],
        "statements_by": [safe(store.statements_by, rng.choice(ids), rng.choice([0, 0, 5, 10]))
                          for _ in range(args.queries)],
    }
    for name, calls in raw.items():
        times, _, errors = timed(calls)
        figures.append(fig(label, f"Store.{name} p99", round(percentile(times, 99), 3), "ms",
                           note=f"p50 {percentile(times, 50):.3f} ms, max {max(times):.1f} ms"
                                + (f"; {errors} RAISED" if errors else "")))
    figures.append(fig(label, "peak RSS of the answering process", round(maxrss_mb(), 1), "MB"))
    emit(figures, worst_p99=worst_p99)


if __name__ == "__main__":
    main()
