"""The CLI as a user drives it: setup, idempotency, tokens, and one-line errors for bad input."""

from __future__ import annotations

import os
import socket
import stat

import duckdb
import pytest

from clearanalytics.db import Database
from clearanalytics.migrations import MIGRATIONS
from tests.conftest import PASSWORD, run_cli, run_cli_subprocess


def setup_args(data_dir, **overrides):
    values = {
        "tenant": "acme",
        "tenant-name": "Acme",
        "site": "example.com",
        "email": "owner@example.com",
        "password": PASSWORD,
    } | overrides
    args = ["setup", "--data-dir", str(data_dir)]
    for key, value in values.items():
        args += [f"--{key}", value]
    return args


def table_counts(data_dir) -> dict[str, int]:
    con = duckdb.connect(str(data_dir / "clearanalytics.duckdb"), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("tenants", "sites", "users", "memberships", "api_tokens")
        }
    finally:
        con.close()


def test_setup_creates_everything_then_is_idempotent(tmp_path):
    data_dir = tmp_path / "data"
    first = run_cli(*setup_args(data_dir, timezone="Europe/Amsterdam", currency="usd"))
    assert first.exit_code == 0
    assert "created tenant acme" in first.stdout and "created site example.com" in first.stdout
    assert table_counts(data_dir) == {"tenants": 1, "sites": 1, "users": 1, "memberships": 1, "api_tokens": 0}
    key_file = data_dir / "secret_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    key = key_file.read_text()

    second = run_cli(*setup_args(data_dir, timezone="Europe/Amsterdam", currency="usd"))
    assert second.exit_code == 0
    assert second.stdout.strip() == "Already set up: nothing changed."
    assert table_counts(data_dir) == {"tenants": 1, "sites": 1, "users": 1, "memberships": 1, "api_tokens": 0}
    assert key_file.read_text() == key
    listing = run_cli("site", "list", "--data-dir", data_dir)
    assert listing.stdout.strip() == "example.com\tacme\tEurope/Amsterdam\tUSD"


def test_setup_prompts_for_missing_values(tmp_path):
    data_dir = tmp_path / "data"
    answers = "\n".join(["acme", "Acme Inc", "example.com", "o@example.com", PASSWORD, PASSWORD]) + "\n"
    result = run_cli("setup", "--data-dir", data_dir, input=answers)
    assert result.exit_code == 0, result.output
    assert run_cli("tenant", "list", "--data-dir", data_dir).stdout.strip() == "acme\tbusiness\tAcme Inc"


def test_token_create_prints_only_the_token_and_stores_a_hash(tmp_path):
    data_dir = tmp_path / "data"
    run_cli(*setup_args(data_dir))
    result = run_cli_subprocess(
        "token",
        "create",
        "--data-dir",
        data_dir,
        "--tenant",
        "acme",
        "--email",
        "owner@example.com",
        "--name",
        "ci",
        "--ability",
        "stats:read",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    token_id, secret = lines[0].split("|")
    con = duckdb.connect(str(data_dir / "clearanalytics.duckdb"), read_only=True)
    stored = con.execute("SELECT token_hash, abilities FROM api_tokens WHERE id = ?", [token_id]).fetchone()
    con.close()
    assert secret not in stored[0] and len(stored[0]) == 64
    assert stored[1] == ["stats:read"]
    listed = run_cli("token", "list", "--data-dir", data_dir).stdout
    assert f"{token_id}\tacme\tci\tstats:read\tnever\tactive" in listed
    assert run_cli("token", "revoke", "--data-dir", data_dir, token_id).exit_code == 0
    assert "\trevoked" in run_cli("token", "list", "--data-dir", data_dir).stdout


def test_user_may_belong_to_several_tenants(tmp_path):
    data_dir = tmp_path / "data"
    run_cli(*setup_args(data_dir))
    assert run_cli("tenant", "add", "--data-dir", data_dir, "beta", "--name", "Beta").exit_code == 0
    result = run_cli("user", "add", "--data-dir", data_dir, "owner@example.com", "--tenant", "beta", "--role", "admin")
    assert result.exit_code == 0
    assert result.stdout.strip() == "owner@example.com is admin of beta"
    assert table_counts(data_dir)["memberships"] == 2


def _busy_port() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


BAD_INPUT = [
    ("unknown tenant", ["site", "add", "x.org", "--tenant", "nope"], "unknown tenant 'nope'"),
    ("malformed domain", ["site", "add", "not a domain", "--tenant", "acme"], "invalid domain"),
    ("duplicate site", ["site", "add", "example.com", "--tenant", "acme"], "site 'example.com' already exists"),
    (
        "malformed email",
        ["user", "add", "not-an-email", "--tenant", "acme", "--password", PASSWORD],
        "invalid email address",
    ),
    (
        "unknown user for token",
        ["token", "create", "--tenant", "acme", "--email", "who@example.com", "--name", "x"],
        "unknown user",
    ),
    ("unknown token", ["token", "revoke", "01NOPE"], "unknown token"),
    ("bad timezone", ["site", "add", "y.org", "--tenant", "acme", "--timezone", "Mars/Base"], "unknown timezone"),
]


@pytest.mark.parametrize(("case", "args", "message"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_exits_non_zero_with_one_line(tmp_path, case, args, message):
    data_dir = tmp_path / "data"
    run_cli(*setup_args(data_dir))
    result = run_cli_subprocess(*args, "--data-dir", data_dir)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and message in lines[0]
    assert "Traceback" not in result.stderr


def test_unwritable_data_dir_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run_cli_subprocess(*setup_args(blocker / "data"))
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "is not writable" in result.stderr


def test_port_in_use_is_one_line(tmp_path):
    data_dir = tmp_path / "data"
    run_cli(*setup_args(data_dir))
    sock = _busy_port()
    try:
        port = sock.getsockname()[1]
        result = run_cli_subprocess("serve", "--data-dir", data_dir, "--port", port)
    finally:
        sock.close()
    assert result.returncode != 0
    assert result.stderr.strip() == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use"


def test_old_schema_is_migrated_in_place(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    from clearanalytics.migrations import migrate

    assert migrate(con, upto=1) == ["m001_accounts"]
    con.execute("INSERT INTO tenants VALUES ('t1', 'old', 'Old', 'free', now()::TIMESTAMP)")
    con.close()

    db = Database(path)
    assert db.applied_migrations == [m.__name__ for m in MIGRATIONS[1:]]
    with db.reading() as cur:
        assert cur.execute("SELECT max(version) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
        assert cur.execute("SELECT slug, plan FROM tenants").fetchall() == [("old", "free")]
        assert cur.execute("SELECT count(*) FROM pageviews").fetchone()[0] == 0
    db.close()
    assert Database(path).applied_migrations == []
