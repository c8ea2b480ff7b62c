"""GET /api/v1/goals and /goals/{goal}/completions."""

from __future__ import annotations

from flask import jsonify, request

from clearanalytics.api.auth import bp, tenant_sites
from clearanalytics.goals import Goal, get_goal, list_goals
from clearanalytics.request_scope import get_cursor
from clearanalytics.timefmt import iso_utc
from clearanalytics.web_auth import require_token
from clearanalytics.web_errors import ErrorAnswer


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


@bp.get("/goals")
@require_token("goals:read")
def goals_index():
    site_ids = [site.id for site in tenant_sites(request.args.get("domain"))]
    return jsonify(data=[goal_json(goal) for goal in list_goals(get_cursor(), site_ids)])


@bp.get("/goals/<goal>/completions")
@require_token("goals:read")
def goal_completions(goal: str):  # the reference names the path parameter {goal}
    """One goal's completions in the period (newest first, limit default 50) with meta.total."""
    from clearanalytics import stats
    from clearanalytics.api.stats import request_query

    sites = tenant_sites(request.args.get("domain"))
    found = get_goal(get_cursor(), goal)
    site = next((s for s in sites if found is not None and s.id == found.site_id), None)
    if site is None:  # unknown, another tenant's, or of another of the tenant's domains
        raise ErrorAnswer(404, "Goal not found.")
    query = request_query([site], default_limit=50)
    return jsonify(stats.goal_completions(get_cursor(), query, found))
