"""Helpers shared by the benchmarks: figures, percentiles, memory, and running a benchmark in a child process.

Every benchmark module has `main()` that prints one JSON object as its last stdout line: {"figures": [...]}.
`benchmarks.run` starts each in a fresh interpreter, so peak memory (ru_maxrss) is that benchmark's own.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "work"


@dataclass
class Figure:
    bench: str  # e.g. "build 10k"
    name: str  # e.g. "docs/s"
    value: float | None
    unit: str = ""
    target: str = ""  # e.g. "≥ 300000", "≤ 2"; "" when the figure has no target
    met: bool | None = None  # None: no target, or not measured
    note: str = ""

    def dict(self) -> dict:
        return asdict(self)


def target(value: float | None, op: str, bound: float) -> tuple[str, bool | None]:
    """("≥ bound", met?) for op in {">=", "<="}."""
    text = f"{'≥' if op == '>=' else '≤'} {bound:g}"
    if value is None:
        return text, None
    return text, value >= bound if op == ">=" else value <= bound


def fig(bench: str, name: str, value: float | None, unit: str = "", op: str | None = None,
        bound: float | None = None, note: str = "") -> Figure:
    if op is None:
        return Figure(bench, name, value, unit, note=note)
    text, met = target(value, op, bound)
    return Figure(bench, name, value, unit, text, met, note)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def maxrss_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports ru_maxrss in KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb(pid: int | None = None) -> tuple[float, float]:
    """(current, peak) resident memory of a process in MB, from /proc/PID/status."""
    values = {}
    for line in Path(f"/proc/{pid or os.getpid()}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", float("nan")), values.get("VmHWM", float("nan"))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def within(awaitable, window: float | None) -> list:
    """What `awaitable` returns, or [] when it is still running after `window` seconds (it is then
    cancelled): a fan-out measured over a fixed window."""
    import asyncio

    task = asyncio.ensure_future(awaitable)
    try:
        return await asyncio.wait_for(asyncio.shield(task), timeout=window) if window else await task
    except asyncio.TimeoutError:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        return []


def emit(figures: list[Figure], **extra) -> None:
    """The child's answer to `run_child`: one JSON line on stdout."""
    print(json.dumps({"figures": [f.dict() for f in figures], **extra}), flush=True)


def run_child(module: str, args: list[str], timeout: float) -> dict:
    """Run `python -m module args` and return its last JSON line; errors become {"error": ...}."""
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return {"error": f"timed out after {timeout:.0f} s", "stderr": (exc.stderr or b"")[-2000:].decode(errors="replace")
                if isinstance(exc.stderr, bytes) else str(exc.stderr or "")[-2000:]}
    for line in reversed(done.stdout.strip().splitlines()):
        if line.startswith("{"):
            result = json.loads(line)
            result["seconds"] = time.monotonic() - started
            return result
    return {"error": f"exit {done.returncode}", "stderr": done.stderr[-3000:]}


class TreeSampler:
    """Samples this process and all its descendants (worker pools, a forkserver's children) from /proc:
    the peak of their summed resident memory, and their CPU seconds (each process's last sample).

        with TreeSampler() as tree:
            work()
        tree.peak_rss_mb, tree.cpu_seconds, tree.max_processes
    """

    def __init__(self, interval: float = 0.2):
        import threading
        self.interval = interval
        self.peak_rss_mb = 0.0
        self.max_processes = 0
        self._cpu: dict[int, float] = {}
        self._base: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._ticks = os.sysconf("SC_CLK_TCK")
        self._page = os.sysconf("SC_PAGE_SIZE")

    def _sample(self) -> None:
        me = os.getpid()
        stats: dict[int, tuple[int, float, float]] = {}  # pid -> (ppid, rss MB, cpu s)
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                raw = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = raw[raw.rindex(")") + 2:].split()  # after "pid (comm) "
            ppid, utime, stime, rss = int(fields[1]), int(fields[11]), int(fields[12]), int(fields[21])
            stats[int(entry)] = (ppid, rss * self._page / 2**20, (utime + stime) / self._ticks)
        tree, frontier = {me}, [me]
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _) in stats.items():
            children.setdefault(ppid, []).append(pid)
        while frontier:
            for child in children.get(frontier.pop(), []):
                if child not in tree:
                    tree.add(child)
                    frontier.append(child)
        total = 0.0
        for pid in tree:
            if pid in stats:
                total += stats[pid][1]
                self._cpu[pid] = max(self._cpu.get(pid, 0.0), stats[pid][2])
        self.peak_rss_mb = max(self.peak_rss_mb, total)
        self.max_processes = max(self.max_processes, len(tree))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    @property
    def cpu_seconds(self) -> float:
        return sum(cpu - self._base.get(pid, 0.0) for pid, cpu in self._cpu.items())

    def __enter__(self) -> "TreeSampler":
        self._sample()
        self._base = dict(self._cpu)  # count only what is spent from now on
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._sample()
        self._stop.set()
        self._thread.join()
