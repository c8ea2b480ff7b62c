"""Settings → Shared links (admin and up): create, list and revoke a site's read-only public links.

A link's URL is shown in the list with a copy button and an iframe snippet for its embed mode; the
password, when one is given, is never shown again. Every change goes through share_links inside one
write transaction, and a bad field re-renders the form with the message beside it (422).
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from clearanalytics import accounts, proxies, share_links
from clearanalytics.dashboard.auth import bp
from clearanalytics.request_scope import get_cursor, get_db
from clearanalytics.web_auth import require_member

IFRAME_HEIGHT = 1600


def share_url(key: str) -> str:
    """The absolute URL of a link (https:// behind a TLS proxy, as the tracking snippet's)."""
    return proxies.public_url_root() + url_for("shared.view", key=key)


def iframe_snippet(url: str, domain: str) -> str:
    """The tag a site owner pastes to embed the view; escaped by Jinja where it is shown."""
    return (
        f'<iframe src="{url}?embed=true" title="{domain} analytics" width="100%" height="{IFRAME_HEIGHT}"'
        ' style="border:0" loading="lazy"></iframe>'
    )


def _rows() -> list[dict]:
    by_id = {site.id: site for site in g.sites}
    rows = []
    for link, key in share_links.list_links(get_cursor(), g.tenant.id, current_app.config["SECRET_KEY"]):
        site = by_id.get(link.site_id)
        url = share_url(key) if key else None
        rows.append(
            {
                "link": link,
                "domain": site.domain if site else "(removed site)",
                "url": url,
                "iframe": iframe_snippet(url, site.domain) if url and site else None,
            }
        )
    return rows


def _empty_form() -> dict:
    return {"site": g.sites[0].domain if g.sites else "", "name": "", "panels": None, "embed_origins": "",
            "allow_chat": False}  # fmt: skip


@bp.route("/dashboard/<tenant>/settings/shared-links", methods=["GET", "POST"])
@require_member("admin")
def shared_links(tenant: str):
    errors: dict[str, str] = {}
    form = _empty_form()
    status = 200
    if request.method == "POST":
        chosen = request.form.getlist("panels")
        every = request.form.get("all_panels") == "on"
        form = {
            "site": request.form.get("site") or "",
            "name": (request.form.get("name") or "").strip(),
            "panels": None if every else chosen,
            "embed_origins": request.form.get("embed_origins") or "",
            "allow_chat": request.form.get("allow_chat") == "on",
        }
        site = next((s for s in g.sites if s.domain == accounts.domain_key(form["site"])), None)
        try:
            if site is None:
                raise accounts.AccountError("site", f"{form['site']!r} is not a site of {g.tenant.name}.")
            with get_db().transaction() as cur:
                link, _key = share_links.create_link(
                    cur,
                    site,
                    form["name"],
                    current_app.config["SECRET_KEY"],
                    password=request.form.get("password") or None,
                    panels=form["panels"],
                    embed_origins=form["embed_origins"],
                    allow_chat=form["allow_chat"],
                )
        except accounts.AccountError as exc:
            errors, status = {exc.field: str(exc)}, 422
        else:
            flash(f"Created the shared link {link.name!r} for {site.domain}.")
            return redirect(url_for("dashboard.shared_links", tenant=tenant))
    return render_template(
        "settings/shared_links.html",
        rows=_rows(),
        form=form,
        errors=errors,
        panel_choices=share_links.panel_ids(),
        sites=[s.domain for s in g.sites],
    ), status


@bp.post("/dashboard/<tenant>/settings/shared-links/<link_id>/revoke")
@require_member("admin")
def shared_link_revoke(tenant: str, link_id: str):
    try:
        with get_db().transaction() as cur:
            link = share_links.revoke_link(cur, link_id, g.tenant.id)
    except accounts.AccountError:
        abort(404)
    flash(f"Revoked the shared link {link.name!r}. Its URL now answers 404.")
    return redirect(url_for("dashboard.shared_links", tenant=tenant))
