"""The runner under every report: loads a report's .sql file, adds the shared prelude, binds parameters.

Each report's SQL lives in `stats/sql/<function name>.sql` and reads from a few relations
that the prelude defines, so the time range, the timezone and the filters are written once:

- `ranges`: one row per site of the query (site_id, tz, range_start, range_end in UTC);
- `pv`: the pageviews of those sites inside their ranges, plus `tz` and `referrer_host`;
- `fpv`: `pv` narrowed by the query's filters (compiled here from the allowlist in query.py);
- `fsessions`: the (site_id, session_hash) pairs that have a pageview in `fpv`;
- `spv`: every pageview in range of those sessions (all of `pv` when there are no filters);
- `ev`, `ec`: custom events and e-commerce events in range, of `fsessions` when filters are set;
- `purchases`: the purchases of `ec` in the site's own currency (the only ones with money figures);
- `lpv`, `lpurchases`: `fpv` and `purchases` with `local_time`, the site's wall-clock time. It
  comes from `clock`, each site's UTC offset per quarter hour of its range (UTC offsets and DST
  changes all fall on quarter hours), because converting a few thousand quarter hours and
  joining is about three times faster than converting every row's timestamp.

Only fixed fragments are composed in code: the filter predicate (column names from the
allowlist, values as bound parameters), the session filters that apply it to events, and the
time-bucket expression. No request string ever becomes SQL text.
Rounding helpers live here too, so every report rounds the same way (half up).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from clearanalytics.stats.query import Query, SiteRange

SQL_DIR = Path(__file__).resolve().parent / "sql"

PRELUDE = """
WITH ranges AS (
    SELECT unnest($site_ids::VARCHAR[]) AS site_id,
           unnest($timezones::VARCHAR[]) AS tz,
           unnest($range_starts::TIMESTAMP[]) AS range_start,
           unnest($range_ends::TIMESTAMP[]) AS range_end
),
pv AS (
    SELECT p.*, r.tz,
           CASE
               WHEN p.referrer IS NULL OR p.referrer = '' OR p.referrer_source = 'direct' THEN NULL
               WHEN p.referrer LIKE '%://%'
                   THEN lower(regexp_extract(p.referrer, '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)', 1))
               ELSE p.referrer
           END AS referrer_host
    FROM pageviews p JOIN ranges r ON p.site_id = r.site_id
    WHERE p.created_at >= r.range_start AND p.created_at < r.range_end
      AND p.created_at >= $scan_from AND p.created_at < $scan_to
),
fpv AS (
    SELECT * FROM pv WHERE {filters}
),
fsessions AS (
    SELECT DISTINCT site_id, session_hash FROM fpv
),
spv AS (
    SELECT * FROM pv {session_filter_pv}
),
ev AS (
    SELECT e.*, r.tz FROM events e JOIN ranges r ON e.site_id = r.site_id
    WHERE e.created_at >= r.range_start AND e.created_at < r.range_end
      AND e.created_at >= $scan_from AND e.created_at < $scan_to {session_filter_e}
),
ec AS (
    SELECT e.*, r.tz FROM ecommerce_events e JOIN ranges r ON e.site_id = r.site_id
    WHERE e.created_at >= r.range_start AND e.created_at < r.range_end
      AND e.created_at >= $scan_from AND e.created_at < $scan_to {session_filter_e}
),
purchases AS (
    SELECT * FROM ec WHERE event_type = 'purchase' AND in_site_currency
),
clock AS (
    SELECT r.site_id, q AS quarter,
           (epoch_us(timezone(r.tz, timezone('UTC', make_timestamp(q * 900000000)))) - q * 900000000)
               // 1000000 AS offset_seconds
    FROM ranges r, range(epoch_us(r.range_start) // 900000000, (epoch_us(r.range_end) + 899999999) // 900000000) t(q)
),
lpv AS (
    SELECT f.*, f.created_at + to_seconds(c.offset_seconds) AS local_time
    FROM fpv f JOIN clock c ON f.site_id = c.site_id AND epoch_us(f.created_at) // 900000000 = c.quarter
),
lpurchases AS (
    SELECT f.*, f.created_at + to_seconds(c.offset_seconds) AS local_time
    FROM purchases f JOIN clock c ON f.site_id = c.site_id AND epoch_us(f.created_at) // 900000000 = c.quarter
),
report AS (
{report}
)
SELECT * FROM report
"""

SESSION_FILTER = "AND (e.site_id, e.session_hash) IN (SELECT site_id, session_hash FROM fsessions)"
SESSION_FILTER_PV = "WHERE (site_id, session_hash) IN (SELECT site_id, session_hash FROM fsessions)"

# Time buckets (read from lpv or lpurchases): the local calendar day of the event's own site, or
# the UTC hour for the 24h period. Labels are formatted in Python (see bucket_label).
DAY_BUCKET = "local_time::DATE"
HOUR_BUCKET = "date_trunc('hour', created_at)"
LOCAL_HOUR = "hour(local_time)"

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


@cache
def load_sql(name: str) -> str:
    """The text of `sql/<name>.sql`; names come from code, never from a request."""
    return (SQL_DIR / f"{name}.sql").read_text()


def compile_filters(query: Query) -> tuple[str, dict[str, Any]]:
    """The WHERE predicate for `fpv`: column names from the allowlist, values bound as $f0, $f1, ..."""
    clauses, params = [], {}
    for index, flt in enumerate(query.filters):
        column = flt.column  # a KeyError here means a Filter bypassed parse_filters: a bug, not input
        if flt.value is None:
            clauses.append(f"{column} IS NULL")
        else:
            params[f"f{index}"] = flt.value
            clauses.append(f"{column} = $f{index}")
    return (" AND ".join(clauses) or "TRUE"), params


def compose(query: Query, report: str, *, bucket: bool = False) -> tuple[str, dict[str, Any]]:
    """The full SQL text of one report for `query`, and the filter parameters it needs."""
    predicate, params = compile_filters(query)
    body = load_sql(report)
    if bucket:
        body = body.replace("{bucket}", HOUR_BUCKET if query.hourly else DAY_BUCKET)
    body = body.replace("{local_hour}", LOCAL_HOUR)
    return with_prelude(body, predicate, filtered=bool(query.filters)), params


@cache
def with_prelude(body: str, predicate: str = "TRUE", *, filtered: bool = False) -> str:
    """PRELUDE around a report body; `predicate` from compile_filters (the rollups pass no filters).

    Only the prelude relations the body needs (directly or through another relation) are kept:
    DuckDB parses and binds every CTE of a statement, used or not, and a rollup answer's own work
    is small, so per-statement planning is a large share of it. Cached: the texts come from a few
    fixed fragments, and a filter predicate names only columns and bound parameters."""

    def fill(text: str) -> str:
        return (
            text.replace("{filters}", predicate)
            .replace("{session_filter_e}", SESSION_FILTER if filtered else "")
            .replace("{session_filter_pv}", SESSION_FILTER_PV if filtered else "")
        )

    text, body = fill(PRELUDE), fill(body)
    head, tail = text.split("report AS (\n{report}\n)", 1)
    ctes = _CTE_START.split(head.strip().removeprefix("WITH").strip().removesuffix(","))
    names = [c.split(" AS (", 1)[0].strip() for c in ctes]
    needed = _references(body)
    for name, cte in reversed(list(zip(names, ctes, strict=True))):
        if name in needed:
            needed |= _references(cte.split(" AS (", 1)[1])
    kept = [cte.strip() for name, cte in zip(names, ctes, strict=True) if name in needed]
    return "\nWITH " + "".join(f"{cte},\n" for cte in kept) + f"report AS (\n{body}\n)" + tail


# Each prelude relation starts a line with "name AS (" after the previous one's "),".
_CTE_START = re.compile(r",\n(?=[a-z_]+ AS \()")
_WORD = re.compile(r"[a-z_][a-z0-9_]*")


def _references(sql: str) -> set[str]:
    """Every identifier-like word of `sql`: a superset of the relations it reads, which is enough
    (keeping an unneeded relation only costs planning time)."""
    return set(_WORD.findall(sql.lower()))


def run(
    cur: duckdb.DuckDBPyConnection,
    query: Query,
    report: str,
    *,
    ranges: list[SiteRange] | None = None,
    bucket: bool = False,
    **extra: Any,
) -> list[dict[str, Any]]:
    """Run report `report` for `query` and return its rows as dicts.

    `ranges` replaces the query's own time ranges (current visitors looks at the last five
    minutes); `extra` supplies the report's own named parameters such as `$limit`. Long periods
    are answered from the daily rollups where they can be (stats/rollups.py), with identical rows.
    """
    if ranges is None:
        from clearanalytics.stats import rollups  # imports engine's prelude

        rows = rollups.run(cur, query, report, **extra)
        if rows is not None:
            return rows
    sql, params = compose(query, report, bucket=bucket)
    ranges = query.ranges() if ranges is None else ranges
    params |= {
        "site_ids": [r.site_id for r in ranges],
        "timezones": [r.timezone for r in ranges],
        "range_starts": [r.start for r in ranges],
        "range_ends": [r.end for r in ranges],
        "limit": query.limit,
    }
    params |= scan_bounds(ranges)
    params |= extra
    used = set(_PARAM.findall(sql))
    cur.execute(sql, {k: v for k, v in params.items() if k in used})
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


def scan_bounds(ranges: list[SiteRange]) -> dict[str, datetime]:
    """Constant bounds around all ranges: DuckDB skips row groups outside them (zone maps), which it
    cannot do from the per-site range join alone. Empty ranges give an empty interval."""
    if not ranges:
        return {"scan_from": datetime(1970, 1, 1), "scan_to": datetime(1970, 1, 1)}
    return {"scan_from": min(r.start for r in ranges), "scan_to": max(r.end for r in ranges)}


def bucket_label(value: date | datetime) -> str:
    """`2026-02-18` for a day, `2026-02-18T15:00:00Z` for a UTC hour, as Query.buckets() labels them."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:00:00Z")
    return value.isoformat()


def run_one(cur: duckdb.DuckDBPyConnection, query: Query, report: str, **kwargs: Any) -> dict[str, Any]:
    rows = run(cur, query, report, **kwargs)
    return rows[0]


# --- rounding: half up, computed from exact integers and decimals --------------------------------


def _half_up(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def percent(numerator: int | Decimal, denominator: int | Decimal) -> float:
    """numerator / denominator x 100 to one decimal; 0.0 when there is nothing to divide by."""
    if not denominator:
        return 0.0
    return float(_half_up(Decimal(numerator) * 100 / Decimal(denominator), "0.1"))


def whole(numerator: int | Decimal, denominator: int | Decimal) -> int:
    """A mean in whole units (seconds), rounded half up; 0 when empty."""
    if not denominator:
        return 0
    return int(_half_up(Decimal(numerator) / Decimal(denominator), "1"))


def money(value: int | float | Decimal | None) -> float:
    return float(_half_up(Decimal(str(value or 0)), "0.01"))


def money_ratio(numerator: Decimal | int, denominator: int) -> float:
    if not denominator:
        return 0.0
    return float(_half_up(Decimal(numerator) / Decimal(denominator), "0.01"))


def relative_change(current: float | int, previous: float | int) -> float | None:
    """Relative change in percent, of the values as shown; None when the previous value is 0."""
    if not previous:
        return None
    cur, prev = Decimal(str(current)), Decimal(str(previous))
    return float(_half_up((cur - prev) * 100 / prev, "0.1"))


def point_change(current: float, previous: float) -> float | None:
    """Change of a rate in percentage points; None when the previous rate is 0, like the counts."""
    if not previous:
        return None
    return float(_half_up(Decimal(str(current)) - Decimal(str(previous)), "0.1"))
