"""A real `clearanalytics serve` subprocess: health, bearer auth and JSON error bodies."""

from __future__ import annotations

import requests

from tests.conftest import run_cli, run_cli_subprocess


def test_health_and_bearer_auth(account, live_server):
    server = live_server(account.data_dir)
    health = requests.get(server.url + "/healthz", timeout=5)
    assert (health.status_code, health.json()) == (
        200,
        {
            "status": "ok",
            "stores": {"events": {"kind": "duckdb", "status": "ok"}, "accounts": {"kind": "duckdb", "status": "ok"}},
        },
    )

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


def test_cli_commands_reach_a_running_server_through_its_control_socket(account, live_server):
    """DuckDB lets one process write the file: while serving, the CLI forwards to the server."""
    server = live_server(account.data_dir)
    created = run_cli_subprocess(
        "token",
        "create",
        "--data-dir",
        account.data_dir,
        "--tenant",
        account.tenant,
        "--email",
        account.email,
        "--name",
        "while-serving",
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(server.url + "/api/v1/goals", headers=headers, timeout=5).status_code == 200

    revoked = run_cli_subprocess("token", "revoke", "--data-dir", account.data_dir, token.split("|")[0])
    assert (revoked.returncode, revoked.stdout.strip()) == (0, f"revoked token {token.split('|')[0]}")
    assert requests.get(server.url + "/api/v1/goals", headers=headers, timeout=5).status_code == 401

    bad = run_cli_subprocess("site", "add", "x.org", "--tenant", "nope", "--data-dir", account.data_dir)
    assert (bad.returncode, bad.stderr.strip()) == (1, "Error: unknown tenant 'nope'")
    needs_input = run_cli_subprocess(
        "user", "add", "new@example.com", "--tenant", account.tenant, "--data-dir", account.data_dir
    )
    assert needs_input.returncode == 1
    assert needs_input.stderr.strip().splitlines()[-1].startswith("Aborted: the command needed input")
    assert server.proc.poll() is None
