"""Tenants, sites, users, memberships, API tokens and plans: who may see what.

Every function takes a cursor so that the CLI, the dashboard and the API share one
implementation. Passwords are hashed with werkzeug's scrypt; tokens follow Laravel
Sanctum's `id|secret` shape and only a SHA-256 of the secret is stored.

Access dies with the membership: a token works only while its user is a member of its
tenant (web_auth.verify_token, the one rule of the API, its exports, MCP and /metrics), and
removing a membership also revokes the user's tokens there and ends the user's dashboard
sessions, as a password change does (sessions.py).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
from werkzeug.security import check_password_hash, generate_password_hash

from clearanalytics import sessions
from clearanalytics.db import new_id, utcnow
from clearanalytics.row_locks import held_row

PLANS = ("free", "pro", "growth", "business")
AI_PLANS = ("pro", "growth", "business")
ROLES = ("owner", "admin", "viewer")
READ_ABILITIES = ("stats:read", "export:read", "goals:read", "mcp:use")  # the default when none is named
# Provisioning (/api/v1/sites, POST and DELETE /api/v1/goals): granted only when named, so that no token made
# before them, and no token made without thinking about it, can add or remove a site or a goal.
WRITE_ABILITIES = ("sites:write", "goals:write")
ABILITIES = READ_ABILITIES + WRITE_ABILITIES  # a tenant's admins grant these
DEFAULT_ABILITIES = READ_ABILITIES
# Instance-wide (/metrics counts every tenant's traffic), so only the operator grants it, from the CLI, by name.
OPERATOR_ABILITIES = ("metrics:read",)

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class AccountError(ValueError):
    """Input that names an account object badly or a duplicate; the message says which."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Tenant:
    id: str
    slug: str
    name: str
    plan: str


@dataclass(frozen=True)
class Site:
    id: str
    tenant_id: str
    domain: str
    timezone: str
    currency: str


@dataclass(frozen=True)
class User:
    id: str
    email: str


@dataclass(frozen=True)
class Token:
    id: str
    tenant_id: str
    user_id: str
    name: str
    abilities: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def can(self, ability: str) -> bool:
        return ability in self.abilities


# --- validation -----------------------------------------------------------------------


def validate_slug(slug: str) -> str:
    if not _SLUG.match(slug or ""):
        raise AccountError("tenant", f"invalid tenant slug {slug!r}: use a-z, 0-9 and '-'")
    return slug


def validate_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not _EMAIL.match(email):
        raise AccountError("email", f"invalid email address {email!r}")
    return email


def normalise_domain(domain: str) -> str:
    value = (domain or "").strip().lower().rstrip(".")
    if value.startswith("www."):
        value = value[4:]
    if not _DOMAIN.match(value):
        raise AccountError("domain", f"invalid domain {domain!r}: expected a host name like example.com")
    return value


def domain_key(raw: str) -> str | None:
    """The site domain `raw` names, the one rule of every face: case, a scheme, a path and `www.`
    are forgiven (`https://www.Example.com/pricing` is example.com); None if it cannot be one."""
    value = (raw or "").strip().lower()
    if "://" in value:
        value = value.split("://", 1)[1]
    try:
        return normalise_domain(value.split("/", 1)[0])
    except AccountError:
        return None


def validate_timezone(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise AccountError("timezone", f"unknown timezone {tz!r}: use an IANA name like Europe/Amsterdam") from None
    return tz


def validate_currency(currency: str) -> str:
    value = (currency or "").strip().upper()
    if not _CURRENCY.match(value):
        raise AccountError("currency", f"invalid currency {currency!r}: use a 3-letter ISO 4217 code")
    return value


def validate_plan(plan: str) -> str:
    if plan not in PLANS:
        raise AccountError("plan", f"unknown plan {plan!r}: one of {', '.join(PLANS)}")
    return plan


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError("role", f"unknown role {role!r}: one of {', '.join(ROLES)}")
    return role


def validate_abilities(
    abilities: list[str] | tuple[str, ...] | None, allowed: tuple[str, ...] = ABILITIES
) -> tuple[str, ...]:
    if not abilities:
        return DEFAULT_ABILITIES
    unknown = [a for a in abilities if a not in allowed]
    if unknown:
        raise AccountError("ability", f"unknown ability {unknown[0]!r}: one of {', '.join(allowed)}")
    return tuple(dict.fromkeys(abilities))


# --- tenants --------------------------------------------------------------------------


def get_tenant(cur: duckdb.DuckDBPyConnection, slug: str) -> Tenant | None:
    row = cur.execute("SELECT id, slug, name, plan FROM tenants WHERE slug = ?", [slug]).fetchone()
    return Tenant(*row) if row else None


def get_tenant_by_id(cur: duckdb.DuckDBPyConnection, tenant_id: str) -> Tenant | None:
    row = cur.execute("SELECT id, slug, name, plan FROM tenants WHERE id = ?", [tenant_id]).fetchone()
    return Tenant(*row) if row else None


def require_tenant(cur: duckdb.DuckDBPyConnection, slug: str) -> Tenant:
    tenant = get_tenant(cur, slug)
    if tenant is None:
        raise AccountError("tenant", f"unknown tenant {slug!r}")
    return tenant


def list_tenants(cur: duckdb.DuckDBPyConnection) -> list[Tenant]:
    rows = cur.execute("SELECT id, slug, name, plan FROM tenants ORDER BY slug").fetchall()
    return [Tenant(*r) for r in rows]


def create_tenant(cur: duckdb.DuckDBPyConnection, slug: str, name: str, plan: str = "business") -> Tenant:
    validate_slug(slug)
    validate_plan(plan)
    if not (name or "").strip():
        raise AccountError("tenant-name", "tenant name must not be empty")
    if get_tenant(cur, slug):
        raise AccountError("tenant", f"tenant {slug!r} already exists")
    tenant = Tenant(new_id(), slug, name.strip(), plan)
    cur.execute(
        "INSERT INTO tenants VALUES (?, ?, ?, ?, ?)",
        [tenant.id, tenant.slug, tenant.name, tenant.plan, utcnow()],
    )
    return tenant


def update_tenant(
    cur: duckdb.DuckDBPyConnection, tenant: Tenant, *, name: str | None = None, plan: str | None = None
) -> Tenant:
    if plan is not None:
        validate_plan(plan)
    if name is not None and not name.strip():
        raise AccountError("name", "tenant name must not be empty")
    new = Tenant(tenant.id, tenant.slug, (name or tenant.name).strip(), plan or tenant.plan)
    cur.execute("UPDATE tenants SET name = ?, plan = ? WHERE id = ?", [new.name, new.plan, new.id])
    return new


# --- sites ----------------------------------------------------------------------------

_SITE_COLUMNS = "id, tenant_id, domain, timezone, currency"


def get_site(cur: duckdb.DuckDBPyConnection, domain: str) -> Site | None:
    row = cur.execute(f"SELECT {_SITE_COLUMNS} FROM sites WHERE domain = ?", [domain]).fetchone()
    return Site(*row) if row else None


def list_sites(cur: duckdb.DuckDBPyConnection, tenant_id: str | None = None) -> list[Site]:
    if tenant_id is None:
        rows = cur.execute(f"SELECT {_SITE_COLUMNS} FROM sites ORDER BY domain").fetchall()
    else:
        rows = cur.execute(
            f"SELECT {_SITE_COLUMNS} FROM sites WHERE tenant_id = ? ORDER BY domain", [tenant_id]
        ).fetchall()
    return [Site(*r) for r in rows]


def create_site(
    cur: duckdb.DuckDBPyConnection, tenant: Tenant, domain: str, timezone: str = "UTC", currency: str = "EUR"
) -> Site:
    domain = normalise_domain(domain)
    timezone = validate_timezone(timezone)
    currency = validate_currency(currency)
    if get_site(cur, domain):
        raise AccountError("domain", f"site {domain!r} already exists")
    if held_row(cur, "SELECT id FROM tenants WHERE id = ?", [tenant.id]) is None:  # being removed on another node
        raise AccountError("tenant", f"unknown tenant {tenant.slug!r}")
    site = Site(new_id(), tenant.id, domain, timezone, currency)
    cur.execute(
        "INSERT INTO sites (id, tenant_id, domain, timezone, currency, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [site.id, site.tenant_id, site.domain, site.timezone, site.currency, utcnow()],
    )
    return site


# --- users and memberships ------------------------------------------------------------


def get_user(cur: duckdb.DuckDBPyConnection, email: str) -> User | None:
    row = cur.execute("SELECT id, email FROM users WHERE email = ?", [email.strip().lower()]).fetchone()
    return User(*row) if row else None


def get_user_by_id(cur: duckdb.DuckDBPyConnection, user_id: str) -> User | None:
    row = cur.execute("SELECT id, email FROM users WHERE id = ?", [user_id]).fetchone()
    return User(*row) if row else None


def require_user(cur: duckdb.DuckDBPyConnection, email: str) -> User:
    user = get_user(cur, validate_email(email))
    if user is None:
        raise AccountError("email", f"unknown user {email!r}")
    return user


def create_user(cur: duckdb.DuckDBPyConnection, email: str, password: str) -> User:
    email = validate_email(email)
    if len(password or "") < 8:
        raise AccountError("password", "password must be at least 8 characters")
    if get_user(cur, email):
        raise AccountError("email", f"user {email!r} already exists")
    user = User(new_id(), email)
    cur.execute(
        "INSERT INTO users VALUES (?, ?, ?, ?)",
        [user.id, user.email, generate_password_hash(password), utcnow()],
    )
    return user


def set_password(cur: duckdb.DuckDBPyConnection, user: User, password: str) -> None:
    if len(password or "") < 8:
        raise AccountError("password", "password must be at least 8 characters")
    cur.execute("UPDATE users SET password_hash = ? WHERE id = ?", [generate_password_hash(password), user.id])
    sessions.end_all(cur, user.id)  # whoever knew the old password is logged out everywhere


def authenticate(cur: duckdb.DuckDBPyConnection, email: str, password: str) -> User | None:
    row = cur.execute(
        "SELECT id, email, password_hash FROM users WHERE email = ?", [(email or "").strip().lower()]
    ).fetchone()
    if row is None:
        # Hash anyway so that unknown emails take as long as wrong passwords.
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(row[2], password or ""):
        return None
    return User(row[0], row[1])


# werkzeug's scrypt hash of "not-a-password" (its default cost, as generate_password_hash makes them), written
# out rather than computed at import: computing it cost every process 0.4 s (each CLI command, server start).
_DUMMY_HASH = (
    "scrypt:32768:8:1$rlvdoQ00l2IebB9i$cd5fdd7bd05ec050101ae6c7bade59131ec29aeed9152aeada5745c9574bd582b9e7363e72f3f0"
    "7aa105501d2b1730aaf9530ab076f03f845f5ee05157074347"
)


def get_role(cur: duckdb.DuckDBPyConnection, tenant_id: str, user_id: str) -> str | None:
    row = cur.execute(
        "SELECT role FROM memberships WHERE tenant_id = ? AND user_id = ?", [tenant_id, user_id]
    ).fetchone()
    return row[0] if row else None


def set_membership(cur: duckdb.DuckDBPyConnection, tenant: Tenant, user: User, role: str) -> None:
    validate_role(role)
    if held_row(cur, "SELECT id FROM tenants WHERE id = ?", [tenant.id]) is None:
        raise AccountError("tenant", f"unknown tenant {tenant.slug!r}")
    if held_row(cur, "SELECT id FROM users WHERE id = ?", [user.id]) is None:
        raise AccountError("email", f"unknown user {user.email!r}")
    # One statement, not look-then-insert: two nodes sharing PostgreSQL accounts may add the same member at once.
    cur.execute(
        "INSERT INTO memberships VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, user_id) DO UPDATE"
        " SET role = excluded.role",
        [tenant.id, user.id, role, utcnow()],
    )


def remove_membership(cur: duckdb.DuckDBPyConnection, tenant: Tenant, user: User) -> None:
    """Remove the user from the tenant, revoke their tokens there and end all their sessions."""
    cur.execute("DELETE FROM memberships WHERE tenant_id = ? AND user_id = ?", [tenant.id, user.id])
    revoke_user_tokens(cur, tenant.id, user.id)
    sessions.end_all(cur, user.id)


def user_tenants(cur: duckdb.DuckDBPyConnection, user_id: str) -> list[tuple[Tenant, str]]:
    rows = cur.execute(
        "SELECT t.id, t.slug, t.name, t.plan, m.role FROM memberships m JOIN tenants t ON t.id = m.tenant_id "
        "WHERE m.user_id = ? ORDER BY t.slug",
        [user_id],
    ).fetchall()
    return [(Tenant(*r[:4]), r[4]) for r in rows]


def tenant_members(cur: duckdb.DuckDBPyConnection, tenant_id: str) -> list[tuple[User, str]]:
    rows = cur.execute(
        "SELECT u.id, u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id "
        "WHERE m.tenant_id = ? ORDER BY u.email",
        [tenant_id],
    ).fetchall()
    return [(User(r[0], r[1]), r[2]) for r in rows]


# --- API tokens -----------------------------------------------------------------------

TOKEN_COLUMNS = "id, tenant_id, user_id, name, abilities, created_at, last_used_at, revoked_at"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_from_row(row: tuple) -> Token:
    return Token(row[0], row[1], row[2], row[3], tuple(row[4]), row[5], row[6], row[7])


def create_token(
    cur: duckdb.DuckDBPyConnection,
    tenant: Tenant,
    user: User,
    name: str,
    abilities: list[str] | tuple[str, ...] | None = None,
    operator: bool = False,
) -> tuple[Token, str]:
    """Create a token and return it with its plaintext, which is never stored or shown again.

    `operator` (the CLI, run by whoever holds the data dir) may also grant OPERATOR_ABILITIES.
    """
    if not (name or "").strip():
        raise AccountError("name", "token name must not be empty")
    membership = "SELECT role FROM memberships WHERE tenant_id = ? AND user_id = ?"
    if held_row(cur, membership, [tenant.id, user.id]) is None:  # held: the member may be being removed elsewhere
        raise AccountError("email", f"user {user.email!r} is not a member of tenant {tenant.slug!r}")
    chosen = validate_abilities(abilities, ABILITIES + OPERATOR_ABILITIES if operator else ABILITIES)
    token_id = new_id()
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    cur.execute(
        "INSERT INTO api_tokens VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
        [token_id, tenant.id, user.id, name.strip(), hash_secret(secret), list(chosen), now],
    )
    return Token(token_id, tenant.id, user.id, name.strip(), chosen, now, None, None), f"{token_id}|{secret}"


def list_tokens(cur: duckdb.DuckDBPyConnection, tenant_id: str | None = None) -> list[Token]:
    where, params = ("WHERE tenant_id = ?", [tenant_id]) if tenant_id else ("", [])
    rows = cur.execute(f"SELECT {TOKEN_COLUMNS} FROM api_tokens {where} ORDER BY id", params).fetchall()
    return [token_from_row(r) for r in rows]


def get_token(cur: duckdb.DuckDBPyConnection, token_id: str) -> Token | None:
    row = cur.execute(f"SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = ?", [token_id]).fetchone()
    return token_from_row(row) if row else None


def revoke_token(cur: duckdb.DuckDBPyConnection, token_id: str, tenant_id: str | None = None) -> Token:
    token = get_token(cur, token_id)
    if token is None or (tenant_id is not None and token.tenant_id != tenant_id):
        raise AccountError("id", f"unknown token {token_id!r}")
    if token.revoked_at is None:
        cur.execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", [utcnow(), token_id])
    return get_token(cur, token_id)


def revoke_user_tokens(cur: duckdb.DuckDBPyConnection, tenant_id: str, user_id: str) -> None:
    """Revoke every live token of a user in a tenant (the user is leaving it)."""
    cur.execute(
        "UPDATE api_tokens SET revoked_at = ? WHERE tenant_id = ? AND user_id = ? AND revoked_at IS NULL",
        [utcnow(), tenant_id, user_id],
    )
