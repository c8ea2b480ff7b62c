"""Tracking commands: goal add/list/remove and import (historical events from JSONL)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import click

from clearanalytics import accounts, goals
from clearanalytics.cli import CliError, data_dir_option, database, in_server, info, main
from clearanalytics.cli.control import ClientPath
from clearanalytics.storage import store_of


def _site(cur, domain: str) -> accounts.Site:
    site = accounts.get_site(cur, accounts.normalise_domain(domain))
    if site is None:
        raise CliError(f"no site {domain!r}; create it with `clearanalytics site add`")
    return site


@main.group()
def goal() -> None:
    """Conversion goals: a page visited (URL goal) or a custom event sent (event goal)."""


@goal.command("add")
@data_dir_option
@click.option("--site", "domain", required=True, help="Site domain the goal belongs to.")
@click.option("--name", required=True, help="Goal name shown in reports.")
@click.option("--path", help="URL goal: the path pattern, e.g. /signup or /blog/*.")
@click.option(
    "--match",
    "match_type",
    type=click.Choice(goals.MATCH_TYPES),
    default="exact",
    show_default=True,
    help="How --path matches the page path (exact ignores the query string).",
)
@click.option("--event", "event_name", help="Event goal: the custom event name, e.g. signup.")
def goal_add(data_dir: Path, domain: str, name: str, path: str | None, match_type: str, event_name: str | None):
    """Create a goal and count the site's existing traffic towards it (backfill)."""
    from clearanalytics.ingest.goalmatch import add_goal

    if bool(path) == bool(event_name):
        raise CliError("give exactly one of --path or --event")
    if path:
        goal_type, config = "url", {"match_type": match_type, "path": path}
    else:
        goal_type, config = "event", {"event_name": event_name}
    with database(data_dir) as db:
        with db.reading() as cur:
            site = _site(cur, domain)
        try:
            created, completions = add_goal(db, site.id, name, goal_type, config)
        except goals.GoalError as exc:
            raise CliError(f"{exc.field}: {exc}") from None
    click.echo(created.id)
    info(f"created goal {created.name!r} on {site.domain}; {completions} existing completion(s) backfilled")


@goal.command("list")
@data_dir_option
@click.option("--site", "domain", help="Only this site's goals.")
def goal_list(data_dir: Path, domain: str | None) -> None:
    """List goals: id, site, name, type and definition, one per line."""
    with database(data_dir) as db, db.reading() as cur:
        sites = [_site(cur, domain)] if domain else accounts.list_sites(cur)
        by_id = {s.id: s.domain for s in sites}
        for g in goals.list_goals(cur, list(by_id)):
            if g.type == "url":
                definition = f"{g.config['match_type']} {g.config['path']}"
            else:
                definition = f"event {g.config['event_name']}"
            state = "" if g.is_active else "\t(inactive)"
            click.echo(f"{g.id}\t{by_id[g.site_id]}\t{g.name}\t{g.type}\t{definition}{state}")


@goal.command("remove")
@data_dir_option
@click.argument("goal_id")
def goal_remove(data_dir: Path, goal_id: str) -> None:
    """Delete a goal and its recorded completions."""
    from clearanalytics.ingest.goalmatch import remove_goal

    with database(data_dir) as db:
        if not remove_goal(db, goal_id):
            raise CliError(f"no goal {goal_id!r}")
    info(f"removed goal {goal_id}")


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops an import like Ctrl-C: workers stop and the scratch files are removed.

    Only in the main thread of a CLI process; a forwarded import runs in a server thread,
    whose own handler already stops the server.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _capped(db, forwarded: bool):
    """cache_capped for a command's own DuckDB file; a server's limit is its readers', and PostgreSQL has none."""
    from clearanalytics.db import Database
    from clearanalytics.ingest.importer import cache_capped

    return cache_capped(db) if isinstance(db, Database) and not forwarded else nullcontext()


@main.command("import")
@data_dir_option
@click.argument("file", type=ClientPath(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "domain", help="Store every line for this site (overrides the lines' domain).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes for a large file (default: one per CPU, at most 4; always 1 inside a running server).",
)
def import_command(data_dir: Path, file: Path, domain: str | None, workers: int | None) -> None:
    """Import historical events from a JSONL file through the ingest pipeline.

    One JSON object per line: the /api/event payload plus timestamp (ISO 8601), ip and
    user_agent; pageview lines may carry duration (seconds), scroll_depth, and country_code,
    region and city (instead of the location looked up from ip).
    """
    from clearanalytics.ingest.import_workers import ImportWorkerError
    from clearanalytics.ingest.importer import import_file

    forwarded = in_server(data_dir)
    asked = workers
    if forwarded:
        workers = 1
    elif workers is None:
        workers = min(4, os.cpu_count() or 1)

    with file.open("rb") as fh:
        total = sum(1 for line in fh if line.strip())
    with database(data_dir) as db, _terminate_as_interrupt(), _capped(db, forwarded):
        if store_of(db).name != "duckdb":  # no parallel import on another store yet (docs/STORAGE.md)
            if asked is not None and asked > 1 and not forwarded:
                raise CliError(f"--workers: the {store_of(db).name} event store imports with one process (--workers 1)")
            workers = 1
        if domain:
            with db.reading() as cur:
                domain = _site(cur, domain).domain
        with click.progressbar(length=total, label="Importing", file=sys.stderr) as bar:
            try:
                report = import_file(db, file, domain, progress=bar.update, workers=workers)
            except ImportWorkerError as exc:
                raise CliError(f"import failed in a worker process: {exc}") from None
    dropped = sum(report.dropped.values())
    reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(report.dropped.items()))
    reasons = f" ({reasons})" if reasons else ""
    info(f"accepted {report.accepted}, dropped {dropped}{reasons}, bad lines {report.error_count}")
    for line_no, field_name, message in report.errors:
        info(f"line {line_no}: {field_name} {message}")
    if report.error_count > len(report.errors):
        info(f"... and {report.error_count - len(report.errors)} more bad lines")
