"""The console's language: `--language`, else the LANGUAGE setting, else English; `/language` switches it
for the session. The real `briefbot console`, fed through a pipe."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BRIEFBOT = Path(sys.executable).parent / "briefbot"


def console(seed_store, tmp_path, lines: str, *args: str, language: str = "") -> str:
    env = {**os.environ, "BRIEFING_DB": str(seed_store), "STATE_DB": str(tmp_path / "state.db"), "LANGUAGE": language,
           "TELEGRAM_BOT_TOKEN": ""}
    done = subprocess.run([str(BRIEFBOT), "console", *args], input=lines, capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_console_speaks_the_language_it_is_given(seed_store, tmp_path):
    out = console(seed_store, tmp_path, "/who blinkin\n/brief 9\n", "--language", "uk")
    assert out.startswith("Консоль Briefbot. Надішліть /help")
    assert "Згадано 10 разів у US officials said" in out and "[1] Усі цитати" in out
    assert "Документа 9 немає: у базі 1 документ, список — у /sources." in out


def test_console_takes_the_language_setting_and_switches_with_language(seed_store, tmp_path):
    out = console(seed_store, tmp_path, "/help\n/language es\n/brief 9\n/language\n", language="ru_RU.UTF-8:en")
    assert "/help — этот список" in out
    assert "✅ Idioma de este chat: Español (elegido con /language)." in out
    assert "No hay ningún documento 9; la base tiene 1, y /sources los muestra." in out
    assert "[1] English" in out and "✓ Español" in out


def test_console_without_a_language_stays_english(seed_store, tmp_path):
    out = console(seed_store, tmp_path, "/brief 9\n", language="")
    assert out.startswith("Briefbot console. Type /help")
    assert "There is no document 9; the store holds 1, and /sources lists them." in out
