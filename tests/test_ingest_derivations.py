"""Derivations from real user agents, URLs, referrers and headers (pure functions, no server)."""

from __future__ import annotations

import pytest

from clearanalytics.ingest.referrers import classify
from clearanalytics.ingest.urls import BadUrl, parse_page_url
from clearanalytics.ingest.useragent import parse_agent
from clearanalytics.ingest.visitors import client_ip, parse_trusted_proxies

USER_AGENTS = [
    # (user agent, browser, os, device_type, is_bot)
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        "Chrome", "Windows", "desktop", False,
    ),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox", "Linux", "desktop", False),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.6 Safari/605.1.15",
        "Safari", "macOS", "desktop", False,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
        "Edge", "Windows", "desktop", False,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.1 Mobile/15E148 Safari/604.1",
        "Safari", "iOS", "mobile", False,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
        "Chrome", "iOS", "mobile", False,
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.6778.104 Mobile Safari/537.36",
        "Chrome", "Android", "mobile", False,
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        "Samsung Internet", "Android", "mobile", False,
    ),
    ("Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0", "Firefox", "Android", "mobile", False),
    (
        "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.1 Mobile/15E148 Safari/604.1",
        "Safari", "iOS", "tablet", False,
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.6778.104 Safari/537.36",
        "Chrome", "Android", "tablet", False,
    ),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", None, None, None, True),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) "
        "Chrome/116.0.1938.76 Safari/537.36",
        None, None, None, True,
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 "
        "Safari/537.36",
        None, None, None, True,
    ),
    ("curl/8.4.0", None, None, None, True),
    ("python-requests/2.31.0", None, None, None, True),
    ("", None, None, None, True),
]  # fmt: skip


@pytest.mark.parametrize(("ua", "browser", "os", "device", "is_bot"), USER_AGENTS)
def test_user_agents(ua, browser, os, device, is_bot):
    agent = parse_agent(ua)
    assert agent.is_bot is is_bot
    if not is_bot:
        assert (agent.browser, agent.os, agent.device_type) == (browser, os, device)


URLS = [
    # (url, hash routing, hostname, pathname, utm_source, utm_medium, utm_campaign, utm_term, utm_content, ref)
    ("https://example.com", False, "example.com", "/", None, None, None, None, None, None),
    ("https://www.example.com/pricing?email=a@b.c&token=x", False, "example.com", "/pricing", *[None] * 6),
    (
        "https://example.com/blog/post?utm_source=newsletter&utm_medium=email&utm_campaign=feb-2026"
        "&utm_term=shoes&utm_content=hero&ref=producthunt&session=123",
        False, "example.com", "/blog/post", "newsletter", "email", "feb-2026", "shoes", "hero", "producthunt",
    ),
    ("https://shop.example.com/cart#step-2", False, "shop.example.com", "/cart", *[None] * 6),
    ("https://example.com/app#/settings/profile?tab=1", True, "example.com", "/app#/settings/profile?tab=1",
     *[None] * 6),
    ("http://EXAMPLE.com:8080/A%20B?UTM_SOURCE=Google", False, "example.com", "/A%20B", "Google", *[None] * 5),
]  # fmt: skip


@pytest.mark.parametrize(("url", "hash_routing", "host", "path", "s", "m", "c", "t", "co", "r"), URLS)
def test_page_urls(url, hash_routing, host, path, s, m, c, t, co, r):
    page = parse_page_url(url, hash_routing)
    assert (page.hostname, page.pathname) == (host, path)
    assert (page.utm_source, page.utm_medium, page.utm_campaign, page.utm_term, page.utm_content, page.ref) == (
        s, m, c, t, co, r,
    )  # fmt: skip


@pytest.mark.parametrize("url", ["/relative", "ftp://example.com/", "javascript:alert(1)", "https://", "not a url"])
def test_bad_page_urls(url):
    with pytest.raises(BadUrl):
        parse_page_url(url)


REFERRERS = [
    # (referrer, utm_source, utm_medium, stored referrer host, referrer_source, channel)
    ("", None, None, None, "direct", "direct"),
    ("https://www.google.com/", None, None, "google.com", "google", "organic"),
    ("https://www.google.co.uk/search?q=analytics", None, None, "google.co.uk", "google", "organic"),
    ("https://www.bing.com/search?q=x", None, None, "bing.com", "bing", "organic"),
    ("https://duckduckgo.com/", None, None, "duckduckgo.com", "duckduckgo", "organic"),
    ("https://search.brave.com/search?q=x", None, None, "search.brave.com", "brave", "organic"),
    ("https://yandex.ru/search/?text=x", None, None, "yandex.ru", "yandex", "organic"),
    ("https://t.co/abc", None, None, "t.co", "social", "social"),
    ("https://l.facebook.com/l.php?u=x", None, None, "l.facebook.com", "social", "social"),
    ("https://news.ycombinator.com/item?id=1", None, None, "news.ycombinator.com", "social", "social"),
    ("https://www.reddit.com/r/selfhosted/", None, None, "reddit.com", "social", "social"),
    ("https://mail.google.com/mail/u/0/", None, None, "mail.google.com", "email", "email"),
    ("https://blog.other.org/post", None, None, "blog.other.org", "referral", "referral"),
    ("https://example.com/pricing", None, None, None, "direct", "direct"),
    ("https://www.example.com/", None, None, None, "direct", "direct"),
    ("https://docs.example.com/", None, None, None, "direct", "direct"),
    ("https://www.google.com/", "google", "cpc", "google.com", "google", "paid"),
    ("", "facebook", "paid", None, "paid", "paid"),
    ("", "newsletter", "email", None, "email", "email"),
    ("https://blog.other.org/", "newsletter", "Newsletter", "blog.other.org", "email", "email"),
    ("", "twitter", None, None, "social", "social"),
    ("", "partner-site", None, None, "referral", "referral"),
]


@pytest.mark.parametrize(("referrer", "utm_source", "utm_medium", "host", "source", "channel"), REFERRERS)
def test_referrers(referrer, utm_source, utm_medium, host, source, channel):
    result = classify(referrer, "example.com", "example.com", utm_source, utm_medium)
    assert (result.host, result.source, result.channel) == (host, source, channel)


CLIENT_IPS = [
    # (peer, X-Forwarded-For, trusted proxies, client ip)
    ("198.51.100.1", None, "", "198.51.100.1"),
    ("198.51.100.1", "203.0.113.9", "", "198.51.100.1"),  # no trusted proxies: header ignored
    ("198.51.100.1", "203.0.113.9", "127.0.0.1", "198.51.100.1"),  # peer not trusted: header ignored
    ("127.0.0.1", "203.0.113.9", "127.0.0.1", "203.0.113.9"),
    ("10.0.0.5", "203.0.113.9, 10.0.0.4", "10.0.0.0/8", "203.0.113.9"),  # right-most untrusted hop
    ("10.0.0.5", "6.6.6.6, 203.0.113.9", "10.0.0.0/8", "203.0.113.9"),  # spoofed left part ignored
    ("::1", "2001:db8::1", "::1", "2001:db8::1"),
    ("127.0.0.1", "garbage", "127.0.0.1", "127.0.0.1"),
]


@pytest.mark.parametrize(("peer", "xff", "trusted", "expected"), CLIENT_IPS)
def test_client_ip(peer, xff, trusted, expected):
    assert client_ip(peer, xff, parse_trusted_proxies(trusted)) == expected


def test_bad_trusted_proxy_is_named():
    with pytest.raises(ValueError, match="nonsense"):
        parse_trusted_proxies("127.0.0.1, nonsense")


@pytest.mark.parametrize(
    ("utc", "timezone", "day"),
    [
        ("2026-03-01T23:30:00", "UTC", "2026-03-01"),
        ("2026-03-01T23:30:00", "Europe/Amsterdam", "2026-03-02"),
        ("2026-03-01T10:59:00", "Pacific/Auckland", "2026-03-01"),
        ("2026-03-01T11:00:00", "Pacific/Auckland", "2026-03-02"),
        ("2026-03-01T04:59:00", "America/New_York", "2026-02-28"),
        ("2026-03-01T18:29:00", "Asia/Kolkata", "2026-03-01"),
        ("2026-03-01T18:30:00", "Asia/Kolkata", "2026-03-02"),
    ],
)
def test_salt_day_is_the_sites_local_calendar_day(utc, timezone, day):
    from datetime import date, datetime

    from clearanalytics.ingest.visitors import local_day

    assert local_day(datetime.fromisoformat(utc), timezone) == date.fromisoformat(day)
