"""Every figure of the plan in data/ is traceable to the source document.

These tests read the live data/ folder, where officers record monthly returns: they
check the plan's own figures (pressures, targets, budget, stated totals), never the
returns, so recording one keeps them green (the last test proves it)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import CSPLAN, LIVE_DATA, SOURCE, FolderCopy
from csplan import validate_plan
from csplan.money import parse_amount

TEXT = SOURCE.read_text(encoding="utf-8")
ROWS = {row.split("\t")[0]: row.split("\t")[1:] for row in TEXT.splitlines() if "\t" in row}


def shipped(folder: Path):  # type: ignore[no-untyped-def]
    plan, findings = validate_plan(folder)
    assert [f for f in findings if f.severity == "error"] == []
    return plan


def check_pressures_match_the_plan_table(folder: Path) -> None:
    _, pressures = shipped(folder).pressures()
    for line in pressures.lines:
        [printed] = ROWS[line.description]
        in_plan = parse_amount(printed, "millions")
        if line.id == "P05":
            # The documented correction: the plan's £.0333 is a slip for £0.333.
            assert printed == "£.0333"
            assert line.amount == in_plan * 10
        else:
            assert line.amount == in_plan, line.id
        assert line.funding == "ongoing"  # the table's column is "£Million Ongoing"
    assert "\nTOTAL\t£23,998\n" in TEXT  # printed with a comma in a £m column ...
    assert "£23.998 million ongoing funding" in TEXT  # ... and stated in words
    assert pressures.total == Decimal("23998000")


def check_corrections_are_explained_in_the_file(folder: Path) -> None:
    text = (folder / "pressures.yaml").read_text(encoding="utf-8")
    assert text.count("CORRECTED") == 2
    assert '"£.0333"' in text and "only £0.333m reconciles" in text


def check_savings_match_the_plan_table(folder: Path) -> None:
    _, savings = shipped(folder).savings()
    for saving in savings.lines:
        ongoing, one_off, _total = ROWS[saving.description]
        assert saving.ongoing == (parse_amount(ongoing) if ongoing else 0), saving.id
        assert saving.one_off == (parse_amount(one_off) if one_off else 0), saving.id
    [stated] = re.findall(r"^TOTAL\t([\d,]+)\t([\d,]+)\t([\d,]+)$", TEXT, re.M)
    assert [parse_amount(x) for x in stated] == [savings.totals.ongoing, savings.totals.one_off, savings.totals.total]
    assert len(savings.lines) == 12


def check_budget_figures_are_stated_in_the_plan(folder: Path) -> None:
    _, budget = shipped(folder).budget()
    assert "budget of £175.772 million for 2025-26" in TEXT
    assert budget.total == Decimal("175772000")
    assert budget.includes is not None
    assert budget.includes.pressures == Decimal("23998000")
    assert "savings for 2025-26 of £3.258 million" in TEXT
    assert budget.includes.savings == Decimal("3258000")
    assert budget.lines is None  # the plan gives no split; none is invented


def check_every_division_is_marked_inferred_or_unstated(folder: Path) -> None:
    for line in (folder / "savings.yaml").read_text(encoding="utf-8").splitlines():
        if re.match(r"\s+division:", line):
            assert "# inferred:" in line or "# not stated in the plan" in line, line


def check_data_files_name_their_source(folder: Path) -> None:
    for path in folder.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert "docs/source/service-plan-2025-29.txt" in text, path
        assert re.search(r'^source: "Service Plan 2025-29', text, re.M), path


CHECKS: list[Callable[[Path], None]] = [
    check_pressures_match_the_plan_table,
    check_corrections_are_explained_in_the_file,
    check_savings_match_the_plan_table,
    check_budget_figures_are_stated_in_the_plan,
    check_every_division_is_marked_inferred_or_unstated,
    check_data_files_name_their_source,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_the_plan_in_data(check: Callable[[Path], None]) -> None:
    check(LIVE_DATA)


def test_returns_recorded_in_data_keep_these_checks_green(folder_copy: FolderCopy) -> None:
    """Before: recording S06's P06 return in data/ failed 18 tests."""
    working = folder_copy(LIVE_DATA)
    # Each update passes --replace: data/ may already hold a later return (an officer
    # records P07 before this test records P06), which csplan refuses without it.
    for args in (
        ["savings", "update", "S06", "--period", "P06", "--forecast", "600000"],
        ["savings", "update", "S09", "--period", "P06", "--forecast", "400000", "--rag", "green"],  # a RAG it disputes
        ["measures", "update", "SO2-04", "--period", "P06", "--value", "58.2"],
    ):
        command = [CSPLAN, "--data", str(working), *args, *(["--replace"] if args[1] == "update" else [])]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    for check in CHECKS:
        check(working)
