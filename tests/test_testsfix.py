"""The shared test fixtures (tests/conftest.py, tests/app_helpers.py) and what keeps a single test file fast.

Issue 13, item 7: one conftest with app, client, runner and account fixtures instead of files building
their own apps; a single file runs in seconds (no xdist workers, no unused plugins by default).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import pytest
from conftest import PASSWORD, REPO_ROOT, cli_env, make_account

from tests.ingest_helpers import query_rows

TESTS = REPO_ROOT / "tests"
# The tests about create_app itself (its secret key, its refusal of a bad setting) call it; no other file does.
CREATE_APP_IS_THE_SUBJECT = {"test_config.py", "test_api_auth.py"}


@pytest.mark.parametrize("account", [{"abilities": ("stats:read",)}], indirect=True)
def test_the_account_app_client_and_cli_runner_fixtures_share_one_data_dir(account, app, client, cli_runner):
    assert account.data_dir == cli_runner.data_dir == app.config["DATA_DIR"]
    headers = {"Authorization": f"Bearer {account.token}"}
    overview = client.get("/api/v1/stats/overview?domain=example.com&period=7d", headers=headers)
    assert overview.status_code == 200 and overview.get_json()["data"]["visitors"] == 0
    goals = client.get("/api/v1/goals?domain=example.com", headers=headers)
    assert goals.status_code == 403  # the token has stats:read only
    listed = cli_runner.invoke("token", "list", "--tenant", "acme")
    assert listed.exit_code == 0, listed.output
    assert re.search(r"\btests\b.*\bstats:read\b", listed.stdout) and "goals:read" not in listed.stdout


@pytest.mark.parametrize("app", [{"testing": False, "rate_limit": "2/minute"}], indirect=True)
def test_the_app_takes_settings_through_indirect_parametrization(account, app, client):
    headers = {"Authorization": f"Bearer {account.token}"}
    statuses = [client.get("/api/v1/goals?domain=example.com", headers=headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert app.config["TESTING"] is False


def test_copied_accounts_are_separate_working_data_dirs(tmp_path, make_app):
    first, second = make_account(tmp_path / "one"), make_account(tmp_path / "two")
    assert (first.tenant, first.site, first.email) == (second.tenant, second.site, second.email)
    added = make_account(first.data_dir, tenant="beta", site="beta.example", email="owner@beta.example")
    assert added.token != first.token  # a second tenant in a data dir is made by the real commands
    assert query_rows(first.data_dir, "SELECT slug FROM tenants ORDER BY slug") == [("acme",), ("beta",)]
    assert query_rows(second.data_dir, "SELECT slug FROM tenants ORDER BY slug") == [("acme",)]
    for account in (first, second, added):
        client = make_app(account.data_dir).test_client()
        response = client.get(
            f"/api/v1/goals?domain={account.site}", headers={"Authorization": f"Bearer {account.token}"}
        )
        assert response.status_code == 200, response.get_data(as_text=True)
    login = make_app(second.data_dir).test_client()
    page = login.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = login.post("/login", data={"email": second.email, "password": PASSWORD, "csrf_token": csrf})
    assert response.status_code == 302


def test_the_session_datasets_hold_the_whole_stats_dataset(stats_data_dir, stats_import_data_dir):
    for data_dir, data in (stats_data_dir, stats_import_data_dir):
        assert query_rows(data_dir, "SELECT count(*) FROM pageviews") == [(len(data.pageviews),)]
        assert query_rows(data_dir, "SELECT count(*) FROM ecommerce_events") == [(len(data.ecommerce),)]
        assert set(data.tokens) == {"acme", "rival"}
    assert stats_data_dir[0] != stats_import_data_dir[0]


def test_no_test_file_builds_its_own_app():
    """create_app is called in one helper (tests/app_helpers.py); files use make_app, app, client or new_app."""
    calling = sorted(
        path.name
        for path in TESTS.glob("test_*.py")
        if re.search(r"(?<![\w\"'])create_app\(", path.read_text()) and path.name not in CREATE_APP_IS_THE_SUBJECT
    )
    assert calling == []


def test_a_plain_pytest_run_starts_no_workers_and_loads_no_unused_plugins(pytestconfig):
    """xdist workers and the schemathesis/hypothesis/benchmark/anyio plugins cost seconds per run of one file;
    .ci/run asks for workers itself."""
    addopts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    assert not re.search(r"(^|\s)(-n|--numprocesses)\b", addopts), addopts
    for plugin in ("schemathesis", "hypothesispytest", "benchmark", "anyio"):
        assert pytestconfig.pluginmanager.is_blocked(plugin), plugin
    assert re.search(r"pytest .*-n auto", (REPO_ROOT / ".ci" / "run").read_text())


def test_importing_the_accounts_module_hashes_no_password():
    """A password hash at import cost every process (CLI command, server, test worker) 0.4 s of scrypt."""
    code = (
        "import werkzeug.security as s\n"
        "def refuse(*a, **k): raise SystemExit('generate_password_hash called at import')\n"
        "s.generate_password_hash = refuse\n"
        "import clearanalytics.accounts as accounts\n"
        "assert s.check_password_hash(accounts._DUMMY_HASH, 'not-a-password')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env(), cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr


def test_the_dummy_hash_costs_what_a_real_one_does():
    from werkzeug.security import generate_password_hash

    from clearanalytics.accounts import _DUMMY_HASH

    assert _DUMMY_HASH.split("$")[0] == generate_password_hash("x").split("$")[0]
