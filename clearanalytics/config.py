"""Settings: the one table that the CLI, the environment, the config file and the docs share.

Precedence, highest first: explicit values (CLI flags or `create_app(config)`), then
`CLEARANALYTICS_*` environment variables, then `clearanalytics.toml` in the data dir,
then the defaults below. The secret key lives in its own 0600 file in the data dir so
that the config file can be shown or shared without leaking it.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_FILE_NAME = "clearanalytics.toml"
SECRET_KEY_FILE_NAME = "secret_key"
DATABASE_FILE_NAME = "clearanalytics.duckdb"


def boolean(value: Any) -> bool:
    """true/false, yes/no, on/off, 1/0 (any case), from the environment or TOML alike."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(value)


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    kind: Callable[[Any], Any] = str

    @property
    def env_var(self) -> str:
        return "CLEARANALYTICS_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "./clearanalytics-data", "Folder holding the DuckDB file, secret key and config file."),
    Setting("secret_key", None, "Key that signs sessions and CSRF tokens; generated at first setup if unset."),
    Setting(
        "trusted_proxies",
        "",
        "Comma-separated IPs or CIDR ranges whose X-Forwarded-For, -Proto and -Host are believed (e.g. 127.0.0.1).",
    ),
    Setting(
        "events_url",
        "",
        "ClickHouse event store: chdb:///ABSOLUTE/DIR (the engine in process) or clickhouse://user:password@host:8123"
        "/db (or https://...); empty = the DuckDB file (docs/STORAGE.md).",
    ),
    Setting(
        "accounts_url",
        "",
        "PostgreSQL database for the accounts (postgresql://user:password@host:5432/db), shared by every node; "
        "empty = the DuckDB file. Needs events_url set too (docs/STORAGE.md).",
    ),
    Setting(
        "geoip_db",
        "",
        "A MaxMind GeoLite2-City or DB-IP Lite City .mmdb file: visitors' regions and cities (and countries); "
        "empty = countries alone, from the registries' data in the iptocc package (docs/LOCATIONS.md).",
    ),
    Setting("memory_limit", "256MB", "DuckDB memory_limit for the server process (keeps RSS under 500 MB)."),
    Setting(
        "threads",
        8,
        "Requests `serve` works on at once (stats, export, API, MCP, dashboard, chat); ingest, /healthz and "
        "/metrics never wait for one.",
        int,
    ),
    Setting(
        "request_queue",
        64,
        "Requests that may wait for one of the `threads`; beyond it `serve` answers 503 with Retry-After at once.",
        int,
    ),
    Setting("duckdb_threads", 0, "DuckDB worker threads shared by all queries (its `threads`); 0 = one per core.", int),
    Setting("rate_limit", "60/minute", "API requests allowed per token."),
    Setting(
        "flush_interval",
        0.25,
        "Seconds between the ingest writer's batch commits (accepted events are spooled to disk at once).",
        float,
    ),
    Setting(
        "access_log",
        False,
        "Log one line per request to stderr: method, route, status, duration (no IP, token or query string).",
        boolean,
    ),
    Setting(
        "fsync",
        "off",
        "Ingest spool durability: batch = fdatasync before each 202 (one shared by concurrent events; survives "
        "power loss), off = written to the OS only (survives a process crash, not an OS crash).",
    ),
    Setting("llm_provider", "", "AI chat LLM: openai (any Chat Completions API) or anthropic; empty = built-in only."),
    Setting("llm_base_url", "", "Base URL of the LLM API, e.g. http://localhost:11434/v1 for Ollama."),
    Setting("llm_model", "", "Model name passed to the LLM provider."),
    Setting("llm_api_key", "", "API key for the LLM provider; never logged or shown."),
    Setting("llm_timeout", 30, "Seconds to wait for each LLM request before falling back to the built-in chat.", int),
    Setting("chat_rate_limit", "20/minute", "AI chat questions allowed per user."),
    Setting(
        "share_rate_limit",
        "300/minute",
        "Requests to a shared link's data routes allowed per link and client address (a page load makes about 20).",
    ),
    Setting(
        "plans",
        False,
        "Show the plan picker in the dashboard's tenant settings (for operators who sell hosting); off: plans are "
        "set with `clearanalytics tenant plan` only, and the settings page shows the plan as text.",
        boolean,
    ),
    Setting(
        "smtp_url",
        "",
        "SMTP server for email reports: smtp://user:password@host:587?starttls=true, or smtps://user:password@host:465 "
        "(TLS from the start); empty = no email reports. The password is never logged or shown (docs/EMAIL.md).",
    ),
    Setting("mail_from", "", "From address of email reports, e.g. ClearAnalytics <reports@example.com>."),
)
SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}


class ConfigError(Exception):
    """A setting has a value that cannot be used; the message names it."""


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    if value is None or setting.kind is str:
        return value
    try:
        return setting.kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{setting.name} from {origin} must be {setting.kind.__name__}: {value!r}") from exc


def _read_config_file(data_dir: Path) -> dict[str, Any]:
    path = data_dir / CONFIG_FILE_NAME
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    unknown = sorted(set(raw) - set(SETTINGS_BY_NAME))
    if unknown:
        raise ConfigError(f"unknown setting(s) in {path}: {', '.join(unknown)}")
    return raw


def load_config(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Resolve every setting into one plain dict, keys upper-cased as Flask expects."""
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    environ = os.environ if environ is None else environ
    data_dir_setting = SETTINGS_BY_NAME["data_dir"]
    data_dir = Path(
        overrides.get("data_dir") or environ.get(data_dir_setting.env_var) or data_dir_setting.default
    ).expanduser()
    from_file = _read_config_file(data_dir) if data_dir.is_dir() else {}
    resolved: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in overrides:
            value, origin = overrides[setting.name], "arguments"
        elif setting.env_var in environ:
            value, origin = environ[setting.env_var], setting.env_var
        elif setting.name in from_file:
            value, origin = from_file[setting.name], CONFIG_FILE_NAME
        else:
            value, origin = setting.default, "defaults"
        resolved[setting.name.upper()] = _coerce(setting, value, origin)
    resolved["DATA_DIR"] = data_dir
    for key, value in overrides.items():
        resolved.setdefault(key.upper(), value)
    return resolved


def ensure_secret_key(data_dir: Path) -> str:
    """Return the stored secret key, creating it with mode 0600 on first use."""
    path = data_dir / SECRET_KEY_FILE_NAME
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key
