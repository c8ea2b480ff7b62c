"""The split of a rollup answer: which closed days (and whole months) come from stored rows.

stats/rollups.py decides the split (`plan`); this module holds its shape and the parameters the
statements take from it, so the builder (rollup_build.py) and the reader share one definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from clearanalytics.stats.query import SiteRange, _local_midnight_utc


@dataclass(frozen=True)
class Plan:
    """Which local days of each site come from rollups (closed) and which UTC ranges from raw (open)."""

    closed: tuple[tuple[str, date, date], ...]
    open: tuple[SiteRange, ...]

    @property
    def months(self) -> tuple[tuple[str, date], ...]:
        """(site_id, first day) of every whole local month inside the closed days: read from monthly rows."""
        return tuple((site_id, month) for site_id, first, last in self.closed for month in whole_months(first, last))

    def days_outside_months(self) -> tuple[tuple[str, date, date], ...]:
        """The closed spans less their whole months: the days still read from daily rows."""
        spans = []
        for site_id, first, last in self.closed:
            months = whole_months(first, last)
            if not months:
                spans.append((site_id, first, last))
                continue
            if first < months[0]:
                spans.append((site_id, first, months[0] - timedelta(days=1)))
            after = next_month(months[-1])
            if after <= last:
                spans.append((site_id, after, last))
        return tuple(spans)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def whole_months(first: date, last: date) -> list[date]:
    """First days of the calendar months wholly inside first..last."""
    month = first if first.day == 1 else next_month(first.replace(day=1))
    months = []
    while next_month(month) - timedelta(days=1) <= last:
        months.append(month)
        month = next_month(month)
    return months


def site_range(site_id: str, timezone: str, first: date, last: date) -> SiteRange:
    zone = ZoneInfo(timezone)
    return SiteRange(
        site_id, timezone, _local_midnight_utc(first, zone), _local_midnight_utc(last + timedelta(days=1), zone)
    )


def closed_params(split: Plan, months: bool) -> dict[str, Any]:
    """The `closed` (and `closed_months`) parameters: with `months`, whole months are read from monthly
    rows and only the other closed days from daily rows."""
    spans = split.days_outside_months() if months else split.closed
    whole = split.months if months else ()
    return {
        "closed_sites": [c[0] for c in spans],
        "closed_from": [c[1] for c in spans],
        "closed_to": [c[2] for c in spans],
        **_bands(spans, min((m[1] for m in whole), default=None)),
        "month_sites": [m[0] for m in whole],
        "month_starts": [m[1] for m in whole],
    }


NO_DAYS = (date(1970, 1, 1), date(1970, 1, 1))  # a band that holds no rollup row


def _bands(spans, first_month: date | None) -> dict[str, date]:
    """Two disjoint constant day ranges that hold the daily spans (before the first whole month, and
    after it), so that each scan of a daily rollup table skips the row groups of the months between
    (zone maps), where one range over all spans would read the whole year."""
    head = [c for c in spans if first_month is not None and c[2] < first_month]
    tail = [c for c in spans if c not in head]
    band1, band2 = _band(head), _band(tail)
    if head and tail and band2[0] <= band1[1]:  # overlapping: one band of all
        band1, band2 = _band(spans), NO_DAYS
    return {"band1_first": band1[0], "band1_last": band1[1], "band2_first": band2[0], "band2_last": band2[1]}


def _band(spans) -> tuple[date, date]:
    if not spans:
        return NO_DAYS
    return min(c[1] for c in spans), max(c[2] for c in spans)


def days_of(range_: SiteRange) -> list[tuple[str, str, date]]:
    """(site_id, timezone, local day) of each whole local day in an open range."""
    zone = ZoneInfo(range_.timezone)
    first = range_.start.replace(tzinfo=UTC).astimezone(zone).date()
    last = (range_.end.replace(tzinfo=UTC).astimezone(zone) - timedelta(microseconds=1)).date()
    return [(range_.site_id, range_.timezone, first + timedelta(days=n)) for n in range((last - first).days + 1)]
