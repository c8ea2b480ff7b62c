"""The reference computation: what every stats report should answer, in plain Python over the dataset.

Written from the definitions in docs/METRICS.md, independently of the engine's SQL: periods are
resolved with zoneinfo, events are kept by their local date, and rounding is half away from zero
on exact fractions.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import cache
from zoneinfo import ZoneInfo

from tests.stats_dataset import Dataset

FILTER_COLUMNS = {"page": "pathname", "source": "referrer_source", "language": "language", "browser": "browser",
                  "country": "country_code", "region": "region", "city": "city"}  # fmt: skip
STEPS = (("view_item", "View Product"), ("add_to_cart", "Add to Cart"), ("begin_checkout", "Begin Checkout"),
         ("purchase", "Purchase"))  # fmt: skip


def rounded(value: Fraction, places: int) -> float | int:
    """Half away from zero, as the API promises."""
    scaled = abs(value) * 10**places
    result = math.floor(scaled + Fraction(1, 2)) * (1 if value >= 0 else -1)
    return result if places == 0 else float(Fraction(result, 10**places))


def rate(numerator: int, denominator: int) -> float:
    return rounded(Fraction(numerator * 100, denominator), 1) if denominator else 0.0


def mean(total: int, count: int) -> int:
    return rounded(Fraction(total, count), 0) if count else 0


def relative(current, previous) -> float | None:
    if not previous:
        return None
    cur, prev = Fraction(str(current)), Fraction(str(previous))
    return rounded((cur - prev) * 100 / prev, 1)


def points(current, previous) -> float | None:
    if not previous:
        return None
    return rounded(Fraction(str(current)) - Fraction(str(previous)), 1)


def local(moment: datetime, timezone: str) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))


@cache
def local_day(moment: datetime, timezone: str) -> date:
    """local(...).date(), kept: the same events are placed in the same timezones for every window the tests ask."""
    return local(moment, timezone).date()


_BY_DAY: dict[tuple, dict[date, list[int]]] = {}


def _rows_by_local_day(key: int, rows: list[dict], sites: tuple[tuple[str, str], ...]) -> dict[date, list[int]]:
    """The indexes of the rows of the given sites, by local day in each row's site's timezone; built once per list
    and set of sites (the lists are the dataset's, which no test changes)."""
    found = _BY_DAY.get((key, len(rows), sites))
    if found is None:
        zones = dict(sites)
        found = defaultdict(list)
        for i, r in enumerate(rows):
            if r["site_id"] in zones:
                found[local_day(r["created_at"], zones[r["site_id"]])].append(i)
        _BY_DAY[(key, len(rows), sites)] = found
    return found


@dataclass(frozen=True)
class Window:
    """A resolved period: inclusive local dates, or a half-open UTC hour range for 24h."""

    date_from: date | None
    date_to: date | None
    start: datetime | None = None
    end: datetime | None = None

    def holds(self, moment: datetime, timezone: str) -> bool:
        if self.start is not None:
            return self.start <= moment < self.end
        return self.date_from <= local_day(moment, timezone) <= self.date_to

    def bucket(self, moment: datetime, timezone: str) -> str:
        if self.start is not None:
            return moment.strftime("%Y-%m-%dT%H:00:00Z")
        return local_day(moment, timezone).isoformat()

    def buckets(self) -> list[str]:
        if self.start is not None:
            return [(self.start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:00:00Z") for h in range(24)]
        days = (self.date_to - self.date_from).days + 1
        return [(self.date_from + timedelta(days=d)).isoformat() for d in range(days)]

    def previous(self) -> Window:
        if self.start is not None:
            return Window(None, None, self.start - timedelta(hours=24), self.end - timedelta(hours=24))
        days = (self.date_to - self.date_from).days + 1
        return Window(self.date_from - timedelta(days=days), self.date_from - timedelta(days=1))


def resolve(params: dict, timezones: list[str], now: datetime) -> Window:
    if "from" in params:
        return Window(date.fromisoformat(params["from"]), date.fromisoformat(params["to"]))
    period = params.get("period", "7d")
    if period == "24h":
        end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        return Window(None, None, end - timedelta(hours=24), end)
    today = max(local(now, tz).date() for tz in timezones)
    if period == "12m":
        return Window(date(today.year - 1, today.month, today.day) + timedelta(days=1), today)
    return Window(today - timedelta(days=int(period[:-1]) - 1), today)


class Expected:
    """Every report for one (site set, params) combination."""

    def __init__(self, data: Dataset, domains: list[str], params: dict, now: datetime, window: Window | None = None):
        self.data = data
        self.params = params
        self.sites = {data.sites[d]["id"]: data.sites[d] for d in domains}
        self.window = window or resolve(params, [s["timezone"] for s in self.sites.values()], now)
        self.limit = int(params.get("limit", 10))
        self.filters = {FILTER_COLUMNS[k[7:-1]]: (v or None) for k, v in params.items() if k.startswith("filter[")}
        self.pv = self._in_window(data.pageviews)
        self.fpv = [p for p in self.pv if all(p[c] == v for c, v in self.filters.items())]
        self.fsessions = {(p["site_id"], p["session_hash"]) for p in self.fpv}
        self.ec = [e for e in self._in_window(data.ecommerce) if self._session_ok(e)]
        self.ev = [e for e in self._in_window(data.events) if self._session_ok(e)]
        self.purchases = [e for e in self.ec if e["event_type"] == "purchase" and e["in_site_currency"]]

    def _in_window(self, rows: list[dict]) -> list[dict]:
        if self.window.start is not None:  # 24h: an hour range, few rows
            return [
                r
                for r in rows
                if r["site_id"] in self.sites
                and self.window.holds(r["created_at"], self.sites[r["site_id"]]["timezone"])
            ]
        # local dates: the rows of each day of the window, in the rows' own order (the same rows as testing each)
        by_day = _rows_by_local_day(id(rows), rows, tuple(sorted((s, v["timezone"]) for s, v in self.sites.items())))
        days = (self.window.date_to - self.window.date_from).days + 1
        wanted = [self.window.date_from + timedelta(days=n) for n in range(max(days, 0))]
        return [rows[i] for i in sorted(i for day in wanted for i in by_day.get(day, ()))]

    def _session_ok(self, row: dict) -> bool:
        return not self.filters or (row["site_id"], row["session_hash"]) in self.fsessions

    def _bucket(self, row: dict) -> str:
        return self.window.bucket(row["created_at"], self.sites[row["site_id"]]["timezone"])

    def previous(self) -> Expected:
        domains = [s["domain"] for s in self.sites.values()]
        return Expected(self.data, domains, self.params, None, self.window.previous())

    # --- traffic -------------------------------------------------------------------------------

    def overview_values(self) -> dict:
        sessions = defaultdict(lambda: [0, 0])
        for p in self.pv:
            key = (p["site_id"], p["session_hash"])
            if key in self.fsessions:
                sessions[key][0] += 1
                sessions[key][1] += p["duration"]
        active = {(e["site_id"], e["session_hash"]) for e in self.ev + self.ec}
        bounces = sum(1 for key, (count, _) in sessions.items() if count == 1 and key not in active)
        return {
            "visitors": len({p["visitor_hash"] for p in self.fpv}),
            "pageviews": len(self.fpv),
            "bounce_rate": rate(bounces, len(sessions)),
            "avg_duration": mean(sum(d for _, d in sessions.values()), len(sessions)),
        }

    def overview(self) -> dict:
        now, before = self.overview_values(), self.previous().overview_values()
        return now | {
            "visitors_change": relative(now["visitors"], before["visitors"]),
            "pageviews_change": relative(now["pageviews"], before["pageviews"]),
            "bounce_rate_change": points(now["bounce_rate"], before["bounce_rate"]),
            "avg_duration_change": relative(now["avg_duration"], before["avg_duration"]),
        }

    def timeseries(self) -> list[dict]:
        visitors, pageviews = defaultdict(set), defaultdict(int)
        for p in self.fpv:
            visitors[self._bucket(p)].add(p["visitor_hash"])
            pageviews[self._bucket(p)] += 1
        return [{"date": b, "visitors": len(visitors[b]), "pageviews": pageviews[b]} for b in self.window.buckets()]

    def pages(self) -> list[dict]:
        groups = defaultdict(list)
        for p in self.fpv:
            groups[p["pathname"]].append(p)
        rows = [
            {"pathname": path, "visitors": len({p["visitor_hash"] for p in rows}), "pageviews": len(rows),
             "avg_duration": mean(sum(p["duration"] for p in rows), len(rows))}
            for path, rows in groups.items()
        ]  # fmt: skip
        return sorted(rows, key=lambda r: (-r["pageviews"], r["pathname"]))[: self.limit]

    def _visitors_by(self, *columns, rows=None) -> dict[tuple, set]:
        groups = defaultdict(set)
        for p in self.fpv if rows is None else rows:
            groups[tuple(p[c] for c in columns)].add(p["visitor_hash"])
        return groups

    def referrers(self) -> list[dict]:
        groups = defaultdict(set)
        for p in self.fpv:
            host = p["referrer"] if p["referrer"] and p["referrer_source"] != "direct" else None
            groups[(p["referrer_source"], host)].add(p["visitor_hash"])
        rows = [{"referrer_source": s, "referrer": h, "visitors": len(v)} for (s, h), v in groups.items()]
        return sorted(rows, key=lambda r: (-r["visitors"], r["referrer_source"], r["referrer"] is not None,
                                           r["referrer"] or ""))[: self.limit]  # fmt: skip

    def breakdown(self, column: str, key: str) -> list[dict]:
        rows = [{key: k[0], "visitors": len(v)} for k, v in self._visitors_by(column).items()]
        return sorted(rows, key=lambda r: (-r["visitors"], r[key] is None, r[key] or ""))[: self.limit]

    def campaigns(self) -> list[dict]:
        tagged = [p for p in self.fpv if p["utm_source"] or p["utm_medium"] or p["utm_campaign"]]
        groups = defaultdict(list)
        for p in tagged:
            groups[(p["utm_source"], p["utm_medium"], p["utm_campaign"])].append(p)
        rows = [
            {"utm_source": s, "utm_medium": m, "utm_campaign": c, "visitors": len({p["visitor_hash"] for p in ps}),
             "pageviews": len(ps)}
            for (s, m, c), ps in groups.items()
        ]  # fmt: skip

        def key(r):
            return (-r["visitors"],) + tuple((r[k] is None, r[k] or "") for k in ("utm_source", "utm_medium",
                                                                                   "utm_campaign"))  # fmt: skip

        return sorted(rows, key=key)[: self.limit]

    # --- e-commerce ----------------------------------------------------------------------------

    def ecommerce_values(self) -> dict:
        revenue = sum((e["value"] for e in self.purchases), Decimal(0))
        count = len(self.purchases)
        visitors = len({p["visitor_hash"] for p in self.fpv})
        return {
            "revenue": float(revenue),
            "transactions": count,
            "avg_order_value": rounded(Fraction(revenue) / count, 2) if count else 0.0,
            "conversion_rate": rate(len({e["visitor_hash"] for e in self.purchases}), visitors),
        }

    def ecommerce_overview(self) -> dict:
        now, before = self.ecommerce_values(), self.previous().ecommerce_values()
        return now | {
            "revenue_change": relative(now["revenue"], before["revenue"]),
            "transactions_change": relative(now["transactions"], before["transactions"]),
            "avg_order_value_change": relative(now["avg_order_value"], before["avg_order_value"]),
            "conversion_rate_change": points(now["conversion_rate"], before["conversion_rate"]),
        }

    def revenue_timeseries(self) -> list[dict]:
        revenue, count = defaultdict(Decimal), defaultdict(int)
        for e in self.purchases:
            revenue[self._bucket(e)] += e["value"]
            count[self._bucket(e)] += 1
        return [{"date": b, "revenue": float(revenue[b]), "transactions": count[b]} for b in self.window.buckets()]

    def products(self) -> list[dict]:
        revenue, quantity, orders = defaultdict(Decimal), defaultdict(int), defaultdict(set)
        for e in self.purchases:
            for item in json.loads(e["items"]):
                name = item["item_name"]
                revenue[name] += Decimal(str(item["price"])) * item["quantity"]
                quantity[name] += item["quantity"]
                orders[name].add(e["id"])
        rows = [
            {"item_name": n, "revenue": float(revenue[n]), "quantity": quantity[n], "orders": len(orders[n])}
            for n in revenue
        ]
        return sorted(rows, key=lambda r: (-r["revenue"], r["item_name"]))[: self.limit]

    def funnel(self) -> list[dict]:
        rows, previous = [], None
        for step, label in STEPS:
            events = self.purchases if step == "purchase" else [e for e in self.ec if e["event_type"] == step]
            visitors = len({e["visitor_hash"] for e in events})
            dropoff = 0.0 if previous is None else rate(previous - visitors, previous)
            rows.append({"step": step, "label": label, "visitors": visitors, "dropoff_rate": dropoff})
            previous = visitors
        return rows

    def revenue_by_source(self) -> list[dict]:
        revenue, count = defaultdict(Decimal), defaultdict(int)
        for e in self.purchases:
            session = [
                p for p in self.data.pageviews if (p["site_id"], p["session_hash"]) == (e["site_id"], e["session_hash"])
            ]
            entry = min(session, key=lambda p: (p["created_at"], p["id"])) if session else None
            source = (entry and (entry["utm_source"] or entry["referrer_source"])) or "direct"
            revenue[source] += e["value"]
            count[source] += 1
        rows = [{"source": s, "revenue": float(revenue[s]), "transactions": count[s]} for s in revenue]
        return sorted(rows, key=lambda r: (-r["revenue"], r["source"]))[: self.limit]

    # --- goals ---------------------------------------------------------------------------------

    def completions(self, goal: dict) -> dict:
        rows = [c for c in self._in_window(self.data.completions) if c["goal_id"] == goal["id"]]
        rows.sort(key=lambda c: (c["created_at"], c["id"]), reverse=True)
        limit = int(self.params.get("limit", 50))
        return {
            "data": [
                {
                    "id": c["id"],
                    "goal_id": c["goal_id"],
                    "visitor_hash": c["visitor_hash"],
                    "pageview_id": c["pageview_id"],
                    "created_at": c["created_at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
                for c in rows[:limit]
            ],  # fmt: skip
            "meta": {"goal": {"id": goal["id"], "name": goal["name"], "type": goal["type"]}, "total": len(rows)},
        }

    def report(self, name: str):
        """The expected `data` of /api/v1/stats/<name>."""
        simple = {"browsers": ("browser", "browser"), "operating-systems": ("os", "os"),
                  "devices": ("device_type", "device_type"), "languages": ("language", "language")}  # fmt: skip
        if name in simple:
            return self.breakdown(*simple[name])
        method = name.replace("ecommerce/overview", "ecommerce_overview").replace("ecommerce/", "")
        return getattr(self, method.replace("-", "_"))()

    # --- reports the MCP tools and the dashboard use (no API route of their own) --------------

    def channels(self) -> list[dict]:
        names = ("direct", "organic", "social", "referral", "email", "paid")
        rows = [
            {"channel": c, "visitors": len({p["visitor_hash"] for p in self.fpv if p["channel"] == c}),
             "pageviews": sum(1 for p in self.fpv if p["channel"] == c)}
            for c in names
        ]  # fmt: skip
        return sorted(rows, key=lambda r: (-r["visitors"], r["channel"]))

    def hours(self) -> list[dict]:
        visitors, pageviews = defaultdict(set), defaultdict(int)
        for p in self.fpv:  # each pageview's local hour found once, not once per hour of the day
            hour = local(p["created_at"], self.sites[p["site_id"]]["timezone"]).hour
            visitors[hour].add(p["visitor_hash"])
            pageviews[hour] += 1
        return [{"hour": h, "visitors": len(visitors[h]), "pageviews": pageviews[h]} for h in range(24)]

    def goal_conversions(self) -> list[dict]:
        rows = []
        for goal in self.data.goals:
            if goal["site_id"] not in self.sites:
                continue
            done = [c for c in self._in_window(self.data.completions) if c["goal_id"] == goal["id"]]
            done = [c for c in done if self._session_ok(c)]
            converting = len({c["visitor_hash"] for c in done})
            site_visitors = len({p["visitor_hash"] for p in self.fpv if p["site_id"] == goal["site_id"]})
            rows.append(
                {"id": goal["id"], "name": goal["name"], "type": goal["type"], "is_active": True,
                 "completions": len(done), "visitors": converting, "conversion_rate": rate(converting, site_visitors)}
            )  # fmt: skip
        return sorted(rows, key=lambda r: (-r["completions"], r["name"], r["id"]))


def current_visitors(data: Dataset, domains: list[str], now: datetime) -> int:
    site_ids = {data.sites[d]["id"] for d in domains}
    since = now - timedelta(minutes=5)
    return len(
        {p["visitor_hash"] for p in data.pageviews if p["site_id"] in site_ids and since <= p["created_at"] <= now}
    )


def _session_filter(key: str) -> bool:
    name = key[7:-1] if key.startswith("filter[") and key.endswith("]") else None
    return name is not None and (name == "goal" or name.startswith("props."))


class SessionExpected(Expected):
    """Expected with the session filters of issue [5/7] (filter[props.NAME], filter[goal]) and its reports:
    custom properties, entry and exit pages. A session filter keeps the sessions with a custom event in the
    window carrying the property's value (an empty value: an event without the property), or with a
    completion of the goal in the window; every filter must hold."""

    def __init__(self, data: Dataset, domains: list[str], params: dict, now: datetime, window: Window | None = None):
        self.session_filters = {k[7:-1]: (v or None) for k, v in params.items() if _session_filter(k)}
        super().__init__(data, domains, {k: v for k, v in params.items() if not _session_filter(k)}, now, window)
        self.params = params
        self.domains = domains
        if self.session_filters:
            kept = self._kept_sessions()
            self.fpv = [p for p in self.fpv if (p["site_id"], p["session_hash"]) in kept]
            self.fsessions = {(p["site_id"], p["session_hash"]) for p in self.fpv}
            self.ec = [e for e in self._in_window(data.ecommerce) if self._session_ok(e)]
            self.ev = [e for e in self._in_window(data.events) if self._session_ok(e)]
            self.purchases = [e for e in self.ec if e["event_type"] == "purchase" and e["in_site_currency"]]

    def _kept_sessions(self) -> set[tuple]:
        kept = None
        for name, value in self.session_filters.items():
            if name == "goal":
                rows = [c for c in self._in_window(self.data.completions) if c["goal_id"] == value]
            else:
                prop = name[len("props.") :]
                rows = [e for e in self._in_window(self.data.events) if json.loads(e["props"]).get(prop) == value]
            sessions = {(r["site_id"], r["session_hash"]) for r in rows}
            kept = sessions if kept is None else kept & sessions
        return kept

    def _session_ok(self, row: dict) -> bool:
        filtered = self.filters or getattr(self, "session_filters", None)
        return not filtered or (row["site_id"], row["session_hash"]) in self.fsessions

    def previous(self) -> SessionExpected:
        return SessionExpected(self.data, self.domains, self.params, None, self.window.previous())

    def properties(self, name: str, limit: int | None = None) -> list[dict]:
        """/stats/properties?property=NAME: visitors and events per value; conversion_rate with filter[goal]."""
        groups = defaultdict(list)
        for e in self.ev:
            props = json.loads(e["props"])
            if name in props:
                groups[props[name]].append(e)
        rows = [{"value": value, "visitors": len({e["visitor_hash"] for e in events}), "events": len(events)}
                for value, events in groups.items()]  # fmt: skip
        rows = sorted(rows, key=lambda r: (-r["visitors"], -r["events"], r["value"]))[: limit or self.limit]
        if "goal" not in self.session_filters:
            return [r | {"conversion_rate": None} for r in rows]
        without = {k: v for k, v in self.params.items() if k != "filter[goal]"}
        base = SessionExpected(self.data, self.domains, without, None, self.window).properties(name, 10**6)
        visitors = {r["value"]: r["visitors"] for r in base}
        return [r | {"conversion_rate": rate(r["visitors"], visitors[r["value"]])} for r in rows]

    def _ends(self, last: bool, key: str) -> list[dict]:
        sessions = defaultdict(list)
        for p in self.pv:
            if not (self.filters or self.session_filters) or (p["site_id"], p["session_hash"]) in self.fsessions:
                sessions[(p["site_id"], p["session_hash"])].append(p)
        groups = defaultdict(list)
        for rows in sessions.values():
            end = max(rows, key=lambda p: (p["created_at"], p["id"])) if last else min(
                rows, key=lambda p: (p["created_at"], p["id"]))  # fmt: skip
            groups[end["pathname"]].append(end)
        rows = [{"pathname": path, "visitors": len({p["visitor_hash"] for p in ends}), key: len(ends)}
                for path, ends in groups.items()]  # fmt: skip
        return sorted(rows, key=lambda r: (-r[key], -r["visitors"], r["pathname"]))[: self.limit]

    def entry_pages(self) -> list[dict]:
        """/stats/entry-pages: each session's first pageview in the window (ties by id)."""
        return self._ends(False, "entries")

    def exit_pages(self) -> list[dict]:
        """/stats/exit-pages: each session's last pageview in the window (ties by id)."""
        return self._ends(True, "exits")

    def scroll_depth(self) -> list[dict]:
        """/stats/scroll-depth: per path, the pageviews with a known scroll depth and the mean of their depths."""
        groups = defaultdict(list)
        for p in self.fpv:
            if p.get("scroll_depth") is not None:
                groups[p["pathname"]].append(p)
        rows = [{"pathname": path, "visitors": len({p["visitor_hash"] for p in known}), "pageviews": len(known),
                 "scroll_depth": mean(sum(p["scroll_depth"] for p in known), len(known))}
                for path, known in groups.items()]  # fmt: skip
        return sorted(rows, key=lambda r: (-r["pageviews"], r["pathname"]))[: self.limit]


class LocationExpected(Expected):
    """Where visitors are ([5/7] item 1): countries (an unknown location is a row of its own, null), regions and
    cities (only the pageviews that have one); unique visitors and pageviews per row, most visitors first, then
    pageviews, then the names (a missing name last)."""

    def _located(self, columns: tuple[str, ...], needed: str | None) -> list[dict]:
        groups = defaultdict(list)
        for p in self.fpv:
            if needed is None or p[needed] is not None:
                groups[tuple(p[c] for c in columns)].append(p)
        rows = [dict(zip(columns, key, strict=True)) | {"visitors": len({p["visitor_hash"] for p in found}),
                                                        "pageviews": len(found)}
                for key, found in groups.items()]  # fmt: skip
        name = columns[-1]
        rest = columns[:-1]

        def order(r):
            return (-r["visitors"], -r["pageviews"], r[name] is None, r[name] or "",
                    *((r[c] is None, r[c] or "") for c in rest))  # fmt: skip

        return sorted(rows, key=order)[: self.limit]

    def countries(self) -> list[dict]:
        return self._located(("country_code",), None)

    def regions(self) -> list[dict]:
        return self._located(("country_code", "region"), "region")

    def cities(self) -> list[dict]:
        return self._located(("country_code", "region", "city"), "city")
