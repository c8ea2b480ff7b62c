"""GET /api/v1/goals: the token's tenant's goals, optionally of one domain."""

from __future__ import annotations

from flask import g, jsonify, request

from clearanalytics import accounts
from clearanalytics.api.auth import ApiError, bp, require_ability
from clearanalytics.app import get_cursor
from clearanalytics.goals import Goal, list_goals


def iso_utc(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


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


def tenant_site_ids(domain: str | None) -> list[str]:
    """The sites the request may read: all of the tenant's, or the one named; 403 for any other."""
    sites = accounts.list_sites(get_cursor(), g.token.tenant_id)
    if not domain:
        return [s.id for s in sites]
    for site in sites:
        if site.domain == domain.strip().lower():
            return [site.id]
    raise ApiError(403, "This domain is not one of your sites.")


@bp.get("/goals")
@require_ability("goals:read")
def goals_index():
    site_ids = tenant_site_ids(request.args.get("domain"))
    return jsonify(data=[goal_json(goal) for goal in list_goals(get_cursor(), site_ids)])
