"""Settings for who can get in: API tokens (admin and up) and members (owner).

A new token's plaintext is rendered once in the response to the POST that made it and is
never stored, redirected with or put in the session cookie. Members are added by email;
a user who does not exist yet is created with the password the owner gives. A tenant
always keeps at least one owner, so nobody can lock everyone out.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from clearanalytics import accounts, deletion
from clearanalytics.dashboard.auth import bp
from clearanalytics.request_scope import get_cursor, get_db
from clearanalytics.web_auth import require_member

ABILITY_HELP = {
    "stats:read": "Read the /stats endpoints",
    "export:read": "Download raw exports",
    "goals:read": "Read goals and completions",
    "mcp:use": "Connect AI assistants over MCP",
    "sites:write": "Add and remove sites over the API (removing one needs the owner role)",
    "goals:write": "Add and remove goals over the API",
}


def _token_rows(tenant_id: str) -> list[tuple[accounts.Token, str]]:
    cur = get_cursor()
    emails: dict[str, str] = {}
    rows = []
    for token in accounts.list_tokens(cur, tenant_id):
        if token.user_id not in emails:
            user = accounts.get_user_by_id(cur, token.user_id)
            emails[token.user_id] = user.email if user else "(deleted user)"
        rows.append((token, emails[token.user_id]))
    rows.sort(key=lambda row: (row[0].revoked_at is not None, row[0].created_at), reverse=False)
    return rows


@bp.route("/dashboard/<tenant>/settings/tokens", methods=["GET", "POST"])
@require_member("admin")
def tokens(tenant: str):
    errors: dict[str, str] = {}
    created: tuple[accounts.Token, str] | None = None
    form = {"name": "", "abilities": list(accounts.DEFAULT_ABILITIES)}
    status = 200
    if request.method == "POST":
        form = {"name": (request.form.get("name") or "").strip(), "abilities": request.form.getlist("abilities")}
        if not form["abilities"]:
            errors, status = {"abilities": "Choose at least one ability."}, 422
        else:
            try:
                with get_db().transaction() as cur:
                    created = accounts.create_token(cur, g.tenant, g.user, form["name"], form["abilities"])
            except accounts.AccountError as exc:
                errors, status = {"abilities" if exc.field == "ability" else exc.field: str(exc)}, 422
            else:
                status = 201
                form = {"name": "", "abilities": list(accounts.DEFAULT_ABILITIES)}
    return render_template(
        "settings/tokens.html",
        rows=_token_rows(g.tenant.id),
        created=created,
        form=form,
        errors=errors,
        abilities=accounts.ABILITIES,
        ability_help=ABILITY_HELP,
    ), status


@bp.post("/dashboard/<tenant>/settings/tokens/<token_id>/revoke")
@require_member("admin")
def token_revoke(tenant: str, token_id: str):
    try:
        with get_db().transaction() as cur:
            token = accounts.revoke_token(cur, token_id, g.tenant.id)
    except accounts.AccountError:
        abort(404)
    flash(f"Revoked the token {token.name!r}. Requests using it now get 401.")
    return redirect(url_for("dashboard.tokens", tenant=tenant))


def _owners(members: list[tuple[accounts.User, str]]) -> int:
    return sum(1 for _user, role in members if role == "owner")


@bp.route("/dashboard/<tenant>/settings/members", methods=["GET", "POST"])
@require_member("owner")
def members(tenant: str):
    errors: dict[str, str] = {}
    form = {"email": "", "role": "viewer"}
    status = 200
    if request.method == "POST":
        form = {"email": (request.form.get("email") or "").strip(), "role": request.form.get("role") or ""}
        password = request.form.get("password") or ""
        try:
            with get_db().transaction() as cur:
                email = accounts.validate_email(form["email"])
                accounts.validate_role(form["role"])
                user = accounts.get_user(cur, email)
                if user is None:
                    if not password:
                        raise accounts.AccountError("password", f"{email} has no account yet: give a password.")
                    user = accounts.create_user(cur, email, password)
                elif accounts.get_role(cur, g.tenant.id, user.id) is not None:
                    raise accounts.AccountError("email", f"{email} is already a member.")
                accounts.set_membership(cur, g.tenant, user, form["role"])
        except accounts.AccountError as exc:
            errors, status = {exc.field: str(exc)}, 422
        else:
            flash(f"Added {user.email} as {form['role']}.")
            return redirect(url_for("dashboard.members", tenant=tenant))
    return render_template(
        "settings/members.html",
        members=accounts.tenant_members(get_cursor(), g.tenant.id),
        form=form,
        errors=errors,
        roles=accounts.ROLES,
    ), status


def _member_or_404(cur, user_id: str) -> tuple[accounts.User, str, list]:
    members = accounts.tenant_members(cur, g.tenant.id)
    for user, role in members:
        if user.id == user_id:
            return user, role, members
    abort(404)


@bp.post("/dashboard/<tenant>/settings/members/<user_id>/role")
@require_member("owner")
def member_role(tenant: str, user_id: str):
    new_role = request.form.get("role") or ""
    try:
        with get_db().transaction() as cur:
            user, role, members_now = _member_or_404(cur, user_id)
            accounts.validate_role(new_role)
            if role == "owner" and new_role != "owner" and _owners(members_now) == 1:
                raise accounts.AccountError("role", "A tenant needs at least one owner.")
            accounts.set_membership(cur, g.tenant, user, new_role)
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{user.email} is now {new_role}.")
    return redirect(url_for("dashboard.members", tenant=tenant))


@bp.post("/dashboard/<tenant>/settings/members/<user_id>/remove")
@require_member("owner")
def member_remove(tenant: str, user_id: str):
    try:
        with get_db().transaction() as cur:
            user, role, members_now = _member_or_404(cur, user_id)
            if role == "owner" and _owners(members_now) == 1:
                raise accounts.AccountError("role", "A tenant needs at least one owner.")
            removal = deletion.plan_member_removal(cur, g.tenant, user)  # the tokens too; the account if last
            deletion.apply(cur, removal)
    except accounts.AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("dashboard.members", tenant=tenant))
    gone = " Their account was deleted: they were in no other tenant." if removal.deleted_users else ""
    flash(f"Removed {user.email}.{gone}")
    if user.id == g.user.id:
        return redirect(url_for("dashboard.home"))
    return redirect(url_for("dashboard.members", tenant=tenant))
