"""Tables as councils publish them (examples/published): negatives, no stated totals,
achieved and at risk, revised budgets, medium-term programmes, year forms."""

from __future__ import annotations

import csv
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import Edit, FolderCopy
from csplan.budget import budget_report
from csplan.checks import unchecked_totals, validate_plan
from csplan.cli import app
from csplan.findings import Finding
from csplan.savings import savings_report

runner = CliRunner()
D = Decimal


@pytest.fixture
def published(folder_copy: FolderCopy) -> Path:
    """A copy of examples/published that a test may change."""
    return folder_copy("published", "published")


def found(path: Path, code: str) -> list[Finding]:
    """The findings of ``code`` in the folder, read with its medium-term programme."""
    return [f for f in validate_plan(path, path / "mtfs")[1] if f.code == code]


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


# -- 1. negative amounts where they mean something ----------------------------------------


def test_income_lines_and_a_nil_budget_forecast_negative_are_read_not_refused(published: Path) -> None:
    plan, findings = validate_plan(published)
    assert not [f for f in findings if f.code in {"CSP106", "CSP105"}]
    found_budget = plan.budget()
    assert found_budget is not None
    report = budget_report(plan, found_budget[1])
    rows = {r.id: r for r in report.rows}
    assert rows["DSG"].budget == D(-12_500_000) and rows["DSG"].forecast == D(-12_650_000)
    assert rows["DSG"].variance == D(-150_000) and rows["DSG"].rag == "green"  # more income: favourable
    assert rows["DSG"].percent == D("-1.2")  # of the budget's size, so favourable stays negative
    assert rows["FRM"].budget == 0 and rows["FRM"].forecast == D(-350_000) and rows["FRM"].percent is None
    assert report.forecast == D(92_600_000)


def test_an_income_line_that_falls_short_is_an_overspend_at_the_line_size_threshold(
    published: Path, edit: Edit
) -> None:
    edit(published / "budget_2025_26.yaml", "P06: (12,650)", "P06: (11,800)")  # £700k less income
    plan, _ = validate_plan(published)
    found_budget = plan.budget()
    assert found_budget is not None
    dsg = next(r for r in budget_report(plan, found_budget[1]).rows if r.id == "DSG")
    assert dsg.variance == D(700_000) and dsg.rag == "red" and dsg.percent == D("5.6")


def test_a_negative_saving_is_a_reversal_named_in_a_warning(published: Path) -> None:
    [warning] = found(published, "CSP120")
    assert warning.severity == "warning"
    assert "SV07" in warning.message and "reversal" in warning.message
    assert warning.line == line_of(published / "savings.yaml", "amount: (100)")
    plan, _ = validate_plan(published)
    found_savings = plan.savings()
    assert found_savings is not None
    sv07 = next(s for s in savings_report(found_savings[1]).statuses if s.id == "SV07")
    assert (sv07.target, sv07.forecast, sv07.rag) == (D(-100_000), D(-100_000), "green")


def test_a_reversal_that_costs_more_than_planned_is_amber_then_red(published: Path, edit: Edit) -> None:
    path = published / "savings.yaml"
    edit(path, "{period: P09, forecast: (100)}", "{period: P09, forecast: (120)}")
    plan, _ = validate_plan(published)
    found_savings = plan.savings()
    assert found_savings is not None
    sv07 = next(s for s in savings_report(found_savings[1]).statuses if s.id == "SV07")
    assert sv07.rag == "amber" and "£20k more" in sv07.reason
    edit(path, "forecast: (120)}", "forecast: (130)}")
    plan, _ = validate_plan(published)
    found_savings = plan.savings()
    assert found_savings is not None
    assert next(s for s in savings_report(found_savings[1]).statuses if s.id == "SV07").rag == "red"


def test_pressures_stay_non_negative(data_copy: Path, edit: Edit) -> None:
    edit(data_copy / "pressures.yaml", "amount: 0.333", "amount: (0.333)")
    assert [f.code for f in validate_plan(data_copy)[1] if f.path.endswith("pressures.yaml")] == ["CSP106"]


def test_a_negative_forecast_on_an_ordinary_saving_is_refused(published: Path, edit: Edit) -> None:
    edit(published / "savings.yaml", "{period: P09, forecast: 610,", "{period: P09, forecast: (610),")
    [finding] = found(published, "CSP106")
    assert "SV03" in finding.message and "not a reversal" in finding.message


# -- 2. stated totals and the ongoing/one-off split are optional ---------------------------


def test_a_file_without_totals_validates_and_says_what_it_could_not_check(published: Path) -> None:
    plan, findings = validate_plan(published)
    assert not [f for f in findings if f.severity == "error" and "savings" in f.path]
    assert unchecked_totals(plan) == ["savings.yaml (no stated total)"]
    result = runner.invoke(app, ["--data", str(published), "validate"])
    assert "not checked, as the source states no totals: savings.yaml (no stated total)" in result.stdout


def test_amount_alone_is_the_target_and_status_shows_no_split(published: Path) -> None:
    result = runner.invoke(app, ["--data", str(published), "savings", "status", "--format", "json"])
    data = json.loads(result.stdout)
    sv01 = next(s for s in data["savings"] if s["id"] == "SV01")
    assert sv01["target"] == 1_200_000 and sv01["ongoing"] is None and sv01["one_off"] is None
    assert data["totals"]["target"] == 3_460_000 and data["reconciles"] is None
    assert data["stated"] == {"ongoing": None, "one_off": None, "total": None}


def test_stated_totals_are_still_reconciled_exactly(published: Path, edit: Edit) -> None:
    path = published / "savings.yaml"
    text = path.read_text(encoding="utf-8") + "totals:\n  total: 3,461\n"
    path.write_text(text, encoding="utf-8")
    [finding] = found(published, "CSP201")
    assert finding.message == "targets sum to £3,460k but totals.total states £3,461k (difference £1k)"
    edit(path, "total: 3,461", "total: 3,460")
    assert not found(published, "CSP201")


def test_amount_and_a_split_that_disagree_are_an_error(published: Path, edit: Edit) -> None:
    edit(published / "savings.yaml", "amount: 1,200\n", "amount: 1,200\n    ongoing: 1,000\n    one_off: 100\n")
    [finding] = found(published, "CSP205")
    assert "SV01" in finding.message and "£1,200k" in finding.message and "£1,100k" in finding.message


# -- 4. year forms people type ---------------------------------------------------------------


@pytest.mark.parametrize("typed", ["2025/26", "2025-2026", "2025/2026", "2025 - 26"])
def test_year_forms_people_type_are_read_as_the_financial_year(data_copy: Path, edit: Edit, typed: str) -> None:
    edit(data_copy / "pressures.yaml", "year: 2025-26", f"year: {typed}")
    plan, findings = validate_plan(data_copy)
    assert findings == []
    found_pressures = plan.pressures("2025-26")
    assert found_pressures is not None and found_pressures[1].year == "2025-26"


@pytest.mark.parametrize(("typed", "example"), [("2024-26", "2024-25"), ("2024/23", "2024-25"), ("FY25", "2025-26")])
def test_a_bad_year_hint_never_proposes_a_different_year(data_copy: Path, edit: Edit, typed: str, example: str) -> None:
    edit(data_copy / "pressures.yaml", "year: 2025-26", f"year: {typed}")
    [finding] = [f for f in validate_plan(data_copy)[1] if f.code == "CSP107"]
    assert finding.hint is not None and f"for example {example}" in finding.hint


def test_year_option_takes_the_forms_people_type(published: Path) -> None:
    result = runner.invoke(app, ["--data", str(published), "budget", "variance", "--year", "2025/26"])
    assert result.exit_code == 0, result.output


# -- 5. achieved and at risk -------------------------------------------------------------------


def test_achieved_and_at_risk_that_leave_part_of_the_target_unaccounted_are_named(published: Path) -> None:
    warnings = found(published, "CSP415")
    assert [w.message.split(" ")[0] for w in warnings] == ["SV01", "SV02", "SV03", "SV04"]
    assert "leave £150,000 of the target £1,200,000 unaccounted" in warnings[0].message
    plan, _ = validate_plan(published)
    found_savings = plan.savings()
    assert found_savings is not None
    totals = savings_report(found_savings[1]).totals
    # The published tracker leaves £577k of £3,460k unaccounted at Month 9.
    assert (totals.achieved, totals.at_risk, totals.unaccounted) == (D(2_233_000), D(750_000), D(577_000))
    assert totals.target == D(3_460_000) and totals.unaccounted_count == 4


def test_status_shows_achieved_and_at_risk(published: Path) -> None:
    result = runner.invoke(app, ["--data", str(published), "savings", "status"], env={"COLUMNS": "200"})
    assert "Achieved" in result.stdout and "At risk" in result.stdout
    totals = json.loads(runner.invoke(app, ["--data", str(published), "savings", "status", "-f", "json"]).stdout)
    unaccounted = Decimal(str(totals["totals"]["unaccounted"])) / 1000  # £577,000: words in the table's £'000
    assert f"4 savings leave £{unaccounted:,}k of their target neither achieved nor at risk" in result.stdout
    amber = runner.invoke(app, ["--data", str(published), "savings", "status", "--rag", "amber"])
    assert "; 1 saving leaves £150k of its target neither achieved nor at risk" in amber.stdout  # not "1 saving(s)"
    text = runner.invoke(app, ["--data", str(published), "savings", "status", "--format", "csv"]).stdout
    row = next(csv.DictReader(io.StringIO(text)))
    assert (row["achieved (£'000)"], row["at_risk (£'000)"]) == ("800", "250")  # a thousands file


def test_achieved_and_at_risk_beyond_the_target_are_named_too(published: Path, edit: Edit) -> None:
    edit(published / "savings.yaml", "achieved: 800, at_risk: 250", "achieved: 1000, at_risk: 250")
    warning = found(published, "CSP415")[0]
    assert "£50,000 more than the target £1,200,000" in warning.message


def test_over_achievement_leaves_nothing_unaccounted_and_is_not_warned(published: Path) -> None:
    """The trial's case: SV05 (target £300,000) delivers £360,000, so csplan records
    achieved £360,000. It leaves £0 of its target, not -£60,000 netted off the others'
    gaps, and achieved alone reaching the target is no CSP415."""
    result = runner.invoke(
        app,
        ["--data", str(published), "savings", "update", "SV05", "-p", "P11", "--forecast", "360", "--delivered", "360"],
    )
    assert result.exit_code == 0, result.output
    assert "CSP415 SV05" not in result.stderr  # (the others' gaps are warned, as every edit's findings are)
    assert [w.message.split(" ")[0] for w in found(published, "CSP415")] == ["SV01", "SV02", "SV03", "SV04"]
    report = json.loads(runner.invoke(app, ["--data", str(published), "savings", "status", "-f", "json"]).stdout)
    rows = {s["id"]: s["unaccounted"] for s in report["savings"]}
    assert rows["SV05"] == 0
    gaps = [Decimal(str(v)) for v in rows.values() if v]
    assert Decimal(str(report["totals"]["unaccounted"])) == sum(gaps) == D(577_000)  # the four CSP415 gaps
    text = runner.invoke(app, ["--data", str(published), "savings", "status"], env={"COLUMNS": "200"}).stdout
    assert "4 savings leave £577k of their target neither achieved nor at risk" in text


def test_a_latest_return_without_at_risk_counts_it_as_none(published: Path, tmp_path: Path) -> None:
    """The trial's case: SV06 had £100,000 at risk at P09; its P10 forecast of £50,000
    left no room to carry it, and its target was then in no total (not at risk, not
    unaccounted, no CSP415). In a file that tracks them, a figure left out counts as
    none: SV06 leaves its whole £100,000 unaccounted, warned; the P11 template shows
    P09's at risk (what a blank keeps) with a note saying it is P09's."""
    from openpyxl import load_workbook

    result = runner.invoke(
        app, ["--data", str(published), "savings", "update", "SV06", "-p", "P10", "--forecast", "50"]
    )
    assert result.exit_code == 0, result.output
    assert "at risk £100,000 not carried from P09" in result.stdout
    warning = [w for w in found(published, "CSP415") if w.message.startswith("SV06")]
    assert [w.message for w in warning] == [
        "SV06 P10: achieved £0 + at risk none = £0; they leave £100,000 of the target £100,000 unaccounted"
    ]
    report = json.loads(runner.invoke(app, ["--data", str(published), "savings", "status", "-f", "json"]).stdout)
    rows = {s["id"]: s for s in report["savings"]}
    assert (rows["SV06"]["at_risk"], rows["SV06"]["unaccounted"]) == (None, 100000)
    assert rows["SV07"]["unaccounted"] is None  # a reversal's parts have no settled meaning
    total = sum(Decimal(str(s["unaccounted"])) for s in report["savings"] if s["unaccounted"] is not None)
    assert Decimal(str(report["totals"]["unaccounted"])) == total == D(677_000)
    text = runner.invoke(app, ["--data", str(published), "savings", "status"], env={"COLUMNS": "200"}).stdout
    assert "5 savings leave £677k of their target neither achieved nor at risk" in text

    out = tmp_path / "returns.xlsx"
    made = runner.invoke(app, ["--data", str(published), "savings", "template", "-p", "P11", "-o", str(out)])
    assert made.exit_code == 0, made.output
    sheet = load_workbook(out)["Returns P11"]
    heads = {cell.value: cell.column_letter for cell in sheet[4]}
    row = next(r for r in range(5, sheet.max_row + 1) if sheet[f"A{r}"].value == "SV06")
    cell = sheet[f"{heads['Last at risk (£' + chr(39) + '000)']}{row}"]
    assert cell.value == 100 and sheet[f"{heads['Last return']}{row}"].value == "P10"
    assert cell.comment is not None and cell.comment.text.startswith(
        "From P09: the last return (P10) records no at risk"
    )
    achieved = sheet[f"{heads['Last achieved (£' + chr(39) + '000)']}{row}"]
    assert achieved.value == 0 and achieved.comment is None  # P10's own (carried) figure


# -- 6. revised budgets ---------------------------------------------------------------------------


def test_revised_budget_counts_changes_up_to_the_period_only(published: Path) -> None:
    plan, findings = validate_plan(published)
    assert not [f for f in findings if f.code == "CSP416"]  # the virement nets; contingency names funded_by
    found_budget = plan.budget()
    assert found_budget is not None
    at_p02 = {r.id: r for r in budget_report(plan, found_budget[1], "P02").rows}
    at_p06 = {r.id: r for r in budget_report(plan, found_budget[1], "P06").rows}
    at_p12 = {r.id: r for r in budget_report(plan, found_budget[1], "P12").rows}
    assert at_p02["CSC"].budget == D(80_300_000) == at_p02["CSC"].original
    assert at_p06["CSC"].budget == D(80_800_000)  # the P03 virement, not the P09 allocation
    assert at_p06["CSC"].variance == D(1_350_000)  # 82,150 against the revised 80,800, as published
    assert at_p06["EDU"].budget == D(23_600_000) and at_p06["EDU"].variance == D(-150_000)
    assert at_p12["CSC"].budget == D(81_050_000)
    report = budget_report(plan, found_budget[1], "P06")
    assert (report.original, report.budget, report.total) == (D(91_900_000), D(91_900_000), D(91_900_000))
    assert report.variance == D(700_000)


def test_virements_that_do_not_net_are_a_warning_unless_funded_from_outside(published: Path, edit: Edit) -> None:
    path = published / "budget_2025_26.yaml"
    edit(path, "amount: (500)", "amount: (400)")
    [warning] = found(published, "CSP416")
    assert "P03" in warning.message and "£100k more is added than taken" in warning.message
    edit(path, "        funded_by: Corporate contingency\n", "")
    assert sorted(w.message[:21] for w in found(published, "CSP416")) == [
        "budget changes in P03",
        "budget changes in P09",
    ]


def test_variance_tables_show_original_and_revised(published: Path) -> None:
    result = runner.invoke(
        app, ["--data", str(published), "budget", "variance", "--period", "P06"], env={"COLUMNS": "200"}
    )
    assert "Original" in result.stdout and "Revised" in result.stdout
    data = json.loads(
        runner.invoke(
            app, ["--data", str(published), "budget", "variance", "--period", "P06", "--format", "json"]
        ).stdout
    )
    csc = next(line for line in data["lines"] if line["id"] == "CSC")
    assert (csc["original"], csc["budget"], csc["variance"]) == (80_300_000, 80_800_000, 1_350_000)


# -- 7. medium-term programme files ------------------------------------------------------------------


def test_a_programme_row_total_a_pound_out_is_found(published: Path) -> None:
    [finding] = found(published, "CSP206")
    assert finding.message == "SV02's years sum to £1,350,001 but its total states £1,350,000 (difference £1)"
    assert finding.line == line_of(published / "mtfs" / "programme.yaml", "total: 1350000")


def test_programme_column_and_grand_totals_are_reconciled(published: Path, edit: Edit) -> None:
    path = published / "mtfs" / "programme.yaml"
    assert not found(published, "CSP207") and not found(published, "CSP208")
    edit(path, "2026-27: 1700000", "2026-27: 1700100")
    [column] = found(published, "CSP207")
    assert "2026-27" in column.message and "difference £100" in column.message
    edit(path, "total: 6410001", "total: 6410000")
    assert found(published, "CSP208")


def test_a_programme_column_is_checked_against_that_years_savings_file(published: Path, edit: Edit) -> None:
    assert not found(published, "CSP305") and not found(published, "CSP306")
    edit(published / "mtfs" / "programme.yaml", "{2025-26: 610000,", "{2025-26: 620000,")
    [line] = found(published, "CSP305")
    assert "SV03 2025-26" in line.message and "£620,000" in line.message and "savings.yaml" in line.message
    [column] = found(published, "CSP306")
    assert "difference £10,000" in column.message


# -- 8. the department's own words ---------------------------------------------------------------------


def test_summary_counts_lines_of_every_file_of_a_kind(published: Path) -> None:
    second = published / "savings_2026_27.yaml"
    text = (published / "savings.yaml").read_text(encoding="utf-8").replace("year: 2025-26", "year: 2026-27")
    second.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["--data", str(published), "validate"])
    assert "14 savings" in result.stdout


def test_no_forecast_yet_is_never_on_budget(published: Path, edit: Edit) -> None:
    result = runner.invoke(app, ["--data", str(published), "budget", "variance", "--period", "P01"])
    assert "on budget" not in result.stdout
    assert "No forecast outturn recorded yet at P01" in result.stdout


def test_bridge_notes_say_what_the_files_say(data_copy: Path) -> None:
    result = runner.invoke(app, ["--data", str(data_copy), "budget", "variance", "--format", "json"])
    notes = [step["note"] for step in json.loads(result.stdout)["bridge"]]
    assert notes[-1].endswith("budget_2025_26.yaml: Service Plan 2025-29, Budget and Savings for 2025-26")
    assert "pressures.yaml: Service Plan 2025-29" in notes[1]


# -- 3. units out as in ------------------------------------------------------------------------------


def test_a_thousands_file_is_reported_in_thousands(published: Path) -> None:
    result = runner.invoke(
        app, ["--data", str(published), "budget", "variance", "--period", "P06"], env={"COLUMNS": "200"}
    )
    header = next(line for line in result.stdout.splitlines() if "Original" in line)
    assert "Original £'000" in header and "Variance £'000" in header
    csc = next(line for line in result.stdout.splitlines() if line.startswith("| CSC"))
    assert [cell.strip() for cell in csc.split("|")[3:7]] == ["80,300", "80,800", "82,150", "1,350"]
    dsg = next(line for line in result.stdout.splitlines() if line.startswith("| DSG"))
    assert "(12,650)" in dsg  # income: bracketed, as published


def test_csv_and_markdown_follow_the_units_and_json_stays_in_pounds(published: Path) -> None:
    args = ["--data", str(published), "budget", "variance", "--period", "P06"]
    lines = runner.invoke(app, [*args, "--format", "csv"]).stdout.splitlines()
    assert lines[0].startswith("id,name,original (£'000),budget (£'000),forecast (£'000),variance (£'000)")
    assert lines[1].startswith("CSC,Children's social care,80300,80800,82150,1350,")
    markdown = runner.invoke(app, [*args, "--format", "markdown"]).stdout
    assert "| Forecast £'000 |" in markdown and "| 82,150 |" in markdown
    data = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    assert data["totals"]["forecast"] == 92_600_000


@pytest.mark.parametrize("where", ["before", "after"])
def test_units_option_before_or_after_the_subcommand(data_copy: Path, where: str) -> None:
    command = ["savings", "status", "--format", "csv"]
    units = ["--units", "thousands"]
    args = (
        [*units, "--data", str(data_copy), *command]
        if where == "before"
        else ["--data", str(data_copy), *command, *units]
    )
    s01 = next(csv.DictReader(io.StringIO(runner.invoke(app, args).stdout)))
    assert (s01["id"], s01["target (£'000)"], s01["one_off (£'000)"]) == ("S01", "32", "32")


def test_units_show_exact_figures_never_rounded(data_copy: Path) -> None:
    result = runner.invoke(app, ["--units", "millions", "--data", str(data_copy), "pressures"])
    assert result.exit_code == 0
    p05 = next(line for line in result.stdout.splitlines() if line.startswith("| P05"))
    assert "0.333" in p05 and p05.count("0.333") == 1  # one column: £ beside £m would repeat it
    result = runner.invoke(app, ["--units", "pounds", "--data", str(data_copy), "pressures", "--format", "csv"])
    assert result.stdout.splitlines()[1].startswith("P01,Children's social care demography,ongoing,14800000,")


def test_the_report_names_the_units_of_its_tables(published: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["--data", str(published), "report", "-o", str(out)])
    assert out.is_file(), result.output
    html = out.read_text(encoding="utf-8")
    assert "Forecast £&#39;000" in html and "82,150" in html


def test_savings_programme_shows_the_programme_files_planned_figures(published: Path, edit: Edit) -> None:
    shutil.move(published / "mtfs" / "programme.yaml", published / "programme.yaml")
    edit(published / "programme.yaml", "total: 1350000", "total: 1350001")  # mend the published £1 slip
    result = runner.invoke(app, ["--data", str(published), "savings", "programme", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    planned = {row["year"]: row["planned"] for row in data["years"]}
    assert planned == {"2025-26": 3_460_000, "2026-27": 1_700_000, "2027-28": 900_001, "2028-29": 350_000}
    assert data["totals"]["planned"] == 6_410_001
    this_year = next(row for row in data["years"] if row["year"] == "2025-26")
    assert this_year["target"] == 3_460_000  # the savings file's own, beside the plan


def test_the_report_shows_achieved_and_at_risk(published: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    runner.invoke(app, ["--data", str(published), "report", "-o", str(out)])
    html = out.read_text(encoding="utf-8")
    assert "Achieved £&#39;000" in html and "At risk £&#39;000" in html
    assert "4 savings leave £577k of their target neither achieved nor at risk" in html  # beside £'000 tables


@pytest.mark.parametrize(("command", "name"), [("report", "report.html"), ("export", "book.xlsx")])
def test_report_and_workbook_refuse_to_leave_out_a_file_with_errors(
    data_copy: Path, edit: Edit, tmp_path: Path, command: str, name: str
) -> None:
    edit(data_copy / "budget_2025_26.yaml", "total: 175.772", "total: 175.77x")
    out = tmp_path / name
    args = ["--data", str(data_copy), command, *(["-o", str(out)] if command == "report" else [str(out)])]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "would leave out" in result.output and "budget_2025_26.yaml" in result.output
    assert not out.exists()


def test_a_folder_with_a_budget_alone_still_gives_a_report(data_copy: Path, tmp_path: Path) -> None:
    (data_copy / "savings.yaml").unlink()
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["--data", str(data_copy), "report", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "£175.772m" in html and "Budget bridge 2025-26" in html
    assert "Savings target" not in html


def test_the_workbook_follows_the_tables(published: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "book.xlsx"
    runner.invoke(app, ["--data", str(published), "export", str(out)])
    book = load_workbook(out)
    savings = book["Savings"]
    header = [c.value for c in savings[1]]
    # amount-only savings: no ongoing/one-off split; achieved and at risk are there
    assert "Ongoing £'000" not in header and "Target £'000" in header
    assert "Achieved £'000" in header and "At risk £'000" in header
    sv01 = {h: c for h, c in zip(header, savings[2], strict=False)}
    # the figure in £'000, as the header says, under a plain (not a scaling) format
    assert sv01["Achieved £'000"].value == 800 and sv01["Achieved £'000"].number_format == "#,##0;(#,##0);0"
    budget = book["Budget variance"]
    header = [c.value for c in budget[1]]
    assert header[2:6] == ["Original £'000", "Revised £'000", "Forecast £'000", "Variance £'000"]
    assert [c.value for c in budget[2]][2:4] == [80_300, 81_050]  # exact, in £'000


def test_export_takes_the_units_option(data_copy: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "book.xlsx"
    result = runner.invoke(app, ["--data", str(data_copy), "export", str(out), "--units", "thousands"])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    header = [c.value for c in book["Savings"][1]]
    assert "Target £'000" in header and "Ongoing £'000" in header
    pressures = [c.value for c in book["Pressures"][1]]
    assert [h for h in pressures if "£" in str(h)] == ["Amount (£'000)"]  # the £ and £m columns were one figure


def test_a_reversal_takes_its_return_from_the_command_line_and_a_sheet(published: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["--data", str(published), "savings", "update", "SV07", "--period", "P10", "--forecast", "(100)"]
    )
    assert result.exit_code == 0, result.output
    # written as the file writes its negatives: "(100)", as published trackers do
    assert "      - period: P10\n        forecast: (100)\n" in (published / "savings.yaml").read_text(encoding="utf-8")
    refused = runner.invoke(
        app, ["--data", str(published), "savings", "update", "SV03", "--period", "P10", "--forecast", "(100)"]
    )
    assert refused.exit_code == 2 and "is negative" in refused.output
    returns = tmp_path / "returns.csv"
    returns.write_text("id,period,forecast\nSV07,P11,-110000\n", encoding="utf-8")
    imported = runner.invoke(app, ["--data", str(published), "savings", "import", str(returns)])
    assert imported.exit_code == 0, imported.output
    plan, _ = validate_plan(published)
    found_savings = plan.savings()
    assert found_savings is not None
    sv07 = next(s for s in found_savings[1].lines if s.id == "SV07")
    assert [(e.period, e.forecast) for e in sv07.progress][-2:] == [("P10", D(-100_000)), ("P11", D(-110_000))]


def test_a_filter_that_matches_nothing_says_so(published: Path) -> None:
    result = runner.invoke(app, ["--data", str(published), "savings", "status", "--rag", "blue"])
    assert result.exit_code == 0 and "No saving matches the filter" in result.stdout
    assert "No monitoring returns recorded yet" not in result.stdout
    shown = runner.invoke(app, ["--data", str(published), "savings", "status", "--rag", "red"]).stdout
    assert "% of the target shown)" in shown and "whole target" not in shown


def test_the_reports_headline_is_in_the_chosen_units(data_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["--data", str(data_copy), "report", "-o", str(out), "--units", "thousands"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert 'class="value">£3,258k<' in html and 'class="value">£175,772k<' in html
    plain = tmp_path / "plain.html"
    runner.invoke(app, ["--data", str(data_copy), "report", "-o", str(plain)])
    text = plain.read_text(encoding="utf-8")
    assert 'class="value">£3,258,000<' in text and 'class="value">£175.772m<' in text


def test_own_csv_and_workbook_in_thousands_import_back_unchanged(published: Path, tmp_path: Path) -> None:
    """csplan's own status CSV and export, shown in £'000, are read back as they mean."""
    before = (published / "savings.yaml").read_text(encoding="utf-8")
    status_csv = tmp_path / "status.csv"
    status_csv.write_text(
        runner.invoke(app, ["--data", str(published), "savings", "status", "--format", "csv"]).stdout, encoding="utf-8"
    )
    assert "forecast (£'000)" in status_csv.read_text(encoding="utf-8").splitlines()[0]
    book = tmp_path / "book.xlsx"
    runner.invoke(app, ["--data", str(published), "export", str(book)])
    for returned in (status_csv, book):
        result = runner.invoke(app, ["--data", str(published), "savings", "import", str(returned)])
        assert result.exit_code == 0, result.output
        assert "0 returns recorded" in result.output or "nothing to write" in result.output, result.output
        assert (published / "savings.yaml").read_text(encoding="utf-8") == before
    edited = status_csv.read_text(encoding="utf-8").replace(
        "SV02,Home to school transport route review,,,,,900,,,600,",
        "SV02,Home to school transport route review,,,,,900,,,650,",
    )
    assert edited != status_csv.read_text(encoding="utf-8")
    status_csv.write_text(edited, encoding="utf-8")
    result = runner.invoke(app, ["--data", str(published), "savings", "import", str(status_csv), "--period", "P09"])
    assert result.exit_code == 0, result.output
    plan, _ = validate_plan(published)
    found_savings = plan.savings()
    assert found_savings is not None
    sv02 = next(s for s in found_savings[1].lines if s.id == "SV02")
    assert sv02.progress[-1].forecast == D(650_000)  # 650 in a £'000 column is £650,000


def test_no_delivered_figure_totals_to_a_dash_not_zero(published: Path, tmp_path: Path, edit: Edit) -> None:
    # The tracker records achieved and at risk, never delivered to date: every row reads
    # "—", and so does the total (it read "0"); JSON's total is null, the export's blank.
    def status(*args: str) -> str:
        return runner.invoke(app, ["--data", str(published), "savings", "status", *args], env={"COLUMNS": "200"}).stdout

    def delivered_total(text: str, start: str, sep: str) -> str:
        header = next(line for line in text.splitlines() if line.startswith(f"{sep} ID"))
        total = next(line for line in text.splitlines() if line.startswith(start))
        column = [cell.strip() for cell in header.split(sep)].index("Delivered £'000")
        return total.split(sep)[column].strip()

    assert delivered_total(status(), "| Total", "|") == "—"
    assert delivered_total(status("--format", "markdown"), "| **Total**", "|") == "**—**"
    assert json.loads(status("--format", "json"))["totals"]["delivered"] is None
    out = tmp_path / "position.xlsx"
    assert runner.invoke(app, ["--data", str(published), "export", str(out)]).exit_code == 0
    from openpyxl import load_workbook

    sheet = load_workbook(out)["Savings"]
    column = [c.value for c in sheet[1]].index("Delivered £'000") + 1
    assert sheet.cell(sheet.max_row, 1).value == "Total" and sheet.cell(sheet.max_row, column).value is None
    # One delivered figure recorded: the totals are that figure again.
    edit(
        published / "savings.yaml",
        "{period: P09, forecast: 300, achieved: 300, at_risk: 0}",
        "{period: P09, forecast: 300, delivered: 120, achieved: 300, at_risk: 0}",
    )
    assert delivered_total(status(), "| Total", "|") == "120"
    assert json.loads(status("--format", "json"))["totals"]["delivered"] == 120000


def test_a_thousands_files_reasons_say_its_own_scale_exactly(published: Path, edit: Edit) -> None:
    """The tables of a £'000 file are in £'000, so each saving's reason (text, JSON,
    report) says its money the same way, exactly: £950.5k, never a rounded £951k."""
    edit(published / "savings.yaml", "{period: P09, forecast: 950,", "{period: P09, forecast: 950.5,")
    result = runner.invoke(app, ["--data", str(published), "savings", "status", "--format", "json"])
    assert result.exit_code == 0, result.output
    reasons = {s["id"]: s["reason"] for s in json.loads(result.stdout)["savings"]}
    assert reasons["SV01"] == (
        "forecast £950.5k is 79% of target £1,200k; shortfall £249.5k, at or above the 75% amber threshold"
    )
    assert reasons["SV06"].startswith("forecast £0 is 0% of target £100k;")
    text = runner.invoke(app, ["--data", str(published), "savings", "status"], env={"COLUMNS": "200"})
    assert "SV01 amber: forecast £950.5k is 79% of target £1,200k" in text.stdout
    # a file in pounds keeps its exact pounds
    pounds = runner.invoke(app, ["--data", "examples/illustrative", "savings", "status", "--format", "json"])
    assert "forecast £600,000 is 72% of target £833,000" in pounds.stdout
    # --units words them in the scale chosen, as the tables beside them
    chosen = runner.invoke(app, ["--data", str(published), "--units", "millions", "savings", "status"])
    assert "SV01 amber: forecast £0.9505m is 79% of target £1.200m" in chosen.stdout
    chosen = runner.invoke(app, ["--data", str(published), "--units", "pounds", "savings", "status", "-f", "markdown"])
    assert "forecast £950,500 is 79% of target £1,200,000" in chosen.stdout
    # JSON is always in pounds and leaves --units alone: its reasons say the file's scale
    chosen = runner.invoke(app, ["--data", str(published), "--units", "millions", "savings", "status", "-f", "json"])
    assert json.loads(chosen.stdout)["savings"][0]["reason"].startswith("forecast £950.5k is 79% of target £1,200k")
