"""What a report record is: the types the registry (stats/registry.py) is written in.

A record names the report (the path after /api/v1/stats/, also the dashboard's data route),
the SQL file or function that computes it, its parameters, the fields of its rows with their
JSON types and descriptions, its shape, its labels, and the faces that carry it. The API routes
(api/stats.py), the OpenAPI paths and schemas (api/openapi_paths.py), the dashboard's data
routes and table panels, and the MCP output schemas read REPORTS; stats/runner.py answers every
record the same way, so that changes and zero-filled buckets are written once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clearanalytics.stats.query import Query

# Shapes: what the runner does with the SQL rows (stats/runner.py).
TOTALS = "totals"  # one object; each metric with `change` also gets `<metric>_change` against query.previous()
ROWS = "rows"  # a ranked list of rows, as the SQL orders and limits them
FILLED = "filled"  # every key of Fill.keys present, missing ones with zero metrics
COMPUTED = "computed"  # a Python function (cur, query) -> data; for reports that combine several queries

RELATIVE = "relative"  # change in percent of the previous value
POINT = "point"  # change of a rate in percentage points

# JSON Schema of each field type; "change" fields are generated from the metrics that declare one.
TYPES: dict[str, dict[str, Any]] = {
    "int": {"type": "integer", "minimum": 0},
    "number": {"type": "number"},
    "number?": {"type": ["number", "null"]},
    "string": {"type": "string"},
    "string?": {"type": ["string", "null"]},
    "boolean": {"type": "boolean"},
    "hour": {"type": "integer", "minimum": 0, "maximum": 23},
    "change": {"type": ["number", "null"]},
}
ZERO = {"int": 0, "number": 0.0}  # the value of a metric in a filled (empty) bucket
CHANGE_TEXT = "Change against the preceding period; null when that was 0."


@dataclass(frozen=True)
class Field:
    """One field of a report's row: its JSON type and meaning (OpenAPI and MCP describe it from here)."""

    name: str
    type: str  # a key of TYPES
    description: str
    change: str | None = None  # RELATIVE or POINT: a TOTALS metric that gets a `<name>_change` field
    enum: tuple[str, ...] = ()

    def schema(self) -> dict[str, Any]:
        schema = dict(TYPES[self.type]) | {"description": self.description}
        if self.enum:
            schema["enum"] = list(self.enum)
        return schema


@dataclass(frozen=True)
class Fill:
    """Zero-filling for a FILLED report: which keys must all be present, and their final order."""

    field: str  # the output field holding the key ("date", "hour", "channel")
    keys: Callable[[Query, set], list]  # (query, keys found) -> every key, in order
    column: str = ""  # the SQL column with the key; default `field`
    label: Callable[[Any], Any] = lambda value: value  # SQL value -> key
    order: Callable[[dict], Any] | None = None  # a sort key for the filled rows; None keeps `keys` order

    @property
    def buckets(self) -> bool:
        """The SQL groups by time bucket ({bucket}: a local day, or the UTC hour for 24h)."""
        return self.column == "bucket"


@dataclass(frozen=True)
class Panel:
    """A dashboard table panel (templates/widgets/_table.html): element id #w-<id>, heading, columns.

    columns: (field, heading, format, filter dimension or None); format is text, int, money, pct or duration.
    group: "main" (the grid under the chart) or "ecommerce" (shown when the site has e-commerce events).
    """

    id: str
    title: str
    columns: tuple[tuple[str, str, str, str | None], ...]
    position: int
    group: str = "main"
    empty: str = "No data for this period."
    hide_zero: bool = False
    secondary: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """One report, and every face that carries it."""

    name: str  # the API path after /api/v1/stats/ and the dashboard's data/<name>
    sql: str  # rollup_sql.COMBINE[sql] or engine.SINGLE's stats/sql/<sql>.sql; also stats.<sql>(cur, query)
    summary: str  # one line: OpenAPI summary and docs
    fields: tuple[Field, ...]  # the row (or the object, for TOTALS) before any *_change field
    shape: str = ROWS
    row: Callable[[dict], dict] | None = None  # SQL row -> output row; None: the SQL columns as they are
    fill: Fill | None = None
    compute: Callable[..., Any] | None = None  # COMPUTED reports
    limit: bool = False  # takes `limit` (1-100, default 10)
    periodic: bool = True  # takes period/from/to
    required: tuple[tuple[str, str], ...] = ()  # (name, description): query parameters the API route requires
    # labels: for summaries, chat answers and panel headings
    title: str = ""
    noun: str = ""  # one row is a ... ("page")
    label_field: str = ""  # the field that names a row
    metric: str = ""  # the main metric (ranking)
    # faces
    api: bool = True  # GET /api/v1/stats/<name>; False: engine, dashboard and MCP only (not in the reference)
    extension: bool = False  # an API route beyond the reference (docs/API.md says so)
    panel: Panel | str | None = None  # a table panel, or the template of a bespoke widget
    mcp: tuple[str, str] | None = None  # (tool name, key of structuredContent) that carries the rows
    chat: str | None = None  # the chat's facet (chat/answers.py)

    def __call__(self, cur: Any, query: Query) -> Any:
        """The report's `data` for `query` (stats/runner.py answers every record by its shape)."""
        from clearanalytics.stats.runner import answer  # the runner imports these types

        return answer(self, cur, query)

    @property
    def changes(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.change)

    def output_fields(self) -> tuple[Field, ...]:
        """Every field of the output, *_change fields generated after the metrics."""
        return self.fields + tuple(Field(f"{f.name}_change", "change", CHANGE_TEXT) for f in self.changes)

    def row_schema(self) -> dict[str, Any]:
        """JSON Schema of one row (the object itself for TOTALS): closed, every field present."""
        fields = self.output_fields()
        return {
            "type": "object",
            "properties": {f.name: f.schema() for f in fields},
            "required": [f.name for f in fields],
            "additionalProperties": False,
        }

    def data_schema(self) -> dict[str, Any]:
        """JSON Schema of the API's `data` (and of the MCP section that carries the rows)."""
        if self.shape == TOTALS:
            return self.row_schema()
        return {"type": "array", "items": self.row_schema()}

    @property
    def path(self) -> str:
        return f"/stats/{self.name}"
