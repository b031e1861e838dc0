"""Docs are checked: every command has help with an Example, and the README names it."""

from __future__ import annotations

import click
import pytest

from monitor.cli import cli
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def _commands(group: click.Group, prefix: str = "monitor") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found += _commands(command, path)
    return found


COMMANDS = [("monitor", cli), *_commands(cli)]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_command_help_has_example(path: str, command: click.Command) -> None:
    """Each command's help text carries an Example: block."""
    assert command.help
    assert "Example:" in command.help, path


@pytest.mark.parametrize(
    "path",
    [p for p, c in COMMANDS if not isinstance(c, click.Group)],
    ids=[p for p, c in COMMANDS if not isinstance(c, click.Group)],
)
def test_command_is_in_readme(path: str) -> None:
    """Every leaf command appears in the README's command table."""
    assert f"`{path}" in README, path


def test_readme_setup_commands_exist() -> None:
    """The two set-up commands of the README are Makefile targets, and CI calls the second."""
    makefile = (ROOT / "Makefile").read_text()
    assert "make run" in README
    assert "make test" in README
    assert "\nrun:" in makefile
    assert "\ntest:" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()
