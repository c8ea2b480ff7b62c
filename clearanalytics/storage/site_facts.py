"""What the event side needs to know of sites, read from the accounts side and handed over as values.

Why: an event write must drop rows of a removed site, and its rollup invalidation needs each
site's timezone (to turn UTC times into local days) and `retained_from` (days before it are final).
Those live in the accounts' `sites` table, which is in another database once the accounts move to
PostgreSQL, so no event-side statement may read it. The event side asks a `SiteFacts` instead; it
reads the accounts cursor it was given (one statement per batch of new ids, portable to both
engines) and remembers the answers for the rest of the write.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clearanalytics.db import Database

SITES_SQL = "SELECT id, timezone, retained_from FROM sites WHERE id = ANY($ids::VARCHAR[])"


class SiteFacts:
    """site id -> (timezone, retained_from) of the sites that exist, read on an accounts cursor on demand."""

    def __init__(self, accounts_cur: Any):
        self._cur = accounts_cur
        self._known: dict[str, tuple[str, date | None] | None] = {}

    def of(self, site_ids: Iterable[str]) -> dict[str, tuple[str, date | None]]:
        """The facts of those of `site_ids` that exist (a removed site is simply absent)."""
        wanted = list(dict.fromkeys(site_ids))
        missing = [s for s in wanted if s not in self._known]
        if missing:
            rows = self._cur.execute(SITES_SQL, {"ids": missing}).fetchall()
            found = {site_id: (timezone, retained_from) for site_id, timezone, retained_from in rows}
            for site_id in missing:
                self._known[site_id] = found.get(site_id)
        return {s: facts for s in wanted if (facts := self._known.get(s)) is not None}


def facts_on(accounts_cur: Any, sites: SiteFacts | None) -> SiteFacts:
    """`sites` if given, else facts read on `accounts_cur`: the caller's cursor, when the accounts share
    its database (the embedded DuckDB file), so that old callers holding one cursor keep working."""
    return sites if sites is not None else SiteFacts(accounts_cur)


@contextmanager
def accounts_reading(events: Database, accounts: Database | None, within: Any) -> Iterator[Any]:
    """The cursor to read the accounts on during an event write on `within` (a cursor of `events`).

    The same database (the embedded file): `within` itself, so the accounts are read in the write's
    own transaction, as before the split. Another database: a reading cursor of it, opened inside
    the event write, so it sees every accounts commit made before the write's transaction began
    (deletion.py's removal relies on that order)."""
    if accounts is None or accounts is events:
        yield within
    else:
        with accounts.reading() as cur:
            yield cur
