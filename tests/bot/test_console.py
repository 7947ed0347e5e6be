"""`briefbot console` driven through a pipe, as a user would type."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

TAG = re.compile(r"</?(b|i|code|blockquote|a)\b[^>]*>")


def console(store: Path, typed: str, state: Path | None = None) -> str:
    briefbot = Path(sys.executable).parent / "briefbot"
    env = {**os.environ, "BRIEFING_DB": str(store), "TELEGRAM_BOT_TOKEN": "",
           "STATE_DB": str(state or store.parent / "console-state.db")}
    done = subprocess.run([str(briefbot), "console"], input=typed, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_console_answers_without_html_and_buttons_are_numbered(seed_store):
    out = console(seed_store, "/who blinkin\n1\n/quit\n/help\n")
    assert "Anthony J. Blinken\nSecretary of State" in out
    assert "[1] All quotes" in out and "[2] Mentions" in out
    assert "Quotes by Anthony J. Blinken (1–" in out  # pressing 1 showed the quotes
    assert "/help" not in out.split("Quotes by", 1)[1]  # nothing after /quit was answered
    assert not TAG.search(out)


def test_console_paging_choices_and_escaping(synthetic_store):
    out = console(synthetic_store, "/quotes reyes\n1\n/quotes okonkwo\n/who smith\n2\n")
    assert "(6–10 of 12)" in out
    assert "Fishermen <and> dockers & sailors" in out  # stored text shown as written, not as entities
    assert "John Smith\nSenator" in out
    assert not TAG.search(out.replace("<and>", ""))


def test_console_quiz_inline_and_bad_input(seed_store):
    out = console(seed_store, "/quiz\n1\nhello\n@ haines\n1\n/who\n99\n/search ((\n")
    assert "Who said it?" in out and ("Right!" in out or "No — it was" in out)
    assert "I answer commands." in out
    assert "Inline results:\n  [1] Avril D. Haines" in out
    assert "Choose a number from 1 to" in out
    assert "has no words I can search for" in out


def test_console_follows_for_its_own_chat(seed_store, tmp_path):
    state = tmp_path / "state.db"
    out = console(seed_store, "/follow blinkin\n/follow crimea -football\n/following\n2\n/following\n/alerts\n"
                              "/start follow-haines\n", state)
    assert "Following Anthony J. Blinken (Secretary of State)" in out and "The last one would have been" in out
    assert "Following the topic crimea -football" in out
    assert "1. 👤 Anthony J. Blinken" in out and "[2] ✖ 2. crimea -football" in out
    assert "Unfollowed crimea -football" in out
    assert "No alerts since the last alert message" in out and "The console sends no alerts by itself" in out
    assert "Following Avril D. Haines" in out
    out = console(seed_store, "/following\n", state)  # kept in state.db
    assert "1. 👤 Anthony J. Blinken" in out and "2. 👤 Avril D. Haines" in out and "crimea" not in out
