"""Settings for email reports (any member, for themselves): per site, weekly, monthly and a spike threshold.

A member sees and changes only their own subscriptions, and only for the sites of the tenant in the
URL; what is sent and when is clearanalytics/mail (docs/EMAIL.md). One form per site, each with its
CSRF token, so saving one site never touches another's row.
"""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for

from clearanalytics import accounts
from clearanalytics.dashboard.auth import bp
from clearanalytics.mail import store
from clearanalytics.mail.scheduler import mail_now
from clearanalytics.request_scope import get_cursor, get_db
from clearanalytics.web_auth import require_member


def _rows(errors: dict[str, str], posted: dict[str, str]) -> list[dict]:
    """One row per site of the tenant: its domain, the user's choices (or what was just posted) and errors."""
    subs = store.user_subscriptions(get_cursor(), g.user.id, [s.id for s in g.sites])
    rows = []
    for site in g.sites:
        sub = subs.get(site.id)
        row = {
            "site": site,
            "weekly": bool(sub and sub.weekly_since),
            "monthly": bool(sub and sub.monthly_since),
            "threshold": "" if sub is None or sub.spike_threshold is None else str(sub.spike_threshold),
            "error": None,
        }
        if posted.get("site_id") == site.id:
            row |= {"weekly": posted["weekly"] == "on", "monthly": posted["monthly"] == "on",
                    "threshold": posted["spike_threshold"], "error": errors.get("spike_threshold")}  # fmt: skip
        rows.append(row)
    return rows


@bp.route("/dashboard/<tenant>/settings/reports", methods=["GET", "POST"])
@require_member("viewer")
def report_settings(tenant: str):
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        posted = {k: (request.form.get(k) or "").strip() for k in ("site_id", "weekly", "monthly", "spike_threshold")}
        site = next((s for s in g.sites if s.id == posted["site_id"]), None)
        if site is None:  # another tenant's site, or none: never saved, said next to the form
            errors, status = {"site_id": "Choose one of this tenant's sites."}, 422
        else:
            try:
                threshold = store.validate_threshold(posted["spike_threshold"])
                # `since` is the scheduler's clock, the one its due times are compared with
                with get_db().transaction() as cur:
                    store.save_subscription(cur, g.user.id, site.id, weekly=posted["weekly"] == "on",
                                            monthly=posted["monthly"] == "on", threshold=threshold,
                                            now=mail_now())  # fmt: skip
            except accounts.AccountError as exc:
                errors, status = {exc.field: str(exc)}, 422
            else:
                flash(f"Saved the email reports of {site.domain}.")
                return redirect(url_for("dashboard.report_settings", tenant=tenant))
    configured = bool(str(current_app.config.get("SMTP_URL") or "").strip())
    return render_template(
        "settings/reports.html", rows=_rows(errors, posted), errors=errors, configured=configured
    ), status
