"""The `briefbot` command line, run as a user runs it: a separate process, real files."""
import json
import subprocess
import sys

from .conftest import ROOT, SEED


def briefbot(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "bot.frontends.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_build_then_no_op_then_skipped_files(seeds, tmp_path):
    db = tmp_path / "briefing.db"
    first = briefbot("build", "--seeds", seeds, "--db", db)
    assert first.returncode == 0, first.stderr
    assert "3 documents" in first.stdout and "reading 3/3" in first.stderr
    again = briefbot("build", "--seeds", seeds, "--db", db, "--quiet")
    assert again.returncode == 0 and "unchanged" in again.stdout and again.stderr == ""
    (seeds / "broken.txt").write_bytes(b"\xff\xfe\x00garbage")
    skipped = briefbot("build", "--seeds", seeds, "--db", db, "--quiet")
    assert skipped.returncode == 2
    assert "3 documents" in skipped.stdout
    assert "broken.txt" in skipped.stderr and "binary" in skipped.stderr


def test_extract_json_contract(tmp_path):
    other = tmp_path / "note.md"
    other.write_text("# A note\n\nNothing much happened.\n", encoding="utf-8")
    result = briefbot("extract", SEED, other, "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["path"] for line in lines] == [str(SEED), str(other)]
    text = SEED.read_bytes().decode("utf-8-sig")
    for line in lines:
        assert list(line) == ["path", "title", "people", "quotes"]
        for person in line["people"]:
            assert list(person) == ["name", "aliases", "role", "mentions"]
        for quote in line["quotes"]:
            assert list(quote) == ["text", "start", "end", "speaker", "kind", "confidence", "cue"]
            assert quote["kind"] in ("direct", "indirect", "mixed") and 0 <= quote["confidence"] <= 1
    for quote in lines[0]["quotes"]:
        assert quote["text"] == text[quote["start"]:quote["end"]]
        if quote["cue"]:
            assert quote["cue"]["text"] == text[quote["cue"]["start"]:quote["cue"]["end"]]
    assert {q["kind"] for q in lines[0]["quotes"]} >= {"direct", "indirect"}
    assert lines[1]["title"] == "A note"


def test_extract_reports_unreadable_files_and_goes_on(tmp_path):
    """A file named on the command line that cannot be read is a failure (exit 1); the others are done."""
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    result = briefbot("extract", bad, SEED, tmp_path / "missing.txt", "--json")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"briefbot: cannot read {bad}: empty (no text)",
                                          f"briefbot: cannot read {tmp_path / 'missing.txt'}: cannot be opened "
                                          "(No such file or directory)"]
    assert len(result.stdout.splitlines()) == 1


def test_people_and_quotes_answer_from_the_store(built):
    people = briefbot("people", "--db", built)
    assert people.returncode == 0
    assert people.stdout.splitlines()[0].startswith("Anthony J. Blinken, Secretary of State (4 mentions)")
    quotes = briefbot("quotes", "blinkin", "--db", built)
    assert quotes.returncode == 0
    assert quotes.stdout.startswith("Anthony J. Blinken, Secretary of State (2):")
    assert "“We will stand with Ukraine" in quotes.stdout
    newest = briefbot("quotes", "--db", built)
    assert "China is ready" in newest.stdout
    topic = briefbot("quotes", "negotiations", "--db", built)
    assert "Nobody called" in topic.stdout and "real negotiations" in topic.stdout


def test_missing_store_exits_3(tmp_path):
    result = briefbot("people", "--db", tmp_path / "none.db")
    assert result.returncode == 3 and "briefbot build" in result.stderr


def test_start_without_token_builds_then_opens_the_console(seeds, tmp_path):
    db = tmp_path / "state" / "briefing.db"
    result = subprocess.run([sys.executable, "-m", "bot.frontends.cli", "start"], input="", capture_output=True, text=True,
                            cwd=tmp_path, timeout=120,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "SEEDS_DIR": str(seeds),
                                 "BRIEFING_DB": str(db), "STATE_DB": str(tmp_path / "state.db"),
                                 "TELEGRAM_BOT_TOKEN": ""})
    assert result.returncode == 0, result.stderr
    assert db.is_file() and "3 documents" in result.stdout
