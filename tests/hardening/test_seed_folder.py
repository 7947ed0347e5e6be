"""The seed folder is filled by strangers: names that are not UTF-8 or hold control characters,
symbolic links out of the folder, FIFOs, sockets and devices. Each is skipped with its reason, the
rest is built, and nothing outside the folder ever reaches the store (issue 12 §1, items 1 and 3)."""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.build.seed_records as seed_records
from bot.build import build, seed_files
from bot.documents import UnreadableDocument
from bot.store.queries import Store
from bot.store.texts import load_codec, stored_texts

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_7c73074e746b7734.txt"
STORY = "Talks resume in Geneva\n\nForeign Minister Chen Gang met envoys in Geneva on Monday, officials said.\n"
SECRET = "Zanzibarite quartermaster ledger\n\nThe zanzibarite quartermaster kept the ledger, Mr. Okafor said.\n"


def briefbot(*args, cwd=ROOT, input=None, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "bot.frontends.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=timeout, input=input,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **(env or {})})


def clean_text(value: str) -> bool:
    """Valid UTF-8 (no surrogate escapes) without control characters: safe for SQLite, JSON, Telegram."""
    value.encode("utf-8")
    return not any(unicodedata.category(c) in {"Cc", "Cs"} for c in value)


def stored_text(db: Path) -> list[str]:
    """Every text value of the documents and meta tables, as SQLite hands them back."""
    conn = sqlite3.connect(db)
    conn.text_factory = bytes  # raw bytes: a surrogate escape could not even be decoded
    values = [v for row in conn.execute("select path, title from documents union all select key, value from meta")
              for v in row]
    conn.close()
    return [v.decode("utf-8") for v in values]  # strict: raises on anything that is not UTF-8


# ---- item 1: names -------------------------------------------------------------------------------

def test_a_name_that_is_not_utf8_is_skipped_and_the_build_and_start_go_on(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / SEED.name).write_bytes(SEED.read_bytes())
    with open(os.path.join(os.fsencode(seeds), b"caf\xe9 report.txt"), "wb") as handle:
        handle.write(STORY.encode())
    db = tmp_path / "briefing.db"
    result = briefbot("build", "--seeds", seeds, "--db", db, "--quiet")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "1 documents" in result.stdout
    assert f"skipped {seeds}/caf\\xe9 report.txt: its name is not valid UTF-8" in result.stderr.splitlines()
    assert all(clean_text(v) for v in stored_text(db))
    # `make run` (briefbot start) builds, lists the file, and serves the store.
    started = briefbot("start", cwd=tmp_path, input="/sources\n", env={
        "SEEDS_DIR": str(seeds), "BRIEFING_DB": str(db), "STATE_DB": str(tmp_path / "state.db")})
    assert started.returncode == 0, started.stderr
    assert "US officials said" in started.stdout and "not valid UTF-8" in started.stderr


def test_names_with_newlines_control_or_bidi_characters_are_skipped_and_shown_escaped(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    names = {"forged\nskipped x.txt: all fine.txt": "control characters", "tab\there.md": "control characters",
             "esc\x1b[31mred.txt": "control characters", "txt.\u202eexe.txt": "bidirectional",
             "a" * 250 + ".txt": None, "zero\u200bwidth.txt": None}
    for name in names:
        (seeds / name).write_text(STORY, encoding="utf-8")
    report = build(seeds, tmp_path / "briefing.db")
    reasons = {s.path: s.reason for s in report.skipped}
    assert report.documents == 2  # the long name and the zero-width space are fine names
    for name, problem in names.items():
        shown = str(seeds / name).replace("\n", "\\n").replace("\t", "\\t").replace("\x1b", "\\u001b") \
            .replace("\u202e", "\\u202e")
        if problem:
            assert problem in reasons[shown]
    assert all(clean_text(path) and "\n" not in path for path in reasons)
    assert all(clean_text(v) for v in stored_text(tmp_path / "briefing.db"))


NAME_BYTES = st.binary(min_size=1, max_size=40).filter(lambda b: b"/" not in b and b"\x00" not in b
                                                       and b not in {b".", b".."})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(NAME_BYTES, min_size=1, max_size=4, unique=True))
def test_any_file_names_give_a_build_with_every_file_stored_or_skipped(tmp_path_factory, names):
    folder = tmp_path_factory.mktemp("names")
    seeds = folder / "seeds"
    seeds.mkdir()
    for raw in names:
        with open(os.path.join(os.fsencode(seeds), raw + b".txt"), "wb") as handle:
            handle.write(STORY.encode())
    report = build(seeds, folder / "briefing.db")
    visible = [raw for raw in names if not raw.startswith(b".")]
    assert report.documents + len(report.skipped) == len(visible)
    assert all(clean_text(s.path) and clean_text(s.reason) for s in report.skipped)
    assert all(clean_text(v) for v in stored_text(folder / "briefing.db"))
    again = build(seeds, folder / "briefing.db")  # and the next build is a no-op that says the same
    assert again.unchanged and again.skipped == report.skipped


# ---- item 3: links, FIFOs, sockets, devices --------------------------------------------------------

@pytest.fixture
def outside(tmp_path) -> Path:
    secret = tmp_path / "private" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET, encoding="utf-8")
    return secret


def test_links_out_of_the_folder_are_never_followed_and_are_listed(tmp_path, outside):
    seeds = tmp_path / "seeds"
    (seeds / "sub").mkdir(parents=True)
    (seeds / "story.txt").write_text(STORY, encoding="utf-8")
    (seeds / "secret.txt").symlink_to(outside)
    (seeds / "passwd.txt").symlink_to("/etc/passwd")
    (seeds / "private").symlink_to(outside.parent, target_is_directory=True)
    (seeds / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (seeds / "sub" / "up.txt").symlink_to("../../private/secret.txt")
    (seeds / "copy.txt").symlink_to("story.txt")  # inside: the file is read once, by its own name
    db = tmp_path / "briefing.db"
    result = briefbot("build", "--seeds", seeds, "--db", db, "--quiet")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    for name in ("secret.txt", "passwd.txt", "sub/up.txt"):
        assert f"skipped {seeds}/{name}: a symbolic link to a file outside the seed folder; links are not followed" \
            in lines
    assert f"skipped {seeds}/private: a symbolic link to a folder outside the seed folder; links are not followed" \
        in lines
    assert any(line.startswith(f"skipped {seeds}/gone.txt: a dangling symbolic link") for line in lines)
    assert any(line.startswith(f"skipped {seeds}/copy.txt: a symbolic link to story.txt in the seed folder")
               for line in lines)
    store = Store(db)
    assert store.summary()["documents"] == 1
    hits, total = store.search("zanzibarite", 0, 5)
    assert total == 0 and hits == []
    conn = sqlite3.connect(db)
    codec = load_codec(conn)
    assert not any("root:" in text for _, stored in stored_texts(conn) for _, text in codec.decode(stored))
    conn.close()


def test_a_file_swapped_for_a_link_after_the_folder_was_listed_is_not_read(tmp_path, outside, monkeypatch):
    """The race: the folder is listed and hashed, then a file (or a folder on its path) becomes a link."""
    seeds = tmp_path / "seeds"
    (seeds / "sub").mkdir(parents=True)
    (seeds / "story.txt").write_text(STORY, encoding="utf-8")
    (seeds / "sub" / "secret.txt").write_text(STORY.replace("Geneva", "Vienna"), encoding="utf-8")
    real = seed_records.look

    def then_swap(*args, **kwargs):
        hashes = real(*args, **kwargs)
        (seeds / "story.txt").unlink()
        (seeds / "story.txt").symlink_to(outside)
        (seeds / "sub").rename(tmp_path / "old_sub")
        (seeds / "sub").symlink_to(outside.parent, target_is_directory=True)
        return hashes

    monkeypatch.setattr(seed_records, "look", then_swap)
    report = build(seeds, tmp_path / "briefing.db")
    reasons = {Path(s.path).relative_to(seeds).as_posix(): s.reason for s in report.skipped}
    assert report.documents == 0
    assert "symbolic link" in reasons["story.txt"] and "symbolic link" in reasons["sub/secret.txt"]
    from bot.documents import read_seed

    with pytest.raises(UnreadableDocument, match="symbolic link"):
        read_seed(seeds, "sub/secret.txt")


def test_fifos_sockets_and_devices_never_block_and_are_listed(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "story.txt").write_text(STORY, encoding="utf-8")
    os.mkfifo(seeds / "pipe.txt")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(seeds / "socket.txt"))
    kinds = {"pipe.txt": "a FIFO", "socket.txt": "a socket"}
    try:
        os.mknod(seeds / "null.txt", 0o600 | 0o020000, os.makedev(1, 3))  # a character device, as /dev/null
        kinds["null.txt"] = "a character device"
    except PermissionError:
        pass
    (seeds / "link_to_pipe.txt").symlink_to("pipe.txt")
    result = briefbot("build", "--seeds", seeds, "--db", tmp_path / "briefing.db", "--quiet", timeout=60)
    listener.close()
    assert result.returncode == 2, result.stderr
    assert "1 documents" in result.stdout
    for name, kind in kinds.items():
        assert f"skipped {seeds}/{name}: not a regular file but {kind}" in result.stderr
    assert f"skipped {seeds}/link_to_pipe.txt: a symbolic link" in result.stderr


def test_explicit_paths_to_fifos_are_refused_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    result = briefbot("extract", tmp_path / "pipe.txt", "--json", timeout=60)
    assert "not a regular file but a FIFO" in result.stderr


def test_a_folder_nested_deeper_than_the_recursion_limit_is_walked(tmp_path):
    """400 folders deep, walked under a recursion limit of 200 frames above this test (a walk that
    recursed would need 400; the folder stays shallow enough for pytest's own clean-up)."""
    import inspect

    seeds = deep = tmp_path / "seeds"
    seeds.mkdir()
    for _ in range(400):
        deep = deep / "d"
        deep.mkdir()
    (deep / "story.txt").write_text(STORY, encoding="utf-8")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 200)
    try:
        report = build(seeds, tmp_path / "briefing.db")
        files = seed_files(seeds)
    finally:
        sys.setrecursionlimit(limit)
    assert report.documents == 1 and report.skipped == []
    assert files == [deep / "story.txt"]
