"""The acceptance of issue 18 item 2: a report sent by the scheduler of a real `serve` arrives once, with
the right numbers, across a restart in the middle of the sending window; and `report send` from the CLI.

The server's clock is pinned with the test-only CLEARANALYTICS_TEST_MAIL_NOW (docs/EMAIL.md); the SMTP
server is aiosmtpd on loopback, which holds the second message unanswered so that the server can be
killed (SIGKILL) after the first report was sent and the second was claimed but not yet accepted.
"""

from __future__ import annotations

import copy
import signal
from datetime import timedelta
from pathlib import Path

import pytest

from clearanalytics.db import Database
from clearanalytics.mail import store
from clearanalytics.mail.scheduler import CLOCK_ENV
from tests.conftest import copy_data_dir, run_cli_subprocess
from tests.mail_helpers import SmtpSink
from tests.test_mail import JANUARY, MONDAY, OWNER, SHOP, WEEK, assert_report, subscribe

SENDER = "ClearAnalytics <reports@example.org>"


@pytest.fixture
def data_dir(_stats_loaded, tmp_path) -> tuple[Path, object]:
    template, data = _stats_loaded
    return copy_data_dir(template, tmp_path / "data"), copy.deepcopy(data)  # its tokens are renewed in a split app


def _env(sink: SmtpSink, now) -> dict[str, str]:
    return {"CLEARANALYTICS_SMTP_URL": sink.url, "CLEARANALYTICS_MAIL_FROM": SENDER, CLOCK_ENV: now.isoformat()}


def test_a_restart_in_the_sending_window_neither_skips_nor_repeats_a_report(data_dir, live_server):
    path, data = data_dir
    db = Database.in_data_dir(path)
    sub = subscribe(db, OWNER, SHOP)  # weekly and monthly, both due at MONDAY: two reports in one round
    db.close()
    with SmtpSink(hold_from=2) as sink:
        first = live_server(path, env=_env(sink, MONDAY))
        assert sink.held.wait(60), first.log_text()  # report 1 accepted (and marked), report 2 claimed, in flight
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(30)
        sink.release()  # the held DATA is refused: report 2 never arrived
        assert len(sink.messages) == 1
        sink.hold_from = None
        # Restarted after the claim's 15-minute lease: the unsent claim is taken again, the sent one is not.
        later = MONDAY + timedelta(minutes=16)
        second = live_server(path, env=_env(sink, later))
        weekly, monthly = sink.wait_for(2)
        # `report send` from a process without any SMTP setting: forwarded to the server, which sends it.
        done = run_cli_subprocess("report", "send", "--site", SHOP, "--to", "client@example.net", "--data-dir", path)
        assert done.returncode == 0, done.stderr
        assert done.stderr.strip() == f"sent the weekly report of {SHOP} for 9-15 February 2026 to client@example.net"
        sink.wait_for(3)
        assert second.signal(signal.SIGTERM) == 0  # the scheduler thread stops with the server
    assert [m["To"] for m in sink.messages] == [OWNER, OWNER, "client@example.net"]
    assert_report(weekly, data, SHOP, WEEK, MONDAY)
    assert_report(monthly, data, SHOP, JANUARY, later)
    assert_report(sink.messages[2], data, SHOP, WEEK, later, to="client@example.net")
    db = Database.in_data_dir(path)
    try:
        with db.reading() as cur:  # the month was claimed twice (the kill), sent once; the week once
            assert [(p, n, bool(at)) for p, n, at in store.sends(cur, sub.id)] == [
                ("month:2026-01", 2, True),
                ("week:2026-02-09", 1, True),
            ]
    finally:
        db.close()
