"""The one writer: a write-ahead spool file plus batched commits, so a 202 is a promise kept.

`submit` appends the event's rows to the current spool segment (one JSON line, written
to the OS before the request is answered, so a kill -9 of the process cannot lose it)
and queues them. A background thread commits everything queued in one DuckDB
transaction every `interval` seconds, then deletes the segment it just made redundant.
At start, segments left over by a crash are replayed; inserts skip ids already present
and engagement updates carry absolute totals, so replaying twice changes nothing.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from datetime import datetime
from pathlib import Path

from clearanalytics.db import Database
from clearanalytics.ingest.store import TABLES, Records, write_records

log = logging.getLogger(__name__)

SPOOL_DIR_NAME = "spool"


def _encode(records: Records) -> str:
    """One JSON line; created_at (always the last column) as ISO text, so json stays on its C path."""
    doc: dict = {t: [(*row[:-1], row[-1].isoformat()) for row in rows] for t, rows in records.rows.items() if rows}
    if records.updates:
        doc["updates"] = records.updates
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def _decode(line: str) -> Records:
    doc = json.loads(line)
    records = Records()
    for table in TABLES:
        for row in doc.get(table, ()):
            row[-1] = datetime.fromisoformat(row[-1])
            records.rows[table].append(tuple(row))
    records.updates.extend(tuple(u) for u in doc.get("updates", ()))
    return records


class Writer:
    def __init__(self, db: Database, spool_dir: Path, interval: float = 0.25, max_pending: int = 20_000):
        self.db = db
        self.spool_dir = Path(spool_dir)
        self.interval = interval
        self.max_pending = max_pending
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
        self._failed: list[tuple[Records, int, Path | None]] = []
        self.committed = 0
        self.last_commit = time.time()  # for /metrics: the writer's lag while events wait

    # -- lifecycle --

    def start(self) -> int:
        """Replay leftover segments, open a fresh one, start the commit thread; returns events replayed."""
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        replayed = self.replay()
        self._open_segment()
        self._thread = threading.Thread(target=self._run, name="clearanalytics-writer", daemon=True)
        self._thread.start()
        return replayed

    def close(self) -> None:
        """Flush what is queued and stop; safe to call twice."""
        if self._stopping:
            return
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.flush()
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
                if self._segment is not None and self._segment.exists() and self._segment.stat().st_size == 0:
                    self._segment.unlink()

    @property
    def pending_events(self) -> int:
        """Events spooled and queued but not yet committed (for /metrics)."""
        return self._count + sum(count for _, count, _ in self._failed)

    # -- the request side --

    def submit(self, records: Records) -> None:
        """Durably note the rows in the spool, then queue them for the next commit."""
        line = _encode(records).encode("utf-8")
        with self._lock:
            if self._fd is None:
                raise RuntimeError("the ingest writer is closed")
            os.write(self._fd, line)  # one unbuffered write: in the OS before we answer
            self._pending.extend(records)
            self._count += 1
            if self._count >= self.max_pending:
                self._wake.set()

    # -- the commit side --

    def flush(self) -> int:
        """Commit everything queued so far; returns how many events were committed."""
        with self._flush_lock:
            retried = self._retry_failed()
            with self._lock:
                if not self._count:
                    return retried
                batch, count, segment = self._pending, self._count, self._segment
                self._pending, self._count = Records(), 0
                if self._fd is not None:
                    os.close(self._fd)
                    self._open_segment()
            try:
                with self.db.transaction() as cur:
                    write_records(cur, batch)
            except Exception:
                # The rows stay in their segment; the next flush (or the next start) retries them.
                log.exception("ingest batch of %d events failed; kept in %s", count, segment)
                self._failed.append((batch, count, segment))
                return retried
            if segment is not None:
                segment.unlink(missing_ok=True)
            self.committed += count
            self.last_commit = time.time()
            return retried + count

    def _retry_failed(self) -> int:
        """Batches whose commit failed, tried again (idempotently: some rows may have landed)."""
        done = 0
        while self._failed:
            batch, count, segment = self._failed[0]
            try:
                with self.db.transaction() as cur:
                    write_records(cur, batch, idempotent=True)
            except Exception:
                log.exception("retrying an ingest batch of %d events failed again", count)
                break
            self._failed.pop(0)
            if segment is not None:
                segment.unlink(missing_ok=True)
            self.committed += count
            done += count
        return done

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # never let the writer thread die
                log.exception("ingest writer flush failed")

    def _open_segment(self) -> None:
        self._segment_no += 1
        self._segment = self.spool_dir / f"{datetime.now():%Y%m%d%H%M%S%f}-{os.getpid()}-{self._segment_no:06d}.jsonl"
        self._fd = os.open(self._segment, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def replay(self) -> int:
        """Commit the rows of segments a crashed process left behind, then delete them."""
        segments = sorted(self.spool_dir.glob("*.jsonl"))
        total = 0
        for segment in segments:
            records, events = Records(), 0
            with segment.open(encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    try:
                        records.extend(_decode(line))
                        events += 1
                    except (ValueError, TypeError, KeyError, IndexError):
                        continue  # a torn last line was never answered 202
            if events:
                with self.db.transaction() as cur:
                    write_records(cur, records, idempotent=True)
            segment.unlink()
            total += events
        if total:
            log.warning("replayed %d spooled events from %s", total, self.spool_dir)
        return total
