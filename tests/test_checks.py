from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import csplan
from conftest import Edit, FolderCopy
from conftest import csplan as run
from csplan.checks import reconcile_hint, validate_plan
from csplan.findings import CODES


def codes(path: Path) -> list[str]:
    return [f.code for f in validate_plan(path)[1]]


def test_shipped_data_reconciles(data_copy: Path) -> None:
    plan, findings = validate_plan(data_copy)
    assert findings == []
    assert [d.kind for d in plan.documents] == ["budget", "measures", "pressures", "savings"]
    pressures = plan.pressures()
    savings = plan.savings()
    budget = plan.budget()
    assert pressures and savings and budget
    assert pressures[1].total == Decimal("23998000")
    assert sum(line.amount for line in pressures[1].lines) == Decimal("23998000")
    assert [s.id for s in savings[1].lines] == [f"S{n:02d}" for n in range(1, 13)]
    assert sum(s.ongoing for s in savings[1].lines) == Decimal("3226000")
    assert sum(s.one_off for s in savings[1].lines) == Decimal("32000")
    assert budget[1].total == Decimal("175772000")


def test_pensions_decimal_slip_is_found_and_named(data_copy: Path, edit: Edit) -> None:
    path = data_copy / "pressures.yaml"
    edit(path, "amount: 0.333", "amount: 0.0333")
    _, findings = validate_plan(data_copy)
    [finding] = findings
    total_line = next(i for i, line in enumerate(path.read_text().splitlines(), 1) if line.startswith("total:"))
    assert (finding.code, finding.path, finding.line, finding.column) == ("CSP201", str(path), total_line, 8)
    assert finding.message == "lines sum to £23.6983m but total states £23.998m (difference £0.2997m)"
    assert finding.hint is not None and "P05" in finding.hint and "0.333 would reconcile" in finding.hint


def test_transposed_saving_names_difference_and_nine(data_copy: Path, edit: Edit) -> None:
    edit(data_copy / "savings.yaml", "ongoing: 833000", "ongoing: 383000")
    _, findings = validate_plan(data_copy)
    [finding] = findings
    assert finding.code == "CSP202"
    assert "difference £450,000" in finding.message
    assert finding.hint is not None
    assert "S06" in finding.hint and "833,000 would reconcile" in finding.hint and "divides by 9" in finding.hint


def test_total_written_in_wrong_units(data_copy: Path, edit: Edit) -> None:
    edit(data_copy / "pressures.yaml", "total: 23.998", "total: 23998")
    _, findings = validate_plan(data_copy)
    [finding] = [f for f in findings if f.code == "CSP201"]
    assert finding.hint is not None and "written in thousands" in finding.hint
    # and the budget's includes now disagree with the pressures total too
    assert "CSP301" in [f.code for f in findings]


def test_generic_nine_hint_when_no_single_line_explains() -> None:
    lines = [("A", Decimal(100)), ("B", Decimal(200))]
    hint = reconcile_hint(lines, Decimal(300), Decimal(309), "pounds")
    assert hint is not None and "divisible by 9" in hint
    assert reconcile_hint(lines, Decimal(300), Decimal(301), "pounds") is None
    assert reconcile_hint(lines, Decimal(300), Decimal(300), "pounds") is None


def test_stated_split_must_add_up(data_copy: Path, edit: Edit) -> None:
    edit(data_copy / "savings.yaml", "  total: 3258000", "  total: 3258001")
    found = codes(data_copy)
    assert "CSP203" in found and "CSP302" in found


def test_duplicate_ids(data_copy: Path, edit: Edit) -> None:
    edit(data_copy / "pressures.yaml", "id: P04", "id: P03")
    _, findings = validate_plan(data_copy)
    [finding] = findings
    assert finding.code == "CSP204" and "P03 is used twice" in finding.message


def test_budget_includes_checked_against_both_files(data_copy: Path, edit: Edit) -> None:
    edit(data_copy / "budget_2025_26.yaml", "pressures: 23.998", "pressures: 23.898")
    _, findings = validate_plan(data_copy)
    [finding] = findings
    assert finding.code == "CSP301"
    assert finding.path.endswith("budget_2025_26.yaml")
    assert "pressures.yaml:" in finding.message and "£23.998m" in finding.message


def test_includes_without_the_other_file_warns(data_copy: Path) -> None:
    _, findings = validate_plan(data_copy / "budget_2025_26.yaml")
    assert [(f.code, f.severity) for f in findings] == [("CSP303", "warning"), ("CSP303", "warning")]


def test_files_of_other_years_are_not_mixed(data_copy: Path, edit: Edit) -> None:
    edit(data_copy / "pressures.yaml", "year: 2025-26", "year: 2026-27")
    found = validate_plan(data_copy)[1]
    assert [(f.code, f.message.split(" but ")[0]) for f in found] == [("CSP303", "includes.pressures is £23.998m")]


def test_two_files_of_one_kind_and_year(data_copy: Path) -> None:
    (data_copy / "savings_copy.yaml").write_bytes((data_copy / "savings.yaml").read_bytes())
    assert codes(data_copy) == ["CSP304"]


def test_budget_lines_must_sum_to_total(data_copy: Path) -> None:
    path = data_copy / "budget_2025_26.yaml"
    path.write_text(
        path.read_text() + "lines:\n  - id: A\n    name: A\n    budget: 100\n"
        "  - id: B\n    name: B\n    budget: 75.772\n    forecast: {P06: 76, P03: 75}\n"
    )
    found = validate_plan(data_copy)[1]
    assert [f.code for f in found] == ["CSP402"]
    path.write_text(path.read_text().replace("budget: 100\n", "budget: 10\n"))
    found = validate_plan(data_copy)[1]
    assert [f.code for f in found] == ["CSP201", "CSP402"]
    assert "budget lines sum to £85.772m" in found[0].message
    assert found[0].hint is not None and "A 'A' is 10; 100 would reconcile" in found[0].hint


def test_every_code_has_a_meaning() -> None:
    assert all(code.startswith("CSP") and len(code) == 6 for code in CODES)
    assert all(CODES.values())
    # every code csplan can raise is one of them (a code missing here is missing from
    # the documented list and from what --format json consumers can look up)
    raised = {
        code
        for path in Path(csplan.__file__).parent.rglob("*.py")
        for code in re.findall(r"[\"'](CSP\d{3})[\"']", path.read_text(encoding="utf-8"))
    }
    assert raised and raised <= CODES.keys(), sorted(raised - CODES.keys())


def test_delivered_past_the_years_forecast_is_warned_even_with_a_note(folder_copy: FolderCopy, edit: Edit) -> None:
    # S06 forecasts £600,000 at P06 with a note; £900,000 delivered to date cannot be
    # right beside it. Without the note it is an error (CSP403); with it, still a warning.
    data = folder_copy("illustrative")
    path = data / "savings.yaml"
    edit(
        path,
        "forecast: 600000\n        note: Consultation delayed",
        "forecast: 600000\n        delivered: 900000\n        note: Consultation delayed",
    )
    [finding] = validate_plan(data)[1]
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "delivered: 900000" in text)
    assert (finding.code, finding.severity, finding.path, finding.line, finding.column) == (
        "CSP417",
        "warning",
        str(path),
        line,
        20,
    )
    assert finding.message == "S06 P06: delivered £900,000 to date is more than the year's forecast £600,000"
    assert finding.hint == "raise the forecast to at least what is delivered, or correct delivered"
    edit(path, "        note: Consultation delayed\n", "")
    assert [(f.code, f.severity) for f in validate_plan(data)[1]] == [("CSP403", "error")]
    edit(path, "delivered: 900000", "delivered: 600000")  # delivered in full what is forecast: fine
    assert validate_plan(data)[1] == []


def test_a_reversal_is_past_its_forecast_when_more_is_given_back(folder_copy: FolderCopy, edit: Edit) -> None:
    # SV07 reverses £100k: £40k given back so far is within the forecast (it was
    # refused as "more than" -£100,000); £130k given back is past it.
    data = folder_copy("published")
    path = data / "savings.yaml"
    edit(path, "{period: P09, forecast: (100)}", "{period: P09, forecast: (100), delivered: (40)}")
    assert not [f for f in validate_plan(data)[1] if f.code in {"CSP403", "CSP417"}]
    edit(path, "delivered: (40)}", "delivered: (130)}")
    [finding] = [f for f in validate_plan(data)[1] if f.code in {"CSP403", "CSP417"}]
    assert (finding.code, finding.message) == (
        "CSP403",
        "SV07 P09: delivered -£130,000 is a larger reversal than the forecast -£100,000",
    )
    edit(path, "delivered: (130)}", "delivered: (130), note: Two posts ended early}")
    [finding] = [f for f in validate_plan(data)[1] if f.code in {"CSP403", "CSP417"}]
    assert (finding.code, finding.severity) == ("CSP417", "warning")


def test_achieved_and_at_risk_gaps_are_warned_for_the_latest_return_only(folder_copy: FolderCopy) -> None:
    """CSP415 warns the position the reports show (each saving's latest return), not
    every past month's: the published tracker's 4 gaps, carried to P12, were 16
    warnings (P09 to P12), printed by every import, export and report."""
    import re

    data = folder_copy("published")
    path = data / "savings.yaml"
    text = path.read_text(encoding="utf-8")
    # P10..P12 repeat P09 (as a carried position does); SV02 closes its gap at P12.
    text = re.sub(
        r"^(      - \{period: )P09(, [^\n]*\n)",
        lambda m: m[0] + "".join(f"{m[1]}{p}{m[2]}" for p in ("P10", "P11", "P12")),
        text,
        flags=re.M,
    )
    text = text.replace(
        "{period: P12, forecast: 600, achieved: 400, at_risk: 300}",
        "{period: P12, forecast: 600, achieved: 400, at_risk: 500}",
    )
    path.write_text(text, encoding="utf-8")
    findings = [f for f in validate_plan(data)[1] if f.code == "CSP415"]
    assert [f.message.split(":")[0] for f in findings] == ["SV01 P12", "SV03 P12", "SV04 P12"]


def test_at_risk_above_the_target_written_by_hand_is_an_error_at_its_figure(folder_copy: FolderCopy) -> None:
    """CSP710: update and import refuse an at risk above the target; validate finds one
    typed into the file by hand, in any return (an earlier one is carried on), where the
    figure is. A reversal's (negative target) at risk is not checked, as in update."""
    data = folder_copy("published")
    path = data / "savings.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(  # SV02 (target 900): at risk 1,300 in a block-style P08, 900 (= the target) in P09
        "      - {period: P09, forecast: 600, achieved: 400, at_risk: 300}\n",
        "      - period: P08\n        forecast: 600\n        at_risk: 1,300  # typed by hand\n"
        "      - {period: P09, forecast: 600, achieved: 0, at_risk: 900}\n",
    )
    text = text.replace(  # SV07, the reversal (target -100): its at risk is not checked
        "{period: P09, forecast: (100)", "{period: P09, forecast: (100), at_risk: 500"
    )
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines, 1) if "at_risk: 1,300" in line)

    findings = [f for f in validate_plan(data)[1] if f.code == "CSP710"]
    assert [(f.severity, f.path, f.line, f.column) for f in findings] == [
        ("error", str(path), at, lines[at - 1].index("1,300") + 1)
    ]
    # in the file's £'000, as its figures are written, with the pounds they are
    assert findings[0].message == "SV02 P08: at risk 1,300 (£1,300,000) is more than the target 900 (£900,000)"
    assert findings[0].hint is not None and "at most 900 (£900,000)" in findings[0].hint

    result = run(data, "validate")
    assert result.exit_code == 1  # an error, as the README says of data errors
    assert f"savings.yaml:{at}:{findings[0].column}: error CSP710 SV02 P08: at risk 1,300 (£1,300,000)" in result.stdout


def test_at_risk_beside_an_achieved_target_is_warned_but_over_achievement_alone_is_not(
    folder_copy: FolderCopy,
) -> None:
    """CSP415 lets off only the over-achievement itself (achieved reaching the target,
    nothing at risk): £50,000 put at risk on SV05, achieved £300,000 of its £300,000, is
    in the status total at risk, so it is £50,000 more than the target, warned as it was
    before e6a977f; achieved £360,000 with none at risk is no gap and no warning."""
    data = folder_copy("published")
    path = data / "savings.yaml"
    shipped = path.read_text(encoding="utf-8")
    sent = "{period: P09, forecast: 300, achieved: 300, at_risk: 0}"

    def sv05() -> list[str]:
        return [f.message for f in validate_plan(data)[1] if f.code == "CSP415" and f.message.startswith("SV05")]

    assert sv05() == []  # achieved £300,000 = the target, £0 at risk
    result = run(data, "savings", "update", "SV05", "--period", "P09", "--at-risk", "50")
    assert result.exit_code == 0, result.output
    assert "{period: P09, forecast: 300, achieved: 300, at_risk: 50}" in path.read_text(encoding="utf-8")
    expected = "SV05 P09: achieved £300,000 + at risk £50,000 = £350,000, £50,000 more than the target £300,000"
    assert sv05() == [expected]
    checked = run(data, "validate")
    assert checked.exit_code == 0 and f"warning CSP415 {expected}" in checked.stdout, checked.output
    for figures, warned in (
        ("forecast: 360, achieved: 360, at_risk: 0", []),  # over-achieved, none at risk
        ("forecast: 360, achieved: 360, at_risk: 50", ["£110,000 more than the target £300,000"]),
    ):
        path.write_text(shipped.replace(sent, f"{{period: P09, {figures}}}"), encoding="utf-8")
        assert [m.split(", ")[-1] for m in sv05()] == warned, figures
