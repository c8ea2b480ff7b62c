"""Settings for a tenant's sites and for the tenant itself.

Sites (admin and up): add, edit domain/timezone/currency, copy the tracking snippet and
check whether events have arrived. Tenant (owner): name and plan. Every change goes
through clearanalytics.accounts inside one serialised write transaction, so the
dashboard validates exactly as the CLI does; an AccountError re-renders the form with
the message next to the field it names.
"""

from __future__ import annotations

from zoneinfo import available_timezones

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from clearanalytics import accounts, proxies
from clearanalytics.dashboard.auth import begin_session, bp
from clearanalytics.request_scope import get_cursor, get_db
from clearanalytics.request_scope import now as api_now
from clearanalytics.site_settings import save_site
from clearanalytics.storage import store_of
from clearanalytics.web_auth import require_member

COMMON_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "JPY", "CAD", "AUD")
_TIMEZONES: list[str] = []


def timezones() -> list[str]:
    """IANA names for the timezone picker, computed once (the list is large)."""
    if not _TIMEZONES:
        _TIMEZONES.extend(sorted(tz for tz in available_timezones() if "/" in tz or tz == "UTC"))
    return _TIMEZONES


def snippet(domain: str) -> str:
    """The tag a site owner pastes into their pages; escaped by Jinja where it is shown."""
    src = proxies.public_url_root() + "/js/script.js"  # https:// behind a TLS proxy, or pages would block it
    return f'<script defer data-domain="{domain}" src="{src}"></script>'


def _site_or_404(site_id: str) -> accounts.Site:
    site = next((s for s in g.sites if s.id == site_id), None)
    if site is None:
        abort(404)
    return site


def _form_errors(exc: accounts.AccountError) -> dict[str, str]:
    return {exc.field: str(exc)}


@bp.get("/dashboard/<tenant>/settings")
def settings_home(tenant: str):
    if g.role == "viewer":
        return redirect(url_for("dashboard.account", tenant=tenant))
    return redirect(url_for("dashboard.sites", tenant=tenant))


@bp.route("/dashboard/<tenant>/settings/sites", methods=["GET", "POST"])
@require_member("admin")
def sites(tenant: str):
    errors: dict[str, str] = {}
    form = {"domain": "", "timezone": "UTC", "currency": "EUR"}
    status = 200
    if request.method == "POST":
        form = {k: (request.form.get(k) or "").strip() for k in form}
        try:
            with get_db().transaction() as cur:
                site = accounts.create_site(cur, g.tenant, form["domain"], form["timezone"], form["currency"])
        except accounts.AccountError as exc:
            errors, status = _form_errors(exc), 422
        else:
            flash(f"Added {site.domain}. Paste the snippet below into its pages.")
            return redirect(url_for("dashboard.site_edit", tenant=tenant, site_id=site.id))
    return render_template(
        "settings/sites.html",
        form=form,
        errors=errors,
        timezones=timezones(),
        currencies=COMMON_CURRENCIES,
    ), status


@bp.route("/dashboard/<tenant>/settings/sites/<site_id>", methods=["GET", "POST"])
@require_member("admin")
def site_edit(tenant: str, site_id: str):
    site = _site_or_404(site_id)
    errors: dict[str, str] = {}
    form = {"domain": site.domain, "timezone": site.timezone, "currency": site.currency}
    status = 200
    if request.method == "POST":
        form = {k: (request.form.get(k) or "").strip() for k in form}
        try:
            site = save_site(
                get_db(),
                store_of(get_db()),
                site,
                domain=form["domain"],
                timezone=form["timezone"],
                currency=form["currency"],
            )
        except accounts.AccountError as exc:
            errors, status = _form_errors(exc), 422
        else:
            flash(f"Saved {site.domain}.")
            return redirect(url_for("dashboard.site_edit", tenant=tenant, site_id=site.id))
    return _site_page(site, form, errors, status)


def _site_page(site: accounts.Site, form: dict, errors: dict[str, str], status: int):
    from clearanalytics import retention

    months = retention.months_of(get_cursor(), site.id)
    form = {"retention_months": "" if months is None else str(months)} | form
    return render_template(
        "settings/site_edit.html",
        site=site,
        form=form,
        errors=errors,
        timezones=timezones(),
        currencies=COMMON_CURRENCIES,
        snippet=snippet(site.domain),
        status=store_of(get_db()).installation(site.id, api_now(), cur=get_cursor()),
    ), status


@bp.post("/dashboard/<tenant>/settings/sites/<site_id>/retention")
@require_member("admin")
def site_retention(tenant: str, site_id: str):
    """How many months of raw events the site keeps; empty keeps them forever (see retention.py)."""
    from clearanalytics import retention

    site = _site_or_404(site_id)
    value = (request.form.get("retention_months") or "").strip()
    try:
        with get_db().transaction() as cur:
            retention.set_months(cur, site, retention.validate_months(value))
    except accounts.AccountError as exc:
        form = {"domain": site.domain, "timezone": site.timezone, "currency": site.currency, "retention_months": value}
        return _site_page(site, form, _form_errors(exc), 422)
    flash(f"{site.domain} keeps raw events " + (f"for {value} months." if value else "forever."))
    return redirect(url_for("dashboard.site_edit", tenant=tenant, site_id=site.id))


@bp.route("/dashboard/<tenant>/settings/tenant", methods=["GET", "POST"])
@require_member("owner")
def tenant_settings(tenant: str):
    errors: dict[str, str] = {}
    form = {"name": g.tenant.name, "plan": g.tenant.plan}
    status = 200
    plans_shown = bool(current_app.config.get("PLANS"))
    if request.method == "POST":
        form = {k: (request.form.get(k) or "").strip() for k in form}
        if not plans_shown:  # no picker: a posted plan is not the owner's to change here
            form["plan"] = g.tenant.plan
        try:
            with get_db().transaction() as cur:
                g.tenant = accounts.update_tenant(cur, g.tenant, name=form["name"], plan=form["plan"])
        except accounts.AccountError as exc:
            errors, status = _form_errors(exc), 422
        else:
            flash("Saved the tenant.")
            return redirect(url_for("dashboard.tenant_settings", tenant=tenant))
    page = render_template(
        "settings/tenant.html", form=form, errors=errors, plans=accounts.PLANS, plans_shown=plans_shown
    )
    return page, status


@bp.route("/dashboard/<tenant>/settings/account", methods=["GET", "POST"])
def account(tenant: str):
    """Every member's own page: who they are, their role here, and their password (viewers land here)."""
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        current = request.form.get("current_password") or ""
        new = request.form.get("new_password") or ""
        if accounts.authenticate(get_cursor(), g.user.email, current) is None:
            errors, status = {"current_password": "That is not your current password."}, 422
        elif new != (request.form.get("confirm_password") or ""):
            errors, status = {"confirm_password": "The two new passwords differ."}, 422
        else:
            try:
                with get_db().transaction() as cur:
                    accounts.set_password(cur, g.user, new)  # ends every session of the user...
                    begin_session(cur, g.user)  # ...and this browser continues in a new one
            except accounts.AccountError:
                errors, status = {"new_password": "Use at least 8 characters."}, 422
            else:
                flash("Changed your password.")
                return redirect(url_for("dashboard.account", tenant=tenant))
    return render_template("settings/account.html", errors=errors), status
