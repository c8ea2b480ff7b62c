"""Admission control: at most `threads` requests do work at once, `request_queue` more may wait, the rest get 503.

Waitress queues every request it has read in one unbounded list before any worker thread (and so
any WSGI code) sees it: under 500 connections the 500th request waited there, behind 499 stats
queries, until the client timed out or reset. So `serve` runs more waitress threads than requests
may work at once (`threads` + `request_queue` + `LIGHT_THREADS`), and this gate, the outermost WSGI
layer, decides what each worker does with the request it picked up:

- light routes pass straight through, never counted or refused: `POST /api/event` (ingest only
  appends to the spool: its 202 throughput must not wait behind a 12-month report), `/healthz`
  (a load balancer must see a busy server as alive), `/metrics` (the operator must see the
  overload), the tracker script `/js/` and `/static/` files;
- every other request (stats, export, API, MCP, dashboard, chat) takes one of `threads` slots and
  keeps it until its body is closed (a streamed export or chat answer holds it while it streams,
  as it held its waitress thread); with every slot taken it waits, first come first served, unless
  `request_queue` requests already wait: then it is refused at once with `503` and `Retry-After`;
- a request that has waited `MAX_WAIT_SECONDS` (every slot held by long exports) is refused too.

Refusing costs a worker well under a millisecond, so the spare threads drain waitress's own queue
quickly and the heavy requests there never wait long to be either served or refused. Time spent
waiting here is not in `clearanalytics_request_duration_seconds` (timed inside this gate);
`/metrics` shows the slots in use, the requests waiting and the refusals.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wsgi import ClosingIterator

from clearanalytics.web_errors import NOSNIFF, is_machine_path, json_error

LIGHT_THREADS = 4  # waitress threads beyond the gate's: light routes and refusals never wait for a slot
LIGHT_PATHS = frozenset({"/api/event", "/healthz", "/metrics"})
LIGHT_PREFIXES = ("/js/", "/static/")
RETRY_AFTER_SECONDS = 1
MAX_WAIT_SECONDS = 30.0
BUSY_MESSAGE = "The server is busy: too many requests are waiting. Retry after {seconds} second(s)."
GATE_KEY = "clearanalytics.admission"


def is_light(path: str) -> bool:
    """Routes that never wait for a slot: cheap, and needed most when the server is overloaded."""
    return path in LIGHT_PATHS or path.startswith(LIGHT_PREFIXES)


class Gate:
    """`slots` at work, at most `queue` waiting, first come first served.

    A finished request hands its slot straight to the oldest waiter, so a newcomer never
    overtakes the line and a waiter is never woken for a slot someone else then took.
    """

    def __init__(self, slots: int, queue: int, max_wait: float = MAX_WAIT_SECONDS):
        self.slots = max(1, slots)
        self.queue = max(0, queue)
        self.max_wait = max_wait
        self.running = 0
        self.admitted = 0
        self.refused = {"queue_full": 0, "waited_too_long": 0}
        self._waiters: deque[threading.Event] = deque()
        self._lock = threading.Lock()

    def enter(self) -> bool:
        """Take a slot, waiting for one if the queue has room; False when refused."""
        with self._lock:
            if self.running < self.slots and not self._waiters:
                self.running += 1
                self.admitted += 1
                return True
            if len(self._waiters) >= self.queue:
                self.refused["queue_full"] += 1
                return False
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(self.max_wait):
            return True  # leave() handed its slot over (and counted it)
        with self._lock:
            if turn.is_set():
                return True  # handed over just as the wait ran out
            self._waiters.remove(turn)
            self.refused["waited_too_long"] += 1
            return False

    def leave(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().set()  # the slot passes on: running stays the same
                self.admitted += 1
            else:
                self.running -= 1

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {"running": self.running, "waiting": len(self._waiters), "admitted": self.admitted} | self.refused


class Admission:
    """WSGI middleware around the whole app (outside the error boundary): the gate, and the 503.

    The JSON refusal (`web_errors.json_error`) is built once: under 500 connections most answers
    are refusals, and every microsecond one costs delays the requests queued in waitress behind it.
    """

    def __init__(self, app: Flask, wsgi_app: Callable, gate: Gate):
        self.wsgi_app = wsgi_app
        self.gate = gate
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
        if not self.gate.enter():
            return self._refuse(environ, start_response)
        try:
            body = self.wsgi_app(environ, start_response)
        except BaseException:
            self.gate.leave()
            raise
        return ClosingIterator(body, self.gate.leave)  # waitress closes every body, streamed or not

    def _refuse(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """The JSON body for machine paths, the plain 503 page for people (the dashboard)."""
        if not is_machine_path(environ.get("PATH_INFO") or ""):
            return ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS)(environ, start_response)
        start_response(self._busy_status, list(self._busy_headers))
        return [self._busy_body]


class AdmissionCollector:
    """`/metrics`: slots in use, requests waiting, and refusals by reason, read at scrape time."""

    def __init__(self, gate: Gate):
        self.gate = gate

    def describe(self) -> list:
        return []

    def collect(self) -> Iterator:
        state = self.gate.snapshot()
        yield GaugeMetricFamily(
            "clearanalytics_admission_slots", "Requests allowed to work at once (the threads setting).", self.gate.slots
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
    worker, or this gate, saw it. `server` is what `waitress.create_server` returns.
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


def waitress_threads(threads: int, request_queue: int) -> int:
    """Waitress worker threads `serve` runs: the working ones, the waiting ones, and the light ones."""
    return threads + request_queue + LIGHT_THREADS


def install(app: Flask) -> Gate:
    """Wrap the app in the gate (`serve` calls this; tests' in-process apps run without it) and count it."""
    from clearanalytics.metrics import METRICS_KEY

    gate = Gate(int(app.config["THREADS"]), int(app.config["REQUEST_QUEUE"]))
    app.extensions[GATE_KEY] = gate
    registry = app.extensions.get(METRICS_KEY)
    if registry is not None:
        registry.register(AdmissionCollector(gate))
    app.wsgi_app = Admission(app, app.wsgi_app, gate)  # type: ignore[method-assign]
    return gate
