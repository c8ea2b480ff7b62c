"""waitress's "Task queue depth is N" warning, throttled to one line a minute with a count.

waitress logs that line for every request that arrives while all its threads are busy, which
under a burst is most of them: tens of thousands of lines a minute, each written to stderr by
the one I/O thread while it holds the task queue's lock (so the worker threads that finish a
request and want the next one wait behind a log write). The count still tells an operator
that requests queue, and how often.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from clearanalytics.health import LOG_INTERVAL_SECONDS

QUEUE_LOGGER = "waitress.queue"


class ThrottledRecords(logging.Filter):
    """Lets the first record through, then at most one per interval, telling how many it held back."""

    def __init__(self, interval: float = LOG_INTERVAL_SECONDS, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.interval, self.clock = interval, clock
        self._last = float("-inf")
        self._held = 0
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        now = self.clock()
        with self._lock:
            if now - self._last < self.interval:
                self._held += 1
                return False
            held, since = self._held, now - self._last
            self._held, self._last = 0, now
        if held:
            record.msg = f"{record.msg} (and {held} more times in the last {since:.0f} s)"
        return True


def throttle_queue_warnings() -> None:
    """Install the throttle on waitress's queue logger (once, however often it is called)."""
    logger = logging.getLogger(QUEUE_LOGGER)
    if not any(isinstance(f, ThrottledRecords) for f in logger.filters):
        logger.addFilter(ThrottledRecords())
