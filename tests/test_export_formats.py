"""Row encoding by column kind, table-driven: formula neutralisation, exact money, items, timestamps."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from decimal import Decimal

import pytest

from clearanalytics.exports.columns import ECOMMERCE_EVENTS, GOALS, TABLES
from clearanalytics.exports.formats import csv_chunks, jsonl_chunks, neutralise, normalise_items


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=1", "a=1"),
        ("", ""),
        ("/pricing", "/pricing"),
    ],
)
def test_neutralise(cell, shown):
    assert neutralise(cell) == shown


@pytest.mark.parametrize(
    ("stored", "exported"),
    [
        ("[]", []),
        ("not json", []),
        ('{"item_id": 1}', []),
        ('[{"item_id": 7, "item_name": "A", "price": 9.5, "quantity": 2, "extra": true}]',
         [{"item_id": "7", "item_name": "A", "price": 9.5, "quantity": 2}]),
        ('[{"price": "12", "quantity": 1.5}, 3, null]',
         [{"item_id": None, "item_name": None, "price": 12.0, "quantity": None}]),
        ('[{"item_name": {"x": 1}, "price": true, "quantity": "2"}]',
         [{"item_id": None, "item_name": None, "price": None, "quantity": 2}]),
    ],
)  # fmt: skip
def test_items_keep_exactly_the_record_fields_with_their_types(stored, exported):
    assert normalise_items(stored) == exported


def test_one_row_in_both_formats():
    row = ("01J", "example.com", "v", "s", None, "purchase", "=TXN", Decimal("1234567890123456.78"), "EUR", True,
           '[{"item_id": "a", "price": 1}]', datetime(2026, 2, 17, 14, 22, 0, 123456))  # fmt: skip
    line = "".join(jsonl_chunks(ECOMMERCE_EVENTS, [[row]]))
    assert line == (
        '{"id":"01J","domain":"example.com","visitor_hash":"v","session_hash":"s","pageview_id":null,'
        '"event_type":"purchase","transaction_id":"=TXN","value":1234567890123456.78,"currency":"EUR",'
        '"in_site_currency":true,"items":[{"item_id":"a","item_name":null,"price":1.0,"quantity":null}],'
        '"created_at":"2026-02-17T14:22:00Z"}\n'
    )
    assert json.loads(line, parse_float=Decimal)["value"] == Decimal("1234567890123456.78")
    body = "".join(csv_chunks(ECOMMERCE_EVENTS, [[row]]))
    assert list(csv.reader(io.StringIO(body, newline=""))) == [
        [c.name for c in ECOMMERCE_EVENTS],
        ["01J", "example.com", "v", "s", "", "purchase", "'=TXN", "1234567890123456.78", "EUR", "true",
         '[{"item_id":"a","item_name":null,"price":1.0,"quantity":null}]', "2026-02-17T14:22:00Z"],
    ]  # fmt: skip


def test_text_keeps_unicode_and_escapes_control_characters():
    row = ("01J", "example.com", 'Größe "x"\n\x01', "url", '{"path": "/ü"}', False, datetime(2026, 1, 1),
           datetime(2026, 1, 2))  # fmt: skip
    line = "".join(jsonl_chunks(GOALS, [[row]]))
    assert '"name":"Größe \\"x\\"\\n\\u0001"' in line and '"config":{"path":"/ü"}' in line
    assert json.loads(line)["name"] == 'Größe "x"\n\x01'


def test_empty_export_is_empty_jsonl_and_a_header_only_csv():
    for columns in TABLES.values():
        assert "".join(jsonl_chunks(columns, [])) == ""
        assert "".join(csv_chunks(columns, [])) == ",".join(c.name for c in columns) + "\r\n"
