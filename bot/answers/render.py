"""Telegram HTML for every answer, and the plain-text face of the same HTML for the console.

Every piece of stored or user text goes through `escape` (or `highlight`, for search snippets) before
it is put between tags, so nothing a document or a user says can break the markup.
"""
from __future__ import annotations

import html
import re

from bot.i18n import ENGLISH, Translator
from bot.models import (
    COUNT_CAP,
    Briefing,
    PersonCard,
    PersonMatch,
    QuoteHit,
    SearchHit,
    SearchPlan,
    Source,
    SourceInfo,
    StatementHit,
    StoryCopy,
)
from bot.store.trends import DailySeries, Voice

MESSAGE_LIMIT = 4096  # Telegram's limit on a message's text, counted after entities are parsed
CALLBACK_LIMIT = 64  # bytes of callback_data
QUOTE_CHARS = 600  # a quotation longer than this is shortened in lists (the card keeps pages small)
STATEMENT_CHARS = 500  # a reported statement, likewise
SNIPPET_CHARS = 700
TITLE_CHARS = 90  # titles in citations; /sources and /brief show them whole
OUTLET_CHARS = 60
LINK_CHARS = 500  # a longer address is not made a link (the outlet is still named)
ALSO_SHOWN = 8  # other outlets named under a story
_LINK = re.compile(r"https?://[^\s<>\"'\x00-\x1f\x7f]+", re.IGNORECASE)


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def code(text: str) -> str:
    """`text` as code (a command to copy): escaped, in <code>."""
    return f"<code>{escape(text)}</code>"


def bold(inner: str) -> str:
    """HTML `inner` in bold."""
    return f"<b>{inner}</b>"


def italic(inner: str) -> str:
    """HTML `inner` in italics."""
    return f"<i>{inner}</i>"


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:") + "…"


def safe_url(url: str | None) -> str | None:
    """`url` when it may be a link in a chat: an http(s) address of at most LINK_CHARS characters without
    spaces, quotes, angle brackets or control characters; else None (javascript:, data:, file: never)."""
    if url and len(url) <= LINK_CHARS and _LINK.fullmatch(url):
        return url
    return None


def link(url: str | None, inner: str) -> str:
    """`inner` (HTML) as a link to `url` when it is a safe address, else `inner` alone."""
    url = safe_url(url)
    return f'<a href="{html.escape(url, quote=True)}">{inner}</a>' if url else inner


def when(published: str | None, t: Translator = ENGLISH) -> str:
    """A publication date as shown: `2024-04-12`, or `2024-04-12 07:30 UTC` for an instant (in the
    language's way of writing dates)."""
    if not published:
        return ""
    if len(published) >= 16 and published[10] == "T":
        return f"{t.iso_date(published)} {published[11:16]} UTC"
    return t.iso_date(published)


def outlet_tag(outlet: str | None) -> str:
    """" · Outlet" beside a title, or nothing."""
    return f" · {escape(shorten(outlet, OUTLET_CHARS))}" if outlet else ""


def cite(source: Source, t: Translator = ENGLISH) -> str:
    """The citation every answer carries: the document's title (a link to the article when it has one),
    its outlet, its date and the paragraph (1-based for readers)."""
    dated = f", {escape(t.iso_date(source.published))}" if source.published else ""
    title = link(source.url, f"<i>{escape(shorten(source.title, TITLE_CHARS))}</i>")
    return f"{title}{outlet_tag(source.outlet)}{dated}, ¶{source.paragraph + 1}"


def also_reported(copies: list[StoryCopy], limit: int = ALSO_SHOWN, t: Translator = ENGLISH) -> str:
    """"Also reported by: Outlet, Outlet …", each a link to that outlet's article; "" without copies."""
    if not copies:
        return ""
    names = [link(c.url, escape(shorten(c.outlet or c.title, OUTLET_CHARS if c.outlet else 50))) for c in copies[:limit]]
    outlets = ", ".join(names)
    if len(copies) > limit:
        return t.n_("Also reported by: {outlets} and {n} more", "Also reported by: {outlets} and {n} more",
                    len(copies) - limit, outlets=outlets)
    return t._("Also reported by: {outlets}", outlets=outlets)


def source_line(source: Source, t: Translator = ENGLISH) -> str:
    """`cite` (alerts' name for it): the title as a link to the article, the outlet beside it, when the
    source has them."""
    return cite(source, t)


def highlight(snippet: str) -> str:
    """A search snippet, escaped, with the store's \\x02…\\x03 match markers turned into bold."""
    out: list[str] = []
    bold = False
    for part in re.split(r"([\x02\x03])", snippet):
        if part == "\x02" and not bold:
            out.append("<b>")
            bold = True
        elif part == "\x03" and bold:
            out.append("</b>")
            bold = False
        elif part not in ("\x02", "\x03"):
            out.append(escape(part))
    if bold:
        out.append("</b>")
    return "".join(out)


def _role(role: str | None) -> str:
    return f", {escape(role)}" if role else ""


def quote_block(hit: QuoteHit, limit: int = QUOTE_CHARS, t: Translator = ENGLISH) -> str:
    """One quotation: the words, then who said it (with role) and where."""
    speaker = escape(hit.speaker) if hit.speaker else t._("unattributed")
    return (f"<blockquote>{escape(shorten(hit.text, limit))}</blockquote>\n"
            f"— <b>{speaker}</b>{_role(hit.role)} · {cite(hit.source, t)}")


def reported_by(source: Source, t: Translator = ENGLISH) -> str:
    """Who reported a statement: "reported by Outlet" (a link to the article), or for a document without
    an outlet "reported in <title>" as `cite` writes it; then the date and the paragraph."""
    if source.outlet:
        where = t._("reported by {outlet}", outlet=link(source.url, escape(shorten(source.outlet, OUTLET_CHARS))))
    else:
        where = t._("reported in {title}", title=link(source.url, f"<i>{escape(shorten(source.title, TITLE_CHARS))}</i>"))
    dated = f", {escape(t.iso_date(source.published))}" if source.published else ""
    return f"{where}{dated}, ¶{source.paragraph + 1}"


def statement_block(hit: StatementHit, limit: int = STATEMENT_CHARS, t: Translator = ENGLISH) -> str:
    """Reported speech: the reporter's words as plain text — never in quotation marks or a blockquote, which
    are a quotation's — then whose words they report and who reported them."""
    speaker = escape(hit.speaker) if hit.speaker else t._("unattributed")
    return f"{escape(shorten(hit.text, limit))}\n— <b>{speaker}</b>{_role(hit.role)}, {reported_by(hit.source, t)}"


def person_card(card: PersonCard, t: Translator = ENGLISH) -> str:
    lines = [f"<b>{escape(card.name)}</b>"]
    if card.role:
        lines.append(escape(card.role))
    others = [a for a in card.aliases if a != card.name]
    if others:
        lines.append(t._("Also called: {names}", names=", ".join(escape(a) for a in others)))
    lines.append(mentioned(card.mentions, "; ".join(cite(s, t) for s in card.documents), t))
    blocks = ["\n".join(lines)]
    if card.quotes:
        blocks.append(t._("<b>Strongest quotes</b> ({count})",
                          count=t.n_("{n} quotation in all", "{n} quotations in all", card.quote_total)))
        blocks.extend(quote_block(q, limit=400, t=t) for q in card.quotes)
    else:
        blocks.append(t._("No direct quotations from them in the store."))
    if card.statements:
        blocks.append(t._("<b>Reported</b> ({count}) — what they said, in the reporter's words",
                          count=t.n_("{n} statement in all", "{n} statements in all", card.statement_total)))
        blocks.extend(statement_block(s, limit=300, t=t) for s in card.statements)
    return "\n\n".join(blocks)


def mentioned(times: int, where: str, t: Translator = ENGLISH) -> str:
    """"Mentioned 6 times in <where>" (`where` is HTML; "" leaves it out)."""
    if where:
        if times == 1:
            return t._("Mentioned once in {where}", where=where)
        return t.n_("Mentioned {n} time in {where}", "Mentioned {n} times in {where}", times, where=where)
    if times == 1:
        return t._("Mentioned once")
    return t.n_("Mentioned {n} time", "Mentioned {n} times", times)


def person_line(match: PersonMatch, number: int | None = None, t: Translator = ENGLISH) -> str:
    prefix = f"{number}. " if number is not None else ""
    times = t.n_("{n} mention", "{n} mentions", match.mentions)
    return f"{prefix}<b>{escape(match.name)}</b>{_role(match.role)} ({times})"


def people_page(matches: list[PersonMatch], offset: int, total: int, t: Translator = ENGLISH) -> str:
    if not matches:
        return t._("The store knows nobody yet.") if total == 0 else t._("No more people.")
    head = t._("<b>People in the news</b> ({range}, most mentioned first)", range=page_range(offset, len(matches), total, t=t))
    lines = [person_line(m, offset + i + 1, t) for i, m in enumerate(matches)]
    return head + "\n\n" + "\n".join(lines) + "\n\n" + t._("Send /who NAME for a card.")


def choices(asked: str, matches: list[PersonMatch], t: Translator = ENGLISH) -> str:
    return (t._("Several people match “{asked}”. Which one?", asked=escape(asked)) + "\n\n"
            + "\n".join(person_line(m, t=t) for m in matches))


def quote_choices(asked: str, matches: list[PersonMatch], t: Translator = ENGLISH) -> str:
    return (t._("Several people match “{asked}”. Whose quotations?", asked=escape(asked)) + "\n\n"
            + "\n".join(person_line(m, t=t) for m in matches))


def nobody(asked: str, suggestions: list[PersonMatch], t: Translator = ENGLISH) -> str:
    if not suggestions:
        return t._("Nobody called “{asked}” in the store.", asked=escape(asked))
    return (t._("Nobody called “{asked}” in the store. Closest names:", asked=escape(asked)) + "\n\n"
            + "\n".join(person_line(m, t=t) for m in suggestions))


def page_range(offset: int, count: int, total: int, capped: bool = False, t: Translator = ENGLISH) -> str:
    """"1–5 of 12"; `capped`: the total was counted up to COUNT_CAP, which then reads "100+"."""
    shown = t.number(total) + ("+" if capped and total >= COUNT_CAP else "")
    return t._("{first}–{last} of {total}", first=t.number(offset + 1), last=t.number(offset + count), total=shown)


def quotes_page(heading: str, hits: list[QuoteHit], offset: int, total: int, ignored: list[str] | None = None,
                capped: bool = False, t: Translator = ENGLISH, newest_rows: int = 0) -> str:
    """`heading` is already HTML (the caller escapes what it puts in it); `ignored`: words left out of the search;
    `capped`: see `page_range`; `newest_rows`: only so many of the newest quotations were searched."""
    if not hits:
        return (t._("{heading}: none found.", heading=heading) if total == 0
                else t._("{heading}: no more quotes.", heading=heading))
    searched = (", " + t.n_("in the newest {n} quotation", "in the newest {n} quotations", newest_rows)
                if newest_rows else "")
    head = f"<b>{heading}</b> ({page_range(offset, len(hits), total, capped, t)}{searched})" + _ignored(ignored, t)
    return "\n\n".join([head, *(quote_block(h, t=t) for h in hits)])


def person_quotes_page(name: str, hits: list[QuoteHit], statements: list[StatementHit], offset: int, quote_total: int,
                       statement_total: int, t: Translator = ENGLISH) -> str:
    """A page of a person's quotations and then their reported statements, one list paged as one: `offset`
    counts the quotations first, the statements after them."""
    heading = t._("Quotes by {name}", name=escape(name))
    if not hits and not statements:
        return (t._("{heading}: none found.", heading=heading) if quote_total + statement_total == 0
                else t._("{heading}: no more quotes.", heading=heading))
    head = f"<b>{heading}</b>"
    if hits:
        head += f" ({page_range(offset, len(hits), quote_total, t=t)})"
    elif not quote_total:
        head += "\n" + t._("No direct quotations from them in the store.")
    blocks = [head, *(quote_block(h, t=t) for h in hits)]
    if statements:
        first = max(0, offset - quote_total)
        blocks.append(t._("<b>Reported</b> ({range}) — what they said, in the reporter's words",
                          range=page_range(first, len(statements), statement_total, t=t)))
        blocks.extend(statement_block(s, t=t) for s in statements)
    return "\n\n".join(blocks)


def search_page(words: str, hits: list[SearchHit], offset: int, total: int, plan: SearchPlan | None = None,
                t: Translator = ENGLISH) -> str:
    order = t._("best first") if plan is None or plan.best_first else t._("newest first")
    if plan is not None and plan.any_word:
        order = (t._("best first; none has all the words, these have some") if plan.best_first
                 else t._("newest first; none has all the words, these have some"))
    elif plan is not None and plan.newest_rows:
        order += ", " + t.n_("in the newest {n} paragraph", "in the newest {n} paragraphs", plan.newest_rows)
    return _hits_page(t._("Search: {words}", words=escape(words)), order, hits, offset, total,
                      t._("Nothing in the store matches “{words}”.", words=escape(words)),
                      plan.ignored if plan else None, capped=True, t=t)


def _ignored(words: list[str] | None, t: Translator = ENGLISH) -> str:
    return "\n<i>" + t._("Left out as too common: {words}", words=escape(", ".join(words))) + "</i>" if words else ""


def mentions_page(name: str, hits: list[SearchHit], offset: int, total: int, t: Translator = ENGLISH) -> str:
    return _hits_page(t._("Mentions of {name}", name=escape(name)), t._("newest documents first"), hits, offset,
                      total, t._("No paragraph mentions {name}.", name=escape(name)), t=t)


def _hits_page(heading: str, order: str, hits: list[SearchHit], offset: int, total: int, empty: str,
               ignored: list[str] | None = None, capped: bool = False, t: Translator = ENGLISH) -> str:
    if not hits:
        return empty if total == 0 else t._("No more results.")
    head = f"<b>{heading}</b> ({page_range(offset, len(hits), total, capped, t)}, {order})" + _ignored(ignored, t)
    blocks = [f"{highlight(_shorten_snippet(h.snippet))}\n— {cite(h.source, t)}" for h in hits]
    return "\n\n".join([head, *blocks])


def _shorten_snippet(snippet: str) -> str:
    """Snippets are whole paragraphs at worst; keep the part around the first match."""
    if len(snippet) <= SNIPPET_CHARS:
        return snippet
    first = max(snippet.find("\x02"), 0)
    start = max(0, first - SNIPPET_CHARS // 3)
    piece = snippet[start:start + SNIPPET_CHARS]
    return ("…" if start else "") + piece + "…"


def briefing(b: Briefing, t: Translator = ENGLISH) -> str:
    head = f"<b>{link(b.url, escape(b.title))}</b>"
    meta = [escape(shorten(b.outlet, OUTLET_CHARS))] if b.outlet else []
    meta += [escape(when(b.published, t))] if b.published else []
    meta += [t._("by {author}", author=escape(shorten(b.author, 100)))] if b.author and b.author not in b.credits else []
    meta += [escape(c) for c in b.credits]
    if meta:
        head += "\n" + " · ".join(meta)
    if b.also:
        head += "\n" + also_reported(b.also, t=t)
    blocks = [head]
    if b.key_points:
        blocks.append(t._("<b>Key points</b>") + "\n" + "\n".join(
            f"• {escape(shorten(text, 500))} ({cite(src, t)})" for text, src in b.key_points))
    if b.people:
        blocks.append(t._("<b>Who is who</b>") + "\n" + "\n".join(
            f"• <b>{escape(p.name)}</b>{_role(p.role)}" for p in b.people))
    if b.quotes:
        blocks.append(t._("<b>Notable quotes</b>"))
        blocks.extend(quote_block(q, limit=400, t=t) for q in b.quotes)
    if b.reported:
        blocks.append(t._("<b>Reported</b> — what they said, in the reporter's words"))
        blocks.extend(statement_block(s, limit=300, t=t) for s in b.reported)
    return "\n\n".join(blocks)


def sources(infos: list[SourceInfo], total: int, t: Translator = ENGLISH) -> str:
    """The newest documents, numbered as /brief N numbers them, out of `total`."""
    if not infos:
        return t._("The store holds no documents yet.")
    lines = []
    first_of_story: dict[int, int] = {}
    for n, s in enumerate(infos, 1):
        date = escape(when(s.published, t) if s.published else t._("added {date}", date=t.iso_date(s.added_at)))
        counts = t._("{people}, {quotes}", people=t.n_("{n} person", "{n} people", s.people),
                     quotes=t.n_("{n} quote", "{n} quotes", s.quotes))
        if s.story is not None and s.story_size > 1:
            if s.story in first_of_story:
                counts = t._("{counts}; same story as {number}", counts=counts, number=first_of_story[s.story])
            else:
                first_of_story[s.story] = n
        lines.append(f"{n}. <b>{link(s.url, escape(s.title))}</b>{outlet_tag(s.outlet)} — {date}; {counts}")
    heading = (t._("<b>Sources</b>") if total <= len(infos)
               else t._("<b>Sources</b> (the newest {shown} of {total})", shown=t.number(len(infos)),
                        total=t.number(total)))
    return heading + "\n\n" + "\n".join(lines) + "\n\n" + t._("/brief N gives the briefing of document N.")


CAPTION_LIMIT = 1024  # Telegram's limit on a photo's caption


def _span(series: list[DailySeries], t: Translator) -> str:
    return _days(series[0].days[0], series[0].days[-1], t)


def _days(first, last, t: Translator) -> str:
    """A span of days: "23 Feb – 01 Mar 2026"."""
    return f"{t.date(first, 'day_month')} – {t.date(last, 'day_month_year')}"


def trend_caption(series: list[DailySeries], days: int, zone: str, t: Translator = ENGLISH) -> str:
    """The chart's numbers in words: per series its totals and busiest day, with that day's headline."""
    lines = [t.n_("<b>Last {n} day</b> ({zone}, {span})", "<b>Last {n} days</b> ({zone}, {span})", days,
                  zone=escape(zone), span=_span(series, t))]
    share = max(120, (CAPTION_LIMIT - 200) // len(series) - 120)
    for one in series:
        if one.kind == "person":
            counts = t._("{mentions}, {quotations}", mentions=t.n_("{n} mention", "{n} mentions", one.total),
                         quotations=t.n_("{n} quotation", "{n} quotations", one.extra_total))
        else:
            counts = t._("{paragraphs}, {documents}", paragraphs=t.n_("{n} paragraph", "{n} paragraphs", one.total),
                         documents=t.n_("{n} document", "{n} documents", one.extra_total))
        line = f"<b>{escape(shorten(one.label, 60))}</b>: {counts}"
        if one.busiest is not None:
            line += t._("; busiest {day} ({count}): {title}", day=t.date(one.busiest.day, "day_month"),
                        count=t.number(one.busiest.count),
                        title=italic(escape(shorten(one.busiest.title, share))))
        lines.append(line)
    return "\n".join(lines)


def voices_title(first, last, t: Translator = ENGLISH) -> str:
    """The weekly chart's title (plain text: it is drawn on the image)."""
    return t._("Voices of the week, {span}", span=_days(first, last, t))


def voices_caption(voices: list[Voice], first, last, t: Translator = ENGLISH) -> str:
    """The voices of the week in words: who was quoted most, with role and count, within a caption."""
    lines = [t._("🗣 <b>Voices of the week</b> ({span})", span=_days(first, last, t))]
    for n, voice in enumerate(voices, 1):
        role = f", {escape(shorten(voice.role, 30))}" if voice.role else ""
        lines.append(f"{n}. <b>{escape(shorten(voice.name, 40))}</b>{role} — "
                     + t.n_("{n} quotation", "{n} quotations", voice.quotes))
    return split_message("\n".join(lines), CAPTION_LIMIT)[0]


def trend_empty(series: list[DailySeries], days: int, zone: str, t: Translator = ENGLISH) -> str:
    """An empty window, in words: when each was last seen, if ever."""
    lines = [t.n_("Nothing in the last {n} day ({zone}, {span}):", "Nothing in the last {n} days ({zone}, {span}):",
                  days, zone=escape(zone), span=_span(series, t))]
    for one in series:
        seen = (t._("last seen {day}", day=t.date(one.last_seen, "day_month_year")) if one.last_seen
                else t._("not in the store at all"))
        lines.append(f"• <b>{escape(shorten(one.label, 60))}</b>: {seen}")
    return "\n".join(lines)


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """HTML split into messages of at most `limit` characters at paragraph boundaries.

    Every paragraph built by this module closes its own tags, so a cut between paragraphs keeps the
    markup valid. A paragraph longer than the limit on its own is sent as shortened plain text.
    """
    chunks: list[str] = []
    current = ""
    for block in text.split("\n\n"):
        if len(block) > limit:
            block = _plain_within(block, limit)
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
        else:
            if current:
                chunks.append(current)
            current = block
    if current:
        chunks.append(current)
    return chunks or [""]


def _plain_within(block: str, limit: int) -> str:
    """`block` as escaped plain text of at most `limit` characters. Escaping lengthens the text
    ("&" becomes "&amp;"), so the plain text is cut shorter until its escaped form fits."""
    plain = to_plain(block)
    room = limit
    while True:
        fitted = escape(shorten(plain, room))
        if len(fitted) <= limit:
            return fitted
        room -= len(fitted) - limit


def fit_callback(prefix: str, free_text: str = "") -> str:
    """callback_data `prefix` + as much of `free_text` as fits in Telegram's 64 bytes."""
    room = CALLBACK_LIMIT - len(prefix.encode())
    data = free_text.encode()[:room].decode("utf-8", errors="ignore")
    return prefix + data


_TAG = re.compile(r"<(/?)(\w+)[^>]*>")
_HREF = re.compile(r'<a href="([^"]*)">')


def to_plain(text: str) -> str:
    """Readable plain text from this module's HTML: tags dropped, quotations indented and marked."""
    out: list[str] = []
    links: list[str] = []
    pos = 0
    in_quote = False
    for m in _TAG.finditer(text):
        chunk = text[pos:m.start()]
        out.append(chunk.replace("\n", "\n  ") if in_quote else chunk)
        if m.group(2).lower() == "blockquote":
            in_quote = not m.group(1)
            out.append("”" if m.group(1) else "  “")
        elif m.group(2).lower() == "a":  # the console shows a link's address after its text
            if m.group(1):
                out.append(f" <{links.pop()}>" if links else "")
            else:
                href = _HREF.match(m.group())
                links.append(href.group(1) if href else "")
        pos = m.end()
    out.append(text[pos:])
    return html.unescape("".join(out))
