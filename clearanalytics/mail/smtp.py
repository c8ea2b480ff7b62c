"""The SMTP connection: `smtp_url` parsed once, a message handed over with smtplib.

Why a URL: one setting (CLEARANALYTICS_SMTP_URL) says server, port, TLS and login, as the events and
accounts URLs do. The password is only ever passed to `SMTP.login`; `describe()` is what logs show.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from clearanalytics.config import ConfigError, boolean

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TIMEOUT_SECONDS = 60.0


class MailNotConfigured(ConfigError):
    """No SMTP server or no sender address: reports cannot be sent (one line naming the setting)."""


@dataclass(frozen=True)
class SmtpConfig:
    scheme: str
    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)  # never in a repr, a log line or an error message
    starttls: bool = False
    timeout: float = TIMEOUT_SECONDS

    def describe(self) -> str:
        """The URL without its password, for logs and error messages."""
        user = f"{self.username}:***@" if self.username else ""
        tls = "?starttls=true" if self.starttls else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}{tls}"


def parse_smtp_url(url: str) -> SmtpConfig:
    """smtp://[user:password@]host[:port][?starttls=true&timeout=SECONDS] or smtps://... (TLS from the start).

    A malformed URL is a ConfigError naming `smtp_url`, never quoting the URL (it may hold the password).
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ConfigError("smtp_url must look like smtp://user:password@host:587?starttls=true or smtps://host:465")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise ConfigError("smtp_url has a port that is not a number from 1 to 65535") from None
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = sorted(set(options) - {"starttls", "timeout"})
    if unknown:
        raise ConfigError(f"smtp_url has unknown option(s): {', '.join(unknown)} (known: starttls, timeout)")
    try:
        starttls = boolean(options.get("starttls", "false"))
        timeout = float(options.get("timeout", TIMEOUT_SECONDS))
    except ValueError:
        raise ConfigError("smtp_url: starttls must be true or false and timeout a number of seconds") from None
    if starttls and parts.scheme == "smtps":
        raise ConfigError("smtp_url: starttls is for smtp://; smtps:// is TLS from the start")
    return SmtpConfig(
        parts.scheme,
        parts.hostname,
        port,
        unquote(parts.username or ""),
        unquote(parts.password or ""),
        starttls,
        timeout,
    )


@dataclass(frozen=True)
class Mailer:
    """Where reports go out: the server and the From address, both from the settings."""

    smtp: SmtpConfig
    sender: str

    def send(self, message: EmailMessage) -> None:
        """Hand `message` to the server; returns once the server accepted it (its 250 to DATA)."""
        if "From" not in message:
            message["From"] = self.sender
        context = ssl.create_default_context()
        cls = smtplib.SMTP_SSL if self.smtp.scheme == "smtps" else smtplib.SMTP
        extra = {"context": context} if cls is smtplib.SMTP_SSL else {}
        with cls(self.smtp.host, self.smtp.port, timeout=self.smtp.timeout, **extra) as client:
            if self.smtp.starttls:
                client.starttls(context=context)
            if self.smtp.username:
                client.login(self.smtp.username, self.smtp.password)
            client.send_message(message)


def mailer_from(settings: dict) -> Mailer:
    """The Mailer of resolved settings (load_config's keys); MailNotConfigured names what is missing."""
    url = str(settings.get("SMTP_URL") or "").strip()
    if not url:
        raise MailNotConfigured("no SMTP server configured: set smtp_url (CLEARANALYTICS_SMTP_URL)")
    smtp = parse_smtp_url(url)
    sender = str(settings.get("MAIL_FROM") or "").strip()
    if not sender:
        raise MailNotConfigured("no sender address configured: set mail_from (CLEARANALYTICS_MAIL_FROM)")
    return Mailer(smtp, sender)


def describe_error(exc: BaseException) -> str:
    """One line about a failed send, without the password (smtplib's errors never carry it)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"the server answered {exc.smtp_code} {text}".strip()
    if isinstance(exc, OSError):
        return f"cannot reach the SMTP server: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"
