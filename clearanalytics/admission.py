"""Admission control: `threads` workers run requests, `request_queue` more may wait, the rest get 503.

Waitress queues every request it has read in one unbounded list before any worker thread (and so
any WSGI code) sees it: under 500 connections the 500th request waited there, behind 499 stats
queries, until the client timed out or gave up. So `serve` runs more waitress threads than requests
may work at once (`threads` + `request_queue` + `LIGHT_THREADS`), and this layer, the outermost
WSGI one, decides what each does with the request it picked up:

- light routes run at once in the waitress thread, never counted or refused: `POST /api/event`
  (ingest only appends to the spool: its 202 throughput must not wait behind a 12-month report),
  `/healthz` (a load balancer must see a busy server as alive), `/metrics` (the operator must see
  the overload), the tracker script `/js/` and `/static/` files;
- every other request (stats, export, API, MCP, dashboard, chat) is handed to a pool of `threads`
  worker threads, which alone run the app for them, first come first served; the waitress thread
  waits and writes out the answer as the worker makes it (a streamed export or chat answer holds
  its worker while it streams, as it held its waitress thread before). When `request_queue`
  requests already wait, a request is refused at once: `503`, `Retry-After`, a JSON body;
- a request that has waited `MAX_WAIT_SECONDS` (every worker held by long exports) is refused too.

Refusing costs well under a millisecond, so the spare threads drain waitress's own queue quickly.
Time spent waiting is not in `clearanalytics_request_duration_seconds` (timed inside the worker);
`/metrics` shows the workers busy, the requests waiting and the refusals.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from werkzeug.exceptions import ServiceUnavailable

from clearanalytics.web_errors import NOSNIFF, is_machine_path, json_error

LIGHT_THREADS = 4  # waitress threads beyond those waiting on the pool: light routes and refusals never wait
LIGHT_PATHS = frozenset({"/api/event", "/healthz", "/metrics"})
LIGHT_PREFIXES = ("/js/", "/static/")
RETRY_AFTER_SECONDS = 1
MAX_WAIT_SECONDS = 30.0
BUSY_MESSAGE = "The server is busy: too many requests are waiting. Retry after {seconds} second(s)."
POOL_KEY = "clearanalytics.admission"
log = logging.getLogger("clearanalytics.admission")


def is_light(path: str) -> bool:
    """Routes that never wait for a slot: cheap, and needed most when the server is overloaded."""
    return path in LIGHT_PATHS or path.startswith(LIGHT_PREFIXES)


class Job:
    """One admitted request: run by a worker, its body handed to the waitress thread chunk by chunk."""

    def __init__(self, wsgi_app: Callable, environ: dict, start_response: Callable):
        self.wsgi_app = wsgi_app
        self.environ = environ
        self.start_response = start_response
        self.started = threading.Event()
        self.cancelled = threading.Event()  # the client went away: stop producing
        self.out: queue.Queue = queue.Queue(maxsize=OUT_CHUNKS)

    def run(self) -> None:
        """In a worker thread: the app, its start_response, every chunk, and the body's close()."""
        try:
            body = self.wsgi_app(self.environ, self.start_response)
        except BaseException as exc:  # the error boundary inside answers first: this is a bug or an abort
            self._put((_ERROR, exc))
            return
        try:
            for chunk in body:
                if not self._put((_CHUNK, chunk)):
                    return
            self._put((_DONE, None))
        except BaseException as exc:  # a stream failing half-way: waitress ends the connection
            self._put((_ERROR, exc))
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                try:
                    close()  # Flask's teardown: the request's cursor closes here, in the thread that used it
                except Exception:
                    log.exception("closing the answer to %s failed", self.environ.get("PATH_INFO"))

    def body(self) -> JobBody:
        return JobBody(self)

    def _put(self, item: tuple) -> bool:
        """Back-pressure: a slow reader holds up its own worker, never the process's memory."""
        while not self.cancelled.is_set():
            try:
                self.out.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False


class JobBody:
    """What the waitress thread iterates: the chunks as the worker makes them; close() cancels the rest.

    A class, not a generator: a generator closed before its first chunk never runs its `finally`.
    """

    def __init__(self, job: Job):
        self.job = job

    def __iter__(self) -> Iterator[bytes]:
        while True:
            kind, item = self.job.out.get()
            if kind is _DONE:
                return
            if kind is _ERROR:
                raise item
            yield item

    def close(self) -> None:
        self.job.cancelled.set()


_CHUNK, _DONE, _ERROR = object(), object(), object()
OUT_CHUNKS = 16


class Pool:
    """`slots` worker threads run admitted requests, at most `queue` wait, first come first served.

    Only these threads ever run a query: every thread that has run DuckDB keeps its touched stack
    and caches (about 0.8 MB each, measured), so a waitress thread per waiting request doing the
    work itself cost 80 MB of RSS at the default queue and 170 MB at a queue of 200.
    """

    def __init__(self, slots: int, queue: int, max_wait: float = MAX_WAIT_SECONDS):
        self.slots = max(1, slots)
        self.queue = max(0, queue)
        self.max_wait = max_wait
        self.running = 0
        self.admitted = 0
        self.refused = {"queue_full": 0, "waited_too_long": 0}
        self._jobs: deque[Job] = deque()
        self._cond = threading.Condition()
        for number in range(self.slots):
            threading.Thread(target=self._work, name=f"clearanalytics-worker-{number}", daemon=True).start()

    def submit(self, job: Job) -> bool:
        """Queue the job for the next free worker; False (refused) when `queue` jobs already wait."""
        with self._cond:
            if len(self._jobs) >= self.queue + (self.slots - self.running):
                self.refused["queue_full"] += 1
                return False
            self._jobs.append(job)
            self._cond.notify()
        if job.started.wait(self.max_wait):
            return True
        with self._cond:
            if job.started.is_set():
                return True  # started just as the wait ran out
            self._jobs.remove(job)
            self.refused["waited_too_long"] += 1
            return False

    @property
    def waiting(self) -> int:
        return len(self._jobs)

    def snapshot(self) -> dict[str, int]:
        with self._cond:
            return {"running": self.running, "waiting": len(self._jobs), "admitted": self.admitted} | self.refused

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._jobs:
                    self._cond.wait()
                job = self._jobs.popleft()
                self.running += 1
                self.admitted += 1
            job.started.set()
            try:
                job.run()
            finally:
                with self._cond:
                    self.running -= 1


class Admission:
    """WSGI middleware around the whole app (outside the error boundary): the pool, and the 503.

    The JSON refusal (`web_errors.json_error`) is built once: under 500 connections most answers
    are refusals, and every microsecond one costs delays the requests queued in waitress behind it.
    """

    def __init__(self, app: Flask, wsgi_app: Callable, pool: Pool):
        self.wsgi_app = wsgi_app
        self.pool = pool
        with app.app_context():
            busy = json_error(
                503,
                BUSY_MESSAGE.format(seconds=RETRY_AFTER_SECONDS),
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        busy.headers[NOSNIFF[0]] = NOSNIFF[1]
        self._busy_status = busy.status
        self._busy_headers = list(busy.headers.items())
        self._busy_body = busy.get_data()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if is_light(environ.get("PATH_INFO") or ""):
            return self.wsgi_app(environ, start_response)
        job = Job(self.wsgi_app, environ, start_response)
        if not self.pool.submit(job):
            return self._refuse(environ, start_response)
        return job.body()

    def _refuse(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """The JSON body for machine paths, the plain 503 page for people (the dashboard)."""
        if not is_machine_path(environ.get("PATH_INFO") or ""):
            return ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS)(environ, start_response)
        start_response(self._busy_status, list(self._busy_headers))
        return [self._busy_body]


class AdmissionCollector:
    """`/metrics`: slots in use, requests waiting, and refusals by reason, read at scrape time."""

    def __init__(self, pool: Pool):
        self.pool = pool

    def describe(self) -> list:
        return []

    def collect(self) -> Iterator:
        state = self.pool.snapshot()
        yield GaugeMetricFamily(
            "clearanalytics_admission_slots", "Requests allowed to work at once (the threads setting).", self.pool.slots
        )
        yield GaugeMetricFamily("clearanalytics_admission_running", "Requests working now.", state["running"])
        yield GaugeMetricFamily("clearanalytics_admission_waiting", "Requests waiting for a slot.", state["waiting"])
        refused = CounterMetricFamily(
            "clearanalytics_admission_refused",
            "Requests answered 503 with Retry-After: queue_full (request_queue reached) or waited_too_long.",
            labels=["reason"],
        )
        for reason in ("queue_full", "waited_too_long"):
            refused.add_metric([reason], state[reason])
        yield refused


ACCEPT_BURST = 64


def accept_in_bursts(server: Any) -> None:
    """Accept up to ACCEPT_BURST waiting connections per poll, where waitress accepts one.

    Waitress's loop accepts one connection per pass over all its sockets: 500 clients connecting
    at once waited seconds in the listen backlog, their first request timing out before any
    worker, or this layer, saw it. `server` is what `waitress.create_server` returns.
    """
    from waitress.server import BaseWSGIServer

    servers = [server] if isinstance(server, BaseWSGIServer) else list(getattr(server, "map", {}).values())
    for each in servers:
        if isinstance(each, BaseWSGIServer):
            each.handle_accept = _burst_acceptor(each)


def _burst_acceptor(server: Any) -> Callable[[], None]:
    original = server.handle_accept

    def handle_accept() -> None:
        for _ in range(ACCEPT_BURST):
            if len(server._map) >= server.adj.connection_limit:
                return
            before = len(server._map)
            original()  # accepts one connection, or returns when none waits (or logs a bad one)
            if len(server._map) == before:
                return

    return handle_accept


def answer_light_first(server: Any) -> None:
    """Put light requests at the front of waitress's queue; the others keep their order.

    Waitress hands requests to its threads in arrival order: under 500 clients an ingest POST
    waited behind hundreds of stats requests, each answered (most with a 503) before it, and ingest
    fell to 4 req/s. Reports keep their order even when they will be refused: moved forward while
    the pool stays full, every new report would overtake the older ones queued before it.
    """
    dispatcher = server.task_dispatcher
    add_task = dispatcher.add_task

    def add_first_if_quick(channel: Any) -> None:
        pending = getattr(channel, "requests", None)
        if pending and is_light(pending[0].path):
            with dispatcher.lock:
                dispatcher.queue.appendleft(channel)
                dispatcher.queue_cv.notify()
                idle = len(dispatcher.threads) - dispatcher.stop_count - dispatcher.active_count
                depth = len(dispatcher.queue) - idle
                if depth > 0:  # waitress's own warning, kept for operators who watch for it
                    dispatcher.queue_logger.warning("Task queue depth is %d", depth)
            return
        add_task(channel)

    dispatcher.add_task = add_first_if_quick


def waitress_threads(threads: int, request_queue: int) -> int:
    """Waitress worker threads `serve` runs: the working ones, the waiting ones, and the light ones."""
    return threads + request_queue + LIGHT_THREADS


def install(app: Flask) -> Pool:
    """Wrap the app in the pool (`serve` calls this; tests' in-process apps run without it) and count it."""
    from clearanalytics.metrics import METRICS_KEY

    pool = Pool(int(app.config["THREADS"]), int(app.config["REQUEST_QUEUE"]))
    app.extensions[POOL_KEY] = pool
    registry = app.extensions.get(METRICS_KEY)
    if registry is not None:
        registry.register(AdmissionCollector(pool))
    app.wsgi_app = Admission(app, app.wsgi_app, pool)  # type: ignore[method-assign]
    return pool
