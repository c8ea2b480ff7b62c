"""Nothing acknowledged is lost: kill -9 and SIGTERM under load, a full disk and its recovery, restarts,
group-commit fsync, and private file modes. Every test runs the real server (or the real Writer over a
real spool and DuckDB file) and counts the ids of the 202 answers it got.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest
import requests

from clearanalytics.db import Database, new_id, utcnow
from clearanalytics.health import Unavailable
from clearanalytics.ingest.store import COLUMNS, Records
from clearanalytics.ingest.writer import Writer
from tests.conftest import REPO_ROOT, cli_env, make_account
from tests.ingest_helpers import CHROME

# --- helpers ---------------------------------------------------------------------------------------

# /healthz of the embedded default: both stores are the one DuckDB file.
EMBEDDED_OK = {
    "status": "ok",
    "stores": {"events": {"kind": "duckdb", "status": "ok"}, "accounts": {"kind": "duckdb", "status": "ok"}},
}


@dataclass
class Backend:
    """Where the server stores events: the DuckDB default, or ClickHouse through chdb (`events_url`, [4/7]).

    `env` is the server's extra environment; `stored_ids` reads the pageview ids the store holds once the
    server has stopped (for chdb in a process of its own: chdb lets one process hold a directory).
    """

    name: str
    env: dict[str, str]
    data_dir: Path
    tmp_path: Path

    def stored_ids(self) -> set[str]:
        if self.name == "duckdb":  # the main file alone, without its .wal: what the documented backup copies
            return stored_ids(main_file_alone(self.data_dir, self.tmp_path))
        return set(self.clickhouse_ids())

    def clickhouse_ids(self) -> list[str]:
        """Every stored pageview id, repeats included (a replay that stored a row twice shows here)."""
        done = subprocess.run(
            [sys.executable, "-c", _CLICKHOUSE_IDS, self.env["CLEARANALYTICS_EVENTS_URL"]],
            capture_output=True, text=True, env=cli_env(), cwd=REPO_ROOT, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


_CLICKHOUSE_IDS = """
import json, sys
from clearanalytics.storage.clickhouse_schema import parse_events_url
from clearanalytics.storage.clickhouse_store import ClickHouseEventStore
store = ClickHouseEventStore(parse_events_url(sys.argv[1]), accounts=None)
print(json.dumps([r[0] for r in store.client.query(f"SELECT id FROM {store.db}.pageviews").result_rows]))
store.close()
"""


def on_clickhouse(tmp_path: Path) -> Backend:
    """The ClickHouse store through chdb in tmp_path (skipped, saying why, without the clickhouse extra)."""
    from tests.chstore_helpers import chdb_missing

    reason = chdb_missing()
    if reason:
        pytest.skip(reason)
    env = {"CLEARANALYTICS_EVENTS_URL": f"chdb://{tmp_path / 'chdb'}?database=durability"}
    return Backend("chdb", env, tmp_path / "data", tmp_path)


@pytest.fixture(params=["duckdb", "chdb"])
def backend(request, tmp_path) -> Backend:
    """A test taking it runs on both event stores (or on those it names, indirect); the accounts stay in the data
    dir's DuckDB file."""
    if request.param == "chdb":
        return on_clickhouse(tmp_path)
    return Backend("duckdb", {}, tmp_path / "data", tmp_path)


@pytest.fixture
def servers(live_server):
    """conftest's live servers, taking `umask` and `log_dir` too (the log must not share a full disk)."""
    return live_server


def wait_for(condition, what: str, timeout: float = 60) -> None:
    """Poll until `condition()` is true; a deadline only against hanging, never a timing assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def post_pageview(conn: http.client.HTTPConnection, path: str) -> tuple[int, dict, dict]:
    body = json.dumps({"name": "pageview", "url": f"https://example.com{path}", "domain": "example.com"})
    conn.request("POST", "/api/event", body, {"Content-Type": "text/plain", "User-Agent": CHROME})
    response = conn.getresponse()
    raw = response.read()
    return response.status, dict(response.getheaders()), json.loads(raw) if raw else {}


class Load:
    """Threads posting pageviews over keep-alive connections until stopped or the server goes away."""

    def __init__(self, url: str, threads: int = 4):
        self.parts = urlsplit(url)
        self.acked: list[str] = []
        self.statuses: Counter[int] = Counter()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self, worker: int) -> None:
        conn = http.client.HTTPConnection(self.parts.hostname, self.parts.port, timeout=30)
        sent = 0
        while not self.stopping.is_set():
            try:
                status, _headers, doc = post_pageview(conn, f"/w{worker}/{sent}")
            except (OSError, http.client.HTTPException):
                return  # the server went away: what was answered 202 before must be stored
            self.statuses[status] += 1
            if status == 202:
                self.acked.append(doc["id"])
            sent += 1

    def wait_for_acks(self, count: int) -> None:
        wait_for(lambda: len(self.acked) >= count, f"{count} acknowledged events")

    def stop(self) -> set[str]:
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=60)
        return set(self.acked)


def stored_ids(database_file: Path) -> set[str]:
    with duckdb.connect(str(database_file), read_only=True) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM pageviews").fetchall()}


def main_file_alone(data_dir: Path, tmp_path: Path) -> Path:
    """A copy of clearanalytics.duckdb without its .wal: what the documented backup copies."""
    copy_dir = tmp_path / f"copy-{time.monotonic_ns()}"
    copy_dir.mkdir()
    shutil.copy2(data_dir / "clearanalytics.duckdb", copy_dir / "clearanalytics.duckdb")
    return copy_dir / "clearanalytics.duckdb"


def assert_all_acknowledged_stored(acked: set[str], stored: set[str], in_flight: int) -> None:
    assert acked, "the load got no 202 at all"
    missing = acked - stored
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged pageviews lost"
    # Stored but unacknowledged: only a request whose 202 was cut off by the stop, one per connection at most.
    assert len(stored - acked) <= in_flight


# --- item 1: a clean stop leaves a complete main file -------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_clean_stop_under_load_leaves_every_acknowledged_pageview_in_the_main_file_alone(tmp_path, servers, signum):
    account = make_account(tmp_path / "data")
    # A long flush interval: without the shutdown flush + checkpoint nearly everything would be elsewhere.
    server = servers(account.data_dir, env={"CLEARANALYTICS_FLUSH_INTERVAL": "5"})
    load = Load(server.url, threads=4)
    load.wait_for_acks(300)
    assert server.signal(signum) == 0
    acked = load.stop()
    assert not (account.data_dir / "clearanalytics.duckdb.wal").exists()
    assert not list((account.data_dir / "spool").glob("*.jsonl"))
    assert_all_acknowledged_stored(acked, stored_ids(main_file_alone(account.data_dir, tmp_path)), in_flight=4)


def test_sigterm_under_load_on_clickhouse_stores_every_acknowledged_pageview(tmp_path, servers):
    """The clean stop on the ClickHouse store ([4/7]): the shutdown flush commits the spool into ClickHouse
    (the DuckDB-only part, a main file without its .wal, is the test above)."""
    store = on_clickhouse(tmp_path)
    account = make_account(store.data_dir)
    server = servers(account.data_dir, env={"CLEARANALYTICS_FLUSH_INTERVAL": "5"} | store.env)
    load = Load(server.url, threads=4)
    load.wait_for_acks(300)
    assert server.signal(signal.SIGTERM) == 0
    acked = load.stop()
    assert not list((account.data_dir / "spool").glob("*.jsonl"))
    assert_all_acknowledged_stored(acked, store.stored_ids(), in_flight=4)


def test_cli_command_checkpoints_its_writes_into_the_main_file(tmp_path):
    account = make_account(tmp_path / "data")
    events = tmp_path / "events.jsonl"
    lines = [
        {
            "name": "pageview",
            "url": f"https://example.com/p{i}",
            "domain": "example.com",
            "timestamp": "2026-01-02T10:00:00Z",
            "ip": "203.0.113.9",
            "user_agent": CHROME,
        }  # fmt: skip
        for i in range(50)
    ]
    events.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = subprocess.run(
        [sys.executable, "-m", "clearanalytics", "import", str(events), "--data-dir", str(account.data_dir)],
        capture_output=True, text=True, env=cli_env(), cwd=REPO_ROOT, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(stored_ids(main_file_alone(account.data_dir, tmp_path))) == 50


# --- kill -9 and restart ------------------------------------------------------------------------


# The fsync mode is the spool's (ingest/writer.py), before any store: both modes here, on DuckDB. The ClickHouse
# store killed under load and replayed at restart is the two tests below: with fsync off and everything still
# spooled (accounts in PostgreSQL), and with fsync batch while batches commit (no pageview stored twice).
@pytest.mark.parametrize("backend,fsync", [("duckdb", "off"), ("duckdb", "batch")], indirect=["backend"])
def test_kill_9_under_load_then_restart_loses_nothing_acknowledged(backend, servers, fsync):
    """On both event stores ([4/7]: "ingest through the ClickHouse store survives kill -9 under load"): the
    spool is each node's write-ahead log, replayed into the store at restart (idempotently on ClickHouse)."""
    account = make_account(backend.data_dir)
    env = {"CLEARANALYTICS_FLUSH_INTERVAL": "30", "CLEARANALYTICS_FSYNC": fsync} | backend.env
    server = servers(account.data_dir, env=env)
    load = Load(server.url, threads=4)
    load.wait_for_acks(300)
    server.proc.kill()
    server.proc.wait()
    acked = load.stop()
    assert list((account.data_dir / "spool").glob("*.jsonl")), "the kill should leave spooled events"
    restarted = servers(account.data_dir, env=backend.env)  # replays the spool
    restarted.stop()
    assert_all_acknowledged_stored(acked, backend.stored_ids(), in_flight=4)


def test_kill_9_under_load_with_postgresql_accounts_loses_nothing_acknowledged(tmp_path, servers, pg_url):
    """The several-node set-up on one node: events in ClickHouse (chdb), accounts and the daily salts in a real
    PostgreSQL, which the ingest reads under load (fsync off only: the spool is the same as above)."""
    store = on_clickhouse(tmp_path)
    store.env["CLEARANALYTICS_ACCOUNTS_URL"] = pg_url
    setup = subprocess.run(
        [sys.executable, "-m", "clearanalytics", "setup", "--data-dir", str(store.data_dir), "--tenant", "acme",
         "--tenant-name", "Acme", "--site", "example.com", "--email", "o@example.com", "--password", "pw-123456789"],
        capture_output=True, text=True, env=cli_env() | store.env, cwd=REPO_ROOT, timeout=120,
    )  # fmt: skip
    assert setup.returncode == 0, setup.stderr
    server = servers(store.data_dir, env={"CLEARANALYTICS_FLUSH_INTERVAL": "30"} | store.env)
    load = Load(server.url, threads=4)
    load.wait_for_acks(300)
    server.proc.kill()
    server.proc.wait()
    acked = load.stop()
    assert list((store.data_dir / "spool").glob("*.jsonl")), "the kill should leave spooled events"
    restarted = servers(store.data_dir, env=store.env)  # replays the spool
    restarted.stop()
    ids = store.clickhouse_ids()
    assert len(ids) == len(set(ids)), "a replay stored a pageview twice"
    assert_all_acknowledged_stored(acked, set(ids), in_flight=4)


def test_kill_9_while_batches_commit_to_clickhouse_then_restart_stores_each_pageview_once(tmp_path, servers):
    """A short flush interval: the kill lands while the writer commits into ClickHouse, so the restart replays
    segments of which some batches are stored already. Every acknowledged pageview is stored, none twice.
    With fsync batch: each 202 waited for the fdatasync of its spool line."""
    store = on_clickhouse(tmp_path)
    account = make_account(store.data_dir)
    env = {"CLEARANALYTICS_FLUSH_INTERVAL": "0.05", "CLEARANALYTICS_FSYNC": "batch"} | store.env
    server = servers(account.data_dir, env=env)
    load = Load(server.url, threads=4)
    load.wait_for_acks(400)
    server.proc.kill()
    server.proc.wait()
    acked = load.stop()
    restarted = servers(account.data_dir, env=store.env)
    restarted.stop()
    ids = store.clickhouse_ids()
    assert len(ids) == len(set(ids)), "a replay stored a pageview twice"
    assert_all_acknowledged_stored(acked, set(ids), in_flight=4)


# --- item 3: disk full ------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A real 30 MB tmpfs, so the disk really fills; unmounted afterwards."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=30m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        reason = f"cannot mount a tmpfs (needs root): {done.stderr.decode().strip()}"
        print(reason)
        pytest.skip(reason)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Take every free byte of the disk with one file; deleting it frees the space again."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (1 << 20, 65536, 4096, 512, 64, 1):
            try:
                while os.write(fd, b"\0" * size):
                    pass
            except OSError:
                continue
    finally:
        os.close(fd)
    return filler


def test_disk_full_answers_503_recovers_by_itself_and_loses_nothing_acknowledged(small_disk, servers, tmp_path):
    account = make_account(small_disk / "data")
    server = servers(account.data_dir, log_dir=tmp_path)  # the log must not share the full disk
    conn = http.client.HTTPConnection(urlsplit(server.url).hostname, urlsplit(server.url).port, timeout=30)
    acked: set[str] = set()
    refused: list[tuple[dict, dict]] = []

    def post_many(prefix: str, count: int) -> None:
        for i in range(count):
            status, headers, doc = post_pageview(conn, f"/{prefix}/{i}")
            assert status in (202, 503), (status, doc)
            if status == 202:
                acked.add(doc["id"])
            else:
                refused.append((headers, doc))

    post_many("before", 20)
    assert len(acked) == 20
    filler = fill(small_disk)
    post_many("full", 200)
    assert refused, "a full disk must refuse events, not acknowledge them"
    headers, doc = refused[-1]
    assert headers["Content-Type"] == "application/json" and "disk full" in doc["message"]
    assert int(headers["Retry-After"]) > 0
    health = requests.get(server.url + "/healthz", timeout=10)
    assert health.status_code == 503
    assert health.json()["status"] == "error" and "disk full" in health.json()["cause"]

    filler.unlink()  # the operator frees space; the server needs no restart
    wait_for(lambda: requests.get(server.url + "/healthz", timeout=10).json() == EMBEDDED_OK, "healthz 200")
    refused.clear()
    post_many("after", 20)
    assert not refused
    log_size = server.log.stat().st_size
    assert log_size < 20_000, f"{len(refused)} refusals should log a few lines, not {log_size} bytes"

    # Full again, then killed while full: the torn tail of the spool must not cost an acknowledged event.
    filler = fill(small_disk)
    post_many("full-again", 100)
    server.proc.kill()
    server.proc.wait()
    filler.unlink()
    restarted = servers(account.data_dir, log_dir=tmp_path)
    assert requests.get(restarted.url + "/healthz", timeout=10).json() == EMBEDDED_OK
    restarted.stop()
    assert_all_acknowledged_stored(acked, stored_ids(main_file_alone(account.data_dir, tmp_path)), in_flight=0)


def test_invalidated_database_is_reopened_and_the_batch_committed(small_disk):
    """A checkpoint that fails for lack of space invalidates DuckDB; the writer reopens it once space is back."""
    account = make_account(small_disk / "data")
    from clearanalytics.ingest.service import IngestService

    db = Database.in_data_dir(account.data_dir)
    service = IngestService(db, account.data_dir, interval=0.05)
    service.start()
    try:
        ids = [service.ingest(pageview_body(i), "203.0.113.7", CHROME).id for i in range(50)]
        service.flush()
        with db.reading() as cur:  # enough WAL that the checkpoint needs more room than is left
            cur.execute("CREATE TABLE ballast AS SELECT md5(i::VARCHAR) AS m FROM range(20000) t(i)")
        filler = fill(small_disk)
        with db.reading() as cur, pytest.raises(duckdb.FatalException):
            cur.execute("CHECKPOINT")
        status, doc = check_health(service)
        assert status == 503 and doc["status"] == "error"
        filler.unlink()
        ids += [service.ingest(pageview_body(100 + i), "203.0.113.7", CHROME).id for i in range(50)]
        wait_for(lambda: service.writer.committed >= 100 and check_health(service)[0] == 200, "the reopened db")
    finally:
        service.close()
        db.close()
    assert stored_ids(account.data_dir / "clearanalytics.duckdb") == set(ids)


def pageview_body(i: int) -> bytes:
    return json.dumps({"name": "pageview", "url": f"https://example.com/r{i}", "domain": "example.com"}).encode()


def check_health(service) -> tuple[int, dict]:
    from clearanalytics.health import check

    return check(service.db, service)


def database_with_site(tmp_path) -> Database:
    """A database holding the site `one_pageview` rows belong to (the writer drops rows of unknown sites)."""
    db = Database(tmp_path / "db.duckdb")
    with db.transaction() as cur:
        cur.execute("INSERT INTO sites (id, tenant_id, domain, created_at) VALUES ('site', 't', 'example.com', now())")
    return db


def test_a_short_write_is_refused_and_its_torn_tail_cut_off(tmp_path):
    """The kernel's file size limit makes a write stop mid-line (a real short write, then EFBIG), like a full disk."""
    db = database_with_site(tmp_path)
    writer = Writer(db, tmp_path / "spool", interval=60)
    writer.start()
    accepted = [one_pageview(i) for i in range(3)]
    for records in accepted:
        writer.submit(records)
    segment = next((tmp_path / "spool").glob("*.jsonl"))
    whole = segment.stat().st_size
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (whole + 100, hard))  # room for a third of the next line
    try:
        with pytest.raises(Unavailable):
            writer.submit(one_pageview(3))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)
    assert segment.stat().st_size == whole and segment.read_bytes().endswith(b"\n")
    accepted.append(one_pageview(4))
    writer.submit(accepted[-1])  # appended after whole lines, not glued to a torn one
    assert [len(json.loads(line)["pageviews"]) for line in segment.read_text().splitlines()] == [1, 1, 1, 1]
    writer.close()
    with db.reading() as cur:
        stored = {row[0] for row in cur.execute("SELECT id FROM pageviews").fetchall()}
    db.close()
    assert stored == {r.rows["pageviews"][0][0] for r in accepted}


# --- item 6: group-commit fsync ---------------------------------------------------------------


def one_pageview(i: int) -> Records:
    row = {c: None for c in COLUMNS["pageviews"]}
    row |= {"id": new_id(), "site_id": "site", "visitor_hash": f"v{i}", "session_hash": f"s{i}", "pathname": f"/{i}"}
    row |= {"hostname": "example.com", "referrer_source": "Direct", "channel": "Direct", "browser": "Chrome"}
    row |= {"os": "Linux", "device_type": "Desktop", "duration": 0, "created_at": utcnow()}
    records = Records()
    records.rows["pageviews"].append(tuple(row[c] for c in COLUMNS["pageviews"]))
    return records


def test_fsync_batch_shares_one_fdatasync_per_batch_and_answers_only_after_it(tmp_path, monkeypatch):
    db = database_with_site(tmp_path)
    writer = Writer(db, tmp_path / "spool", interval=0.05, fsync="batch")
    synced_lines: set[str] = set()
    calls = []
    real_fdatasync = os.fdatasync

    def counting_fdatasync(fd: int) -> None:
        with open(f"/proc/self/fd/{fd}", "rb") as fh:  # the lines this call will make durable
            before = fh.read().decode().splitlines()
        time.sleep(0.005)  # a disk's flush latency, so that concurrent submitters queue behind it
        real_fdatasync(fd)
        calls.append(fd)
        synced_lines.update(before)

    monkeypatch.setattr(os, "fdatasync", counting_fdatasync)
    writer.start()
    not_synced_at_return = []

    def submitter(n: int) -> None:
        for i in range(40):
            records = one_pageview(n * 1000 + i)
            writer.submit(records)
            pid = records.rows["pageviews"][0][0]
            if not any(pid in line for line in synced_lines):
                not_synced_at_return.append(pid)

    threads = [threading.Thread(target=submitter, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()
    assert not not_synced_at_return, "a submit returned before an fdatasync covered its line"
    assert 0 < len(calls) < 8 * 40, f"{len(calls)} fdatasync calls for 320 events: no batching"
    with db.reading() as cur:
        assert cur.execute("SELECT count(*) FROM pageviews").fetchone()[0] == 320
    db.close()


def test_fsync_off_never_calls_fdatasync(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "fdatasync", lambda fd: calls.append(fd))
    db = Database(tmp_path / "db.duckdb")
    writer = Writer(db, tmp_path / "spool", fsync="off")
    writer.start()
    for i in range(20):
        writer.submit(one_pageview(i))
    writer.close()
    db.close()
    assert calls == []


# --- item 8: private files whatever the umask -----------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_data_dir_and_files_are_private_under_umask_022(tmp_path, servers):
    data_dir = tmp_path / "data"
    old = os.umask(0o022)
    try:  # an existing, world-readable data dir from an older version
        data_dir.mkdir(mode=0o755)
        (data_dir / "clearanalytics.toml").write_text("")
        os.chmod(data_dir / "clearanalytics.toml", 0o644)
    finally:
        os.umask(old)
    setup = subprocess.run(
        [sys.executable, "-m", "clearanalytics", "setup", "--data-dir", str(data_dir), "--tenant", "acme",
         "--tenant-name", "Acme", "--site", "example.com", "--email", "o@example.com", "--password", "pw-123456789"],
        capture_output=True, text=True, env=cli_env(), cwd=REPO_ROOT, preexec_fn=lambda: os.umask(0o022),
    )  # fmt: skip
    assert setup.returncode == 0, setup.stderr
    server = servers(data_dir, env={"CLEARANALYTICS_FLUSH_INTERVAL": "30", "CLEARANALYTICS_FSYNC": "off"}, umask=0o022)
    conn = http.client.HTTPConnection(urlsplit(server.url).hostname, urlsplit(server.url).port, timeout=30)
    assert post_pageview(conn, "/private")[0] == 202
    # While the server runs: the WAL (written by the salts at start), the spool segment, the socket.
    files = {
        data_dir: 0o700,
        data_dir / "clearanalytics.duckdb": 0o600,
        data_dir / "secret_key": 0o600,
        data_dir / "clearanalytics.toml": 0o600,
        data_dir / "control.sock": 0o600,
        data_dir / "spool": 0o700,
    }
    files |= {p: 0o600 for p in (data_dir / "spool").glob("*.jsonl")}
    files |= {p: 0o600 for p in data_dir.glob("*.wal")}
    assert any(p.suffix == ".jsonl" for p in files)
    assert {str(p): oct(mode(p)) for p in files} == {str(p): oct(m) for p, m in files.items()}
    everything = [data_dir, *data_dir.rglob("*")]
    assert [str(p) for p in everything if mode(p) & 0o077] == []


def test_an_unknown_fsync_mode_is_one_error_line(tmp_path):
    env = cli_env() | {"CLEARANALYTICS_FSYNC": "sometimes"}
    done = subprocess.run(
        [sys.executable, "-m", "clearanalytics", "serve", "--data-dir", str(tmp_path / "data"), "--port", "0"],
        capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == "Error: fsync must be one of batch, off, not 'sometimes'"


def test_a_repeated_error_is_logged_once_per_interval_with_a_count(caplog):
    import logging

    from clearanalytics.health import ThrottledLog

    throttled = ThrottledLog(logging.getLogger("tests.durability"), interval=3600)
    error = OSError(28, "No space left on device", "/data/spool/x.jsonl")
    with caplog.at_level(logging.ERROR, logger="tests.durability"):
        logged = [throttled.error("spool", "cannot write to the ingest spool", error) for _ in range(100)]
        throttled.interval = 0  # the interval has passed
        logged.append(throttled.error("spool", "cannot write to the ingest spool", error))
    assert logged.count(True) == 2
    assert [r.getMessage() for r in caplog.records] == [
        "cannot write to the ingest spool: disk full: No space left on device: /data/spool/x.jsonl",
        "cannot write to the ingest spool: disk full: No space left on device: /data/spool/x.jsonl"
        " (and 99 more times in the last 0 s)",
    ]
