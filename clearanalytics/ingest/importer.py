"""`clearanalytics import`: historical events from JSONL through the live pipeline, in bulk.

Each line is the ingest payload plus `timestamp` (ISO 8601; naive means UTC), `ip` and
`user_agent`; a pageview line may also carry `duration`, `scroll_depth` and its own location
(`country_code`, `region`, `city`: ingest/locations.explicit) instead of the IP's. Lines are
sorted by time first so that sessions form as they would have live, through sorted runs on
disk (import_spill) so that memory stays bounded for any file size. Rows are written in
large batches (EventStore.write_batch; for DuckDB, NumPy arrays it scans), and the report names every bad line.
"""

from __future__ import annotations

import gc
import itertools
import os
import queue
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clearanalytics.db import Database
from clearanalytics.ingest.import_spill import Record, Spiller
from clearanalytics.ingest.payload import PayloadError, is_plausible
from clearanalytics.ingest.pipeline import Dropped, Event, Pipeline
from clearanalytics.ingest.service import MAX_USER_AGENT
from clearanalytics.ingest.store import Records
from clearanalytics.safeinput import InputError, loads
from clearanalytics.storage import EventStore, store_of

BATCH_EVENTS = 25_000
PROGRESS_EVERY = 5_000
MAX_REPORTED_ERRORS = 1000
PARALLEL_MIN_LINES = 20_000  # below this, forking two workers costs more than it saves
IMPORT_CACHE_BYTES = 32 * 2**20  # DuckDB's memory_limit while the import command runs (see cache_capped)


@dataclass
class ImportReport:
    accepted: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line number, field, message)
    error_count: int = 0

    def add(self, other: ImportReport) -> None:
        """Fold another worker's report into this one; the listed errors stay the first by line number."""
        self.accepted += other.accepted
        self.dropped.update(other.dropped)
        self.error_count += other.error_count
        self.errors = sorted(self.errors + other.errors)[:MAX_REPORTED_ERRORS]

    def error(self, line_no: int, field_name: str, message: str) -> None:
        """Keeps the MAX_REPORTED_ERRORS lowest line numbers, whatever order the lines are checked in."""
        self.error_count += 1
        self.errors.append((line_no, field_name, message))
        if len(self.errors) >= 2 * MAX_REPORTED_ERRORS:
            self.settle()

    def settle(self) -> None:
        self.errors = sorted(self.errors)[:MAX_REPORTED_ERRORS]


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


def _prepare(line_no: int, doc: Any, site_domain: str | None) -> Record:
    if not isinstance(doc, dict):
        raise LineError("line", "must be a JSON object")
    ts = parse_timestamp(doc.pop("timestamp", None))
    ip, user_agent = doc.pop("ip", None), doc.pop("user_agent", None)
    if not isinstance(ip, str) or not ip:
        raise LineError("ip", "is required")
    if not isinstance(user_agent, str):
        raise LineError("user_agent", "is required")
    if site_domain:
        doc["d" if is_plausible(doc) else "domain"] = site_domain
    return ts, line_no, doc, ip, user_agent[:MAX_USER_AGENT]


def to_events(records: Iterable[Record]) -> Iterator[tuple[datetime, int, Event]]:
    """Checked lines back into pipeline events; kept apart so a spilled line carries only its own fields."""
    for ts, line_no, doc, ip, user_agent in records:
        yield ts, line_no, Event(doc, ip, user_agent, ts, doc.get("accept_language"), historical=True)


def decode_line(line: str) -> Any:
    """One line's JSON; raises InputError (a ValueError) naming the field: not JSON, too deep, a lone surrogate."""
    return loads(line, field="line")


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
    store: EventStore | None = None,
) -> ImportReport:
    """Run numbered documents (parsed JSON or raw lines) through the pipeline and store them.

    The lines are checked as they come and spilled in sorted runs to a scratch directory in
    the data dir (import_spill), then merged back in time order: memory stays bounded for
    any file size. The cyclic garbage collector is paused meanwhile: re-scanning the live
    objects at each collection cost 40% of the run when every line was held (`python -m
    bench import`: 26k -> 35k events/s), and the pipeline makes no reference cycles that
    reference counting would not free.
    """
    with collector_paused():
        return _import_documents(db, store or store_of(db), documents, site_domain, progress)


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def scratch_directory(db: Database) -> Iterator[Callable[[], Path]]:
    """A lazily made scratch directory beside the database, removed however the import ends."""
    made: list[Path] = []

    def directory() -> Path:
        if not made:
            made.append(Path(tempfile.mkdtemp(prefix=".import-", dir=db.path.parent)))
        return made[0]

    try:
        yield directory
    finally:
        for path in made:
            shutil.rmtree(path, ignore_errors=True)


def _import_documents(
    db: Database,
    store: EventStore,
    documents: Iterable[tuple[int, Any]],
    site_domain: str | None,
    progress: Callable[[int], None] | None,
) -> ImportReport:
    report = ImportReport()
    engagements = False
    with scratch_directory(db) as directory:
        spiller = Spiller(directory, "run0", 1)
        for record in prepare_documents(documents, site_domain, report):
            engagements = engagements or is_engagement(record[2])
            spiller.add(0, record)
        if progress and report.error_count:
            progress(report.error_count)
        pipeline = Pipeline(db, store=store)
        if not engagements:
            forget_engaged_time(pipeline)
        writer = BatchWriter(store.write_batch)
        try:
            run_pipeline(pipeline, to_events(spiller.records(0)), report, writer.put, progress)
        finally:
            writer.close()
    report.settle()
    return report


def is_engagement(doc: dict) -> bool:
    return doc.get("n" if is_plausible(doc) else "name") == "engagement"


def forget_engaged_time(pipeline: Pipeline) -> None:
    """No engagement line will ask for a pageview's engaged time: keep none (200,000 are ~60 MB)."""
    pipeline.engagements.capacity = 0


def prepare_documents(
    documents: Iterable[tuple[int, Any]],
    site_domain: str | None,
    report: ImportReport,
) -> Iterator[Record]:
    """Decode and check each line as it comes; a bad one goes to the report with its number."""
    for line_no, doc in documents:
        if isinstance(doc, str):
            try:
                doc = decode_line(doc)
            except InputError as exc:
                report.error(line_no, exc.field, exc.message)
                continue
        try:
            checked = _prepare(line_no, doc, site_domain)
        except LineError as exc:
            report.error(line_no, exc.field, str(exc))
        else:
            yield checked


def run_pipeline(
    pipeline: Pipeline,
    prepared: Iterable[tuple[datetime, int, Event]],
    report: ImportReport,
    store: Callable[[Records], None],
    progress: Callable[[int], None] | None,
) -> None:
    """Every prepared event, in the given (time) order, through the pipeline; rows go to `store` in batches."""
    batch, in_batch, done = Records(), 0, 0
    for _, line_no, event in prepared:
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
        done += 1
        if in_batch >= BATCH_EVENTS:
            store(batch)
            batch, in_batch = Records(), 0
        if progress and done % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    store(batch)
    if progress and done % PROGRESS_EVERY:
        progress(done % PROGRESS_EVERY)


@contextmanager
def cache_capped(db: Database, limit: int = IMPORT_CACHE_BYTES) -> Iterator[None]:
    """Cap DuckDB's memory_limit for an import command's own process, then put it back.

    DuckDB keeps the blocks it writes cached up to memory_limit (256 MB by default), and an
    import writes far more than it reads back: capped, the import's peak RSS stays within
    budget at the same speed. Not for a server running a forwarded import (its limit is the
    server's, for its readers).
    """
    with db.reading() as cur:
        current = _size_in_bytes(cur.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        capped = current > limit
        if capped:
            cur.execute(f"SET memory_limit = '{limit}B'")
    try:
        yield
    finally:
        if capped:
            with db.reading() as cur:
                cur.execute(f"SET memory_limit = '{round(current)}B'")  # to within the 0.1 MiB it was shown in


def _size_in_bytes(text: str) -> float:
    """DuckDB's '244.1 MiB' (what current_setting shows) in bytes."""
    number, _, unit = text.partition(" ")
    scale = {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}.get(unit, 2**50)
    return float(number) * scale


class BatchWriter:
    """Commits batches on a second thread, so DuckDB's work overlaps the pipeline's next batch.

    A batch is handed over only once the previous one is written, so at most two are alive
    (one written, one filled): a batch of BATCH_EVENTS rows is ~80 MB of Python tuples. An
    error in the writer is raised in the importing thread.
    """

    def __init__(self, write: Callable[[Records], None]):
        self.write = write
        self._queue: queue.Queue[Records | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="clearanalytics-import-writer", daemon=True)
        self._thread.start()

    def put(self, records: Records) -> None:
        if self._error:
            raise self._error
        if len(records):
            self._queue.join()  # the previous batch is written and let go
            self._queue.put(records)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error:
            raise self._error

    def _run(self) -> None:
        while True:
            records = self._queue.get()
            try:
                if records is None:
                    return
                if not self._error:
                    self.write(records)
            except BaseException as exc:  # handed to the importing thread
                self._error = exc
            finally:
                records = None  # not kept alive while the next batch fills
                self._queue.task_done()


def import_file(
    db: Database,
    path: Path,
    site_domain: str | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
    store: EventStore | None = None,
) -> ImportReport:
    """Import a JSONL file; with `workers` > 1, a large file is split across forked processes.

    Only a process that owns its database may fork (the CLI, not the server running a
    forwarded command), so the caller chooses. A file with engagement lines, or one too
    small to repay the forks, is imported by this process alone. Either way the file is
    read as a stream, never held whole.
    """
    if workers >= 2 and hasattr(os, "fork") and _has_lines(path, PARALLEL_MIN_LINES):
        from clearanalytics.ingest.import_workers import import_partitioned

        with collector_paused():
            report = import_partitioned(db, path, site_domain, progress, workers, store=store)
        if report is not None:
            return report
    return import_documents(db, read_lines(path), site_domain, progress, store=store)


def _has_lines(path: Path, count: int) -> bool:
    """Whether the file has at least `count` non-blank lines, reading no further than that."""
    with Path(path).open("rb") as fh:
        return sum(1 for _ in itertools.islice((line for line in fh if line.strip()), count)) >= count
