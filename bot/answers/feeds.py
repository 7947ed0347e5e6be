"""The answers about followed sources: /addsource, /removesource, /feeds, a paused source's notice, and the
lines of `briefbot sources` and `briefbot fetch` (the same HTML, made plain by `render.to_plain`)."""
from __future__ import annotations

from datetime import datetime, timezone

from bot.answers import render
from bot.answers.commands import Answer, Button, number
from bot.i18n import ENGLISH, N_, Translator
from bot.sources.following import AddOutcome
from bot.sources.registry import FAILING, PAUSED, Source
from bot.sources.round import SourceOutcome

FEEDS_PAGE = 10
FEEDS_CALLBACK = "fd"
FORMATS = {"rss090": "RSS 0.90", "rss091n": "RSS 0.91", "rss091u": "RSS 0.91", "rss092": "RSS 0.92",
           "rss093": "RSS 0.93", "rss094": "RSS 0.94", "rss20": "RSS 2.0", "rss10": "RSS 1.0", "rss": "RSS",
           "atom01": "Atom 0.1", "atom02": "Atom 0.2", "atom03": "Atom 0.3", "atom10": "Atom 1.0", "atom": "Atom",
           "json1": "JSON Feed 1.0", "json1.1": "JSON Feed 1.1", "cdf": "CDF"}

ADD_USAGE = N_("Usage: /addsource URL [NAME]: a feed (RSS, Atom or JSON Feed), or a site's page whose feed is "
               "found for you; a page without a feed is followed as a page.\n"
               "For example: <code>/addsource https://www.example.com/news Example News</code>")
REMOVE_USAGE = N_("Usage: /removesource N or /removesource URL (N as /feeds numbers the sources).")
ADMINS_ONLY = N_("Only the bot's administrators can add or remove sources, in a private chat with the bot. "
                 "/feeds lists them.")
IN_TELEGRAM = N_("Sources are added by the bot's administrators in a private chat with the bot on Telegram, or here "
                 "on this machine with <code>briefbot sources add URL [--name NAME]</code> "
                 "(and <code>briefbot sources remove N</code>).")


def moment(value: str | None, t: Translator = ENGLISH) -> str:
    """An ISO instant as shown: `2024-04-12 07:30 UTC`."""
    if not value:
        return t.p_("never read", "never")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return render.escape(value[:25])
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return t.moment(parsed) + " UTC"


def every(seconds: float, t: Translator = ENGLISH) -> str:
    minutes = seconds / 60
    if minutes < 120:
        return t.n_("every {n} minute", "every {n} minutes", int(minutes) if minutes == int(minutes) else 2,
                    n=t.number(round(minutes, 4)))
    return t._("every {n} hours", n=t.number(round(minutes / 60, 4)))


def name_of(source: Source) -> str:
    return render.escape(render.shorten(source.display_name, 80))


def _entries(count: int, t: Translator) -> str:
    return t.n_("{n} entry", "{n} entries", count)


def added(outcome: AddOutcome, interval: float, t: Translator = ENGLISH) -> str:
    """The reply to /addsource (and `briefbot sources add`): what was found, and when it is read."""
    if outcome.error is not None:
        return t._("Could not follow {url}: {error}. Nothing was added.",
                   url=render.escape(render.shorten(outcome.url, 200)),
                   error=render.escape(render.shorten(outcome.error, 400)))
    source = outcome.source
    name = f"{source.id}. <b>{name_of(source)}</b>"
    if not outcome.created:
        if outcome.resumed:
            return t._("{source} was paused; it is followed again and will be read within a minute.", source=name)
        return t._("Already following it: {source} ({url}). /feeds lists every source.", source=name,
                   url=render.escape(render.shorten(source.url, 200)))
    probe = outcome.probe
    lines = []
    if source.kind == "feed" and probe is not None and probe.feed is not None:
        feed = probe.feed
        kind = render.escape(FORMATS.get(feed.format, feed.format or "feed"))
        if probe.discovered:
            lines.append(t._("Following {source} (the feed found on the page you gave): {kind} feed, {entries}.",
                             source=name, kind=kind, entries=_entries(feed.total_entries, t)))
        else:
            lines.append(t._("Following {source}: {kind} feed, {entries}.", source=name, kind=kind,
                             entries=_entries(feed.total_entries, t)))
        dated = [e for e in feed.entries if e.published is not None]
        newest = max(dated, key=lambda e: e.published) if dated else (feed.entries[0] if feed.entries else None)
        if newest is not None:
            title = render.escape(render.shorten(newest.title or newest.link or t._("untitled"), 200))
            if newest.published:
                lines.append(t._("Newest: “{title}” ({when})", title=title, when=t.moment(newest.published) + " UTC"))
            else:
                lines.append(t._("Newest: “{title}”", title=title))
        if feed.ttl:
            lines.append(t.n_("The feed asks to be read at most every {n} minute; it will be.",
                              "The feed asks to be read at most every {n} minutes; it will be.", feed.ttl))
    elif probe is not None and probe.title:
        lines.append(t._("Following {source} as a page: “{title}”; no feed was found on it, so the page is read again "
                         "on the schedule, and each change of its main text is a new document.",
                         source=name, title=render.escape(render.shorten(probe.title, 150))))
    else:
        lines.append(t._("Following {source} as a page; no feed was found on it, so the page is read again on the "
                         "schedule, and each change of its main text is a new document.", source=name))
    lines.append(t._("It is read within a minute, then {every}. /feeds shows how it goes.",
                     every=every(max(interval, 60), t)))
    return "\n".join(lines)


def removed(found: tuple[Source, list[str]] | None, asked: str, t: Translator = ENGLISH) -> str:
    if found is None:
        return t._("No source is numbered or addressed “{asked}”. /feeds lists them with their numbers.",
                   asked=render.escape(render.shorten(asked, 100)))
    source, paths = found
    name = f"{source.id}. <b>{name_of(source)}</b>"
    if not paths:
        return t._("No longer following {source}.", source=name)
    return t.n_("No longer following {source}. Its {n} article stays in the store.",
                "No longer following {source}. Its {n} articles stay in the store.", len(paths), source=name)


def state_of(source: Source, t: Translator = ENGLISH) -> str:
    if source.state == PAUSED:
        reason = render.escape(render.shorten(source.pause_reason or source.last_error or "", 200))
        return t._("⏸ paused after repeated errors: {reason}", reason=reason) if reason else t._("⏸ paused")
    if source.state == FAILING:
        return t._("⚠ failing since {since} ({error}); next try {next}", since=moment(source.failing_since, t),
                   error=render.escape(render.shorten(source.last_error or "", 160)), next=moment(source.next_due, t))
    return t.p_("a source's state", "ok")


def feed_line(source: Source, t: Translator = ENGLISH) -> str:
    kind = t.p_("a source's kind", "feed") if source.kind == "feed" else t.p_("a source's kind", "page")
    address = render.escape(source.url if len(source.url) <= 200 else render.shorten(source.url, 200))
    return (f"{source.id}. <b>{name_of(source)}</b> ({kind}) — {state_of(source, t)}\n   "
            + t.n_("last read {when}; {n} entry taken; {address}", "last read {when}; {n} entries taken; {address}",
                   source.entries_taken, when=moment(source.last_ok, t), address=address))


def feeds_page(sources: list[Source], offset: int = 0, t: Translator = ENGLISH) -> Answer:
    """/feeds: each source with its name, last successful read, entries taken and state, ten a page."""
    total = len(sources)
    if not total:
        return Answer(t._("No sources are followed yet. An administrator adds one with /addsource URL."))
    offset = max(0, min(offset, (total - 1) // FEEDS_PAGE * FEEDS_PAGE))
    page = sources[offset:offset + FEEDS_PAGE]
    head = t._("<b>Sources followed</b> ({range})", range=render.page_range(offset, len(page), total, t=t))
    buttons = []
    if offset > 0:
        buttons.append(Button(t._("◀ Previous"), f"{FEEDS_CALLBACK}:{max(0, offset - FEEDS_PAGE)}:"))
    if offset + FEEDS_PAGE < total:
        buttons.append(Button(t._("Next ▶"), f"{FEEDS_CALLBACK}:{offset + FEEDS_PAGE}:"))
    return Answer("\n\n".join([head, *(feed_line(s, t) for s in page)]), [buttons] if buttons else [])


def feeds_callback(sources: list[Source], data: str, t: Translator = ENGLISH) -> Answer:
    _, _, rest = data.partition(":")
    offset = number(rest.partition(":")[0])
    if offset is None:
        return Answer(t._("That button has expired. Send /feeds again."))
    return feeds_page(sources, offset, t)


def paused_notice(outcome: SourceOutcome, t: Translator = ENGLISH) -> str:
    """What administrators are told, once, when a source is paused."""
    source = f"{outcome.source_id}. <b>{render.escape(render.shorten(outcome.name, 80))}</b>"
    return t._("⏸ Source {source} is paused: {error}.\nIt is no longer read. /feeds shows it; /addsource with its "
               "address again resumes it, /removesource {number} stops following it.",
               source=source,
               error=render.escape(render.shorten(outcome.error or t._("repeated errors"), 300)),
               number=outcome.source_id)
