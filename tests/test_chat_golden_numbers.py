"""The chat's golden set (tests/chat_golden.json), its numbers: every question the chat reads right, asked of the
real engine on the real MCP registry over the stats dataset imported through `clearanalytics import`; the figures
the answer must quote are computed here by tests/stats_expected.py (plain Python over the raw events), never read
from the tools. Apart from the readings (tests/test_chat_golden.py) so that the two run on separate workers.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import ClassVar

import pytest
from app_helpers import app_on
from stats_dataset import NOW
from stats_expected import Expected, LocationExpected

from clearanalytics import accounts
from clearanalytics.chat import engine as chat_engine
from clearanalytics.chat.engine import BuiltinEngine, ChatContext
from clearanalytics.chat.tools import RegistryRunner, TenantTools
from clearanalytics.stats.query import today_in
from tests.chat_support import RIGHT, golden, in_groups, judge, reading_key
from tests.test_faces import expected_goals

DATASET = golden()["dataset"]
ACME = DATASET["domains"]
# The engine keeps every reading here, not its last 4,096: the verdicts this worker reads at collection (below) are
# then not read again when their questions are asked (their context, history and all, is the same).
chat_engine.READINGS_KEPT = 200_000


# --- the numbers, on the stats dataset -----------------------------------------------------------


@dataclass(frozen=True)
class Acme:
    """The account every question is asked as, read once: the accounts do not change here."""

    tenant: accounts.Tenant
    user: accounts.User
    todays: dict[str, date]


@pytest.fixture(scope="module")
def dataset(stats_import_data_dir):
    data_dir, data = stats_import_data_dir
    with app_on(data_dir, now=NOW) as app:
        with app.extensions["clearanalytics.db"].reading() as cur:
            tenant = accounts.get_tenant(cur, "acme")
            user = accounts.get_user(cur, "owner@acme.test")
            todays = {s.domain: today_in(s, NOW) for s in accounts.list_sites(cur, tenant.id)}
        assert {d: t.isoformat() for d, t in todays.items()} == DATASET["site_todays"]
        todays = {domain: todays[domain] for domain in ACME}  # in the golden block's order, as its readings were
        yield data, app, Acme(tenant, user, todays)


class RememberingRunner(RegistryRunner):
    """The registry, each distinct call run once per worker: the dataset is read-only here, so a call's answer is the
    same the second time. The questions' readings differ more than their calls (a follow-up's history, a series'
    buckets, a comparison's period recur), and the calls were three quarters of this file's time."""

    answers: ClassVar[dict[str, dict]] = {}

    def call(self, name: str, arguments: dict) -> dict:
        key = json.dumps([name, arguments], sort_keys=True, default=str)
        if key not in self.answers:
            self.answers[key] = super().call(name, arguments)
        return copy.deepcopy(self.answers[key])


def ask(dataset, case: dict) -> dict:
    """The built-in engine on the MCP registry, in-process, after the case's history."""
    _data, app, acme = dataset
    with app.app_context(), app.extensions["clearanalytics.db"].reading() as cur:  # as a request: the app's store
        tools = TenantTools(RememberingRunner(cur, acme.tenant.id, acme.user.id, now=NOW), "acme")
        ctx = ChatContext("acme", tools, max(acme.todays.values()), list(acme.todays), [], acme.todays)
        engine = BuiltinEngine()
        for earlier in case.get("history", []):
            message = list(engine.run(earlier, ctx))[-1]["message"]
            ctx.history += [{"role": "user", "text": earlier}, {"role": "assistant", **message}]
        return list(engine.run(case["q"], ctx))[-1]["message"]


def count(value) -> str:
    return f"{int(value):,}"


def visitors(value) -> str:
    """'1 visitor', '2 visitors', as a sentence says them."""
    return f"{count(value)} visitor{'' if int(value) == 1 else 's'}"


def shown(metric: str, value) -> str:
    """How an answer writes a figure (written here from docs/CHAT.md, not imported from answers.py)."""
    if metric in ("bounce_rate", "conversion_rate"):
        return f"{float(value):.1f}%"
    if metric in ("revenue", "avg_order_value"):
        return f"{float(value):,.2f} EUR"
    if metric == "avg_duration":
        seconds = int(value)
        return f"{seconds // 60}m {seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
    return count(value)


def expected(case: dict, **params) -> Expected:
    args = {k: v for k, v in case["arguments"].items() if k != "domain"} | params
    domains = [case["arguments"]["domain"]] if "domain" in case["arguments"] else ACME
    return _expected(tuple(domains), json.dumps(args, sort_keys=True))


@cache
def _expected(domains: tuple[str, ...], args: str) -> Expected:
    """One Expected per set of sites and arguments, its reports each computed once: the answers of many questions
    share a period and a list (the dataset does not change here)."""
    return KeptReports(DATASET_DATA[0], list(domains), json.loads(args), NOW)


class KeptReports(Expected):
    """An Expected whose reports wanted() asks keep their answer (wanted() only reads them)."""

    KEPT = ("overview_values", "ecommerce_values", "timeseries", "hours", "pages", "referrers", "channels",
            "revenue_by_source", "breakdown", "campaigns", "products", "funnel")  # fmt: skip

    def __getattribute__(self, name: str):
        found = super().__getattribute__(name)
        if name not in KeptReports.KEPT:
            return found
        answers = super().__getattribute__("__dict__").setdefault("_answers", {})

        def kept(*args: str):
            if (name, args) not in answers:
                answers[(name, args)] = found(*args)
            return answers[(name, args)]

        return kept


DATASET_DATA: list = []


def weeks_or_months(first: date, last: date, interval: str) -> list[tuple[date, date]]:
    out, cursor = [], first
    while cursor <= last:
        if interval == "week":
            end = cursor + timedelta(days=6 - cursor.weekday())
        else:
            end = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        out.append((cursor, min(end, last)))
        cursor = min(end, last) + timedelta(days=1)
    return out[-26:]  # the answer shows the last 26 buckets of a longer period (docs/CHAT.md)


def wanted(case: dict, answer: str = "") -> list[str]:
    """The figures (as written) the answer to `case` must contain, in order. A case that names no metric for one
    page, a day or an hour is checked in the figure the answer gives ("had 89 visitors", "with 2 pageviews")."""
    tool, facet, metric, pick = case["tool"], case.get("facet"), case.get("metric"), case.get("pick")
    said = "pageviews" if "pageview" in answer else "visitors"
    if case.get("series"):
        window = expected(case).window  # "period": "12m" too, as the stats engine resolves it
        spans = weeks_or_months(window.date_from, window.date_to, case["series"])
        values = "overview_values" if tool == "analytics-overview" else "ecommerce_values"
        return [
            shown(metric, getattr(expected(case, **{"from": a.isoformat(), "to": b.isoformat()}), values)()[metric])
            for a, b in spans
        ]
    if tool in ("analytics-overview", "ecommerce-overview"):
        values = "overview_values" if tool == "analytics-overview" else "ecommerce_values"
        figures = [shown(metric, getattr(expected(case), values)()[metric])]
        if "compare" in case:
            figures.append(shown(metric, getattr(expected(case, **case["compare"]), values)()[metric]))
        return figures
    if tool in ("daily-breakdown", "hourly-breakdown"):
        rows = expected(case).timeseries() if tool == "daily-breakdown" else expected(case).hours()
        column = metric if metric in ("visitors", "pageviews") else said
        values = [r[column] for r in rows]
        if not any(values):  # a period before the dataset: said to have no data, no day named
            return ["There is no data"]
        index = values.index(min(values) if case.get("rank") == "worst" else max(values))
        label = rows[index]["date"] if tool == "daily-breakdown" else f"{rows[index]['hour']:02d}:00"
        return [f"{label} with {count(values[index])}"]
    if tool == "top-pages":
        rows = expected(case, limit=100).pages()
        if pick:
            row = next((r for r in rows if r["pathname"] == pick), None)
            return ["I found no page"] if row is None else [shown(metric or said, row[metric or said])]
        if case.get("section"):
            rows = [r for r in rows if r["pathname"].strip("/").split("/")[0] == case["section"]]
            if not rows:
                return [f"I found no pages under /{case['section']}"]
        if case.get("metric") in ("visitors", "avg_duration") and not case.get("section"):
            # ranked by another figure: of every page, ties in pageviews order (the pages' own order)
            ranked = sorted(rows, key=lambda r: -r[case["metric"]])[: case.get("shown") or 5]
            return [f"{r['pathname']} ({shown(case['metric'], r[case['metric']])})" for r in ranked]
        rows = (
            rows[: case.get("shown") or 5] if case.get("section") else expected(case).pages()[: case.get("shown") or 5]
        )
        return [f"{r['pathname']} ({count(r['pageviews'])})" for r in rows]
    if facet == "referrers":
        rows = expected(case).referrers()
        if pick:
            row = next((r for r in rows if pick in (r["referrer_source"], r["referrer"])), None)
            return ["I found no source"] if row is None else [f"brought {visitors(row['visitors'])}"]

        def name(row: dict) -> str:  # a host, else a named source; direct traffic has neither
            return row["referrer"] or (row["referrer_source"] if row["referrer_source"] != "direct" else "(none)")

        if case.get("shown"):  # top N: N named rows, "(none)" not counted
            rows = [r for r in rows if name(r) != "(none)"][: case["shown"]]
        return [f"{name(r)} ({count(r['visitors'])})" for r in rows[:5]]
    if facet == "sources":
        column = "pageviews" if metric == "pageviews" or "by pageviews" in answer else "visitors"  # "pvs by source"
        rows = sorted((r for r in expected(case).channels() if r["visitors"]), key=lambda r: -r[column])
        if not rows:
            return ["There is no data"]
        return [f"{r['channel']} ({count(r[column])})" for r in rows[: case.get("shown") or 5]]
    if facet == "revenue_by_source":
        rows = expected(case, limit=100).revenue_by_source()
        if pick:
            row = next((r for r in rows if r["source"] == pick), None)
            return ["I found no source"] if row is None else [shown("revenue", row["revenue"])]
        return [f"{r['source']} ({shown('revenue', r['revenue'])})" for r in rows[:5]]
    if facet in ("devices", "browsers", "operating_systems", "languages"):
        column = {"devices": "device_type", "browsers": "browser", "operating_systems": "os"}.get(facet, "language")
        rows = expected(case, limit=100).breakdown(column, column)
        if pick:
            row = next((r for r in rows if r[column] == pick), None)
            return ["I found no device type"] if row is None else [f"{visitors(row['visitors'])} on {pick}"]
        named = [r for r in rows if r[column]][: case.get("shown") or 5]
        unnamed = [r for r in rows if not r[column] and r["visitors"]]
        if not named and unnamed:  # only visitors whose language (device, ...) is unknown: that one row
            return [f"(none) ({count(unnamed[0]['visitors'])})"]
        return [f"{r[column]} ({count(r['visitors'])})" for r in named]
    if facet == "campaigns":
        rows = expected(case, limit=100).campaigns()
        if pick:
            row = next((r for r in rows if r["utm_campaign"] == pick), None)
            return ["I found no campaign"] if row is None else [f"brought {visitors(row['visitors'])}"]
        rows = rows[: case.get("shown") or 5]
        return [f"{r['utm_source'] or '-'} / {r['utm_medium'] or '-'} / {r['utm_campaign'] or '-'}" for r in rows]
    if facet == "products":
        rows = expected(case).products()[: case.get("shown") or 5]
        return [f"{r['item_name']} ({shown('revenue', r['revenue'])})" for r in rows]
    if facet == "funnel":
        steps = expected(case).funnel()
        if not any(r["visitors"] for r in steps):
            return ["There is no data"]
        return [f"{r['label']}: {count(r['visitors'])}" for r in steps]
    if facet == "goals":
        domains = [case["arguments"]["domain"]] if "domain" in case["arguments"] else ACME
        goals = expected_goals(DATASET_DATA[0], domains, case["arguments"], NOW)
        return [f"{g['name']}: {count(g['completions'])}" for g in goals]
    if facet == "sites":
        return [f"You have {len(ACME)} sites"]
    if tool == "locations":
        return located(case)
    return []  # realtime (no traffic in the dataset's last 30 minutes), custom properties: the reading is checked


# The English names of the dataset's countries (tests/stats_dataset.py LOCATIONS) and of those the golden questions ask
# about without visitors, written here by hand.
COUNTRY_NAMES = {
    "DE": "Germany", "US": "United States", "FR": "France", "JP": "Japan", "NL": "Netherlands", "BR": "Brazil",
    "GB": "United Kingdom", "ES": "Spain", "IT": "Italy", "CA": "Canada", "CH": "Switzerland", "AT": "Austria",
    "BE": "Belgium", "MX": "Mexico", "AU": "Australia", "IN": "India", "SE": "Sweden", "PL": "Poland",
    "AR": "Argentina", "PT": "Portugal", "IE": "Ireland", "DK": "Denmark", "NO": "Norway", "FI": "Finland",
    "CN": "China", "KR": "South Korea", "NZ": "New Zealand", "ZA": "South Africa", "CO": "Colombia",
    "PE": "Peru", "VE": "Venezuela", "CL": "Chile", "UY": "Uruguay", "RU": "Russian Federation", "GR": "Greece",
    "CZ": "Czechia", "NG": "Nigeria", "PH": "Philippines", "LU": "Luxembourg", "MA": "Morocco", "EC": "Ecuador",
    "EG": "Egypt", "BD": "Bangladesh", "SN": "Senegal", "BO": "Bolivia", "CR": "Costa Rica", "ID": "Indonesia",
    "PK": "Pakistan", "PY": "Paraguay", "SA": "Saudi Arabia", "AE": "United Arab Emirates", "LI": "Liechtenstein",
    "CI": "Côte d'Ivoire", "CM": "Cameroon", "DZ": "Algeria", "GH": "Ghana", "HR": "Croatia", "HU": "Hungary",
    "KE": "Kenya", "LK": "Sri Lanka", "MY": "Malaysia", "NP": "Nepal", "QA": "Qatar", "RO": "Romania",
    "SG": "Singapore", "SI": "Slovenia", "SK": "Slovakia", "SR": "Suriname", "TH": "Thailand", "TN": "Tunisia",
    "TR": "Türkiye", "RS": "Serbia", "UA": "Ukraine", "BG": "Bulgaria",
}  # fmt: skip


def located(case: dict) -> list[str]:
    """A country's visitors, or the top rows of countries, regions or cities, with an unknown place left out."""
    args = {k: v for k, v in case["arguments"].items() if k not in ("domain", "level")} | {"limit": 100}
    domains = [case["arguments"]["domain"]] if "domain" in case["arguments"] else ACME
    found = LocationExpected(DATASET_DATA[0], domains, args, NOW)
    if case.get("pick"):
        row = next((r for r in found.countries() if r["country_code"] == case["pick"]), None)
        name = COUNTRY_NAMES.get(case["pick"], case["pick"])
        return [f"I found no visitors from {name}"] if row is None else [f"{visitors(row['visitors'])} from {name}"]
    column = {"countries": "country_code", "regions": "region", "cities": "city"}[case["facet"]]
    rows = [r for r in getattr(found, case["facet"])() if r[column]][: case.get("shown") or 5]
    names = [COUNTRY_NAMES[r[column]] if column == "country_code" else r[column] for r in rows]
    return [f"{name} ({count(r['visitors'])})" for name, r in zip(names, rows, strict=True)]


# A list the independent computation finds empty (no product sold this week) must be said to have no data.
EMPTY_SAYS_SO = (
    "pages", "referrers", "sources", "devices", "browsers", "operating_systems", "languages", "products",
    "countries", "regions", "cities", "revenue_by_source", "campaigns",
)  # fmt: skip


def one_per_reading(cases: list[dict]) -> list[dict]:
    """The first question of each distinct reading as far as its figures go (chat_support.answered_as). The figures
    of an answer are a function of its reading (tool, arguments, rank, series, ...), and tests/test_chat_golden.py
    checks every question's reading, so the figures of each reading are checked once: 12,393 answers for the 51,880
    questions of the dataset block read right after batch Q was added (9,105 for 38,261 with P, 7,469 for 28,448
    before it)."""
    first: dict[str, dict] = {}
    for case in cases:
        first.setdefault(reading_key(DATASET, case), case)
    return list(first.values())


# The numbers of every reading of a question the chat reads right (a misreading is counted by score() as wrong or
# a miss).
NUMBERED = one_per_reading(
    [
        c
        for c in DATASET["cases"]
        if "unclear" not in c and c["tool"] not in ("realtime", "custom-properties") and judge(DATASET, c)[0] == RIGHT
    ]
)


def group_id(group: list[dict]) -> str:
    return f"{group[0].get('lang', 'en')}: {group[0]['q'][:40]} (+{len(group) - 1})"


def failures(check, dataset, group: list[dict]) -> str:
    """Each case's failure, named by its question; empty when all pass."""
    found = []
    for case in group:
        try:
            check(dataset, case)
        except AssertionError as failure:
            found.append(f"{case.get('lang', 'en')}: {case['q']!r}: {failure}")
    return "\n".join(found)


NUMBERED_GROUPS = in_groups(NUMBERED, 50)


@pytest.mark.parametrize("group", NUMBERED_GROUPS, ids=[group_id(g) for g in NUMBERED_GROUPS])
def test_the_answer_quotes_the_independently_computed_numbers(dataset, group):
    failed = failures(check_numbers, dataset, group)
    assert not failed, failed


def check_numbers(dataset, case: dict) -> None:
    """The figures the answer to `case` must quote, in order, found in it."""
    DATASET_DATA[:] = [dataset[0]]
    message = ask(dataset, case)
    call = message["tool_calls"][0]
    assert call == {"name": case["tool"], "arguments": {"tenant": "acme", **case["arguments"]}}
    figures = wanted(case, message["text"]) or (["There is no data"] if case.get("facet") in EMPTY_SAYS_SO else [])
    assert figures, case
    position = 0
    for figure in figures:  # each figure, in the order the answer gives them
        found = message["text"].find(figure, position)
        assert found >= 0, (figure, message["text"])
        position = found
    assert "Error" not in message["text"]


# What it cannot read, once per reading: the message and its buttons are the Unclear's (its part, words and offers).
UNCLEAR = one_per_reading([c for c in DATASET["cases"] if "unclear" in c and judge(DATASET, c)[0] == RIGHT])
UNCLEAR_GROUPS = in_groups(UNCLEAR, 50)


@pytest.mark.parametrize("group", UNCLEAR_GROUPS, ids=[group_id(g) for g in UNCLEAR_GROUPS])
def test_what_it_cannot_read_it_says_and_calls_no_tool(dataset, group):
    failed = failures(check_unclear, dataset, group)
    assert not failed, failed


def check_unclear(dataset, case: dict) -> None:
    message = ask(dataset, case)
    assert message["tool_calls"] == []
    assert message["text"].startswith(("I could not read", "I cannot answer", "I understood")), message["text"]
    assert message.get("suggestions") or "Try asking it another way." in message["text"]
