"""The chat on a shared link whose link allows it: the dashboard chat's engine, with the link's tools only.

    POST /share/<key>/chat          {"question": "..."} -> application/x-ndjson events (engine.py)
    GET  /share/<key>/chat          this browser's conversation on this link: {"data": {"messages": [...]}}
    POST /share/<key>/chat/reset    forget it

Every request looks the link up again (share_access.live_link): unknown, revoked, still locked by its
password (the view's unlock cookie), a link that does not allow the chat, or a tenant whose plan has no
chat all answer 404 alike, so a revoke or a plan change closes the chat at the next request. A POST
carries the page's chat token in `X-CSRF-Token` (share_access.chat_token: the link's id, signed).

The answers come from share_tools.ShareTools, whichever engine runs (the built-in one or a configured
LLM): the link's site, the panels it shows, and no tenant, account or other site named. Questions are
rate limited by the dashboard chat's limiter, keyed by the link. A conversation is kept per link and
browser (a random id in a cookie on the link's path, never shared between visitors) in its own store,
so that a busy link cannot push the dashboard users' conversations out.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, g, jsonify, request, stream_with_context, url_for
from werkzeug.exceptions import HTTPException

from clearanalytics import accounts, proxies, share_access
from clearanalytics.chat.periods import todays
from clearanalytics.chat.routes import Conversations, context, rate_limited, read_question, run_engine
from clearanalytics.chat.share_tools import SHARED_TENANT, ShareTools
from clearanalytics.request_scope import get_cursor, get_db
from clearanalytics.request_scope import now as api_now
from clearanalytics.web_auth import add_session_headers
from clearanalytics.web_errors import ErrorAnswer, json_error

bp = Blueprint("share_chat", __name__)

CONVERSATIONS = "clearanalytics.share_chat.conversations"
_BROWSER_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")


@bp.record_once
def _setup(state) -> None:
    state.app.extensions[CONVERSATIONS] = Conversations()


@bp.before_request
def _guard() -> Response | None:
    key = (request.view_args or {}).get("key", "")
    try:
        link, site = share_access.live_link(key)
    except ErrorAnswer:
        return json_error(404, "Not found.")
    if not share_access.unlocked(link) or not share_access.chat_open(link):
        return json_error(404, "Not found.")  # as an unknown link: nothing says the link exists
    if request.method == "POST" and not share_access.chat_token_ok(link, request.headers.get("X-CSRF-Token", "")):
        return json_error(400, "The chat's page token is missing or expired; reload the page.")
    g.share_chat = (key, link, site)
    return None


@bp.after_request
def _headers(response):
    return add_session_headers(response)


@bp.errorhandler(HTTPException)
def _error(exc: HTTPException):
    return json_error(exc.code or 500, exc.description or "")


def _cookie_name() -> str:
    return f"ca_share_chat_{g.share_chat[1].id}"


def _browser() -> tuple[str | None, bool]:
    """This browser's id on the link (new: True when it was just made, to be set as a cookie)."""
    raw = request.cookies.get(_cookie_name(), "")
    if _BROWSER_ID.match(raw):
        return raw, False
    return None, True


def _conversation_key(browser: str) -> tuple[str, str]:
    return f"share:{g.share_chat[1].id}", hashlib.sha256(browser.encode()).hexdigest()


def _remember_browser(response: Response, browser: str) -> None:
    secure = proxies.request_is_https()
    response.set_cookie(
        _cookie_name(), browser, max_age=share_access.UNLOCK_SECONDS, path=url_for("shared.view", key=g.share_chat[0]),
        httponly=True, secure=secure, samesite="None" if secure else "Lax",  # framed on another site: HTTPS only
    )  # fmt: skip


def _conversations() -> Conversations:
    return current_app.extensions[CONVERSATIONS]


@bp.get("/share/<key>/chat")
def history(key: str):
    browser, _new = _browser()
    messages = _conversations().get(_conversation_key(browser)) if browser else []
    return jsonify(data={"messages": messages})


@bp.post("/share/<key>/chat/reset")
def reset(key: str):
    browser, _new = _browser()
    if browser:
        _conversations().clear(_conversation_key(browser))
    return jsonify(data={"messages": []})


@bp.post("/share/<key>/chat")
def ask(key: str):
    read = read_question()
    if isinstance(read, Response):
        return read
    body, question = read
    _key, link, site = g.share_chat
    named = body.get("site")  # chat.js sends the page's site: on a shared page, the link's own
    if named is not None and (not isinstance(named, str) or accounts.domain_key(named) != site.domain):
        return json_error(422, "The site field must be this shared link's site.", "site")
    limited = rate_limited("share", link.id)
    if limited is not None:
        return limited
    browser, new = _browser()
    browser = browser or secrets.token_urlsafe(24)
    conversation = _conversation_key(browser)
    conversations = _conversations()
    tenant = accounts.get_tenant_by_id(get_cursor(), link.tenant_id)
    now = api_now()  # the shared view's clock: the same "today" as the panels
    today, site_todays = todays([site], now)
    config, app = current_app.config, current_app._get_current_object()

    def generate() -> Iterator[str]:
        cur = get_db().cursor()
        try:
            tools = ShareTools(cur, link, site, tenant, now)
            history = conversations.get(conversation)
            ctx = context()(SHARED_TENANT, tools, today, [site.domain], history, site_todays, site.domain, True)
            for event in run_engine(config, question, ctx):
                if event["type"] == "done":
                    answer = event["message"]
                    conversations.add(conversation, {"role": "user", "text": question}, {"role": "assistant", **answer})
                yield json.dumps(event, default=str) + "\n"
        except Exception:  # the stream has started: end it with a message, never a traceback
            app.logger.exception("chat failed on shared link %s", link.id)  # the id, never the secret
            yield json.dumps({"type": "error", "message": "Something went wrong on our side."}) + "\n"
        finally:
            cur.close()

    response = Response(stream_with_context(generate()), mimetype="application/x-ndjson")
    if new:
        _remember_browser(response, browser)
    return response
