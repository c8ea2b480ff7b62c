"""Hostile input on every route that reads it: a 400 JSON answer naming the field, never a 500.

Two inputs used to reach deep code: JSON nested ~1,000 levels (RecursionError in the
scanner) and lone UTF-16 surrogates (a `\\ud800` escape, or the raw bytes ED A0 80), which
DuckDB refuses to store or compare. The server-layer cases run against a real
`clearanalytics serve` subprocess; waitress's own errors are provoked over a raw socket.
"""

from __future__ import annotations

import json
import logging
import socket
from urllib.parse import urlsplit

import pytest
import requests

from clearanalytics.cli.serve import MAX_REQUEST_BODY
from clearanalytics.safeinput import MAX_DEPTH
from clearanalytics.web_errors import ErrorBoundary
from tests.conftest import LiveServer, make_account, run_cli
from tests.dashboard_helpers import session_for
from tests.ingest_helpers import CHROME, query_rows

DEEP = "[" * 1000 + "]" * 1000
SURROGATE_ESCAPE = "\\ud800"  # as it appears in JSON text
RAW_SURROGATE = b"\xed\xa0\x80"  # what a UTF-16 surrogate looks like "encoded" as UTF-8
DEPTH_MESSAGE = f"is nested more than {MAX_DEPTH} levels deep"
SURROGATE_MESSAGE = "must not contain a lone UTF-16 surrogate"
BROWSER = {"User-Agent": CHROME}


def event_json(**fields: str) -> str:
    """A native pageview body as JSON text, with `fields` spliced in verbatim (already JSON)."""
    doc = {"name": '"pageview"', "url": '"https://example.com/"', "domain": '"example.com"', **fields}
    return "{" + ",".join(f'"{k}":{v}' for k, v in doc.items()) + "}"


def plausible_json(**fields: str) -> str:
    doc = {"n": '"pageview"', "u": '"https://example.com/"', "d": '"example.com"', **fields}
    return "{" + ",".join(f'"{k}":{v}' for k, v in doc.items()) + "}"


def mcp_call(arguments: str) -> str:
    return '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list-sites","arguments":' + arguments + "}}"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data = tmp_path_factory.mktemp("badinput") / "data"
    account = make_account(data)
    server = LiveServer(data).start()
    yield server, account
    server.stop()


ARG = "params.arguments.tenant"
# (id, method, path, body bytes, extra headers, the field the 400 must name)
CASES = [
    ("event-deep-props", "POST", "/api/event", event_json(props='{"a":' + DEEP + "}"), {}, "props.a"),
    ("event-deep-unknown-key", "POST", "/api/event", event_json(extra=DEEP), {}, "extra"),
    ("event-deep-top", "POST", "/api/event", DEEP, {}, "body"),
    ("event-escape-url", "POST", "/api/event", event_json(url=f'"https://example.com/{SURROGATE_ESCAPE}"'), {}, "url"),
    (
        "event-escape-referrer",
        "POST",
        "/api/event",
        event_json(referrer=f'"https://news.example/{SURROGATE_ESCAPE}"'),
        {},
        "referrer",
    ),
    ("event-escape-props", "POST", "/api/event", event_json(props=f'{{"plan":"a{SURROGATE_ESCAPE}"}}'), {},
     "props.plan"),
    (
        "event-raw-url",
        "POST",
        "/api/event",
        event_json(url='"https://example.com/X"').encode().replace(b"/X", b"/" + RAW_SURROGATE),
        {},
        "url",
    ),
    ("event-raw-user-agent", "POST", "/api/event", event_json(), {"User-Agent": b"Mozilla/5.0 " + RAW_SURROGATE},
     "User-Agent"),
    ("plausible-deep-p-object", "POST", "/api/event", plausible_json(p='{"a":' + DEEP + "}"), {}, "p.a"),
    ("plausible-deep-p-string", "POST", "/api/event", plausible_json(p=json.dumps('{"a":' + DEEP + "}")), {}, "p.a"),
    ("plausible-escape-p-string", "POST", "/api/event",
     plausible_json(p=json.dumps('{"k":"' + SURROGATE_ESCAPE + '"}')), {}, "p.k"),
    ("mcp-deep-body", "POST", "/mcp/analytics", DEEP, {}, "body"),
    ("mcp-deep-arguments", "POST", "/mcp/analytics", mcp_call('{"tenant":' + DEEP + "}"), {}, ARG),
    ("mcp-escape-argument", "POST", "/mcp/analytics", mcp_call(f'{{"tenant":"acme{SURROGATE_ESCAPE}"}}'), {}, ARG),
    (
        "mcp-raw-argument",
        "POST",
        "/mcp/analytics",
        mcp_call('{"tenant":"acmeX"}').encode().replace(b"acmeX", b"acme" + RAW_SURROGATE),
        {},
        "params.arguments.tenant",
    ),
    ("api-filter-raw", "GET", "/api/v1/stats/pages?filter%5Bpage%5D=%2F%ED%A0%80", b"", {}, "filter[page]"),
    ("api-domain-raw", "GET", "/api/v1/stats/overview?domain=%ED%A0%80", b"", {}, "domain"),
    ("api-period-raw", "GET", "/api/v1/export/pageviews?format=jsonl&period=7d%ED%A0%80", b"", {}, "period"),
]  # fmt: skip


def expected_message(case: str) -> str:
    if "deep" in case:
        return DEPTH_MESSAGE
    return "must be valid UTF-8" if "raw-user-agent" in case or case.startswith("api-") else SURROGATE_MESSAGE


@pytest.mark.parametrize(("case", "method", "path", "body", "headers", "field"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_a_400_naming_the_field(served, case, method, path, body, headers, field):
    server, account = served
    headers = {**BROWSER, "Authorization": f"Bearer {account.token}", **headers}
    body = body.encode() if isinstance(body, str) else body
    response = requests.request(method, server.url + path, data=body, headers=headers, timeout=10)
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    doc = response.json()
    if path.startswith("/mcp/"):  # JSON-RPC's own error object, the field in its data
        assert doc["id"] is None and doc["error"]["code"] == -32600
        errors = doc["error"]["data"]["errors"]
    else:
        errors = doc["errors"]
    assert list(errors) == [field]
    assert expected_message(case) in errors[field][0]


def test_the_same_routes_still_take_good_input_with_a_surrogate_pair(served):
    """An escaped pair (an emoji) is one valid character: only lone halves are refused."""
    server, account = served
    body = event_json(props='{"mood":"\\ud83d\\ude00"}').encode()
    response = requests.post(server.url + "/api/event", data=body, headers=BROWSER, timeout=10)
    assert response.status_code == 202 and len(response.json()["id"]) == 26
    nested = "[" * (MAX_DEPTH - 5) + "]" * (MAX_DEPTH - 5)  # within the limit, with the envelope's levels
    body = mcp_call('{"tenant":"acme"}').replace('"params":{', '"params":{"_meta":{"x":' + nested + "},")
    headers = {"Authorization": f"Bearer {account.token}"}
    response = requests.post(server.url + "/mcp/analytics", data=body, headers=headers, timeout=10)
    result = response.json()["result"]
    assert response.status_code == 200 and not result.get("isError")
    assert "example.com" in result["content"][0]["text"]


def raw_http(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """One request over a plain socket, so that headers requests would refuse to send reach waitress."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    ("headers", "status", "expected"),
    [
        (
            b"Content-Length: twelve\r\n",
            400,
            {
                "message": "Bad Request: Content-Length is invalid.",
                "errors": {"Content-Length": ["Content-Length is invalid"]},
            },
        ),
        (
            f"Content-Length: {MAX_REQUEST_BODY + 1}\r\n".encode(),
            413,
            {"message": f"Request Entity Too Large: exceeds max_body of {MAX_REQUEST_BODY}."},
        ),
    ],
    ids=["bad-content-length", "oversize-body"],
)
def test_waitress_own_errors_are_json(served, headers, status, expected):
    server, _account = served
    request = b"POST /api/event HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" + headers + b"\r\n{}"
    code, answer_headers, body = raw_http(server.url, request)
    assert code == status
    assert answer_headers["content-type"] == "application/json"
    assert json.loads(body) == expected
    assert requests.get(server.url + "/healthz", timeout=10).json() == {
        "status": "ok",
        "stores": {"events": {"kind": "duckdb", "status": "ok"}, "accounts": {"kind": "duckdb", "status": "ok"}},
    }  # still serving


@pytest.mark.parametrize(
    ("path", "status", "content_type"),
    [
        ("/js/script.js", 200, "application/javascript"),
        ("/js/missing.js", 404, "application/json"),
        ("/healthz", 200, "application/json"),
        ("/api/v1/stats/pages", 200, "application/json"),
        ("/api/v1/nothing-here", 404, "application/json"),
        ("/mcp/analytics", 405, "application/json"),
    ],
)
def test_machine_answers_are_never_sniffed_and_their_errors_are_json(served, path, status, content_type):
    server, account = served
    response = requests.get(server.url + path, headers={"Authorization": f"Bearer {account.token}"}, timeout=10)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith(content_type)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if status >= 400:
        assert response.json() == {"message": {404: "Not found.", 405: "Method not allowed."}[status]}


def test_the_ingest_answers_carry_nosniff(served):
    server, _account = served
    good = requests.post(server.url + "/api/event", data=event_json(), headers=BROWSER, timeout=10)
    bad = requests.post(server.url + "/api/event", data=b"[", headers=BROWSER, timeout=10)
    assert (good.status_code, bad.status_code) == (202, 400)
    assert good.headers["X-Content-Type-Options"] == bad.headers["X-Content-Type-Options"] == "nosniff"
    assert bad.json() == {"message": "body must be a JSON object", "errors": {"body": ["must be a JSON object"]}}


# --- the chat route (dashboard JSON), on the real app in-process ---


@pytest.fixture
def chat_client(account, make_app):
    from clearanalytics import accounts

    app = make_app(account.data_dir, llm_provider="")
    with app.extensions["clearanalytics.db"].reading() as cur:
        user = accounts.get_user(cur, account.email)
    client = app.test_client()
    session_for(app, client, user.id, "csrf-token")
    return client


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ('{"question":"top pages","site":' + DEEP + "}", "site", DEPTH_MESSAGE),
        ('{"question":"top pages' + SURROGATE_ESCAPE + '"}', "question", SURROGATE_MESSAGE),
        (b'{"question":"top pages' + RAW_SURROGATE + b'"}', "question", SURROGATE_MESSAGE),
    ],
    ids=["deep", "escape", "raw"],
)
def test_chat_questions_with_bad_json_get_400_naming_the_field(chat_client, body, field, message):
    response = chat_client.post(
        "/dashboard/acme/chat", data=body, headers={"X-CSRF-Token": "csrf-token", "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    expected = f"The {field} field {message}."
    assert response.get_json() == {"message": expected, "errors": {field: [expected]}}


# --- import: each bad line numbered, the good lines kept ---


def import_line(path: str, **extra) -> str:
    doc = {"name": "pageview", "url": f"https://example.com{path}", "domain": "example.com",
           "timestamp": "2026-03-01T10:00:00Z", "ip": "192.0.2.1", "user_agent": CHROME, **extra}  # fmt: skip
    return json.dumps(doc)


def test_import_numbers_each_deep_or_surrogate_line_and_keeps_the_good_ones(tmp_path):
    account = make_account(tmp_path / "data")
    lines = [
        import_line("/one"),
        import_line("/deep").replace('"ip"', '"props": {"a": ' + DEEP + '}, "ip"'),
        import_line("/two"),
        import_line("/escape").replace("/escape", "/escape" + SURROGATE_ESCAPE),
        import_line("/three"),
        import_line("/agent").replace('"user_agent": "', '"user_agent": "' + SURROGATE_ESCAPE),
        import_line("/four"),
        import_line("/plausible").replace('"ip"', '"p": ' + json.dumps('{"a":' + DEEP + "}") + ', "ip"')
        .replace('"name"', '"n"').replace('"url"', '"u"').replace('"domain"', '"d"'),
        import_line("/five"),
    ]  # fmt: skip
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = run_cli("import", "--data-dir", account.data_dir, path)
    assert result.exit_code == 0, result.output
    report = [line for line in result.stderr.splitlines() if not line.startswith("Importing")]
    assert report == [
        "accepted 5, dropped 0, bad lines 4",
        f"line 2: props.a {DEPTH_MESSAGE}",
        f"line 4: url {SURROGATE_MESSAGE}",
        f"line 6: user_agent {SURROGATE_MESSAGE}",
        f"line 8: p.a {DEPTH_MESSAGE}",
    ]
    stored = query_rows(account.data_dir, "SELECT pathname FROM pageviews ORDER BY pathname")
    assert [p for (p,) in stored] == ["/five", "/four", "/one", "/three", "/two"]


# --- the catch-all: a bug answers 500 JSON for machines, is logged once, shows no traceback ---


def test_an_unexpected_error_answers_json_500_and_is_logged_once(account, make_app, caplog):
    app = make_app(account.data_dir)
    app.extensions["clearanalytics.db"].close()  # every query now raises: a real fault, not a stub
    client = app.test_client()
    auth = {"Authorization": f"Bearer {account.token}"}
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/stats/pages", headers=auth)
    assert response.status_code == 500
    assert response.get_json() == {"message": "Internal error."}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None, [r.getMessage() for r in errors]
    assert "Traceback" not in response.get_data(as_text=True)
    # /healthz names the fault instead: a supervisor or load balancer reads it.
    health = client.get("/healthz")
    assert health.status_code == 503 and health.headers["X-Content-Type-Options"] == "nosniff"
    assert health.get_json()["status"] == "error" and "closed" in health.get_json()["cause"].lower()


def test_an_exception_before_flask_answers_json_500(caplog):
    """The ingest fast path runs outside Flask: the boundary around the whole app answers for it."""

    def fails(environ, start_response):
        raise RuntimeError("a bug in a middleware")

    statuses = []
    with caplog.at_level(logging.ERROR):
        body = ErrorBoundary(fails)(
            {"PATH_INFO": "/api/event", "REQUEST_METHOD": "POST"},
            lambda status, headers: statuses.append((status, headers)),
        )
    assert statuses[0][0] == "500 Internal Server Error"
    assert ("X-Content-Type-Options", "nosniff") in statuses[0][1]
    assert json.loads(b"".join(body)) == {"message": "Internal error."}
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1
