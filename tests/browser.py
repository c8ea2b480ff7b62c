"""Browser test infrastructure: Debian's Chromium driven by Playwright, and a local web posing as real hosts.

Load it from a test module with `pytest_plugins = ("tests.browser",)`; importing names from it too (the
viewports, `screenshot`) is fine, as tests/conftest.py registers it for assertion rewriting before any test
module is imported. The fixtures are then:

- `chromium`: one headless Chromium for the whole session, launched from the system binary (never
  `playwright install`). Where no Chromium is found, every test using it is skipped with the reason;
  with `CLEARANALYTICS_REQUIRE_BROWSER=1` (set by `.ci/run`) that skip is a failure instead.
- `browser_context`: a fresh context per test (no cookies or storage carried over), with an ordinary
  desktop Chrome user agent (set for the whole browser too), because ingest drops `HeadlessChrome` as a bot.
- `browser_page`: a page in that context. Its console lines are collected in `page.console_lines`, and an
  uncaught JavaScript error fails the test at teardown.
- `chromium` is also what the dashboard and chat tests use, with their own contexts (`DESKTOP` or `PHONE`
  viewport, light or dark, `base_url` of a real server); `screenshot(page, name)` saves a full page under
  tests/screenshots/ (git-ignored) for a human to look at.
- `page_server`: a local HTTP server that Chromium reaches under the names in `MAPPED_HOSTS`
  (`--host-resolver-rules`), so a test page really is http://example.com/ (the tracker ignores localhost
  and loopback addresses by design) while every byte stays on this machine. It serves pages that a test
  adds, serves `static/script.js` at /js/script.js, records every POST (answering like the ingest route),
  and can relay one host to a real ClearAnalytics server, recording what passed through.

Why a relay rather than waiting on the browser: a beacon sent during `pagehide` is invisible to Playwright's
and CDP's network events, and the DuckDB file cannot be read while the server holds it; the relay is how a
test knows that the server has answered the beacon before it stops the server and reads the rows.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import shutil
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
TRACKER_SCRIPT = REPO_ROOT / "static" / "script.js"

REQUIRE_ENV = "CLEARANALYTICS_REQUIRE_BROWSER"
CHROMIUM_ENV = "CLEARANALYTICS_CHROMIUM"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")

# Flags for a sandboxed machine with no network: without the background-networking ones Chromium keeps
# dialing Google's hosts; HttpsUpgrades would try https:// first for every http:// test page.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable",
)

# Names the browser resolves to the page server; all are reserved or example names, never real sites.
MAPPED_HOSTS = (
    "example.com",
    "www.example.com",
    "shop.example",
    "cdn.example",
    "collector.example",
    "analytics.example",
)

DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
VIEWPORT = {"width": 1280, "height": 800}
DESKTOP = {"width": 1280, "height": 900}  # the dashboard's screenshots: a whole analytics view above the fold
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"

# Upper bounds for waits on conditions: generous, because under a full parallel run on a loaded machine a page
# load plus a few posts can take far longer than alone; a wait ends as soon as its condition holds.
WAIT_SECONDS = 60.0
PLAYWRIGHT_TIMEOUT_MS = 60_000  # the same bound for Playwright's own waits (its default is 30 s; expect's 5 s)

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer"}


def browser_unavailable(reason: str) -> None:
    """Skip, or fail when the run requires the browser tests (CI must not silently lose them)."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1 makes this a failure)", pytrace=False)
    pytest.skip(reason)


def find_chromium() -> str | None:
    """The system Chromium: $CLEARANALYTICS_CHROMIUM, else Debian's /usr/bin/chromium, else one on PATH."""
    override = os.environ.get(CHROMIUM_ENV)
    candidates = (override,) if override else CHROMIUM_CANDIDATES
    for candidate in candidates:
        found = shutil.which(candidate) if candidate else None
        if found:
            return found
    return None


def screenshot(page: Any, name: str) -> None:
    """Full-page screenshot under tests/screenshots/ (git-ignored) for a human to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def expect(target: Any) -> Any:
    """Playwright's `expect`, imported on use: without Playwright the `chromium` fixture skips (or fails) the
    test with its reason, instead of the test module failing to import."""
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=PLAYWRIGHT_TIMEOUT_MS)
    return playwright_expect(target)


def new_context(chromium: Any, **options: Any) -> Any:
    """A context with the generous timeout for every Playwright wait (dashboard and chat tests use this)."""
    context = chromium.new_context(**options)
    context.set_default_timeout(PLAYWRIGHT_TIMEOUT_MS)
    return context


# --- the local web -----------------------------------------------------------------------------------


@dataclass
class Hit:
    """One request the page server saw (pages and the script are not recorded; POSTs and relays are)."""

    method: str
    host: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0
    answer: bytes = b""
    answer_headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _State:
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)
    relays: dict[str, str] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class PageServer:
    """A threaded HTTP server on 127.0.0.1 that Chromium knows as every name in MAPPED_HOSTS."""

    def __init__(self) -> None:
        self._state = _State()
        self._changed = threading.Condition()
        self._ids = itertools.count(1)
        self._answers_open = threading.Event()
        self._answers_open.set()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="page-server", daemon=True)

    def start(self) -> PageServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reset(self) -> None:
        """Forget pages, relays and hits: each test starts from an empty web."""
        with self._changed:
            self._state = _State()
            self._ids = itertools.count(1)
        self._answers_open.set()

    # Pages and relays -------------------------------------------------------------------------------

    def add_page(self, path: str, html: str, content_type: str = "text/html; charset=utf-8") -> str:
        """Serve `html` at `path` (on every mapped host); returns the path."""
        self._state.pages[path] = (html, content_type)
        return path

    def relay(self, host: str, upstream: str) -> None:
        """Forward every request for `host` to `upstream` (e.g. a LiveServer's url), recording each one."""
        self._state.relays[host] = upstream.rstrip("/")

    def hold_answers(self) -> None:
        """Record POSTs as they arrive but answer none until release_answers(): a slow network, on demand."""
        self._answers_open.clear()

    def release_answers(self) -> None:
        self._answers_open.set()

    def url(self, path: str = "/", host: str = "example.com") -> str:
        """The address a test page has in the browser: a real-looking host, port 80, served from here."""
        return f"http://{host}{path}"

    def loopback_url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        """The same page by a loopback name (localhost, 127.0.0.1), which the tracker must ignore."""
        return f"http://{host}:{self.port}{path}"

    # What was seen ----------------------------------------------------------------------------------

    @property
    def hits(self) -> list[Hit]:
        with self._changed:
            return list(self._state.hits)

    def posts(self) -> list[Hit]:
        return [hit for hit in self.hits if hit.method == "POST"]

    def events(self) -> list[dict[str, Any]]:
        """The JSON bodies of every POST, in arrival order."""
        return [hit.json() for hit in self.posts()]

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = WAIT_SECONDS) -> list[dict]:
        """Block until predicate(events) holds; on timeout fail with what did arrive (a wait, not an assertion)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                events = [hit.json() for hit in self._state.hits if hit.method == "POST"]
                if predicate(events):
                    return events
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    errors = "\n".join(self._state.errors)
                    pytest.fail(
                        f"timed out waiting for events; got {json.dumps(events, indent=1)}\n{errors}", pytrace=False
                    )
                self._changed.wait(remaining)

    def wait_for_names(self, *names: str, timeout: float = WAIT_SECONDS) -> list[dict]:
        """Wait until events with these names have arrived, at least as many of each as listed.

        Order is not awaited: requests travel on parallel connections and may arrive reordered. A test
        that cares about the order the page sent them in reads the page's own request log instead.
        """
        wanted = Counter(names)

        def arrived(events: list[dict]) -> bool:
            seen = Counter(event.get("name") for event in events)
            return all(seen[name] >= count for name, count in wanted.items())

        return self.wait_for(arrived, timeout)

    def _record(self, hit: Hit) -> None:
        with self._changed:
            self._state.hits.append(hit)
            self._changed.notify_all()

    def _next_id(self) -> str:
        return f"pv{next(self._ids)}"


def _handler_for(server: PageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (quiet test output)
            pass

        @property
        def host(self) -> str:
            """The Host header without its port."""
            value = self.headers.get("Host") or ""
            if value.startswith("["):
                return value.split("]")[0] + "]"
            return value.split(":", 1)[0]

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)

        def _relay(self, upstream: str) -> None:
            try:
                self._forward(upstream)
            except Exception:  # a broken relay must fail the test with its reason, not time it out
                server._state.errors.append(traceback.format_exc())
                self._send(502, b"relay failed")

        def _forward(self, upstream: str) -> None:
            body = self._body()
            target = urlsplit(upstream)
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | {"host"}}
            conn.request(self.command, self.path, body=body or None, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            out = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP | {"content-length"}}
            conn.close()
            self._send(response.status, answer, out)
            hit = Hit(self.command, self.host, self.path, dict(self.headers), body, response.status, answer, out)
            server._record(hit)

        def _handle(self) -> None:
            relay = server._state.relays.get(self.host)
            if relay:
                return self._relay(relay)
            path = self.path.split("?", 1)[0]
            if self.command in ("GET", "HEAD"):
                if path == "/js/script.js":
                    # Read on every request, so a test always runs the tracker as it is on disk.
                    headers = {"Content-Type": "application/javascript", "Cache-Control": "no-store"}
                    return self._send(200, TRACKER_SCRIPT.read_bytes(), headers)
                page = server._state.pages.get(path)
                if page is None and path == "/favicon.ico":
                    return self._send(204)  # keeps 404 lines for a missing icon out of the console
                if page is None:
                    return self._send(404, b"not found", {"Content-Type": "text/plain"})
                html, content_type = page
                return self._send(200, html.encode(), {"Content-Type": content_type, "Cache-Control": "no-store"})
            cors = {"Access-Control-Allow-Origin": "*"}
            if self.command == "OPTIONS":
                cors |= {"Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "Content-Type"}
                return self._send(204, b"", cors)
            if self.command == "POST":
                body = self._body()
                # Answer like the ingest route: a pageview gets its id, anything else an empty object.
                try:
                    is_pageview = json.loads(body).get("name") == "pageview"
                except (ValueError, AttributeError):
                    is_pageview = False
                answer = json.dumps({"id": server._next_id()} if is_pageview else {}).encode()
                server._record(Hit("POST", self.host, self.path, dict(self.headers), body, 202, answer))
                server._answers_open.wait(60)
                return self._send(202, answer, cors | {"Content-Type": "application/json"})
            return self._send(405, b"", {"Allow": "GET, HEAD, POST, OPTIONS"})

        do_GET = do_HEAD = do_POST = do_OPTIONS = do_PUT = do_DELETE = _handle

    return Handler


# --- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _page_server_session() -> Iterator[PageServer]:
    server = PageServer().start()
    yield server
    server.stop()


@pytest.fixture
def page_server(_page_server_session: PageServer) -> Iterator[PageServer]:
    """The local web, emptied before and after each test."""
    _page_server_session.reset()
    yield _page_server_session
    _page_server_session.reset()


@pytest.fixture(scope="session")
def chromium(_page_server_session: PageServer) -> Iterator[Any]:
    """One headless system Chromium for the session, with MAPPED_HOSTS resolving to the page server."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("Playwright for Python is not installed (pip install '.[test]')")
    executable = find_chromium()
    if executable is None and os.environ.get(CHROMIUM_ENV):
        browser_unavailable(f"${CHROMIUM_ENV}={os.environ[CHROMIUM_ENV]} is not an executable Chromium")
    if executable is None:
        browser_unavailable(
            f"no Chromium found (looked for {', '.join(CHROMIUM_CANDIDATES)}); on Debian: apt-get install chromium"
        )
    rules = ", ".join(f"MAP {host} 127.0.0.1:{_page_server_session.port}" for host in MAPPED_HOSTS)
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=executable,
                # The user agent at browser level too: a context's override misses beacons sent at pagehide.
                args=[*CHROMIUM_ARGS, f"--host-resolver-rules={rules}", f"--user-agent={DESKTOP_UA}"],
            )
        except PlaywrightError as exc:
            browser_unavailable(f"Chromium at {executable} did not start: {str(exc).splitlines()[0]}")
        yield browser
        browser.close()


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[Any]:
    """A fresh, isolated context: a desktop user agent, en-US, a 1280x800 viewport."""
    context = new_context(chromium, user_agent=DESKTOP_UA, locale="en-US", viewport=VIEWPORT)
    yield context
    context.close()


@pytest.fixture
def browser_page(browser_context: Any) -> Iterator[Any]:
    """A page whose console lines land in `page.console_lines`; uncaught JS errors fail the test."""
    page = browser_context.new_page()
    page.console_lines = []
    page.page_errors = []
    page.on("console", lambda message: page.console_lines.append(message.text))
    page.on("pageerror", lambda error: page.page_errors.append(str(error)))
    yield page
    errors = list(page.page_errors)
    if not page.is_closed():
        page.close()
    assert not errors, f"uncaught JavaScript errors: {errors}"
