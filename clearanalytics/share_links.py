"""Shared links: a read-only public view of one site's dashboard, for a client who has no account.

A link is `/share/<id>.<secret>`: the id finds the row, the secret proves the holder was given the
link; only a SHA-256 of the secret is stored (as for API tokens), so a copy of the database opens no
link. The secret is an HMAC of the id under the app's secret key (`link_secret`), so the settings page
can show a link's URL again without the database holding it; a changed secret key leaves the old links
unshowable (and still working: they are checked against the stored hash) until they are revoked.
An optional password is stored as the users' passwords are (werkzeug scrypt). A link names its
site, and its tenant is the site's; it is live while it is unrevoked and its site exists (checked on
every lookup, so removing the site kills its links however it was removed).

`panels` limits what the view shows and which data routes it answers: None is every panel, else a set
of ids from `panel_ids()` (the registry's table panels and the fixed widgets). `embed_origins` are the
origins that may frame the view (`Content-Security-Policy: frame-ancestors`); none by default.
`allow_chat` lets the view show the chat, which answers from the link's site and panels only (off by default).

Every function takes a cursor, written in the SQL both accounts stores read (DuckDB and PostgreSQL).
"""

from __future__ import annotations

import base64
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from werkzeug.security import check_password_hash, generate_password_hash

from clearanalytics.accounts import AccountError, Site, hash_secret
from clearanalytics.db import new_id, utcnow
from clearanalytics.stats import registry

FIXED_WIDGETS = (
    ("kpis", "Key figures"),
    ("chart", "Visitors and pageviews chart"),
    ("realtime", "Realtime and current visitors"),
    ("ecommerce", "E-commerce figures and chart"),
    ("locations", "Locations (map, countries, regions, cities)"),
    ("properties", "Custom properties"),
)
_WIDGET_OF = {f"widgets/{widget}.html": widget for widget, _title in FIXED_WIDGETS}
_EXTRA_REPORTS = {"comparison": "kpis", "current-visitors": "realtime", "properties": "properties"}
MAX_NAME = 100
MAX_ORIGINS = 20
MIN_PASSWORD = 8
_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(?::[0-9]{1,5})?$")
_COLUMNS = (
    "l.id, s.tenant_id, l.site_id, l.name, l.password_hash, l.panels, l.embed_origins, l.created_at, l.revoked_at,"
    " l.allow_chat"
)
_FIELDS = 10  # the columns of _COLUMNS, which _row reads


@dataclass(frozen=True)
class SharedLink:
    id: str
    tenant_id: str
    site_id: str
    name: str
    password_hash: str | None
    panels: frozenset[str] | None  # None: every panel
    embed_origins: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None
    allow_chat: bool = False  # its visitors may ask the chat, about its site and panels only (chat/share.py)

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def shows(self, panel_id: str) -> bool:
        return self.panels is None or panel_id in self.panels


def panel_ids() -> list[tuple[str, str]]:
    """(id, title) of everything a link may show: the fixed widgets, then the registry's table panels."""
    tables = [(panel.id, panel.title) for group in ("main", "ecommerce") for _report, panel in registry.panels(group)]
    return list(FIXED_WIDGETS) + tables


def report_panel(report: str) -> str | None:
    """The panel id whose widget asks for `report` on the analytics page; None for a report no panel shows."""
    if report in _EXTRA_REPORTS:
        return _EXTRA_REPORTS[report]
    found = registry.REPORTS.get(report)
    if found is None:
        return None
    if isinstance(found.panel, registry.Panel):
        return found.panel.id
    return _WIDGET_OF.get(found.panel or "")


def link_secret(signing_key: str | bytes, link_id: str) -> str:
    """The URL secret of link `link_id`: an HMAC-SHA256 under the app's secret key, 32 URL-safe characters."""
    key = signing_key.encode() if isinstance(signing_key, str) else signing_key
    digest = hmac.new(key, f"shared-link:{link_id}".encode(), "sha256").digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:32]


def url_key(signing_key: str | bytes, link: SharedLink, secret_hash: str) -> str | None:
    """The URL key `<id>.<secret>` of a link, or None when the secret key changed since it was made."""
    secret = link_secret(signing_key, link.id)
    return f"{link.id}.{secret}" if hmac.compare_digest(hash_secret(secret), secret_hash) else None


def _row(row: tuple) -> SharedLink:
    panels = None if row[5] is None else frozenset(p for p in row[5].split(",") if p)
    origins = tuple(o for o in (row[6] or "").split(" ") if o)
    return SharedLink(row[0], row[1], row[2], row[3], row[4], panels, origins, row[7], row[8], bool(row[9]))


# --- validation -----------------------------------------------------------------------


def validate_panels(chosen: list[str] | None) -> frozenset[str] | None:
    """None (every panel) or the chosen ids, each one a known panel."""
    if chosen is None:
        return None
    known = {pid for pid, _title in panel_ids()}
    unknown = sorted(set(chosen) - known)
    if unknown:
        raise AccountError("panels", f"unknown panel {unknown[0]!r}")
    if not chosen:
        raise AccountError("panels", "choose at least one panel")
    return frozenset(chosen)


def validate_origins(raw: str) -> tuple[str, ...]:
    """Origins (scheme://host[:port], one per line or space) that may frame the view; none allowed by default."""
    origins = []
    for item in (raw or "").replace(",", " ").split():
        origin = item.strip().lower().rstrip("/")
        parts = urlsplit(origin)
        if not _ORIGIN.match(origin) or (parts.port is not None and not 0 < parts.port < 65536):
            raise AccountError("embed_origins", f"invalid origin {item!r}: expected one like https://example.com")
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        raise AccountError("embed_origins", f"at most {MAX_ORIGINS} origins")
    return tuple(origins)


# --- queries --------------------------------------------------------------------------


def create_link(
    cur,
    site: Site,
    name: str,
    signing_key: str | bytes,
    password: str | None = None,
    panels: list[str] | None = None,
    embed_origins: str = "",
    allow_chat: bool = False,
) -> tuple[SharedLink, str]:
    """Create a link to `site` and return it with its URL key `<id>.<secret>` (only the secret's hash is stored)."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise AccountError("name", f"name must be 1 to {MAX_NAME} characters")
    if password and len(password) < MIN_PASSWORD:
        raise AccountError("password", f"password must be at least {MIN_PASSWORD} characters")
    chosen = validate_panels(panels)
    origins = validate_origins(embed_origins)
    link_id, now = new_id().lower(), utcnow()
    secret = link_secret(signing_key, link_id)
    password_hash = generate_password_hash(password) if password else None
    stored_panels = None if chosen is None else ",".join(sorted(chosen))
    cur.execute(
        "INSERT INTO shared_links (id, site_id, name, secret_hash, password_hash, panels, embed_origins, created_at,"
        " revoked_at, allow_chat) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        [link_id, site.id, name, hash_secret(secret), password_hash, stored_panels, " ".join(origins), now,
         bool(allow_chat)],
    )  # fmt: skip
    link = SharedLink(link_id, site.tenant_id, site.id, name, password_hash, chosen, origins, now, None, allow_chat)
    return link, f"{link_id}.{secret}"


def list_links(cur, tenant_id: str, signing_key: str | bytes) -> list[tuple[SharedLink, str | None]]:
    """The tenant's links with their URL keys (None: not showable, see link_secret), live first, newest first."""
    rows = cur.execute(
        f"SELECT {_COLUMNS}, l.secret_hash FROM shared_links l JOIN sites s ON s.id = l.site_id WHERE s.tenant_id = ?"
        " ORDER BY l.revoked_at IS NOT NULL, l.id DESC",
        [tenant_id],
    ).fetchall()
    return [(link, url_key(signing_key, link, r[_FIELDS])) for r in rows for link in (_row(r[:_FIELDS]),)]


def revoke_link(cur, link_id: str, tenant_id: str) -> SharedLink:
    """Revoke a link of this tenant (AccountError for another tenant's or an unknown one)."""
    row = cur.execute(
        f"SELECT {_COLUMNS} FROM shared_links l JOIN sites s ON s.id = l.site_id WHERE l.id = ? AND s.tenant_id = ?",
        [link_id, tenant_id],
    ).fetchone()
    if row is None:
        raise AccountError("id", f"unknown shared link {link_id!r}")
    if row[8] is None:  # revoked_at
        cur.execute("UPDATE shared_links SET revoked_at = ? WHERE id = ?", [utcnow(), link_id])
    return _row(row)


def verify_key(cur, key: str) -> tuple[SharedLink, Site] | None:
    """The live link that URL key `key` names, with its site; None for unknown, malformed or revoked alike."""
    link_id, sep, secret = (key or "").partition(".")
    if not sep or not link_id or not secret or len(key) > 200:
        return None
    row = cur.execute(
        f"SELECT {_COLUMNS}, l.secret_hash, s.id, s.tenant_id, s.domain, s.timezone, s.currency FROM shared_links l"
        " JOIN sites s ON s.id = l.site_id WHERE l.id = ?",
        [link_id],
    ).fetchone()
    if row is None or not hmac.compare_digest(row[_FIELDS], hash_secret(secret)):
        return None
    link = _row(row[:_FIELDS])
    if link.revoked_at is not None:
        return None
    return link, Site(*row[_FIELDS + 1 : _FIELDS + 6])


def check_password(link: SharedLink, password: str) -> bool:
    return link.password_hash is not None and check_password_hash(link.password_hash, password or "")


def password_mark(link: SharedLink) -> str:
    """What an unlock cookie carries: a digest of the password hash, so that a new password locks old cookies."""
    return hash_secret(link.password_hash or "")[:32]
