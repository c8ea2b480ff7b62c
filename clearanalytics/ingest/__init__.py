"""The write side: the ingest route, its pipeline of named steps, the writer and the importer.

`init_app(app, db)` attaches an IngestService (pipeline + durable writer) to a Flask app;
`clearanalytics.ingest.importer` loads historical JSONL through the same pipeline.
"""

from __future__ import annotations

import atexit

from flask import Flask

from clearanalytics.db import Database


def init_app(app: Flask, db: Database) -> None:
    from clearanalytics import deletion
    from clearanalytics.config import ConfigError
    from clearanalytics.ingest.routes import IngestFastPath, bp
    from clearanalytics.ingest.service import IngestService
    from clearanalytics.ingest.writer import FSYNC_MODES
    from clearanalytics.proxies import load_trusted_proxies

    proxies = load_trusted_proxies(app)  # the app's one allowlist, shared with the dashboard's client_address
    interval = float(app.config.get("FLUSH_INTERVAL") or 0.25)
    fsync = str(app.config.get("FSYNC") or "off").strip().lower()
    if fsync not in FSYNC_MODES:
        raise ConfigError(f"fsync must be one of {', '.join(FSYNC_MODES)}, not {fsync!r}")
    store = app.extensions.get("clearanalytics.store")  # the event store the app factory opened
    service = IngestService(db, app.config["DATA_DIR"], proxies, interval=interval, fsync=fsync, store=store)
    service.start()
    app.extensions["clearanalytics.ingest"] = service
    deletion.attach(db, service)  # removals through the CLI or dashboard flush it and clear its caches
    app.register_blueprint(bp)
    app.wsgi_app = IngestFastPath(service, app.wsgi_app)  # type: ignore[method-assign]
    atexit.register(service.close)
