from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DATA, EXAMPLES, SOURCE, Edit, FolderCopy
from csplan import validate_plan
from csplan.cli import app
from csplan.measures import latest_value, measure_rag
from csplan.models import Measure, MeasureEntry

runner = CliRunner()
D = Decimal
ILLUSTRATIVE = str(EXAMPLES / "illustrative")


def plan_measures() -> dict[int, tuple[list[str], list[str]]]:
    """Each numbered objective's measures and milestones, read from the plan's text."""
    text = SOURCE.read_text(encoding="utf-8")
    lines = [line.strip() for line in text[text.index("Key Performance Measures") :].splitlines()]
    found: dict[int, tuple[list[str], list[str]]] = {}
    current: list[str] = []
    for line in lines:
        if not line or line == "Monitoring the Plan":
            continue
        heading = re.match(r"Strategic Objective (\d+):", line)
        if heading:
            found[int(heading[1])] = ([], [])
            current = found[int(heading[1])][0]
        elif line.startswith("As well as the above"):
            current = found[max(found)][1]
        elif found:
            item = line.removeprefix("- ")
            if item[0].islower():  # a sentence the plan broke over two bullets
                current[-1] += " " + item
            else:
                current.append(item)
    return found


def test_shipped_measures_are_the_plans_worded_as_the_plan_words_them() -> None:
    plan, findings = validate_plan(DATA)
    assert findings == []
    found = plan.measures()
    assert found is not None
    model = found[1]
    expected = plan_measures()
    assert sorted(expected) == [1, 2, 13, 14]
    shipped = {o.number: o for o in model.objectives if o.number is not None}
    for number, (measures, milestones) in expected.items():
        assert [m.name for m in shipped[number].measures] == measures
        assert [m.name for m in shipped[number].milestones] == milestones
    assert sum(len(m) for m, _ in expected.values()) == 23
    every = [m for o in model.objectives for m in o.measures]
    assert all(m.target is None and not m.progress for m in every)  # nothing invented
    [savings_measure] = [m for m in every if m.computed]
    assert savings_measure.name == "Delivery of agreed Children's Services departmental savings in 2025-26"
    assert savings_measure.name in SOURCE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "target", "better", "rag"),
    [
        ("60", "60", "higher", "green"),
        ("57", "60", "higher", "amber"),  # exactly 5% under: amber
        ("56.99", "60", "higher", "red"),
        ("4.2", "4", "lower", "amber"),  # exactly 5% over: amber
        ("4.21", "4", "lower", "red"),
        ("3", "4", "lower", "green"),
    ],
)
def test_measure_rag_boundaries(value: str, target: str, better: str, rag: str) -> None:
    assert measure_rag(D(value), D(target), better, D(5))[0] == rag


def test_latest_value_orders_months_and_quarters() -> None:
    measure = Measure(
        id="X",
        name="x",
        unit="number",
        progress=[
            MeasureEntry(period="Q1", value=D(1)),
            MeasureEntry(period="P05", value=D(2)),
            MeasureEntry(period="Q2", value=D(3)),
        ],
    )
    assert latest_value(measure, "P02") is None
    assert latest_value(measure, "P03").value == D(1)  # type: ignore[union-attr]
    assert latest_value(measure, "P05").value == D(2)  # type: ignore[union-attr]
    assert latest_value(measure).value == D(3)  # type: ignore[union-attr]


def test_objective_2_with_illustrative_values() -> None:
    result = runner.invoke(app, ["--data", ILLUSTRATIVE, "measures", "--objective", "2", "-p", "P06", "-f", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    by_id = {m["id"]: m for m in report["measures"]}
    assert [m["objective"] for m in report["measures"]] == ["SO2"] * 7
    assert (by_id["SO2-04"]["value"], by_id["SO2-04"]["target"], by_id["SO2-04"]["rag"]) == (58.2, 60, "amber")
    assert (by_id["SO2-05"]["rag"], by_id["SO2-06"]["rag"]) == ("green", "red")
    assert by_id["SO2-01"]["rag"] == "not reported" and by_id["SO2-03"]["rag"] == "no target"
    assert [m["status"] for m in report["milestones"]] == ["in progress", "not started"]


def test_savings_measure_equals_savings_status() -> None:
    status = json.loads(
        runner.invoke(app, ["--data", ILLUSTRATIVE, "savings", "status", "-p", "P06", "-f", "json"]).stdout
    )
    measures = json.loads(
        runner.invoke(app, ["--data", ILLUSTRATIVE, "measures", "-o", "BUD", "-p", "P06", "-f", "json"]).stdout
    )
    [measure] = measures["measures"]
    assert measure["value"] == status["totals"]["forecast_percent"] == 78.6
    assert measure["computed"] is True
    shipped = json.loads(runner.invoke(app, ["--data", str(DATA), "measures", "-o", "BUD", "-f", "json"]).stdout)
    assert shipped["measures"][0]["value"] is None  # no savings returns yet: not reported, not 0%


def test_unknown_objective_exits_2() -> None:
    assert runner.invoke(app, ["--data", str(DATA), "measures", "-o", "99"]).exit_code == 2


def test_update_records_a_value_keeping_comments(data_copy: Path) -> None:
    path = data_copy / "measures.yaml"
    comments = [line for line in path.read_text().splitlines() if "#" in line]
    result = runner.invoke(
        app,
        [
            "--data",
            str(data_copy),
            "measures",
            "update",
            "SO2-04",
            "--period",
            "P06",
            "--value",
            "72.5",
            "--note",
            "Backlog cleared",
        ],
    )
    assert result.exit_code == 0, result.output
    assert [line for line in path.read_text().splitlines() if "#" in line] == comments
    plan, findings = validate_plan(data_copy)
    assert findings == []
    measure = next(m for o in plan.measures()[1].objectives for m in o.measures if m.id == "SO2-04")
    assert [(e.period, e.value, e.note) for e in measure.progress] == [("P06", D("72.5"), "Backlog cleared")]
    assert (
        runner.invoke(
            app, ["--data", str(data_copy), "measures", "update", "SO2-07", "-p", "Q2", "--value", "Plans clearer"]
        ).exit_code
        == 0
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["SO2-04", "--period", "P06", "--value", "high"], "is not a number"),
        (["SO2-04", "--period", "P06", "--value", "120"], "not a percentage from 0 to 100"),
        (["SO2-04", "--period", "P13", "--value", "5"], "period 'P13'"),
        (["SO2-99", "--period", "P06", "--value", "5"], "no measure 'SO2-99'"),
        (["BUD-01", "--period", "P06", "--value", "5"], "computed"),
        (["SO2-02", "--period", "P06", "--value", "2.5"], "a count is a whole number"),
    ],
)
def test_update_refusals_leave_the_file_unchanged(data_copy: Path, args: list[str], message: str) -> None:
    path = data_copy / "measures.yaml"
    before = path.read_bytes()
    result = runner.invoke(app, ["--data", str(data_copy), "measures", "update", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert path.read_bytes() == before


def test_measure_checks(data_copy: Path, edit: Edit) -> None:
    path = data_copy / "measures.yaml"
    edit(
        path,
        "        computed: savings_forecast_percent",
        "        computed: savings_forecast_percent\n        progress:\n          - {period: P06, value: 80}",
    )
    appeal = '        name: "SEND appeal rate based on appealable decisions."\n        unit: percentage\n'
    entries = "          - {period: P06, value: lots}\n          - {period: Q1, value: 3}\n"
    edit(path, appeal, appeal + "        progress:\n" + entries)
    _, findings = validate_plan(data_copy)
    assert sorted((f.code, f.severity) for f in findings) == [
        ("CSP402", "error"),
        ("CSP406", "error"),
        ("CSP407", "error"),
    ]
    lots = next(f for f in findings if f.code == "CSP406")
    assert path.read_text().splitlines()[lots.line - 1].strip() == "- {period: P06, value: lots}"


@pytest.mark.parametrize(("written", "shown"), [("P13", "'P13'"), ("q2", "'q2'"), ("6", "6"), ("Q5", "'Q5'")])
def test_a_measure_period_that_is_not_one_gets_csp401_naming_it(
    folder_copy: FolderCopy, edit: Edit, written: str, shown: str
) -> None:
    """A measure's period is a month or a quarter; anything else is CSP401 naming the
    value as written, with a hint of its own (not a savings period's)."""
    folder = folder_copy("illustrative")
    edit(folder / "measures.yaml", "{period: P06, value: 66.4}", f"{{period: {written}, value: 66.4}}")
    result = runner.invoke(app, ["--data", str(folder), "validate"])
    assert result.exit_code == 1, result.output
    where = "objectives[0].measures[2].progress[0].period"
    assert result.stdout.splitlines()[:2] == [
        f"{folder / 'measures.yaml'}:32:22: error CSP401 {where}: period {shown} is not one of P01..P12 or Q1..Q4",
        "  hint: write P06 for a month, Q2 for a quarter",
    ]


def test_a_target_without_a_direction_warns(data_copy: Path, edit: Edit) -> None:
    path = data_copy / "measures.yaml"
    sufficiency = '        name: "Sufficiency of special schools and enhanced resource places"\n        unit: number\n'
    edit(path, sufficiency, sufficiency + "        target: 1500\n")
    _, findings = validate_plan(data_copy)
    assert [(f.code, f.severity) for f in findings] == [("CSP408", "warning")]
