"""Server-side dashboard sessions: the signed cookie carries a random id, the database its SHA-256.

Flask's signed cookie alone cannot be taken back: a copy stays valid until it expires. So a
login also writes a row here, and a request's session counts only while its row exists.
Logout deletes that row; a password change or a member's removal deletes every row of the
user (accounts.py), which ends the user's sessions in every browser at once. A per-user
epoch would do the latter but not the former: logging out on one device would log out all.

Only the hash is stored, so a copy of the database (a backup) does not carry live sessions.
`last_seen_at` is written at most once a minute per session: a write per request would
serialise the dashboard behind the one writer.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from clearanalytics.db import utcnow

_LAST_SEEN_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class LiveSession:
    user_id: str
    created_at: datetime
    last_seen_at: datetime

    def needs_touch(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) - self.last_seen_at >= _LAST_SEEN_RESOLUTION


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()


def start(cur: duckdb.DuckDBPyConnection, user_id: str) -> str:
    """A new session of `user_id`; returns its id (for the cookie), which is never stored."""
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    cur.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)", [_hash(session_id), user_id, now, now])
    return session_id


def lookup(cur: duckdb.DuckDBPyConnection, session_id: str | None, max_idle: timedelta) -> LiveSession | None:
    """The live session `session_id` names, or None when it was ended, idled out or never existed."""
    if not session_id or not isinstance(session_id, str):
        return None
    row = cur.execute(
        "SELECT user_id, created_at, last_seen_at FROM sessions WHERE id_hash = ?", [_hash(session_id)]
    ).fetchone()
    if row is None:
        return None
    live = LiveSession(*row)
    # last_seen_at lags by up to a minute; the idle limit is counted from it generously.
    if utcnow() - live.last_seen_at > max_idle + _LAST_SEEN_RESOLUTION:
        return None
    return live


def touch(cur: duckdb.DuckDBPyConnection, session_id: str) -> None:
    cur.execute("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", [utcnow(), _hash(session_id)])


def end(cur: duckdb.DuckDBPyConnection, session_id: str | None) -> None:
    """End one session (logout)."""
    if session_id and isinstance(session_id, str):
        cur.execute("DELETE FROM sessions WHERE id_hash = ?", [_hash(session_id)])


def end_all(cur: duckdb.DuckDBPyConnection, user_id: str) -> None:
    """End every session of a user (password change, removal from a tenant)."""
    cur.execute("DELETE FROM sessions WHERE user_id = ?", [user_id])


def purge_idle(cur: duckdb.DuckDBPyConnection, max_idle: timedelta) -> None:
    """Forget sessions idle for longer than `max_idle` (their cookies have expired too)."""
    cur.execute("DELETE FROM sessions WHERE last_seen_at < ?", [utcnow() - max_idle - _LAST_SEEN_RESOLUTION])
