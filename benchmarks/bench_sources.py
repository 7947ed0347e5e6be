"""News sources (bot.sources): fetch rounds against a local server, article extraction, near-duplicates.

    python -m benchmarks.bench_sources [--quick]

Figures (the last stdout line is the JSON of benchmarks/common.py's `emit`):
- "sources 304 round": 1,000 feeds of 20 entries on a local aiohttp server (another process); a first
  round reads and parses them all (entries too old for KEEP_DAYS, so nothing is written), then a round in
  which every feed answers 304 to its conditional GET: feeds/s (target ≥ 500).
- "sources 100 articles": 5 feeds of 20 summary-only entries; each entry's page (a PolNeAR article inside
  navigation, sidebar, related links, comments and footer) is fetched, its main text extracted, the seed
  file written: seconds for the round (the store's update is not included), peak RSS of this process.
- "sources extraction": trafilatura's modes on those pages: story recall and furniture kept, per mode.
- "near-duplicates": precision and recall on labelled pairs at thresholds around the chosen one — positives:
  PolNeAR articles re-edited (sentences reordered, paragraph dropped, paragraph added, headline rewritten,
  10 % of words substituted, boilerplate appended, all of these at once), corpus_gen's re-disguised copies
  of one article, and the 7 real pairs of versions of one story found in PolNeAR; negatives: the most
  similar pairs of different PolNeAR articles (same topic) and same-day pairs from different outlets —
  and the time per new document (signature, query, add) at 10k and 100k indexed documents (target ≤ 2 ms),
  with datasketch's MinHash + MinHashLSH for comparison when it is installed.

- With `--store DB --seeds DIR` (a built synthetic store and its seed folder; `benchmarks.run` passes the
  largest one): "sources 100 articles + store" — in a fresh process, as the bot's job does it, the same
  100-article round writes its seed files into DIR/feeds/ and the store (a copy of DB) is updated by the
  incremental build (in a spawned process of its own, as the bot's job runs it): seconds for the round
  and the build (target ≤ 10 s at 100k documents), and the peak RSS of the round's process (the bot's
  stand-in, target ≤ 200 MB) and of the build's; then "near-duplicates in the store": the stories' upkeep
  (`bot.build.stories.update_stories`: signature, band lookup in the store, similarity, story) per new
  document against the copy's documents (target ≤ 2 ms), and the precision/recall of the store's rule
  (a shared band and ≥ 20 of 64 equal bins) on the labelled pairs. DIR/feeds/ and the copy are removed after.
- "stories of templated pages": pages made from three templates ("Weather in Town: rain expected on day
  12 …"), thousands in a week, which share bands without being near-duplicates: the full build's stories
  per page at two counts and their growth (target ≤ 2: linear), and an in-place round of 100 more (≤ 2 s).

The corpus is read in place, never copied. Work files go to benchmarks/work/sources/.
Quick mode (< 1 min): 100 articles edited for the pairs, 1,000 new documents timed at each size.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import random
import re
import shutil
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path

from benchmarks.common import WORK, emit, fig, percentile, rss_mb

CORPUS = Path("/work/shared/corpus/polnear-train/text")
OUT = WORK / "sources"
OLD = datetime(2019, 1, 1, tzinfo=timezone.utc)
NOW = datetime(2024, 4, 12, 12, tzinfo=timezone.utc)
FEEDS = 1000
ENTRIES = 20
NEWS_FEEDS = 5

# Real pairs of one story's versions in PolNeAR (found by shingle overlap, read and judged by hand:
# updated editions of one article, an AP live blog's successive versions, a story re-titled next day).
REAL_PAIRS = [
    ("wash-post_2015-12-22_as-spotlight-shines-on-trump-and.txt", "wash-post_2015-12-23_as-spotlight-shines-on-trump-and.txt"),
    ("wash-post_2015-12-12_misinformation-enters-mainstream.txt", "wash-post_2015-12-13_misinformation-enters-mainstream.txt"),
    ("nyt_2016-03-04_republicans-have-stake-in-a-deal.txt", "nyt_2016-03-05_polls-suggest-possibility-of-dea.txt"),
    ("nyt_2015-11-25_golf-courses-forced-to-reach-int.txt", "nyt_2015-11-26_with-fewer-golfers-in-u-s-course.txt"),
    ("nyt_2016-03-15_sanders-advances-agenda-via-side.txt", "nyt_2016-03-16_via-legislative-side-doors-sande.txt"),
    ("usa-today_2016-04-06_sanders-says-he-s-riding-momentu.txt", "usa-today_2016-04-06_sanders-winning-streak-continues.txt"),
    ("breitbart_2016-03-15_the-latest-kasich-scores-all-del.txt", "breitbart_2016-03-15_the-latest-sanders-declares-revo.txt"),
]


def corpus() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))}


# The local server ---------------------------------------------------------------------------------

NAV = ('<header><nav><a href="/">Home</a> <a href="/politics">Politics</a> <a href="/world">World</a> '
       '<a href="/business">Business</a> <a href="/opinion">Opinion</a> <a href="/subscribe">Subscribe</a></nav></header>')
SIDEBAR = ('<aside class="sidebar"><h3>Most read</h3><ul>' + "".join(
    f'<li><a href="/most-read/{i}">Most read story number {i} of the day</a></li>' for i in range(6)) + "</ul></aside>")
FOOTER = ('<section class="related"><h3>Related</h3><a href="/r1">More on the campaign</a> '
          '<a href="/r2">Live updates</a></section><section id="comments"><h3>Comments</h3>'
          '<p>Leave a Reply</p><p>Your email address will not be published.</p></section>'
          '<footer><p>© 2024 The Daily Courier. All rights reserved.</p><a href="/privacy">Privacy</a></footer>')


def div_soup(page: bytes) -> bytes:
    """The same page without semantic elements or class names: every block a <div>, as older sites are."""
    text = page.decode()
    text = re.sub(r"<(/?)(header|nav|aside|main|article|section|footer|figure|figcaption)\b", r"<\1div", text)
    return re.sub(r'\s(?:class|id)="[^"]*"', "", text).encode()


def article_page(title: str, paragraphs: list[str], others: list[tuple[str, list[str]]] = ()) -> bytes:
    """A news page around a story: navigation, a most-read list, a newsletter box and a photo caption inside
    the article, an author's bio, teasers of other stories (a sentence each), readers' comments (sentences
    too), related links and a copyright footer."""
    body = [f"<p>{escape(p)}</p>" for p in paragraphs]
    if len(body) > 3:
        body.insert(2, '<div class="newsletter"><p>Get the best of the Courier in your inbox every morning. '
                       'Sign up for our free newsletter now.</p></div>')
        body.insert(1, '<figure><img src="/photo.jpg" alt=""><figcaption>Supporters gather before the rally on '
                       'Tuesday evening. (Photo: Courier staff)</figcaption></figure>')
    teasers = "".join(f'<div class="teaser"><h4><a href="/t/{i}">{escape(t)}</a></h4><p>{escape((ps or [t])[0][:160])}</p>'
                      f"</div>" for i, (t, ps) in enumerate(others[:3]))
    comments = "".join(f'<div class="comment"><p class="author">reader{i}</p><p>{escape((ps or [t])[-1][:200])}</p></div>'
                       for i, (t, ps) in enumerate(others[3:6]))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)} | The Daily Courier'
            f'</title></head><body>{NAV}{SIDEBAR}<main><article><h1>{escape(title)}</h1>'
            f'<p class="byline">By Staff Writer</p>{"".join(body)}<p class="bio">Staff Writer covers national politics '
            f'for the Courier and can be reached on social media.</p></article>'
            f'<section class="recommended"><h3>Recommended for you</h3>{teasers}</section>'
            f'<section id="comments"><h3>Comments</h3>{comments}</section></main>{FOOTER}</body></html>').encode()


def split_article(text: str) -> tuple[str, list[str]]:
    blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    return blocks[0].rstrip("."), blocks[1:]


def rss(title: str, items: list[tuple[str, str, datetime, str]]) -> bytes:
    parts = [f"<item><title>{escape(t)}</title><link>{escape(link)}</link><guid>{escape(link)}</guid>"
             f"<pubDate>{format_datetime(when)}</pubDate><description>{escape(summary)}</description></item>"
             for t, link, when, summary in items]
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{escape(title)}</title>"
            f"<link>http://127.0.0.1/</link>{''.join(parts)}</channel></rss>").encode()


def serve(port_queue, texts: list[tuple[str, list[str]]]) -> None:
    """The server process: old feeds (/feed/N.xml), news feeds (/news/N.xml) and article pages."""
    from aiohttp import web

    feeds: dict[str, bytes] = {}
    for i in range(FEEDS):
        items = [(f"Feed {i} story {j}", f"http://127.0.0.1/feed/{i}/{j}", OLD + timedelta(hours=i + j),
                  "A short summary of the story. " * 30) for j in range(ENTRIES)]
        feeds[f"/feed/{i}.xml"] = rss(f"Feed {i}", items)
    pages: dict[str, bytes] = {}
    news_items: dict[int, list] = defaultdict(list)
    for n in range(NEWS_FEEDS * ENTRIES):
        feed, j = divmod(n, ENTRIES)
        title, paragraphs = texts[n % len(texts)]
        path = f"/article/{feed}/{j}.html"
        others = [texts[(n + k) % len(texts)] for k in range(1, 7)]
        pages[path] = article_page(title, paragraphs, others)
        news_items[feed].append((title, path, NOW - timedelta(minutes=n), (paragraphs[0] if paragraphs else title)[:200]))

    async def handle(request):
        path = request.path
        if path.startswith("/feed/"):
            etag = f'"{path}"'
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers={"ETag": etag})
            return web.Response(body=feeds[path], headers={"ETag": etag, "Content-Type": "application/rss+xml"})
        if path.startswith("/news/"):
            feed = int(path.split("/")[2].split(".")[0])
            base = f"http://127.0.0.1:{request.url.port}"
            items = [(t, base + p, when, s) for t, p, when, s in news_items[feed]]
            return web.Response(body=rss(f"Courier {feed}", items), headers={"Content-Type": "application/rss+xml"})
        if path in pages:
            return web.Response(body=pages[path], headers={"Content-Type": "text/html; charset=utf-8"})
        return web.Response(status=404)

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port_queue.put(site._server.sockets[0].getsockname()[1])
        await asyncio.sleep(3600)

    asyncio.run(main())


# Rounds --------------------------------------------------------------------------------------------

async def rounds(port: int, concurrency: int) -> list:
    from bot.sources.http import Fetcher
    from bot.sources.registry import SourceRegistry
    from bot.sources.round import fetch_round

    figures = []
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    registry = SourceRegistry(OUT / "state.db")
    with registry.db.conn:
        pass
    for i in range(FEEDS):
        registry.add(f"http://127.0.0.1:{port}/feed/{i}.xml", name=f"Feed {i}", now=NOW)
    async with Fetcher(allow_private=True, max_concurrency=concurrency) as fetcher:
        started = time.perf_counter()
        first = await fetch_round(registry, OUT / "seeds", now=NOW, fetcher=fetcher, keep_days=30)
        parse_s = time.perf_counter() - started
        assert all(o.status == "ok" for o in first.outcomes) and not first.written, first.lines()[:3]
        started = time.perf_counter()
        second = await fetch_round(registry, OUT / "seeds", now=NOW + timedelta(hours=1), fetcher=fetcher, keep_days=30)
        not_modified_s = time.perf_counter() - started
    assert len(second.outcomes) == FEEDS and all(o.status == "not_modified" for o in second.outcomes)
    registry.close()
    figures.append(fig("sources 304 round", "feeds/s", round(FEEDS / not_modified_s, 1), "feeds/s", ">=", 500,
                       note=f"{FEEDS} feeds of {ENTRIES} entries, every one 304; {not_modified_s:.2f} s; "
                            f"{concurrency} requests at once"))
    figures.append(fig("sources full round", "feeds/s", round(FEEDS / parse_s, 1), "feeds/s",
                       note=f"the same {FEEDS} feeds fetched (200) and parsed, nothing new to take; {parse_s:.2f} s"))

    news = SourceRegistry(OUT / "news.db")
    for i in range(NEWS_FEEDS):
        news.add(f"http://127.0.0.1:{port}/news/{i}.xml", name=f"Courier {i}", now=NOW)
    async with Fetcher(allow_private=True, max_concurrency=concurrency) as fetcher:
        started = time.perf_counter()
        report = await fetch_round(news, OUT / "seeds", now=NOW, fetcher=fetcher)
        articles_s = time.perf_counter() - started
    news.close()
    written = len(report.written)
    from_pages = written - sum(o.summary_only for o in report.outcomes)
    figures.append(fig("sources 100 articles", "round s", round(articles_s, 2), "s",
                       note=f"{written} new articles: {from_pages} pages fetched and extracted, "
                            f"{written - from_pages} with the summary only; seed files written; store update not included"))
    figures.append(fig("sources 100 articles", "peak RSS", round(rss_mb()[1], 1), "MB",
                       note="this process after the rounds (1,000-feed rounds and the 100-article round)"))
    return figures


# Extraction modes ----------------------------------------------------------------------------------

def extraction_modes(texts: list[tuple[str, list[str]]]) -> list:
    from bot.sources.articles import EXTRACT_OPTIONS, NoMainText, extract_article

    modes = {"favor_precision": dict(favor_precision=True, favor_recall=False),
             "default": dict(favor_precision=False, favor_recall=False),
             "favor_recall": dict(favor_precision=False, favor_recall=True)}
    figures = []
    for (mode, options), layout in itertools.product(modes.items(), ("semantic", "div soup")):
        story_words = found_words = kept = noise = 0
        started = time.perf_counter()
        for n, (title, paragraphs) in enumerate(texts):
            others = [texts[(n + k) % len(texts)] for k in range(1, 7)]
            page = article_page(title, paragraphs, others)
            if layout == "div soup":
                page = div_soup(page)
            try:
                got = extract_article(page, "http://127.0.0.1/a", **options).paragraphs
            except NoMainText:
                got = []
            wanted = {p[:80] for p in paragraphs}
            got_prefixes = {g[:80] for g in got}
            story_words += sum(len(p.split()) for p in paragraphs)
            found_words += sum(len(p.split()) for p in paragraphs if p[:80] in got_prefixes)
            kept += len(got)
            noise += sum(1 for g in got if g[:80] not in wanted)
        ms = (time.perf_counter() - started) / len(texts) * 1000
        chosen = all(EXTRACT_OPTIONS.get(k, False) == v for k, v in options.items())
        figures.append(fig("sources extraction", f"{mode}, {layout}: story recall", round(found_words / story_words, 4),
                           note=f"{len(texts)} pages; furniture paragraphs kept {noise} of {kept}; {ms:.1f} ms/page"
                                + ("; the mode used" if chosen else "")))
    return figures


# Labelled pairs ------------------------------------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?”])\s+(?=[A-Z“])")
BOILERPLATE = ("Copyright 2024 The Daily Courier. All rights reserved. This material may not be published, broadcast, "
               "rewritten or redistributed. Sign up for our newsletter to get the day's top stories in your inbox. "
               "Follow us on Twitter and Facebook. Related: More coverage of the campaign. Advertisement. "
               "Share this article. Comments are closed.")
FILLER_WORDS = ["said", "told", "the", "a", "new", "former", "officials", "government", "week", "year", "people",
                "Tuesday", "report", "plan"]


def edited_versions(text: str, other: str, rng: random.Random) -> dict[str, str]:
    """The same story re-edited, one way per kind (see the module doc)."""
    head, body = split_article(text)
    other_body = split_article(other)[1] or ["An added paragraph about something else entirely."]

    def reorder(paragraphs):
        result = []
        for p in paragraphs:
            sentences = _SENTENCE.split(p)
            if len(sentences) > 1 and rng.random() < 0.6:
                i, j = rng.randrange(len(sentences)), rng.randrange(len(sentences))
                sentences[i], sentences[j] = sentences[j], sentences[i]
            result.append(" ".join(sentences))
        if len(result) > 3:
            i = rng.randrange(len(result) - 1)
            result[i], result[i + 1] = result[i + 1], result[i]
        return result

    def drop(paragraphs):
        paragraphs = list(paragraphs)
        if len(paragraphs) > 2:
            del paragraphs[rng.randrange(1, len(paragraphs))]
        return paragraphs

    def substitute(paragraphs):
        result = []
        for p in paragraphs:
            words = p.split(" ")
            for _ in range(max(1, len(words) // 10)):
                words[rng.randrange(len(words))] = rng.choice(FILLER_WORDS)
            result.append(" ".join(words))
        return result

    added = list(body)
    added.insert(rng.randrange(1, len(body) + 1), rng.choice(other_body))
    versions = {
        "reordered": [head] + reorder(body),
        "paragraph dropped": [head] + drop(body),
        "paragraph added": [head] + added,
        "headline rewritten": ["Analysis: " + " ".join(reversed(head.split()))[:80] + " — what we know"] + body,
        "words substituted": [head] + substitute(body),
        "boilerplate appended": [head] + body + [BOILERPLATE],
        "all at once": ["Update: " + head] + substitute(drop(reorder(body))) + [BOILERPLATE],
    }
    return {kind: "\n\n".join(parts) for kind, parts in versions.items()}


def labelled_pairs(texts: dict[str, str], count: int, seed: int = 3) -> list[tuple[str, str, str, bool]]:
    """(kind, text a, text b, same story?) pairs; see the module doc."""
    from bot.sources.near_duplicates import shingle_hashes

    rng = random.Random(seed)
    names = [n for n, t in texts.items() if len(t.split()) >= 150]
    pairs: list[tuple[str, str, str, bool]] = []
    for name in rng.sample(names, min(count, len(names))):
        other = texts[rng.choice(names)]
        for kind, version in edited_versions(texts[name], other, rng).items():
            pairs.append((kind, texts[name], version, True))
    for a, b in REAL_PAIRS:
        pairs.append(("real versions (PolNeAR)", texts[a], texts[b], True))
    try:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from benchmarks.corpus_gen import Generator, load_sources
        sources = load_sources()
        generator = Generator(sources, 7)
        for i in rng.sample(range(len(sources)), min(count, len(sources))):
            pairs.append(("corpus_gen re-disguised", generator.document(i)[1],
                          generator.document(i + len(sources))[1], True))
    except SystemExit:
        pass
    # negatives: the most similar pairs of different articles, and same-day pairs from different outlets
    shingles = {n: shingle_hashes(t) for n, t in texts.items()}
    postings: dict[int, list[str]] = defaultdict(list)
    for n, hashes in shingles.items():
        for h in hashes:
            postings[h].append(n)
    shared: Counter = Counter()
    for listed in postings.values():
        if 1 < len(listed) < 40:
            shared.update(itertools.combinations(listed, 2))
    real = {tuple(sorted(p)) for p in REAL_PAIRS}
    sizes = {n: len(h) for n, h in shingles.items()}
    scored = sorted(((c / (sizes[a] + sizes[b] - c), a, b) for (a, b), c in shared.items()
                     if c >= 5 and tuple(sorted((a, b))) not in real), reverse=True)
    for _, a, b in scored[:count * 4]:
        pairs.append(("different, most similar", texts[a], texts[b], False))
    by_day: dict[str, list[str]] = defaultdict(list)
    for n in texts:
        by_day[n.split("_")[1]].append(n)
    days = [d for d, listed in by_day.items() if len({n.split("_")[0] for n in listed}) > 1]
    for _ in range(count * 3):
        listed = by_day[rng.choice(days)]
        a, b = rng.sample(listed, 2)
        if a.split("_")[0] != b.split("_")[0] and tuple(sorted((a, b))) not in real:
            pairs.append(("different, same day", texts[a], texts[b], False))
    return pairs


def pair_scores(pairs, thresholds: list[float]) -> tuple[list, dict]:
    """Precision/recall through the index (LSH candidates, then the estimate) at each threshold."""
    from bot.sources.near_duplicates import NearDuplicateIndex, signature

    index = NearDuplicateIndex(threshold=min(thresholds))
    found: list[tuple[str, bool, float]] = []
    for n, (kind, a, b, same) in enumerate(pairs):
        index.add(n, signature(a))
    for n, (kind, a, b, same) in enumerate(pairs):
        hits = dict(index.query(signature(b), threshold=0.0))
        found.append((kind, same, hits.get(n, 0.0)))
    table = []
    for t in thresholds:
        tp = sum(1 for _, same, s in found if same and s >= t)
        fp = sum(1 for _, same, s in found if not same and s >= t)
        fn = sum(1 for _, same, s in found if same and s < t)
        table.append((t, tp / max(1, tp + fp), tp / max(1, tp + fn), tp, fp, fn))
    per_kind: dict[str, list[float]] = defaultdict(list)
    for kind, same, s in found:
        per_kind[kind].append(s)
    return table, per_kind


def datasketch_scores(pairs, threshold: float) -> tuple[float, float] | None:
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        return None
    lsh = MinHashLSH(threshold=threshold, num_perm=64)
    for n, (_, a, _, _) in enumerate(pairs):
        lsh.insert(str(n), datasketch_minhash(a, MinHash))
    tp = fp = fn = 0
    for n, (_, _, b, same) in enumerate(pairs):
        m = datasketch_minhash(b, MinHash)
        hit = str(n) in lsh.query(m)
        tp += hit and same
        fp += hit and not same
        fn += same and not hit
    return tp / max(1, tp + fp), tp / max(1, tp + fn)


def datasketch_minhash(text: str, minhash_cls):
    words = re.findall(r"\w+", text.lower())
    m = minhash_cls(num_perm=64)
    m.update_batch([" ".join(words[i:i + 3]).encode() for i in range(max(1, len(words) - 2))])
    return m


def near_duplicate_figures(texts: dict[str, str], quick: bool) -> list:
    from bot.sources import near_duplicates as nd

    figures = []
    count = 100 if quick else 300
    started = time.perf_counter()
    pairs = labelled_pairs(texts, count)
    print(f"labelled pairs made: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    positives = sum(1 for p in pairs if p[3])
    table, per_kind = pair_scores(pairs, [0.2, 0.25, 0.3, 0.35, 0.4, 0.5])
    for t, precision, recall, tp, fp, fn in table:
        chosen = abs(t - nd.THRESHOLD) < 1e-9
        figures.append(fig("near-duplicates", f"precision at {t:g}", round(precision, 4),
                           note=f"{positives} same-story pairs, {len(pairs) - positives} different; tp {tp} fp {fp}"
                                + (" — the chosen threshold" if chosen else "")))
        figures.append(fig("near-duplicates", f"recall at {t:g}", round(recall, 4), note=f"fn {fn}"))
    for kind, scores in sorted(per_kind.items()):
        same = not kind.startswith("different")
        share = sum(1 for s in scores if (s >= nd.THRESHOLD) == same) / len(scores)
        figures.append(fig("near-duplicates", f"{'found' if same else 'kept apart'}: {kind}", round(share, 4),
                           note=f"{len(scores)} pairs at threshold {nd.THRESHOLD:g}; median estimate "
                                f"{statistics.median(scores):.2f}"))
    print(f"labelled pairs scored: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    ds = datasketch_scores(pairs, nd.THRESHOLD)
    if ds:
        figures.append(fig("near-duplicates", "datasketch precision/recall", round(ds[0], 4),
                           note=f"MinHash(num_perm=64) + MinHashLSH(threshold={nd.THRESHOLD:g}): precision {ds[0]:.4f}, "
                                f"recall {ds[1]:.4f} on the same pairs"))
    print(f"labelled pairs: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    # time per new document at 10k and 100k indexed documents
    probes = [t for t in texts.values() if len(t.split()) >= 100]
    new_docs = 1000 if quick else 3000
    for size in (10_000, 100_000):
        figures += index_timing(size, probes, new_docs)
    if ds:
        figures += datasketch_timing(10_000, probes, 1000)
    return figures


TEMPLATES = (  # pages a site makes from one template: they share bands without being the same story
    "Weather in {town}: rain expected on day {n} with a high of {t} degrees, and sun on day {m} in {town}.",
    "Shares of {town} Holdings rose {t} per cent on day {n} after the company reported results for quarter {m}.",
    "{town} United beat {town} Rovers {t} to {m} on day {n}, their third win of the season at home.",
)


def templated_pages(count: int, seed: int = 5) -> list[tuple[int, str, int, bytes | None]]:
    """`count` pages of three templates with made-up towns and numbers, all published within one week, as
    write_stories takes them: (sort_date, path, id, signature)."""
    from bot.build.stories import story_signature

    rng = random.Random(seed)
    towns = ["".join(rng.choice("bcdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3)).capitalize() for _ in range(500)]
    pages = []
    for n in range(count):
        values = dict(town=rng.choice(towns), n=rng.randrange(365), m=rng.randrange(365), t=rng.randrange(40))
        title = rng.choice(["Weather", "Markets", "Results"]) + f" {n}"
        text = [rng.choice(TEMPLATES).format(**values) for _ in range(rng.randint(1, 3))]
        pages.append((1_700_000_000 + rng.randrange(7 * 86_400), f"{n:06d}.md", n + 1, story_signature(title, text)))
    return pages


def templated_figures(quick: bool) -> list:
    """Stories of templated pages (see TEMPLATES): the full build's (write_stories) and an in-place round
    of 100 more (update_stories), at two sizes; per page, the time may not grow with the count."""
    import sqlite3

    from bot.build.stories import update_stories, write_stories
    from bot.store.schema import TABLES

    sizes = (2_000, 8_000) if quick else (5_000, 40_000)
    per_page, rounds = [], []
    for size in sizes:
        pages = templated_pages(size + 100)
        conn = sqlite3.connect(":memory:")
        conn.executescript(TABLES)
        conn.executemany("insert into documents (id, path, sort_date) values (?, ?, ?)", [(d[2], d[1], d[0]) for d in pages])
        started = time.process_time()
        write_stories(conn, pages[:size])
        per_page.append((time.process_time() - started) / size * 1000)
        started = time.process_time()
        update_stories(conn, [], [(d[2], d[0], d[3]) for d in pages[size:]])
        rounds.append(time.process_time() - started)
    growth = per_page[-1] / per_page[0]
    return [fig("stories of templated pages", f"full build: ms/page at {sizes[-1]:,} in a week", round(per_page[-1], 4),
                "ms", note=f"{per_page[0]:.4f} ms/page at {sizes[0]:,}; CPU time"),
            fig("stories of templated pages", f"growth {sizes[0]:,} → {sizes[-1]:,} pages", round(growth, 2), "×", "<=", 2.0,
                note="ms per page at the larger count over the smaller (1.0 = linear; comparing each page with every "
                     f"page of its bands would be {sizes[-1] / sizes[0]:g}×)"),
            fig("stories of templated pages", f"100 more in place, with {sizes[-1]:,} in their week", round(rounds[-1], 3), "s",
                "<=", 2.0, note=f"{rounds[0]:.3f} s with {sizes[0]:,}; CPU time")]


def filler_signatures(size: int, seed: int = 11):
    """Signatures standing for `size` stored documents: random ones, a fifth of them near-copies of earlier
    ones (clusters of one story), so that queries meet candidates as in a real store."""
    from bot.sources.near_duplicates import BINS, SIGNATURE_BYTES

    rng = random.Random(seed)
    made: list[bytes] = []
    for i in range(size):
        if made and rng.random() < 0.2:
            base = bytearray(rng.choice(made))
            for b in rng.sample(range(BINS), rng.randint(5, 30)):
                base[2 * b:2 * b + 2] = rng.randbytes(2)
            data = bytes(base)
        else:
            data = rng.randbytes(BINS * 2) + (500).to_bytes(2, "little")
        made.append(data)
        yield i, data
    assert all(len(d) == SIGNATURE_BYTES for d in made[:3])


def index_timing(size: int, probes: list[str], new_docs: int) -> list:
    from bot.sources.near_duplicates import NearDuplicateIndex, signature

    before = rss_mb()[0]
    started = time.perf_counter()
    index = NearDuplicateIndex.from_signatures(filler_signatures(size))
    load_s = time.perf_counter() - started
    grown = rss_mb()[0] - before
    rng = random.Random(size)
    per_doc: list[float] = []
    sig_ms: list[float] = []
    hits = 0
    for n in range(new_docs):
        text = probes[n % len(probes)]
        if n >= len(probes):  # later probes: an edited copy of an earlier one, so some are near-duplicates
            text = edited_versions(text, probes[(n * 7) % len(probes)], rng)["words substituted"]
        t0 = time.perf_counter()
        sig = signature(text)
        t1 = time.perf_counter()
        found = index.add_and_query(("new", n), sig)
        t2 = time.perf_counter()
        hits += bool(found)
        per_doc.append((t2 - t0) * 1000)
        sig_ms.append((t1 - t0) * 1000)
    label = f"{size // 1000}k"
    mean = statistics.fmean(per_doc)
    return [
        fig("near-duplicates", f"ms/new doc at {label}", round(mean, 3), "ms", "<=", 2,
            note=f"signature + query + add, mean of {new_docs} PolNeAR-length documents (p99 "
                 f"{percentile(per_doc, 99):.2f} ms, signature alone {statistics.fmean(sig_ms):.2f} ms); "
                 f"{hits} found near-duplicates; includes merges of recent additions"),
        fig("near-duplicates", f"index at {label}", round(index.nbytes / 2**20, 1), "MB",
            note=f"signatures and band keys; process RSS grew {grown:.0f} MB; bulk load {load_s:.1f} s"),
    ]


def datasketch_timing(size: int, probes: list[str], new_docs: int) -> list:
    from datasketch import MinHash, MinHashLSH

    from bot.sources.near_duplicates import THRESHOLD

    rng = random.Random(5)
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=64)
    started = time.perf_counter()
    for i in range(size):
        filler = MinHash(num_perm=64)
        filler.update_batch([rng.randbytes(8) for _ in range(50)])
        lsh.insert(f"f{i}", filler)
    load_s = time.perf_counter() - started
    times = []
    for n in range(new_docs):
        t0 = time.perf_counter()
        m = datasketch_minhash(probes[n % len(probes)], MinHash)
        lsh.query(m)
        lsh.insert(f"n{n}", m)
        times.append((time.perf_counter() - t0) * 1000)
    return [fig("near-duplicates", f"datasketch ms/new doc at {size // 1000}k", round(statistics.fmean(times), 3),
                "ms", note=f"MinHash(64) + MinHashLSH, same documents; load {load_s:.1f} s")]


# The round with the store's update ------------------------------------------------------------------

def store_round(port: int, seeds: str, db: str, queue) -> None:
    """(In a fresh process.) The 100-article round into `seeds`/feeds/, then the incremental build of `db`."""
    from bot.sources.http import Fetcher
    from bot.sources.registry import SourceRegistry
    from bot.sources.round import fetch_round

    state = OUT / "store-round-state.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{state}{suffix}").unlink(missing_ok=True)
    registry = SourceRegistry(state)
    for i in range(NEWS_FEEDS):
        registry.add(f"http://127.0.0.1:{port}/news/{i}.xml", name=f"Courier {i}", now=NOW)
    before = rss_mb()[0]

    async def one_round():
        async with Fetcher(allow_private=True) as fetcher:
            return await fetch_round(registry, seeds, now=NOW, fetcher=fetcher)

    started = time.perf_counter()
    report = asyncio.run(one_round())
    round_s = time.perf_counter() - started
    inode = os.stat(db).st_ino
    started = time.perf_counter()
    # As the bot's job does it (Following.build_store_apart): the build in a spawned process of its own.
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        changed = sorted(Path(f).resolve().relative_to(Path(seeds).resolve()).as_posix() for f in report.written)
        documents, build_peak = pool.submit(measured_build, seeds, db, changed).result()
    build_s = time.perf_counter() - started
    registry.close()
    queue.put({"round_s": round_s, "build_s": build_s, "written": len(report.written),
               "in_place": os.stat(db).st_ino == inode, "documents": documents, "rss_before": before,
               "peak": rss_mb()[1], "build_peak": build_peak})


def measured_build(seeds: str, db: str, changed: list[str]) -> tuple[int, float]:
    """(In the build's own process.) The incremental build of the round's files, named as the bot's job
    names them; (documents, this process's peak RSS)."""
    from bot.build import build

    return build(seeds, db, changed=changed).documents, rss_mb()[1]


def store_figures(port: int, seeds: Path, db: Path, texts: dict[str, str], quick: bool) -> list:
    copy = OUT / "store-copy.db"
    feeds = seeds / "feeds"
    if feeds.exists():
        raise SystemExit(f"{feeds} exists: the generated seed folder must hold no fetched articles")
    OUT.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(db, copy)
    figures = []
    try:
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        child = ctx.Process(target=store_round, args=(port, str(seeds), str(copy), queue))
        child.start()
        result = queue.get(timeout=600)
        child.join(60)
        size = result["documents"]
        label = f"{size // 1000}k" if size >= 1000 else str(size)
        total = result["round_s"] + result["build_s"]
        figures.append(fig("sources 100 articles + store", f"round + store update, {label} store", round(total, 2), "s",
                           "<=", 10, note=f"{result['written']} articles: round {result['round_s']:.2f} s (pages "
                                         f"fetched, extracted, saved), build {result['build_s']:.2f} s "
                                         f"({'in place' if result['in_place'] else 'FULL'}); {size:,} documents after"))
        figures.append(fig("sources 100 articles + store", "peak RSS of the bot's process", round(result["peak"], 1),
                           "MB", "<=", 200, note=f"a fresh process doing what the bot's job does (the round; the build "
                                                 f"in a process of its own); {result['rss_before']:.0f} MB before the round"))
        figures.append(fig("sources 100 articles + store", "peak RSS of the build's process",
                           round(result["build_peak"], 1), "MB",
                           note="the incremental build, spawned for the round and ended with it"))
        figures += store_near_duplicates(copy, texts, 300 if quick else 1000)
    finally:
        shutil.rmtree(feeds, ignore_errors=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
    return figures


def store_near_duplicates(db: Path, texts: dict[str, str], new_docs: int) -> list:
    """The stories' upkeep per new document against a built store (rolled back), and the store rule's
    precision and recall on the labelled pairs."""
    import sqlite3

    from bot.build.stories import band_keys, similar, story_signature, update_stories

    conn = sqlite3.connect(db, isolation_level=None)
    (documents,) = conn.execute("select count(*) from stories").fetchone()
    (grouped,) = conn.execute("select count(*) from stories s where story != document_id or exists "
                              "(select 1 from stories o where o.story = s.document_id and o.document_id != s.document_id)"
                              ).fetchone()
    pages = conn.execute("pragma page_count").fetchone()[0] * conn.execute("pragma page_size").fetchone()[0]
    try:
        band_bytes = conn.execute("select sum(pgsize) from dbstat where name in ('story_bands')").fetchone()[0]
        story_bytes = conn.execute("select sum(pgsize) from dbstat where name in ('stories', 'idx_stories_story')"
                                   ).fetchone()[0]
    except sqlite3.OperationalError:  # SQLite without dbstat
        band_bytes = story_bytes = None
    probes = [t for t in texts.values() if len(t.split()) >= 100]
    rng = random.Random(17)
    first_id = conn.execute("select max(id) from documents").fetchone()[0] + 1
    times, found = [], 0
    conn.execute("begin")
    try:
        for n in range(new_docs):
            text = probes[n % len(probes)]
            if n >= len(probes) // 2:  # later ones: edited copies of earlier ones (some of them near-duplicates)
                text = edited_versions(text, probes[(n * 7) % len(probes)], rng)["words substituted"]
            title, paragraphs = split_article(text)
            document_id = first_id + n
            # sort_date is seconds since 1970 (schema 7): 2030-01-01 00:00 UTC plus n seconds, within the hour.
            sort_date = 1_893_456_000 + n % 3600
            conn.execute("insert into documents (id, path, title, sort_date) values (?, ?, ?, ?)",
                         (document_id, f"bench/{n}.md", title, sort_date))
            started = time.perf_counter()
            update_stories(conn, [], [(document_id, sort_date, story_signature(title, paragraphs))])
            times.append((time.perf_counter() - started) * 1000)
            found += conn.execute("select story != ? from stories where document_id = ?",
                                  (document_id, document_id)).fetchone()[0]
    finally:
        conn.execute("rollback")
        conn.close()
    figures = [fig("near-duplicates in the store", f"ms/new doc at {documents // 1000}k", round(statistics.fmean(times), 3),
                   "ms", "<=", 2, note=f"signature + band lookup + similarity + story, {new_docs} documents (p99 "
                                       f"{percentile(times, 99):.2f} ms); {found} joined a story; {grouped:,} of "
                                       f"{documents:,} stored documents are in a story of two or more"),
               fig("near-duplicates in the store", f"stories and bands at {documents // 1000}k",
                   round((band_bytes or 0) / 2**20, 1), "MB",
                   note=(f"story_bands {band_bytes / 2**20:.1f} MB, stories (signatures) {story_bytes / 2**20:.1f} MB, "
                         f"of a {pages / 2**20:.0f} MB store") if band_bytes else "dbstat not available")]
    pairs = labelled_pairs(texts, 100)
    tp = fp = fn = 0
    for _, a, b, same in pairs:
        sa, sb = story_signature("", [a]), story_signature("", [b])
        hit = bool(sa and sb and set(band_keys(sa)) & set(band_keys(sb)) and similar(sa, sb))
        tp += hit and same
        fp += hit and not same
        fn += same and not hit
    figures.append(fig("near-duplicates in the store", "precision / recall of the store's rule",
                       round(tp / max(1, tp + fp), 4), note=f"precision {tp / max(1, tp + fp):.4f}, recall "
                                                            f"{tp / max(1, tp + fn):.4f} on {len(pairs)} labelled pairs "
                                                            f"(tp {tp}, fp {fp}, fn {fn})"))
    return figures


# Main ------------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--store", type=Path, help="a built store, updated (a copy of it) after a round")
    parser.add_argument("--seeds", type=Path, help="the seed folder --store was built from")
    parser.add_argument("--only-store", action="store_true", help="only the round with the store's update")
    args = parser.parse_args()
    texts = corpus()
    if not texts:
        raise SystemExit(f"no corpus articles under {CORPUS}")
    articles = [split_article(t) for t in list(texts.values())[::8]]
    articles = [(title, paragraphs) for title, paragraphs in articles if len(paragraphs) >= 3]
    ctx = multiprocessing.get_context("spawn")
    port_queue = ctx.Queue()
    server = ctx.Process(target=serve, args=(port_queue, articles), daemon=True)
    server.start()
    figures = []
    try:
        port = port_queue.get(timeout=60)
        if not args.only_store:
            figures += asyncio.run(rounds(port, args.concurrency))
        if args.store:
            figures += store_figures(port, args.seeds, args.store, texts, args.quick)
    finally:
        server.terminate()
        server.join(5)
    if not args.only_store:
        figures += extraction_modes(articles[:40] if args.quick else articles)
        figures += near_duplicate_figures(texts, args.quick)
        figures += templated_figures(args.quick)
    for f in figures:
        print(f"{f.bench:22s} {f.name:38s} {f.value!s:>10} {f.unit:8s} {f.target:8s} {f.note}", file=sys.stderr)
    emit(figures)


if __name__ == "__main__":
    main()
