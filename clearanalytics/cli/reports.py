"""`clearanalytics report send`: one email report now, outside the schedule (docs/EMAIL.md).

With a server running the command is forwarded to it (the control socket), so it reads the server's
open database and uses the server's smtp_url and mail_from; without one it opens the data dir itself.
A report sent this way is not written to the sends ledger: the scheduled one still goes out.
"""

from __future__ import annotations

from pathlib import Path

import click

from clearanalytics import accounts
from clearanalytics.cli import CliError, data_dir_option, database, info, main
from clearanalytics.config import load_config


@main.group("report")
def report_group() -> None:
    """Email reports: send one now (the schedule is set per user in the dashboard)."""


@report_group.command("send")
@data_dir_option
@click.option("--site", "domain", required=True, help="The site's domain.")
@click.option("--to", "address", required=True, help="The address to send the report to.")
@click.option("--period", type=click.Choice(["week", "month"]), default="week", show_default=True,
              help="The last whole week (Monday to Sunday) or calendar month, in the site's timezone.")  # fmt: skip
def report_send(data_dir: Path, domain: str, address: str, period: str) -> None:
    """Send the last whole week's or month's report of a site to an address now."""
    from clearanalytics.mail import content
    from clearanalytics.mail.periods import last_complete
    from clearanalytics.mail.scheduler import mail_now
    from clearanalytics.mail.smtp import describe_error, mailer_from

    try:
        to = accounts.validate_email(address)
    except accounts.AccountError:
        raise CliError(f"--to: {address!r} is not an email address") from None
    with database(data_dir) as db:  # a running server holds it: the command is forwarded, its settings apply
        mailer = mailer_from(load_config({"data_dir": str(data_dir)}))  # MailNotConfigured: one line
        with db.reading() as cur:
            site = accounts.get_site(cur, accounts.normalise_domain(domain))
        if site is None:
            raise CliError(f"unknown site '{domain}'")
        now = mail_now()
        chosen = last_complete(period, site.timezone, now)
        with content.store_context(db), db.reading() as cur:
            data = content.collect(cur, site, chosen, now)
    try:
        mailer.send(content.report_message(data, to))
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback (nor the password)
        raise CliError(f"report not sent: {describe_error(exc)}") from None
    info(f"sent the {period}ly report of {site.domain} for {chosen.words()} to {to}")
