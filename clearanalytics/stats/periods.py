"""The one table of named periods: every face's list of periods is generated from it.

The API's `period` validation, the MCP tool schemas and server instructions, the OpenAPI
document, the dashboard's period picker and the chat's period words all read PERIODS, so a
period added here appears everywhere at once (and nowhere else needs editing).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NamedPeriod:
    """One period: its code in URLs and tool arguments, the picker's label, and the words of a sentence."""

    code: str
    label: str  # "Last 7 days": the dashboard picker
    words: str  # "the last 7 days": summaries and chat answers
    days: int | None  # calendar days ending today, in each site's timezone; None for 24h (rolling hours)


PERIODS: tuple[NamedPeriod, ...] = (
    NamedPeriod("24h", "Last 24 hours", "the last 24 hours", None),
    NamedPeriod("7d", "Last 7 days", "the last 7 days", 7),
    NamedPeriod("30d", "Last 30 days", "the last 30 days", 30),
    NamedPeriod("90d", "Last 90 days", "the last 90 days", 90),
    NamedPeriod("12m", "Last 12 months", "the last 12 months", None),
)
DEFAULT_PERIOD = "7d"
CODES: tuple[str, ...] = tuple(p.code for p in PERIODS)
BY_CODE: dict[str, NamedPeriod] = {p.code: p for p in PERIODS}
CUSTOM_WORDS = "a custom range"


def words(code: str) -> str:
    """'the last 7 days' for a code, 'a custom range' for anything else (from/to)."""
    period = BY_CODE.get(code)
    return period.words if period else CUSTOM_WORDS


def described_list() -> str:
    """'24h, 7d, 30d, 90d, 12m': for error messages and tool descriptions."""
    return ", ".join(CODES)
