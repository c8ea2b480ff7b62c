"""Goals created or removed while traffic flows: completions equal the definition applied to every stored event.

A real server takes events from several threads while a goal is added through the CLI
(forwarded over the control socket), another through the dashboard, and a third removed.
Afterwards the database holds exactly the completions computed here, in plain Python, from
the events sent. Before completions were settled at commit time, events matched before the
goal reached the live goal cache but committed after its backfill were lost (thousands with
the CLI, whose forwarded `goal add` never told the cache at all).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import requests

from tests.conftest import PASSWORD, REPO_ROOT, cli_env, make_account, run_cli_subprocess
from tests.dashboard_helpers import csrf_from
from tests.ingest_helpers import CHROME

LOAD_SECONDS = 3.0
SENDERS = 4
PATHS = ("/pricing", "/blog/a", "/about", "/pricing", "/")
EVENT_NAMES = ("signup", "download")


def _payload(n: int) -> dict:
    """The n-th event a sender posts: mostly pageviews (some with a query string), some custom events."""
    if n % 4 == 3:
        return {"name": EVENT_NAMES[(n // 4) % 2], "url": "https://example.com/signup", "domain": "example.com"}
    return {"name": "pageview", "url": f"https://example.com{PATHS[n % len(PATHS)]}?n={n}", "domain": "example.com"}


class Load:
    """Senders that post events until stopped, keeping each payload with its answer."""

    def __init__(self, url: str):
        self.url = url + "/api/event"
        self.stop = threading.Event()
        self.sent: list[tuple[dict, int, str | None]] = []
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._send, args=(i,)) for i in range(SENDERS)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(30)

    def _send(self, number: int) -> None:
        session, n = requests.Session(), number
        headers = {"User-Agent": CHROME, "Content-Type": "text/plain"}
        while not self.stop.is_set():
            payload = _payload(n)
            answer = session.post(self.url, data=json.dumps(payload), headers=headers, timeout=30)
            with self._lock:
                self.sent.append((payload, answer.status_code, answer.headers.get("X-ClearAnalytics-Dropped")))
            n += SENDERS


def _cli(data_dir: Path, *args: str) -> str:
    result = run_cli_subprocess(*args, "--data-dir", data_dir)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _logged_in(url: str, email: str) -> requests.Session:
    browser = requests.Session()
    login = browser.get(url + "/login")
    data = {"email": email, "password": PASSWORD, "csrf_token": csrf_from(login.text)}
    assert browser.post(url + "/login", data=data).status_code == 200
    return browser


def _dashboard_add_goal(browser: requests.Session, url: str, name: str, definition: dict) -> int:
    """Create a goal through the settings form; returns the past completions it says it counted."""
    page = browser.get(url + "/dashboard/acme/settings/goals").text
    site_id = re.search(r'<option value="([0-9A-Z]+)" selected>', page).group(1)
    form = {"site_id": site_id, "name": name, **definition, "csrf_token": csrf_from(page)}
    created = browser.post(url + "/dashboard/acme/settings/goals", data=form).text
    return int(re.search(r"Created the goal .*?: (\d+) past completion", created).group(1))


def _stored(data_dir: Path) -> tuple[int, dict[str, int]]:
    """Pageviews, and completions per goal name (stray ones under None), from the stopped server's database."""
    assert not list((data_dir / "spool").glob("*.jsonl"))  # the writer committed everything
    con = duckdb.connect(str(data_dir / "clearanalytics.duckdb"), read_only=True)
    try:
        pageviews = con.execute("SELECT count(*) FROM pageviews").fetchone()[0]
        sql = "SELECT g.name, count(c.id) FROM goal_completions c LEFT JOIN goals g ON c.goal_id = g.id GROUP BY 1"
        return pageviews, dict(con.execute(sql).fetchall())
    finally:
        con.close()


def _expected(sent: list[tuple[dict, int, str | None]]) -> dict[str, int]:
    """The goals' definitions applied in Python to every event the server accepted."""
    paths = [p["url"].split("example.com", 1)[1].split("?")[0] for p, _, _ in sent if p["name"] == "pageview"]
    return {
        "pageviews": len(paths),
        "Pricing": paths.count("/pricing"),
        "Signed up": sum(1 for p, _, _ in sent if p["name"] == "signup"),
    }


def test_goals_added_and_removed_under_load_count_every_stored_event(tmp_path, live_server):
    account = make_account(tmp_path / "data")
    server = live_server(account.data_dir)
    blog = _cli(account.data_dir, "goal", "add", "--site", "example.com", "--name", "Blog", "--path", "/blog/*",
                "--match", "wildcard")  # fmt: skip
    browser = _logged_in(server.url, account.email)
    load = Load(server.url)
    started = time.monotonic()
    load.start()
    try:
        time.sleep(0.5)
        _cli(account.data_dir, "goal", "add", "--site", "example.com", "--name", "Pricing", "--path", "/pricing")
        time.sleep(0.3)
        _dashboard_add_goal(browser, server.url, "Signed up", {"type": "event", "event_name": "signup"})
        time.sleep(0.3)
        _cli(account.data_dir, "goal", "remove", blog)
        time.sleep(max(0.3, LOAD_SECONDS - (time.monotonic() - started)))
    finally:
        load.finish()
    server.stop()  # SIGTERM: the writer commits everything queued

    assert server.proc.returncode == 0
    assert {(status, dropped) for _, status, dropped in load.sent} == {(202, None)}
    expected = _expected(load.sent)
    assert expected["Pricing"] > 0 and expected["Signed up"] > 0
    pageviews, completions = _stored(account.data_dir)
    assert pageviews == expected["pageviews"]
    # Every Pricing and Signed up event counted once; nothing left of the removed Blog goal (it would be None).
    assert completions == {"Pricing": expected["Pricing"], "Signed up": expected["Signed up"]}


IMPORT_LINES = 120_000


def _history(path: Path) -> list[dict]:
    """Lines for `clearanalytics import`: two weeks of pageviews and signups from 250 addresses."""
    lines = []
    for n in range(IMPORT_LINES):
        stamp = f"2026-11-{1 + n * 14 // IMPORT_LINES:02d}T{n % 24:02d}:{n % 60:02d}:00Z"
        doc = _payload(n) | {"timestamp": stamp, "ip": f"192.0.2.{n % 250}", "user_agent": CHROME}
        lines.append(doc)
    path.write_text("".join(json.dumps(d) + "\n" for d in lines))
    return lines


def _completions_shown(browser: requests.Session, url: str, goal_id: str) -> int:
    page = browser.get(url + "/dashboard/acme/settings/goals").text
    row = re.search(rf'data-goal-id="{goal_id}">.*?data-completions>([\d,]+)<', page, re.S)
    return int(row.group(1).replace(",", ""))  # shown with thousands separators


def test_a_goal_created_in_the_dashboard_during_a_forwarded_import_counts_every_imported_event(tmp_path, live_server):
    account = make_account(tmp_path / "data")
    server = live_server(account.data_dir)
    lines = _history(tmp_path / "history.jsonl")
    probe = _cli(account.data_dir, "goal", "add", "--site", "example.com", "--name", "Any page", "--path", "/",
                 "--match", "prefix")  # fmt: skip
    browser = _logged_in(server.url, account.email)
    importing = subprocess.Popen(
        [sys.executable, "-m", "clearanalytics", "import", "--data-dir", str(account.data_dir),
         str(tmp_path / "history.jsonl")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=REPO_ROOT,
    )  # fmt: skip
    try:
        while _completions_shown(browser, server.url, probe) == 0:  # until the import's first batch is in
            assert importing.poll() is None, importing.communicate()
            time.sleep(0.1)
        backfilled = _dashboard_add_goal(browser, server.url, "Pricing", {"type": "url", "path": "/pricing"})
        out, err = importing.communicate(timeout=600)
    finally:
        if importing.poll() is None:
            importing.kill()
    assert importing.returncode == 0, err
    server.stop()

    pathnames = [d["url"].split("example.com", 1)[1].split("?")[0] for d in lines if d["name"] == "pageview"]
    expected = {"Any page": len(pathnames), "Pricing": pathnames.count("/pricing")}
    assert 0 < backfilled < expected["Pricing"]  # created while the import was half done
    assert _stored(account.data_dir) == (len(pathnames), expected)


def test_events_spooled_before_a_goal_and_replayed_after_a_kill_count_towards_it(tmp_path, live_server):
    """kill -9 after the goal was added but before the writer committed: the replay re-matches the spool."""
    account = make_account(tmp_path / "data")
    server = live_server(account.data_dir, {"CLEARANALYTICS_FLUSH_INTERVAL": "3600"})
    sent = [_payload(n) for n in range(40)]
    for payload in sent:
        answer = requests.post(server.url + "/api/event", data=json.dumps(payload), headers={"User-Agent": CHROME})
        assert (answer.status_code, answer.headers.get("X-ClearAnalytics-Dropped")) == (202, None)
    _cli(account.data_dir, "goal", "add", "--site", "example.com", "--name", "Pricing", "--path", "/pricing")
    server.kill()
    assert list((account.data_dir / "spool").glob("*.jsonl"))  # nothing was committed yet
    live_server(account.data_dir).stop()  # the next start replays the spool

    pageviews, completions = _stored(account.data_dir)
    expected = _expected([(payload, 202, None) for payload in sent])
    assert (pageviews, completions) == (expected["pageviews"], {"Pricing": expected["Pricing"]})


def test_replaying_a_committed_spool_segment_adds_no_second_completion(account, tmp_path):
    """A crash between a batch's commit and its segment's deletion: the replay re-matches, then skips what is stored."""
    from clearanalytics.db import Database
    from clearanalytics.ingest.goalmatch import add_goal
    from clearanalytics.ingest.service import IngestService
    from clearanalytics.ingest.writer import Writer

    db = Database.in_data_dir(account.data_dir)
    service = IngestService(db, account.data_dir, interval=3600)
    service.start()
    try:
        with db.reading() as cur:
            site_id = cur.execute("SELECT id FROM sites").fetchone()[0]
        add_goal(db, site_id, "Signed up", "event", {"event_name": "signup"})
        for n in range(16):
            assert service.ingest(json.dumps(_payload(n)).encode(), "192.0.2.1", CHROME).dropped is None
        crashed = tmp_path / "crashed-spool"
        crashed.mkdir()
        for segment in (account.data_dir / "spool").glob("*.jsonl"):
            (crashed / segment.name).write_bytes(segment.read_bytes())
        add_goal(db, site_id, "Pricing", "url", {"path": "/pricing"})  # the queued batch is now stale
        service.flush()
        assert Writer(db, crashed).replay() == 16
        with db.reading() as cur:
            counts = dict(cur.execute("SELECT g.name, count(*) FROM goal_completions JOIN goals g ON g.id = goal_id "
                                      "GROUP BY 1").fetchall())  # fmt: skip
            pageviews = cur.execute("SELECT count(*) FROM pageviews").fetchone()[0]
    finally:
        service.close()
        db.close()
    expected = _expected([(_payload(n), 202, None) for n in range(16)])
    assert (pageviews, counts) == (
        expected["pageviews"],
        {"Pricing": expected["Pricing"], "Signed up": expected["Signed up"]},
    )
