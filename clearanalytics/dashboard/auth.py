"""Who is looking: login and logout, the session user, the tenant in the URL and the role checks.

Every dashboard URL below /dashboard/<tenant>/ names the tenant, so that a view can be
bookmarked and shared; the tenant is resolved once per request into `g.tenant` and the
user's role in it into `g.role`. A tenant the user is not a member of answers 404, the
same as one that does not exist, so that URLs reveal nothing about other tenants.

The rules are clearanalytics.web_auth's, shared with the chat: session_user() (the signed
cookie AND its row on the server, so that logout, a password change or a removal ends a
session even when an old cookie is replayed), the CSRF check, member() for the URL's tenant
and require_member(role) on the views. What is the dashboard's own is how it answers: HTML
pages (a login redirect, the error page), JSON for the panels' data route.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException

from clearanalytics import accounts, proxies, sessions, web_auth
from clearanalytics.dashboard import security
from clearanalytics.request_scope import get_cursor, get_db
from clearanalytics.web_auth import csrf_token, session_user
from clearanalytics.web_errors import ErrorAnswer, json_error

bp = Blueprint("dashboard", __name__)

CSRF_PAGE_MESSAGE = "The form had expired or did not come from this page. Reload the page and try again."
PUBLIC_ENDPOINTS = frozenset({"dashboard.login"})


@bp.record_once
def _setup(state) -> None:
    app = state.app
    proxies.load_trusted_proxies(app)
    app.session_interface = security.DashboardSessionInterface()
    app.extensions["clearanalytics.login_throttle"] = security.LoginThrottle()
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["role_at_least"] = role_at_least
    app.jinja_env.globals["has_endpoint"] = lambda endpoint: endpoint in app.view_functions


def role_at_least(needed: str, role: str | None = None) -> bool:
    return web_auth.role_at_least(needed, role if role is not None else g.get("role"))


def wants_json() -> bool:
    """The panels' data routes answer JSON, errors included; pages answer HTML."""
    return request.endpoint == "dashboard.data"


@bp.before_request
def _guard():
    """CSRF first (even for the login form), then the session user, then the URL's tenant."""
    web_auth.check_csrf()
    g.user = session_user()
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if wants_json():
            return json_error(401, "Unauthenticated.")
        return redirect(url_for("dashboard.login", next=request.full_path.rstrip("?")))
    _load_tenant(request.view_args or {})
    return None


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
    csrf_token()


def _load_tenant(values: dict) -> None:
    """Resolve <tenant> and <domain> from the URL, refusing (404) what the user may not see.

    The domain is read by the one rule of every face: www.example.com shows example.com.
    """
    if "tenant" not in values or g.user is None:
        return
    found = web_auth.member()
    g.tenant, g.role = found.tenant, found.role
    g.sites = accounts.list_sites(get_cursor(), found.tenant.id)
    if "domain" in values:
        try:
            g.site = web_auth.pick_site(g.sites, values["domain"])
        except web_auth.UnknownDomain:
            raise ErrorAnswer(404, "Not found.") from None


@bp.after_request
def _headers(response):
    return web_auth.add_session_headers(response)


@bp.errorhandler(HTTPException)
def _error_page(exc: HTTPException):
    status = exc.code or 500
    if isinstance(exc, web_auth.CsrfRefused):
        if wants_json() or request.headers.get(web_auth.CSRF_HEADER) is not None:
            return exc.get_response()
        return render_template("error.html", status=400, message=CSRF_PAGE_MESSAGE), 400
    if wants_json():
        return json_error(status, exc.description or "")
    return render_template("error.html", status=status, message=exc.description), status


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    current_app.logger.exception("unhandled error on %s", request.path)
    if wants_json():
        return json_error(500, "Server Error.")
    return render_template("error.html", status=500, message="Something went wrong on our side."), 500


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
