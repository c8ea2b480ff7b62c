"""GET /api/v1/goals and /goals/{goal}/completions, and the tenant/domain scoping every route uses."""

from __future__ import annotations

from flask import g, jsonify, request

from clearanalytics import accounts
from clearanalytics.api.auth import ApiError, bp, require_ability
from clearanalytics.goals import Goal, get_goal, list_goals
from clearanalytics.request_scope import get_cursor
from clearanalytics.timefmt import iso_utc


def goal_json(goal: Goal) -> dict:
    return {
        "id": goal.id,
        "name": goal.name,
        "type": goal.type,
        "config": goal.config,
        "is_active": goal.is_active,
        "created_at": iso_utc(goal.created_at),
        "updated_at": iso_utc(goal.updated_at),
    }


def tenant_sites(domain: str | None) -> list[accounts.Site]:
    """The sites the request may read: all of the tenant's, or the one named; 403 for any other.

    A domain of another tenant and a domain that exists nowhere answer alike, so that
    nothing leaks about other tenants.
    """
    sites = accounts.list_sites(get_cursor(), g.token.tenant_id)
    if not domain:
        return sites
    for site in sites:
        if site.domain == domain.strip().lower():
            return [site]
    raise ApiError(403, "This domain is not one of your sites.")


def tenant_site_ids(domain: str | None) -> list[str]:
    return [site.id for site in tenant_sites(domain)]


@bp.get("/goals")
@require_ability("goals:read")
def goals_index():
    site_ids = tenant_site_ids(request.args.get("domain"))
    return jsonify(data=[goal_json(goal) for goal in list_goals(get_cursor(), site_ids)])


@bp.get("/goals/<goal>/completions")
@require_ability("goals:read")
def goal_completions(goal: str):  # the reference names the path parameter {goal}
    """One goal's completions in the period (newest first, limit default 50) with meta.total."""
    from clearanalytics import stats
    from clearanalytics.api.stats import request_query

    sites = tenant_sites(request.args.get("domain"))
    found = get_goal(get_cursor(), goal)
    site = next((s for s in sites if found is not None and s.id == found.site_id), None)
    if site is None:  # unknown, another tenant's, or of another of the tenant's domains
        raise ApiError(404, "Goal not found.")
    query = request_query([site], default_limit=50)
    return jsonify(stats.goal_completions(get_cursor(), query, found))
