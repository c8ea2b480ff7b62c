"""A real SMTP server on loopback for the email report tests: aiosmtpd, every message kept and parsed.

`SmtpSink` runs aiosmtpd's Controller (its own thread and event loop) on a free 127.0.0.1 port and keeps
each accepted message as an `email.message.EmailMessage` (parsed with the standard library's email
package, as a mail reader would). `hold_from=N` makes the N-th DATA (1-based) wait, unanswered, until
`release()`: the test sees a send in flight (`held.wait()`) and can kill the sender before the server's 250,
after which the held message is refused (451) and not kept. `refuse=N` answers the first N DATA with 451.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import socket
import threading
from email.message import EmailMessage
from html.parser import HTMLParser

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    def __init__(self, hold_from: int | None = None, authenticator=None, refuse: int = 0):
        self.refuse = refuse  # the first `refuse` DATA commands are answered 451 (a server that is not ready)
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[tuple[str, str]] = []
        self.hold_from = hold_from
        self.held = threading.Event()
        self._release = threading.Event()
        self._datas = 0
        self._received = threading.Condition()
        kwargs = {}
        if authenticator is not None:
            kwargs = {"authenticator": authenticator, "auth_require_tls": False}
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._release.set()
        self.controller.stop()

    def release(self) -> None:
        self._release.set()

    async def handle_DATA(self, server, session, envelope) -> str:
        self._datas += 1
        if self._datas <= self.refuse:
            return "451 Try again later"
        if self.hold_from is not None and self._datas >= self.hold_from and not self._release.is_set():
            self.held.set()
            while not self._release.is_set():
                await asyncio.sleep(0.02)
            return "451 Requested action aborted: the test held this message"
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._received:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self._received.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 60) -> list[EmailMessage]:
        """Block until `count` messages were accepted (a deadline, not a timing assertion)."""
        with self._received:
            if not self._received.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"{len(self.messages)} message(s) arrived, waited for {count}")
            return list(self.messages)


def parts(message: EmailMessage) -> tuple[str, str]:
    """(plain text, HTML) of a multipart/alternative message."""
    assert message.get_content_type() == "multipart/alternative", message.get_content_type()
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


class _Cells(HTMLParser):
    """Rows of every table, by table id: [[cell text, ...], ...], and data-metric rows by key."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self.metrics: dict[str, list[str]] = {}
        self._table = self._row = self._cell = None
        self._metric = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id", ""), [])
        elif tag == "tr":
            self._row, self._metric = [], attrs.get("data-metric")
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            if self._metric:
                self.metrics[self._metric] = self._row
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_cells(html: str) -> _Cells:
    parser = _Cells()
    parser.feed(html)
    return parser
