"""Who is this? Client IP, daily salts, the visitor hash and the 30-minute session.

Privacy model: visitor_hash = BLAKE2b keyed with a random salt of the site's local
calendar day, over site id, client IP and user agent. Salts live in the `salts` table
only while they can still be needed (today and yesterday, local time), so after that
nobody, including us, can link a hash back to an IP or across days. The IP is used
here and never stored, logged or exported.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import threading
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from clearanalytics import salts
from clearanalytics.db import Database
from clearanalytics.storage import EventStore, store_of

SESSION_GAP = timedelta(minutes=30)
_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
KEPT_SALT_DAYS = 2  # today and yesterday (local); older salts are deleted

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(value: str | None) -> tuple[Network, ...]:
    """'127.0.0.1, 10.0.0.0/8' -> networks; a bad entry raises ValueError naming it."""
    networks = []
    for entry in (value or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"trusted_proxies: {entry!r} is not an IP address or CIDR range") from None
    return tuple(networks)


def client_ip(remote_addr: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """The peer, or the right-most untrusted X-Forwarded-For hop when the peer is a trusted proxy."""
    peer = remote_addr or ""
    if not trusted or not forwarded_for or not _in(peer, trusted):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        if not hop:
            continue
        if not _in(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer
    return peer


_MEMBERSHIP: dict[tuple[str, int], bool] = {}


def _in(address: str, networks: tuple[Network, ...]) -> bool:
    """Memoised per (address, proxy list): the peer is the same proxy on nearly every request."""
    key = (address, id(networks))
    found = _MEMBERSHIP.get(key)
    if found is None:
        try:
            ip = ipaddress.ip_address(address)
            found = any(ip in net for net in networks)
        except ValueError:
            found = False
        if len(_MEMBERSHIP) > 50_000:
            _MEMBERSHIP.clear()
        _MEMBERSHIP[key] = found
    return found


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day(ts: datetime, timezone: str) -> date:
    """The site-local calendar day of a naive-UTC timestamp (cached per quarter hour: offsets are multiples)."""
    return _local_day(timezone, ts.year, ts.month, ts.day, ts.hour, ts.minute // 15)


@lru_cache(maxsize=65536)
def _local_day(timezone: str, year: int, month: int, day: int, hour: int, quarter: int) -> date:
    return datetime(year, month, day, hour, quarter * 15, tzinfo=UTC).astimezone(zone(timezone)).date()


def visitor_hash(salt: bytes, site_id: str, ip: str, user_agent: str) -> str:
    data = f"{site_id}\0{ip}\0{user_agent}".encode("utf-8", "replace")
    return hashlib.blake2b(data, key=salt, digest_size=8).hexdigest()


class Salts:
    """Per-site, per-local-day salts: stored while kept, random per run for older days (imports).

    A past day's salt is derived from a random key that lives only in this object, so the
    worker processes of one import (forked from it) agree on it, and nothing can rebuild it.
    """

    def __init__(self, db: Database):
        self.db = db
        self._cache: dict[tuple[str, date], bytes] = {}
        self._lock = threading.Lock()
        self._run_key = os.urandom(32)
        self.frozen = False  # an import worker: only the salts already cached, never the database

    def get(self, site_id: str, timezone: str, day: date, now: datetime | None = None) -> bytes | None:
        """The salt of `day`, created if the day is still kept; None for a past day that is gone."""
        key = (site_id, day)
        salt = self._cache.get(key)
        if salt is not None or self.frozen:
            return salt
        today = local_day(now or datetime.now(UTC).replace(tzinfo=None), timezone)
        if day <= today - timedelta(days=KEPT_SALT_DAYS) or day > today + timedelta(days=1):
            return None
        with self._lock:
            salt = self._cache.get(key)
            if salt is None:
                salt = self._load_or_create(site_id, day, today)
                self._cache[key] = salt
                for old in [k for k in self._cache if k[1] <= today - timedelta(days=KEPT_SALT_DAYS)]:
                    del self._cache[old]
        return salt

    def ephemeral(self, site_id: str, day: date) -> bytes:
        """A salt for a day whose stored salt is gone: random, for this run only (imports)."""
        key = (site_id, day)
        with self._lock:
            salt = self._cache.get(key)
            if salt is None:
                derived = hashlib.blake2b(f"{site_id}\0{day.isoformat()}".encode(), key=self._run_key, digest_size=32)
                salt = self._cache[key] = derived.digest()
            return salt

    def forget(self, site_ids: set[str]) -> None:
        """Removed sites' salts (their rows are deleted too)."""
        with self._lock:
            for key in [k for k in self._cache if k[0] in site_ids]:
                del self._cache[key]

    def _load_or_create(self, site_id: str, day: date, today: date) -> bytes:
        # One salt per (site, day) even when several nodes share the accounts database (clearanalytics.salts).
        with self.db.transaction() as cur:
            return salts.load_or_create(cur, site_id, day, forget_before=today - timedelta(days=KEPT_SALT_DAYS - 1))


class Sessions:
    """Recent visitor state in memory: current session, last pageview, latest pageview per path.

    Rebuilt from the tables at start (`rebuild`), so a restart does not split sessions.
    """

    def __init__(self) -> None:
        self._state: dict[str, list] = {}  # visitor -> [session_hash, last_seen, last_pageview_id, {path: pv id}]
        self._lock = threading.Lock()
        self._calls = 0

    def touch(self, visitor: str, ts: datetime) -> str:
        """The session of this visitor's event at `ts`, starting a new one after a 30-minute gap."""
        with self._lock:
            self._calls += 1
            if self._calls % 20000 == 0:
                self._prune(ts)
            state = self._state.get(visitor)
            if state is not None and ts - state[1] < SESSION_GAP:
                if ts > state[1]:
                    state[1] = ts
                return state[0]
            started = (ts - _EPOCH) // _MICROSECOND  # an int formats far faster than ts.isoformat()
            session = hashlib.blake2b(f"{visitor}\0{started}".encode(), digest_size=8).hexdigest()
            self._state[visitor] = [session, ts, None, {}]
            return session

    def record_pageview(self, visitor: str, pathname: str, pageview_id: str) -> None:
        with self._lock:
            state = self._state.get(visitor)
            if state is not None:
                state[2] = pageview_id
                state[3][pathname] = pageview_id

    def last_pageview(self, visitor: str, pathname: str | None = None) -> str | None:
        state = self._state.get(visitor)
        if state is None:
            return None
        return state[2] if pathname is None else state[3].get(pathname)

    def _prune(self, now: datetime) -> None:
        horizon = now - SESSION_GAP * 4
        for visitor in [v for v, s in self._state.items() if s[1] < horizon]:
            del self._state[visitor]

    def rebuild(self, db: Database | EventStore, now: datetime) -> None:
        """After a restart: the open sessions and each visitor's last pageviews, from the event store."""
        sessions, pages = store_of(db).recent_visits(now - SESSION_GAP)
        with self._lock:
            for visitor, session, last in sessions:
                self._state[visitor] = [session, last, None, {}]
            for visitor, pathname, pageview_id, _ in pages:
                state = self._state.get(visitor)
                if state is not None:
                    state[2] = pageview_id
                    state[3][pathname] = pageview_id
