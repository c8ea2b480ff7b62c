"""Serving the tracker script, `GET /js/script.js`, to every site that embeds it.

The script is read once per process and answered from memory: browsers revalidate it
with the strong ETag (a hash of its bytes, so a new release changes it), an unchanged copy
costs a 304, and clients that accept gzip get the precompressed bytes (the size budget of
the tracker is its gzipped size). Any origin may load it, hence the open CORS header.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, current_app, request

bp = Blueprint("tracker", __name__)

SCRIPT_NAME = "script.js"
CACHE_CONTROL = "public, max-age=3600"


@dataclass(frozen=True)
class Asset:
    """One representation of the script: its bytes and the strong ETag naming them."""

    body: bytes
    etag: str


@dataclass(frozen=True)
class TrackerScript:
    plain: Asset
    gzipped: Asset

    @classmethod
    def load(cls, path: Path) -> TrackerScript:
        body = path.read_bytes()
        digest = hashlib.sha256(body).hexdigest()[:32]
        # mtime=0 keeps the gzip bytes (and so their ETag) identical across restarts.
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        return cls(plain=Asset(body, digest), gzipped=Asset(packed, digest + "-gz"))


def tracker_script() -> TrackerScript:
    """The app's script, loaded on first use and kept for the life of the process."""
    script = current_app.extensions.get("clearanalytics.tracker")
    if script is None:
        script = TrackerScript.load(Path(current_app.static_folder) / SCRIPT_NAME)
        current_app.extensions["clearanalytics.tracker"] = script
    return script


@bp.get("/js/script.js")
def script_js() -> Response:
    script = tracker_script()
    wants_gzip = request.accept_encodings["gzip"] > 0
    asset = script.gzipped if wants_gzip else script.plain
    response = Response(asset.body, mimetype="application/javascript")
    if wants_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.set_etag(asset.etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Access-Control-Allow-Origin"] = "*"
    # Answers 304 (no body) when If-None-Match names this ETag.
    return response.make_conditional(request)
