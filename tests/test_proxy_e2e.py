"""Behind a real nginx on loopback: visitors, HTTPS and login lockout as the client sees them.

The in-process tests (test_proxies.py, test_dashboard_auth.py) call the app directly, which is how
they missed that waitress deleted every X-Forwarded-* header before the app could read it. Here
the whole path runs: a client -> nginx (TLS, `$proxy_add_x_forwarded_for`, `$scheme`) -> waitress
in a `clearanalytics serve` subprocess with CLEARANALYTICS_TRUSTED_PROXIES=127.0.0.1. nginx runs in
the foreground with a config generated in tmp_path, the same location block docs/DEPLOYMENT.md shows.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from conftest import PASSWORD
from dashboard_helpers import csrf_from
from ingest_helpers import CHROME

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
OPENSSL = shutil.which("openssl")
REQUIRED = os.environ.get("CI") == "true" or bool(os.environ.get("CLEARANALYTICS_REQUIRE_BROWSER"))

NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{http_port};
        listen 127.0.0.1:{https_port} ssl;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited with {proc.returncode}: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nginx never listened")


class Proxy:
    def __init__(self, http: str, https: str, cert: Path):
        self.http = http
        self.https = https
        self.cert = str(cert)  # the throwaway self-signed certificate, for `verify=`


@pytest.fixture
def nginx(tmp_path):
    """Factory: nginx in front of a server's URL; stopped after the test."""
    missing = [name for name, path in (("nginx", NGINX), ("openssl", OPENSSL)) if not path]
    if missing:
        message = f"{' and '.join(missing)} not installed (Debian: apt-get install nginx-light openssl)"
        if REQUIRED:
            pytest.fail(message)
        print(f"SKIP: {message}")
        pytest.skip(message)
    procs: list[subprocess.Popen] = []

    def start(app_url: str) -> Proxy:
        conf_dir = tmp_path / "nginx"
        conf_dir.mkdir()
        subprocess.run(
            [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
            + ["-addext", "subjectAltName=IP:127.0.0.1"]
            + ["-keyout", str(conf_dir / "key.pem"), "-out", str(conf_dir / "cert.pem")],
            check=True,
            capture_output=True,
        )
        http_port, https_port = _free_port(), _free_port()
        app_port = int(app_url.rsplit(":", 1)[1])
        conf = conf_dir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=conf_dir, http_port=http_port, https_port=https_port, app_port=app_port))
        proc = subprocess.Popen(
            [NGINX, "-p", str(conf_dir), "-c", str(conf), "-e", str(conf_dir / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        procs.append(proc)
        _wait_for_port(http_port, proc, conf_dir / "error.log")
        _wait_for_port(https_port, proc, conf_dir / "error.log")
        return Proxy(f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}", conf_dir / "cert.pem")

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def proxied(account, live_server, nginx):
    server = live_server(account.data_dir, env={"CLEARANALYTICS_TRUSTED_PROXIES": "127.0.0.1"})
    return nginx(server.url)


def _pageview(url: str, client_address: str) -> requests.Response:
    body = json.dumps({"name": "pageview", "url": "https://example.com/", "domain": "example.com"})
    # The address a front proxy (a CDN, a load balancer) reports; nginx appends its own peer to it.
    headers = {"User-Agent": CHROME, "Content-Type": "text/plain", "X-Forwarded-For": client_address}
    return requests.post(url + "/api/event", data=body, headers=headers, timeout=10)


def _overview(url: str, token: str) -> dict:
    response = requests.get(
        url + "/api/v1/stats/overview?period=7d&domain=example.com",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_five_clients_behind_nginx_are_five_visitors(account, proxied):
    addresses = [f"203.0.113.{n}" for n in range(1, 6)]
    for address in addresses * 2:  # each client twice: 10 pageviews, still 5 visitors
        response = _pageview(proxied.http, address)
        assert (response.status_code, response.headers.get("X-ClearAnalytics-Dropped")) == (202, None)
    deadline = time.monotonic() + 30
    data = _overview(proxied.http, account.token)
    while data["pageviews"] < 10 and time.monotonic() < deadline:  # the writer commits every 0.25 s
        time.sleep(0.1)
        data = _overview(proxied.http, account.token)
    assert (data["pageviews"], data["visitors"]) == (10, 5)


def _login(
    session: requests.Session,
    url: str,
    client_address: str,
    password: str,
    email: str = "owner@example.com",
    verify: str | bool = True,
) -> requests.Response:
    headers = {"X-Forwarded-For": client_address}
    page = session.get(url + "/login", headers=headers, timeout=10, verify=verify)
    data = {"email": email, "password": password, "csrf_token": csrf_from(page.text)}
    return session.post(url + "/login", data=data, headers=headers, allow_redirects=False, timeout=10, verify=verify)


def test_https_through_nginx_gives_a_secure_cookie_and_hsts(account, proxied):
    over_tls = _login(requests.Session(), proxied.https, "203.0.113.20", PASSWORD, verify=proxied.cert)
    assert over_tls.status_code == 302
    assert re.search(r"(?i);\s*secure(;|$)", over_tls.headers["Set-Cookie"]), over_tls.headers["Set-Cookie"]
    assert over_tls.headers["Strict-Transport-Security"] == "max-age=31536000"
    # Plain HTTP through the same proxy: neither (a browser would refuse to send a Secure cookie back).
    plain = _login(requests.Session(), proxied.http, "203.0.113.21", PASSWORD)
    assert plain.status_code == 302
    assert not re.search(r"(?i);\s*secure(;|$)", plain.headers["Set-Cookie"])
    assert "Strict-Transport-Security" not in plain.headers


def test_twenty_failed_logins_from_one_client_do_not_lock_out_another(account, proxied):
    attacker, user = "203.0.113.30", "203.0.113.31"
    session = requests.Session()
    for n in range(20):  # guessing across accounts: the per-address limit (20), not the per-account one
        guess = _login(session, proxied.http, attacker, "wrong-password", email=f"guess{n}@example.com")
        assert guess.status_code == 401
    assert _login(session, proxied.http, attacker, PASSWORD).status_code == 429
    for _ in range(5):  # one account from a third address: five failures, then that pair waits
        assert _login(requests.Session(), proxied.http, "203.0.113.32", "wrong-password").status_code == 401
    assert _login(requests.Session(), proxied.http, "203.0.113.32", PASSWORD).status_code == 429
    # The same account, from another client behind the same proxy: not locked out.
    ok = _login(requests.Session(), proxied.http, user, PASSWORD)
    assert (ok.status_code, ok.headers["Location"]) == (302, "/dashboard")
