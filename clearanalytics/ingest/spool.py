"""The spool's format: one JSON line per accepted event, in segment files replayed after a crash.

A line is the event's rows per table (created_at as ISO text) plus engagement updates.
Replaying is idempotent (inserts skip ids already present, updates carry absolute
totals), so a segment committed just before a crash can be replayed again safely.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

from clearanalytics.db import Database
from clearanalytics.ingest.store import TABLES, Records
from clearanalytics.storage import EventStore, store_of

log = logging.getLogger(__name__)


def encode(records: Records) -> str:
    """One JSON line; created_at (always the last column) as ISO text, so json stays on its C path."""
    doc: dict = {t: [(*row[:-1], row[-1].isoformat()) for row in rows] for t, rows in records.rows.items() if rows}
    if records.updates:
        doc["updates"] = records.updates
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def decode(line: str) -> Records:
    doc = json.loads(line)
    records = Records()
    for table in TABLES:
        for row in doc.get(table, ()):
            row[-1] = datetime.fromisoformat(row[-1])
            records.rows[table].append(tuple(row))
    records.updates.extend(tuple(u) for u in doc.get("updates", ()))
    return records


def unlink(segments: list[Path]) -> None:
    """Segments whose every line is committed: no longer needed for a replay."""
    for segment in segments:
        segment.unlink(missing_ok=True)


def replay(db: Database | EventStore, spool_dir: Path) -> int:
    """Commit the rows of segments a crashed process left behind, then delete them; returns events replayed."""
    store = store_of(db)
    segments = sorted(spool_dir.glob("*.jsonl"))
    total = 0
    for segment in segments:
        records, events = Records(), 0
        with segment.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    records.extend(decode(line))
                    events += 1
                except (ValueError, TypeError, KeyError, IndexError):
                    continue  # a torn last line was never answered 202
        if events:
            store.write_batch(records, idempotent=True)
        segment.unlink()
        total += events
    if total:
        log.warning("replayed %d spooled events from %s", total, spool_dir)
    return total
