"""Settings precedence: explicit values, then environment, then the data dir's file, then defaults."""

from __future__ import annotations

import pytest

from clearanalytics.app import create_app
from clearanalytics.config import ConfigError, load_config


def test_precedence(tmp_path):
    (tmp_path / "clearanalytics.toml").write_text('memory_limit = "1GB"\nthreads = 3\nrate_limit = "5/minute"\n')
    env = {"CLEARANALYTICS_DATA_DIR": str(tmp_path), "CLEARANALYTICS_THREADS": "5"}
    resolved = load_config({"rate_limit": "7/minute"}, environ=env)
    assert resolved["DATA_DIR"] == tmp_path
    assert resolved["RATE_LIMIT"] == "7/minute"  # explicit beats file
    assert resolved["THREADS"] == 5  # environment beats file, coerced to int
    assert resolved["MEMORY_LIMIT"] == "1GB"  # file beats default
    assert resolved["TRUSTED_PROXIES"] == ""  # default


def test_bad_values_are_named(tmp_path):
    with pytest.raises(ConfigError, match="threads from CLEARANALYTICS_THREADS must be int"):
        load_config({"data_dir": str(tmp_path)}, environ={"CLEARANALYTICS_THREADS": "many"})
    (tmp_path / "clearanalytics.toml").write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match="unknown setting"):
        load_config({"data_dir": str(tmp_path)}, environ={})


def test_create_app_generates_a_private_secret_key_once(tmp_path):
    app = create_app({"data_dir": str(tmp_path / "d")})
    key = app.config["SECRET_KEY"]
    assert len(key) == 64 and (tmp_path / "d" / "secret_key").stat().st_mode & 0o777 == 0o600
    app.extensions["clearanalytics.db"].close()
    again = create_app({"data_dir": str(tmp_path / "d")})
    assert again.config["SECRET_KEY"] == key
    again.extensions["clearanalytics.db"].close()
