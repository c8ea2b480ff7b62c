"""The app the in-process tests run: create_app on a real data dir, and closing it the way the server does.

One place builds it, so that a new setting or a change to create_app touches one test helper, not every file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from clearanalytics.app import create_app


def new_app(data_dir: Path, testing: bool = False, database: Any = None, **settings) -> Flask:
    """`create_app` on a real data dir: the one place the tests build an app (close it with `close_app`).

    `settings` are the app's settings as create_app takes them (`now=stats_dataset.NOW` pins the clock,
    `rate_limit="100000/minute"` lifts the budget). `testing=True` sets Flask's TESTING: exceptions reach
    the test instead of the app's error handler (leave it off to see the 500 a client would get). `database`:
    the accounts database to serve (a PgDatabase with its event store attached), as create_app takes it.
    """
    app = create_app({"data_dir": str(data_dir), **settings}, database=database)
    if testing:
        app.config["TESTING"] = True
    return app


@contextmanager
def app_on(data_dir: Path, testing: bool = False, **settings) -> Iterator[Flask]:
    """`new_app` closed on exit, for module- and session-scoped fixtures (`make_app` is per test)."""
    app = new_app(data_dir, testing, **settings)
    try:
        yield app
    finally:
        close_app(app)


def close_app(app: Flask) -> None:
    """Stop the app's ingest writer (if any) before closing its database, as the server does; safe twice."""
    service = app.extensions.get("clearanalytics.ingest")
    if service is not None:
        service.close()
    app.extensions["clearanalytics.db"].close()


def tampered(secret: str) -> str:
    """The secret with its last character changed: "x" unless it already ends in "x" (then it would be itself)."""
    return secret[:-1] + ("y" if secret.endswith("x") else "x")
