"""What one web request shares across faces: the database, its own read cursor, and the clock.

Every blueprint (api, mcp, dashboard, chat, metrics) reads these from here, so none of them
imports the application factory or another face to reach them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, g

from clearanalytics.db import Database


def get_db() -> Database:
    return current_app.extensions["clearanalytics.db"]


def get_cursor():
    """The request's own read cursor, opened on first use and closed at teardown (close_cursor)."""
    if "db_cursor" not in g:
        g.db_cursor = get_db().cursor()
    return g.db_cursor


def close_cursor(_exc: BaseException | None = None) -> None:
    cur = g.pop("db_cursor", None)
    if cur is not None:
        cur.close()


def now() -> datetime:
    """The clock periods are resolved against: naive UTC now, or the NOW config key (tests pin it)."""
    fixed = current_app.config.get("NOW")
    if fixed is None:
        return datetime.now(UTC).replace(tzinfo=None)
    if isinstance(fixed, str):
        fixed = datetime.fromisoformat(fixed.replace("Z", "+00:00"))
    return fixed.astimezone(UTC).replace(tzinfo=None) if fixed.tzinfo else fixed
