"""The message catalogs against the code: extraction, the checks that keep them complete, updating.

`extract()` reads every message the code marks (`t._`, `t.n_`, `t.p_`, `t.np_`, `N_`; Babel's Python
extractor over `bot/` and `handlers/`). `check()` compares each `bot/locales/<code>.po` with it and
lists every problem: a message missing or left untranslated, a stale one the code no longer has, a
fuzzy one, a translation whose placeholders or HTML tags are not the English message's, plural forms
that are not the language's (Babel's rule for it, in the header and in each message), a message whose
English singular and plural disagree on placeholders. `briefbot catalogs` prints them and exits 1, and
a test runs it, so a stale catalog fails the build. `update_catalogs()` merges the code's messages into
every catalog (what changed becomes fuzzy, what is new waits for its translation); `new_catalog(code)`
starts a language.
"""
from __future__ import annotations

import io
import re
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from bot.i18n import LOCALES, catalog_files

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "bot", ROOT / "handlers"]
KEYWORDS = {"_": None, "N_": None, "n_": (1, 2), "p_": ((1, "c"), 2), "np_": ((1, "c"), 2, 3)}
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>")
PROJECT = "Briefbot"


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def tags(text: str) -> Counter:
    return Counter(match.group(0) for match in TAG.finditer(text))


def extract(sources: list[Path] | None = None) -> Catalog:
    """Every message the code marks, as a template catalog (no translations)."""
    template = Catalog(project=PROJECT, charset="utf-8", fuzzy=False)
    for folder in sources or SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
                folder, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
                strip_comment_tags=True):
            location = (str((folder / filename).relative_to(ROOT)) if (folder / filename).is_relative_to(ROOT)
                        else filename, lineno)
            template.add(message, None, [location], auto_comments=comments, context=context)
    return template


def _key(message: Message) -> tuple[str, str | None]:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return msgid, message.context


def _ids(message: Message) -> list[str]:
    return [message.id] if isinstance(message.id, str) else list(message.id)


def _strings(message: Message) -> list[str]:
    if isinstance(message.string, str):
        return [message.string]
    return list(message.string or [])


def read_catalog(path: Path, code: str) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=code, domain="briefbot")


def check_catalog(catalog: Catalog, template: Catalog, name: str) -> list[str]:
    """Everything wrong with one language's catalog, against the code's messages."""
    problems = []
    code = str(catalog.locale)
    expected, rule = get_plural(catalog.locale)
    header = catalog.mime_headers and dict(catalog.mime_headers).get("Plural-Forms", "")
    if f"nplurals={expected};" not in (header or "").replace(" ", ""):
        problems.append(f"{name}: the header's Plural-Forms is {header!r}; {code} has {expected} forms: "
                        f"nplurals={expected}; plural={rule};")
    wanted = {_key(m): m for m in template if m.id}
    have = {_key(m): m for m in catalog if m.id}
    for key in sorted(wanted.keys() - have.keys(), key=str):
        problems.append(f"{name}: missing: {key[0]!r}" + (f" (context {key[1]!r})" if key[1] else ""))
    for key in sorted(have.keys() - wanted.keys(), key=str):
        problems.append(f"{name}: stale (no longer in the code): {key[0]!r}" + (f" (context {key[1]!r})" if key[1] else ""))
    for key in sorted(wanted.keys() & have.keys(), key=str):
        source, message = wanted[key], have[key]
        label = f"{name}: {key[0]!r}"
        if message.fuzzy:
            problems.append(f"{label} is fuzzy (check the translation, then remove the fuzzy flag)")
        if message.pluralizable != source.pluralizable or _ids(message) != _ids(source):
            problems.append(f"{label}: its plural form changed in the code (run briefbot catalogs --update)")
            continue
        strings = _strings(message)
        done = [s for s in strings if s.strip()]
        if source.pluralizable and done and (len(done) != len(strings) or len(strings) != expected):
            problems.append(f"{label} has {len(done)} plural forms; {code} has {expected}")
            continue
        if not done or len(done) != len(strings):
            problems.append(f"{label} is not translated")
            continue
        english = _ids(source)[-1]  # the plural English message holds every placeholder (also {n})
        for string in strings:
            if placeholders(string) != placeholders(english):
                problems.append(f"{label}: placeholders {sorted(placeholders(string))} in {string!r}, "
                                f"not the English {sorted(placeholders(english))}")
            if tags(string) != tags(english):
                problems.append(f"{label}: tags {sorted(tags(string).elements())} in {string!r}, "
                                f"not the English {sorted(tags(english).elements())}")
            if string.strip(" ") != string.strip() and english.strip(" ") == english.strip():
                problems.append(f"{label}: {string!r} starts or ends with a line break the English has not")
    return problems


def check_template(template: Catalog) -> list[str]:
    """What is wrong in the code's own messages: a plural whose singular holds other placeholders."""
    problems = []
    for message in template:
        if message.id and message.pluralizable:
            singular, plural = message.id[0], message.id[1]
            if placeholders(singular) != placeholders(plural) or "n" not in placeholders(plural):
                problems.append(f"code: {singular!r} / {plural!r}: the singular and the plural need the same "
                                "placeholders, {n} among them (say 'once' as a message of its own)")
    return problems


_CALL_IN_FSTRING = re.compile(r"\{[^{}]*\b(?:_|n_|p_|np_|N_)\(\s*['\"]")  # a call with a literal message


def hidden_messages(sources: list[Path] | None = None) -> list[str]:
    """Translator calls inside f-strings: the extractor cannot see them, so no catalog would have them."""
    import tokenize

    found = []
    for folder in sources or SOURCES:
        for path in sorted(folder.rglob("*.py")):
            with path.open("rb") as file:
                for token in tokenize.tokenize(file.readline):
                    if token.type == tokenize.STRING and re.match(r"[rRbB]*[fF]", token.string) \
                            and _CALL_IN_FSTRING.search(token.string):
                        found.append(f"code: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:"
                                     f"{token.start[0]}: a message inside an f-string is never extracted")
    return found


def check(folder: Path | None = None, sources: list[Path] | None = None) -> list[str]:
    """Every problem of every catalog in `folder` (default bot/locales), against the code."""
    template = extract(sources)
    problems = check_template(template) + hidden_messages(sources)
    for code, path in catalog_files(folder or LOCALES).items():
        try:
            catalog = read_catalog(path, code)
        except Exception as exc:  # noqa: BLE001 - a broken file is one more problem to report
            problems.append(f"{path.name}: cannot be read: {exc}")
            continue
        problems += check_catalog(catalog, template, path.name)
    return problems


def _write(catalog: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, sort_output=False, include_previous=True)
    path.write_bytes(buffer.getvalue())


def update_catalogs(folder: Path | None = None) -> dict[Path, dict[str, int]]:
    """Merge the code's messages into every catalog: new ones untranslated, changed ones fuzzy (with the
    previous English), those the code dropped removed. Returns counts per catalog."""
    template = extract()
    done = {}
    for code, path in catalog_files(folder or LOCALES).items():
        catalog = read_catalog(path, code)
        before = {_key(m) for m in catalog if m.id}
        catalog.update(template, no_fuzzy_matching=False, update_header_comment=False)
        obsolete = len(catalog.obsolete)
        catalog.obsolete.clear()
        after = [m for m in catalog if m.id]
        done[path] = {"new": sum(1 for m in after if _key(m) not in before),
                      "fuzzy": sum(1 for m in after if m.fuzzy), "obsolete": obsolete}
        _write(catalog, path)
    return done


def new_catalog(code: str, folder: Path | None = None) -> Path:
    """bot/locales/CODE.po with every message to translate and the language's plural rule."""
    try:
        locale = Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        raise ValueError(f"{code!r} is no language code Babel knows (uk, de, pt_BR, …)") from None
    path = (folder or LOCALES) / f"{code}.po"
    if path.exists():
        raise ValueError(f"{path} exists already; `briefbot catalogs --update` brings it up to date")
    template = extract()
    catalog = Catalog(locale=locale, project=PROJECT, version="0.1.0", charset="utf-8", fuzzy=False,
                      creation_date=datetime.now(timezone.utc), language_team=locale.get_display_name("en"),
                      header_comment=f"# {locale.get_display_name('en')} messages of Briefbot.\n# A language is this one "
                                     "file; see README.md, \"Languages\", for updating it.", msgid_bugs_address="")
    for message in template:
        if message.id:
            catalog.add(message.id, None, message.locations, auto_comments=message.auto_comments,
                        context=message.context)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(catalog, path)
    return path
