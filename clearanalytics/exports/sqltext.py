"""JSONL lines and CSV records written by DuckDB, byte for byte what `formats` writes in Python.

Encoding rows cell by cell in Python capped a full export of 10 M pageviews near 18,000 rows/s;
here DuckDB writes each row's text inside the page's query and Python only passes it on. Only the
kinds whose text DuckDB can write exactly as `formats` does are built here (strings, integers,
booleans, timestamps): a table with money, a goal config or e-commerce items keeps the Python
encoders, and so does a JSONL row that DuckDB would escape differently (`redo` below).
`tests/test_export_speed.py` holds both to the same bytes on awkward text.
"""

from __future__ import annotations

from collections.abc import Sequence

from clearanalytics.exports.columns import Column
from clearanalytics.exports.formats import FORMULA_TRIGGERS

SQL_KINDS = frozenset({"string", "integer", "boolean", "timestamp"})
ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"  # timefmt.iso_utc's format
# RE2 classes: a character that makes a cell a formula (`formats.neutralise`), one that RFC 4180 quotes.
_TRIGGER = "[" + "".join(f"\\x{ord(ch):02x}" for ch in FORMULA_TRIGGERS) + "]"
_QUOTED = '[,"\\r\\n]'


def sql_encodable(columns: Sequence[Column]) -> bool:
    """Whether DuckDB can write every column of the table exactly as the Python encoders do."""
    return all(c.kind in SQL_KINDS for c in columns)


def text_query(columns: Sequence[Column], fmt: str, source: str) -> str:
    """SELECT id, line, redo FROM `source`, whose columns are named as `columns`.

    `line` is the row's JSONL line or CSV record with its line end; `redo` is true when the
    Python encoders must write the row instead.
    """
    if fmt == "jsonl":
        return f"SELECT id, {_jsonl_line(columns)} AS line, contains(line, '\\u00') AS redo FROM {source}"
    # The plainly joined record first, as a column, so that DuckDB plans the exact one only once.
    plain = " || ',' || ".join(_csv_cell(c, exact=False) for c in columns)
    clean = (
        f"length(plain) - length(replace(plain, ',', '')) = {len(columns) - 1} "
        f"AND NOT regexp_matches(plain, '[\"\\r\\n]|(^|,){_TRIGGER}')"
    )
    exact = " || ',' || ".join(_csv_cell(c, exact=True) for c in columns)
    return (
        f"SELECT id, (CASE WHEN {clean} THEN plain ELSE {exact} END) || chr(13) || chr(10) AS line, false AS redo "
        f"FROM (SELECT *, {plain} AS plain FROM {source})"
    )


def _jsonl_line(columns: Sequence[Column]) -> str:
    """The row as to_json writes it: compact, keys in column order, null for NULL, then a newline.

    That is `formats`' line except where to_json writes a \\u00XX escape, in upper case where
    Python writes lower case: a control character other than \\b \\f \\n \\r \\t, or a backslash
    followed by u00 in the text itself (written \\\\u00: a harmless redo). Those rows are redone.
    """
    fields = ", ".join(
        f"{c.name} := strftime({c.name}, '{ISO_UTC}')" if c.kind == "timestamp" else f"{c.name} := {c.name}"
        for c in columns
    )
    return f"to_json(struct_pack({fields})) || chr(10)"


def _csv_cell(column: Column, exact: bool) -> str:
    """A CSV cell; text as it is unless `exact`, then neutralised and quoted as `formats` does."""
    name = column.name
    if column.kind == "string" and not exact:
        return f"coalesce({name}, '')"
    if column.kind == "string":
        # Doubling quotes and the leading apostrophe commute; quoting depends on the text alone.
        body = f"regexp_replace(replace({name}, '\"', '\"\"'), '^({_TRIGGER})', '''\\1')"
        return (
            f"(CASE WHEN {name} IS NULL THEN '' WHEN regexp_matches({name}, '{_QUOTED}') "
            f"THEN '\"' || {body} || '\"' ELSE {body} END)"
        )
    if column.kind == "integer":
        return f"coalesce(CAST({name} AS VARCHAR), '')"
    if column.kind == "boolean":
        return f"(CASE WHEN {name} THEN 'true' WHEN NOT {name} THEN 'false' ELSE '' END)"
    return f"coalesce(strftime({name}, '{ISO_UTC}'), '')"
