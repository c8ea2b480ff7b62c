"""The live ingest service: the pipeline plus the writer, owned by one app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from clearanalytics.db import Database, utcnow
from clearanalytics.health import Health, Unavailable, describe
from clearanalytics.ingest.payload import decode_body, header
from clearanalytics.ingest.pipeline import Dropped, Event, Pipeline
from clearanalytics.ingest.store import Records
from clearanalytics.ingest.useragent import parse_agent
from clearanalytics.ingest.writer import SPOOL_DIR_NAME, Writer
from clearanalytics.metrics import IngestOutcomes
from clearanalytics.storage import EventStore, store_of

MAX_USER_AGENT = 1000


@dataclass(frozen=True)
class Outcome:
    """What the route answers: the stored id (pageviews), or the reason nothing was stored."""

    id: str | None = None
    dropped: str | None = None


class IngestService:
    def __init__(
        self,
        db: Database,
        data_dir: Path,
        trusted_proxies: tuple = (),
        interval: float = 0.25,
        fsync: str = "off",
        store: EventStore | None = None,
    ):
        self.db = db  # the accounts (sites, salts, goals); events go to `store`
        self.store = store or store_of(db)
        self.trusted_proxies = trusted_proxies
        self.pipeline = Pipeline(db, store=self.store)
        self.health = Health()
        spool = Path(data_dir) / SPOOL_DIR_NAME
        self.writer = Writer(db, spool, interval=interval, fsync=fsync, health=self.health, store=self.store)
        self.outcomes = IngestOutcomes()  # counted by the route, read by /metrics

    def start(self) -> None:
        self.writer.start()  # replay first, so rebuilt sessions see the replayed rows
        self.pipeline.sessions.rebuild(self.store, utcnow())
        parse_agent("Mozilla/5.0 (warm-up)")  # load ua-parser's regexes before the first request

    def close(self) -> None:
        self.writer.close()

    def flush(self) -> int:
        return self.writer.flush()

    def forget_sites(self, site_ids: set[str], removed: bool) -> None:
        """Called by clearanalytics.deletion after it deleted sites' rows (or a site's stats)."""
        self.pipeline.forget_sites(site_ids, removed)

    def ingest(self, body: bytes, ip: str, user_agent: str, accept_language: str | None = None) -> Outcome:
        """Raises PayloadError for client mistakes and Unavailable when the event cannot be stored now.

        Otherwise the event is spooled (and, with fsync=batch, on disk) before returning.
        """
        # A user agent longer than any real browser's is cut, so regexes never see megabytes.
        user_agent = header(user_agent, "User-Agent")[:MAX_USER_AGENT]
        accept_language = header(accept_language, "Accept-Language")
        event = Event(decode_body(body), ip, user_agent, utcnow(), accept_language, records=Records())
        try:
            self.pipeline.run(event)
        except Dropped as exc:
            return Outcome(dropped=exc.reason)
        except (OSError, duckdb.Error) as exc:  # a step read or wrote the database (a new day's salt)
            self.writer.note_database_error(exc)
            self.writer.errors.error("pipeline", "an ingest step could not reach the database; answering 503", exc)
            raise Unavailable(describe(exc)) from exc
        if event.records.updates or any(event.records.rows.values()):
            self.writer.submit(event.records)
        return Outcome(id=event.id if event.payload.name == "pageview" else None)
