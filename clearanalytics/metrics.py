"""The operator's view of one server: `/metrics` in Prometheus format, and the optional access log.

Everything lives in one CollectorRegistry per app (never prometheus_client's global one: tests build
many apps in one process). Request latency is measured by a WSGI wrapper around the whole app, the
ingest fast path included, and labelled by the route's rule (`/api/v1/stats/<report>`), never the raw
path, so neither cardinality nor secrets in paths leak into it. Ingest outcomes are counted by the
route itself through `IngestOutcomes` (a dict increment under a lock: the hot path pays no more);
spool depth, writer lag and database size are read at scrape time, so they cost nothing between.

`/metrics` counts every tenant's traffic, so it answers only a token with the `metrics:read`
ability, which the operator grants from the CLI (never by default, never from the dashboard).
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from flask import Flask, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

METRICS_KEY = "clearanalytics.metrics"
ABILITY = "metrics:read"
ROUTE_KEY = "clearanalytics.route"  # the WSGI environ key a matched Flask rule is noted under
INGEST_PATH = "/api/event"
UNMATCHED = "<unmatched>"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
access_log = logging.getLogger("clearanalytics.access")
_INDEX = re.compile(r"\[\d+\]")


class IngestOutcomes:
    """How ingest answered, by (outcome, reason): accepted, dropped (bot, unknown-domain...), invalid (field).

    A plain dict, so the ingest service can own one without prometheus_client in its way; the
    `/metrics` collector reads a snapshot.
    """

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def record(self, outcome: str, reason: str = "") -> None:
        key = (outcome, reason)
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1

    def invalid(self, field: str) -> None:
        """A 400; `ecommerce.items[7].quantity` counts as `ecommerce.items[].quantity` (bounded labels)."""
        self.record("invalid", _INDEX.sub("[]", field))

    def snapshot(self) -> dict[tuple[str, str], int]:
        with self._lock:
            return dict(self._counts)


class ServerCollector:
    """Gauges read when Prometheus scrapes: ingest counts, spool depth, writer lag, database size."""

    def __init__(self, app: Flask):
        self.app = app

    def describe(self) -> list:
        return []  # registered without a trial collect (the database may not be ready yet)

    def collect(self) -> Iterator:
        service = self.app.extensions.get("clearanalytics.ingest")
        outcomes = CounterMetricFamily(
            "clearanalytics_ingest_events",
            "POST /api/event answers: accepted, dropped (reason: why not stored) or invalid (reason: the field).",
            labels=["outcome", "reason"],
        )
        if service is not None:
            for (outcome, reason), count in sorted(service.outcomes.snapshot().items()):
                outcomes.add_metric([outcome, reason], count)
        yield outcomes
        if service is not None:
            yield from _writer_metrics(service.writer)
        yield from _database_metrics(self.app.extensions["clearanalytics.db"].path)
        yield _rollup_failures(self.app.extensions["clearanalytics.db"].path)


def _writer_metrics(writer) -> Iterator:
    pending = writer.pending_events
    yield GaugeMetricFamily(
        "clearanalytics_spool_pending_events", "Accepted events spooled but not yet committed.", value=pending
    )
    segments = _sizes(writer.spool_dir.glob("*.jsonl"))
    yield GaugeMetricFamily("clearanalytics_spool_bytes", "Bytes in the spool's segment files.", value=segments)
    yield GaugeMetricFamily(
        "clearanalytics_writer_last_commit_timestamp_seconds",
        "Unix time of the writer's last successful commit (its start, before the first).",
        value=writer.last_commit,
    )
    lag = max(0.0, time.time() - writer.last_commit) if pending else 0.0
    yield GaugeMetricFamily(
        "clearanalytics_writer_lag_seconds",
        "Seconds since the last commit while events wait for the next (0 when none wait).",
        value=lag,
    )
    yield CounterMetricFamily(
        "clearanalytics_writer_committed_events", "Events committed by this process.", value=writer.committed
    )


def _database_metrics(path: Path) -> Iterator:
    files = [path, path.with_name(path.name + ".wal")]
    yield GaugeMetricFamily(
        "clearanalytics_database_bytes", "Size of the DuckDB file and its write-ahead log.", value=_sizes(files)
    )


def _rollup_failures(path: Path) -> CounterMetricFamily:
    from clearanalytics.stats.rollup_cache import CACHE

    family = CounterMetricFamily(
        "clearanalytics_rollup_failures",
        "Stats answers whose daily rollups failed (answered from raw events instead), by report.",
        labels=["report"],
    )
    for report, count in sorted(CACHE.failure_counts(path).items()):
        family.add_metric([report], count)
    return family


def _sizes(paths: Iterable[Path]) -> int:
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except FileNotFoundError:
            continue  # a segment committed (and deleted) while we listed, or no WAL right now
    return total


class Instrumented:
    """WSGI wrapper: each request's latency under its route, and the access log line when enabled.

    Timed until the app hands back its body iterable: all of it for our JSON and HTML answers,
    up to the first chunk for a streamed chat answer (whose length is the model's, not ours).
    """

    def __init__(self, wsgi_app: Callable, latency: Histogram, log_access: bool):
        self.wsgi_app = wsgi_app
        self.latency = latency
        self.log_access = log_access
        self._children: dict[tuple[str, str], object] = {}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        status = ["-"]

        def noting_start_response(status_line: str, headers, exc_info=None):
            status[0] = status_line[:3]
            return start_response(status_line, headers, exc_info)

        try:
            return self.wsgi_app(environ, noting_start_response)
        finally:
            self._observe(environ, status[0], time.perf_counter() - started)

    def _observe(self, environ: dict, status: str, seconds: float) -> None:
        method = environ.get("REQUEST_METHOD", "-")
        route = environ.get(ROUTE_KEY)
        if route is None:  # not through Flask's routing: ingest's fast path, or no rule matched
            route = INGEST_PATH if environ.get("PATH_INFO") == INGEST_PATH else UNMATCHED
        key = (method, route)
        child = self._children.get(key)
        if child is None:
            child = self._children.setdefault(key, self.latency.labels(method, route))
        child.observe(seconds)
        if self.log_access:
            # Method, route rule, status, duration: no address, no header, no query string, no raw path.
            access_log.info("%s %s %s %.1fms", method, route, status, seconds * 1000)


def _note_route() -> None:
    """before_request: the matched rule, for the wrapper outside Flask to label the request with."""
    if request.url_rule is not None:
        request.environ[ROUTE_KEY] = request.url_rule.rule


def _enable_access_log() -> None:
    """One line per request on stderr, beside waitress's own log, whatever the root logger does."""
    if not any(getattr(h, "clearanalytics_access", False) for h in access_log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s access %(message)s"))
        handler.clearanalytics_access = True  # type: ignore[attr-defined]
        access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False


def init_app(app: Flask) -> CollectorRegistry:
    """After ingest.init_app: wrap the outermost WSGI app, register the collectors and the route."""
    registry = CollectorRegistry()
    latency = Histogram(
        "clearanalytics_request_duration_seconds",
        "Request latency by HTTP method and route rule (never the raw path).",
        ["method", "route"],
        buckets=LATENCY_BUCKETS,
        registry=registry,
    )
    registry.register(ServerCollector(app))
    app.extensions[METRICS_KEY] = registry
    log_access = bool(app.config.get("ACCESS_LOG"))
    if log_access:
        _enable_access_log()
    app.before_request(_note_route)
    app.wsgi_app = Instrumented(app.wsgi_app, latency, log_access)  # type: ignore[method-assign]
    app.add_url_rule("/metrics", "metrics", metrics_view)
    return registry


def metrics_view():
    """GET /metrics: 401 without a valid bearer token, 403 without `metrics:read` (the API's token rule)."""
    from clearanalytics.web_auth import authenticated_token

    authenticated_token(ABILITY)
    body = generate_latest(current_app.extensions[METRICS_KEY])
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
