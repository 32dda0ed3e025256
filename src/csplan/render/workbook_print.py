"""The exported workbook as people print it.

- every sheet prints on A4 landscape, fitted to the page width, its header row
  repeated on every page (the returns template uses the same ``print_setup``);
- long text wraps at a readable width, in the columns whose description says so
  (``Column.wrap``), and each row is as tall as its longest text needs
  (``wrapped_lines``, which the returns template's rows use too);
- a RAG cell is coloured by its word (``rag_colours``, the export's and the template's).

What a column holds (its formulas, its RAG colours, the Summary's links) is written
by ``csplan.render.workbook`` from the column descriptions as it lays out the rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LINE_HEIGHT = 15
"""Points per line of text. Spreadsheets do not grow a row to fit wrapped text when
they open a file, so each row is given the height its longest wrapped cell needs."""


def wrapped_lines(text: str | None, width: int) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (at least one)."""
    if not text:
        return 1
    return max(1, -(-len(text) // max(width - 2, 1)))


def rag_colours(sheet: Any, where: str) -> None:
    """Colour the cells ``where`` ("G2:G14") by their RAG word with conditional
    formatting, so the fill follows the word when someone changes it."""
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import PatternFill

    from csplan.rag import WORKBOOK_FILLS

    for word, colour in WORKBOOK_FILLS.items():
        rule = CellIsRule(operator="equal", formula=[f'"{word}"'], fill=PatternFill(bgColor=colour))
        sheet.conditional_formatting.add(where, rule)


def finish_for_people(book: Any) -> None:
    """Every sheet printed on A4 landscape, one page wide, its header row on every page."""
    for sheet in book.worksheets:
        print_setup(sheet, title_rows="1:1", footer="&A: page &P of &N")


def wrap_long_text(sheet: Any, wrapped: Mapping[str, int], rows: range) -> None:
    """Wrap the text of the ``wrapped`` columns (letter -> width in characters) in
    ``rows``, no column wider than its width, so a page fitted to its width keeps a
    readable type size instead of shrinking to fit one long line. Spreadsheets do not
    grow a row to fit wrapped text when they open a file, so each row is given the
    height its longest cell needs."""
    from openpyxl.styles import Alignment

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
            lines = max(lines, wrapped_lines(cell.value if isinstance(cell.value, str) else None, width))
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
