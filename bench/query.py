"""Stats latency at period=12m (or --period): every report from rollups, beside the same report as raw DuckDB SQL.

    python -m bench query --pageviews 10000000 --data-dir /tmp/ca-10m

Generates the data dir once with bench/generate.py (reused when it exists), then times every
report as the API runs it (`stats.run(name, cur, query)`) over all three sites: from the daily
rollups (the default path: the whole answer kept from the previous call, then computed again from
the stored rows with the open days' rows kept, as after a write to another site), again right after
a commit (a new pageview of the first site a minute ago before each call, so that site's today is
read from raw events every time, as on a server taking live traffic), and inside `rollups.raw_only()`, where the same
report is one DuckDB statement over the raw events (the baseline). A plain count(DISTINCT visitor_hash),
count(*) query over the same 12 months is timed too, as a floor for any raw scan. The first
rollup call builds a year of rollups; that one-off time and the bytes on disk are reported too.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import time
from datetime import timedelta
from pathlib import Path

from bench.results import Group

# One goal's newest completions and their total, as one statement over the raw rows (the baseline).
RAW_COMPLETIONS = """
SELECT id, goal_id, visitor_hash, pageview_id, created_at, count(*) OVER () AS total
FROM goal_completions WHERE goal_id = ? AND created_at >= ? AND created_at < ?
ORDER BY created_at DESC, id DESC LIMIT 50
"""

RAW_FLOOR = """
SELECT count(DISTINCT visitor_hash), count(*) FROM pageviews
WHERE created_at >= $start AND created_at < $end AND list_contains($sites, site_id)
"""


def timed(func, repeat: int, cpu: list[float] | None = None, before=None) -> list[float]:
    """Wall milliseconds per call; with `cpu`, also the process's CPU milliseconds (all DuckDB threads),
    which stay meaningful when other jobs share the cores. `before` runs untimed before each call."""
    samples = []
    for _ in range(repeat):
        if before is not None:
            before()
        started, cpu_started = time.perf_counter(), time.process_time()
        func()
        samples.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - cpu_started) * 1000)
    return samples


def median(samples: list[float]) -> float:
    return sorted(samples)[len(samples) // 2]


def disk_bytes(data_dir: Path) -> int:
    return sum(f.stat().st_size for f in data_dir.iterdir() if f.is_file())


def ensure_data(data_dir: Path, pageviews: int) -> dict:
    from bench import generate

    if (data_dir / "clearanalytics.duckdb").exists():
        return {}
    print(f"generating {pageviews:,} pageviews into {data_dir} ...", flush=True)
    facts = generate.generate(data_dir, pageviews)
    print(f"generated in {facts['seconds']:.0f} s", flush=True)
    return facts


def bench_query(args: argparse.Namespace, group: Group | None = None) -> Group:
    if getattr(args, "backend", "duckdb") == "clickhouse":
        from bench.query_clickhouse import bench_clickhouse

        return bench_clickhouse(args, group)
    return _bench_duckdb(args, group)


def _bench_duckdb(args: argparse.Namespace, group: Group | None = None) -> Group:
    from bench import generate
    from clearanalytics import accounts, stats
    from clearanalytics.config import SETTINGS_BY_NAME
    from clearanalytics.db import Database, utcnow
    from clearanalytics.goals import get_goal
    from clearanalytics.ingest.store import Records
    from clearanalytics.stats import rollups
    from clearanalytics.storage import store_of

    group = group or Group("query")
    ensure_data(args.data_dir, args.pageviews)
    memory_limit = args.memory_limit or SETTINGS_BY_NAME["memory_limit"].default
    now = utcnow() if getattr(args, "now", "fixed") == "real" else generate.NOW
    db = Database.in_data_dir(args.data_dir, memory_limit=memory_limit)
    store = store_of(db)
    try:
        with db.reading() as cur:
            counts = {t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                      for t in ("pageviews", "events", "ecommerce_events", "goal_completions")}  # fmt: skip
            if not args.warm:
                cur.execute("DELETE FROM rollup_days")  # measure a cold build
        db._conn.execute("CHECKPOINT")
        raw_bytes = disk_bytes(args.data_dir)
        with db.reading() as cur:
            sites = accounts.list_sites(cur)
            query = stats.parse_query({"period": args.period}, sites, now=now)
            started = time.perf_counter()
            for name in stats.REPORTS:
                stats.run(name, cur, query)
            build = time.perf_counter() - started
        db._conn.execute("CHECKPOINT")
        rolled_bytes = disk_bytes(args.data_dir)
        group.facts.update({
            "rows": counts,
            "memory_limit": memory_limit + ("" if args.memory_limit else " (the default)"),
            "period": f"{args.period} ({query.date_from} to {query.date_to}), all 3 sites, now = {now}",
            "first run of all reports" + (" (rollups kept from an earlier run)" if args.warm else
                                          " (builds a year of rollups)"): f"{build:.1f} s",
            "bytes on disk per pageview (raw tables)": round(raw_bytes / counts["pageviews"], 1),
            "bytes on disk per pageview (with rollups)": round(rolled_bytes / counts["pageviews"], 1),
        })  # fmt: skip
        with db.reading() as cur:
            ranges = query.ranges()
            floor_params = {"start": min(r.start for r in ranges), "end": max(r.end for r in ranges),
                            "sites": [s.id for s in sites]}  # fmt: skip
            cur.execute(RAW_FLOOR, floor_params).fetchall()
            floor = timed(lambda: cur.execute(RAW_FLOOR, floor_params).fetchall(), args.raw_repeat)
            group.add("raw floor: count(DISTINCT visitor_hash), count(*)", floor)
            group.facts["load average at start"] = round(os.getloadavg()[0], 1)

            sample = list(cur.execute("SELECT * FROM pageviews WHERE site_id = ? ORDER BY created_at DESC LIMIT 1",
                                      [sites[0].id]).fetchone())  # fmt: skip
            serial = itertools.count()

            def write() -> None:
                """A live batch: one new pageview of the first site, a minute ago, committed through the event
                store as the ingest writer does (its today must be read again)."""
                n = next(serial)
                row = sample.copy()
                row[0], row[2], row[3] = f"bench-pv-{n}", f"bench-visitor-{n}", f"bench-session-{n}"
                row[-1] = now - timedelta(minutes=1)
                records = Records()
                records.rows["pageviews"].append(tuple(row))
                store.write_batch(records)  # as the ingest writer commits a batch

            for name in stats.REPORTS:
                with rollups.raw_only():
                    stats.run(name, cur, query)
                compare(group, name, lambda name=name: stats.run(name, cur, query), args, write,
                        raw=lambda name=name: _raw_only(stats.run, name, cur, query))  # fmt: skip
            goal_id, site_id = cur.execute(
                "SELECT goal_id, site_id FROM goal_completions GROUP BY ALL ORDER BY count(*) DESC LIMIT 1"
            ).fetchone()
            goal = get_goal(cur, goal_id)
            own_site = [s for s in sites if s.id == site_id]
            own = stats.parse_query({"period": args.period, "limit": "50"}, own_site, now=now)
            (own_range,) = own.ranges()
            raw_params = [goal_id, own_range.start, own_range.end]
            cur.execute(RAW_COMPLETIONS, raw_params).fetchall()
            compare(group, "goals/{goal}/completions", lambda: stats.goal_completions(cur, own, goal), args, write,
                    raw=lambda: cur.execute(RAW_COMPLETIONS, raw_params).fetchall())  # fmt: skip
        group.facts["peak RSS of this process (MB)"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    finally:
        db.close()
    return group


def _raw_only(func, *args):
    from clearanalytics.stats import rollups

    with rollups.raw_only():
        return func(*args)


def compare(group: Group, name: str, fast_call, args: argparse.Namespace, write, *, raw) -> None:
    """Time `fast_call` steady and right after a write, beside `raw` (the same answer as one raw SQL statement)."""
    from clearanalytics.stats.rollup_cache import CACHE

    fast_cpu, computed_cpu, raw_cpu, written_cpu = [], [], [], []
    fast = timed(fast_call, args.repeat, fast_cpu)
    computed = timed(fast_call, args.repeat, computed_cpu, CACHE.forget_answers)
    commits: list[float] = []  # the write before each call: its commit and the open pieces read again
    written = timed(fast_call, args.repeat, written_cpu, lambda: commits.extend(timed(write, 1)))
    raw_samples = timed(raw, args.raw_repeat, raw_cpu)
    cases = {
        "rollups": (fast, fast_cpu),
        "rollups, answer computed": (computed, computed_cpu),
        "rollups, right after a write": (written, written_cpu),
    }
    for label, (samples, cpu) in cases.items():
        group.add(
            f"{name} ({label})",
            samples,
            ratio=round(median(samples) / median(raw_samples), 3),
            cpu_median=round(median(cpu), 1),
            cpu_ratio=round(median(cpu) / median(raw_cpu), 3),
        )
    group.add(f"{name} (raw SQL)", raw_samples, cpu_median=round(median(raw_cpu), 1))
    group.add(f"{name} (the write before each call: commit and refresh)", commits)
    print(
        f"{name}: kept {median(fast):.1f} ms, computed {median(computed):.1f} ms ({median(computed_cpu):.1f} CPU), "
        f"right after a write {median(written):.1f} ms ({median(written_cpu):.1f} CPU, "
        f"{median(written) / median(computed):.2f}x computed; the write {median(commits):.1f} ms), "
        f"raw {median(raw_samples):.1f} ms ({median(raw_cpu):.1f} CPU)",
        flush=True,
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pageviews", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/clearanalytics-bench-1m"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--raw-repeat", type=int, default=5)
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit; default: the server's own default")
    parser.add_argument(
        "--now",
        choices=("fixed", "real"),
        default="fixed",
        help="the queries' clock: the generator's end of data (fixed) or this machine's clock (real)",
    )
    parser.add_argument("--warm", action="store_true", help="keep rollups built by an earlier run")
    parser.add_argument("--period", default="12m", help="the reports' period (the API's period= values)")
    parser.add_argument(
        "--backend",
        choices=("duckdb", "clickhouse"),
        default="duckdb",
        help="clickhouse: every report on the ClickHouse store (chdb) beside the same report on DuckDB, same run",
    )
    parser.add_argument(
        "--events-url",
        default=None,
        help="with --backend clickhouse: the store (default chdb://<data dir>-chdb, filled by `clearanalytics move`)",
    )
