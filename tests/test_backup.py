"""`clearanalytics backup` mid-load through a running server, then `restore` into a new dir and serve it.

The original server runs with a 30 s flush interval, so when the backup starts most acknowledged
events wait in the ingest writer's spool, not in the database: only the flush the backup does
first puts them in the copy. The stats dataset's history (January-February 2026) is imported
before the server starts and gets no live traffic, so its stats API answers must be equal between
the original and the restored server; the live traffic (today) is checked id by id instead.
"""

from __future__ import annotations

import json
import os
import re
import stat
import threading
import time

import requests

from clearanalytics.config import CONFIG_FILE_NAME, DATABASE_FILE_NAME, SECRET_KEY_FILE_NAME
from clearanalytics.migrations import MIGRATIONS
from tests import stats_dataset
from tests.conftest import PASSWORD, run_cli, run_cli_subprocess
from tests.ingest_helpers import query_rows
from tests.test_api_stats import ENDPOINTS
from tests.test_ingest_live import _poster

PERIODS = ({"from": "2026-01-04", "to": "2026-02-19"}, {"from": "2026-01-10", "to": "2026-01-31"})


class AckLog:
    """The ids answered 202, each with the moment its answer arrived (time.monotonic)."""

    def __init__(self) -> None:
        self.acks: list[tuple[float, str]] = []

    def append(self, event_id: str) -> None:
        self.acks.append((time.monotonic(), event_id))

    def __len__(self) -> int:
        return len(self.acks)

    def before(self, moment: float) -> set[str]:
        return {event_id for at, event_id in list(self.acks) if at < moment}


def _history(data_dir):
    """The stats dataset's accounts and traffic, imported, plus a config file the backup must carry."""
    data = stats_dataset.build()
    stats_dataset.load_accounts(data_dir, data)
    jsonl = data_dir.parent / "history.jsonl"
    jsonl.write_text("\n".join(stats_dataset.import_lines(data)) + "\n")
    result = run_cli("import", str(jsonl), "--data-dir", data_dir)
    assert result.exit_code == 0, result.output
    (data_dir / CONFIG_FILE_NAME).write_text('rate_limit = "100000/minute"\n')
    result = run_cli("site", "add", "example.com", "--tenant", "acme", "--data-dir", data_dir)
    assert result.exit_code == 0, result.output
    return data


def _stats(url: str, token: str) -> dict:
    answers = {}
    for domain in ("shop.example", "blog.example"):
        for params in PERIODS:
            for endpoint in ENDPOINTS:
                response = requests.get(
                    f"{url}/api/v1/stats/{endpoint}",
                    params=params | {"domain": domain},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                )
                assert response.status_code == 200, (endpoint, response.text)
                answers[(domain, json.dumps(params), endpoint)] = response.json()
    return answers


def _login(url: str, email: str, password: str) -> requests.Response:
    session = requests.Session()
    page = session.get(url + "/login", timeout=10)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        url + "/login", data={"email": email, "password": password, "csrf_token": csrf}, allow_redirects=False
    )
    assert answer.status_code == 302, answer.text
    return session.get(url + answer.headers["Location"], timeout=10)


def test_backup_mid_load_restores_every_acknowledged_event_and_equal_stats(tmp_path, live_server):
    data_dir = tmp_path / "data"
    data = _history(data_dir)
    token = data.tokens["acme"]
    server = live_server(data_dir, env={"CLEARANALYTICS_FLUSH_INTERVAL": "30"})
    original_stats = _stats(server.url, token)

    acked = AckLog()
    stop = threading.Event()
    posters = [threading.Thread(target=_poster, args=(server.url, w, acked, stop)) for w in range(4)]
    for thread in posters:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acked) < 400 and time.monotonic() < deadline:
        time.sleep(0.05)
    began = time.monotonic()
    result = run_cli_subprocess("backup", tmp_path / "bk", "--data-dir", data_dir, timeout=300)
    after_backup = len(acked)
    deadline = time.monotonic() + 60
    while len(acked) < after_backup + 100 and time.monotonic() < deadline:
        time.sleep(0.05)  # the load goes on after the backup too
    stop.set()
    for thread in posters:
        thread.join()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "bk")
    acked_before = acked.before(began)
    assert len(acked_before) >= 400
    assert len(acked) >= len(acked_before) + 100

    backup_dir = tmp_path / "bk"
    assert sorted(p.name for p in backup_dir.iterdir()) == sorted(
        [DATABASE_FILE_NAME, SECRET_KEY_FILE_NAME, CONFIG_FILE_NAME, "manifest.json"]
    )
    assert stat.S_IMODE(backup_dir.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in backup_dir.iterdir()} == {0o600}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bk.partial")]

    server.stop()  # the original keeps everything, including what came after the backup
    original_ids = {r[0] for r in query_rows(data_dir, "SELECT p.id FROM pageviews p WHERE p.hostname = 'example.com'")}
    assert {event_id for _, event_id in acked.acks} <= original_ids

    restored_dir = tmp_path / "restored"
    result = run_cli_subprocess("restore", backup_dir, "--data-dir", restored_dir)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(restored_dir.stat().st_mode) == 0o700
    for name in (SECRET_KEY_FILE_NAME, CONFIG_FILE_NAME):
        assert (restored_dir / name).read_text() == (data_dir / name).read_text()
        assert stat.S_IMODE((restored_dir / name).stat().st_mode) == 0o600

    restored_ids = {r[0] for r in query_rows(restored_dir, "SELECT id FROM pageviews WHERE hostname = 'example.com'")}
    assert acked_before <= restored_ids  # every event answered 202 before the backup began
    assert restored_ids <= original_ids
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["tables"]["pageviews"] == len(data.pageviews) + len(restored_ids)
    assert manifest["schema_version"] == len(MIGRATIONS)
    assert query_rows(restored_dir, "SELECT max(version) FROM schema_version") == [(len(MIGRATIONS),)]
    assert manifest["tables"]["rollup_days"] > 0  # the stats calls above built rollups: they come along
    assert query_rows(restored_dir, "SELECT count(*) FROM rollup_days") == [(manifest["tables"]["rollup_days"],)]

    restored = live_server(restored_dir)
    assert _stats(restored.url, token) == original_stats  # the same token, the same answers
    dashboard = _login(restored.url, "owner@acme.test", PASSWORD)
    assert dashboard.status_code == 200 and "shop.example" in dashboard.text


def test_backup_and_restore_without_a_server_and_their_refusals(tmp_path):
    data_dir = tmp_path / "data"
    assert run_cli("setup", "--data-dir", data_dir, "--tenant", "acme", "--tenant-name", "Acme", "--site",
                   "example.com", "--email", "o@example.com", "--password", PASSWORD).exit_code == 0  # fmt: skip
    token = run_cli("token", "create", "--data-dir", data_dir, "--tenant", "acme", "--email", "o@example.com",
                    "--name", "t").stdout.strip()  # fmt: skip
    # An event a crashed server acknowledged but never committed: the backup replays the spool first.
    spool = data_dir / "spool"
    spool.mkdir()
    site_id = query_rows(data_dir, "SELECT id FROM sites")[0][0]
    row = ["01JSPOOLEDEVENT0000000000", site_id, "v", "s", "example.com", "/spooled", None, "direct", "direct"]
    row += [None] * 6 + ["Firefox", "Linux", "desktop", None, 0, 0, "2026-12-01T10:00:00"]
    (spool / "20261201100000000000-1-000001.jsonl").write_text(json.dumps({"pageviews": [row]}) + "\n")

    result = run_cli_subprocess("backup", tmp_path / "bk", "--data-dir", data_dir)
    assert result.returncode == 0, result.stderr
    again = run_cli_subprocess("backup", tmp_path / "bk", "--data-dir", data_dir)
    assert again.returncode == 1 and again.stderr.strip().splitlines() == [
        f"Error: {tmp_path / 'bk'} already exists; give a new directory"
    ]
    missing = run_cli_subprocess("backup", tmp_path / "bk2", "--data-dir", tmp_path / "nothing")
    assert missing.stderr.strip() == f"Error: no database in {tmp_path / 'nothing'}"
    assert not (tmp_path / "nothing").exists()

    restored = tmp_path / "restored"
    assert run_cli_subprocess("restore", tmp_path / "bk", "--data-dir", restored).returncode == 0
    assert query_rows(restored, "SELECT pathname FROM pageviews") == [("/spooled",)]
    token_id = token.split("|")[0]
    assert query_rows(restored, f"SELECT count(*) FROM api_tokens WHERE id = '{token_id}'") == [(1,)]

    not_empty = run_cli_subprocess("restore", tmp_path / "bk", "--data-dir", restored)
    assert not_empty.returncode == 1
    assert not_empty.stderr.strip() == f"Error: {restored} is not empty; give --force to replace its data"
    (restored / "spool").mkdir(exist_ok=True)
    (restored / "spool" / "old.jsonl").write_text("{}\n")  # a stale spool must not replay into the restore
    forced = run_cli_subprocess("restore", tmp_path / "bk", "--data-dir", restored, "--force")
    assert forced.returncode == 0, forced.stderr
    assert not (restored / "spool").exists()

    itself = run_cli_subprocess("restore", tmp_path / "bk", "--data-dir", tmp_path / "bk", "--force")
    assert itself.stderr.strip() == f"Error: {tmp_path / 'bk'} is the backup itself: restore it into another data dir"
    bad = run_cli_subprocess("restore", tmp_path / "data", "--data-dir", tmp_path / "x")
    assert bad.returncode == 1
    assert bad.stderr.strip() == (
        f"Error: {tmp_path / 'data'} is not a clearanalytics backup (no manifest.json and clearanalytics.duckdb)"
    )
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    manifest["schema_version"] = len(MIGRATIONS) + 1
    (tmp_path / "bk" / "manifest.json").write_text(json.dumps(manifest))
    newer = run_cli_subprocess("restore", tmp_path / "bk", "--data-dir", tmp_path / "y")
    assert newer.stderr.strip() == (
        f"Error: the backup's schema version {len(MIGRATIONS) + 1} is newer than this clearanalytics "
        f"({len(MIGRATIONS)}): upgrade first"
    )
    manifest["schema_version"] = len(MIGRATIONS)
    manifest["tables"]["pageviews"] = 2
    (tmp_path / "bk" / "manifest.json").write_text(json.dumps(manifest))
    tampered = run_cli_subprocess("restore", tmp_path / "bk", "--data-dir", tmp_path / "y")
    assert tampered.stderr.strip() == "Error: the copy differs from the database in table(s) pageviews"
    assert not (tmp_path / "y").exists()


def test_restore_refuses_a_data_dir_a_server_runs_on(account, live_server, tmp_path):
    assert run_cli_subprocess("backup", tmp_path / "bk", "--data-dir", account.data_dir).returncode == 0
    live_server(account.data_dir)
    refused = run_cli_subprocess("restore", tmp_path / "bk", "--data-dir", account.data_dir, "--force")
    assert refused.returncode == 1
    assert refused.stderr.strip() == f"Error: a server is running on {account.data_dir}; stop it first"
    assert os.path.exists(account.data_dir / DATABASE_FILE_NAME)
