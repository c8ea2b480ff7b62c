"""A real `clearanalytics serve` subprocess: concurrent posting, and kill -9 in the middle of a load."""

from __future__ import annotations

import http.client
import json
import threading
import time
from urllib.parse import urlsplit

import requests

from clearanalytics.db import Database
from tests.ingest_helpers import CHROME, query_rows


def _poster(url: str, worker: int, accepted: list[str], stop: threading.Event, limit: int | None = None) -> None:
    """Keep-alive posting of pageviews; records the id of every 202 until the server goes away."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    sent = 0
    while not stop.is_set() and (limit is None or sent < limit):
        body = json.dumps({"name": "pageview", "url": f"https://example.com/w{worker}/{sent}", "domain": "example.com"})
        headers = {"Content-Type": "text/plain", "User-Agent": CHROME, "X-Forwarded-For": f"198.51.100.{worker}"}
        try:
            conn.request("POST", "/api/event", body, headers)
            response = conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            return  # the server was killed: whatever was answered 202 before must be stored
        if response.status == 202:
            accepted.append(json.loads(payload)["id"])
        sent += 1


def test_many_threads_posting_at_once_lose_nothing(account, live_server):
    server = live_server(account.data_dir)
    accepted: list[str] = []
    stop = threading.Event()
    threads = [threading.Thread(target=_poster, args=(server.url, w, accepted, stop, 40)) for w in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(accepted) == 12 * 40
    server.stop()  # SIGTERM: the writer flushes what is queued
    assert server.proc.returncode == 0
    assert query_rows(account.data_dir, "SELECT count(*), count(DISTINCT id) FROM pageviews")[0] == (480, 480)
    assert not list((account.data_dir / "spool").glob("*.jsonl"))


def test_every_accepted_event_survives_kill_9(account, live_server):
    # A long flush interval keeps most accepted events only in the spool when the kill comes.
    server = live_server(account.data_dir, env={"CLEARANALYTICS_FLUSH_INTERVAL": "30"})
    accepted: list[str] = []
    stop = threading.Event()
    threads = [threading.Thread(target=_poster, args=(server.url, w, accepted, stop)) for w in range(6)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(accepted) < 300 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()
    stop.set()
    for t in threads:
        t.join()
    assert len(accepted) >= 300
    spooled = [p for p in (account.data_dir / "spool").glob("*.jsonl") if p.stat().st_size]
    assert spooled, "the test should kill the server while events wait in the spool"

    restarted = live_server(account.data_dir)  # replays the spool at start
    assert requests.get(restarted.url + "/healthz", timeout=5).status_code == 200
    restarted.stop()
    db = Database.in_data_dir(account.data_dir)
    try:
        with db.reading() as cur:
            stored = {r[0] for r in cur.execute("SELECT id FROM pageviews").fetchall()}
            total = cur.execute("SELECT count(*) FROM pageviews").fetchone()[0]
    finally:
        db.close()
    assert set(accepted) <= stored
    assert total == len(stored)  # replay inserted nothing twice
