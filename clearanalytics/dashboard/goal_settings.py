"""Settings for goals (admin and up): create, edit and delete URL and event goals.

Changes go through clearanalytics.ingest.goalmatch (add_goal, edit_goal, remove_goal), the
same functions as `clearanalytics goal add/remove`: a new goal is backfilled from the site's
history in its creating transaction, so the list shows its past completions at once, and
events accepted meanwhile are re-matched when they are committed, so none is missed.
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from clearanalytics import goals
from clearanalytics.dashboard.auth import bp
from clearanalytics.ingest.goalmatch import add_goal, edit_goal, remove_goal
from clearanalytics.request_scope import get_cursor, get_db
from clearanalytics.storage import store_of
from clearanalytics.web_auth import require_member

FORM_FIELDS = ("site_id", "name", "type", "match_type", "path", "event_name")


def _ingest_service():
    return current_app.extensions.get("clearanalytics.ingest")


def _form() -> dict[str, str]:
    return {k: (request.form.get(k) or "").strip() for k in FORM_FIELDS}


def _config(form: dict[str, str]) -> dict[str, str]:
    if form["type"] == "event":
        return {"event_name": form["event_name"]}
    return {"match_type": form["match_type"] or "exact", "path": form["path"]}


def _goal_or_404(goal_id: str) -> goals.Goal:
    goal = goals.get_goal(get_cursor(), goal_id)
    if goal is None or goal.site_id not in {s.id for s in g.sites}:
        abort(404)
    return goal


def describe(goal: goals.Goal) -> str:
    if goal.type == "event":
        return f"event {goal.config.get('event_name', '')}"
    return f"{goal.config.get('match_type', 'exact')} {goal.config.get('path', '')}"


@bp.route("/dashboard/<tenant>/settings/goals", methods=["GET", "POST"])
@require_member("admin")
def goals_settings(tenant: str):
    if not g.sites:
        flash("Add a site first: goals belong to a site.", "error")
        return redirect(url_for("dashboard.sites", tenant=tenant))
    errors: dict[str, str] = {}
    form = {"site_id": g.sites[0].id, "name": "", "type": "url", "match_type": "exact", "path": "", "event_name": ""}
    status = 200
    if request.method == "POST":
        form = _form()
        if form["site_id"] not in {s.id for s in g.sites}:
            errors, status = {"site_id": "Choose one of your sites."}, 422
        else:
            try:
                goal, backfilled = add_goal(
                    get_db(), form["site_id"], form["name"], form["type"], _config(form), service=_ingest_service()
                )
            except goals.GoalError as exc:
                errors, status = {exc.field: str(exc)}, 422
            else:
                flash(f"Created the goal {goal.name!r}: {backfilled} past completion(s) counted.")
                return redirect(url_for("dashboard.goals_settings", tenant=tenant))
    cur = get_cursor()
    site_ids = [s.id for s in g.sites]
    totals = store_of(get_db()).goal_completion_totals(site_ids, cur=cur)
    domains = {s.id: s.domain for s in g.sites}
    rows = [
        (goal, domains[goal.site_id], describe(goal), totals.get(goal.id, 0))
        for goal in goals.list_goals(cur, site_ids)
    ]
    return render_template(
        "settings/goals.html",
        rows=rows,
        form=form,
        errors=errors,
        match_types=goals.MATCH_TYPES,
    ), status


@bp.route("/dashboard/<tenant>/settings/goals/<goal_id>", methods=["GET", "POST"])
@require_member("admin")
def goal_edit(tenant: str, goal_id: str):
    goal = _goal_or_404(goal_id)
    errors: dict[str, str] = {}
    form = {"name": goal.name, "type": goal.type, "match_type": "", "path": "", "event_name": ""}
    form.update({k: str(v) for k, v in goal.config.items()})
    active = goal.is_active
    status = 200
    if request.method == "POST":
        form = _form() | {"type": goal.type}
        active = request.form.get("is_active") == "on"
        try:
            goal = edit_goal(get_db(), goal, name=form["name"], config=_config(form), is_active=active)
        except goals.GoalError as exc:
            errors, status = {exc.field: str(exc)}, 422
        else:
            flash(f"Saved the goal {goal.name!r}.")
            return redirect(url_for("dashboard.goals_settings", tenant=tenant))
    domain = next(s.domain for s in g.sites if s.id == goal.site_id)
    return render_template(
        "settings/goal_edit.html",
        goal=goal,
        domain=domain,
        form=form,
        active=active,
        errors=errors,
        match_types=goals.MATCH_TYPES,
        completions=store_of(get_db()).goal_completion_totals([goal.site_id], cur=get_cursor()).get(goal.id, 0),
    ), status


@bp.post("/dashboard/<tenant>/settings/goals/<goal_id>/delete")
@require_member("admin")
def goal_delete(tenant: str, goal_id: str):
    goal = _goal_or_404(goal_id)
    remove_goal(get_db(), goal.id)
    flash(f"Deleted the goal {goal.name!r} and its completions.")
    return redirect(url_for("dashboard.goals_settings", tenant=tenant))
