"""The dashboard's own defences: login throttling and the session cookie.

Sessions are Flask's signed cookies (itsdangerous, keyed by the app's secret key), HttpOnly and
SameSite=Lax always, and Secure whenever the request itself came over HTTPS, so that one
install works both on plain localhost and behind a TLS proxy (clearanalytics/proxies.py says
which proxies are believed). The CSRF rule and the security headers are shared with the chat:
they live in clearanalytics.web_auth.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from flask.sessions import SecureCookieSessionInterface

from clearanalytics.proxies import request_is_https  # the scheme the client used (trusted proxies only)


class DashboardSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the Secure flag following the request's scheme."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request_is_https()


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
