"""Regenerate docs/CLI.md from the commands themselves: `python -m clearanalytics.cli.docs > docs/CLI.md`.

A test compares the file with this output, so the reference cannot drift from the code.
"""

from __future__ import annotations

import click

from clearanalytics.cli import main

WIDTH = 100


def _walk(command: click.Command, path: list[str], parent: click.Context | None):
    settings = {**command.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
    ctx = click.Context(command, info_name=path[-1], parent=parent, **settings)
    yield " ".join(path), command.get_help(ctx)
    if isinstance(command, click.Group):
        for name in sorted(command.list_commands(ctx)):
            yield from _walk(command.get_command(ctx, name), [*path, name], ctx)


def render() -> str:
    parts = [
        "# Command-line reference",
        "",
        "Generated from the code by `python -m clearanalytics.cli.docs > docs/CLI.md`; a test keeps it current.",
        "",
    ]
    for name, help_text in _walk(main, ["clearanalytics"], None):
        parts += [f"## `{name}`", "", "```text", help_text.rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
