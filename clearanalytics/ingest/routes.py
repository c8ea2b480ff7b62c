"""POST /api/event: the public, unauthenticated, CORS-open ingest endpoint.

It always answers fast: 202 once the event is spooled (with the pageview's id), 202 with
`X-ClearAnalytics-Dropped: <reason>` when the event is valid but not stored, 400
naming the field for a client mistake, and 503 JSON with Retry-After when the event
cannot be made durable now (disk full, database unusable, shutting down): never a 202
for an event that is not safely written. Nothing a client sends can cause a 500.

`answer()` is the one implementation. The `ingest` blueprint registers the route (so
Flask knows it, answers 405 to other methods and `url_for` works), and `IngestFastPath`
serves the same `answer()` straight from WSGI for POST and OPTIONS, skipping Flask's
request context, session and routing: tracking hits are the busiest requests by far and
need none of that.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from flask import Blueprint, Response, current_app, request

from clearanalytics.health import RETRY_AFTER_SECONDS, Unavailable
from clearanalytics.ingest.payload import MAX_BODY_BYTES, PayloadError
from clearanalytics.ingest.visitors import client_ip

bp = Blueprint("ingest", __name__)

PATH = "/api/event"
CORS_HEADERS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "POST, OPTIONS"),
    ("Access-Control-Allow-Headers", "Content-Type"),
    ("Access-Control-Max-Age", "86400"),
]
_EMPTY = b"{}"
Answer = tuple[int, list[tuple[str, str]], bytes]


def _json(status: int, body: bytes, extra: list[tuple[str, str]] | None = None) -> Answer:
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *CORS_HEADERS]
    return status, headers + (extra or []), body


def answer(
    service, body: bytes, remote_addr: str | None, forwarded_for: str | None, user_agent: str, accept_language
) -> Answer:
    """The whole endpoint for one POST: (status, headers, body)."""
    ip = client_ip(remote_addr, forwarded_for, service.trusted_proxies)
    try:
        outcome = service.ingest(body, ip, user_agent, accept_language)
    except PayloadError as exc:
        service.outcomes.invalid(exc.field)
        return bad_request(exc.field, str(exc))
    except Unavailable as exc:
        service.outcomes.record("unavailable", "storage")
        return unavailable(str(exc))
    if outcome.dropped:
        service.outcomes.record("dropped", outcome.dropped)
        return _json(202, _EMPTY, [("X-ClearAnalytics-Dropped", outcome.dropped)])
    service.outcomes.record("accepted")
    if outcome.id:
        return _json(202, b'{"id":"' + outcome.id.encode() + b'"}')  # a ULID needs no escaping
    return _json(202, _EMPTY)


def bad_request(field: str, message: str) -> Answer:
    doc = {"message": f"{field} {message}", "errors": {field: [message]}}
    return _json(400, json.dumps(doc).encode())


def unavailable(cause: str) -> Answer:
    """503: the client (the tracker, a proxy's retry) should send the same event again later."""
    doc = {"message": f"Event not stored, try again later: {cause}"}
    return _json(503, json.dumps(doc).encode(), [("Retry-After", str(RETRY_AFTER_SECONDS))])


def too_large() -> Answer:
    return bad_request("body", f"must be at most {MAX_BODY_BYTES} bytes")


@bp.route(PATH, methods=["OPTIONS"])
def preflight():
    return Response(status=204, headers=CORS_HEADERS)


@bp.post(PATH)
def event():
    service = current_app.extensions["clearanalytics.ingest"]
    if (request.content_length or 0) > MAX_BODY_BYTES:
        service.outcomes.invalid("body")
        status, headers, body = too_large()
    else:
        status, headers, body = answer(
            service,
            request.stream.read(MAX_BODY_BYTES + 1),
            request.remote_addr,
            request.headers.get("X-Forwarded-For"),
            request.headers.get("User-Agent", ""),
            request.headers.get("Accept-Language"),
        )
    return Response(body, status=status, headers=headers)


_REASONS = {202: "202 Accepted", 204: "204 No Content", 400: "400 Bad Request", 503: "503 Service Unavailable"}


class IngestFastPath:
    """WSGI middleware in front of Flask: POST and OPTIONS /api/event without the Flask machinery."""

    def __init__(self, service, wsgi_app: Callable):
        self.service = service
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if environ.get("PATH_INFO") != PATH or method not in ("POST", "OPTIONS"):
            return self.wsgi_app(environ, start_response)
        if method == "OPTIONS":
            start_response(_REASONS[204], list(CORS_HEADERS))
            return [b""]
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        if length > MAX_BODY_BYTES:
            self.service.outcomes.invalid("body")
            status, headers, body = too_large()
        else:
            stream = environ["wsgi.input"]
            raw = stream.read(length) if length >= 0 else stream.read(MAX_BODY_BYTES + 1)
            status, headers, body = answer(
                self.service,
                raw,
                environ.get("REMOTE_ADDR"),
                environ.get("HTTP_X_FORWARDED_FOR"),
                environ.get("HTTP_USER_AGENT", ""),
                environ.get("HTTP_ACCEPT_LANGUAGE"),
            )
        start_response(_REASONS[status], headers)
        return [body]
