"""`python -m bench ingest [--seconds S] [--workers N]` and `python -m bench import [--events N]`."""

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
            raise RuntimeError(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
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


def start_ingest(data_dir: Path, threads: int) -> tuple[subprocess.Popen, str]:
    from clearanalytics.cli.admin import ensure_account

    ensure_account(data_dir, tenant="bench", tenant_name="Bench", site="bench.example", email="bench@localhost",
                   password="bench-password-1")  # fmt: skip
    port = _free_port()
    env = _env() | {"CLEARANALYTICS_TRUSTED_PROXIES": "127.0.0.1"}
    cmd = [sys.executable, "-m", "clearanalytics", "serve", "--data-dir", str(data_dir), "--port", str(port),
           "--threads", str(threads)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(url, proc)
    return proc, url


def start_bare(threads: int) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    cmd = [sys.executable, "-m", "bench.bare", str(port), str(threads)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(), cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(url, proc)
    return proc, url


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (Linux /proc): robust when other jobs share the cores."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(proc: subprocess.Popen, url: str, workers: int, seconds: float) -> dict[str, float]:
    from bench import load

    before = cpu_seconds(proc.pid)
    result = load.run(url, workers, seconds)
    requests_done = result["rps"] * seconds
    result["cpu_us"] = (cpu_seconds(proc.pid) - before) / max(requests_done, 1) * 1e6
    return result


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def bench_ingest(args: argparse.Namespace) -> None:
    from bench import load

    print(f"machine: {machine()}")
    print(f"load: {args.workers} keep-alive connections (one process each), {args.seconds:g} s per run, "
          f"{args.rounds} alternating rounds, waitress threads {args.threads}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        ingest_proc, ingest_url = start_ingest(Path(tmp) / "data", args.threads)
        bare_proc, bare_url = start_bare(args.threads)
        try:
            load.run(ingest_url, args.workers, 1.0)  # warm-up: caches, salts, first batches
            load.run(bare_url, args.workers, 1.0)
            bare, ingest = [], []
            for _ in range(args.rounds):
                bare.append(measured(bare_proc, bare_url, args.workers, args.seconds))
                ingest.append(measured(ingest_proc, ingest_url, args.workers, args.seconds))
            best_bare = max(r["rps"] for r in bare)
            best_ingest = max(r["rps"] for r in ingest)
            for name, runs in (("bare Flask+waitress JSON route", bare), ("POST /api/event (ingest)", ingest)):
                rps = ", ".join(f"{r['rps']:.0f}" for r in runs)
                cpu = ", ".join(f"{r['cpu_us']:.0f}" for r in runs)
                errors = sum(r["errors"] for r in runs)
                print(f"{name}: req/s per round {rps}; server CPU us/request {cpu}; errors {errors}")
            print(f"ratio ingest/bare, best req/s of the rounds: {best_ingest / best_bare:.2f}")
            cpu_bare = sorted(r["cpu_us"] for r in bare)[len(bare) // 2]
            cpu_ingest = sorted(r["cpu_us"] for r in ingest)[len(ingest) // 2]
            print(f"ratio ingest/bare, server CPU per request (median; capacity when CPU-bound): "
                  f"{cpu_bare / cpu_ingest:.2f}")  # fmt: skip
            half = best_ingest / 2
            paced = load.run(ingest_url, args.workers, args.seconds, rate=half)
            print(f"ingest at half its max rate ({half:.0f} req/s target, {paced['rps']:.0f} achieved): "
                  f"p50 {paced['p50_ms']:.1f} ms, p99 {paced['p99_ms']:.1f} ms")  # fmt: skip
        finally:
            stop(ingest_proc)
            stop(bare_proc)


def bench_import(args: argparse.Namespace) -> None:
    import json

    from clearanalytics.cli.admin import ensure_account
    from clearanalytics.db import Database
    from clearanalytics.demo import generate
    from clearanalytics.ingest.importer import import_file

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl"
        count = 0
        with path.open("w") as fh:
            days = 90
            per_day = max(10, args.events // (days * 2))
            while count < args.events:
                for line in generate("bench.example", days=days, visits_per_day=per_day, seed=count):
                    fh.write(json.dumps(line) + "\n")
                    count += 1
                    if count >= args.events:
                        break
        data_dir = Path(tmp) / "data"
        ensure_account(data_dir, tenant="bench", tenant_name="Bench", site="bench.example", email="bench@localhost",
                       password="bench-password-1")  # fmt: skip
        db = Database.in_data_dir(data_dir)
        try:
            cpu0, wall0 = time.process_time(), time.perf_counter()
            report = import_file(db, path)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        finally:
            db.close()
        total = report.accepted + sum(report.dropped.values()) + report.error_count
        print(f"import of {total} events ({report.accepted} accepted): {wall:.2f} s wall, {cpu:.2f} s CPU")
        print(f"import rate: {total / wall:,.0f} events/s (wall), {total / cpu:,.0f} events/s per CPU second")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    sub = parser.add_subparsers(dest="what", required=True)
    ingest = sub.add_parser("ingest", help="POST /api/event throughput vs a bare Flask+waitress route")
    ingest.add_argument("--seconds", type=float, default=10)
    ingest.add_argument("--workers", type=int, default=4)
    ingest.add_argument("--threads", type=int, default=8)
    ingest.add_argument("--rounds", type=int, default=2)
    imp = sub.add_parser("import", help="clearanalytics import events/s")
    imp.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    bench_ingest(args) if args.what == "ingest" else bench_import(args)


if __name__ == "__main__":
    main()
