"""The shared view: one site's analytics page and its data routes, reached by a shared link alone.

    GET  /share/<key>                   the page (the dashboard's analytics.html, without settings,
                                        switchers or the panels the link leaves out, and without the chat
                                        unless the link allows it: chat/share.py); `?embed=true` without
                                        the top bar, for an iframe
    POST /share/<key>                   the link's password; a good one sets an unlock cookie for this link
    GET  /share/<key>/data/<report>     one panel's numbers, as the dashboard's data route answers them

The link is the only credential: no session is read or written, so a visitor who is also logged in to
the dashboard gets nothing more here. Every request looks the link up again (kept until the next commit,
request_scope.until_next_write, so a revoke answers 404 at the very next request), and the site is the
link's own: no URL part names a site or tenant. The data route answers only the reports behind the
panels the link shows (share_links.report_panel) and reads only the period and filter parameters the
page sends. The checks the link's chat makes too (the live link, the unlock cookie) are share_access's.

Headers are the dashboard's (web_auth.add_session_headers), except that an embed page of a link with
allowed origins may be framed by them (`frame-ancestors`, and no X-Frame-Options, which knows no list).
Password attempts are throttled per link and client address with the `limits` library, as the chat's
questions are: `ATTEMPTS` failures in a moving window, then 429 with Retry-After. The data route has a
budget of its own per link and client address (the `share_rate_limit` setting), so a link in the open
cannot be used to load the server without end: past it, 429 with Retry-After and a JSON message.
"""

from __future__ import annotations

import time
from dataclasses import replace

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, url_for
from itsdangerous import BadSignature
from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import HTTPException

from clearanalytics import proxies, share_access, share_links
from clearanalytics.accounts import Site
from clearanalytics.dashboard import views
from clearanalytics.stats.report import Panel
from clearanalytics.web_auth import CONTENT_SECURITY_POLICY, add_session_headers
from clearanalytics.web_errors import json_error

bp = Blueprint("shared", __name__)

ATTEMPTS = "5 per 15 minutes"  # wrong passwords per link and client address
UNLOCK_SECONDS = share_access.UNLOCK_SECONDS
FORM_SECONDS = 3600
DATA_ARGS = ("limit", "property")  # what the page's panels send beside the view's state


@bp.record_once
def _setup(state) -> None:
    state.app.extensions["clearanalytics.share_throttle"] = MovingWindowRateLimiter(MemoryStorage())


def _live(key: str) -> tuple[share_links.SharedLink, Site]:
    """The live link `key` names and its site, or 404 (share_access.live_link)."""
    found = share_access.live_link(key)
    g.share_link = found[0]
    return found


def _embed() -> bool:
    return request.values.get("embed") == "true"


def _page_url(key: str):
    embed = {"embed": "true"} if _embed() else {}

    def page_url(**state: str) -> str:
        return url_for("shared.view", key=key, **state, **embed)

    return page_url


@bp.get("/share/<key>")
def view(key: str):
    link, site = _live(key)
    g.share_embed = _embed()
    if not share_access.unlocked(link):
        return _password_page(key, link, None, 401)
    context = views.view_context(site, _page_url(key))
    if g.share_embed:  # the page's scripts add the view's query to base_url: embed rides in the query
        context["query_state"] = context["state"] | {"embed": "true"}
        context["base_url"] = url_for("shared.view", key=key)
    context["panels"] = {
        group: [(report, _visitor_panel(panel)) for report, panel in pairs if link.shows(panel.id)]
        for group, pairs in context["panels"].items()
    }
    context["widgets"] = tuple(w for w in views.WIDGETS if link.shows(w))
    context["shared"] = {"embed": g.share_embed, "name": link.name, "chat": _chat_panel(key, link, site)}
    data_base = url_for("shared.view", key=key) + "/data/"
    return render_template("analytics.html", data_base=data_base, site_links=[], tenant_links=[], **context)


def _chat_panel(key: str, link: share_links.SharedLink, site: Site) -> dict | None:
    """The chat panel's URLs and form token on a link whose chat is open (chat/share.py answers them), else None."""
    if not share_access.chat_open(link):
        return None
    ask = url_for("share_chat.ask", key=key)
    reset = url_for("share_chat.reset", key=key)
    return {"ask": ask, "reset": reset, "token": share_access.chat_token(link), "site": site.domain}


def _visitor_panel(panel: Panel) -> Panel:
    """The panel as a visitor sees it: an empty panel does not point at settings they cannot open."""
    return replace(panel, empty=Panel.empty) if "Settings" in panel.empty else panel


def _password_page(key: str, link: share_links.SharedLink, error: str | None, status: int, headers=None):
    token = share_access.signer("share-form").dumps(link.id)
    page = render_template(
        "shared_password.html", key=key, form_token=token, error=error, embed=_embed(), shared={"embed": _embed()}
    )
    return page, status, headers or {}


def _throttle() -> tuple[MovingWindowRateLimiter, object, tuple[str, str]]:
    limiter: MovingWindowRateLimiter = current_app.extensions["clearanalytics.share_throttle"]
    return limiter, parse_limit(ATTEMPTS), (g.share_link.id, proxies.client_address())


@bp.post("/share/<key>")
def unlock(key: str):
    link, _site = _live(key)
    g.share_embed = _embed()
    try:
        form_link = share_access.signer("share-form").loads(request.form.get("form_token", ""), max_age=FORM_SECONDS)
    except BadSignature:
        form_link = None
    if form_link != link.id:  # this link's own form, recently: the page is reached without a session
        return _password_page(key, link, "The form had expired. Enter the password again.", 400)
    limiter, limit, who = _throttle()
    if not limiter.test(limit, "share", *who):
        reset = limiter.get_window_stats(limit, "share", *who).reset_time
        wait = max(1, int(reset - time.time()) + 1)
        message = f"Too many wrong passwords. Try again in {max(1, wait // 60)} minute(s)."
        return _password_page(key, link, message, 429, {"Retry-After": str(wait)})
    if link.has_password and not share_links.check_password(link, request.form.get("password", "")):
        limiter.hit(limit, "share", *who)
        return _password_page(key, link, "Wrong password.", 401)
    view_args = request.args.to_dict() | ({"embed": "true"} if g.share_embed else {})  # the view asked for
    response = make_response(redirect(url_for("shared.view", key=key, **view_args)))
    value = share_access.signer("share-unlock").dumps([link.id, share_links.password_mark(link)])
    secure = proxies.request_is_https()
    name = share_access.cookie_name(link)
    response.set_cookie(
        name, value, max_age=UNLOCK_SECONDS, path=url_for("shared.view", key=key), httponly=True,
        secure=secure, samesite="None" if secure else "Lax",  # framed on another site: only over HTTPS
    )  # fmt: skip
    return response


@bp.get("/share/<key>/data/<path:report>")
def data(key: str, report: str):
    link, site = _live(key)
    if not share_access.unlocked(link):
        return json_error(401, "This shared link needs its password.")
    busy = _over_budget(link)
    if busy is not None:
        return busy
    panel = share_links.report_panel(report)
    if panel is None or not link.shows(panel):
        return json_error(404, "Not found.")
    args = views.view_state()  # the period and the filters a view carries; nothing naming a site or tenant
    args |= {k: request.args[k] for k in DATA_ARGS if request.args.get(k)}
    return views.data_answer(site, report, args)


def _over_budget(link: share_links.SharedLink):
    """A 429 when this client asked this link's data routes more than `share_rate_limit` allows, else None."""
    limiter: MovingWindowRateLimiter = current_app.extensions["clearanalytics.share_throttle"]
    limit = parse_limit(str(current_app.config.get("SHARE_RATE_LIMIT") or "300/minute"))
    who = (link.id, proxies.client_address())
    if limiter.hit(limit, "share-data", *who):
        return None
    reset = limiter.get_window_stats(limit, "share-data", *who).reset_time
    wait = max(1, int(reset - time.time()) + 1)
    response = json_error(429, f"Too many requests to this shared link; try again in {wait} second(s).")
    response.headers["Retry-After"] = str(wait)
    return response


@bp.after_request
def _headers(response):
    link = g.get("share_link")
    if g.get("share_embed") and link is not None and response.mimetype == "text/html":
        ancestors = " ".join(("'self'", *link.embed_origins))
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "frame-ancestors 'none'", f"frame-ancestors {ancestors}"
        )
        response.headers["X-Frame-Options"] = ""  # taken off below: it cannot name the allowed origins
    response = add_session_headers(response)
    if response.headers.get("X-Frame-Options") == "":
        del response.headers["X-Frame-Options"]
    return response


@bp.errorhandler(HTTPException)
def _error(exc: HTTPException):
    status = exc.code or 500
    if request.endpoint == "shared.data":
        return json_error(status, exc.description or "")
    return render_template("error.html", status=status, message=exc.description, shared={"error": True}), status


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    """A bug, logged by the route's rule: the path holds the link's secret, which is never logged."""
    if isinstance(exc, HTTPException):
        return _error(exc)
    rule = request.url_rule.rule if request.url_rule is not None else "/share/<key>"
    current_app.logger.error("unhandled error on %s %s", request.method, rule, exc_info=exc)
    if request.endpoint == "shared.data":
        return json_error(500, "Server Error.")
    return render_template("error.html", status=500, message="Something went wrong on our side.", shared={"e": 1}), 500
