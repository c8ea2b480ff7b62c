"""Row encoding for the export formats: one JSONL line or one CSV record per row.

Every value is encoded by its column's kind, so JSONL and CSV agree with the schemas:
timestamps as "2026-02-17T14:22:00Z", money as exact decimals, goal `config` as an object
in JSONL and as JSON text in CSV, e-commerce `items` as an array of exactly the record's
fields. CSV text cells that a spreadsheet would run as a formula get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from clearanalytics.exports.columns import ITEM_FIELDS, Column

# Characters that make Excel, LibreOffice or Sheets treat a cell as a formula (OWASP's list).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def iso_utc(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def neutralise(cell: str) -> str:
    """Prefix an apostrophe so that a spreadsheet shows the text instead of evaluating it."""
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def _json_object(text: Any) -> dict:
    try:
        value = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _item_number(value: Any, integral: bool) -> float | int | None:
    """A price or quantity as a JSON number of the schema's type, or null when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    if integral:
        return int(number) if number.is_integer() else None
    return number


def _item_text(value: Any) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    return str(value)


def _item_value(field: Column, value: Any) -> Any:
    if field.kind == "string":
        return _item_text(value)
    return _item_number(value, integral=field.kind == "integer")


def normalise_items(text: Any) -> list[dict]:
    """The stored items, each reduced to exactly the record's fields with the record's types.

    BigQuery rejects a line whose record has unknown fields or a wrongly typed one, so the
    export never passes through whatever else a tracker call may have put in an item.
    """
    try:
        items = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return []
    if not isinstance(items, list):
        return []
    result = []
    for item in items:
        if not isinstance(item, dict):
            continue
        result.append({field.name: _item_value(field, item.get(field.name)) for field in ITEM_FIELDS})
    return result


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_value(column: Column, value: Any) -> str:
    """One value as JSON text, by the column's kind."""
    if column.kind == "json":
        return _compact(_json_object(value))
    if column.kind == "record":
        return _compact(normalise_items(value))
    if value is None:
        return "null"
    if column.kind == "timestamp":
        return '"' + iso_utc(value) + '"'
    if column.kind == "decimal":
        return str(Decimal(value))  # exact, e.g. 49.99, never 49.990000000000002
    return _compact(value)


def csv_value(column: Column, value: Any) -> str:
    """One value as a CSV cell, by the column's kind; text cells are neutralised."""
    if column.kind == "json":
        return _compact(_json_object(value))
    if column.kind == "record":
        return _compact(normalise_items(value))
    if value is None:
        return ""
    if column.kind == "timestamp":
        return iso_utc(value)
    if column.kind == "boolean":
        return "true" if value else "false"
    if column.kind == "decimal":
        return str(Decimal(value))
    if column.kind == "string":
        return neutralise(str(value))
    return str(value)


def jsonl_line(columns: Sequence[Column], row: Sequence[Any]) -> str:
    fields = ",".join(f'"{c.name}":{json_value(c, v)}' for c, v in zip(columns, row, strict=True))
    return "{" + fields + "}\n"


def jsonl_chunks(columns: Sequence[Column], batches: Iterable[Sequence[Sequence[Any]]]) -> Iterator[str]:
    """One string per batch of rows, so that the response streams in chunks, never whole."""
    for rows in batches:
        yield "".join(jsonl_line(columns, row) for row in rows)


def csv_chunks(columns: Sequence[Column], batches: Iterable[Sequence[Sequence[Any]]]) -> Iterator[str]:
    """The header, then one string per batch of rows; RFC 4180 (CRLF, quotes doubled)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in columns])
    yield buffer.getvalue()
    for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([csv_value(c, v) for c, v in zip(columns, row, strict=True)] for row in rows)
        yield buffer.getvalue()
