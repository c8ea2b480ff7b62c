"""Peak resident memory of a process, sampled from /proc (Linux) on a background thread."""

from __future__ import annotations

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
