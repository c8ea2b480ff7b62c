"""`clearanalytics import-goatcounter`: GoatCounter's CSV export, one row per hit, through the import pipeline.

The format is GoatCounter's own (arp242/goatcounter, exportcsv.go, ExportCSVVersion "2"): a header whose
first field carries the version digit, then one row per hit with these 14 fields in this order:

    2Path,Title,Event,UserAgent,Browser,System,Session,Bot,Referrer,Referrer scheme,Screen size,Location,FirstVisit,Date

A row becomes one line of the JSONL importer (ingest/importer.py), so it goes through the same pipeline as
a live event: bots dropped, the referrer classified, goals matched, 30-minute sessions formed. GoatCounter
exports no IP address, so the visitor is its `Session` column: the pipeline hashes it, with the site's salt
of that day and the row's user agent, exactly as it would an IP; the session id itself is never stored.
Exports since GoatCounter 2.0 leave `UserAgent` empty: then `Browser` and `System` ("Chrome 120",
"macOS 14") name the browser and OS, and the
screen width gives the device type (ingest/useragent.given_agent).
`Location` ("DE" or "US-CA") gives the country and region. The whole file is checked before one row is
stored, so a bad file imports nothing. A day (in the site's timezone) that already has pageviews of the site
keeps its own data whole: the export's rows of that day are skipped, so no day counts both trackers.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from clearanalytics.accounts import Site
from clearanalytics.db import Database
from clearanalytics.ingest.importer import ImportReport, import_documents
from clearanalytics.ingest.payload import PayloadError, parse_payload
from clearanalytics.ingest.urls import BadUrl, parse_page_url
from clearanalytics.ingest.visitors import local_day
from clearanalytics.stats.query import Query
from clearanalytics.storage import EventStore, store_of

VERSION = "2"
HEADER = [
    VERSION + "Path", "Title", "Event", "UserAgent", "Browser", "System", "Session", "Bot",
    "Referrer", "Referrer scheme", "Screen size", "Location", "FirstVisit", "Date",
]  # fmt: skip
_LOCATION = re.compile(r"^([A-Z]{2})(?:-([A-Z0-9]{1,3}))?$")
_BOOLEANS = {"1": True, "true": True, "t": True, "0": False, "false": False, "f": False}
_SCHEMES = {"h", "g", "o", "c"}  # http, generated, other, campaign (goatcounter's RefScheme*)


class GoatCounterError(ValueError):
    """One clear line naming the line and the field; nothing of the file is stored."""


def open_text(path: Path) -> io.TextIOBase:
    """The export as GoatCounter serves it (gzipped) or unpacked."""
    with Path(path).open("rb") as fh:
        gzipped = fh.read(2) == b"\x1f\x8b"
    raw = gzip.open(path, "rb") if gzipped else Path(path).open("rb")  # noqa: SIM115 - closed by the wrapper
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")


def rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row by column name) after the header is checked; the line is the row's first line."""
    with open_text(path) as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
        except (csv.Error, EOFError, OSError) as exc:
            raise GoatCounterError(f"line 1: header: not a CSV file ({exc})") from None
        if header != HEADER:
            shown = ",".join(header or [])[:80]
            raise GoatCounterError(
                f"line 1: header: not a GoatCounter CSV export (version {VERSION}); expected "
                f"{','.join(HEADER)!r}, found {shown!r}"
            )
        line = reader.line_num + 1
        try:
            for values in reader:
                if values:
                    if len(values) != len(HEADER):
                        raise GoatCounterError(f"line {line}: row: has {len(values)} fields, want {len(HEADER)}")
                    yield line, dict(zip(HEADER, values, strict=True))
                line = reader.line_num + 1
        except (csv.Error, EOFError, OSError) as exc:
            raise GoatCounterError(f"line {line}: row: not valid CSV ({exc})") from None


def to_document(line: int, row: dict[str, str], domain: str) -> dict[str, Any] | None:
    """One row as an import line; None for a bot's hit. Raises GoatCounterError naming the field."""

    def bad(field: str, message: str) -> GoatCounterError:
        return GoatCounterError(f"line {line}: {field}: {message}")

    path = row[VERSION + "Path"]
    if not path:
        raise bad("Path", "is required")
    event = _BOOLEANS.get(row["Event"].strip().lower())
    if event is None:
        raise bad("Event", f"must be true or false, not {row['Event'][:20]!r}")
    bot = row["Bot"].strip() or "0"
    if not bot.isdigit():
        raise bad("Bot", f"must be a whole number, not {bot[:20]!r}")
    created = _timestamp(row["Date"], bad)
    scheme = row["Referrer scheme"]
    if scheme and scheme not in _SCHEMES:
        raise bad("Referrer scheme", f"must be one of h, g, o, c or empty, not {scheme[:10]!r}")
    location = _location(row["Location"], bad)
    if int(bot):
        return None
    url = f"https://{domain}{path if path.startswith('/') else '/' + path}" if not event else f"https://{domain}/"
    referrer = row["Referrer"]
    doc: dict[str, Any] = {"name": "pageview" if not event else path[:120], "domain": domain, "timestamp": created}
    if referrer and scheme == "h":
        doc["referrer"] = "https://" + referrer
    elif referrer:  # a campaign, or a name GoatCounter made (generated/other): the source is that name
        url += ("&" if "?" in url else "?") + "utm_source=" + quote(referrer, safe="")
    doc["url"] = url
    session = row["Session"].strip()
    doc["ip"] = f"goatcounter-session:{session}" if session.strip("0-") else f"goatcounter-line:{line}"
    doc["user_agent"] = row["UserAgent"]
    if not doc["user_agent"]:  # exports since 2.0 leave it empty: GoatCounter's own browser and system names
        doc["browser"], doc["os"] = row["Browser"], row["System"]
        width = row["Screen size"].split(",")[0].strip()
        doc["screen_width"] = int(width) if width.isdigit() else 0
    doc["country_code"], doc["region"] = location
    return doc


def _timestamp(value: str, bad: Callable[[str, str], GoatCounterError]) -> str:
    try:
        ts = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise bad("Date", f"is not an RFC 3339 time: {value[:40]!r}") from None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).isoformat()


def _location(value: str, bad: Callable[[str, str], GoatCounterError]) -> tuple[str | None, str | None]:
    value = value.strip()
    if not value:
        return None, None
    found = _LOCATION.match(value)
    if not found:
        raise bad("Location", f"must be a country code or country-region code such as US-CA, not {value[:20]!r}")
    country, region = found.groups()
    return country, f"{country}-{region}" if region else None


def check_file(path: Path, domain: str, timezone: str = "UTC") -> tuple[int, set[date]]:
    """Every row checked before anything is stored: (row count, the site's local days of the rows),
    or the first bad line as GoatCounterError."""
    count, days = 0, set()
    for line, row in rows(path):
        doc = to_document(line, row, domain)
        if doc is not None:
            _as_the_pipeline_will(line, doc)
            days.add(_day(doc, timezone))
        count += 1
    return count, days


def _as_the_pipeline_will(line: int, doc: dict[str, Any]) -> None:
    """The pipeline's own payload and URL checks, now, so that no row fails half-way through the import."""
    fields = {"url": "Path", "name": "Path", "referrer": "Referrer"}
    try:
        payload = parse_payload(dict(doc), historical=True)
        parse_page_url(payload.url, payload.hash_routing)
    except PayloadError as exc:
        raise GoatCounterError(f"line {line}: {fields.get(exc.field, exc.field)}: {exc}") from None
    except BadUrl as exc:
        raise GoatCounterError(f"line {line}: Path: {exc}") from None


def _day(doc: dict[str, Any], timezone: str) -> date:
    return local_day(datetime.fromisoformat(doc["timestamp"]).replace(tzinfo=None), timezone)


def native_days(db: Database, store: EventStore, site: Site, days: set[date]) -> set[date]:
    """The days among `days` on which the site already has pageviews: those keep their own data, whole."""
    if not days:
        return set()
    query = Query((site,), "custom", min(days), max(days), datetime.now(UTC).replace(tzinfo=None))
    with db.reading() as cur:
        series = store.run_report(query, "timeseries", cur=cur)
    return {date.fromisoformat(str(r["bucket"])[:10]) for r in series if r["pageviews"]} & days


def documents(path: Path, site: Site, skip: set[date], report: ImportReport) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, row in rows(path):
        doc = to_document(line, row, site.domain)
        if doc is None:
            report.dropped["bot"] += 1
        elif _day(doc, site.timezone) in skip:
            report.dropped["day-has-native-data"] += 1
        else:
            yield line, doc


def import_goatcounter(
    db: Database,
    path: Path,
    site: Site,
    progress: Callable[[int], None] | None = None,
    store: EventStore | None = None,
) -> ImportReport:
    """Check the whole file, then import the rows of days without native data; the report counts
    GoatCounter's bot rows and the rows of native days as dropped."""
    store = store or store_of(db)
    _, days = check_file(path, site.domain, site.timezone)
    skipped = ImportReport()
    skip = native_days(db, store, site, days)
    report = import_documents(db, documents(path, site, skip, skipped), site.domain, progress, store=store)
    report.dropped.update(skipped.dropped)
    return report
