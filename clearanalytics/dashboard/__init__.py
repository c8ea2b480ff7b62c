"""The HTML dashboard: login, the analytics views and the settings, under a session with CSRF."""

from clearanalytics.dashboard import (  # noqa: F401,E402  (register routes)
    access,
    danger,
    goal_settings,
    report_settings,
    settings,
    share_settings,
    views,
)
from clearanalytics.dashboard.auth import bp

__all__ = ["bp"]
