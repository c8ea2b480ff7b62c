"""Shared in-memory state of the live pipeline: the site lookup and recent pageviews' engaged time."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import datetime

from clearanalytics.accounts import Site
from clearanalytics.db import Database
from clearanalytics.invalidation import Stamp
from clearanalytics.storage import EventStore, store_of

MAX_PAGEVIEW_SECONDS = 30 * 60  # engaged time counted per pageview at most


class SiteCache:
    """domain -> Site, reloaded on a miss at most every two seconds (unknown-domain floods stay cheap).

    This process's removals reach it through `forget` (deletion.py). With the accounts shared by several
    nodes (PostgreSQL) it is also reloaded, on the next event, once another node's commit is heard or
    clearanalytics.invalidation's bound has passed: a site removed, renamed or moved to another timezone
    on one node is dropped or followed by every node's ingest.
    """

    def __init__(self, db: Database):
        self.db = db
        self._by_domain: dict[str, Site] = {}
        self._loaded_at = -1e9
        self._lock = threading.Lock()
        self._stamp = Stamp(db)
        self.frozen = False  # an import worker: never go back to the database

    def get(self, domain: str) -> Site | None:
        domain = domain.strip().lower().rstrip(".")
        if domain.startswith("www."):
            domain = domain[4:]
        if not self.frozen and self._stamp.stale():
            self.reload(only_if_stale=True)
        site = self._by_domain.get(domain)
        if site is None and not self.frozen and time.monotonic() - self._loaded_at > 2.0:
            self.reload()
            site = self._by_domain.get(domain)
        return site

    def all(self) -> list[Site]:
        return list(self._by_domain.values())

    def forget(self) -> None:
        """Sites were removed: reload now, so their domains stop resolving at once."""
        self.reload()

    def reload(self, only_if_stale: bool = False) -> None:
        with self._lock:
            if only_if_stale and not self._stamp.stale():
                return  # another thread has just reloaded
            self._stamp.taken()  # before the read: a commit during it leaves the cache stale, not wrongly fresh
            with self.db.reading() as cur:
                rows = cur.execute("SELECT id, tenant_id, domain, timezone, currency FROM sites").fetchall()
            self._by_domain = {r[2]: Site(*r) for r in rows}
            self._loaded_at = time.monotonic()


class Engagements:
    """Recent pageviews' running engaged time, so each delta becomes an absolute, idempotent total."""

    def __init__(self, db: Database | EventStore, capacity: int = 200_000):
        self.db = db  # the event store (or the database whose store it is)
        self.capacity = capacity
        self._items: OrderedDict[str, list] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, pageview_id: str, site_id: str, visitor: str, ts: datetime, seconds: float, scroll) -> None:
        with self._lock:
            self._items[pageview_id] = [site_id, visitor, ts, float(seconds), scroll]
            if len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def lookup(self, pageview_id: str) -> list | None:
        with self._lock:
            item = self._items.get(pageview_id)
        if item is not None:
            return item
        row = store_of(self.db).pageview(pageview_id)
        if row is None:
            return None
        with self._lock:
            return self._items.setdefault(pageview_id, [row[0], row[1], row[2], float(row[3]), row[4]])

    def forget(self, site_ids: set[str]) -> None:
        """A site's stats were erased or it was removed: its pageviews take no more engagement."""
        with self._lock:
            for pageview_id in [k for k, item in self._items.items() if item[0] in site_ids]:
                del self._items[pageview_id]

    def add(self, item: list, seconds: float, scroll: int | None) -> tuple[int, int | None]:
        with self._lock:
            item[3] = min(float(MAX_PAGEVIEW_SECONDS), item[3] + seconds)
            if scroll is not None:
                item[4] = scroll if item[4] is None else max(item[4], scroll)
            return round(item[3]), item[4]
