"""Sites and goals over the API (extensions beyond the reference): an agency provisions a client from a script.

GET/POST /sites, DELETE /sites/{site}, POST /goals, DELETE /goals/{goal}. The routes only read the
request and answer: a site is created by accounts.create_site and removed by deletion.remove_site (its
events with it, on whichever event store), a goal is added and backfilled by goalmatch.add_goal and
removed by goalmatch.remove_goal, exactly as the CLI and the dashboard do.

Who may: the token's ability (`sites:write`, `goals:write`) and, as on the dashboard, its user's role in
the tenant now: admin to add a site or add/remove a goal, owner to remove a site (the danger zone's rule),
so that an admin cannot reach an owner's action through a token. Another tenant's site or goal answers
404 like one that does not exist, so that ids and domains do not leak (as /goals/{goal}/completions).
Bodies are JSON objects or form fields (Plausible's examples use `curl -F`); Plausible's field names
are read too (request_fields.py).
"""

from __future__ import annotations

from flask import current_app, g, jsonify

from clearanalytics import accounts, deletion, goals
from clearanalytics.api import request_fields as fields
from clearanalytics.api.auth import bp
from clearanalytics.api.goals import goal_json
from clearanalytics.ingest.goalmatch import add_goal, remove_goal
from clearanalytics.request_scope import get_cursor, get_db
from clearanalytics.web_auth import require_token, resolve_sites, role_at_least
from clearanalytics.web_errors import ErrorAnswer

SITE_NOT_FOUND = "Site not found."
GOAL_NOT_FOUND = "Goal not found."


def site_json(site: accounts.Site) -> dict:
    """Plausible's site keys (domain, timezone) plus ours: the id the other routes take, the currency."""
    return {"id": site.id, "domain": site.domain, "timezone": site.timezone, "currency": site.currency}


def _require_role(role: str, action: str) -> None:
    """The dashboard's role rule for the same action, checked against the token's user now."""
    held = accounts.get_role(get_cursor(), g.token.tenant_id, g.token.user_id)
    if not role_at_least(role, held):
        raise ErrorAnswer(403, f"{action} needs the {role} role; this token's user is {held}.")


def _own_site(ref: str) -> accounts.Site:
    """The token's tenant's site that `ref` names by id or by domain (the one domain rule); 404 otherwise."""
    sites = resolve_sites(get_cursor(), g.token.tenant_id, None)
    key = accounts.domain_key(ref)
    found = next((s for s in sites if s.id == ref or (key is not None and s.domain == key)), None)
    if found is None:
        raise ErrorAnswer(404, SITE_NOT_FOUND)
    return found


def _ingest_service():
    return current_app.extensions.get("clearanalytics.ingest")


@bp.get("/sites")
@require_token()
def sites_index():
    if not (g.token.can("stats:read") or g.token.can("sites:write")):
        raise ErrorAnswer(403, "This token lacks the stats:read or sites:write ability.")
    return jsonify(data=[site_json(s) for s in resolve_sites(get_cursor(), g.token.tenant_id, None)])


@bp.post("/sites")
@require_token("sites:write")
def sites_create():
    _require_role("admin", "Adding a site")
    wanted = fields.site_fields(fields.read_body())
    tenant = accounts.get_tenant_by_id(get_cursor(), g.token.tenant_id)
    if tenant is None:  # removed since the token was checked: the token is dead with it
        raise ErrorAnswer(401, "Unauthenticated.")
    try:
        with get_db().transaction() as cur:
            site = accounts.create_site(cur, tenant, wanted["domain"], wanted["timezone"], wanted["currency"])
    except accounts.AccountError as exc:
        raise fields.refusal(exc.field, str(exc), wanted) from None
    return jsonify(site_json(site)), 201


@bp.delete("/sites/<site>")
@require_token("sites:write")
def sites_delete(site: str):
    found = _own_site(site)
    _require_role("owner", "Removing a site")
    removal = deletion.remove_site(get_db(), found)
    return jsonify(deleted=True, domain=found.domain, rows=removal.rows)


@bp.post("/goals")
@require_token("goals:write")
def goals_create():
    _require_role("admin", "Adding a goal")
    wanted = fields.goal_fields(fields.read_body())
    try:
        site = _own_site(wanted["site"])
    except ErrorAnswer:  # a body field, not the path: 422 naming it, in the same words for anyone's site
        raise fields.refusal("site", f"{wanted['site']!r} is none of your sites.", wanted) from None
    try:
        goal, backfilled = add_goal(
            get_db(), site.id, wanted["name"], wanted["type"], wanted["config"], service=_ingest_service()
        )
    except goals.GoalError as exc:
        raise fields.refusal(exc.field, str(exc), wanted) from None
    return jsonify({**goal_json(goal), "domain": site.domain, "backfilled": backfilled}), 201


@bp.delete("/goals/<goal>")
@require_token("goals:write")
def goals_delete(goal: str):
    found = goals.get_goal(get_cursor(), goal)
    own = {s.id for s in resolve_sites(get_cursor(), g.token.tenant_id, None)}
    if found is None or found.site_id not in own:  # unknown or another tenant's: alike
        raise ErrorAnswer(404, GOAL_NOT_FOUND)
    _require_role("admin", "Removing a goal")
    remove_goal(get_db(), found.id)
    return jsonify(deleted=True, id=found.id)
