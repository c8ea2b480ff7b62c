"""Imports from other products: `import-goatcounter` (events) and `import-plausible` (daily aggregates)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from clearanalytics.cli import CliError, data_dir_option, database, info, main
from clearanalytics.cli.control import ClientPath
from clearanalytics.cli.tracking import _site
from clearanalytics.storage import store_of


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


@main.command("import-plausible")
@data_dir_option
@click.argument("file", type=ClientPath(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "domain", required=True, help="The site the export's days belong to.")
def import_plausible_command(data_dir: Path, file: Path, domain: str) -> None:
    """Import Plausible CE's "Export data" ZIP (daily aggregates of its imported_* CSV files).

    The days are stored as one import, apart from events (in the event store: the DuckDB file or
    ClickHouse); reports use an imported day only where the site has no pageview of its own that day,
    and only when no filter is set. The whole ZIP is checked first: a bad file stops with its name,
    line and column, and nothing is stored.
    """
    from clearanalytics.ingest import plausible

    with database(data_dir) as db:
        with db.reading() as cur:
            site = _site(cur, domain)
        try:
            parsed = plausible.read_zip(file)
        except plausible.PlausibleError as exc:
            raise CliError(str(exc)) from None
        item = plausible.as_import(site, parsed, file.name)
        store_of(db).write_import(item)
    info(f"import {item.id}: {item.days} days for {site.domain} from {len(parsed.files)} files")
    click.echo(item.id)


@main.group("imports")
def imports_group() -> None:
    """Imported aggregates (import-plausible): list and delete them."""


@imports_group.command("list")
@data_dir_option
@click.option("--site", "domain", required=True, help="Site domain.")
def imports_list(data_dir: Path, domain: str) -> None:
    """List a site's imports: id, source, first and last day, days, file, imported at (tab-separated)."""
    with database(data_dir) as db:
        with db.reading() as cur:
            site = _site(cur, domain)
        found = store_of(db).list_imports(site.id)
    for item in found:
        click.echo("\t".join("" if v is None else str(v) for v in item.listed()))


@imports_group.command("delete")
@data_dir_option
@click.argument("import_id")
def imports_delete(data_dir: Path, import_id: str) -> None:
    """Delete one import and all its imported rows (the site's own events are not touched)."""
    with database(data_dir) as db:
        if store_of(db).delete_import(import_id) is None:
            raise CliError(f"no import {import_id!r}; see `clearanalytics imports list --site DOMAIN`")
    info(f"deleted import {import_id}")
