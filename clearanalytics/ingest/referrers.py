"""Referrer and channel: which host sent the visitor, and through which channel.

The known search engines, social networks and webmail hosts are a data file shipped in
the package (data/referrers.json) so that the list can grow without code changes.
Channel precedence: utm_medium first (paid, email), then the referrer host (own host ->
direct, search engine -> organic, social, webmail -> email, anything else -> referral),
then utm_source alone, else direct.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

DATA_FILE = Path(__file__).resolve().parent / "data" / "referrers.json"

PAID_MEDIUMS = frozenset({"cpc", "ppc", "paid", "paidsearch", "paid_search", "paid-search", "cpm", "display"})
EMAIL_MEDIUMS = frozenset({"email", "e-mail", "newsletter", "mail"})
CHANNELS = ("direct", "organic", "social", "email", "paid", "referral")


@dataclass(frozen=True)
class Referrer:
    host: str | None  # stored in pageviews.referrer; None for direct
    source: str  # the search engine's name, else the channel
    channel: str


Lookup = tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]


def _load() -> tuple[Lookup, Lookup]:
    """Two lookups, each a pair (exact/suffix hosts, 'label.*' wildcards): host -> (channel, source), and
    a social network's host -> ("social", its name), the name being for people (the dashboard), not stored."""
    raw = json.loads(DATA_FILE.read_text())
    sources: Lookup = ({}, {})
    networks: Lookup = ({}, {})

    def add(lookup: Lookup, pattern: str, value: tuple[str, str]) -> None:
        if pattern.endswith(".*"):
            lookup[1][pattern[:-2]] = value
        else:
            lookup[0][pattern] = value

    for engine, hosts in raw["search"].items():
        for host in hosts:
            add(sources, host, ("organic", engine))
    for network, hosts in raw["social"].items():
        for host in hosts:
            add(sources, host, ("social", "social"))
            add(networks, host, ("social", network))
    for host in raw["email"]:
        add(sources, host, ("email", "email"))
    return sources, networks


(_EXACT, _WILDCARD), _NETWORKS = _load()


def host_of(url: str | None) -> str | None:
    """The lower-case host of a URL without a leading www., or None when there is none."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _looks_like_tld(rest: list[str]) -> bool:
    return 1 <= len(rest) <= 2 and all(0 < len(label) <= 3 for label in rest)


@lru_cache(maxsize=8192)
def classify_host(host: str) -> tuple[str, str] | None:
    """(channel, source) of a known host or of one of its parent domains, else None."""
    return _walk(host, (_EXACT, _WILDCARD))


def _walk(host: str, lookup: Lookup) -> tuple[str, str] | None:
    exact, wildcard = lookup
    labels = host.split(".")
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        if candidate in exact:
            return exact[candidate]
        if labels[i] in wildcard and _looks_like_tld(labels[i + 1 :]):
            return wildcard[labels[i]]
    return None


@lru_cache(maxsize=4096)
def network_name(host: str | None) -> str | None:
    """The social network a referring host belongs to ("t.co" -> "X (Twitter)"), for display only."""
    found = _walk(host, _NETWORKS) if host else None
    return found[1] if found else None


def is_own_host(host: str, site_domain: str, page_host: str | None) -> bool:
    """A referrer on the site itself (or a subdomain of it) is internal navigation: direct."""
    return host in (site_domain, page_host) or host.endswith("." + site_domain)


@lru_cache(maxsize=16384)
def classify(
    referrer_url: str | None,
    site_domain: str,
    page_host: str | None = None,
    utm_source: str | None = None,
    utm_medium: str | None = None,
) -> Referrer:
    host = host_of(referrer_url)
    if host and is_own_host(host, site_domain, page_host):
        host = None
    known = classify_host(host) if host else None
    if not known and utm_source:
        known = classify_host(utm_source.strip().lower()) or _source_name(utm_source)
    engine = known[1] if known and known[0] == "organic" else None
    medium = (utm_medium or "").strip().lower()
    if medium in PAID_MEDIUMS:
        return Referrer(host, engine or "paid", "paid")
    if medium in EMAIL_MEDIUMS:
        return Referrer(host, "email", "email")
    if known:
        return Referrer(host, known[1], known[0])
    if host or utm_source:
        return Referrer(host, "referral", "referral")
    return Referrer(None, "direct", "direct")


@lru_cache(maxsize=1024)
def _source_name(utm_source: str) -> tuple[str, str] | None:
    """utm_source=google or utm_source=facebook (a bare name, no domain) still names a known channel."""
    name = utm_source.strip().lower()
    if name in EMAIL_MEDIUMS:
        return ("email", "email")
    for pattern, value in _EXACT.items():
        if pattern.split(".")[0] == name:
            return value
    if name in _WILDCARD:
        return _WILDCARD[name]
    return None
