"""Stand-in extractors for the time-budget tests, importable by name so that forkserver workers can
unpickle them (`bot.build.workers` hands the building process's extractor to its workers).

A document holding SLOW loops in Python for ever (an alarm ends it); one holding HANG blocks SIGALRM
and sleeps, as code stuck inside one C call would (only the pool's backstop ends it). Any other
document is extracted as having no people, quotes or key points."""
from __future__ import annotations

import signal
import time

from bot.models import Document, Extraction


def slow_or_stuck(document: Document) -> Extraction:
    if "SLOW" in document.text:
        n = 0
        while True:  # pure Python: the alarm's exception arrives between two bytecodes
            n += 1
    if "HANG" in document.text:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(3600)  # deaf to the alarm, like a C call that never returns
    return Extraction([], [], [])
