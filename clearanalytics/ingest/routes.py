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


@bp.after_request
def _cors(response: Response) -> Response:
    response.headers.update(CORS_HEADERS)
    return response


def _bad_request(field: str, message: str) -> tuple[Response, int]:
    return jsonify(message=f"{field} {message}", errors={field: [message]}), 400


@bp.route("/api/event", methods=["OPTIONS"])
def preflight():
    return Response(status=204)


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
        response = jsonify({})
        response.headers["X-ClearAnalytics-Dropped"] = outcome.dropped
    else:
        response = jsonify({"id": outcome.id} if outcome.id else {})
    response.status_code = 202
    return response
