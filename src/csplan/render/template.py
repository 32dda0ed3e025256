"""The returns template: a workbook finance sends each budget holder for one month.

One row per saving with what the holder needs to see (id, description, owner, target
and last month's return) locked and shaded, and four white input cells: forecast,
delivered to date, RAG (a drop-down) and a note. Amount cells accept numbers only.
The period is fixed (a locked cell, and the sheet's title); the sheet is protected
without a password, so nobody types over csplan's columns by accident, and it prints
on A4 landscape, fitted to the page width, with the header row on every page. A
second sheet says what each column means and the RAG rules in force.

``csplan savings import`` reads the filled sheet back (csplan.returns_sheet). Every
figure here comes from csplan.returns_sheet.returns_template: no arithmetic happens
here beyond the total row's formulas.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from csplan.rag import WORKBOOK_FILLS
from csplan.render.workbook import POUNDS
from csplan.render.workbook_print import print_setup
from csplan.returns_sheet import ReturnsTemplate
from csplan.text import escape_controls

HEADER_ROW = 4
FIRST_ROW = HEADER_ROW + 1
LOCKED_FILL = "F2F2F2"
HEADER_FILL = "D9D9D9"

# (header, width, locked, money): the order csplan.returns_sheet reads them back in.
COLUMNS: Sequence[tuple[str, int, bool, bool]] = (
    ("ID", 7, True, False),
    ("Saving", 42, True, False),
    ("Owner", 24, True, False),
    ("Target", 13, True, True),
    ("Last return", 9, True, False),
    ("Last forecast", 13, True, True),
    ("Last delivered", 13, True, True),
    ("Last RAG", 10, True, False),
    ("Forecast for the year", 14, False, True),
    ("Delivered to date", 14, False, True),
    ("RAG", 10, False, False),
    ("Note", 40, False, False),
)
RAG_COLUMNS = ("H", "K")
INPUT_AMOUNTS = ("I", "J")
TOTALLED = ("D", "F", "G", "I", "J")
FOOTER = "Page &P of &N"


ROW_HEIGHT = 15
"""Points per line of text. Spreadsheets do not grow a row to fit wrapped text when
they open a file, so each row is given the height its longest wrapped cell needs."""


def _lines(text: str | None, width: int) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide."""
    if not text:
        return 1
    return max(1, -(-len(text) // max(width - 2, 1)))


def _put(cell: Any, value: Any) -> None:
    """Set a cell; text from the data is always text, never a formula (and a control
    character, which a workbook cannot hold, is shown escaped)."""
    cell.value = escape_controls(value) if isinstance(value, str) else value
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"


def template_title(template: ReturnsTemplate) -> str:
    return f"Savings return for {template.period} ({template.month}): {template.department} {template.year}"


def build_template(template: ReturnsTemplate) -> Any:
    """The returns workbook for ``template`` (an openpyxl Workbook, not yet saved)."""
    from openpyxl import Workbook
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = f"Returns {template.period}"
    book.properties.title = template_title(template)
    locked_fill = PatternFill(fill_type="solid", fgColor=LOCKED_FILL)
    thin = Side(style="thin", color="BFBFBF")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    unlocked = Protection(locked=False)

    sheet["A1"] = template_title(template)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = "Period"
    sheet["B2"] = template.period
    sheet["A2"].font = sheet["B2"].font = Font(bold=True)
    sheet["B2"].fill = locked_fill
    sheet["C2"] = (
        "Fill in the white cells only; leave a row blank if there is nothing to report this month. "
        "See the sheet 'How to fill this in'."
    )
    chosen = [f"{what}: {text}" for what, text in (("Division", template.division), ("Owner", template.owner)) if text]
    if chosen:
        _put(sheet["A3"], "Savings selected by " + "; ".join(chosen))

    for column, (header, width, _, _) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(HEADER_ROW, column, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill(fill_type="solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.border = box
        sheet.column_dimensions[get_column_letter(column)].width = width

    for number, row in enumerate(template.rows, start=FIRST_ROW):
        values = (
            row.id,
            row.description,
            row.owner,
            row.target,
            row.last_period,
            row.last_forecast,
            row.last_delivered,
            row.last_rag,
            row.forecast,
            row.delivered,
            row.rag,
            row.note,
        )
        for column, ((_, _, locked, money), value) in enumerate(zip(COLUMNS, values, strict=True), start=1):
            cell = sheet.cell(number, column)
            _put(cell, value)
            cell.border = box
            cell.alignment = Alignment(wrap_text=column in (2, 3, 12), vertical="top")
            if money:
                cell.number_format = POUNDS
            if locked:
                cell.fill = locked_fill
            else:
                cell.protection = unlocked
        sheet.row_dimensions[number].height = ROW_HEIGHT * max(
            _lines(value, COLUMNS[column - 1][1])
            for column, value in ((2, row.description), (3, row.owner), (12, row.note))
        )
    sheet.row_dimensions[HEADER_ROW].height = ROW_HEIGHT * 2
    last = FIRST_ROW + len(template.rows) - 1
    total_row = last + 1
    sheet.cell(total_row, 1, "Total").font = Font(bold=True)
    sheet.cell(total_row, 2, f"{len(template.rows)} savings").font = Font(bold=True)
    for letter in TOTALLED:
        cell = sheet[f"{letter}{total_row}"]
        cell.value = f"=SUM({letter}{FIRST_ROW}:{letter}{last})"
        cell.number_format = POUNDS
        cell.font = Font(bold=True)
    for column in range(1, len(COLUMNS) + 1):
        sheet.cell(total_row, column).fill = locked_fill
        sheet.cell(total_row, column).border = box

    rag = DataValidation(
        type="list",
        formula1='"blue,green,amber,red"',
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="RAG",
        error="Choose blue, green, amber or red (or leave it empty).",
        promptTitle="RAG",
        prompt="Your judgement: blue, green, amber or red.",
    )
    amount = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Amount",
        error="Type an amount in pounds, a number of 0 or more (600000, not £600k).",
    )
    sheet.add_data_validation(rag)
    sheet.add_data_validation(amount)
    rag.add(f"K{FIRST_ROW}:K{last}")
    for letter in INPUT_AMOUNTS:
        amount.add(f"{letter}{FIRST_ROW}:{letter}{last}")
    for letter in RAG_COLUMNS:
        for word, colour in WORKBOOK_FILLS.items():
            sheet.conditional_formatting.add(
                f"{letter}{FIRST_ROW}:{letter}{last}",
                CellIsRule(operator="equal", formula=[f'"{word}"'], fill=PatternFill(bgColor=colour)),
            )

    sheet.freeze_panes = f"C{FIRST_ROW}"
    print_setup(sheet, title_rows=f"{HEADER_ROW}:{HEADER_ROW}", footer=FOOTER)
    sheet.protection.sheet = True  # no password: a guard against slips, not a lock
    sheet.protection.formatColumns = False  # widening a column is allowed
    sheet.protection.formatRows = False

    _how_to(book.create_sheet("How to fill this in"), template)
    book.active = 0
    return book


def _how_to(sheet: Any, template: ReturnsTemplate) -> None:
    from openpyxl.styles import Alignment, Font

    green, amber = template.green_percent, template.amber_percent
    returns = f"Returns {template.period}"
    heading = {"Savings return", "What to do", "Column", "RAG rules", "Amounts"}
    lines: list[tuple[str, str]] = [
        ("Savings return", template_title(template)),
        ("", ""),
        ("What to do", f"Fill in the white cells of the sheet '{returns}', one row per saving, and send it back."),
        ("", "Grey cells are csplan's and are locked. Leave a row blank if you have nothing to report."),
        ("", f"Every figure is for the year {template.year}, as at {template.period} ({template.month})."),
        ("", ""),
        ("Column", "What it means"),
        ("ID", "The saving's id in the savings plan."),
        ("Saving", "The saving, worded as the plan words it."),
        ("Owner", "The budget holder responsible for delivering it."),
        ("Target", "The saving's target for the year (ongoing plus one-off), in pounds."),
        ("Last return", "The period of the last return before this one (empty if there was none)."),
        ("Last forecast", "The forecast given then."),
        ("Last delivered", "What had been delivered to date then."),
        ("Last RAG", "The RAG csplan reported then."),
        ("Forecast for the year", "Your forecast of what the saving will deliver this year, in pounds (600000)."),
        ("Delivered to date", "What the saving has delivered so far this year, in pounds (optional)."),
        ("RAG", "Your judgement, from the drop-down: blue, green, amber or red (optional)."),
        ("Note", "Why the figures are what they are; what has changed since last month."),
        ("", ""),
        ("RAG rules", "The rules in force; a RAG better than the figures support is flagged to finance."),
        ("blue", "delivered to date is at least the target: achieved"),
        ("green", f"forecast is at least {green}% of the target: on track"),
        ("amber", f"forecast is at least {amber}% of the target: at risk"),
        ("red", f"forecast is below {amber}% of the target"),
        ("", ""),
        ("Amounts", "Whole pounds, or pounds and pence. An amount under 1% of the target or more than 10 times"),
        ("", "it is queried as a likely slip of units (0.6 typed where 600,000 was meant)."),
    ]
    for number, (label, text) in enumerate(lines, start=1):
        _put(sheet.cell(number, 1), label or None)
        _put(sheet.cell(number, 2), text or None)
        if label in heading:
            sheet.cell(number, 1).font = Font(bold=True)
        sheet.cell(number, 2).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[number].height = ROW_HEIGHT * _lines(text, 95)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 95
    print_setup(sheet, title_rows=None, footer=FOOTER)
    sheet.protection.sheet = True


def write_template(path: Path, template: ReturnsTemplate, data: Path | None = None) -> None:
    """Write the returns workbook to ``path`` with ``csplan.writer`` (atomically, and
    never over a file of the ``data`` folder)."""
    from csplan.writer import write_output

    write_output(path, build_template(template).save, (".xlsx",), "workbook", data)
