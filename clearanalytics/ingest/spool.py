"""The spool's format: one JSON line per accepted event, in segment files replayed after a crash.

A line is the event's rows per table (created_at as ISO text) plus engagement updates.
Replaying is idempotent (inserts skip ids already present, updates carry absolute
totals), so a segment committed just before a crash can be replayed again safely. Torn
bytes (a write the disk refused part of) are skipped, and a whole line glued after them
still replays.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

from clearanalytics.db import Database
from clearanalytics.ingest.store import COLUMNS, TABLES, Records
from clearanalytics.storage import EventStore, store_of

log = logging.getLogger(__name__)
_PAGEVIEW_WIDTH_BEFORE_M010 = len(COLUMNS["pageviews"]) - 3


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
            if table == "pageviews" and len(row) == _PAGEVIEW_WIDTH_BEFORE_M010:  # spooled before an upgrade
                row[-1:-1] = (None, None, None)  # unknown location (country_code, region, city)
            records.rows[table].append(tuple(row))
    records.updates.extend(tuple(u) for u in doc.get("updates", ()))
    return records


def decode_whole(line: str) -> Records | None:
    """The one whole line in `line`, or None when it holds only a torn one (never answered 202).

    A line the disk refused part of is normally cut off again; when that fails, or the disk
    itself mangled a block, the next line can follow the torn bytes with no newline between.
    Every line starts with `{"` and json escapes every quote inside strings, so the whole line
    is the one suffix starting at a `{"` that parses; the torn bytes before it are dropped.
    """
    start = 0
    while start != -1:
        try:
            records = decode(line[start:])
            if records.updates or any(records.rows.values()):  # every line submitted holds a row or an update
                return records
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            pass
        start = line.find('{"', start + 1)
    return None


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
                whole = decode_whole(line)
                if whole is not None:
                    records.extend(whole)
                    events += 1
        if events:
            store.write_batch(records, idempotent=True)
        segment.unlink()
        total += events
    if total:
        log.warning("replayed %d spooled events from %s", total, spool_dir)
    return total
