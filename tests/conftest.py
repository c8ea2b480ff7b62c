"""Shared fixtures: real data dirs in tmp_path, the real CLI, and real server subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from clearanalytics.cli import main as cli_main

# The browser fixtures' module is loaded as a plugin by the browser test modules, which also import names
# from it; registered here, before any test module is imported, its asserts are rewritten either way.
pytest.register_assert_rewrite("tests.browser")

REPO_ROOT = Path(__file__).resolve().parent.parent
# A failing rollup answer raises in tests (and in the servers they start) instead of being counted
# and answered from raw events: a broken rollup must fail a test, not just look slow.
os.environ["CLEARANALYTICS_STRICT_ROLLUPS"] = "1"
PASSWORD = "correct-horse-battery"


def run_cli(*args: str, input: str | None = None):
    """Run the CLI in-process; the result has exit_code, stdout and stderr."""
    return CliRunner().invoke(cli_main, [str(a) for a in args], input=input, catch_exceptions=False)


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("CLEARANALYTICS_DATA_DIR", None)
    return env


def run_cli_subprocess(*args: str, timeout: float = 60, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    """Run the CLI as a new user would, in its own process (from `cwd`: the repository root unless told)."""
    return subprocess.run(
        [sys.executable, "-m", "clearanalytics", *[str(a) for a in args]],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=timeout,
        cwd=cwd,
    )


class LiveServer:
    """`clearanalytics serve` in a subprocess on a free loopback port.

    Its stderr goes to a file (`log`), never to a pipe: a pipe nobody reads fills up when the
    server logs a lot (waitress warns per queued request under load) and then blocks it.
    """

    def __init__(
        self, data_dir: Path, env: dict[str, str] | None = None, umask: int | None = None, log_dir: Path | None = None
    ):
        self.data_dir = data_dir
        self.extra_env = env or {}
        self.umask = umask
        self.log = Path(log_dir or data_dir.parent) / f"{data_dir.name}-server.log"
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout: float = 60) -> LiveServer:
        umask = self.umask
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "clearanalytics", "serve", "--data-dir", str(self.data_dir), "--port", "0"],
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env=cli_env() | self.extra_env,
                cwd=REPO_ROOT,
                preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
            )
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            self.proc.kill()
            raise RuntimeError(f"server did not start: {line!r} {self.log_text()}")
        self.url = line.rsplit(" ", 1)[-1].strip()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("server never became healthy")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def signal(self, signum: int) -> int:
        """Send a signal and wait for the exit; returns the exit status."""
        self.proc.send_signal(signum)
        return self.proc.wait(timeout=60)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def live_server():
    """Factory: `live_server(data_dir)` starts a server that is stopped after the test."""
    servers: list[LiveServer] = []

    def start(data_dir: Path, env: dict[str, str] | None = None, **options) -> LiveServer:
        server = LiveServer(data_dir, env, **options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@dataclass
class Account:
    data_dir: Path
    tenant: str
    site: str
    email: str
    token: str


def make_account(
    data_dir: Path,
    tenant: str = "acme",
    site: str = "example.com",
    email: str = "owner@example.com",
    timezone: str = "UTC",
) -> Account:
    result = run_cli(
        "setup",
        "--data-dir",
        data_dir,
        "--tenant",
        tenant,
        "--tenant-name",
        tenant.title(),
        "--site",
        site,
        "--email",
        email,
        "--password",
        PASSWORD,
        "--timezone",
        timezone,
    )
    assert result.exit_code == 0, result.output
    result = run_cli("token", "create", "--data-dir", data_dir, "--tenant", tenant, "--email", email, "--name", "tests")
    assert result.exit_code == 0, result.output
    return Account(data_dir, tenant, site, email, result.stdout.strip())


@pytest.fixture
def account(tmp_path) -> Account:
    """A data dir with tenant acme, site example.com, its owner and a token with every ability."""
    return make_account(tmp_path / "data")
