"""The location lookup at ingest ([5/7] item 1): live events through a real `clearanalytics serve`, import
lines, and the lookup itself, with iptocc's built-in countries and with a real .mmdb file written here by
mmdb-writer (MaxMind's format, read by maxminddb; never a mock). The IP is never stored."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from clearanalytics.config import ConfigError
from clearanalytics.ingest import locations
from clearanalytics.ingest.locations import Locator
from tests.conftest import run_cli, run_cli_subprocess
from tests.ingest_helpers import CHROME, FIREFOX, IngestClient, query_rows

# addresses and the country each block is assigned to in the RIRs' delegation files (iptocc's data)
ASSIGNED = {"8.8.8.8": "US", "79.192.0.1": "DE", "81.128.0.1": "GB", "126.0.0.1": "JP", "177.0.0.1": "BR"}


def write_mmdb(path: Path) -> Path:
    """A small GeoLite2-City-shaped database: a German /24 with region and city, a US /24 with a city and no
    country (iptocc then gives the country; the region cannot be trusted without it), and an IPv6 /48."""
    writer = MMDBWriter(ip_version=6, database_type="GeoLite2-City", languages=["en"], ipv4_compatible=True)
    writer.insert_network(IPSet(["79.192.0.0/24"]), {
        "country": {"iso_code": "DE", "names": {"en": "Germany"}}, "subdivisions": [{"iso_code": "BY"}],
        "city": {"names": {"en": "Munich", "de": "München"}}})  # fmt: skip
    writer.insert_network(IPSet(["8.8.8.0/24"]), {"subdivisions": [{"iso_code": "CA"}],
                                                   "city": {"names": {"en": "Mountain View"}}})  # fmt: skip
    writer.insert_network(
        IPSet(["2a00:1450:4001::/48"]),
        {"country": {"iso_code": "DE"}, "subdivisions": [{"iso_code": "HE"}], "city": {"names": {"en": "Frankfurt"}}},
    )
    writer.to_db_file(str(path))
    return path


@pytest.fixture
def mmdb(tmp_path) -> Path:
    return write_mmdb(tmp_path / "GeoLite2-City.mmdb")


@pytest.fixture(autouse=True)
def _process_locator():
    """configure() sets the process's locator; every test here leaves it as it found it (iptocc alone)."""
    yield
    locations.configure("")


def test_countries_out_of_the_box_and_unknown_addresses():
    locate = Locator()
    for ip, country in ASSIGNED.items():
        assert locate(ip) == (country, None, None), ip
    for ip in ("10.1.2.3", "192.168.0.1", "127.0.0.1", "::1", "0.0.0.0", "", "not an ip", "fe80::1"):
        assert locate(ip) == (None, None, None), ip


def test_regions_and_cities_from_an_mmdb_file(mmdb):
    locate = Locator(str(mmdb))
    assert locate("79.192.0.7") == ("DE", "DE-BY", "Munich")
    assert locate("8.8.8.8") == ("US", None, "Mountain View")  # the file has no country: iptocc's, no region
    assert locate("2a00:1450:4001::5") == ("DE", "DE-HE", "Frankfurt")
    assert locate("126.0.0.1") == ("JP", None, None)  # not in the file: iptocc's country
    assert locate("10.0.0.1") == locate("not an ip") == (None, None, None)


def test_a_missing_or_unreadable_file_is_one_line_naming_the_setting(tmp_path):
    with pytest.raises(ConfigError, match=r"^geoip_db: no such file: .*/nope\.mmdb$"):
        Locator(str(tmp_path / "nope.mmdb"))
    junk = tmp_path / "junk.mmdb"
    junk.write_bytes(b"not a maxmind database at all" * 10)
    with pytest.raises(ConfigError, match=r"^geoip_db: .*junk\.mmdb is not a MaxMind DB \(\.mmdb\) file"):
        Locator(str(junk))


def test_serve_with_a_missing_file_stops_with_one_error_line(account, tmp_path):
    (account.data_dir / "clearanalytics.toml").write_text(f'geoip_db = "{tmp_path}/missing.mmdb"\n')
    result = run_cli_subprocess("serve", "--data-dir", account.data_dir, "--port", "0", timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip() == f"Error: geoip_db: no such file: {tmp_path}/missing.mmdb"
    listed = run_cli_subprocess("site", "list", "--data-dir", account.data_dir)  # every command checks it
    assert listed.stderr.strip().splitlines() == [f"Error: geoip_db: no such file: {tmp_path}/missing.mmdb"]


def _post(server, ip: str, path: str, ua: str = CHROME, **extra) -> None:
    body = {"name": "pageview", "url": f"https://example.com{path}", "domain": "example.com", **extra}
    headers = {"User-Agent": ua, "Content-Type": "text/plain", "X-Forwarded-For": ip}
    response = requests.post(f"{server.url}/api/event", data=json.dumps(body), timeout=10, headers=headers)
    assert response.status_code == 202, response.text


def _stats(server, account, report: str) -> list[dict]:
    response = requests.get(f"{server.url}/api/v1/stats/{report}", params={"period": "7d"}, timeout=10,
                            headers={"Authorization": f"Bearer {account.token}"})  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_live_events_through_a_real_server_are_located_and_the_ip_never_stored(account, live_server, mmdb):
    """Through `clearanalytics serve` behind a trusted proxy: Munich twice (one visitor, two pageviews), a
    visitor from Mountain View, one from Japan (country only), a private address (unknown). A live payload
    cannot set its own location: the keys are ignored."""
    server = live_server(account.data_dir, {"CLEARANALYTICS_TRUSTED_PROXIES": "127.0.0.1",
                                            "CLEARANALYTICS_GEOIP_DB": str(mmdb)})  # fmt: skip
    _post(server, "79.192.0.7", "/")
    _post(server, "79.192.0.7", "/pricing")
    _post(server, "8.8.8.8", "/", ua=FIREFOX)
    _post(server, "126.0.0.1", "/", country_code="FR", region="FR-IDF", city="Paris")  # ignored: live
    _post(server, "10.9.8.7", "/")
    deadline = time.monotonic() + 30
    while sum(r["pageviews"] for r in _stats(server, account, "countries")) < 5 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _stats(server, account, "countries") == [
        {"country_code": "DE", "visitors": 1, "pageviews": 2},
        {"country_code": "JP", "visitors": 1, "pageviews": 1},
        {"country_code": "US", "visitors": 1, "pageviews": 1},
        {"country_code": None, "visitors": 1, "pageviews": 1},
    ]
    assert _stats(server, account, "regions") == [{"country_code": "DE", "region": "DE-BY", "visitors": 1,
                                                   "pageviews": 2}]  # fmt: skip
    assert _stats(server, account, "cities") == [
        {"country_code": "DE", "region": "DE-BY", "city": "Munich", "visitors": 1, "pageviews": 2},
        {"country_code": "US", "region": None, "city": "Mountain View", "visitors": 1, "pageviews": 1},
    ]
    server.stop()
    stored = (account.data_dir / "clearanalytics.duckdb").read_bytes()
    for ip in ("79.192.0.7", "8.8.8.8", "126.0.0.1", "10.9.8.7"):
        assert ip.encode() not in stored  # no raw IP anywhere in the file
    assert query_rows(account.data_dir, "SELECT count(*) FROM pageviews WHERE country_code = 'FR'") == [(0,)]


def test_the_live_route_without_a_file_gives_countries(account):
    ingest = IngestClient(account.data_dir)
    try:
        assert ingest.post({"name": "pageview", "url": "https://example.com/", "domain": "example.com"},
                           ip="81.128.0.1").status_code == 202  # fmt: skip
        assert ingest.post({"name": "cta", "url": "https://example.com/", "domain": "example.com"},
                           ip="81.128.0.1").status_code == 202  # fmt: skip
        assert ingest.rows("pageviews", "country_code, region, city") == [("GB", None, None)]
    finally:
        ingest.close()


def _line(ts: datetime, ip: str, path: str = "/", **extra) -> str:
    when = ts.strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({"name": "pageview", "url": f"https://example.com{path}", "domain": "example.com",
                       "timestamp": when, "ip": ip, "user_agent": CHROME, **extra})  # fmt: skip


def test_import_lines_are_looked_up_and_their_own_location_wins(account, tmp_path, mmdb):
    (account.data_dir / "clearanalytics.toml").write_text(f'geoip_db = "{mmdb}"\n')
    day = datetime.now(UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)
    lines = [
        _line(day + timedelta(hours=1), "79.192.0.9", "/a"),  # looked up: Munich
        _line(day + timedelta(hours=2), "177.0.0.1", "/b"),  # looked up: BR only
        _line(day + timedelta(hours=3), "79.192.0.9", "/c", country_code="AT", region="AT-9", city="Vienna"),  # wins
        _line(day + timedelta(hours=4), "10.0.0.1", "/d", country_code="SE"),  # its own: a country alone
        _line(day + timedelta(hours=5), "10.0.0.2", "/e"),  # unknown
        _line(day + timedelta(hours=6), "10.0.0.3", "/f", country_code="de"),  # bad lines from here on
        _line(day + timedelta(hours=6), "10.0.0.3", "/g", country_code="DE", region="AT-9"),
        _line(day + timedelta(hours=6), "10.0.0.3", "/h", region="DE-BY"),
        _line(day + timedelta(hours=6), "10.0.0.3", "/i", country_code="DE", city="x" * 101),
        _line(day + timedelta(hours=6), "10.0.0.3", "/j", country_code="DE", city=5),
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = run_cli("import", "--data-dir", account.data_dir, path)
    assert result.exit_code == 0, result.output
    assert "accepted 5, dropped 0, bad lines 5" in result.stderr
    assert "line 6: country_code must be an ISO 3166-1 alpha-2 code in upper case, such as DE" in result.stderr
    assert "line 7: region must be an ISO 3166-2 code of DE, such as DE-BY" in result.stderr
    assert "line 8: region needs country_code on the same line" in result.stderr
    assert "line 9: city must be a name of 1-100 characters" in result.stderr
    assert "line 10: city must be a name of 1-100 characters" in result.stderr
    rows = query_rows(account.data_dir, "SELECT pathname, country_code, region, city FROM pageviews ORDER BY pathname")
    assert rows == [("/a", "DE", "DE-BY", "Munich"), ("/b", "BR", None, None), ("/c", "AT", "AT-9", "Vienna"),
                    ("/d", "SE", None, None), ("/e", None, None, None)]  # fmt: skip
