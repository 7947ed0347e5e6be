"""Answers that must agree with each other and with the README (issue 12 §1, item 7): /quotes offers the
choice /who offers; /brief says the same for every number that names no document; `briefbot extract`
fails (1) on a file it cannot read; the console's /digest previews a digest and records nothing."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot.conftest import synthetic, synthetic_store  # noqa: F401  (fixtures: two Smiths, two documents)

ROOT = Path(__file__).resolve().parents[2]


def test_quotes_of_a_shared_surname_offers_the_choice_who_offers(synthetic):
    who = synthetic.answer("who", "smith")
    quotes = synthetic.answer("quotes", "smith")
    assert quotes.html.startswith("Several people match “smith”. Whose quotations?")
    names = [b.label for row in who.buttons for b in row]
    assert [b.label for row in quotes.buttons[:-1] for b in row] == names == ["Jane Smith", "John Smith"]
    assert quotes.buttons[-1][0].label == "Quotations about “smith”"
    jane = synthetic.answer_callback(quotes.buttons[0][0].callback)
    assert jane.html.startswith("Quotes by Jane Smith")
    about = synthetic.answer_callback(quotes.buttons[-1][0].callback)
    assert about.html.startswith("Quotes about smith")
    assert synthetic.answer("quotes", "john smith").html.startswith("Quotes by John Smith")


def test_inline_mode_and_the_command_line_offer_the_same_choice(synthetic, synthetic_store):
    assert [r.title for r in synthetic.inline_results("smith")] == ["Jane Smith", "John Smith"]
    assert synthetic.inline_results("john smith")[0].title == "John Smith"
    result = subprocess.run([sys.executable, "-m", "bot.frontends.cli", "quotes", "smith", "--db", str(synthetic_store)],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("“smith” names 2 people; ask for one of them:")
    assert "Jane Smith" in result.stdout and "John Smith" in result.stdout and "“" not in result.stdout[40:]


@pytest.mark.parametrize("asked", ["-1", "0", "3", "99999999999999999999", "-99999999999999999999999"])
def test_brief_of_a_number_that_names_no_document_says_so_alike(synthetic, asked):
    total = synthetic.store.summary()["documents"]
    assert synthetic.answer("brief", asked).html == (
        f"There is no document {asked if len(asked) <= 30 else asked[:29] + '…'}; the store holds {total}, "
        "and /sources lists them.")


@pytest.mark.parametrize("asked", ["two", "1.5", "+-1", "1e3"])
def test_brief_of_something_else_gives_the_usage(synthetic, asked):
    assert synthetic.answer("brief", asked).html.startswith("Usage: /brief [N]")


def test_extract_of_a_missing_file_fails_as_the_readme_says(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bot.frontends.cli", "extract", str(tmp_path / "missing.txt")],
                            capture_output=True, text=True, timeout=60, cwd=ROOT,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert result.stderr == f"briefbot: cannot read {tmp_path / 'missing.txt'}: cannot be opened (No such file or directory)\n"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    statuses = re.search(r"Exit statuses of `briefbot`:(.*?)\n\n", readme, re.DOTALL).group(1)
    assert re.search(r"`1` failed \(.*?for `extract`: a file named could not be read.*?\); `2`", " ".join(statuses.split()))


def console(store: Path, typed: str, state: Path) -> str:
    env = {**os.environ, "BRIEFING_DB": str(store), "STATE_DB": str(state), "TELEGRAM_BOT_TOKEN": ""}
    done = subprocess.run([str(Path(sys.executable).parent / "briefbot"), "console"], input=typed, env=env,
                          capture_output=True, text=True, timeout=60, cwd=state.parent)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_console_previews_the_digest_and_records_nothing(seed_store, tmp_path):
    state = tmp_path / "state.db"
    out = console(seed_store, "/digest\n/digest\n", state)
    previews = out.split("Preview of the digest a chat subscribing now would get")
    assert len(previews) == 3  # twice the same preview: nothing was marked as seen
    assert "US officials said the Ukrainian attack" in previews[1]
    assert previews[1].strip() == previews[2].strip()
    assert "Here, /digest shows" not in out  # the preview, not the answer of a Telegram-only command
    assert not state.exists() and not list(tmp_path.glob("state.db*"))


def test_the_console_says_what_subscribe_and_settings_do_in_telegram(seed_store, tmp_path):
    out = console(seed_store, "/subscribe 07:30 Europe/Kyiv\n/settings\n/unsubscribe\n", tmp_path / "state.db")
    assert "/subscribe (a daily digest at your local time) works in a Telegram chat" in out
    assert "/settings (digest time, zone, contents and last delivery) works in a Telegram chat" in out
    assert "/unsubscribe (stop the daily digest) works in a Telegram chat" in out
    assert "Here, /digest shows what a digest would hold now." in out
    assert not (tmp_path / "state.db").exists()
