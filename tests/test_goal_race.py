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
import threading
import time
from pathlib import Path

import duckdb
import requests

from tests.conftest import PASSWORD, make_account, run_cli_subprocess
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


def _dashboard_add_goal(url: str, email: str) -> None:
    """Log in and create the event goal `Signed up` (event signup) through the settings form."""
    browser = requests.Session()
    login = browser.get(url + "/login")
    data = {"email": email, "password": PASSWORD, "csrf_token": csrf_from(login.text)}
    assert browser.post(url + "/login", data=data).status_code == 200
    page = browser.get(url + "/dashboard/acme/settings/goals").text
    site_id = re.search(r'<option value="([0-9A-Z]+)" selected>', page).group(1)
    form = {"site_id": site_id, "name": "Signed up", "type": "event", "event_name": "signup"}
    created = browser.post(url + "/dashboard/acme/settings/goals", data=form | {"csrf_token": csrf_from(page)})
    assert "Created the goal" in created.text


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
    load = Load(server.url)
    started = time.monotonic()
    load.start()
    try:
        time.sleep(0.5)
        _cli(account.data_dir, "goal", "add", "--site", "example.com", "--name", "Pricing", "--path", "/pricing")
        time.sleep(0.3)
        _dashboard_add_goal(server.url, account.email)
        time.sleep(0.3)
        _cli(account.data_dir, "goal", "remove", blog)
        time.sleep(max(0.3, LOAD_SECONDS - (time.monotonic() - started)))
    finally:
        load.finish()
    server.stop()  # SIGTERM: the writer commits everything queued

    assert server.proc.returncode == 0
    assert {(status, dropped) for _, status, dropped in load.sent} == {(202, None)}
    assert not list((account.data_dir / "spool").glob("*.jsonl"))
    con = duckdb.connect(str(account.data_dir / "clearanalytics.duckdb"), read_only=True)
    try:
        stored = con.execute("SELECT count(*) FROM pageviews").fetchone()[0]
        completions = dict(
            con.execute(
                "SELECT g.name, count(c.id) FROM goals g LEFT JOIN goal_completions c ON c.goal_id = g.id GROUP BY 1"
            ).fetchall()
        )
        stray = con.execute(
            "SELECT count(*) FROM goal_completions WHERE goal_id NOT IN (SELECT id FROM goals)"
        ).fetchone()[0]
    finally:
        con.close()
    expected = _expected(load.sent)
    assert expected["Pricing"] > 0 and expected["Signed up"] > 0
    assert stored == expected["pageviews"]
    assert completions == {"Pricing": expected["Pricing"], "Signed up": expected["Signed up"]}
    assert stray == 0  # the removed Blog goal left nothing behind
