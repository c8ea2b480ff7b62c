"""Error answers for every route: JSON for machines, never a traceback for anyone.

A machine client (the tracker's ingest, /api, /mcp, /healthz, /metrics, /js) gets
`{"message": ...}` for any error, an unexpected exception included (500, "Internal error.",
logged once with its traceback); people on the dashboard get the plain HTML error page.
Every hand-made error answer goes through `json_error` (or raises `ErrorAnswer`, which any
route may do): one place for the reference's bodies, `{"message": ..., "errors": {field: [...]}}`
when a field is at fault (400, 422) and `{"message": ...}` otherwise.

Three layers, from inside out:

- Flask error handlers, for everything that runs in Flask;
- `ErrorBoundary`, WSGI middleware around the whole app, for what runs before Flask (the
  ingest fast path) and to add `X-Content-Type-Options: nosniff` to machine answers;
- `waitress_error_answer`, for the answers waitress builds itself when it cannot even parse
  the request (bad Content-Length, a body over max_request_body_size): `serve`'s channel
  (clearanalytics/serve_channel.py) writes them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.sansio.response import Response as SansIOResponse

log = logging.getLogger("clearanalytics.errors")

MACHINE_PREFIXES = ("/api/", "/mcp/", "/js/")
MACHINE_PATHS = frozenset({"/healthz", "/metrics"})
INTERNAL_ERROR = "Internal error."
NOSNIFF = ("X-Content-Type-Options", "nosniff")
_MESSAGES = {404: "Not found.", 405: "Method not allowed.", 429: "Too Many Attempts."}


def is_machine_path(path: str) -> bool:
    """Paths whose clients read JSON, not HTML: their errors are JSON and their answers never sniffed."""
    return path.startswith(MACHINE_PREFIXES) or path in MACHINE_PATHS


def json_error(
    status: int,
    message: str,
    field: str | None = None,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The reference's error body: `errors` (by field) only when a field is to blame."""
    body: dict[str, Any] = {"message": message}
    if errors or field:
        body["errors"] = errors or {field: [message]}
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


class ErrorAnswer(HTTPException):
    """Raised by a view or a check to answer `json_error(...)` at once, whatever blueprint it is in.

    An HTTPException, so that a page blueprint rendering HTML (the dashboard) still sees its code
    and message; every JSON face gets the body from `get_response`.
    """

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.code = status
        self.message = message
        self.field = field
        self.errors = errors
        self.headers = headers or {}

    def get_response(self, environ: Any = None, scope: Any = None) -> SansIOResponse:
        return json_error(self.code or 500, self.message, self.field, self.errors, self.headers)


def validation_error(field: str, message: str) -> ErrorAnswer:
    """A 422 naming the field: the reference's answer to a parameter it cannot take."""
    return ErrorAnswer(422, message, field)


def init_app(app: Flask) -> None:
    """Register the handlers and wrap the WSGI app; call after every middleware is in place."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.wsgi_app = ErrorBoundary(app.wsgi_app)  # type: ignore[method-assign]


def _http_error(exc: HTTPException):
    """Unmatched routes and aborts under machine paths answer JSON too, never an HTML error page."""
    if isinstance(exc, ErrorAnswer):
        return exc.get_response()
    if not is_machine_path(request.path):
        return exc
    response = json_error(exc.code or 500, _MESSAGES.get(exc.code or 500, exc.description or ""))
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _unexpected_error(exc: Exception):
    """A bug: logged once with its traceback, answered without one."""
    if isinstance(exc, HTTPException):  # an HTTPException subclass a blueprint handler passed on
        return _http_error(exc)
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    if is_machine_path(request.path):
        return json_error(500, INTERNAL_ERROR)
    return InternalServerError()


class ErrorBoundary:
    """The outermost WSGI layer: nosniff on machine answers, a JSON 500 for an exception before Flask."""

    def __init__(self, wsgi_app: Callable):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or ""
        if not is_machine_path(path):
            return self.wsgi_app(environ, start_response)
        started = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            started.append(True)
            if not any(name.lower() == "x-content-type-options" for name, _ in headers):
                headers = [*headers, NOSNIFF]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        try:
            return self.wsgi_app(environ, start)
        except Exception:
            log.exception("unhandled error on %s %s", environ.get("REQUEST_METHOD"), path)
            if started:
                raise  # headers are out: only the server can end this answer
            body = json.dumps({"message": INTERNAL_ERROR}).encode()
            start_response(
                "500 Internal Server Error",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body))), NOSNIFF],
            )
            return [body]


def waitress_error_answer(code: int, reason: str, detail: str) -> tuple[str, bytes]:
    """(status line, JSON body) for an error waitress found in the request itself; 400s name the field."""
    if code >= 500:
        doc: dict[str, Any] = {"message": INTERNAL_ERROR}
    else:
        detail = detail.strip().rstrip(".")
        doc = {"message": f"{reason}: {detail}." if detail else f"{reason}."}
        if code == 400:
            field = _request_field(detail)
            doc["errors"] = {field: [detail or reason]}
    return f"{code} {reason}", json.dumps(doc).encode()


def _request_field(detail: str) -> str:
    """The header a waitress parse error is about, else the request as a whole."""
    lowered = detail.lower()
    if "content-length" in lowered:
        return "Content-Length"
    if "chunk" in lowered or "transfer-encoding" in lowered:
        return "Transfer-Encoding"
    return "headers" if "header" in lowered else "request"
