"""The answers about followed sources: /addsource, /removesource, /feeds, a paused source's notice, and the
lines of `briefbot sources` and `briefbot fetch` (the same HTML, made plain by `render.to_plain`)."""
from __future__ import annotations

from datetime import datetime, timezone

from bot.answers import render
from bot.answers.commands import Answer, Button, number
from bot.sources.following import AddOutcome
from bot.sources.registry import FAILING, PAUSED, Source
from bot.sources.round import SourceOutcome

FEEDS_PAGE = 10
FEEDS_CALLBACK = "fd"
FORMATS = {"rss090": "RSS 0.90", "rss091n": "RSS 0.91", "rss091u": "RSS 0.91", "rss092": "RSS 0.92",
           "rss093": "RSS 0.93", "rss094": "RSS 0.94", "rss20": "RSS 2.0", "rss10": "RSS 1.0", "rss": "RSS",
           "atom01": "Atom 0.1", "atom02": "Atom 0.2", "atom03": "Atom 0.3", "atom10": "Atom 1.0", "atom": "Atom",
           "json1": "JSON Feed 1.0", "json1.1": "JSON Feed 1.1", "cdf": "CDF"}

ADD_USAGE = ("Usage: /addsource URL [NAME]: a feed (RSS, Atom or JSON Feed), or a site's page whose feed is "
             "found for you; a page without a feed is followed as a page.\n"
             "For example: <code>/addsource https://www.example.com/news Example News</code>")
REMOVE_USAGE = "Usage: /removesource N or /removesource URL (N as /feeds numbers the sources)."
ADMINS_ONLY = "Only the bot's administrators can add or remove sources, in a private chat with the bot. /feeds lists them."
IN_TELEGRAM = ("Sources are added by the bot's administrators in a private chat with the bot on Telegram, or here on "
               "this machine with <code>briefbot sources add URL [--name NAME]</code> "
               "(and <code>briefbot sources remove N</code>).")


def moment(value: str | None) -> str:
    """An ISO instant as shown: `2024-04-12 07:30 UTC`."""
    if not value:
        return "never"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return render.escape(value[:25])
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def every(seconds: float) -> str:
    minutes = seconds / 60
    if minutes < 120:
        return f"every {minutes:g} minute{'s' if minutes != 1 else ''}"
    return f"every {minutes / 60:g} hours"


def name_of(source: Source) -> str:
    return render.escape(render.shorten(source.display_name, 80))


def added(outcome: AddOutcome, interval: float) -> str:
    """The reply to /addsource (and `briefbot sources add`): what was found, and when it is read."""
    if outcome.error is not None:
        return (f"Could not follow {render.escape(render.shorten(outcome.url, 200))}: "
                f"{render.escape(render.shorten(outcome.error, 400))}. Nothing was added.")
    source = outcome.source
    if not outcome.created:
        if outcome.resumed:
            return (f"{source.id}. <b>{name_of(source)}</b> was paused; it is followed again and will be read "
                    f"within a minute.")
        return (f"Already following it: {source.id}. <b>{name_of(source)}</b> "
                f"({render.escape(render.shorten(source.url, 200))}). /feeds lists every source.")
    probe = outcome.probe
    lines = []
    if source.kind == "feed" and probe is not None and probe.feed is not None:
        feed = probe.feed
        kind = FORMATS.get(feed.format, feed.format or "feed")
        found = " (the feed found on the page you gave)" if probe.discovered else ""
        lines.append(f"Following {source.id}. <b>{name_of(source)}</b>{found}: {render.escape(kind)} feed, "
                     f"{feed.total_entries} entr{'y' if feed.total_entries == 1 else 'ies'}.")
        dated = [e for e in feed.entries if e.published is not None]
        newest = max(dated, key=lambda e: e.published) if dated else (feed.entries[0] if feed.entries else None)
        if newest is not None:
            when = f" ({newest.published:%Y-%m-%d %H:%M} UTC)" if newest.published else ""
            lines.append(f"Newest: “{render.escape(render.shorten(newest.title or newest.link or 'untitled', 200))}”"
                         f"{when}")
        if feed.ttl:
            lines.append(f"The feed asks to be read at most every {feed.ttl} minutes; it will be.")
    else:
        title = f": “{render.escape(render.shorten(probe.title, 150))}”" if probe is not None and probe.title else ""
        lines.append(f"Following {source.id}. <b>{name_of(source)}</b> as a page{title}; no feed was found on it, so "
                     "the page is read again on the schedule, and each change of its main text is a new document.")
    lines.append(f"It is read within a minute, then {every(max(interval, 60))}. /feeds shows how it goes.")
    return "\n".join(lines)


def removed(found: tuple[Source, list[str]] | None, asked: str) -> str:
    if found is None:
        return (f"No source is numbered or addressed “{render.escape(render.shorten(asked, 100))}”. "
                "/feeds lists them with their numbers.")
    source, paths = found
    kept = (f" Its {len(paths)} article{'s stay' if len(paths) != 1 else ' stays'} in the store."
            if paths else "")
    return f"No longer following {source.id}. <b>{name_of(source)}</b>.{kept}"


def state_of(source: Source) -> str:
    if source.state == PAUSED:
        reason = render.escape(render.shorten(source.pause_reason or source.last_error or "", 200))
        return f"⏸ paused after repeated errors: {reason}" if reason else "⏸ paused"
    if source.state == FAILING:
        return (f"⚠ failing since {moment(source.failing_since)} "
                f"({render.escape(render.shorten(source.last_error or '', 160))}); next try {moment(source.next_due)}")
    return "ok"


def feed_line(source: Source) -> str:
    kind = "feed" if source.kind == "feed" else "page"
    address = render.escape(source.url if len(source.url) <= 200 else render.shorten(source.url, 200))
    return (f"{source.id}. <b>{name_of(source)}</b> ({kind}) — {state_of(source)}\n"
            f"   last read {moment(source.last_ok)}; {source.entries_taken} "
            f"entr{'y' if source.entries_taken == 1 else 'ies'} taken; {address}")


def feeds_page(sources: list[Source], offset: int = 0) -> Answer:
    """/feeds: each source with its name, last successful read, entries taken and state, ten a page."""
    total = len(sources)
    if not total:
        return Answer("No sources are followed yet. An administrator adds one with /addsource URL.")
    offset = max(0, min(offset, (total - 1) // FEEDS_PAGE * FEEDS_PAGE))
    page = sources[offset:offset + FEEDS_PAGE]
    head = f"<b>Sources followed</b> ({render.page_range(offset, len(page), total)})"
    buttons = []
    if offset > 0:
        buttons.append(Button("◀ Previous", f"{FEEDS_CALLBACK}:{max(0, offset - FEEDS_PAGE)}:"))
    if offset + FEEDS_PAGE < total:
        buttons.append(Button("Next ▶", f"{FEEDS_CALLBACK}:{offset + FEEDS_PAGE}:"))
    return Answer("\n\n".join([head, *(feed_line(s) for s in page)]), [buttons] if buttons else [])


def feeds_callback(sources: list[Source], data: str) -> Answer:
    _, _, rest = data.partition(":")
    offset = number(rest.partition(":")[0])
    if offset is None:
        return Answer("That button has expired. Send /feeds again.")
    return feeds_page(sources, offset)


def paused_notice(outcome: SourceOutcome) -> str:
    """What administrators are told, once, when a source is paused."""
    return (f"⏸ Source {outcome.source_id}. <b>{render.escape(render.shorten(outcome.name, 80))}</b> is paused: "
            f"{render.escape(render.shorten(outcome.error or 'repeated errors', 300))}.\n"
            "It is no longer read. /feeds shows it; /addsource with its address again resumes it, "
            f"/removesource {outcome.source_id} stops following it.")
