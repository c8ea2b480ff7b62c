"""What one web request shares across faces: the database, its own read cursor, and the clock.

Every blueprint (api, mcp, dashboard, chat, metrics) reads these from here, so none of them
imports the application factory or another face to reach them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from typing import Any

from flask import current_app, g, has_app_context

from clearanalytics.db import Database
from clearanalytics.invalidation import freshness


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


# Account rows (tokens, memberships, sites) read per request, kept until the accounts' next commit.
# The embedded DuckDB file: one process writes it and every write commits through Database.transaction,
# which moves db.write_version, so a revoked token or a changed site is seen by the very next request.
# PostgreSQL accounts shared by several nodes: the version also moves when another node's commit is heard,
# and a value is kept STALE_AFTER_SECONDS at most (clearanalytics.invalidation). A commit racing a lookup
# leaves the value tagged with the version before it, which the next lookup ignores. Per-request lookups
# cost as much as a report otherwise.
_UNTIL_WRITE: dict[tuple, tuple[int, float, Any]] = {}
_UNTIL_WRITE_GUARD = threading.Lock()
UNTIL_WRITE_MAX = 2048


def until_next_write(key: Hashable, compute: Callable[[], Any], *, keep: Callable[[Any], bool] = bool) -> Any:
    """compute(), remembered per (database, key) until the next commit; a value is kept only if keep(value)."""
    namespace, version, ttl = freshness(get_db())
    full_key = (namespace, key)
    found = _UNTIL_WRITE.get(full_key)
    if found is not None and found[0] == version and (ttl is None or time.monotonic() - found[1] < ttl):
        return found[2]
    read_at = 0.0 if ttl is None else time.monotonic()  # before the read: the bound counts from it
    value = compute()
    if keep(value):
        with _UNTIL_WRITE_GUARD:
            if len(_UNTIL_WRITE) >= UNTIL_WRITE_MAX:
                _UNTIL_WRITE.clear()
            _UNTIL_WRITE[full_key] = (version, read_at, value)
    return value


def kept_in_request(key: Hashable, compute: Callable[[], Any], *, keep: Callable[[Any], bool] = bool) -> Any:
    """`until_next_write` inside a request (an app context); outside one (a CLI command, a script) compute() each
    time, as no commit there would tell the value apart from a stale one."""
    return until_next_write(key, compute, keep=keep) if has_app_context() else compute()
