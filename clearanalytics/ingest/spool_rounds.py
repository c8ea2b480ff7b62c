"""The request side of the ingest writer: group writes and group fdatasyncs to the open spool segment.

Every accepted event is one JSON line in the open segment before its 202. Many request
threads submit at once, so writes and fdatasyncs are shared: whoever finds no round running
leads one for everyone queued, and the others wait for it (an Event, so all wake at once).
Rounds are elected under locks that are never held across a call that releases the GIL: a
thread holding a lock while it waits to win the GIL back stalls every other submitter. Only
one thread writes to a segment at a time, so a write the disk refused is cut off whole, and
a segment is rotated or closed only between write rounds (`_claim`).

`SpoolRounds` is Writer's base class and works on Writer's state (writer.py sets it up and
owns the commit side); it is split out to keep each module small.
"""

from __future__ import annotations

import errno
import os
import threading
from datetime import datetime
from pathlib import Path

from clearanalytics.health import Unavailable, describe
from clearanalytics.ingest.store import Records

_BUSY = object()  # the value of Writer._writing while a round runs that nobody waits for yet


class QueuedLine:
    """One submit's spool line on its way to the file; `seq` numbers it once written (for fdatasync)."""

    __slots__ = ("data", "records", "done", "error", "seq")

    def __init__(self, data: bytes, records: Records):
        self.data, self.records = data, records
        self.done, self.error, self.seq = False, None, 0


class SpoolRounds:
    """Write and fdatasync rounds over Writer's spool state (see the module docstring)."""

    def _write(self, line: QueuedLine, batch: list[QueuedLine] | None) -> None:
        """Return once `line` is written whole (raise Unavailable if it cannot be), sharing one write with others.

        Group write, like the fdatasync rounds below: the first submitter to find no write running
        leads a round (`batch`, elected by `_lead_if_free` when the line was queued), writing every
        queued line in one os.write while the others queue theirs and wait for the round to end.
        No lock is held across the write (it releases the GIL: a thread holding a lock while it
        waits for the GIL back stalls every submitter), yet only one thread writes at a time, so a
        failed write can still be cut off whole. A round nobody waits for costs no Event.
        """
        while not line.done:
            if batch is None:
                with self._lock:
                    if line.done:
                        break
                    batch = self._lead_if_free()
                    if batch is None:
                        running = self._waitable_round()
                if batch is None:
                    running.wait()
                    continue
            self._lead(batch)
            batch = None
        if line.error is not None:
            raise line.error

    def _lead_if_free(self) -> list[QueuedLine] | None:
        """Under the writer lock: start a write round with every queued line, or None if one is running."""
        if self._writing is not None:
            return None
        self._writing = _BUSY
        batch, self._queue = self._queue, []
        return batch

    def _waitable_round(self) -> threading.Event:
        """Under the writer lock: the Event the running round (or rotation) sets when it ends."""
        if self._writing is _BUSY:
            self._writing = threading.Event()
        return self._writing

    def _lead(self, batch: list[QueuedLine]) -> None:
        """Lead one round: write the batch's lines, then queue their rows and number them for fdatasync.

        The round holder alone writes, rotates or closes the segment, so `_fd` needs no lock here.
        """
        error: Unavailable | None = None
        try:
            if self._fd is None:
                raise Unavailable("the server is shutting down")
            if self._torn:
                with self._lock:
                    self._replace_torn_segment()
            self._append(b"".join(queued.data for queued in batch))
        except Unavailable as exc:
            error = exc
        except BaseException:
            error = Unavailable("the ingest spool write failed")  # never strand a submitter
            raise
        finally:
            with self._lock:  # numbered after the write: a fdatasync round that counts a line finds it in a file
                if error is None:
                    for queued in batch:
                        self._pending.extend(queued.records)
                        self._written += 1
                        queued.seq, queued.done = self._written, True
                    self._count += len(batch)
                    if self._count >= self.max_pending:
                        self._wake.set()
                else:
                    for queued in batch:
                        queued.error, queued.done = error, True
                running, self._writing = self._writing, None
            if running is not _BUSY:
                running.set()

    def _claim(self) -> None:
        """Hold off every write round (for a segment rotation or the close); give it back with `_release`."""
        while True:
            with self._lock:
                if self._writing is None:
                    self._writing = _BUSY
                    return
                running = self._waitable_round()
            running.wait()

    def _release(self) -> None:
        with self._lock:
            running, self._writing = self._writing, None
        if running is not _BUSY:
            running.set()

    def _append(self, data: bytes) -> None:
        """Write all the data (looping on short writes) or none of it: a torn tail is cut off again.

        Called only by the thread holding the write round, so `_fd` and `_size` stay put meanwhile.
        """
        start = self._size
        view = memoryview(data)
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

    def _retire(self, fd: int, close: bool = True) -> int | None:
        """A segment no longer written to: closed now (or by the caller, after it lets go of the writer lock,
        when `close` is False: the fd is returned), or after its lines are synced (fsync=batch)."""
        self._generation += 1
        if self.fsync == "batch":
            self._unsynced_fds.append(fd)
            return None
        if not close:
            return fd
        os.close(fd)
        return None

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

    def _open_segment(self) -> None:
        self._install_segment(*self._create_segment())

    def _create_segment(self) -> tuple[Path, int]:
        """A new, empty segment file (no lock needed: only the holder of the write round calls it)."""
        self._segment_no += 1
        path = self.spool_dir / f"{datetime.now():%Y%m%d%H%M%S%f}-{os.getpid()}-{self._segment_no:06d}.jsonl"
        return path, os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def _install_segment(self, path: Path, fd: int) -> None:
        self._fd, self._segment, self._size, self._torn = fd, path, 0, False
        self._segments.append(path)
