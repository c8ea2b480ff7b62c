"""The page URL: hostname, pathname, and the campaign parameters that get their own columns.

Every other query parameter is dropped (they often carry e-mail addresses, tokens or
session ids). With hash routing the fragment is part of the pathname.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
MAX_URL_LENGTH = 2000
MAX_PARAM_LENGTH = 300


@dataclass(frozen=True)
class PageUrl:
    hostname: str
    pathname: str
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    utm_term: str | None
    utm_content: str | None
    ref: str | None


class BadUrl(ValueError):
    """Not an absolute http(s) URL with a host."""


@lru_cache(maxsize=16384)
def parse_page_url(url: str, hash_routing: bool = False) -> PageUrl:
    if len(url) > MAX_URL_LENGTH:
        raise BadUrl(f"must be at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError as exc:
        raise BadUrl(f"is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise BadUrl("must be an absolute http(s) URL")
    host = host.rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    pathname = parts.path or "/"
    if hash_routing and parts.fragment:
        pathname += "#" + parts.fragment
    params: dict[str, str] = {}
    if parts.query:
        for key, value in parse_qsl(parts.query, keep_blank_values=False):
            key = key.lower()
            if (key in UTM_KEYS or key == "ref") and key not in params and value.strip():
                params[key] = value.strip()[:MAX_PARAM_LENGTH]
    return PageUrl(host, pathname, *(params.get(k) for k in UTM_KEYS), params.get("ref"))
