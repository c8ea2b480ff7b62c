"""The ingest pipeline: one event through ordered, named steps, each of which may drop it.

    parse -> resolve_site -> drop_bots -> parse_user_agent -> parse_url -> parse_referrer
          -> derive_language -> derive_location -> derive_visitor -> match_goals -> check_ecommerce -> build_rows

A step raises `Dropped(reason)` to discard the event (the reason goes to the
X-ClearAnalytics-Dropped header and the drop counters) or `PayloadError` for a client
mistake (a 400). The live route and `clearanalytics import` run the very same steps;
only the clock (now vs. the line's timestamp) and the salts of past days differ.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from clearanalytics.accounts import Site
from clearanalytics.db import Database
from clearanalytics.ingest import locations
from clearanalytics.ingest.goalmatch import GoalCache, event_goals, pageview_goals
from clearanalytics.ingest.payload import ECOMMERCE_NAMES, Payload, PayloadError, parse_payload
from clearanalytics.ingest.referrers import Referrer, classify
from clearanalytics.ingest.state import MAX_PAGEVIEW_SECONDS, Engagements, SiteCache
from clearanalytics.ingest.store import Records, ulid_at
from clearanalytics.ingest.urls import BadUrl, PageUrl, parse_page_url
from clearanalytics.ingest.useragent import Agent, given_agent, parse_agent
from clearanalytics.ingest.visitors import Salts, Sessions, local_day, visitor_hash
from clearanalytics.storage import EventStore, store_of


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
    location: locations.Location = locations.UNKNOWN  # (country_code, region, city): derive_location
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
    given = given_agent(event.raw) if event.historical and not event.user_agent else None
    event.agent = given or parse_agent(event.user_agent or "")
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
    event.language = primary_language(event.payload.language or event.accept_language or "")


@lru_cache(maxsize=4096)
def primary_language(value: str) -> str | None:
    """'en-US' -> 'en'; also the first entry of an Accept-Language header ('fr-CH, fr;q=0.9')."""
    primary = value.split(",")[0].split(";")[0].strip().split("-")[0].split("_")[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def derive_location(event: Event, ctx: Pipeline) -> None:
    """Country, region and city of the client IP (pageviews only: the other tables have no such columns).
    An import line may give its own (locations.explicit); a live payload never can."""
    if event.payload.name != "pageview":
        return
    given = locations.explicit(event.raw) if event.historical else None
    event.location = given if given is not None else locations.locate(event.ip)


def derive_visitor(event: Event, ctx: Pipeline) -> None:
    site, ts = event.site, event.received_at
    if event.payload.name == "engagement":
        ctx.attach_engagement(event)
        return
    salt = ctx.salt(site, ts, event.historical)
    event.visitor_hash = ctx.visitor_hash(salt, site.id, event.ip, event.user_agent)
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
    goal_set = ctx.goals.current()
    event.records.goals_seen.add(goal_set.fingerprint)  # the commit re-matches if goals changed since
    goals = goal_set.for_site(event.site.id)
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
    if is_purchase and commerce.transaction_id:
        if not ctx.claim_transaction(event.site.id, commerce.transaction_id):
            raise Dropped("duplicate-transaction")
        if ctx.claims is not None:
            ctx.claims.append((event.site.id, commerce.transaction_id, event.received_at, event.id))


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
                *event.location,
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
    derive_location,
    derive_visitor,
    match_goals,
    check_ecommerce,
    build_rows,
)


# --- shared state -------------------------------------------------------------------------


class Pipeline:
    """The steps plus the state they share: sites, salts, sessions, goals, transactions, engagements."""

    def __init__(self, db: Database, steps: tuple[Step, ...] = STEPS, store: EventStore | None = None):
        self.db = db  # the accounts: sites, salts, goals
        self.store = store or store_of(db)  # the events: stored purchases
        self.steps = steps
        self.sites = SiteCache(db)
        self.salts = Salts(db)
        self.sessions = Sessions()
        self.goals = GoalCache(db)
        self.engagements = Engagements(self.store)
        self.drops: Counter[str] = Counter()
        self._transactions: dict[str, set[str]] = {}
        self._visitors: dict[tuple, str] = {}
        self._tx_lock = threading.Lock()
        self.claims: list[tuple[str, str, datetime, str]] | None = None  # import workers: purchases kept

    def load_for_workers(self, now: datetime) -> None:
        """Load everything the steps read from the database, so forked import workers never need it.

        Sites, goals and known transaction ids are loaded and frozen; the stored salts of the
        kept days (yesterday and today, local) are created for every site, and only cached
        salts are used from here on (any other day gets this run's ephemeral salt).
        """
        self.sites.reload()
        self.sites.frozen = True
        self.goals.for_site("")
        self.goals.frozen = True
        self._transactions = {site.id: set() for site in self.sites.all()} | self._stored_transactions()
        for site in self.sites.all():
            today = local_day(now, site.timezone)
            for day in (today - timedelta(days=1), today):
                self.salts.get(site.id, site.timezone, day, now=now)
        self.salts.frozen = True

    def forget_sites(self, site_ids: set[str], removed: bool) -> None:
        """After a deletion (clearanalytics.deletion): no cache may serve what the database no longer has.

        A removed site's domain stops resolving (its events are dropped as unknown-site); a reset
        site forgets its stored purchases and pageviews, as a restart would.
        """
        if removed:
            self.sites.forget()
            self.salts.forget(site_ids)
        self.goals.invalidate()
        self.engagements.forget(site_ids)
        with self._tx_lock:
            for site_id in site_ids:
                self._transactions.pop(site_id, None)

    def run(self, event: Event) -> Event:
        """All steps in order; raises Dropped or PayloadError."""
        try:
            for step in self.steps:
                step(event, self)
        except Dropped as exc:
            self.drops[exc.reason] += 1
            raise
        return event

    def visitor_hash(self, salt: bytes, site_id: str, ip: str, user_agent: str) -> str:
        """visitor_hash with a small memo: a visit sends several events with the same inputs."""
        key = (salt, site_id, ip, user_agent)
        value = self._visitors.get(key)
        if value is None:
            if len(self._visitors) > 100_000:
                self._visitors.clear()
            value = self._visitors[key] = visitor_hash(salt, site_id, ip, user_agent)
        return value

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
                seen = self._transactions[site_id] = self._stored_transactions(site_id).get(site_id, set())
            if transaction_id in seen:
                return False
            seen.add(transaction_id)
            return True

    def _stored_transactions(self, site_id: str | None = None) -> dict[str, set[str]]:
        """site id -> the transaction ids of its stored purchases (of one site, or of all)."""
        return self.store.purchase_transactions(site_id)
