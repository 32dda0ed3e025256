"""Every figure in data/ is traceable to the source document."""

from __future__ import annotations

import re
from decimal import Decimal

from conftest import DATA, SOURCE
from csplan import validate_plan
from csplan.money import parse_amount

TEXT = SOURCE.read_text(encoding="utf-8")
ROWS = {row.split("\t")[0]: row.split("\t")[1:] for row in TEXT.splitlines() if "\t" in row}


def shipped():  # type: ignore[no-untyped-def]
    plan, findings = validate_plan(DATA)
    assert findings == []
    return plan


def test_pressures_match_the_plan_table() -> None:
    _, pressures = shipped().pressures()
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


def test_corrections_are_explained_in_the_file() -> None:
    text = (DATA / "pressures.yaml").read_text(encoding="utf-8")
    assert text.count("CORRECTED") == 2
    assert '"£.0333"' in text and "only £0.333m reconciles" in text


def test_savings_match_the_plan_table() -> None:
    _, savings = shipped().savings()
    for saving in savings.lines:
        ongoing, one_off, _total = ROWS[saving.description]
        assert saving.ongoing == (parse_amount(ongoing) if ongoing else 0), saving.id
        assert saving.one_off == (parse_amount(one_off) if one_off else 0), saving.id
    [stated] = re.findall(r"^TOTAL\t([\d,]+)\t([\d,]+)\t([\d,]+)$", TEXT, re.M)
    assert [parse_amount(x) for x in stated] == [savings.totals.ongoing, savings.totals.one_off, savings.totals.total]
    assert len(savings.lines) == 12


def test_budget_figures_are_stated_in_the_plan() -> None:
    _, budget = shipped().budget()
    assert "budget of £175.772 million for 2025-26" in TEXT
    assert budget.total == Decimal("175772000")
    assert budget.includes is not None
    assert budget.includes.pressures == Decimal("23998000")
    assert "savings for 2025-26 of £3.258 million" in TEXT
    assert budget.includes.savings == Decimal("3258000")
    assert budget.lines is None  # the plan gives no split; none is invented


def test_every_division_is_marked_inferred_or_unstated() -> None:
    for line in (DATA / "savings.yaml").read_text(encoding="utf-8").splitlines():
        if re.match(r"\s+division:", line):
            assert "# inferred:" in line or "# not stated in the plan" in line, line


def test_data_files_name_their_source() -> None:
    for path in DATA.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert "docs/source/service-plan-2025-29.txt" in text, path
        assert re.search(r'^source: "Service Plan 2025-29', text, re.M), path
