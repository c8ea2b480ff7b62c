"""Email reports, part by part: the stores apart, `report send`'s errors, escaping, spike notices, SMTP
login and the password, and the claim that makes a period go out once (on the DuckDB file and PostgreSQL)."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta

import pytest
from aiosmtpd.smtp import AuthResult

from clearanalytics import accounts
from clearanalytics.config import ConfigError
from clearanalytics.db import Database
from clearanalytics.mail import content, store
from clearanalytics.mail.periods import Period
from clearanalytics.mail.scheduler import CLOCK_ENV, SPIKE_COOLDOWN, ReportScheduler
from clearanalytics.mail.smtp import Mailer, mailer_from, parse_smtp_url
from tests.conftest import copy_data_dir, run_cli
from tests.mail_helpers import SmtpSink, free_port, html_cells, parts
from tests.stats_expected import current_visitors
from tests.test_mail import JANUARY, MONDAY, OWNER, SHOP, WEEK, assert_report, subscribe

SENDER = "reports@example.org"


@pytest.fixture
def data_dir(_stats_loaded, tmp_path):
    template, data = _stats_loaded
    return copy_data_dir(template, tmp_path / "data"), copy.deepcopy(data)  # its tokens are renewed in a split app


# --- the same reports with the accounts in PostgreSQL and the events in ClickHouse ----------------------


def test_the_scheduler_on_the_stores_apart_sends_the_same_numbers_once(data_dir, pg_server):
    from tests.chstore_helpers import chdb_missing
    from tests.split_helpers import stats_app

    if chdb_missing():
        pytest.skip(chdb_missing())
    path, data = data_dir
    with stats_app(path, data, "split", pg_server) as app, SmtpSink() as sink:
        db = app.extensions["clearanalytics.db"]
        sub = subscribe(db, OWNER, SHOP)
        scheduler = ReportScheduler(db, Mailer(parse_smtp_url(sink.url), SENDER))
        other = ReportScheduler(db, Mailer(parse_smtp_url(sink.url), SENDER))  # a second node, same accounts
        assert scheduler.tick(MONDAY) == [(sub.id, "week:2026-02-09"), (sub.id, "month:2026-01")]
        assert other.tick(MONDAY) == []
        weekly, monthly = sink.wait_for(2)
    assert_report(weekly, data, SHOP, WEEK, MONDAY)
    assert_report(monthly, data, SHOP, JANUARY, MONDAY)


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_a_period_is_claimed_once_and_an_unsent_claim_again_after_the_lease(engine, tmp_path, request):
    if engine == "duckdb":
        db = Database(tmp_path / "c.duckdb")
    else:
        from clearanalytics.pgaccounts.adapter import PgDatabase

        db = PgDatabase(request.getfixturevalue("pg_url"))
    try:
        now = datetime(2026, 2, 16, 13, 0)
        sub = store.Subscription("sub-1", "user-1", "site-1", now, None, None)
        assert store.claim(db, sub, "week:2026-02-09", now, "node-a") is True
        assert store.claim(db, sub, "week:2026-02-09", now, "node-b") is False  # another node, same moment
        assert store.claim(db, sub, "week:2026-02-09", now + timedelta(minutes=14), "node-b") is False
        assert store.claim(db, sub, "week:2026-02-09", now + store.CLAIM_LEASE, "node-b") is True  # died
        store.mark_sent(db, "sub-1", "week:2026-02-09", now + store.CLAIM_LEASE)
        assert store.claim(db, sub, "week:2026-02-09", now + timedelta(days=3), "node-c") is False  # sent
        assert store.claim(db, sub, "month:2026-01", now, "node-a") is True  # another period: its own row
        with db.reading() as cur:
            assert store.sends(cur, "sub-1") == [
                ("month:2026-01", 1, None),
                ("week:2026-02-09", 2, now + store.CLAIM_LEASE),
            ]
    finally:
        db.close()


# --- report send -----------------------------------------------------------------------------------------


def test_report_send_mails_the_last_whole_period_and_says_what_is_wrong_in_one_line(data_dir, monkeypatch):
    path, data = data_dir
    monkeypatch.delenv("CLEARANALYTICS_SMTP_URL", raising=False)
    monkeypatch.setenv(CLOCK_ENV, "2026-02-18T15:30:00")  # a Wednesday: the last whole week is 9-15 February
    base = ("report", "send", "--data-dir", path, "--site", SHOP, "--to", "client@example.net")
    result = run_cli(*base)
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: no SMTP server configured: set smtp_url (CLEARANALYTICS_SMTP_URL)\n",
    )
    with SmtpSink() as sink:
        monkeypatch.setenv("CLEARANALYTICS_SMTP_URL", sink.url)
        result = run_cli(*base)
        assert (result.exit_code, result.stderr) == (
            1,
            "Error: no sender address configured: set mail_from (CLEARANALYTICS_MAIL_FROM)\n",
        )
        monkeypatch.setenv("CLEARANALYTICS_MAIL_FROM", SENDER)
        result = run_cli("report", "send", "--data-dir", path, "--site", "nowhere.example", "--to", "a@example.net")
        assert (result.exit_code, result.stderr) == (1, "Error: unknown site 'nowhere.example'\n")
        result = run_cli("report", "send", "--data-dir", path, "--site", SHOP, "--to", "not an address")
        assert (result.exit_code, result.stderr) == (1, "Error: --to: 'not an address' is not an email address\n")
        result = run_cli(*base, "--period", "month")
        assert result.exit_code == 0, result.output
        assert result.stderr == f"sent the monthly report of {SHOP} for January 2026 to client@example.net\n"
        (message,) = sink.wait_for(1)
    now = datetime(2026, 2, 18, 15, 30)
    assert_report(message, data, SHOP, JANUARY, now, to="client@example.net")
    assert message["From"] == SENDER
    monkeypatch.setenv("CLEARANALYTICS_SMTP_URL", f"smtp://mailer:s3cret-pw@127.0.0.1:{free_port()}")
    result = run_cli(*base)  # nobody listens there
    assert result.exit_code == 1 and result.stderr.startswith("Error: report not sent: cannot reach the SMTP server")
    assert "s3cret" not in result.output


# --- the message: escaping, spike notices ------------------------------------------------------------------


def test_user_strings_are_escaped_in_the_html_part_and_plain_in_the_text():
    site = accounts.Site("s1", "t1", "x<b>.example", "UTC", "EUR")
    period = Period("week", date(2026, 2, 9), date(2026, 2, 15), datetime(2026, 2, 16, 8))
    zero = {"visitors": 3, "pageviews": 4, "bounce_rate": 50.0, "avg_duration": 65, "visitors_change": None,
            "pageviews_change": 100.0, "bounce_rate_change": -2.5, "avg_duration_change": 0.0}  # fmt: skip
    ecommerce = {"revenue": 0.0, "transactions": 0, "avg_order_value": 0.0, "conversion_rate": 0.0,
                 "revenue_change": None, "transactions_change": None, "avg_order_value_change": None,
                 "conversion_rate_change": None}  # fmt: skip
    evil = '<script>alert("x")</script>'
    data = content.ReportData(
        site, period, zero,
        [{"pathname": "/" + evil, "visitors": 1, "pageviews": 2, "avg_duration": 0}],
        [{"referrer_source": "referral", "referrer": "a&b.example", "visitors": 1}],
        [{"id": "g", "name": evil, "type": "event", "is_active": True, "completions": 1, "visitors": 1,
          "conversion_rate": 33.3}],
        ecommerce,
    )  # fmt: skip
    text, html = parts(content.report_message(data, "a@example.net"))
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html and "a&amp;b.example" in html
    cells = html_cells(html)
    assert cells.tables["pages"][1] == ["/" + evil, "2", "1"]
    assert cells.tables["goals"][1] == [evil, "1", "1", "33.3%"]
    assert cells.metrics["visitors"] == ["Visitors", "3", "n/a"]
    assert cells.metrics["bounce_rate"] == ["Bounce rate", "50.0%", "-2.5 pts"]
    assert cells.metrics["avg_duration"] == ["Visit duration", "1m 05s", "+0.0%"]
    assert f"  /{evil}: 2 pageviews, 1 visitors" in text.splitlines()
    assert "Weekly report for x<b>.example" in text and "No purchases in this period." in text


def test_a_spike_notice_goes_out_above_the_threshold_and_not_again_within_the_cool_down(data_dir):
    path, data = data_dir
    shop_id = data.sites[SHOP]["id"]
    moments = sorted(p["created_at"] for p in data.pageviews if p["site_id"] == shop_id)
    now = max(moments, key=lambda m: (current_visitors(data, [SHOP], m + timedelta(seconds=30)), m))
    now += timedelta(seconds=30)
    visitors = current_visitors(data, [SHOP], now)
    assert visitors >= 2
    db = Database.in_data_dir(path)
    try:
        sub = subscribe(db, OWNER, SHOP, weekly=False, monthly=False, threshold=visitors - 1)
        with SmtpSink() as sink:
            scheduler = ReportScheduler(db, Mailer(parse_smtp_url(sink.url), SENDER))
            window = now.replace(hour=now.hour - now.hour % 6, minute=0, second=0, microsecond=0)
            assert scheduler.tick(now) == [(sub.id, f"spike:{window:%Y-%m-%dT%H}")]
            assert scheduler.tick(now + timedelta(seconds=10)) == []  # same traffic, inside the cool-down
            assert scheduler.tick(now + SPIKE_COOLDOWN - timedelta(seconds=1)) == []
            (message,) = sink.wait_for(1)
        with db.transaction() as cur:  # threshold at the current figure: not exceeded, nothing sent
            store.save_subscription(cur, sub.user_id, sub.site_id, weekly=False, monthly=False, threshold=visitors,
                                    now=now)  # fmt: skip
            cur.execute("DELETE FROM report_sends")
        with SmtpSink() as quiet:
            assert ReportScheduler(db, Mailer(parse_smtp_url(quiet.url), SENDER)).tick(now) == []
    finally:
        db.close()
    assert message["Subject"] == f"{SHOP}: traffic spike, {visitors:,} current visitors"
    text, html = parts(message)
    assert html_cells(html) and f'<strong id="current-visitors">{visitors:,}</strong>' in html
    assert f"above your threshold of {visitors - 1:,}" in text


# --- SMTP: the URL, the login, the password -----------------------------------------------------------------


def test_the_smtp_url_is_parsed_once_and_its_password_never_shown():
    smtp = parse_smtp_url("smtp://me%40example.org:p%40ss%3Aword@mail.example:587?starttls=true&timeout=5")
    assert (smtp.scheme, smtp.host, smtp.port, smtp.username, smtp.password, smtp.starttls, smtp.timeout) == (
        "smtp", "mail.example", 587, "me@example.org", "p@ss:word", True, 5.0)  # fmt: skip
    assert "p@ss" not in repr(smtp) and "p@ss" not in smtp.describe()
    assert smtp.describe() == "smtp://me@example.org:***@mail.example:587?starttls=true"
    assert parse_smtp_url("smtps://mail.example").port == 465
    for bad in ("http://x", "smtp://", "smtp://h:99999", "smtp://h?tls=1", "smtps://u:secretpw@h?starttls=true"):
        with pytest.raises(ConfigError) as caught:
            parse_smtp_url(bad)
        assert "smtp_url" in str(caught.value) and "secretpw" not in str(caught.value)
    with pytest.raises(ConfigError, match="mail_from"):
        mailer_from({"SMTP_URL": "smtp://h", "MAIL_FROM": " "})


def test_the_login_uses_the_urls_user_and_password():
    logins = []

    def authenticator(_server, _session, _envelope, mechanism, auth_data):
        logins.append((mechanism, auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"p@ss:word")

    with SmtpSink(authenticator=authenticator) as sink:
        url = f"smtp://me%40example.org:p%40ss%3Aword@127.0.0.1:{sink.port}"
        mailer = Mailer(parse_smtp_url(url), SENDER)
        message = content._message("hello", "a@example.net", "text", "<p>html</p>")
        mailer.send(message)
        (received,) = sink.wait_for(1)
    assert logins and logins[0][1:] == ("me@example.org", "p@ss:word")
    assert received["Subject"] == "hello" and received["Auto-Submitted"] == "auto-generated"


def test_a_refused_send_is_retried_after_the_lease_and_the_password_is_never_logged(data_dir, caplog):
    path, data = data_dir
    db = Database.in_data_dir(path)
    try:
        sub = subscribe(db, OWNER, SHOP, monthly=False)
        with SmtpSink(refuse=1) as sink, caplog.at_level("INFO", logger="clearanalytics.mail"):
            url = f"smtp://127.0.0.1:{sink.port}"
            scheduler = ReportScheduler(db, Mailer(parse_smtp_url(url), SENDER))
            assert scheduler.tick(MONDAY) == []  # the server answered 451: claimed, not sent
            assert scheduler.tick(MONDAY + timedelta(minutes=5)) == []  # within the lease: left alone
            assert sink.messages == []
            assert scheduler.tick(MONDAY + store.CLAIM_LEASE) == [(sub.id, "week:2026-02-09")]
            (message,) = sink.wait_for(1)
            secret = ReportScheduler(db, Mailer(parse_smtp_url("smtp://me:hunter2-pw@127.0.0.1:1"), SENDER))
            secret.start()
            secret.stop()
        with db.reading() as cur:
            assert [(p, n, bool(at)) for p, n, at in store.sends(cur, sub.id)] == [("week:2026-02-09", 2, True)]
    finally:
        db.close()
    assert_report(message, data, SHOP, WEEK, MONDAY + store.CLAIM_LEASE)
    assert "week:2026-02-09 to owner@acme.test not sent (the server answered 451 Try again later)" in caplog.text
    assert "smtp://me:***@127.0.0.1:1" in caplog.text and "hunter2" not in caplog.text


def test_serve_refuses_a_malformed_smtp_url_or_a_missing_sender_in_one_line(account, monkeypatch):
    from tests.conftest import run_cli_subprocess

    monkeypatch.setenv("CLEARANALYTICS_SMTP_URL", "smtp://mailer:hunter2-pw@mail.example:notaport")
    result = run_cli_subprocess("serve", "--data-dir", account.data_dir, "--port", "0")
    expected = "Error: smtp_url has a port that is not a number from 1 to 65535\n"
    assert (result.returncode, result.stderr) == (1, expected)
    monkeypatch.setenv("CLEARANALYTICS_SMTP_URL", "smtp://mailer:hunter2-pw@mail.example:587?starttls=true")
    result = run_cli_subprocess("serve", "--data-dir", account.data_dir, "--port", "0")
    expected = "Error: no sender address configured: set mail_from (CLEARANALYTICS_MAIL_FROM)\n"
    assert (result.returncode, result.stderr) == (1, expected)
