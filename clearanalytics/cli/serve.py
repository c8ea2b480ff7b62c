"""Commands that run the server: serve and quickstart."""

from __future__ import annotations

import secrets
import signal
from pathlib import Path

import click

from clearanalytics.cli import CliError, data_dir_option, main, prepare_data_dir
from clearanalytics.cli.admin import ensure_account
from clearanalytics.cli.control import ControlServer
from clearanalytics.config import SETTINGS_BY_NAME, ConfigError, load_config
from clearanalytics.db import DatabaseLockedError
from clearanalytics.permissions import restrict_umask
from clearanalytics.serve_channel import install_channel
from clearanalytics.stores import EventStoreInUseError, check_settings, close_stores, ensure_chdb_free


def _raise_keyboard_interrupt(_signum, _frame):
    """SIGTERM (docker stop, systemd) shuts down like Ctrl-C, so pending writes are flushed."""
    raise KeyboardInterrupt


# The largest body a route reads is MCP's 1 MB; waitress's default would buffer up to 1 GiB to disk first.
MAX_REQUEST_BODY = 2 * 1024 * 1024

# Waitress's default of 100 left the 101st connection unaccepted (its request timed out, unanswered);
# past the admission queue a request is answered 503 at once instead. poll(): select() fails above fd 1024.
CONNECTION_LIMIT = 1000

QUICKSTART = {"tenant": "demo", "tenant_name": "Demo", "site": "demo.example", "email": "admin@localhost"}


def run_server(data_dir: Path, host: str, port: int, threads: int | None) -> None:
    """Build the app, bind the port (failing in one line if taken), print the URL, serve."""
    import waitress

    from clearanalytics import admission
    from clearanalytics.app import create_app
    from clearanalytics.proxies import WAITRESS_OPTIONS
    from clearanalytics.queue_log import throttle_queue_warnings
    from clearanalytics.retention import RetentionTimer

    restrict_umask()
    prepare_data_dir(data_dir)
    try:
        ensure_chdb_free(check_settings(load_config({"data_dir": str(data_dir)}))[0])
        app = create_app({"data_dir": str(data_dir), "threads": threads})
    except (DatabaseLockedError, EventStoreInUseError) as exc:
        raise CliError(str(exc)) from None
    from clearanalytics.mail.scheduler import scheduler_for

    try:
        reports = scheduler_for(app.extensions["clearanalytics.db"], app.config)  # None: smtp_url unset
    except ConfigError as exc:
        close_stores(app.extensions["clearanalytics.db"], app.extensions["clearanalytics.store"])
        raise CliError(str(exc)) from None
    pool = admission.install(app)  # `threads` workers, `request_queue` waiting, the rest 503
    try:
        server = waitress.create_server(
            app,
            host=host,
            port=port,
            threads=admission.waitress_threads(pool.slots, pool.queue),
            connection_limit=CONNECTION_LIMIT,
            asyncore_use_poll=True,
            ident="clearanalytics",
            max_request_body_size=MAX_REQUEST_BODY,
            **WAITRESS_OPTIONS,
        )
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    install_channel(server)  # JSON for requests waitress cannot parse; no busy loop while workers send
    throttle_queue_warnings(server)  # one "Task queue depth" line a minute, not one per queued request
    admission.accept_in_bursts(server)  # 500 clients connecting at once are not left in the backlog
    admission.answer_light_first(server)  # ingest, /healthz, /metrics never wait behind queued reports
    control = ControlServer(data_dir, app.extensions["clearanalytics.db"])
    control.start()
    retention = RetentionTimer(app.extensions["clearanalytics.db"], store=app.extensions["clearanalytics.store"])
    retention.start()
    if reports is not None:
        reports.start()  # email reports (docs/EMAIL.md): claimed before sending, so a restart repeats none
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"ClearAnalytics listening on http://{shown_host}:{server.effective_port}", err=False)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        retention.stop()
        if reports is not None:
            reports.stop()
        _shut_down(app, server, control)


def _shut_down(app, server, control: ControlServer) -> None:
    """Stop taking requests, commit every accepted event, checkpoint and close the database.

    After this the main .duckdb file alone holds every row (a copy of it is a complete
    backup). A second SIGTERM or Ctrl-C during it is ignored so it is never cut short.
    """
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    control.stop()
    server.close()  # waits (up to 5 s) for requests in flight: their events are queued before the writer closes
    ingest = app.extensions.get("clearanalytics.ingest")
    if ingest is not None:
        ingest.close()
    # The events (a ClickHouse client; with the default store the same file), then the accounts.
    close_stores(app.extensions["clearanalytics.db"], app.extensions["clearanalytics.store"])


@main.command()
@data_dir_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--threads", type=click.IntRange(1, 256), help=SETTINGS_BY_NAME["threads"].help)
def serve(data_dir: Path, host: str, port: int, threads: int | None) -> None:
    """Serve tracking, dashboard, API and MCP with waitress."""
    run_server(data_dir, host, port, threads)


def _load_demo_traffic(data_dir: Path) -> None:
    """Fill an empty demo site with ~90 days of generated traffic, through the importer."""
    from clearanalytics.accounts import get_site
    from clearanalytics.cli import database, info
    from clearanalytics.db import utcnow
    from clearanalytics.demo import load_demo
    from clearanalytics.storage import store_of

    with database(data_dir) as db:
        with db.reading() as cur:
            site = get_site(cur, QUICKSTART["site"])
        if site is not None and store_of(db).count_events([site.id], before=utcnow())["pageviews"]:
            return
        info("Generating 90 days of demo traffic...")
        report = load_demo(db, QUICKSTART["site"])
    info(f"Imported {report.accepted} demo events.")


@main.command()
@data_dir_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--no-serve", is_flag=True, help="Set up the demo and exit without serving.")
def quickstart(data_dir: Path, host: str, port: int, no_serve: bool) -> None:
    """Set up a demo tenant, site and admin user with 90 days of demo traffic, then serve on 127.0.0.1:8000."""
    password = secrets.token_urlsafe(12)
    changes = ensure_account(data_dir, password=password, **QUICKSTART)
    if any(c.startswith("created user") for c in changes):
        click.echo(f"Log in as {QUICKSTART['email']} with password {password} (shown only this once).")
    else:
        click.echo(f"Demo already set up in {data_dir}; log in as {QUICKSTART['email']}.")
    _load_demo_traffic(data_dir)
    if not no_serve:
        run_server(data_dir, host, port, None)
