"""The relations every report reads, as named parts with declared dependencies.

A statement is composed from the relations its report body declares it reads: `with_clause(reads, ...)`
keeps those and, transitively, the ones they read, in the order of RELATIONS (dependencies first).
DuckDB parses and binds every CTE of a statement, used or not, and a rollup answer's own work is
small, so leaving out what a statement does not read is worth it. Nothing here looks at SQL text to
find dependencies: each Relation names them, and tests/test_onedef.py checks the declarations
against the texts.

- `ranges`: one row per site of the query (site_id, tz, range_start, range_end in UTC);
- `pv`: the pageviews of those sites inside their ranges, plus `tz` and `referrer_host`;
- `fpv`: `pv` narrowed by the query's filters (engine.compile_filters: allowlisted columns, bound values);
- `fsessions`: the (site_id, session_hash) pairs that have a pageview in `fpv`;
- `spv`: every pageview in range of those sessions (all of `pv` when there are no filters);
- `ev`, `ec`, `gc`: custom events, e-commerce events and goal completions in range, of `fsessions`
  when filters are set;
- `purchases`: the purchases of `ec` in the site's own currency (the only ones with money figures);
- `clock`: each site's UTC offset per quarter hour of its range (UTC offsets and DST changes all fall
  on quarter hours): converting a few thousand quarter hours and joining is about three times faster
  than converting every row's timestamp;
- `lpv`, `lpurchases`: `fpv` and `purchases` with `local_time`, the site's wall-clock time;
- `dpv`, `dspv`, `dpurchases`, `dec`, `dgc`, `dev`: `fpv`, `spv`, `purchases`, `ec`, `gc` and `ev` with `day`,
  the time part a row is summed in (see GRAINS): the site's local day (with `local_time`) for the
  rollups, the UTC hour for the 24h time series, or none (NULL) when the report does not group by
  time; daily_sql.PART_KEYS says which keys a daily query groups by at each grain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Relation:
    name: str
    reads: tuple[str, ...]
    sql: str


_RANGES = """
    SELECT unnest($site_ids::VARCHAR[]) AS site_id,
           unnest($timezones::VARCHAR[]) AS tz,
           unnest($range_starts::TIMESTAMP[]) AS range_start,
           unnest($range_ends::TIMESTAMP[]) AS range_end"""

_PV = """
    SELECT p.*, r.tz,
           CASE
               WHEN p.referrer IS NULL OR p.referrer = '' OR p.referrer_source = 'direct' THEN NULL
               WHEN p.referrer LIKE '%://%'
                   THEN lower(regexp_extract(p.referrer, '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)', 1))
               ELSE p.referrer
           END AS referrer_host
    FROM pageviews p JOIN ranges r ON p.site_id = r.site_id
    WHERE p.created_at >= r.range_start AND p.created_at < r.range_end
      AND p.created_at >= $scan_from AND p.created_at < $scan_to"""

_CLOCK = """
    SELECT r.site_id, q AS quarter,
           (epoch_us(timezone(r.tz, timezone('UTC', make_timestamp(q * 900000000)))) - q * 900000000)
               // 1000000 AS offset_seconds
    FROM ranges r, range(epoch_us(r.range_start) // 900000000, (epoch_us(r.range_end) + 899999999) // 900000000) t(q)"""

SESSION_FILTER = "AND (e.site_id, e.session_hash) IN (SELECT site_id, session_hash FROM fsessions)"
SESSION_FILTER_PV = "WHERE (site_id, session_hash) IN (SELECT site_id, session_hash FROM fsessions)"


def _in_range(table: str, session_filter: str) -> str:
    """Rows of `table` of the query's sites inside their ranges (the scan bounds let DuckDB skip row groups)."""
    return f"""
    SELECT e.*, r.tz FROM {table} e JOIN ranges r ON e.site_id = r.site_id
    WHERE e.created_at >= r.range_start AND e.created_at < r.range_end
      AND e.created_at >= $scan_from AND e.created_at < $scan_to {session_filter}"""


def _local(relation: str, extra: str = "") -> str:
    """`relation` with its rows' local wall-clock time, from the quarter-hour `clock`."""
    return f"""
    SELECT f.*, f.created_at + to_seconds(c.offset_seconds) AS local_time{extra}
    FROM {relation} f JOIN clock c ON f.site_id = c.site_id AND epoch_us(f.created_at) // 900000000 = c.quarter"""


# How a row's part (`day`) is computed, per grain: the part is what a report's daily rows are
# grouped by before its combine step sums them (rollup_sql.py says why such sums are exact).
GRAINS = ("day", "days", "local", "hour", "site", "whole")


def _parts(grain: str, filtered: bool, predicate: str) -> list[Relation]:
    if grain in ("day", "days", "local"):  # local days per site, per day for all sites, or local time only
        day = ", (f.created_at + to_seconds(c.offset_seconds))::DATE AS day"
        return [
            Relation("dpv", ("lpv",), "\n    SELECT *, local_time::DATE AS day FROM lpv"),
            # without filters spv is fpv: the sessions' rows share dpv (and its clock join)
            Relation("dspv", ("spv", "clock"), _local("spv", day))
            if filtered
            else Relation("dspv", ("dpv",), "\n    SELECT * FROM dpv"),
            Relation("dpurchases", ("lpurchases",), "\n    SELECT *, local_time::DATE AS day FROM lpurchases"),
            Relation("dec", ("ec", "clock"), _local("ec", day)),
            Relation("dgc", ("gc", "clock"), _local("gc", day)),
            Relation("dev", ("ev", "clock"), _local("ev", day)),
        ]
    # No local time: the part relations are their sources (plus the UTC hour for 24h buckets), and
    # dpv filters pv itself, so a whole-range statement has no more relations than a plain query.
    hour = ", date_trunc('hour', created_at) AS day" if grain == "hour" else ""
    sources = {"dspv": "spv" if filtered else "pv", "dpurchases": "purchases", "dec": "ec", "dgc": "gc", "dev": "ev"}
    return [
        Relation("dpv", ("pv",), f"\n    SELECT *{hour} FROM pv WHERE {predicate}"),
        *(Relation(name, (source,), f"\n    SELECT *{hour} FROM {source}") for name, source in sources.items()),
    ]


@cache
def relations(predicate: str, filtered: bool, grain: str) -> tuple[Relation, ...]:
    """Every relation, dependencies first. `predicate` is engine.compile_filters' text: allowlisted
    column names and `$f<n>` parameters only, so caching by it holds a handful of texts."""
    session_filter = SESSION_FILTER if filtered else ""
    return (
        Relation("ranges", (), _RANGES),
        Relation("pv", ("ranges",), _PV),
        Relation("fpv", ("pv",), f"\n    SELECT * FROM pv WHERE {predicate}"),
        Relation("fsessions", ("fpv",), "\n    SELECT DISTINCT site_id, session_hash FROM fpv"),
        Relation("spv", ("pv", "fsessions"), f"\n    SELECT * FROM pv {SESSION_FILTER_PV}")
        if filtered
        else Relation("spv", ("pv",), "\n    SELECT * FROM pv"),
        Relation("ev", ("ranges", "fsessions") if filtered else ("ranges",), _in_range("events", session_filter)),
        Relation(
            "ec", ("ranges", "fsessions") if filtered else ("ranges",), _in_range("ecommerce_events", session_filter)
        ),
        Relation(
            "gc", ("ranges", "fsessions") if filtered else ("ranges",), _in_range("goal_completions", session_filter)
        ),
        Relation("purchases", ("ec",), "\n    SELECT * FROM ec WHERE event_type = 'purchase' AND in_site_currency"),
        Relation("clock", ("ranges",), _CLOCK),
        Relation("lpv", ("fpv", "clock"), _local("fpv")),
        Relation("lpurchases", ("purchases", "clock"), _local("purchases")),
        *_parts(grain, filtered, predicate),
    )


NAMES = frozenset(r.name for r in relations("TRUE", False, "day"))


@cache
def with_clause(reads: frozenset[str], predicate: str = "TRUE", filtered: bool = False, grain: str = "day") -> str:
    """`name AS (...)` for every relation in `reads` and what they read, comma-separated, in order."""
    unknown = reads - NAMES
    if unknown:
        raise ValueError(f"unknown prelude relations: {sorted(unknown)}")
    ordered = relations(predicate, filtered, grain)
    needed = set(reads)
    for relation in reversed(ordered):
        if relation.name in needed:
            needed.update(relation.reads)
    return ",\n".join(f"{r.name} AS ({r.sql}\n)" for r in ordered if r.name in needed)


def statement(reads: Iterable[str], ctes: list[str], body: str, **options) -> str:
    """A whole statement: the prelude relations `reads` needs, then `ctes` (already `name AS (...)`), then
    `body` as the relation `report`, selected whole (an ORDER BY ... LIMIT inside it is kept)."""
    parts = [with_clause(frozenset(reads), **options)] if reads else []
    parts += ctes + [f"report AS (\n{body.strip()}\n)"]
    return "WITH " + ",\n".join(p for p in parts if p) + "\nSELECT * FROM report"
