"""/metrics (Prometheus text format) and the access log: exact numbers from a known mix of requests.

The app is real (a DuckDB file in tmp_path, the real ingest route and writer); the numbers are read
back with prometheus_client's own parser, and the expected ones are counted here, by hand.
"""

from __future__ import annotations

import json

import pytest
import requests
from app_helpers import close_app, new_app
from conftest import PASSWORD, make_token
from dashboard_helpers import login, page_csrf
from ingest_helpers import CHROME
from prometheus_client.parser import text_string_to_metric_families

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def metrics_token(account) -> str:
    return make_token(account, "metrics:read", name="prometheus")


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} for every sample of a scrape."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


@pytest.fixture
def app(account, make_app):
    token = metrics_token(account)
    app = make_app(account.data_dir)
    app.config["METRICS_TEST_TOKEN"] = token
    return app


def post(client, payload, ua: str = CHROME, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload).encode()
    return client.post("/api/event", data=body, headers={"User-Agent": ua, "Content-Type": "text/plain"})


def scrape(client, token: str) -> dict:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.content_type.startswith("text/plain")
    return samples(response.text)


def test_counts_after_a_known_mix_of_events(app, account):
    client = app.test_client()
    page = {"name": "pageview", "url": "https://example.com/", "domain": "example.com"}
    mix = (
        [(page, CHROME)] * 4  # accepted
        + [(page, GOOGLEBOT)] * 3  # dropped: bot
        + [({**page, "url": "https://unknown.org/", "domain": "unknown.org"}, CHROME)] * 2  # dropped: unknown-domain
        + [({"name": "pageview", "domain": "example.com"}, CHROME)]  # invalid: url
    )
    for payload, ua in mix:
        assert post(client, payload, ua).status_code in (202, 400)
    assert post(client, None, raw=b"x" * 100_000).status_code == 400  # invalid: body (too large)
    assert post(client, None, raw=b"[1, 2]").status_code == 400  # invalid: body (not an object)
    app.extensions["clearanalytics.ingest"].flush()
    assert (
        client.get("/api/v1/stats/overview?domain=example.com", headers={"Authorization": "Bearer x"}).status_code
        == 401
    )

    found = scrape(client, app.config["METRICS_TEST_TOKEN"])
    ingest = {labels: value for (name, labels), value in found.items() if name == "clearanalytics_ingest_events_total"}
    assert ingest == {
        (("outcome", "accepted"), ("reason", "")): 4,
        (("outcome", "dropped"), ("reason", "bot")): 3,
        (("outcome", "dropped"), ("reason", "unknown-domain")): 2,
        (("outcome", "invalid"), ("reason", "url")): 1,
        (("outcome", "invalid"), ("reason", "body")): 2,
    }
    # Latency, by route rule: 12 POSTs to the ingest route; the stats call under its rule, not its path.
    count = "clearanalytics_request_duration_seconds_count"
    assert found[(count, (("method", "POST"), ("route", "/api/event")))] == 12
    assert found[(count, (("method", "GET"), ("route", "/api/v1/stats/overview")))] == 1
    assert not [key for key in found if "example.com" in str(key) or "domain=" in str(key)]
    # Everything committed: nothing waits, no lag; the database's size is the file's (and its WAL's).
    assert found[("clearanalytics_spool_pending_events", ())] == 0
    assert found[("clearanalytics_writer_lag_seconds", ())] == 0
    assert found[("clearanalytics_writer_committed_events_total", ())] == 4
    db_path = account.data_dir / "clearanalytics.duckdb"
    wal = db_path.with_name(db_path.name + ".wal")
    size = db_path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    assert found[("clearanalytics_database_bytes", ())] == size > 0


def test_each_app_counts_only_its_own_requests(account):
    token = metrics_token(account)
    for _ in range(2):  # a second app in the same process starts from zero: no global registry
        app = new_app(account.data_dir)
        try:
            client = app.test_client()
            post(client, {"name": "pageview", "url": "https://example.com/", "domain": "example.com"})
            found = scrape(client, token)
            key = ("clearanalytics_ingest_events_total", (("outcome", "accepted"), ("reason", "")))
            assert found[key] == 1
        finally:
            close_app(app)


def test_metrics_need_the_metrics_read_ability(app, account):
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer"}):
        response = client.get("/metrics", headers=headers)
        assert (response.status_code, response.get_json()) == (401, {"message": "Unauthenticated."})
    # The setup token carries every default ability, but not this instance-wide one.
    response = client.get("/metrics", headers={"Authorization": f"Bearer {account.token}"})
    assert (response.status_code, response.get_json()) == (
        403,
        {"message": "This token lacks the metrics:read ability."},
    )


def test_a_tenant_admin_cannot_grant_metrics_read_in_the_dashboard(app, account):
    client = app.test_client()
    assert login(client, account.email, PASSWORD).status_code == 302
    path = "/dashboard/acme/settings/tokens"
    page = client.get(path).text
    assert 'value="metrics:read"' not in page  # no such checkbox (the operator's token is listed, though)
    data = {"name": "sneaky", "abilities": ["metrics:read"], "csrf_token": page_csrf(client, path)}
    response = client.post(path, data=data)
    assert response.status_code == 422
    assert "unknown ability &#39;metrics:read&#39;" in response.text


@pytest.mark.parametrize("enabled", [True, False], ids=["access-log-on", "access-log-off"])
def test_the_access_log_has_routes_but_no_address_token_or_query(account, live_server, enabled):
    token = metrics_token(account)
    env = {"CLEARANALYTICS_ACCESS_LOG": "true" if enabled else "false", "CLEARANALYTICS_TRUSTED_PROXIES": "127.0.0.1"}
    server = live_server(account.data_dir, env=env)
    ingest = requests.post(
        server.url + "/api/event",
        data=json.dumps({"name": "pageview", "url": "https://example.com/?secret=abc", "domain": "example.com"}),
        headers={"User-Agent": CHROME, "X-Forwarded-For": "203.0.113.77"},
        timeout=10,
    )
    assert ingest.status_code == 202
    stats = requests.get(
        server.url + "/api/v1/stats/overview?domain=example.com&period=7d",
        headers={"Authorization": f"Bearer {account.token}"},
        timeout=10,
    )
    assert stats.status_code == 200
    scraped = requests.get(
        server.url + "/metrics?key=hunter2", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert scraped.status_code == 200
    assert requests.get(server.url + "/no/such/page-of-acme", timeout=10).status_code == 404
    server.stop()
    lines = [line for line in server.log_text().splitlines() if " access " in line]
    if not enabled:
        assert lines == []
        return
    tails = [line.split(" access ", 1)[1].rsplit(" ", 1)[0] for line in lines]
    assert tails[0] == "GET /healthz 200"  # LiveServer's readiness probe
    assert [tail for tail in tails if tail != "GET /healthz 200"] == [
        "POST /api/event 202",
        "GET /api/v1/stats/overview 200",
        "GET /metrics 200",
        "GET <unmatched> 404",
    ]
    text = "\n".join(lines)
    for secret in ("127.0.0.1", "203.0.113.77", account.token, token, token.split("|")[1], "hunter2", "?", "domain="):
        assert secret not in text
    assert all(line.endswith("ms") for line in lines)
