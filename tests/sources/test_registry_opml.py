"""The source registry (SQLite) and OPML import/export."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.sources.http import GONE, SERVER_ERROR, FetchError
from bot.sources.opml import BadOpml, OpmlItem, export_opml, parse_opml
from bot.sources.registry import BACKOFF_CAP, FAILING, PAUSED, SourceRegistry, TakenEntry

T0 = datetime(2024, 4, 12, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def registry(tmp_path):
    reg = SourceRegistry(tmp_path / "state.db")
    yield reg
    reg.close()


def test_added_twice_is_one_source(registry):
    first, created = registry.add("https://News.Example.com/feed.xml?utm_source=a", added_by=7, now=T0)
    again, created_again = registry.add("https://news.example.com:443/feed.xml#top", now=T0)
    assert created and not created_again and again.id == first.id
    assert first.canonical_url == "https://news.example.com/feed.xml" and first.added_by == 7
    assert first.kind == "feed" and first.state == "ok" and first.next_due == T0.isoformat()
    assert len(registry.sources()) == 1


def test_bad_urls_refused(registry):
    for url in ["javascript:alert(1)", "file:///etc/passwd", "not a url"]:
        with pytest.raises(ValueError):
            registry.add(url)


def test_slugs_unique(registry):
    a, _ = registry.add("https://one.example/feed", name="Daily News", now=T0)
    b, _ = registry.add("https://two.example/feed", name="Daily News", now=T0)
    assert a.slug == "daily-news" and b.slug == "daily-news-2"


def test_remove_by_number_or_url(registry, tmp_path):
    a, _ = registry.add("https://one.example/feed", now=T0)
    b, _ = registry.add("https://two.example/feed", now=T0)
    registry.record_success(a.id, now=T0, taken=[TakenEntry(a.id, "guid:1", None, "h", "feeds/one/x.md", None)])
    removed, paths = registry.remove(str(a.id))
    assert removed.id == a.id and paths == ["feeds/one/x.md"]
    assert registry.taken(a.id, ["guid:1"]) == {}
    assert registry.remove("https://TWO.example/feed")[0].id == b.id
    assert registry.remove(99) is None and registry.sources() == []
    c, _ = registry.add("https://three.example/feed", now=T0)
    assert c.id == b.id + 1  # numbers are not reused


def test_due_and_success(registry):
    a, _ = registry.add("https://one.example/feed", interval=600, now=T0)
    assert [s.id for s in registry.due(T0)] == [a.id]
    registry.record_success(a.id, now=T0, interval=900, etag='"x"', last_modified="lm", feed_title="One")
    source = registry.get(a.id)
    assert source.etag == '"x"' and source.feed_title == "One" and source.last_ok == T0.isoformat()
    assert registry.due(T0 + timedelta(seconds=899)) == []
    assert registry.due(T0 + timedelta(seconds=900))[0].id == a.id
    registry.record_not_modified(a.id, now=T0 + timedelta(seconds=900))
    assert registry.get(a.id).next_due == (T0 + timedelta(seconds=1500)).isoformat()


def test_failures_back_off_then_pause_once_after_a_day(registry):
    a, _ = registry.add("https://one.example/feed", interval=600, now=T0)
    error = FetchError(SERVER_ERROR, "server error (503)", 503)
    now, delays = T0, []
    outcome = None
    while True:
        outcome = registry.record_failure(a.id, error, now=now)
        if outcome.state == PAUSED:
            break
        assert outcome.state == FAILING and not outcome.notify_admins
        delays.append((outcome.next_due - now).total_seconds())
        now = outcome.next_due
    assert delays[:4] == [600, 1200, 2400, 4800]
    assert max(delays) == BACKOFF_CAP
    assert outcome.notify_admins and now - T0 >= timedelta(days=1)
    source = registry.get(a.id)
    assert source.state == PAUSED and "failing since" in source.pause_reason and "503" in source.pause_reason
    assert registry.due(now + timedelta(days=30)) == []
    again = registry.record_failure(a.id, error, now=now + timedelta(hours=1))
    assert not again.notify_admins  # told once
    registry.resume(a.id, now=now)
    assert registry.get(a.id).state == "ok" and registry.due(now)[0].id == a.id


def test_gone_pauses_at_once_and_success_clears_failures(registry):
    a, _ = registry.add("https://one.example/feed", now=T0)
    b, _ = registry.add("https://two.example/feed", now=T0)
    gone = registry.record_failure(a.id, FetchError(GONE, "gone (410)", 410, pause=True), now=T0)
    assert gone.state == PAUSED and gone.notify_admins
    registry.record_failure(b.id, "timed out after 30 s", now=T0)
    assert registry.get(b.id).state == FAILING and registry.get(b.id).failures == 1
    registry.record_success(b.id, now=T0 + timedelta(hours=1))
    source = registry.get(b.id)
    assert source.state == "ok" and source.failures == 0 and source.failing_since is None


def test_retry_after_respected_in_backoff(registry):
    a, _ = registry.add("https://one.example/feed", interval=600, now=T0)
    outcome = registry.record_failure(a.id, "too many requests (429)", now=T0, retry_after=5000)
    assert (outcome.next_due - T0).total_seconds() == 5000


def test_taken_entries(registry):
    a, _ = registry.add("https://one.example/feed", now=T0)
    b, _ = registry.add("https://two.example/feed", now=T0)
    entry = TakenEntry(a.id, "guid:1", "https://one.example/x", "h1", "feeds/one/2024-04/x.md", T0.isoformat())
    registry.record_success(a.id, now=T0, taken=[entry])
    assert registry.taken(a.id, ["guid:1", "guid:2"]) == {"guid:1": entry}
    assert registry.link_taken_elsewhere("https://one.example/x", b.id) == a.id
    assert registry.link_taken_elsewhere("https://one.example/x", a.id) is None
    registry.record_success(a.id, now=T0, taken=[TakenEntry(a.id, "guid:1", "https://one.example/x", "h2",
                                                            "feeds/one/2024-04/x.md", T0.isoformat())])
    assert registry.taken(a.id, ["guid:1"])["guid:1"].content_hash == "h2"
    assert registry.get(a.id).entries_taken == 1
    assert registry.forget_paths(["feeds/one/2024-04/x.md"]) == 1
    assert registry.taken(a.id, ["guid:1"])["guid:1"].seed_path is None


def test_state_survives_reopening(tmp_path):
    path = tmp_path / "state.db"
    reg = SourceRegistry(path)
    reg.add("https://one.example/feed", now=T0)
    reg.close()
    reopened = SourceRegistry(path)
    assert reopened.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [s.url for s in reopened.sources()] == ["https://one.example/feed"]
    reopened.close()


OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My feeds</title></head><body>
  <outline text="News">
    <outline text="Gazette" type="rss" xmlUrl="https://gazette.example/feed.xml" htmlUrl="https://gazette.example/"/>
    <outline text="World"><outline text="Deep" type="rss" xmlUrl="https://deep.example/rss"/></outline>
  </outline>
  <outline text="Gazette again" type="rss" xmlUrl="https://GAZETTE.example:443/feed.xml?utm_source=opml"/>
  <outline text="Evil" type="rss" xmlUrl="javascript:alert(1)"/>
  <outline text="Local file" type="rss" xmlUrl="file:///etc/passwd"/>
  <outline text="A page" type="link" url="https://page.example/about"/>
</body></opml>"""


def test_opml_parse_nested_duplicates_and_refusals():
    contents = parse_opml(OPML)
    assert contents.title == "My feeds"
    assert [(i.url, i.kind, i.category) for i in contents.items] == [
        ("https://gazette.example/feed.xml", "feed", "News"), ("https://deep.example/rss", "feed", "News/World"),
        ("https://page.example/about", "page", "")]
    assert contents.duplicates == ["https://GAZETTE.example:443/feed.xml?utm_source=opml"]
    assert [why.split(" is")[0] for _, why in contents.skipped] == ["scheme javascript:", "scheme file:"]


@pytest.mark.parametrize("data", [
    # billion laughs: entities are not expanded
    b'<?xml version="1.0"?><!DOCTYPE o [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>'
    b'<opml version="2.0"><head><title>&f;</title></head><body>'
    b'<outline text="&f;" xmlUrl="https://a.example/&f;"/></body></opml>',
    # XXE: an external entity is not read
    b'<?xml version="1.0"?><!DOCTYPE o [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<opml version="2.0"><head><title>&x;</title></head><body><outline text="&x;" xmlUrl="https://a.example/f"/>'
    b'</body></opml>',
])
def test_opml_hostile_entities(data):
    try:
        contents = parse_opml(data)
    except BadOpml as refused:  # libxml2 refuses entities it would have to expand in an attribute
        assert "amplification" in str(refused) or "external entity" in str(refused)
        return
    assert len(repr(contents)) < 5000
    assert "root:" not in repr(contents)


def test_opml_deep_nesting_and_bad_files():
    deep = b'<opml version="2.0"><body>' + b'<outline text="x">' * 200 + b'<outline xmlUrl="https://d.example/f"/>' + \
        b"</outline>" * 200 + b"</body></opml>"
    assert [i.url for i in parse_opml(deep).items] == ["https://d.example/f"]
    for bad, words in [(b"<html></html>", "root element"), (b"not xml", "not valid XML"),
                       (b"<opml version='2.0'><head/></opml>", "no <body>")]:
        with pytest.raises(BadOpml) as caught:
            parse_opml(bad)
        assert words in str(caught.value)


def test_opml_import_export_round_trip(registry, tmp_path):
    report = registry.import_opml(OPML, added_by=5, now=T0)
    assert [s.url for s in report.added] == ["https://gazette.example/feed.xml", "https://deep.example/rss",
                                             "https://page.example/about"]
    assert [s.kind for s in report.added] == ["feed", "feed", "page"] and len(report.skipped) == 2
    assert registry.import_opml(OPML, now=T0).added == []  # importing again adds nothing
    exported = registry.export_opml(now=T0)
    other = SourceRegistry(tmp_path / "other.db")
    again = other.import_opml(exported, now=T0)
    assert [(s.url, s.kind, s.name) for s in again.added] == [(s.url, s.kind, s.name) for s in registry.sources()]
    other.close()
    text = export_opml([OpmlItem("https://a.example/f?x=1&y=2", "feed", 'Quotes " & <tags>')]).decode()
    assert 'xmlUrl="https://a.example/f?x=1&amp;y=2"' in text and "&lt;tags&gt;" in text


def test_expire_deletes_what_was_taken_before_the_cutoff_and_nothing_outside(tmp_path):
    from datetime import datetime, timezone

    from bot.sources.registry import SourceRegistry, TakenEntry

    seeds = tmp_path / "seeds"
    (seeds / "feeds" / "a" / "2024-01").mkdir(parents=True)
    (seeds / "feeds" / "a" / "2024-04").mkdir(parents=True)
    old, new = seeds / "feeds/a/2024-01/old.md", seeds / "feeds/a/2024-04/new.md"
    old.write_text("old")
    new.write_text("new")
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    registry = SourceRegistry(tmp_path / "state.db")
    now = datetime(2024, 4, 12, tzinfo=timezone.utc)
    source, _ = registry.add("https://a.example/feed", now=now)
    registry.record_success(source.id, now=now, taken=[
        TakenEntry(source.id, "guid:1", None, "h1", "feeds/a/2024-01/old.md", "2024-01-02T00:00:00+00:00"),
        TakenEntry(source.id, "guid:2", None, "h2", "feeds/a/2024-04/new.md", "2024-04-11T00:00:00+00:00"),
        TakenEntry(source.id, "guid:3", None, "h3", "../precious.txt", "2023-01-01T00:00:00+00:00")])
    removed = registry.expire(seeds, datetime(2024, 3, 1, tzinfo=timezone.utc))
    assert removed == [old] and not old.exists() and new.exists() and outside.read_text() == "keep me"
    assert not (seeds / "feeds/a/2024-01").exists()  # the emptied month folder goes
    assert {e.identity: e.seed_path for e in registry.entries(source.id)} == {
        "guid:1": None, "guid:2": "feeds/a/2024-04/new.md", "guid:3": None}
    registry.close()
