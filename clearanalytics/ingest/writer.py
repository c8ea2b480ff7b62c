"""The one writer: a write-ahead spool file plus batched commits, so a 202 is a promise kept.

`submit` appends the event's rows to the current spool segment (one JSON line, written
whole to the OS before the request is answered, so a kill -9 of the process cannot lose
it) and queues them. With `fsync="batch"` the line is also on the disk itself before the
202 (so an OS crash or power cut cannot lose it): concurrent submitters share one
fdatasync (group commit: whoever finds no sync running syncs everything written so far,
the others wait for it). A background thread commits everything queued in one DuckDB
transaction (EventStore.write_batch) every `interval` seconds, then deletes the segment it just made redundant.
At start, segments left over by a crash are replayed; inserts skip ids already present
and engagement updates carry absolute totals, so replaying twice changes nothing.

When the disk is full the line cannot be written whole: the torn tail is cut off again
(so the next line does not glue onto it) and `Unavailable` is raised, which the route
answers with 503. A failed commit keeps its batch (and segment) to retry; a database
that DuckDB invalidated (a checkpoint that failed for lack of space) is reopened in
process, so the server recovers by itself once space is freed.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from datetime import datetime
from pathlib import Path

from clearanalytics.db import Database
from clearanalytics.health import Health, ThrottledLog, Unavailable, describe
from clearanalytics.ingest.spool import encode, replay, unlink
from clearanalytics.ingest.store import Records
from clearanalytics.storage import EventStore, store_of

log = logging.getLogger(__name__)

SPOOL_DIR_NAME = "spool"
FSYNC_MODES = ("batch", "off")
MAX_BACKLOG = 200_000  # events whose commit failed, held for retry; beyond this ingest answers 503
_REOPEN_EVERY = 1.0  # seconds between attempts to reopen an invalidated database
_PROBE_BYTES = 64 * 1024  # written (then removed) to learn whether a full spool disk has room again


class Writer:
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
        line = encode(records).encode("utf-8")
        with self._lock:
            if self._fd is None:
                raise Unavailable("the server is shutting down")
            if self._failed_events + self._count >= MAX_BACKLOG:
                raise Unavailable(self.health.cause or "the database is not accepting writes")
            if self._torn:
                self._replace_torn_segment()
            self._append(line)
            self._pending.extend(records)
            self._count += 1
            self._written += 1
            seq = self._written
            if self._count >= self.max_pending:
                self._wake.set()
        if self.fsync == "batch":
            self._sync(seq)

    def _append(self, line: bytes) -> None:
        """Write the whole line (looping on short writes) or none of it: a torn tail is cut off again."""
        start = self._size
        view = memoryview(line)
        try:
            while view:
                written = os.write(self._fd, view)
                if written <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self._segment))
                view = view[written:]
                self._size += written
        except OSError as exc:
            if exc.filename is None:
                exc.filename = str(self._segment)
            self._cut_back(start)
            cause = describe(exc)
            self.health.fail("spool", cause)
            self.errors.error("spool", "cannot write to the ingest spool; answering 503", exc)
            raise Unavailable(cause) from exc
        if self.health.failing("spool"):
            self.health.ok("spool")

    def _cut_back(self, size: int) -> None:
        try:
            os.ftruncate(self._fd, size)
            self._size = size
        except OSError:
            self._torn = True  # replay skips the partial line; new lines go to a new segment

    def _replace_torn_segment(self) -> None:
        old = self._fd
        try:
            self._open_segment()
        except OSError as exc:
            self._fd = old
            raise Unavailable(describe(exc)) from exc
        self._torn = False
        self._retire(old)

    def _retire(self, fd: int) -> None:
        """A segment no longer written to: closed now, or after its lines are synced (fsync=batch)."""
        self._generation += 1
        if self.fsync == "batch":
            self._unsynced_fds.append(fd)
        else:
            os.close(fd)

    def _sync(self, seq: int) -> None:
        """Group commit: return once line `seq` is on disk, sharing one fdatasync with concurrent submitters.

        The first submitter to find no fdatasync running leads: it syncs every line written so
        far while later ones wait for its round to end (an Event, so all of them wake at once),
        then check again; one of those written during the round leads the next. Rounds are
        elected under their own lock, never held across a call that releases the GIL: a
        thread holding a lock while it waits for the GIL stalls every other submitter.
        """
        while self._synced < seq:
            with self._round_lock:
                if self._synced >= seq:
                    return
                if seq <= self._sync_failed_upto:
                    raise Unavailable("fdatasync of the ingest spool failed")  # its segment is closed unsynced
                round_done = self._round_done
                leader = round_done is None
                if leader:
                    round_done = self._round_done = threading.Event()
            if not leader:
                round_done.wait()
                continue
            try:
                self._lead_round()
            finally:
                with self._round_lock:
                    self._round_done = None
                round_done.set()

    def _lead_round(self) -> None:
        target, fds, retired = self._round_snapshot()
        try:
            self._fdatasync_all(fds)
        except Unavailable:
            with self._round_lock:
                self._sync_failed_upto = max(self._sync_failed_upto, target)
            raise
        finally:
            for fd in retired:
                os.close(fd)
        with self._round_lock:
            self._synced = max(self._synced, target)

    def _round_snapshot(self) -> tuple[int, list[int], list[int]]:
        """(lines written, fds holding any unsynced one, retired fds to close after), consistent.

        Without the writer lock when no segment was rotated meanwhile (nearly always): every
        line up to `_written` is then whole in the open segment or in one already synced.
        """
        generation = self._generation
        if not self._unsynced_fds:
            fd, target = self._fd, self._written
            if self._generation == generation and not self._unsynced_fds:
                return target, [] if fd is None else [fd], []
        with self._lock:
            retired, self._unsynced_fds = self._unsynced_fds, []
            return self._written, retired + ([] if self._fd is None else [self._fd]), retired

    def _fdatasync_all(self, fds: list[int]) -> None:
        try:
            for fd in fds:
                os.fdatasync(fd)
                self.fsyncs += 1
        except OSError as exc:
            cause = describe(exc)
            self.errors.error("fsync", "fdatasync of the ingest spool failed; answering 503", exc)
            raise Unavailable(cause) from exc

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
                if self._fd is not None:
                    old = self._fd
                    try:
                        self._open_segment()
                    except OSError as exc:  # keep appending to the old segment; commit it next time
                        self._fd = old
                        self.errors.error("segment", "cannot open a new spool segment", exc)
                        return retried
                    self._retire(old)
                    segments, self._segments = self._segments[:-1], self._segments[-1:]
                else:
                    segments, self._segments = self._segments, []
                batch, count = self._pending, self._count
                self._pending, self._count = Records(), 0
            if not self._commit(batch, count):
                self._failed.append((batch, count, segments))
                self._failed_events += count
                return retried
            unlink(segments)
            self.committed += count
            self.last_commit = time.time()
            return retried + count

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

    def _open_segment(self) -> None:
        self._segment_no += 1
        path = self.spool_dir / f"{datetime.now():%Y%m%d%H%M%S%f}-{os.getpid()}-{self._segment_no:06d}.jsonl"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._segment, self._size = path, 0
        self._segments.append(path)

    def replay(self) -> int:
        """Commit the rows of segments a crashed process left behind, then delete them."""
        return replay(self.store, self.spool_dir)
