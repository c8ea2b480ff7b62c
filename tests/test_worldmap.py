"""The Locations panel in headless Chromium against a real `clearanalytics serve` ([5/7] item 1, dashboard side).

The world map (static/worldmap.js drawing static/world-110m.json) must shade each country with its exact
visitors, name it on hover and focus, and filter the whole view when a country is clicked or chosen with
the keyboard; the tables beside it switch between countries, regions and cities. The dataset below is
imported through `clearanalytics import` with each line's own location (an import line may carry
country_code, region and city); every expected number is worked out here from LINES, never read back
from the server.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from datetime import timedelta

import pytest

from clearanalytics.db import utcnow
from tests.browser import REPO_ROOT, SCREENSHOTS, expect, screenshot
from tests.conftest import LiveServer, make_account, run_cli
from tests.test_dashboard_browser import SITE, kpis, new_page, no_sideways_scroll, table

pytest_plugins = ("tests.browser",)

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
XSS_CITY = "<img src=x onerror=alert(1)>"
# (ip, pathname, minute, country_code, region, city): one day ago in UTC, one visitor per IP (one session each).
LINES = (
    ("10.1.0.1", "/", 0, "DE", "DE-BY", "Munich"),
    ("10.1.0.1", "/pricing", 2, "DE", "DE-BY", "Munich"),
    ("10.1.0.2", "/", 5, "DE", "DE-BE", "Berlin"),
    ("10.1.0.3", "/", 10, "US", "US-CA", "San Francisco"),
    ("10.1.0.4", "/docs", 12, "US", "US-NY", "New York"),
    ("10.1.0.5", "/", 14, "US", "US-CA", "San Francisco"),
    ("10.1.0.5", "/pricing", 16, "US", "US-CA", "San Francisco"),
    ("10.1.0.6", "/", 20, "FR", None, None),
    ("10.1.0.7", "/docs", 25, "XK", None, None),  # Kosovo: "-99" in Natural Earth, XK in the GeoIP databases
    ("10.1.0.8", "/", 30, None, None, None),  # no location on the line, a private address: unknown
    ("10.1.0.9", "/", 35, "SG", None, None),  # Singapore: too small for the 1:110m map, in the table only
    ("10.1.0.10", "/", 40, "BR", "BR-SP", XSS_CITY),  # a city name is text, never markup
)
NAMES = {"DE": "Germany", "US": "United States", "FR": "France", "XK": "Kosovo", "SG": "Singapore", "BR": "Brazil"}
MAP_CODES = {"DE", "US", "FR", "XK", "BR"}  # the ones with a shape in static/world-110m.json


def tally(lines, key) -> dict:
    """{group: (visitors, pageviews)} of the lines whose key(line) is not None: the independent oracle."""
    ips, views = defaultdict(set), defaultdict(int)
    for line in lines:
        group = key(line)
        if group is not None:
            ips[group].add(line[0])
            views[group] += 1
    return {group: (len(ips[group]), views[group]) for group in ips}


def plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def step(visitors: int, most: int) -> int:
    """The map's shade: five steps by the square root of the share of the busiest country's visitors."""
    return 0 if not visitors else min(5, max(1, math.ceil(5 * math.sqrt(visitors / most))))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("worldmap") / "data"
    make_account(data_dir)
    day = utcnow().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=1)
    rows = []
    for ip, path, minute, country, region, city in LINES:
        when = (day + timedelta(minutes=minute)).isoformat() + "Z"
        row = {"name": "pageview", "url": f"https://example.com{path}", "domain": "example.com", "ip": ip,
               "timestamp": when, "user_agent": UA, "duration": 10}  # fmt: skip
        location = {"country_code": country, "region": region, "city": city}
        row |= {key: value for key, value in location.items() if value}  # a line without them: the IP's lookup
        rows.append(row)
    path = data_dir.parent / "worldmap.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run_cli("import", "--data-dir", data_dir, path)
    assert result.exit_code == 0 and f"accepted {len(LINES)}, dropped 0, bad lines 0" in result.output, result.output
    server = LiveServer(data_dir).start()
    yield server
    server.stop()


def test_the_map_file_credits_natural_earth_and_keys_countries_by_iso_code():
    """static/world-110m.json: small, credited, one ISO alpha-2 key per country (no Natural Earth "-99")."""
    path = REPO_ROOT / "static" / "world-110m.json"
    assert path.stat().st_size < 150_000
    shapes = json.loads(path.read_text())
    assert "Natural Earth" in shapes["source"] and "public domain" in shapes["licence"].lower()
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in shapes["countries"])
    assert {"FR", "NO", "XK", "CY", "SO", "UA", "TW"} <= set(shapes["countries"]) and "AQ" not in shapes["countries"]
    for code, rings in shapes["countries"].items():
        assert rings, code
        for ring in rings:  # first point, then deltas: every point stays on the grid
            x, y = ring[0], ring[1]
            for i in range(2, len(ring), 2):
                x, y = x + ring[i], y + ring[i + 1]
                assert 0 <= x <= shapes["width"] and 0 <= y <= shapes["height"], code


def open_view(chromium, server, query="?period=7d", **options):
    page = new_page(chromium, server, **options)
    page.goto(SITE + query)
    page.wait_for_selector("[data-widget=worldmap][data-status=ready]")
    return page


def map_state(page) -> dict[str, dict]:
    """Every country shape on the map: its visitors, shade, title and whether it is a link."""
    return page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('.wm-svg [data-code]')).map(p => [
             p.dataset.code, {visitors: Number(p.dataset.visitors), step: Number(p.dataset.step),
                              title: p.querySelector('title').textContent,
                              link: p.parentNode.getAttribute('href')}]))"""
    )


def test_the_map_shades_every_country_with_its_exact_visitors(chromium, server):
    page = open_view(chromium, server, viewport=DESKTOP)
    countries = tally(LINES, lambda line: line[3] or "")  # "": the unknown location
    most = max(visitors for code, (visitors, _pv) in countries.items() if code in MAP_CODES)
    shapes = map_state(page)
    assert len(shapes) > 150 and {"DE", "US", "FR", "XK", "GB", "BR"} <= set(shapes)  # the whole world, XK too
    for code, shape in shapes.items():
        visitors, pageviews = countries.get(code, (0, 0))
        assert shape["visitors"] == visitors, code
        assert shape["step"] == step(visitors, most), code
        if visitors:
            title = f"{NAMES[code]}: {plural(visitors, 'visitor')}, {plural(pageviews, 'pageview')}"
            assert shape["title"] == title
            assert shape["link"] == f"{SITE}?period=7d&filter%5Bcountry%5D={code}"
        else:
            assert shape["title"].endswith(": no visitors") and shape["link"] is None, code
    assert shapes["US"]["step"] == 5 and shapes["FR"]["step"] == 3  # 3 of 3 visitors; sqrt(1/3) of the way
    # Off the map but counted: the unknown location and the country too small for 1:110m.
    note = page.locator("[data-map-note]").inner_text()
    assert note == f"Unknown location: {plural(countries[''][0], 'visitor')} · Too small for the map: Singapore"

    # Hover names the country with its numbers; so does keyboard focus (the shaded countries are links).
    page.hover(".wm-svg [data-code=DE]")
    caption = page.locator("[data-caption]")
    expect(caption).to_have_text(f"Germany: {plural(2, 'visitor')}, {plural(3, 'pageview')}")
    sea = page.locator(".wm-svg").bounding_box()  # the South Pacific: no land there
    page.mouse.move(sea["x"] + 0.04 * sea["width"], sea["y"] + 0.75 * sea["height"])
    expect(caption).to_have_text("Hover or focus a country for its numbers, click it to filter.")
    page.locator(".wm-svg a:has([data-code=FR])").focus()
    expect(caption).to_have_text("France: 1 visitor, 1 pageview")
    assert page.evaluate("document.activeElement.querySelector('[data-code]').dataset.code") == "FR"
    page.keyboard.press("Shift+Tab")  # the links are in the Tab order (only the countries with visitors)
    focused = page.evaluate("document.activeElement.querySelector('[data-code]')?.dataset.code")
    assert focused in MAP_CODES - {"FR"}
    assert page.locator(".wm-svg a").count() == len(MAP_CODES)

    # The Countries table beside the map: names from the browser, most visitors first, the same numbers.
    rows = table(page, "countries")
    expected = [[NAMES.get(code, "Unknown"), str(v), str(pv)] for code, (v, pv) in countries.items()]
    assert sorted(rows) == sorted(expected)
    assert [row[0] for row in rows[:2]] == ["United States", "Germany"]  # 3 and 2 visitors; then the ties
    assert page.problems == []


def test_clicking_a_country_filters_the_whole_dashboard(chromium, server):
    page = open_view(chromium, server, viewport=DESKTOP)
    assert kpis(page)["visitors"] == str(len({line[0] for line in LINES}))
    page.click(".wm-svg [data-code=US]")
    page.wait_for_url(f"**{SITE}?period=7d&filter%5Bcountry%5D=US")
    us = [line for line in LINES if line[3] == "US"]
    numbers = kpis(page)
    assert (numbers["visitors"], numbers["pageviews"]) == (str(len({line[0] for line in us})), str(len(us)))
    pages = {path: str(v) for path, (v, _pv) in tally(us, lambda line: line[1]).items()}
    assert {row[0]: row[1] for row in table(page, "pages")} == pages  # another panel: the US visitors only
    expect(page.locator(".chip[data-filter=country] .chip-value")).to_have_text("United States (US)")
    page.wait_for_selector("[data-widget=worldmap][data-status=ready]")
    shaded = {code: s["visitors"] for code, s in map_state(page).items() if s["visitors"]}
    assert shaded == {"US": 3}
    assert table(page, "countries") == [["United States", "3", "4"]]

    # The keyboard does the same: Tab to a country and press Enter.
    page = open_view(chromium, server, viewport=DESKTOP)
    page.locator(".wm-svg a:has([data-code=DE])").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{SITE}?period=7d&filter%5Bcountry%5D=DE")
    de = [line for line in LINES if line[3] == "DE"]
    numbers = kpis(page)
    assert (numbers["visitors"], numbers["pageviews"]) == (str(len({line[0] for line in de})), str(len(de)))
    # A table row links to the very same URL (one code path: the filter link).
    page.goto(SITE + "?period=7d")
    page.wait_for_selector("#w-countries[data-status=ready]")
    row_link = page.locator("#w-countries tbody a", has_text="Germany").get_attribute("href")
    map_link = page.locator(".wm-svg a:has([data-code=DE])").get_attribute("href")
    assert row_link == map_link == f"{SITE}?period=7d&filter%5Bcountry%5D=DE"
    assert page.problems == []


def test_the_tables_switch_between_countries_regions_and_cities(chromium, server):
    page = open_view(chromium, server, viewport=DESKTOP)
    tabs = page.locator(".locations-tabs [role=tab]")
    assert tabs.all_inner_texts() == ["Countries", "Regions", "Cities"]
    expect(page.locator("#w-countries")).to_be_visible()
    expect(page.locator("#w-regions")).to_be_hidden()

    page.click("#tab-regions")
    expect(page.locator("#w-regions")).to_be_visible()
    expect(page.locator("#w-countries")).to_be_hidden()
    assert page.locator("#tab-regions").get_attribute("aria-selected") == "true"
    regions = tally(LINES, lambda line: (line[4], line[3]) if line[4] else None)
    expected = [[region, NAMES[country], str(v), str(pv)] for (region, country), (v, pv) in regions.items()]
    rows = table(page, "regions")
    assert sorted(rows) == sorted(expected) and rows[0][0] == "US-CA"  # 2 visitors, the others 1
    page.locator("#w-locations").screenshot(path=str(SCREENSHOTS / "worldmap-regions-tab.png"))

    page.keyboard.press("ArrowRight")  # the tabs pattern: focus is on Regions, the arrow moves to Cities
    expect(page.locator("#tab-cities")).to_be_focused()
    expect(page.locator("#w-cities")).to_be_visible()
    cities = tally(LINES, lambda line: (line[5], line[3]) if line[5] else None)
    expected = [[city, NAMES[country], str(v), str(pv)] for (city, country), (v, pv) in cities.items()]
    rows = table(page, "cities")
    assert sorted(rows) == sorted(expected) and rows[0][0] == "San Francisco"
    assert page.locator("#w-cities tbody a", has_text=XSS_CITY).count() == 1
    assert page.locator("#w-locations img").count() == 0  # and the dialog handler saw no alert()

    page.click("#w-cities tbody a:text-is('Munich')")  # a city row filters the view by that city
    page.wait_for_url(f"**{SITE}?period=7d&filter%5Bcity%5D=Munich")
    munich = [line for line in LINES if line[5] == "Munich"]
    numbers = kpis(page)
    assert (numbers["visitors"], numbers["pageviews"]) == ("1", str(len(munich)))
    page.wait_for_selector("[data-widget=worldmap][data-status=ready]")
    assert {code: s["visitors"] for code, s in map_state(page).items() if s["visitors"]} == {"DE": 1}
    screenshot(page, "worldmap-filtered-by-city")
    assert page.problems == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_screenshots(chromium, server, viewport, scheme):
    """The panel at both widths in both themes, saved for a person to look at (tests/screenshots/)."""
    page = open_view(chromium, server, viewport=viewport, scheme=scheme)
    page.wait_for_selector("#w-countries[data-status=ready]")
    box = page.locator("#w-locations").bounding_box()
    map_box = page.locator(".wm-svg").bounding_box()
    table_box = page.locator("#w-countries").bounding_box()
    assert map_box["width"] > 0.5 * box["width"]
    if viewport is PHONE:
        assert table_box["y"] >= map_box["y"] + map_box["height"]  # the table below the map
    else:
        assert table_box["x"] >= map_box["x"] + map_box["width"]  # the table beside the map
    no_sideways_scroll(page, viewport)
    page.hover(".wm-svg [data-code=DE]")
    name = f"worldmap-{'desktop' if viewport is DESKTOP else 'phone'}-{scheme}"
    screenshot(page, name)  # makes the directory
    page.locator("#w-locations").screenshot(path=str(SCREENSHOTS / f"{name}-panel.png"))
    assert page.problems == []
