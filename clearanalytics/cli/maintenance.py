"""Operations commands: backup, restore, retention and `site retention`."""

from __future__ import annotations

from pathlib import Path

import click

from clearanalytics import accounts, retention
from clearanalytics.backup import BackupError
from clearanalytics.cli import CliError, data_dir_option, database, in_server, info, main
from clearanalytics.cli.admin import site
from clearanalytics.config import DATABASE_FILE_NAME, SECRET_KEY_FILE_NAME
from clearanalytics.db import DatabaseLockedError, utcnow
from clearanalytics.storage import store_of

BACKUP_TIMEOUT = 6 * 3600  # seconds the CLI waits for a server copying a large database


@main.command("backup")
@data_dir_option
@click.argument("dest", type=click.Path(path_type=Path))
def backup_command(data_dir: Path, dest: Path) -> None:
    """Copy the database, secret key and config into the new directory DEST, even while the server runs.

    With a server running, the command runs inside it: the ingest writer is flushed first, so
    every event answered 202 before the backup began is in the copy. DEST must not exist (or be
    empty); it is written as a hidden temporary directory beside it and renamed when complete
    (directory 0700, files 0600). DEST/manifest.json lists every table's row count; restore
    checks the copy against it. Prints DEST on stdout.
    """
    from clearanalytics import backup

    # Paths are made absolute here, in the caller's directory: the server has its own.
    dest, data_dir = dest.absolute(), Path(data_dir).absolute()
    if not in_server(data_dir) and not (data_dir / DATABASE_FILE_NAME).is_file():
        raise CliError(f"no database in {data_dir}")
    try:
        with database(data_dir) as db:
            manifest = backup.take(db, data_dir, dest)
    except DatabaseLockedError as exc:
        from clearanalytics.cli.control import forward

        code = forward(data_dir, ["backup", str(dest), "--data-dir", str(data_dir)], timeout=BACKUP_TIMEOUT)
        if code is None:
            raise CliError(str(exc)) from None
        raise click.exceptions.Exit(code) from None
    except BackupError as exc:
        raise CliError(str(exc)) from None
    rows = sum(manifest.tables.values())
    info(f"backup: {rows} rows in {len(manifest.tables)} tables, {', '.join(manifest.files)}")
    if SECRET_KEY_FILE_NAME not in manifest.files:
        info(f"note: {data_dir} has no {SECRET_KEY_FILE_NAME} file (is it set in CLEARANALYTICS_SECRET_KEY?); "
             "keep that value with the backup, or sessions will not carry over")  # fmt: skip
    click.echo(str(dest))


@main.command("restore")
@click.argument("src", type=click.Path(path_type=Path))
@data_dir_option
@click.option("--force", is_flag=True, help="Replace the database, key and config of a non-empty data dir.")
def restore_command(src: Path, data_dir: Path, force: bool) -> None:
    """Make the data dir a copy of the backup SRC (same tokens, users and stats); the server must be stopped.

    Refuses a data dir with files in it unless --force, which replaces its database, WAL,
    spool, secret key and config (other files stay). Refuses while a server runs on it. Newer
    migrations are applied at once, so a backup of an older version restores into this one.
    """
    from clearanalytics import backup

    if in_server(data_dir):
        raise CliError(f"a server is running on {data_dir}; stop it first")
    try:
        manifest = backup.restore(src, data_dir, force=force)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    except DatabaseLockedError:
        raise CliError(f"a server is running on {data_dir}; stop it first") from None
    info(f"restored the backup of {manifest.created_at} ({sum(manifest.tables.values())} rows)")
    click.echo(str(Path(data_dir).absolute()))


def _describe(plan: retention.SitePlan) -> str:
    rows = " ".join(f"{table}={count}" for table, count in plan.rows.items())
    return f"{plan.site.domain}\t{plan.months} months\tbefore {plan.cutoff_day.isoformat()}\t{rows}"


@main.command("retention")
@data_dir_option
@click.option("--site", "domain", help="Only this site.")
@click.option("--apply", "apply_", is_flag=True, help="Delete the rows; without it, only show what would go.")
def retention_command(data_dir: Path, domain: str | None, apply_: bool) -> None:
    """Show (or with --apply delete) the raw events older than each site's retention setting.

    Prints one line per site with a setting: domain, months, the site-local cutoff day and the
    rows of each raw table older than it. The server does the same as --apply once at start and
    then daily. Reports of the deleted days keep working from the daily rollups, which are built
    before the rows go (docs/DEPLOYMENT.md, "Retention").
    """
    now = utcnow()
    with database(data_dir) as db:
        if apply_:
            plans = retention.apply(db, now, domain)
        else:
            with db.reading() as cur:
                plans = retention.pending(cur, now, domain, store_of(db))  # the events may live elsewhere
    verb = "deleted" if apply_ else "would delete"
    for plan in plans:
        click.echo(_describe(plan))
    info(f"retention: {verb} {sum(p.total for p in plans)} raw rows from {len(plans)} site(s)")


@site.command("retention")
@data_dir_option
@click.argument("domain")
@click.option("--months", type=click.IntRange(1, retention.MAX_MONTHS), help="Keep this many months of raw events.")
@click.option("--off", is_flag=True, help="Keep raw events forever.")
def site_retention(data_dir: Path, domain: str, months: int | None, off: bool) -> None:
    """Set how many months of raw events DOMAIN keeps (older ones are deleted daily), or --off."""
    if (months is None) == (not off):
        raise CliError("give either --months N or --off")
    with database(data_dir) as db, db.transaction() as cur:
        the_site = accounts.get_site(cur, accounts.normalise_domain(domain))
        if the_site is None:
            raise CliError(f"unknown site '{domain}'")
        retention.set_months(cur, the_site, None if off else months)
    click.echo(f"{the_site.domain} keeps raw events " + ("forever" if off else f"for {months} months"))
