"""waitress's "Task queue depth is N" warning, throttled to one line a minute with a count.

waitress logs that line for every request that arrives while all its threads are busy, which
under a burst is most of them: tens of thousands of lines a minute, each written to stderr by
the one I/O thread while it holds the task queue's lock (so the worker threads that finish a
request and want the next one wait behind a log write). The count still tells an operator
that requests queue, and how often.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from clearanalytics.health import LOG_INTERVAL_SECONDS

QUEUE_LOGGER = "waitress.queue"


class ThrottledWarnings:
    """Stands in for waitress's queue logger: the first warning goes through, then one per interval
    with the number held back. Held-back warnings cost a comparison, not a log record.

    waitress calls `warning` under its task dispatcher's lock, so calls never overlap.
    """

    def __init__(
        self,
        logger: logging.Logger,
        interval: float = LOG_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.logger, self.interval, self.clock = logger, interval, clock
        self._last = float("-inf")
        self._held = 0

    def warning(self, msg: str, *args: Any) -> None:
        now = self.clock()
        if now - self._last < self.interval:
            self._held += 1
            return
        held, since = self._held, now - self._last
        self._held, self._last = 0, now
        if held:
            self.logger.warning(msg + " (and %d more times in the last %.0f s)", *args, held, since)
        else:
            self.logger.warning(msg, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.logger, name)  # any other logger method waitress may call


def throttle_queue_warnings(server: Any) -> None:
    """Give the task dispatcher of `server` (what waitress.create_server returns) the throttled logger."""
    dispatcher = server.task_dispatcher
    if not isinstance(dispatcher.queue_logger, ThrottledWarnings):
        dispatcher.queue_logger = ThrottledWarnings(logging.getLogger(QUEUE_LOGGER))
