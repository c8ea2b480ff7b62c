"""Admission control ([3/7] item 2): a bounded queue answers 503 with Retry-After, never a timeout.

The pool itself is tested with a held WSGI app, threads and events (no clock). The end-to-end test runs a real
`clearanalytics serve` with one slot and a queue of two: a chat question whose LLM (a loopback
fake that answers only when the test says so) holds the one slot for as long as the test wants,
deterministically, then two stats requests wait, seen in /metrics, and everything after them is
refused at once: 503, Retry-After, the JSON body. Ingest, /healthz and /metrics keep answering;
once the LLM answers, the waiting requests get their exact numbers and the ingested events land.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from flask import Flask
from werkzeug.test import create_environ

from clearanalytics.admission import (
    BUSY_MESSAGE,
    RETRY_AFTER_SECONDS,
    Admission,
    Pool,
    answer_light_first,
    is_light,
    waitress_threads,
)
from tests.conftest import PASSWORD, make_token
from tests.dashboard_helpers import csrf_from
from tests.ingest_helpers import CHROME, query_rows

BUSY = {"message": BUSY_MESSAGE.format(seconds=RETRY_AFTER_SECONDS)}


def _until(condition, what: str, limit: float = 30) -> None:
    """Poll until condition() holds (a bound on waiting, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.02)


class HeldApp:
    """A WSGI app whose answers wait until the test releases them: which thread ran each, in order."""

    def __init__(self):
        self.release = threading.Event()
        self.ran: list[tuple[str, str]] = []

    def __call__(self, environ, start_response):
        self.ran.append((environ["PATH_INFO"], threading.current_thread().name))
        self.release.wait(30)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["PATH_INFO"].encode()]


def _call(middleware, path: str, results: dict) -> threading.Thread:
    """The middleware called as waitress would, in a thread of its own: results[path] = (status, body)."""

    def run():
        status = []
        body = middleware(create_environ(path), lambda line, headers, exc_info=None: status.append(line))
        try:
            data = b"".join(body)
        finally:
            getattr(body, "close", lambda: None)()
        results[path] = (status[0], data)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _middleware(slots: int, queue: int, **kwargs) -> tuple[Admission, Pool, HeldApp]:
    app = Flask(__name__)
    held = HeldApp()
    pool = Pool(slots, queue, **kwargs)
    return Admission(app, held, pool), pool, held


# -- the pool ---------------------------------------------------------------------------------------


def test_the_pool_runs_slots_then_queues_then_refuses_and_serves_in_order():
    middleware, pool, held = _middleware(slots=1, queue=2)
    results: dict = {}
    threads = [_call(middleware, "/api/v1/first", results)]
    _until(lambda: pool.running == 1, "the first request at work")
    threads.append(_call(middleware, "/api/v1/second", results))
    _until(lambda: pool.waiting == 1, "the first waiter")
    threads.append(_call(middleware, "/api/v1/third", results))
    _until(lambda: pool.waiting == 2, "the second waiter")
    refused = {}
    for path in ("/api/v1/fourth", "/dashboard/acme"):  # the queue is full: refused at once
        _call(middleware, path, refused).join(10)
    status, body = refused["/api/v1/fourth"]
    assert (status, json.loads(body)) == ("503 SERVICE UNAVAILABLE", BUSY)
    assert refused["/dashboard/acme"][0] == "503 SERVICE UNAVAILABLE"
    assert b"<html" in refused["/dashboard/acme"][1].lower()  # people get the plain page
    light = {}
    _call(middleware, "/healthz", light)  # a light route goes around the full queue: it runs at once
    _until(lambda: ("/healthz", "Thread") in [(p, n.split("-")[0]) for p, n in held.ran], "the light route")
    assert pool.snapshot() == {"running": 1, "waiting": 2, "admitted": 1, "queue_full": 2, "waited_too_long": 0}

    held.release.set()
    for thread in threads:
        thread.join(10)
    assert {k: v[0] for k, v in results.items()} == {p: "200 OK" for p in ("/api/v1/first", "/api/v1/second",
                                                                           "/api/v1/third")}  # fmt: skip
    pooled = [(path, name) for path, name in held.ran if path != "/healthz"]
    assert pooled == [(p, "clearanalytics-worker-0") for p in ("/api/v1/first", "/api/v1/second", "/api/v1/third")]
    _until(lambda: pool.running == 0, "the worker free again")
    assert pool.snapshot() == {"running": 0, "waiting": 0, "admitted": 3, "queue_full": 2, "waited_too_long": 0}


def test_a_request_whose_wait_runs_out_is_refused_and_leaves_the_line():
    middleware, pool, held = _middleware(slots=1, queue=1, max_wait=0.05)
    results: dict = {}
    first = _call(middleware, "/api/v1/first", results)
    _until(lambda: pool.running == 1, "the first request at work")
    _call(middleware, "/api/v1/second", results).join(10)  # waited max_wait for a worker nobody freed
    assert results["/api/v1/second"][0] == "503 SERVICE UNAVAILABLE"
    assert pool.snapshot()["waited_too_long"] == 1 and pool.waiting == 0
    held.release.set()
    first.join(10)
    assert results["/api/v1/first"] == ("200 OK", b"/api/v1/first")


def test_light_routes_and_the_thread_budget():
    assert all(is_light(p) for p in ("/api/event", "/healthz", "/metrics", "/js/script.js", "/static/app.css"))
    assert not any(is_light(p) for p in ("/api/v1/stats/overview", "/api/v1/export/pageviews", "/mcp/analytics",
                                         "/dashboard/acme", "/login", "/api/events"))  # fmt: skip
    assert waitress_threads(8, 64) == 76  # working + waiting + 4 for light routes and refusals


# -- a real server under overload -------------------------------------------------------------------


class BlockingLLM:
    """A loopback OpenAI-style endpoint that answers each request only once `release` is set."""

    def __init__(self):
        self.arrived = threading.Event()
        self.release = threading.Event()
        llm = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                llm.arrived.set()
                llm.release.wait(60)
                answer = {"choices": [{"message": {"role": "assistant", "content": "Ten visitors."},
                                       "finish_reason": "stop"}]}  # fmt: skip
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def blocking_llm():
    llm = BlockingLLM()
    yield llm
    llm.close()


def _metric(url: str, token: str, name: str) -> float:
    text = requests.get(url + "/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10).text
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")


def _pageview(url: str, page: str) -> requests.Response:
    body = json.dumps({"name": "pageview", "url": f"https://example.com{page}", "domain": "example.com"})
    return requests.post(
        url + "/api/event", data=body, headers={"Content-Type": "text/plain", "User-Agent": CHROME}, timeout=10
    )


def _page_counts(url: str, token: str) -> tuple[int, dict]:
    response = requests.get(
        url + "/api/v1/stats/pages?domain=example.com&period=24h",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    if response.status_code != 200:
        return response.status_code, {}
    return 200, {row["pathname"]: row["pageviews"] for row in response.json()["data"]}


def test_an_overloaded_server_refuses_with_503_and_retry_after_and_keeps_ingest_and_health(
    account, live_server, blocking_llm
):
    metrics_token = make_token(account, "metrics:read", name="prometheus")
    server = live_server(
        account.data_dir,
        env={
            "CLEARANALYTICS_THREADS": "1",
            "CLEARANALYTICS_REQUEST_QUEUE": "2",
            "CLEARANALYTICS_LLM_PROVIDER": "openai",
            "CLEARANALYTICS_LLM_MODEL": "m",
            "CLEARANALYTICS_LLM_BASE_URL": blocking_llm.url,
            "CLEARANALYTICS_LLM_TIMEOUT": "120",
            "CLEARANALYTICS_RATE_LIMIT": "100000/minute",
        },
    )
    url = server.url
    for _ in range(3):
        assert _pageview(url, "/before").status_code == 202
    _until(lambda: _page_counts(url, account.token)[1].get("/before") == 3, "the first pageviews committed")

    browser = requests.Session()
    login = {"email": account.email, "password": PASSWORD, "csrf_token": csrf_from(browser.get(url + "/login").text)}
    assert browser.post(url + "/login", data=login, allow_redirects=False, timeout=10).status_code == 302
    csrf = csrf_from(browser.get(url + "/dashboard/acme", timeout=10).text)
    chat: list[requests.Response] = []
    holder = threading.Thread(
        target=lambda: chat.append(
            browser.post(url + "/dashboard/acme/chat", json={"question": "How many visitors today?"},
                         headers={"X-CSRF-Token": csrf}, timeout=120)
        )
    )  # fmt: skip
    holder.start()
    assert blocking_llm.arrived.wait(60), "the chat question never reached the LLM"
    assert _metric(url, metrics_token, "clearanalytics_admission_running") == 1  # the one slot is held

    with ThreadPoolExecutor(max_workers=12) as pool:
        waiting = [pool.submit(_page_counts, url, account.token) for _ in range(2)]
        _until(lambda: _metric(url, metrics_token, "clearanalytics_admission_waiting") == 2, "two waiting")

        refused = list(pool.map(lambda _: requests.get(
            url + "/api/v1/stats/overview?domain=example.com&period=24h",
            headers={"Authorization": f"Bearer {account.token}"}, timeout=30), range(10)))  # fmt: skip
        for response in refused:
            assert response.status_code == 503
            assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
            assert response.headers["Content-Type"] == "application/json"
            assert response.json() == BUSY
        page = requests.get(url + "/dashboard/acme", cookies=browser.cookies, timeout=30)
        assert (page.status_code, page.headers["Retry-After"]) == (503, str(RETRY_AFTER_SECONDS))
        assert page.headers["Content-Type"].startswith("text/html")

        # Light routes go around the full queue: ingest, health, metrics.
        accepted = list(pool.map(lambda _: _pageview(url, "/during").status_code, range(5)))
        assert accepted == [202] * 5
        assert requests.get(url + "/healthz", timeout=10).status_code == 200
        assert _metric(url, metrics_token, 'clearanalytics_admission_refused_total{reason="queue_full"}') == 11
        assert _metric(url, metrics_token, "clearanalytics_admission_waiting") == 2

        blocking_llm.release.set()
        holder.join(120)
        answers = [future.result() for future in waiting]

    assert chat[0].status_code == 200
    events = [json.loads(line) for line in chat[0].text.splitlines()]
    assert events[-1]["type"] == "done" and events[-1]["message"]["text"] == "Ten visitors."
    for status, counts in answers:  # waited, then answered: /before holds its three, whatever /during has
        assert (status, counts["/before"]) == (200, 3)
    _until(lambda: _page_counts(url, account.token)[1].get("/during") == 5, "the overload's pageviews committed")
    assert _page_counts(url, account.token) == (200, {"/before": 3, "/during": 5})
    assert _metric(url, metrics_token, "clearanalytics_admission_running") == 0
    assert _metric(url, metrics_token, "clearanalytics_admission_waiting") == 0

    server.stop()
    assert query_rows(account.data_dir, "SELECT pathname, count(*) FROM pageviews GROUP BY 1 ORDER BY 1") == [
        ("/before", 3),
        ("/during", 5),
    ]


def test_more_connections_than_waitress_used_to_accept_are_all_answered(account, live_server):
    # Waitress accepted 100 connections and left the rest in the backlog while those stayed open
    # (keep-alive): their requests went unanswered until the client gave up. 300 open at once here.
    server = live_server(account.data_dir)
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    sockets = [socket.create_connection((host, int(port)), timeout=60) for _ in range(300)]
    try:
        for sock in sockets:
            sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        for sock in sockets:  # every one answered while all 300 stay open
            assert sock.makefile("rb").readline().startswith(b"HTTP/1.1 200")
    finally:
        for sock in sockets:
            sock.close()


def test_light_requests_go_to_the_front_of_waitress_queue_and_reports_keep_their_order():
    from types import SimpleNamespace

    from waitress.task import ThreadedTaskDispatcher

    dispatcher = ThreadedTaskDispatcher()  # no threads: the queue keeps what is added, in order
    answer_light_first(SimpleNamespace(task_dispatcher=dispatcher))

    def channel(path: str) -> SimpleNamespace:
        return SimpleNamespace(requests=[SimpleNamespace(path=path)], name=path)

    for path in ("/api/v1/stats/a", "/api/v1/stats/b", "/api/event", "/api/v1/stats/c", "/healthz"):
        dispatcher.add_task(channel(path))
    assert [c.name for c in dispatcher.queue] == [
        "/healthz", "/api/event", "/api/v1/stats/a", "/api/v1/stats/b", "/api/v1/stats/c",
    ]  # fmt: skip
