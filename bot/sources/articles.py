"""Article pages: the main text of an entry's linked page, found by trafilatura.

    text = extract_article(html_bytes, url, charset)          # ArticleText, or NoMainText(reason)
    article = await fetch_article(fetcher, url, summary=[…])  # Article: the page's text, else the summary

`extract_article` runs trafilatura's `bare_extraction` with EXTRACT_OPTIONS, precision favoured. On
pages built around PolNeAR articles (navigation, most-read list, newsletter box, photo caption, author
bio, teasers, readers' comments, footer; benchmarks/bench_sources.py) the three modes kept the whole
story (recall 0.999) and, with semantic markup, the same furniture (the bio inside <article>); on the
same pages as "div soup" (no semantic elements or class names) favor_precision kept the least
furniture — 1,147 paragraphs of 2,869 kept, against 1,275 (default) and 1,375 (favor_recall) — at
~1 ms more a page.
then drops the lines `bot.documents.is_boilerplate` recognises (share prompts, "See also", copyright
lines). A page left with fewer than MIN_WORDS words — a page of nothing but navigation and a copyright
line — has no main text: NoMainText says so.

`fetch_article` fetches the page with the same guarded Fetcher. When the page fails (HTTP error,
timeout, not HTML, no main text) the entry's summary is used, marked `summary_only` with the reason;
with no summary either, the article has no paragraphs and the reason (the caller skips it).
trafilatura is CPU work: `fetch_article` runs it in a worker thread, off the event loop.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.documents import is_boilerplate
from bot.sources.http import NO_MAIN_TEXT, PAGE_ACCEPT, Fetcher, FetchError
from bot.sources.text import decode_page, plain_text

MIN_WORDS = 40
EXTRACT_OPTIONS = dict(favor_precision=True, include_comments=False, include_tables=False, include_images=False,
                       include_links=False, deduplicate=False, with_metadata=True)
HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml", "")


class NoMainText(ValueError):
    """The page has no main text; the message says why."""


@dataclass(frozen=True)
class ArticleText:
    paragraphs: list[str]
    title: str
    author: str | None
    date: str | None  # ISO date from the page's metadata, when it has one


@dataclass
class Article:
    paragraphs: list[str]
    summary_only: bool
    title: str = ""  # the page's title, when the page was read
    author: str | None = None
    date: str | None = None
    reason: str | None = None  # why the page's text is not used (the summary is, or nothing)
    error: FetchError | None = None
    fetched: bool = field(default=False)  # the page was fetched and read



def extract_article(html: bytes | str, url: str | None = None, charset: str | None = None,
                    **options) -> ArticleText:
    """The main text of a page (see the module doc); NoMainText(reason) when there is none."""
    import trafilatura  # slow to import; only needed here

    document = decode_page(html, charset) if isinstance(html, bytes) else html
    if not document or not (document.strip() if isinstance(document, str) else document.strip()):
        raise NoMainText("no main text: the page is empty")
    try:
        extracted = trafilatura.bare_extraction(document, url=url, **{**EXTRACT_OPTIONS, **options})
    except Exception as exc:  # trafilatura on hostile markup: its failure is "no text", not a crash
        raise NoMainText(f"no main text: the page could not be read ({type(exc).__name__})") from None
    text = (extracted.text if extracted is not None else "") or ""
    paragraphs = [line for line in (" ".join(raw.split()) for raw in text.splitlines()) if line]
    story = [p for p in paragraphs if not is_boilerplate(p)]
    words = sum(len(p.split()) for p in story)
    if words < MIN_WORDS:
        if not paragraphs:
            raise NoMainText("no main text: only navigation and furniture on the page")
        raise NoMainText(f"no main text: only navigation, boilerplate or {words} words of text on the page")
    title = plain_text(getattr(extracted, "title", None) or "")
    while story and title and _same_words(story[0], title):  # the headline is the file's title, not its text
        story.pop(0)
    author = plain_text(getattr(extracted, "author", None) or "") or None
    date = getattr(extracted, "date", None) or None
    return ArticleText(story, title, author, date)


def _same_words(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


async def fetch_article(fetcher: Fetcher, url: str, *, summary: list[str] | None = None) -> Article:
    """The article at `url`: its page's main text, else `summary` marked summary-only (see the module doc)."""
    summary = list(summary or [])
    result = await fetcher.fetch(url, accept=PAGE_ACCEPT)
    reason: str | None = None
    error: FetchError | None = result.error
    if result.error:
        reason = f"page not read: {result.error.message}"
    elif result.content_type not in HTML_TYPES:
        reason = f"page not read: not a web page ({result.content_type})"
    else:
        try:
            text = await asyncio.to_thread(extract_article, result.body, result.final_url, result.charset)
        except NoMainText as exc:
            reason = str(exc)
            error = FetchError(NO_MAIN_TEXT, reason)
        else:
            return Article(text.paragraphs, summary_only=False, title=text.title, author=text.author,
                           date=text.date, fetched=True)
    if summary:
        return Article(summary, summary_only=True, reason=f"{reason}; the summary is used", error=error)
    return Article([], summary_only=True, reason=reason, error=error)
