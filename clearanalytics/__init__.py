"""ClearAnalytics: self-hosted, privacy-first web analytics in one process and one DuckDB file."""

__version__ = "0.1.0"
