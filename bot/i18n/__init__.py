"""Languages: every text the bot sends comes from a message catalog, in the chat's language.

English is the source language: the messages are written in English in the code, and an English
translator gives them back as they are. Every other language is one gettext catalog,
`bot/locales/<code>.po`, read when first asked for (Babel's `read_po`, compiled to an in-memory `.mo`
and loaded as `babel.support.Translations`): there is no compile step, and a new `.po` file is a new
language, offered by /language by its own name. `briefbot catalogs` extracts the messages from the code
and checks every catalog (`bot.i18n.catalogs`).

Code marks a message for extraction by calling the translator with a literal string:

    t._("Nobody called “{name}” in the store.", name=render.escape(asked))
    t.n_("{n} quote", "{n} quotes", count)              # {n} is the count, written as the locale writes numbers
    t.p_("button", "Share")                             # a context: the same English word, another role
    N_("Usage: …")                                      # marked only; translated later with t._(CONSTANT)

Placeholders are `{name}` (str.format); what fills them is already HTML (escaped by the caller), and
the catalogs keep the placeholders and tags of the English message. Dates, times and numbers come from
the translator too (`t.number`, `t.date`, …), in the locale's own forms (Babel, CLDR data).
"""
from __future__ import annotations

import io
import logging
import re
import threading
from datetime import date, datetime, timezone, tzinfo
from functools import cached_property
from gettext import NullTranslations
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_skeleton, get_day_names
from babel.numbers import format_decimal

log = logging.getLogger(__name__)

LOCALES = Path(__file__).resolve().parent.parent / "locales"  # bot/locales/<code>.po
SOURCE = "en"  # the language the messages are written in
_CODE = re.compile(r"^[a-z]{2,3}(?:_[A-Za-z0-9]{2,8})?$")


def N_(message: str) -> str:
    """Marks a message for extraction where no translator is at hand yet (module constants); it is
    translated where it is used, with `t._(MESSAGE)`."""
    return message


class Refusal(ValueError):
    """An error the user is told about: an HTML message to translate (marked with N_) and its values,
    already HTML. `str()` gives the English message; `html(t)` the message in `t`'s language."""

    def __init__(self, message: str, **values: object):
        self.message, self.values = message, values
        super().__init__(message.format(**values) if values else message)

    def html(self, t: Translator | None = None) -> str:
        return (t or ENGLISH)._(self.message, **self.values)


# How dates are written, per use. English keeps the forms the bot always had; every other language
# gets its locale's own pattern for the same skeleton (CLDR), so a new catalog needs no date formats.
_ENGLISH_PATTERNS = {
    "date": "yyyy-MM-dd",  # citations, /sources
    "day_month": "dd MMM",  # chart captions
    "day_month_year": "dd MMM yyyy",
    "weekday_time": "EEE dd MMM, HH:mm",  # the next digest
}
_SKELETONS = {"date": "yMMdd", "day_month": "dMMM", "day_month_year": "yMMMd", "weekday": "MMMEd"}


class Translator:
    """One language: its messages, plural rule, numbers and dates. Immutable, shared by every chat
    speaking it."""

    def __init__(self, code: str, translations: NullTranslations | None = None):
        self.code = code
        self.locale = Locale.parse(code)
        self.translations = translations or NullTranslations()
        self.is_source = code == SOURCE

    def __repr__(self) -> str:
        return f"Translator({self.code!r})"

    # Messages ------------------------------------------------------------------------------------

    def _(self, message: str, /, **values: object) -> str:
        return self._format(self.translations.gettext(message), message, values)

    def n_(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        """The form of the message for the count `n` (the language's plural rule); `{n}` is `n` as the
        locale writes numbers, unless `values` gives it."""
        values.setdefault("n", self.number(n))
        english = singular if n == 1 else plural
        return self._format(self.translations.ngettext(singular, plural, n), english, values)

    def p_(self, context: str, message: str, /, **values: object) -> str:
        return self._format(self.translations.pgettext(context, message), message, values)

    def np_(self, context: str, singular: str, plural: str, n: int, /, **values: object) -> str:
        values.setdefault("n", self.number(n))
        english = singular if n == 1 else plural
        return self._format(self.translations.npgettext(context, singular, plural, n), english, values)

    def _format(self, text: str, english: str, values: dict) -> str:
        if not values:
            return text
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError, AttributeError):  # a broken translation: say it in English
            log.warning("The %s translation of %r does not fit its placeholders; English is used", self.code, english)
            return english.format(**values)

    # The language itself --------------------------------------------------------------------------

    @cached_property
    def name(self) -> str:
        """The language's own name, as a button shows it: English, Українська, Deutsch."""
        own = self.locale.get_display_name(self.locale) or self.code
        return own[:1].upper() + own[1:]

    @cached_property
    def english_name(self) -> str:
        return self.locale.get_display_name("en") or self.code

    # Numbers and dates ---------------------------------------------------------------------------

    def number(self, n: float) -> str:
        """1234567 → 1,234,567 (en), 1.234.567 (de), 1 234 567 (uk)."""
        return format_decimal(n, locale=self.locale)

    def date(self, day: date | datetime, kind: str = "date") -> str:
        """A day as this language writes it, for one use (`date`, `day_month`, `day_month_year`)."""
        if self.is_source:
            return format_date(day, _ENGLISH_PATTERNS[kind], locale=self.locale)
        return format_skeleton(_SKELETONS[kind], day, locale=self.locale)

    def weekday(self, n: int) -> str:
        """Weekday `n` (0 Monday … 6 Sunday) by its name in this language: Monday, понеділок, Montag."""
        return get_day_names("wide", locale=self.locale)[n]

    def iso_date(self, value: str) -> str:
        """An ISO date or instant as stored ("2024-04-16", "2024-04-16T09:00:00Z") written as a date; a
        value that is no date is shown as it is."""
        if self.is_source:
            return value[:10]
        try:
            return self.date(date.fromisoformat(value[:10]))
        except ValueError:
            return value[:10]

    def moment(self, instant: datetime, zone: tzinfo | None = None) -> str:
        """An instant in `zone` (default UTC) as a date and a 24-hour time: `2024-04-16 09:00` (en)."""
        local = instant.astimezone(zone or timezone.utc)
        if self.is_source:
            return f"{local:%Y-%m-%d %H:%M}"
        return f"{self.date(local.date())} {local:%H:%M}"

    def weekday_time(self, instant: datetime, zone: tzinfo) -> str:
        """When something comes, in `zone`: `Tue 16 Apr, 09:00` (en), `Di., 16. Apr., 09:00` (de)."""
        local = instant.astimezone(zone)
        if self.is_source:
            return format_datetime(local, _ENGLISH_PATTERNS["weekday_time"], tzinfo=zone, locale=self.locale)
        day = format_skeleton(_SKELETONS["weekday"], local, tzinfo=zone, locale=self.locale)
        pattern = str(self.locale.datetime_formats.get("medium", "{1}, {0}"))
        return pattern.replace("{1}", day).replace("{0}", f"{local:%H:%M}")


# The catalogs ------------------------------------------------------------------------------------

_lock = threading.Lock()
_loaded: dict[str, Translator] = {}
_folder: Path | None = None


def _compile(path: Path, code: str) -> NullTranslations:
    """A `.po` file as Translations: read with Babel, written as a `.mo` in memory (fuzzy entries left
    out, as msgfmt does) and loaded from there."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with path.open("rb") as file:
        catalog = read_po(file, locale=code, domain="briefbot")
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain="briefbot")


def catalog_files(folder: Path | None = None) -> dict[str, Path]:
    """The catalogs in the folder, by language code (its file name): `uk.po` → "uk"."""
    folder = folder or LOCALES
    found = {}
    for path in sorted(folder.glob("*.po")):
        code = path.stem
        if not _CODE.match(code):
            log.warning("%s is not named after a language code (uk.po, pt_BR.po); it is left out", path.name)
            continue
        try:
            Locale.parse(code)
        except (ValueError, UnknownLocaleError):
            log.warning("%s names no language Babel knows; it is left out", path.name)
            continue
        found[code] = path
    return found


def load(folder: Path | None = None) -> dict[str, Translator]:
    """Every language: English and one per catalog, read once (again when `folder` changes)."""
    global _folder
    folder = folder or LOCALES
    with _lock:
        if _loaded and _folder == folder:
            return _loaded
        loaded = {SOURCE: ENGLISH}
        for code, path in catalog_files(folder).items():
            if code == SOURCE:
                continue
            try:
                loaded[code] = Translator(code, _compile(path, code))
            except Exception:  # noqa: BLE001 - a broken catalog costs its language, not the bot
                log.exception("The catalog %s could not be read; that language is left out", path)
        _loaded.clear()
        _loaded.update(loaded)
        _folder = folder
        return _loaded


def languages() -> list[Translator]:
    """Every language the bot speaks: English first, then by their own names."""
    loaded = load()
    return [loaded[SOURCE], *sorted((t for c, t in loaded.items() if c != SOURCE), key=lambda t: t.name.casefold())]


def codes() -> list[str]:
    return [t.code for t in languages()]


def match(code: str | None) -> str | None:
    """The language the bot speaks for a code as Telegram or a user gives it (`uk`, `pt-br`, `de_DE`,
    `Deutsch`, `german`), or None."""
    if not code:
        return None
    loaded = load()
    wanted = code.strip().replace("-", "_")
    if not wanted:
        return None
    by_lower = {c.lower(): c for c in loaded}
    exact = by_lower.get(wanted.lower())
    if exact:
        return exact
    primary = by_lower.get(wanted.split("_")[0].lower())
    if primary:
        return primary
    folded = wanted.casefold()
    for t in loaded.values():
        if folded in (t.name.casefold(), t.english_name.casefold()):
            return t.code
    return None


def translator(code: str | None = None) -> Translator:
    """The translator for `code` (as `match` reads it); English for anything the bot does not speak."""
    loaded = load()
    return loaded.get(match(code) or SOURCE, loaded[SOURCE])


ENGLISH = Translator(SOURCE)  # the source language: the messages as written
