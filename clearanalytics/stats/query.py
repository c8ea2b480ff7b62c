"""The Query value: which sites, which time range, which filters, how many rows.

API parameters, MCP arguments, dashboard state and chat questions are all parsed into a
Query once; the reports never see raw parameters. A period is resolved per site in that
site's own timezone, so "7d" across sites in Amsterdam and New York means each site's own
last seven calendar days, and each site's range becomes a half-open UTC interval that
the SQL can compare `created_at` against directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from clearanalytics.accounts import Site
from clearanalytics.stats.periods import CODES as PERIODS
from clearanalytics.stats.periods import DEFAULT_PERIOD, described_list

MAX_LIMIT = 100
# Dimensions a filter may name, mapped to the pageviews column it compares.
FILTER_DIMENSIONS = {
    "page": "pathname",
    "hostname": "hostname",
    "referrer": "referrer",
    "source": "referrer_source",
    "channel": "channel",
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
    "browser": "browser",
    "os": "os",
    "device": "device_type",
    "language": "language",
    "country": "country_code",  # the visitor's location (ingest/locations.py): ISO codes and a city name
    "region": "region",
    "city": "city",
}
# Session filters (stats/session_filters.py): the pageviews of sessions with an event carrying a custom
# property's value (`props.NAME`), or with a completion of a goal (`goal`, the goal's id).
PROPS_PREFIX = "props."
GOAL_FILTER = "goal"
MAX_PROPERTY_NAME = 300
INTERVALS = ("day", "week", "month")


class QueryError(ValueError):
    """A parameter that cannot be used; `field` names it for the 422 body or the tool error."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class SiteRange:
    """One site's slice of the query: its timezone and the half-open UTC interval."""

    site_id: str
    timezone: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Filter:
    dimension: str
    value: str | None

    @property
    def column(self) -> str:
        return FILTER_DIMENSIONS[self.dimension]

    @property
    def session(self) -> bool:
        """A session filter (a custom property or a goal), not a comparison of a pageview column."""
        return self.dimension == GOAL_FILTER or self.dimension.startswith(PROPS_PREFIX)


@dataclass(frozen=True)
class Query:
    sites: tuple[Site, ...]
    period: str  # one of PERIODS, or "custom" for from/to
    date_from: date | None  # inclusive local dates; None for 24h
    date_to: date | None
    now: datetime  # naive UTC
    filters: tuple[Filter, ...] = ()
    limit: int = 10
    prop_name: str | None = None  # the custom property the properties report lists (`property=NAME`)
    interval: str = "day"  # the timeseries' bucket: "hour" (24h only), "day", "week" or "month"

    @property
    def hourly(self) -> bool:
        return self.period == "24h"

    @property
    def site_ids(self) -> list[str]:
        return [s.id for s in self.sites]

    def ranges(self) -> list[SiteRange]:
        return [self.range_for(site) for site in self.sites]

    def range_for(self, site: Site) -> SiteRange:
        if self.hourly:
            end = _floor_hour(self.now) + timedelta(hours=1)
            return SiteRange(site.id, site.timezone, end - timedelta(hours=24), end)
        zone = ZoneInfo(site.timezone)
        return SiteRange(
            site.id,
            site.timezone,
            _local_midnight_utc(self.date_from, zone),
            _local_midnight_utc(self.date_to + timedelta(days=1), zone),
        )

    def previous(self) -> Query:
        """The immediately preceding period of the same length, for the *_change fields."""
        if self.hourly:
            return replace(self, now=self.now - timedelta(hours=24))
        days = (self.date_to - self.date_from).days + 1
        return replace(
            self, date_from=self.date_from - timedelta(days=days), date_to=self.date_from - timedelta(days=1)
        )

    def buckets(self) -> list[str]:
        """Every bucket label of the period, so that empty buckets can be filled with zeros."""
        if self.hourly:
            start = _floor_hour(self.now) - timedelta(hours=23)
            return [(start + timedelta(hours=i)).strftime("%Y-%m-%dT%H:00:00Z") for i in range(24)]
        days = (self.date_to - self.date_from).days + 1
        return [(self.date_from + timedelta(days=i)).isoformat() for i in range(days)]


def _floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def today_in(site: Site, now: datetime) -> date:
    return now.replace(tzinfo=UTC).astimezone(ZoneInfo(site.timezone)).date()


def _parse_date(value: str, field_name: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise QueryError(field_name, f"The {field_name} field must be a date in YYYY-MM-DD format.") from None


def parse_limit(raw: str | int | None, default: int = 10, maximum: int = MAX_LIMIT) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise QueryError("limit", "The limit field must be an integer.") from None
    if not 1 <= value <= maximum:
        raise QueryError("limit", f"The limit field must be between 1 and {maximum}.")
    return value


def _period_dates(period: str, reference: date) -> tuple[date, date]:
    if period.endswith("d"):
        days = int(period[:-1])
        return reference - timedelta(days=days - 1), reference
    # 12m: the 12 months ending today: from the day after the same date a year ago.
    try:
        year_ago = reference.replace(year=reference.year - 1)
    except ValueError:  # 29 February
        year_ago = reference.replace(year=reference.year - 1, day=28)
    return year_ago + timedelta(days=1), reference


def parse_filters(params: Mapping[str, str]) -> tuple[Filter, ...]:
    """`filter[page]=/pricing` style parameters; an empty value matches NULL (e.g. direct)."""
    found = []
    for key, value in params.items():
        if key.startswith("filter[") and key.endswith("]"):
            dimension = key[7:-1]
            if key.endswith("[]"):  # filter[props.NAME][]=...: the array form, which no filter takes
                raise QueryError(key, "A filter takes one value: filter[DIMENSION]=VALUE.")
            if dimension == GOAL_FILTER:
                if not value:
                    raise QueryError(key, "The goal filter needs a goal id (GET /api/v1/goals lists them).")
            elif dimension.startswith(PROPS_PREFIX):
                _property_name(dimension[len(PROPS_PREFIX) :], key)
            elif dimension not in FILTER_DIMENSIONS:
                raise QueryError(key, f"Unknown filter dimension {dimension!r}.")
            found.append(Filter(dimension, value if value != "" else None))
    return tuple(sorted(found, key=lambda f: f.dimension))


def _property_name(name: str, field_name: str) -> str:
    """A custom property's name as ingest stores them: 1 to MAX_PROPERTY_NAME characters (user data: it is
    only ever a bound parameter)."""
    if not name or len(name) > MAX_PROPERTY_NAME:
        raise QueryError(field_name, f"The {field_name} field must name a property (1-{MAX_PROPERTY_NAME} characters).")
    return name


def parse_property(params: Mapping[str, str]) -> str | None:
    """`property=NAME` (the properties report); None when absent, which that report refuses."""
    raw = params.get("property")
    return None if raw is None else _property_name(raw, "property")


def parse_interval(raw: str | None, period: str) -> str:
    """`interval=` (an extension): hour for 24h; day (default), week or month for the other periods."""
    if period == "24h":
        if raw not in (None, "", "hour"):
            raise QueryError("interval", "The interval field must be hour (or empty) for period=24h.")
        return "hour"
    if raw in (None, ""):
        return "day"
    if raw not in INTERVALS:
        raise QueryError("interval", f"The interval field must be one of: {', '.join(INTERVALS)}.")
    return raw


def parse_query(
    params: Mapping[str, str],
    sites: list[Site] | tuple[Site, ...],
    *,
    now: datetime | None = None,
    default_limit: int = 10,
    default_period: str = DEFAULT_PERIOD,
) -> Query:
    """Build a Query from request-style parameters (period, from, to, limit, filter[...])."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    raw_from, raw_to = params.get("from") or None, params.get("to") or None
    limit = parse_limit(params.get("limit"), default_limit)
    filters = parse_filters(params)
    prop = parse_property(params)
    if raw_from or raw_to:
        if not raw_from:
            raise QueryError("from", "The from field is required when to is present.")
        if not raw_to:
            raise QueryError("to", "The to field is required when from is present.")
        date_from, date_to = _parse_date(raw_from, "from"), _parse_date(raw_to, "to")
        if date_from > date_to:
            raise QueryError("from", "The from field must be a date before or equal to to.")
        if (date_to - date_from).days > 3660:
            raise QueryError("from", "The range from..to may span at most ten years.")
        interval = parse_interval(params.get("interval"), "custom")
        return Query(tuple(sites), "custom", date_from, date_to, now, filters, limit, prop, interval)
    period = params.get("period") or default_period
    if period not in PERIODS:
        raise QueryError("period", f"The period field must be one of: {described_list()}.")
    interval = parse_interval(params.get("interval"), period)
    if period == "24h":
        return Query(tuple(sites), period, None, None, now, filters, limit, prop, interval)
    # Local "today" differs per site; the dates end at the latest of the sites' todays, so
    # that no site's today is cut off, and each site's range is taken in its own timezone.
    reference = max(today_in(site, now) for site in sites) if sites else now.date()
    date_from, date_to = _period_dates(period, reference)
    return Query(tuple(sites), period, date_from, date_to, now, filters, limit, prop, interval)
