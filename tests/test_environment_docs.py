"""Every environment variable the line reads is documented once, and the docs cannot drift.

`ivr serve --help`, README.md and docs/deployment.md all show ivr.environment.VARIABLES.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.environment import VARIABLES

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| `([A-Z_]+)` \| (.+) \| (.+) \|$")


def table_in(path: Path) -> dict[str, tuple[str, str]]:
    """The environment table of a Markdown file: name -> (meaning, default)."""
    text = path.read_text(encoding="utf-8")
    start = text.index("| variable | meaning | default |")
    rows = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        match = ROW.match(line)
        assert match, f"{path.name}: {line!r} is not a row of the environment table"
        rows[match[1]] = (match[2], match[3])
    return rows


DECLARED = {variable.name: (variable.meaning, variable.default) for variable in VARIABLES}


@pytest.mark.parametrize("document", ["README.md", "docs/deployment.md"])
def test_the_documented_table_is_the_declared_one(document: str) -> None:
    assert table_in(ROOT / document) == DECLARED


def test_serve_help_lists_every_variable() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0, result.output
    shown = re.findall(r"^\s+([A-Z_]+):", result.output, re.MULTILINE)
    assert shown == list(DECLARED)


def test_every_variable_the_code_reads_is_declared() -> None:
    read = set()
    for source in (ROOT / "ivr").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        read |= set(re.findall(r"os\.environ(?:\.get\(|\[)\"([A-Z_]+)\"", text))
        read |= set(re.findall(r"envvar=\"([A-Z_]+)\"", text))
    assert read, "no environment variable found: the pattern no longer matches the code"
    assert read - DECLARED.keys() == set()
