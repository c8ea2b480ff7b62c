"""Imports from other products: `import-goatcounter` (events) and `import-plausible` (daily aggregates)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from clearanalytics.cli import CliError, data_dir_option, database, info, main
from clearanalytics.cli.control import ClientPath
from clearanalytics.cli.tracking import _site


@main.command("import-goatcounter")
@data_dir_option
@click.argument("file", type=ClientPath(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "domain", required=True, help="The site the export's hits belong to.")
def import_goatcounter_command(data_dir: Path, file: Path, domain: str) -> None:
    """Import GoatCounter's CSV export (gzipped or not) through the ingest pipeline.

    Each row is one pageview or event; the visitor is GoatCounter's Session column, hashed with the
    site's salts like an IP (never stored). Bot rows are dropped, and so are the rows of a day that
    already has pageviews of the site (that day keeps its own data). The whole file is checked first: a
    bad header or row stops the import with its line and field, and nothing is stored.
    """
    from clearanalytics.ingest.goatcounter import GoatCounterError, check_file, import_goatcounter

    with database(data_dir) as db:
        with db.reading() as cur:
            site = _site(cur, domain)
        try:
            total, _ = check_file(file, site.domain, site.timezone)
        except GoatCounterError as exc:
            raise CliError(str(exc)) from None
        with click.progressbar(length=total, label="Importing", file=sys.stderr) as bar:
            try:
                report = import_goatcounter(db, file, site, progress=bar.update)
            except GoatCounterError as exc:  # the file changed since it was checked
                raise CliError(str(exc)) from None
    dropped = sum(report.dropped.values())
    reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(report.dropped.items()))
    info(f"accepted {report.accepted}, dropped {dropped}{f' ({reasons})' if reasons else ''}")
    for line_no, field_name, message in report.errors:
        info(f"line {line_no}: {field_name} {message}")
