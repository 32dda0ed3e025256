"""The workbook is laid out from the reports' column descriptions: no column letter is fixed."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import EXAMPLES
from csplan.cli import app
from csplan.render import savings as render_savings
from csplan.render.tables import Column


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
