"""Helpers for the ingest tests: an app on a real data dir, posting events, reading rows back."""

from __future__ import annotations

import json
from typing import Any

from clearanalytics.db import Database
from tests.app_helpers import new_app

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def query_rows(data_dir, sql: str) -> list[tuple]:
    """Rows of `sql` from a data dir's database, opened and closed around it."""
    db = Database.in_data_dir(data_dir)
    try:
        with db.reading() as cur:
            return cur.execute(sql).fetchall()
    finally:
        db.close()


class IngestClient:
    """The Flask test client of a real app, plus `rows()` that flushes the writer first."""

    def __init__(self, data_dir, config: dict | None = None):
        self.app = new_app(data_dir, **(config or {}))
        self.client = self.app.test_client()
        self.service = self.app.extensions["clearanalytics.ingest"]
        self.db = self.app.extensions["clearanalytics.db"]

    def post(self, payload: Any, ua: str = CHROME, ip: str = "203.0.113.7", raw: bytes | None = None, **headers):
        body = raw if raw is not None else json.dumps(payload).encode()
        headers = {"User-Agent": ua, "Content-Type": "text/plain", **headers}
        return self.client.post("/api/event", data=body, headers=headers, environ_base={"REMOTE_ADDR": ip})

    def pageview(self, url: str = "https://example.com/", **fields):
        payload = {"name": "pageview", "url": url, "domain": "example.com", **fields}
        ua = payload.pop("ua", CHROME)
        ip = payload.pop("ip", "203.0.113.7")
        return self.post(payload, ua=ua, ip=ip)

    def rows(self, table: str, columns: str = "*", order: str = "created_at, id") -> list[tuple]:
        self.service.flush()
        with self.db.reading() as cur:
            return cur.execute(f"SELECT {columns} FROM {table} ORDER BY {order}").fetchall()

    def close(self) -> None:
        self.service.close()
        self.db.close()
