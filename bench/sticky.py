"""`python -m bench sticky`: what routing without client-address affinity does to sessions, bounces and visitors.

Sessions are per node: each node's ingest keeps its visitors' open visits in memory
(`ingest/visitors.Sessions`: the current session, started at its first event, and the last pageview),
while the daily salts are shared through the accounts store, so a visitor hashes the same on every
node. This replays one day of traffic through real ingest pipelines (`ingest/pipeline.Pipeline`, all
steps: bots, user agents, salts, sessions) over one accounts database:

- one node: every hit through one pipeline (the reference);
- two nodes, sticky: a hit goes to the node its client address hashes to (nginx `hash $remote_addr
  consistent`);
- two nodes, round-robin: hits alternate between the two pipelines (nginx's default).

Then counts, from the pageview rows the pipelines built: sessions (distinct session hashes), bounce
rate (sessions of one pageview; the traffic has no custom events), visitors (distinct visitor hashes).
No server, no network: the figures are counts, not timings, so they do not depend on the machine.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from clearanalytics import accounts
from clearanalytics.db import Database
from clearanalytics.ingest.pipeline import Dropped, Event, Pipeline
from clearanalytics.ingest.store import Records

DOMAIN = "sticky.example"
PATHS = ("/", "/pricing", "/docs", "/blog/one", "/blog/two", "/signup")
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.2 Mobile/15E148 Safari/604.1",
)


@dataclass(frozen=True, order=True)
class Hit:
    """One pageview as the load balancer sees it: when, from which address and browser, which page."""

    at: datetime
    ip: str
    agent: str
    path: str


@dataclass(frozen=True)
class Figures:
    pageviews: int
    sessions: int
    bounces: int
    visitors: int

    @property
    def bounce_rate(self) -> float:
        return 100.0 * self.bounces / self.sessions if self.sessions else 0.0


Route = Callable[[Hit, int], int]  # (hit, its position in the day's sequence) -> node


def sticky(nodes: int) -> Route:
    """By client address, as `hash $remote_addr consistent` does: one address, one node."""
    return lambda hit, _i: zlib.crc32(hit.ip.encode()) % nodes


def round_robin(nodes: int) -> Route:
    return lambda _hit, i: i % nodes


def today_utc() -> datetime:
    """Midnight UTC today: live events must fall on a day whose salt is still kept (today, UTC site)."""
    return datetime.now(UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)


def traffic(visitors: int, seed: int = 1, day: datetime | None = None) -> list[Hit]:
    """One day of visits, seeded: each visitor makes 1-3 visits at least 40 minutes apart, each of 1-6
    pageviews (40% of visits a single page) under 10 minutes apart, between 00:00 and 22:00."""
    rng, start = random.Random(seed), day or today_utc()
    hits = []
    for n in range(visitors):
        ip, agent = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}", AGENTS[n % len(AGENTS)]
        at = start + timedelta(seconds=rng.randrange(0, 12 * 3600))
        for _visit in range(rng.choice((1, 1, 2, 3))):
            pages = 1 if rng.random() < 0.4 else rng.randint(2, 6)
            for _ in range(pages):
                hits.append(Hit(at, ip, agent, rng.choice(PATHS)))
                at += timedelta(seconds=rng.randrange(10, 600))
            at += timedelta(minutes=rng.randrange(40, 180))
    return sorted(h for h in hits if h.at < start + timedelta(hours=22))


def open_accounts(data_dir: Path) -> Database:
    """A fresh accounts database with the one site (UTC) the traffic is for."""
    data_dir.mkdir(parents=True, exist_ok=True)
    db = Database.in_data_dir(data_dir)
    with db.transaction() as cur:
        tenant = accounts.create_tenant(cur, "sticky", "Sticky")
        accounts.create_site(cur, tenant, DOMAIN)
    return db


def replay(db: Database, hits: Iterable[Hit], nodes: int, route: Route) -> Figures:
    """The hits through `nodes` pipelines sharing `db` (one salt source), each with its own sessions."""
    pipelines = [Pipeline(db) for _ in range(nodes)]
    rows = []
    for i, hit in enumerate(hits):
        raw = {"name": "pageview", "url": f"https://{DOMAIN}{hit.path}", "domain": DOMAIN}
        event = Event(raw, hit.ip, hit.agent, hit.at, records=Records())
        try:
            pipelines[route(hit, i)].run(event)
        except Dropped as exc:
            raise RuntimeError(f"the replay dropped a hit ({exc.reason}): the traffic must be live, today") from None
        rows.extend(event.records.rows["pageviews"])
    per_session = Counter(row[3] for row in rows)
    return Figures(
        pageviews=len(rows),
        sessions=len(per_session),
        bounces=sum(1 for n in per_session.values() if n == 1),
        visitors=len({row[2] for row in rows}),
    )


def measure(db: Database, hits: list[Hit]) -> dict[str, Figures]:
    return {
        "one node": replay(db, hits, 1, round_robin(1)),
        "two nodes, sticky by client address": replay(db, hits, 2, sticky(2)),
        "two nodes, round-robin": replay(db, hits, 2, round_robin(2)),
    }


def table(results: dict[str, Figures]) -> list[str]:
    base = next(iter(results.values()))
    lines = [
        "| set-up | pageviews | sessions | vs one node | bounce rate | visitors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, f in results.items():
        ratio = f.sessions / base.sessions if base.sessions else 0.0
        lines.append(
            f"| {name} | {f.pageviews:,} | {f.sessions:,} | {ratio:.2f}x | {f.bounce_rate:.1f}% | {f.visitors:,} |"
        )
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--visitors", type=int, default=20_000, help="visitors in the day's traffic")
    parser.add_argument("--seed", type=int, default=1)


def bench_sticky(args: argparse.Namespace):
    """The dispatcher's entry: prints the table; the Group (sessions as the case's one sample) goes to results.json."""
    from bench.results import Group

    hits = traffic(args.visitors, args.seed)
    with tempfile.TemporaryDirectory(prefix="ca-sticky-") as tmp:
        db = open_accounts(Path(tmp) / "data")
        try:
            results = measure(db, hits)
        finally:
            db.close()
    print("\n".join(table(results)))
    group = Group("sticky", facts={"traffic": f"{args.visitors:,} visitors, {len(hits):,} pageviews, seed {args.seed}"})
    base = results["one node"]
    for name, f in results.items():
        group.add(
            name,
            [float(f.sessions)],
            unit="sessions",
            vs_one_node=round(f.sessions / base.sessions, 2),
            bounce_rate=round(f.bounce_rate, 1),
            visitors=f.visitors,
        )
    return group


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.sticky")
    add_arguments(parser)
    bench_sticky(parser.parse_args())
