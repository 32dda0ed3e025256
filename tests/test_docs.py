"""The README documents every command and finding code, and its examples are real."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from conftest import DATA, LIVE_DATA, ROOT, FolderCopy, docs_workspace, plan_only
from csplan.cli import app
from csplan.findings import CODES

README = (ROOT / "README.md").read_text(encoding="utf-8")
SCRIPT = Path(sys.executable).parent / "csplan"


def command_paths() -> list[str]:
    group = typer.main.get_command(app)
    paths: list[str] = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        if subcommands:
            paths.extend(f"{name} {sub}" for sub in subcommands)
            if getattr(command, "invoke_without_command", False):
                paths.append(name)  # a group that is a command itself (csplan measures)
        else:
            paths.append(name)
    return paths


def test_quick_start_is_the_first_thing() -> None:
    first_block = README.split("```")[1]
    assert "make run" in first_block and "make test" in first_block


@pytest.mark.parametrize("command", command_paths())
def test_every_command_has_a_section_with_an_example(command: str) -> None:
    assert re.search(rf"^### `csplan {re.escape(command)}\b", README, re.M), f"no README section for {command}"
    example = rf"^\$ csplan (?:--data \S+ )?{re.escape(command)}\b"
    assert re.search(example, README, re.M), f"no example of csplan {command} in the README"


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_finding_code_is_documented(code: str) -> None:
    row = re.search(rf"^\| {code} \| (.+?) \|", README, re.M)
    assert row, f"{code} missing from the README's finding codes table"


def console_examples() -> list[tuple[str, str]]:
    """Each ```console block: the command after '$ ' and the output below it."""
    blocks = re.findall(r"```console\n\$ (.+?)\n(.*?)```", README, re.S)
    return [(command, output) for command, output in blocks]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the examples run: the repository's top level, with data/ as the plan
    (without the returns officers record), as docs/update_readme.py runs them."""
    return docs_workspace(tmp_path_factory.mktemp("docs") / "repo")


def real_output(command: str, cwd: Path) -> str:
    args = shlex.split(command)
    assert args[0] == "csplan"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    env.pop("CSPLAN_DATA", None)
    done = subprocess.run([str(SCRIPT), *args[1:]], cwd=cwd, capture_output=True, text=True, env=env, check=False)
    return done.stdout + done.stderr


@pytest.mark.parametrize(("command", "expected"), console_examples())
def test_console_examples_are_real_output(command: str, expected: str, workspace: Path) -> None:
    assert unversioned(real_output(command, workspace)) == unversioned(expected)


def test_council_status_names_the_columns_a_narrow_terminal_leaves_out() -> None:
    """The README's council status example runs at 120 columns, where the savings
    table has no room for Reported: the text must say which columns can go missing,
    or a reader on a wider terminal finds a column the README never shows."""
    from csplan.render.council import BUDGET_COLUMNS, SAVINGS_COLUMNS

    section = README.split("### `csplan council status`", 1)[1].split("```console", 1)[0]
    for column in (*BUDGET_COLUMNS, *SAVINGS_COLUMNS):
        if column.drop_order is not None:
            assert column.header in section, column.header


def test_savings_status_says_the_order_a_narrow_terminal_leaves_columns_out() -> None:
    """The README's savings status section lists the droppable columns in the order
    render/savings.status_columns drops them (and names every one of them)."""
    from types import SimpleNamespace

    from csplan.render.savings import status_columns

    columns = status_columns(SimpleNamespace(since="P05"))  # type: ignore[arg-type]
    droppable = sorted((c for c in columns if c.drop_order is not None), key=lambda c: c.drop_order or 0)
    assert len({c.drop_order for c in droppable}) == len(droppable), "a tie leaves the order to the column order"
    words = [("previous forecast" if c.key == "previous_forecast" else c.header.lower()) for c in droppable]
    said = ", ".join(words[:-1]) + f" and {words[-1]} columns are left out in that order"
    section = README.split("### `csplan savings status`", 1)[1].split("```", 1)[0]
    assert said in " ".join(section.split()), said


def test_returns_recorded_in_data_change_no_test_and_no_example(tmp_path: Path, folder_copy: FolderCopy) -> None:
    """An officer records returns in data/ (and commits them): the plan the tests and
    the README's examples run on is byte for byte the same, so CI stays green."""
    working = folder_copy(LIVE_DATA)
    # Each update passes --replace: data/ may already hold a later return (an officer
    # records P07 before this test records P06), which csplan refuses without it.
    for args in (
        ["savings", "update", "S06", "--period", "P06", "--forecast", "600000"],
        ["savings", "update", "S01", "--period", "P07", "--forecast", "32000", "--rag", "blue", "--note", "done"],
        ["savings", "mitigate", "S06", "--period", "P07", "--amount", "100000", "--note", "Vacancy savings"],
        ["measures", "update", "SO2-04", "--period", "P06", "--value", "58.2", "--note", "Backlog cleared"],
    ):
        command = [str(SCRIPT), "--data", str(working), *args, *(["--replace"] if args[1] == "update" else [])]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    assert (working / "savings.yaml").read_bytes() != (LIVE_DATA / "savings.yaml").read_bytes()
    stripped = plan_only(working, tmp_path / "plan")
    for path in sorted(DATA.iterdir()):
        assert (stripped / path.name).read_bytes() == path.read_bytes(), path.name
    [(command, expected)] = [(c, e) for c, e in console_examples() if c == "csplan savings status"]
    worked = docs_workspace(tmp_path / "repo", working)
    assert unversioned(real_output(command, worked)) == unversioned(expected)


def unversioned(output: str) -> str:
    """Output with the commit a folder was last changed in masked: a council row names
    it, and it changes with every commit of the examples (and their work tree)."""
    return re.sub(r"commit [0-9a-f]{7,40} of \d{4}-\d{2}-\d{2}( with uncommitted changes)?", "commit ...", output)


def test_workflow_is_valid_yaml_and_runs_documented_commands() -> None:
    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "csplan.yml").read_text(encoding="utf-8"))
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    commands = [
        line.strip()
        for step in steps
        for line in str(step.get("run", "")).splitlines()
        if "csplan " in line and not line.strip().startswith("echo")
    ]
    assert "csplan validate --format github" in commands
    assert any(c.startswith('csplan diff "origin/${{ github.base_ref }}" HEAD --format markdown') for c in commands)
    for command in commands:
        assert command in README, f"workflow runs {command!r}, which the README does not show"
    assert any(step.get("run") == "bash .ci/run" for step in steps)


def test_pre_commit_hook_runs_validate() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    [hook] = hooks
    assert hook["id"] == "csplan-validate" and hook["entry"] == "csplan validate"
    assert hook["id"] in README


def test_the_validate_example_with_the_slips_put_back_is_real(tmp_path: Path) -> None:
    """The README's second validate example (a text block: it needs the data changed)."""
    block = README.split("With the plan's own slip put back", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    command, expected = block.split("\n", 1)
    assert command == "$ csplan validate"
    workspace = docs_workspace(tmp_path / "repo")
    pressures, savings = workspace / "data" / "pressures.yaml", workspace / "data" / "savings.yaml"
    pressures.write_text(pressures.read_text(encoding="utf-8").replace("amount: 0.333\n", "amount: 0.0333\n"))
    text = savings.read_text(encoding="utf-8")
    assert text.count("ongoing: 833000") == 1
    savings.write_text(text.replace("ongoing: 833000", "ongoing: 383000"), encoding="utf-8")
    assert real_output("csplan validate", workspace) == expected
