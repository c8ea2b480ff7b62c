"""Retention: a site may keep only its last N months of raw events; older rows are deleted daily.

Decision: long-period reports keep working after the raw rows are gone. Closed days are
answered from the per-day rollup tables (stats/rollups.py), which are built lazily from raw
events; so before deleting a day's raw rows, every rollup kind of that day is built, and the
deletion itself does not invalidate them. The totals, top lists and ecommerce/goal summaries of
a deleted day therefore stay exactly what they were. What reads raw events (filtered reports,
the 24h period, goal completion lists, exports) sees only the retained months.

Those rollups are final: the site's `retained_from` records the cutoff, and neither a later write
to a deleted day (an import of history, whose rows the next run deletes again) nor a timezone
change (stats/rollups.py `invalidate_*`) rebuilds a day before it from raw rows that are gone.

The cutoff is a site-local midnight: a day is either kept whole or deleted whole, so a kept
rollup never describes a half-deleted day.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb

from clearanalytics import accounts
from clearanalytics.db import Database, utcnow
from clearanalytics.storage import EventStore, store_of

log = logging.getLogger(__name__)

MAX_MONTHS = 1200  # a hundred years: anything larger is a typo
DAY_SECONDS = 24 * 3600


def validate_months(value: object) -> int | None:
    """None (keep forever) or a whole number of months from 1 to MAX_MONTHS."""
    if value is None or value == "":
        return None
    try:
        months = int(str(value).strip())
    except ValueError:
        months = 0
    if not 1 <= months <= MAX_MONTHS:
        raise accounts.AccountError(
            "retention_months", f"Retention must be a whole number of months from 1 to {MAX_MONTHS}, or empty."
        )
    return months


def months_of(cur: duckdb.DuckDBPyConnection, site_id: str) -> int | None:
    row = cur.execute("SELECT retention_months FROM sites WHERE id = ?", [site_id]).fetchone()
    return row[0] if row else None


def set_months(cur: duckdb.DuckDBPyConnection, site: accounts.Site, months: int | None) -> None:
    """Store the setting; rows go at the next daily run (or `clearanalytics retention --apply`)."""
    cur.execute("UPDATE sites SET retention_months = ? WHERE id = ?", [validate_months(months), site.id])


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier, clamped to that month's last day."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


@dataclass
class SitePlan:
    """What retention removes from one site: every raw row before `cutoff_day` (site-local)."""

    site: accounts.Site
    months: int
    cutoff_day: date
    cutoff_utc: datetime
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _plan_site(
    cur: duckdb.DuckDBPyConnection, site: accounts.Site, months: int, now: datetime, store: EventStore | None
) -> SitePlan:
    from clearanalytics.stats.query import _local_midnight_utc, today_in

    cutoff_day = months_before(today_in(site, now), months)
    # The same day boundary the reports and rollups use, so a deleted day is exactly a rolled-up day.
    plan = SitePlan(site, months, cutoff_day, _local_midnight_utc(cutoff_day, ZoneInfo(site.timezone)))
    if store is not None:
        plan.rows = store.count_events([site.id], before=plan.cutoff_utc, cur=cur)
    else:  # the tables `cur` sees: the embedded file
        from clearanalytics.storage.duckdb_store import count_rows

        plan.rows = count_rows(cur, [site.id], before=plan.cutoff_utc)
    return plan


def pending(
    cur: duckdb.DuckDBPyConnection, now: datetime, domain: str | None = None, store: EventStore | None = None
) -> list[SitePlan]:
    """Every site with a retention setting (or just `domain`), with the rows it would lose now."""
    sites = [accounts.get_site(cur, accounts.normalise_domain(domain))] if domain else accounts.list_sites(cur)
    if domain and sites[0] is None:
        raise accounts.AccountError("domain", f"unknown site '{domain}'")
    plans = []
    for site in sites:
        months = months_of(cur, site.id)
        if months is not None:
            plans.append(_plan_site(cur, site, months, now, store))
    return plans


def apply(
    db: Database, now: datetime | None = None, domain: str | None = None, store: EventStore | None = None
) -> list[SitePlan]:
    """Delete the raw rows older than each site's retention, keeping their days' rollups first.

    The event store does the work (`EventStore.retain`: aggregates built, then the delete, with
    no write in between, and the site's retained_from moved up); this module decides what goes.
    """
    now = now or utcnow()
    store = store or store_of(db)
    with db.reading() as cur:
        plans = [p for p in pending(cur, now, domain, store) if p.total]
    for plan in plans:
        plan.rows = store.retain(plan.site, plan.cutoff_day, plan.cutoff_utc, now)
        log.info("retention: deleted %d raw rows of %s before %s", plan.total, plan.site.domain, plan.cutoff_day)
    return plans


class RetentionTimer:
    """The server's daily run: once shortly after start, then every `interval` seconds, until stop()."""

    def __init__(
        self, db: Database, interval: float = DAY_SECONDS, first_delay: float = 0.0, store: EventStore | None = None
    ):
        self.db = db
        self.store = store
        self.interval = interval
        self.first_delay = first_delay
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="clearanalytics-retention", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        delay = self.first_delay
        while not self._stop.wait(delay):
            try:
                apply(self.db, store=self.store)
            except Exception:  # a failing run is logged and retried tomorrow, never kills the server
                log.exception("retention run failed")
            delay = self.interval
