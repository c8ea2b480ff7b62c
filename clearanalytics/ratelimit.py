"""Per-token rate limits with Flask-Limiter (in-memory storage), for every face a token can call.

One budget of RATE_LIMIT (default 60/minute) per bearer token per face: /api/v1 and /mcp each
get a limiter of their own, so a token's MCP calls do not spend its API budget. The key is the
authenticated token's id (web_auth.request_token, the one token rule), so however the header is
spelt (`Bearer`, `bearer`, extra spaces) one token has one budget; a request without a live
token is keyed by a SHA-256 of its Authorization header, so the limiter never holds a secret and
even requests with bad tokens are counted.

Every limited response carries X-RateLimit-Limit and X-RateLimit-Remaining; a refused one is
429 (web_errors answers "Too Many Attempts.") with Retry-After. Flask-Limiter would put
Retry-After on every answer: it is taken off again unless the answer is a 429 or a 503, the
only ones that ask a client to wait.

This module is neutral ground: the API and MCP blueprints call `token_limiter` on registration,
so neither face imports the other to share it.
"""

from __future__ import annotations

import hashlib

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from limits import parse as parse_limit

from clearanalytics.config import ConfigError
from clearanalytics.web_auth import request_token

WAIT_STATUSES = frozenset({429, 503})


LIMIT_SETTINGS = ("rate_limit", "chat_rate_limit", "share_rate_limit")


def check_rate_limit_setting(app: Flask) -> None:
    """A rate limit setting the limiter cannot read fails at start, rather than as a 500 on every request."""
    for name in LIMIT_SETTINGS:
        value = app.config.get(name.upper())
        if value is None:
            continue
        try:
            parse_limit(str(value))
        except ValueError:
            raise ConfigError(f"{name} must look like '60/minute' or '1000 per hour', not {value!r}") from None


def token_limiter(app: Flask, name: str, path_prefix: str) -> Limiter:
    """A RATE_LIMIT budget per bearer token for the paths under `path_prefix` (others are exempt).

    A limiter of the app's own (tests build many apps in one process; no shared counters).
    """
    check_rate_limit_setting(app)
    _strip_needless_retry_after(app)

    def token_key() -> str:
        token = request_token()
        if token is not None:
            return f"{name}-token:{token.id}"
        header = request.headers.get("Authorization", "")
        return f"{name}-header:" + hashlib.sha256(header.encode("utf-8", "replace")).hexdigest()

    limiter = Limiter(
        key_func=token_key,
        app=app,
        storage_uri="memory://",
        strategy="fixed-window",
        headers_enabled=True,
        application_limits=[lambda: current_app.config["RATE_LIMIT"]],
        key_prefix=f"clearanalytics-{name}",
    )

    @limiter.request_filter
    def _elsewhere() -> bool:
        return not request.path.startswith(path_prefix)

    app.extensions[f"clearanalytics.{name}_limiter"] = limiter
    return limiter


def _strip_needless_retry_after(app: Flask) -> None:
    """Registered before the first limiter: after_request hooks run last-registered first, so this
    one runs after every limiter has added its headers."""
    key = "clearanalytics.retry_after_only_when_waiting"
    if app.extensions.get(key):
        return
    app.extensions[key] = True

    @app.after_request
    def _retry_after_only_when_waiting(response: Response) -> Response:
        if response.status_code not in WAIT_STATUSES:
            response.headers.pop("Retry-After", None)
        return response
