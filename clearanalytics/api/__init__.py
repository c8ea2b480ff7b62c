"""/api/v1: the public REST API, authenticated by bearer token, JSON on every path."""

from clearanalytics.api import exports, goals, openapi, provisioning, stats  # noqa: E402,F401  (registers routes on bp)
from clearanalytics.api.auth import bp

__all__ = ["bp"]
