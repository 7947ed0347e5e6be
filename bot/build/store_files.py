"""The store's files on disk: locks that make builds take turns, temp files of killed builds, the WAL
emptied before a rename, and fsyncs that make the rename durable."""
from __future__ import annotations

import contextlib
import glob
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from bot.build.report import StoreBusy

try:
    import fcntl
except ImportError:  # Windows: no flock, so stale temp files are not cleaned up there
    fcntl = None

TEMP_SUFFIX = ".building"  # a store being written, beside the one it will replace
# How long a build waits for the live store: for another build's turn, for a reader's transaction to
# end before the log can be emptied, for SQLite's write lock. Then it fails (StoreBusy), the old store serving.
STORE_WAIT_SECONDS = 30.0
_RETRY_SECONDS = 0.05


def hold_lock(handle: int) -> None:
    """Lock a build's temp file for as long as the build runs (the lock dies with the process)."""
    if fcntl is not None:
        fcntl.flock(handle, fcntl.LOCK_EX)


def remove_stale_builds(db_path: Path) -> None:
    """Delete temp files that killed builds (SIGKILL, power loss) left beside the store.

    A running build holds a lock on its temp file, so only files nobody holds are removed, never
    the file of a build still running in another process. Without flock (Windows) nothing is removed.
    """
    if fcntl is None:
        return
    for path in db_path.parent.glob(f".{glob.escape(db_path.name)}.*{TEMP_SUFFIX}"):
        try:
            with path.open("rb") as stale:
                fcntl.flock(stale.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                path.unlink()
        except OSError:  # held by a running build, or already gone
            continue


@contextlib.contextmanager
def store_lock(db_path: Path) -> Iterator[None]:
    """Builds that change the live store (an in-place update, the rename of a new file) take turns.

    The lock is a flock on the store's folder (no lock file to leave behind); it dies with the process.
    """
    if fcntl is None:
        yield
        return
    fd = os.open(db_path.parent, os.O_RDONLY)
    try:
        deadline = time.monotonic() + STORE_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreBusy(f"another build has been updating {db_path} for over {STORE_WAIT_SECONDS:g} s; "
                                    "try again when it is done (the store it leaves is serving)") from None
                time.sleep(_RETRY_SECONDS)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def live_update(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the live store for one in-place change, under the builds' lock (`store_lock`):
    commits wait for the log only (WAL keeps them atomic), with a page cache of 256 MB. Closed at the end."""
    with store_lock(db_path):
        conn = sqlite3.connect(db_path, isolation_level=None, timeout=STORE_WAIT_SECONDS)
        try:
            conn.execute("pragma synchronous = normal")
            conn.execute("pragma cache_size = -262144")
            yield conn
        finally:
            conn.close()


@contextlib.contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One transaction holding the write lock from its start: committed when the block ends (unless the
    block ended it), rolled back when it raises."""
    conn.execute("begin immediate")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("rollback")
        raise
    if conn.in_transaction:
        conn.execute("commit")


def empty_wal(db_path: Path) -> None:
    """Before a new file is renamed over a store in WAL mode: move every committed page into the old
    file and cut its `-wal` to zero bytes, so that no frame of the old store's log can ever be read
    as part of the new one (the `-wal` and `-shm` files go by name, not by inode)."""
    if not db_path.exists():  # a log left by a store deleted while open is nobody's: it must not pair with ours
        for leftover in (Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
            leftover.unlink(missing_ok=True)
        return
    if not Path(f"{db_path}-wal").exists():
        return
    # Tried again and again until STORE_WAIT_SECONDS have passed (SQLite's busy timeout would be paid
    # once per lock the checkpoint takes, so its total is not bounded by it).
    deadline = time.monotonic() + STORE_WAIT_SECONDS
    conn = sqlite3.connect(db_path, timeout=0)
    try:
        while True:
            try:
                busy, _, _ = conn.execute("pragma wal_checkpoint(truncate)").fetchone()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                busy = 1
            if not busy:
                return
            if time.monotonic() >= deadline:
                raise StoreBusy(f"{db_path} is busy: a reader has held a transaction on it for over "
                                f"{STORE_WAIT_SECONDS:g} s, so its log could not be emptied and the new store was "
                                "not swapped in; the old store is serving. Try again when it is idle")
            time.sleep(_RETRY_SECONDS)
    finally:
        conn.close()


def sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_directory(path: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
