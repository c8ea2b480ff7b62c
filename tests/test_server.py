"""A real `clearanalytics serve` subprocess: health, bearer auth and JSON error bodies."""

from __future__ import annotations

import requests

from tests.conftest import run_cli


def test_health_and_bearer_auth(account, live_server):
    server = live_server(account.data_dir)
    health = requests.get(server.url + "/healthz", timeout=5)
    assert (health.status_code, health.json()) == (200, {"status": "ok"})

    ok = requests.get(server.url + "/api/v1/goals", headers={"Authorization": f"Bearer {account.token}"}, timeout=5)
    assert (ok.status_code, ok.json()) == (200, {"data": []})

    token_id, secret = account.token.split("|")
    for header in (
        None,
        "Bearer nonsense",
        f"Bearer {token_id}|wrong{secret}",
        f"Basic {account.token}",
        f"Bearer 01ZZZZZZZZZZZZZZZZZZZZZZZZ|{secret}",
    ):
        headers = {"Authorization": header} if header else {}
        response = requests.get(server.url + "/api/v1/goals", headers=headers, timeout=5)
        assert response.status_code == 401, header
        assert response.headers["Content-Type"] == "application/json"
        assert response.json() == {"message": "Unauthenticated."}

    missing = requests.get(
        server.url + "/api/v1/no-such-route", headers={"Authorization": f"Bearer {account.token}"}, timeout=5
    )
    assert (missing.status_code, missing.json()) == (404, {"message": "Not found."})


def test_revoked_token_gets_401(account, live_server):
    server = live_server(account.data_dir)
    headers = {"Authorization": f"Bearer {account.token}"}
    assert requests.get(server.url + "/api/v1/goals", headers=headers, timeout=5).status_code == 200
    server.stop()
    token_id = account.token.split("|")[0]
    assert run_cli("token", "revoke", "--data-dir", account.data_dir, token_id).exit_code == 0
    server = live_server(account.data_dir)
    response = requests.get(server.url + "/api/v1/goals", headers=headers, timeout=5)
    assert (response.status_code, response.json()) == (401, {"message": "Unauthenticated."})
