"""What is wrong right now: the causes /healthz and the ingest 503s name, and logging that does not flood.

A full disk makes every request fail the same way. Answering each with a traceback in the
log filled 25 MB in minutes and told the operator nothing new, so a repeated error is
logged once per interval with a count, and the cause is kept here until the part that
failed (the spool, the database) works again.
"""

from __future__ import annotations

import errno
import logging
import threading
import time

import duckdb

RETRY_AFTER_SECONDS = 5  # what a 503 tells clients (and the tracker) to wait before trying again
LOG_INTERVAL_SECONDS = 60.0


class Unavailable(Exception):
    """The event could not be made durable: answer 503 with Retry-After, never 202."""


def describe(exc: BaseException) -> str:
    """One line naming the cause, 'disk full: ...' when it is the disk, for /healthz and 503 bodies."""
    if isinstance(exc, Unavailable):
        return str(exc)
    if isinstance(exc, OSError):
        text = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return f"disk full: {text}"
        return f"I/O error: {text}"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "No space left" in str(exc):
        return f"disk full: {text}"
    if isinstance(exc, duckdb.Error):
        return f"database error: {text}"
    return text


def needs_reopen(exc: BaseException) -> bool:
    """DuckDB refuses every statement after a fatal error (a failed checkpoint) until it is reopened."""
    return isinstance(exc, duckdb.FatalException) or "invalidated" in str(exc)


class Health:
    """The current causes of trouble, keyed by the part that failed; empty means healthy."""

    def __init__(self) -> None:
        self._causes: dict[str, str] = {}
        self._lock = threading.Lock()

    def fail(self, part: str, cause: str) -> None:
        with self._lock:
            self._causes[part] = cause

    def ok(self, part: str) -> None:
        if part in self._causes:
            with self._lock:
                self._causes.pop(part, None)

    def failing(self, part: str) -> bool:
        return part in self._causes

    def causes(self) -> list[str]:
        with self._lock:
            return list(dict.fromkeys(self._causes.values()))

    @property
    def cause(self) -> str | None:
        with self._lock:
            return "; ".join(self._causes.values()) or None


class ThrottledLog:
    """Logs the first occurrence of each kind of error, then at most one line per interval with a count."""

    def __init__(self, logger: logging.Logger, interval: float = LOG_INTERVAL_SECONDS):
        self.logger = logger
        self.interval = interval
        self._seen: dict[str, tuple[float, int]] = {}  # kind -> (last logged at, repeats since)
        self._lock = threading.Lock()

    def error(self, kind: str, message: str, exc: BaseException | None = None) -> bool:
        """True when this call logged (the first, or the first after the interval)."""
        now = time.monotonic()
        with self._lock:
            last, repeats = self._seen.get(kind, (float("-inf"), 0))
            if now - last < self.interval:
                self._seen[kind] = (last, repeats + 1)
                return False
            self._seen[kind] = (now, 0)
        suffix = f" (and {repeats} more times in the last {now - last:.0f} s)" if repeats else ""
        detail = f": {describe(exc)}" if exc is not None else ""
        self.logger.error("%s%s%s", message, detail, suffix)
        return True


def _probe(name: str, kind: str, probe, writer, redact: str | None) -> dict[str, str]:
    """One store's entry: {"kind", "status": "ok"} or {"kind", "status": "error", "cause"} (never a password)."""
    try:
        probe()
    except Exception as exc:
        if writer is not None and name == "events":
            writer.note_database_error(exc)
        cause = describe(exc)
        if redact:
            cause = cause.replace(redact, "***")
        return {"kind": kind, "status": "error", "cause": cause}
    if writer is not None and name == "events":
        writer.database_probed_ok()
    return {"kind": kind, "status": "ok"}


def check(store, service, accounts=None) -> tuple[int, dict]:
    """/healthz: 200 {"status": "ok", "stores": {...}} (with "rollups": ... while they fail and raw events
    answer, slower), or 503 {"status": "error", "cause": ..., "stores": {...}} naming what is wrong.

    "stores" has one entry per store, "events" and (given `accounts`, the accounts database) "accounts",
    each {"kind": "duckdb" | "clickhouse" | "postgresql", "status": "ok"}, or "error" with its "cause";
    the top "cause" names the failing store ("events store (clickhouse): ..."). Each store is probed on
    each call, so a database DuckDB invalidated while no event arrived is noticed (and handed to the
    writer to reopen) here too, and a load balancer sees a node whose PostgreSQL went away.
    """
    from clearanalytics.storage import store_of

    writer = service.writer if service is not None else None
    events = store_of(store)
    password = getattr(getattr(events, "address", None), "password", None)
    stores = {"events": _probe("events", events.name or type(events).__name__, events.probe, writer, password)}
    if accounts is not None:
        kind = getattr(accounts, "kind", "duckdb")
        password = (getattr(accounts, "params", None) or {}).get("password")
        stores["accounts"] = _probe("accounts", kind, lambda: _probe_accounts(accounts), None, password)
    failing = {name: entry for name, entry in stores.items() if "cause" in entry}
    causes = [f"{name} store ({entry['kind']}): {entry['cause']}" for name, entry in failing.items()]
    if writer is not None:  # the spool's (a full disk), and a failed batch's unless the probe said the same
        said = {entry["cause"] for entry in failing.values()}
        causes += [c for c in writer.health.causes() if c not in said]
    cause = "; ".join(causes)
    if cause:
        return 503, {"status": "error", "cause": cause, "stores": stores}
    degraded = events.degraded()
    doc: dict = {"status": "ok", "rollups": degraded} if degraded else {"status": "ok"}
    return 200, doc | {"stores": stores}


def _probe_accounts(accounts) -> None:
    """PgDatabase has its own probe; the DuckDB file answers one statement on a reading cursor."""
    probe = getattr(accounts, "probe", None)
    if probe is not None:
        probe()
        return
    with accounts.reading() as cur:
        cur.execute("SELECT 1").fetchone()
