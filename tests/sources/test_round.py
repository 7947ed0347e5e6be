"""One fetch round end to end against the local server: new, changed, 304, failures, pages, retention."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.documents import read_document
from bot.sources.http import Fetcher
from bot.sources.registry import PAUSED, SourceRegistry
from bot.sources.round import fetch_round
from bot.sources.seed_files import read_article, read_front_matter
from tests.sources.conftest import RecordingConnector, Reply, StubResolver, fixture_bytes

NOW = datetime(2024, 4, 12, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def registry(tmp_path):
    reg = SourceRegistry(tmp_path / "state.db")
    yield reg
    reg.close()


@pytest.fixture
async def local_fetcher():
    f = Fetcher(allow_private=True, timeout=3.0, connector=RecordingConnector(), resolver=StubResolver({}))
    yield f
    await f.aclose()


def conditional(body: bytes, etag: str = '"v1"', content_type: str = "application/rss+xml"):
    def handler(request):
        if request.headers.get("If-None-Match") == etag:
            return Reply(status=304, headers={"ETag": etag})
        return Reply(body, headers={"ETag": etag}, content_type=content_type)
    return handler


async def test_first_round_saves_articles_second_round_is_304(server, registry, tmp_path, local_fetcher):
    server.route("/feed.xml", conditional(fixture_bytes("rss20.xml")))
    server.route("/news/storm-pier", Reply(fixture_bytes("article.html"), content_type="text/html"))
    server.route("/news/cooperative-chair", Reply(fixture_bytes("nav-only.html"), content_type="text/html"))
    source, _ = registry.add(server.url("/feed.xml"), name="Harbour Gazette", now=NOW)
    seeds = tmp_path / "seeds"
    lines = []
    report = await fetch_round(registry, seeds, now=NOW, fetcher=local_fetcher, progress=lambda o: lines.append(o.line()))
    outcome = report.outcomes[0]
    # 7 entries: the full-content one, the storm (page fetched), the undated (page with no main text: summary),
    # the untitled (no link: its description), three with refused links (their descriptions)
    assert outcome.status == "ok" and outcome.new == 7 and outcome.updated == 0
    assert lines == [outcome.line()] and outcome.line().startswith("Harbour Gazette: 7 new")
    assert sorted(report.written) == sorted(outcome.written) and len(report.written) == 7
    by_title = {read_front_matter(p)["title"]: p for p in report.written}
    ferry = by_title["Council approves new ferry timetable"]
    fields, paragraphs = read_article(ferry)
    assert fields["url"] == server.url("/news/ferry-timetable") and fields["author"] == "Marta Quell"
    assert fields["outlet"] == "Harbour Gazette" and fields["source"] == source.slug
    assert fields["date"] == "2024-04-12T07:30:00Z" and "summary_only" not in fields and len(paragraphs) == 4
    storm = by_title["Storm closes ‘Old Pier’ & coastal path"]
    storm_fields, storm_text = read_article(storm)
    assert "summary_only" not in storm_fields and storm_text[0].startswith("High winds tore planks")
    chair = by_title["Fishermen's cooperative elects a new chair"]
    assert read_front_matter(chair)["summary_only"] is True
    assert read_front_matter(chair)["date"] == "2024-04-12T12:00:00Z"  # undated: the time it was taken
    js = by_title["Click here"]
    assert "url" not in read_front_matter(js) and read_front_matter(js)["summary_only"] is True
    assert read_document(ferry).title == "Council approves new ferry timetable"
    assert server.hits("/news/ferry-timetable") == 0  # full content in the feed: no page fetched
    assert registry.get(source.id).entries_taken == 7 and registry.get(source.id).etag == '"v1"'
    # next round: 304, nothing parsed, nothing written
    later = NOW + timedelta(hours=2)
    second = await fetch_round(registry, seeds, now=later, fetcher=local_fetcher)
    assert second.outcomes[0].status == "not_modified" and second.written == [] and second.changed == []
    assert second.outcomes[0].line() == "Harbour Gazette: 304 not modified"
    # ttl 90 minutes lengthens the 30-minute interval
    assert registry.get(source.id).next_due == (later + timedelta(minutes=90)).isoformat()


async def test_changed_entry_updates_its_file_nothing_taken_twice(server, registry, tmp_path, local_fetcher):
    atom = fixture_bytes("atom.xml")
    state = {"body": atom}
    server.route("/atom.xml", lambda request: Reply(state["body"], content_type="application/atom+xml"))
    server.route("/guides/huts", Reply(fixture_bytes("article.html"), content_type="text/html"))
    source, _ = registry.add(server.url("/atom.xml"), now=NOW)
    seeds = tmp_path / "seeds"
    first = await fetch_round(registry, seeds, now=NOW, fetcher=local_fetcher)
    assert first.outcomes[0].new == 2
    wind = next(p for p in first.written if "wind-farm" in p.name)
    state["body"] = atom.replace(b"The consultation closes on 24 May.", b"The consultation now closes on 31 May.")
    second = await fetch_round(registry, seeds, now=NOW + timedelta(hours=1), fetcher=local_fetcher)
    outcome = second.outcomes[0]
    assert outcome.new == 0 and outcome.updated == 1 and outcome.unchanged == 1
    assert second.changed == [wind] and second.written == []
    assert "now closes on 31 May" in read_article(wind)[1][-1]
    assert len(list(seeds.rglob("*.md"))) == 2
    third = await fetch_round(registry, seeds, now=NOW + timedelta(hours=2), fetcher=local_fetcher)
    assert third.outcomes[0].unchanged == 2 and third.written == [] and third.changed == []
    assert registry.get(source.id).entries_taken == 2


async def test_the_same_article_from_two_sources_is_taken_once(server, registry, tmp_path, local_fetcher):
    server.route("/a.xml", Reply(fixture_bytes("feed.json"), content_type="application/feed+json"))
    server.route("/b.json", Reply(fixture_bytes("feed.json"), content_type="application/feed+json"))
    server.route("/2024/04/12/market-hall", Reply(fixture_bytes("article.html"), content_type="text/html"))
    registry.add(server.url("/a.xml"), now=NOW)
    registry.add(server.url("/b.json"), now=NOW)
    report = await fetch_round(registry, tmp_path / "seeds", now=NOW, fetcher=local_fetcher)
    a, b = report.outcomes
    market = [p for p in report.written if "market-hall" in p.name]
    assert len(market) == 1
    assert any("already taken from source" in why for _, why in a.skipped + b.skipped)


async def test_failures_reported_and_gone_pauses(server, registry, tmp_path):
    server.route("/gone.xml", Reply("gone", status=410))
    server.route("/html", Reply(fixture_bytes("nav-only.html"), content_type="text/html"))
    server.route("/broken.xml", Reply(fixture_bytes("garbage.txt"), content_type="application/xml"))
    gone, _ = registry.add(server.url("/gone.xml"), name="Gone", now=NOW)
    registry.add(server.url("/html"), name="Not a feed", now=NOW)
    registry.add(server.url("/broken.xml"), name="Broken", now=NOW)
    registry.add(server.url("/missing.xml"), name="Missing", now=NOW)
    report = await fetch_round(registry, tmp_path / "seeds", now=NOW, allow_private=True, timeout=3,
                               connector=RecordingConnector(), resolver=StubResolver({}))
    lines = report.lines()
    assert lines[0].startswith("Gone: paused: gone (410)")
    assert lines[1] == "Not a feed: failing: not a feed: the answer is a web page (HTML)"
    assert lines[2].startswith("Broken: failing: not a feed: malformed XML")
    assert lines[3] == "Missing: failing: not found (404)"
    assert [o.source_id for o in report.notify] == [gone.id]
    assert registry.get(gone.id).state == PAUSED
    again = await fetch_round(registry, tmp_path / "seeds", now=NOW + timedelta(minutes=10), allow_private=True,
                              connector=RecordingConnector(), resolver=StubResolver({}))
    assert again.outcomes == []  # paused and backed-off sources are not due


async def test_page_source_new_document_when_main_text_changes(server, registry, tmp_path, local_fetcher):
    article = fixture_bytes("article.html")
    versions = [article, article, article.replace(b"on Saturday if the wind dropped", b"on Sunday if the wind dropped")]
    served = {"n": 0}

    def page(request):
        body = versions[min(served["n"], len(versions) - 1)]
        served["n"] += 1
        return Reply(body, content_type="text/html; charset=utf-8")
    server.route("/story", page)
    source, _ = registry.add(server.url("/story"), kind="page", name="Gazette story", now=NOW)
    seeds = tmp_path / "seeds"
    one = await fetch_round(registry, seeds, now=NOW, fetcher=local_fetcher)
    two = await fetch_round(registry, seeds, now=NOW + timedelta(hours=1), fetcher=local_fetcher)
    three = await fetch_round(registry, seeds, now=NOW + timedelta(hours=2), fetcher=local_fetcher)
    assert one.outcomes[0].new == 1 and two.outcomes[0].unchanged == 1 and three.outcomes[0].new == 1
    assert len(list(seeds.rglob("*.md"))) == 2
    fields, paragraphs = read_article(three.written[0])
    assert fields["title"] == "Storm closes Old Pier and coastal path" and "on Sunday" in paragraphs[-1]


async def test_page_without_main_text_is_skipped_with_its_reason(server, registry, tmp_path, local_fetcher):
    server.route("/nav", Reply(fixture_bytes("nav-only.html"), content_type="text/html"))
    registry.add(server.url("/nav"), kind="page", name="Front page", now=NOW)
    report = await fetch_round(registry, tmp_path / "seeds", now=NOW, fetcher=local_fetcher)
    outcome = report.outcomes[0]
    assert outcome.status == "ok" and outcome.new == 0 and report.written == []
    assert "no main text" in outcome.skipped[0][1] and "skipped (no main text" in outcome.line()


async def test_big_feed_newest_hundred_and_keep_days(server, registry, tmp_path, local_fetcher):
    from tests.sources.test_feeds import big_feed
    server.route("/big.xml", Reply(big_feed(10_000), content_type="application/rss+xml"))
    # the items are dated 2023-11-14 22:13 + i minutes, newest last in the file
    moment = datetime.fromtimestamp(1_700_000_000 + 9_999 * 60, tz=timezone.utc) + timedelta(hours=1)
    registry.add(server.url("/big.xml"), now=moment)
    report = await fetch_round(registry, tmp_path / "seeds", now=moment, fetcher=local_fetcher, keep_days=30)
    outcome = report.outcomes[0]
    assert outcome.new == 100 and len(report.written) == 100
    # their pages (big.example) cannot be resolved in the tests: each is saved with its summary
    assert outcome.summary_only == 100
    titles = {read_front_matter(p)["title"] for p in report.written}
    assert titles == {f"Story {i}" for i in range(9900, 10_000)}
    # with KEEP_DAYS=1 only the last day's entries are taken (1,440 a day, of which the newest 100)
    other = tmp_path / "other.db"
    fresh = SourceRegistry(other)
    fresh.add(server.url("/big.xml"), now=moment + timedelta(days=7, hours=-1))
    late = await fetch_round(fresh, tmp_path / "seeds2", now=moment + timedelta(days=7, hours=-1),
                             fetcher=local_fetcher, keep_days=7)
    assert 0 < late.outcomes[0].new < 100
    fresh.close()


async def test_retention_drops_old_seed_files(server, registry, tmp_path, local_fetcher):
    server.route("/atom.xml", Reply(fixture_bytes("atom.xml"), content_type="application/atom+xml"))
    source, _ = registry.add(server.url("/atom.xml"), now=NOW)
    seeds = tmp_path / "seeds"
    first = await fetch_round(registry, seeds, now=NOW, fetcher=local_fetcher)
    assert len(first.written) == 2
    later = NOW + timedelta(days=40)
    report = await fetch_round(registry, seeds, now=later, fetcher=local_fetcher, keep_days=30)
    assert sorted(report.removed) == sorted(first.written)
    assert list(seeds.rglob("*.md")) == []
    assert report.written == []  # the entries are still known (and too old to take again)
    assert all(e.seed_path is None for e in registry.entries(source.id))


async def test_every_format_and_encoding_over_http(server, registry, tmp_path):
    import asyncio
    import gzip

    async def stall(request):
        await asyncio.sleep(30)
        return Reply("late")
    server.route("/rss10.rdf", Reply(fixture_bytes("rss10.rdf"), content_type="application/rdf+xml"))
    server.route("/cyr.xml", Reply(fixture_bytes("rss-windows1251.xml"), content_type="application/rss+xml"))
    server.route("/latin.xml", Reply(fixture_bytes("rss-latin1.xml"),
                                     content_type="application/rss+xml; charset=ISO-8859-1"))
    server.route("/broken.xml", Reply(fixture_bytes("malformed.xml"), content_type="text/xml"))
    server.route("/feed.json", Reply(gzip.compress(fixture_bytes("feed-1.0.json")), content_type="application/json",
                                     headers={"Content-Encoding": "gzip"}))
    server.route("/stall.xml", stall)
    for path in ["/rss10.rdf", "/cyr.xml", "/latin.xml", "/broken.xml", "/feed.json", "/stall.xml"]:
        registry.add(server.url(path), name=path.strip("/"), now=NOW)
    report = await fetch_round(registry, tmp_path / "seeds", now=NOW, allow_private=True, timeout=1.0,
                               connector=RecordingConnector(), resolver=StubResolver({}))
    outcomes = {o.name: o for o in report.outcomes}
    assert outcomes["rss10.rdf"].new == 2 and outcomes["cyr.xml"].new == 1 and outcomes["latin.xml"].new == 1
    # of the malformed feed, the second item has no text and its page cannot be read: skipped, with why
    assert outcomes["broken.xml"].new == 1 and outcomes["feed.json"].new == 1
    assert outcomes["broken.xml"].skipped == [("Second story", "page not read: cannot resolve broken.example: "
                                                                "not in the test table")]
    assert outcomes["stall.xml"].status == "failing" and "timed out" in outcomes["stall.xml"].error
    titles = {read_front_matter(p)["title"] for p in report.written}
    assert {"Мэр открыл новый мост через реку", "Câmara aprova orçamento para a praça São João",
            "Tides & currents report", "First", "Bridge repairs to finish in June"} <= titles
    cyrillic = next(p for p in report.written if read_front_matter(p)["title"].startswith("Мэр"))
    assert cyrillic.name.startswith("mer-otkryl-novyy-most-")
    assert read_document(cyrillic).paragraphs[0].text == "Движение по мосту откроется в понедельник, сообщили в мэрии."
