"""A full export of every pageview through the API, with the server's peak RSS.

    python -m bench export --data-dir /tmp/ca-10m

Starts `clearanalytics serve` on the benchmark data dir (DuckDB memory_limit from the
MEMORY_LIMIT setting, 400MB by default) and walks GET /api/v1/export/pageviews page by page
(10000 rows, cursor = last id, JSON lines read as a stream), sampling the server's resident
memory throughout. Reports the time per page, rows per second and the peak RSS.
"""

from __future__ import annotations

import argparse
import os
import time

import requests

from bench.results import Group
from bench.rss import PeakRss, rss_mb


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


def bench_export(args: argparse.Namespace, group: Group | None = None) -> Group:
    from bench.__main__ import start_server, stop
    from bench.query import ensure_data

    group = group or Group("export")
    ensure_data(args.data_dir, args.pageviews)
    token = _token(args.data_dir)
    env = {"CLEARANALYTICS_MEMORY_LIMIT": args.memory_limit, "CLEARANALYTICS_RATE_LIMIT": "1000000/minute"}
    proc, url = start_server(args.data_dir, args.threads, env)
    headers = {"Authorization": f"Bearer {token}"}
    params = {"format": "jsonl", "from": "2024-01-01", "to": "2026-12-31", "limit": 10000}
    pages, rows, cursor = [], 0, None
    try:
        idle = rss_mb(proc.pid)
        started = time.perf_counter()
        with PeakRss(proc.pid) as peak, requests.Session() as http:
            while True:
                page_started = time.perf_counter()
                response = http.get(url + "/api/v1/export/pageviews", headers=headers, stream=True,
                                    params=params | ({"cursor": cursor} if cursor else {}))  # fmt: skip
                response.raise_for_status()
                count, last = 0, None
                for line in response.iter_lines():
                    if line:
                        count += 1
                        last = line
                pages.append((time.perf_counter() - page_started) * 1000)
                rows += count
                if count < params["limit"]:
                    break
                cursor = _id_of(last)
                if getattr(args, "max_rows", 0) and rows >= args.max_rows:
                    break
        wall = time.perf_counter() - started
    finally:
        stop(proc)
    group.facts.update({
        "rows exported": rows,
        "pages": len(pages),
        "wall": f"{wall:.1f} s",
        "rows/s": round(rows / wall),
        "server RSS idle before (MB)": round(idle),
        "server RSS peak during export (MB)": round(peak.mb),
        "MEMORY_LIMIT": args.memory_limit,
        "cores": os.cpu_count(),
    })  # fmt: skip
    group.add("GET /api/v1/export/pageviews, one page of 10000 rows (jsonl, streamed)", pages)
    return group


def _id_of(line: bytes) -> str:
    import json

    return json.loads(line)["id"]
