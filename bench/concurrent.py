"""`python -m bench concurrent`: many clients reading mixed 30d and 12m reports from one server, under wrk.

One `clearanalytics serve` on the bench dataset (at the server's default settings unless
`--memory-limit` is given), one API token, and wrk with N connections cycling through the
reports below. The dataset's `now` is pinned (bench/generate.py) while the server runs on the
real clock, so each case names its period as the from/to dates that 30d and 12m cover at the
dataset's `now`: the same days, the same rollups. Reports req/s, latency percentiles (wrk gives
50/75/90/99), answers that were not 2xx, socket errors, and the server's peak RSS.

    python -m bench concurrent --data-dir /tmp/ca-1m [--connections 50] [--seconds 20] [--memory-limit 400MB]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.results import Group

REPORTS = ("overview", "timeseries", "pages", "referrers", "browsers", "devices", "campaigns",
           "ecommerce/overview", "ecommerce/products")  # fmt: skip

GET_LUA = r"""
local paths = {%(paths)s}
local counter = 0
request = function()
  counter = counter + 1
  local headers = {}
  headers["Authorization"] = "Bearer %(token)s"
  return wrk.format("GET", paths[1 + counter %% #paths], headers)
end
"""

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def report_paths() -> list[str]:
    """Every report at 30d and at 12m, as from/to dates ending at the dataset's pinned `now`."""
    from bench import generate
    from clearanalytics import stats

    paths = []
    for period in ("30d", "12m"):
        query = stats.parse_query({"period": period}, [], now=generate.NOW)
        span = f"from={query.date_from}&to={query.date_to}"
        paths += [f"/api/v1/stats/{name}?{span}" for name in REPORTS]
    return paths


def parse_wrk(out: str) -> dict[str, float | int | str]:
    found: dict[str, float | int | str] = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for pct in ("50", "90", "99"):
        value = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out)
        found[f"p{pct}_ms"] = float(value.group(1)) * _UNITS[value.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    found["non_2xx"] = int(bad.group(1)) if bad else 0
    found["socket_errors"] = errors.group(0) if errors else ""
    return found


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_concurrent(args: argparse.Namespace) -> Group:
    from bench.__main__ import _env, machine, start_server, stop
    from bench.query import ensure_data

    ensure_data(args.data_dir, args.pageviews)
    token = subprocess.run(
        [sys.executable, "-m", "clearanalytics", "token", "create", "--data-dir", str(args.data_dir),
         "--tenant", "bench", "--email", "bench@localhost", "--name", "bench-concurrent", "--ability", "stats:read"],
        capture_output=True, text=True, check=True, env=_env(),
    ).stdout.strip()  # fmt: skip
    paths = report_paths()
    env = {"CLEARANALYTICS_RATE_LIMIT": "100000000/minute"}
    if args.memory_limit:
        env["CLEARANALYTICS_MEMORY_LIMIT"] = args.memory_limit
    group = Group("concurrent")
    group.facts["machine"] = machine()
    group.facts["server"] = (f"clearanalytics serve, waitress threads {args.threads}, memory limit "
                             f"{args.memory_limit or 'the default'}")  # fmt: skip
    group.facts["command"] = (f"wrk -t2 -c{args.connections} -d{args.seconds:g}s --latency, cycling "
                              f"{len(paths)} GETs: {', '.join(REPORTS)} at 30d and 12m")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "get.lua"
        quoted = ", ".join(f'"{p}"' for p in paths)
        script.write_text(GET_LUA % {"paths": quoted, "token": token})
        proc, url = start_server(args.data_dir, args.threads, env)
        try:
            warm = ["wrk", "-t1", "-c1", f"-d{max(2, len(paths) // 2)}s", "-s", str(script), url]
            subprocess.run(warm, capture_output=True, text=True, check=True)  # rollups built, caches warm
            cmd = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds:g}s", "--latency", "-s", str(script), url]
            result = parse_wrk(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
            result["peak_rss_mb"] = round(peak_rss_mb(proc.pid))
        finally:
            stop(proc)
    group.facts.update({k: (round(v, 1) if isinstance(v, float) else v) for k, v in result.items()})
    group.add("req/s", [result["rps"]], unit="req/s")
    for pct in ("50", "90", "99"):
        group.add(f"p{pct} latency", [result[f"p{pct}_ms"]])
    return group


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/clearanalytics-bench-1m"))
    parser.add_argument("--pageviews", type=int, default=1_000_000, help="generated when the data dir is empty")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--memory-limit", default=None, help="the server's memory limit; default: its own default")
