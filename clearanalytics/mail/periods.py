"""Which report period is due: whole weeks and months in the site's timezone, sent at 08:00 local.

Decision: a weekly report covers Monday to Sunday and is sent on the Monday after, at 08:00 in the
site's timezone; a monthly report covers a calendar month and is sent on the 1st of the next month at
08:00 local. 08:00 exists on every day in every timezone (clocks change at night), so no report is
skipped or doubled by a daylight-saving change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SEND_AT = time(8, 0)  # local time of the site
KINDS = ("week", "month")


@dataclass(frozen=True)
class Period:
    """One report's period: inclusive local dates, when it falls due (naive UTC), and its ledger key."""

    kind: str  # "week" or "month"
    date_from: date
    date_to: date
    due_at: datetime

    @property
    def key(self) -> str:
        """The ledger's period key: week:2026-02-09 (its Monday) or month:2026-01."""
        if self.kind == "week":
            return f"week:{self.date_from.isoformat()}"
        return f"month:{self.date_from.strftime('%Y-%m')}"

    def words(self) -> str:
        """'9-15 February 2026' style, for subjects and headings."""
        if self.kind == "month":
            return self.date_from.strftime("%B %Y")
        start, end = self.date_from, self.date_to
        if start.month == end.month:
            return f"{start.day}-{end.day} {end.strftime('%B %Y')}"
        if start.year == end.year:
            return f"{start.day} {start.strftime('%B')} - {end.day} {end.strftime('%B %Y')}"
        return f"{start.day} {start.strftime('%B %Y')} - {end.day} {end.strftime('%B %Y')}"


def _utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def _containing(kind: str, day: date) -> tuple[date, date]:
    """The week (Monday-Sunday) or calendar month holding `day`."""
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


def period_ending_before(kind: str, day: date, timezone: str) -> Period:
    """The last whole week or month that ends before local `day`."""
    if kind not in KINDS:
        raise ValueError(kind)
    this_start, _ = _containing(kind, day)
    start, end = _containing(kind, this_start - timedelta(days=1))
    return Period(kind, start, end, _utc(end + timedelta(days=1), SEND_AT, ZoneInfo(timezone)))


def last_complete(kind: str, timezone: str, now: datetime) -> Period:
    """The last whole week or month before today in `timezone` (what `report send` sends now)."""
    today = now.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).date()
    return period_ending_before(kind, today, timezone)


def latest_due(kind: str, timezone: str, now: datetime) -> Period:
    """The newest period whose send time (08:00 local after it ends) is at or before `now` (naive UTC)."""
    period = last_complete(kind, timezone, now)
    if period.due_at > now:  # today is the sending day but it is not 08:00 yet: the one before
        period = period_ending_before(kind, period.date_from, timezone)
    return period
