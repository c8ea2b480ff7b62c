"""A report's figures and its message: everything read through the stats engine, written twice.

The figures are the registry's reports for the period, the same numbers the dashboard and the API
give for `from=..&to=..` (changes against the preceding period of the same length, as the runner
computes them): overview, top pages, top sources (referrers), goals and e-commerce. The message has a
plain-text part and an HTML part (multipart/alternative); every string that comes from users or
visitors (domain, paths, referrers, goal names) is escaped in the HTML by Jinja's autoescape.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from clearanalytics import stats
from clearanalytics.accounts import Site
from clearanalytics.mail import render
from clearanalytics.mail.periods import Period

TOP = 5  # rows per list in a report


@contextmanager
def store_context(db: Any) -> Iterator[None]:
    """Reports outside a web request (the scheduler thread, the CLI) read the events from db's own store.

    storage.run_report takes the store from the app context; without one it would read the DuckDB file's
    event tables even when the events live in ClickHouse, so a bare app context carries db's store.
    """
    from flask import Flask, has_app_context

    from clearanalytics.storage import store_of

    if has_app_context():
        yield
        return
    app = Flask("clearanalytics.mail")
    app.extensions["clearanalytics.store"] = store_of(db)
    with app.app_context():
        yield


@dataclass(frozen=True)
class ReportData:
    site: Site
    period: Period
    overview: dict[str, Any]
    pages: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    goals: list[dict[str, Any]]
    ecommerce: dict[str, Any]


def collect(cur: Any, site: Site, period: Period, now: datetime) -> ReportData:
    """Run the period's reports for one site (cursor from db.reading(), inside store_context)."""
    query = stats.parse_query(
        {"from": period.date_from.isoformat(), "to": period.date_to.isoformat(), "limit": str(TOP)}, [site], now=now
    )
    return ReportData(
        site,
        period,
        stats.run("overview", cur, query),
        stats.run("pages", cur, query),
        stats.run("referrers", cur, query),
        stats.run("goals", cur, query),
        stats.run("ecommerce/overview", cur, query),
    )


def report_message(data: ReportData, to: str, public_url: str = "") -> EmailMessage:
    """The report as a multipart/alternative message: plain text first, HTML preferred by mail readers."""
    kind = "Weekly" if data.period.kind == "week" else "Monthly"
    context = render.report_context(data, public_url)
    return _message(
        f"{data.site.domain}: {kind.lower()} report, {data.period.words()}",
        to,
        render.REPORT_TEXT.render(context),
        render.REPORT_HTML.render(context),
    )


def spike_message(
    site: Site, visitors: int, threshold: int, to: str, now: datetime, public_url: str = ""
) -> EmailMessage:
    """The traffic-spike notice: current visitors (the last five minutes) above the subscription's threshold."""
    context = {"domain": site.domain, "visitors": f"{visitors:,}", "threshold": f"{threshold:,}",
               "at": render.local_time(now, site.timezone), "url": public_url}  # fmt: skip
    return _message(
        f"{site.domain}: traffic spike, {visitors:,} current visitors",
        to,
        render.SPIKE_TEXT.render(context),
        render.SPIKE_HTML.render(context),
    )


def _message(subject: str, to: str, text: str, html: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["To"] = to
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = make_msgid(domain="clearanalytics")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a report
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
