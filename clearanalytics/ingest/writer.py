"""The one writer: a write-ahead spool file plus batched commits, so a 202 is a promise kept.

`submit` appends the event's rows to the current spool segment (one JSON line, written
whole to the OS before the request is answered, so a kill -9 of the process cannot lose
it) and queues them. With `fsync="batch"` the line is also on the disk itself before the
202 (so an OS crash or power cut cannot lose it). Concurrent submitters share one write
and one fdatasync (spool_rounds.py): no lock is held across either, which releases the GIL.
A background thread commits everything queued in one DuckDB transaction
(EventStore.write_batch) every `interval` seconds, then deletes the segment it just made redundant.
At start, segments left over by a crash are replayed; inserts skip ids already present
and engagement updates carry absolute totals, so replaying twice changes nothing.

When the disk is full the line cannot be written whole: the torn tail is cut off again
(so the next line does not glue onto it) and `Unavailable` is raised, which the route
answers with 503. A failed commit keeps its batch (and segment) to retry; a database
that DuckDB invalidated (a checkpoint that failed for lack of space) is reopened in
process, so the server recovers by itself once space is freed.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from clearanalytics.db import Database
from clearanalytics.health import Health, ThrottledLog, Unavailable, describe
from clearanalytics.ingest.spool import encode, replay, unlink
from clearanalytics.ingest.spool_rounds import QueuedLine, SpoolRounds
from clearanalytics.ingest.store import Records
from clearanalytics.storage import EventStore, store_of

log = logging.getLogger(__name__)

SPOOL_DIR_NAME = "spool"
FSYNC_MODES = ("batch", "off")
MAX_BACKLOG = 200_000  # events whose commit failed, held for retry; beyond this ingest answers 503
_REOPEN_EVERY = 1.0  # seconds between attempts to reopen an invalidated database
_PROBE_BYTES = 64 * 1024  # written (then removed) to learn whether a full spool disk has room again


class Writer(SpoolRounds):
    def __init__(
        self,
        db: Database,
        spool_dir: Path,
        interval: float = 0.25,
        max_pending: int = 20_000,
        fsync: str = "off",
        health: Health | None = None,
        store: EventStore | None = None,
    ):
        if fsync not in FSYNC_MODES:
            raise ValueError(f"fsync must be one of {', '.join(FSYNC_MODES)}: {fsync!r}")
        self.db = db
        self.store = store or store_of(db)  # every commit goes through the storage seam
        self.spool_dir = Path(spool_dir)
        self.interval = interval
        self.max_pending = max_pending
        self.fsync = fsync
        self.health = health or Health()
        self.errors = ThrottledLog(log)
        self._pending = Records()
        self._count = 0
        self._queue: list[QueuedLine] = []  # submitted lines waiting for the next write round
        self._writing: object | None = None  # a write round (or rotation) runs: _BUSY, or the Event it sets at the end
        self._lock = threading.Lock()  # guards pending + the open segment
        self._flush_lock = threading.Lock()  # one flush at a time
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._segment_no = 0
        self._segment: Path | None = None
        self._fd: int | None = None
        self._size = 0  # bytes of whole lines in the open segment
        self._torn = False  # the open segment ends in a partial line that could not be cut off
        self._written = 0  # lines written so far (a sequence number per submit)
        self._synced = 0  # lines known to be on disk
        self._sync_failed_upto = 0  # lines whose fdatasync failed: their submitters answer 503
        self._round_done: threading.Event | None = None  # set when the running fdatasync round ends
        self._round_lock = threading.Lock()  # elects a round's leader; held only for a few attribute reads
        self._generation = 0  # segment rotations so far (under _lock)
        self._unsynced_fds: list[int] = []  # rotated segments still to fdatasync (fsync=batch), then close
        self._segments: list[Path] = []  # the segments holding the pending lines, the open one last
        self._failed: list[tuple[Records, int, list[Path]]] = []
        self._failed_events = 0
        self._reopen_at = 0.0
        self.committed = 0
        self.last_commit = time.time()  # for /metrics: the writer's lag while events wait
        self.fsyncs = 0

    # -- lifecycle --

    def start(self) -> int:
        """Replay leftover segments, open a fresh one, start the commit thread; returns events replayed."""
        self.spool_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.spool_dir.chmod(0o700)
        replayed = self.replay()
        self._open_segment()
        self._thread = threading.Thread(target=self._run, name="clearanalytics-writer", daemon=True)
        self._thread.start()
        return replayed

    def close(self) -> None:
        """Refuse new events, commit everything accepted, and stop; safe to call twice."""
        if self._stopping:
            return
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._claim()  # a write round in progress ends first; lines queued after it answer 503
        final_round = threading.Event()
        while True:  # wait for a running fdatasync round, then lead the last one: no fd closes under a sync
            with self._round_lock, self._lock:
                running = self._round_done
                if running is None:
                    self._round_done = final_round
                    fds = self._unsynced_fds + ([self._fd] if self._fd is not None else [])
                    self._fd, self._unsynced_fds = None, []  # from here on submit answers 503
                    break
            running.wait()
        try:
            if self.fsync == "batch":
                self._fdatasync_all(fds)
        except Unavailable:
            pass  # the flush below commits these lines to the database, which syncs its own log
        finally:
            for fd in fds:
                os.close(fd)
            with self._round_lock:
                self._synced, self._round_done = self._written, None
            final_round.set()
            self._release()
        self.flush()
        if self._segment is not None and self._segment.exists() and self._segment.stat().st_size == 0:
            self._segment.unlink()

    @property
    def pending_events(self) -> int:
        """Events spooled and queued but not yet committed (for /metrics)."""
        return self._count + sum(count for _, count, _ in self._failed)

    # -- the request side --

    def submit(self, records: Records) -> None:
        """Durably note the rows in the spool, then queue them; raises Unavailable when that is impossible."""
        line = QueuedLine(encode(records).encode("utf-8"), records)
        with self._lock:
            if self._fd is None:
                raise Unavailable("the server is shutting down")
            if self._failed_events + self._count >= MAX_BACKLOG:
                raise Unavailable(self.health.cause or "the database is not accepting writes")
            self._queue.append(line)
            batch = self._lead_if_free()
        self._write(line, batch)
        if self.fsync == "batch":
            self._sync(line.seq)

    # -- the commit side --

    def flush(self) -> int:
        """Commit everything queued so far; returns how many events were committed."""
        with self._flush_lock:
            if not self._reopen_if_needed():
                return 0
            retried = self._retry_failed()
            with self._lock:
                if not self._count:
                    return retried
            self._claim()  # no write round runs while the segment turns over
            try:
                taken = self._rotate()
            finally:
                self._release()
            if taken is None:
                return retried
            batch, count, segments = taken
            if not self._commit(batch, count):
                self._failed.append((batch, count, segments))
                self._failed_events += count
                return retried
            unlink(segments)
            self.committed += count
            self.last_commit = time.time()
            return retried + count

    def _rotate(self) -> tuple[Records, int, list[Path]] | None:
        """Start a new segment and take the rows queued so far with the segments that hold them.

        The caller holds off write rounds, so every row queued is in a segment taken here. The
        file is created and the old one closed outside the writer lock: both release the GIL,
        and a lock held meanwhile would stall every submitter.
        """
        created = None
        if self._fd is not None:  # only the round holder (us) or close (which claims it too) changes _fd
            try:
                created = self._create_segment()
            except OSError as exc:  # keep appending to the old segment; commit it next time
                self.errors.error("segment", "cannot open a new spool segment", exc)
                return None
        to_close = None
        with self._lock:
            if created is not None:
                old = self._fd
                self._install_segment(*created)
                to_close = self._retire(old, close=False)
                segments, self._segments = self._segments[:-1], self._segments[-1:]
            else:
                segments, self._segments = self._segments, []
            batch, count = self._pending, self._count
            self._pending, self._count = Records(), 0
        if to_close is not None:
            os.close(to_close)
        return batch, count, segments

    def _commit(self, batch: Records, count: int, idempotent: bool = False) -> bool:
        """One transaction; False (the rows stay in their segment) when the database refused it."""
        try:
            self.store.write_batch(batch, idempotent=idempotent)
        except Exception as exc:
            self.health.fail("database", describe(exc))
            self.errors.error("commit", f"ingest batch of {count} events not committed; kept to retry", exc)
            if self.store.needs_reopen(exc):
                self._reopen_at = 0.0 if not self.health.failing("reopen") else self._reopen_at
                self.health.fail("reopen", describe(exc))
            return False
        self.health.ok("database")
        return True

    def note_database_error(self, exc: BaseException) -> None:
        """A reader (e.g. /healthz) met a database error: name it, and reopen the database if DuckDB needs it."""
        self.health.fail("database", describe(exc))
        if self.store.needs_reopen(exc) and not self.health.failing("reopen"):
            self.health.fail("reopen", describe(exc))
            self._reopen_at = 0.0
            self._wake.set()

    def database_probed_ok(self) -> None:
        """A reader's statement worked: a cause noted by a reader alone (no batch waiting) is over."""
        if not self._failed and not self.health.failing("reopen"):
            self.health.ok("database")

    def _reopen_if_needed(self) -> bool:
        """Reopen an invalidated database (at most once a second); False while it stays unusable."""
        if not self.health.failing("reopen"):
            return True
        now = time.monotonic()
        if now < self._reopen_at:
            return False
        self._reopen_at = now + _REOPEN_EVERY
        try:
            self.store.reopen()
        except Exception as exc:
            self.health.fail("database", describe(exc))
            self.errors.error("reopen", "reopening the database failed; will retry", exc)
            return False
        log.warning("the database was reopened after a fatal error")
        self.health.ok("reopen")
        self.health.ok("database")
        return True

    def _retry_failed(self) -> int:
        """Batches whose commit failed, tried again (idempotently: some rows may have landed)."""
        done = 0
        while self._failed:
            batch, count, segments = self._failed[0]
            if not self._commit(batch, count, idempotent=True):
                break
            self._failed.pop(0)
            self._failed_events -= count
            unlink(segments)
            self.committed += count
            done += count
        return done

    def _probe_spool(self) -> None:
        """After a failed spool write, learn without traffic whether the disk has room again (for /healthz)."""
        probe = self.spool_dir / ".probe"
        try:
            with probe.open("wb") as fh:
                fh.write(b"\0" * _PROBE_BYTES)
                fh.flush()
        except OSError:
            return
        finally:
            probe.unlink(missing_ok=True)
        self.health.ok("spool")

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                if self.health.failing("spool"):
                    self._probe_spool()
                self.flush()
            except Exception as exc:  # never let the writer thread die
                self.errors.error("flush", "ingest writer flush failed", exc)

    def replay(self) -> int:
        """Commit the rows of segments a crashed process left behind, then delete them."""
        return replay(self.store, self.spool_dir)
