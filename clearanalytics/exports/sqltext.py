"""JSONL lines and CSV records written by DuckDB, byte for byte what `formats` writes in Python.

Encoding rows cell by cell in Python capped a full export of 10 M pageviews near 18,000 rows/s;
here DuckDB writes each row's text inside the page's query and Python only passes it on. Only the
kinds whose text DuckDB can write exactly as `formats` does are built here (strings, integers,
booleans, timestamps): a table with money, a goal config or e-commerce items keeps the Python
encoders. So does any row whose text DuckDB's plain way would get wrong (a CSV cell to quote or
neutralise, a JSON escape written differently): the query hands it back with its values.
`tests/test_export_speed.py` holds both to the same bytes on awkward text.
"""

from __future__ import annotations

from collections.abc import Sequence

from clearanalytics.exports.columns import Column
from clearanalytics.exports.formats import FORMULA_TRIGGERS

SQL_KINDS = frozenset({"string", "integer", "boolean", "timestamp"})
ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"  # timefmt.iso_utc's format
# RE2 class: a character that makes a CSV cell a formula (`formats.neutralise`).
_TRIGGER = "[" + "".join(f"\\x{ord(ch):02x}" for ch in FORMULA_TRIGGERS) + "]"


def sql_encodable(columns: Sequence[Column]) -> bool:
    """Whether DuckDB can write every column of the table exactly as the Python encoders do."""
    return all(c.kind in SQL_KINDS for c in columns)


def text_query(columns: Sequence[Column], fmt: str, source: str) -> str:
    """SELECT id, line, raw FROM `source`, whose columns are named as `columns`.

    `line` is the row's JSONL line or CSV record with its line end, or NULL for a row that the
    Python encoders must write: `raw` then holds its values (a struct; NULL for every other row).
    The checks are one look at the whole text, so that the query stays cheap to plan (an exact
    SQL encoder per cell cost more to plan than the 5000 rows of a chunk took to run).
    """
    if fmt == "jsonl":
        text, end = _jsonl_line(columns), "chr(10)"
        # to_json writes \u001A where Python writes \u001a (a control character other than \b \f \n
        # \r \t); a backslash followed by u00 in the text itself (\\u00) is handed back too, harmlessly.
        back = "contains(text, '\\u00')"
    else:
        text, end = " || ',' || ".join(_csv_cell(c) for c in columns), "chr(13) || chr(10)"
        # Plain text is right unless a cell holds a comma, a quote or a line break, or starts with a
        # formula character: then the commas outnumber the separators, or the pattern matches.
        back = (
            f"length(text) - length(replace(text, ',', '')) <> {len(columns) - 1} "
            f"OR regexp_matches(text, '[\"\\r\\n]|(^|,){_TRIGGER}')"
        )
    raw = "struct_pack(" + ", ".join(f"{c.name} := {c.name}" for c in columns) + ")"
    return (
        f"SELECT id, CASE WHEN NOT back THEN text || {end} END AS line, CASE WHEN back THEN {raw} END AS raw "
        f"FROM (SELECT *, {back} AS back FROM (SELECT *, {text} AS text FROM {source}))"
    )


def _jsonl_line(columns: Sequence[Column]) -> str:
    """The row as to_json writes it: compact, keys in column order, null for NULL."""
    fields = ", ".join(
        f"{c.name} := strftime({c.name}, '{ISO_UTC}')" if c.kind == "timestamp" else f"{c.name} := {c.name}"
        for c in columns
    )
    return f"to_json(struct_pack({fields}))"


def _csv_cell(column: Column) -> str:
    """A CSV cell with its text as it is: right for every row that `text_query` keeps."""
    name = column.name
    if column.kind == "string":
        return f"coalesce({name}, '')"
    if column.kind == "integer":
        return f"coalesce(CAST({name} AS VARCHAR), '')"
    if column.kind == "boolean":
        return f"(CASE WHEN {name} THEN 'true' WHEN NOT {name} THEN 'false' ELSE '' END)"
    return f"coalesce(strftime({name}, '{ISO_UTC}'), '')"
