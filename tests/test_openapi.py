"""The OpenAPI document: valid 3.1, complete against Flask's url_map, true to the server (schemathesis).

schemathesis runs as its CLI against a live server holding seeded rows, with a real token
and the rate limit raised, and fails on any 500 or any response that breaks the document.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import jsonschema
import pytest
import requests
from app_helpers import app_on
from conftest import REPO_ROOT, LiveServer, cli_env, make_account
from export_dataset import RATE_LIMIT_ENV, ROUTES, Seeded, get, seed_exports
from openapi_spec_validator import validate

from clearanalytics import stats
from clearanalytics.exports.columns import EXTENSION_TABLES, ROUTE_SEGMENTS

PREFIX = "/api/v1"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Seeded:
    return seed_exports(tmp_path_factory.mktemp("openapi") / "data", pageviews=700)


@pytest.fixture(scope="module")
def server(seeded):
    live = LiveServer(seeded.data_dir, RATE_LIMIT_ENV).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def document(seeded, server) -> dict:
    response = get(server, seeded.acme.token, "/openapi.json")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    return response.json()


def shape(path: str) -> str:
    """A path with its parameters' names erased: Flask says <goal_id> where the reference says {goal}."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def served_operations(tmp_path) -> set[tuple[str, str]]:
    """(path, method) of every /api/v1 rule of the real app, in OpenAPI's path syntax, parameter names erased."""
    with app_on(tmp_path / "urlmap") as app:
        rules = list(app.url_map.iter_rules())
    operations = set()
    for rule in rules:
        if rule.rule.startswith(PREFIX + "/"):
            path = shape(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len(PREFIX) :]))
            operations |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return operations


def documented_operations(document: dict) -> set[tuple[str, str]]:
    return {(shape(path), method) for path, item in document["paths"].items() for method in item}


def served_paths(tmp_path) -> set[str]:
    """Every /api/v1 rule of the real app, in OpenAPI's path syntax, parameter names erased."""
    return {path for path, _ in served_operations(tmp_path)}


def test_the_document_is_valid_openapi_3_1(document, server):
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert document["servers"] == [{"url": f"{server.url}/api/v1"}]
    assert document["components"]["securitySchemes"] == {"bearerAuth": {"type": "http", "scheme": "bearer"}}
    assert document["security"] == [{"bearerAuth": []}]


def test_every_route_under_api_v1_is_documented(document, tmp_path):
    missing = served_operations(tmp_path) - documented_operations(document)
    assert not missing, f"routes without OpenAPI documentation: {sorted(missing)}"


def test_the_document_covers_every_endpoint_of_the_reference(document):
    reference = (REPO_ROOT.parent.parent / "shared/reference/clearanalytics-api-v1.txt").resolve()
    expected = {
        "/stats/overview", "/stats/timeseries", "/stats/pages", "/stats/referrers", "/stats/browsers",
        "/stats/operating-systems", "/stats/devices", "/stats/languages", "/stats/campaigns",
        "/stats/ecommerce/overview", "/stats/ecommerce/revenue-timeseries", "/stats/ecommerce/products",
        "/stats/ecommerce/funnel", "/stats/ecommerce/revenue-by-source", "/goals", "/goals/{goal}/completions",
        "/export/pageviews", "/export/goals", "/export/goal-completions", "/export/ecommerce-events",
        "/export/bigquery-schema", "/export/powerbi-schema",
    }  # fmt: skip
    if reference.exists():  # the list above is the reference's, checked when the reference is at hand
        assert set(re.findall(r"^GET\n(/\S+)$", reference.read_text(), re.M)) == expected
    extensions = {r.path for r in stats.REPORTS.values() if r.extension}  # beyond the reference, said in API.md
    extensions |= {f"/export/{ROUTE_SEGMENTS[t]}" for t in EXTENSION_TABLES}  # custom events ([5/7] item 7)
    extensions |= {"/sites", "/sites/{site}", "/goals/{goal}"}  # the sites and goals API ([7/7] item 4)
    assert set(document["paths"]) == expected | extensions | {"/openapi.json"}
    # The reference's operations are its GETs, and each operation beyond them says it is an extension.
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if (path, method) not in {(p, "get") for p in expected | {"/openapi.json"}}:
                assert operation["summary"].endswith("An extension beyond the reference."), (path, method)


def test_every_documented_path_is_served(document, tmp_path):
    assert {shape(path) for path in document["paths"]} == served_paths(tmp_path)
    assert documented_operations(document) == served_operations(tmp_path)


def test_the_document_needs_a_token_like_every_api_route(server):
    response = requests.get(f"{server.url}/api/v1/openapi.json", timeout=10)
    assert response.status_code == 401 and response.json() == {"message": "Unauthenticated."}


def test_parameters_state_the_enforced_ranges_and_defaults(document):
    def params(path: str) -> dict:
        return {p["name"]: p["schema"] for p in document["paths"][path]["get"]["parameters"]}

    assert params("/export/pageviews")["limit"] == {"type": "integer", "minimum": 1, "maximum": 10000, "default": 10000}
    assert params("/export/pageviews")["format"] == {"type": "string", "enum": ["jsonl", "csv"], "default": "jsonl"}
    assert set(params("/export/goals")) == {"format", "domain", "cursor", "limit"}
    assert params("/stats/pages")["limit"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}
    assert params("/goals/{goal}/completions")["limit"]["default"] == 50
    assert params("/stats/overview")["period"] == {
        "type": "string", "enum": ["24h", "7d", "30d", "90d", "12m"], "default": "7d"}  # fmt: skip
    assert "limit" not in params("/stats/devices")
    assert params("/export/powerbi-schema")["format"]["enum"] == ["json", "pqm"]


def _response_schema(document: dict, path: str, status: str, media: str = "application/json") -> dict:
    response = document["paths"][path]["get"]["responses"][status]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return response["content"][media]["schema"]


def _check(document: dict, schema: dict, instance) -> None:
    """Validate against a schema of the document, resolving its #/components references."""
    jsonschema.Draft202012Validator({**schema, "components": document["components"]}).validate(instance)


def test_error_bodies_match_the_documented_shapes(document, seeded, server):
    cases = [
        ("401", requests.get(f"{server.url}/api/v1/export/goals", timeout=10)),
        ("403", get(server, seeded.acme.token, "/export/goals", domain="globex.test")),
        ("422", get(server, seeded.acme.token, "/export/pageviews", limit="0")),
        ("422", get(server, seeded.acme.token, "/export/powerbi-schema", format="xml")),
    ]
    for status, response in cases:
        assert str(response.status_code) == status
        path = "/" + response.url.split("/api/v1/", 1)[1].split("?")[0]
        _check(document, _response_schema(document, path, status), response.json())


@pytest.mark.parametrize("table", list(ROUTES))
def test_every_exported_row_matches_the_documented_row_schema(document, seeded, server, table):
    """schemathesis cannot read JSON lines, so every line is checked here."""
    path = f"/export/{ROUTES[table]}"
    schema = _response_schema(document, path, "200", "application/x-ndjson")
    lines = get(server, seeded.acme.token, path).text.splitlines()
    assert lines
    for line in lines:
        _check(document, schema, json.loads(line))


def test_schema_responses_match_the_document(document, seeded, server):
    for path in ("/export/bigquery-schema", "/export/powerbi-schema", "/goals"):
        _check(document, _response_schema(document, path, "200"), get(server, seeded.acme.token, path).json())


def test_schemathesis_finds_no_server_error_and_no_response_that_breaks_the_document(
    document, seeded, server, tmp_path
):
    # One worker: hypothesis describes strategies with ast.parse, which CPython 3.11 does not make safe
    # across threads ("SystemError: AST constructor recursion depth mismatch" seen in CI with two).
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{server.url}/api/v1/openapi.json",
        "--header", f"Authorization: Bearer {seeded.acme.token}",
        # Every check but positive_data_acceptance: parameters depend on each other (to needs from,
        # from must not be after to), which OpenAPI cannot state, so some schema-valid requests get 422.
        "--checks", "all", "--exclude-checks", "positive_data_acceptance",
        # The coverage phase (about 4,500 cases: each parameter's bounds, each missing or wrongly typed one, the
        # unexpected methods) does not depend on --max-examples: 3 fuzzed cases per operation come on top of it
        # (8 took 5 s longer).
        "--max-examples", "3", "--seed", "20260217", "--workers", "1",
        "--phases", "examples,coverage,fuzzing", "--warnings", "off", "--request-timeout", "30",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env=cli_env(), timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    tested = re.search(r"Tested:\s+(\d+)", result.stdout)
    # Every operation but GET /openapi.json, which schemathesis leaves out as the schema's own URL.
    assert tested and int(tested.group(1)) == len(documented_operations(document)) - 1, result.stdout[-3000:]


def test_429_and_rate_limit_headers_match_the_document(document, tmp_path, live_server):
    account = make_account(tmp_path / "data")
    limited = live_server(account.data_dir, {"CLEARANALYTICS_RATE_LIMIT": "3/minute"})
    responses = [get(limited, account.token, "/export/pageviews") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    for response in responses:
        assert "X-RateLimit-Limit" in response.headers and "X-RateLimit-Remaining" in response.headers
    assert int(responses[-1].headers["Retry-After"]) > 0
    _check(document, _response_schema(document, "/export/pageviews", "429"), responses[-1].json())
