"""position(): every report for a year and period from one call, equal to each report alone."""

from __future__ import annotations

from conftest import EXAMPLES, FolderCopy
from csplan import load_plan
from csplan.budget import budget_report
from csplan.measures import measures_report
from csplan.money import ZERO
from csplan.position import SavingsView, position
from csplan.pressures import pressures_report
from csplan.savings import savings_report

ILLUSTRATIVE = EXAMPLES / "illustrative"


def test_the_position_holds_each_report_as_computed_alone() -> None:
    plan, _ = load_plan(ILLUSTRATIVE)
    found = position(plan, None, "P06")
    savings = plan.savings()
    pressures = plan.pressures()
    budget = plan.budget()
    measures = plan.measures()
    assert savings and pressures and budget and measures
    assert (found.year, found.period) == ("2025-26", "P06")
    assert found.savings == savings_report(savings[1], "P06")
    assert found.pressures == pressures_report(*pressures)
    assert found.budget == budget_report(plan, budget[1], "P06")
    assert found.measures == measures_report(measures[1], found.savings, "P06")
    assert found.forecast_by_period == []


def test_a_filtered_view_leaves_the_computed_savings_measure_on_the_whole_list() -> None:
    plan, _ = load_plan(ILLUSTRATIVE)
    whole = position(plan, None, "P06")
    red = position(plan, None, "P06", view=SavingsView(rags=("red",)), materiality=ZERO)
    assert red.savings is not None and whole.savings is not None
    assert {s.rag for s in red.savings.statuses} == {"red"}
    assert red.savings.totals.target < whole.savings.totals.target
    assert red.measures == whole.measures


def test_history_gives_the_totals_period_by_period_up_to_the_period() -> None:
    plan, _ = load_plan(ILLUSTRATIVE)
    found = position(plan, None, "P06", history=True)
    assert [p.period for p in found.forecast_by_period][:7] == ["P01", "P02", "P03", "P04", "P05", "P06", "P07"]
    assert [p.totals is None for p in found.forecast_by_period] == [False] * 6 + [True] * 6
    assert found.savings is not None
    assert found.forecast_by_period[5].totals == found.savings.totals


def test_without_a_year_the_anchor_kind_chooses_it_and_every_part_is_of_that_year(folder_copy: FolderCopy) -> None:
    folder = folder_copy("illustrative")
    later = (folder / "savings.yaml").read_text(encoding="utf-8").replace("year: 2025-26", "year: 2026-27", 1)
    (folder / "savings_2026_27.yaml").write_text(later, encoding="utf-8")
    plan, _ = load_plan(folder)
    by_savings = position(plan)
    assert by_savings.year == "2026-27"
    assert by_savings.savings is not None and by_savings.savings.year == "2026-27"
    assert by_savings.pressures is None and by_savings.budget is None and by_savings.measures is None
    by_budget = position(plan, anchor="budget")
    assert by_budget.year == "2025-26"
    assert by_budget.savings is not None and by_budget.savings.year == "2025-26"
    assert by_budget.budget is not None and by_budget.pressures is not None
