"""The BigQuery schema of each export table, in the JSON form `bq mk --table ... schema.json` reads."""

from __future__ import annotations

from clearanalytics.exports.columns import TABLES, Column

BIGQUERY_TYPES = {
    "string": "STRING",
    "integer": "INTEGER",
    "decimal": "NUMERIC",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "json": "JSON",
    "record": "RECORD",
}


def bigquery_field(column: Column) -> dict:
    mode = "REPEATED" if column.repeated else "NULLABLE" if column.nullable else "REQUIRED"
    field = {
        "name": column.name,
        "type": BIGQUERY_TYPES[column.kind],
        "mode": mode,
        "description": column.description,
    }
    if column.fields:
        field["fields"] = [bigquery_field(sub) for sub in column.fields]
    return field


def bigquery_schema() -> dict[str, list[dict]]:
    """{"pageviews": [...], "goals": [...], ...}: each list is one table's schema file as is."""
    return {table: [bigquery_field(c) for c in columns] for table, columns in TABLES.items()}
