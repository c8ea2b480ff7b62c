"""Who is looking: login and logout, the session user, the tenant in the URL and the role checks.

Every dashboard URL below /dashboard/<tenant>/ names the tenant, so that a view can be
bookmarked and shared; the tenant is resolved once per request into `g.tenant` and the
user's role in it into `g.role`. A tenant the user is not a member of answers 404, the
same as one that does not exist, so that URLs reveal nothing about other tenants.

A session is its signed cookie AND its row on the server (clearanalytics/sessions.py):
session_user() is the one rule, for these pages and the chat routes alike, so that logout,
a password change or a removal ends a session even when an old cookie is replayed.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException

from clearanalytics import accounts, proxies, sessions
from clearanalytics.dashboard import security
from clearanalytics.request_scope import get_cursor, get_db

bp = Blueprint("dashboard", __name__)

ROLE_RANK = {"viewer": 0, "admin": 1, "owner": 2}
PUBLIC_ENDPOINTS = frozenset({"dashboard.login"})


@bp.record_once
def _setup(state) -> None:
    app = state.app
    proxies.load_trusted_proxies(app)
    app.session_interface = security.DashboardSessionInterface()
    app.extensions["clearanalytics.login_throttle"] = security.LoginThrottle()
    app.jinja_env.globals["csrf_token"] = security.csrf_token
    app.jinja_env.globals["role_at_least"] = role_at_least
    app.jinja_env.globals["has_endpoint"] = lambda endpoint: endpoint in app.view_functions


def role_at_least(needed: str, role: str | None = None) -> bool:
    role = role if role is not None else g.get("role")
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[needed]


def wants_json() -> bool:
    """The panels' data routes answer JSON, errors included; pages answer HTML."""
    return request.endpoint == "dashboard.data"


@bp.before_request
def _guard():
    """CSRF first (even for the login form), then the session user."""
    if request.method not in security.SAFE_METHODS and not security.csrf_ok():
        message = "The form had expired or did not come from this page. Reload the page and try again."
        if wants_json() or request.headers.get(security.CSRF_HEADER) is not None:
            return jsonify(message="CSRF token missing or invalid."), 400
        return render_template("error.html", status=400, message=message), 400
    g.user = session_user()
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if wants_json():
            return jsonify(message="Unauthenticated."), 401
        return redirect(url_for("dashboard.login", next=request.full_path.rstrip("?")))
    _load_tenant(request.view_args or {})
    return None


def session_user() -> accounts.User | None:
    """The user of this request's session while the session lives on the server; else None.

    A cookie whose server-side session has ended (logout, password change, removal, idle
    expiry) is cleared, so the browser also forgets it.
    """
    user_id = session.get("user_id")
    if not user_id:
        return None
    cur = get_cursor()
    sid = session.get("sid")
    live = sessions.lookup(cur, sid, current_app.permanent_session_lifetime)
    user = accounts.get_user_by_id(cur, user_id) if live is not None and live.user_id == user_id else None
    if user is None:
        session.clear()
        return None
    if live.needs_touch():
        with get_db().transaction() as wcur:
            sessions.touch(wcur, sid)
    return user


def begin_session(cur, user: accounts.User) -> None:
    """A fresh session for `user` in this response's cookie (login, and after a password change).

    Everything the session will carry is set now, in one response: the cookie is rewritten by
    every response, so a value first set later could be overwritten by a concurrent request's
    older copy (a lost CSRF token or chat conversation). `sid` also keys the chat conversation.
    """
    sessions.purge_idle(cur, current_app.permanent_session_lifetime)
    session.clear()  # no fixation: a new id and CSRF token every time
    session.permanent = True
    session["user_id"] = user.id
    session["sid"] = sessions.start(cur, user.id)
    security.csrf_token()


def _load_tenant(values: dict) -> None:
    """Resolve <tenant> and <domain> from the URL, refusing what the user may not see."""
    if "tenant" not in values or g.user is None:
        return
    cur = get_cursor()
    tenant = accounts.get_tenant(cur, values["tenant"])
    role = accounts.get_role(cur, tenant.id, g.user.id) if tenant else None
    if role is None:
        abort(404)
    g.tenant, g.role = tenant, role
    g.sites = accounts.list_sites(cur, tenant.id)
    if "domain" in values:
        site = next((s for s in g.sites if s.domain == values["domain"]), None)
        if site is None:
            abort(404)
        g.site = site


@bp.after_request
def _headers(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return security.add_security_headers(response)


@bp.errorhandler(HTTPException)
def _error_page(exc: HTTPException):
    status = exc.code or 500
    if wants_json():
        return jsonify(message=exc.description), status
    return render_template("error.html", status=status, message=exc.description), status


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    current_app.logger.exception("unhandled error on %s", request.path)
    if wants_json():
        return jsonify(message="Server Error."), 500
    return render_template("error.html", status=500, message="Something went wrong on our side."), 500


def require_role(needed: str):
    """Route decorator: 403 unless the user's role in the URL's tenant is at least `needed`."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not role_at_least(needed):
                abort(403, f"This page needs the {needed} role; yours is {g.role}.")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths may be redirected to after login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


@bp.route("/login", methods=["GET", "POST"])
def login():
    throttle: security.LoginThrottle = current_app.extensions["clearanalytics.login_throttle"]
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.user is not None:
            return redirect(next_url or url_for("dashboard.home"))
        return render_template("login.html", next=next_url, email="", error=None)
    email = (request.form.get("email") or "").strip().lower()
    password = request.form.get("password") or ""
    ip = proxies.client_address()
    wait = throttle.retry_after(email, ip)
    if wait:
        error = f"Too many failed attempts. Try again in {max(1, wait // 60)} minute(s)."
        response = render_template("login.html", next=next_url, email=email, error=error)
        return response, 429, {"Retry-After": str(wait)}
    user = accounts.authenticate(get_cursor(), email, password)
    if user is None:
        throttle.failed(email, ip)
        return render_template("login.html", next=next_url, email=email, error="Wrong email or password."), 401
    throttle.succeeded(email, ip)
    with get_db().transaction() as cur:
        begin_session(cur, user)
    return redirect(next_url or url_for("dashboard.home"))


@bp.post("/logout")
def logout():
    """Ends this session on the server too: a copy of the cookie is worthless from now on."""
    with get_db().transaction() as cur:
        sessions.end(cur, session.get("sid"))
    session.clear()
    return redirect(url_for("dashboard.login"))


@bp.get("/")
def root():
    return redirect(url_for("dashboard.home"))


@bp.get("/dashboard")
def home():
    """The first tenant's first site, or its sites settings when it has none yet."""
    memberships = accounts.user_tenants(get_cursor(), g.user.id)
    if not memberships:
        return render_template("error.html", status=403, message="You are not a member of any tenant yet."), 403
    tenant = memberships[0][0]
    return redirect(url_for("dashboard.tenant_home", tenant=tenant.slug))


@bp.get("/dashboard/<tenant>/")
def tenant_home(tenant: str):
    if not g.sites:
        if role_at_least("admin"):
            return redirect(url_for("dashboard.sites", tenant=tenant))
        message = f"{g.tenant.name} has no sites yet. An admin can add one under Settings → Sites."
        return render_template("error.html", status=404, message=message), 404
    return redirect(url_for("dashboard.analytics", tenant=tenant, domain=g.sites[0].domain))
