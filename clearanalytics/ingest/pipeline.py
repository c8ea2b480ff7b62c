"""The ingest pipeline: one event through ordered, named steps, each of which may drop it.

    parse -> resolve_site -> drop_bots -> parse_user_agent -> parse_url -> parse_referrer
          -> derive_language -> derive_visitor -> match_goals -> check_ecommerce -> build_rows

A step raises `Dropped(reason)` to discard the event (the reason goes to the
X-ClearAnalytics-Dropped header and the drop counters) or `PayloadError` for a client
mistake (a 400). The live route and `clearanalytics import` run the very same steps;
only the clock (now vs. the line's timestamp) and the salts of past days differ.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clearanalytics.accounts import Site
from clearanalytics.db import Database
from clearanalytics.ingest.goalmatch import GoalCache, event_goals, pageview_goals
from clearanalytics.ingest.payload import ECOMMERCE_NAMES, Payload, PayloadError, parse_payload
from clearanalytics.ingest.referrers import Referrer, classify
from clearanalytics.ingest.store import Records, ulid_at
from clearanalytics.ingest.urls import BadUrl, PageUrl, parse_page_url
from clearanalytics.ingest.useragent import Agent, parse_agent
from clearanalytics.ingest.visitors import Salts, Sessions, local_day, visitor_hash

MAX_PAGEVIEW_SECONDS = 30 * 60  # engaged time counted per pageview at most


class Dropped(Exception):
    """The event is valid but not stored; `reason` is a short slug."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Event:
    raw: dict[str, Any]
    ip: str
    user_agent: str
    received_at: datetime  # naive UTC: now for live events, the line's timestamp for imports
    accept_language: str | None = None
    historical: bool = False
    payload: Payload = None  # type: ignore[assignment]
    site: Site = None  # type: ignore[assignment]
    agent: Agent = None  # type: ignore[assignment]
    page: PageUrl = None  # type: ignore[assignment]
    referrer: Referrer = None  # type: ignore[assignment]
    language: str | None = None
    visitor_hash: str = ""
    session_hash: str = ""
    id: str = ""
    pageview_id: str | None = None
    goal_ids: list[str] = field(default_factory=list)
    in_site_currency: bool = True
    records: Records = None  # type: ignore[assignment]  (set by the caller: one per request, shared in imports)


Step = Callable[[Event, "Pipeline"], None]


# --- the steps --------------------------------------------------------------------------


def parse(event: Event, ctx: Pipeline) -> None:
    event.payload = parse_payload(event.raw, historical=event.historical)


def resolve_site(event: Event, ctx: Pipeline) -> None:
    site = ctx.sites.get(event.payload.domain)
    if site is None:
        raise Dropped("unknown-domain")
    event.site = site


def drop_bots(event: Event, ctx: Pipeline) -> None:
    event.agent = parse_agent(event.user_agent or "")
    if event.agent.is_bot:
        raise Dropped("bot")


def parse_user_agent(event: Event, ctx: Pipeline) -> None:
    """Already parsed (and cached) by drop_bots; kept as a step so the order reads true."""
    if event.agent is None:
        event.agent = parse_agent(event.user_agent or "")


def parse_url(event: Event, ctx: Pipeline) -> None:
    try:
        event.page = parse_page_url(event.payload.url, event.payload.hash_routing)
    except BadUrl as exc:
        raise PayloadError("u" if event.payload.plausible else "url", str(exc)) from None


def parse_referrer(event: Event, ctx: Pipeline) -> None:
    page = event.page
    event.referrer = classify(
        event.payload.referrer, event.site.domain, page.hostname, page.utm_source, page.utm_medium
    )


def derive_language(event: Event, ctx: Pipeline) -> None:
    value = event.payload.language or (event.accept_language or "").split(",")[0].split(";")[0]
    primary = value.strip().split("-")[0].split("_")[0].lower()
    event.language = primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def derive_visitor(event: Event, ctx: Pipeline) -> None:
    site, ts = event.site, event.received_at
    if event.payload.name == "engagement":
        ctx.attach_engagement(event)
        return
    salt = ctx.salt(site, ts, event.historical)
    event.visitor_hash = visitor_hash(salt, site.id, event.ip, event.user_agent)
    event.session_hash = ctx.sessions.touch(event.visitor_hash, ts)
    event.id = ulid_at(ts)
    if event.payload.name == "pageview":
        event.pageview_id = event.id
        ctx.sessions.record_pageview(event.visitor_hash, event.page.pathname, event.id)
    else:
        event.pageview_id = ctx.sessions.last_pageview(event.visitor_hash)


def match_goals(event: Event, ctx: Pipeline) -> None:
    name = event.payload.name
    if name == "engagement":
        return
    goals = ctx.goals.for_site(event.site.id)
    if not goals:
        return
    event.goal_ids = pageview_goals(goals, event.page.pathname) if name == "pageview" else event_goals(goals, name)


def check_ecommerce(event: Event, ctx: Pipeline) -> None:
    commerce = event.payload.ecommerce
    if commerce is None:
        return
    if commerce.currency is not None:
        event.in_site_currency = commerce.currency == event.site.currency
    is_purchase = event.payload.name == "purchase" or event.payload.plausible
    if is_purchase and commerce.transaction_id and not ctx.claim_transaction(event.site.id, commerce.transaction_id):
        raise Dropped("duplicate-transaction")


def build_rows(event: Event, ctx: Pipeline) -> None:
    p, site, page, ts = event.payload, event.site, event.page, event.received_at
    rows = event.records.rows
    if p.name == "engagement":
        return  # attach_engagement queued the update
    if p.name == "pageview":
        ref = event.referrer
        duration = min(MAX_PAGEVIEW_SECONDS, round(p.duration)) if p.duration else 0
        rows["pageviews"].append(
            (
                event.id,
                site.id,
                event.visitor_hash,
                event.session_hash,
                page.hostname,
                page.pathname,
                ref.host,
                ref.source,
                ref.channel,
                page.utm_source,
                page.utm_medium,
                page.utm_campaign,
                page.utm_term,
                page.utm_content,
                page.ref,
                event.agent.browser,
                event.agent.os,
                event.agent.device_type,
                event.language,
                duration,
                p.scroll_depth,
                ts,
            )  # fmt: skip
        )
        if not event.historical:  # imported pageviews carry their own duration
            ctx.engagements.remember(event.id, site.id, event.visitor_hash, ts, duration, p.scroll_depth)
    elif p.ecommerce is not None:
        c = p.ecommerce
        event_type = p.name if p.name in ECOMMERCE_NAMES else "purchase"
        rows["ecommerce_events"].append(
            (
                event.id,
                site.id,
                event.visitor_hash,
                event.session_hash,
                event.pageview_id,
                event_type,
                c.transaction_id,
                c.value,
                c.currency or site.currency,
                json.dumps(c.items),
                event.in_site_currency,
                ts,
            )  # fmt: skip
        )
    if p.name != "pageview" and (p.name not in ECOMMERCE_NAMES):
        rows["events"].append(
            (
                event.id,
                site.id,
                event.visitor_hash,
                event.session_hash,
                event.pageview_id,
                p.name,
                page.hostname,
                page.pathname,
                json.dumps(p.props, ensure_ascii=False),
                ts,
            )  # fmt: skip
        )
    is_pageview = p.name == "pageview"
    for goal_id in event.goal_ids:
        rows["goal_completions"].append(
            (
                ulid_at(ts),
                goal_id,
                site.id,
                event.visitor_hash,
                event.session_hash,
                event.pageview_id,
                None if is_pageview else event.id,
                ts,
            )  # fmt: skip
        )


STEPS: tuple[Step, ...] = (
    parse,
    resolve_site,
    drop_bots,
    parse_user_agent,
    parse_url,
    parse_referrer,
    derive_language,
    derive_visitor,
    match_goals,
    check_ecommerce,
    build_rows,
)


# --- shared state -------------------------------------------------------------------------


class SiteCache:
    """domain -> Site, reloaded on a miss at most every two seconds (unknown-domain floods stay cheap)."""

    def __init__(self, db: Database):
        self.db = db
        self._by_domain: dict[str, Site] = {}
        self._loaded_at = -1e9
        self._lock = threading.Lock()

    def get(self, domain: str) -> Site | None:
        domain = domain.strip().lower().rstrip(".")
        if domain.startswith("www."):
            domain = domain[4:]
        site = self._by_domain.get(domain)
        if site is None and time.monotonic() - self._loaded_at > 2.0:
            self.reload()
            site = self._by_domain.get(domain)
        return site

    def reload(self) -> None:
        with self._lock, self.db.reading() as cur:
            rows = cur.execute("SELECT id, tenant_id, domain, timezone, currency FROM sites").fetchall()
            self._by_domain = {r[2]: Site(*r) for r in rows}
            self._loaded_at = time.monotonic()


class Engagements:
    """Recent pageviews' running engaged time, so each delta becomes an absolute, idempotent total."""

    def __init__(self, db: Database, capacity: int = 200_000):
        self.db = db
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
        with self.db.reading() as cur:
            row = cur.execute(
                "SELECT site_id, visitor_hash, created_at, duration, scroll_depth FROM pageviews WHERE id = ?",
                [pageview_id],
            ).fetchone()
        if row is None:
            return None
        with self._lock:
            return self._items.setdefault(pageview_id, [row[0], row[1], row[2], float(row[3]), row[4]])

    def add(self, item: list, seconds: float, scroll: int | None) -> tuple[int, int | None]:
        with self._lock:
            item[3] = min(float(MAX_PAGEVIEW_SECONDS), item[3] + seconds)
            if scroll is not None:
                item[4] = scroll if item[4] is None else max(item[4], scroll)
            return round(item[3]), item[4]


class Pipeline:
    """The steps plus the state they share: sites, salts, sessions, goals, transactions, engagements."""

    def __init__(self, db: Database, steps: tuple[Step, ...] = STEPS):
        self.db = db
        self.steps = steps
        self.sites = SiteCache(db)
        self.salts = Salts(db)
        self.sessions = Sessions()
        self.goals = GoalCache(db)
        self.engagements = Engagements(db)
        self.drops: Counter[str] = Counter()
        self._transactions: dict[str, set[str]] = {}
        self._tx_lock = threading.Lock()

    def run(self, event: Event) -> Event:
        """All steps in order; raises Dropped or PayloadError."""
        try:
            for step in self.steps:
                step(event, self)
        except Dropped as exc:
            self.drops[exc.reason] += 1
            raise
        return event

    def salt(self, site: Site, ts: datetime, historical: bool) -> bytes:
        day = local_day(ts, site.timezone)
        salt = self.salts.get(site.id, site.timezone, day)
        if salt is None:
            if not historical:
                raise Dropped("clock")  # a live event is always today; only a broken clock gets here
            salt = self.salts.ephemeral(site.id, day)
        return salt

    def attach_engagement(self, event: Event) -> None:
        """Find the pageview (by id, or Plausible's latest of that path), check the visitor, add the time."""
        p, site = event.payload, event.site
        if p.plausible:
            salt = self.salt(site, event.received_at, event.historical)
            visitor = visitor_hash(salt, site.id, event.ip, event.user_agent)
            p.pageview_id = self.sessions.last_pageview(visitor, event.page.pathname)
            if p.pageview_id is None:
                raise Dropped("unknown-pageview")
        item = self.engagements.lookup(p.pageview_id)
        if item is None or item[0] != site.id:
            raise Dropped("unknown-pageview")
        try:
            salt = self.salt(site, item[2], event.historical)
        except Dropped:
            salt = None
        if salt is None or visitor_hash(salt, site.id, event.ip, event.user_agent) != item[1]:
            raise Dropped("other-visitor")
        duration, scroll = self.engagements.add(item, p.duration or 0.0, p.scroll_depth)
        event.visitor_hash = item[1]
        event.pageview_id = p.pageview_id
        event.records.updates.append((p.pageview_id, duration, scroll))

    def claim_transaction(self, site_id: str, transaction_id: str) -> bool:
        """True the first time a site reports this purchase; later reports are duplicates."""
        with self._tx_lock:
            seen = self._transactions.get(site_id)
            if seen is None:
                with self.db.reading() as cur:
                    rows = cur.execute(
                        "SELECT DISTINCT transaction_id FROM ecommerce_events WHERE site_id = ? "
                        "AND event_type = 'purchase' AND transaction_id IS NOT NULL",
                        [site_id],
                    ).fetchall()
                seen = self._transactions[site_id] = {r[0] for r in rows}
            if transaction_id in seen:
                return False
            seen.add(transaction_id)
            return True
