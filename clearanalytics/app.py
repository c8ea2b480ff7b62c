"""The application factory: configuration, the database, and one blueprint per audience."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, jsonify

from clearanalytics.config import ensure_secret_key, load_config
from clearanalytics.db import Database
from clearanalytics.invalidation import start_invalidation
from clearanalytics.request_scope import close_cursor
from clearanalytics.stores import open_stores

PACKAGE_DIR = Path(__file__).resolve().parent


def _asset_dir(name: str) -> Path:
    """static/ and templates/ sit inside the installed wheel, or beside the package in a checkout."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


def create_app(config: dict[str, Any] | None = None, database: Database | None = None) -> Flask:
    settings = load_config(config)
    data_dir: Path = settings["DATA_DIR"]
    data_dir.mkdir(parents=True, exist_ok=True)
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = ensure_secret_key(data_dir)

    app = Flask(
        __name__,
        static_folder=str(_asset_dir("static")),
        template_folder=str(_asset_dir("templates")),
    )
    app.config.update(settings)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.json.sort_keys = False

    # Both URLs unset: one DuckDB file. EVENTS_URL: ClickHouse events; ACCOUNTS_URL too: PostgreSQL accounts.
    db, store = open_stores(settings, database)  # each URL checked first: a fault is one line naming it
    app.extensions["clearanalytics.db"] = db  # the accounts, and with the default store the events too
    app.extensions["clearanalytics.store"] = store  # the events (clearanalytics.storage), attached to db
    app.teardown_appcontext(close_cursor)
    if database is None:  # opened here: follow other nodes' commits (PostgreSQL accounts; a no-op on DuckDB)
        start_invalidation(app, db)  # a caller that hands its own database in starts it (or not) itself

    from clearanalytics import ingest, metrics, proxies
    from clearanalytics.api import bp as api_bp
    from clearanalytics.chat.routes import bp as chat_bp
    from clearanalytics.chat.share import bp as share_chat_bp
    from clearanalytics.dashboard import bp as dashboard_bp
    from clearanalytics.dashboard.shared import bp as shared_bp
    from clearanalytics.mcp import bp as mcp_bp
    from clearanalytics.tracker import bp as tracker_bp

    proxies.init_app(app)  # before ingest: one trusted-proxy list, read by ingest and the dashboard
    for blueprint in (tracker_bp, api_bp, mcp_bp, dashboard_bp, shared_bp, chat_bp, share_chat_bp):
        app.register_blueprint(blueprint)
    ingest.init_app(app, db)
    metrics.init_app(app)  # after ingest: its WSGI wrapper times the ingest fast path too

    from clearanalytics import web_errors

    web_errors.init_app(app)  # last: its WSGI boundary must wrap every other middleware

    @app.get("/healthz")
    def healthz():
        from clearanalytics.health import RETRY_AFTER_SECONDS, check

        status, doc = check(
            app.extensions["clearanalytics.store"],
            app.extensions.get("clearanalytics.ingest"),
            accounts=app.extensions["clearanalytics.db"],
        )
        response = jsonify(doc)
        response.status_code = status
        if status == 503:
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    return app
