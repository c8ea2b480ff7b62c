"""`clearanalytics rollups`: build the daily rollups ahead of the first long-period query.

Queries build missing days on their own (stats/rollups.py); after a large import, or before
opening the dashboard on years of history, building them here saves that first wait.
"""

from __future__ import annotations

from pathlib import Path

from clearanalytics import accounts
from clearanalytics.cli import data_dir_option, database, info, main
from clearanalytics.db import utcnow
from clearanalytics.storage import store_of


@main.command("rollups")
@data_dir_option
def rollups_command(data_dir: Path) -> None:
    """Build the daily rollups of every site's last two years (closed days only)."""
    from clearanalytics.stats import rollups

    with database(data_dir) as db, db.reading() as cur:
        if store_of(db).name != "duckdb":  # the rollups are the DuckDB store's own (docs/STORAGE.md)
            info(f"rollups: the {store_of(db).name} event store keeps no daily rollups; nothing to build")
            return
        sites = accounts.list_sites(cur)
        built = rollups.warm(cur, sites, utcnow()) if sites else 0
    info(f"rollups: {built} site-day summaries built for {len(sites)} site(s)")
