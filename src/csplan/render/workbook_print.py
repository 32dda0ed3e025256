"""The exported workbook as people use it: printed, and edited.

Applied to the finished workbook, sheet by sheet, by the header words each sheet
already has (so it follows the columns wherever the layout puts them):

- every sheet prints on A4 landscape, fitted to the page width, its header row
  repeated on every page;
- long text wraps at a readable width;
- the Summary's pressure and budget figures are formulas linked to their sheets'
  totals, as its savings figures already are.

The derived columns' formulas (% of target, variance, share) and the RAG colours are
written by ``csplan.render.workbook`` from the column descriptions, by key.
"""

from __future__ import annotations

from typing import Any

from csplan.money import UNIT_LABELS
from csplan.render.workbook import Formula

TOTAL = "Total"


def finish_for_people(book: Any) -> None:
    """Print setup, long-text wrapping and Summary links."""
    for sheet in book.worksheets:
        print_setup(sheet, title_rows="1:1", footer="&A: page &P of &N")
        heads = _headers(sheet)
        rows = _data_rows(sheet)
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
