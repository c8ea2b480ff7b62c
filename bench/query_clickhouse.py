"""`python -m bench query --backend clickhouse`: every report at 12m on the ClickHouse store (chdb) beside
the same report on the DuckDB store, in one run, over the same rows.

    python -m bench query --backend clickhouse --pageviews 10000000 --data-dir /tmp/ca-10m-copy --warm

The data dir is the DuckDB bench data (bench/generate.py); its events are copied once into the
ClickHouse store with `clearanalytics move` (in a subprocess: chdb opens one directory per process)
and reused. Per report, three figures each:

- DuckDB, answer computed: the kept whole answer forgotten before each call (closed days from the
  rollups, the open days' rows kept), as `bench query` measures it;
- ClickHouse, steady: closed days from the rows this node keeps, open days' rows kept (OPEN_SECONDS);
- both right after a write: a new pageview of the first site a minute ago, committed through each
  store before each call, so that site's open days are read again (DuckDB: its open pieces; ClickHouse:
  a live query).

The ratio is ClickHouse over DuckDB for the same case. The first call of each store builds what it
keeps (DuckDB's rollups, ClickHouse's kept days); that one-off time is reported too.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import time
from datetime import timedelta

from bench.query import ensure_data, median, timed
from bench.results import Group


def _fill(data_dir, events_url: str) -> None:
    """Copy the data dir's events into the store once (`clearanalytics move`), unless it holds them already."""
    result = subprocess.run(
        [sys.executable, "-m", "clearanalytics", "move", "--data-dir", str(data_dir), "--events-url", events_url],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 and "already holds" not in (result.stderr + result.stdout):
        raise SystemExit(f"move failed: {result.stderr.strip() or result.stdout.strip()}")
    print(result.stdout.strip() or result.stderr.strip(), flush=True)


def bench_clickhouse(args: argparse.Namespace, group: Group | None = None) -> Group:
    from flask import Flask

    from bench import generate
    from clearanalytics import accounts, stats
    from clearanalytics.db import Database, utcnow
    from clearanalytics.ingest.store import Records
    from clearanalytics.stats.rollup_cache import CACHE
    from clearanalytics.storage import store_of
    from clearanalytics.storage.clickhouse_schema import parse_events_url
    from clearanalytics.storage.clickhouse_store import ClickHouseEventStore

    group = group or Group("query-clickhouse")
    ensure_data(args.data_dir, args.pageviews)
    events_url = args.events_url or f"chdb://{args.data_dir.resolve()}-chdb"
    started = time.perf_counter()
    _fill(args.data_dir, events_url)
    group.facts["copy into ClickHouse (once; 0 when reused)"] = f"{time.perf_counter() - started:.0f} s"
    now = utcnow() if getattr(args, "now", "fixed") == "real" else generate.NOW
    db = Database.in_data_dir(args.data_dir)
    duck = store_of(db)
    house = ClickHouseEventStore(parse_events_url(events_url), db)
    house.migrate()
    app = Flask(__name__)
    app.extensions["clearanalytics.store"] = house
    try:
        with db.reading() as cur:
            sites = accounts.list_sites(cur)
            query = stats.parse_query({"period": "12m"}, sites, now=now)
            sample = list(cur.execute("SELECT * FROM pageviews WHERE site_id = ? ORDER BY created_at DESC LIMIT 1",
                                      [sites[0].id]).fetchone())  # fmt: skip
            serial = itertools.count()

            def write(store) -> None:
                n = next(serial)
                row = sample.copy()
                row[0], row[2], row[3] = f"bench-ch-{n}", f"bench-visitor-{n}", f"bench-session-{n}"
                row[-1] = now - timedelta(minutes=1)
                records = Records()
                records.rows["pageviews"].append(tuple(row))
                store.write_batch(records)

            def on_house(func):
                def call():
                    with app.app_context():
                        return func()

                return call

            for label, call in (
                ("DuckDB", lambda: [stats.run(n, cur, query) for n in stats.REPORTS]),
                ("ClickHouse", on_house(lambda: [stats.run(n, cur, query) for n in stats.REPORTS])),
            ):
                first = time.perf_counter()
                call()
                group.facts[f"first run of all reports, {label} (builds what it keeps)"] = (
                    f"{time.perf_counter() - first:.1f} s")  # fmt: skip
            group.facts["load average at start"] = round(os.getloadavg()[0], 1)
            group.facts["period"] = f"12m ({query.date_from} to {query.date_to}), all 3 sites, now = {now}"
            for name in stats.REPORTS:
                duck_call = lambda name=name: stats.run(name, cur, query)  # noqa: E731
                house_call = on_house(lambda name=name: stats.run(name, cur, query))
                cases = {
                    "DuckDB, answer computed": timed(duck_call, args.repeat, None, CACHE.forget_answers),
                    "ClickHouse, steady": timed(house_call, args.repeat),
                    "DuckDB, right after a write": timed(
                        duck_call, args.repeat, None, lambda: (write(duck), CACHE.forget_answers())
                    ),
                    "ClickHouse, right after a write": timed(house_call, args.repeat, None, lambda: write(house)),
                }
                _report(group, name, cases)
    finally:
        house.close()
        db.close()
    return group


def _report(group: Group, name: str, cases: dict[str, list[float]]) -> None:
    """Each case's samples; ClickHouse's with its ratio to DuckDB's same case."""
    ms = {label: median(samples) for label, samples in cases.items()}
    ratios = {
        "ClickHouse, steady": ms["ClickHouse, steady"] / ms["DuckDB, answer computed"],
        "ClickHouse, right after a write": ms["ClickHouse, right after a write"] / ms["DuckDB, right after a write"],
    }
    for label, samples in cases.items():
        extra = {"ratio": round(ratios[label], 3)} if label in ratios else {}
        group.add(f"{name} ({label})", samples, **extra)
    print(
        f"{name}: DuckDB {ms['DuckDB, answer computed']:.1f} ms, ClickHouse {ms['ClickHouse, steady']:.1f} ms "
        f"({ratios['ClickHouse, steady']:.2f}x); right after a write DuckDB {ms['DuckDB, right after a write']:.1f}"
        f" ms, ClickHouse {ms['ClickHouse, right after a write']:.1f} ms "
        f"({ratios['ClickHouse, right after a write']:.2f}x)",
        flush=True,
    )
