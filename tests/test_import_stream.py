"""`clearanalytics import` in bounded memory: sorted runs on disk, merged back in time order.

The sizes of the runs are lowered so that a small file spills many runs and needs a merge of
merges; what is stored must then be exactly what an in-memory sort stores. The memory bound
is asserted on an instrumented count of the lines held at once, never on time or RSS.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from clearanalytics.db import Database
from clearanalytics.demo import generate
from clearanalytics.ingest import import_spill, importer
from clearanalytics.ingest.import_spill import Held
from clearanalytics.ingest.importer import MAX_REPORTED_ERRORS, import_file
from tests.conftest import cli_env, make_account
from tests.ingest_helpers import CHROME, query_rows
from tests.test_ingest_import_workers import NOW, _canonical, _data_dir, _lines, _write

CHUNK, BLOCK, FAN_IN = 60, 8, 3
TABLES = ("pageviews", "events", "ecommerce_events", "goal_completions")


@pytest.fixture
def small_runs(monkeypatch) -> Held:
    """Runs of a few hundred lines, so a few thousand make many runs and a merge of merges."""
    monkeypatch.setattr(import_spill, "CHUNK_LINES", CHUNK)
    monkeypatch.setattr(import_spill, "BLOCK_LINES", BLOCK)
    monkeypatch.setattr(import_spill, "MAX_FAN_IN", FAN_IN)
    monkeypatch.setattr(importer, "PARALLEL_MIN_LINES", 0)
    held = Held()
    monkeypatch.setattr(import_spill, "HELD", held)
    return held


def _shuffled(tmp_path: Path) -> tuple[Path, list[str]]:
    lines = _lines()
    random.Random(7).shuffle(lines)
    path = tmp_path / "shuffled.jsonl"
    _write(path, lines)
    return path, lines


def _import(data_dir: Path, path: Path, workers: int, progress=None) -> importer.ImportReport:
    db = Database.in_data_dir(data_dir)
    try:
        return import_file(db, path, workers=workers, progress=progress)
    finally:
        db.close()


def _counts(data_dir: Path) -> dict[str, int]:
    return {table: query_rows(data_dir, f"SELECT count(*) FROM {table}")[0][0] for table in TABLES}


def _bad_line_numbers(lines: list[str]) -> list[int]:
    """The lines _lines() makes bad, found by their text, numbered as in the shuffled file."""

    def bad(line: str) -> bool:
        return (
            line.startswith(("{not json", "["))
            or any(mark in line for mark in ('"ftp://', '"yesterday"'))
            or ('"timestamp"' not in line and bool(line.strip()))
        )

    return [number for number, line in enumerate(lines, 1) if bad(line)]


def test_shuffled_days_spilled_in_runs_store_exactly_what_an_in_memory_sort_stores(tmp_path, monkeypatch):
    path, lines = _shuffled(tmp_path)
    assert len(lines) > 10 * CHUNK
    memory_dir = _data_dir(tmp_path, "memory")
    in_memory = _import(memory_dir, path, workers=1)  # default chunk: the whole file sorted in memory

    held = Held()
    monkeypatch.setattr(import_spill, "HELD", held)
    monkeypatch.setattr(import_spill, "CHUNK_LINES", CHUNK)
    monkeypatch.setattr(import_spill, "BLOCK_LINES", BLOCK)
    monkeypatch.setattr(import_spill, "MAX_FAN_IN", FAN_IN)
    monkeypatch.setattr(importer, "PARALLEL_MIN_LINES", 0)
    written: list[Path] = []
    real_write = import_spill.write_run
    monkeypatch.setattr(import_spill, "write_run", lambda p, records: written.append(p) or real_write(p, records))
    spilled_dir, workers_dir = _data_dir(tmp_path, "spilled"), _data_dir(tmp_path, "workers")
    spilled_steps: list[int] = []
    workers_steps: list[int] = []
    spilled = _import(spilled_dir, path, workers=1, progress=spilled_steps.append)
    assert sum(p.name.startswith("merged-") for p in written) >= 2  # runs, then merges of runs, really happened
    workers = _import(workers_dir, path, workers=2, progress=workers_steps.append)
    non_blank = sum(1 for line in lines if line.strip())
    assert sum(spilled_steps) == sum(workers_steps) == non_blank  # the progress bar ends full, each line once

    expected_errors = _bad_line_numbers(lines)
    assert len(expected_errors) == 5
    assert [number for number, _, _ in in_memory.errors] == expected_errors
    for report in (spilled, workers):
        assert (report.accepted, dict(report.dropped), report.errors) == (
            in_memory.accepted,
            dict(in_memory.dropped),
            in_memory.errors,
        )
    assert dict(in_memory.dropped) == {"bot": 1, "duplicate-transaction": 2, "unknown-domain": 1}
    counts = _counts(memory_dir)
    assert counts["pageviews"] + counts["events"] + counts["ecommerce_events"] == in_memory.accepted
    assert _counts(spilled_dir) == _counts(workers_dir) == counts
    assert _canonical(spilled_dir) == _canonical(memory_dir)
    assert _canonical(workers_dir) == _canonical(memory_dir)
    for data_dir in (memory_dir, spilled_dir, workers_dir):
        assert not list(data_dir.glob(".import-*"))


def test_the_lines_held_at_once_stay_under_the_bound_whatever_the_file_size(tmp_path, small_runs):
    bound = CHUNK + (FAN_IN + 1) * BLOCK
    docs = list(generate("example.com", days=30, visits_per_day=60, seed=11, now=NOW))
    random.Random(3).shuffle(docs)
    path = tmp_path / "events.jsonl"
    _write(path, [json.dumps(d) for d in docs])
    assert len(docs) > 10 * bound
    data_dir = _data_dir(tmp_path, "data")
    report = _import(data_dir, path, workers=1)
    assert report.accepted + sum(report.dropped.values()) + report.error_count == len(docs)
    assert report.accepted == sum(_counts(data_dir).values()) - _counts(data_dir)["goal_completions"]
    assert 0 < small_runs.peak <= bound  # the old importer held all of them: len(docs)
    assert small_runs.now == 0


def test_the_first_bad_lines_by_number_are_listed_whatever_order_they_fail_in(tmp_path):
    """Pipeline errors come in time order; the report still lists the lowest line numbers."""
    count = MAX_REPORTED_ERRORS + 500
    start = NOW - timedelta(days=3)
    lines = [
        json.dumps(
            {
                "name": "pageview",
                "url": "ftp://example.com/x",
                "domain": "example.com",
                "ip": "198.51.100.7",
                "user_agent": CHROME,
                "timestamp": (start - timedelta(seconds=i)).isoformat(),
            }
        )
        for i in range(count)
    ]  # fmt: skip  (later lines are earlier in time, so they fail first)
    path = tmp_path / "bad.jsonl"
    _write(path, lines)
    report = _import(_data_dir(tmp_path, "data"), path, workers=1)
    assert report.error_count == count
    assert [number for number, _, _ in report.errors] == list(range(1, MAX_REPORTED_ERRORS + 1))


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to see the import's workers")
@pytest.mark.parametrize(("signum", "workers"), [(signal.SIGINT, 1), (signal.SIGTERM, 1), (signal.SIGTERM, 2)])
def test_a_killed_import_leaves_no_scratch_files_and_a_usable_database(tmp_path, signum, workers):
    """Stopped while it spills or runs: scratch dir removed, workers gone, the database unlocked.

    Batches the importing process had already committed stay (docs/TRACKING.md says so); the
    workers' rows are only copied in at the end, in one transaction, so none of theirs do.
    """
    docs = list(generate("example.com", days=90, visits_per_day=700, seed=5, now=NOW))
    assert len(docs) > 2 * import_spill.CHUNK_LINES  # the one-process import spills runs too
    path = tmp_path / "big.jsonl"
    _write(path, [json.dumps(d) for d in docs])
    data_dir = make_account(tmp_path / "data").data_dir
    proc = subprocess.Popen(
        [sys.executable, "-m", "clearanalytics", "import", "--data-dir", str(data_dir), "--workers", str(workers),
         str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(),
    )  # fmt: skip
    try:
        while proc.poll() is None and not list(data_dir.glob(".import-*/*.run")):
            time.sleep(0.005)
        assert proc.poll() is None, "the import ended before it spilled its first run"
        children = _children(proc.pid)
        assert len(children) == workers - 1
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == "Aborted!"
    assert not list(data_dir.glob(".import-*"))
    for child in children:  # reaped by the importing process before it exited
        assert not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]
    db = Database.in_data_dir(data_dir)  # not left locked
    try:
        with db.reading() as cur:
            stored = cur.execute("SELECT count(*) FROM pageviews").fetchone()[0]
    finally:
        db.close()
    assert stored < sum(1 for d in docs if d.get("name", d.get("n")) == "pageview")


def test_the_import_command_caps_duckdb_memory_for_its_run_only(tmp_path):
    data_dir = make_account(tmp_path / "data").data_dir
    db = Database.in_data_dir(data_dir, memory_limit="256MB")
    try:
        with db.reading() as cur:
            before = cur.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        with importer.cache_capped(db), db.reading() as cur:
            during = cur.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        with db.reading() as cur:
            after = cur.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        with importer.cache_capped(db, limit=2**40), db.reading() as cur:  # a lower limit is left alone
            untouched = cur.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    finally:
        db.close()
    assert (before, during) == ("244.1 MiB", "32.0 MiB")
    assert after in ("244.0 MiB", "244.1 MiB")  # put back to within the 0.1 MiB DuckDB shows it in
    assert untouched == after
