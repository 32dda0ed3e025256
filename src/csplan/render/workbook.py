"""An Excel workbook of the position, for people who live in Excel.

Sheets: Savings, Mitigations (when any), Pressures, Budget variance, Summary,
Programme (the savings programme across the folder's years, when the position holds
one with any year) and Findings (when the data was loaded with any finding: errors
first, then warnings). Each but Summary and Findings is described by its report's
render module (``sheets``/``sheet``) with the same ``Column`` and row descriptions as
the text and CSV output; this module only lays them out, finding every column's
letter by its key. Amounts are real numbers with £ number formats: openpyxl writes
a number through a float ("%.16g"), and the figure stays exact because an amount is
whole pence under £1e12 (money.LIMIT, money.check_number), at most 14 significant
digits in any scale, which a float and "%.16g" keep (tests/test_tabular.py); on a
sheet shown in one scale (--units, a thousands file) a cell holds its figure in the
scale its header names (131.5 under "Forecast £'000"), so a figure typed there means
what the header says, and the Summary, in the Savings sheet's scale (else pounds), links to it; RAG
columns keep their word and are coloured by conditional formatting; totals are
formulas over the rows above, which equal csplan's own totals; the columns a
description derives (``Sheet.derived``: % of target, variance, share, the programme's
carried) are formulas
over their row, and the Summary's figures formulas over the sheets they come from,
so they follow an edit; header rows are frozen and column widths fit. Every figure
comes from the position (``csplan.position``) the other commands print: no
arithmetic happens here, the spreadsheet does it.

The only formulas are csplan's own, marked :class:`Formula`; every other text (a
note, a description, the bridge's "= 2025-26 budget") is a string cell, whatever
it begins with, so text from outside never runs in a spreadsheet.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from csplan.budget import BudgetReport
from csplan.findings import Finding
from csplan.money import UNIT_LABELS, UNIT_SCALE, Money, scaled_places, to_units
from csplan.position import Position
from csplan.pressures import PressuresReport
from csplan.rag import STATUSES, WORKBOOK_FILLS
from csplan.render.findings import may_not_agree
from csplan.render.tables import (
    MONEY,
    Cell,
    Column,
    Derived,
    Difference,
    Ratio,
    Sheet,
    Table,
    TotalsBalance,
    display_units,
    in_units,
    money_words,
)
from csplan.savings import SavingsReport
from csplan.tabular import sheet_reference
from csplan.text import escape_controls
from csplan.writer import DataFolders

POUNDS = '"£"#,##0;("£"#,##0);"£"0'
POUNDS_PENCE = '"£"#,##0.00;("£"#,##0.00);"£"0.00'
MILLIONS = '"£"#,##0.000,,"m";("£"#,##0.000,,"m");"£"0.000"m"'
PERCENT = "0.0%"


def scaled_format(places: int) -> str:
    """The number format of a table shown in one scale (--units, or a thousands file):
    the cell holds the figure in that scale (131.5 under "Forecast £'000", never the
    pounds 131500 shown through a scaling format), so what someone types there is read
    in the scale the header names; ``places`` decimals, as many as the column needs."""
    digits = "0" + ("." + "0" * places if places else "")
    return f"#,##{digits};(#,##{digits});{digits}"


def summary_format(units: str, places: int) -> str:
    """The format of a Summary figure held in ``units`` (the Summary's one scale): the
    format names the scale on the figure itself, as the report's cards write it
    (3460 shows "£3,460k", 92.15 "£92.150m"; pounds "£3,460,000"); a literal suffix,
    never a scaling comma, so the cell holds what it shows. ``places`` decimals."""
    if units == "pounds":
        return POUNDS_PENCE if places else POUNDS
    digits = "0" + ("." + "0" * places if places else "")
    suffix = '"k"' if units == "thousands" else '"m"'
    return f'"£"#,##{digits}{suffix};("£"#,##{digits}{suffix});"£"{digits}{suffix}'


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


def _cell(value: Cell, column: Column, units: str | None) -> Any:
    """A cell's value as the workbook holds it: a percentage as the fraction Excel
    formats, money in the table's ``units`` (a Decimal, which openpyxl writes through a
    float: exact for any amount, see the module's docstring)."""
    if not isinstance(value, Decimal):
        return value
    if column.kind == "percent":
        return _fraction(value)
    return to_units(value, units) if units is not None and column.kind in MONEY else value


def _scaled_formats(tables: Sequence[Table], rows: Sequence[Mapping[str, Cell]], units: str) -> dict[str, str]:
    """Each money column's format, by key, in a sheet shown in ``units``: as many
    decimals as its figures need (in the ``tables`` and the loose ``rows`` under them),
    so every cell shows the exact figure it holds (and a total, their sum, fits too)."""
    places: dict[str, int] = {}
    for table in tables:
        for column in table.columns:
            if column.kind in MONEY:
                figures = [row.get(column.key) for row in [*table.rows, *table.footer, *rows]]
                needed = [scaled_places(v, units) for v in figures if isinstance(v, Decimal)]
                places[column.key] = max([places.get(column.key, 0), scaled_places(Decimal(0), units), *needed])
    return {key: scaled_format(count) for key, count in places.items()}


@dataclass(frozen=True)
class Placed:
    """Where a sheet's table landed: its sheet, its first and last data rows, each
    column's letter, and whether a total row follows."""

    name: str
    first: int
    last: int
    letters: dict[str, str]
    footer: bool = True
    units: str | None = None
    """The scale its money cells hold (None: pounds)."""

    def in_scale(self, figure: str, units: str) -> str:
        """A formula's ``figure`` over this sheet's money, turned into ``units`` (the
        Summary's scale): times 1000 from £'000 to pounds, divided by 1000 from £'000 to £m."""
        held, wanted = int(UNIT_SCALE[self.units or "pounds"]), int(UNIT_SCALE[units])
        if held > wanted:
            return f"{figure}*{held // wanted}"
        return f"{figure}/{wanted // held}" if wanted > held else figure

    def total(self, key: str) -> str:
        """The cell of a column's total (the first footer row)."""
        return f"{self.letters[key]}{self.last + 1}"

    def rows(self, key: str) -> str:
        """A column's data rows as a range."""
        return f"{self.letters[key]}{self.first}:{self.letters[key]}{self.last}"

    def whole(self, key: str, units: str = "pounds") -> Formula | None:
        """A formula for a column's figure for the whole table, in ``units``, from another
        sheet: its total, or the one row of a table with no total row; None when it has neither."""
        if key not in self.letters or not (self.footer or self.first == self.last):
            return None
        row = self.last + 1 if self.footer else self.first
        return Formula("=" + self.in_scale(sheet_reference(self.name, f"${self.letters[key]}${row}"), units))


def write_sheet(book: Any, spec: Sheet) -> Placed:
    """Fill a worksheet from its description: header, rows, footer (summed columns as
    formulas), then whatever follows the table, each column by its kind's format; the
    derived columns are formulas over their row and RAG columns are coloured by their word."""
    from openpyxl.utils import get_column_letter

    from csplan.render.workbook_print import rag_colours, wrap_long_text

    table = spec.table
    columns = list(table.columns)
    position = {column.key: index for index, column in enumerate(columns, start=1)}
    letters = {key: get_column_letter(index) for key, index in position.items()}
    money = _money_format([row.get(c.key) for row in table.rows for c in columns if c.kind == "money"])
    kind_format = {"money": money, "millions": MILLIONS, "percent": PERCENT}
    scaled: dict[str, str] = {}
    if table.units is not None:
        tables = [table, *(item for item in spec.after if isinstance(item, Table))]
        scaled = _scaled_formats(tables, [item for item in spec.after if isinstance(item, dict)], table.units)

    def formats(placed: Sequence[Column]) -> dict[int, str]:
        return {
            position[c.key]: scaled[c.key] if c.kind in MONEY and c.key in scaled else kind_format[c.kind]
            for c in placed
            if c.kind in kind_format or (c.kind in MONEY and c.key in scaled)
        }

    def cells(row: Mapping[str, Any], placed: Sequence[Column], width: int, units: str | None) -> list[Any]:
        values: list[Any] = [None] * width
        for column in placed:
            values[position[column.key] - 1] = _cell(row.get(column.key), column, units)
        return values

    sheet = _Sheet(book.create_sheet(spec.name), [table.header(c) for c in columns])
    first, last = 2, 1 + len(table.rows)
    for row in table.rows:
        sheet.row(cells(row, columns, len(columns), table.units), formats(columns))
    for index, footer in enumerate(table.footer):
        values = cells(footer, columns, len(columns), table.units)
        if index == 0:
            for key in spec.sums & position.keys():
                values[position[key] - 1] = _sum(letters[key], first, last)
            for key, summed in spec.sums_of.items():
                if {key, summed} <= position.keys():
                    values[position[key] - 1] = _sum(letters[summed], first, last)
        sheet.row(_trimmed(values), formats(columns), bold=index == 0)
    # Into the laid-out cells: a column keeps the width its figures need, and the
    # formula equals the figure it replaces.
    rows, total = range(first, last + 1), last + 1 if table.footer else None
    for derived in spec.derived:
        _derive(sheet.sheet, derived, letters, rows, total)
    for column in columns:
        if column.kind == "rag" and rows:
            rag_colours(sheet.sheet, f"{letters[column.key]}{first}:{letters[column.key]}{last}")
    for item in spec.after:
        if isinstance(item, Table):
            placed = [c for c in item.columns if c.key in position]
            width = max(position[c.key] for c in placed)
            header: list[Any] = [None] * width
            header[0] = item.title
            for column in placed:
                header[position[column.key] - 1] = item.header(column)
            sheet.row(header, bold=True)
            for row in item.rows:
                sheet.row(cells(row, placed, width, item.units), formats(placed))
        elif isinstance(item, dict):
            sheet.row(_trimmed(cells(item, columns, len(columns), table.units)), formats(columns))
        else:
            sheet.row([item] if item else [])
    sheet.finish()
    wrap_long_text(sheet.sheet, {letters[c.key]: c.wrap for c in columns if c.wrap is not None}, rows)
    return Placed(spec.name, first, last, letters, bool(table.footer), table.units)


def _derive(sheet: Any, derived: Derived, letters: Mapping[str, str], rows: range, total: int | None) -> None:
    """Write a derived column as formulas over its row (the spreadsheet does the
    arithmetic), in place of csplan's figure; nothing when a column it needs is not shown."""
    if isinstance(derived, Ratio):
        if not {derived.out, derived.part, derived.whole} <= letters.keys():
            return
        out, part, whole = letters[derived.out], letters[derived.part], letters[derived.whole]
        for row in [*rows, *([total] if derived.with_total and total is not None else [])]:
            cell = sheet[f"{out}{row}"]
            if sheet[f"{part}{row}"].value is None:
                cell.value = None
                continue
            divisor = f"ABS({whole}{row})" if derived.of_size else f"{whole}{row}"
            share = f"{part}{row}/{divisor}"
            if derived.shown_down and row != total:
                # PERCENT shows 0.1%: three places of the fraction. The total row has no
                # RAG to protect and the text rounds it half up (StatusTotals.forecast_percent),
                # so its plain fraction is left to PERCENT's own rounding.
                share = f"ROUNDDOWN({share},3)"
            cell.value = Formula(f'=IF({whole}{row}=0,"",{share})')
            cell.number_format = PERCENT
    elif isinstance(derived, Difference):
        if not {derived.out, derived.minuend, derived.subtrahend} <= letters.keys():
            return
        out, left, right = letters[derived.out], letters[derived.minuend], letters[derived.subtrahend]
        for row in rows:
            cell = sheet[f"{out}{row}"]
            if isinstance(sheet[f"{left}{row}"].value, Decimal | int) and isinstance(cell.value, Decimal | int):
                cell.value = Formula(f"={left}{row}-{right}{row}")
    elif isinstance(derived, TotalsBalance):
        if total is None or not {derived.out, *derived.plus, *derived.minus} <= letters.keys():
            return
        terms = "+".join(f"{letters[key]}{total}" for key in derived.plus)
        terms += "".join(f"-{letters[key]}{total}" for key in derived.minus)
        sheet[f"{letters[derived.out]}{total}"].value = Formula(f"={terms}")
    else:
        if total is None or not {derived.out, derived.amount} <= letters.keys():
            return
        out, of = letters[derived.out], letters[derived.amount]
        for row in rows:
            cell = sheet[f"{out}{row}"]
            cell.value = Formula(f'=IF(${of}${total}=0,"",{of}{row}/${of}${total})')
            cell.number_format = PERCENT


def _trimmed(values: list[Any]) -> list[Any]:
    """A row without the empty cells after its last value."""
    while values and values[-1] is None:
        values.pop()
    return values


def summary_sheet(
    book: Any,
    savings: SavingsReport,
    placed: Mapping[str, Placed],
    pressures: PressuresReport | None,
    budget: BudgetReport | None,
    department: str | None = None,
    errors: int = 0,
    units: str = "pounds",
) -> None:
    """Headline figures, as formulas over the sheets they come from (``placed``, by
    sheet name): the savings ones over the Savings rows, the pressure and budget ones
    linked to their sheets' totals; when the data has ``errors``, a notice beside the header.
    Every figure and word of money in one scale, ``units`` (the Savings sheet's: --units,
    else a thousands file's £'000, else pounds), named by the Target header and by each
    figure's format; a link to a sheet in another scale turns its figure into this one."""
    sheet = _Sheet(book.create_sheet("Summary"), ["Item", "Value", f"Target ({UNIT_LABELS[units]})"])
    if errors:
        _errors_notice(sheet, errors)
    savings_sheet = placed["Savings"]
    amounts: list[Money | None] = [savings.totals.target, savings.totals.forecast, savings.totals.variance]
    amounts += [counted.target for counted in savings.rag_summary.values()]
    if pressures is not None:
        amounts.append(pressures.total)
    if budget is not None:
        amounts += [budget.total, budget.variance]
    money = summary_format(units, max(scaled_places(amount, units) for amount in amounts if amount is not None))

    def linked(label: str, value: Money | None, name: str, key: str) -> None:
        """A figure linked to a sheet's total of column ``key``; the column is sized
        to the figure, which the formula equals."""
        shown = to_units(value, units) if value is not None else None
        row = sheet.row([label, shown], {2: money})
        formula = placed[name].whole(key, units) if name in placed else None
        if formula is not None:
            sheet.sheet.cell(row, 2).value = formula

    when = savings.period or "latest returns"
    sheet.row(["Year", savings.year])
    sheet.row(["As at", when])
    for figure in ("target", "forecast", "variance"):
        total = savings_sheet.in_scale(f"Savings!{savings_sheet.total(figure)}", units)
        sheet.row([f"Savings {figure}", Formula(f"={total}")], {2: money})
    rags, targets = f"Savings!{savings_sheet.rows('rag')}", f"Savings!{savings_sheet.rows('target')}"
    for rag in STATUSES:
        target = savings_sheet.in_scale(f'SUMIF({rags},"{rag}",{targets})', units)
        row = sheet.row([f"Savings {rag}", Formula(f'=COUNTIF({rags},"{rag}")'), Formula(f"={target}")], {3: money})
        sheet.fill_rag(row, 1, rag)
    if pressures is not None:
        linked("Pressure funding", pressures.total, "Pressures", "amount")
    if budget is not None:
        linked("Budget", budget.total, "Budget variance", "budget")
        if budget.has_lines:
            linked("Budget forecast variance", budget.variance, "Budget variance", "variance")
            sheet.row(["Budget position", budget.summary_in(money_words(units))])
    if department:  # last, so the rows the formulas and readers know keep their places
        sheet.row(["Department", department])
    sheet.finish()


def _in_units(spec: Sheet, units: str | None) -> Sheet:
    """A sheet with its money (and the tables after it) shown in ``units``."""
    if units is None:
        return spec
    after = [in_units(item, units) if isinstance(item, Table) else item for item in spec.after]
    return dataclasses.replace(spec, table=in_units(spec.table, units), after=after)


def write_workbook(
    path: Path,
    position: Position,
    data: DataFolders = None,
    units: str | None = None,
    findings: Sequence[Finding] = (),
) -> None:
    """Write the workbook of ``position`` (which must hold savings) to ``path`` with
    ``csplan.writer`` (never over a file of the ``data`` folder); money in ``units``
    (--units), else as each file is written (the programme's as its savings files
    are, as ``savings programme`` shows it). A position computed ``with_programme`` gets a
    Programme sheet when its programme has any year. When the data was loaded with
    any ``findings``, a last sheet, Findings, lists them; when one is an error, the
    Summary also says so beside its header."""
    from openpyxl import Workbook

    from csplan.returns_sheet import write_as_sent
    from csplan.writer import write_output

    savings, pressures, budget = position.savings, position.pressures, position.budget
    assert savings is not None, "the workbook needs a savings report"
    from csplan.render import budget as render_budget
    from csplan.render import pressures as render_pressures
    from csplan.render import programme as render_programme
    from csplan.render import savings as render_savings

    book = Workbook()
    book.remove(book.active)
    shown = display_units(units, savings.units)
    savings_sheets = [_in_units(spec, shown) for spec in render_savings.sheets(savings, shown)]
    specs = list(savings_sheets)
    if pressures is not None:
        specs.append(_in_units(render_pressures.sheet(pressures), display_units(units, pressures.units)))
    if budget is not None:
        budget_units = display_units(units, budget.units)
        specs.append(_in_units(render_budget.sheet(budget, budget_units), budget_units))
    placed = {spec.name: write_sheet(book, spec) for spec in specs}
    errors = sum(1 for finding in findings if finding.severity == "error")
    summary_sheet(book, savings, placed, pressures, budget, position.department, errors, shown or "pounds")
    # After the Summary: the year's sheets keep their places, and this one spans years.
    if position.programme is not None and position.programme.years:
        shown = display_units(units, position.programme.units)
        write_sheet(
            book, _in_units(render_programme.sheet(position.programme, shown, position.delivered_bridge), shown)
        )
    if findings:  # last: Savings stays the first sheet, which savings import reads
        findings_sheet(book, findings)
    # Savings goes back in with savings import: what its rows were sent with, as the
    # returns template records it, so a figure corrected since is not undone by a cell
    # left as exported (and an untouched export imports as nothing to write).
    write_as_sent(book, EXPORT_SENT_FIELDS, sent_rows(savings))
    # The file's title (File > Properties) names the department, from its own files.
    book.properties.title = f"{position.department or 'Department'} savings and budget monitoring, {savings.year}"
    from csplan.render.workbook_print import finish_for_people

    finish_for_people(book)
    write_output(path, book.save, (".xlsx",), "workbook", data)


EXPORT_SENT_FIELDS = ("forecast", "delivered", "note", "achieved", "at_risk")
"""The Savings sheet's columns that savings import reads as a return (its RAG is the
status csplan derived, not read back)."""


def sent_rows(savings: SavingsReport) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Each Savings row with a return, as the as-sent record keys it: its id, the period
    of the return it shows and that return's figures (a row's own, none carried)."""
    for status in savings.statuses:
        if status.period is not None:
            yield status.id, status.period, {name: getattr(status, name) for name in EXPORT_SENT_FIELDS}


def _errors_notice(sheet: _Sheet, errors: int) -> None:
    """Say the data has ``errors`` in the header row, right of the last header: seen at
    once (the header row is frozen, and printed on every page) and moving no row, so a
    reference to the Summary's B4 means the savings target with errors or without."""
    from openpyxl.styles import Font

    notice = f"The data has {may_not_agree(errors)} (see the Findings sheet)"
    cell = sheet.sheet.cell(1, len(sheet.widths) + 1, notice)
    cell.data_type = "s"
    cell.font = Font(bold=True, color="9C0006")
    sheet.widths.append(len(notice))


def findings_sheet(book: Any, findings: Sequence[Finding]) -> None:
    """A Findings sheet: every finding the data was loaded with, a row each, the errors
    first (they make figures disagree), then the warnings, each in the order ``csplan
    validate`` prints them; text as text. The sheet is one table, nothing beside it,
    so it filters and sorts like any other list."""
    sheet = _Sheet(book.create_sheet("Findings"), ["Code", "Severity", "File", "Line", "Column", "Message", "Hint"])
    for finding in sorted(findings, key=lambda finding: finding.severity != "error"):
        sheet.row(
            [finding.code, finding.severity, finding.path, finding.line, finding.column, finding.message, finding.hint]
        )
    sheet.finish()
