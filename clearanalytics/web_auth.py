"""Who is asking and what they may read: the one auth layer of every face.

- Bearer tokens (/api/v1, /mcp, /metrics): `request_token()` finds the request's live token once;
  `require_token(ability)` answers 401 (with a Bearer challenge) or 403, in the same words on
  every face. A token lives while it is unrevoked AND its user is still a member of its tenant
  (checked on every request), so no removal, however it was done, leaves a working token.
- Browser sessions (dashboard, chat): `session_user()` (the signed cookie AND its row on the
  server, sessions.py), the CSRF check, and `member(role)` / `require_member(role)`: 401 without a
  live session, 400 for a state-changing request without the session's CSRF token, 404 for a
  tenant the user is not a member of (the same as one that does not exist, so URLs reveal
  nothing), 403 for a role below the one needed.
- Sites: `resolve_sites(cur, tenant_id, domain)`, with the one domain rule (accounts.domain_key:
  case, scheme, path, port and `www.` forgiven). Each face decides how it refuses a domain that is
  not the tenant's: the API 403, MCP a tool error, the dashboard 404, the chat 422.

Refusals are raised as web_errors.ErrorAnswer: JSON on the machine faces and the chat, the HTML
error page on the dashboard's pages (its blueprint's handler).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

import duckdb
from flask import current_app, g, request, session

from clearanalytics import accounts, sessions
from clearanalytics.accounts import Site, Tenant, Token, User
from clearanalytics.db import utcnow
from clearanalytics.request_scope import get_cursor, get_db, kept_in_request, until_next_write
from clearanalytics.web_errors import ErrorAnswer

F = TypeVar("F", bound=Callable[..., Any])

REALM = 'Bearer realm="ClearAnalytics"'
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_MESSAGE = "CSRF token missing or invalid."
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ROLE_RANK = {"viewer": 0, "admin": 1, "owner": 2}
LAST_USED_RESOLUTION_SECONDS = 60

# --- bearer tokens ----------------------------------------------------------------------


def bearer_credentials(header: str | None) -> str | None:
    """The credentials of an `Authorization: Bearer ...` header (the scheme in any case), else None."""
    scheme, _, credentials = (header or "").partition(" ")
    credentials = credentials.strip()
    return credentials if scheme.lower() == "bearer" and credentials else None


def verify_token(cur: duckdb.DuckDBPyConnection, plaintext: str) -> Token | None:
    """The live token that `plaintext` names, or None: unknown, malformed and revoked look alike."""
    token_id, sep, secret = (plaintext or "").partition("|")
    if not sep or not token_id or not secret or len(plaintext) > 200:
        return None
    columns = ", ".join(f"t.{c.strip()}" for c in accounts.TOKEN_COLUMNS.split(","))
    row = cur.execute(
        f"SELECT {columns}, t.token_hash FROM api_tokens t"
        " JOIN memberships m ON m.tenant_id = t.tenant_id AND m.user_id = t.user_id"
        " JOIN users u ON u.id = t.user_id WHERE t.id = ?",
        [token_id],
    ).fetchone()
    if row is None or not hmac.compare_digest(row[-1], accounts.hash_secret(secret)):
        return None
    token = accounts.token_from_row(row[:-1])
    return None if token.revoked_at is not None else token


def token_for_authorization(cur: duckdb.DuckDBPyConnection, header: str | None) -> Token | None:
    """The live token an Authorization header carries, or None."""
    credentials = bearer_credentials(header)
    return verify_token(cur, credentials) if credentials else None


def request_token() -> Token | None:
    """This request's live token, looked up once: the faces and their rate limiters all ask it.

    A live token is remembered until the next commit (request_scope.until_next_write), keyed by a
    SHA-256 of its credentials so no secret is kept; unknown tokens are looked up every time."""
    if "auth_token" not in g:
        credentials = bearer_credentials(request.headers.get("Authorization"))
        g.auth_token = None
        if credentials:
            key = ("token", accounts.hash_secret(credentials))
            g.auth_token = until_next_write(key, lambda: verify_token(get_cursor(), credentials))
    return g.auth_token


def authenticated_token(ability: str | None = None) -> Token:
    """The request's token, carrying `ability` if one is named; else the refusal is raised.

    last_used_at is written at most once a minute per token: a write per request would
    serialise every API call behind the one writer.
    """
    token = request_token()
    if token is None:
        challenge = REALM + (', error="invalid_token"' if request.headers.get("Authorization") else "")
        raise ErrorAnswer(401, "Unauthenticated.", headers={"WWW-Authenticate": challenge})
    if "token_touched" not in g:
        g.token_touched = True
        last = token.last_used_at
        if last is None or (utcnow() - last).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
            with get_db().transaction() as cur:
                cur.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [utcnow(), token.id])
    g.token = token
    if ability is not None and not token.can(ability):
        raise ErrorAnswer(403, f"This token lacks the {ability} ability.")
    return token


def require_token(ability: str | None = None) -> Callable[[F], F]:
    """Route decorator: the view runs with `g.token` set, or the request gets 401/403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            authenticated_token(ability)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


# --- browser sessions and CSRF ----------------------------------------------------------


def session_user() -> User | None:
    """The user of this request's session while the session lives on the server; else None.

    A cookie whose server-side session has ended (logout, password change, removal, idle
    expiry) is cleared, so the browser also forgets it. Looked up once per request.
    """
    if "session_user" not in g:
        g.session_user = _live_session_user()
    return g.session_user


def _live_session_user() -> User | None:
    user_id = session.get("user_id")
    if not user_id:
        return None
    cur = get_cursor()
    sid = session.get("sid")
    live = sessions.lookup(cur, sid, current_app.permanent_session_lifetime)
    user = accounts.get_user_by_id(cur, user_id) if live is not None and live.user_id == user_id else None
    if user is None:
        session.clear()
        return None
    if live.needs_touch():
        with get_db().transaction() as wcur:
            sessions.touch(wcur, sid)
    return user


def csrf_token() -> str:
    """The session's CSRF token (synchroniser pattern), created on first use: the login form needs one too."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok() -> bool:
    """Whether the request carries the session's token, in the form or the X-CSRF-Token header."""
    expected = session.get("csrf")
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    return bool(expected) and hmac.compare_digest(str(sent), str(expected))


class CsrfRefused(ErrorAnswer):
    """A state-changing request without the session's CSRF token (400)."""

    def __init__(self) -> None:
        super().__init__(400, CSRF_MESSAGE)


def check_csrf() -> None:
    """The one CSRF rule: every request but GET, HEAD and OPTIONS carries the session's token."""
    if request.method not in SAFE_METHODS and not csrf_ok():
        raise CsrfRefused()


# --- memberships ------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A session user's membership of the tenant named in the URL."""

    user: User
    tenant: Tenant
    role: str


def role_at_least(needed: str, role: str | None) -> bool:
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[needed]


def member(role: str = "viewer") -> Member:
    """The session user's membership of the URL's <tenant>, with at least `role`; else the refusal.

    Checked once per request (kept in g): session (401), CSRF (400), membership (404), role (403).
    """
    found: Member | None = g.get("member")
    if found is None:
        user = session_user()
        if user is None:
            raise ErrorAnswer(401, "Unauthenticated.")
        check_csrf()
        cur = get_cursor()
        tenant = accounts.get_tenant(cur, (request.view_args or {}).get("tenant", ""))
        held = accounts.get_role(cur, tenant.id, user.id) if tenant else None
        if tenant is None or held is None:
            raise ErrorAnswer(404, "Not found.")
        found = g.member = Member(user, tenant, held)
    if not role_at_least(role, found.role):
        raise ErrorAnswer(403, f"This page needs the {role} role; yours is {found.role}.")
    return found


def require_member(role: str = "viewer") -> Callable[[F], F]:
    """Route decorator: the view runs only for a member of the URL's tenant with at least `role`."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            member(role)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


# --- sites ------------------------------------------------------------------------------


class UnknownDomain(LookupError):
    """A domain that names none of the tenant's sites (another tenant's, or nobody's)."""

    def __init__(self, domain: str, known: Iterable[str]):
        super().__init__(domain)
        self.domain = domain
        self.known = tuple(known)


def pick_site(sites: Iterable[Site], domain: str) -> Site:
    """The one of `sites` that `domain` names by accounts.domain_key; UnknownDomain if none does."""
    sites = list(sites)
    key = accounts.domain_key(domain)
    for site in sites:
        if site.domain == key:
            return site
    raise UnknownDomain(domain, (s.domain for s in sites))


def pick_sites(sites: Iterable[Site], domain: str | None) -> list[Site]:
    """All of `sites` when no domain is named; else the one site it names."""
    sites = list(sites)
    if domain is None or not domain.strip():
        return sites
    return [pick_site(sites, domain)]


def resolve_sites(cur: duckdb.DuckDBPyConnection, tenant_id: str, domain: str | None) -> list[Site]:
    """The tenant's sites a request may read: all of them, or the one `domain` names (UnknownDomain else)."""
    return pick_sites(list(tenant_sites(cur, tenant_id)), domain)


def tenant_sites(cur: duckdb.DuckDBPyConnection, tenant_id: str) -> tuple[Site, ...]:
    """All the tenant's sites; in a request, kept until the next commit (request_scope.kept_in_request)."""
    return kept_in_request(("sites", tenant_id), lambda: tuple(accounts.list_sites(cur, tenant_id)), keep=_always)


def _always(_value: Any) -> bool:
    return True


# --- what every session answer carries ----------------------------------------------------

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


def add_session_headers(response: Any) -> Any:
    """Never cached, never framed, no inline script: the dashboard's pages and the chat's answers.

    HSTS is added app-wide by clearanalytics.proxies.add_hsts.
    """
    response.headers.setdefault("Cache-Control", "no-store")
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
