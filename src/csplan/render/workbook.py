"""An Excel workbook of the position, for people who live in Excel.

Sheets: Savings, Pressures, Budget variance and Summary. Amounts are real numbers
(written from their exact decimal text, never a float) with £ number formats; RAG
cells are filled in their colour and still carry the word; totals are formulas
over the rows above, which equal csplan's own totals; header rows are frozen and
column widths fit. Every figure comes from the position (``csplan.position``) the
other commands print: no arithmetic happens here.

The only formulas are csplan's own, marked :class:`Formula`; every other text (a
note, a description, the bridge's "= 2025-26 budget") is a string cell, whatever
it begins with, so text from outside never runs in a spreadsheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from csplan.budget import BudgetReport
from csplan.position import Position
from csplan.pressures import PressuresReport
from csplan.rag import STATUSES, WORKBOOK_FILLS
from csplan.savings import SavingsReport
from csplan.text import escape_controls

POUNDS = '"£"#,##0;("£"#,##0);"£"0'
POUNDS_PENCE = '"£"#,##0.00;("£"#,##0.00);"£"0.00'
MILLIONS = '"£"#,##0.000,,"m";("£"#,##0.000,,"m");"£"0.000"m"'
PERCENT = "0.0%"


class Formula(str):
    """A formula csplan writes (a total over rows above); any plain ``str`` is text."""


def _money_format(values: Sequence[Any]) -> str:
    pence = any(isinstance(v, Decimal) and v != v.to_integral_value() for v in values)
    return POUNDS_PENCE if pence else POUNDS


def _fraction(percent: Decimal | None) -> Decimal | None:
    return None if percent is None else percent / 100


class _Sheet:
    """A worksheet filled row by row, remembering how wide each column needs to be."""

    def __init__(self, sheet: Any, headers: Sequence[str]) -> None:
        from openpyxl.styles import Font

        self.sheet = sheet
        self.widths = [len(h) for h in headers]
        sheet.append(list(headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.data_type = "s"
        sheet.freeze_panes = "A2"

    def row(self, values: Sequence[Any], formats: dict[int, str] | None = None, bold: bool = False) -> int:
        from openpyxl.styles import Font

        # A control character, which a workbook cannot hold, is shown escaped.
        values = [escape_controls(v) if isinstance(v, str) and not isinstance(v, Formula) else v for v in values]
        self.sheet.append(values)
        number: int = self.sheet.max_row
        for column, value in enumerate(values, start=1):
            cell = self.sheet.cell(number, column)
            if isinstance(value, str) and not isinstance(value, Formula):
                # openpyxl makes any text starting with "=" a formula; text is text.
                cell.data_type = "s"
            if formats and column in formats and value is not None:
                cell.number_format = formats[column]
            if bold:
                cell.font = Font(bold=True)
            shown = len(f"{value:,.0f}") + 3 if isinstance(value, Decimal | int) else len(str(value or ""))
            self.widths[column - 1] = max(self.widths[column - 1], min(shown, 60))
        return number

    def fill_rag(self, row: int, column: int, rag: str) -> None:
        from openpyxl.styles import PatternFill

        colour = WORKBOOK_FILLS.get(rag)
        if colour:
            self.sheet.cell(row, column).fill = PatternFill(fill_type="solid", fgColor=colour)

    def finish(self) -> None:
        from openpyxl.utils import get_column_letter

        for index, width in enumerate(self.widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width + 2


def _sum(column: str, first: int, last: int) -> Formula:
    return Formula(f"=SUM({column}{first}:{column}{last})" if last >= first else "=0")


def savings_sheet(book: Any, report: SavingsReport) -> tuple[int, int]:
    """Fill the Savings sheet; return its first and last data rows."""
    sheet = _Sheet(
        book.create_sheet("Savings"),
        [
            "ID",
            "Saving",
            "Division",
            "Ongoing",
            "One-off",
            "Target",
            "Forecast",
            "Delivered",
            "Variance",
            "% of target",
            "RAG",
            "Period",
            "Reason",
            "Note",
        ],
    )
    money = _money_format([v for s in report.statuses for v in (s.ongoing, s.one_off, s.forecast, s.delivered)])
    formats = {4: money, 5: money, 6: money, 7: money, 8: money, 9: money, 10: PERCENT}
    for status in report.statuses:
        row = sheet.row(
            [
                status.id,
                status.description,
                status.division,
                status.ongoing,
                status.one_off,
                status.target,
                status.forecast,
                status.delivered,
                status.variance,
                _fraction(status.percent),
                status.rag,
                status.period,
                status.reason,
                status.note,
            ],
            formats,
        )
        sheet.fill_rag(row, 11, status.rag)
    first, last = 2, 1 + len(report.statuses)
    sheet.row(
        ["Total", f"{len(report.statuses)} savings", None, *(_sum(c, first, last) for c in "DEFGHI")],
        {n: money for n in range(4, 10)},
        bold=True,
    )
    sheet.finish()
    return first, last


def mitigations_sheet(book: Any, report: SavingsReport) -> None:
    """The Mitigations sheet: each mitigated saving's shortfall before and after its
    mitigations (none when no saving has one). The RAG is the saving's own."""
    mitigated = [s for s in report.statuses if s.mitigations]
    if not mitigated:
        return
    sheet = _Sheet(
        book.create_sheet("Mitigations"),
        ["ID", "Saving", "Shortfall", "Mitigated", "After mitigation", "RAG", "Mitigations"],
    )
    money = _money_format([v for s in mitigated for v in (s.shortfall, s.mitigated, s.uncovered)])
    for status in mitigated:
        row = sheet.row(
            [
                status.id,
                status.description,
                status.shortfall,
                status.mitigated,
                status.uncovered,
                status.rag,
                "; ".join(status.mitigations),
            ],
            {3: money, 4: money, 5: money},
        )
        sheet.fill_rag(row, 6, status.rag)
    first, last = 2, 1 + len(mitigated)
    sheet.row(
        ["Total", f"{len(mitigated)} savings", *(_sum(c, first, last) for c in "CDE")],
        {3: money, 4: money, 5: money},
        bold=True,
    )
    sheet.finish()


def pressures_sheet(book: Any, report: PressuresReport) -> None:
    sheet = _Sheet(book.create_sheet("Pressures"), ["ID", "Pressure", "Funding", "Amount (£)", "Amount (£m)", "Share"])
    for line in report.rows:
        sheet.row(
            [line.id, line.description, line.funding, line.amount, line.amount, _fraction(line.share)],
            {4: POUNDS, 5: MILLIONS, 6: PERCENT},
        )
    first, last = 2, 1 + len(report.rows)
    sheet.row(
        ["Total", f"{len(report.rows)} lines", None, *(_sum(c, first, last) for c in "DEF")],
        {4: POUNDS, 5: MILLIONS, 6: PERCENT},
        bold=True,
    )
    if report.stated_total is not None:
        sheet.row(["Stated total", None, None, report.stated_total, report.stated_total], {4: POUNDS, 5: MILLIONS})
    sheet.finish()


def budget_sheet(book: Any, report: BudgetReport) -> None:
    sheet = _Sheet(
        book.create_sheet("Budget variance"),
        ["ID", "Line", "Budget", "Forecast", "Variance", "% of budget", "RAG", "Period", "Reason"],
    )
    formats = {3: MILLIONS, 4: MILLIONS, 5: MILLIONS, 6: PERCENT}
    if report.has_lines:
        for line in report.rows:
            row = sheet.row(
                [
                    line.id,
                    line.name,
                    line.budget,
                    line.forecast,
                    line.variance,
                    _fraction(line.percent),
                    line.rag,
                    line.period,
                    line.reason,
                ],
                formats,
            )
            sheet.fill_rag(row, 7, line.rag)
        first, last = 2, 1 + len(report.rows)
        # Lines with no forecast count at budget in csplan's total; a SUM over the
        # forecast column would leave them out, so then the total is the figure.
        exact = report.unreported == 0 and not report.hidden
        forecast = _sum("D", first, last) if exact else report.forecast
        variance = _sum("E", first, last) if exact else report.variance
        sheet.row(
            ["Total", None, _sum("C", first, last), forecast, variance, _fraction(report.percent)], formats, bold=True
        )
        sheet.row([report.summary[0].upper() + report.summary[1:]])
    else:
        sheet.row([None, "The budget has no line split (the plan publishes none)", report.total], formats)
    sheet.row([])
    sheet.row(["Bridge", "Step", "Amount", None, None, None, None, None, "Source"], bold=True)
    for step in report.bridge:
        sheet.row([None, step.label, step.amount, None, None, None, None, None, step.note], {3: MILLIONS})
    sheet.finish()


def summary_sheet(
    book: Any,
    savings: SavingsReport,
    rows: tuple[int, int],
    pressures: PressuresReport | None,
    budget: BudgetReport | None,
    department: str | None = None,
) -> None:
    sheet = _Sheet(book.create_sheet("Summary"), ["Item", "Value", "Target (£)"])
    first, last = rows
    when = savings.period or "latest returns"
    sheet.row(["Year", savings.year])
    sheet.row(["As at", when])
    sheet.row(["Savings target", Formula(f"=Savings!F{last + 1}")], {2: POUNDS})
    sheet.row(["Savings forecast", Formula(f"=Savings!G{last + 1}")], {2: POUNDS})
    sheet.row(["Savings variance", Formula(f"=Savings!I{last + 1}")], {2: POUNDS})
    for rag in STATUSES:
        row = sheet.row(
            [
                f"Savings {rag}",
                Formula(f'=COUNTIF(Savings!K{first}:K{last},"{rag}")'),
                Formula(f'=SUMIF(Savings!K{first}:K{last},"{rag}",Savings!F{first}:F{last})'),
            ],
            {3: POUNDS},
        )
        sheet.fill_rag(row, 1, rag)
    if pressures is not None:
        sheet.row(["Pressure funding", pressures.total], {2: MILLIONS})
    if budget is not None:
        sheet.row(["Budget", budget.total], {2: MILLIONS})
        if budget.has_lines:
            sheet.row(["Budget forecast variance", budget.variance], {2: MILLIONS})
            sheet.row(["Budget position", budget.summary])
    if department:  # last, so the rows the formulas and readers know keep their places
        sheet.row(["Department", department])
    sheet.finish()


def write_workbook(path: Path, position: Position, data: Path | None = None) -> None:
    """Write the workbook of ``position`` (which must hold savings) to ``path`` with
    ``csplan.writer`` (never over a file of the ``data`` folder)."""
    from openpyxl import Workbook

    from csplan.writer import write_output

    savings, pressures, budget = position.savings, position.pressures, position.budget
    assert savings is not None, "the workbook needs a savings report"
    book = Workbook()
    book.remove(book.active)
    rows = savings_sheet(book, savings)
    mitigations_sheet(book, savings)
    if pressures is not None:
        pressures_sheet(book, pressures)
    if budget is not None:
        budget_sheet(book, budget)
    summary_sheet(book, savings, rows, pressures, budget, position.department)
    # The file's title (File > Properties) names the department, from its own files.
    book.properties.title = f"{position.department or 'Department'} savings and budget monitoring, {savings.year}"
    write_output(path, book.save, (".xlsx",), "workbook", data)
