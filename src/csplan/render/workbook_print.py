"""The exported workbook as people use it: printed, and edited.

Applied to the finished workbook, sheet by sheet, by the header words each sheet
already has (so it follows the columns wherever the layout puts them):

- every sheet prints on A4 landscape, fitted to the page width, its header row
  repeated on every page;
- percentages are formulas over the cells they divide (forecast / target, variance /
  budget, amount / total), so they are exact, not the whole percent a table shows,
  and they follow an edit;
- a RAG column is coloured by conditional formatting, so its colour follows its word
  when someone changes it;
- the Summary's pressure and budget figures are formulas linked to their sheets'
  totals, as its savings figures already are.

No arithmetic on csplan's figures happens here: the spreadsheet does the dividing.
"""

from __future__ import annotations

from typing import Any

from csplan.money import UNIT_LABELS
from csplan.rag import WORKBOOK_FILLS
from csplan.render.workbook import Formula

TOTAL = "Total"


def finish_for_people(book: Any) -> None:
    """Print setup, percentage formulas, RAG conditional formatting and Summary links."""
    for sheet in book.worksheets:
        print_setup(sheet, title_rows="1:1", footer="&A: page &P of &N")
        heads = _headers(sheet)
        rows = _data_rows(sheet)
        if sheet.title == "Savings":
            _ratio(sheet, heads, rows, "% of target", "Forecast", "Target", with_total=True)
            _difference(sheet, heads, rows, "Variance", "Forecast", "Target")
        elif sheet.title == "Budget variance":
            _ratio(sheet, heads, rows, "% of budget", "Variance", "Budget", with_total=True)
        elif sheet.title == "Pressures":
            _share(sheet, heads, rows, "Share", "Amount (£)")
        for header, letter in heads.items():
            if header == "RAG":
                _rag_colours(sheet, letter, rows)
        _wrap_long_text(sheet, heads, rows)
    if "Summary" in book.sheetnames:
        _link_summary(book)


WRAPPED = {"Saving": 40, "Division": 24, "Reason": 45, "Note": 40, "Pressure": 40, "Line": 30, "Mitigations": 45}
"""Text columns wrapped at these widths (characters), so a page fitted to its width
keeps a readable type size instead of shrinking to fit one long line."""
LINE_HEIGHT = 15


def _wrap_long_text(sheet: Any, heads: dict[str, str], rows: range) -> None:
    """Wrap the long text columns; spreadsheets do not grow a row to fit wrapped text
    when they open a file, so each row is given the height its longest cell needs."""
    from openpyxl.styles import Alignment

    wrapped = {letter: WRAPPED[header] for header, letter in heads.items() if header in WRAPPED}
    if not wrapped:
        return
    for letter, width in wrapped.items():
        if (sheet.column_dimensions[letter].width or 0) > width:
            sheet.column_dimensions[letter].width = width
    # One pass over the rows: sheet[row] scans the whole sheet for its width each time.
    for row, cells in zip(rows, sheet.iter_rows(min_row=rows.start, max_row=rows.stop - 1), strict=True):
        lines = 1
        for cell in cells:  # a row of several lines reads from its top
            cell.alignment = Alignment(vertical="top")
        for letter, width in wrapped.items():
            cell = sheet[f"{letter}{row}"]
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            text = cell.value if isinstance(cell.value, str) else ""
            lines = max(lines, -(-len(text) // max(width - 2, 1)))
        if lines > 1:
            sheet.row_dimensions[row].height = LINE_HEIGHT * lines


def print_setup(sheet: Any, *, title_rows: str | None, footer: str) -> None:
    """A4 landscape, fitted to the page width (as many pages down as it takes), the
    ``title_rows`` ("1:1") repeated on every page, ``footer`` centred at the foot."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows is not None:
        sheet.print_title_rows = title_rows
    sheet.oddFooter.center.text = footer


def _headers(sheet: Any) -> dict[str, str]:
    """The header row's words -> column letters. A header that names its scale (--units:
    "Target £'000", "Amount (£'000)") is also known by its plain words, and a revised
    budget ("Revised", beside "Original") is the budget the variance is against."""
    heads: dict[str, str] = {}
    for cell in sheet[1]:
        if not isinstance(cell.value, str):
            continue
        words = cell.value
        heads[words] = cell.column_letter
        for label in UNIT_LABELS.values():
            if words.endswith(f" ({label})"):
                heads.setdefault(f"{words.removesuffix(f' ({label})')} (£)", cell.column_letter)
            elif words.endswith(f" {label}"):
                heads.setdefault(words.removesuffix(f" {label}"), cell.column_letter)
    if "Revised" in heads:
        heads["Budget"] = heads["Revised"]
    return heads


def _total_row(sheet: Any) -> int | None:
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, 1).value == TOTAL:
            return row
    return None


def _data_rows(sheet: Any) -> range:
    """The table's rows: below the header, down to the total row (or the first gap)."""
    total = _total_row(sheet)
    last = 1
    # One pass: sheet[row] scans the whole sheet for its width each time (quadratic).
    for row, cells in enumerate(sheet.iter_rows(min_row=2, max_row=(total or sheet.max_row + 1) - 1), start=2):
        if all(cell.value is None for cell in cells):
            break
        last = row
    return range(2, last + 1)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) or type(value).__name__ == "Decimal"


def _ratio(
    sheet: Any, heads: dict[str, str], rows: range, header: str, part: str, whole: str, *, with_total: bool
) -> None:
    """``header`` = part / whole in each row that has a part, as a formula."""
    if not {header, part, whole} <= heads.keys():
        return
    out, top, bottom = heads[header], heads[part], heads[whole]
    chosen = list(rows)
    total = _total_row(sheet)
    if with_total and total is not None:
        chosen.append(total)
    for row in chosen:
        if sheet[f"{top}{row}"].value is None:
            sheet[f"{out}{row}"].value = None
            continue
        cell = sheet[f"{out}{row}"]
        cell.value = Formula(f'=IF({bottom}{row}=0,"",{top}{row}/{bottom}{row})')
        cell.number_format = "0.0%"


def _difference(sheet: Any, heads: dict[str, str], rows: range, header: str, minuend: str, subtrahend: str) -> None:
    """``header`` = minuend - subtrahend in each row that has a minuend, as a formula."""
    if not {header, minuend, subtrahend} <= heads.keys():
        return
    out, left, right = heads[header], heads[minuend], heads[subtrahend]
    for row in rows:
        if _is_number(sheet[f"{left}{row}"].value) and _is_number(sheet[f"{out}{row}"].value):
            sheet[f"{out}{row}"].value = Formula(f"={left}{row}-{right}{row}")


def _share(sheet: Any, heads: dict[str, str], rows: range, header: str, amount: str) -> None:
    """``header`` = each row's amount / the total row's amount."""
    total = _total_row(sheet)
    if total is None or not {header, amount} <= heads.keys():
        return
    out, of = heads[header], heads[amount]
    for row in rows:
        cell = sheet[f"{out}{row}"]
        cell.value = Formula(f'=IF(${of}${total}=0,"",{of}{row}/${of}${total})')
        cell.number_format = "0.0%"


def _rag_colours(sheet: Any, letter: str, rows: range) -> None:
    """Colour a RAG column by its words with conditional formatting (the fill follows
    an edit), in place of fills fixed when the file was written."""
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import PatternFill

    if not rows:
        return
    for row in rows:
        sheet[f"{letter}{row}"].fill = PatternFill(fill_type=None)
    where = f"{letter}{rows.start}:{letter}{rows.stop - 1}"
    for word, colour in WORKBOOK_FILLS.items():
        rule = CellIsRule(operator="equal", formula=[f'"{word}"'], fill=PatternFill(bgColor=colour))
        sheet.conditional_formatting.add(where, rule)


def _link_summary(book: Any) -> None:
    """Point the Summary's pressure and budget figures at their sheets' totals."""
    summary = book["Summary"]
    links: dict[str, tuple[str, str]] = {
        "Pressure funding": ("Pressures", "Amount (£)"),
        "Budget": ("Budget variance", "Budget"),
        "Budget forecast variance": ("Budget variance", "Variance"),
    }
    for row in range(2, summary.max_row + 1):
        item = summary.cell(row, 1).value
        if item not in links:
            continue
        name, header = links[item]
        if name not in book.sheetnames:
            continue
        sheet = book[name]
        heads = _headers(sheet)
        if header not in heads:
            continue
        at = _total_row(sheet)
        if at is None:  # a budget with no line split: its one figure is in the first row
            at = next((r for r in range(2, sheet.max_row + 1) if _is_number(sheet[f"{heads[header]}{r}"].value)), None)
        if header not in heads or at is None:
            continue
        quoted = f"'{name}'" if " " in name else name
        summary.cell(row, 2).value = Formula(f"={quoted}!${heads[header]}${at}")
