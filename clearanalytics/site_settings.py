"""Changing a site's settings, and forgetting in the same transaction what the old ones implied.

A site's rollups are kept by local day, so a new timezone moves every day they were built for:
they are dropped with the change (ingest.store.invalidate_site_rollups) and rebuilt on the next ask.
This sits above both accounts (the site's row) and stats (its rollups), so that accounts never
imports stats, which reads accounts' sites: one direction, no cycle.
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
from clearanalytics.ingest.store import invalidate_site_rollups


def update_site(
    cur: duckdb.DuckDBPyConnection,
    site: Site,
    *,
    domain: str | None = None,
    timezone: str | None = None,
    currency: str | None = None,
) -> Site:
    """The site with the given settings changed (validated as accounts.create_site does)."""
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
        invalidate_site_rollups(cur, site.id)
    return new
