"""A large import split across forked worker processes, one core each.

The unit of work is a (site, site-local day): the visitor hash is salted per site and
local day, so no visitor, session or "last pageview" crosses from one such day to
another, and each worker can run the ordinary pipeline over its days, in time order,
exactly as one process would. What does cross days is handled here:

- Lookups: sites, goals, known transaction ids and the kept days' salts are loaded by
  the parent before it forks (`Pipeline.load_for_workers`); a worker never opens the
  database, whose connection belongs to the parent.
- Salts of past days derive from the run's key in the parent's `Salts`, so every worker
  gets the same one for a given day.
- A purchase's transaction id must be kept only the first time a site reports it: each
  worker keeps the first of its own, and the parent drops the later of any that two
  workers kept, with the goal completions it made.
- Engagement lines point at pageviews across lines and days: a file with any of them is
  imported by one process instead (the workers find them while placing the lines).

Each worker reads the file as a stream, checks its share of the lines and spills them in
sorted runs, per owner, into a scratch directory beside the database (import_spill); after
all have placed theirs, each merges its own runs back in time order, so no process holds
the file. A bad line is reported by the worker that checked it. Each worker writes its rows
into its own part of the event store (`EventStore.open_import_part`; for DuckDB a scratch
file, clearanalytics.storage.duckdb_import); the parent then merges the parts in one
transaction (`EventStore.merge_import_parts`).
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import time
import traceback
import zlib
from collections.abc import Callable, Iterator
from ctypes import c_longlong, c_ubyte
from datetime import datetime
from functools import partial
from multiprocessing.sharedctypes import RawArray, RawValue
from pathlib import Path
from typing import Any

from clearanalytics.db import Database, utcnow
from clearanalytics.ingest import store as ingest_store
from clearanalytics.ingest.import_spill import Record, Spiller, merged, runs_of
from clearanalytics.ingest.importer import (
    BatchWriter,
    ImportReport,
    forget_engaged_time,
    is_engagement,
    prepare_documents,
    read_lines,
    run_pipeline,
    to_events,
)
from clearanalytics.ingest.payload import is_plausible
from clearanalytics.ingest.pipeline import Pipeline
from clearanalytics.ingest.visitors import local_day
from clearanalytics.storage import EventStore, store_of

POLL_SECONDS = 0.01
PLACED_POLL_SECONDS = 0.002
CHECK_EVERY = 1024  # lines a worker places between looks at the shared flags


class ImportWorkerError(RuntimeError):
    """A worker process failed; the message is its last traceback line."""


class _NoDatabase:
    """Stands in for the parent's database inside a worker: any use is a bug, said loudly."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("an import worker must not use the parent's database connection")


class Partitioner:
    """Which worker owns a line: whole (site, local day)s go to one worker.

    Consecutive days alternate between workers, so one site's history splits evenly. Worker
    w reads the whole file but checks only the lines numbered w modulo `workers` (decoding
    every line in every worker cost a third of their work); a bad one is reported by the
    worker that checked it, so its error is reported exactly once.
    """

    def __init__(self, pipeline: Pipeline, site_domain: str | None, workers: int):
        self.pipeline = pipeline
        self.site_domain = site_domain
        self.workers = workers
        self._sites: dict[str, tuple[int, str]] = {}

    def place(self, number: int, path: Path, shared: _Shared, spiller: Spiller, report: ImportReport) -> None:
        """Check this worker's share of the lines and spill each to its owner's runs.

        Stops early once any worker has found an engagement line (the file then goes to one
        process) and raises if the import is being stopped.
        """
        share = (item for item in read_lines(path) if item[0] % self.workers == number)
        for count, record in enumerate(prepare_documents(share, self.site_domain, report)):
            if is_engagement(record[2]):
                shared.engagement[number] = 1
            if not count % CHECK_EVERY:
                if shared.stopped():
                    raise ImportWorkerError("stopped: the importing process failed")
                if any(shared.engagement):
                    spiller.discard()
                    return
            spiller.add(self.owner(record), record)
        spiller.flush()

    def owner(self, record: Record) -> int:
        ts, line_no, doc = record[:3]
        domain = self.site_domain or _domain_of(doc)
        if isinstance(domain, str):
            offset, timezone = self._sites.get(domain) or self._site_of(domain)
            return (local_day(ts, timezone).toordinal() + offset) % self.workers
        return line_no % self.workers  # refused by the pipeline: any worker will do

    def _site_of(self, domain: str) -> tuple[int, str]:
        """domain -> (this site's offset among the days, its timezone); unknown domains as UTC."""
        site = self.pipeline.sites.get(domain)
        key = site.id if site else domain
        found = self._sites[domain] = (zlib.crc32(key.encode("utf-8", "replace")), site.timezone if site else "UTC")
        return found


def _domain_of(doc: dict) -> Any:
    if is_plausible(doc):
        domain = doc.get("d")
        return domain.split(",")[0] if isinstance(domain, str) else domain
    return doc.get("domain")


class _Shared:
    """Memory the forked workers and this process share: flags and progress."""

    def __init__(self, workers: int):
        self.placed = RawArray(c_ubyte, workers)  # worker w has placed its share
        self.engagement = RawArray(c_ubyte, workers)  # worker w saw an engagement line
        self.abort = RawValue(c_ubyte, 0)  # set by this process when something failed
        self.done = RawArray(c_longlong, workers)  # lines each worker has been through
        self.parent = os.getpid()

    def stopped(self) -> bool:
        """The importing process failed, or (seen from a worker) it is gone, killed outright."""
        if self.abort.value:
            return True
        return os.getpid() != self.parent and os.getppid() != self.parent

    def wait_until_placed(self, alive: Callable[[], bool]) -> None:
        while not all(self.placed):
            if self.abort.value or not alive():
                raise ImportWorkerError("the import stopped while the lines were being placed")
            time.sleep(PLACED_POLL_SECONDS)


def import_partitioned(
    db: Database,
    path: Path,
    site_domain: str | None,
    progress: Callable[[int], None] | None,
    workers: int,
    store: EventStore | None = None,
) -> ImportReport | None:
    """This process is worker 0, forked children the others; None if one process must do it.

    Each worker first places its share of the lines into sorted runs per owner in a scratch
    directory, waits for the others, then merges the runs it owns and imports them: worker 0
    straight into the database, the others into scratch files copied in at the end. Finding
    an engagement line returns None before anything is written.
    """
    store = store_of(store or db)
    pipeline = Pipeline(db, store=store)
    pipeline.load_for_workers(utcnow())
    partitioner = Partitioner(pipeline, site_domain, workers)
    shared = _Shared(workers)
    scratch = Path(tempfile.mkdtemp(prefix=".import-", dir=db.path.parent))
    try:
        parts = store.import_parts(scratch, workers - 1)
        parent = os.getpid()
        children = [
            _fork(partial(_child, w, pipeline, partitioner, path, shared, scratch, store, part, parent), part)
            for w, part in zip(range(1, workers), parts, strict=True)
        ]
        reporter = _Progress(progress, shared)
        try:
            report = ImportReport()
            partitioner.place(0, path, shared, Spiller(lambda: scratch, "run0", workers), report)
            shared.placed[0] = 1
            shared.wait_until_placed(lambda: _all_alive(children))
            if any(shared.engagement):
                _wait(children, reporter)  # they stand down too, writing nothing
                return None
            reporter(report.error_count)
            forget_engaged_time(pipeline)
            first = _import_own_part(store, pipeline, merged(runs_of(scratch, 0), scratch), report, reporter)
        except BaseException as exc:
            shared.abort.value = 1
            codes = _wait(children, reporter)
            if isinstance(exc, ImportWorkerError):  # a child stopped: raise its own error
                for part, code in zip(parts, codes, strict=True):
                    _load_result(part, code)
            raise
        codes = _wait(children, reporter)
        results = [first, *(_load_result(part, code) for part, code in zip(parts, codes, strict=True))]
        return _merge(store, parts, results)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _fork(job: Callable[[], Any], part: Path) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        ingest_store._random_part.reset()  # random bits of its own (ids also differ by time: workers own other days)
        _write_result(part, {"value": job()})
        code = 0
    except BaseException:  # noqa: BLE001 - reported to the parent through the result file
        _write_result(part, {"error": traceback.format_exc()})
    finally:
        os._exit(code)  # never run the parent's atexit handlers or close its database


def _all_alive(pids: list[int]) -> bool:
    """True while no child has ended; WNOWAIT leaves an ended one for `_wait` to collect."""
    return all(os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None for pid in pids)


def _child(
    number: int,
    pipeline: Pipeline,
    partitioner: Partitioner,
    path: Path,
    shared: _Shared,
    scratch: Path,
    store: EventStore,
    part: Path,
    parent: int,
) -> tuple[ImportReport, list] | None:
    """A forked worker: place its share, wait for the others, import its lines into its own part of the store."""
    nowhere = _NoDatabase()
    pipeline.db = pipeline.sites.db = pipeline.salts.db = pipeline.goals.db = pipeline.engagements.db = nowhere
    pipeline.store = nowhere  # type: ignore[assignment]
    report = ImportReport()
    partitioner.place(number, path, shared, Spiller(lambda: scratch, f"run{number}", partitioner.workers), report)
    shared.placed[number] = 1
    shared.wait_until_placed(lambda: os.getppid() == parent)
    if any(shared.engagement):
        return None
    shared.done[number] += report.error_count
    forget_engaged_time(pipeline)
    pipeline.claims = []

    def advance(done: int) -> None:
        if shared.stopped():
            raise ImportWorkerError("stopped: the importing process failed")
        shared.done[number] += done

    own = store.open_import_part(part)
    try:
        writer = BatchWriter(own.write_batch)
        try:
            run_pipeline(pipeline, to_events(merged(runs_of(scratch, number), scratch)), report, writer.put, advance)
        finally:
            writer.close()
    finally:
        own.close()
    return report, pipeline.claims


def _import_own_part(
    store: EventStore, pipeline: Pipeline, records: Iterator[Record], report: ImportReport, progress: _Progress
) -> tuple[ImportReport, list]:
    """Worker 0, in this process: its lines through the pipeline, straight into the database."""
    pipeline.claims = []
    writer = BatchWriter(store.write_batch)
    try:
        run_pipeline(pipeline, to_events(records), report, writer.put, progress)
    finally:
        writer.close()
    return report, pipeline.claims


class _Progress:
    """One progress bar for all workers: this process's own count plus the children's."""

    def __init__(self, progress: Callable[[int], None] | None, shared: _Shared):
        self.progress = progress
        self.shared = shared
        self.shown = 0

    def __call__(self, done: int = 0) -> None:
        self.shared.done[0] += done
        total = sum(self.shared.done)
        if self.progress and total > self.shown:
            self.progress(total - self.shown)
            self.shown = total


def _write_result(part: Path, result: dict) -> None:
    with part.with_suffix(".result").open("wb") as fh:
        pickle.dump(result, fh)


def _load_result(part: Path, exit_code: int) -> Any:
    try:
        with part.with_suffix(".result").open("rb") as fh:
            outcome = pickle.load(fh)  # noqa: S301 - our own worker's file, in our own scratch directory
    except FileNotFoundError:
        outcome = {"error": f"import worker exited with status {exit_code} and no report"}
    if "error" in outcome:
        raise ImportWorkerError(outcome["error"].strip().splitlines()[-1])
    return outcome["value"]


def _wait(pids: list[int], progress: _Progress) -> list[int]:
    """Exit codes in the order of `pids`, feeding the progress bar meanwhile."""
    codes: dict[int, int] = {}
    while len(codes) < len(pids):
        for pid in pids:
            if pid not in codes:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    codes[pid] = os.waitstatus_to_exitcode(status)
        progress()
        if len(codes) < len(pids):
            time.sleep(POLL_SECONDS)
    progress()
    return [codes[pid] for pid in pids]


def _merge(store: EventStore, parts: list[Path], results: list[tuple[ImportReport, list]]) -> ImportReport:
    """Drop cross-worker duplicate purchases, then copy the children's parts in, in one transaction."""
    report = ImportReport()
    for part_report, _ in results:
        report.add(part_report)
    losers = _later_duplicates([claims for _, claims in results])
    if losers:
        report.accepted -= len(losers)
        report.dropped["duplicate-transaction"] += len(losers)
    store.merge_import_parts(parts, losers)
    return report


def _later_duplicates(claims_per_worker: list[list[tuple[str, str, datetime, str]]]) -> list[str]:
    """Event ids of purchases whose (site, transaction id) another worker kept earlier."""
    first: dict[tuple[str, str], tuple[datetime, str]] = {}
    losers: list[str] = []
    for claims in claims_per_worker:
        for site_id, transaction_id, ts, event_id in claims:
            key = (site_id, transaction_id)
            kept = first.get(key)
            if kept is None:
                first[key] = (ts, event_id)
            elif ts < kept[0]:
                losers.append(kept[1])
                first[key] = (ts, event_id)
            else:
                losers.append(event_id)
    return losers
