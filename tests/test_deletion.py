"""Deletion (issue 12, item 15): site remove/reset, tenant remove and user remove leave no row behind.

The dataset is two tenants, three sites, five users and their tokens, goals, pageviews, custom
events and purchases imported through the real pipeline, with the rollups built. Every check
reads every table of the database (duckdb_tables()): after a removal, no row of any table
names a removed id in any column, and every other row is exactly as it was.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from clearanalytics import accounts, deletion, share_links
from clearanalytics.db import Database
from tests.conftest import PASSWORD, copy_data_dir, make_account, run_cli
from tests.dashboard_helpers import login, page_csrf
from tests.ingest_helpers import CHROME, IngestClient
from tests.test_import_plausible import _zip as _plausible_zip

NOW = datetime.now(UTC).replace(tzinfo=None)
# domain -> (tenant, pageviews on closed days, custom "signup" events, purchases (transaction, value))
SITES = {
    "example.com": ("acme", 6, 2, (("E1", 10.0), ("E2", 25.5))),
    "shop.example.com": ("acme", 4, 1, (("S1", 7.0),)),
    "beta.org": ("beta", 5, 1, (("B1", 12.0),)),
}
# The dated lines fall on the three days up to the last day of last month (or up to five days ago,
# if that is earlier), so that a whole closed month holds them: the monthly rollup tables then hold
# rows of every site whatever today's date is. All of it is within 90 days, the period the server
# checks read. (Five to seven days ago, as before, left December's first week with no monthly row.)
_CLOSED_DAY = min(NOW - timedelta(days=5), NOW.replace(day=1) - timedelta(days=1)).replace(
    hour=10, minute=0, second=0, microsecond=0
)
# email -> {tenant: role}; the first owner of acme is made by make_account.
MEMBERS = {
    "owner@beta.org": {"beta": "owner"},
    "shared@example.com": {"acme": "admin", "beta": "viewer"},
    "viewer@example.com": {"acme": "viewer"},
}


def _lines(domain: str) -> list[dict]:
    _tenant, visits, signups, purchases = SITES[domain]
    url = f"https://{domain}"

    def line(name: str, path: str, at: datetime, i: int, **extra) -> dict:
        return {"name": name, "url": url + path, "domain": domain, "timestamp": at.isoformat() + "Z",
                "ip": f"192.0.2.{i + 1}", "user_agent": CHROME, **extra}  # fmt: skip

    day = _CLOSED_DAY
    docs = [line("pageview", "/signup" if i % 2 else "/", day - timedelta(days=i % 3), i) for i in range(visits)]
    docs.append(line("pageview", "/", NOW - timedelta(minutes=5), 99))  # today: an open day, a kept salt
    docs += [line("signup", "/signup", day + timedelta(minutes=i), i) for i in range(signups)]
    for i, (txn, value) in enumerate(purchases):
        item = {"item_id": f"sku-{i}", "item_name": f"Item {i}", "price": value, "quantity": 1}
        ecommerce = {"transaction_id": txn, "value": value, "currency": "EUR", "items": [item]}
        docs.append(line("purchase", "/thanks", day - timedelta(days=1, minutes=-i), i, ecommerce=ecommerce))
    return docs


def _ok(*args, input: str | None = None):
    result = run_cli(*args, input=input)
    assert result.exit_code == 0, (args, result.output, result.stderr)
    return result


def build(tmp_path) -> dict:
    """The whole dataset in a data dir; returns the data dir and the tokens by (email, tenant)."""
    account = make_account(tmp_path / "data")
    data_dir = account.data_dir
    d = ["--data-dir", data_dir]
    _ok("site", "add", "shop.example.com", "--tenant", "acme", *d)
    _ok("tenant", "add", "beta", "--name", "Beta <b>&</b> Co", *d)
    _ok("site", "add", "beta.org", "--tenant", "beta", *d)
    tokens = {("owner@example.com", "acme"): account.token}
    for email, roles in MEMBERS.items():
        for tenant, role in roles.items():
            _ok("user", "add", email, "--tenant", tenant, "--role", role, "--password", PASSWORD, *d)
            made = _ok("token", "create", "--tenant", tenant, "--email", email, "--name", "t", *d)
            tokens[(email, tenant)] = made.stdout.strip()
    for domain in SITES:
        _ok("goal", "add", "--site", domain, "--name", "Signup page", "--path", "/signup", *d)
        _ok("goal", "add", "--site", domain, "--name", "Signup", "--event", "signup", *d)
    db = Database.in_data_dir(data_dir)
    try:  # a shared link per site (there is no CLI command for them)
        with db.transaction() as cur:
            for domain in SITES:
                share_links.create_link(
                    cur, accounts.get_site(cur, domain), f"Link {domain}", "key", password="pw-long-1"
                )
    finally:
        db.close()
    lines = tmp_path / "events.jsonl"
    lines.write_text("".join(json.dumps(doc) + "\n" for domain in SITES for doc in _lines(domain)))
    imported = _ok("import", lines, "--workers", "1", *d)
    assert "dropped 0" in imported.stderr and "bad lines 0" in imported.stderr, imported.stderr
    for domain in SITES:  # imported aggregates (import-plausible) are stats of their site too
        export = tmp_path / f"{domain}.zip"
        _plausible_zip(export)
        _ok("import-plausible", export, "--site", domain, *d)
    _ok("rollups", *d)
    _subscribe_every_member(data_dir)
    return {"data_dir": data_dir, "tokens": tokens}


def _subscribe_every_member(data_dir) -> None:
    """Every member subscribed to the email reports of each site of their tenants, one week sent each
    (clearanalytics/mail): a removal must take those rows too."""
    from clearanalytics.mail import store

    db = Database.in_data_dir(data_dir)
    try:
        with db.transaction() as cur:
            subs = [
                store.save_subscription(cur, user.id, site.id, weekly=True, monthly=False, threshold=None, now=NOW)
                for tenant in accounts.list_tenants(cur)
                for user, _role in accounts.tenant_members(cur, tenant.id)
                for site in accounts.list_sites(cur, tenant.id)
            ]
        for sub in subs:
            assert store.claim(db, sub, "week:2026-01-05", NOW, "tests")
            store.mark_sent(db, sub.id, "week:2026-01-05", NOW)
    finally:
        db.close()


@pytest.fixture(scope="module")
def world_template(tmp_path_factory) -> dict:
    """The dataset built once for the module; each test writes to a copy of it (`world`)."""
    return build(tmp_path_factory.mktemp("deletion"))


@pytest.fixture
def world(world_template, tmp_path) -> dict:
    data_dir = copy_data_dir(world_template["data_dir"], tmp_path / "data")
    return {"data_dir": data_dir, "tokens": dict(world_template["tokens"])}


# --- reading every table ------------------------------------------------------------------------


def _query(data_dir, sql: str, params=None) -> list[tuple]:
    db = Database.in_data_dir(data_dir)
    try:
        with db.reading() as cur:
            return cur.execute(sql, params or []).fetchall()
    finally:
        db.close()


def snapshot(data_dir) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: the whole database as data."""
    db = Database.in_data_dir(data_dir)
    try:
        return snapshot_of(db)
    finally:
        db.close()


def snapshot_of(db: Database) -> dict[str, list[tuple]]:
    with db.reading() as cur:
        names = [r[0] for r in cur.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {name: sorted(cur.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in names}


def mentions(row: tuple, ids: set[str]) -> bool:
    """Whether any column of the row holds one of the ids (a list column counts by its elements)."""
    return any(v in ids if isinstance(v, str) else isinstance(v, list) and bool(ids & set(v)) for v in row)


def ids_of(data_dir, sql: str, params=None) -> set[str]:
    return {r[0] for r in _query(data_dir, sql, params)}


def assert_only_these_rows_went(before: dict, after: dict, ids: set[str]) -> dict[str, int]:
    """No row of any table names an id any more, and every other row is untouched; returns rows gone per table."""
    assert set(after) == set(before)
    gone = {}
    for table, rows in before.items():
        kept = [r for r in rows if not mentions(r, ids)]
        assert after[table] == kept, f"{table}: rows other than the removed ones changed, or removed ones remain"
        gone[table] = len(rows) - len(kept)
    return gone


def site_ids(data_dir, domain: str) -> set[str]:
    """A site's id and its goals' ids: what its rows are tied to."""
    site = ids_of(data_dir, "SELECT id FROM sites WHERE domain = ?", [domain])
    return site | ids_of(data_dir, "SELECT id FROM goals WHERE list_contains(?, site_id)", [list(site)])


# --- the reference table covers the schema ----------------------------------------------------


def test_every_column_that_refers_to_a_site_goal_tenant_or_user_is_in_the_reference_table(world):
    columns = _query(
        world["data_dir"],
        "SELECT table_name, column_name FROM duckdb_columns() WHERE column_name IN "
        "('site_id', 'goal_id', 'tenant_id', 'user_id') OR (column_name = 'id' AND table_name IN "
        "('sites', 'goals', 'tenants', 'users'))",
    )
    covered = {(r.table, r.column) for r in deletion.REFERENCES}
    assert columns and set(columns) <= covered, f"add a line to deletion.REFERENCES for {set(columns) - covered}"
    assert covered <= set(columns), f"REFERENCES names columns that do not exist: {covered - set(columns)}"


# --- the CLI without a server -------------------------------------------------------------------


def test_site_remove_leaves_no_row_of_the_site_and_touches_nothing_else(world):
    data_dir = world["data_dir"]
    ids = site_ids(data_dir, "example.com")
    before = snapshot(data_dir)
    site_tables = {r.table for r in deletion.REFERENCES if r.target in ("site", "goal")}
    empty = [t for t in site_tables if not any(mentions(r, ids) for r in before[t])]
    assert not empty, f"the dataset has no rows of the site in {empty}: the test would prove nothing there"

    declined = run_cli("site", "remove", "example.com", "--data-dir", data_dir, input="n\n")
    assert declined.exit_code == 1 and "Remove site example.com and all its data (pageviews: 7," in declined.stderr
    assert snapshot(data_dir) == before

    result = _ok("site", "remove", "example.com", "--data-dir", data_dir, input="y\n")
    assert result.stdout == "removed site example.com\n"
    gone = assert_only_these_rows_went(before, snapshot(data_dir), ids)
    _tenant, visits, signups, purchases = SITES["example.com"]
    assert (gone["sites"], gone["goals"], gone["pageviews"]) == (1, 2, visits + 1)
    assert (gone["ecommerce_events"], gone["events"]) == (len(purchases), signups)
    assert gone["tenants"] == gone["users"] == gone["memberships"] == gone["api_tokens"] == 0


def test_site_reset_erases_stats_only(world):
    data_dir = world["data_dir"]
    ids = site_ids(data_dir, "shop.example.com")
    before = snapshot(data_dir)
    _ok("site", "reset", "shop.example.com", "--yes", "--data-dir", data_dir)
    after = snapshot(data_dir)
    stats_tables = {r.table for r in deletion.REFERENCES if r.stats}
    kept_tables = {t for t in before if t not in stats_tables}
    assert {t: after[t] for t in kept_tables} == {t: before[t] for t in kept_tables}  # site, goals, salts, ...
    gone = assert_only_these_rows_went({t: before[t] for t in stats_tables}, {t: after[t] for t in stats_tables}, ids)
    _tenant, visits, signups, purchases = SITES["shop.example.com"]
    assert (gone["pageviews"], gone["events"], gone["ecommerce_events"]) == (visits + 1, signups, len(purchases))
    assert gone["rollup_totals"] == 3 and gone["rollup_days"] > 0  # three closed days had traffic


def test_tenant_remove_takes_sites_tokens_memberships_and_accounts_left_without_a_tenant(world):
    data_dir = world["data_dir"]
    acme = ids_of(data_dir, "SELECT id FROM tenants WHERE slug = 'acme'")
    ids = acme | site_ids(data_dir, "example.com") | site_ids(data_dir, "shop.example.com")
    orphans = ids_of(data_dir, "SELECT id FROM users WHERE email IN ('owner@example.com', 'viewer@example.com')")
    shared = ids_of(data_dir, "SELECT id FROM users WHERE email = 'shared@example.com'")
    before = snapshot(data_dir)
    result = _ok("tenant", "remove", "acme", "--yes", "--data-dir", data_dir)
    assert "deleted the account of owner@example.com" in result.stderr
    assert "shared@example.com" not in result.stderr
    after = snapshot(data_dir)
    gone = assert_only_these_rows_went(before, after, ids | orphans)  # shared's acme rows carry acme's id
    assert (gone["tenants"], gone["sites"], gone["users"], gone["memberships"], gone["api_tokens"]) == (1, 2, 2, 3, 3)
    assert _query(data_dir, "SELECT email FROM users ORDER BY 1") == [("owner@beta.org",), ("shared@example.com",)]
    assert _query(data_dir, "SELECT count(*) FROM memberships WHERE user_id = ?", [next(iter(shared))]) == [(1,)]


def test_user_remove_takes_the_membership_and_its_tokens_then_the_account_with_the_last_one(world):
    data_dir = world["data_dir"]
    shared = ids_of(data_dir, "SELECT id FROM users WHERE email = 'shared@example.com'")
    acme = ids_of(data_dir, "SELECT id FROM tenants WHERE slug = 'acme'")
    before = snapshot(data_dir)
    result = _ok("user", "remove", "shared@example.com", "--tenant", "acme", "--data-dir", data_dir, input="y\n")
    assert "(the account stays: other tenants)" in result.stderr
    after = snapshot(data_dir)
    for table in ("memberships", "api_tokens"):
        expected = [r for r in before[table] if not (mentions(r, shared) and mentions(r, acme))]
        assert after[table] == expected and len(before[table]) - len(expected) == 1
    assert {t: r for t, r in after.items() if t not in ("memberships", "api_tokens")} == {
        t: r for t, r in before.items() if t not in ("memberships", "api_tokens")
    }

    _ok("user", "remove", "shared@example.com", "--tenant", "beta", "--yes", "--data-dir", data_dir)
    gone = assert_only_these_rows_went(before, snapshot(data_dir), shared)
    assert (gone["users"], gone["memberships"], gone["api_tokens"]) == (1, 2, 2)

    last_owner = run_cli("user", "remove", "owner@beta.org", "--tenant", "beta", "--yes", "--data-dir", data_dir)
    assert last_owner.exit_code == 1
    assert last_owner.stderr == (
        "Error: owner@beta.org is the last owner of beta: make another member owner, or remove the tenant\n"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["site", "remove", "nowhere.example"], "Error: no site 'nowhere.example'\n"),
        (["site", "reset", "a b"], "Error: invalid domain 'a b': expected a host name like example.com\n"),
        (["tenant", "remove", "nobody"], "Error: unknown tenant 'nobody'\n"),
        (["user", "remove", "ghost@example.com", "--tenant", "acme"], "Error: unknown user 'ghost@example.com'\n"),
        (["user", "remove", "owner@beta.org", "--tenant", "acme"],
         "Error: user 'owner@beta.org' is not a member of tenant 'acme'\n"),
    ],
)  # fmt: skip
def test_bad_names_are_one_line_and_delete_nothing(world, args, message):
    before = snapshot(world["data_dir"])
    result = run_cli(*args, "--yes", "--data-dir", world["data_dir"])
    assert (result.exit_code, result.stderr) == (1, message)
    assert snapshot(world["data_dir"]) == before


# --- with a running server: forwarded over the control socket ---------------------------------------


def _api(server, token: str, path: str, **params) -> requests.Response:
    return requests.get(f"{server.url}/api/v1/{path}", params=params, headers={"Authorization": f"Bearer {token}"})


def _numbers(server, token: str, domain: str | None = None) -> tuple:
    """(pageviews, visitors) of the last 90 days (closed days come from the rollups), and purchases and revenue."""
    scope = {"domain": domain} if domain else {}
    overview = _api(server, token, "stats/overview", period="90d", **scope)
    ecommerce = _api(server, token, "stats/ecommerce/overview", period="90d", **scope)
    assert overview.status_code == ecommerce.status_code == 200, (overview.text, ecommerce.text)
    o, e = overview.json()["data"], ecommerce.json()["data"]
    return o["pageviews"], o["visitors"], e["transactions"], float(e["revenue"])


def _expected(*domains: str) -> tuple:
    """The same numbers from the dataset's definition: every pageview line is a visitor of its own."""
    pageviews = sum(SITES[d][1] + 1 for d in domains)
    purchases = [value for d in domains for _txn, value in SITES[d][3]]
    return pageviews, pageviews, len(purchases), sum(purchases)


def _completions(server, token: str, goals: dict) -> dict:
    """(of example.com?, goal name) -> completions in the last 90 days."""
    return {
        key: _api(server, token, f"goals/{goal_id}/completions", period="90d").json()["meta"]["total"]
        for key, goal_id in goals.items()
    }


def _expected_completions(*domains: str) -> dict:
    """Every odd visit of the dataset is to /signup (the URL goal); each signup event is one (the event goal)."""
    return {
        (domain == "example.com", name): (count if domain in domains else 0)
        for domain in ("example.com", "shop.example.com")
        for name, count in (("Signup page", SITES[domain][1] // 2), ("Signup", SITES[domain][2]))
    }


def _send(server, domain: str, name: str = "pageview", **fields) -> requests.Response:
    body = json.dumps({"name": name, "url": f"https://{domain}/after", "domain": domain, **fields})
    return requests.post(f"{server.url}/api/event", data=body, headers={"User-Agent": CHROME})


def _eventually(read, expected, attempts: int = 100):
    """The writer commits every quarter second: poll (a bounded number of times) until it has."""
    for _ in range(attempts):
        value = read()
        if value == expected:
            return value
        time.sleep(0.1)
    return read()


def test_with_a_server_running_reset_and_remove_need_yes_and_the_stats_and_ingest_follow(world, live_server):
    data_dir, token = world["data_dir"], world["tokens"][("owner@example.com", "acme")]
    ids = site_ids(data_dir, "example.com")
    server = live_server(data_dir, env={"CLEARANALYTICS_RATE_LIMIT": "10000/minute"})  # the polls below add up
    assert _numbers(server, token, "example.com") == _expected("example.com")
    assert _numbers(server, token) == _expected("example.com", "shop.example.com")  # rollups now built and known
    goals = {(g["id"] in ids, g["name"]): g["id"] for g in _api(server, token, "goals").json()["data"]}
    assert (
        _send(
            server, "example.com", "purchase", ecommerce={"transaction_id": "LIVE", "value": 1, "currency": "EUR"}
        ).status_code
        == 202
    )
    pageviews, visitors, purchases, revenue = _expected("example.com")
    assert _eventually(
        lambda: _numbers(server, token, "example.com"), (pageviews, visitors, purchases + 1, revenue + 1)
    )
    assert _completions(server, token, goals) == _expected_completions("example.com", "shop.example.com")

    refused = run_cli("site", "reset", "example.com", "--data-dir", data_dir)
    assert (refused.exit_code, refused.stderr) == (
        1,
        "Error: the running server cannot ask for confirmation: pass --yes to confirm\n",
    )
    assert _numbers(server, token, "example.com")[2] == purchases + 1

    reset = run_cli("site", "reset", "example.com", "--yes", "--data-dir", data_dir)
    assert (reset.exit_code, reset.stdout) == (0, "reset the stats of example.com\n"), reset.stderr
    assert _numbers(server, token, "example.com") == (0, 0, 0, 0.0)
    assert _numbers(server, token) == _expected("shop.example.com")
    assert _completions(server, token, goals) == _expected_completions("shop.example.com")  # goals stay, 0 for it
    accepted = _send(server, "example.com")  # the site still tracks, and its stored purchases are forgotten
    assert accepted.status_code == 202 and "id" in accepted.json()
    assert (
        _send(
            server, "example.com", "purchase", ecommerce={"transaction_id": "LIVE", "value": 1, "currency": "EUR"}
        ).status_code
        == 202
    )
    assert _eventually(lambda: _numbers(server, token, "example.com"), (1, 1, 1, 1.0)) == (1, 1, 1, 1.0)

    removed = run_cli("site", "remove", "example.com", "--yes", "--data-dir", data_dir)
    assert (removed.exit_code, removed.stdout) == (0, "removed site example.com\n"), removed.stderr
    dropped = _send(server, "example.com")
    assert (dropped.status_code, dropped.headers.get("X-ClearAnalytics-Dropped")) == (202, "unknown-domain")
    assert _api(server, token, "stats/overview", domain="example.com").status_code in (403, 404, 422)
    assert _numbers(server, token) == _expected("shop.example.com")
    server.stop()
    assert not [t for t, rows in snapshot(data_dir).items() if any(mentions(r, ids) for r in rows)]


def test_tokens_of_a_removed_membership_or_tenant_are_refused(world, live_server):
    data_dir, tokens = world["data_dir"], world["tokens"]
    server = live_server(data_dir)
    for key in (("shared@example.com", "acme"), ("shared@example.com", "beta"), ("owner@example.com", "acme")):
        assert _api(server, tokens[key], "goals").status_code == 200
    _ok("user", "remove", "shared@example.com", "--tenant", "acme", "--yes", "--data-dir", data_dir)
    assert _api(server, tokens[("shared@example.com", "acme")], "goals").status_code == 401
    assert _api(server, tokens[("shared@example.com", "beta")], "goals").status_code == 200
    _ok("tenant", "remove", "acme", "--yes", "--data-dir", data_dir)
    assert _api(server, tokens[("owner@example.com", "acme")], "goals").status_code == 401
    assert _api(server, tokens[("owner@beta.org", "beta")], "goals").status_code == 200


# --- the dashboard ------------------------------------------------------------------------------


@pytest.fixture
def app(world, make_app):
    return make_app(world["data_dir"], testing=True)


def _db(app) -> Database:
    return app.extensions["clearanalytics.db"]


def _client(app, email: str):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


DANGER = "/dashboard/acme/settings/danger"


def _site_id(app, domain: str) -> str:
    with _db(app).reading() as cur:
        return cur.execute("SELECT id FROM sites WHERE domain = ?", [domain]).fetchone()[0]


def _track(client, domain: str):
    body = json.dumps({"name": "pageview", "url": f"https://{domain}/", "domain": domain})
    return client.post("/api/event", data=body, headers={"User-Agent": CHROME})


def _all_but_sessions(db: Database) -> dict[str, list[tuple]]:
    """Every table but `sessions`, which the test's own logins write to."""
    return {name: rows for name, rows in snapshot_of(db).items() if name != "sessions"}


def test_dashboard_danger_zone_is_for_owners_only(app):
    site_id = _site_id(app, "example.com")
    before = _all_but_sessions(_db(app))
    for email in ("viewer@example.com", "shared@example.com"):  # viewer and admin of acme
        client = _client(app, email)
        assert client.get(DANGER).status_code == 403
        csrf = page_csrf(client, "/dashboard/acme/settings/account")
        for path, typed in ((f"{DANGER}/sites/{site_id}/remove", "example.com"), (f"{DANGER}/tenant", "acme")):
            assert client.post(path, data={"csrf_token": csrf, "confirm": typed}).status_code == 403
    owner = _client(app, "owner@beta.org")  # the owner of another tenant sees no acme at all
    assert owner.get(DANGER).status_code == 404
    csrf = page_csrf(owner, "/dashboard/beta/settings/danger")
    own_tenant_path = f"/dashboard/beta/settings/danger/sites/{site_id}/remove"  # acme's site under beta's URL
    assert owner.post(own_tenant_path, data={"csrf_token": csrf, "confirm": "example.com"}).status_code == 404
    assert owner.post(f"{DANGER}/tenant", data={"csrf_token": csrf, "confirm": "acme"}).status_code == 404
    assert _all_but_sessions(_db(app)) == before


def test_dashboard_needs_csrf_and_the_typed_name_then_resets_and_removes(app):
    db, site_id = _db(app), _site_id(app, "example.com")
    client = _client(app, "owner@example.com")
    page = client.get(DANGER)
    assert page.status_code == 200 and "example.com" in page.text and "shop.example.com" in page.text
    csrf = page_csrf(client, DANGER)
    warm = client.post(
        "/api/event",
        data=json.dumps({"name": "pageview", "url": "https://example.com/", "domain": "example.com"}),
        headers={"User-Agent": CHROME},
    )
    assert warm.status_code == 202 and "id" in warm.json  # the live site cache now holds example.com
    app.extensions["clearanalytics.ingest"].flush()
    before = snapshot_of(db)

    no_csrf = client.post(f"{DANGER}/sites/{site_id}/reset", data={"confirm": "example.com"})
    wrong = client.post(f"{DANGER}/sites/{site_id}/reset", data={"csrf_token": csrf, "confirm": "example.co"})
    empty = client.post(f"{DANGER}/tenant", data={"csrf_token": csrf, "confirm": ""})
    assert (no_csrf.status_code, wrong.status_code, empty.status_code) == (400, 422, 422)
    assert "Type example.com exactly to confirm." in wrong.text and "Type acme to confirm." in empty.text
    assert snapshot_of(db) == before

    reset = client.post(f"{DANGER}/sites/{site_id}/reset", data={"csrf_token": csrf, "confirm": "example.com"})
    assert reset.status_code == 302
    after = snapshot_of(db)
    assert not any(mentions(r, {site_id}) for r in after["pageviews"] + after["rollup_totals"])
    assert len([r for r in after["goals"] if mentions(r, {site_id})]) == 2 and after["sites"] == before["sites"]

    removed = client.post(f"{DANGER}/sites/{site_id}/remove", data={"csrf_token": csrf, "confirm": "example.com"})
    assert removed.status_code == 302 and "Removed example.com" in client.get(DANGER).text
    late = client.post(
        "/api/event",
        data=json.dumps({"name": "pageview", "url": "https://example.com/", "domain": "example.com"}),
        headers={"User-Agent": CHROME},
    )
    assert late.headers.get("X-ClearAnalytics-Dropped") == "unknown-domain"

    gone = client.post(f"{DANGER}/tenant", data={"csrf_token": csrf, "confirm": "acme"})
    assert (gone.status_code, gone.headers["Location"]) == (302, "/dashboard")
    assert client.get("/dashboard").headers["Location"].startswith("/login")  # the owner's only tenant: account gone
    assert [r[1] for r in snapshot_of(db)["tenants"]] == ["beta"]


def test_dashboard_escapes_what_it_shows(app):
    client = _client(app, "owner@beta.org")
    page = client.get("/dashboard/beta/settings/danger")
    assert page.status_code == 200
    assert "Beta &lt;b&gt;&amp;&lt;/b&gt; Co" in page.text and "<b>&</b>" not in page.text


# --- events already accepted when their site goes ------------------------------------------------


def test_queued_events_of_a_site_removed_before_their_commit_are_dropped_not_stored(world, caplog):
    """A request that resolved the site just before the removal: its rows wait in the writer (and the spool)."""
    ingest = IngestClient(world["data_dir"], {"flush_interval": 600})  # only explicit flushes
    try:
        for domain in ("example.com", "shop.example.com"):
            assert ingest.pageview(f"https://{domain}/late", domain=domain).status_code == 202
        with ingest.db.reading() as cur:
            site = accounts.get_site(cur, "example.com")
            removal = deletion.plan_site_removal(cur, site)
        with ingest.db.transaction() as cur:
            deletion.apply(cur, removal)  # the deletion alone, without flushing the live writer first
        late = ingest.rows("pageviews", "site_id, pathname", order="pathname, site_id")
    finally:
        ingest.close()
    assert [r for r in late if r[1] == "/late"] == [(_query_site(world, "shop.example.com"), "/late")]
    assert not any(r[0] == site.id for r in late)
    assert "dropped 1 rows of removed sites" in caplog.text


def _query_site(world, domain: str) -> str:
    return next(iter(ids_of(world["data_dir"], "SELECT id FROM sites WHERE domain = ?", [domain])))
