"""Power BI: the EDM-typed schema of each export table, and a Power Query M script that loads them.

The M script reads each table through the CSV export with the bearer token in a header,
follows the cursor page by page, and types every column from the same definitions as the
schema. All five tables are fields of one record, evaluated lazily, so only the table
named on the last line is fetched; the user changes that name to load another one.
"""

from __future__ import annotations

from clearanalytics.exports.columns import ROUTE_SEGMENTS, TABLES, Column
from clearanalytics.stats.exports import MAX_EXPORT_LIMIT

EDM_TYPES = {
    "string": "Edm.String",
    "integer": "Edm.Int64",
    "decimal": "Edm.Decimal",
    "float": "Edm.Double",
    "boolean": "Edm.Boolean",
    "timestamp": "Edm.DateTimeOffset",
    "json": "Edm.String",  # JSON text in the CSV export
    "record": "Edm.String",  # JSON text in the CSV export
}

M_TYPES = {
    "string": "type text",
    "integer": "Int64.Type",
    "decimal": "type number",
    "float": "type number",
    "boolean": "type logical",
    "timestamp": "type datetimezone",
    "json": "type text",
    "record": "type text",
}

TOKEN_PLACEHOLDER = "YOUR_API_TOKEN"


def powerbi_schema() -> dict[str, list[dict]]:
    """{"pageviews": [{"name", "type", "nullable"}, ...], ...} with EDM types."""
    return {
        table: [{"name": c.name, "type": EDM_TYPES[c.kind], "nullable": c.nullable} for c in columns]
        for table, columns in TABLES.items()
    }


def m_text(value: str) -> str:
    """An M text literal: double quotes, with embedded quotes doubled."""
    return '"' + value.replace('"', '""') + '"'


def _m_list(items: list[str]) -> str:
    return "{" + ", ".join(items) + "}"


def _typed_table(table: str, columns: tuple[Column, ...]) -> str:
    """One table's field: its pages, empty cells of nullable columns as null, then the types."""
    source = f"Export({m_text('export/' + ROUTE_SEGMENTS[table])})"
    nullable = [m_text(c.name) for c in columns if c.nullable]
    if nullable:
        source = f'Table.ReplaceValue({source}, "", null, Replacer.ReplaceValue, {_m_list(nullable)})'
    types = _m_list([_m_list([m_text(c.name), M_TYPES[c.kind]]) for c in columns])
    return (
        f"        {table} = Table.TransformColumnTypes(\n"
        f"            {source},\n"
        f"            {types},\n"
        f'            "en-US"\n'
        f"        )"
    )


SCRIPT_HEAD = """// ClearAnalytics export for Power BI (Power Query M).
// 1. Power BI Desktop: Get Data, Blank Query, Advanced Editor; paste this whole script.
// 2. Replace YOUR_API_TOKEN below with an API token that has the export:read ability.
// 3. Change the table name on the last line to load another table:
//    pageviews, goals, goal_completions, ecommerce_events or events.
let
    BaseUrl = {base_url},
    // Optional date range in each site's timezone, as YYYY-MM-DD; empty means the last 30 days.
    FromDate = "",
    ToDate = "",
    // Optional: one site's domain; empty means every site of the token's tenant.
    Domain = "",
    PageSize = {page_size},
    Filters = (if FromDate = "" then [] else [from = FromDate])
        & (if ToDate = "" then [] else [to = ToDate])
        & (if Domain = "" then [] else [domain = Domain]),
    // One page of an export as text columns; after is the last id of the previous page.
    ExportPage = (path as text, after as nullable text) as table =>
        let
            Params = [format = "csv", limit = Text.From(PageSize)]
                & Filters
                & (if after = null then [] else [cursor = after]),
            Response = Web.Contents(
                BaseUrl,
                [RelativePath = path, Query = Params, Headers = [Authorization = "Bearer YOUR_API_TOKEN"]]
            ),
            Rows = Csv.Document(Response, [Delimiter = ",", Encoding = 65001, QuoteStyle = QuoteStyle.Csv]),
            Promoted = Table.PromoteHeaders(Rows, [PromoteAllScalars = true])
        in
            Promoted,
    // Every page of an export, following the cursor until a page comes back short.
    Export = (path as text) as table =>
        let
            Pages = List.Generate(
                () => ExportPage(path, null),
                (page) => page <> null,
                (page) => if Table.RowCount(page) < PageSize then null else ExportPage(path, List.Last(page[id]))
            )
        in
            Table.Combine(Pages),
    // One field per table; only the one named on the last line is downloaded.
    Tables = [
{tables}
    ]
in
    // Change the table name below to load another table: pageviews, goals, goal_completions, ecommerce_events, events.
    Tables[pageviews]
"""


def power_query_script(base_url: str) -> str:
    """The whole M script, reading from `base_url` (such as https://host/api/v1)."""
    tables = ",\n".join(_typed_table(table, columns) for table, columns in TABLES.items())
    return SCRIPT_HEAD.format(base_url=m_text(base_url), page_size=MAX_EXPORT_LIMIT, tables=tables)
