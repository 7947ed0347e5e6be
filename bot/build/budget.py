"""A time budget per seed file: one file that takes too long to read and extract is skipped with its
reason, never a hung build.

`time_budget(seconds)` raises `TimeBudgetExceeded` inside the Python code that overruns it: with
SIGALRM (a real-time interval timer) in a process's main thread, and with an asynchronous exception
set on the thread (CPython's `PyThreadState_SetAsyncExc`, from a timer thread) elsewhere, as when the
bot rebuilds its store in a worker thread after an upload. Either way the exception arrives between
two Python bytecodes: code stuck inside one C call (a blocked read, a sleep, one enormous regular
expression match) is not interrupted by it. In the worker pool that case is caught by the pool's
backstop, which kills and replaces a worker that does not come back (`bot.build.workers`); in this
process it cannot be, which is why reading never blocks (`bot.documents.files`).

The budget of the build running in this context is `FILE_SECONDS` (set by `bot.build.build` for its
duration, from its `file_seconds` parameter or the `BUILD_FILE_SECONDS` setting).
"""
from __future__ import annotations

import contextlib
import contextvars
import ctypes
import signal
import threading
import time
from collections.abc import Iterator

DEFAULT_FILE_SECONDS = 30.0  # a 5 MB file (the size limit) reads and extracts in a few seconds once extraction is linear
FILE_SECONDS: contextvars.ContextVar[float | None] = contextvars.ContextVar("file_seconds", default=DEFAULT_FILE_SECONDS)


class TimeBudgetExceeded(Exception):
    """Raised inside code that overran its time budget."""


def over_budget_reason(seconds: float) -> str:
    return f"took longer than {seconds:g} s to read and extract (the limit is BUILD_FILE_SECONDS)"


def backstop_seconds(seconds: float) -> float:
    """How long the pool waits for a worker on one file before it kills and replaces it: well past the
    budget, so that the alarm inside the worker has every chance to end the file first."""
    return 2 * seconds + 5


@contextlib.contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise TimeBudgetExceeded in the enclosed code once it has run for `seconds` (None or 0: no limit)."""
    if not seconds or seconds <= 0:
        yield
        return
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _alarm(seconds):
            yield
    else:
        with _thread_alarm(seconds):
            yield


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def overrun(signum, frame):
        raise TimeBudgetExceeded(f"over {seconds:g} s")

    outer_delay, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    if outer_delay and outer_delay <= seconds:  # someone else's alarm (a test runner's timeout) comes first
        yield
        return
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, overrun)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay:  # the other alarm, put back with the time it had left
            signal.setitimer(signal.ITIMER_REAL, max(outer_delay - (time.monotonic() - started), 0.001), outer_interval)


@contextlib.contextmanager
def _thread_alarm(seconds: float) -> Iterator[None]:
    """The alarm for a thread that is not the main one: a timer thread sets TimeBudgetExceeded as the
    thread's pending asynchronous exception. A lock makes sure it is never set once the block is left."""
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"armed": True, "fired": False}

    def fire() -> None:
        with lock:
            if state["armed"]:
                state["fired"] = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(TimeBudgetExceeded))

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            state["armed"] = False
            fired = state["fired"]
        if fired:  # set but perhaps not raised yet: withdrawn, and raised here instead of later elsewhere
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), None)
            raise TimeBudgetExceeded(f"over {seconds:g} s")
