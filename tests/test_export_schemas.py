"""The BigQuery and Power BI schemas and the Power Query M script, checked against the tools' rules.

BigQuery's rules are written out here (names, types, modes, records, duplicates) and every
exported JSONL row is loaded against the served schema as `bq load` would; the M script is
tokenised to check its brackets, quotes and let/in pairs, and each table's column types.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from conftest import LiveServer
from export_dataset import COLUMNS, RATE_LIMIT_ENV, ROUTES, Seeded, get, seed_exports


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Seeded:
    return seed_exports(tmp_path_factory.mktemp("schemas") / "data", pageviews=700)


@pytest.fixture(scope="module")
def server(seeded):
    live = LiveServer(seeded.data_dir, RATE_LIMIT_ENV).start()
    yield live
    live.stop()


# --- BigQuery -----------------------------------------------------------------------------------

BQ_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,299}$")
BQ_RESERVED_PREFIXES = ("_TABLE_", "_FILE_", "_PARTITION", "_ROW_TIMESTAMP", "__ROOT__", "_COLIDENTIFIER")
BQ_TYPES = {"STRING", "BYTES", "INTEGER", "INT64", "FLOAT", "FLOAT64", "NUMERIC", "BIGNUMERIC", "BOOLEAN",
            "BOOL", "TIMESTAMP", "DATE", "TIME", "DATETIME", "GEOGRAPHY", "JSON", "RECORD", "STRUCT", "RANGE",
            "INTERVAL"}  # fmt: skip
BQ_MODES = {"NULLABLE", "REQUIRED", "REPEATED"}
BQ_KEYS = {"name", "type", "mode", "fields", "description", "policyTags", "maxLength", "precision", "scale",
           "defaultValueExpression", "collation", "roundingMode", "rangeElementType"}  # fmt: skip
TIMESTAMP_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def bigquery_schema_errors(fields, depth: int = 1) -> list[str]:
    """What `bq mk --table PROJECT:DATASET.TABLE schema.json` would reject in a schema file."""
    errors = []
    if not isinstance(fields, list) or not fields:
        return ["a schema is a non-empty list of fields"]
    if depth > 15:
        errors.append("records nest at most 15 levels")
    seen: set[str] = set()
    for field in fields:
        if not isinstance(field, dict):
            errors.append(f"{field!r} is not an object")
            continue
        name = field.get("name")
        if not isinstance(name, str) or not BQ_NAME.match(name):
            errors.append(f"bad name {name!r}")
            continue
        if name.upper().startswith(BQ_RESERVED_PREFIXES):
            errors.append(f"{name}: reserved prefix")
        if name.lower() in seen:  # column names are case-insensitive
            errors.append(f"{name}: duplicate")
        seen.add(name.lower())
        if set(field) - BQ_KEYS:
            errors.append(f"{name}: unknown keys {set(field) - BQ_KEYS}")
        if field.get("type") not in BQ_TYPES:
            errors.append(f"{name}: bad type {field.get('type')!r}")
        if field.get("mode", "NULLABLE") not in BQ_MODES:
            errors.append(f"{name}: bad mode {field.get('mode')!r}")
        if len(field.get("description", "")) > 1024:
            errors.append(f"{name}: description over 1024 characters")
        if field.get("type") in ("RECORD", "STRUCT"):
            errors += [f"{name}.{e}" for e in bigquery_schema_errors(field.get("fields"), depth + 1)]
        elif "fields" in field:
            errors.append(f"{name}: only a RECORD has fields")
    return errors


def bigquery_row_errors(fields: list[dict], row: dict, path: str = "") -> list[str]:
    """What a NEWLINE_DELIMITED_JSON load (without --ignore_unknown_values) would reject in a row."""
    errors = []
    by_name = {f["name"]: f for f in fields}
    errors += [f"{path}{k}: not in the schema" for k in row if k not in by_name]
    for name, field in by_name.items():
        value, where = row.get(name), path + name
        mode = field.get("mode", "NULLABLE")
        if mode == "REPEATED":
            if not isinstance(value, list):
                errors.append(f"{where}: a repeated field needs an array")
                continue
            values = value
        elif value is None:
            if mode == "REQUIRED":
                errors.append(f"{where}: required")
            continue
        else:
            values = [value]
        for v in values:
            errors += [f"{where}: {e}" for e in _bq_value_errors(field, v, where)]
    return errors


def _bq_value_errors(field: dict, value, where: str) -> list[str]:
    kind = field["type"]
    if value is None:
        return ["null inside an array"]
    ok = {
        "STRING": isinstance(value, str),
        "INTEGER": isinstance(value, int) and not isinstance(value, bool),
        "FLOAT": isinstance(value, int | float) and not isinstance(value, bool),
        "NUMERIC": isinstance(value, int | float) and not isinstance(value, bool),
        "BOOLEAN": isinstance(value, bool),
        "TIMESTAMP": isinstance(value, str) and bool(TIMESTAMP_TEXT.match(value)),
        "JSON": True,
        "RECORD": isinstance(value, dict),
    }[kind]
    if not ok:
        return [f"{value!r} is not a {kind}"]
    if kind == "RECORD":
        return bigquery_row_errors(field["fields"], value, where + ".")
    return []


def test_bigquery_schema_follows_bigquerys_rules_for_every_table(seeded, server):
    schema = get(server, seeded.acme.token, "/export/bigquery-schema").json()
    assert list(schema) == ["pageviews", "goals", "goal_completions", "ecommerce_events", "events"]
    for table, fields in schema.items():
        assert bigquery_schema_errors(fields) == [], table
        assert [f["name"] for f in fields] == COLUMNS[table]
    assert schema["pageviews"][:3] == [
        {"name": "id", "type": "STRING", "mode": "REQUIRED", "description": schema["pageviews"][0]["description"]},
        {"name": "domain", "type": "STRING", "mode": "REQUIRED", "description": schema["pageviews"][1]["description"]},
        {"name": "visitor_hash", "type": "STRING", "mode": "REQUIRED",
         "description": schema["pageviews"][2]["description"]},
    ]  # fmt: skip
    items = next(f for f in schema["ecommerce_events"] if f["name"] == "items")
    assert (items["type"], items["mode"]) == ("RECORD", "REPEATED")
    assert [(f["name"], f["type"]) for f in items["fields"]] == [
        ("item_id", "STRING"), ("item_name", "STRING"), ("price", "FLOAT"), ("quantity", "INTEGER")]  # fmt: skip
    by_name = {f["name"]: f for f in schema["pageviews"]}
    assert (by_name["duration"]["type"], by_name["created_at"]["type"]) == ("INTEGER", "TIMESTAMP")
    assert by_name["referrer"]["mode"] == "NULLABLE"
    assert {f["name"]: f["type"] for f in schema["goals"]}["config"] == "JSON"


def test_table_parameter_gives_one_schema_file_for_bq_mk(seeded, server):
    schema = get(server, seeded.acme.token, "/export/bigquery-schema").json()
    for table in schema:
        one = get(server, seeded.acme.token, "/export/bigquery-schema", table=table).json()
        assert one == schema[table] and bigquery_schema_errors(one) == []
    response = get(server, seeded.acme.token, "/export/bigquery-schema", table="salts")
    assert response.status_code == 422 and list(response.json()["errors"]) == ["table"]


@pytest.mark.parametrize(
    "bad",
    [
        [{"name": "1st", "type": "STRING", "mode": "REQUIRED"}],
        [{"name": "a", "type": "TEXT", "mode": "REQUIRED"}],
        [{"name": "a", "type": "STRING", "mode": "OPTIONAL"}],
        [{"name": "a", "type": "RECORD", "mode": "REPEATED"}],
        [{"name": "a", "type": "STRING"}, {"name": "A", "type": "STRING"}],
        [{"name": "_PARTITIONTIME", "type": "TIMESTAMP"}],
    ],
)
def test_the_bigquery_validator_rejects_what_bigquery_rejects(bad):
    assert bigquery_schema_errors(bad)


@pytest.mark.parametrize("table", list(ROUTES))
def test_every_exported_jsonl_row_loads_against_the_bigquery_schema(seeded, server, table):
    schema = get(server, seeded.acme.token, "/export/bigquery-schema").json()[table]
    lines = get(server, seeded.acme.token, f"/export/{ROUTES[table]}").text.splitlines()
    assert lines
    for line in lines:
        row = json.loads(line)
        assert list(row) == COLUMNS[table]
        assert bigquery_row_errors(schema, row) == []


# --- Power BI -----------------------------------------------------------------------------------

EDM_FOR_BQ = {"STRING": "Edm.String", "INTEGER": "Edm.Int64", "FLOAT": "Edm.Double", "NUMERIC": "Edm.Decimal",
              "BOOLEAN": "Edm.Boolean", "TIMESTAMP": "Edm.DateTimeOffset", "JSON": "Edm.String",
              "RECORD": "Edm.String"}  # fmt: skip
M_FOR_BQ = {"STRING": "type text", "INTEGER": "Int64.Type", "FLOAT": "type number", "NUMERIC": "type number",
            "BOOLEAN": "type logical", "TIMESTAMP": "type datetimezone", "JSON": "type text",
            "RECORD": "type text"}  # fmt: skip


def test_powerbi_json_schema_agrees_with_bigquery_and_the_csv_header(seeded, server):
    token = seeded.acme.token
    bigquery = get(server, token, "/export/bigquery-schema").json()
    for params in ({}, {"format": "json"}):
        powerbi = get(server, token, "/export/powerbi-schema", **params).json()
        assert list(powerbi) == list(bigquery)
        for table, columns in powerbi.items():
            expected = [
                {"name": f["name"], "type": EDM_FOR_BQ[f["type"]], "nullable": f["mode"] == "NULLABLE"}
                for f in bigquery[table]
            ]
            assert columns == expected
            header = next(csv.reader(io.StringIO(get(server, token, f"/export/{ROUTES[table]}", format="csv").text)))
            assert header == [c["name"] for c in columns]
    assert {"name": "duration", "type": "Edm.Int64", "nullable": False} in powerbi["pageviews"]


def m_tokens(script: str) -> list[str]:
    """Tokens of an M document outside comments, strings as one token; fails on unclosed ones."""
    tokens, i = [], 0
    while i < len(script):
        if script.startswith("//", i):
            i = script.index("\n", i) if "\n" in script[i:] else len(script)
        elif script.startswith("/*", i):
            end = script.find("*/", i + 2)
            assert end != -1, "unclosed comment"
            i = end + 2
        elif script[i] == '"':
            j = i + 1
            while True:
                j = script.find('"', j)
                assert j != -1, "unclosed text literal"
                if script.startswith('""', j):
                    j += 2
                    continue
                break
            tokens.append(script[i : j + 1])
            i = j + 1
        elif script[i].isalpha() or script[i] == "_":
            j = i
            while j < len(script) and (script[j].isalnum() or script[j] in "_."):
                j += 1
            tokens.append(script[i:j])
            i = j
        elif script[i].isspace():
            i += 1
        else:
            tokens.append(script[i])
            i += 1
    return tokens


def check_balanced(tokens: list[str]) -> None:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for token in tokens:
        if token in "([{":
            stack.append(token)
        elif token in pairs:
            assert stack and stack.pop() == pairs[token], "unbalanced brackets"
    assert not stack, "unclosed brackets"
    assert tokens.count("let") == tokens.count("in"), "every let needs its in"


def table_section(script: str, table: str) -> str:
    start = script.index(f"        {table} = Table.TransformColumnTypes(")
    end = script.find("\n        )", start)
    return script[start:end]


def test_power_query_script_types_every_table_and_column(seeded, server):
    token = seeded.acme.token
    response = get(server, token, "/export/powerbi-schema", format="pqm")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    script = response.text
    check_balanced(m_tokens(script))
    assert f'BaseUrl = "{server.url}/api/v1",' in script  # the request's own host by default
    assert script.count("Web.Contents(") == 1 and "Csv.Document(" in script and "Table.PromoteHeaders(" in script
    assert 'Headers = [Authorization = "Bearer YOUR_API_TOKEN"]' in script
    assert 'Params = [format = "csv", limit = Text.From(PageSize)]' in script
    assert "RelativePath = path, Query = Params" in script
    assert script.rstrip().endswith("Tables[pageviews]")
    assert "// Change the table name below" in script.rstrip().splitlines()[-2]
    bigquery = get(server, token, "/export/bigquery-schema").json()
    for table, fields in bigquery.items():
        section = table_section(script, table)
        assert f'Export("export/{ROUTES[table]}")' in section
        for field in fields:
            assert f'{{"{field["name"]}", {M_FOR_BQ[field["type"]]}}}' in section, (table, field["name"])
        typed = re.findall(r'\{"(\w+)", (?:type \w+|Int64\.Type)\}', section)
        assert typed == [f["name"] for f in fields]


def test_power_query_script_honours_base_url_and_escapes_it(seeded, server):
    token = seeded.acme.token
    script = get(
        server, token, "/export/powerbi-schema", format="pqm", base_url="https://stats.example.net/api/v1/"
    ).text
    assert 'BaseUrl = "https://stats.example.net/api/v1",' in script
    check_balanced(m_tokens(script))
    host = get(server, token, "/export/powerbi-schema", format="pqm").text
    assert host.replace(f"{server.url}/api/v1", "https://stats.example.net/api/v1") == script


@pytest.mark.parametrize(
    "bad", ['let x = "open', "let x = (1 in x", "let x = [a = 1 in x", 'let x = "a""b in x )'], ids=str
)
def test_the_m_checker_catches_broken_scripts(bad):
    with pytest.raises(AssertionError):
        check_balanced(m_tokens(bad))
