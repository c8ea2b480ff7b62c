"""`python -m bench ingest|query|import|export|all`: prints a table per benchmark, writes bench/results.json.

python -m bench ingest [--fsync off,batch]           POST /api/event under wrk (apt-get install wrk) vs a bare route
python -m bench import [--events N] [--input FILE]   the clearanalytics import command: events/s, peak RSS
python -m bench query --pageviews N --data-dir D     every stats report at 12m: rollups vs raw SQL
python -m bench export --data-dir D                  full streamed export of the pageviews, server RSS
python -m bench concurrent --data-dir D [--concurrency 50]  mixed 30d/12m reports from many clients under wrk
python -m bench sticky [--visitors N]               sessions/bounces/visitors: two nodes, sticky vs round-robin
python -m bench all --pageviews N --data-dir D       all four, in that order
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench.results import RESULTS, Group

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, load average {load:.1f} at start"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = getattr(proc, "log_path", None)
            raise RuntimeError(f"server exited: {Path(log).read_text() if log else ''}")
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("server never became healthy")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _popen_logged(cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
    """stderr into a file: a pipe nobody reads fills up (waitress warns per queued request) and stalls the server."""
    fd, path = tempfile.mkstemp(prefix="bench-server-", suffix=".log")
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=fd, env=env, cwd=ROOT)
    finally:
        os.close(fd)
    proc.log_path = path  # type: ignore[attr-defined]
    return proc


def start_server(data_dir: Path, threads: int | None, extra_env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """`clearanalytics serve` on a free port; threads None leaves the server's own default."""
    port = _free_port()
    env = _env() | extra_env
    cmd = [sys.executable, "-m", "clearanalytics", "serve", "--data-dir", str(data_dir), "--port", str(port)]
    cmd += ["--threads", str(threads)] if threads is not None else []
    proc = _popen_logged(cmd, env)
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(url, proc)
    return proc, url


def start_bare(threads: int) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    cmd = [sys.executable, "-m", "bench.bare", str(port), str(threads)]
    proc = _popen_logged(cmd, _env())
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(url, proc)
    return proc, url


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (Linux /proc): robust when other jobs share the cores."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    if getattr(proc, "log_path", None):
        Path(proc.log_path).unlink(missing_ok=True)


def bench_import(args: argparse.Namespace) -> Group:
    from bench import importing

    return importing.bench_import(args, machine())


def main() -> None:
    from bench import concurrent, export, importing, query, sticky, wrk

    parser = argparse.ArgumentParser(prog="python -m bench")
    sub = parser.add_subparsers(dest="what", required=True)
    parsers = {
        "ingest": sub.add_parser("ingest", help="POST /api/event under wrk: ingest per fsync mode vs the bare route"),
        "import": sub.add_parser("import", help="clearanalytics import events/s"),
        "query": sub.add_parser("query", help="every stats report at 12m: rollups vs raw SQL"),
        "export": sub.add_parser("export", help="full export of the pageviews through the API, server RSS"),
        "all": sub.add_parser("all", help="ingest, import, query and export"),
        "wrk": sub.add_parser("wrk", help="the same as ingest (its older name)"),
        "concurrent": sub.add_parser("concurrent", help="mixed 30d/12m reports from many clients under wrk"),
        "sticky": sub.add_parser("sticky", help="sessions on two nodes: sticky vs round-robin routing"),
    }
    sticky.add_arguments(parsers["sticky"])
    for name in ("ingest", "wrk", "all"):
        wrk.add_arguments(parsers[name])
    concurrent.add_arguments(parsers["concurrent"])
    for name in ("import", "all"):
        importing.add_arguments(parsers[name])
    for name in ("query", "export", "all"):
        query.add_arguments(parsers[name])
    for name in ("ingest", "wrk", "export", "all"):
        parsers[name].add_argument("--threads", type=int, default=8, help="waitress threads of each server")
    parsers["export"].add_argument("--max-rows", type=int, default=0, help="stop after about this many rows")
    parsers["export"].add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    parsers["export"].set_defaults(memory_limit=None)  # the server's own default unless given
    parsers["all"].set_defaults(max_rows=0)
    args = parser.parse_args()
    steps = {
        "ingest": [wrk.bench_ingest],
        "import": [bench_import],
        "query": [query.bench_query],
        "export": [export.bench_export],
        "all": [wrk.bench_ingest, bench_import, query.bench_query, export.bench_export],
        "wrk": [wrk.bench_ingest],
        "concurrent": [concurrent.bench_concurrent],
        "sticky": [sticky.bench_sticky],
    }[args.what]
    for step in steps:
        group = step(args)
        group.print()
        group.save()
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
