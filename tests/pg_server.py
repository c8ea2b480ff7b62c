"""A real PostgreSQL for tests: a throwaway cluster per test session, a fresh database per test.

Fixtures (registered by tests/conftest.py):

- `pg_server`: session-scoped. `initdb` into a temp dir, `pg_ctl start` on a Unix socket in that
  dir (no TCP port, so nothing to collide with and nothing reachable from outside), trust auth,
  fsync off (a test cluster need not survive a power cut); stopped and removed at the end.
- `pg_url`: a new empty database on it for each test, as an accounts URL
  (`postgresql://postgres@/test_...?host=SOCKET_DIR`), dropped after the test.

The binaries are Debian's (`apt-get install postgresql`: /usr/lib/postgresql/<version>/bin, not on
PATH), or the directory in $CLEARANALYTICS_PG_BINDIR, or `initdb` on PATH. PostgreSQL refuses to
run as root, so as root (CI runs `.ci/run` as root) the server runs as the `postgres` user that the
Debian package creates (else `nobody`) through `runuser`; its files live in a directory of its own
under /tmp, since pytest's tmp dirs are root-only. Missing binaries or psycopg skip the tests that
use these fixtures, saying why; with CLEARANALYTICS_REQUIRE_POSTGRES=1 (set by `.ci/run`) they fail.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_ENV = "CLEARANALYTICS_REQUIRE_POSTGRES"
BINDIR_ENV = "CLEARANALYTICS_PG_BINDIR"
SUPERUSER = "postgres"


def _unavailable(reason: str) -> None:
    """Skip saying why, or fail where PostgreSQL is required (CI)."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason} (apt-get install postgresql; pip install '.[postgres]')")


def find_bindir() -> Path | None:
    """Where initdb and pg_ctl are: $CLEARANALYTICS_PG_BINDIR, PATH, then Debian's newest version."""
    given = os.environ.get(BINDIR_ENV)
    if given:
        return Path(given) if (Path(given) / "initdb").exists() else None
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(found[-1]).parent if found else None


def _run_as() -> list[str]:
    """The command prefix that runs PostgreSQL's programs as a user it accepts."""
    if os.geteuid() != 0:
        return []
    for name in (SUPERUSER, "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"]
    _unavailable("running as root and neither a 'postgres' nor a 'nobody' user exists to run the server")
    return []


@dataclass
class PgServer:
    """A running throwaway cluster: `url(dbname)` and `admin()` connect to it over its socket."""

    bindir: Path
    base: Path
    prefix: list[str]
    startup_seconds: float = 0.0
    _names = itertools.count(1)

    @property
    def socket_dir(self) -> Path:
        return self.base / "sock"

    def url(self, dbname: str) -> str:
        return f"postgresql://{SUPERUSER}@/{dbname}?host={self.socket_dir}"

    def admin(self):
        import psycopg

        return psycopg.connect(host=str(self.socket_dir), user=SUPERUSER, dbname="postgres", autocommit=True)

    def create_database(self) -> str:
        name = f"test_{os.getpid()}_{next(self._names)}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _pg(self, program: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.prefix, str(self.bindir / program), *args], capture_output=True, text=True, timeout=timeout
        )

    def start(self) -> PgServer:
        started = time.monotonic()
        data, sock = self.base / "data", self.socket_dir
        for path in (data, sock):
            path.mkdir()
        if self.prefix:  # the server's user owns its files; root still reaches the socket (mode 0777)
            user = self.prefix[2]
            os.chmod(self.base, 0o755)
            for path in (data, sock):
                shutil.chown(path, user)
        init = self._pg("initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust", "--no-sync", "-E", "UTF8",
                        "--no-locale")  # fmt: skip
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{sock}' -c fsync=off -c synchronous_commit=off"
            " -c full_page_writes=off -c max_connections=50"
        )
        started_ok = self._pg("pg_ctl", "-D", str(data), "-l", str(sock / "server.log"), "-o", options, "-w",
                              "-t", "60", "start")  # fmt: skip
        if started_ok.returncode != 0:
            log = (sock / "server.log").read_text(errors="replace") if (sock / "server.log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {started_ok.stderr.strip()} {log[-2000:]}")
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.base / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = find_bindir()
    if bindir is None:
        _unavailable("no initdb found (looked in $CLEARANALYTICS_PG_BINDIR, PATH and /usr/lib/postgresql/*/bin)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed")
    server = PgServer(bindir, Path(tempfile.mkdtemp(prefix="clearanalytics-pg-")), _run_as())
    try:  # binaries that are there but cannot start a cluster are a failure, not a skip
        server.start()
    except BaseException:
        server.stop()
        raise
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh, empty database for one test, as an accounts URL."""
    name = pg_server.create_database()
    try:
        yield pg_server.url(name)
    finally:
        pg_server.drop_database(name)
