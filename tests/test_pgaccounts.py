"""The PostgreSQL accounts store's foundation ([4/7] item 3) against a real PostgreSQL (tests/pg_server.py).

The accounts functions themselves (accounts.py, web_auth.verify_token, sessions.py) run on a
PgDatabase cursor, unchanged: these tests are about the same rules holding on the second engine,
the schema matching the DuckDB file's column for column, and the daily salt being created once
when two nodes ask at the same moment.
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import date, datetime, timedelta

import pytest

from clearanalytics import accounts, salts, sessions
from clearanalytics.config import ConfigError
from clearanalytics.db import Database
from clearanalytics.migrations import SchemaTooNewError
from clearanalytics.pgaccounts import AccountsConfigError, PgDatabase, parse_accounts_url, to_psycopg
from clearanalytics.pgaccounts.schema import LEDGER, PG_MIGRATIONS
from clearanalytics.storage import ACCOUNT_TABLES
from clearanalytics.web_auth import verify_token
from tests.app_helpers import tampered
from tests.conftest import PASSWORD, run_cli_subprocess

# --- the URL: checked before anything connects, one line, never the password ------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://ca:s3cret@db.internal:5433/clearanalytics",
            {"user": "ca", "password": "s3cret", "host": "db.internal", "port": "5433", "dbname": "clearanalytics"},
        ),
        ("postgres://ca@10.0.0.5/accounts", {"user": "ca", "host": "10.0.0.5", "dbname": "accounts"}),
        ("postgresql:///accounts?host=/run/postgresql", {"dbname": "accounts", "host": "/run/postgresql"}),
        (
            "  postgresql://[::1]:5432/acc?sslmode=require ",
            {"host": "::1", "port": "5432", "dbname": "acc", "sslmode": "require"},
        ),  # fmt: skip
    ],
)
def test_an_accounts_url_gives_libpq_its_parameters(url, expected):
    assert parse_accounts_url(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://ca:s3cret@db/acc", "accounts_url: expected a postgresql:// URL like "
                                     "postgresql://USER:PASSWORD@HOST:5432/DATABASE, got 'mysql'"),
        ("ca:s3cret@db.internal/acc", "accounts_url: expected a postgresql:// URL like "
                                      "postgresql://USER:PASSWORD@HOST:5432/DATABASE, got one without a scheme"),
        ("postgresql://ca:s3cret@db:54x2/acc", "accounts_url: invalid port '54x2': a number from 1 to 65535 "
                                               "(postgresql://USER:PASSWORD@HOST:5432/DATABASE)"),
        ("postgresql://ca:s3cret@db:70000/acc", "accounts_url: invalid port '70000': a number from 1 to 65535 "
                                                "(postgresql://USER:PASSWORD@HOST:5432/DATABASE)"),
        ("postgresql://ca:s3cret@db:5432/acc?colour=red",
         'accounts_url: malformed URL: invalid URI query parameter: "colour"'),
        ("postgresql://ca:s3cret@db:5432", "accounts_url: name the database: "
                                           "postgresql://USER:PASSWORD@HOST:5432/DATABASE"),
        ("postgresql://ca:s3cret@[::1/acc", "accounts_url: malformed URL: Invalid IPv6 URL"),
        ("postgresql://ca:s3cret%zz@db/acc", 'accounts_url: malformed URL: invalid percent-encoded token: "***"'),
        ("postgresql://ca:s3cret%21@db/acc?x", "accounts_url: malformed URL: missing key/value separator \"=\" in"
                                               ' URI query parameter: "x"'),
    ],
)  # fmt: skip
def test_a_malformed_accounts_url_is_one_line_naming_the_setting_without_the_password(url, message):
    with pytest.raises(AccountsConfigError) as caught:
        parse_accounts_url(url)
    assert str(caught.value) == message and "s3cret" not in message
    assert isinstance(caught.value, ConfigError)  # the CLI prints a ConfigError as one `Error:` line


def test_serve_refuses_an_accounts_url_without_an_events_url_in_one_line(tmp_path, monkeypatch):
    """PostgreSQL accounts are served beside a ClickHouse event store only (docs/STORAGE.md, "Serving with the
    stores apart"); alone, the setting is refused before anything is opened or created."""
    monkeypatch.setenv("CLEARANALYTICS_ACCOUNTS_URL", "postgresql://ca:s3cret@db.internal:5433/clearanalytics")
    monkeypatch.delenv("CLEARANALYTICS_EVENTS_URL", raising=False)
    done = run_cli_subprocess("serve", "--data-dir", tmp_path / "data", "--port", "0")
    assert done.returncode == 1
    assert done.stderr == (
        "Error: accounts_url: PostgreSQL accounts need a ClickHouse event store: set CLEARANALYTICS_EVENTS_URL too"
        " (or unset CLEARANALYTICS_ACCOUNTS_URL to keep both in the DuckDB file)\n"
    )
    assert "listening" not in done.stdout and not (tmp_path / "data" / "clearanalytics.duckdb").exists()

    monkeypatch.setenv("CLEARANALYTICS_ACCOUNTS_URL", "postgresql://ca:s3cret@db:54x2/acc")
    done = run_cli_subprocess("serve", "--data-dir", tmp_path / "data", "--port", "0")
    assert (done.returncode, done.stderr) == (
        1,
        "Error: accounts_url: invalid port '54x2': a number from 1 to 65535"
        " (postgresql://USER:PASSWORD@HOST:5432/DATABASE)\n",
    )


# --- the adapter: DuckDB's placeholders for psycopg ---------------------------------------------------------


def test_placeholders_become_psycopgs_and_quoted_text_keeps_its_question_marks():
    sql = "SELECT a FROM t WHERE x = ? AND y LIKE '%?$z%' AND w = $name AND q = 5 % 2 AND \"a?\" = ?::VARCHAR[]"
    assert to_psycopg(sql) == (
        "SELECT a FROM t WHERE x = %s AND y LIKE '%%?$z%%' AND w = %(name)s AND q = 5 %% 2 AND \"a?\" = %s::VARCHAR[]"
    )


def test_the_adapter_runs_both_placeholder_styles_and_literal_percents_on_postgresql(pg_url):
    db = PgDatabase(pg_url)
    with db.reading() as cur:
        assert cur.execute("SELECT ? || '%?' AS a, 7 % 4 AS b", ["x"]).fetchone() == ("x%?", 3)
        assert cur.execute("SELECT $word || '$word', $n::INTEGER + 1", {"word": "w", "n": 41}).fetchone() == (
            "w$word",
            42,
        )
        assert cur.execute("SELECT 5 % 3").fetchone() == (2,)  # no parameters: sent as written
        assert cur.execute("SELECT v FROM unnest(?::VARCHAR[]) v ORDER BY v", [["b", "a"]]).fetchall() == [
            ("a",),
            ("b",),
        ]
    db.close()


# --- the schema: its own migrations and ledger, the DuckDB file's accounts tables column for column --------


PG_NAMES = [m.__name__ for m in PG_MIGRATIONS]  # p001_accounts, then one per accounts change (p002_mail: email reports)


def _columns(cur, sql: str, table: str) -> list[str]:
    return [r[0] for r in cur.execute(sql, [table]).fetchall()]


def test_the_accounts_schema_matches_the_duckdb_files_column_for_column(pg_url, tmp_path):
    db = PgDatabase(pg_url)
    assert db.applied_migrations == PG_NAMES
    duck = Database(tmp_path / "c.duckdb")
    order = "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position"
    with db.reading() as pg, duck.reading() as dk:
        tables = pg.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
        ).fetchall()
        assert [t[0] for t in tables] == sorted([*ACCOUNT_TABLES, LEDGER])
        for table in ACCOUNT_TABLES:
            assert _columns(pg, order, table) == _columns(dk, order, table), table
        assert pg.execute(f"SELECT version, name FROM {LEDGER} ORDER BY version").fetchall() == list(
            enumerate(PG_NAMES, 1)
        )
    duck.close()
    db.close()
    again = PgDatabase(pg_url)
    assert again.applied_migrations == []
    again.close()


def test_two_nodes_starting_at_once_migrate_the_accounts_once(pg_url):
    barrier = threading.Barrier(2)
    opened: list[PgDatabase] = []

    def node() -> None:
        barrier.wait()
        opened.append(PgDatabase(pg_url))

    threads = [threading.Thread(target=node) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(d.applied_migrations for d in opened) == [[], PG_NAMES]
    with opened[0].reading() as cur:
        assert cur.execute(f"SELECT count(*) FROM {LEDGER}").fetchone() == (len(PG_NAMES),)
    for d in opened:
        d.close()


def test_an_accounts_database_from_a_newer_version_is_refused(pg_url):
    PgDatabase(pg_url).close()
    with PgDatabase(pg_url).transaction() as cur:
        cur.execute(f"INSERT INTO {LEDGER} VALUES (?, 'p999_future', now())", [len(PG_NAMES) + 1])
    with pytest.raises(SchemaTooNewError, match=rf"schema {len(PG_NAMES) + 1}, this version knows {len(PG_NAMES)}"):
        PgDatabase(pg_url)


# --- the accounts operations, by the accounts functions, on PostgreSQL --------------------------------------


@pytest.fixture
def pgdb(pg_url):
    db = PgDatabase(pg_url)
    yield db
    db.close()


def test_tenant_site_user_and_membership_on_postgresql(pgdb):
    with pgdb.transaction() as cur:
        tenant = accounts.create_tenant(cur, "acme", "  Acme Inc ", plan="pro")
        site = accounts.create_site(cur, tenant, "www.Example.com", "Europe/Amsterdam", "usd")
        user = accounts.create_user(cur, " Owner@Example.COM ", PASSWORD)
        accounts.set_membership(cur, tenant, user, "viewer")
        accounts.set_membership(cur, tenant, user, "owner")  # the second call changes the role
    with pgdb.reading() as cur:
        assert cur.execute("SELECT id, slug, name, plan FROM tenants").fetchall() == [
            (tenant.id, "acme", "Acme Inc", "pro")
        ]
        assert cur.execute(
            "SELECT id, tenant_id, domain, timezone, currency, retention_months, retained_from FROM sites"
        ).fetchall() == [(site.id, tenant.id, "example.com", "Europe/Amsterdam", "USD", None, None)]
        (email, password_hash), = cur.execute("SELECT email, password_hash FROM users").fetchall()  # fmt: skip
        assert email == "owner@example.com" and password_hash.startswith("scrypt:") and PASSWORD not in password_hash
        assert cur.execute("SELECT tenant_id, user_id, role FROM memberships").fetchall() == [
            (tenant.id, user.id, "owner")
        ]
        assert accounts.get_tenant(cur, "acme") == tenant
        assert accounts.list_sites(cur, tenant.id) == [site]
        assert accounts.authenticate(cur, "OWNER@example.com", PASSWORD) == user
        assert accounts.authenticate(cur, "owner@example.com", PASSWORD + "x") is None
        assert accounts.authenticate(cur, "nobody@example.com", PASSWORD) is None
        assert accounts.user_tenants(cur, user.id) == [(tenant, "owner")]
        assert accounts.tenant_members(cur, tenant.id) == [(user, "owner")]
    with pgdb.transaction() as cur, pytest.raises(accounts.AccountError, match="tenant 'acme' already exists"):
        accounts.create_tenant(cur, "acme", "Again")
    with pgdb.transaction() as cur, pytest.raises(accounts.AccountError, match="site 'example.com' already exists"):
        accounts.create_site(cur, tenant, "www.example.com")
    with pgdb.reading() as cur:
        assert cur.execute("SELECT count(*) FROM tenants").fetchone() == (1,)


def test_an_api_token_is_created_hashed_verified_and_revoked_on_postgresql(pgdb):
    with pgdb.transaction() as cur:
        tenant = accounts.create_tenant(cur, "acme", "Acme")
        user = accounts.create_user(cur, "owner@example.com", PASSWORD)
        accounts.set_membership(cur, tenant, user, "owner")
        token, plaintext = accounts.create_token(cur, tenant, user, " ci ", ["stats:read", "export:read"])
    token_id, secret = plaintext.split("|")
    assert token_id == token.id and len(secret) == 43
    with pgdb.reading() as cur:
        row = cur.execute("SELECT id, tenant_id, user_id, name, token_hash, abilities, revoked_at FROM api_tokens")
        assert row.fetchall() == [
            (token.id, tenant.id, user.id, "ci", hashlib.sha256(secret.encode()).hexdigest(),
             ["stats:read", "export:read"], None)
        ]  # fmt: skip
        assert verify_token(cur, plaintext) == token
        assert verify_token(cur, plaintext).abilities == ("stats:read", "export:read")
        assert verify_token(cur, f"{token.id}|{tampered(secret)}") is None
        assert verify_token(cur, f"01NOTATOKEN|{secret}") is None
    with pgdb.transaction() as cur:
        revoked = accounts.revoke_token(cur, token.id, tenant.id)
    assert revoked.revoked_at is not None and revoked.revoked_at >= token.created_at
    with pgdb.reading() as cur:
        assert verify_token(cur, plaintext) is None
        assert accounts.list_tokens(cur, tenant.id) == [revoked]


def test_removing_a_member_revokes_their_tokens_and_ends_their_sessions_on_postgresql(pgdb):
    with pgdb.transaction() as cur:
        tenant = accounts.create_tenant(cur, "acme", "Acme")
        user = accounts.create_user(cur, "viewer@example.com", PASSWORD)
        accounts.set_membership(cur, tenant, user, "viewer")
        _token, plaintext = accounts.create_token(cur, tenant, user, "ci")
        session_id = sessions.start(cur, user.id)
    with pgdb.reading() as cur:
        assert sessions.lookup(cur, session_id, timedelta(hours=1)).user_id == user.id
        assert verify_token(cur, plaintext) is not None
    with pgdb.transaction() as cur:
        accounts.remove_membership(cur, tenant, user)
    with pgdb.reading() as cur:
        assert sessions.lookup(cur, session_id, timedelta(hours=1)) is None
        assert verify_token(cur, plaintext) is None
        assert cur.execute("SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL").fetchone() == (0,)
        assert cur.execute("SELECT count(*) FROM sessions").fetchone() == (0,)


def _while_b_waits(server, url: str, hold, then_b) -> BaseException | object:
    """Run `hold(cur)` in node A's open transaction, start `then_b(cur)` on node B, commit A once B waits
    on A's row lock; B's result or exception. Two nodes racing, made deterministic."""
    node_a, node_b = PgDatabase(url), PgDatabase(url)
    dbname = parse_accounts_url(url)["dbname"]
    got: list[BaseException | object] = []

    def run_b() -> None:
        try:
            with node_b.transaction() as cur:
                got.append(then_b(cur))
        except BaseException as exc:  # reported by the caller's assertion, not lost in the thread
            got.append(exc)

    with node_a.transaction() as cur:
        hold(cur)
        other = threading.Thread(target=run_b)
        other.start()
        deadline = time.monotonic() + 30
        while not _waiting_on_a_lock(server, dbname) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _waiting_on_a_lock(server, dbname), "node B never reached the insert"
    other.join(30)
    node_a.close()
    node_b.close()
    return got[0]


@pytest.mark.parametrize(
    ("create", "message", "field"),
    [
        (lambda cur, t: accounts.create_tenant(cur, "acme", "Other"), "tenant 'acme' already exists", "tenant"),
        (lambda cur, t: accounts.create_site(cur, t, "www.example.com"), "site 'example.com' already exists", "domain"),
        (lambda cur, t: accounts.create_user(cur, "Owner@example.com", PASSWORD), "user 'owner@example.com' already"
         " exists", "email"),
    ],
    ids=["tenant", "site", "user"],
)  # fmt: skip
def test_a_duplicate_created_by_another_node_at_the_same_moment_is_an_account_error(
    pg_server, pg_url, create, message, field
):
    """Both nodes look, find nothing and insert: the second is told what a sequential duplicate is told."""
    setup = PgDatabase(pg_url)
    with setup.transaction() as cur:
        tenant = accounts.create_tenant(cur, "base", "Base")
    setup.close()
    # node A creates and holds its transaction open; node B creates the same meanwhile
    outcome = _while_b_waits(pg_server, pg_url, lambda cur: create(cur, tenant), lambda cur: create(cur, tenant))
    assert isinstance(outcome, accounts.AccountError), outcome
    assert (str(outcome), outcome.field) == (message, field)
    check = PgDatabase(pg_url)
    with check.reading() as cur:
        counts = cur.execute(
            "SELECT (SELECT count(*) FROM tenants), (SELECT count(*) FROM sites), (SELECT count(*) FROM users)"
        ).fetchone()
    check.close()
    assert counts == {"tenant": (2, 0, 0), "domain": (1, 1, 0), "email": (1, 0, 1)}[field]  # A's row alone


def test_a_member_added_by_two_nodes_at_the_same_moment_has_the_later_role(pg_server, pg_url):
    """set_membership is one statement: node B's waits for A's insert, then changes the role (no duplicate key)."""
    setup = PgDatabase(pg_url)
    with setup.transaction() as cur:
        tenant = accounts.create_tenant(cur, "acme", "Acme")
        user = accounts.create_user(cur, "member@example.com", PASSWORD)
    outcome = _while_b_waits(
        pg_server,
        pg_url,
        lambda cur: accounts.set_membership(cur, tenant, user, "viewer"),
        lambda cur: accounts.set_membership(cur, tenant, user, "admin"),
    )
    assert outcome is None
    with setup.reading() as cur:
        assert cur.execute("SELECT tenant_id, user_id, role FROM memberships").fetchall() == [
            (tenant.id, user.id, "admin")
        ]
    setup.close()


def test_set_membership_adds_then_changes_a_role_on_duckdb_too(tmp_path):
    db = Database(tmp_path / "c.duckdb")
    with db.transaction() as cur:
        tenant = accounts.create_tenant(cur, "acme", "Acme")
        user = accounts.create_user(cur, "member@example.com", PASSWORD)
        accounts.set_membership(cur, tenant, user, "viewer")
        added = cur.execute("SELECT role, created_at FROM memberships").fetchall()
        accounts.set_membership(cur, tenant, user, "owner")
    with db.reading() as cur:
        assert cur.execute("SELECT tenant_id, user_id, role, created_at FROM memberships").fetchall() == [
            (tenant.id, user.id, "owner", added[0][1])  # the role changes, the membership's start does not
        ]
    db.close()


def test_the_other_portable_accounts_functions_run_unchanged_on_postgresql(pgdb):
    """Goals, tenant and password updates, session upkeep and the retention setting, as docs/STORAGE.md lists them."""
    from clearanalytics import goals, retention

    with pgdb.transaction() as cur:
        tenant = accounts.create_tenant(cur, "acme", "Acme")
        site = accounts.create_site(cur, tenant, "example.com")
        user = accounts.create_user(cur, "owner@example.com", PASSWORD)
        goal = goals.create_goal(cur, site.id, " Signup ", "url", {"match_type": "prefix", "path": "/signup"})
        renamed = accounts.update_tenant(cur, tenant, name="Acme B.V.", plan="growth")
        retention.set_months(cur, site, 13)
        session_id = sessions.start(cur, user.id)
    with pgdb.transaction() as cur:
        changed = goals.update_goal(cur, goal, name="Sign-up", is_active=False)
        accounts.set_password(cur, user, "another-long-password")  # ends the user's sessions
    with pgdb.reading() as cur:
        assert goals.get_goal(cur, goal.id) == changed
        assert goals.list_goals(cur, (site.id, "another-site")) == [changed] and goals.list_goals(cur, []) == []
        assert (changed.name, changed.config, changed.is_active) == (
            "Sign-up",
            {"match_type": "prefix", "path": "/signup"},
            False,
        )
        assert accounts.list_tenants(cur) == [renamed] and renamed.plan == "growth"
        assert retention.months_of(cur, site.id) == 13
        assert sessions.lookup(cur, session_id, timedelta(hours=1)) is None
        assert accounts.authenticate(cur, "owner@example.com", "another-long-password") == user
        assert accounts.authenticate(cur, "owner@example.com", PASSWORD) is None
        assert accounts.get_user_by_id(cur, user.id) == user
    with pgdb.transaction() as cur:
        kept = sessions.start(cur, user.id)
        sessions.touch(cur, kept)
        sessions.purge_idle(cur, timedelta(hours=1))  # a fresh session stays
        assert goals.delete_goal(cur, goal.id) is True and goals.delete_goal(cur, goal.id) is False
    with pgdb.reading() as cur:
        assert sessions.lookup(cur, kept, timedelta(hours=1)).user_id == user.id
        assert cur.execute("SELECT count(*) FROM goals").fetchone() == (0,)
    with pgdb.transaction() as cur:
        sessions.end(cur, kept)
    with pgdb.reading() as cur:
        assert cur.execute("SELECT count(*) FROM sessions").fetchone() == (0,)


def _team(db) -> dict:
    """acme: an owner and a viewer (the viewer also in beta), tokens in both, a dashboard session each."""
    with db.transaction() as cur:
        acme, beta = accounts.create_tenant(cur, "acme", "Acme"), accounts.create_tenant(cur, "beta", "Beta")
        owner = accounts.create_user(cur, "owner@example.com", PASSWORD)
        viewer = accounts.create_user(cur, "viewer@example.com", PASSWORD)
        accounts.set_membership(cur, acme, owner, "owner")
        accounts.set_membership(cur, acme, viewer, "viewer")
        accounts.set_membership(cur, beta, viewer, "owner")
        for tenant, user, name in ((acme, owner, "o"), (acme, viewer, "v1"), (acme, viewer, "v2"), (beta, viewer, "b")):
            accounts.create_token(cur, tenant, user, name)
        for user in (owner, viewer):
            sessions.start(cur, user.id)
    return {"acme": acme, "beta": beta, "owner": owner, "viewer": viewer}


def _left(cur) -> dict:
    return {
        "tenants": cur.execute("SELECT slug FROM tenants ORDER BY slug").fetchall(),
        "users": cur.execute("SELECT email FROM users ORDER BY email").fetchall(),
        "tokens": cur.execute("SELECT name FROM api_tokens ORDER BY name").fetchall(),
        "sessions": cur.execute("SELECT count(*) FROM sessions").fetchone()[0],
    }


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_removing_members_and_a_tenant_deletes_the_same_rows_on_both_engines(engine, request, tmp_path):
    """deletion.py's accounts statements (member and tenant removal: no event rows involved) on either engine."""
    from clearanalytics import deletion

    db = Database(tmp_path / "c.duckdb") if engine == "duckdb" else PgDatabase(request.getfixturevalue("pg_url"))
    team = _team(db)
    with db.transaction() as cur:
        removal = deletion.plan_member_removal(cur, team["acme"], team["viewer"])  # still in beta: keeps the account
        assert (removal.rows, removal.deleted_users) == ({"api_tokens": 2, "memberships": 1}, [])
        deletion.apply(cur, removal)
        assert removal.rows == {"api_tokens": 2, "memberships": 1}
        assert _left(cur) == {
            "tenants": [("acme",), ("beta",)],
            "users": [("owner@example.com",), ("viewer@example.com",)],
            "tokens": [("b",), ("o",)],
            "sessions": 1,  # the viewer is logged out everywhere
        }
    with db.transaction() as cur:
        removal = deletion.plan_tenant_removal(cur, team["beta"])  # its last member goes with it
        assert removal.deleted_users == ["viewer@example.com"]
        deletion.apply(cur, removal)
        assert removal.rows == {"api_tokens": 1, "memberships": 1, "report_sends": 0, "report_subscriptions": 0,
                                "sessions": 0, "sites": 0, "tenants": 1, "users": 1}  # fmt: skip
        assert _left(cur) == {
            "tenants": [("acme",)],
            "users": [("owner@example.com",)],
            "tokens": [("o",)],
            "sessions": 1,
        }
    with db.reading() as cur, pytest.raises(accounts.AccountError, match="last owner of acme"):
        deletion.plan_member_removal(cur, team["acme"], team["owner"])
    db.close()


# --- the daily salt: one per site and day, whichever node asks first ---------------------------------------

TODAY = date(2026, 3, 14)


def _waiting_on_a_lock(server, dbname: str) -> bool:
    with server.admin() as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [dbname]
        ).fetchone()
    return row[0] > 0


def test_two_nodes_asking_for_a_new_days_salt_at_the_same_moment_get_one_salt(pg_server, pg_url):
    """Node B asks while node A's transaction has stored the salt but not committed: B waits, then reads A's."""
    PgDatabase(pg_url).close()  # migrated before the race
    stored: list[bytes] = []

    def ask(cur) -> bytes:
        return salts.load_or_create(cur, "site-1", TODAY, forget_before=TODAY - timedelta(days=1))

    got_b = _while_b_waits(pg_server, pg_url, lambda cur: stored.append(ask(cur)), ask)
    assert len(stored[0]) == 32 and got_b == stored[0]
    check = PgDatabase(pg_url)
    with check.reading() as cur:
        assert cur.execute("SELECT site_id, day, salt FROM salts").fetchall() == [("site-1", TODAY, stored[0].hex())]
    check.close()


def test_the_ingest_salts_of_two_nodes_agree(pg_url):
    """The ingest's own Salts object (one per node, each with its cache) over one accounts database."""
    from clearanalytics.ingest.visitors import Salts

    nodes = [PgDatabase(pg_url) for _ in range(2)]
    barrier = threading.Barrier(2)
    got: list[bytes] = []
    now = datetime(2026, 3, 14, 12, 0)

    def ask(db: PgDatabase) -> None:
        barrier.wait()
        got.append(Salts(db).get("site-1", "Europe/Amsterdam", TODAY, now=now))

    threads = [threading.Thread(target=ask, args=(db,)) for db in nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(got) == 2 and got[0] == got[1] and len(got[0]) == 32
    with nodes[0].reading() as cur:
        assert cur.execute("SELECT count(*), min(salt) FROM salts").fetchone() == (1, got[0].hex())
    for db in nodes:
        db.close()


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_a_salt_is_kept_for_today_and_yesterday_and_older_ones_go(engine, request, tmp_path):
    db = Database(tmp_path / "c.duckdb") if engine == "duckdb" else PgDatabase(request.getfixturevalue("pg_url"))
    with db.transaction() as cur:
        for back in (3, 2, 1):
            cur.execute("INSERT INTO salts VALUES (?, ?, ?)", ["site-1", TODAY - timedelta(days=back), f"{back:064x}"])
        cur.execute("INSERT INTO salts VALUES (?, ?, ?)", ["site-2", TODAY - timedelta(days=3), "ab" * 32])
    with db.transaction() as cur:
        first = salts.load_or_create(cur, "site-1", TODAY, forget_before=TODAY - timedelta(days=1))
    with db.transaction() as cur:
        again = salts.load_or_create(cur, "site-1", TODAY, forget_before=TODAY - timedelta(days=1))
        yesterday = salts.load_or_create(cur, "site-1", TODAY - timedelta(days=1), TODAY - timedelta(days=1))
    assert first == again and yesterday == bytes.fromhex(f"{1:064x}")
    with db.reading() as cur:
        assert cur.execute("SELECT site_id, day, salt FROM salts ORDER BY site_id, day").fetchall() == [
            ("site-1", TODAY - timedelta(days=1), f"{1:064x}"),
            ("site-1", TODAY, first.hex()),
            ("site-2", TODAY - timedelta(days=3), "ab" * 32),  # another site's salts are its own business
        ]
    db.close()


# --- the forms docs/STORAGE.md gives for DuckDB-only statements: the same answer on both engines ------

PORTABLE_FORMS = {
    "list_goals": ("SELECT id FROM goals WHERE site_id = ANY(?::VARCHAR[]) ORDER BY id", [["s1", "s3"]]),
    "with_sites": ("SELECT id FROM goals WHERE site_id = ANY($ids::VARCHAR[]) ORDER BY id", {"ids": ["s2"]}),
    "orphans_all": (
        "SELECT user_id FROM memberships WHERE ($only::VARCHAR[] IS NULL OR user_id = ANY($only::VARCHAR[]))"
        " ORDER BY user_id",
        {"only": None},
    ),
    "orphans_some": (
        "SELECT user_id FROM memberships WHERE ($only::VARCHAR[] IS NULL OR user_id = ANY($only::VARCHAR[]))"
        " ORDER BY user_id",
        {"only": ["u2"]},
    ),
    "member_pairs": (
        "SELECT user_id FROM memberships WHERE (tenant_id, user_id) IN"
        " (SELECT unnest($mt::VARCHAR[]), unnest($mu::VARCHAR[])) ORDER BY user_id",
        {"mt": ["t1", "t1"], "mu": ["u1", "u9"]},
    ),
    "delete_returning": (
        "DELETE FROM goals WHERE site_id = ANY(?::VARCHAR[]) RETURNING 1",
        [["s1", "s2"]],
    ),  # fmt: skip
}


@pytest.mark.parametrize("name", PORTABLE_FORMS)
def test_the_proposed_portable_forms_answer_alike_on_duckdb_and_postgresql(name, pgdb, tmp_path):
    duck = Database(tmp_path / "c.duckdb")
    answers = []
    for db in (duck, pgdb):
        with db.transaction() as cur:
            for goal, site in (("g1", "s1"), ("g2", "s2"), ("g3", "s2"), ("g4", "s3")):
                cur.execute(
                    "INSERT INTO goals VALUES (?, ?, 'n', 'url', '{}', TRUE, ?, ?)",
                    [goal, site, datetime(2026, 3, 1), datetime(2026, 3, 1)],
                )
            for tenant, user in (("t1", "u1"), ("t1", "u2"), ("t2", "u2")):
                cur.execute("INSERT INTO memberships VALUES (?, ?, 'owner', ?)", [tenant, user, datetime(2026, 3, 1)])
            sql, params = PORTABLE_FORMS[name]
            answers.append(cur.execute(sql, params).fetchall())
    duck.close()
    expected = {
        "list_goals": [("g1",), ("g4",)],
        "with_sites": [("g2",), ("g3",)],
        "orphans_all": [("u1",), ("u2",), ("u2",)],
        "orphans_some": [("u2",), ("u2",)],
        "member_pairs": [("u1",)],
        "delete_returning": [(1,), (1,), (1,)],  # counted in Python: a bare DELETE answers a row on DuckDB only
    }
    assert answers == [expected[name], expected[name]]
