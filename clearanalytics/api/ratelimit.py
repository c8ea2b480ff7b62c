"""Per-token rate limiting of /api/v1 with Flask-Limiter (in-memory storage).

One shared budget per bearer token across every /api/v1 route (RATE_LIMIT, default
60/minute). The key is the authenticated token's id, so however the header is spelt
(`Bearer`, `bearer`, extra spaces) one token has one budget; a request without a live token
is keyed by a SHA-256 of its Authorization header, so the limiter never holds a secret and
even requests with bad tokens are counted. Every /api/v1 response carries
X-RateLimit-Limit and X-RateLimit-Remaining; a refused one is 429 with Retry-After.
Other blueprints (ingest, dashboard, MCP) are exempt here and set their own limits.
"""

from __future__ import annotations

import hashlib

from flask import Flask, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask_limiter import Limiter, RateLimitExceeded
from limits import parse as parse_limit

from clearanalytics.api.auth import bp, request_token
from clearanalytics.config import ConfigError

API_PREFIX = "/api/v1/"


def token_limiter(app: Flask, name: str, path_prefix: str) -> Limiter:
    """A RATE_LIMIT budget per bearer token for the paths under `path_prefix` (others are exempt).

    Keyed by the authenticated token's id (request_token, the one auth rule), else by a SHA-256
    of the Authorization header, so requests with bad tokens count too. /api/v1 and /mcp each
    get one, so a token's MCP calls do not spend its API budget.
    """

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


@bp.errorhandler(RateLimitExceeded)
def _too_many(_exc: RateLimitExceeded):
    """The reference's error shape; the limiter adds Retry-After and the X-RateLimit headers."""
    return jsonify(message="Too Many Attempts."), 429


def init_rate_limit(app: Flask) -> Limiter:
    """A limiter of the app's own (tests build many apps in one process; no shared counters).

    A RATE_LIMIT the limiter cannot read fails here, at start, rather than as a 500 on every request.
    """
    try:
        parse_limit(str(app.config["RATE_LIMIT"]))
    except ValueError:
        raise ConfigError(
            f"rate_limit must look like '60/minute' or '1000 per hour', not {app.config['RATE_LIMIT']!r}"
        ) from None
    return token_limiter(app, "api", API_PREFIX)


@bp.record_once
def _on_register(state: BlueprintSetupState) -> None:
    init_rate_limit(state.app)
