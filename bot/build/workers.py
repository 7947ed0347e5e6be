"""Reading and extracting seed files: in this process for small folders, in a pool over the cores for
large ones, in order and a few chunks in flight so that memory stays flat.

Every file has a time budget (`bot.build.budget`): an alarm inside the process that reads it raises
in the Python code that overruns, and the file is skipped with that reason. The pool adds a hard
backstop for what an alarm cannot stop (a worker stuck inside one C call, or killed): each worker
says when it starts a file, and one that has not finished it `backstop_seconds(budget)` later is
killed and replaced; the file is skipped with the reason and the rest of its chunk goes to the new
worker. Results are yielded in the files' order; a chunk is handed out only while fewer than
`workers * CHUNKS_IN_FLIGHT` chunks are waiting to be yielded, so memory stays flat.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path

import bot.extract
from bot.build.budget import FILE_SECONDS, backstop_seconds, over_budget_reason
from bot.build.extraction_cache import ExtractionCache
from bot.build.prepare import PreparedFile, prepare_file

POOL_THRESHOLD = 200  # files: fewer are read and extracted in this process (a pool costs more than it saves)
CHUNK_SIZE = 16  # files per task sent to a worker
CHUNKS_IN_FLIGHT = 4  # chunks per worker handed out or waiting to be yielded: memory stays flat
RESTARTS_WITHOUT_PROGRESS = 3  # workers dying before they start any file: the pool itself is broken

_worker_cache: ExtractionCache | None = None


def _worker_start(db_path: str | None, versions: str, parent: int | None) -> None:
    global _worker_cache
    _die_with_parent(parent)
    _worker_cache = ExtractionCache(Path(db_path) if db_path else None, versions)


def _die_with_parent(parent: int | None) -> None:
    """A worker ends when the build that started it is killed (SIGKILL included), instead of living on
    with the build's inherited files open (Linux; elsewhere it ends when its task pipe closes)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _worker_main(conn: Connection, db_path: str | None, versions: str, parent: int | None, extract, budget: float) -> None:
    """A worker: prepares the files of each task it is sent, saying ("start", i) before and ("done", i,
    PreparedFile) after each one, or ("error", i, exception, traceback) when preparing raised."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the building process's to handle
    _worker_start(db_path, versions, parent)
    if extract is not None:  # the building process's extractor (a stand-in in tests), not the module's own
        bot.extract.extract = extract
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        first, items = task
        for i, (path, rel, sha) in enumerate(items, first):
            conn.send(("start", i))
            try:
                prepared = prepare_file(Path(path), rel, sha, _worker_cache, budget)
            except Exception as exc:  # raised in the building process as it would have been there
                try:
                    pickle.dumps(exc)
                except Exception:
                    exc = RuntimeError(f"{type(exc).__name__}: {exc}")
                conn.send(("error", i, exc, traceback.format_exc()))
                break
            conn.send(("done", i, prepared))


def pool_context():
    """fork where it is safe (no other threads: quick, and a test's stand-in extractor comes along), else forkserver."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class WorkerError(RuntimeError):
    """Preparing a file raised in a worker; the worker's traceback is the message."""


class _Worker:
    """One worker process, its pipe, and the task it is on: (chunk, first item, items), the item it
    said it started, and since when (this process's clock, when it read that)."""

    def __init__(self, context, args: tuple):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, *args), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[int, int, list] | None = None
        self.item: int | None = None
        self.since = 0.0

    def give(self, chunk: int, first: int, items: list) -> None:
        self.task, self.item, self.since = (chunk, first, items), None, time.monotonic()
        self.conn.send((first, items))

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


def prepared_files(items: list[tuple[Path, str, str]], db_path: Path, versions: str,
                   workers: int | None) -> Iterator[PreparedFile]:
    """Every file prepared, in order. Large folders go through a process pool over the cores, fed in
    chunks with a bounded number in flight (memory stays flat); small ones are done here, where
    starting workers would cost more than it saves. Each file has the build's time budget."""
    budget = FILE_SECONDS.get()
    if workers is None:
        workers = (os.cpu_count() or 1) if len(items) >= POOL_THRESHOLD else 1
    if workers <= 1:
        cache = ExtractionCache(db_path, versions)
        try:
            for path, rel, sha in items:
                yield prepare_file(path, rel, sha, cache, budget)
        finally:
            cache.close()
        return
    yield from _pooled(items, db_path, versions, workers, budget)


def _pooled(items: list[tuple[Path, str, str]], db_path: Path, versions: str, workers: int,
            budget: float | None) -> Iterator[PreparedFile]:
    chunks = [[(str(p), r, s) for p, r, s in items[i:i + CHUNK_SIZE]] for i in range(0, len(items), CHUNK_SIZE)]
    context = pool_context()
    # A forkserver's workers are its children, not ours; it ends with us, and they with it.
    parent = None if context.get_start_method() == "forkserver" else os.getpid()
    extract = None
    if context.get_start_method() != "fork":  # fork brings this process's extractor along by itself
        try:
            pickle.dumps(bot.extract.extract)
            extract = bot.extract.extract
        except Exception:
            extract = None
    args = (str(db_path) if db_path.is_file() else None, versions, parent, extract, budget or 0)
    backstop = backstop_seconds(budget) if budget else None
    results: dict[int, list[PreparedFile | None]] = {}
    missing: dict[int, int] = {}  # chunk -> files not prepared yet
    retries: deque[tuple[int, int, list]] = deque()  # the rest of a chunk whose worker was replaced
    fresh = iter(range(len(chunks)))
    upcoming = next(fresh, None)
    to_yield = 0
    limit = workers * CHUNKS_IN_FLIGHT
    pool = [_Worker(context, args) for _ in range(min(workers, len(chunks)))]
    deaths_without_progress = 0

    def hand_out() -> None:
        """Idle workers get the rest of a chunk, or the next chunk while memory allows."""
        nonlocal upcoming
        for worker in pool:
            if worker.task is not None:
                continue
            if retries:
                worker.give(*retries.popleft())
            elif upcoming is not None and upcoming < to_yield + limit:
                results[upcoming] = [None] * len(chunks[upcoming])
                missing[upcoming] = len(chunks[upcoming])
                worker.give(upcoming, 0, chunks[upcoming])
                upcoming = next(fresh, None)

    def take_what_is_sent() -> None:
        """What the workers sent while the caller wrote rows, without waiting: a worker whose pipe is full
        waits instead of preparing the next file. (A dead worker is left to the loop below.)"""
        for worker in pool:
            try:
                while worker.task is not None and worker.conn.poll():
                    _receive(worker, worker.conn.recv(), results, missing)
            except (EOFError, OSError):
                continue
        hand_out()

    try:
        while to_yield < len(chunks):
            while to_yield in missing and missing[to_yield] == 0:
                del missing[to_yield]
                for prepared in results.pop(to_yield):
                    yield prepared
                    take_what_is_sent()
                to_yield += 1
            if to_yield >= len(chunks):
                break
            hand_out()
            busy = [w for w in pool if w.task is not None]
            timeout = None
            if backstop is not None:
                timeout = max(0.0, min(w.since for w in busy) + backstop - time.monotonic()) if busy else None
            ready = wait([w.conn for w in busy], timeout)
            for worker in busy:
                if worker.conn not in ready:
                    continue
                died = False
                try:
                    while worker.task is not None and worker.conn.poll():
                        _receive(worker, worker.conn.recv(), results, missing)
                except (EOFError, OSError):
                    died = True
                if died:
                    deaths_without_progress = deaths_without_progress + 1 if worker.item is None else 0
                    if deaths_without_progress >= RESTARTS_WITHOUT_PROGRESS:
                        raise WorkerError(f"worker processes keep dying before they read any file "
                                          f"(exit code {worker.process.exitcode})")
                    _replace(pool, worker, context, args, results, missing, retries,
                             f"its worker process died while reading it (exit code {worker.process.exitcode})")
                elif worker.item is not None:
                    deaths_without_progress = 0
            if backstop is not None:
                now = time.monotonic()
                for worker in list(pool):
                    if worker.task is not None and now - worker.since > backstop:
                        if worker.item is None:  # stuck before it started a file: no file to blame
                            deaths_without_progress += 1
                            if deaths_without_progress >= RESTARTS_WITHOUT_PROGRESS:
                                raise WorkerError("worker processes keep getting stuck before they read any file")
                        _replace(pool, worker, context, args, results, missing, retries,
                                 over_budget_reason(budget) + "; its worker did not stop and was replaced")
    finally:
        for worker in pool:
            if worker.task is None and worker.process.is_alive():
                try:
                    worker.conn.send(None)
                except OSError:
                    pass
        for worker in pool:
            if worker.task is not None:
                worker.process.kill()
            worker.process.join(5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()


def _receive(worker: _Worker, message: tuple, results: dict, missing: dict) -> None:
    chunk, first, items = worker.task
    kind, i = message[0], message[1]
    if kind == "start":
        worker.item, worker.since = i, time.monotonic()
        return
    if kind == "error":
        _, _, exc, remote = message
        raise exc from WorkerError(f"in a worker process preparing {items[i - first][0]}:\n{remote}")
    results[chunk][i] = message[2]
    missing[chunk] -= 1
    worker.item, worker.since = None, time.monotonic()
    if i == first + len(items) - 1:
        worker.task = None


def _replace(pool: list[_Worker], worker: _Worker, context, args: tuple, results: dict, missing: dict,
             retries: deque, reason: str) -> None:
    """Kill `worker`, skip the file it was on with `reason`, and start a new worker; the rest of its
    chunk is handed out again."""
    worker.stop()
    chunk, first, items = worker.task
    if worker.item is not None:
        path, rel, sha = items[worker.item - first]
        results[chunk][worker.item] = PreparedFile(rel, path, sha, skipped=reason)
        missing[chunk] -= 1
        rest = worker.item + 1
    else:  # died before it said it started anything: the whole task again
        rest = first
    if rest < first + len(items):
        retries.append((chunk, rest, items[rest - first:]))
    pool[pool.index(worker)] = _Worker(context, args)
