"""The RAG words and colours have one home, csplan.rag, and every output takes them from there."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from conftest import EXAMPLES
from csplan import rag
from csplan.cli import RagChoice, app


def test_orders_hold_the_same_words() -> None:
    assert set(rag.STATUSES) == set(rag.WORST_FIRST) == {*rag.RAGS, rag.NOT_REPORTED}
    assert [choice.value for choice in RagChoice] == list(rag.RAGS)
    for colours in (rag.LETTERS, rag.TABLE_LETTERS, rag.TERMINAL_STYLES, rag.WORKBOOK_FILLS, rag.HTML_COLOURS):
        assert set(colours) == set(rag.STATUSES)


def test_the_report_and_workbook_take_their_colours_from_rag(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    data = str(EXAMPLES / "illustrative")
    html, xlsx = tmp_path / "r.html", tmp_path / "r.xlsx"
    assert CliRunner().invoke(app, ["--data", data, "report", "--period", "P06", "-o", str(html)]).exit_code == 0
    assert CliRunner().invoke(app, ["--data", data, "export", str(xlsx), "--period", "P06"]).exit_code == 0
    page = html.read_text(encoding="utf-8")
    assert f"--amber: {rag.HTML_COLOURS[rag.AMBER]};" in page
    assert f"--grey: {rag.HTML_COLOURS[rag.NOT_REPORTED]};" in page
    sheet = load_workbook(xlsx)["Savings"]
    # RAG colours are conditional formats (they follow an edit of the word).
    fills = {
        rule.formula[0].strip('"'): rule.dxf.fill.bgColor.rgb
        for rules in sheet.conditional_formatting._cf_rules.values()
        for rule in rules
    }
    assert fills[rag.RED].endswith(rag.WORKBOOK_FILLS[rag.RED])
