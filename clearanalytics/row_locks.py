"""Holding the row a new row will refer to, against a removal committing on another node at that moment."""

from __future__ import annotations

import duckdb


def held_row(cur: duckdb.DuckDBPyConnection, sql: str, params: list) -> tuple | None:
    """The row `sql` selects, held until this transaction ends: what a new row will refer to.

    Why: on PostgreSQL (READ COMMITTED) another node may be deleting that row at this moment. FOR SHARE
    makes that delete wait for this transaction (and a removal deletes parents before the rows that refer
    to them, deletion.py, so it then sees and deletes the new row too), or makes this read wait for the
    delete and find nothing (the creation is refused). Either way no row is left referring to a removed
    one. DuckDB runs one writer at a time in one process: a plain read.
    """
    if not isinstance(cur, duckdb.DuckDBPyConnection):
        sql += " FOR SHARE"
    return cur.execute(sql, params).fetchone()
