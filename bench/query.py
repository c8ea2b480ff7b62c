"""Stats engine latency: p50 of each report at 30d and 12m, beside one raw DuckDB aggregate.

    python bench/query.py --pageviews 10000000 --data-dir /tmp/ca-bench

Generates (once; reused when the file has the requested row count) a data dir with one tenant,
one site in Europe/Amsterdam and N pageviews spread over 13 months, with sessions, events and
e-commerce events, all with SQL inside DuckDB so that generation takes seconds. Then it times
every stats report as the API calls it (`stats.run(name, cur, query)`) and, side by side, the
same visitors/pageviews aggregate written as one plain SQL query on the same file. Not a test:
the numbers go to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clearanalytics import accounts, stats  # noqa: E402
from clearanalytics.db import Database  # noqa: E402

NOW = datetime(2026, 2, 18, 12, 0)
DOMAIN = "bench.example"

GENERATE = """
INSERT INTO pageviews
SELECT
    'pv' || i AS id,
    $site_id AS site_id,
    'v' || (i // 3) % ($n // 4) AS visitor_hash,
    's' || (i // 3) AS session_hash,
    $domain AS hostname,
    '/page-' || (hash(i) % 200) AS pathname,
    CASE WHEN i % 3 = 0 AND hash(i) % 4 = 1 THEN 'https://www.google.com/' END AS referrer,
    CASE WHEN i % 3 = 0 AND hash(i) % 4 = 1 THEN 'google' ELSE 'direct' END AS referrer_source,
    CASE WHEN i % 3 = 0 AND hash(i) % 4 = 1 THEN 'organic' ELSE 'direct' END AS channel,
    CASE WHEN hash(i) % 10 = 0 THEN 'newsletter' END AS utm_source,
    CASE WHEN hash(i) % 10 = 0 THEN 'email' END AS utm_medium,
    CASE WHEN hash(i) % 10 = 0 THEN 'feb' END AS utm_campaign,
    NULL, NULL, NULL,
    ['Chrome', 'Safari', 'Firefox', 'Edge'][1 + (hash(i // 3) % 4)::BIGINT] AS browser,
    ['Windows', 'macOS', 'iOS', 'Android', 'Linux'][1 + (hash(i // 3) % 5)::BIGINT] AS os,
    ['desktop', 'mobile', 'tablet'][1 + (hash(i // 3) % 3)::BIGINT] AS device_type,
    ['en', 'de', 'nl', 'fr'][1 + (hash(i // 3) % 4)::BIGINT] AS language,
    (hash(i) % 120)::INTEGER AS duration,
    NULL AS scroll_depth,
    $start + to_seconds((i * $span // $n)::BIGINT) AS created_at
FROM range($n) t(i)
"""

GENERATE_ECOMMERCE = """
INSERT INTO ecommerce_events
SELECT 'ec' || session_no || '-' || step, $site_id, 'v' || (session_no * 3 // 3) % ($n // 4), 's' || session_no,
       NULL, ['view_item', 'add_to_cart', 'begin_checkout', 'purchase'][step],
       CASE WHEN step = 4 THEN 'T' || session_no END,
       CASE WHEN step = 4 THEN 49.90 END, 'EUR',
       '[{"item_id": "p1", "item_name": "Product ' || (session_no % 50) || '", "price": 49.90, "quantity": 1}]',
       TRUE, $start + to_seconds((session_no * 3 * $span // $n)::BIGINT + step * 30)
FROM range(0, $n // 3, 20) s(session_no), range(1, 5) k(step)
WHERE step <= 1 + session_no % 4
"""

RAW_30D = """
SELECT count(DISTINCT visitor_hash), count(*) FROM pageviews
WHERE site_id = $site_id AND created_at >= $start AND created_at < $end
"""


def ensure_data(data_dir: Path, pageviews: int) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    db = Database.in_data_dir(data_dir, memory_limit="4GB")
    try:
        with db.transaction() as cur:
            if accounts.get_site(cur, DOMAIN):
                count = cur.execute("SELECT count(*) FROM pageviews").fetchone()[0]
                if count == pageviews:
                    return
                raise SystemExit(f"{data_dir} holds {count} pageviews, not {pageviews}: use a new --data-dir")
            tenant = accounts.create_tenant(cur, "bench", "Bench")
            site = accounts.create_site(cur, tenant, DOMAIN, "Europe/Amsterdam", "EUR")
        started = time.perf_counter()
        params = {"site_id": site.id, "domain": DOMAIN, "n": pageviews, "start": datetime(2025, 1, 18),
                  "span": int((NOW - datetime(2025, 1, 18)).total_seconds())}  # fmt: skip
        with db.transaction() as cur:
            cur.execute(GENERATE, params)
            cur.execute(GENERATE_ECOMMERCE, {k: v for k, v in params.items() if k != "domain"})
        print(f"generated {pageviews:,} pageviews in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    finally:
        db.close()


def p50(func, repeat: int) -> float:
    func()  # warm up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pageviews", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/clearanalytics-bench"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ensure_data(args.data_dir, args.pageviews)
    db = Database.in_data_dir(args.data_dir, memory_limit="400MB")
    with db.reading() as cur:
        site = accounts.get_site(cur, DOMAIN)
        print(f"| report | 30d p50 ms | 12m p50 ms |  ({args.pageviews:,} pageviews, memory_limit 400MB)")
        print("|---|---|---|")
        for period in ("30d", "12m"):
            query = stats.parse_query({"period": period}, [site], now=NOW)
            (site_range,) = query.ranges()
            raw = {"site_id": site.id, "start": site_range.start, "end": site_range.end}
            timings = {"raw SQL: count(DISTINCT visitor_hash), count(*)": p50(
                lambda raw=raw: cur.execute(RAW_30D, raw).fetchall(), args.repeat)}  # fmt: skip
            for name in stats.REPORTS:
                timings[name] = p50(lambda name=name, query=query: stats.run(name, cur, query), args.repeat)
            if period == "30d":
                results = {name: [ms] for name, ms in timings.items()}
            else:
                for name, ms in timings.items():
                    results[name].append(ms)
        for name, (d30, m12) in results.items():
            print(f"| {name} | {d30:.1f} | {m12:.1f} |")
    db.close()


if __name__ == "__main__":
    main()
