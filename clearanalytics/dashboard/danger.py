"""Settings → Danger zone (owner only): reset a site's stats, remove a site, remove the tenant.

Each form asks the owner to type the site's domain (or the tenant's slug) before anything is
deleted, GitHub-style: a wrong or missing name re-renders the page with 422 and deletes
nothing. The work is clearanalytics.deletion's, the same as the CLI's, so a running server's
ingest stops accepting a removed domain at once.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from clearanalytics import deletion
from clearanalytics.dashboard.auth import bp
from clearanalytics.dashboard.settings import _site_or_404
from clearanalytics.request_scope import get_db
from clearanalytics.web_auth import require_member

ACTIONS = {
    "reset": ("Reset stats", "Erases every pageview, event, purchase and goal completion; the site and goals stay."),
    "remove": ("Remove site", "Deletes the site, its goals and all its data; its events are refused from then on."),
}


def _page(errors: dict[str, str], status: int = 200):
    return render_template("settings/danger.html", errors=errors, actions=ACTIONS), status


def _typed() -> str:
    return (request.form.get("confirm") or "").strip()


def _mismatch(form_key: str, expected: str):
    message = f"Type {expected} exactly to confirm." if _typed() else f"Type {expected} to confirm."
    return _page({form_key: message}, 422)


@bp.get("/dashboard/<tenant>/settings/danger")
@require_member("owner")
def danger(tenant: str):
    return _page({})


@bp.post("/dashboard/<tenant>/settings/danger/sites/<site_id>/<action>")
@require_member("owner")
def danger_site(tenant: str, site_id: str, action: str):
    site = _site_or_404(site_id)
    if action not in ACTIONS:
        abort(404)
    if _typed() != site.domain:
        return _mismatch(f"{action}-{site.id}", site.domain)
    if action == "reset":
        removal = deletion.reset_site(get_db(), site)
        flash(f"Erased the stats of {site.domain} ({removal.describe()}).")
    else:
        removal = deletion.remove_site(get_db(), site)
        flash(f"Removed {site.domain} ({removal.describe()}).")
    return redirect(url_for("dashboard.danger", tenant=tenant))


@bp.post("/dashboard/<tenant>/settings/danger/tenant")
@require_member("owner")
def danger_tenant(tenant: str):
    if _typed() != g.tenant.slug:
        return _mismatch("tenant", g.tenant.slug)
    removal = deletion.remove_tenant(get_db(), g.tenant)
    flash(f"Removed the tenant {g.tenant.name} ({removal.describe()}).")
    return redirect(url_for("dashboard.home"))  # your account went too if it had no other tenant: the login page
