"""Commands forwarded to a running server: argv verbatim, paths against the client's cwd, output per thread.

Each test runs the CLI as its own process, from a working directory other than the
server's, against a real `clearanalytics serve` subprocess holding the database.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from tests.conftest import cli_env, make_account, run_cli_subprocess
from tests.ingest_helpers import CHROME, query_rows


def cli_in(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """The CLI as a user runs it from `cwd` (the server runs from the repository root)."""
    return run_cli_subprocess(*args, timeout=timeout, cwd=cwd)


def test_an_argument_naming_a_file_in_the_cwd_is_forwarded_verbatim(tmp_path, live_server):
    account = make_account(tmp_path / "data")
    server = live_server(account.data_dir)
    work = tmp_path / "work"
    work.mkdir()
    (work / "acme").write_text("a file that happens to share the tenant's name\n")
    created = cli_in(
        work, "token", "create", "--data-dir", account.data_dir, "--tenant", "acme",
        "--email", account.email, "--name", "from-cwd",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert created.stderr.startswith("created token ") and "unknown tenant" not in created.stderr
    token = created.stdout.strip()
    listed = cli_in(work, "token", "list", "--data-dir", account.data_dir, "--tenant", "acme")
    assert listed.returncode == 0 and "from-cwd" in listed.stdout
    answers = [
        requests.get(server.url + "/api/v1/stats/pages", headers={"Authorization": f"Bearer {t}"}, timeout=10)
        for t in (token, account.token)
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json() == {"data": []}  # the new token reads acme like the first


def test_import_resolves_its_file_against_the_clients_cwd(tmp_path, live_server):
    account = make_account(tmp_path / "data")
    server = live_server(account.data_dir)
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "example.com").write_text("a file named like the --site value\n")
    lines = [
        {"name": "pageview", "url": f"https://example.com/p{i}", "domain": "ignored.example",
         "timestamp": f"2026-03-01T10:0{i}:00Z", "ip": f"192.0.2.{i}", "user_agent": CHROME}
        for i in range(3)
    ]  # fmt: skip
    (work / "relative.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    # Relative data dir and file, from a cwd the server never saw; --site names a file here too.
    result = cli_in(work, "import", "--data-dir", "../data", "--site", "example.com", "relative.jsonl")
    assert result.returncode == 0, result.stderr
    assert "accepted 3, dropped 0, bad lines 0" in result.stderr
    server.stop()
    assert query_rows(account.data_dir, "SELECT count(*) FROM pageviews") == [(3,)]


def test_server_warnings_never_reach_a_forwarded_commands_output(tmp_path, live_server):
    """With few waitress threads (1 + 0 waiting + 4), concurrent requests make waitress warn ("Task queue depth").

    CI once saw no warning at all from bursts of 6 on a loaded machine (each request answered before the next
    arrived); bursts of 16 and waiting for the first warning make the queueing certain, not likely.
    """
    account = make_account(tmp_path / "data")
    server = live_server(account.data_dir, env={"CLEARANALYTICS_THREADS": "1", "CLEARANALYTICS_REQUEST_QUEUE": "0"})
    path = tmp_path / "many.jsonl"
    with path.open("w") as fh:
        for i in range(20_000):
            doc = {"name": "pageview", "url": f"https://example.com/{i % 50}", "domain": "example.com",
                   "timestamp": f"2026-03-0{1 + i % 9}T10:{i % 60:02d}:00Z", "ip": f"10.0.{i % 200}.1",
                   "user_agent": CHROME}  # fmt: skip
            fh.write(json.dumps(doc) + "\n")
    done = threading.Event()
    bursts = []

    def burst() -> None:
        def one() -> None:
            requests.get(server.url + "/healthz", timeout=30)

        while not done.is_set():
            threads = [threading.Thread(target=one) for _ in range(16)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            bursts.append(1)

    loader = threading.Thread(target=burst)
    loader.start()
    try:
        # The server is already warning before the command starts. Whether a burst overlaps enough to
        # queue depends on the machine's load, so wait for the warning itself rather than a burst.
        deadline = time.monotonic() + 60
        while "Task queue depth" not in server.log_text() and time.monotonic() < deadline:
            done.wait(0.05)
        bursts.clear()
        result = cli_in(tmp_path, "import", "--data-dir", account.data_dir, path, timeout=300)
        during = len(bursts)
    finally:
        done.set()
        loader.join()
    assert result.returncode == 0, result.stderr
    assert "accepted 20000, dropped 0, bad lines 0" in result.stderr
    assert "Task queue depth" not in result.stderr and "Task queue depth" not in result.stdout
    assert during > 1
    server.stop()
    server_log = server.log_text()
    assert "Task queue depth" in server_log  # the warnings happened, and stayed in the server's log
    assert query_rows(account.data_dir, "SELECT count(*) FROM pageviews") == [(20_000,)]


def test_an_argument_that_is_not_utf8_gets_one_error_line(tmp_path, live_server):
    account = make_account(tmp_path / "data")
    live_server(account.data_dir)
    result = subprocess.run(
        [sys.executable, "-m", "clearanalytics", "site", "add", b"bad\xff.example", "--tenant", "acme",
         "--data-dir", str(account.data_dir)],
        capture_output=True, env=cli_env(), timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == b"Error: argument argv[2] must not contain a lone UTF-16 surrogate\n"
