"""The waitress channel `serve` runs: JSON error answers, and no busy loop while a worker writes.

Waitress's I/O loop polls every connection whose `writable()` is true, and `writable()` is
true whenever output is buffered. A worker thread appends its answer to that buffer and sends
it itself, under the buffer's lock, in the same call; while it does, the loop sees output,
polls, finds the socket writable, cannot take the lock, and polls again. The worker sends
with the GIL released and then has to win the GIL back from that loop, which takes up to the
interpreter's switch interval (5 ms): measured under `wrk -t2 -c16` on POST /api/event, the
loop polled about 500 times per request and spent 800-1,100 us of CPU per request, against
48 us without the spin (`python -m bench ingest`, docs/PERFORMANCE.md).

So while a request is being answered, output under SPIN_FREE_BYTES is the worker's to send:
the loop does not poll for it. Nothing is left behind: the worker tries to send after each
write, and when the request ends waitress wakes the loop, which then sends what is left. Output
at or above SPIN_FREE_BYTES (a large export whose client reads slowly) is the loop's again, as
it must be: the worker waits for the loop to drain the buffer below waitress's high watermark.
"""

from __future__ import annotations

from typing import Any

from clearanalytics.web_errors import NOSNIFF, waitress_error_answer

SPIN_FREE_BYTES = 64 * 1024


def install_channel(server: Any) -> None:
    """Give each listening server of `server` (what `waitress.create_server` returns) our channel."""
    from waitress.server import BaseWSGIServer

    servers = [server] if isinstance(server, BaseWSGIServer) else list(getattr(server, "map", {}).values())
    for each in servers:
        if isinstance(each, BaseWSGIServer):
            each.channel_class = channel_class()


_CHANNEL: type | None = None


def channel_class() -> type:
    """Built on first use: waitress is imported only by `serve`, not by the app or the tests' apps."""
    global _CHANNEL
    if _CHANNEL is None:
        from waitress.channel import HTTPChannel
        from waitress.task import ErrorTask

        class JsonErrorTask(ErrorTask):
            """Waitress's own error answers (a request it cannot parse) in the reference's JSON."""

            def execute(self) -> None:
                error = self.request.error
                status, body = waitress_error_answer(error.code, error.reason, str(error.body))
                self.status = status
                self.response_headers.extend([("Content-Type", "application/json"), NOSNIFF])
                self.set_close_on_finish()
                self.content_length = len(body)
                self.write(body)

        class ServeChannel(HTTPChannel):
            error_task_class = JsonErrorTask

            def writable(self) -> bool:
                if self.requests and 0 < self.total_outbufs_len < SPIN_FREE_BYTES and not self._closing():
                    return False  # a worker is answering and sends this itself: see the module docstring
                return bool(super().writable())

            def _closing(self) -> bool:
                return bool(self.will_close or self.close_when_flushed)

        _CHANNEL = ServeChannel
    return _CHANNEL
