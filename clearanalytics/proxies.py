"""What a request looks like from the client's side when a trusted reverse proxy stands in front.

Behind a TLS proxy the app sees plain HTTP from the proxy's address; the proxy says what the client
used in X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-For. Those headers are believed only when
the peer is one of the `trusted_proxies` (anyone else could send them). This module is the one rule:
ingest (the visitor hash), the dashboard (Secure cookies, login throttling, the tracking snippet), HSTS
and the API (the Power BI script's and the OpenAPI document's base URL) all ask here, and waitress is
told to pass the headers through untouched (`WAITRESS_OPTIONS`) so that they reach this rule at all.
"""

from __future__ import annotations

import ipaddress
import re

from flask import Flask, current_app, request

from clearanalytics.config import ConfigError
from clearanalytics.ingest.visitors import Network, client_ip, parse_trusted_proxies

PROXIES_KEY = "clearanalytics.trusted_proxies"
# host, host:port, [v6]:port; nothing else may come from a header into a URL we hand out
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?")


# waitress 3 deletes every X-Forwarded-* header unless its own `trusted_proxy` (one address or '*')
# matches the peer; its translation would also rewrite REMOTE_ADDR from a different rule than ours
# (a hop count, not a CIDR allowlist). So waitress keeps its hands off and `trusted_proxies` decides.
WAITRESS_OPTIONS = {"clear_untrusted_proxy_headers": False}
HSTS = "max-age=31536000"


def init_app(app: Flask) -> tuple[Network, ...]:
    """Load the allowlist once (ingest's fast path reads it from the app too) and add HSTS to HTTPS answers."""
    proxies = load_trusted_proxies(app)
    app.after_request(add_hsts)
    return proxies


def add_hsts(response):
    """Strict-Transport-Security on every response the client received over HTTPS (directly or via a proxy)."""
    if request_is_https():
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def load_trusted_proxies(app: Flask) -> tuple[Network, ...]:
    """Parse `trusted_proxies` once per app; a bad entry is a ConfigError at startup, naming it."""
    existing = app.extensions.get(PROXIES_KEY)
    if existing is not None:
        return existing
    try:
        proxies = parse_trusted_proxies(app.config.get("TRUSTED_PROXIES"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    app.extensions[PROXIES_KEY] = proxies
    return proxies


def trusted_proxies() -> tuple[Network, ...]:
    proxies = current_app.extensions.get(PROXIES_KEY)
    return proxies if proxies is not None else load_trusted_proxies(current_app)


def from_trusted_proxy() -> bool:
    """Whether this request's peer is a configured trusted proxy."""
    try:
        peer = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(peer in network for network in trusted_proxies())


def _first(header: str) -> str:
    return (request.headers.get(header) or "").split(",")[0].strip()


def request_is_https() -> bool:
    """HTTPS directly, or X-Forwarded-Proto: https from a configured trusted proxy (never from anyone else)."""
    if request.is_secure:
        return True
    return _first("X-Forwarded-Proto").lower() == "https" and from_trusted_proxy()


def public_host() -> str:
    """The host (and port) the client asked for: X-Forwarded-Host from a trusted proxy, else the Host header."""
    forwarded = _first("X-Forwarded-Host")
    if forwarded and _HOST.fullmatch(forwarded) and from_trusted_proxy():
        return forwarded
    return request.host


def public_url_root() -> str:
    """The app's root URL as the client sees it, without a trailing slash, e.g. https://stats.example.com."""
    return f"{'https' if request_is_https() else 'http'}://{public_host()}{request.script_root}"


def client_address() -> str:
    """The client's IP: the peer, or the X-Forwarded-For hop a trusted proxy vouches for.

    The same `client_ip` that ingest's fast path applies to the raw WSGI environ, with the same list.
    """
    return client_ip(request.remote_addr, request.headers.get("X-Forwarded-For"), trusted_proxies()) or "unknown"
