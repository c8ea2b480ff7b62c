"""Timestamps as the API, the exports and the goals write them: UTC, whole seconds, a trailing Z."""

from __future__ import annotations

from datetime import datetime


def iso_utc(value: datetime) -> str:
    """2026-02-17T14:22:00Z for a naive UTC datetime (every stored timestamp is one)."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")
