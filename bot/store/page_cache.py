"""The store's pages kept in the operating system's page cache, when the machine has the memory for them.

An answer reads a few dozen pages of the store; read from the page cache they cost microseconds, from
disk a fraction of a millisecond each. A store that was just started on, or whose pages other work on
the machine pushed out, answers two to three times slower at p99 (at a million documents, 8 GB:
/search 6.5 against 2.9 ms, see benchmarks/README.md). `warm` asks the kernel to read the whole store
file ahead, in CHUNK-sized pieces (one `posix_fadvise(WILLNEED)` over the whole file reads only a few
MB), without copying anything into this process: pages already cached cost nothing but the call (0.1 s
of CPU for 8 GB), evicted ones are read back. It does so only while the memory available is at least
HEADROOM times the store, so that the store never crowds out the processes that need the memory; the
kernel still evicts the pages first when they do.
"""
from __future__ import annotations

import os
from pathlib import Path

CHUNK = 8 << 20  # bytes a read-ahead request covers
HEADROOM = 2  # the store is read in only while the available memory is at least this many times its size
MEMINFO = Path("/proc/meminfo")


def available_memory(meminfo: Path = MEMINFO) -> int | None:
    """The memory the kernel could give without swapping (MemAvailable, in bytes); None where it does not say."""
    try:
        for line in meminfo.read_text(encoding="ascii", errors="replace").splitlines():
            name, _, value = line.partition(":")
            if name == "MemAvailable":
                number, _, unit = value.strip().partition(" ")
                return int(number) * (1024 if unit == "kB" else 1)
    except (OSError, ValueError):
        return None
    return None


def warm(db_path: str | Path, available: int | None) -> int:
    """Ask the kernel to read the store file into the page cache if `available` bytes of memory are at
    least HEADROOM times its size; returns the bytes asked for (0: not done, or no store)."""
    if not hasattr(os, "posix_fadvise") or available is None:
        return 0
    try:
        fd = os.open(db_path, os.O_RDONLY)
    except OSError:
        return 0
    try:
        size = os.fstat(fd).st_size
        if size * HEADROOM > available:
            return 0
        for offset in range(0, size, CHUNK):
            os.posix_fadvise(fd, offset, CHUNK, os.POSIX_FADV_WILLNEED)
        return size
    finally:
        os.close(fd)
