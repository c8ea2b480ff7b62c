"""The write side: the ingest route, its pipeline of named steps, the writer and the importer.

`init_app(app, db)` attaches an IngestService (pipeline + durable writer) to a Flask app;
`clearanalytics.ingest.importer` loads historical JSONL through the same pipeline.
"""

from __future__ import annotations

import atexit

from flask import Flask

from clearanalytics.db import Database


def init_app(app: Flask, db: Database) -> None:
    from clearanalytics.config import ConfigError
    from clearanalytics.ingest.routes import bp
    from clearanalytics.ingest.service import IngestService
    from clearanalytics.ingest.visitors import parse_trusted_proxies

    try:
        proxies = parse_trusted_proxies(app.config.get("TRUSTED_PROXIES"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    interval = float(app.config.get("FLUSH_INTERVAL") or 0.25)
    service = IngestService(db, app.config["DATA_DIR"], proxies, interval=interval)
    service.start()
    app.extensions["clearanalytics.ingest"] = service
    app.register_blueprint(bp)
    _skip_sessions_for_ingest(app)
    atexit.register(service.close)


def _skip_sessions_for_ingest(app: Flask) -> None:
    """The ingest audience has no session: skip signing-serializer work on every tracking hit."""
    base = type(app.session_interface)

    class IngestlessSessions(base):  # type: ignore[misc, valid-type]
        def open_session(self, app, request):
            if request.path == "/api/event":
                return self.make_null_session(app)
            return super().open_session(app, request)

    interface = IngestlessSessions.__new__(IngestlessSessions)
    interface.__dict__.update(app.session_interface.__dict__)
    app.session_interface = interface
