"""`python -m bench import`: the whole `clearanalytics import` command, events/s and peak memory.

Each run is the real command in its own process (`python -m clearanalytics import --workers N
FILE`) on a fresh data dir, so one run's memory never inflates the next and the figure
includes starting Python, counting the lines for the progress bar and the final checkpoint.
Memory is reported two ways:

- peak RSS of the whole process tree (the command plus its forked workers), sampled from /proc
  every 20 ms; pages a fork shares are counted in each process, as `ps` would;
- peak PSS of the tree, sampled likewise: shared pages split between their sharers, so this
  sum is the memory the tree really occupies;
- the largest single process's peak RSS, exact, from the kernel (ru_maxrss of wait4).

`--python-path DIR` runs the command with the clearanalytics package found in DIR (an older
checkout, say), for before/after figures from the same file and the same bench.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.results import Group
from bench.rss import PeakTreeRss

ROOT = Path(__file__).resolve().parent.parent
SITE = "bench.example"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--import-workers", type=int, default=0, help="default: one per CPU, at most 4")
    parser.add_argument("--jsonl", type=Path, help="write (and keep) the import file here")
    parser.add_argument("--input", type=Path, help="import this existing JSONL file instead of generating one")
    parser.add_argument("--runs", choices=("both", "workers", "one"), default="both",
                        help="the workers run, the one-process run, or both (default)")  # fmt: skip
    parser.add_argument("--python-path", type=Path, help="import with the clearanalytics package in this folder")
    parser.add_argument("--tmp", type=Path, help="folder for the data dirs (default: the system's temp folder)")


def write_demo_file(path: Path, events: int) -> int:
    """The demo generator's traffic for SITE over 90 days (pageviews, custom events, purchases)."""
    from clearanalytics.demo import generate

    count = 0
    with path.open("w") as fh:
        days = 90
        per_day = max(10, events // (days * 2))
        while count < events:
            for line in generate(SITE, days=days, visits_per_day=per_day, seed=count):
                fh.write(json.dumps(line) + "\n")
                count += 1
                if count >= events:
                    break
    return count


def bench_import(args: argparse.Namespace, machine: str) -> Group:
    print(f"machine: {machine}")
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        if args.input:
            path = args.input
            with path.open("rb") as fh:
                lines = sum(1 for line in fh if line.strip())
        else:
            path = args.jsonl or Path(tmp) / "events.jsonl"
            lines = write_demo_file(path, args.events)
        workers = args.import_workers or min(4, os.cpu_count() or 1)
        modes = {"both": (workers, 1), "workers": (workers,), "one": (1,)}[args.runs]
        group = Group("import")
        group.facts["machine"] = machine
        group.facts["file"] = f"{lines} lines, {path.stat().st_size / 1e6:.0f} MB"
        group.facts["code"] = str(args.python_path or ROOT)
        for count in modes:
            label = f"{count} workers" if count > 1 else "1 process"
            run = import_once(Path(tmp) / f"data-{count}", path, count, args.python_path or ROOT)
            group.facts[f"{label}: report"] = run["report"]
            group.facts[f"{label}: wall / CPU (all processes)"] = f"{run['wall']:.2f} s / {run['cpu']:.2f} s"
            group.facts[f"{label}: events/s (wall, whole command)"] = round(lines / run["wall"])
            group.facts[f"{label}: peak RSS, whole process tree"] = f"{run['tree_mb']:.0f} MB"
            group.facts[f"{label}: peak PSS, whole process tree"] = f"{run['pss_mb']:.0f} MB"
            group.facts[f"{label}: peak RSS, largest process"] = f"{run['max_mb']:.0f} MB"
            group.facts[f"{label}: load average after"] = f"{os.getloadavg()[0]:.1f}"
            group.add(f"import rate, {label}", [lines / run["wall"]], unit="events/s")
            group.add(f"import peak RSS, process tree, {label}", [run["tree_mb"]], unit="MB")
    return group


def import_once(data_dir: Path, path: Path, workers: int, code: Path) -> dict:
    """One `clearanalytics import` on a fresh data dir: wall, CPU, memory and its report line."""
    from clearanalytics.cli.admin import ensure_account

    ensure_account(data_dir, tenant="bench", tenant_name="Bench", site=SITE,
                   email="bench@localhost", password="bench-password-1")  # fmt: skip
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(code), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-m", "clearanalytics", "import", "--data-dir", str(data_dir),
               "--workers", str(workers), str(path)]  # fmt: skip
    with tempfile.TemporaryFile("w+") as err:
        wall0 = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=data_dir.parent)
        with PeakTreeRss(proc.pid, interval=0.02) as peak:
            _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - wall0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read()
    if proc.returncode:
        raise RuntimeError(f"clearanalytics import failed ({proc.returncode}): {stderr[-2000:]}")
    report = re.search(r"^accepted .*$", stderr, re.MULTILINE)
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,  # includes the workers it waited for
        "tree_mb": peak.mb,
        "pss_mb": peak.pss_mb,
        "max_mb": usage.ru_maxrss / 1024,
        "report": report.group(0) if report else "?",
    }
