"""A rollup that fails in a running server is reported, never hidden ([3/7] acceptance, begun here).

A real `clearanalytics serve` on the stats dataset (shifted to the real clock), with one rollup
table dropped before it starts, and without the test suite's strict switch, as in production:
the 12m pages report still answers the exact numbers (from raw events, through the same SQL),
while /healthz says the rollups are failing and the log names the report.
"""

from __future__ import annotations

import os

import duckdb
import pytest
import requests

from clearanalytics.stats.rollup_cache import STRICT_ENV
from tests import stats_dataset
from tests.conftest import LiveServer
from tests.stats_expected import Expected
from tests.test_mcp_tools import TENANT_DOMAINS, api, shifted, utcnow


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("rollup-health") / "data"
    data = shifted(stats_dataset.build(), utcnow())
    stats_dataset.load(data_dir, data)
    with duckdb.connect(str(data_dir / "clearanalytics.duckdb")) as con:
        con.execute("DROP TABLE rollup_dims")  # every breakdown report reads it for closed days
    env = {"CLEARANALYTICS_RATE_LIMIT": "100000/minute"}
    saved = os.environ.pop(STRICT_ENV, None)  # the server inherits the environment: production mode
    try:
        server = LiveServer(data_dir, env=env).start()
    finally:
        if saved is not None:
            os.environ[STRICT_ENV] = saved
    yield server, data
    server.stop()


def test_a_failing_rollup_is_reported_while_the_answer_stays_exact(broken):
    server, data = broken
    assert requests.get(f"{server.url}/healthz", timeout=10).json() == {
        "status": "ok",
        "stores": {"events": {"kind": "duckdb", "status": "ok"}, "accounts": {"kind": "duckdb", "status": "ok"}},
    }
    domains = TENANT_DOMAINS["acme"]
    params = {"period": "12m", "limit": 10}
    answer = api(server, data.tokens["acme"], "stats/pages", params)["data"]
    expected = Expected(data, domains, params, utcnow()).pages()
    assert answer == expected and answer
    health = requests.get(f"{server.url}/healthz", timeout=10)
    assert health.status_code == 200  # answers are right, only slower: traffic keeps coming
    doc = health.json()
    assert doc["status"] == "ok"
    assert doc["rollups"].startswith("failing (1 failed answer(s), last for pages); reading raw events, next try in ")
    assert "rollups failed for pages, reading raw events for 60 s" in server.log_text()
    # backing off: a second report is answered from raw events without another failure
    api(server, data.tokens["acme"], "stats/browsers", params)
    assert requests.get(f"{server.url}/healthz", timeout=10).json()["rollups"].startswith("failing (1 failed")
