"""This process's memory of the daily rollups, behind one object: what it may skip, and what it must forget.

`CACHE` (one per process: DuckDB lets one process write a file, and every key starts with the
database's path) keeps three things, each only as an optimisation that a fresh process can do without:

- which (database, kinds, site) closed spans it found complete, valid while its `generation` stands
  still: every invalidation in this process (the only one that can write the file) moves it, so a
  query whose closed days lie inside spans found complete (the same period again, or "last week"
  after "the last 12 months") skips the rollup_days check. A check whose snapshot began before the
  last invalidating transaction committed is not remembered (see note_complete);
- the open days' rows per (database, table, dimension, light, site, local day): a *piece*, tagged
  with the database's write version (db.write_version) when it was read. Every write records which
  (site, days, kinds) it touched (`_forget`, the same call that invalidates the rollups); a piece
  stays valid until a later write touches its site, day and kind. So after a batch of live traffic
  for one site, a query recomputes that site's today only, not every site's today and yesterday,
  and the answering statement itself never reads raw events (a statement over the raw tables costs
  ~5 ms of planning alone);
- failures: a rollup answer that raised is counted per report (`/metrics`:
  clearanalytics_rollup_failures_total), logged (throttled), and the database's rollups are not tried
  again for a while (the back-off doubles per consecutive failure, up to BACKOFF_MAX seconds); the raw
  path answers meanwhile. With CLEARANALYTICS_STRICT_ROLLUPS set (the test suite sets it), the failure
  raises instead: a broken rollup must fail a test, never just look slow.

Writers never touch any of this: ingest.store's functions call `invalidate*` inside the writing
transaction, which deletes the rollup_days rows of the days written (so the next query rebuilds them)
and moves the generation.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from clearanalytics.db import resolved_path, write_version
from clearanalytics.health import ThrottledLog
from clearanalytics.storage.site_facts import SiteFacts, facts_on

log = logging.getLogger("clearanalytics.stats.rollups")

STRICT_ENV = "CLEARANALYTICS_STRICT_ROLLUPS"
BACKOFF_FIRST = 60.0  # seconds without rollups after a failure
BACKOFF_MAX = 900.0
_MEMO_SIZE = 512
PIECES_KEPT = 8192  # open-day pieces: tables and breakdowns x sites x 2 days
ANSWERS_KEPT = 2048  # whole rollup answers: reports x periods x sites asked for
SPANS_KEPT = 16  # complete closed spans per database, kinds and site: the widest asked recently
TOUCHES_KEPT = 1024  # writes remembered per database; past that, every kept piece is dropped


class RollupFailure(RuntimeError):
    """A rollup answer failed while CLEARANALYTICS_STRICT_ROLLUPS is set (tests): never answered from raw."""


def strict() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() not in ("", "0", "false", "no", "off")


class RollupCache:
    def __init__(self) -> None:
        self.generation = 0
        self._complete: dict[tuple, tuple[tuple[date, date, int], ...]] = {}  # (path, kinds, site) -> spans
        self._pieces: dict[tuple, tuple[int, list[tuple]]] = {}
        self._answers: dict[tuple, tuple[int, list, float]] = {}
        self._reads: dict[tuple, tuple[str, dict]] = {}  # shape -> (a report, {open piece: when read})
        self._refreshed: dict[tuple, float] = {}  # shape -> when its stale pieces were last read again
        self._built_until: dict[str, dict[str, date]] = {}  # path -> site -> last day in rollup_days
        self._touches: dict[str, list[tuple[int, str, date, date, tuple[str, ...]]]] = {}
        self._unsettled: dict[str, int] = {}  # path -> write version before its last invalidating commit
        self._failures: dict[tuple[str, str], int] = {}  # (database path, report) -> failed answers
        self._backoff: dict[str, tuple[float, float]] = {}  # path -> (retry after, last back-off)
        self._last_failure: dict[str, str] = {}  # normal path -> the report whose rollup answer failed last
        self._lock = threading.Lock()
        self._log = ThrottledLog(log)

    # --- what a query may skip --------------------------------------------------------------------

    def known_complete(self, key: tuple) -> bool:
        """Whether every (site, first, last) closed span of `key` (path, spans, kinds) lies inside a span of that
        site found complete for the same kinds since the last invalidation. A span's days and whole months are
        then among those checked (rollup_build.missing)."""
        path, closed, kinds = key
        generation = self.generation
        return bool(closed) and all(
            _covers(self._complete.get((path, kinds, site), ()), first, last, generation)
            for site, first, last in closed
        )

    def note_complete(self, key: tuple, generation: int, path: str, version: int) -> None:
        """Remember the spans of `key` complete, as checked by a read whose snapshot began at write `version`.

        Not when an invalidation came since `generation`, nor when the transaction of the last
        invalidation had not committed before that snapshot began: the snapshot could not see it."""
        if generation != self.generation or version <= self._unsettled.get(_normal(path), -1):
            return
        _, closed, kinds = key
        for site, first, last in closed:
            kept = self._complete.get((path, kinds, site), ())
            if _covers(kept, first, last, generation):
                continue
            wider = [(f, t, g) for f, t, g in kept if g == generation and not (first <= f and t <= last)]
            _remember(self._complete, (path, kinds, site), (*wider[-(SPANS_KEPT - 1) :], (first, last, generation)))

    def piece(self, key: tuple, kind: str) -> list[tuple] | None:
        """The kept rows of `key` (path, table, dimension, light, site_id, day), or None when a write of
        `kind` touched that site and day after they were read (or they were never read)."""
        kept = self._pieces.get(key)
        if kept is None or not self._untouched(key[0], kept[0], [(key[4], key[5], key[5])], (kind,)):
            return None
        return kept[1]

    def answer(self, key: tuple, spans: list[tuple[str, date, date]], kinds: tuple[str, ...]) -> list | None:
        """A report's kept answer (`key` starts with the database path), or None when a write of one of
        `kinds` touched one of `spans` (site, first, last local day) since it was read."""
        kept = self._answers.get(key)
        if kept is None or not self._untouched(key[0], kept[0], spans, kinds):
            return None
        return kept[1]

    def forget_answers(self) -> None:
        """Drop every kept answer: for tests that change rollup tables behind the cache's back."""
        self._answers = {}

    def keep_answer(self, key: tuple, version: int, rows: list) -> None:
        _remember(self._answers, key, (version, rows, time.monotonic()), ANSWERS_KEPT)

    def recent_answer(self, key: tuple, seconds: float) -> list | None:
        """The kept answer of `key` if it was computed within `seconds`, touched by a write since or not:
        what a request may take while another computes the fresh one (stats/flights.py)."""
        kept = self._answers.get(key)
        if kept is None or time.monotonic() - kept[2] > seconds:
            return None
        return kept[1]

    def _untouched(self, path: str, version: int, spans: list[tuple[str, date, date]], kinds: tuple[str, ...]) -> bool:
        """No write after `version` touched any (site, days) of `spans` with any of `kinds`."""
        for touched, site, first, last, touched_kinds in reversed(self._touches.get(path, ())):  # newest first
            if touched <= version:
                return True
            if touched_kinds and not set(kinds) & set(touched_kinds):
                continue
            if any(site == site_id and first <= b and a <= last for site_id, a, b in spans):
                return False
        return True

    def note_read(self, shape: tuple, report: str, pieces: list[tuple[str, str, date]]) -> None:
        """A report read the open (site_id, timezone, day) pieces of `shape` now (see `stale_pieces`)."""
        if not pieces:
            return  # a period with no open day (the comparison period, say)
        now = time.monotonic()
        read = self._reads.setdefault(shape, (report, {}))[1]
        for piece in pieces:
            read[piece] = now
        if len(read) > PIECES_KEPT:  # days roll over: drop the pieces read longest ago
            for piece in sorted(read, key=read.get)[: len(read) - PIECES_KEPT]:
                del read[piece]

    def stale_pieces(self, path: str, seconds: float) -> dict[tuple[tuple, str], list[tuple[str, str, date]]]:
        """The open pieces that a write has touched since a report read them, in the last `seconds` and
        after their shape's last refresh: {(shape, a report reading it): [(site_id, timezone, day)]}.
        A piece read once is refreshed once, so the refreshes never outnumber the reads."""
        from clearanalytics.stats.rollup_sql import TABLE_KIND  # rollup_sql imports nothing of this module

        now, stale = time.monotonic(), {}
        for shape, (report, read) in list(self._reads.items()):
            if shape[0] != path:
                continue
            since = max(now - seconds, self._refreshed.get(shape, -1.0))
            kind = TABLE_KIND[shape[1]]
            touched = [
                piece
                for piece, read_at in list(read.items())
                if read_at > since and self.piece(shape + (piece[0], piece[2]), kind) is None
            ]
            if touched:
                stale[(shape, report)] = touched
        return stale

    def note_refreshed(self, shape: tuple) -> None:
        self._refreshed[shape] = time.monotonic()

    def refresh_failed(self, path: str, exc: BaseException) -> None:
        """Reading the open pieces again after a commit failed: the next report reads them itself."""
        self._log.error(f"refresh:{path}", "reading the open days again after a commit failed", exc=exc)

    def keep_piece(self, key: tuple, version: int, rows: list[tuple]) -> None:
        """Keep rows read at write `version` (taken before the reading snapshot began)."""
        _remember(self._pieces, key, (version, rows), PIECES_KEPT)

    # --- failures ---------------------------------------------------------------------------------

    def backing_off(self, path: str) -> bool:
        with self._lock:
            until = self._backoff.get(path)
        return until is not None and time.monotonic() < until[0]

    def failed(self, path: str, report: str, exc: BaseException) -> None:
        """Count, log and back off; raises RollupFailure in strict mode (tests)."""
        with self._lock:
            key = (_normal(path), report)
            self._failures[key] = self._failures.get(key, 0) + 1
            self._last_failure[key[0]] = report
            last = self._backoff.get(path, (0.0, 0.0))[1]
            wait = min(BACKOFF_MAX, last * 2) if last else BACKOFF_FIRST
            self._backoff[path] = (time.monotonic() + wait, wait)
        if strict():
            raise RollupFailure(f"rollups failed for {report}: {exc}") from exc
        self._log.error(f"rollups:{path}", f"rollups failed for {report}, reading raw events for {wait:.0f} s", exc=exc)

    def succeeded(self, path: str) -> None:
        if path in self._backoff:
            with self._lock:
                self._backoff.pop(path, None)

    def degraded(self, path: str | Path) -> str | None:
        """While backing off after a failure: one line saying so (for /healthz), else None.

        Answers stay right (raw events answer with the same SQL), only slower, so /healthz stays 200:
        an operator sees the state, a load balancer keeps sending traffic."""
        with self._lock:
            until = next((u for p, u in self._backoff.items() if _normal(p) == _normal(path)), None)
            report = self._last_failure.get(_normal(path))
            failed = sum(n for (where, _), n in self._failures.items() if where == _normal(path))
        left = until[0] - time.monotonic() if until else 0.0
        if left <= 0:
            return None
        return f"failing ({failed} failed answer(s), last for {report}); reading raw events, next try in {left:.0f} s"

    def failure_counts(self, path: str | Path) -> dict[str, int]:
        """Failed rollup answers per report, of the database at `path` (for its app's /metrics)."""
        wanted = _normal(path)
        with self._lock:
            return {report: n for (where, report), n in self._failures.items() if where == wanted}

    def reset_backoff(self) -> None:
        """Try the rollups again at the next query (the `rollups` command, or a test, after fixing the cause)."""
        with self._lock:
            self._backoff.clear()

    # --- invalidation (ingest.store calls these inside the writing transaction) -------------------

    def invalidate(
        self,
        cur: duckdb.DuckDBPyConnection,
        site_id: str,
        days: Iterable[date],
        kinds: tuple[str, ...] = (),
        sites: SiteFacts | None = None,
    ) -> None:
        """Forget the rollups of `days` (local days of the site) so that the next query rebuilds them."""
        days = sorted(set(days))
        if days:
            self._forget(cur, {site_id: list(runs(days))}, kinds, sites)

    def invalidate_times(
        self,
        cur: duckdb.DuckDBPyConnection,
        pairs: Iterable[tuple[str, datetime]],
        kinds: tuple[str, ...] = (),
        sites: SiteFacts | None = None,
    ) -> None:
        """Forget the rollups of the site-local days between the earliest and latest UTC time written per site.

        `pairs` are (site_id, created_at) of the rows written. Live traffic only touches today (and
        yesterday around midnight), which are open anyway, so closed days are not rebuilt over and over.
        """
        spans = spans_of(pairs)
        if spans:
            self._forget(cur, spans, kinds, sites)

    def invalidate_site(self, cur: duckdb.DuckDBPyConnection, site_id: str, sites: SiteFacts | None = None) -> None:
        """Forget every rollup of a site (its timezone changed, so its local days did; or it was erased).

        Its kept answers go at once, not only as touched: an erased site's numbers must not be handed
        out, even as the recent answer a concurrent request takes while another computes (`recent_answer`)."""
        self._answers = {key: kept for key, kept in self._answers.items() if not _names_site(key, site_id)}
        self._forget(cur, {site_id: [(date.min, date.max)]}, (), sites)

    def _forget(
        self, cur: duckdb.DuckDBPyConnection, spans: dict[str, list], kinds: tuple[str, ...], sites: SiteFacts | None
    ) -> None:
        """Delete the rollup_days rows of each site's spans: (first, last) local days, or (earliest, latest)
        UTC times (turned into the site's local days). Days whose raw rows retention deleted (before
        sites.retained_from) keep their rollups: nothing could rebuild them. The sites' timezones and
        cutoffs come from the accounts side (`sites`; None: read on `cur`, the embedded file where
        both sides live), never by a join of the rollup tables to `sites`."""
        from clearanalytics.stats.rollup_sql import KINDS

        path = _normal(_database_path(cur))
        known = facts_on(cur, sites).of(spans)
        site_ids, firsts, lasts = [], [], []
        for site_id, site_spans in spans.items():
            timezone, retained_from = known.get(site_id, ("UTC", None))
            for first, last in site_spans if isinstance(site_spans, list) else [site_spans]:
                if isinstance(first, datetime):
                    zone = ZoneInfo(timezone)
                    first, last = _local_date(first, zone), _local_date(last, zone)
                site_ids.append(site_id)
                firsts.append(max(first, retained_from or date.min))
                lasts.append(last)
        self._touched(path, site_ids, firsts, lasts, kinds)
        if not self._may_hold_built_days(cur, path, site_ids, firsts):
            # A live batch: only days after the last built one. No stored row changes, so every range
            # known complete stays complete (its days are all built); the touch log covers the open days.
            return
        self._unsettled[path] = write_version(path)  # this transaction commits the next version
        self._bump()
        cur.execute(
            """
            DELETE FROM rollup_days WHERE list_contains($kinds::VARCHAR[], kind) AND EXISTS (
                SELECT 1 FROM (SELECT unnest($sites::VARCHAR[]) AS s, unnest($firsts::DATE[]) AS a,
                                      unnest($lasts::DATE[]) AS b) w
                WHERE w.s = rollup_days.site_id AND rollup_days.day BETWEEN w.a AND w.b
            )
            """,
            {"kinds": list(kinds or KINDS), "sites": site_ids, "firsts": firsts, "lasts": lasts},
        )
        cur.execute(  # and the months those days are in: their monthly rows are sums of the days
            """
            DELETE FROM rollup_months WHERE list_contains($kinds::VARCHAR[], kind) AND EXISTS (
                SELECT 1 FROM (SELECT unnest($sites::VARCHAR[]) AS s, unnest($firsts::DATE[]) AS a,
                                      unnest($lasts::DATE[]) AS b) w
                WHERE w.s = rollup_months.site_id AND rollup_months.month BETWEEN date_trunc('month', w.a) AND w.b
            )
            """,
            {"kinds": list(kinds or KINDS), "sites": site_ids, "firsts": firsts, "lasts": lasts},
        )

    def _may_hold_built_days(self, cur: duckdb.DuckDBPyConnection, path: str, sites: list[str], firsts: list) -> bool:
        """Whether some span starts on or before the last day built for its site (rollup_days; a whole
        month in rollup_months implies its days are built). Read once per database, then followed by
        `note_built`; an over-estimate (a build rolled back) only costs a DELETE that finds nothing."""
        if path not in self._built_until:
            rows = cur.execute("SELECT site_id, max(day) FROM rollup_days GROUP BY site_id").fetchall()
            self._built_until[path] = dict(rows)
        built = self._built_until[path]
        return any(first <= built.get(site, date.min) for site, first in zip(sites, firsts, strict=True))

    def note_built(self, path: str, days: Iterable[tuple[str, date]]) -> None:
        """Days (site, day) just built into rollup_days (stats/rollup_build.py calls this)."""
        built = self._built_until.get(_normal(path))
        if built is None:
            return  # not read yet: the first _forget reads it from the table
        for site_id, day in days:
            if day > built.get(site_id, date.min):
                built[site_id] = day

    def _touched(self, path: str, sites: list[str], firsts: list, lasts: list, kinds: tuple[str, ...]) -> None:
        """Note the (site, days, kinds) that the write committing the next version changes (see `piece`)."""
        version = write_version(path) + 1
        touches = self._touches.get(path, [])
        if len(touches) >= TOUCHES_KEPT:
            touches = []
            self._pieces = {k: v for k, v in self._pieces.items() if k[0] != path}
            self._answers = {k: v for k, v in self._answers.items() if k[0] != path}
        self._touches[path] = touches + [
            (version, site, first, last, tuple(kinds)) for site, first, last in zip(sites, firsts, lasts, strict=True)
        ]

    def _bump(self) -> None:
        self.generation += 1
        self._complete.clear()


def _covers(spans: Iterable[tuple[date, date, int]], first: date, last: date, generation: int) -> bool:
    """Whether one of the (first, last, generation) spans of this generation holds first..last."""
    return any(f <= first and last <= t and g == generation for f, t, g in spans)


def _names_site(key: tuple, site_id: str) -> bool:
    """Whether an answer's key (path, report, closed (site, first, last) spans, open SiteRanges, ...) covers it."""
    return any(span[0] == site_id for span in key[2]) or any(r.site_id == site_id for r in key[3])


def _database_path(cur: duckdb.DuckDBPyConnection) -> str:
    row = cur.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return row[0] if row and row[0] else ":memory:"


def _normal(path: str | Path) -> str:
    return str(path) if str(path) == ":memory:" else resolved_path(path)


def _remember(memo: dict, key: tuple, value: Any, size: int = _MEMO_SIZE) -> None:
    if len(memo) > size:
        memo.clear()
    memo[key] = value


def _local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


def spans_of(pairs: Iterable[tuple[str, datetime]]) -> dict[str, tuple[datetime, datetime]]:
    """(site_id, created_at) pairs -> site id -> (earliest, latest)."""
    spans: dict[str, tuple[datetime, datetime]] = {}
    for site_id, created_at in pairs:
        old = spans.get(site_id)
        if old is None:
            spans[site_id] = (created_at, created_at)
        elif created_at < old[0] or created_at > old[1]:
            spans[site_id] = (min(old[0], created_at), max(old[1], created_at))
    return spans


def runs(days: list[date]) -> Iterable[tuple[date, date]]:
    """Contiguous runs of sorted days: [(first, last), ...]."""
    start = prev = days[0]
    for day in days[1:]:
        if day != prev + timedelta(days=1):
            yield start, prev
            start = day
        prev = day
    yield start, prev


CACHE = RollupCache()
