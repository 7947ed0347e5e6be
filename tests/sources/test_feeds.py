"""Feed parsing from fetched bytes: RSS 0.9x/1.0/2.0, Atom, JSON Feed and their oddities."""
from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime

import pytest

from bot.sources.feeds import MAX_ENTRIES, NotAFeed, parse_feed
from tests.sources.conftest import fixture_bytes

FEED_URL = "https://gazette.example/feeds/main.xml"


def by_id(feed):
    return {e.id: e for e in feed.entries}


def test_rss20_entries_fields_and_ttl():
    feed = parse_feed(fixture_bytes("rss20.xml"), FEED_URL, {"Content-Type": "application/rss+xml"})
    assert feed.format == "rss20" and feed.title == "The Harbour Gazette & Review" and feed.ttl == 90
    assert feed.problems == [] and feed.total_entries == 7
    first = feed.entries[0]
    assert first.id == "gazette-2024-0412"
    assert first.title == "Council approves new ferry timetable"  # escaped HTML stripped
    assert first.link == "https://gazette.example/news/ferry-timetable"  # resolved against the feed URL
    assert first.author == "Marta Quell"
    assert first.published == datetime(2024, 4, 12, 7, 30, tzinfo=timezone.utc)
    assert first.summary_only is False and len(first.content) == 4
    assert not any("tracking" in p or "document.write" in p for p in first.content)  # script dropped
    assert first.content[1].startswith("“We listened")


def test_rss20_oddities():
    entries = parse_feed(fixture_bytes("rss20.xml"), FEED_URL).entries
    storm = next(e for e in entries if e.title.startswith("Storm"))
    assert storm.title == "Storm closes ‘Old Pier’ & coastal path"  # entities decoded, <script> gone
    assert "alert" not in storm.title
    assert storm.link == "https://gazette.example/feeds/news/storm-pier?utm_source=rss&utm_medium=feed"
    assert storm.summary_only and storm.summary == ["High winds damaged the Old Pier. Read more"]
    undated = next(e for e in entries if e.title.startswith("Fishermen"))
    assert undated.published is None and undated.id is None
    assert entries[-1] is undated  # undated entries come after dated ones
    untitled = next(e for e in entries if e.id == "gazette-untitled-1")
    assert untitled.title == "" and untitled.link is None and untitled.link_refused is None
    for guid, scheme in [("gazette-js", "javascript"), ("gazette-data", "data"), ("gazette-file", "file")]:
        entry = next(e for e in entries if e.id == guid)
        assert entry.link is None and scheme in entry.link_refused


def test_rss10_rdf():
    feed = parse_feed(fixture_bytes("rss10.rdf"), "https://valley.example/rss")
    assert feed.format == "rss10" and feed.title == "Valley Courier"
    assert [e.title for e in feed.entries] == ["Library extends opening hours", "Bridge repairs to finish in June"]
    assert feed.entries[1].published == datetime(2024, 4, 10, 7, 15, tzinfo=timezone.utc)
    assert feed.entries[1].author == "Piet Amsel"


def test_atom_with_xml_base_and_html_title():
    feed = parse_feed(fixture_bytes("atom.xml"), "https://ridge.example/atom.xml")
    assert feed.format == "atom10" and feed.title == "Ridge Weekly"
    wind, huts = feed.entries
    assert wind.link == "https://ridge.example/blog/posts/wind-farm"
    assert wind.published == datetime(2024, 4, 12, 7, 30, tzinfo=timezone.utc)
    assert wind.author == "Oskar Lind" and not wind.summary_only and len(wind.content) == 4
    assert huts.link == "https://ridge.example/guides/huts" and huts.title == "Trail & hut guide updated"
    assert huts.published == datetime(2024, 4, 11, 9, tzinfo=timezone.utc)  # <updated> when no <published>
    assert huts.summary == ["Our hut guide now lists winter rooms."] and huts.summary_only


def test_json_feed_1_1_and_1_0():
    feed = parse_feed(fixture_bytes("feed.json"), "https://ledger.example/feed.json",
                      {"Content-Type": "application/feed+json"})
    assert feed.format == "json1.1" and feed.title == "Lakeside Ledger"
    market, school, note = feed.entries
    assert market.title == "Market hall reopens after fire" and market.author == "Rita Calder"
    assert market.link == "https://ledger.example/2024/04/12/market-hall" and not market.summary_only
    assert market.published == datetime(2024, 4, 12, 6, tzinfo=timezone.utc)
    assert school.id == "102" and school.link == "https://ledger.example/2024/04/11/school-roof"
    assert school.author == "Ledger Staff" and school.summary_only
    assert note.link is None and "javascript" in note.link_refused and note.paragraphs
    old = parse_feed(fixture_bytes("feed-1.0.json"), "https://old.example/feed.json")
    assert old.format == "json1" and old.entries[0].author == "Solo Writer"


def test_malformed_xml_recovered_with_the_problem_noted():
    feed = parse_feed(fixture_bytes("malformed.xml"), "https://broken.example/rss")
    assert feed.problems and "not well-formed" in feed.problems[0]
    assert [e.title for e in feed.entries][:1] == ["Tides & currents report"]


@pytest.mark.parametrize("data, headers, words", [
    (b"", {}, "empty"),
    (fixture_bytes("garbage.txt"), {}, "malformed XML"),
    (fixture_bytes("article.html"), {"Content-Type": "text/html"}, "web page"),
    (b'{"hello": "world"}', {"Content-Type": "application/json"}, "not a JSON Feed"),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": 3}', {}, "items"),
    (b'{"version": ', {}, "malformed JSON"),
    (b"<?xml version='1.0'?><note><to>x</to></note>", {}, "no RSS, Atom"),
])
def test_not_a_feed_says_why(data, headers, words):
    with pytest.raises(NotAFeed) as caught:
        parse_feed(data, FEED_URL, headers)
    assert words in str(caught.value)


def test_legacy_encodings():
    cyrillic = parse_feed(fixture_bytes("rss-windows1251.xml"), "https://vesti.example/rss")
    assert cyrillic.title == "Вечерние новости"
    assert cyrillic.entries[0].title == "Мэр открыл новый мост через реку"
    assert cyrillic.entries[0].link == "https://vesti.example/2024/04/most"
    latin = parse_feed(fixture_bytes("rss-latin1.xml"), "https://porto.example/rss",
                       {"Content-Type": "application/rss+xml; charset=ISO-8859-1"})
    assert latin.entries[0].title == "Câmara aprova orçamento para a praça São João"


def big_feed(count: int, dated: bool = True) -> bytes:
    items = []
    for i in range(count):
        moment = datetime.fromtimestamp(1_700_000_000 + i * 60, tz=timezone.utc)  # later items are newer
        date = f"<pubDate>{format_datetime(moment)}</pubDate>" if dated else ""
        items.append(f"<item><title>Story {i}</title><link>https://big.example/{i}</link>"
                     f"<guid>big-{i}</guid>{date}<description>Text of story {i}.</description></item>")
    return ("<?xml version='1.0'?><rss version='2.0'><channel><title>Big</title>"
            + "".join(items) + "</channel></rss>").encode()


def test_ten_thousand_entries_newest_hundred_kept():
    feed = parse_feed(big_feed(10_000), "https://big.example/rss")
    assert feed.total_entries == 10_000 and len(feed.entries) == MAX_ENTRIES
    assert [e.title for e in feed.entries[:3]] == ["Story 9999", "Story 9998", "Story 9997"]
    assert feed.entries[-1].title == "Story 9900"


def test_undated_feed_keeps_feed_order():
    feed = parse_feed(big_feed(150, dated=False), "https://big.example/rss", limit=100)
    assert [e.title for e in feed.entries[:2]] == ["Story 0", "Story 1"] and len(feed.entries) == 100


def test_feedparser_never_opens_a_path_given_as_bytes(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_bytes(fixture_bytes("rss10.rdf"))
    with pytest.raises(NotAFeed):  # the bytes are a path name: they must be read as a document, not opened
        parse_feed(str(secret).encode(), FEED_URL)


def test_entity_expansion_and_external_entities_are_not_followed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    laughs = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 9))
    data = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "ha">{laughs}'
            f'<!ENTITY xxe SYSTEM "file://{secret}">]>'
            '<rss version="2.0"><channel><title>&l8;</title><item><title>&xxe;</title>'
            '<link>https://a.example/1</link></item></channel></rss>').encode()
    try:
        feed = parse_feed(data, FEED_URL)
    except NotAFeed:
        return
    assert "TOP-SECRET" not in repr(feed)
    assert len(feed.title) < 10_000
