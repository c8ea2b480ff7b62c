"""Where a visitor is: country, region and city looked up from the client IP at ingest.

The IP itself is never stored: the pipeline's `derive_location` step keeps only the three values.
- Country, out of the box: `iptocc` (MIT OR Apache-2.0), whose wheel embeds the five Regional Internet
  Registries' delegation files (the country each block is *assigned* to; docs/LOCATIONS.md);
- region and city: an operator-supplied MaxMind GeoLite2-City or DB-IP Lite City `.mmdb` file named by
  CLEARANALYTICS_GEOIP_DB, read with `maxminddb`; it gives the country too, iptocc filling in an address
  the file has no country for.

One Locator per process (`configure`, called where the stores open): forked import workers inherit it.
A lookup is cached per IP (bounded), since a visit sends several events from the same address.
Private, loopback and unassigned addresses give (None, None, None).
"""

from __future__ import annotations

import re
from typing import Any

from iptocc import country_code as _registry_country

from clearanalytics.config import ConfigError
from clearanalytics.ingest.payload import PayloadError

Location = tuple[str | None, str | None, str | None]  # (country_code, region, city)
UNKNOWN: Location = (None, None, None)
MAX_CACHED = 65_536
MAX_CITY = 100
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_SUBDIVISION = re.compile(r"^[A-Z0-9]{1,3}$")  # ISO 3166-2's part after the country and the hyphen


class Locator:
    """IP -> (country_code, region, city). `path`: the .mmdb file, or "" for iptocc's countries alone."""

    def __init__(self, path: str = ""):
        self.path = path
        self._reader = _open_reader(path) if path else None
        self._cache: dict[str, Location] = {}

    def __call__(self, ip: str) -> Location:
        found = self._cache.get(ip)
        if found is None:
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()  # whole-sale: cheaper than an LRU's bookkeeping on every hit
            found = self._cache[ip] = self._lookup(ip)
        return found

    def _lookup(self, ip: str) -> Location:
        country = region = city = None
        if self._reader is not None:
            try:
                record = self._reader.get(ip)
            except ValueError:  # not an IP address (a misconfigured proxy header): unknown
                record = None
            if isinstance(record, dict):
                country, region, city = _from_record(record)
        if country is None:
            country = _registry_country(ip) if ip else None
            region = None  # a region names its country: without the file's country it cannot be trusted
        return country, region, city

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()


def _open_reader(path: str) -> Any:
    """The .mmdb reader; a missing or unreadable file is one ConfigError line naming the setting."""
    import maxminddb

    try:
        return maxminddb.open_database(path)
    except FileNotFoundError:
        raise ConfigError(f"geoip_db: no such file: {path}") from None
    except PermissionError:
        raise ConfigError(f"geoip_db: permission denied: {path}") from None
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"geoip_db: {path} is not a MaxMind DB (.mmdb) file: {reason}") from None


def _name(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _from_record(record: dict) -> Location:
    """GeoLite2-City's (and DB-IP Lite City's) layout: country.iso_code, subdivisions[0].iso_code, city.names.en."""
    country = _name(record, "country", "iso_code")
    if not (isinstance(country, str) and _COUNTRY.match(country)):
        country = None
    subdivisions = record.get("subdivisions")
    code = _name(subdivisions[0], "iso_code") if isinstance(subdivisions, list) and subdivisions else None
    region = f"{country}-{code}" if country and isinstance(code, str) and _SUBDIVISION.match(code) else None
    city = _name(record, "city", "names", "en")
    city = city[:MAX_CITY] if isinstance(city, str) and city.strip() else None
    return country, region, city


_locator = Locator()


def configure(path: str | None) -> Locator:
    """The process's locator for CLEARANALYTICS_GEOIP_DB (`path`; empty: iptocc's countries alone).

    Called where the stores open (stores.open_stores), so `serve` and every command check the file at start."""
    global _locator
    path = str(path or "").strip()
    if path != _locator.path:
        old, _locator = _locator, Locator(path)
        old.close()
    return _locator


def locate(ip: str) -> Location:
    return _locator(ip)


def explicit(raw: dict[str, Any]) -> Location | None:
    """An import line's own `country_code`, `region` and `city`; None when the line has none of them.

    A line with any of them gives its whole location (the IP's lookup is not used; a key left out is null),
    so a line never mixes its own country with a looked-up city. Each is validated, naming the field:
    region and city need country_code, and a region must be of that country."""
    if not any(key in raw for key in ("country_code", "region", "city")):
        return None
    country, region, city = (raw.get(key) for key in ("country_code", "region", "city"))
    if country is not None and not (isinstance(country, str) and _COUNTRY.match(country)):
        raise PayloadError("country_code", "must be an ISO 3166-1 alpha-2 code in upper case, such as DE")
    if region is not None:
        if country is None:
            raise PayloadError("region", "needs country_code on the same line")
        if not (isinstance(region, str) and region.startswith(country + "-") and _SUBDIVISION.match(region[3:])):
            raise PayloadError("region", f"must be an ISO 3166-2 code of {country}, such as {country}-BY")
    if city is not None:
        if country is None:
            raise PayloadError("city", "needs country_code on the same line")
        if not (isinstance(city, str) and 1 <= len(city) <= MAX_CITY and city.strip()):
            raise PayloadError("city", f"must be a name of 1-{MAX_CITY} characters")
    return country, region, city
