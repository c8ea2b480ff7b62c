"""A full export of every pageview through the API, beside raw DuckDB writing the same rows to a file.

    python -m bench export --data-dir /tmp/ca-10m                       # the server at its defaults
    python -m bench export --data-dir /tmp/ca-10m --memory-limit 400MB  # CLEARANALYTICS_MEMORY_LIMIT

Starts `clearanalytics serve` on the benchmark data dir (at the server's default memory limit
unless --memory-limit is given) and walks GET /api/v1/export/pageviews page by page (10000
rows, cursor = last id, the body read in 1 MB pieces), sampling the server's resident memory
throughout. Reports the first page's time to first byte and to its last byte, the time per page,
rows per second and the peak RSS. The baseline, run first on the same file with the same memory
limit in a process of its own: DuckDB's COPY of the same rows to a JSON lines file, in storage
order (about id order: with ORDER BY id, DuckDB's sort of 10 M rows runs out of memory at 256MB
even with a temp directory to spill to).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import requests

from bench.results import Group
from bench.rss import PeakRss, rss_mb

RANGE = {"from": "2024-01-01", "to": "2026-12-31"}  # every generated pageview
PAGE = 10000

_BASELINE = """
import json, resource, sys, time
import duckdb
path, memory_limit, out, start, end = sys.argv[1:6]
con = duckdb.connect(path, read_only=True, config={"memory_limit": memory_limit})
con.execute("SET enable_progress_bar = false")
con.execute("SET temp_directory = ?", [out + ".tmp"])  # the sort spills there, as the server's would
started = time.perf_counter()
con.execute(
    "COPY (SELECT p.id, s.domain, p.* EXCLUDE (id, site_id) FROM pageviews p JOIN sites s ON s.id = p.site_id "
    "WHERE p.created_at >= ? AND p.created_at < ?) TO '" + out + "' (FORMAT json)", [start, end])
wall = time.perf_counter() - started
rows = con.execute("SELECT count(*) FROM read_json_auto(?, format='newline_delimited')", [out]).fetchone()[0]
usage = resource.getrusage(resource.RUSAGE_SELF)
peak, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
print(json.dumps({"rows": rows, "wall": wall, "peak_rss_mb": peak, "cpu": cpu}))
"""


def _token(data_dir) -> str:
    from clearanalytics import accounts
    from clearanalytics.db import Database

    db = Database.in_data_dir(data_dir)
    try:
        with db.transaction() as cur:
            tenant = accounts.get_tenant(cur, "bench")
            user = accounts.get_user(cur, "bench@localhost")
            return accounts.create_token(cur, tenant, user, "bench export", ["export:read"])[1]
    finally:
        db.close()


def _check_ids(data_dir) -> None:
    """The API takes only ULIDs as cursors: data made by an older generator cannot be walked."""
    import duckdb

    from clearanalytics.config import DATABASE_FILE_NAME

    con = duckdb.connect(str(data_dir / DATABASE_FILE_NAME), read_only=True)
    try:
        sample = con.execute("SELECT id FROM pageviews LIMIT 1").fetchone()
    finally:
        con.close()
    if sample and (len(sample[0]) != 26 or "-" in sample[0]):
        sys.exit(f"Error: {data_dir} has ids such as {sample[0]!r}, not ULIDs; regenerate it with bench.generate")


def _default_memory_limit() -> str:
    from clearanalytics.config import SETTINGS_BY_NAME

    return str(SETTINGS_BY_NAME["memory_limit"].default)


def baseline(data_dir, memory_limit: str) -> dict:
    """DuckDB alone: COPY of the same rows to a JSON lines file, in a fresh process."""
    from clearanalytics.config import DATABASE_FILE_NAME

    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        out = os.path.join(tmp, "pageviews.jsonl")
        args = [str(data_dir / DATABASE_FILE_NAME), memory_limit, out, RANGE["from"], "2027-01-01"]
        done = subprocess.run([sys.executable, "-c", _BASELINE, *args], capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["bytes"] = os.path.getsize(out)
    return result


def walk(url: str, token: str, fmt: str, max_rows: int) -> dict:
    """Every page in turn; for each, the time to its first byte and to its last."""
    headers = {"Authorization": f"Bearer {token}"}
    params = RANGE | {"format": fmt, "limit": PAGE}
    first_byte, pages, rows, size, cursor = [], [], 0, 0, None
    with requests.Session() as http:
        while True:
            started = time.perf_counter()
            response = http.get(url + "/api/v1/export/pageviews", headers=headers, stream=True,
                                params=params | ({"cursor": cursor} if cursor else {}))  # fmt: skip
            response.raise_for_status()
            count, tail = 0, b""
            for piece in response.iter_content(chunk_size=1 << 20):
                if not first_byte or len(first_byte) == len(pages):
                    first_byte.append((time.perf_counter() - started) * 1000)
                count += piece.count(b"\n")
                size += len(piece)
                tail = (tail + piece)[-4096:]
            pages.append((time.perf_counter() - started) * 1000)
            count -= fmt == "csv"  # the header
            rows += count
            if count < PAGE or (max_rows and rows >= max_rows):
                return {"rows": rows, "bytes": size, "pages": pages, "first_byte": first_byte}
            cursor = _last_id(tail, fmt)


def _last_id(tail: bytes, fmt: str) -> str:
    line = tail.rstrip(b"\r\n").rsplit(b"\n", 1)[-1]
    return json.loads(line)["id"] if fmt == "jsonl" else line.split(b",", 1)[0].decode()


def bench_export(args: argparse.Namespace, group: Group | None = None) -> Group:
    from bench.__main__ import cpu_seconds, start_server, stop
    from bench.query import ensure_data

    group = group or Group("export")
    ensure_data(args.data_dir, args.pageviews)
    _check_ids(args.data_dir)
    fmt = getattr(args, "format", "jsonl")
    memory_limit = args.memory_limit or "default"
    raw = baseline(args.data_dir, args.memory_limit or _default_memory_limit())
    token = _token(args.data_dir)
    env = {"CLEARANALYTICS_RATE_LIMIT": "1000000/minute"}
    if memory_limit != "default":
        env["CLEARANALYTICS_MEMORY_LIMIT"] = memory_limit
    proc, url = start_server(args.data_dir, args.threads, env)
    try:
        idle = rss_mb(proc.pid)
        cpu_before = cpu_seconds(proc.pid)
        started = time.perf_counter()
        with PeakRss(proc.pid) as peak:
            result = walk(url, token, fmt, getattr(args, "max_rows", 0))
        wall = time.perf_counter() - started
        cpu = cpu_seconds(proc.pid) - cpu_before
    finally:
        stop(proc)
    rows = result["rows"]
    group.facts.update({
        "format": fmt,
        "MEMORY_LIMIT": memory_limit,
        "threads": args.threads,
        "rows exported": rows,
        "pages": len(result["pages"]),
        "bytes": result["bytes"],
        "wall": f"{wall:.1f} s",
        "rows/s": round(rows / wall),
        "first page: first byte / whole page (ms)": f"{result['first_byte'][0]:.0f} / {result['pages'][0]:.0f}",
        "server RSS idle before (MB)": round(idle),
        "server RSS peak during export (MB)": round(peak.mb),
        "server CPU per row (us, all threads; robust to a shared machine)": round(cpu / rows * 1e6, 2),
        "baseline: DuckDB COPY of the same rows TO jsonl": f"{raw['rows']} rows, {raw['wall']:.1f} s, "
        f"{raw['rows'] / raw['wall']:.0f} rows/s, {raw['cpu'] / raw['rows'] * 1e6:.2f} us CPU per row, "
        f"peak RSS {raw['peak_rss_mb']:.0f} MB",
        "export / baseline rows/s": round((rows / wall) / (raw["rows"] / raw["wall"]), 2),
        "export / baseline CPU per row": round((cpu / rows) / (raw["cpu"] / raw["rows"]), 2),
        "cores": os.cpu_count(),
    })  # fmt: skip
    group.add(f"GET /api/v1/export/pageviews, one page of {PAGE} rows ({fmt}, streamed)", result["pages"])
    group.add("the same, time to first byte", result["first_byte"])
    return group
