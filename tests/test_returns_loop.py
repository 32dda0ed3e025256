"""The monthly returns loop (issue 15): owners, global options after the subcommand,
the returns template, import of template/export/CSV, the units-slip check."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from conftest import EXAMPLES, FolderCopy, csplan
from csplan.cli import app
from csplan.savings_edit import CONFLICTS_SETTLED, IMPORTED_BEFORE, REST_OF_ROW

runner = CliRunner()
ILLUSTRATIVE = EXAMPLES / "illustrative"


@pytest.fixture
def illustrative(folder_copy: FolderCopy) -> Path:
    """A private copy of the illustrative data, with its invented returns and owners."""
    return folder_copy("illustrative", "illustrative")


def status(*args: str) -> dict[str, dict]:  # type: ignore[type-arg]
    result = runner.invoke(app, ["savings", "status", "-f", "json", *args])
    assert result.exit_code == 0, result.output
    return {s["id"]: s for s in json.loads(result.stdout)["savings"]}


def returned(saving: dict) -> tuple:  # type: ignore[type-arg]
    """A saving's latest return as status shows it (not the movement, which moves with others)."""
    return tuple(saving[key] for key in ("period", "forecast", "delivered", "rag", "note"))


# -- global options after the subcommand ------------------------------------------------


def test_data_after_the_subcommand_is_the_same_as_before_it() -> None:
    before = runner.invoke(app, ["--data", str(ILLUSTRATIVE), "savings", "status", "-f", "csv"])
    after = runner.invoke(app, ["savings", "status", "-f", "csv", "--data", str(ILLUSTRATIVE)])
    between = runner.invoke(app, ["savings", "--data", str(ILLUSTRATIVE), "status", "-f", "csv"])
    assert before.exit_code == after.exit_code == between.exit_code == 0
    assert "S06" in before.stdout and ",red," in before.stdout
    assert after.stdout == before.stdout == between.stdout


def test_data_typed_later_wins_and_reaches_every_command(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    result = runner.invoke(app, ["--data", str(ILLUSTRATIVE), "pressures", "--data", str(missing)])
    assert result.exit_code == 2 and "missing" in result.stderr
    for command in (["validate"], ["pressures"], ["budget", "variance"], ["measures"], ["savings", "status"]):
        result = runner.invoke(app, [*command, "-d", str(ILLUSTRATIVE)])
        assert result.exit_code == 0, (command, result.output)


def test_global_option_is_in_every_commands_help() -> None:
    for command in (["savings", "status"], ["savings", "import"], ["export"], ["diff"], ["measures", "update"]):
        result = runner.invoke(app, [*command, "--help"])
        assert "--data" in result.stdout, command


# -- owners ------------------------------------------------------------------------------


def test_status_filters_by_owner() -> None:
    shown = status("--data", str(ILLUSTRATIVE), "--owner", "traded services")
    assert sorted(shown) == ["S04", "S05"]
    assert {s["owner"] for s in shown.values()} == {"Head of Traded Services"}
    assert status("--data", str(ILLUSTRATIVE), "--owner", "nobody by that name") == {}
    assert sorted(status("--data", str(ILLUSTRATIVE), "--owner", "early help", "--division", "early")) == ["S06"]


def test_status_owner_or_division_matching_nothing_says_why(folder_copy: FolderCopy) -> None:
    """savings status --owner in a file none of whose savings names an owner says so, as
    savings template does (exit 2, nothing shown); a plain miss keeps its empty table
    (exit 0) and lists the owners there; an owner matched but left out by --rag is no miss."""
    published = folder_copy("published")
    result = runner.invoke(app, ["--data", str(published), "savings", "status", "--owner", "Head"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines()[-2:] == [
        f"csplan: error: --owner 'Head': no saving in {published / 'savings.yaml'} has an owner (its budget holder)",
        "  hint: add `owner:` to each saving",
    ]
    result = runner.invoke(app, ["--data", str(ILLUSTRATIVE), "savings", "status", "--owner", "nobody"])
    assert result.exit_code == 0 and "No saving matches the filter" in result.stdout
    assert result.stderr.splitlines()[-2:] == [
        "csplan: no saving matches owner 'nobody'",
        "  hint: --owner matches part of a saving's owner (budget holder) only; here: Head of Admissions and "
        "Transport, Head of Children in Care, Head of Commissioning, Head of Disabled Children's Services, Head of "
        "Early Help, Head of Quality Assurance, Head of SEND, Head of Traded Services, ...",
    ]
    result = runner.invoke(app, ["--data", str(ILLUSTRATIVE), "savings", "status", "--division", "nowhere"])
    assert result.exit_code == 0 and "csplan: no saving matches division 'nowhere'" in result.stderr
    assert "hint: --division matches part of a saving's division only; here: " in result.stderr
    rags = ["--rag", "blue", "--owner", "Head of Early Help"]  # S06 is red: matched, then left out by --rag
    result = runner.invoke(app, ["--data", str(ILLUSTRATIVE), "savings", "status", *rags])
    assert result.exit_code == 0 and "No saving matches the filter" in result.stdout
    assert "no saving matches" not in result.stderr


# -- the returns template -----------------------------------------------------------------


def template(data: Path, out: Path, *args: str) -> Workbook:
    result = runner.invoke(app, ["savings", "template", "--period", "P07", "-o", str(out), "--data", str(data), *args])
    assert result.exit_code == 0, result.output
    return load_workbook(out)


def test_template_rows_locked_columns_and_input_cells(illustrative: Path, tmp_path: Path) -> None:
    book = template(illustrative, tmp_path / "returns.xlsx")
    assert book.sheetnames == ["Returns P07", "How to fill this in", "csplan as sent"]
    assert [s.sheet_state for s in book.worksheets] == ["visible", "visible", "veryHidden"]
    sheet = book["Returns P07"]
    assert sheet["A1"].value == "Savings return for P07 (October 2025): Children's Services 2025-26"
    assert (sheet["A2"].value, sheet["B2"].value) == ("Period", "P07")
    headers = [c.value for c in sheet[4]]
    assert headers == [
        "ID", "Saving", "Owner", "Target", "Last return", "Last forecast", "Last delivered", "Last RAG",
        "Forecast for the year", "Delivered to date", "RAG", "Note",
    ]  # fmt: skip
    rows = {sheet[f"A{r}"].value: r for r in range(5, 17)}
    assert list(rows) == [f"S{n:02d}" for n in range(1, 13)]
    s06 = rows["S06"]
    assert [sheet.cell(s06, c).value for c in range(1, 9)] == [
        "S06", "Children's Centre review", "Head of Early Help", 833000, "P06", 600000, None, "red",
    ]  # fmt: skip
    assert sheet.cell(rows["S10"], 5).value is None  # no return before P07
    assert sheet.protection.sheet and not sheet.protection.password
    for column in range(1, 13):
        locked = sheet.cell(s06, column).protection.locked
        assert locked == (column <= 8), column
        assert (sheet.cell(s06, column).fill.fgColor.rgb == "00F2F2F2") == locked
    assert sheet["A17"].value == "Total" and sheet["D17"].value == "=SUM(D5:D16)"
    assert sheet["I17"].value == "=SUM(I5:I16)"


def test_template_rag_colours_and_row_heights_are_the_exports(illustrative: Path, tmp_path: Path) -> None:
    """The template's Last RAG and RAG columns are coloured by the same rules as the
    export's RAG column, and a row is as tall as its longest wrapped text (15 points a line)."""
    from csplan.rag import WORKBOOK_FILLS

    def rules(sheet: Any) -> dict[str, list[tuple[str, str]]]:
        return {
            str(where.sqref): [(rule.formula[0], rule.dxf.fill.bgColor.rgb) for rule in found]
            for where, found in sheet.conditional_formatting._cf_rules.items()
        }

    sheet = template(illustrative, tmp_path / "returns.xlsx")["Returns P07"]
    exported = tmp_path / "position.xlsx"
    assert csplan(illustrative, "export", str(exported)).exit_code == 0
    expected = [(f'"{word}"', f"00{colour}") for word, colour in WORKBOOK_FILLS.items()]
    assert rules(load_workbook(exported)["Savings"]) == {"K2:K13": expected}
    assert rules(sheet) == {"H5:H16": expected, "K5:K16": expected}
    widths = {"B": 42, "C": 24, "L": 40}  # the wrapped columns: description, owner, note
    for row in range(5, 17):
        lines = max(-(-len(sheet[f"{c}{row}"].value or "") // (width - 2)) for c, width in widths.items())
        assert sheet.row_dimensions[row].height == 15 * max(lines, 1), row
    assert {sheet.row_dimensions[row].height for row in range(5, 17)} == {15, 30}  # one line and two


def test_template_validation_print_setup_and_how_to(illustrative: Path, tmp_path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    edit(illustrative / "savings.yaml", "totals:", "settings:\n  green_percent: 95\n  amber_percent: 70\ntotals:")
    book = template(illustrative, tmp_path / "returns.xlsx")
    sheet = book["Returns P07"]
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert validations["K5:K16"].type == "list" and validations["K5:K16"].formula1 == '"blue,green,amber,red"'
    assert validations["I5:I16 J5:J16"].type == "decimal"
    assert (
        validations["I5:I16 J5:J16"].operator == "greaterThanOrEqual" and validations["I5:I16 J5:J16"].showErrorMessage
    )
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$4:$4"
    how = "\n".join(str(c.value) for row in book["How to fill this in"].iter_rows() for c in row if c.value)
    assert "forecast is at least 95% of the target: on track" in how
    assert "forecast is at least 70% of the target: at risk" in how and "below 70%" in how
    for header in ("Forecast for the year", "Delivered to date", "Last RAG", "Note"):
        assert header in how
    # the as-sent record only works in this workbook: the holder is told so
    assert "Send back this workbook itself, not a copy pasted into another" in how


def test_template_selects_by_owner_and_division(illustrative: Path, tmp_path: Path) -> None:
    book = template(illustrative, tmp_path / "a.xlsx", "--owner", "admissions")
    sheet = book["Returns P07"]
    assert [sheet["A5"].value, sheet["A6"].value, sheet["A7"].value] == ["S07", "S08", "Total"]
    assert sheet["A3"].value == "Savings selected by Owner: admissions"
    book = template(illustrative, tmp_path / "b.xlsx", "--division", "early help", "--owner", "early help")
    assert [r[0] for r in book["Returns P07"].iter_rows(min_row=5, values_only=True)] == ["S06", "Total"]
    assert book["Returns P07"]["B6"].value == "1 saving"  # one, not "1 savings"
    one = runner.invoke(
        app,
        [
            "savings",
            "template",
            "-p",
            "P07",
            "-o",
            str(tmp_path / "d.xlsx"),
            "-d",
            str(illustrative),
            "--owner",
            "early help",
        ],
    )
    assert one.exit_code == 0 and one.stdout == f"wrote {tmp_path / 'd.xlsx'}: 1 saving for P07 (October 2025)\n"
    result = runner.invoke(
        app,
        ["savings", "template", "-p", "P07", "-o", str(tmp_path / "c.xlsx"), "-d", str(illustrative), "--owner", "x"],
    )
    assert result.exit_code == 2 and "no saving matches owner 'x'" in result.stderr
    assert "hint: --owner matches part of a saving's owner (budget holder) only; here: Head of" in result.stderr
    assert not (tmp_path / "c.xlsx").exists()
    result = runner.invoke(
        app, ["savings", "template", "-p", "P07", "-o", str(tmp_path / "c.csv"), "-d", str(illustrative)]
    )
    assert result.exit_code == 2


def test_template_text_from_the_data_is_never_a_formula(illustrative: Path, tmp_path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    edit(illustrative / "savings.yaml", "description: Children's Centre review", 'description: "=1+2 review"')
    sheet = template(illustrative, tmp_path / "returns.xlsx")["Returns P07"]
    assert sheet["B10"].value == "=1+2 review" and sheet["B10"].data_type == "s"


# -- import: the template filled in, csplan's export edited, a CSV -----------------------


def filled_template(data: Path, tmp_path: Path) -> Path:
    """The template filled in as a budget holder would: some rows, a typed "£600k",
    a delivered cell left empty, the rest left blank."""
    out = tmp_path / "returns.xlsx"
    book = template(data, out)
    sheet = book["Returns P07"]
    rows = {sheet[f"A{r}"].value: r for r in range(5, 17)}
    sheet[f"I{rows['S01']}"], sheet[f"J{rows['S01']}"], sheet[f"K{rows['S01']}"] = 32000, 32000, "blue"
    sheet[f"I{rows['S06']}"], sheet[f"L{rows['S06']}"] = "£600k", "Consultation now ends in December"
    sheet[f"I{rows['S07']}"], sheet[f"K{rows['S07']}"] = 450000, "amber"  # delivered left empty
    sheet[f"I{rows['S10']}"] = "200,000"
    book.save(out)
    return out


def test_round_trip_template_filled_then_imported(illustrative: Path, tmp_path: Path) -> None:
    before = status("--data", str(illustrative))
    sheet = filled_template(illustrative, tmp_path)
    result = runner.invoke(app, ["savings", "import", str(sheet), "--data", str(illustrative)])
    assert result.exit_code == 0, result.output
    assert "4 returns recorded, 0 unchanged, 8 skipped (blank), 1 skipped (total row)" in result.stdout
    after = status("--data", str(illustrative))
    changed = {i for i in after if returned(after[i]) != returned(before[i])}
    assert changed == {"S01", "S06", "S07", "S10"}
    assert {i: (after[i]["period"], after[i]["forecast"], after[i]["delivered"]) for i in sorted(changed)} == {
        "S01": ("P07", 32000, 32000),
        "S06": ("P07", 600000, None),
        "S07": ("P07", 450000, None),
        "S10": ("P07", 200000, None),
    }
    assert after["S06"]["note"] == "Consultation now ends in December" and after["S07"]["rag"] == "amber"
    again = runner.invoke(app, ["savings", "import", str(sheet), "--data", str(illustrative)])
    assert again.exit_code == 0 and "0 returns recorded, 4 unchanged" in again.stdout
    # A template made after the returns are in shows them, and comes back unchanged.
    resent = template(illustrative, tmp_path / "resent.xlsx")["Returns P07"]
    assert resent["I10"].value == 600000 and resent["L10"].value == "Consultation now ends in December"


def test_round_trip_export_edited_changes_exactly_that_return(illustrative: Path, tmp_path: Path) -> None:
    out = tmp_path / "position.xlsx"
    assert runner.invoke(app, ["export", str(out), "--data", str(illustrative)]).exit_code == 0
    savings_file = illustrative / "savings.yaml"
    before_text = savings_file.read_text()
    before = status("--data", str(illustrative))
    book = load_workbook(out)
    sheet = book["Savings"]
    headers = [c.value for c in sheet[1]]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "S06")
    sheet.cell(row, headers.index("Forecast") + 1).value = 550000
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(illustrative)])
    assert result.exit_code == 0, result.output
    assert "1 return recorded, 10 unchanged, 1 skipped (blank), 1 skipped (total row)" in result.stdout
    after = status("--data", str(illustrative))
    assert {i for i in after if returned(after[i]) != returned(before[i])} == {"S06"}
    assert (after["S06"]["period"], after["S06"]["forecast"], after["S06"]["note"]) == (
        "P06",
        550000,
        "Consultation delayed",
    )
    changed = [line for line in difflib_lines(before_text, savings_file.read_text())]
    assert changed == ["-        forecast: 600000", "+        forecast: 550000"]


def difflib_lines(old: str, new: str) -> list[str]:
    import difflib

    return [
        line
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_import_of_a_csv_with_blank_and_total_rows(illustrative: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "returns.csv"
    sheet.write_text(
        "ID,Saving,Period,Forecast (£),Delivered,RAG,Note\n"
        'S06,Children\'s Centre review,P07,"600,000",,,Consultation ends in December\n'
        ",,,,,,\n"
        "S08,Fees,P07,,,,\n"
        "S11,SEND,P06,400000,,amber,Funding bid awaiting decision\n"
        "Total,,,1000000,,,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["savings", "import", str(sheet), "--data", str(illustrative)])
    assert result.exit_code == 0, result.output
    assert "1 return recorded, 1 unchanged, 2 skipped (blank), 1 skipped (total row)" in result.stdout
    assert status("--data", str(illustrative))["S06"]["forecast"] == 600000


def test_import_names_every_bad_cell_and_writes_nothing(illustrative: Path, tmp_path: Path) -> None:
    out = tmp_path / "returns.xlsx"
    book = template(illustrative, out)
    sheet = book["Returns P07"]
    sheet["I5"] = "=250000/3"  # S01
    sheet["I6"], sheet["K6"] = "lots", "purple"  # S02
    sheet["I10"] = 0.6  # S06: 0.6 against £833,000
    sheet["I11"] = 450000  # S07: fine on its own
    sheet["J12"] = 1000  # S08: delivered with no forecast
    sheet["J13"], sheet["I13"] = 10_000_000, 600000  # S09: delivered more than 10x the target
    book.save(out)
    before = (illustrative / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(illustrative)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "csplan: error: 5 of 6 returns refused; nothing was written"
    errors = [line.split(": ", 1)[1] for line in lines[1:] if ": error " in line]
    assert errors == [
        "'Returns P07'!I5: error CSP702 forecast '=250000/3' is a formula",
        "'Returns P07'!K6: error CSP706 rag 'purple' is not one of blue, green, amber, red",
        "'Returns P07'!I6: error CSP703 forecast 'lots': 'lots' is not an amount",
        "'Returns P07'!I10: error CSP701 forecast '0.6' is £0.60, under 1% of the target £833,000",
        "'Returns P07'!I12: error CSP708 a return with no forecast",
        "'Returns P07'!J13: error CSP701 delivered '10000000' is £10,000,000, over 16 times the target £610,000",
    ]
    assert "  hint: did you mean £0.6m? (add --yes if £0.60 is right)" in lines
    assert (illustrative / "savings.yaml").read_bytes() == before


# -- the units-slip check -------------------------------------------------------------------


def test_update_questions_a_units_slip(illustrative: Path) -> None:
    args = ["savings", "update", "S06", "--period", "P07", "--data", str(illustrative)]
    before = (illustrative / "savings.yaml").read_bytes()
    result = runner.invoke(app, [*args, "--forecast", "0.6"])
    assert result.exit_code == 2
    assert "--forecast '0.6' is £0.60, under 1% of the target £833,000" in result.stderr
    assert "hint: did you mean £0.6m? (add --yes if £0.60 is right)" in result.stderr
    result = runner.invoke(app, [*args, "--forecast", "9000000"])
    assert result.exit_code == 2 and "over 10 times the target" in result.stderr
    assert "did you mean £900,000?" in result.stderr  # a zero too many
    result = runner.invoke(app, [*args, "--forecast", "1500"])  # as typed: £1.5m, not £1,500k
    assert result.exit_code == 2 and "hint: did you mean £1.5m? (add --yes if £1,500 is right)" in result.stderr
    assert (illustrative / "savings.yaml").read_bytes() == before
    assert runner.invoke(app, [*args, "--forecast", "0"]).exit_code == 0  # nothing delivered is no slip
    assert runner.invoke(app, [*args, "--forecast", "0.6", "--yes"]).exit_code == 0
    assert status("--data", str(illustrative))["S06"]["forecast"] == 0.6


def test_import_yes_accepts_a_questioned_amount(illustrative: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "returns.csv"
    sheet.write_text("id,forecast\nS06,0.6\n", encoding="utf-8")
    args = ["savings", "import", str(sheet), "--period", "P07", "--data", str(illustrative)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "returns.csv:2:2: error CSP701" in result.stderr
    assert runner.invoke(app, [*args, "--yes"]).exit_code == 0
    assert status("--data", str(illustrative))["S06"]["forecast"] == 0.6


def test_a_zero_too_many_is_questioned_not_recorded_green(illustrative: Path) -> None:
    """10x the target is very likely a slip; over 3x is worth confirming; each names the
    figure probably meant (a zero too many) and is refused unless --yes."""
    targets = {i: int(s["target"]) for i, s in status("--data", str(illustrative)).items()}
    path = illustrative / "savings.yaml"
    before = path.read_bytes()

    def update(saving: str, *args: str) -> Any:
        return runner.invoke(app, ["savings", "update", saving, "--period", "P08", "--data", str(illustrative), *args])

    s08, s07 = targets["S08"], targets["S07"]
    result = update("S08", "--forecast", str(s08 * 10))
    assert result.exit_code == 2 and "green" not in result.stdout
    assert f"is £{s08 * 10:,}, 10 times the target £{s08:,}\n" in result.stderr
    assert f"hint: did you mean £{s08:,}? (add --yes if £{s08 * 10:,} is right)" in result.stderr
    result = update("S07", "--forecast", str(s07 * 9))
    assert result.exit_code == 2
    assert f"is £{s07 * 9:,}, 9 times the target £{s07:,} (worth confirming)" in result.stderr
    assert f"did you mean £{s07 * 9 // 10:,}?" in result.stderr
    result = update("S07", "--forecast", str(s07), "--delivered", str(s07 * 4 + 1))
    assert result.exit_code == 2 and f"over 4 times the target £{s07:,} (worth confirming)" in result.stderr
    assert path.read_bytes() == before
    assert update("S08", "--forecast", str(s08 * 3)).exit_code == 0  # 3 times: not questioned
    assert update("S07", "--forecast", str(s07 * 9), "--yes").exit_code == 0
    assert status("--data", str(illustrative))["S07"]["forecast"] == s07 * 9


def test_import_refuses_a_row_ten_times_its_target(illustrative: Path, tmp_path: Path) -> None:
    target = int(status("--data", str(illustrative))["S08"]["target"])
    sheet = tmp_path / "returns.csv"
    sheet.write_text(f"id,forecast\nS08,{target * 10}\n", encoding="utf-8")
    before = (illustrative / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["savings", "import", str(sheet), "--period", "P08", "--data", str(illustrative)])
    assert result.exit_code == 1
    assert f"returns.csv:2:2: error CSP701 forecast '{target * 10}' is £{target * 10:,}, 10 times" in result.stderr
    assert f"did you mean £{target:,}?" in result.stderr
    assert (illustrative / "savings.yaml").read_bytes() == before


def test_a_reversals_forecast_is_questioned_by_its_size(folder_copy: FolderCopy) -> None:
    published = folder_copy("published")
    [reversal] = [s for s in status("--data", str(published)).values() if s["target"] < 0]
    target = int(reversal["target"])  # pounds; the file is in £'000
    args = ["savings", "update", reversal["id"], "--period", "P10", "--data", str(published)]
    result = runner.invoke(app, [*args, "--forecast", f"({-target * 10 // 1000})"])
    assert result.exit_code == 2
    # in the file's £'000, as typed there: the reversal's target and the figure meant
    assert f"is -£{-target * 10:,}, 10 times the target -{-target // 1000} (-£{-target:,})" in result.stderr
    assert f"did you mean -{-target // 1000} (-£{-target:,})?" in result.stderr
    assert runner.invoke(app, [*args, "--forecast", f"({-target * 3 // 1000})"]).exit_code == 0


def _typed_into(sheet_path: Path, saving: str, values: dict[str, Any]) -> None:
    """Type ``values`` (by header, e.g. "Note") into a workbook's first sheet, on ``saving``'s row."""
    book = load_workbook(sheet_path)
    sheet = book.worksheets[0]
    header = next(r for r in sheet.iter_rows() if str(r[0].value).casefold() in ("id", "saving id"))
    names = [str(c.value) for c in header]
    row = next(r for r in sheet.iter_rows(min_row=header[0].row + 1) if r[0].value == saving)
    for name, value in values.items():
        row[names.index(name)].value = value
    book.save(sheet_path)


def test_a_figure_already_recorded_is_not_questioned_again(folder_copy: FolderCopy, tmp_path: Path) -> None:
    """CSP701 questions a figure when it is given, not every time it comes back: the
    export, an untouched template, the status CSV and update repeating it write nothing."""
    published = folder_copy("published")
    path = published / "savings.yaml"
    data = ["--data", str(published)]
    first = runner.invoke(app, [*data, "savings", "update", "SV06", "-p", "P10", "--forecast", "400", "--yes"])
    assert first.exit_code == 0, first.output  # £400,000: 4 times the target £100,000, confirmed
    recorded = path.read_bytes()
    again = runner.invoke(app, [*data, "savings", "update", "SV06", "-p", "P10", "--forecast", "400"])
    assert again.exit_code == 0 and "SV06 P10 unchanged: nothing to write" in again.stdout, again.output
    export, template, csv = tmp_path / "x.xlsx", tmp_path / "t.xlsx", tmp_path / "status.csv"
    assert runner.invoke(app, [*data, "export", str(export)]).exit_code == 0
    assert runner.invoke(app, [*data, "savings", "template", "-p", "P10", "-o", str(template)]).exit_code == 0
    shown = runner.invoke(app, [*data, "savings", "status", "-f", "csv"])
    csv.write_text(shown.stdout, encoding="utf-8")
    for sheet in (export, template, csv):
        result = runner.invoke(app, [*data, "savings", "import", str(sheet)])
        assert result.exit_code == 0, (sheet.name, result.output)
        assert "CSP701" not in result.stderr and "nothing to write" in result.stdout, (sheet.name, result.output)
        assert path.read_bytes() == recorded, sheet.name
    # A genuinely new figure in the same sheet is still questioned (--yes is not needed
    # for SV06, so it cannot wave this one through unseen).
    _typed_into(template, "SV05", {"Forecast for the year (£'000)": 1300})  # target £300,000
    result = runner.invoke(app, [*data, "savings", "import", str(template)])
    assert result.exit_code == 1, result.output
    assert "'Returns P10'!K9: error CSP701 forecast (£'000) '1300' is £1,300,000, over 4 times" in result.stderr
    assert "SV06" not in result.stderr and "K10" not in result.stderr
    assert path.read_bytes() == recorded


def test_the_as_sent_figure_is_not_questioned_again(folder_copy: FolderCopy, tmp_path: Path) -> None:
    """A 4x figure recorded when the template went out and corrected since: the holder's
    untouched cell is the as-sent one (CSP712 keeps the correction), not a new slip."""
    published = folder_copy("published")
    data = ["--data", str(published)]
    update = [*data, "savings", "update", "SV06", "-p", "P10", "--forecast"]
    assert runner.invoke(app, [*update, "400", "--yes"]).exit_code == 0
    template = tmp_path / "t.xlsx"
    assert runner.invoke(app, [*data, "savings", "template", "-p", "P10", "-o", str(template)]).exit_code == 0
    assert runner.invoke(app, [*update, "40"]).exit_code == 0  # finance corrects it meanwhile
    corrected = (published / "savings.yaml").read_bytes()
    result = runner.invoke(app, [*data, "savings", "import", str(template)])
    assert result.exit_code == 0, result.output
    assert "CSP701" not in result.stderr and "warning CSP712 SV06 P10 forecast: kept 40 (£40,000)" in result.stderr
    assert (published / "savings.yaml").read_bytes() == corrected


def test_a_note_changed_beside_a_recorded_large_figure_is_recorded(folder_copy: FolderCopy, tmp_path: Path) -> None:
    year_end = folder_copy("year-end")
    data = ["--data", str(year_end), "--year", "2025-26"]
    first = runner.invoke(app, ["savings", "update", "S05", "-p", "P12", "--forecast", "200000", "--yes", *data])
    assert first.exit_code == 0, first.output  # over 4 times the target £49,000, confirmed
    template = tmp_path / "t.xlsx"
    assert runner.invoke(app, ["savings", "template", "-p", "P12", "-o", str(template), *data]).exit_code == 0
    _typed_into(template, "S05", {"Note": "Two extra schools bought the service (confirmed)"})
    result = runner.invoke(app, ["savings", "import", str(template), *data])
    assert result.exit_code == 0, result.output
    assert "1 return recorded" in result.stdout and "CSP701" not in result.stderr
    assert "changed S05 P12: note 'Two extra schools bought the service' -> " in result.stdout
    assert "forecast: 200000\n" in (year_end / "savings.yaml").read_text(encoding="utf-8")


def test_shipped_returns_raise_no_query() -> None:
    """Every figure recorded in examples/ passes the query, so each imports back as it
    is (achieved and at risk of a reversal are not queried). Not data/: a real return
    recorded there with --yes (a saving that does deliver 4x its target) must not turn
    CI red, and a recorded figure is not queried again on import anyway."""
    from csplan.checks import validate_plan
    from csplan.savings_edit import OPTIONAL_AMOUNTS, PARTS, amount_query
    from csplan.years import savings_years

    folders = [p for p in EXAMPLES.iterdir() if p.name != "council"]
    folders += [p for p in (EXAMPLES / "council").iterdir() if p.is_dir()]
    figures = 0
    for folder in folders:
        for _, savings in savings_years(validate_plan(folder)[0]):
            for saving in savings.lines:
                for entry in saving.progress:
                    for name in ("forecast", *OPTIONAL_AMOUNTS):
                        amount = getattr(entry, name)
                        if amount is None or (saving.target < 0 and name in PARTS):
                            continue
                        figures += 1
                        assert amount_query(amount, saving.target, small_expected=name != "forecast") is None
    assert figures > 50


def test_import_of_csplans_own_status_csv_after_an_edit(illustrative: Path, tmp_path: Path) -> None:
    shown = runner.invoke(app, ["savings", "status", "-f", "csv", "--data", str(illustrative)])
    assert shown.exit_code == 0
    lines = shown.stdout.splitlines()
    header = lines[0].split(",")
    edited = [line.replace(",600000,", ",550000,", 1) if line.startswith("S06,") else line for line in lines]
    assert edited != lines
    sheet = tmp_path / "status.csv"
    sheet.write_text("\n".join(edited) + "\n", encoding="utf-8")
    before = status("--data", str(illustrative))
    result = runner.invoke(app, ["savings", "import", str(sheet), "--data", str(illustrative)])
    assert result.exit_code == 0, result.output
    assert "1 return recorded, 10 unchanged, 1 skipped (blank)" in result.stdout, header
    after = status("--data", str(illustrative))
    assert {i for i in after if returned(after[i]) != returned(before[i])} == {"S06"}
    assert after["S06"]["forecast"] == 550000


def test_a_row_of_the_export_with_no_period_is_refused_at_its_cell_or_given_one(
    illustrative: Path, tmp_path: Path
) -> None:
    out = tmp_path / "position.xlsx"
    assert runner.invoke(app, ["export", str(out), "--data", str(illustrative)]).exit_code == 0
    book = load_workbook(out)
    sheet = book["Savings"]
    headers = [c.value for c in sheet[1]]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "S10")  # not reported
    sheet.cell(row, headers.index("Forecast") + 1).value = 150000
    book.save(out)
    period_cell = f"Savings!{sheet.cell(row, headers.index('Period') + 1).coordinate}"
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(illustrative)])
    assert result.exit_code == 1
    assert f"{period_cell}: error CSP705 no period for this return" in result.stderr
    result = runner.invoke(app, ["savings", "import", str(out), "--period", "P07", "--data", str(illustrative)])
    assert result.exit_code == 0, result.output
    assert status("--data", str(illustrative))["S10"]["period"] == "P07"


def test_a_templates_period_cell_must_be_its_sheets_period(illustrative: Path, tmp_path: Path) -> None:
    out = filled_template(illustrative, tmp_path)
    book = load_workbook(out)
    book["Returns P07"]["B2"] = "P08"  # someone retypes the locked period
    book.save(out)
    before = (illustrative / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["--data", str(illustrative), "savings", "import", str(out)])
    assert result.exit_code == 1, result.output
    assert "B2" in result.output and "the template for P07" in result.output
    assert (illustrative / "savings.yaml").read_bytes() == before


def test_a_template_goes_to_its_own_year_never_the_next(illustrative: Path, tmp_path: Path) -> None:
    out = filled_template(illustrative, tmp_path)
    text = (illustrative / "savings.yaml").read_text(encoding="utf-8")
    later = text.replace("year: 2025-26", "year: 2026-27", 1)
    (illustrative / "savings_2026_27.yaml").write_text(later, encoding="utf-8")
    result = runner.invoke(app, ["--data", str(illustrative), "savings", "import", str(out)])
    assert result.exit_code == 0, result.output
    assert (illustrative / "savings_2026_27.yaml").read_text(encoding="utf-8") == later  # untouched
    assert (illustrative / "savings.yaml").read_text(encoding="utf-8") != text  # the template's own year
    wrong = runner.invoke(app, ["--data", str(illustrative), "savings", "import", str(out), "--year", "2026-27"])
    assert wrong.exit_code == 2 and "is the return for 2025-26, not 2026-27" in wrong.output


@pytest.mark.parametrize("kind", ["export", "status csv"])
def test_own_sheet_imported_twice_changes_nothing_the_second_time(
    illustrative: Path, tmp_path: Path, kind: str
) -> None:
    """csplan's RAG in its own export or status CSV is what it derived, never an officer's
    judgement: after a forecast edit is taken in, the same sheet again is nothing to write."""
    if kind == "export":
        sheet = tmp_path / "position.xlsx"
        runner.invoke(app, ["--data", str(illustrative), "export", str(sheet), "--period", "P06"])
        book = load_workbook(sheet)
        savings = book["Savings"]
        forecast = [c.value for c in savings[1]].index("Forecast") + 1
        row = next(r for r in range(2, savings.max_row + 1) if savings.cell(r, 1).value == "S09")
        savings.cell(row, forecast).value = 500000  # red at export; amber once taken in
        book.save(sheet)
    else:
        sheet = tmp_path / "status.csv"
        text = runner.invoke(app, ["--data", str(illustrative), "savings", "status", "-p", "P06", "-f", "csv"]).stdout
        lines = text.splitlines()
        s09 = next(i for i, line in enumerate(lines) if line.startswith("S09,"))
        lines[s09] = lines[s09].replace(",450000,", ",500000,", 1)
        sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = runner.invoke(app, ["--data", str(illustrative), "savings", "import", str(sheet)])
    assert first.exit_code == 0 and "1 return recorded" in first.output, first.output
    after_first = (illustrative / "savings.yaml").read_bytes()
    second = runner.invoke(app, ["--data", str(illustrative), "savings", "import", str(sheet)])
    assert second.exit_code == 0 and "nothing to write" in second.output, second.output
    assert (illustrative / "savings.yaml").read_bytes() == after_first
    s09 = status("--data", str(illustrative), "-p", "P06")["S09"]
    assert (s09["forecast"], s09["rag"], s09["officer_rag"]) == (500000, "amber", None)


# -- achieved and at risk ------------------------------------------------------------------------


@pytest.fixture
def published(folder_copy: FolderCopy) -> Path:
    """A private copy of the published-tracker example: £'000, achieved and at risk at P09."""
    return folder_copy("published", "published")


def p09(data: Path, saving: int) -> tuple[object, ...]:
    from csplan import validate_plan

    [entry] = validate_plan(data)[0].savings()[1].lines[saving].progress
    return entry.forecast, entry.achieved, entry.at_risk, entry.note


def test_import_takes_achieved_and_at_risk_and_keeps_them_where_blank(published: Path, tmp_path: Path) -> None:
    from decimal import Decimal

    sheet = tmp_path / "returns.csv"
    sheet.write_text(
        "id,period,forecast (£),achieved £,At risk (£'000),note\n"  # beside a scaled header, pounds say so
        "SV01,P09,950000,850000,350,\n"  # a scaled header reads 350 as £350,000, as forecast (£'000) does
        "SV02,P09,600000,,,Route review slipped\n"  # blank: kept as recorded, as a blank delivered is
        "SV03,P09,610000,500000,110,\n",
        encoding="utf-8",
    )
    before = (published / "savings.yaml").read_text(encoding="utf-8")
    result = runner.invoke(app, ["savings", "import", str(sheet), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert "3 returns recorded, 0 unchanged" in result.stdout
    assert "changed SV01 P09: achieved £800,000 -> £850,000; at risk £250,000 -> £350,000; kept forecast" in (
        result.stdout
    )
    assert p09(published, 0) == (Decimal(950000), Decimal(850000), Decimal(350000), None)
    assert p09(published, 1) == (Decimal(600000), Decimal(400000), Decimal(300000), "Route review slipped")
    assert p09(published, 2) == (Decimal(610000), Decimal(500000), Decimal(110000), None)
    assert difflib_lines(before, (published / "savings.yaml").read_text(encoding="utf-8")) == [
        "-      - {period: P09, forecast: 950, achieved: 800, at_risk: 250}",
        "+      - {period: P09, forecast: 950, achieved: 850, at_risk: 350}",
        "-      - {period: P09, forecast: 600, achieved: 400, at_risk: 300}",
        "+      - {period: P09, forecast: 600, note: Route review slipped, achieved: 400, at_risk: 300}",
        "-      - {period: P09, forecast: 610, achieved: 500, at_risk: 0}",
        "+      - {period: P09, forecast: 610, achieved: 500, at_risk: 110}",
    ]
    again = runner.invoke(app, ["savings", "import", str(sheet), "--data", str(published)])
    assert again.exit_code == 0 and "0 returns recorded, 3 unchanged: nothing to write" in again.stdout


@pytest.mark.parametrize("kind", ["export", "status csv"])
def test_own_sheet_with_achieved_and_at_risk_comes_back_unchanged(published: Path, tmp_path: Path, kind: str) -> None:
    """csplan's export and status CSV show achieved and at risk where a return gives
    them; read back as input columns, they equal what is recorded."""
    if kind == "export":
        sheet = tmp_path / "position.xlsx"
        assert runner.invoke(app, ["--data", str(published), "export", str(sheet)]).exit_code == 0
        headers = [c.value for c in load_workbook(sheet)["Savings"][1]]
        assert "Achieved £'000" in headers and "At risk £'000" in headers  # cells hold £'000
    else:
        sheet = tmp_path / "status.csv"
        shown = runner.invoke(app, ["--data", str(published), "savings", "status", "-f", "csv"])
        assert "achieved (£'000),at_risk (£'000)" in shown.stdout
        sheet.write_text(shown.stdout, encoding="utf-8")
    before = (published / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["--data", str(published), "savings", "import", str(sheet)])
    assert result.exit_code == 0 and "0 returns recorded, 7 unchanged" in result.stdout, result.output
    assert (published / "savings.yaml").read_bytes() == before


def test_a_bad_achieved_or_at_risk_cell_is_named_by_sheet_and_cell(published: Path, tmp_path: Path) -> None:
    out = tmp_path / "returns.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.title = "Month 9"
    sheet.append(["ID", "Period", "Forecast", "Achieved", "At risk"])
    sheet.append(["SV01", "P09", 950000, 800000, -250000])
    sheet.append(["SV02", "P09", 600000, "four hundred", 300000])
    sheet.append(["SV03", "P09", 610000, 500000, "=610000-500000"])
    sheet.append(["SV04", "P09", 450000, 233000, 117000])  # fine on its own
    book.save(out)
    before = (published / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == "csplan: error: 3 of 4 returns refused; nothing was written"
    assert [line.split(": ", 1)[1] for line in lines[1:] if ": error " in line] == [
        "'Month 9'!E2: error CSP703 at risk '-250000' is negative",
        "'Month 9'!D3: error CSP703 achieved 'four hundred': 'four hundred' is not an amount",
        "'Month 9'!E4: error CSP702 at risk '=610000-500000' is a formula",
    ]
    assert (published / "savings.yaml").read_bytes() == before


def test_template_asks_for_achieved_and_at_risk_only_where_the_file_tracks_them(
    illustrative: Path, published: Path, tmp_path: Path
) -> None:
    untracked = template(illustrative, tmp_path / "plain.xlsx")
    assert "Achieved" not in [c.value for c in untracked["Returns P07"][4]]
    assert not {"Last achieved", "Last at risk"} & {c.value for c in untracked["Returns P07"][4]}
    assert "Achieved" not in [c.value for row in untracked["How to fill this in"].iter_rows() for c in row]

    book = template(published, tmp_path / "tracked.xlsx", "--period", "P09")
    sheet = book["Returns P09"]
    headers = [c.value for c in sheet[4]]
    # a £'000 tracker's template is in £'000, its headers saying so
    assert headers == [
        "ID", "Saving", "Owner", "Target (£'000)", "Last return", "Last forecast (£'000)", "Last delivered (£'000)",
        "Last achieved (£'000)", "Last at risk (£'000)", "Last RAG", "Forecast for the year (£'000)",
        "Delivered to date (£'000)", "Achieved (£'000)", "At risk (£'000)", "RAG", "Note",
    ]  # fmt: skip
    # Input cells like Forecast's: unlocked, white, the same number format, pre-filled
    # with the month's return where recorded, and totalled.
    for row in range(5, 12):
        forecast, achieved, at_risk = sheet[f"K{row}"], sheet[f"M{row}"], sheet[f"N{row}"]
        for cell in (achieved, at_risk):
            assert not cell.protection.locked and cell.number_format == forecast.number_format
            assert cell.fill.fgColor.rgb == forecast.fill.fgColor.rgb
    assert [sheet[f"M{r}"].value for r in range(5, 12)] == [800, 400, 500, 233, 300, 0, None]
    assert [sheet[f"N{r}"].value for r in range(5, 12)] == [250, 300, 0, 100, 0, 100, None]
    assert (sheet["M12"].value, sheet["N12"].value) == ("=SUM(M5:M11)", "=SUM(N5:N11)")
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert validations["O5:O11"].type == "list"  # the RAG drop-down moved with its column
    amounts = validations["K5:K10 L5:L10 M5:M11 N5:N11"]  # SV07 (row 11) is a reversal: see below
    assert (amounts.type, amounts.operator, amounts.formula1) == ("decimal", "greaterThanOrEqual", "0")
    how = "\n".join(str(c.value) for row in book["How to fill this in"].iter_rows() for c in row if c.value)
    assert "Achieved\n" in how and "At risk\n" in how
    # Sent for a month already recorded, it comes back unchanged.
    again = runner.invoke(app, ["savings", "import", str(tmp_path / "tracked.xlsx"), "--data", str(published)])
    assert again.exit_code == 0 and "0 returns recorded, 7 unchanged" in again.stdout, again.output


@pytest.mark.parametrize("reversal_between", [False, True])
def test_template_amount_cells_accept_a_reversals_sign(published: Path, tmp_path: Path, reversal_between: bool) -> None:
    """SV07 is a reversal (target -£100k), pre-filled with its forecast of -£100,000: its
    forecast and delivered cells take 0 or less, every other saving's 0 or more, and
    achieved and at risk (parts of the target) 0 or more on every row."""
    savings = published / "savings.yaml"
    if reversal_between:  # a reversal among the others splits the ordinary rows' ranges
        text = savings.read_text()
        reversal = text[text.index("  - id: SV07") :]  # the file's last saving
        savings.write_text(text.removesuffix(reversal).replace("  - id: SV04", reversal + "  - id: SV04"))
    book = template(published, tmp_path / "returns.xlsx", "--period", "P09")
    sheet = book["Returns P09"]
    # the file is in £'000, and so is its template: headers by their words
    heads = {str(cell.value).removesuffix(" (£'000)"): cell.column_letter for cell in sheet[4]}
    rows = {sheet[f"A{r}"].value: r for r in range(5, 12)}
    assert list(rows) == (
        ["SV01", "SV02", "SV03", "SV07", "SV04", "SV05", "SV06"]
        if reversal_between
        else [f"SV0{n}" for n in range(1, 8)]
    )
    amounts = [v for v in sheet.data_validations.dataValidation if v.type == "decimal"]
    for saving, row in rows.items():
        for header in ("Forecast for the year", "Delivered to date", "Achieved", "At risk"):
            cell = f"{heads[header]}{row}"
            [validation] = [v for v in amounts if cell in v.sqref]
            signed = saving == "SV07" and header in ("Forecast for the year", "Delivered to date")
            expected = "lessThanOrEqual" if signed else "greaterThanOrEqual"
            assert (validation.operator, validation.formula1) == (expected, "0"), cell
    # Each amount validation lets a cell be left empty (no return this month). Read from
    # the file itself: openpyxl 3.1.0, the lowest version csplan allows, writes
    # allowBlank="1" but reads it back as False.
    with zipfile.ZipFile(tmp_path / "returns.xlsx") as xlsx:
        xml = xlsx.read("xl/worksheets/sheet1.xml").decode()
    decimal = re.findall(r"<dataValidation [^>]*type=\"decimal\"[^>]*>", xml)
    assert len(decimal) == len(amounts) and all('allowBlank="1"' in tag for tag in decimal), decimal
    sv07 = rows["SV07"]
    assert sheet[f"{heads['Forecast for the year']}{sv07}"].value == -100  # £'000, and the cell takes it back
    assert not any(f"{heads['Forecast for the year']}{row}" in v.sqref for v in amounts for row in (4, 12))
    how = "\n".join(str(c.value) for row in book["How to fill this in"].iter_rows() for c in row if c.value)
    assert "A reversal (a negative target) is forecast and delivered at 0 or less (-100)" in how
    [reversal] = [v for v in amounts if v.operator == "lessThanOrEqual"]
    assert reversal.error == "This saving is a reversal: type an amount in £'000 of 0 or less (-100 for -£100,000)."


def test_filled_template_achieved_and_at_risk_round_trip_exactly(published: Path, tmp_path: Path) -> None:
    from decimal import Decimal

    from csplan import validate_plan

    out = tmp_path / "returns.xlsx"
    book = template(published, out, "--period", "P10")
    sheet = book["Returns P10"]
    rows = {sheet[f"A{r}"].value: r for r in range(5, 12)}
    # In the template's £'000, as its headers say; text with its own scale as typed.
    sheet[f"K{rows['SV01']}"], sheet[f"M{rows['SV01']}"], sheet[f"N{rows['SV01']}"] = 950, 850.0005, "£349.5k"
    sheet[f"K{rows['SV02']}"], sheet[f"N{rows['SV02']}"] = 600, 300  # achieved left empty
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert "2 returns recorded, 0 unchanged, 5 skipped (blank)" in result.stdout
    assert "SV02 P10: achieved £400,000 carried from P09" in result.stdout
    text = (published / "savings.yaml").read_text(encoding="utf-8")
    # In the file's £'000, as it writes forecast:
    assert "      - period: P10\n        forecast: 950\n        achieved: 850.0005\n        at_risk: 349.5\n" in text
    carried = "  # carried from P09"  # in the file, a figure the holder did not give is marked
    assert f"      - period: P10\n        forecast: 600\n        achieved: 400{carried}\n        at_risk: 300\n" in text
    lines = validate_plan(published)[0].savings()[1].lines
    sv01, sv02 = lines[0].progress[-1], lines[1].progress[-1]
    assert (sv01.period, sv01.achieved, sv01.at_risk) == ("P10", Decimal("850000.50"), Decimal("349500"))
    assert (sv02.period, sv02.achieved, sv02.at_risk) == ("P10", Decimal("400000"), Decimal("300000"))
    again = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert again.exit_code == 0 and "0 returns recorded, 2 unchanged" in again.stdout, again.output


def test_a_cleared_achieved_cell_keeps_the_recorded_figure(published: Path, tmp_path: Path) -> None:
    """A blank input cell keeps what is recorded, as a blank delivered or note cell does."""
    from decimal import Decimal

    out = tmp_path / "returns.xlsx"
    book = template(published, out, "--period", "P09")
    sheet = book["Returns P09"]
    sheet["M5"], sheet["N5"] = None, 400  # SV01: achieved emptied, at risk changed (£'000)
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert "changed SV01 P09: at risk £250,000 -> £400,000; kept forecast, achieved" in result.stdout
    assert p09(published, 0) == (Decimal(950000), Decimal(800000), Decimal(400000), None)


def programme_line(data: Path) -> str:
    """The status line that totals achieved and at risk, in pounds (a £'000 file's says £'000)."""
    result = runner.invoke(app, ["savings", "status", "--data", str(data), "--units", "pounds"])
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.stdout.splitlines() if line.startswith("Achieved ")]
    return line


def latest(data: Path, saving: int) -> tuple[object, ...]:
    from csplan import validate_plan

    entry = validate_plan(data)[0].savings()[1].lines[saving].progress[-1]
    return entry.period, entry.forecast, entry.achieved, entry.at_risk


def test_a_new_month_with_only_a_forecast_keeps_achieved_and_at_risk(published: Path, tmp_path: Path) -> None:
    """A holder who gives only P10's forecast has not said nothing is achieved or at
    risk: the figures carry from P09 (said so), and the totals do not move. Before,
    they were dropped: "Achieved £1,433,000, at risk £500,000; 3 savings ..."."""
    from decimal import Decimal

    from csplan import validate_plan

    before = programme_line(published)
    assert before.startswith("Achieved £2,233,000, at risk £750,000; 4 savings leave £577,000")
    out = tmp_path / "returns.xlsx"
    book = template(published, out, "--period", "P10")
    sheet = book["Returns P10"]
    assert (sheet["A5"].value, sheet["M5"].value, sheet["N5"].value) == ("SV01", None, None)
    sheet["K5"] = 900  # SV01's forecast only (£'000, as the template's headers say); every other row untouched
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 0, result.output
    # An untouched row is still "no return this month", not a return with no forecast.
    assert "1 return recorded, 0 unchanged, 6 skipped (blank)" in result.stdout
    assert "SV01 P10: achieved £800,000, at risk £250,000 carried from P09" in result.stdout
    assert "0 for none" in result.stdout
    assert latest(published, 0) == ("P10", Decimal(900000), Decimal(800000), Decimal(250000))
    assert [len(s.progress) for s in validate_plan(published)[0].savings()[1].lines] == [2, 1, 1, 1, 1, 1, 1]
    assert programme_line(published) == before
    again = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert again.exit_code == 0 and "0 returns recorded, 1 unchanged" in again.stdout, again.output


def test_a_new_month_takes_the_figures_a_holder_gives(published: Path, tmp_path: Path) -> None:
    """A changed at risk is the new figure (achieved still carries); 0 says none."""
    from decimal import Decimal

    out = tmp_path / "returns.xlsx"
    book = template(published, out, "--period", "P10")
    sheet = book["Returns P10"]
    sheet["K5"], sheet["N5"] = 950, 400  # SV01 (£'000): at risk up, achieved not given
    sheet["K6"], sheet["M6"], sheet["N6"] = 600, 450, 0  # SV02: nothing at risk now
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert "SV01 P10: achieved £800,000 carried from P09" in result.stdout
    assert "SV02 P10:" not in result.stdout  # gave both: nothing carried
    assert latest(published, 0) == ("P10", Decimal(950000), Decimal(800000), Decimal(400000))
    assert latest(published, 1) == ("P10", Decimal(600000), Decimal(450000), Decimal(0))


def test_returns_for_two_new_months_carry_in_order(published: Path, tmp_path: Path) -> None:
    """P11 carries what P10 gives in the same sheet, not P09's figure."""
    from decimal import Decimal

    sheet = tmp_path / "returns.csv"
    sheet.write_text(
        "id,period,forecast,at risk\nSV01,P11,900000,\nSV01,P10,950000,300000\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["savings", "import", str(sheet), "--data", str(published), "--replace"])
    assert result.exit_code == 0, result.output
    assert "SV01 P11: achieved £800,000, at risk £300,000 carried from P10" in result.stdout
    assert latest(published, 0) == ("P11", Decimal(900000), Decimal(800000), Decimal(300000))


def fill(book: Workbook, period: str, figures: dict[str, dict[str, object]]) -> None:
    """Type ``figures`` (by saving id, then header words) into the template's returns sheet."""
    sheet = book[f"Returns {period}"]
    heads = {str(cell.value).removesuffix(" (£'000)"): cell.column_letter for cell in sheet[4]}
    rows = {sheet[f"A{r}"].value: r for r in range(5, sheet.max_row + 1) if sheet[f"A{r}"].value}
    for saving, cells in figures.items():
        for header, value in cells.items():
            sheet[f"{heads[header]}{rows[saving]}"] = value


def test_an_imported_return_carries_only_what_its_figures_leave_room_for(published: Path, tmp_path: Path) -> None:
    """The review's cases, from a sheet: SV01 delivers its target (blue) and SV02
    forecasts its target (green); neither gets P09's at risk. Said on --dry-run too."""
    from decimal import Decimal

    savings = published / "savings.yaml"
    out = tmp_path / "returns.xlsx"
    book = template(published, out, "--period", "P10")
    # In the template's £'000; achieved and at risk left empty on every row.
    fill(book, "P10", {"SV01": {"Forecast for the year": 1200, "Delivered to date": 1200}})
    fill(book, "P10", {"SV02": {"Forecast for the year": 900}, "SV04": {"Forecast for the year": 350}})
    book.save(out)
    said = [
        "SV01 P10: delivered the target, so achieved £1,200,000, at risk £0, not carried from P09",
        "SV02 P10: achieved £400,000 carried from P09; at risk £300,000 not carried from P09: "
        "the forecast £900,000 makes the target £900,000",
        "SV04 P10: achieved £233,000, at risk £100,000 carried from P09",
    ]
    before = savings.read_bytes()
    dry = runner.invoke(app, ["savings", "import", str(out), "--data", str(published), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert all(line in dry.stderr for line in said), dry.stderr
    assert "+        at_risk: 0  # delivered the target\n" in dry.stdout
    assert savings.read_bytes() == before

    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert "3 returns recorded" in result.stdout
    assert [line for line in result.stdout.splitlines() if line.startswith(("SV01 P10:", "SV02 P10:", "SV04 P10:"))][
        :3
    ] == said
    assert latest(published, 0) == ("P10", Decimal(1200000), Decimal(1200000), Decimal(0))
    assert latest(published, 1) == ("P10", Decimal(900000), Decimal(400000), None)
    text = savings.read_text(encoding="utf-8")
    assert "        achieved: 1200  # delivered the target\n        at_risk: 0  # delivered the target\n" in text
    assert "        forecast: 900\n        achieved: 400  # carried from P09\n  - id: SV03" in text
    assert "        achieved: 233  # carried from P09\n        at_risk: 100  # carried from P09\n" in text
    # SV01 achieved at £1.2m and at risk £0; SV02 no longer counted at risk.
    assert programme_line(published).startswith("Achieved £2,633,000, at risk £200,000;")

    # The template for P10 now shows P10's figures; sent back as it is, nothing changes
    # and the marks stay: repeating what is recorded is not the holder giving it.
    template(published, out, "--period", "P10")
    again = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert again.exit_code == 0 and "0 returns recorded, 3 unchanged" in again.stdout, again.output
    assert savings.read_text(encoding="utf-8") == text


def test_an_import_re_derives_the_figures_carried_or_settled_from_what_it_changes(
    published: Path, tmp_path: Path
) -> None:
    """savings import, like savings update: a corrected P09 achieved reaches the figure
    P10 carried from it, and a delivered cut below the target drops the settled
    figures for the carried ones; a refused sheet changes nothing."""
    from decimal import Decimal

    savings = published / "savings.yaml"
    sheet = tmp_path / "returns.csv"
    sheet.write_text("id,period,forecast,delivered\nSV01,P10,1000000,\nSV03,P10,610000,610000\n", encoding="utf-8")
    assert runner.invoke(app, ["savings", "import", str(sheet), "--data", str(published)]).exit_code == 0
    assert latest(published, 0) == ("P10", Decimal(1000000), Decimal(800000), None)
    assert latest(published, 2) == ("P10", Decimal(610000), Decimal(610000), Decimal(0))
    assert programme_line(published).startswith("Achieved £2,343,000, at risk £500,000;")

    sheet.write_text("id,period,forecast,achieved,delivered\nSV01,P09,,700000,\nSV03,P10,,,500000\n", encoding="utf-8")
    said = [
        "SV01 P10: achieved £700,000 carried from P09 (was £800,000)",
        "SV03 P10: achieved £500,000 carried from P09 (was £610,000, delivered the target)",
        "SV03 P10: at risk £0 carried from P09 (was delivered the target)",
    ]
    # Refused for a bad row: nothing is written, nothing re-derived.
    bad = tmp_path / "bad.csv"
    bad.write_text(sheet.read_text(encoding="utf-8") + "SV02,P10,lots,,\n", encoding="utf-8")
    before = savings.read_bytes()
    refused = runner.invoke(app, ["savings", "import", str(bad), "--data", str(published)])
    assert refused.exit_code == 1 and "nothing was written" in refused.stderr, refused.output
    assert savings.read_bytes() == before
    dry = runner.invoke(app, ["savings", "import", str(sheet), "--data", str(published), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert all(line in dry.stderr for line in said), dry.stderr
    assert "+        achieved: 700  # carried from P09\n" in dry.stdout
    assert savings.read_bytes() == before

    result = runner.invoke(app, ["savings", "import", str(sheet), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert all(line in result.stdout for line in said), result.stdout
    assert latest(published, 0) == ("P10", Decimal(1000000), Decimal(700000), None)
    assert latest(published, 2) == ("P10", Decimal(610000), Decimal(500000), Decimal(0))
    text = savings.read_text(encoding="utf-8")
    assert "        forecast: 1000\n        achieved: 700  # carried from P09\n  - id: SV02" in text
    assert "        delivered: 500\n        achieved: 500  # carried from P09\n        at_risk: 0  # carried" in text
    assert programme_line(published).startswith("Achieved £2,133,000, at risk £500,000;")


def test_an_exponent_under_a_scaled_header_is_refused_in_that_scale(published: Path, tmp_path: Path) -> None:
    """'1e3' under "forecast (£'000)" is named with the column's scale, and its hint
    writes it in £'000 (1000 for £1,000,000), not 1000000 (£1bn there)."""
    sheet = tmp_path / "returns.csv"
    sheet.write_text("id,period,forecast (£'000)\nSV01,P10,1e3\n", encoding="utf-8")
    before = (published / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["savings", "import", str(sheet), "--data", str(published)])
    assert result.exit_code == 1, result.output
    assert f"{sheet}:2:3: error CSP703 forecast (£'000) '1e3': '1e3' is not an amount" in result.stderr
    assert "hint: money is not written with an exponent; write the amount in full, in £'000: 1000 for £1,000,000" in (
        result.stderr
    )
    assert (published / "savings.yaml").read_bytes() == before


def test_a_refused_sheet_carries_nothing(published: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "returns.csv"
    sheet.write_text("id,period,forecast,delivered\nSV01,P10,1200000,1200000\nSV02,P10,lots,\n", encoding="utf-8")
    before = (published / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["savings", "import", str(sheet), "--data", str(published)])
    assert result.exit_code == 1, result.output
    assert "1 of 2 returns refused; nothing was written" in result.stderr
    assert "carried" not in result.output
    assert (published / "savings.yaml").read_bytes() == before


def test_a_bad_at_risk_cell_on_the_template_is_named(published: Path, tmp_path: Path) -> None:
    out = tmp_path / "returns.xlsx"
    book = template(published, out, "--period", "P09")
    sheet = book["Returns P09"]
    sheet["N5"], sheet["M6"] = -250, "lots"
    book.save(out)
    before = (published / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 1, result.output
    assert [line.split(": ", 1)[1] for line in result.stderr.splitlines() if ": error " in line] == [
        "'Returns P09'!N5: error CSP703 at risk (£'000) '-250' is negative",  # as typed, the scale apart
        "'Returns P09'!M6: error CSP703 achieved (£'000) 'lots': 'lots' is not an amount",
    ]
    assert (published / "savings.yaml").read_bytes() == before


def test_at_risk_more_than_the_target_on_a_sheet_is_refused_naming_the_cell(published: Path, tmp_path: Path) -> None:
    out = tmp_path / "returns.xlsx"
    book = template(published, out, "--period", "P10")
    sheet = book["Returns P10"]
    sheet["K5"], sheet["N5"] = 950, 5000  # SV01 (£'000, as the template's headers say): £5m at risk of £1.2m
    sheet["K6"], sheet["M6"] = 600, 950  # SV02: achieved past the target is an over-delivery
    book.save(out)
    before = (published / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published), "--yes"])
    assert result.exit_code == 1, result.output
    assert "1 of 2 returns refused; nothing was written" in result.stderr
    assert [line.split(": ", 1)[1] for line in result.stderr.splitlines() if ": error " in line] == [
        "'Returns P10'!N5: error CSP710 at risk (£'000) '5000' is £5,000,000, more than the target 1,200 (£1,200,000)",
    ]
    assert (published / "savings.yaml").read_bytes() == before


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_yes_no_at_risk_column_is_left_out_with_a_warning(published: Path, tmp_path: Path, kind: str) -> None:
    """Some trackers flag a saving at risk (Y/N) rather than give the amount: such a
    column is not read as amounts (which refused the whole sheet); it is named and left out."""
    from decimal import Decimal

    rows = [["ID", "Period", "Forecast", "At risk", "Achieved"], ["SV01", "P10", 950000, "Yes", 800000]]
    rows += [["SV02", "P10", 600000, "n", None], ["SV03", "P10", 610000, None, None]]
    if kind == "csv":
        out = tmp_path / "tracker.csv"
        out.write_text("\n".join(",".join("" if v is None else str(v) for v in row) for row in rows) + "\n")
        place = f"{out}:1:4"
    else:
        out = tmp_path / "tracker.xlsx"
        book = Workbook()
        book.active.title = "Tracker"
        for row in rows:
            book.active.append([{"Yes": True, "n": False}.get(v, v) if isinstance(v, str) else v for v in row])
        book.save(out)
        place = f"{out}: Tracker!D1"
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert f"{place}: warning CSP711 column 'At risk' holds yes/no, not amounts: left out" in result.stderr
    # not "in pounds": a £'000 tracker's own template reads its amounts in £'000
    assert "  hint: at risk is read as an amount (in pounds, or in the scale its header names)" in result.stderr
    assert "3 returns recorded" in result.stdout
    assert latest(published, 0) == ("P10", Decimal(950000), Decimal(800000), Decimal(250000))  # carried
    # A column of amounts with a stray word is still read as amounts, and the word refused.
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("id,period,forecast,at risk\nSV04,P10,450000,yes\nSV05,P10,300000,1000\n", encoding="utf-8")
    result = runner.invoke(app, ["savings", "import", str(mixed), "--data", str(published)])
    assert result.exit_code == 1 and "error CSP703 at risk 'yes'" in result.stderr, result.output


def test_a_row_refused_for_a_formula_note_is_counted_and_hinted(illustrative: Path, tmp_path: Path) -> None:
    # Such a row was left out of the count ("1 of 1 returns refused" for two filled
    # rows, "2 of 3" for four) and its error had no hint line.
    out = tmp_path / "returns.xlsx"
    book = template(illustrative, out)
    sheet = book["Returns P07"]
    sheet["I5"], sheet["L5"] = 32000, '=CONCAT("Equipment ","deferred")'  # S01
    sheet["I10"] = 600000  # S06
    book.save(out)
    before = (illustrative / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(illustrative)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "csplan: error: 1 of 2 returns refused; nothing was written"
    assert lines[1].endswith("'Returns P07'!L5: error CSP702 note '=CONCAT(\"Equipment \",\"deferred\")' is a formula")
    assert lines[2] == "  hint: type the note itself"
    sheet["I11"] = "lots"  # S07
    sheet["I13"] = 600000  # S09
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(illustrative)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "csplan: error: 2 of 4 returns refused; nothing was written"
    assert (illustrative / "savings.yaml").read_bytes() == before


# -- a workbook in £'000 or £m: a figure means what its header says ----------------------------


def exported(data: Path, out: Path, *units: str) -> Workbook:
    result = runner.invoke(app, ["--data", str(data), *units, "export", str(out)])
    assert result.exit_code == 0, result.output
    return load_workbook(out)


def cell_of(sheet: object, saving: str, header: str) -> object:
    """The cell of ``saving``'s row under ``header`` on an exported Savings sheet."""
    headers = [c.value for c in sheet[1]]  # type: ignore[index]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == saving)  # type: ignore[attr-defined]
    return sheet.cell(row, headers.index(header) + 1)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("example", "units", "unchanged"),
    [
        ("illustrative", ("--units", "thousands"), 11),
        ("illustrative", ("--units", "millions"), 11),
        ("published", (), 7),  # a thousands file is exported in £'000 by default
        ("published", ("--units", "millions"), 7),
    ],
)
def test_a_scaled_export_holds_its_headers_figures_and_comes_back_unchanged(
    folder_copy: FolderCopy, tmp_path: Path, example: str, units: tuple[str, ...], unchanged: int
) -> None:
    from decimal import Decimal

    data = folder_copy(example, example)
    out = tmp_path / "position.xlsx"
    sheet = exported(data, out, *units)["Savings"]
    label, divisor = ("£m", Decimal(1_000_000)) if "millions" in units else ("£'000", Decimal(1000))
    saving = "S04" if example == "illustrative" else "SV01"
    forecast = cell_of(sheet, saving, f"Forecast {label}")
    # The cell holds the figure in the header's scale, exactly, and shows it as it is.
    pounds = Decimal(str(status("--data", str(data))[saving]["forecast"]))
    assert Decimal(str(forecast.value)) == pounds / divisor  # type: ignore[attr-defined]
    assert "," not in forecast.number_format.split(";")[0].removeprefix("#,##")  # type: ignore[attr-defined]
    before = (data / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["--data", str(data), "savings", "import", str(out)])
    assert result.exit_code == 0, result.output
    assert f"0 returns recorded, {unchanged} unchanged" in result.stdout
    assert (data / "savings.yaml").read_bytes() == before


def test_a_figure_typed_in_a_thousands_export_is_read_in_thousands(illustrative: Path, tmp_path: Path) -> None:
    # The new-user trial: 200 typed in S04's "Delivered £'000" was recorded as £200.
    out = tmp_path / "position.xlsx"
    book = exported(illustrative, out, "--units", "thousands")
    cell_of(book["Savings"], "S04", "Delivered £'000").value = 200  # type: ignore[attr-defined]
    book.save(out)
    result = runner.invoke(app, ["--data", str(illustrative), "savings", "import", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 return recorded, 10 unchanged" in result.stdout
    assert "changed S04 P06: delivered £131,500 -> £200,000; kept forecast" in result.stdout
    s04 = status("--data", str(illustrative))["S04"]
    assert (s04["period"], s04["forecast"], s04["delivered"]) == ("P06", 263000, 200000)


def test_achieved_typed_in_a_published_export_and_pence_in_millions(published: Path, tmp_path: Path) -> None:
    from decimal import Decimal

    # A thousands file: 750 typed under "Achieved £'000" is £750,000 (it was £750).
    out = tmp_path / "position.xlsx"
    book = exported(published, out)
    cell_of(book["Savings"], "SV01", "Achieved £'000").value = 750  # type: ignore[attr-defined]
    book.save(out)
    result = runner.invoke(app, ["--data", str(published), "savings", "import", str(out)])
    assert result.exit_code == 0 and "1 return recorded, 6 unchanged" in result.stdout, result.output
    assert p09(published, 0) == (Decimal(950000), Decimal(750000), Decimal(250000), None)
    # In £m, to the penny: 0.95000001 is £950,000.01 ...
    out = tmp_path / "millions.xlsx"
    book = exported(published, out, "--units", "millions")
    cell_of(book["Savings"], "SV01", "Forecast £m").value = 0.95000001  # type: ignore[attr-defined]
    book.save(out)
    result = runner.invoke(app, ["--data", str(published), "savings", "import", str(out)])
    assert result.exit_code == 0 and "1 return recorded, 6 unchanged" in result.stdout, result.output
    assert p09(published, 0)[0] == Decimal("950000.01")
    # ... and a figure past the penny is refused, never rounded.
    cell_of(book["Savings"], "SV01", "Forecast £m").value = 0.950000011  # type: ignore[attr-defined]
    book.save(out)
    before = (published / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["--data", str(published), "savings", "import", str(out)])
    assert result.exit_code == 1, result.output
    refused = result.stderr.splitlines()[1:]
    assert refused[0].endswith(
        "!E2: error CSP703 forecast (£m) '0.950000011': '0.950000011' is 950000.011 pounds, not a whole number of pence"
    ), refused  # the figure the cell holds, never a '0.950000011m' nobody typed
    assert refused[1] == (
        "  hint: the column is in £m: round to the penny, 8 decimal places at most (0.95000001 for £950,000.01)"
    )
    assert (published / "savings.yaml").read_bytes() == before
    # A float the cell holds past the penny (0.95 + 1e-16), or too large: quoted as held, in full digits.
    cell_of(book["Savings"], "SV01", "Forecast £m").value = 0.9500000000000001  # type: ignore[attr-defined]
    cell_of(book["Savings"], "SV02", "Forecast £m").value = 1e16  # type: ignore[attr-defined]
    book.save(out)
    result = runner.invoke(app, ["--data", str(published), "savings", "import", str(out)])
    assert result.exit_code == 1, result.output
    assert [line.split(" error ", 1)[1] for line in result.stderr.splitlines() if " error " in line] == [
        "CSP703 forecast (£m) '0.9500000000000001': '0.9500000000000001' has more than 12 decimal places",
        "CSP703 forecast (£m) '10000000000000000': '10000000000000000' is implausibly large",
    ]
    assert (published / "savings.yaml").read_bytes() == before


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_pound_text_under_a_scaled_header_is_in_that_scale(published: Path, tmp_path: Path, kind: str) -> None:
    """Excel saves a currency-formatted cell to CSV as "£0.80": under "achieved (£m)"
    that is £800,000 (it was read as 80p); only a k/m/bn on the figure is its own scale."""
    from decimal import Decimal

    rows = [
        ["id", "period", "forecast (£m)", "achieved (£m)", "at risk (£m)"],
        ["SV01", "P09", "£0.95", "£0.80", "£0.25"],  # as recorded: unchanged
        ["SV02", "P09", "£600k", "£ 0.45", " £0.3 "],  # £600k is its own scale
        ["SV07", "P09", "(£0.1)", None, None],  # a reversal, in accounting brackets
        ["SV03", "P09", "-£0", "£0.5", "£0"],
    ]
    if kind == "csv":
        sheet = tmp_path / "returns.csv"
        sheet.write_text("\n".join(",".join(c or "" for c in row) for row in rows) + "\n", encoding="utf-8")
    else:
        sheet = tmp_path / "returns.xlsx"
        book = Workbook()
        for row in rows:
            book.active.append(row)  # type: ignore[union-attr]  # text cells, as typed with a £
        book.save(sheet)
    result = runner.invoke(app, ["savings", "import", str(sheet), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert "2 returns recorded, 2 unchanged" in result.stdout, result.stdout
    assert p09(published, 0) == (Decimal(950000), Decimal(800000), Decimal(250000), None)
    assert p09(published, 1) == (Decimal(600000), Decimal(450000), Decimal(300000), None)
    assert p09(published, 2) == (Decimal(0), Decimal(500000), Decimal(0), None)
    assert p09(published, 6)[0] == Decimal(-100000)


def test_a_thousands_header_spelt_without_its_apostrophe_or_with_a_curly_one(published: Path, tmp_path: Path) -> None:
    """Councils' sheets write £'000 as £000, £000s or £’000 (autocorrect's apostrophe):
    each is the scale £'000, not an unknown column refusing the sheet."""
    from decimal import Decimal

    sheet = tmp_path / "returns.csv"
    sheet.write_text(
        "id,period,Forecast £000,Achieved (£’000),At risk (£000s)\nSV01,P09,950,850,350\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["savings", "import", str(sheet), "--data", str(published)])
    assert result.exit_code == 0 and "1 return recorded" in result.stdout, result.output
    assert p09(published, 0) == (Decimal(950000), Decimal(850000), Decimal(350000), None)


@pytest.mark.parametrize(
    ("header", "figure"),
    [
        ("Forecast (£k)", "975"),
        ("Forecast £000's", "975"),
        ("Forecast (£ thousands)", "975"),
        ("Forecast (£K)", "975"),
        ("Forecast (£millions)", "0.975"),
        ("Forecast in £ million", "0.975"),
    ],
)
def test_other_unambiguous_scale_spellings_are_read_in_their_scale(
    published: Path, tmp_path: Path, header: str, figure: str
) -> None:
    """£k, £000's, (£ thousands) and (£millions) can mean only one scale: the figure
    is read in it (975 under "Forecast (£k)" is £975,000), not refused as an unknown column."""
    from decimal import Decimal

    sheet = tmp_path / "returns.csv"
    sheet.write_text(f"id,period,{header}\nSV01,P09,{figure}\n", encoding="utf-8")
    result = runner.invoke(app, ["savings", "import", str(sheet), "--data", str(published)])
    assert result.exit_code == 0 and "1 return recorded" in result.stdout, result.output
    assert p09(published, 0)[0] == Decimal(975000)


@pytest.mark.parametrize(
    ("header", "scale", "meant"),
    [
        ("Forecast (£M)", "£M", "£m"),
        ("Forecast (£bn)", "£bn", "£m"),
        ("Forecast (000s)", "000s", "£'000"),
        ("Forecast (£0000)", "£0000", "£'000"),
        ("Forecast £000,000", "£000,000", "£m"),
        ("Forecast (k)", "k", "£'000"),
    ],
)
def test_a_scale_csplan_does_not_read_is_refused_naming_its_cell(
    published: Path, tmp_path: Path, header: str, scale: str, meant: str
) -> None:
    """A header naming a scale csplan does not read is refused with CSP714, naming the
    header's cell, the header as typed and the spelling that would be read; its figure
    is neither read as pounds nor guessed, and the file is untouched."""
    savings = published / "savings.yaml"
    before = savings.read_bytes()
    sheet = tmp_path / "returns.csv"
    sheet.write_text(f'id,period,Delivered (£\'000),"{header}"\nSV01,P09,10,950\n', encoding="utf-8")
    result = runner.invoke(app, ["savings", "import", str(sheet), "--data", str(published)])
    assert result.exit_code == 1, result.output
    assert f"{sheet}:1:4: error CSP714 header {header!r} names a scale csplan does not read ({scale!r})" in (
        result.stderr
    )
    assert f"did you mean {meant}?" in result.stderr or "csplan has no £bn" in result.stderr, result.stderr
    assert "CSP700" not in result.stderr and "CSP701" not in result.stderr
    assert savings.read_bytes() == before


def test_a_refused_scale_on_an_xlsx_names_the_sheet_and_cell(published: Path, tmp_path: Path) -> None:
    """On a workbook, the refusal names the sheet and the header's cell reference."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Tracker"
    sheet.append(["Savings tracker"])
    sheet.append(["ID", "Period", "Forecast (£M)"])
    sheet.append(["SV01", "P09", 0.95])
    path = tmp_path / "tracker.xlsx"
    book.save(path)
    result = runner.invoke(app, ["savings", "import", str(path), "--data", str(published)])
    assert result.exit_code == 1, result.output
    assert f"{path}: Tracker!C2: error CSP714 header 'Forecast (£M)'" in result.stderr, result.stderr
    assert "did you mean £m?" in result.stderr


def test_a_bare_amount_header_beside_a_scaled_one_is_refused(illustrative: Path, tmp_path: Path) -> None:
    """'At risk' beside 'Forecast (£k)': pounds or £'000? A thousandfold apart, so the
    sheet is refused (CSP714) naming the header's cell and column and the scale beside,
    rather than recording at risk £100 where £100,000 was likely meant."""
    savings = illustrative / "savings.yaml"
    before = savings.read_bytes()
    sheet = tmp_path / "t.csv"
    sheet.write_text("ID,Forecast (£k),At risk,Delivered\nS06,700,100,5\n", encoding="utf-8")
    result = runner.invoke(app, ["savings", "import", str(sheet), "-p", "P08", "--data", str(illustrative)])
    assert result.exit_code == 1, result.output
    assert (
        f"{sheet}:1:3: error CSP714 header 'At risk' (column C) names no scale beside 'Forecast (£k)' (column B): "
        "its figures could be pounds or £'000, so nothing is read" in result.stderr
    ), result.stderr
    assert f"{sheet}:1:4: error CSP714 header 'Delivered' (column D) names no scale" in result.stderr
    assert "hint: label the header with its scale: 'Delivered (£'000)' if its figures are in £'000, or " in (
        result.stderr
    )
    assert savings.read_bytes() == before


def test_a_bare_amount_header_in_a_workbook_is_named_by_its_cell(illustrative: Path, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Tracker"
    sheet.append(["ID", "Forecast (£m)", "Delivered to date"])
    sheet.append(["S06", 0.7, 100])
    path = tmp_path / "tracker.xlsx"
    book.save(path)
    before = (illustrative / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["savings", "import", str(path), "-p", "P08", "--data", str(illustrative)])
    assert result.exit_code == 1, result.output
    assert f"{path}: Tracker!C1: error CSP714 header 'Delivered to date' names no scale beside " in result.stderr
    assert "'Forecast (£m)' (Tracker!B1): its figures could be pounds or £m" in result.stderr, result.stderr
    assert (illustrative / "savings.yaml").read_bytes() == before


@pytest.mark.parametrize("header", ["At risk (£)", "At risk £"])
def test_a_header_saying_pounds_beside_a_scaled_one_is_pounds(illustrative: Path, tmp_path: Path, header: str) -> None:
    sheet = tmp_path / "t.csv"
    sheet.write_text(f'ID,Forecast (£k),"{header}"\nS06,700,100\n', encoding="utf-8")
    result = runner.invoke(app, ["savings", "import", str(sheet), "-p", "P08", "--data", str(illustrative)])
    assert result.exit_code == 0 and "1 return recorded" in result.stdout, result.output
    text = (illustrative / "savings.yaml").read_text(encoding="utf-8")
    assert "- period: P08\n        forecast: 700000\n        at_risk: 100\n" in text, text


@pytest.mark.parametrize("units", [None, "thousands", "millions", "pounds"])
@pytest.mark.parametrize("example", ["illustrative", "published"])
def test_csplans_own_sheets_label_every_amount_alike_and_import_unchanged(
    folder_copy: FolderCopy, tmp_path: Path, units: str | None, example: str
) -> None:
    """The export, the status CSV (in each --units) and the template never mix a scaled
    amount header with a bare one, so each imports back as it is: nothing refused."""
    folder = folder_copy(example)
    data = ["--data", str(folder)]
    scale = ["--units", units] if units else []
    before = (folder / "savings.yaml").read_bytes()
    export, csv, template = tmp_path / "x.xlsx", tmp_path / "s.csv", tmp_path / "t.xlsx"
    assert runner.invoke(app, [*data, "export", str(export), *scale]).exit_code == 0
    shown = runner.invoke(app, [*data, "savings", "status", "-f", "csv", *scale])
    assert shown.exit_code == 0, shown.output
    csv.write_text(shown.stdout, encoding="utf-8")
    made = runner.invoke(app, [*data, "savings", "template", "-p", "P09", "-o", str(template)])
    assert made.exit_code == 0, made.output
    for sheet in (export, csv, template):
        result = runner.invoke(app, [*data, "savings", "import", str(sheet)])
        assert result.exit_code == 0 and "CSP714" not in result.stderr, (sheet.name, result.output)
        assert (folder / "savings.yaml").read_bytes() == before, sheet.name


@pytest.mark.parametrize(
    ("units", "delivered", "written"),
    [("millions", "5", "5e-06"), ("millions", "99.99", "9.999e-05"), ("thousands", "0.05", "5e-05")],
)
def test_a_scaled_export_of_a_small_figure_comes_back(
    illustrative: Path, tmp_path: Path, units: str, delivered: str, written: str
) -> None:
    """openpyxl writes a number as "%.16g": £5 in £m is <v>5e-06</v>, which import
    refused as money written with an exponent. It is the figure 0.000005, exactly."""
    from decimal import Decimal

    savings = illustrative / "savings.yaml"
    savings.write_text(
        savings.read_text(encoding="utf-8").replace("delivered: 131500", f"delivered: {delivered}"), encoding="utf-8"
    )
    out = tmp_path / "position.xlsx"
    exported(illustrative, out, "--units", units)
    with zipfile.ZipFile(out) as archive:
        assert f"<v>{written}</v>" in archive.read("xl/worksheets/sheet1.xml").decode()
    before = savings.read_bytes()
    result = runner.invoke(app, ["--data", str(illustrative), "savings", "import", str(out)])
    assert result.exit_code == 0, result.output
    assert "0 returns recorded, 11 unchanged" in result.stdout
    assert savings.read_bytes() == before
    assert Decimal(str(status("--data", str(illustrative))["S04"]["delivered"])) == Decimal(delivered)


def test_a_display_scaled_cell_holds_pounds_whatever_its_header(illustrative: Path, tmp_path: Path) -> None:
    """csplan's exports before 2026-11, and many councils' own sheets, keep pounds in a
    cell whose format shows them in thousands (#,##0,): such a cell is read as pounds."""
    out = tmp_path / "returns.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["ID", "Period", "Forecast £'000", "Delivered (£'000)", "Note"])
    sheet.append(["S04", "P06", 263000, 200000, None])  # display-scaled: pounds
    sheet.append(["S06", "P06", 550, None, "Consultation delayed"])  # a plain number: £'000
    sheet.append(["S07", "P06", 400000, None, None])  # £m format with its "m": pounds
    for cell in ("C2", "D2"):
        sheet[cell].number_format = "#,##0,;(#,##0,);0"
    sheet["C4"].number_format = '"£"#,##0.000,,"m"'
    book.save(out)
    result = runner.invoke(app, ["--data", str(illustrative), "savings", "import", str(out)])
    assert result.exit_code == 0, result.output
    shown = status("--data", str(illustrative))
    assert (shown["S04"]["forecast"], shown["S04"]["delivered"]) == (263000, 200000)
    assert shown["S06"]["forecast"] == 550000
    assert shown["S07"]["forecast"] == 400000


def test_a_thousands_trackers_template_reads_what_the_holder_types_in_thousands(
    illustrative: Path, published: Path, tmp_path: Path
) -> None:
    from decimal import Decimal

    # A pounds file's template is in pounds, as before.
    plain = template(illustrative, tmp_path / "plain.xlsx")["Returns P07"]
    assert (plain["D4"].value, plain["D5"].value, plain["I4"].value) == ("Target", 32000, "Forecast for the year")
    # A £'000 tracker's: 131.5 typed under "Delivered to date (£'000)" is £131,500.
    out = tmp_path / "returns.xlsx"
    book = template(published, out, "--period", "P10")
    sheet = book["Returns P10"]
    assert (sheet["D4"].value, sheet["D8"].value) == ("Target (£'000)", 450)  # SV04's £450,000
    assert sheet["L4"].value == "Delivered to date (£'000)"
    sheet["K8"], sheet["L8"] = 450, 131.5
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 0 and "1 return recorded" in result.stdout, result.output
    from csplan import validate_plan

    entry = validate_plan(published)[0].savings()[1].lines[3].progress[-1]
    assert (entry.period, entry.forecast, entry.delivered) == ("P10", Decimal(450000), Decimal(131500))
    how = "\n".join(str(c.value) for row in book["How to fill this in"].iter_rows() for c in row if c.value)
    assert "in £'000 (600)" in how and "in pounds" not in how


# -- a template sent before a correction: the correction is never silently undone ---------------


def sv02_p11(data: Path) -> tuple[object, ...]:
    from csplan import validate_plan

    entry = validate_plan(data)[0].savings()[1].lines[1].progress[-1]
    return entry.period, entry.forecast, entry.note


def sent_then_corrected(data: Path, out: Path, *correction: str) -> Workbook:
    """SV02's P11 return recorded at £700,000 with a note, the template sent, then
    ``correction`` (savings update options) recorded by hand. The sheet as sent."""
    first = runner.invoke(
        app, ["--data", str(data), "savings", "update", "SV02", "-p", "P11", "--forecast", "700", "--note", "Route A"]
    )
    assert first.exit_code == 0, first.output
    book = template(data, out, "--period", "P11")
    if correction:
        again = runner.invoke(app, ["--data", str(data), "savings", "update", "SV02", "-p", "P11", *correction])
        assert again.exit_code == 0, again.output
    return book


def sent_findings(stderr: str) -> list[str]:
    """The CSP712/CSP713 lines of an import's stderr, each with its hint (the data
    file's own warnings, printed as validate prints them, left out)."""
    lines = stderr.splitlines()
    found = [i for i, line in enumerate(lines) if " CSP712 " in line or " CSP713 " in line]
    return [lines[j] for i in found for j in (i, i + 1)]


def template_cell(book: Workbook, saving: str, header: str) -> Any:
    """The cell of ``saving``'s row under the header starting ``header`` on the returns sheet."""
    sheet = book.worksheets[0]
    headers = [str(c.value) for c in sheet[4]]
    row = next(r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 1).value == saving)
    return sheet.cell(row, next(i for i, h in enumerate(headers, start=1) if h.startswith(header)))


def test_an_untouched_cell_keeps_a_correction_recorded_since_the_sheet_was_sent(
    published: Path, tmp_path: Path
) -> None:
    from decimal import Decimal

    out = tmp_path / "returns.xlsx"
    sent_then_corrected(published, out, "--forecast", "720", "--note", "Route B")
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert sv02_p11(published) == ("P11", Decimal(720000), "Route B")
    assert "0 returns recorded, 1 unchanged" in result.stdout and "changed SV02" not in result.stdout
    assert sent_findings(result.stderr) == [
        f"{out}: 'Returns P11'!K6: warning CSP712 SV02 P11 forecast: kept 720 (£720,000) recorded since the sheet "
        "was sent (the sheet still shows 700 (£700,000))",
        "  hint: the holder left it as sent; if 700 (£700,000) is right after all: "
        f"csplan savings update SV02 --period P11 --forecast 700 --data {published}",
        f"{out}: 'Returns P11'!P6: warning CSP712 SV02 P11 note: kept 'Route B' recorded since the sheet was "
        "sent (the sheet still shows 'Route A')",
        "  hint: the holder left it as sent; if 'Route A' is right after all: "
        f"csplan savings update SV02 --period P11 --note 'Route A' --data {published}",
    ]


def test_a_holders_own_change_lands_beside_a_kept_correction(published: Path, tmp_path: Path) -> None:
    from decimal import Decimal

    out = tmp_path / "returns.xlsx"
    book = sent_then_corrected(published, out, "--forecast", "720")
    template_cell(book, "SV02", "Note").value = "Route A, phase 2 from March"  # nobody changed the note since
    template_cell(book, "SV01", "Forecast").value = 900  # SV01 had no return for P11
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert sv02_p11(published) == ("P11", Decimal(720000), "Route A, phase 2 from March")
    assert "changed SV02 P11: note 'Route A' -> 'Route A, phase 2 from March'" in result.stdout
    assert "2 returns recorded" in result.stdout and "kept 720 (£720,000)" in result.stderr
    # No correction since the sheet went out: the holder's figure is taken, as always.
    again = tmp_path / "again.xlsx"
    book = template(published, again, "--period", "P11")
    template_cell(book, "SV02", "Forecast").value = 650
    book.save(again)
    result = runner.invoke(app, ["savings", "import", str(again), "--data", str(published)])
    assert result.exit_code == 0 and sent_findings(result.stderr) == [], result.output
    assert "changed SV02 P11: forecast £720,000 -> £650,000" in result.stdout


def test_a_holders_change_to_a_figure_corrected_since_is_refused(published: Path, tmp_path: Path) -> None:
    out = tmp_path / "returns.xlsx"
    book = sent_then_corrected(published, out, "--forecast", "720")
    template_cell(book, "SV02", "Forecast").value = 710
    template_cell(book, "SV01", "Forecast").value = 900  # a good row: not written either
    book.save(out)
    before = (published / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 1
    assert (published / "savings.yaml").read_bytes() == before
    assert "1 of 2 returns refused; nothing was written" in result.stderr
    assert (
        f"{out}: 'Returns P11'!K6: error CSP713 SV02 P11 forecast: the sheet says 710 (£710,000) but 720 "
        "(£720,000) was recorded since the sheet was sent with 700 (£700,000)"
    ) in result.stderr
    # SV01's new figure proves the sheet was not imported before: no 'nothing needs doing'.
    assert "imported before" not in result.stderr
    assert (
        f"hint: re-send the template (csplan savings template --period P11 -o FILE.xlsx --data {published}) for the "
        f"holder to check, or record the figure meant: csplan savings update SV02 --period P11 --forecast 710 --data "
        f"{published}"
    ) in result.stderr
    # The same change made both ways is no conflict.
    template_cell(book, "SV02", "Forecast").value = 720
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 0 and "1 return recorded, 1 unchanged" in result.stdout, result.output


def test_owner_or_division_in_a_file_whose_savings_give_none_is_said_so(
    folder_copy: FolderCopy, tmp_path: Path
) -> None:
    """examples/published names no owner: --owner is told so, not 'no saving matches';
    where the savings give a division, --division is offered instead."""
    published = folder_copy("published")
    args = ["savings", "template", "--period", "P10", "-o", str(tmp_path / "x.xlsx"), "--data", str(published)]
    result = runner.invoke(app, [*args, "--owner", "Head"])
    assert result.exit_code == 2 and not (tmp_path / "x.xlsx").exists()
    assert result.stderr.splitlines()[-2:] == [
        f"csplan: error: --owner 'Head': no saving in {published / 'savings.yaml'} has an owner (its budget holder)",
        "  hint: add `owner:` to each saving",
    ]
    path = published / "savings.yaml"
    path.write_text(path.read_text().replace("    amount: 1,200\n", "    amount: 1,200\n    division: Placements\n"))
    result = runner.invoke(app, [*args, "--owner", "Head"])
    assert result.stderr.splitlines()[-1] == "  hint: add `owner:` to each saving, or use --division"
    result = runner.invoke(app, [*args, "--division", "Placements"])
    assert result.exit_code == 0 and "1 saving for P10" in result.stdout, result.output


def test_a_sheet_imported_again_after_a_correction_says_so_and_how_to_send_it_again(
    illustrative: Path, tmp_path: Path
) -> None:
    """Imported, corrected by finance, imported again unchanged: csplan cannot tell this
    from a holder's change over a correction (it keeps no record of where a figure came
    from), so it refuses as before, but says the sheet may be one imported before, that
    the correction is what stays recorded, and that nothing else on the sheet would
    change; the command to send it again keeps the template's --owner and --division,
    recorded on its as-sent sheet."""
    out = tmp_path / "adm-P07.xlsx"
    chosen = ["--owner", "admissions", "--division", "Education"]
    made = runner.invoke(
        app, ["savings", "template", "-p", "P07", *chosen, "-o", str(out), "--data", str(illustrative)]
    )
    assert made.exit_code == 0, made.output
    book = load_workbook(out)
    assert [c.value for c in book["csplan as sent"][1]][1:5] == ["division", "Education", "owner", "admissions"]
    template_cell(book, "S07", "Forecast").value = 450000
    book.save(out)
    first = runner.invoke(app, ["savings", "import", str(out), "--data", str(illustrative)])
    assert first.exit_code == 0 and "1 return recorded" in first.stdout, first.output
    fixed = runner.invoke(
        app, ["savings", "update", "S07", "--period", "P07", "--forecast", "440000", "--data", str(illustrative)]
    )
    assert fixed.exit_code == 0, fixed.output
    before = (illustrative / "savings.yaml").read_bytes()
    again = runner.invoke(app, ["savings", "import", str(out), "--data", str(illustrative)])
    assert again.exit_code == 1 and (illustrative / "savings.yaml").read_bytes() == before
    lines = again.stderr.splitlines()
    at = next(i for i, line in enumerate(lines) if " CSP713 " in line)
    assert lines[at:] == [
        f"{out}: 'Returns P07'!I5: error CSP713 S07 P07 forecast: the sheet says £450,000 but £440,000 was recorded "
        "since the sheet was sent with it empty (if this sheet was imported before, £440,000 is a correction made "
        "since: it is what stays recorded)",
        "  hint: if it was imported before, nothing needs doing; make a fresh template for new figures (csplan "
        f"savings template --period P07 --division Education --owner admissions -o FILE.xlsx --data {illustrative}); "
        "if not, re-send it for the holder to check, or record the figure meant: csplan savings update S07 --period "
        f"P07 --forecast 450000 --data {illustrative}",
        "  then: nothing was changed; every other figure on the sheet is already recorded, so if this sheet was "
        "imported before, the figures above are corrections made since, which stand, and nothing needs doing; if "
        "not, settle each conflict as its hint says",
    ]
    # The command in the hint, pasted, makes the same sheet: the same two savings.
    fresh = tmp_path / "fresh.xlsx"
    args = ["savings", "template", "--period", "P07", "--division", "Education", "--owner", "admissions"]
    remade = runner.invoke(app, [*args, "-o", str(fresh), "--data", str(illustrative)])
    assert remade.exit_code == 0 and "2 savings for P07" in remade.stdout, remade.output


def test_a_conflict_says_the_rest_of_its_row_is_not_recorded_and_how_to_record_it(
    published: Path, tmp_path: Path
) -> None:
    """A row in conflict loses nothing silently: its hint gives the update for the rest
    of the row (the figures the holder changed that nobody else did), and the refusal
    says nothing of the sheet was recorded and that importing it again, once the sheet's
    figure is recorded, records the rest. Both ways are followed here."""
    from csplan import validate_plan

    out = tmp_path / "returns.xlsx"
    book = sent_then_corrected(published, out, "--forecast", "720")
    for header, value in (("Forecast", 710), ("Achieved", 450), ("At risk", 150), ("Note", "Route C")):
        template_cell(book, "SV02", header).value = value
    book.save(out)
    kept = tmp_path / "kept"
    shutil.copytree(published, kept)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    at = next(i for i, line in enumerate(lines) if " CSP713 " in line)
    assert lines[at + 2 :] == [
        "  hint: the rest of this row, not in conflict, is not recorded either: csplan savings update SV02 "
        f"--period P11 --achieved 450 --at-risk 150 --note 'Route C' --data {published}",
        "  then: nothing from the sheet was recorded, neither its other rows nor the rest of a row in conflict; "
        "once the sheet's figure is recorded for each conflict, importing the sheet again records the rest "
        "(where the recorded figure stands, record the rest of its row as above, and send the sheet out again "
        "for the others)",
    ]

    def sv02(data: Path) -> tuple[object, ...]:
        entry = validate_plan(data)[0].savings()[1].lines[1].progress[-1]
        return entry.period, entry.forecast, entry.achieved, entry.at_risk, entry.note

    # The sheet's figure recorded, the same sheet imported again records the rest.
    fix = runner.invoke(app, ["--data", str(published), "savings", "update", "SV02", "-p", "P11", "--forecast", "710"])
    assert fix.exit_code == 0, fix.output
    again = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert again.exit_code == 0, again.output
    assert sv02(published) == ("P11", 710000, 450000, 150000, "Route C")
    # Finance's figure stands: the rest of the row, as the hint gives it, beside it.
    rest = ["savings", "update", "SV02", "--period", "P11", "--achieved", "450", "--at-risk", "150"]
    done = runner.invoke(app, [*rest, "--note", "Route C", "--data", str(kept)])
    assert done.exit_code == 0, done.output
    assert sv02(kept) == ("P11", 720000, 450000, 150000, "Route C")


def test_imported_before_is_said_only_where_nothing_else_on_the_sheet_would_change(
    published: Path, tmp_path: Path
) -> None:
    """The reviewer's case: a P10 template sent, finance records SV01's forecast (£900,000),
    then the holder types 910, delivered 550 and at risk 300. The delivered and at risk
    are not recorded, so the sheet was not imported before: saying 'if it was imported
    before, nothing needs doing' would lead an officer to drop them. Only where every
    other cell is already recorded (the same sheet imported, then corrected) is it said."""
    out = tmp_path / "returns.xlsx"
    book = template(published, out, "--period", "P10")
    for header, value in (("Forecast", 910), ("Delivered", 550), ("At risk", 300)):
        template_cell(book, "SV01", header).value = value
    book.save(out)
    sheet = out.read_bytes()
    fresh = tmp_path / "fresh"
    shutil.copytree(published, fresh)

    def refused(data: Path) -> list[str]:
        before = (data / "savings.yaml").read_bytes()
        result = runner.invoke(app, ["savings", "import", str(out), "--data", str(data)])
        assert result.exit_code == 1, result.output
        assert (data / "savings.yaml").read_bytes() == before and out.read_bytes() == sheet
        lines = result.stderr.splitlines()
        return lines[next(i for i, line in enumerate(lines) if " CSP713 " in line) :]

    # Not imported before: the recorded forecast is not a correction of this sheet's.
    recorded = runner.invoke(
        app, ["--data", str(published), "savings", "update", "SV01", "-p", "P10", "--forecast", "900"]
    )
    assert recorded.exit_code == 0, recorded.output
    lines = refused(published)
    assert "imported before" not in "\n".join(lines)
    assert lines[:2] == [
        f"{out}: 'Returns P10'!K5: error CSP713 SV01 P10 forecast: the sheet says 910 (£910,000) but 900 (£900,000) "
        "was recorded since the sheet was sent with it empty",
        f"  hint: re-send the template (csplan savings template --period P10 -o FILE.xlsx --data {published}) for the "
        f"holder to check, or record the figure meant: csplan savings update SV01 --period P10 --forecast 910 "
        f"--data {published}",
    ]
    assert lines[-2:] == [
        f"{REST_OF_ROW}csplan savings update SV01 --period P10 --delivered 550 --data {published}",
        CONFLICTS_SETTLED,
    ]
    assert " CSP713 SV01 P10 at risk: the sheet says 300 (£300,000) but 250 (£250,000) was carried from P09" in lines[2]

    # Imported before, then corrected: every other cell is recorded, so the hedge is said.
    first = runner.invoke(app, ["savings", "import", str(out), "--data", str(fresh)])
    assert first.exit_code == 0 and "1 return recorded" in first.stdout, first.output
    corrected = runner.invoke(
        app, ["--data", str(fresh), "savings", "update", "SV01", "-p", "P10", "--forecast", "900"]
    )
    assert corrected.exit_code == 0, corrected.output
    lines = refused(fresh)
    assert lines == [
        f"{out}: 'Returns P10'!K5: error CSP713 SV01 P10 forecast: the sheet says 910 (£910,000) but 900 (£900,000) "
        "was recorded since the sheet was sent with it empty (if this sheet was imported before, 900 (£900,000) is "
        "a correction made since: it is what stays recorded)",
        "  hint: if it was imported before, nothing needs doing; make a fresh template for new figures (csplan "
        f"savings template --period P10 -o FILE.xlsx --data {fresh}); if not, re-send it for the holder to check, "
        f"or record the figure meant: csplan savings update SV01 --period P10 --forecast 910 --data {fresh}",
        IMPORTED_BEFORE,
    ]
    # Two figures of the row corrected since, nothing else: still as if imported before.
    again = ["savings", "update", "SV01", "-p", "P10", "--delivered", "540", "--data", str(fresh)]
    assert runner.invoke(app, again).exit_code == 0
    lines = refused(fresh)
    assert [line.split(": ")[-1] for line in lines if "CSP713" in line] == [
        "it is what stays recorded)",
        "it is what stays recorded)",
    ]
    assert lines[-1] == IMPORTED_BEFORE


def export(data: Path, out: Path, *args: str) -> Workbook:
    result = runner.invoke(app, ["export", str(out), "--data", str(data), *args])
    assert result.exit_code == 0, result.output
    return load_workbook(out)


def export_cell(book: Workbook, saving: str, header: str) -> Any:
    """The cell of ``saving``'s row under the header starting ``header`` on the export's Savings sheet."""
    sheet = book["Savings"]
    headers = [str(c.value) for c in sheet[1]]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == saving)
    return sheet.cell(row, next(i for i, h in enumerate(headers, start=1) if h.startswith(header)))


def test_an_export_records_what_it_was_sent_with_very_hidden_and_protected(illustrative: Path, tmp_path: Path) -> None:
    book = export(illustrative, tmp_path / "position.xlsx", "--period", "P08")
    assert book.sheetnames[0] == "Savings" and book.sheetnames[-1] == "csplan as sent"
    sent = book["csplan as sent"]
    assert [s.sheet_state for s in book.worksheets] == ["visible"] * (len(book.sheetnames) - 1) + ["veryHidden"]
    assert sent.protection.sheet
    rows = {row[0]: row for row in sent.iter_rows(min_row=3, values_only=True)}
    assert [c.value for c in sent[2]] == ["id", "period", "forecast", "delivered", "note", "achieved", "at_risk"]
    # Keyed by the period of the return each row shows (S06's latest at P08 is P06);
    # amounts as exact pounds, text cells; a saving with no return has no row.
    assert rows["S06"] == ("S06", "P06", "600000", None, "Consultation delayed", None, None)
    assert "S10" not in rows and all(c.data_type == "s" for row in sent.iter_rows() for c in row if c.value)


def test_an_exported_cell_left_as_exported_keeps_a_correction_recorded_since(
    illustrative: Path, tmp_path: Path
) -> None:
    """The README's monthly loop sends exports back: a figure finance corrected after the
    workbook went out is not undone by a cell left as exported (CSP712), and a cell
    someone changed over it is refused (CSP713), both as for the template."""
    first = csplan(illustrative, "savings", "update", "S06", "-p", "P08", "--forecast", "690000", "--note", "first")
    assert first.exit_code == 0, first.output
    out = tmp_path / "stale.xlsx"
    book = export(illustrative, out, "--period", "P08")
    fixed = ["savings", "update", "S06", "-p", "P08", "--forecast", "720000", "--note", "corrected by finance"]
    assert csplan(illustrative, *fixed).exit_code == 0
    savings = illustrative / "savings.yaml"
    before = savings.read_bytes()
    result = csplan(illustrative, "savings", "import", str(out))
    assert result.exit_code == 0, result.output
    assert savings.read_bytes() == before
    assert "0 returns recorded, 11 unchanged" in result.stdout and "changed S06" not in result.stdout
    forecast = export_cell(book, "S06", "Forecast").coordinate
    assert sent_findings(result.stderr)[:2] == [
        f"{out}: Savings!{forecast}: warning CSP712 S06 P08 forecast: kept £720,000 recorded since the sheet was "
        "sent (the sheet still shows £690,000)",
        "  hint: the holder left it as sent; if £690,000 is right after all: "
        f"csplan savings update S06 --period P08 --forecast 690000 --data {illustrative}",
    ]

    export_cell(book, "S06", "Forecast").value = 700000
    as_exported = export_cell(book, "S09", "Forecast").value
    export_cell(book, "S09", "Forecast").value = 500000  # a good row: not written either
    book.save(out)
    result = csplan(illustrative, "savings", "import", str(out))
    assert result.exit_code == 1 and savings.read_bytes() == before
    # S09's new figure proves the workbook was not imported before: no 'nothing needs doing'.
    assert "imported before" not in result.stderr
    assert (
        f"{out}: Savings!{forecast}: error CSP713 S06 P08 forecast: the sheet says £700,000 but £720,000 was "
        "recorded since the sheet was sent with £690,000\n"
        f"  hint: export the workbook again (csplan export FILE.xlsx --data {illustrative}) for whoever edited it to "
        "check, or record the figure meant: "
    ) in result.stderr
    # S09 back as exported, S06 alone would change, as if imported before: the hedge is said.
    export_cell(book, "S09", "Forecast").value = as_exported
    book.save(out)
    result = csplan(illustrative, "savings", "import", str(out))
    assert result.exit_code == 1 and savings.read_bytes() == before
    assert (
        f"hint: if it was imported before, nothing needs doing; make a fresh export for new figures (csplan export "
        f"FILE.xlsx --data {illustrative}); if not, export it again for whoever edited it to check, or record the "
        "figure meant: "
    ) in result.stderr


def carried_into_p10(data: Path) -> None:
    """SV01-SV03 given a P10 forecast: achieved and at risk carried from P09, marked so."""
    for saving in ("SV01", "SV02", "SV03"):
        result = csplan(data, "savings", "update", saving, "-p", "P10", "--forecast", "900")
        assert result.exit_code == 0, result.output
    assert (data / "savings.yaml").read_text().count("# carried from P09") == 5


@pytest.mark.parametrize("example", ["published", "illustrative"])
def test_an_untouched_export_or_template_imports_as_nothing_and_keeps_carried_marks(
    folder_copy: FolderCopy, tmp_path: Path, example: str
) -> None:
    """A workbook csplan wrote and nobody changed writes nothing when it comes back: not
    a mark dropped (a carried figure left as sent is still csplan's, so a correction of
    P09 still flows into P10), files byte for byte the same."""
    data = folder_copy(example, example)
    if example == "published":  # £'000, with carried figures
        carried_into_p10(data)
    before = {path.name: path.read_bytes() for path in data.iterdir() if path.is_file()}
    books = [("export", ()), ("export", ("--period", "P06")), ("export", ("--units", "millions"))]
    books += [("template", ("--period", period)) for period in ("P06", "P09", "P10")]
    for kind, args in books:
        out = tmp_path / f"{kind}.xlsx"
        if kind == "export":
            export(data, out, *args)
        else:
            template(data, out, *args)
        result = csplan(data, "savings", "import", str(out))
        assert result.exit_code == 0, (kind, args, result.output)
        assert "0 returns recorded" in result.stdout and "nothing to write" in result.stdout, (kind, args)
        assert "CSP712" not in result.stderr and "changed " not in result.stdout
        assert {path.name: path.read_bytes() for path in data.iterdir() if path.is_file()} == before, (kind, args)


def test_an_edited_export_records_that_change_and_the_untouched_marks_stay(published: Path, tmp_path: Path) -> None:
    carried_into_p10(published)
    out = tmp_path / "position.xlsx"
    book = export(published, out)
    export_cell(book, "SV01", "Forecast").value = 950  # £'000, as the export shows it
    book.save(out)
    savings = published / "savings.yaml"
    before = savings.read_text()
    result = csplan(published, "savings", "import", str(out))
    assert result.exit_code == 0, result.output
    assert "1 return recorded, 6 unchanged" in result.stdout
    assert "changed SV01 P10: forecast £900,000 -> £950,000; kept achieved, at risk" in result.stdout
    # Only the forecast moved: the carried figures left as exported are still csplan's.
    assert savings.read_text() == before.replace(
        "        forecast: 900\n        achieved: 800  # carried from P09\n",
        "        forecast: 950\n        achieved: 800  # carried from P09\n",
    )
    assert savings.read_text().count("# carried from P09") == 5


def test_an_export_without_its_as_sent_record_imports_as_before(published: Path, tmp_path: Path) -> None:
    """An export written before the record existed: every figure it shows is taken as
    the sheet's own, as always (a carried figure it repeats becomes the holder's)."""
    carried_into_p10(published)
    out = tmp_path / "position.xlsx"
    book = export(published, out)
    book.remove(book["csplan as sent"])
    book.save(out)
    result = csplan(published, "savings", "import", str(out))
    assert result.exit_code == 0, result.output
    assert "changed SV01 P10: achieved and at risk given, no longer marked carried" in result.stdout
    assert (published / "savings.yaml").read_text().count("# carried from P09") == 0


def test_a_template_without_its_as_sent_record_imports_as_before(published: Path, tmp_path: Path) -> None:
    """A template written before the record existed (or its rows pasted into another
    workbook) has nothing to compare with: the sheet's figure is taken, as always."""
    from decimal import Decimal

    out = tmp_path / "returns.xlsx"
    book = sent_then_corrected(published, out, "--forecast", "720")
    book.remove(book["csplan as sent"])
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert "changed SV02 P11: forecast £720,000 -> £700,000" in result.stdout and "CSP712" not in result.stderr
    assert sv02_p11(published) == ("P11", Decimal(700000), "Route A")


def test_a_month_sent_empty_and_recorded_since_is_not_overwritten_by_the_holder(
    published: Path, tmp_path: Path
) -> None:
    """Two officers record the same new month: the sheet went out with SV02's P11 cells
    empty, finance recorded £720,000, then the holder typed £710,000. Neither wins silently;
    a row the holder left empty stays as recorded."""
    out = tmp_path / "returns.xlsx"
    book = template(published, out, "--period", "P11")
    recorded = runner.invoke(
        app, ["--data", str(published), "savings", "update", "SV02", "-p", "P11", "--forecast", "720"]
    )
    assert recorded.exit_code == 0, recorded.output
    template_cell(book, "SV02", "Forecast").value = 710
    book.save(out)
    before = (published / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 1 and (published / "savings.yaml").read_bytes() == before
    assert sent_findings(result.stderr)[0] == (
        f"{out}: 'Returns P11'!K6: error CSP713 SV02 P11 forecast: the sheet says 710 (£710,000) but 720 "
        "(£720,000) was recorded since the sheet was sent with it empty (if this sheet was imported before, 720 "
        "(£720,000) is a correction made since: it is what stays recorded)"
    )


def test_a_figure_carried_since_the_sheet_was_sent_is_called_carried(published: Path, tmp_path: Path) -> None:
    """CSP712/CSP713 name a figure csplan carried since the sheet went out as carried,
    not as one somebody recorded."""
    out = tmp_path / "returns.xlsx"
    book = template(published, out, "--period", "P10")
    recorded = runner.invoke(
        app, ["--data", str(published), "savings", "update", "SV01", "-p", "P10", "--forecast", "1000"]
    )
    assert recorded.exit_code == 0, recorded.output
    template_cell(book, "SV01", "Forecast").value = 1000
    template_cell(book, "SV01", "Achieved").value = 750
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 1, result.output
    assert sent_findings(result.stderr)[0] == (
        f"{out}: 'Returns P10'!M5: error CSP713 SV01 P10 achieved: the sheet says 750 (£750,000) but 800 "
        "(£800,000) was carried from P09 since the sheet was sent with it empty"
    )
    # Sent with P10's carried £800,000, then P09 corrected (P10 carried again): left as sent, kept.
    book = template(published, out, "--period", "P10")
    corrected = runner.invoke(
        app, ["--data", str(published), "savings", "update", "SV01", "-p", "P09", "--achieved", "700"]
    )
    assert corrected.exit_code == 0, corrected.output
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert sent_findings(result.stderr)[0] == (
        f"{out}: 'Returns P10'!M5: warning CSP712 SV01 P10 achieved: kept 700 (£700,000) carried from P09 since "
        "the sheet was sent (the sheet still shows 800 (£800,000))"
    )


def test_a_return_removed_since_the_sheet_was_sent_is_not_brought_back(published: Path, tmp_path: Path) -> None:
    savings = published / "savings.yaml"
    before = savings.read_bytes()
    out = tmp_path / "returns.xlsx"
    book = sent_then_corrected(published, out)
    savings.write_bytes(before)  # SV02's P11 return taken out again, by hand
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 0 and savings.read_bytes() == before, result.output
    assert (
        "SV02 P11 forecast: kept the return removed since the sheet was sent (the sheet still shows 700 (£700,000))"
        in result.stderr
    )
    template_cell(book, "SV02", "Delivered").value = 100  # a figure the sheet was not sent with
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 1 and savings.read_bytes() == before
    assert (
        "error CSP713 SV02 P11 delivered: the sheet says 100 (£100,000) but the return was removed since the sheet "
        "was sent with it empty"
    ) in result.stderr


def _final_returns(data: Path) -> None:
    """A P12 return under each P09 one of the published tracker, forecast only, as a
    council that has recorded P10 to P12 might hold them."""
    path = data / "savings.yaml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(
        r"^(      - \{period: P09, forecast: (\(?\d+\)?)[^\n]*\n)",
        r"\1      - {period: P12, forecast: \2}\n",
        text,
        flags=re.M,
    )
    path.write_text(text, encoding="utf-8")


def test_a_council_that_tracks_at_risk_is_asked_for_it_in_the_new_year(published: Path, tmp_path: Path) -> None:
    """The new year's file records no achieved or at risk yet; close-year says the council
    tracks them (settings: track_at_risk), so the new year's template still asks."""
    _final_returns(published)
    closed = runner.invoke(app, ["--data", str(published), "savings", "close-year", "--year", "2025-26"])
    assert closed.exit_code == 0, closed.output
    following = (published / "savings_2026_27.yaml").read_text(encoding="utf-8")
    assert following.endswith(
        "settings:\n  track_at_risk: true  # 2025-26's returns gave achieved and at risk: the template asks for them\n"
    )
    assert "achieved:" not in following  # no return of the new year yet
    book = template(published, tmp_path / "p01.xlsx", "--period", "P01", "--year", "2026-27")
    headers = [c.value for c in book["Returns P01"][4]]
    assert "Achieved (£'000)" in headers and "At risk (£'000)" in headers


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("", "settings:\n  track_at_risk: true  # 2025-26's returns"),
        ("settings:\n  green_percent: 95\n", "settings:\n  track_at_risk: true  # 2025-26's returns"),
        # in place, every other byte kept (the whole file is not dumped again)
        ("settings: {green_percent: 95}  # ours\n", "settings: {green_percent: 95, track_at_risk: true}  # ours\n"),
        ("settings: {}\n", "settings: {track_at_risk: true}\n"),
        ("settings:\n  track_at_risk: false\n", "settings:\n  track_at_risk: false\n"),
    ],
)
def test_close_year_adds_the_setting_to_an_existing_next_year_file(published: Path, old: str, new: str) -> None:
    _final_returns(published)
    existing = published / "savings_2026_27.yaml"
    existing.write_text(
        "kind: savings\nyear: 2026-27\ndepartment: Children's Services (illustrative)\nunits: thousands\n"
        f"source: invented\nlines:\n  - id: N01\n    description: New saving\n    amount: 50\n{old}",
        encoding="utf-8",
    )
    closed = runner.invoke(app, ["--data", str(published), "savings", "close-year", "--year", "2025-26"])
    assert closed.exit_code == 0, closed.output
    text = existing.read_text(encoding="utf-8")
    assert new in text and "from: 2025-26/SV01" in text
    from csplan import validate_plan

    later = validate_plan(published)[0].savings("2026-27")[1]
    assert later.tracks_at_risk is (old != "settings:\n  track_at_risk: false\n")
    assert later.settings.green_percent == (95 if "95" in old else 100)


def test_the_template_shows_the_achieved_and_at_risk_a_blank_cell_carries(published: Path, tmp_path: Path) -> None:
    """Blank Achieved/At risk cells carry the last return's figures: the sheet shows them,
    locked, beside Last delivered; import skips them and a blank row still carries."""
    book = template(published, tmp_path / "returns.xlsx", "--period", "P10")
    sheet = book["Returns P10"]
    heads = {str(cell.value): cell.column_letter for cell in sheet[4]}
    assert (heads["Last delivered (£'000)"], heads["Last achieved (£'000)"], heads["Last at risk (£'000)"]) == (
        "G",
        "H",
        "I",
    )
    assert [sheet[f"H{r}"].value for r in range(5, 12)] == [800, 400, 500, 233, 300, 0, None]
    assert [sheet[f"I{r}"].value for r in range(5, 12)] == [250, 300, 0, 100, 0, 100, None]
    for cell in (sheet["H5"], sheet["I5"]):
        assert cell.protection.locked and cell.fill.fgColor.rgb == sheet["G5"].fill.fgColor.rgb
    assert sheet["H12"].value == "=SUM(H5:H11)"
    how = "\n".join(str(c.value) for row in book["How to fill this in"].iter_rows() for c in row if c.value)
    assert "Last achieved\nWhat had been achieved then (or, where that return gave none, in the latest return " in how
    assert "that did): an empty Achieved cell keeps it, within the limits" in how
    sheet["K5"] = 900  # SV01's forecast only: what the sheet showed is what carries
    book.save(tmp_path / "returns.xlsx")
    result = runner.invoke(app, ["savings", "import", str(tmp_path / "returns.xlsx"), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert "SV01 P10: achieved £800,000, at risk £250,000 carried from P09" in result.stdout


def test_a_thousands_sheets_messages_quote_the_cell_as_typed_in_its_scale(published: Path, tmp_path: Path) -> None:
    """On a £'000 template every hint's example is in £'000 (32000 there would be £32m,
    and 'did you mean £610,000?' reads as 'type 610000'), and past the penny says the
    figure rounded."""
    out = tmp_path / "returns.xlsx"
    book = template(published, out, "--period", "P10")
    sheet = book["Returns P10"]
    sheet["K5"] = 610000  # SV01: pounds typed in a £'000 cell
    sheet["K6"], sheet["L6"] = 600, 45.678905  # SV02: past the penny (£45,678.905)
    sheet["K7"] = "tbc"  # SV03
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 1, result.output
    said = [line.split(": ", 1)[1] if ": error " in line else line for line in result.stderr.splitlines()[1:]]
    assert said == [
        "'Returns P10'!K5: error CSP701 forecast (£'000) '610000' is £610,000,000, over 508 times the target "
        "1,200 (£1,200,000)",
        "  hint: did you mean 610 (£610,000)? (add --yes if £610,000,000 is right)",
        "'Returns P10'!L6: error CSP703 delivered (£'000) '45.678905': '45.678905' is 45678.905 pounds, not a whole "
        "number of pence",
        "  hint: the column is in £'000: round to the penny, 5 decimal places at most (45.67891 for £45,678.91)",
        "'Returns P10'!K7: error CSP703 forecast (£'000) 'tbc': 'tbc' is not an amount",
        '  hint: write a number in £\'000 (600 for £600,000) or text such as "£600,000", "£600k" or "(100)"',
    ]


def test_every_amount_column_of_a_thousands_sheet_words_its_errors_in_thousands(
    published: Path, tmp_path: Path
) -> None:
    """Achieved and at risk as the forecast: a figure typed with letter Os is refused with
    an example in £'000 (32000 there is £32m), and pounds typed there are met with the
    figure meant in £'000, the target and the limit said so too."""
    out = tmp_path / "returns.xlsx"
    book = template(published, out, "--period", "P10")
    sheet = book["Returns P10"]
    sheet["K5"], sheet["N5"] = 950, "2OO"  # SV01 at risk: letter Os
    sheet["K6"], sheet["L6"], sheet["N6"] = 600, "1OO", 200000  # SV02: delivered letter Os; at risk in pounds
    sheet["K7"], sheet["M7"] = 610, 500000  # SV03 achieved in pounds
    book.save(out)
    before = (published / "savings.yaml").read_bytes()
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 1, result.output
    example = 'write a number in £\'000 (600 for £600,000) or text such as "£600,000", "£600k" or "(100)"'
    said = [line.split(": ", 1)[1] if ": error " in line else line for line in result.stderr.splitlines()[1:]]
    assert said == [
        "'Returns P10'!N5: error CSP703 at risk (£'000) '2OO': '2OO' is not an amount",
        f"  hint: {example}",
        "'Returns P10'!L6: error CSP703 delivered (£'000) '1OO': '1OO' is not an amount",
        f"  hint: {example}",
        "'Returns P10'!N6: error CSP710 at risk (£'000) '200000' is £200,000,000, more than the target 900 (£900,000)",
        "  hint: did you mean 200 (£200,000)? at risk is the part of the target that may not be delivered: "
        "at most 900 (£900,000)",
        "'Returns P10'!M7: error CSP701 achieved (£'000) '500000' is £500,000,000, over 819 times the target "
        "610 (£610,000)",
        "  hint: did you mean 500 (£500,000)? (add --yes if £500,000,000 is right)",
    ]
    assert (published / "savings.yaml").read_bytes() == before


def test_a_thousands_templates_totals_are_amounts(published: Path, tmp_path: Path) -> None:
    """Every total of a £'000 template has the amount format, the typed columns' too
    (their cells are General, so a typed 131.5 shows as typed; their totals were too)."""
    sheet = template(published, tmp_path / "returns.xlsx", "--period", "P10")["Returns P10"]
    totals = {str(sheet.cell(4, c).value): sheet.cell(12, c) for c in range(1, sheet.max_column + 1)}
    money = {header: cell for header, cell in totals.items() if header.endswith("(£'000)")}
    assert len(money) == 9 and all(str(cell.value).startswith("=SUM(") for cell in money.values())
    assert {header: cell.number_format for header, cell in money.items()} == dict.fromkeys(money, "#,##0;(#,##0);0")


def test_a_template_cell_left_as_sent_keeps_its_mark_a_filled_one_is_the_holders(
    published: Path, tmp_path: Path
) -> None:
    """A carried figure shown in a template and left exactly as sent was not given by the
    holder: it keeps csplan's mark (and is worked out again like any marked figure); the
    same figure typed into a sheet without the as-sent record is the holder's."""
    recorded = runner.invoke(
        app, ["--data", str(published), "savings", "update", "SV01", "-p", "P10", "--forecast", "1000"]
    )
    assert recorded.exit_code == 0, recorded.output
    savings = published / "savings.yaml"
    before = savings.read_bytes()
    assert b"        forecast: 1000\n        achieved: 800  # carried from P09\n" in before
    out = tmp_path / "returns.xlsx"
    book = template(published, out, "--period", "P10")
    template_cell(book, "SV01", "Forecast").value = 1100
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert savings.read_bytes() == before.replace(b"        forecast: 1000\n", b"        forecast: 1100\n")

    book.remove(book["csplan as sent"])
    template_cell(book, "SV01", "Forecast").value = 1050
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert savings.read_bytes() == before.replace(
        b"        forecast: 1000\n        achieved: 800  # carried from P09\n",
        b"        forecast: 1050\n        achieved: 800\n",
    )


def test_the_how_to_sheet_states_the_carry_rules_a_returned_sheet_is_read_by(
    illustrative: Path, published: Path, tmp_path: Path
) -> None:
    """A template with Achieved and At risk columns says, in the second sheet, what an
    empty cell records: the last figure, at risk only up to target - forecast, achieved
    only up to the forecast, never cut down; delivered the target records achieved =
    delivered and at risk 0; 0 records none. Its example is in the template's £'000,
    and a sheet filled in by those words is recorded as they say."""
    from decimal import Decimal

    untracked = template(illustrative, tmp_path / "plain.xlsx")
    plain = [str(c.value) for row in untracked["How to fill this in"].iter_rows() for c in row if c.value]
    assert "Achieved and at risk" not in plain and not [text for text in plain if "empty cell keeps" in text]

    out = tmp_path / "returns.xlsx"
    book = template(published, out, "--period", "P10")
    how = "\n".join(str(c.value) for row in book["How to fill this in"].iter_rows() for c in row if c.value)
    for said in (
        "Achieved and at risk\nLeave either cell empty and csplan keeps the latest figure you recorded",
        "At risk is kept only if it is no more than the gap your forecast leaves, the target minus the forecast "
        "(a forecast of 900 against a target of 1,200 leaves room for 300 at risk)",
        "Achieved is kept only if it is no more than your forecast.",
        "never cut down to fit",
        "If Delivered to date (typed, or kept from Last delivered) reaches the target, the saving is achieved: "
        "for a cell left empty, csplan records achieved as what was delivered and at risk as 0.",
        "Type 0 when nothing is at risk (or nothing achieved): 0 is recorded as none",
        "A reversal's (a negative target's) achieved and at risk are kept as they are.",  # SV07 is one
    ):
        assert said in how, said

    # SV01's target is 1,200 and P09 has 800 achieved, 250 at risk: the example's case.
    fill(book, "P10", {"SV01": {"Forecast for the year": 900}})  # room for 300: 250 kept, 800 <= 900 kept
    fill(book, "P10", {"SV03": {"Forecast for the year": 450}})  # achieved 500 > 450: not kept
    fill(book, "P10", {"SV04": {"Forecast for the year": 400}})  # room 50 < at risk 100: not kept, not cut to 50
    fill(book, "P10", {"SV05": {"Forecast for the year": 300, "Delivered to date": 300}})  # delivered the target
    fill(book, "P10", {"SV06": {"Forecast for the year": 50, "At risk": 0}})  # 0 typed: none at risk
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert latest(published, 0) == ("P10", Decimal(900000), Decimal(800000), Decimal(250000))
    assert latest(published, 2) == ("P10", Decimal(450000), None, Decimal(0))
    assert latest(published, 3) == ("P10", Decimal(400000), Decimal(233000), None)
    assert latest(published, 4) == ("P10", Decimal(300000), Decimal(300000), Decimal(0))
    assert latest(published, 5)[3] == Decimal(0)


def test_last_at_risk_is_what_a_blank_cell_keeps_from_an_earlier_return(published: Path, tmp_path: Path) -> None:
    """P10's forecast made the target, so P09's at risk was not carried into it; a blank
    P11 At risk cell keeps P09's £250,000 (the carry looks past a return with no figure),
    so the template shows it as Last at risk, and shows none once P10 clears it."""
    assert (
        runner.invoke(
            app, ["--data", str(published), "savings", "update", "SV01", "-p", "P10", "--forecast", "1200"]
        ).exit_code
        == 0
    )
    book = template(published, tmp_path / "returns.xlsx", "--period", "P11")
    assert template_cell(book, "SV01", "Last return").value == "P10"
    assert (template_cell(book, "SV01", "Last achieved").value, template_cell(book, "SV01", "Last at risk").value) == (
        800,
        250,
    )
    fill(book, "P11", {"SV01": {"Forecast for the year": 900}})
    book.save(tmp_path / "returns.xlsx")
    result = runner.invoke(app, ["savings", "import", str(tmp_path / "returns.xlsx"), "--data", str(published)])
    assert result.exit_code == 0, result.output
    assert "SV01 P11: achieved £800,000 carried from P10; at risk £250,000 carried from P09" in result.stdout

    cleared = runner.invoke(
        app, ["--data", str(published), "savings", "update", "SV01", "-p", "P10", "--clear", "at-risk"]
    )
    assert cleared.exit_code == 0, cleared.output
    book = template(published, tmp_path / "again.xlsx", "--period", "P11")
    assert template_cell(book, "SV01", "Last at risk").value is None


# -- delivered to date is kept by a return that leaves it out --------------------------------


def test_a_template_return_that_leaves_delivered_empty_keeps_the_delivered_figure(
    illustrative: Path, tmp_path: Path
) -> None:
    """The trial's case: S12 delivered £60,000 (blue); its holder types only a forecast.
    Delivered to date is cumulative, so the blank keeps £60,000 (said and marked), not
    blue -> green with £60,000 gone from the delivered total."""
    import json

    def delivered_total() -> object:
        result = runner.invoke(app, ["savings", "status", "--format", "json", "--data", str(illustrative)])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["totals"]["delivered"]

    before = delivered_total()
    out = tmp_path / "cic.xlsx"
    book = template(illustrative, out, "--period", "P10", "--owner", "Children in Care")
    sheet = book["Returns P10"]
    heads = {cell.value: cell.column_letter for cell in sheet[4]}
    assert sheet[f"{heads['Last delivered']}5"].value == 60000  # what the blank cell keeps
    how = "\n".join(str(c.value) for row in book["How to fill this in"].iter_rows() for c in row if c.value)
    assert "Leave it empty if it has not changed: csplan keeps the Last delivered figure" in how
    fill(book, "P10", {"S12": {"Forecast for the year": 60000}})
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(illustrative)])
    assert result.exit_code == 0, result.output
    assert "S12 P10: delivered £60,000 carried from P06" in result.stdout
    assert "type this month's figure in the Delivered to date cell, 0 for none" in result.stdout
    assert "S12 P10 blue: delivered £60,000 of target £60,000: achieved" in result.stdout
    assert (
        "      - period: P10\n        forecast: 60000\n        delivered: 60000  # carried from P06\n"
        in (illustrative / "savings.yaml").read_text()
    )
    assert delivered_total() == before


def test_the_p12_template_says_an_empty_delivered_cell_keeps_nothing(illustrative: Path, tmp_path: Path) -> None:
    """At the year end close-year takes the P12 forecast where no delivered is given, so
    an empty cell keeps no earlier figure: the how-to and the import say so."""
    out = tmp_path / "cic.xlsx"
    book = template(illustrative, out, "--period", "P12", "--owner", "Children in Care")
    how = "\n".join(str(c.value) for row in book["How to fill this in"].iter_rows() for c in row if c.value)
    assert "Leave it empty and close-year takes your forecast for the year as delivered" in how
    assert "csplan keeps the Last delivered figure" not in how
    fill(book, "P12", {"S12": {"Forecast for the year": 50000}})
    book.save(out)
    result = runner.invoke(app, ["savings", "import", str(out), "--data", str(illustrative)])
    assert result.exit_code == 0, result.output
    assert "S12 P12: delivered £60,000 not carried from P06: P12 is the year-end return" in result.stdout
    assert "      - period: P12\n        forecast: 50000\n" in (illustrative / "savings.yaml").read_text()
    assert "carried" not in (illustrative / "savings.yaml").read_text()
