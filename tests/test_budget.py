from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DATA, EXAMPLES, Edit
from csplan import validate_plan
from csplan.budget import budget_report, line_rag, variance_percent
from csplan.cli import app
from csplan.models import BudgetSettings

D = Decimal
runner = CliRunner()
DEFAULT = BudgetSettings()


@pytest.mark.parametrize(
    ("budget", "forecast", "rag"),
    [
        ("5000000", "5150000", "red"),  # £150k (3%) over £5m: red by the £100k rule
        ("1000000", "1030000", "amber"),  # £30k (3%) over £1m: amber (5% would be £50k)
        ("1000000", "1050000", "red"),  # exactly 5% of £1m: red
        ("1000000", "1049999.99", "amber"),
        ("5000000", "5100000", "red"),  # exactly £100k: red
        ("5000000", "5099999.99", "amber"),
        ("1000000", "1000000", "green"),  # on budget
        ("1000000", "900000", "green"),  # under budget
    ],
)
def test_line_rag_boundaries(budget: str, forecast: str, rag: str) -> None:
    assert line_rag(D(budget), D(forecast) - D(budget), DEFAULT)[0] == rag


def test_thresholds_are_settings() -> None:
    loose = BudgetSettings(red_percent=D(10), red_amount=D(1_000_000))
    assert line_rag(D(5_000_000), D(150_000), loose)[0] == "amber"
    assert line_rag(D(5_000_000), D(500_000), loose)[0] == "red"


def test_sign_convention() -> None:
    assert variance_percent(D(150_000), D(5_000_000)) == D("3.0")
    assert variance_percent(D(-100_000), D(6_000_000)) == D("-1.7")
    assert variance_percent(D(1), D(0)) is None


def budget_folder(data_copy: Path, lines: str) -> Path:
    path = data_copy / "budget_2025_26.yaml"
    path.write_text(path.read_text() + lines)
    return data_copy


ACCEPTANCE_LINES = """lines:
  - id: BIG
    name: Five million line
    budget: 5.000
    forecast: {P03: 5.000, P06: 5.150}
  - id: SMALL
    name: One million line
    budget: 1.000
    forecast: {P06: 1.030}
  - id: UNDER
    name: Underspending line
    budget: 169.772
    forecast: {P06: 169.672}
"""


def test_acceptance_lines(data_copy: Path) -> None:
    folder = budget_folder(data_copy, ACCEPTANCE_LINES)
    plan, findings = validate_plan(folder)
    assert findings == []
    report = budget_report(plan, plan.budget()[1], "P06")
    by_id = {r.id: r for r in report.rows}
    assert (by_id["BIG"].variance, by_id["BIG"].percent, by_id["BIG"].rag) == (D(150000), D("3.0"), "red")
    assert (by_id["SMALL"].variance, by_id["SMALL"].percent, by_id["SMALL"].rag) == (D(30000), D("3.0"), "amber")
    assert (by_id["UNDER"].variance, by_id["UNDER"].rag) == (D(-100000), "green")
    assert report.variance == D(80000)
    assert report.summary == "forecast overspend £0.080m (0.0%) at P06"
    at_p03 = budget_report(plan, plan.budget()[1], "P03")
    assert [r.rag for r in at_p03.rows] == ["green", "not reported", "not reported"]
    assert at_p03.forecast == at_p03.budget  # unreported lines taken at budget
    result = runner.invoke(app, ["--data", str(folder), "budget", "variance", "-p", "P06", "-f", "markdown"])
    assert result.exit_code == 0
    assert "| UNDER | Underspending line | £169.772m | £169.672m | (£0.100m) | (0.1%) | green | P06 |" in result.stdout


def test_materiality_hides_small_lines(data_copy: Path) -> None:
    folder = budget_folder(data_copy, ACCEPTANCE_LINES)
    result = runner.invoke(app, ["--data", str(folder), "budget", "variance", "--materiality", "100k", "-f", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [line["id"] for line in report["lines"]] == ["BIG", "UNDER"]
    assert report["hidden"] == 1
    assert report["totals"]["variance"] == 80000
    bad = runner.invoke(app, ["--data", str(folder), "budget", "variance", "--materiality", "lots"])
    assert bad.exit_code == 2


def test_illustrative_budget_variance_every_format() -> None:
    base = ["--data", str(EXAMPLES / "illustrative"), "budget", "variance", "--period", "P06"]
    table = runner.invoke(app, base)
    assert table.exit_code == 0, table.output
    for division in ("Early Help and Safeguarding", "Education", "Strategic Commissioning"):
        assert division in table.stdout
    assert "Forecast overspend £1.680m (1.0%) at P06" in table.stdout
    data = json.loads(runner.invoke(app, [*base, "-f", "json"]).stdout)
    assert [(r["id"], r["variance"], r["rag"]) for r in data["lines"]] == [
        ("EHS", 1750000, "red"),
        ("EDU", 30000, "amber"),
        ("SCQP", -100000, "green"),
    ]
    csv_lines = runner.invoke(app, [*base, "-f", "csv"]).stdout.splitlines()
    assert csv_lines[0] == "id,name,original,budget,forecast,variance,percent,rag,period,reason"
    assert csv_lines[3] == (
        'SCQP,"Strategic Commissioning, Quality and Performance",6000000,6000000,5900000,-100000,-1.7,green,P06,'
        "on or under budget"
    )
    assert csv_lines[4] == "Total,,175772000,175772000,177452000,1680000,1,,,"
    markdown = runner.invoke(app, [*base, "-f", "markdown"]).stdout
    assert "| EHS | Early Help and Safeguarding | £98.500m | £100.250m | £1.750m | 1.8% | red | P06 |" in markdown


@pytest.mark.parametrize(
    ("example", "options"),
    [
        ("illustrative", []),
        ("illustrative", ["--materiality", "200k"]),  # the total counts lines not shown
        ("published", ["--units", "pounds"]),  # a revised budget: original differs
    ],
)
def test_budget_csv_is_the_json_lines_and_totals(example: str, options: list[str]) -> None:
    """An analyst reading the CSV finds every line field of the JSON by the same name,
    the same figures, and the total as the last row."""
    base = ["--data", str(EXAMPLES / example), "budget", "variance", *options]
    data = json.loads(runner.invoke(app, [*base, "-f", "json"]).stdout)
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [*base, "-f", "csv"]).stdout)))
    assert sorted(rows[0]) == sorted(data["lines"][0])
    *lines, total = rows
    assert len(lines) == len(data["lines"])
    for row, line in zip(lines, data["lines"], strict=True):
        assert row == {key: "" if value is None else str(value) for key, value in line.items()}
    assert total["id"] == "Total" and (total["name"], total["period"], total["rag"]) == ("", "", "")
    assert {key: total[key] for key in data["totals"]} == {key: str(value) for key, value in data["totals"].items()}
    hidden = data["hidden"]
    counted = [f"{hidden} line{'s' if hidden != 1 else ''} below the materiality threshold"] if hidden else []
    assert total["reason"].startswith(counted[0]) if counted else total["reason"] == ""


def test_shipped_budget_says_there_is_no_split() -> None:
    result = runner.invoke(app, ["--data", str(DATA), "budget", "variance"])
    assert result.exit_code == 0
    assert "The budget has no line split" in result.stdout
    data = json.loads(runner.invoke(app, ["--data", str(DATA), "budget", "variance", "-f", "json"]).stdout)
    assert data["has_lines"] is False and data["total"] == 175772000
    assert data["totals"] is None  # no lines, so no line totals beside the stated total
    steps = [
        ("2024-25 base and other changes", "base", 155032000),
        ("service pressure funding", "add", 23998000),
        ("savings to deliver", "less", -3258000),
        ("2025-26 budget", "total", 175772000),
    ]
    assert [(s["step"], s["kind"], s["amount"]) for s in data["bridge"]] == steps
    # The CSV says the same, in the same words: no sign in the step, so no cell that a
    # spreadsheet could take for a formula and no quote csplan puts in front of one.
    csv_text = runner.invoke(app, ["--data", str(DATA), "budget", "variance", "-f", "csv"]).stdout
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert [(r["step"], r["kind"], int(r["amount"])) for r in rows] == steps
    # People read the signs down the page, in the table and the workbook alike; in
    # Markdown too, where the sign is escaped so that a pasted cell is no formula.
    assert "+ service pressure funding" in result.stdout and "= 2025-26 budget" in result.stdout
    markdown = runner.invoke(app, ["--data", str(DATA), "budget", "variance", "-f", "markdown"]).stdout
    assert "| \\+ service pressure funding |" in markdown and "| \\= 2025-26 budget |" in markdown
    assert "| '" not in markdown  # no spreadsheet quote on csplan's own words


def test_broken_budget_lines_exit_1_naming_files(data_copy: Path, edit: Edit) -> None:
    folder = budget_folder(data_copy, ACCEPTANCE_LINES.replace("budget: 169.772", "budget: 169.000"))
    result = runner.invoke(app, ["--data", str(folder), "validate"])
    assert result.exit_code == 1
    assert "budget_2025_26.yaml:" in result.stdout and "CSP201 budget lines sum to £175.000m" in result.stdout
    edit(folder / "budget_2025_26.yaml", "pressures: 23.998", "pressures: 24.998")
    result = runner.invoke(app, ["--data", str(folder), "validate"])
    assert "CSP301 includes.pressures is £24.998m but" in result.stdout and "pressures.yaml:" in result.stdout


def test_a_thousands_files_text_says_its_figures_in_thousands() -> None:
    """examples/published is in £'000: its summary lines say £450k as its table's 450
    does, not £0.450m (the JSON's summary too)."""
    published = str(EXAMPLES / "published")
    text = runner.invoke(app, ["--data", published, "budget", "variance", "--period", "P10"]).stdout
    assert "Forecast overspend £450k (0.5%) at P10\n" in text
    assert "Revised budget £92,150k: original £91,900k and changes during the year of £250k\n" in text
    assert "£0.450m" not in text
    data = json.loads(runner.invoke(app, ["--data", published, "budget", "variance", "-p", "P10", "-f", "json"]).stdout)
    assert data["summary"] == "forecast overspend £450k (0.5%) at P10"
    # A £m file keeps the plan's £m.
    illustrative = runner.invoke(app, ["--data", str(EXAMPLES / "illustrative"), "budget", "variance"]).stdout
    assert "Forecast overspend £1.680m (1.0%)\n" in illustrative


def test_a_thousands_files_rag_reason_says_its_red_amount_in_thousands(tmp_path: Path) -> None:
    """A line's RAG reason names the red amount in the file's own scale, as its summary
    says money (£100k in a £'000 file, not £0.100m); the CSV, the JSON and the
    workbook's Budget variance sheet give the same words."""
    from openpyxl import load_workbook

    from csplan.money import format_thousands, money_words

    published = EXAMPLES / "published"
    plan, _ = validate_plan(published)
    model = plan.budget()[1]
    assert model.units == "thousands"
    red_amount = money_words(model.settings.red_amount, model.units)
    assert red_amount == format_thousands(model.settings.red_amount)  # £100k, computed from the file
    expected = f"overspend at or above the lower of {model.settings.red_percent}% of budget and {red_amount}"

    args = ["--data", str(published), "budget", "variance", "--period", "P06"]
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [*args, "--format", "csv"]).stdout)))
    from_csv = {row["id"]: row["reason"] for row in rows if row["rag"] == "red"}
    data = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    from_json = {line["id"]: line["reason"] for line in data["lines"] if line["rag"] == "red"}
    out = tmp_path / "published.xlsx"
    result = runner.invoke(app, ["--data", str(published), "export", str(out), "--period", "P06"])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out)["Budget variance"]
    header = next(r for r in sheet.iter_rows(values_only=True) if r and "Reason" in r)
    id_at, reason_at = header.index("ID"), header.index("Reason")
    from_workbook = {r[id_at]: r[reason_at] for r in sheet.iter_rows(values_only=True) if r and r[id_at] in from_json}
    assert from_csv and from_csv == from_json == from_workbook
    assert set(from_json.values()) == {expected}, from_json
    assert "£0.100m" not in json.dumps(data)
