"""`clearanalytics import-plausible`: Plausible CE's "Export data" ZIP, daily aggregates into imported tables.

The ZIP is Plausible's own (plausible/analytics, lib/plausible/exports.ex `export_queries`): one
CSVWithNames file per `imported_*` table, named `imported_<table>.csv` or, for a date range,
`imported_<table>_YYYYMMDD_YYYYMMDD.csv`. The rows are per-day sums, not events, so they cannot go
through the pipeline: they become one import (storage/imports.py), rows of `imported_totals` and
`imported_dims` whose columns are rollup_totals' and rollup_dims', written by the site's event store
(DuckDB: migrations.m013_imports; ClickHouse: clickhouse_schema.c004_imports), and the reports add them
to the closed days that have no native data (stats/imported.py). Columns are read by their header
names (extra ones ignored), so the same reader takes exports of older and newer Plausible versions
that kept these names.

A file is checked whole before anything is written: a bad ZIP stores nothing. `imported_custom_events`
is read for its check only (goals here are defined per site, so its event names have no goal to count
toward).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from clearanalytics.accounts import Site
from clearanalytics.db import new_id
from clearanalytics.storage.imports import StoredImport

_NAME = re.compile(r"^(?:.*/)?(imported_[a-z_]+?)(?:_\d{8}_\d{8})?\.csv$")
# table -> the columns read (besides `date`); a file may have more (Plausible adds some over versions)
TABLES: dict[str, tuple[str, ...]] = {
    "imported_visitors": ("visitors", "pageviews", "bounces", "visits", "visit_duration"),
    "imported_sources": ("source", "referrer", "utm_source", "utm_medium", "utm_campaign", "visitors", "pageviews"),
    "imported_pages": ("page", "visitors", "pageviews"),
    "imported_entry_pages": ("entry_page", "visitors", "entrances"),
    "imported_exit_pages": ("exit_page", "visitors", "exits"),
    "imported_locations": ("country", "region", "visitors", "pageviews"),
    "imported_devices": ("device", "visitors", "pageviews"),
    "imported_browsers": ("browser", "visitors", "pageviews"),
    "imported_operating_systems": ("operating_system", "visitors", "pageviews"),
    "imported_custom_events": ("name", "visitors", "events"),
}
NUMBERS = {"visitors", "pageviews", "bounces", "visits", "visit_duration", "entrances", "exits", "events"}
DIRECT = {"", "Direct / None"}


class PlausibleError(ValueError):
    """One clear line naming the file, the line and the column; nothing of the ZIP is stored."""


@dataclass
class Parsed:
    totals: dict[date, tuple[int, int, int, int, int]] = field(default_factory=dict)
    dims: dict[tuple[date, str, str | None, str | None, str | None], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0, 0])
    )
    files: list[str] = field(default_factory=list)

    def dim(self, day: date, dimension: str, v1: str | None, visitors: int, pageviews: int, v2: str | None = None,
            v3: str | None = None, duration: int = 0) -> None:  # fmt: skip
        """Rows that fall on one key here (a browser's versions, a source's UTM tags) are summed."""
        sums = self.dims[(day, dimension, v1, v2, v3)]
        sums[0] += visitors
        sums[1] += pageviews
        sums[2] += duration


def read_zip(path: Path) -> Parsed:
    """Every file of the export checked and mapped; PlausibleError on the first problem."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PlausibleError(f"{Path(path).name}: not a ZIP file ({exc})") from None
    parsed = Parsed()
    with archive:
        names = {}
        for info in archive.infolist():
            found = _NAME.match(info.filename)
            if found and found.group(1) in TABLES:
                names[found.group(1)] = info.filename
        if "imported_visitors" not in names:
            raise PlausibleError(
                f"{Path(path).name}: not a Plausible export: it has no imported_visitors CSV file"
                " (Plausible CE: Site settings -> Imports & Exports -> Export data)"
            )
        for table, member in sorted(names.items()):
            with archive.open(member) as raw:
                _read_table(parsed, table, member, io.TextIOWrapper(raw, encoding="utf-8", errors="replace"))
            parsed.files.append(member)
    return parsed


def _read_table(parsed: Parsed, table: str, member: str, text: io.TextIOBase) -> None:
    for line, row in _rows(member, table, text):
        _map(parsed, table, row, line, member)


def _rows(member: str, table: str, text: io.TextIOBase) -> Iterator[tuple[int, dict]]:
    reader = csv.reader(text)
    try:
        header = next(reader, None) or []
        wanted = ("date", *TABLES[table])
        missing = [c for c in wanted if c not in header]
        if missing:
            raise PlausibleError(f"{member}: line 1: header: no {missing[0]!r} column (has {','.join(header)[:80]!r})")
        index = {c: header.index(c) for c in wanted}
        for values in reader:
            if not values:
                continue
            line = reader.line_num
            if len(values) != len(header):
                raise PlausibleError(f"{member}: line {line}: row: has {len(values)} fields, want {len(header)}")
            yield line, {c: values[i] for c, i in index.items()}
    except csv.Error as exc:
        raise PlausibleError(f"{member}: line {reader.line_num}: row: not valid CSV ({exc})") from None


def _map(parsed: Parsed, table: str, row: dict, line: int, member: str) -> None:
    def bad(column: str, message: str) -> PlausibleError:
        return PlausibleError(f"{member}: line {line}: {column}: {message}")

    try:
        day = date.fromisoformat(row["date"])
    except ValueError:
        raise bad("date", f"is not a date (YYYY-MM-DD): {row['date'][:20]!r}") from None
    n = {}
    for column in TABLES[table]:
        if column in NUMBERS:
            value = row[column].strip() or "0"
            if not value.isdigit():
                raise bad(column, f"must be a whole number, not {value[:20]!r}")
            n[column] = int(value)
    if table == "imported_visitors":
        if day in parsed.totals:
            raise bad("date", f"{day} appears twice")
        parsed.totals[day] = (n["visitors"], n["pageviews"], n["visits"], n["bounces"], n["visit_duration"])
    elif table == "imported_sources":
        source, referrer = row["source"], row["referrer"]
        if source in DIRECT:
            parsed.dim(day, "referrer", "direct", n["visitors"], n["pageviews"])
        else:
            host = referrer.split("/")[0] or None if referrer else None
            parsed.dim(day, "referrer", source, n["visitors"], n["pageviews"], v2=host)
        utm = [row[c] or None for c in ("utm_source", "utm_medium", "utm_campaign")]
        if any(utm):
            parsed.dim(day, "campaign", utm[0], n["visitors"], n["pageviews"], v2=utm[1], v3=utm[2])
    elif table == "imported_pages":
        parsed.dim(day, "page", _path(row["page"]), n["visitors"], n["pageviews"])
    elif table in ("imported_entry_pages", "imported_exit_pages"):
        kind, count = ("entry", "entrances") if table == "imported_entry_pages" else ("exit", "exits")
        parsed.dim(day, kind, _path(row[f"{kind}_page"]), n["visitors"], n[count])
    elif table == "imported_locations":
        country, region = row["country"].strip() or None, row["region"].strip() or None
        if country is not None and not re.fullmatch(r"[A-Z]{2}", country):
            raise bad("country", f"must be an ISO 3166-1 code such as DE, not {country[:10]!r}")
        parsed.dim(day, "country", country, n["visitors"], n["pageviews"])
        if country and region:
            parsed.dim(day, "region", country, n["visitors"], n["pageviews"], v2=region)
    elif table == "imported_devices":
        parsed.dim(day, "device", row["device"].strip().lower() or "unknown", n["visitors"], n["pageviews"])
    elif table == "imported_browsers":
        parsed.dim(day, "browser", row["browser"].strip() or "Unknown", n["visitors"], n["pageviews"])
    elif table == "imported_operating_systems":
        parsed.dim(day, "os", row["operating_system"].strip() or "Unknown", n["visitors"], n["pageviews"])


def _path(value: str) -> str:
    return value if value.startswith("/") else "/" + value


def as_import(site: Site, parsed: Parsed, file_name: str, now: datetime | None = None) -> StoredImport:
    """The parsed export as one import of `site` (a new id), which its event store writes (EventStore.write_import)."""
    days = sorted(parsed.totals)
    totals = [(day, *sums) for day, sums in sorted(parsed.totals.items())]
    dims = [(day, dim, v1, v2, v3, *sums) for (day, dim, v1, v2, v3), sums in parsed.dims.items()]
    return StoredImport(
        new_id(), site.id, "plausible", file_name[:200], days[0] if days else None, days[-1] if days else None,
        len(days), now or datetime.now(UTC).replace(tzinfo=None), totals=totals, dims=dims,
    )  # fmt: skip
