"""`python -m bench concurrent`: many clients reading mixed 30d and 12m reports from one server, under wrk.

One `clearanalytics serve` on the bench dataset (at the server's default settings unless a
setting is given), one API token, and wrk with N connections cycling through the reports below.
The dataset's `now` is pinned (bench/generate.py) while the server runs on the real clock, so
each case names its period as the from/to dates that 30d and 12m cover at the dataset's `now`:
the same days, the same rollups. Reports req/s, p50/p90/p95/p99 (from wrk's own histogram,
printed by the Lua `done()` below: `--latency` alone has no p95), the answers by status (a 503
is the admission queue saying "full"), socket errors, and the server's peak RSS.

Any of `--threads`, `--duckdb-threads`, `--memory-limit`, `--request-queue`, `--flush-interval` and
`--concurrency`
takes a comma-separated list: every combination is one server and one wrk run (the matrix that
chose the defaults, docs/PERFORMANCE.md). Omitted, a setting stays at the server's default.

    python -m bench concurrent --data-dir /tmp/ca-10m [--concurrency 50] [--seconds 15]
    python -m bench concurrent --data-dir D --threads 4,8 --duckdb-threads 1,2 --memory-limit 256MB,400MB

With `--ingest C`, a second wrk posts pageviews of the dataset's first site on C connections
during every run (bench/wrk.py's script), and its req/s and answers are reported beside the
reads. Live ingest writes at the real clock, so for its batches to land in the days the reports
read (each batch then makes that site's current answers be computed again), use a dataset that
ends now (`python -m bench.generate --now real`) and `--now real`, which asks for 30d and 12m by
name on the server's clock instead of as the pinned dataset's dates.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.results import Group

REPORTS = ("overview", "timeseries", "pages", "referrers", "browsers", "devices", "campaigns",
           "ecommerce/overview", "ecommerce/products")  # fmt: skip

# Per-thread status counts (response()), gathered from every wrk thread in done() with thread:get.
GET_LUA = r"""
local paths = {%(paths)s}
local counter = 0
local threads = {}
statuses = {}
setup = function(thread)
  table.insert(threads, thread)
end
request = function()
  counter = counter + 1
  local headers = {}
  headers["Authorization"] = "Bearer %(token)s"
  return wrk.format("GET", paths[1 + counter %% #paths], headers)
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  for _, p in ipairs({50, 90, 95, 99}) do
    io.write(string.format("PCT %%d %%d\n", p, latency:percentile(p)))
  end
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      io.write(string.format("STATUS %%d %%d\n", status, count))
    end
  end
end
"""

PERCENTILES = ("50", "90", "95", "99")
SETTINGS = {  # bench option -> the server's environment variable
    "threads": "CLEARANALYTICS_THREADS",
    "duckdb_threads": "CLEARANALYTICS_DUCKDB_THREADS",
    "memory_limit": "CLEARANALYTICS_MEMORY_LIMIT",
    "request_queue": "CLEARANALYTICS_REQUEST_QUEUE",
    "flush_interval": "CLEARANALYTICS_FLUSH_INTERVAL",
}


def report_paths(now: str = "fixed") -> list[str]:
    """Every report at 30d and at 12m: as from/to dates ending at the dataset's pinned `now`, or by name
    (the server's clock) with `now` "real"."""
    from bench import generate
    from clearanalytics import stats

    paths = []
    for period in ("30d", "12m"):
        query = stats.parse_query({"period": period}, [], now=generate.NOW)
        span = f"period={period}" if now == "real" else f"from={query.date_from}&to={query.date_to}"
        paths += [f"/api/v1/stats/{name}?{span}" for name in REPORTS]
    return paths


def parse_wrk(out: str) -> dict[str, float | int | str]:
    """req/s, the percentiles (ms) and status counts printed by GET_LUA's done(), socket errors."""
    found: dict[str, float | int | str] = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for pct, micros in re.findall(r"^PCT (\d+) (\d+)$", out, re.M):
        found[f"p{pct}_ms"] = int(micros) / 1000
    statuses: dict[int, int] = {}
    for status, count in re.findall(r"^STATUS (\d+) (\d+)$", out, re.M):
        statuses[int(status)] = statuses.get(int(status), 0) + int(count)
    found["statuses"] = " ".join(f"{s}:{n}" for s, n in sorted(statuses.items()))
    found["non_2xx"] = sum(n for s, n in statuses.items() if not 200 <= s < 300)
    found["not_200_or_503"] = sum(n for s, n in statuses.items() if s not in (200, 503))
    errors = re.search(r"Socket errors:.*", out)
    found["socket_errors"] = errors.group(0) if errors else ""
    return found


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cases(args: argparse.Namespace) -> list[dict[str, str]]:
    """Every combination of the settings given as lists (a setting left out is not set at all)."""
    axes = {name: str(getattr(args, name)).split(",") for name in SETTINGS if getattr(args, name)}
    combos = itertools.product(*axes.values()) if axes else [()]
    return [dict(zip(axes, combo, strict=True)) for combo in combos]


def _label(case: dict[str, str], connections: str) -> str:
    shown = ", ".join(f"{k} {v}" for k, v in case.items()) or "defaults"
    return f"{shown}, {connections} connections"


def _run_case(args: argparse.Namespace, case: dict[str, str], token: str, script: Path) -> list[dict]:
    from bench.__main__ import cpu_seconds, start_server, stop

    env = {"CLEARANALYTICS_RATE_LIMIT": "100000000/minute", "CLEARANALYTICS_TRUSTED_PROXIES": "127.0.0.1"}
    env |= {SETTINGS[name]: value for name, value in case.items() if name != "threads"}
    proc, url = start_server(args.data_dir, int(case["threads"]) if "threads" in case else None, env)
    results = []
    try:
        warm = ["wrk", "-t1", "-c1", f"-d{args.warmup:g}s", "-s", str(script), url]
        subprocess.run(warm, capture_output=True, text=True, check=True)  # rollups built, caches warm
        for connections in str(args.concurrency).split(","):
            load, cpu_before = os.getloadavg()[0], cpu_seconds(proc.pid)
            cmd = ["wrk", "-t2", f"-c{connections}", f"-d{args.seconds:g}s", "--timeout", "10s",
                   "-s", str(script), url]  # fmt: skip
            ingest = _start_ingest(args, url, script.parent)
            result = parse_wrk(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
            if ingest is not None:
                result |= _ingest_result(ingest)
            answered = max(1.0, float(result["rps"]) * args.seconds)
            result |= {"case": _label(case, connections), "load_avg_1m": round(load, 1)}
            # Server CPU per answer: what the other jobs on a shared machine change least.
            result["cpu_ms"] = round((cpu_seconds(proc.pid) - cpu_before) / answered * 1000, 2)
            result["peak_rss_mb"] = round(peak_rss_mb(proc.pid))
            results.append(result)
            print(_line(result), flush=True)
    finally:
        stop(proc)
    return results


def _start_ingest(args: argparse.Namespace, url: str, tmp: Path) -> subprocess.Popen | None:
    """wrk posting the first bench site's pageviews during the read run, or None without --ingest."""
    from bench.generate import SITES
    from bench.wrk import POST_LUA

    if not args.ingest:
        return None
    script = tmp / "post.lua"
    script.write_text(POST_LUA.replace("bench.example", SITES[0][0]))
    cmd = ["wrk", "-t1", f"-c{args.ingest}", f"-d{args.seconds:g}s", "--timeout", "10s", "-s", str(script),
           url + "/api/event"]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _ingest_result(proc: subprocess.Popen) -> dict[str, float | int]:
    out, _ = proc.communicate()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "ingest_rps": float(rps.group(1)) if rps else 0.0,
        "ingest_non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def _line(r: dict) -> str:
    pcts = " ".join(f"p{p} {r.get(f'p{p}_ms', float('nan')):.0f}" for p in PERCENTILES)
    errors = r["socket_errors"] or "no socket errors"
    ingest = (f", ingest {r['ingest_rps']:.0f} req/s beside ({r['ingest_non_2xx']} not 2xx)"
              if "ingest_rps" in r else "")  # fmt: skip
    return (f"{r['case']}: {r['rps']:.1f} req/s, {pcts} ms, statuses {r['statuses']}, {errors}, "
            f"server CPU {r['cpu_ms']} ms/answer, peak RSS {r['peak_rss_mb']} MB, "
            f"load {r['load_avg_1m']}{ingest}")  # fmt: skip


def bench_concurrent(args: argparse.Namespace) -> Group:
    from bench.__main__ import _env, machine
    from bench.query import ensure_data

    ensure_data(args.data_dir, args.pageviews)
    token = subprocess.run(
        [sys.executable, "-m", "clearanalytics", "token", "create", "--data-dir", str(args.data_dir),
         "--tenant", "bench", "--email", "bench@localhost", "--name", "bench-concurrent", "--ability", "stats:read"],
        capture_output=True, text=True, check=True, env=_env(),
    ).stdout.strip()  # fmt: skip
    paths = report_paths(args.now)
    group = Group("concurrent")
    group.facts["machine"] = machine()
    group.facts["command"] = (f"wrk -t2 -c<N> -d{args.seconds:g}s --timeout 10s, cycling {len(paths)} GETs: "
                              f"{', '.join(REPORTS)} at 30d and 12m, after a {args.warmup:g} s warm-up")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "get.lua"
        quoted = ", ".join(f'"{p}"' for p in paths)
        script.write_text(GET_LUA % {"paths": quoted, "token": token})
        for case in _cases(args):
            for result in _run_case(args, case, token, script):
                group.facts[result["case"]] = _line(result).split(": ", 1)[1]
                group.add(f"{result['case']}: req/s", [result["rps"]], unit="req/s")
                group.add(f"{result['case']}: server CPU per answer", [result["cpu_ms"]])
                for pct in PERCENTILES:
                    group.add(f"{result['case']}: p{pct} latency", [result[f"p{pct}_ms"]])
                if "ingest_rps" in result:
                    group.add(f"{result['case']}: ingest beside", [result["ingest_rps"]], unit="req/s")
    return group


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/clearanalytics-bench-1m"))
    parser.add_argument("--pageviews", type=int, default=1_000_000, help="generated when the data dir is empty")
    parser.add_argument("--concurrency", "--connections", dest="concurrency", default="50",
                        help="wrk connections; a list (50,500) runs each against the same server")  # fmt: skip
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=10, help="seconds of one-connection warm-up per server")
    parser.add_argument("--threads", default=None, help="the server's `threads` setting (list: a matrix axis)")
    parser.add_argument("--duckdb-threads", default=None, help="the server's `duckdb_threads` (list: an axis)")
    parser.add_argument("--memory-limit", default=None, help="the server's `memory_limit` (list: an axis)")
    parser.add_argument("--request-queue", default=None, help="the server's `request_queue` (list: an axis)")
    parser.add_argument("--flush-interval", default=None, help="the server's `flush_interval` (list: an axis)")
    parser.add_argument("--ingest", type=int, default=0, help="connections posting pageviews during each run")
    parser.add_argument("--now", choices=("fixed", "real"), default="fixed",
                        help="reports at the pinned dataset's dates (fixed) "
                             "or by name on the server's clock (real)")  # fmt: skip
