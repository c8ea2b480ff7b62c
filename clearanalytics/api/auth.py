"""Bearer-token authentication and the JSON error shapes of the reference.

Every response under /api/v1 is JSON: `{"message": ...}` for errors, with `errors`
added for 422 validation failures. Unknown, malformed and revoked tokens look alike.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from clearanalytics import accounts, safeinput
from clearanalytics.request_scope import get_cursor, get_db

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class ApiError(Exception):
    """An error answer with the reference's body shape."""

    def __init__(self, status: int, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def validation_error(field: str, message: str) -> ApiError:
    return ApiError(422, message, {field: [message]})


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    body = {"message": exc.message}
    if exc.errors:
        body["errors"] = exc.errors
    return jsonify(body), exc.status


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    response = jsonify(message=exc.description if exc.code != 404 else "Not found.")
    response.status_code = exc.code or 500
    return response


def request_token() -> accounts.Token | None:
    """The live token of this request, looked up once: the API, MCP and both rate limiters ask it."""
    if "auth_token" not in g:
        g.auth_token = accounts.token_for_authorization(get_cursor(), request.headers.get("Authorization"))
    return g.auth_token


@bp.before_request
def _authenticate():
    if request.method == "OPTIONS":
        return None
    token = request_token()
    if token is None:
        return jsonify(message="Unauthenticated."), 401
    if accounts.needs_last_used_update(token):
        with get_db().transaction() as cur:
            accounts.touch_token(cur, token.id)
    g.token = token
    return None


@bp.before_request
def _check_query_string():
    """Werkzeug turns bytes that are not UTF-8 (a surrogate's ED A0 80) into U+FFFD: refuse them instead."""
    try:
        safeinput.check_query_string(request.environ.get("QUERY_STRING", ""))
    except safeinput.InputError as exc:
        message = f"The {exc.field} parameter {exc.message}."
        return jsonify(message=message, errors={exc.field: [message]}), 400
    return None


def require_ability(ability: str):
    """Route decorator: 403 unless the request's token carries `ability`."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not g.token.can(ability):
                raise ApiError(403, f"This token lacks the {ability} ability.")
            return view(*args, **kwargs)

        return wrapper

    return decorator
