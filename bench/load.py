"""A small load generator: worker processes, each with one keep-alive HTTP/1.1 connection.

Processes (not threads) so that the generator itself is not serialised by one GIL.
Closed loop for the maximum rate; paced (fixed interval per worker) for latency at a
given rate. Payloads vary URL, referrer, user agent and client IP like real traffic.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import random
import time
from urllib.parse import urlsplit

from clearanalytics.demo import USER_AGENTS

REFERRERS = ["", "https://www.google.com/", "https://t.co/x", "https://news.ycombinator.com/", "https://example.org/"]


def payloads(seed: int, count: int = 2000) -> list[tuple[bytes, dict[str, str]]]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        body = {"name": "pageview", "url": f"https://bench.example/page/{rng.randint(1, 200)}?utm_source=s{i % 7}",
                "domain": "bench.example", "referrer": rng.choice(REFERRERS), "language": "en-US"}  # fmt: skip
        headers = {
            "Content-Type": "text/plain",
            "User-Agent": rng.choice(USER_AGENTS)[1],
            "X-Forwarded-For": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        }
        out.append((json.dumps(body).encode(), headers))
    return out


def _worker(url: str, seconds: float, interval: float, seed: int, queue) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    items = payloads(seed)
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    deadline = start + seconds
    next_at = start
    i = 0
    while True:
        now = time.perf_counter()
        if now >= deadline:
            break
        if interval:
            if now < next_at:
                time.sleep(next_at - now)
            next_at += interval
        body, headers = items[i % len(items)]
        i += 1
        sent = time.perf_counter()
        try:
            conn.request("POST", "/api/event", body, headers)
            response = conn.getresponse()
            response.read()
            if response.status != 202:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            continue
        latencies.append(time.perf_counter() - sent)
    queue.put((latencies, errors, time.perf_counter() - start))


def run(url: str, workers: int, seconds: float, rate: float | None = None) -> dict[str, float]:
    """Requests per second and latency percentiles (ms) over `workers` connections."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    interval = workers / rate if rate else 0.0
    procs = [
        multiprocessing.Process(target=_worker, args=(url, seconds, interval, seed, queue)) for seed in range(workers)
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    latencies = sorted(x for r in results for x in r[0])
    elapsed = max(r[2] for r in results)
    errors = sum(r[1] for r in results)

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")

    return {"rps": len(latencies) / elapsed, "p50_ms": pct(0.50), "p99_ms": pct(0.99), "errors": errors,
            "samples_ms": [x * 1000 for x in latencies]}  # fmt: skip
