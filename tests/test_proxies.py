"""URLs the app hands out behind a TLS proxy: the scheme and host a trusted proxy forwards, from no one else.

The Power BI script's default base URL, the OpenAPI document's server and the dashboard's tracking
snippet all come from clearanalytics/proxies.py, which believes X-Forwarded-Proto and X-Forwarded-Host
only from a peer listed in `trusted_proxies` (as the dashboard's Secure cookie and ingest's client IP do).
"""

from __future__ import annotations

import re

import pytest
from conftest import PASSWORD
from dashboard_helpers import login

PROXY = "127.0.0.1"
STRANGER = "198.51.100.9"
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "stats.example.com"}


@pytest.fixture
def app_for(account, make_app):
    def build(trusted: str = PROXY):
        return make_app(account.data_dir, trusted_proxies=trusted)

    return build


def pqm_base_url(app, account, remote: str, headers: dict) -> str:
    response = app.test_client().get(
        "/api/v1/export/powerbi-schema?format=pqm",
        headers={"Authorization": f"Bearer {account.token}", **headers},
        environ_base={"REMOTE_ADDR": remote},
    )
    assert response.status_code == 200, response.text
    return re.search(r'BaseUrl = "([^"]*)",', response.text).group(1)


def openapi_server(app, account, remote: str, headers: dict) -> str:
    response = app.test_client().get(
        "/api/v1/openapi.json",
        headers={"Authorization": f"Bearer {account.token}", **headers},
        environ_base={"REMOTE_ADDR": remote},
    )
    assert response.status_code == 200, response.text
    return response.get_json()["servers"][0]["url"]


@pytest.mark.parametrize("read", [pqm_base_url, openapi_server], ids=["powerbi-pqm", "openapi"])
def test_base_url_follows_a_trusted_proxy_only(app_for, account, read):
    app = app_for()
    assert read(app, account, PROXY, FORWARDED) == "https://stats.example.com/api/v1"
    assert read(app, account, PROXY, {"X-Forwarded-Proto": "https"}) == "https://localhost/api/v1"
    assert read(app, account, PROXY, {"X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "a.example:8443, b"}) == (
        "https://a.example:8443/api/v1"  # the first hop's values: what the client used
    )
    assert read(app, account, PROXY, {}) == "http://localhost/api/v1"
    # Anyone else's headers are ignored: the request's own scheme and Host.
    assert read(app, account, STRANGER, FORWARDED) == "http://localhost/api/v1"
    # A forwarded host that is not a host name is not put into a URL.
    for bad in ('evil.example/"x', "evil.example/path", "a b", "@evil.example"):
        assert read(app, account, PROXY, {**FORWARDED, "X-Forwarded-Host": bad}) == "https://localhost/api/v1"
    assert read(app, account, PROXY, {**FORWARDED, "X-Forwarded-Host": "[2001:db8::1]:8443"}) == (
        "https://[2001:db8::1]:8443/api/v1"
    )


def test_without_trusted_proxies_forwarded_headers_mean_nothing(app_for, account):
    app = app_for(trusted="")
    assert pqm_base_url(app, account, PROXY, FORWARDED) == "http://localhost/api/v1"
    assert openapi_server(app, account, PROXY, FORWARDED) == "http://localhost/api/v1"


def test_an_explicit_base_url_still_wins(app_for, account):
    app = app_for()
    response = app.test_client().get(
        "/api/v1/export/powerbi-schema?format=pqm&base_url=https://bi.example.org/api/v1",
        headers={"Authorization": f"Bearer {account.token}", **FORWARDED},
        environ_base={"REMOTE_ADDR": PROXY},
    )
    assert 'BaseUrl = "https://bi.example.org/api/v1",' in response.text


def test_the_tracking_snippet_uses_the_public_url(app_for, account):
    app = app_for()
    for remote, src in ((PROXY, "https://stats.example.com/js/script.js"), (STRANGER, "http://localhost/js/script.js")):
        client = app.test_client()
        client.environ_base.update({"REMOTE_ADDR": remote})
        assert login(client, account.email, PASSWORD).status_code == 302
        sites = client.get("/dashboard/acme/settings/sites", headers=FORWARDED).text
        site_id = re.search(r"settings/sites/([0-9A-Z]+)", sites).group(1)
        page = client.get(f"/dashboard/acme/settings/sites/{site_id}", headers=FORWARDED).text
        assert f'data-domain="example.com" src="{src}"' in page.replace("&#34;", '"').replace("&quot;", '"')
