"""Benchmark results: cases with samples, the printed table (min, median, p95) and bench/results.json.

Each `python -m bench <what>` run replaces its own group in results.json and keeps the others,
so `python -m bench all` and separate runs end in the same file.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 20 samples is the 19th smallest)."""
    ordered = sorted(samples)
    rank = max(1, -(-int(fraction * 1000) * len(ordered) // 1000))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Group:
    name: str
    facts: dict[str, Any] = field(default_factory=dict)
    cases: list[dict[str, Any]] = field(default_factory=list)

    def add(self, case: str, samples: list[float], unit: str = "ms", **extra: Any) -> dict[str, Any]:
        row = {
            "case": case,
            "unit": unit,
            "n": len(samples),
            "min": min(samples),
            "median": statistics.median(samples),
            "p95": percentile(samples, 0.95),
        } | extra
        self.cases.append(row)
        return row

    def print(self) -> None:
        print(f"\n## {self.name}")
        for key, value in self.facts.items():
            print(f"- {key}: {value}")
        extras = sorted({k for c in self.cases for k in c} - {"case", "unit", "n", "min", "median", "p95"})
        print("| case | unit | n | min | median | p95 | " + " | ".join(extras) + " |")
        print("|---" * (6 + len(extras)) + "|")
        for c in self.cases:
            cells = [c["case"], c["unit"], str(c["n"])] + [_fmt(c[k]) for k in ("min", "median", "p95")]
            cells += [_fmt(c.get(k, "")) for k in extras]
            print("| " + " | ".join(cells) + " |")

    def save(self) -> None:
        data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        data[self.name] = {"facts": self.facts, "cases": self.cases}
        RESULTS.write_text(json.dumps(data, indent=2, default=str) + "\n")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)
