"""The returns template: a workbook finance sends each budget holder for one month.

One row per saving with what the holder needs to see (id, description, owner, target
and last month's return) locked and shaded, and four white input cells: forecast,
delivered to date, RAG (a drop-down) and a note; two more, achieved and at risk, where
the savings file tracks them (SavingsFile.tracks_at_risk). Amount cells accept numbers only, in the savings
file's units (a £'000 tracker's template is in £'000, its headers saying so).
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
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from csplan.money import UNIT_LABELS, scaled_places, to_units
from csplan.render.workbook import POUNDS, scaled_format
from csplan.render.workbook_print import LINE_HEIGHT, print_setup, rag_colours, wrapped_lines
from csplan.returns_sheet import ReturnsTemplate, write_as_sent
from csplan.savings_edit import PARTS
from csplan.text import escape_controls, plural
from csplan.writer import DataFolders
from csplan.years import FINAL_PERIOD

HEADER_ROW = 4
FIRST_ROW = HEADER_ROW + 1
LOCKED_FILL = "F2F2F2"
HEADER_FILL = "D9D9D9"


class Column(NamedTuple):
    """A column of the returns sheet: the TemplateRow field it shows, its header (which
    csplan.returns_sheet reads back), width, whether it is csplan's (locked) and money."""

    field: str
    header: str
    width: int
    locked: bool
    money: bool


COLUMNS: Sequence[Column] = (
    Column("id", "ID", 7, True, False),
    Column("description", "Saving", 42, True, False),
    Column("owner", "Owner", 24, True, False),
    Column("target", "Target", 13, True, True),
    Column("last_period", "Last return", 9, True, False),
    Column("last_forecast", "Last forecast", 13, True, True),
    Column("last_delivered", "Last delivered", 13, True, True),
    Column("last_rag", "Last RAG", 10, True, False),
    Column("forecast", "Forecast for the year", 14, False, True),
    Column("delivered", "Delivered to date", 14, False, True),
    Column("rag", "RAG", 10, False, False),
    Column("note", "Note", 40, False, False),
)
AT_RISK_COLUMNS: Sequence[Column] = (
    Column("achieved", "Achieved", 14, False, True),
    Column("at_risk", "At risk", 14, False, True),
)
"""Input columns beside delivered to date, only where the savings file tracks them."""
LAST_AT_RISK_COLUMNS: Sequence[Column] = (
    Column("last_achieved", "Last achieved", 13, True, True),
    Column("last_at_risk", "Last at risk", 13, True, True),
)
"""Their figures in the last return, beside last delivered: what a blank input cell
carries forward (import skips them, as every column headed "Last ...")."""
RAG_FIELDS = ("last_rag", "rag")
WRAPPED = ("description", "owner", "note")
FOOTER = "Page &P of &N"


def template_columns(template: ReturnsTemplate) -> list[Column]:
    """The sheet's columns, in order: when the file tracks them, last achieved and at
    risk follow last delivered, and achieved and at risk follow delivered to date."""
    if not template.tracks_at_risk:
        return list(COLUMNS)
    columns: list[Column] = []
    for column in COLUMNS:
        columns.append(column)
        if column.field == "last_delivered":
            columns.extend(LAST_AT_RISK_COLUMNS)
        elif column.field == "delivered":
            columns.extend(AT_RISK_COLUMNS)
    return columns


def _older_figure(column: Column, source: str, last: str | None) -> Any:
    """The note on a Last delivered / achieved / at risk cell showing an older return's
    figure: the last return records none (``savings status`` shows none for it), and
    this is what an empty cell this month keeps ("From P09")."""
    from openpyxl.comments import Comment

    what = column.header.removeprefix("Last ").lower()
    cell = {"delivered": "Delivered to date", "achieved": "Achieved", "at risk": "At risk"}[what]
    keeps = "keeps it" if what == "delivered" else "keeps it where this month's figures leave room"
    text = f"From {source}: the last return ({last}) records no {what}. An empty {cell} cell {keeps}."
    comment = Comment(text, "csplan")
    comment.width, comment.height = 240, 90
    return comment


def _put(cell: Any, value: Any) -> None:
    """Set a cell; text from the data is always text, never a formula (and a control
    character, which a workbook cannot hold, is shown escaped)."""
    cell.value = escape_controls(value) if isinstance(value, str) else value
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"


def _runs(included: Sequence[bool]) -> list[tuple[int, int]]:
    """The sheet rows (first, last) of each run of template rows that ``included`` marks."""
    runs: list[tuple[int, int]] = []
    for number, wanted in enumerate(included, start=FIRST_ROW):
        if not wanted:
            continue
        if runs and runs[-1][1] == number - 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


def _amount_rule(operator: str, error: str) -> Any:
    """An amount cell's data validation: a number compared with 0, or empty."""
    from openpyxl.worksheet.datavalidation import DataValidation

    return DataValidation(
        type="decimal",
        operator=operator,
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Amount",
        error=error,
    )


def _scale(template: ReturnsTemplate) -> str | None:
    """The scale the sheet's amounts are in: a thousands or millions file's own (its
    budget holders read and type £'000); None for pounds."""
    return template.units if template.units in ("thousands", "millions") else None


def _header(column: Column, scale: str | None) -> str:
    """A column's header, naming the scale of its amounts ("Forecast for the year (£'000)"),
    as csplan.returns_sheet reads it back."""
    return f"{column.header} ({UNIT_LABELS[scale]})" if scale and column.money else column.header


def _amount(value: Any, column: Column, scale: str | None) -> Any:
    """An amount in the sheet's scale: a Decimal, which openpyxl writes through a float
    ("%.16g"), exact because an amount has at most 14 significant digits (under £1e12,
    in pence; tests/test_tabular.py)."""
    return to_units(value, scale) if scale and column.money and isinstance(value, Decimal) else value


def _amounts_in(scale: str | None) -> tuple[str, str]:
    """How the sheet's amounts are said ("in pounds"/"in £'000") and one example of them."""
    if scale is None:
        return "in pounds", "600000, not £600k"
    return f"in {UNIT_LABELS[scale]}", "600 for £600,000" if scale == "thousands" else "0.6 for £600,000"


def _reversal_example(scale: str | None) -> str:
    """A reversal's amount as the sheet takes it, in its scale."""
    return {None: "-100000, not -£100k", "thousands": "-100 for -£100,000", "millions": "-0.1 for -£100,000"}[scale]


def template_title(template: ReturnsTemplate) -> str:
    return f"Savings return for {template.period} ({template.month}): {template.department} {template.year}"


def build_template(template: ReturnsTemplate) -> Any:
    """The returns workbook for ``template`` (an openpyxl Workbook, not yet saved)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = template_columns(template)
    letter = {column.field: get_column_letter(number) for number, column in enumerate(columns, start=1)}
    scale = _scale(template)
    money_format = {column.field: POUNDS for column in columns if column.money}
    total_format = dict(money_format)
    if scale is not None:
        # csplan's figures with the decimals they need; what a holder types, as typed
        # (General: 131.5 shows 131.5, never a rounded 132); every total as an amount.
        for column in columns:
            if column.money:
                figures = [getattr(row, column.field) for row in template.rows]
                places = max(scaled_places(v, scale) for v in [Decimal(0), *figures] if isinstance(v, Decimal))
                total_format[column.field] = scaled_format(places)
                money_format[column.field] = scaled_format(places) if column.locked else "General"
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

    for number, column in enumerate(columns, start=1):
        cell = sheet.cell(HEADER_ROW, number, _header(column, scale))
        cell.font = Font(bold=True)
        cell.fill = PatternFill(fill_type="solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.border = box
        sheet.column_dimensions[get_column_letter(number)].width = column.width

    for number, row in enumerate(template.rows, start=FIRST_ROW):
        for place, column in enumerate(columns, start=1):
            cell = sheet.cell(number, place)
            _put(cell, _amount(getattr(row, column.field), column, scale))
            source = row.last_from.get(column.field)
            if source is not None and getattr(row, column.field) is not None:
                cell.comment = _older_figure(column, source, row.last_period)
            cell.border = box
            cell.alignment = Alignment(wrap_text=column.field in WRAPPED, vertical="top")
            if column.money:
                cell.number_format = money_format[column.field]
            if column.locked:
                cell.fill = locked_fill
            else:
                cell.protection = unlocked
        sheet.row_dimensions[number].height = LINE_HEIGHT * max(
            wrapped_lines(getattr(row, column.field), column.width) for column in columns if column.field in WRAPPED
        )
    sheet.row_dimensions[HEADER_ROW].height = LINE_HEIGHT * 2
    last = FIRST_ROW + len(template.rows) - 1
    total_row = last + 1
    sheet.cell(total_row, 1, "Total").font = Font(bold=True)
    sheet.cell(total_row, 2, plural(len(template.rows), "saving")).font = Font(bold=True)
    for column in (column for column in columns if column.money):
        totalled = letter[column.field]
        cell = sheet[f"{totalled}{total_row}"]
        cell.value = f"=SUM({totalled}{FIRST_ROW}:{totalled}{last})"
        cell.number_format = total_format[column.field]
        cell.font = Font(bold=True)
    for place in range(1, len(columns) + 1):
        sheet.cell(total_row, place).fill = locked_fill
        sheet.cell(total_row, place).border = box

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
    amount = _amount_rule(
        "greaterThanOrEqual", "Type an amount {}, a number of 0 or more ({}).".format(*_amounts_in(scale))
    )
    sheet.add_data_validation(rag)
    sheet.add_data_validation(amount)
    rag.add(f"{letter['rag']}{FIRST_ROW}:{letter['rag']}{last}")
    # A reversal (a negative target) is forecast and delivered at 0 or less, as import
    # reads it; its achieved and at risk are parts of the target, 0 or more like any.
    typed = [column.field for column in columns if column.money and not column.locked]
    signed = [field for field in typed if field not in PARTS]
    reversals = [row.target < 0 for row in template.rows]
    for field in typed:
        for rows in _runs([not (reversal and field in signed) for reversal in reversals]):
            amount.add(f"{letter[field]}{rows[0]}:{letter[field]}{rows[1]}")
    if any(reversals):
        reversal_rule = _amount_rule(
            "lessThanOrEqual",
            f"This saving is a reversal: type an amount {_amounts_in(scale)[0]} of 0 or less "
            f"({_reversal_example(scale)}).",
        )
        sheet.add_data_validation(reversal_rule)
        for field in signed:
            for rows in _runs(reversals):
                reversal_rule.add(f"{letter[field]}{rows[0]}:{letter[field]}{rows[1]}")
    for coloured in (letter[field] for field in RAG_FIELDS):
        rag_colours(sheet, f"{coloured}{FIRST_ROW}:{coloured}{last}")

    sheet.freeze_panes = f"C{FIRST_ROW}"
    print_setup(sheet, title_rows=f"{HEADER_ROW}:{HEADER_ROW}", footer=FOOTER)
    sheet.protection.sheet = True  # no password: a guard against slips, not a lock
    sheet.protection.formatColumns = False  # widening a column is allowed
    sheet.protection.formatRows = False

    _how_to(book.create_sheet("How to fill this in"), template)
    # What each input cell was pre-filled with, so import can tell the holder's change
    # from a figure finance records after the sheet goes out.
    inputs = [column.field for column in columns if not column.locked]
    sent = ((row.id, template.period, {name: getattr(row, name) for name in inputs}) for row in template.rows)
    write_as_sent(book, inputs, sent, {"division": template.division, "owner": template.owner})
    book.active = 0
    return book


def _how_to(sheet: Any, template: ReturnsTemplate) -> None:
    from openpyxl.styles import Alignment, Font

    green, amber = template.green_percent, template.amber_percent
    scale = _scale(template)
    units, example = _amounts_in(scale)
    typed = {None: "600000", "thousands": "600", "millions": "0.6"}[scale]
    reversal_example = {None: "-100000", "thousands": "-100", "millions": "-0.1"}[scale]
    returns = f"Returns {template.period}"
    year_end = template.period == FINAL_PERIOD  # close-year's return: delivered is not carried into it
    reversals = any(row.target < 0 for row in template.rows)
    heading = {"Savings return", "What to do", "Column", "RAG rules", "Amounts", CARRY_HEADING}
    lines: list[tuple[str, str]] = [
        ("Savings return", template_title(template)),
        ("", ""),
        ("What to do", f"Fill in the white cells of the sheet '{returns}', one row per saving, and send it back."),
        ("", "Grey cells are csplan's and are locked. Leave a row blank if you have nothing to report."),
        ("", f"Every figure is for the year {template.year}, as at {template.period} ({template.month})."),
        (
            "",
            "Send back this workbook itself, not a copy pasted into another: it keeps what csplan filled in, "
            "so a figure finance corrects after sending it is not undone by a cell you left as it was.",
        ),
        ("", ""),
        ("Column", "What it means"),
        ("ID", "The saving's id in the savings plan."),
        ("Saving", "The saving, worded as the plan words it."),
        ("Owner", "The budget holder responsible for delivering it."),
        ("Target", f"The saving's target for the year (ongoing plus one-off), {units}."),
        ("Last return", "The period of the last return before this one (empty if there was none)."),
        ("Last forecast", "The forecast given then."),
        (
            "",
            "A Last delivered, achieved or at risk figure from an older return than the Last return (which gave "
            "none) carries a note saying which, e.g. 'From P09'.",
        ),
        (
            "Last delivered",
            "What had been delivered to date then (or, where that return gave none, in the latest return "
            "that did)"
            + (
                ": P12 is the year-end return, so an empty Delivered to date cell does not keep it."
                if year_end
                else ": an empty Delivered to date cell keeps it."
            ),
        ),
        *(
            [
                (
                    "Last achieved",
                    "What had been achieved then (or, where that return gave none, in the latest return that "
                    "did): an empty Achieved cell keeps it, within the limits under 'Achieved and at risk' below.",
                ),
                (
                    "Last at risk",
                    "What was at risk then (or, where that return gave none, in the latest return that did): "
                    "an empty At risk cell keeps it, within the limits under 'Achieved and at risk' below.",
                ),
            ]
            if template.tracks_at_risk
            else []
        ),
        ("Last RAG", "The RAG csplan reported then."),
        ("Forecast for the year", f"Your forecast of what the saving will deliver this year, {units} ({typed})."),
        (
            "Delivered to date",
            (
                f"What the saving has delivered in the year, {units}. Leave it empty and close-year takes your "
                "forecast for the year as delivered (the Last delivered figure is not kept at the year end)."
            )
            if year_end
            else (
                f"What the saving has delivered so far this year, {units}. Leave it empty if it has not changed: "
                "csplan keeps the Last delivered figure, as it is, where your forecast is at least it (type 0 if "
                "nothing has been delivered; below a lower forecast it is not kept: type this month's figure)."
            ),
        ),
        *(
            [
                ("Achieved", f"What the saving has achieved (or is sure to achieve) this year, {units} (optional)."),
                ("At risk", f"The part of the target at risk, {units} (optional); with achieved, makes the target."),
            ]
            if template.tracks_at_risk
            else []
        ),
        ("RAG", "Your judgement, from the drop-down: blue, green, amber or red (optional)."),
        ("Note", "Why the figures are what they are; what has changed since last month."),
        ("", ""),
        *(_carry_lines(scale, reversals) if template.tracks_at_risk else []),
        ("RAG rules", "The rules in force; a RAG better than the figures support is flagged to finance."),
        ("blue", "delivered to date is at least the target: achieved"),
        ("green", f"forecast is at least {green}% of the target: on track"),
        ("amber", f"forecast is at least {amber}% of the target: at risk"),
        ("red", f"forecast is below {amber}% of the target"),
        ("", ""),
        *_amount_lines(scale, example),
        *(
            [("", f"A reversal (a negative target) is forecast and delivered at 0 or less ({reversal_example}).")]
            if reversals
            else []
        ),
    ]
    for number, (label, text) in enumerate(lines, start=1):
        _put(sheet.cell(number, 1), label or None)
        _put(sheet.cell(number, 2), text or None)
        if label in heading:
            sheet.cell(number, 1).font = Font(bold=True)
        sheet.cell(number, 2).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[number].height = LINE_HEIGHT * wrapped_lines(text, 95)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 95
    print_setup(sheet, title_rows=None, footer=FOOTER)
    sheet.protection.sheet = True


CARRY_HEADING = "Achieved and at risk"


def _carry_lines(scale: str | None, reversal: bool) -> list[tuple[str, str]]:
    """What an empty Achieved or At risk cell records, in words a budget holder reads:
    csplan.savings_edit._carry's rules, as the README states them under savings update,
    with an example in the template's units (and the reversal rule where a row is one)."""
    target, forecast, room = {
        None: ("1,200,000", "900,000", "300,000"),
        "thousands": ("1,200", "900", "300"),
        "millions": ("1.2", "0.9", "0.3"),
    }[scale]
    return [
        (
            CARRY_HEADING,
            "Leave either cell empty and csplan keeps the latest figure you recorded (the Last achieved and "
            "Last at risk columns), but only where it still fits this month's figures:",
        ),
        (
            "",
            "- At risk is kept only if it is no more than the gap your forecast leaves, the target minus the "
            f"forecast (a forecast of {forecast} against a target of {target} leaves room for {room} at risk); "
            "so none is kept when your forecast meets the target.",
        ),
        ("", "- Achieved is kept only if it is no more than your forecast."),
        ("", "- A figure that does not fit is not kept at all, never cut down to fit: type this month's figure."),
        (
            "",
            "- If Delivered to date (typed, or kept from Last delivered) reaches the target, the saving is "
            "achieved: for a cell left empty, csplan "
            "records achieved as what was delivered and at risk as 0.",
        ),
        *(
            [("", "- A reversal's (a negative target's) achieved and at risk are kept as they are.")]
            if reversal
            else []
        ),
        (
            "",
            "- Type 0 when nothing is at risk (or nothing achieved): 0 is recorded as none, whereas an empty "
            "cell keeps the last figure.",
        ),
        (
            "",
            "- Where this month's return was already recorded when the sheet was sent (its cells filled in), an "
            "empty cell keeps this month's recorded figure.",
        ),
        ("", ""),
    ]


def _amount_lines(scale: str | None, example: str) -> list[tuple[str, str]]:
    """What the second sheet says of amounts: their scale, and the units-slip check."""
    if scale is None:
        return [
            ("Amounts", "Whole pounds, or pounds and pence. An amount under 1% of the target or more than 10 times"),
            ("", "it is queried as a likely slip of units (0.6 typed where 600,000 was meant)."),
        ]
    label = UNIT_LABELS[scale]
    return [
        ("Amounts", f"In {label}, as the headers say ({example}), to the penny at most. An amount under 1% of"),
        ("", f"the target or more than 10 times it is queried as a likely slip of units (pounds typed in {label})."),
    ]


def write_template(path: Path, template: ReturnsTemplate, data: DataFolders = None) -> None:
    """Write the returns workbook to ``path`` with ``csplan.writer`` (atomically, and
    never over a file of the ``data`` folder)."""
    from csplan.writer import write_output

    write_output(path, build_template(template).save, (".xlsx",), "workbook", data)
