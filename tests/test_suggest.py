"""Commands csplan suggests carry the --data and --department the run was given (csplan.suggest)."""

from __future__ import annotations

import shlex
from pathlib import Path

from conftest import FolderCopy, csplan
from csplan.suggest import command, given


def test_a_suggested_command_carries_the_folder_and_department_quoted_for_the_shell() -> None:
    assert command("validate") == "csplan validate"  # a program calling csplan: the plain command
    with given(Path("my council"), "children's"):
        suggested = command("savings update S06 --period P08 --forecast 690000")
        assert suggested == (
            "csplan savings update S06 --period P08 --forecast 690000 "
            "--data 'my council' --department 'children'\"'\"'s'"
        )
        assert shlex.split(suggested)[-4:] == ["--data", "my council", "--department", "children's"]
        assert command("council status", department=False) == "csplan council status --data 'my council'"
    with given("data", None):  # the default folder: as a user would type it, without --data
        assert command("validate") == "csplan validate"
    with given("./data", ""):
        assert command("validate") == "csplan validate"
    assert command("validate") == "csplan validate"  # only for the length of the run


def test_close_years_hint_closes_the_earlier_year_of_the_same_folder(folder_copy: FolderCopy) -> None:
    folder = folder_copy("year-end", "year end")  # a space: quoted
    result = csplan(folder, "savings", "close-year", "--year", "2026-27")
    assert result.exit_code == 2, result.output
    assert "2025-26 is not closed yet; close it before 2026-27" in result.stderr
    hint = result.stderr.splitlines()[-1]
    assert hint == f"  hint: csplan savings close-year --year 2025-26 --data {shlex.quote(str(folder))}"
    # Pasted, it closes that folder's year, not ./data's.
    pasted = shlex.split(hint.removeprefix("  hint: "))
    assert pasted[pasted.index("--data") + 1] == str(folder)


def test_a_council_folders_hints_carry_the_department(folder_copy: FolderCopy, tmp_path: Path) -> None:
    council = folder_copy("council", "my council")
    chosen = ["--department", "children"]
    result = csplan(council, *chosen, "measures", "update", "XX9", "--period", "P06", "--value", "5")
    assert result.exit_code == 2, result.output
    assert f"hint: csplan measures --data '{council}' --department children lists the ids" in result.stderr
    # The CSP712 hint of an export sent back, in a department of a council folder.
    update = ["savings", "update", "S06", "--period", "P08", "--forecast"]
    assert csplan(council, *chosen, *update, "690000").exit_code == 0
    out = tmp_path / "position.xlsx"
    assert csplan(council, *chosen, "export", str(out), "--period", "P08").exit_code == 0
    assert csplan(council, *chosen, *update, "720000").exit_code == 0
    result = csplan(council, *chosen, "savings", "import", str(out))
    assert result.exit_code == 0, result.output
    assert (
        "if £690,000 is right after all: csplan savings update S06 --period P08 --forecast 690000 "
        f"--data '{council}' --department children"
    ) in result.stderr
    # Without a department, the council folder's own command leaves it out.
    result = csplan(council, "savings", "status")
    assert result.exit_code == 2
    assert f"or run csplan council status --data '{council}' for them all" in result.stderr
