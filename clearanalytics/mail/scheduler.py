"""The report scheduler: a thread of `serve` that sends each due report once, across restarts and nodes.

Every minute (and at start) it walks the subscriptions: for each wanted kind, the latest due period
(mail/periods.py: 08:00 local on the Monday or the 1st) is sent unless the ledger has it. Sending is
claim, send, mark (mail/store.py):

1. claim: the (subscription, period) row is inserted and committed; whoever inserts it sends.
2. send: the message is handed to the SMTP server, which answers 250 when it accepted it.
3. mark: the row gets its sent_at.

A process that dies between 1 and 2, or a server that refuses, leaves an unsent claim, taken again once
CLAIM_LEASE (15 minutes) has passed, by this node after a restart or by any other. A process that dies
between 2 and 3 (the server accepted the message, the mark was not committed) also leaves an unsent
claim, so that report is sent again: delivery is AT LEAST ONCE. Why not at most once: the gap between
the server's 250 and the commit is one local write, while a claim that is never retried would lose the
report to every crash, refused connection or timeout before it. Only the latest due period of each kind
is sent (a server down for three weeks sends last week's report, not three), and never one due before
the subscription asked for that kind.

Spike notices: when a subscription has a threshold and the site's current visitors (stats.current_visitors,
the last five minutes) exceed it, one notice, claimed under `spike:<6-hour window>`, and none again for
SPIKE_COOLDOWN (6 hours) after the last one claimed.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from clearanalytics import stats
from clearanalytics.db import utcnow
from clearanalytics.mail import content, store
from clearanalytics.mail.periods import KINDS, latest_due
from clearanalytics.mail.smtp import Mailer, describe_error

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0
SPIKE_COOLDOWN = timedelta(hours=6)
# Test-only clock seam: a fixed naive-UTC ISO time the scheduler and `report send` take as now
# (a `serve` subprocess cannot be handed a Python clock). Never set it in production.
CLOCK_ENV = "CLEARANALYTICS_TEST_MAIL_NOW"


def mail_now() -> datetime:
    """The scheduler's clock: naive UTC now, or the test-only CLEARANALYTICS_TEST_MAIL_NOW."""
    fixed = os.environ.get(CLOCK_ENV)
    if fixed:
        moment = datetime.fromisoformat(fixed.replace("Z", "+00:00"))
        return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)
    return utcnow()


def node_name() -> str:
    """Who holds a claim (host, pid and a random part): for operators reading the ledger."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class ReportScheduler:
    """Sends due reports and spike notices every `interval` seconds until stop()."""

    def __init__(
        self, db: Any, mailer: Mailer, *, interval: float = TICK_SECONDS, clock: Callable[[], datetime] = mail_now
    ):
        self.db = db
        self.mailer = mailer
        self.interval = interval
        self.clock = clock
        self.node = node_name()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        log.info("email reports: sending through %s", self.mailer.smtp.describe())
        self._thread = threading.Thread(target=self._run, name="clearanalytics-reports", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        """Ends after the send in progress, if any (a claim it never marks is retried, see above)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        delay = 0.0
        while not self._stop.wait(delay):
            try:
                self.tick()
            except Exception:  # a failing round is logged and tried again next minute, never kills the server
                log.exception("email reports: round failed")
            delay = self.interval

    def tick(self, now: datetime | None = None) -> list[tuple[str, str]]:
        """One round; returns the (subscription id, period key) pairs sent."""
        now = now or self.clock()
        sent = []
        with content.store_context(self.db):
            with self.db.reading() as cur:
                found = store.recipients(cur)
            for recipient in found:
                if self._stop.is_set():
                    break
                try:
                    sent += self._reports(recipient, now)
                    sent += self._spike(recipient, now)
                except Exception:  # one site's failure (a report, the store) never holds back the others
                    log.exception("email reports: %s of %s failed", recipient.subscription.id, recipient.site.domain)
        return sent

    def _reports(self, recipient: store.Recipient, now: datetime) -> list[tuple[str, str]]:
        sub, sent = recipient.subscription, []
        for kind in KINDS:
            since = sub.since(kind)
            if since is None:
                continue
            period = latest_due(kind, recipient.site.timezone, now)
            if period.due_at < since:
                continue
            with self.db.reading() as cur:
                if not store.open_to_claim(cur, sub.id, period.key, now):  # sent, or another's fresh claim
                    continue
            if not store.claim(self.db, sub, period.key, now, self.node):
                continue
            with self.db.reading() as cur:
                data = content.collect(cur, recipient.site, period, now)
            if self._send(content.report_message(data, recipient.email), sub.id, period.key, now):
                sent.append((sub.id, period.key))
        return sent

    def _spike(self, recipient: store.Recipient, now: datetime) -> list[tuple[str, str]]:
        sub = recipient.subscription
        if sub.spike_threshold is None:
            return []
        with self.db.reading() as cur:
            last = store.last_claim(cur, sub.id, "spike:")
            if last is not None and now - last < SPIKE_COOLDOWN:
                return []
            query = stats.parse_query({"period": "24h"}, [recipient.site], now=now)
            visitors = stats.current_visitors(cur, query)
        if visitors <= sub.spike_threshold:
            return []
        window = now.replace(hour=now.hour - now.hour % 6, minute=0, second=0, microsecond=0)
        key = f"spike:{window.strftime('%Y-%m-%dT%H')}"
        if not store.claim(self.db, sub, key, now, self.node):
            return []
        message = content.spike_message(recipient.site, visitors, sub.spike_threshold, recipient.email, now)
        return [(sub.id, key)] if self._send(message, sub.id, key, now) else []

    def _send(self, message, subscription_id: str, key: str, now: datetime) -> bool:
        try:
            self.mailer.send(message)
        except Exception as exc:  # noqa: BLE001 - the claim stays unsent and is retried after CLAIM_LEASE
            log.warning("email reports: %s to %s not sent (%s); retried later", key, message["To"], describe_error(exc))
            return False
        store.mark_sent(self.db, subscription_id, key, now)
        log.info("email reports: sent %s to %s", key, message["To"])
        return True


def scheduler_for(db: Any, settings: dict) -> ReportScheduler | None:
    """The server's scheduler, or None when smtp_url is unset; a malformed URL or a missing mail_from is a
    ConfigError here, so `serve` refuses to start in one line instead of failing at the first report."""
    from clearanalytics.mail.smtp import mailer_from

    if not str(settings.get("SMTP_URL") or "").strip():
        return None
    return ReportScheduler(db, mailer_from(settings))
