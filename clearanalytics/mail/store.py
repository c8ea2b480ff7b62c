"""Subscriptions and the sends ledger: the two accounts tables of email reports.

`report_subscriptions` holds one row per (user, site): since when the weekly and the monthly report are
wanted (NULL: not wanted; a period due before that moment is never sent, so turning a report on does not
mail last week at once) and the spike threshold. `report_sends` is the ledger, keyed by (subscription,
period): a row is written, committed, BEFORE the message goes out (the claim) and marked sent after the
server accepted it. Whoever inserts the row sends; another node or a restarted process finds it and does
not. A claim left unsent (the process died, or the server refused) is taken again once CLAIM_LEASE has
passed. The SQL is portable: the same statements run on the DuckDB file and on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from clearanalytics import accounts
from clearanalytics.db import new_id

# How long a claim is left alone before it is taken again: longer than one send can take (smtp.TIMEOUT_SECONDS
# per step), so a slow send on another node is never doubled, short enough that a crash delays a report little.
CLAIM_LEASE = timedelta(minutes=15)
MAX_THRESHOLD = 10_000_000


@dataclass(frozen=True)
class Subscription:
    id: str
    user_id: str
    site_id: str
    weekly_since: datetime | None
    monthly_since: datetime | None
    spike_threshold: int | None

    def since(self, kind: str) -> datetime | None:
        return self.weekly_since if kind == "week" else self.monthly_since


@dataclass(frozen=True)
class Recipient:
    """A subscription with what sending needs: the site and the address, read at send time."""

    subscription: Subscription
    site: accounts.Site
    email: str


COLUMNS = "s.id, s.user_id, s.site_id, s.weekly_since, s.monthly_since, s.spike_threshold"


def validate_threshold(value: Any) -> int | None:
    """Empty: no spike notice; else a whole number of current visitors from 1 to MAX_THRESHOLD."""
    if value is None or str(value).strip() == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_THRESHOLD:
        raise accounts.AccountError(
            "spike_threshold", f"The spike threshold must be a whole number from 1 to {MAX_THRESHOLD:,}, or empty."
        )
    return number


def user_subscriptions(cur: Any, user_id: str, site_ids: list[str]) -> dict[str, Subscription]:
    """site_id -> the user's subscription, for the given sites only (the tenant's: no other tenant's rows)."""
    if not site_ids:
        return {}
    marks = ", ".join("?" * len(site_ids))
    rows = cur.execute(
        f"SELECT {COLUMNS} FROM report_subscriptions s WHERE s.user_id = ? AND s.site_id IN ({marks})",
        [user_id, *site_ids],
    ).fetchall()
    return {row[2]: Subscription(*row) for row in rows}


def save_subscription(
    cur: Any, user_id: str, site_id: str, *, weekly: bool, monthly: bool, threshold: int | None, now: datetime
) -> Subscription:
    """Set what the user wants for the site; a report already on keeps its `since` (nothing re-sent)."""
    current = user_subscriptions(cur, user_id, [site_id]).get(site_id)
    weekly_since = (current.weekly_since if current and current.weekly_since else now) if weekly else None
    monthly_since = (current.monthly_since if current and current.monthly_since else now) if monthly else None
    if current is None:
        sub = Subscription(new_id(), user_id, site_id, weekly_since, monthly_since, threshold)
        cur.execute(
            "INSERT INTO report_subscriptions VALUES (?, ?, ?, ?, ?, ?, ?)",
            [sub.id, user_id, site_id, weekly_since, monthly_since, threshold, now],
        )
        return sub
    cur.execute(
        "UPDATE report_subscriptions SET weekly_since = ?, monthly_since = ?, spike_threshold = ? WHERE id = ?",
        [weekly_since, monthly_since, threshold, current.id],
    )
    return Subscription(current.id, user_id, site_id, weekly_since, monthly_since, threshold)


def recipients(cur: Any) -> list[Recipient]:
    """Every subscription that wants something and whose user is still a member of the site's tenant.

    The join is the isolation: a user removed from the tenant, or a deleted site or user, gets nothing.
    """
    rows = cur.execute(
        f"SELECT {COLUMNS}, t.id, t.tenant_id, t.domain, t.timezone, t.currency, u.email "
        "FROM report_subscriptions s JOIN sites t ON t.id = s.site_id JOIN users u ON u.id = s.user_id "
        "JOIN memberships m ON m.tenant_id = t.tenant_id AND m.user_id = s.user_id "
        "WHERE s.weekly_since IS NOT NULL OR s.monthly_since IS NOT NULL OR s.spike_threshold IS NOT NULL "
        "ORDER BY s.created_at, s.id"
    ).fetchall()
    return [Recipient(Subscription(*row[:6]), accounts.Site(*row[6:11]), row[11]) for row in rows]


def claim(db: Any, sub: Subscription, period: str, now: datetime, node: str) -> bool:
    """Take (subscription, period) for sending: True for exactly one caller, on any number of nodes.

    A new row is inserted; an existing one is taken over only if it was never marked sent and its claim
    is older than CLAIM_LEASE. Both are single statements with their condition inside, so two nodes
    racing for the same row cannot both win (PostgreSQL re-checks the UPDATE's WHERE after the lock).
    The row carries the site and the user too, so that removing either (clearanalytics.deletion) takes it.
    """
    with db.transaction() as cur:
        inserted = cur.execute(
            "INSERT INTO report_sends VALUES (?, ?, ?, ?, ?, ?, 1, NULL) "
            "ON CONFLICT (subscription_id, period) DO NOTHING RETURNING subscription_id",
            [sub.id, sub.site_id, sub.user_id, period, now, node],
        ).fetchall()
        if inserted:
            return True
        retaken = cur.execute(
            "UPDATE report_sends SET claimed_at = ?, claimed_by = ?, attempts = attempts + 1 "
            "WHERE subscription_id = ? AND period = ? AND sent_at IS NULL AND claimed_at <= ? "
            "RETURNING subscription_id",
            [now, node, sub.id, period, now - CLAIM_LEASE],
        ).fetchall()
        return bool(retaken)


def open_to_claim(cur: Any, subscription_id: str, period: str, now: datetime) -> bool:
    """Whether claim() could win now, read without writing: the scheduler asks every minute for every
    subscription, and a write transaction each time would contend with the ingest writer for nothing."""
    row = cur.execute(
        "SELECT claimed_at, sent_at FROM report_sends WHERE subscription_id = ? AND period = ?",
        [subscription_id, period],
    ).fetchone()
    return row is None or (row[1] is None and row[0] <= now - CLAIM_LEASE)


def mark_sent(db: Any, subscription_id: str, period: str, now: datetime) -> None:
    with db.transaction() as cur:
        cur.execute(
            "UPDATE report_sends SET sent_at = ? WHERE subscription_id = ? AND period = ?",
            [now, subscription_id, period],
        )


def last_claim(cur: Any, subscription_id: str, prefix: str) -> datetime | None:
    """When a period key starting with `prefix` (e.g. 'spike:') was last claimed: the spike cool-down."""
    row = cur.execute(
        "SELECT max(claimed_at) FROM report_sends WHERE subscription_id = ? AND period LIKE ?",
        [subscription_id, prefix + "%"],
    ).fetchone()
    return row[0] if row else None


def sends(cur: Any, subscription_id: str) -> list[tuple[str, int, datetime | None]]:
    """(period, attempts, sent_at) of a subscription, oldest period first: for the settings page and tests."""
    return [
        tuple(r)
        for r in cur.execute(
            "SELECT period, attempts, sent_at FROM report_sends WHERE subscription_id = ? ORDER BY period",
            [subscription_id],
        ).fetchall()
    ]
