"""Session filters: `filter[props.NAME]=VALUE` and `filter[goal]=GOAL_ID` as predicates on pageviews.

Why session-level: a custom property is carried by a custom event and a goal is completed by a session,
not by a pageview, so these filters keep the pageviews of the sessions with such an event (or
completion) in the query's ranges, as a pageview filter keeps the sessions with a matching pageview
(prelude.py `fsessions`). Both read the raw events table inside each site's own range.

The property's name and value are user data: both are bound parameters, never SQL text. DuckDB reads a
value with a JSON pointer (`/NAME`, `~` and `/` escaped as RFC 6901 says), ClickHouse with the key
itself. An empty value (`filter[props.plan]=`) keeps the sessions with a custom event that does not
carry the property, as an empty pageview filter matches a missing value.
"""

from __future__ import annotations

from typing import Any

from clearanalytics.stats.query import GOAL_FILTER, PROPS_PREFIX, Filter

# ClickHouse's `FROM` of the events (goal completions) of the query's sites in range: the store's
# clickhouse_sql.relations puts the database and the range predicate in place of these tokens.
CH_EVENTS = "__CH_EVENTS_IN_RANGE__"
CH_GOALS = "__CH_GOALS_IN_RANGE__"


def json_pointer(name: str) -> str:
    """The RFC 6901 pointer to the top-level key `name` (DuckDB's json_extract_string reads it)."""
    return "/" + name.replace("~", "~0").replace("/", "~1")


def duckdb_clause(flt: Filter, index: int) -> tuple[str, dict[str, Any]]:
    """The DuckDB predicate on `pv`'s rows for one session filter, with its bound parameters."""
    in_range = (
        "JOIN ranges r ON e.site_id = r.site_id WHERE e.created_at >= r.range_start AND e.created_at < r.range_end"
        " AND e.created_at >= $scan_from AND e.created_at < $scan_to"
    )
    if flt.dimension == GOAL_FILTER:
        sessions = f"SELECT e.site_id, e.session_hash FROM goal_completions e {in_range} AND e.goal_id = $f{index}"
        return f"(site_id, session_hash) IN ({sessions})", {f"f{index}": flt.value}
    params: dict[str, Any] = {f"k{index}": json_pointer(flt.dimension[len(PROPS_PREFIX) :])}
    value = "IS NULL"
    if flt.value is not None:
        params[f"f{index}"] = flt.value
        value = f"= $f{index}"
    extracted = f"json_extract_string(e.props, $k{index})"
    sessions = f"SELECT e.site_id, e.session_hash FROM events e {in_range} AND {extracted} {value}"
    return f"(site_id, session_hash) IN ({sessions})", params


def clickhouse_clause(flt: Filter, index: int) -> tuple[str, dict[str, Any]]:
    """The ClickHouse predicate for one session filter (clickhouse_sql.relations fills CH_EVENTS/CH_GOALS)."""
    if flt.dimension == GOAL_FILTER:
        sessions = f"SELECT site_id, session_hash FROM {CH_GOALS} AND goal_id = {{f{index}:String}}"
        return f"(site_id, session_hash) IN ({sessions})", {f"f{index}": flt.value}
    params: dict[str, Any] = {f"k{index}": flt.dimension[len(PROPS_PREFIX) :]}
    value = "IS NULL"
    if flt.value is not None:
        params[f"f{index}"] = flt.value
        value = f"= {{f{index}:String}}"
    extracted = f"JSONExtract(props, {{k{index}:String}}, 'Nullable(String)')"
    sessions = f"SELECT site_id, session_hash FROM {CH_EVENTS} AND {extracted} {value}"
    return f"(site_id, session_hash) IN ({sessions})", params
