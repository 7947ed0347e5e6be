"""The catalogs against the code: `briefbot catalogs` passes on the shipped ones and fails, naming the
message, on every kind of stale or broken catalog; a new language is one .po file."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from bot import i18n
from bot.i18n import catalogs

BRIEFBOT = Path(sys.executable).parent / "briefbot"
SHIPPED = ["de", "es", "fr", "ru", "uk"]


def test_briefbot_catalogs_passes_on_the_shipped_catalogs():
    """The build of the catalogs: every message of the code translated in every catalog, no stale or fuzzy
    one, the same placeholders and tags, the language's plural forms. A missing translation fails here."""
    done = subprocess.run([str(BRIEFBOT), "catalogs"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all complete" in done.stderr and ", ".join(SHIPPED) in done.stderr
    assert len(catalogs.extract()) > 300  # the extraction found the code's messages


def test_the_shipped_languages_are_discovered_with_their_own_names():
    names = {t.code: t.name for t in i18n.languages()}
    assert names == {"en": "English", "uk": "Українська", "ru": "Русский", "de": "Deutsch", "fr": "Français",
                     "es": "Español"}
    assert i18n.codes()[0] == "en"


@pytest.fixture
def folder(tmp_path):
    """A copy of the catalogs to break."""
    copy = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES, copy)
    return copy


def edit(path: Path, change) -> None:
    with path.open("rb") as file:
        catalog = read_po(file, locale=path.stem)
    change(catalog)
    with path.open("wb") as file:
        write_po(file, catalog)


def problems_of(folder: Path) -> list[str]:
    return catalogs.check(folder)


def test_a_copy_of_the_catalogs_has_no_problem(folder):
    assert problems_of(folder) == []


def test_a_missing_translation_fails(folder):
    edit(folder / "de.po", lambda c: c.delete("Nothing new since your last digest."))
    assert problems_of(folder) == ["de.po: missing: 'Nothing new since your last digest.'"]


def test_an_untranslated_message_fails(folder):
    def blank(c):
        c["Alerts on"].string = ""
    edit(folder / "fr.po", blank)
    assert problems_of(folder) == ["fr.po: 'Alerts on' is not translated"]


def test_a_stale_message_the_code_no_longer_has_fails(folder):
    edit(folder / "uk.po", lambda c: c.add("Briefbot says goodbye.", "Briefbot прощається."))
    assert problems_of(folder) == ["uk.po: stale (no longer in the code): 'Briefbot says goodbye.'"]


def test_a_fuzzy_translation_fails(folder):
    def fuzz(c):
        c["Alerts off"].flags.add("fuzzy")
    edit(folder / "es.po", fuzz)
    assert any("'Alerts off' is fuzzy" in p for p in problems_of(folder))


def test_other_placeholders_or_tags_fail(folder):
    def break_it(c):
        c["Quotes by {name}"].string = "Zitate von {nom}"
        c["<b>Key points</b>"].string = "<i>Das Wichtigste</i>"
    edit(folder / "de.po", break_it)
    found = problems_of(folder)
    assert any("'Quotes by {name}': placeholders ['nom']" in p for p in found)
    assert any("'<b>Key points</b>': tags" in p for p in found)


def test_wrong_plural_forms_fail(folder):
    def two_forms(c):
        c["{n} quote"].string = ("{n} цитата", "{n} цитати")  # Ukrainian has three
    edit(folder / "uk.po", two_forms)
    assert any("'{n} quote' has 2 plural forms; uk has 3" in p for p in problems_of(folder))


def test_a_plural_form_without_the_number_fails(folder):
    def once(c):
        c["{n} quote"].string = ("одна цитата", "{n} цитати", "{n} цитат")  # 21 would read "одна цитата"
    edit(folder / "uk.po", once)
    assert any("'{n} quote': placeholders []" in p for p in problems_of(folder))


def test_a_header_with_the_wrong_plural_rule_fails(folder):
    path = folder / "ru.po"
    text = path.read_text(encoding="utf-8")
    start = text.index('"Plural-Forms:')
    end = text.index('"MIME-Version')
    path.write_text(text[:start] + '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n' + text[end:], encoding="utf-8")
    assert any("ru.po: the header's Plural-Forms" in p for p in problems_of(folder))


def test_briefbot_catalogs_exits_1_and_names_the_problem(folder, tmp_path, monkeypatch):
    """The command line over a broken folder (bot.i18n.LOCALES pointed at it in a child process)."""
    edit(folder / "de.po", lambda c: c.delete("Alerts on"))
    script = ("import sys; from pathlib import Path; import bot.i18n as i; i.LOCALES = Path(sys.argv[1]); "
              "import bot.i18n.catalogs as c; c.LOCALES = i.LOCALES; from bot.frontends.cli import main; "
              "sys.exit(main(['catalogs']))")
    done = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 1
    assert "de.po: missing: 'Alerts on'" in done.stdout and "1 problems" in done.stderr


def test_a_new_language_is_one_po_file(folder, tmp_path):
    """briefbot catalogs --new starts it; filled in, it is a language: discovered, checked, spoken."""
    path = catalogs.new_catalog("it", folder)
    assert path == folder / "it.po"
    assert any(p.startswith("it.po: ") and p.endswith("is not translated") for p in problems_of(folder))

    def fill(c):  # a stand-in translation: the English words, in Italian quotation marks for one message
        for message in c:
            if message.id:
                message.string = (message.id if isinstance(message.id, str) else
                                  tuple(message.id[-1] for _ in range(c.num_plurals)))
        c["Quotes by {name}"].string = "Citazioni di {name}"
    edit(path, fill)
    assert problems_of(folder) == []
    try:
        loaded = i18n.load(folder)
        assert "it" in loaded and loaded["it"].name == "Italiano"
        assert loaded["it"]._("Quotes by {name}", name="Ann") == "Citazioni di Ann"
    finally:
        i18n.load()  # back to the shipped catalogs


def test_update_merges_new_messages_into_a_catalog(folder):
    edit(folder / "es.po", lambda c: c.delete("Alerts on"))
    counts = catalogs.update_catalogs(folder)
    assert counts[folder / "es.po"]["new"] == 1
    found = problems_of(folder)  # back, waiting for its translation (or fuzzy, matched to a similar one)
    assert found in (["es.po: 'Alerts on' is not translated"], ["es.po: 'Alerts on' is fuzzy (check the translation, "
                                                                 "then remove the fuzzy flag)"])


def test_a_message_inside_an_f_string_is_reported(tmp_path):
    """The extractor cannot see a message inside an f-string; the check says where it is."""
    (tmp_path / "module.py").write_text('x = f"a {t.p_(\'ctx\', \'vs\')} b"\ny = f"{t._(name)}"\nz = t._("Seen.")\n')
    assert catalogs.hidden_messages([tmp_path]) == [
        f"code: {tmp_path / 'module.py'}:1: a message inside an f-string is never extracted"]
    assert catalogs.hidden_messages() == []
