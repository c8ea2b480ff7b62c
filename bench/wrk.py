"""`python -m bench ingest`: POST /api/event under wrk, our ingest (per fsync mode) beside the bare route.

wrk (C, epoll; `apt-get install wrk` on Debian/Ubuntu) drives far more load than a Python
client could on the same cores, so the ratio shows the servers' cost alone. (A Python load
generator, bench/load.py until December 2026, used as much CPU as the servers on 2 cores and
capped both sides: it reported 1.13x where wrk measured 0.73x.) The bare Flask route
(bench/bare.py) and one ingest server per fsync mode run in the same invocation, on the same
machine, each measured `--rounds` times in turn; the best req/s of each is compared with the
bare route's best, and so is the server CPU per request, which stays meaningful when other
jobs share the cores.

    python -m bench ingest [--seconds 10] [--connections 16] [--wrk-threads 2] [--fsync off,batch]

runs `wrk -t2 -c16 -d10s --latency -s post.lua URL/api/event` against each server.
`python -m bench wrk` is the same command under its older name.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.results import Group

# Each request: a pageview of one of 200 pages from a public client address (trusted proxy header), spread
# over 44 first octets of the five RIRs so that the country lookup (ingest/locations.py) runs for real and
# mostly misses its per-address cache (the pattern repeats after 31.7 million requests; 99% map to a country).
POST_LUA = r"""
local counter = 0
local firsts = {2, 5, 24, 31, 37, 41, 45, 46, 49, 50, 58, 62, 66, 77, 81, 85, 88, 91, 95, 101, 103, 109, 110,
                118, 121, 131, 141, 151, 161, 171, 177, 181, 185, 187, 190, 193, 195, 196, 200, 201, 203, 210,
                212, 217}
request = function()
  counter = counter + 1
  local page = counter % 200
  local ip = firsts[1 + counter % #firsts] .. "." .. (counter % 251) .. "." .. ((counter * 7) % 253) .. "." ..
             (1 + counter % 250)
  local body = '{"name":"pageview","url":"https://bench.example/page/' .. page ..
               '?utm_source=s' .. (counter % 7) .. '","domain":"bench.example","referrer":"https://www.google.com/"}'
  local headers = {}
  headers["Content-Type"] = "text/plain"
  headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) " ..
                          "Chrome/120.0.0.0 Safari/537.36"
  headers["X-Forwarded-For"] = ip
  return wrk.format("POST", "/api/event", headers, body)
end
"""

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(url: str, script: Path, args: argparse.Namespace) -> dict[str, float]:
    """One wrk run: req/s, mean and p99 latency (ms), and answers that were not 2xx."""
    cmd = ["wrk", f"-t{args.wrk_threads}", f"-c{args.connections}", f"-d{args.seconds:g}s", "--latency",
           "-s", str(script), url + "/api/event"]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    mean = re.search(r"Latency\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": rps,
        "mean_ms": float(mean.group(1)) * _UNITS[mean.group(2)],
        "p99_ms": float(p99.group(1)) * _UNITS[p99.group(2)],
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def require_wrk() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("Error: wrk not found; install it first: apt-get install wrk (Debian/Ubuntu package wrk)")


def bench_ingest(args: argparse.Namespace) -> Group:
    from bench.__main__ import cpu_seconds, machine, start_bare, start_server, stop
    from bench.rss import PeakRss
    from clearanalytics.cli.admin import ensure_account

    require_wrk()
    modes = [m.strip() for m in args.fsync.split(",") if m.strip()]
    group = Group("ingest")
    group.facts["machine"] = machine()
    group.facts["command"] = (f"wrk -t{args.wrk_threads} -c{args.connections} -d{args.seconds:g}s --latency "
                              f"-s post.lua URL/api/event, {args.rounds} rounds in turn, waitress threads "
                              f"{args.threads}")  # fmt: skip
    with tempfile.TemporaryDirectory(dir=args.tmp_dir) as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(POST_LUA)
        servers = {"bare route": start_bare(args.threads)}
        try:
            for mode in modes:
                data_dir = Path(tmp) / f"data-{mode}"
                ensure_account(data_dir, tenant="bench", tenant_name="Bench", site="bench.example",
                               email="bench@localhost", password="bench-password-1")  # fmt: skip
                env = {"CLEARANALYTICS_TRUSTED_PROXIES": "127.0.0.1", "CLEARANALYTICS_FSYNC": mode}
                servers[f"ingest fsync={mode}"] = start_server(data_dir, args.threads, env)
            runs: dict[str, list[dict]] = {name: [] for name in servers}
            warm_up = argparse.Namespace(**{**vars(args), "seconds": 2})
            for _proc, url in servers.values():  # caches, salts, first batches
                run_wrk(url, script, warm_up)
            with contextlib.ExitStack() as stack:
                peaks = {name: stack.enter_context(PeakRss(proc.pid)) for name, (proc, _url) in servers.items()}
                for _ in range(args.rounds):
                    for name, (proc, url) in servers.items():
                        before = cpu_seconds(proc.pid)
                        result = run_wrk(url, script, args)
                        cpu = cpu_seconds(proc.pid) - before
                        result["cpu_us"] = cpu / max(result["rps"] * args.seconds, 1) * 1e6
                        runs[name].append(result)
        finally:
            for proc, _url in servers.values():
                stop(proc)
    _summarise(group, runs, {name: peak.mb for name, peak in peaks.items()})
    return group


def _summarise(group: Group, runs: dict[str, list[dict]], peak_mb: dict[str, float]) -> None:
    best = {name: max(r["rps"] for r in rs) for name, rs in runs.items()}
    cpu = {name: sorted(r["cpu_us"] for r in rs)[len(rs) // 2] for name, rs in runs.items()}
    for name, rs in runs.items():
        group.facts[f"{name}: req/s per round"] = [round(r["rps"]) for r in rs]
        group.facts[f"{name}: non-2xx answers, socket errors"] = [(r["non_2xx"], r["socket_errors"]) for r in rs]
        group.facts[f"{name}: server CPU us/request per round"] = [round(r["cpu_us"]) for r in rs]
        group.facts[f"{name}: server peak RSS (MB)"] = round(peak_mb[name])
        group.add(f"{name}: best req/s", [best[name]], unit="req/s")
        group.add(f"{name}: p99 latency", [r["p99_ms"] for r in rs])
        if name != "bare route":
            group.facts[f"ratio {name} / bare route, best req/s"] = round(best[name] / best["bare route"], 2)
            group.facts[f"ratio {name} / bare route, by median server CPU per request"] = round(
                cpu["bare route"] / cpu[name], 2
            )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--fsync", default="off,batch", help="comma-separated fsync modes to measure (off: default)")
    parser.add_argument("--tmp-dir", default=None, help="where the data dirs go (the disk whose fsync counts)")
