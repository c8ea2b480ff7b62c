"""User agent: browser, os, device type and the bot verdict, from maintained libraries.

ua-parser (with the regexes of ua-parser-builtins) names browsers, systems and devices;
crawlerdetect (plus ua-parser's own "Spider" device) recognises bots, crawlers and
headless browsers. ua-parser uses its native resolver (ua-parser-rs, installed by the
`ua-parser[regex]` dependency: ~0.1 ms per new string against ~4 ms in pure Python, same
rules); crawlerdetect's one big regex still costs ~1 ms, so verdicts sit in an LRU cache:
real traffic repeats a few thousand strings over and over.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import ua_parser
from crawlerdetect import CrawlerDetect

_crawlers = CrawlerDetect()

BROWSER_NAMES = {
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Chrome",
    "Chromium": "Chrome",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "Opera Mobile": "Opera",
    "Samsung Internet": "Samsung Internet",
    "Other": "Unknown",
}
OS_NAMES = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS", "Other": "Unknown", "Ubuntu": "Linux", "Fedora": "Linux"}
MOBILE_OS = frozenset({"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Firefox OS"})
TABLET_DEVICES = ("iPad", "Kindle", "Nexus 7", "Nexus 9", "Nexus 10", "Galaxy Tab")


@dataclass(frozen=True)
class Agent:
    browser: str
    os: str
    device_type: str  # desktop, mobile or tablet
    is_bot: bool


def _device_type(ua: str, os_family: str, device_family: str) -> str:
    if any(device_family.startswith(t) for t in TABLET_DEVICES) or "Tablet" in ua or "iPad" in ua:
        return "tablet"
    if os_family == "Android":
        # Google's rule: Android phones say "Mobile", Android tablets do not.
        return "mobile" if "Mobile" in ua else "tablet"
    if os_family in MOBILE_OS or "Mobi" in ua:
        return "mobile"
    return "desktop"


@lru_cache(maxsize=8192)
def parse_agent(ua: str) -> Agent:
    """Everything derived from one user-agent string; an empty string is a bot."""
    ua = ua.strip()
    if not ua:
        return Agent("Unknown", "Unknown", "desktop", True)
    result = ua_parser.parse(ua)
    browser = result.user_agent.family if result.user_agent else "Other"
    os_family = result.os.family if result.os else "Other"
    device = result.device.family if result.device else "Other"
    is_bot = device == "Spider" or _crawlers.isCrawler(ua)
    return Agent(
        BROWSER_NAMES.get(browser, browser),
        OS_NAMES.get(os_family, os_family),
        _device_type(ua, os_family, device),
        is_bot,
    )


def given_agent(raw: dict) -> Agent | None:
    """An import line's own browser and OS (GoatCounter exports names, not the user-agent string).

    Only for a historical line whose user_agent is empty: `browser` and `os` as "Chrome 120", "macOS 14"
    (a trailing version is dropped), `screen_width` for the device type (Plausible's breakpoints:
    under 576 mobile, under 992 tablet). None when the line names no browser.
    """
    browser = raw.get("browser")
    if not isinstance(browser, str) or not browser.strip():
        return None
    os_name = raw.get("os") if isinstance(raw.get("os"), str) else ""
    browser, os_name = _unversioned(browser) or "Unknown", _unversioned(os_name) or "Unknown"
    os_name = OS_NAMES.get(os_name, os_name)
    width = raw.get("screen_width")
    if isinstance(width, int) and width > 0:
        device = "mobile" if width < 576 else "tablet" if width < 992 else "desktop"
    else:
        device = "mobile" if os_name in MOBILE_OS else "desktop"
    return Agent(BROWSER_NAMES.get(browser, browser)[:64], os_name[:64], device, False)


def _unversioned(name: str) -> str:
    words = name.split()
    while words and words[-1][:1].isdigit():
        words.pop()
    return " ".join(words)
