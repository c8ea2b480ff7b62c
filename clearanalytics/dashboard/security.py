"""The dashboard's defences: CSRF tokens, login throttling, security headers and the session cookie.

Sessions are Flask's signed cookies (itsdangerous, keyed by the app's secret key), HttpOnly and
SameSite=Lax always, and Secure whenever the request itself came over HTTPS, so that one
install works both on plain localhost and behind a TLS proxy (clearanalytics/proxies.py says
which proxies are believed). CSRF uses the synchroniser pattern: one random token per session,
required on every state-changing request, from a form field or the `X-CSRF-Token` header that
dashboard.js sends.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque

from flask import request, session
from flask.sessions import SecureCookieSessionInterface

from clearanalytics.proxies import request_is_https  # the scheme the client used (trusted proxies only)

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class DashboardSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the Secure flag following the request's scheme."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request_is_https()


def csrf_token() -> str:
    """The session's CSRF token, created on first use (the login form needs one too)."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok() -> bool:
    """Whether a state-changing request carries the session's token (constant-time compare)."""
    expected = session.get("csrf")
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    return bool(expected) and hmac.compare_digest(str(sent), str(expected))


def add_security_headers(response):
    """The dashboard's fixed headers; HSTS is added app-wide by clearanalytics.proxies.add_hsts."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


class LoginThrottle:
    """Failed logins remembered in memory, per (email, IP) and per IP.

    After `per_account` failures for one email from one address within `window` seconds,
    that pair must wait until the oldest failure leaves the window; `per_ip` bounds an
    address guessing across many emails. One process serves the app, so memory is enough;
    a restart forgets, which only ever helps a legitimate user.
    """

    def __init__(self, per_account: int = 5, per_ip: int = 20, window: float = 900.0):
        self.per_account = per_account
        self.per_ip = per_ip
        self.window = window
        self._failures: dict[tuple[str, ...], deque[float]] = {}
        self._lock = threading.Lock()

    def _keys(self, email: str, ip: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return ("account", email.strip().lower(), ip), ("ip", ip)

    def _recent(self, key: tuple[str, ...], now: float) -> deque[float]:
        stamps = self._failures.get(key)
        if stamps is None:
            return deque()
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if not stamps:
            self._failures.pop(key, None)
        return stamps

    def retry_after(self, email: str, ip: str, now: float | None = None) -> int:
        """Seconds to wait before this email may be tried again from this IP; 0 when allowed."""
        now = time.monotonic() if now is None else now
        account_key, ip_key = self._keys(email, ip)
        wait = 0.0
        with self._lock:
            for key, limit in ((account_key, self.per_account), (ip_key, self.per_ip)):
                stamps = self._recent(key, now)
                if len(stamps) >= limit:
                    wait = max(wait, stamps[len(stamps) - limit] + self.window - now)
        return max(1, int(wait) + 1) if wait > 0 else 0

    def failed(self, email: str, ip: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in self._keys(email, ip):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, email: str, ip: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(email, ip)[0], None)
