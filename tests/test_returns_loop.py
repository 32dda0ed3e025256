"""The monthly returns loop (issue 15): owners, global options after the subcommand,
the returns template, import of template/export/CSV, the units-slip check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from csplan.cli import app

runner = CliRunner()
ILLUSTRATIVE = EXAMPLES / "illustrative"


@pytest.fixture
def illustrative(tmp_path: Path) -> Path:
    """A private copy of the illustrative data, with its invented returns and owners."""
    target = tmp_path / "illustrative"
    shutil.copytree(ILLUSTRATIVE, target)
    return target


def status(*args: str) -> dict[str, dict]:  # type: ignore[type-arg]
    result = runner.invoke(app, ["savings", "status", "-f", "json", *args])
    assert result.exit_code == 0, result.output
    return {s["id"]: s for s in json.loads(result.stdout)["savings"]}


# -- global options after the subcommand ------------------------------------------------


def test_data_after_the_subcommand_is_the_same_as_before_it() -> None:
    before = runner.invoke(app, ["--data", str(ILLUSTRATIVE), "savings", "status", "-f", "csv"])
    after = runner.invoke(app, ["savings", "status", "-f", "csv", "--data", str(ILLUSTRATIVE)])
    between = runner.invoke(app, ["savings", "--data", str(ILLUSTRATIVE), "status", "-f", "csv"])
    assert before.exit_code == after.exit_code == between.exit_code == 0
    assert "S06" in before.stdout and ",red," in before.stdout
    assert after.stdout == before.stdout == between.stdout


def test_data_typed_later_wins_and_reaches_every_command(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    result = runner.invoke(app, ["--data", str(ILLUSTRATIVE), "pressures", "--data", str(missing)])
    assert result.exit_code == 2 and "missing" in result.stderr
    for command in (["validate"], ["pressures"], ["budget", "variance"], ["measures"], ["savings", "status"]):
        result = runner.invoke(app, [*command, "-d", str(ILLUSTRATIVE)])
        assert result.exit_code == 0, (command, result.output)


def test_global_option_is_in_every_commands_help() -> None:
    for command in (["savings", "status"], ["savings", "import"], ["export"], ["diff"], ["measures", "update"]):
        result = runner.invoke(app, [*command, "--help"])
        assert "--data" in result.stdout, command


# -- owners ------------------------------------------------------------------------------


def test_status_filters_by_owner() -> None:
    shown = status("--data", str(ILLUSTRATIVE), "--owner", "traded services")
    assert sorted(shown) == ["S04", "S05"]
    assert {s["owner"] for s in shown.values()} == {"Head of Traded Services"}
    assert status("--data", str(ILLUSTRATIVE), "--owner", "nobody by that name") == {}
    assert sorted(status("--data", str(ILLUSTRATIVE), "--owner", "early help", "--division", "early")) == ["S06"]
