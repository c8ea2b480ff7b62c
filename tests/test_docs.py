"""Docs enforced by tests: every setting and every CLI command is documented where users look."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearanalytics.cli.docs import render
from clearanalytics.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_is_generated_from_the_code():
    assert (ROOT / "docs" / "CLI.md").read_text() == render(), (
        "docs/CLI.md is stale: run `python -m clearanalytics.cli.docs > docs/CLI.md`"
    )


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.name for s in SETTINGS])
def test_every_setting_is_documented(setting):
    text = (ROOT / "docs" / "CONFIGURATION.md").read_text()
    assert f"`{setting.name}`" in text and f"`{setting.env_var}`" in text


def test_readme_has_the_two_commands_near_the_top():
    head = (ROOT / "README.md").read_text().split("## What is inside")[0]
    assert "pip install . && clearanalytics quickstart" in head
    assert "pip install '.[test]' && pytest" in head


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install --quiet '.[test]'" in ci and "pytest" in ci
