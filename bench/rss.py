"""Peak resident memory of a process, sampled from /proc (Linux) on a background thread."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PeakRss:
    """`with PeakRss(pid) as peak: ...` then `peak.mb`: the highest RSS seen every `interval` s."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval, self.mb = pid, interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.mb = max(self.mb, rss_mb(self.pid))
            except OSError:
                return
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children of all its threads, recursively), from /proc."""
    found: list[int] = []
    stack = [pid]
    while stack:
        parent = stack.pop()
        try:
            tasks = list(Path(f"/proc/{parent}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            stack += children
    return found


def _field_mb(path: str, name: str) -> float:
    for line in Path(path).read_text().splitlines():
        if line.startswith(name):
            return int(line.split()[1]) / 1024
    return 0.0


def tree_memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) summed over `pid` and all its descendants.

    The RSS sum counts the pages a fork shares with its parent in each process, as adding up
    `ps` would; PSS splits each shared page between its sharers, so its sum is what the tree
    really occupies.
    """
    rss = pss = 0.0
    for member in (pid, *descendants(pid)):
        with contextlib.suppress(OSError):  # ended between the listing and the read
            rss += _field_mb(f"/proc/{member}/status", "VmRSS:")
            pss += _field_mb(f"/proc/{member}/smaps_rollup", "Pss:")
    return rss, pss


class PeakTreeRss(PeakRss):
    """PeakRss of a process tree: the highest RSS sum (`mb`) and PSS sum (`pss_mb`) seen."""

    pss_mb = 0.0

    def _run(self) -> None:
        while not self._stop.is_set() and Path(f"/proc/{self.pid}").exists():
            rss, pss = tree_memory_mb(self.pid)
            self.mb, self.pss_mb = max(self.mb, rss), max(self.pss_mb, pss)
            self._stop.wait(self.interval)
