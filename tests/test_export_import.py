"""Excel out (csplan export), monthly returns in (csplan savings import), completion."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from conftest import DATA, EXAMPLES
from csplan import validate_plan
from csplan.cli import app

runner = CliRunner()
ILLUSTRATIVE = str(EXAMPLES / "illustrative")


def status_json(data: str, *args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["--data", data, "savings", "status", "-f", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def column_sum(sheet, formula: str) -> Decimal:  # type: ignore[no-untyped-def]
    """Evaluate =SUM(X2:X13) over the workbook's own cells."""
    match = re.fullmatch(r"=SUM\(([A-Z])(\d+):\1(\d+)\)", formula)
    assert match, formula
    column, first, last = match[1], int(match[2]), int(match[3])
    return sum((Decimal(str(sheet[f"{column}{row}"].value or 0)) for row in range(first, last + 1)), Decimal(0))


@pytest.fixture
def workbook(tmp_path: Path):  # type: ignore[no-untyped-def]
    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["--data", ILLUSTRATIVE, "export", str(out), "--period", "P06"])
    assert result.exit_code == 0, result.output
    return load_workbook(out)


def test_sheets_numbers_and_formula_totals(workbook) -> None:  # type: ignore[no-untyped-def]
    # the savings programme across the folder's years (one here) comes after the Summary;
    # last, very hidden, what the Savings rows were sent with (savings import reads it)
    assert workbook.sheetnames == ["Savings", "Pressures", "Budget variance", "Summary", "Programme", "csplan as sent"]
    assert workbook["csplan as sent"].sheet_state == "veryHidden"
    savings = workbook["Savings"]
    report = status_json(ILLUSTRATIVE, "--period", "P06")
    assert savings.max_row == 1 + 12 + 1
    for row in range(2, 14):
        for column in "DEFG":
            value = savings[f"{column}{row}"].value
            assert value is None or isinstance(value, int | float), (column, row, value)
        assert savings[f"D{row}"].number_format.startswith('"£"#,##0')
    totals = report["totals"]
    for column, key in (("D", "ongoing"), ("E", "one_off"), ("F", "target"), ("G", "forecast")):
        assert column_sum(savings, savings[f"{column}14"].value) == Decimal(totals[key])
    # Variance and % of target are formulas over the row, so they follow an edit and are
    # exact (tests/test_libreoffice.py has LibreOffice compute them).
    assert savings["I7"].value == "=G7-F7" and savings["I14"].value == "=SUM(I2:I13)"
    # % of target rounds down to the 0.1% shown, as the text rounds a RAG's percentage;
    # the total row (no RAG) is rounded half up by its format, as the text rounds it
    assert savings["J7"].value == '=IF(F7=0,"",ROUNDDOWN(G7/F7,3))'
    assert savings["J14"].value == '=IF(F14=0,"",G14/F14)'
    assert savings["I11"].value is None and savings["J11"].value is None  # S10: no return
    assert savings.freeze_panes == "A2"
    assert savings.column_dimensions["B"].width > 30


def test_rag_cells_are_coloured_by_their_word_and_labelled(workbook) -> None:  # type: ignore[no-untyped-def]
    savings = workbook["Savings"]
    rags = {savings[f"A{row}"].value: savings[f"K{row}"].value for row in range(2, 14)}
    assert rags["S06"] == rags["S09"] == "red" and rags["S01"] == "blue"
    # Conditional formatting, not a fill fixed at export: the colour follows an edit.
    rules = {
        (str(range_.sqref), rule.formula[0]): rule.dxf.fill.bgColor.rgb
        for range_, rules in savings.conditional_formatting._cf_rules.items()
        for rule in rules
    }
    assert rules[("K2:K13", '"red"')].endswith("FF0000") and rules[("K2:K13", '"blue"')].endswith("5B9BD5")
    assert savings["K7"].fill.fill_type is None
    budget_rules = workbook["Budget variance"].conditional_formatting._cf_rules
    assert {str(r.sqref) for r in budget_rules} == {"G2:G4"}


def test_every_sheet_prints_landscape_fitted_to_width_with_its_header_repeated(workbook) -> None:  # type: ignore[no-untyped-def]
    for sheet in workbook.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
        assert sheet.page_setup.fitToHeight == 0
        assert sheet.print_title_rows == "$1:$1", sheet.title


def test_pressures_and_budget_sheets(workbook) -> None:  # type: ignore[no-untyped-def]
    pressures = workbook["Pressures"]
    assert column_sum(pressures, pressures["D7"].value) == Decimal(23998000)
    assert pressures["E2"].number_format.endswith('"£"0.000"m"')
    budget = workbook["Budget variance"]
    assert [budget[f"A{r}"].value for r in range(2, 5)] == ["EHS", "EDU", "SCQP"]
    assert column_sum(budget, budget["C5"].value) == Decimal(175772000)
    assert column_sum(budget, budget["E5"].value) == Decimal(1680000)
    assert budget["G2"].value == "red" and budget["G4"].value == "green"


def test_summary_counts_by_formula(workbook) -> None:  # type: ignore[no-untyped-def]
    summary = workbook["Summary"]
    rows = {summary[f"A{r}"].value: (summary[f"B{r}"].value, summary[f"C{r}"].value) for r in range(2, 20)}
    assert rows["Year"][0] == "2025-26" and rows["As at"][0] == "P06"
    assert rows["Savings red"] == ('=COUNTIF(Savings!K2:K13,"red")', '=SUMIF(Savings!K2:K13,"red",Savings!F2:F13)')
    assert rows["Budget"][0] == "='Budget variance'!$C$5"
    assert rows["Budget forecast variance"][0] == "='Budget variance'!$E$5"
    assert rows["Pressure funding"][0] == "=Pressures!$D$7"


def test_export_refuses_wrong_names(tmp_path: Path) -> None:
    assert runner.invoke(app, ["--data", str(DATA), "export", str(tmp_path / "out.csv")]).exit_code == 2
    assert runner.invoke(app, ["--data", str(DATA), "export", str(tmp_path / "no" / "out.xlsx")]).exit_code == 2


def test_export_of_shipped_data_has_no_line_split(tmp_path: Path) -> None:
    out = tmp_path / "plan.xlsx"
    assert runner.invoke(app, ["--data", str(DATA), "export", str(out)]).exit_code == 0
    budget = load_workbook(out)["Budget variance"]
    assert budget["B2"].value.startswith("The budget has no line split") and budget["C2"].value == 175772000


# -- savings import -------------------------------------------------------------------------

GOOD = "id,period,forecast,delivered,rag,note\nS06,P06,600000,,,Consultation delayed\nS01,P06,32000,32000,blue,\n"


def test_import_with_a_bad_row_writes_nothing(data_copy: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "returns.csv"
    sheet.write_text(GOOD + "S99,P06,5,,,\nS02,P13,1,,,\n", encoding="utf-8")
    before = (data_copy / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["--data", str(data_copy), "savings", "import", str(sheet)])
    assert result.exit_code == 1
    assert "returns.csv:4:1: error CSP704 no saving 'S99'" in result.stderr
    assert "returns.csv:5:2: error CSP705 period 'P13'" in result.stderr
    assert (data_copy / "savings.yaml").read_bytes() == before


def test_import_applies_every_row_and_keeps_comments(data_copy: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "returns.csv"
    sheet.write_text(GOOD, encoding="utf-8")
    comments = [line for line in (data_copy / "savings.yaml").read_text().splitlines() if "#" in line]
    result = runner.invoke(app, ["--data", str(data_copy), "savings", "import", str(sheet)])
    assert result.exit_code == 0, result.output
    after = (data_copy / "savings.yaml").read_text().splitlines()
    assert [line for line in after if "#" in line] == comments
    report = {s["id"]: s for s in status_json(str(data_copy))["savings"]}
    assert (report["S06"]["rag"], report["S06"]["note"]) == ("red", "Consultation delayed")
    assert (report["S01"]["rag"], report["S01"]["delivered"]) == ("blue", 32000)
    assert validate_plan(data_copy)[1] == []


def test_import_from_a_workbook(data_copy: Path, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["ID", "Period", "Forecast", "Delivered", "RAG", "Note"])
    sheet.append(["S07", "P06", 400000, None, "Amber", "Policy applies from September"])
    sheet.append(["S08", "P06", 250000.0, 125000.5, None, None])
    path = tmp_path / "returns.xlsx"
    book.save(path)
    result = runner.invoke(app, ["--data", str(data_copy), "savings", "import", str(path)])
    assert result.exit_code == 0, result.output
    report = {s["id"]: s for s in status_json(str(data_copy))["savings"]}
    assert (report["S07"]["forecast"], report["S07"]["rag"]) == (400000, "amber")
    assert (report["S08"]["forecast"], report["S08"]["delivered"]) == (250000, 125000.5)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,period\nS06,P06\n", "no 'forecast' column"),
        ("id,period,forecast,colour\nS06,P06,1,red\n", "unknown column 'colour'"),
        ("id,period,forecast\n", "no returns"),
        ("id,period,forecast\nS06,P06,600000\nS06,P06,700000\n", "a second return for S06 P06"),
    ],
)
def test_import_refuses_malformed_sheets(data_copy: Path, tmp_path: Path, content: str, message: str) -> None:
    sheet = tmp_path / "returns.csv"
    sheet.write_text(content, encoding="utf-8")
    before = (data_copy / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["--data", str(data_copy), "savings", "import", str(sheet)])
    assert result.exit_code == 1 and message in result.stderr
    assert (data_copy / "savings.yaml").read_bytes() == before


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


@pytest.mark.parametrize(
    ("header", "row", "said"),
    [
        (
            "id,period,Forecast £'000,Forecast",
            "S06,P07,650,700000",
            "returns.csv:1: error CSP700 columns \"Forecast £'000\" (column C) and 'Forecast' (column D) "
            "both give the forecast",
        ),
        (
            "id,period,forecast,delivered,Delivered",
            "S06,P07,650000,100,200",
            "returns.csv:1: error CSP700 columns 'delivered' (column D) and 'Delivered' (column E) "
            "both give the delivered to date",
        ),
        (
            "Saving id,period,forecast,note,id,Notes",
            "S06,P07,650000,a,S07,b",
            "returns.csv:1: error CSP700 columns 'Saving id' (column A) and 'id' (column E) both give the saving id; "
            "columns 'note' (column D) and 'Notes' (column F) both give the note",
        ),
    ],
)
@pytest.mark.parametrize("dry_run", [True, False])
def test_two_columns_giving_one_figure_are_refused(
    data_copy: Path, tmp_path: Path, header: str, row: str, said: str, dry_run: bool
) -> None:
    sheet = tmp_path / "returns.csv"
    sheet.write_text(f"{header}\n{row}\n", encoding="utf-8")
    before = folder_bytes(data_copy)
    args = ["--data", str(data_copy), "savings", "import", str(sheet), *(["--dry-run"] if dry_run else [])]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"csplan: error: {tmp_path / said}",
        "  hint: keep one column for each figure: delete the other (a column of last month's figures is read "
        "as such when headed 'Last forecast', 'Last delivered' ...)",
    ]
    assert folder_bytes(data_copy) == before


def test_two_columns_giving_one_figure_in_a_workbook_are_named_by_cell(data_copy: Path, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Returns"
    sheet.append(["Savings return"])
    sheet.append(["ID", "Period", "Forecast (£'000)", "RAG", "Forecast for the year"])
    sheet.append(["S06", "P07", 650, "amber", 700000])
    path = tmp_path / "returns.xlsx"
    book.save(path)
    before = folder_bytes(data_copy)
    result = runner.invoke(app, ["--data", str(data_copy), "savings", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert (
        f"{path}: Returns!A2: error CSP700 columns \"Forecast (£'000)\" (Returns!C2) and 'Forecast for the year' "
        "(Returns!E2) both give the forecast"
    ) in result.stderr
    assert folder_bytes(data_copy) == before


def test_import_needs_a_csv_or_xlsx(data_copy: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["--data", str(data_copy), "savings", "import", str(tmp_path / "x.csv")]).exit_code == 2
    (tmp_path / "x.txt").write_text("id\n")
    assert runner.invoke(app, ["--data", str(data_copy), "savings", "import", str(tmp_path / "x.txt")]).exit_code == 2


# -- completion --------------------------------------------------------------------------------


def complete(words: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import subprocess
    import sys

    env = {
        "_CSPLAN_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - 1),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [str(Path(sys.executable).parent / "csplan")],
        env=env,
        capture_output=True,
        text=True,
        cwd=DATA.parent,
        check=False,
    )
    return done.stdout.split()


def test_completion_of_saving_ids_and_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    assert complete("csplan savings update S1", monkeypatch) == ["S10", "S11", "S12"]
    assert complete("csplan savings update S06 --period P0", monkeypatch) == [f"P0{n}" for n in range(1, 10)]
    assert complete("csplan savings status --period P1", monkeypatch) == ["P10", "P11", "P12"]
