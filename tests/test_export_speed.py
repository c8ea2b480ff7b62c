"""Exports read in Top-N chunks by row id, their text written by DuckDB ([3/7] item 6).

What a client sees must not change: every body here is compared byte for byte with what the
Python encoders (`exports.formats`, the only encoders before) write for the same rows, and with
`export_dataset`'s encoding written independently. The data set makes the walk hard: ids and
created_at interleave across sites and tenants, several rows share one created_at (down to the
millisecond), rows are stored out of id order, three sites in three timezones have rows on the
edges of their own ranges, and some text is what DuckDB and Python escape differently.
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest
import requests
from conftest import LiveServer, make_account, run_cli
from export_dataset import RATE_LIMIT_ENV, Seeded, expected_csv, expected_json, insert_rows, pageview, site_ids

from clearanalytics.db import Database
from clearanalytics.exports.columns import PAGEVIEWS, Column
from clearanalytics.exports.formats import csv_chunks, jsonl_chunks
from clearanalytics.exports.sqltext import text_query
from clearanalytics.stats.exports import CHUNK_ROWS, ExportPage, chunk_text_sql
from clearanalytics.stats.query import SiteRange

MOMENTS = 1800  # x 3 acme sites (+1 twin row) = over one chunk of 5000
AWKWARD = ["tab\there", "unit\x1fsep", "vt\x0bx", "lit \\u000B text", 'q"uote', "a,b", "=SUM(A1)", "-1", "é😀\u2028"]
FROM, TO = "2026-01-10", "2026-01-12"  # the explicit range of the edge test
SITES = {"example.com": "UTC", "shop.example.org": "America/New_York", "blog.example.net": "Asia/Tokyo"}


def _edges(tz: str) -> list[datetime]:
    """Just before, at, and just before the end of a site's own range for FROM..TO, in naive UTC."""
    zone = ZoneInfo(tz)
    start = datetime.fromisoformat(FROM).replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    end = (datetime.fromisoformat(TO) + timedelta(days=1)).replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    return [start - timedelta(seconds=1), start, end - timedelta(seconds=1), end]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Seeded:
    data_dir = tmp_path_factory.mktemp("export-speed") / "data"
    acme = make_account(data_dir)
    for domain, tz in list(SITES.items())[1:]:
        assert run_cli("site", "add", domain, "--data-dir", data_dir, "--tenant", "acme",
                       "--timezone", tz).exit_code == 0  # fmt: skip
    globex = make_account(data_dir, tenant="globex", site="globex.test", email="boss@globex.test")
    ids = site_ids(data_dir)
    acme_sites = [ids[d] for d in SITES]
    rng = random.Random(14)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    rows = []
    for i in range(MOMENTS):
        moment = now - timedelta(days=1, seconds=i * 41)  # one created_at for four to five rows
        for n, site_id in enumerate([*acme_sites, ids["globex.test"]]):
            row = pageview(rng, site_id, moment, i + n)
            if i % 50 == n:
                row["utm_term"] = AWKWARD[(i // 50) % len(AWKWARD)]
            rows.append(row)
        if i % 7 == 0:  # two rows of one site in the same millisecond
            rows.append(pageview(rng, acme_sites[i % 3], moment, i))
    for site_id, tz in zip(acme_sites, SITES.values(), strict=True):
        rows += [pageview(rng, site_id, moment, 1) for moment in _edges(tz)]
    rng.shuffle(rows)  # stored out of id order: the Top-N's bound must not rely on the storage order
    insert_rows(data_dir, "pageviews", rows)
    return Seeded(data_dir, acme, globex, now, {"pageviews": rows}, {v: k for k, v in ids.items()},
                  {"acme": set(acme_sites), "globex": {ids["globex.test"]}})  # fmt: skip


@pytest.fixture(scope="module")
def server(seeded):
    live = LiveServer(seeded.data_dir, RATE_LIMIT_ENV).start()
    yield live
    live.stop()


def _expected(seeded: Seeded, keep) -> list[dict]:
    rows = [r for r in seeded.rows["pageviews"] if r["site_id"] in seeded.tenant_sites["acme"] and keep(r)]
    return sorted(rows, key=lambda r: r["id"])


def _recent(seeded: Seeded):
    return lambda row: row["created_at"] >= seeded.now - timedelta(days=30)


def _python_body(seeded: Seeded, rows: list[dict], fmt: str) -> str:
    """What the Python encoders write for `rows` (the body every export had before DuckDB wrote it)."""
    tuples = [tuple(seeded.domains[r["site_id"]] if c.name == "domain" else r[c.name] for c in PAGEVIEWS) for r in rows]
    encode = jsonl_chunks if fmt == "jsonl" else csv_chunks
    return "".join(encode(PAGEVIEWS, [tuples]))


def _walk(server, seeded: Seeded, fmt: str, limit: int, **params) -> tuple[list[str], list[int]]:
    """Every page's body in turn, following the cursor as the reference's example does."""
    bodies, sizes, cursor = [], [], None
    while True:
        query = params | {"format": fmt, "limit": limit} | ({"cursor": cursor} if cursor else {})
        response = requests.get(f"{server.url}/api/v1/export/pageviews", params=query, timeout=60,
                                headers={"Authorization": f"Bearer {seeded.acme.token}"})  # fmt: skip
        assert response.status_code == 200, response.text
        body = response.content.decode("utf-8")
        lines = body.split("\n")[:-1] if fmt == "jsonl" else body.split("\r\n")[1:-1]
        bodies.append(body)
        sizes.append(len(lines))
        if len(lines) < limit:
            return bodies, sizes
        cursor = json.loads(lines[-1])["id"] if fmt == "jsonl" else lines[-1].split(",", 1)[0]


# Page sizes that are no multiple of a tie's size: most of some 50 page ends fall inside a run of rows that share one
# created_at (three a moment on average), which is what the cursor must walk right. (7 and 11 made 1,200 requests.)
@pytest.mark.parametrize(("fmt", "limit"), [("jsonl", 97), ("csv", 113), ("jsonl", CHUNK_ROWS + 123)])
def test_every_row_once_in_id_order_with_the_bytes_the_python_encoders_write(seeded, server, fmt, limit):
    expected = _expected(seeded, _recent(seeded))
    assert len(expected) > CHUNK_ROWS + 123 and len({r["created_at"] for r in expected}) < len(expected) / 3
    ends = range(limit, len(expected), limit)
    assert limit > CHUNK_ROWS or sum(expected[i - 1]["created_at"] == expected[i]["created_at"] for i in ends) >= 10
    bodies, sizes = _walk(server, seeded, fmt, limit)
    assert set(sizes[:-1]) == {limit} and sum(sizes) == len(expected)
    header = ",".join(c.name for c in PAGEVIEWS) + "\r\n"
    body = "".join(b.removeprefix(header) for b in bodies) if fmt == "csv" else "".join(bodies)
    assert (header if fmt == "csv" else "") + body == _python_body(seeded, expected, fmt)
    if fmt == "jsonl":
        assert [json.loads(line) for line in body.split("\n")[:-1]] == [
            expected_json(seeded, "pageviews", r) for r in expected
        ]
    else:
        assert list(csv.reader(io.StringIO(body, newline=""))) == [
            expected_csv(seeded, "pageviews", r) for r in expected
        ]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_each_site_keeps_the_edges_of_its_own_range(seeded, server, fmt):
    """The sites' ranges differ by up to 14 hours; their union bounds the scan and must cut none of them."""
    bodies, _ = _walk(server, seeded, fmt, 3, **{"from": FROM, "to": TO})
    tz_of = {site_id: SITES[seeded.domains[site_id]] for site_id in seeded.tenant_sites["acme"]}

    def inside(row: dict) -> bool:
        _, start, last, end = _edges(tz_of[row["site_id"]])
        return start <= row["created_at"] < end

    expected = _expected(seeded, inside)
    assert len(expected) == 6  # each site's first and last second, none of the seconds around them
    got = "".join(b.removeprefix(",".join(c.name for c in PAGEVIEWS) + "\r\n") for b in bodies)
    want = _python_body(seeded, expected, fmt)
    assert got == (want.split("\r\n", 1)[1] if fmt == "csv" else want)


# --- DuckDB's text against the Python encoders, on awkward values --------------------------------

COLUMNS = tuple(
    Column(name, kind, name != "id", "")
    for name, kind in [("id", "string"), ("s", "string"), ("i", "integer"), ("b", "boolean"), ("t", "timestamp"),
                       ("u", "string")]
)  # fmt: skip


def _awkward_rows(n: int) -> list[tuple]:
    rng = random.Random(6)
    alphabet = [chr(c) for c in range(128)] + list("éü€\u2028\u2029😀") + ["\\u000B", '\\"', "'", "=", "-", ","]

    def text():
        if rng.random() < 0.1:
            return None
        if rng.random() < 0.5:  # plain text, which takes the fast paths
            return rng.choice(["", "/pricing", "Chrome", "en-us", "a b", "x'y"])
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6)))

    moments = [None, datetime(2026, 2, 17, 14, 22, 0, 123456), datetime(1000, 1, 1), datetime(9999, 12, 31, 23, 59, 59)]
    return [(f"{k:06d}", text(), rng.choice([None, 0, -5, 2**31 - 1]), rng.choice([None, True, False]),
             rng.choice(moments), text()) for k in range(n)]  # fmt: skip


PLAIN = ("", "/pricing", "Chrome", "en-us", "a b", "x'y", None)


def _needs_python(row: tuple, fmt: str) -> bool:
    """Whether a row holds text that DuckDB's plain way would write differently from Python."""
    texts = [v for v in row if isinstance(v, str)]
    if fmt == "jsonl":
        return any(ord(ch) < 32 and ch not in "\b\f\n\r\t" for t in texts for ch in t) or any(
            "\\u00" in t for t in texts
        )
    cells = texts + [str(v) for v in row if isinstance(v, int) and not isinstance(v, bool)]
    return any(any(ch in t for ch in ',"\r\n') or t[:1] in ("=", "+", "-", "@", "\t") for t in cells)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_duckdb_writes_the_python_encoders_bytes_or_hands_the_row_back(fmt):
    rows = _awkward_rows(5000)
    con = duckdb.connect()
    con.execute("CREATE TABLE f (id VARCHAR, s VARCHAR, i INTEGER, b BOOLEAN, t TIMESTAMP, u VARCHAR)")
    con.executemany("INSERT INTO f VALUES (?, ?, ?, ?, ?, ?)", rows)
    got = con.execute(f"SELECT line, raw FROM ({text_query(COLUMNS, fmt, 'f')}) ORDER BY id").fetchall()
    encode = jsonl_chunks if fmt == "jsonl" else csv_chunks
    python = [list(encode(COLUMNS, [[r]]))[-1] for r in rows]
    for row, (line, raw), expected in zip(rows, got, python, strict=True):
        # A row comes back exactly when it needs the Python encoders, and then with all its values.
        assert (line is None) == _needs_python(row, fmt), row
        assert line == expected if line is not None else tuple(raw.values()) == row, row
    assert 0 < sum(line is None for line, _ in got) < len(rows) / 2


# --- the plan: a Top-N whose bound skips the rest of the table ----------------------------------


def _row_id(i: int) -> str:
    """Ids in storage order whose first 8 characters differ (DuckDB's min/max index keeps 8 of a
    string), as a ULID's time part makes them."""
    return f"{i:08d}" + "0" * 18


def test_a_chunk_is_a_top_n_that_reads_a_small_part_of_a_large_table(tmp_path):
    """Before, a page in the middle of 10 M rows was a full sort of every row after the cursor."""
    account = make_account(tmp_path / "data", timezone="UTC")
    db = Database.in_data_dir(account.data_dir)
    rows = 1_000_000
    try:
        with db.transaction() as cur:
            site_id = cur.execute("SELECT id FROM sites").fetchone()[0]
            cur.execute(
                "INSERT INTO pageviews SELECT printf('%08d', i) || repeat('0', 18), ?, 'v', 's', 'h', '/', NULL, "
                "'direct', 'direct', NULL, NULL, NULL, NULL, NULL, NULL, 'Chrome', 'macOS', 'desktop', NULL, 0, NULL, "
                "NULL, NULL, NULL, "  # country_code, region, city
                "TIMESTAMP '2026-01-01' + to_seconds(i) FROM range(?) t(i) ORDER BY i",
                [site_id, rows],
            )
        db._conn.execute("CHECKPOINT")  # as the rows of a large table are: in compressed row groups with min/max
        ranges = (SiteRange(site_id, "UTC", datetime(2025, 1, 1), datetime(2027, 1, 1)),)
        page = ExportPage("pageviews", (site_id,), ranges, None, 10000)
        after = _row_id(rows // 4)
        sql, params = chunk_text_sql(page, after, CHUNK_ROWS, "jsonl")
        with db.reading() as cur:
            got = cur.execute(*chunk_text_sql(page, after, CHUNK_ROWS, "jsonl", whole=False)).fetchall()
            text, last, count, handed_back = cur.execute(sql, params).fetchone()
            profile = json.loads(cur.execute("EXPLAIN (ANALYZE, FORMAT json) " + sql, params).fetchall()[0][1])
    finally:
        db.close()
    assert [i for i, _, _ in got] == [_row_id(rows // 4 + k) for k in range(1, CHUNK_ROWS + 1)]
    assert all(line.startswith('{"id":"' + i) and raw is None for i, line, raw in got)
    assert (text, last, count, handed_back) == ("".join(line for _, line, _ in got), got[-1][0], CHUNK_ROWS, 0)
    plan = json.dumps(profile)
    assert '"TOP_N"' in plan
    # Both scans together read a few row groups (122,880 rows each) of the 750,000 after the cursor.
    assert profile["query"]["total_rows_scanned"] < rows * 3 // 4 // 2
