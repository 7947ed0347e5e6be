"""What an alert says: a new quotation of a followed person, or a new document on a followed topic.

Matching renders each new alert once, in English, and keeps with it the facts it was made of
(`data`, JSON); a chat that speaks another language gets the same alert rendered from those facts
in its language (`render_item`), when its batch, its /alerts page or its digest is composed.
"""
from __future__ import annotations

import json

from bot.answers import render
from bot.i18n import ENGLISH, Translator
from bot.models import Source
from bot.store.changes import LandedDocument, LandedQuote

QUOTE_CHARS = 700
SENTENCE_CHARS = 400
PERSON, TOPIC = "person", "topic"


def _source(document: LandedDocument, paragraph: int) -> Source:
    return Source(document.id, document.title, paragraph, document.published, document.url, document.outlet)


def quote_alert(quote: LandedQuote, document: LandedDocument, t: Translator = ENGLISH) -> tuple[str, str]:
    """(the alert, one line of it) for a new quotation of a followed person."""
    return _quote(quote.speaker, quote.role, quote.text, _source(document, quote.paragraph), t)


def _quote(speaker: str | None, role: str | None, text: str, source: Source, t: Translator) -> tuple[str, str]:
    name = render.escape(speaker) if speaker else t._("unattributed")
    role = f", {render.escape(role)}" if role else ""
    html = (f"🗣 <b>{name}</b>{role}\n<blockquote>{render.escape(render.shorten(text, QUOTE_CHARS))}"
            f"</blockquote>\n{render.source_line(source, t)}")
    words = t.p_("quotation marks", "“{text}”", text=render.escape(render.shorten(text, 160)))
    line = f"🗣 <b>{name}</b>: {words} ({render.cite(source, t)})"
    return html, line


def document_alert(document: LandedDocument, paragraph: int, sentence: str,
                   t: Translator = ENGLISH) -> tuple[str, str]:
    """(the alert, one line of it) for a new document on a followed topic: headline, the sentence that
    matched, where."""
    return _document(document.title, render.escape(render.shorten(sentence, SENTENCE_CHARS)),
                     _source(document, paragraph), t)


def document_parts(document: LandedDocument, paragraph: int) -> tuple[str, str, str]:
    """What a document's English alert holds around the sentence that matched (the same for every topic),
    and its one-line form: matching builds each topic's alert from them without rendering it again."""
    source = _source(document, paragraph)
    head = f"📰 <b>{render.escape(render.shorten(document.title, 200))}</b>\n“"
    line = f"📰 <b>{render.escape(render.shorten(document.title, 160))}</b> ({render.cite(source)})"
    return head, f"”\n{render.source_line(source)}", line


def _document(title: str, sentence_html: str, source: Source, t: Translator) -> tuple[str, str]:
    html = (f"📰 <b>{render.escape(render.shorten(title, 200))}</b>\n"
            + t.p_("quotation marks", "“{text}”", text=sentence_html) + f"\n{render.source_line(source, t)}")
    line = f"📰 <b>{render.escape(render.shorten(title, 160))}</b> ({render.cite(source, t)})"
    return html, line


def _source_facts(source: Source) -> list:
    return [source.document_id, source.title, source.paragraph, source.published, source.url, source.outlet]


def quote_data(quote: LandedQuote, document: LandedDocument) -> str:
    """The facts of a quotation's alert, to render it in another language."""
    return json.dumps({"speaker": quote.speaker, "role": quote.role, "text": quote.text,
                       "source": _source_facts(_source(document, quote.paragraph))}, ensure_ascii=False)


def document_data(document: LandedDocument, paragraph: int, sentence: str) -> str:
    """The facts of a document's alert on a topic, to render it in another language."""
    return json.dumps({"title": document.title, "sentence": sentence,
                       "source": _source_facts(_source(document, paragraph))}, ensure_ascii=False)


def render_item(kind: str, data: str, t: Translator) -> tuple[str, str] | None:
    """(the alert, one line of it) in `t`'s language from its facts; None when they cannot be read."""
    try:
        facts = json.loads(data)
        source = Source(*facts["source"])
        if kind == PERSON:
            return _quote(facts["speaker"], facts["role"], facts["text"], source, t)
        return _document(facts["title"], render.escape(render.shorten(facts["sentence"], SENTENCE_CHARS)), source, t)
    except (ValueError, KeyError, TypeError):
        return None
