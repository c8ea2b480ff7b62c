"""`accounts_url`: which PostgreSQL database holds the accounts, checked before anything connects.

A mistyped URL must stop `serve` with one line naming the setting, never a libpq traceback, and
never with the password in it (the line reaches logs and terminals).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from clearanalytics.config import ConfigError

SCHEMES = ("postgresql", "postgres")
EXAMPLE = "postgresql://USER:PASSWORD@HOST:5432/DATABASE"


class AccountsConfigError(ConfigError):
    """An accounts URL that cannot be used; the message names the setting (a ConfigError: the CLI prints one line)."""


def _fail(message: str, password: str | None = None) -> AccountsConfigError:
    text = " ".join(message.split())
    if password:  # libpq may quote the password back, as written or percent-decoded
        for form in {password, unquote(password)}:
            text = text.replace(form, "***")
    return AccountsConfigError(f"accounts_url: {text}")


def _check_ports(netloc: str, password: str | None) -> None:
    """libpq accepts `host:abc` and only fails at connect time; say so at start instead."""
    hosts = netloc.rsplit("@", 1)[-1]
    for part in hosts.split(","):
        port = part.rsplit("]", 1)[-1].rpartition(":")[2] if ":" in part.rsplit("]", 1)[-1] else ""
        if port and (not port.isdigit() or not 0 < int(port) < 65536):
            raise _fail(f"invalid port {port!r}: a number from 1 to 65535 ({EXAMPLE})", password)


def parse_accounts_url(url: str) -> dict[str, str]:
    """The libpq connection parameters of `url` (psycopg.connect(**them)), or AccountsConfigError in one line.

    postgresql:// and postgres:// as libpq reads them, Unix sockets included
    (`postgresql:///clearanalytics?host=/run/postgresql`); a database name is required, since
    libpq's default (the user's name) is a surprise for an application's data.
    """
    text = (url or "").strip()
    scheme, sep, _rest = text.partition("://")
    if not sep:  # not echoed: without a scheme there is no telling where a password starts
        raise _fail(f"expected a postgresql:// URL like {EXAMPLE}, got one without a scheme")
    if scheme.lower() not in SCHEMES:
        raise _fail(f"expected a postgresql:// URL like {EXAMPLE}, got {scheme[:20]!r}")
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise _fail(f"malformed URL: {exc}") from None
    password = parts.password or None
    _check_ports(parts.netloc, password)
    try:
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:
        raise _fail("PostgreSQL accounts need psycopg: pip install 'clearanalytics[postgres]'") from None
    try:
        params = {k: str(v) for k, v in conninfo_to_dict(text).items()}
    except Exception as exc:  # psycopg.ProgrammingError: libpq's own words ("invalid URI query parameter")
        raise _fail(f"malformed URL: {str(exc).strip().splitlines()[0]}", password) from None
    if not params.get("dbname"):
        raise _fail(f"name the database: {EXAMPLE}", password)
    return params


def describe(params: dict[str, str]) -> str:
    """The URL's parts without its password, for /healthz and log lines."""
    host = params.get("host") or "local socket"
    port = f":{params['port']}" if params.get("port") else ""
    user = f"{params['user']}@" if params.get("user") else ""
    return f"postgresql://{user}{host}{port}/{params.get('dbname', '')}"
