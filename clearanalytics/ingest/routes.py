"""POST /api/event: the public, unauthenticated, CORS-open ingest endpoint.

It always answers fast: 202 once the event is spooled (with the pageview's id), 202 with
`X-ClearAnalytics-Dropped: <reason>` when the event is valid but not stored, and 400
naming the field for a client mistake. Nothing a client sends can cause a 500.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, request

from clearanalytics.ingest.payload import MAX_BODY_BYTES, PayloadError
from clearanalytics.ingest.visitors import client_ip

bp = Blueprint("ingest", __name__)
log = logging.getLogger(__name__)

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "86400",
}


# Answers are built by hand (no jsonify, no after_request hook): this route is the hot path.
_JSON_HEADERS = [("Content-Type", "application/json"), *CORS_HEADERS.items()]
_EMPTY = b"{}"


def _answer(body: bytes, dropped: str | None = None) -> Response:
    headers = _JSON_HEADERS if dropped is None else [*_JSON_HEADERS, ("X-ClearAnalytics-Dropped", dropped)]
    return Response(body, status=202, headers=headers)


def _bad_request(field: str, message: str) -> Response:
    response = jsonify(message=f"{field} {message}", errors={field: [message]})
    response.status_code = 400
    response.headers.update(CORS_HEADERS)
    return response


@bp.route("/api/event", methods=["OPTIONS"])
def preflight():
    return Response(status=204, headers=list(CORS_HEADERS.items()))


@bp.post("/api/event")
def event():
    service = current_app.extensions["clearanalytics.ingest"]
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return _bad_request("body", f"must be at most {MAX_BODY_BYTES} bytes")
    body = request.stream.read(MAX_BODY_BYTES + 1)
    ip = client_ip(request.remote_addr, request.headers.get("X-Forwarded-For"), service.trusted_proxies)
    try:
        outcome = service.ingest(
            body, ip, request.headers.get("User-Agent", ""), request.headers.get("Accept-Language")
        )
    except PayloadError as exc:
        return _bad_request(exc.field, str(exc))
    if outcome.dropped:
        return _answer(_EMPTY, outcome.dropped)
    if outcome.id:
        return _answer(b'{"id":"' + outcome.id.encode() + b'"}')  # a ULID needs no escaping
    return _answer(_EMPTY)
