"""The HTML dashboard: login, the analytics views and the settings, under a session with CSRF."""

from clearanalytics.dashboard import access, danger, goal_settings, report_settings, settings, views  # noqa: F401,E402  (register routes)
from clearanalytics.dashboard.auth import bp

__all__ = ["bp"]
