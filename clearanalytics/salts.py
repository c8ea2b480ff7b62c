"""The daily visitor-hash salts: one per site and local day, created once however many nodes ask.

Why here and in this form: one visitor must be one visitor whichever node served them, so every
node must hash with the same salt, and two nodes asking for a new day's salt at the same moment
must not each store their own. `INSERT ... ON CONFLICT DO NOTHING` followed by a read gives that
on both engines: under DuckDB's one writer there is never a conflict; on PostgreSQL (READ
COMMITTED) the second insert waits for the first transaction, does nothing, and the read that
follows, a new statement, sees the committed row. A read-then-insert would have let both insert
(or failed one of them on the key).
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any


def load_or_create(cur: Any, site_id: str, day: date, forget_before: date) -> bytes:
    """The salt of (site, day), stored now if it did not exist; salts of days before `forget_before` go.

    `cur` is a write transaction's cursor (a DuckDB `Database.transaction()` or a PgDatabase one).
    """
    cur.execute("DELETE FROM salts WHERE site_id = ? AND day < ?", [site_id, forget_before])
    cur.execute(
        "INSERT INTO salts VALUES (?, ?, ?) ON CONFLICT (site_id, day) DO NOTHING",
        [site_id, day, os.urandom(32).hex()],
    )
    row = cur.execute("SELECT salt FROM salts WHERE site_id = ? AND day = ?", [site_id, day]).fetchone()
    return bytes.fromhex(row[0])
