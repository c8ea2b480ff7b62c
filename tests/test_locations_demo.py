"""The quickstart demo's locations ([5/7] item 9): every visitor's address lies in a block the registries
assign to the country its lines name (iptocc, the built-in lookup, agrees), regions are of that country, and
the countries, regions and cities reports read through the REST API equal the counts computed here from the
generated lines."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from iptocc import country_code

from clearanalytics.demo import generate
from clearanalytics.demo_locations import COUNTRIES, PLACES
from tests.test_demo_panels import DOMAIN, NOW, RANGE, api, demo  # noqa: F401  (fixtures)


def test_every_demo_address_is_in_its_countrys_registry_blocks():
    for now, seed in ((NOW, 7), (datetime(2025, 1, 1, 8, 0), 3)):
        lines = [x for x in generate(DOMAIN, days=30, now=now, seed=seed) if x["name"] == "pageview"]
        assert lines
        for line in lines:
            assert country_code(line["ip"]) == line["country_code"], line["ip"]
            assert line["region"].startswith(line["country_code"] + "-") and line["city"]
            assert (line["region"], line["city"]) in PLACES[line["country_code"]][1]


def test_every_block_of_the_table_maps_to_its_country():
    """The whole of each /16, so a later draw cannot land outside the country."""
    for country, (blocks, _cities) in PLACES.items():
        for block in blocks:
            assert {country_code(f"{block}.{b}.{d}") for b in range(256) for d in (1, 128, 254)} == {country}
    assert {c for choices in COUNTRIES.values() for _w, c in choices} == set(PLACES)
    assert {"US", "DE", "GB", "FR", "NL", "IN", "BR", "CA", "JP", "AU", "ES", "IT", "SE", "PL"} <= set(PLACES)


def _visitor(line: dict) -> tuple:
    """A visitor as ingest derives one: site + IP + user agent + the (UTC, the demo site's zone) day."""
    return line["timestamp"][:10], line["ip"], line["user_agent"]


def test_the_demo_fills_countries_regions_and_cities(demo, api):  # noqa: F811
    _data_dir, _token, lines, _stored = demo
    views = [x for x in lines if x["name"] == "pageview"]
    expected = {}
    for report, keys in (("countries", ("country_code",)), ("regions", ("country_code", "region")),
                         ("cities", ("country_code", "region", "city"))):  # fmt: skip
        visitors, pageviews = defaultdict(set), defaultdict(int)
        for line in views:
            key = tuple(line[k] for k in keys)
            visitors[key].add(_visitor(line))
            pageviews[key] += 1
        rows = [dict(zip(keys, key, strict=True)) | {"visitors": len(v), "pageviews": pageviews[key]}
                for key, v in visitors.items()]  # fmt: skip
        rows.sort(key=lambda r: (-r["visitors"], -r["pageviews"], *(r[k] for k in reversed(keys))))
        expected[report] = rows[:100]
    assert len(expected["countries"]) >= 14 and len(expected["cities"]) >= 30
    for report, rows in expected.items():
        assert api(report) == rows, report
    germany = api("cities", **{"filter[country]": "DE"})
    assert {r["city"] for r in germany} == {"Berlin", "Munich", "Hamburg", "Frankfurt am Main"}
