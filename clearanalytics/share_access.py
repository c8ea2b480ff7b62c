"""Who may use a shared link in this request: the checks that the shared view and the shared chat both make.

Both faces (dashboard/shared.py, chat/share.py) reach a link by its URL key alone, so the rules live
here, on shared ground, once: the live link (looked up again on every request and kept only until the
next commit, so a revoke answers 404 at the very next request), the unlock cookie of a password link
(a signed [link id, password mark], valid for UNLOCK_SECONDS, set by the view's password form), and
whether the link's chat is open (the link allows it and its tenant's plan has the chat).
"""

from __future__ import annotations

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from clearanalytics import accounts, share_links
from clearanalytics.accounts import Site, hash_secret
from clearanalytics.request_scope import get_cursor, until_next_write
from clearanalytics.web_errors import ErrorAnswer

UNLOCK_SECONDS = 12 * 3600  # how long a good password opens the link in that browser


def live_link(key: str) -> tuple[share_links.SharedLink, Site]:
    """The live link `key` names and its site, or 404 (unknown, revoked and malformed look alike)."""
    found = until_next_write(
        ("shared-link", hash_secret(key)),  # no secret kept as a key
        lambda: share_links.verify_key(get_cursor(), key),
        keep=lambda value: value is not None,
    )
    if found is None:
        raise ErrorAnswer(404, "Not found.")
    return found


def signer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def cookie_name(link: share_links.SharedLink) -> str:
    """The unlock cookie's name: one per link, so that opening one link opens no other."""
    return f"ca_share_{link.id}"


def unlocked(link: share_links.SharedLink) -> bool:
    """Whether this browser may see the link: it has no password, or the request carries its unlock cookie."""
    if not link.has_password:
        return True
    raw = request.cookies.get(cookie_name(link), "")
    try:
        found = signer("share-unlock").loads(raw, max_age=UNLOCK_SECONDS)
    except BadSignature:
        return False
    return found == [link.id, share_links.password_mark(link)]


def chat_open(link: share_links.SharedLink) -> bool:
    """Whether the link's visitors get the chat: the link allows it and its tenant's plan includes the chat
    (the dashboard's rule, chat.routes.chat_enabled); a plan changed to free closes it at the next request."""
    if not link.allow_chat:
        return False
    tenant = until_next_write(
        ("tenant", link.tenant_id), lambda: accounts.get_tenant_by_id(get_cursor(), link.tenant_id)
    )
    return tenant is not None and tenant.plan in accounts.AI_PLANS


def chat_token(link: share_links.SharedLink) -> str:
    """The token the shared page's chat sends in X-CSRF-Token: the link's id, signed. The page has no session to
    bind a token to; a header is what another site's form cannot send, and the signature what it cannot forge."""
    return signer("share-chat").dumps(link.id)


def chat_token_ok(link: share_links.SharedLink, raw: str) -> bool:
    try:
        return signer("share-chat").loads(raw or "", max_age=UNLOCK_SECONDS) == link.id
    except BadSignature:
        return False
