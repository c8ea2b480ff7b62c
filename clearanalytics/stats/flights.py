"""One computation for concurrent requests of the same answer at the same write version.

Right after a commit of live traffic every kept answer of that site is stale, and the clients
reading the dashboard all ask again at once: measured with 50 readers and ingest beside them,
each stale answer was computed by every request that found it stale, and the server ran the same
statements many times over. A request that finds another already computing its answer takes the
previous answer when one was computed within RECENT_SECONDS (rollups.py): under live traffic a
reader then sees a batch a moment later instead of queueing behind the recomputation, and each
stale answer is computed once per batch, not once per reader. Without a recent answer it waits
for the computation running at its write version and takes a copy; a request that comes after a
newer write starts its own. A request with no other computing its answer always computes it, so a
client reading alone sees every committed batch. If the computation fails, each waiter computes on its own (and fails or
succeeds by itself), so no error is shared and nothing is hidden.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any


class _Flight:
    def __init__(self, version: int) -> None:
        self.version = version
        self.done = threading.Event()
        self.ok = False
        self.value: Any = None
        self.waiters = 0


class Flights:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flying: dict[Hashable, _Flight] = {}
        self.shared = 0  # answers a waiter took from another request's computation (tests read it)
        self.recent = 0  # previous answers handed out while another request computed the fresh one

    def waiting(self, key: Hashable) -> int:
        """Requests waiting on the computation of `key` now."""
        with self._lock:
            flight = self._flying.get(key)
            return flight.waiters if flight else 0

    def run(
        self,
        key: Hashable,
        version: int,
        compute: Callable[[], Any],
        copy: Callable[[Any], Any],
        recent: Callable[[], Any] = lambda: None,
    ) -> Any:
        """compute(); or, while another request computes `key`, a copy of `recent()` (the previous
        answer, if recent enough) at once, else of what that computation returns at `version`."""
        with self._lock:
            flight = self._flying.get(key)
            leading = flight is None or flight.version != version
            if leading:
                flight = self._flying[key] = _Flight(version)
            else:
                flight.waiters += 1
        if not leading:
            previous = recent()
            if previous is not None:
                with self._lock:
                    flight.waiters -= 1
                    self.recent += 1
                return copy(previous)
            flight.done.wait()
            if flight.ok:
                with self._lock:
                    self.shared += 1
                return copy(flight.value)
            return compute()
        try:
            value = compute()
            flight.value, flight.ok = copy(value), True
            return value
        finally:
            flight.done.set()
            with self._lock:
                if self._flying.get(key) is flight:
                    del self._flying[key]
