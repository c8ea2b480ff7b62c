"""Shared fixtures: real data dirs in tmp_path, the real CLI, in-process apps and real server subprocesses.

The fixtures a new test usually wants:

- `account`: a data dir (tmp_path/"data") with tenant acme, site example.com, its owner and a token;
  `make_account(data_dir, ...)` for more tenants or other names, `make_token(account, *abilities)`.
- `make_app(data_dir=None, **settings)`: `create_app` on a real DuckDB file, closed after the test;
  `app` is one over `account`'s data dir (Flask's TESTING on), `client` its test client (settings through
  `@pytest.mark.parametrize("app", [{"rate_limit": "2/minute"}], indirect=True)`). Module- or
  session-scoped fixtures use `with app_on(data_dir, **settings) as app:` (tests/app_helpers.py).
- `cli_runner`: the real Click CLI in-process, with $CLEARANALYTICS_DATA_DIR set to tmp_path/"data".
- `live_server(data_dir)`: `clearanalytics serve` in a subprocess on a free loopback port.
- `stats_data_dir` / `stats_import_data_dir` (tests/stats_dataset.py's data, built once per session
  and copied per module) for report tests; `stats_dataset.NOW` is the clock to pin with `now=`.
- `stats_backend`: "duckdb" or "chdb", a module parameter: the stats oracles run on each event store.
- `copy_data_dir(template, data_dir)`: a dataset several tests write to is built once (module or
  session scope) and copied per test, as test_deletion does.

Run one file while working: `python3 -m pytest -q tests/test_x.py` (no xdist workers by default);
the whole suite as CI does: `python3 -m pytest -n auto --dist loadfile`.
"""

from __future__ import annotations

import atexit
import copy
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient

from clearanalytics.cli import main as cli_main
from tests import stats_dataset
from tests.app_helpers import close_app, new_app
from tests.pg_server import pg_server, pg_url  # noqa: F401  (fixtures: a real PostgreSQL, tests/pg_server.py)
from tests.stats_dataset import Dataset

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


@dataclass(frozen=True)
class Account:
    data_dir: Path
    tenant: str
    site: str
    email: str
    token: str


def make_token(account: Account, *abilities: str, name: str = "tests") -> str:
    """A new token of the account's owner; every ability when none is named."""
    args = ["token", "create", "--data-dir", account.data_dir, "--tenant", account.tenant, "--email", account.email]
    for ability in abilities:
        args += ["--ability", ability]
    result = run_cli(*args, "--name", name)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def _create_account(
    data_dir: Path, tenant: str, site: str, email: str, timezone: str, abilities: tuple[str, ...]
) -> Account:
    """The account made the way an operator makes it: `clearanalytics setup`, then `token create`."""
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
    account = Account(data_dir, tenant, site, email, "")
    return replace(account, token=make_token(account, *abilities))


def copy_data_dir(template: Path, data_dir: Path) -> Path:
    """`data_dir` as a copy of `template`, a closed data dir built once per module or session.

    A dataset that several tests write to is built once and copied per test: the copy of a closed
    DuckDB file costs milliseconds where the build (imports, rollups) costs seconds.
    """
    assert not any(Path(template).glob("*.wal")), f"{template} is still open: close its database first"
    shutil.copytree(template, data_dir)
    return Path(data_dir)


# Fresh accounts are copied from one made per set of arguments in this process: `setup` and `token create`
# (a migration run, a password hash) cost about 0.2 s, a copy of the closed 4 MB file a few milliseconds.
_TEMPLATES: dict[tuple, Account] = {}
_TEMPLATE_ROOT: list[Path] = []


def _template_dir() -> Path:
    if not _TEMPLATE_ROOT:
        root = Path(tempfile.mkdtemp(prefix="clearanalytics-account-templates-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        _TEMPLATE_ROOT.append(root)
    return _TEMPLATE_ROOT[0] / str(len(_TEMPLATES))


def make_account(
    data_dir: Path,
    tenant: str = "acme",
    site: str = "example.com",
    email: str = "owner@example.com",
    timezone: str = "UTC",
    abilities: tuple[str, ...] = (),
) -> Account:
    """Tenant, owner, site and a token (every ability unless `abilities` names some) in `data_dir`.

    A second account in a data dir that already holds one is made by the real commands; a first one
    is a copy of the same account made once by them (same ids and token, in another directory).
    """
    data_dir = Path(data_dir)
    if data_dir.exists() and any(data_dir.iterdir()):
        return _create_account(data_dir, tenant, site, email, timezone, tuple(abilities))
    key = (tenant, site, email, timezone, tuple(abilities))
    if key not in _TEMPLATES:
        _TEMPLATES[key] = _create_account(_template_dir(), *key)
    template = _TEMPLATES[key]
    if data_dir.exists():  # made empty by the test (its own mode, its own filesystem): fill it only
        for source in template.data_dir.iterdir():
            (shutil.copytree if source.is_dir() else shutil.copy2)(source, data_dir / source.name)
    else:
        shutil.copytree(template.data_dir, data_dir)
    return replace(template, data_dir=data_dir)


@pytest.fixture
def account(request, tmp_path) -> Account:
    """A data dir with tenant acme, site example.com, its owner and a token with every ability.

    Other names or abilities: `@pytest.mark.parametrize("account", [{"abilities": ("stats:read",)}], indirect=True)`.
    """
    return make_account(tmp_path / "data", **getattr(request, "param", {}))


@pytest.fixture
def make_app(tmp_path) -> Iterator:
    """Factory: `make_app(data_dir=None, testing=False, **settings)` is `new_app` on tmp_path/"data" unless
    told, closed after the test."""
    apps: list[Flask] = []

    def build(data_dir: Path | None = None, testing: bool = False, **settings) -> Flask:
        app = new_app(data_dir or tmp_path / "data", testing, **settings)
        apps.append(app)
        return app

    yield build
    for app in apps:
        close_app(app)


@pytest.fixture
def app(request, account, make_app) -> Flask:
    """An app over `account`'s data dir, with Flask's TESTING on; settings (and `testing`) through indirect
    parametrization: `@pytest.mark.parametrize("app", [{"trusted_proxies": "127.0.0.1"}], indirect=True)`."""
    return make_app(account.data_dir, **{"testing": True, **getattr(request, "param", {})})


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@dataclass(frozen=True)
class CliRunnerInDataDir:
    """The CLI in-process (Click's CliRunner) with $CLEARANALYTICS_DATA_DIR set, so no --data-dir is needed."""

    data_dir: Path

    def invoke(self, *args: str, input: str | None = None) -> Result:
        runner = CliRunner(env={"CLEARANALYTICS_DATA_DIR": str(self.data_dir)})
        return runner.invoke(cli_main, [str(a) for a in args], input=input, catch_exceptions=False)


@pytest.fixture
def cli_runner(tmp_path) -> CliRunnerInDataDir:
    """`cli_runner.invoke("token", "list", "--tenant", "acme")` on tmp_path/"data" (the `account` fixture's dir)."""
    return CliRunnerInDataDir(tmp_path / "data")


# --- the stats dataset (tests/stats_dataset.py), built once per session, copied per module -----------


@pytest.fixture(scope="session")
def _stats_loaded(tmp_path_factory) -> tuple[Path, Dataset]:
    data_dir = tmp_path_factory.mktemp("stats-loaded") / "data"
    return data_dir, stats_dataset.load(data_dir, stats_dataset.build())


@pytest.fixture(scope="session")
def _stats_imported(tmp_path_factory) -> tuple[Path, Dataset]:
    data = stats_dataset.build()
    data_dir = tmp_path_factory.mktemp("stats-imported") / "data"
    stats_dataset.load_accounts(data_dir, data)
    jsonl = data_dir.parent / "traffic.jsonl"
    jsonl.write_text("\n".join(stats_dataset.import_lines(data)) + "\n")
    result = run_cli("import", str(jsonl), "--data-dir", data_dir)
    assert result.exit_code == 0, result.output
    assert f"accepted {len(data.raw)}, dropped 0, bad lines 0" in result.stderr, result.output
    return data_dir, data


@pytest.fixture(scope="module")
def stats_data_dir(_stats_loaded, tmp_path_factory) -> tuple[Path, Dataset]:
    """The stats dataset's derived rows inserted directly (no ingest): this module's own copy of the
    data dir, and of the Dataset (tokens filled in) to compute the expected numbers from."""
    template, data = _stats_loaded
    return copy_data_dir(template, tmp_path_factory.mktemp("stats") / "data"), copy.deepcopy(data)


@pytest.fixture(scope="module", params=["duckdb", "chdb"])
def stats_backend(request) -> str:
    """The event store a stats oracle module runs on: the DuckDB file, or ClickHouse (chdb) holding the same
    rows (tests/chstore_helpers.py `events_on_clickhouse`). Every report must answer alike on both ([4/7])."""
    from tests.chstore_helpers import chdb_missing

    reason = chdb_missing() if request.param == "chdb" else None
    if reason:
        pytest.skip(reason)
    return request.param


@pytest.fixture(scope="module", params=["duckdb", "split"])
def stats_setup(request) -> str:
    """The set-up an app-level stats oracle module runs on: the embedded DuckDB file, or the stores apart
    (accounts in a real PostgreSQL, events in ClickHouse through chdb: tests/split_helpers.py `stats_app`)."""
    from tests.chstore_helpers import chdb_missing

    reason = chdb_missing() if request.param == "split" else None
    if reason:
        pytest.skip(reason)
    return request.param


@pytest.fixture(scope="module")
def oracle_client(stats_data_dir, stats_setup, request):
    """A test client over the stats dataset on the module's set-up (`stats_setup`), its clock pinned to the
    dataset's NOW and the token rate limit out of the way: what the oracle modules compare the API with."""
    from tests import stats_dataset
    from tests.split_helpers import stats_app

    pg = request.getfixturevalue("pg_server") if stats_setup == "split" else None
    data_dir, data = stats_data_dir
    with stats_app(data_dir, data, stats_setup, pg, now=stats_dataset.NOW, rate_limit="100000/minute") as app:
        yield app.test_client()


@pytest.fixture(scope="module")
def stats_import_data_dir(_stats_imported, tmp_path_factory) -> tuple[Path, Dataset]:
    """The stats dataset's raw traffic through `clearanalytics import` (the whole ingest path), copied per module."""
    template, data = _stats_imported
    return copy_data_dir(template, tmp_path_factory.mktemp("stats-import") / "data"), copy.deepcopy(data)


# The longest test files, slowest first (seconds of test time per file, from --junitxml of a full run on
# 2026-12-06): handed to xdist's workers first, so that --dist loadfile does not start one of them when the other
# workers are nearly done and the run waits on it alone. The rest keep their order.
LONGEST_FIRST = (
    "test_chat_golden_numbers.py", "test_split_serve.py", "test_openapi.py", "test_rollup_build.py",
    "test_dashboard_browser.py", "test_rollups.py", "test_durability.py", "test_panels_browser.py", "test_backup.py",
    "test_import_plausible_ch.py", "test_dashboard_readability.py", "test_shared_links_browser.py",
    "test_worldmap.py", "test_security_auth.py", "test_goal_race.py", "test_properties.py", "test_locations.py",
    "test_mcp_tools.py", "test_faces.py", "test_api_stats.py", "test_mcp_extensions.py", "test_retention.py",
    "test_tracker_browser.py", "test_realtime.py", "test_chat_quick.py", "test_chat_golden.py",
)  # fmt: skip


# Tests stop servers and imports with SIGINT, as Ctrl-C does. A test run started in the background of a
# non-interactive shell inherits SIGINT ignored, and so would every process it starts (a process keeps an ignored
# SIGINT across exec, as a background job should): the signal would never arrive. The run's own processes take
# Python's handler back, so the processes they start get the default disposition.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_sessionfinish(session):
    shared = sys.modules.get("tests.chat_support")
    if shared is not None:  # the golden verdicts this xdist worker shared with the others, some 10 MB a shard
        shared.remove_written_shards()


def pytest_collection_modifyitems(config, items):
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # a stable sort: the same on every worker
