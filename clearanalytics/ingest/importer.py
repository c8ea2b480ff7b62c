"""`clearanalytics import`: historical events from JSONL through the live pipeline, in bulk.

Each line is the ingest payload plus `timestamp` (ISO 8601; naive means UTC), `ip` and
`user_agent`; a pageview line may also carry `duration` and `scroll_depth`. Lines are
sorted by time first so that sessions form as they would have live. Rows are written in
large batches (NumPy arrays scanned by DuckDB), and the report names every bad line.
"""

from __future__ import annotations

import json
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clearanalytics.db import Database
from clearanalytics.ingest.payload import PayloadError
from clearanalytics.ingest.pipeline import Dropped, Event, Pipeline
from clearanalytics.ingest.service import MAX_USER_AGENT
from clearanalytics.ingest.store import Records, write_records

BATCH_EVENTS = 50_000
PROGRESS_EVERY = 5_000
MAX_REPORTED_ERRORS = 1000


@dataclass
class ImportReport:
    accepted: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line number, field, message)
    error_count: int = 0

    def error(self, line_no: int, field_name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append((line_no, field_name, message))


class LineError(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def parse_timestamp(value: Any) -> datetime:
    if not isinstance(value, str) or not value:
        raise LineError("timestamp", "is required (ISO 8601)")
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise LineError("timestamp", f"is not ISO 8601: {value[:40]!r}") from None
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    return ts


def _prepare(line_no: int, doc: Any, site_domain: str | None) -> tuple[datetime, int, Event]:
    if not isinstance(doc, dict):
        raise LineError("line", "must be a JSON object")
    ts = parse_timestamp(doc.pop("timestamp", None))
    ip, user_agent = doc.pop("ip", None), doc.pop("user_agent", None)
    if not isinstance(ip, str) or not ip:
        raise LineError("ip", "is required")
    if not isinstance(user_agent, str):
        raise LineError("user_agent", "is required")
    if site_domain:
        doc["d" if "n" in doc and "name" not in doc else "domain"] = site_domain
    return ts, line_no, Event(doc, ip, user_agent[:MAX_USER_AGENT], ts, doc.get("accept_language"), historical=True)


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    with Path(path).open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                yield number, line


def import_documents(
    db: Database,
    documents: Iterable[tuple[int, Any]],
    site_domain: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Run numbered documents (parsed JSON or raw lines) through the pipeline and store them."""
    report = ImportReport()
    prepared: list[tuple[datetime, int, Event]] = []
    for line_no, doc in documents:
        try:
            if isinstance(doc, str):
                try:
                    doc = json.loads(doc)
                except ValueError:
                    raise LineError("line", "is not valid JSON") from None
            prepared.append(_prepare(line_no, doc, site_domain))
        except LineError as exc:
            report.error(line_no, exc.field, str(exc))
    prepared.sort(key=lambda item: (item[0], item[1]))

    pipeline = Pipeline(db)
    writer = _BatchWriter(db)
    batch, in_batch = Records(), 0
    for done in range(1, len(prepared) + 1):
        _, line_no, event = prepared[done - 1]
        prepared[done - 1] = None  # type: ignore[call-overload]  (let processed lines be freed)
        event.records = batch  # the last step only appends, so events share one batch
        try:
            pipeline.run(event)
        except Dropped as exc:
            report.dropped[exc.reason] += 1
        except PayloadError as exc:
            report.error(line_no, exc.field, str(exc))
        else:
            report.accepted += 1
        in_batch += 1
        if in_batch >= BATCH_EVENTS:
            writer.put(batch)
            batch, in_batch = Records(), 0
        if progress and done % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    writer.put(batch)
    writer.close()
    if progress and len(prepared) % PROGRESS_EVERY:
        progress(len(prepared) % PROGRESS_EVERY)
    return report


class _BatchWriter:
    """Commits batches on a second thread, so DuckDB's work overlaps the pipeline's next batch.

    At most one batch waits; an error in the writer is raised in the importing thread.
    """

    def __init__(self, db: Database):
        self.db = db
        self._queue: queue.Queue[Records | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="clearanalytics-import-writer", daemon=True)
        self._thread.start()

    def put(self, records: Records) -> None:
        if self._error:
            raise self._error
        if len(records):
            self._queue.put(records)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error:
            raise self._error

    def _run(self) -> None:
        while (records := self._queue.get()) is not None:
            if self._error:
                continue
            try:
                with self.db.transaction() as cur:
                    write_records(cur, records)
            except BaseException as exc:  # handed to the importing thread
                self._error = exc


def import_file(
    db: Database, path: Path, site_domain: str | None = None, progress: Callable[[int], None] | None = None
) -> ImportReport:
    return import_documents(db, read_lines(path), site_domain, progress)
