"""Reading and extracting seed files: in this process for small folders, in a pool over the cores for
large ones, in order and a few chunks in flight so that memory stays flat."""
from __future__ import annotations

import concurrent.futures
import itertools
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from bot.build.extraction_cache import ExtractionCache
from bot.build.prepare import PreparedFile, prepare_file

POOL_THRESHOLD = 200  # files: fewer are read and extracted in this process (a pool costs more than it saves)
CHUNK_SIZE = 16  # files per task sent to a worker
CHUNKS_IN_FLIGHT = 4  # tasks queued per worker: enough to keep it busy, few enough to keep memory flat

_worker_cache: ExtractionCache | None = None


def _worker_start(db_path: str | None, versions: str, parent: int | None) -> None:
    global _worker_cache
    _die_with_parent(parent)
    _worker_cache = ExtractionCache(Path(db_path) if db_path else None, versions)


def _die_with_parent(parent: int | None) -> None:
    """A worker ends when the build that started it is killed (SIGKILL included), instead of living on
    with the build's inherited files open (Linux; elsewhere it ends when its task queue closes)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _worker_prepare(items: list[tuple[str, str, str]]) -> list[PreparedFile]:
    return [prepare_file(Path(path), rel, sha, _worker_cache) for path, rel, sha in items]


def pool_context():
    """fork where it is safe (no other threads: quick, and a test's stand-in extractor comes along), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def prepared_files(items: list[tuple[Path, str, str]], db_path: Path, versions: str,
                     workers: int | None) -> Iterator[PreparedFile]:
    """Every file prepared, in order. Large folders go through a process pool over the cores, fed in
    chunks with a bounded number in flight (memory stays flat); small ones are done here, where
    starting workers would cost more than it saves."""
    if workers is None:
        workers = (os.cpu_count() or 1) if len(items) >= POOL_THRESHOLD else 1
    if workers <= 1:
        cache = ExtractionCache(db_path, versions)
        try:
            for path, rel, sha in items:
                yield prepare_file(path, rel, sha, cache)
        finally:
            cache.close()
        return
    chunks = [[(str(p), r, s) for p, r, s in items[i:i + CHUNK_SIZE]] for i in range(0, len(items), CHUNK_SIZE)]
    in_flight: deque[concurrent.futures.Future] = deque()
    context = pool_context()
    # A forkserver's workers are its children, not ours; it ends with us, and they with it.
    parent = None if context.get_start_method() == "forkserver" else os.getpid()
    with concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker_start,
            initargs=(str(db_path) if db_path.is_file() else None, versions, parent)) as pool:
        try:
            pending = iter(chunks)
            for chunk in itertools.islice(pending, workers * CHUNKS_IN_FLIGHT):
                in_flight.append(pool.submit(_worker_prepare, chunk))
            while in_flight:
                done = in_flight.popleft().result()
                following = next(pending, None)
                if following is not None:
                    in_flight.append(pool.submit(_worker_prepare, following))
                yield from done
        finally:
            for future in in_flight:
                future.cancel()

