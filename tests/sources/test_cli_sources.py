"""`briefbot sources …` and `briefbot fetch` as a user (or cron) runs them: separate processes, real files, feeds
served by a local HTTP server on 127.0.0.1 (ALLOW_PRIVATE_SOURCES=1)."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.sources.local_news import news_site, publish  # noqa: F401 (a fixture)
from tests.store.test_incremental import canonical

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_7c73074e746b7734.txt"


def briefbot(tmp: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "STATE_DB": str(tmp / "state.db"), "SEEDS_DIR": str(tmp / "seeds"),
                   "BRIEFING_DB": str(tmp / "briefing.db"), "ALLOW_PRIVATE_SOURCES": "1", "KEEP_DAYS": "0",
                   "TELEGRAM_BOT_TOKEN": "", **env}
    return subprocess.run([sys.executable, "-m", "bot.frontends.cli", *args], capture_output=True, text=True,
                          cwd=tmp, env=environment, timeout=120)


def documents(db: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute("select title, outlet from documents").fetchall(), key=repr)


def test_sources_add_list_fetch_export_import_and_retention(tmp_path, news_site):
    www, base = news_site
    publish(www, base, with_story=True)
    (tmp_path / "seeds").mkdir()
    shutil.copy(SEED, tmp_path / "seeds" / SEED.name)
    assert briefbot(tmp_path, "build", "--quiet").returncode == 0

    added = briefbot(tmp_path, "sources", "add", f"{base}/wire.xml")
    assert added.returncode == 0, added.stderr
    assert added.stdout.splitlines()[:2] == ["Following 1. Coast Wire: RSS 2.0 feed, 2 entries.",
                                             "Newest: “Harbour wall to be rebuilt before winter” (2024-04-16 09:00 UTC)"]
    page = briefbot(tmp_path, "sources", "add", f"{base}/daily.html", "--name", "The", "Daily", "Tide")
    assert "Following 2. The Daily Tide (the feed found on the page you gave): RSS 2.0 feed, 1 entry." in page.stdout
    again = briefbot(tmp_path, "sources", "add", f"{base}/daily.xml")
    assert again.returncode == 0 and "Already following it: 2. The Daily Tide" in again.stdout
    refused = briefbot(tmp_path, "sources", "add", "file:///etc/passwd")
    assert refused.returncode == 1 and "only http and https" in refused.stdout
    private = briefbot(tmp_path, "sources", "add", f"{base}/other.xml", ALLOW_PRIVATE_SOURCES="0")
    assert private.returncode == 1 and "loopback address" in private.stdout

    fetched = briefbot(tmp_path, "fetch")
    assert fetched.returncode == 0, fetched.stderr
    # The ferry item is a two-line summary: its page (a 404 here) is tried, and the summary kept.
    assert sorted(fetched.stdout.splitlines()[:2]) == ["Coast Wire: 2 new, 1 summary only", "The Daily Tide: 1 new"]
    assert "briefing.db: built" in fetched.stdout
    assert ("Harbour wall to be rebuilt before winter", "Coast Wire") in documents(tmp_path / "briefing.db")
    listed = briefbot(tmp_path, "sources", "list").stdout
    assert "1. Coast Wire (feed) — ok" in listed and "2 entries taken" in listed
    assert briefbot(tmp_path, "fetch").stdout.startswith("No source is due now")
    unchanged = briefbot(tmp_path, "fetch", "--all")
    assert sorted(unchanged.stdout.splitlines()) == ["Coast Wire: 304 not modified", "The Daily Tide: 304 not modified"]

    # The seed folder is the one source of truth: a store built afresh is the store the rounds made.
    incremental = canonical(tmp_path / "briefing.db")  # (its last updates are in the WAL: read, not copied)
    assert len(incremental["documents"]) == 4
    for suffix in ("", "-wal", "-shm"):  # rm briefing.db*
        (tmp_path / f"briefing.db{suffix}").unlink(missing_ok=True)
    assert briefbot(tmp_path, "build", "--quiet").returncode == 0
    assert canonical(tmp_path / "briefing.db") == incremental

    opml = briefbot(tmp_path, "sources", "export")
    assert opml.returncode == 0 and 'xmlUrl="' + base + '/wire.xml"' in opml.stdout
    (tmp_path / "subscriptions.opml").write_text(opml.stdout)
    removed = briefbot(tmp_path, "sources", "remove", "1")
    assert removed.stdout.strip() == "No longer following 1. Coast Wire. Its 2 articles stay in the store."
    assert briefbot(tmp_path, "sources", "remove", "1").returncode == 1
    imported = briefbot(tmp_path, "sources", "import", "subscriptions.opml")
    assert imported.stdout.splitlines()[-1] == "1 added, 1 already followed, 0 skipped"

    # KEEP_DAYS: the fetched articles (April 2024) are older than a day; they leave seeds/ and the store.
    expired = briefbot(tmp_path, "fetch", KEEP_DAYS="1")
    assert "3 fetched articles older than 1 days removed" in expired.stdout
    assert not list((tmp_path / "seeds").rglob("*.md"))
    assert [outlet for _, outlet in documents(tmp_path / "briefing.db")] == [None]  # the seed article stays
