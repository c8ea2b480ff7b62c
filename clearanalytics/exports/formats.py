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
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from clearanalytics.exports.columns import ITEM_FIELDS, Column
from clearanalytics.timefmt import iso_utc

# Characters that make Excel, LibreOffice or Sheets treat a cell as a formula (OWASP's list).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


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


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _compact(value: Any) -> str:
    return _COMPACT.encode(value)


def _nullable(encode: Callable[[Any], str], null: str) -> Callable[[Any], str]:
    return lambda value: null if value is None else encode(value)


# value -> JSON text, by kind; built once because a page encodes up to 10000 rows x 22 columns.
_JSON_ENCODERS: dict[str, Callable[[Any], str]] = {
    "string": _nullable(encode_basestring, "null"),
    "integer": _nullable(str, "null"),
    "float": _nullable(lambda v: _compact(float(v)), "null"),
    "decimal": _nullable(lambda v: str(Decimal(v)), "null"),  # exact: 49.99, never 49.990000000000002
    "boolean": _nullable(lambda v: "true" if v else "false", "null"),
    "timestamp": _nullable(lambda v: '"' + iso_utc(v) + '"', "null"),
    "json": lambda v: _compact(_json_object(v)),
    "record": lambda v: _compact(normalise_items(v)),
}

# value -> CSV cell, by kind; text cells are neutralised against formulas.
_CSV_ENCODERS: dict[str, Callable[[Any], str]] = {
    "string": _nullable(lambda v: neutralise(str(v)), ""),
    "integer": _nullable(str, ""),
    "float": _nullable(lambda v: repr(float(v)), ""),
    "decimal": _nullable(lambda v: str(Decimal(v)), ""),
    "boolean": _nullable(lambda v: "true" if v else "false", ""),
    "timestamp": _nullable(iso_utc, ""),
    "json": lambda v: _compact(_json_object(v)),
    "record": lambda v: _compact(normalise_items(v)),
}


def jsonl_chunks(columns: Sequence[Column], batches: Iterable[Sequence[Sequence[Any]]]) -> Iterator[str]:
    """One string per batch of rows, so that the response streams in chunks, never whole."""
    keys = ['"' + c.name + '":' for c in columns]
    encoders = [_JSON_ENCODERS[c.kind] for c in columns]
    pairs = list(zip(keys, encoders, strict=True))
    for rows in batches:
        yield "".join(
            "{" + ",".join(key + encode(value) for (key, encode), value in zip(pairs, row, strict=True)) + "}\n"
            for row in rows
        )


def csv_header(columns: Sequence[Column]) -> str:
    """The header record: the column names (plain identifiers, never quoted)."""
    return ",".join(c.name for c in columns) + "\r\n"


def csv_rows(columns: Sequence[Column], batches: Iterable[Sequence[Sequence[Any]]]) -> Iterator[str]:
    """One string per batch of rows, without the header; RFC 4180 (CRLF, quotes doubled)."""
    encoders = [_CSV_ENCODERS[c.kind] for c in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([encode(v) for encode, v in zip(encoders, row, strict=True)] for row in rows)
        yield buffer.getvalue()


def csv_chunks(columns: Sequence[Column], batches: Iterable[Sequence[Sequence[Any]]]) -> Iterator[str]:
    """The header, then one string per batch of rows; RFC 4180 (CRLF, quotes doubled)."""
    yield csv_header(columns)
    yield from csv_rows(columns, batches)
