"""Every translation, in every language: valid Telegram HTML, plural forms right for 0, 1, 2, 5, 21 and
111, buttons that fit a phone and command descriptions Telegram takes; every answer of the command
core, the digest and alerts valid in every language; and no English left in an answer where a
catalog should have spoken (a pseudo-language that changes every letter of every message shows it)."""
from __future__ import annotations

import random
import re
from datetime import date, datetime, timezone
from gettext import NullTranslations

import pytest
from telegram_html import callback_problems, problems

from bot import i18n
from bot.answers import render
from bot.answers.commands import COMMANDS, Answer, CommandCore, description
from bot.delivery.digest import DigestComposer, DigestPlan
from bot.delivery.state import StateStore
from bot.follows.alerts import compose_batch
from bot.follows.items import document_alert, document_data, quote_alert, quote_data
from bot.follows.state import PERSON, TOPIC, QueuedItem
from bot.frontends.telegram_app import menu_languages, menu_scopes
from bot.i18n import catalogs
from bot.store.changes import LandedDocument, LandedQuote
from bot.store.queries import Store

LANGUAGES = i18n.codes()
COUNTS = (0, 1, 2, 5, 21, 111)
SAMPLE = "Ann &amp; Bo"  # a placeholder's value: HTML, as callers pass them


def translations():
    """(code, message, its translations) for every message of every catalog."""
    template = [m for m in catalogs.extract() if m.id]
    for code, path in catalogs.catalog_files().items():
        catalog = catalogs.read_catalog(path, code)
        for message in template:
            found = catalog.get(message.id if isinstance(message.id, str) else message.id[0], message.context)
            yield code, message, found


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "en"])
def test_every_translation_is_valid_telegram_html_within_the_limit(code):
    t = i18n.translator(code)
    checked = 0
    for language, message, found in translations():
        if language != code:
            continue
        strings = [found.string] if isinstance(found.string, str) else list(found.string)
        for string in strings:
            values = {name: SAMPLE for name in catalogs.placeholders(string)}
            text = string.format(**values) if values else string
            bad = [p for p in problems(text) if p != "empty message" or text.strip()]
            assert bad == [], (code, message.id, text, bad)
            assert len(text) <= render.MESSAGE_LIMIT
            checked += 1
    assert checked > 300 and t.code == code


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_plural_message_names_its_number_for_0_1_2_5_21_111(code):
    t = i18n.translator(code)
    plurals = [m for m in catalogs.extract() if m.id and m.pluralizable]
    assert len(plurals) > 20
    for message in plurals:
        singular, plural = message.id[0], message.id[1]
        for n in COUNTS:
            values = {name: SAMPLE for name in catalogs.placeholders(plural) if name != "n"}
            said = (t.np_(message.context, singular, plural, n, **values) if message.context
                    else t.n_(singular, plural, n, **values))
            assert t.number(n) in said, (code, singular, n, said)


# What the plural rules must give, written by hand: Ukrainian and Russian have three forms (one, few, many).
QUOTES = {
    "en": ["0 quotes", "1 quote", "2 quotes", "5 quotes", "21 quotes", "111 quotes"],
    "uk": ["0 цитат", "1 цитата", "2 цитати", "5 цитат", "21 цитата", "111 цитат"],
    "ru": ["0 цитат", "1 цитата", "2 цитаты", "5 цитат", "21 цитата", "111 цитат"],
    "de": ["0 Zitate", "1 Zitat", "2 Zitate", "5 Zitate", "21 Zitate", "111 Zitate"],
    "fr": ["0 citation", "1 citation", "2 citations", "5 citations", "21 citations", "111 citations"],
    "es": ["0 citas", "1 cita", "2 citas", "5 citas", "21 citas", "111 citas"],
}
MENTIONS = {
    "uk": ["0 згадок", "1 згадка", "2 згадки", "5 згадок", "21 згадка", "111 згадок"],
    "ru": ["0 упоминаний", "1 упоминание", "2 упоминания", "5 упоминаний", "21 упоминание", "111 упоминаний"],
}
DAYS = {
    "uk": ["Останні 0 днів", "Останній 1 день", "Останні 2 дні", "Останні 5 днів", "Останній 21 день",
           "Останні 111 днів"],
    "ru": ["Последние 0 дней", "Последний 1 день", "Последние 2 дня", "Последние 5 дней", "Последний 21 день",
           "Последние 111 дней"],
}


@pytest.mark.parametrize("code", sorted(QUOTES))
def test_plural_forms_as_a_reader_writes_them(code):
    t = i18n.translator(code)
    assert [t.n_("{n} quote", "{n} quotes", n) for n in COUNTS] == QUOTES[code]
    if code in MENTIONS:
        assert [t.n_("{n} mention", "{n} mentions", n) for n in COUNTS] == MENTIONS[code]
        assert [t.n_("Last {n} day: {subjects}", "Last {n} days: {subjects}", n, subjects="x").split(":")[0]
                for n in COUNTS] == DAYS[code]


def test_numbers_and_dates_follow_the_locale():
    en, de, uk = (i18n.translator(c) for c in ("en", "de", "uk"))
    assert (en.number(1234567), de.number(1234567), uk.number(1234567)) == ("1,234,567", "1.234.567", "1\xa0234\xa0567")
    day = date(2024, 4, 5)
    assert (en.date(day), de.date(day), uk.date(day)) == ("2024-04-05", "05.04.2024", "05.04.2024")
    assert (en.date(day, "day_month"), de.date(day, "day_month")) == ("05 Apr", "5. Apr.")
    moment = datetime(2024, 4, 16, 9, 0, tzinfo=timezone.utc)
    assert en.weekday_time(moment, timezone.utc) == "Tue 16 Apr, 09:00"
    assert de.weekday_time(moment, timezone.utc) == "Di., 16. Apr., 09:00"
    assert i18n.translator("fr").iso_date("2024-04-16T09:00:00Z") == "16/04/2024"


BUTTONS = ["◀ Previous", "Next ▶", "Back to the card", "All quotes", "Mentions", "Trend", ("button", "Share"),
           ("button", "Follow"), "Unfollow", "◀ Newer", "Older ▶", "Alerts off", "Alerts on", "Digest: everything",
           "Digest: only what I follow", "Include the spotlight again", "Only news, please", "Follow in the bot",
           "Automatic (my Telegram language)"]


@pytest.mark.parametrize("code", LANGUAGES)
def test_button_labels_fit_a_phone_and_command_descriptions_fit_telegram(code):
    t = i18n.translator(code)
    for label in BUTTONS:
        text = t.p_(*label) if isinstance(label, tuple) else t._(label)
        assert 1 <= len(text) <= 36, (code, label, text)
    for command in COMMANDS:
        assert 3 <= len(description(command, t)) <= 256
    menus = dict(menu_languages())
    assert (code in menus) == (code != "en") and menus[None].code == "en"
    for _, commands in menu_scopes(t):
        assert [c.command for c in commands] == [c.command for c in menu_scopes()[0][1]][:len(commands)] or commands


def assert_telegram_takes(answer: Answer) -> None:
    for part in render.split_message(answer.html):
        assert problems(part) == [], (problems(part), part[:300])
    for row in answer.buttons:
        for button in row:
            assert button.label and len(button.label) <= 64
            assert callback_problems(button.callback) == []


ASKED = [("help", ""), ("start", ""), ("who", "blinkin"), ("who", ""), ("who", "Zqxw Vvvv"), ("quotes", "haines"),
         ("quotes", "ukraine"), ("quotes", ""), ("search", "crimea talks"), ("search", "&&&"), ("brief", ""),
         ("brief", "99"), ("sources", ""), ("trend", "blinken, crimea 60"), ("trend", "zqxw"), ("trend", "a, b, c, d"),
         ("quiz", ""), ("subscribe", ""), ("frobnicate", ""), ("search", "")]


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_answer_is_valid_in_every_language(seed_store, synthetic_store, code):
    for store in (seed_store, synthetic_store):
        core = CommandCore(Store(store), rng=random.Random(3)).speaking(code)
        assert core.t.code == code
        for command, args in ASKED + [("who", "smith"), ("quotes", "smith")]:
            answer = core.answer(command, args)
            assert_telegram_takes(answer)
            for row in answer.buttons:
                for button in row:
                    if button.callback is not None:
                        assert_telegram_takes(core.answer_callback(button.callback))
        for result in core.inline_results("blinken") + core.inline_results("trend blinken"):
            assert problems(render.split_message(result.html)[0]) == []


@pytest.mark.parametrize("code", LANGUAGES)
def test_digests_and_alerts_are_valid_in_every_language(seed_store, code):
    t = i18n.translator(code)
    composer = DigestComposer(Store(seed_store), StateStore(":memory:"))
    for plan in (DigestPlan(documents=(1,)), composer.plan(5, only_news=False)):
        digest = composer.compose(plan, t)
        assert digest.parts and all(problems(part) == [] for part in digest.parts)
    spotlight = composer._plan(6, only_news=False)
    composer.state.mark_seen(6, {"document": [composer.store.sources(0, 1)[0].title]})
    spotlight = composer.plan(6, only_news=False)
    assert spotlight.person is not None
    assert all(problems(p) == [] for p in composer.compose(spotlight, t).parts)
    document = LandedDocument(1, "a.md", "x", "Talks <resume> & more", "2024-04-16T09:00:00Z", "https://example.com/a",
                              "Coast Wire")
    quote = LandedQuote("We <will> rebuild & stay.", 3, "Marta Quell", "harbour master", 2)
    items = [QueuedItem(i, f"k{i}", PERSON, *quote_alert(quote, document), "a.md", 1, "Marta Quell", None, "",
                        quote_data(quote, document)) for i in range(40)]
    items.append(QueuedItem(99, "d", TOPIC, *document_alert(document, 1, "The wall <holds> & more."), "a.md", 2,
                            "harbour", None, "", document_data(document, 1, "The wall <holds> & more.")))
    for batch in (items[:1], items):
        parts = compose_batch(batch, t=t)
        assert 1 <= len(parts) <= 3 and all(problems(p) == [] for p in parts)


class Pseudo(NullTranslations):
    """Every message with each ASCII letter outside placeholders and tags turned into its fullwidth form:
    what is left in plain ASCII letters came from the data, or from a message no catalog was asked for."""

    SKIP = re.compile(r"(\{[a-z_]+\}|<[^>]+>|&[a-z]+;|/[a-z_]+|@)")

    def _pseudo(self, text: str) -> str:
        return "".join(part if self.SKIP.fullmatch(part) else
                       "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalpha() else c for c in part)
                       for part in self.SKIP.split(text))

    def gettext(self, message):
        return self._pseudo(message)

    def ngettext(self, singular, plural, n):
        return self._pseudo(singular if n == 1 else plural)

    def pgettext(self, context, message):
        return self._pseudo(message)

    def npgettext(self, context, singular, plural, n):
        return self._pseudo(singular if n == 1 else plural)


def store_text(path) -> str:
    """Every text the store holds (titles, names, roles, paragraphs, quotations…), whitespace folded."""
    import sqlite3

    from bot.store.texts import load_codec, stored_texts

    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
        values = []
        for table in tables:
            try:
                rows = conn.execute(f'select * from "{table}"').fetchall()
            except sqlite3.Error:
                continue
            values += [v for row in rows for v in row if isinstance(v, str)]
        # The story text is kept once, compressed: quotations and statements are slices of it.
        codec = load_codec(conn)
        for _, stored in stored_texts(conn):
            values += [text for _, text in codec.decode(stored)]
    finally:
        conn.close()
    return " ".join(" ".join(values).split())


WORDS = re.compile(r"[A-Za-z’']+(?: [A-Za-z’']+){2,}")  # three or more plain English words in a row


@pytest.mark.filterwarnings("ignore::UserWarning")  # the chart's font has no fullwidth letters
def test_no_answer_keeps_english_that_a_catalog_should_have_said(seed_store, synthetic_store):
    """Answers in the pseudo-language: any three plain-ASCII words in a row must come from the store's
    own text (titles, names, quotations); anything else is a message that skipped the catalogs."""
    pseudo = i18n.Translator("de", Pseudo())  # German numbers and dates, pseudo words
    spoken = 0
    for store in (seed_store, synthetic_store):
        data = store_text(store)
        core = CommandCore(Store(store), rng=random.Random(3)).speaking(pseudo)
        answers = [core.answer(command, args) for command, args in ASKED + [("who", "smith"), ("quotes", "smith")]]
        answers += [core.answer_callback(b.callback) for a in list(answers) for row in a.buttons for b in row
                    if b.callback]
        composer = DigestComposer(Store(store), StateStore(":memory:"))
        texts = [a.html + "\n" + "\n".join(b.label for row in a.buttons for b in row) for a in answers]
        texts += composer.compose(DigestPlan(documents=(1,)), pseudo).parts
        texts += [r.title + "\n" + r.description + "\n" + r.html for r in core.inline_results("blinken")]
        for text in texts:
            plain = render.to_plain(text).replace("…", "\n")
            leaks = [run for line in plain.splitlines() for run in WORDS.findall(" ".join(line.split()))
                     if run not in data]
            assert leaks == [], (leaks, plain[:400])
            spoken += "Ｓｅｎｄ" in plain or "ｓｅｎｄ" in plain
    assert spoken  # the pseudo-language was spoken
