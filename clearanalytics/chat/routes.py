"""The chat route: POST a question, get the engine's events back as newline-delimited JSON.

    POST /dashboard/<tenant>/chat          {"question": "...", "site": "example.com"?}  -> application/x-ndjson events
                                           (engine.py); `site` is the page's site, the default for questions
    GET  /dashboard/<tenant>/chat          the conversation so far: {"data": {"messages": [...]}}
    POST /dashboard/<tenant>/chat/reset    forget the conversation

Checks, in order: the dashboard's rules from clearanalytics.web_auth (`member()`): the login
session (401: the session must still live on the server), its CSRF token on POST (400: the
`X-CSRF-Token` header that chat.js sends), the user's membership of the tenant in the URL
(404, as the dashboard does for tenants one may not see); then the tenant's plan (403 on
free, as the MCP route) and the per-user rate limit (429). The page's `site` is read by the
one domain rule (web_auth), and one that is not the tenant's is a 422 naming `site`.

The conversation lives per user session on the server (keyed by the session id of the
signed cookie; only the questions and answer texts are kept, bounded).
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from flask import Blueprint, Response, current_app, g, jsonify, request, session, stream_with_context
from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from clearanalytics import accounts, safeinput
from clearanalytics.chat.periods import todays
from clearanalytics.chat.providers import ProviderError, make_provider
from clearanalytics.chat.tools import RegistryRunner, TenantTools
from clearanalytics.request_scope import get_cursor, get_db
from clearanalytics.request_scope import now as api_now
from clearanalytics.web_auth import UnknownDomain, add_session_headers, member, pick_site
from clearanalytics.web_errors import json_error

if TYPE_CHECKING:  # the engine is imported on the first question (context() says why)
    from clearanalytics.chat.engine import ChatContext

bp = Blueprint("chat", __name__)

MAX_QUESTION = 500
PLAN_MESSAGE = "The AI chat is available on the Pro, Growth and Business plans; this tenant is on the {plan} plan."


class Conversations:
    """Per-session conversations in memory: the newest `max_conversations`, `max_messages` each."""

    def __init__(self, max_conversations: int = 1000, max_messages: int = 20):
        self.max_conversations = max_conversations
        self.max_messages = max_messages
        self._items: OrderedDict[tuple[str, str], list[dict]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> list[dict]:
        with self._lock:
            return list(self._items.get(key, []))

    def add(self, key: tuple[str, str], *messages: dict) -> None:
        with self._lock:
            items = self._items.pop(key, [])
            items = (items + list(messages))[-self.max_messages :]
            self._items[key] = items
            while len(self._items) > self.max_conversations:
                self._items.popitem(last=False)

    def clear(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._items.pop(key, None)


@bp.record_once
def _setup(state) -> None:
    app = state.app
    app.extensions["clearanalytics.chat.conversations"] = Conversations()
    app.extensions["clearanalytics.chat.limiter"] = MovingWindowRateLimiter(MemoryStorage())


@bp.app_context_processor
def _template_globals() -> dict:
    """`chat_enabled(tenant)`: whether a page shows the AI button (templates/chat/panel.html)."""
    return {"chat_enabled": chat_enabled}


def chat_enabled(tenant: accounts.Tenant | None) -> bool:
    return tenant is not None and tenant.plan in accounts.AI_PLANS


@bp.before_request
def _guard() -> Response | None:
    found = member()  # 401, 400 (CSRF), 404: the dashboard's own rules
    if not chat_enabled(found.tenant):
        return json_error(403, PLAN_MESSAGE.format(plan=found.tenant.plan))
    g.chat_user, g.chat_tenant = found.user, found.tenant
    return None


@bp.after_request
def _headers(response):
    return add_session_headers(response)


def _conversation_key() -> tuple[str, str]:
    return session["sid"], g.chat_tenant.id  # present: _guard found its live session


def rate_limited(*who: str) -> Response | None:
    """A 429 when `who` (a user's id; ("share", link id) on a shared link) asked too often, else None.
    One limiter and one setting (CHAT_RATE_LIMIT) for every chat."""
    limiter: MovingWindowRateLimiter = current_app.extensions["clearanalytics.chat.limiter"]
    limit = parse_limit(current_app.config.get("CHAT_RATE_LIMIT") or "20/minute")
    if limiter.hit(limit, "chat", *who):
        return None
    reset = limiter.get_window_stats(limit, "chat", *who).reset_time
    response = json_error(429, "Too many questions; wait a moment and ask again.")
    response.headers["Retry-After"] = str(max(1, int(reset - time.time()) + 1))
    return response


@bp.get("/dashboard/<tenant>/chat")
def history(tenant: str):
    conversations: Conversations = current_app.extensions["clearanalytics.chat.conversations"]
    return jsonify(data={"messages": conversations.get(_conversation_key())})


@bp.post("/dashboard/<tenant>/chat/reset")
def reset(tenant: str):
    conversations: Conversations = current_app.extensions["clearanalytics.chat.conversations"]
    conversations.clear(_conversation_key())
    return jsonify(data={"messages": []})


def read_question() -> tuple[dict, str] | Response:
    """The request's JSON body and its question (stripped), or the 400/422 answer naming the field."""
    try:
        body = safeinput.loads(request.get_data())
    except safeinput.InputError as exc:
        if exc.message != "is not valid JSON":  # too deep, or a lone surrogate: say where
            return json_error(400, f"The {exc.field} field {exc.message}.", exc.field)
        body = None  # as before: no JSON object means no question
    question = body.get("question") if isinstance(body, dict) else None
    if not isinstance(question, str) or not question.strip():
        return json_error(422, "The question field is required.", "question")
    if len(question) > MAX_QUESTION:
        return json_error(422, f"The question may be at most {MAX_QUESTION} characters.", "question")
    return body, question.strip()


@bp.post("/dashboard/<tenant>/chat")
def ask(tenant: str):
    read = read_question()
    if isinstance(read, Response):
        return read
    body, question = read
    user, tenant_row = g.chat_user, g.chat_tenant
    sites = accounts.list_sites(get_cursor(), tenant_row.id)
    site = body.get("site")  # the domain of the analytics page the panel is on, if any
    if site is not None and not isinstance(site, str):
        return json_error(422, "The site field must be a domain such as example.com.", "site")
    try:
        site = pick_site(sites, site).domain if site and site.strip() else None
    except UnknownDomain:
        return json_error(422, "The site field must be one of this tenant's sites.", "site")
    limited = rate_limited(g.chat_user.id)
    if limited is not None:
        return limited
    key = _conversation_key()
    conversations: Conversations = current_app.extensions["clearanalytics.chat.conversations"]
    now = api_now()  # the API's and MCP route's clock: the same "today" for the same numbers
    today, site_todays = todays(sites, now)
    config, app = current_app.config, current_app._get_current_object()

    def generate() -> Iterator[str]:
        cur = get_db().cursor()
        try:
            tools = TenantTools(make_runner(app, cur, tenant_row.id, user.id, now), tenant_row.slug)
            domains = [s.domain for s in sites]
            ctx = context()(tenant_row.slug, tools, today, domains, conversations.get(key), site_todays, site)
            for event in run_engine(config, question, ctx):
                if event["type"] == "done":
                    answer = event["message"]
                    conversations.add(key, {"role": "user", "text": question}, {"role": "assistant", **answer})
                yield json.dumps(event, default=str) + "\n"
        except Exception:  # the stream has started: end it with a message, never a traceback
            app.logger.exception("chat failed for tenant %s", tenant_row.slug)
            yield json.dumps({"type": "error", "message": "Something went wrong on our side."}) + "\n"
        finally:
            cur.close()

    return Response(stream_with_context(generate()), mimetype="application/x-ndjson")


def make_runner(app, cursor, tenant_id: str, user_id: str, now=None):
    """The MCP registry for this user; an app may install another runner factory (the route tests do)."""
    factory = app.extensions.get("clearanalytics.chat.tools")
    if factory is not None:
        return factory(cursor, tenant_id, user_id)
    return RegistryRunner(cursor, tenant_id, user_id, now=now)


def context() -> type[ChatContext]:
    """The engine's context class. The engine (chat/engine.py and the parser) is imported on the first question,
    not when the app is made: compiling its some 2,000 patterns took about a second of every server's start
    (docs/PERFORMANCE.md), and most processes (CLI commands, tests, a server restarted) never get a question."""
    from clearanalytics.chat.engine import ChatContext

    return ChatContext


def run_engine(config, question: str, ctx: ChatContext) -> Iterator[dict]:
    """The configured LLM with its tool loop, or the built-in engine; a misconfigured LLM falls back too."""
    from clearanalytics.chat.engine import BuiltinEngine
    from clearanalytics.chat.loop import fallback, run_llm

    try:
        provider = make_provider(config)
    except ProviderError as exc:
        yield from fallback(str(exc), question, ctx)
        return
    if provider is None:
        yield from BuiltinEngine().run(question, ctx)
    else:
        yield from run_llm(provider, question, ctx)
