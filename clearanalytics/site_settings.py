"""Changing a site's settings, and forgetting what the old ones implied.

A site's rollups are kept by local day, so a new timezone moves every day they were built for:
they are dropped (the event store's `site_days_moved`) and rebuilt on the next ask. With the
accounts in the event store's database that happens in the accounts transaction itself; with the
accounts elsewhere, right after it commits (`save_site`), since the event store cannot join that
transaction. This sits above both accounts (the site's row) and stats (its rollups), so that
accounts never imports stats, which reads accounts' sites: one direction, no cycle.
"""

from __future__ import annotations

import duckdb

from clearanalytics.accounts import (
    AccountError,
    Site,
    get_site,
    normalise_domain,
    validate_currency,
    validate_timezone,
)
from clearanalytics.db import Database
from clearanalytics.ingest.store import invalidate_site_rollups
from clearanalytics.storage import EventStore


def update_site(
    cur: duckdb.DuckDBPyConnection,
    site: Site,
    *,
    domain: str | None = None,
    timezone: str | None = None,
    currency: str | None = None,
    store: EventStore | None = None,
) -> Site:
    """The site with the given settings changed (validated as accounts.create_site does).

    A timezone change drops the site's rollups in this same transaction: on `cur` (the embedded file)
    when no `store` is given, else through `store` when it shares `cur`'s database. A store on another
    database is told by `save_site` once this transaction has committed.
    """
    new_domain = normalise_domain(domain) if domain is not None else site.domain
    if new_domain != site.domain and get_site(cur, new_domain):
        raise AccountError("domain", f"site {new_domain!r} already exists")
    new = Site(
        site.id,
        site.tenant_id,
        new_domain,
        validate_timezone(timezone) if timezone is not None else site.timezone,
        validate_currency(currency) if currency is not None else site.currency,
    )
    cur.execute(
        "UPDATE sites SET domain = ?, timezone = ?, currency = ? WHERE id = ?",
        [new.domain, new.timezone, new.currency, new.id],
    )
    if new.timezone != site.timezone:
        if store is None:
            invalidate_site_rollups(cur, site.id)
        elif store.shares_accounts():
            store.site_days_moved(site.id, within=cur)
    return new


def save_site(db: Database, store: EventStore, site: Site, **changes: str | None) -> Site:
    """`update_site` in its own accounts transaction, then, when the store is elsewhere, the store told.

    After the commit, not before: a report in between would otherwise rebuild the forgotten days
    with the old timezone, and nothing would forget them again."""
    with db.transaction() as cur:
        new = update_site(cur, site, store=store, **changes)
        told = store.shares_accounts()
    if new.timezone != site.timezone and not told:
        store.site_days_moved(site.id)
    return new
