"""Reading spreadsheets that come from outside: streamed, with limits, never trusted.

A workbook is a zip of XML. Its sizes are checked from the zip's directory before
openpyxl opens it (a zip bomb is refused there, in milliseconds), its declared
dimension is ignored (a 5 KB file may declare A1:XFD1048576), and its rows are read
one at a time. A CSV file is read with a byte limit and a cell-length limit. Past any
limit the read stops with a :class:`TableLimitError` that names the limit.

Cells are handed over raw (``str``, ``int``, ``float``, ``bool``, ``datetime`` or
``None``), each with its place (``Returns!C7``) and, for a workbook's number, its
number format, so the caller decides what a value means and says where a bad one
is. :func:`cell_text` gives the text an officer typed.
"""

from __future__ import annotations

import csv
import math
import os
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from csplan.errors import DataError, UsageError

SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class Limits:
    """What a spreadsheet from outside may hold. The defaults are far above any
    department's returns (hundreds of rows, a dozen columns) and far below what
    would make csplan slow or large."""

    file_bytes: int = 20 * 1024 * 1024
    """The file as stored (the CSV text, or the zipped workbook)."""
    uncompressed_bytes: int = 100 * 1024 * 1024
    """A workbook's members unzipped, all together."""
    compression_ratio: int = 100
    """Unzipped to zipped size of any workbook member over 1 MB unzipped."""
    rows: int = 100_000
    """The last row number read (blank rows count: they are rows of the sheet)."""
    columns: int = 200
    """The last column with a cell in any row."""
    cells: int = 250_000
    """Cells with a value, all rows together: what bounds the time a read takes
    (about a second; a department's returns are a few thousand)."""
    cell_chars: int = 32_767
    """Characters in one cell (Excel's own limit)."""


DEFAULT_LIMITS = Limits()

# A small member (styles, a short sheet) may compress very well without being a bomb.
_RATIO_FLOOR = 1024 * 1024


class TableLimitError(DataError):
    """A spreadsheet past one of its :class:`Limits`; ``limit`` names which."""

    def __init__(self, message: str, hint: str | None, limit: str) -> None:
        super().__init__(message, hint)
        self.limit = limit


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell: its sheet ("" for CSV), 1-based row and column, and raw value."""

    sheet: str
    row: int
    column: int
    value: Any
    formula: bool = False
    """The cell holds a formula (read with ``formulas=True``): ``value`` is its text, "=..."."""
    number_format: str | None = None
    """A workbook's number cell: its number format ("#,##0,", "General"); None otherwise."""

    @property
    def ref(self) -> str:
        """``Returns!C7`` (``'My returns'!C7`` when the name needs quotes; ``C7`` in a CSV)."""
        place = f"{column_letter(self.column)}{self.row}"
        return sheet_reference(self.sheet, place) if self.sheet else place


@dataclass(frozen=True, slots=True)
class Row:
    """A row of a sheet: its 1-based number and its cells from column A to the
    last cell with a value (a blank row has no cells)."""

    sheet: str
    number: int
    cells: tuple[Cell, ...]

    @property
    def values(self) -> tuple[Any, ...]:
        return tuple(cell.value for cell in self.cells)


def sheet_reference(sheet: str, place: str) -> str:
    """A ``place`` ("C7", "$B$4") on another sheet as spreadsheets write it: ``Returns!C7``,
    or ``'My returns'!C7`` when the name holds anything but letters, digits, ``_`` and
    ``.``, an apostrophe in it doubled (``'O''Neil'!A1``)."""
    if sheet.replace("_", "").replace(".", "").isalnum():
        return f"{sheet}!{place}"
    return "'" + sheet.replace("'", "''") + f"'!{place}"


def column_letter(column: int) -> str:
    """1 -> A, 27 -> AA, 16384 -> XFD."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_text(value: Any) -> str | None:
    """A cell as the text an officer typed, stripped; None when blank.

    A workbook stores numbers as binary floats; the shortest text that reads back
    as the same float is what was typed (so 1234.56, never 1234.5599999...), written
    in full digits: 0.000005, never 5e-06 (openpyxl writes a small float so, as
    csplan's own export in £m does for £5), which money refuses as an exponent."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f") if math.isfinite(value) else repr(value)
    text = str(value).strip()
    return text or None


def sheet_names(path: Path, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """The sheets of a workbook in order (``[""]`` for a CSV file)."""
    if _kind(path) == ".csv":
        return [""]
    book = _open_workbook(path, limits)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def read_rows(
    path: Path, *, sheet: str | None = None, limits: Limits = DEFAULT_LIMITS, formulas: bool = False
) -> Iterator[Row]:
    """The rows of a ``.csv`` file, or of one sheet of an ``.xlsx`` workbook (the
    first unless ``sheet`` names one), streamed, each checked against ``limits``.

    Raises :class:`UsageError` for a missing file or another suffix,
    :class:`TableLimitError` past a limit (possibly after some rows were yielded:
    a caller that must not act on part of a file collects the rows first) and
    :class:`DataError` for a file that cannot be read as its suffix says.
    """
    if _kind(path) == ".csv":
        yield from _csv_rows(path, limits)
    else:
        yield from _xlsx_rows(path, sheet, limits, formulas)


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(
            f"'{path}' is neither .csv nor .xlsx",
            "save it as an Excel Workbook (.xlsx) or as CSV UTF-8; csplan does not read .xls, .xlsm or .ods",
        )
    if not path.exists():
        raise UsageError(f"file '{path}' does not exist")
    if not path.is_file():
        raise UsageError(f"'{path}' is not a regular file")
    return suffix


def _too_big(path: Path, size: int, limits: Limits) -> TableLimitError:
    return TableLimitError(
        f"{path} is {_mb(size)}, over the limit of {_mb(limits.file_bytes)} for a spreadsheet",
        "a department's returns fit in far less; split the file, or remove other sheets and data",
        "file_bytes",
    )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


# -- CSV ---------------------------------------------------------------------------------


class _ByteCounter:
    """Lines of a binary stream, decoded, refusing past ``limit`` bytes (the file
    may grow, or not be what ``stat`` said, between the check and the read)."""

    def __init__(self, stream: Any, path: Path, limits: Limits) -> None:
        self.stream = stream
        self.path = path
        self.limits = limits
        self.read = 0
        self.first = True

    def __iter__(self) -> _ByteCounter:
        return self

    def __next__(self) -> str:
        # readline with a cap: a file with no newline is not read whole into memory.
        line: bytes = self.stream.readline(self.limits.file_bytes + 1)
        if not line:
            raise StopIteration
        self.read += len(line)
        if self.read > self.limits.file_bytes:
            raise _too_big(self.path, self.read, self.limits)
        if self.first:
            self.first = False
            line = line.removeprefix(b"\xef\xbb\xbf")
        try:
            return line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DataError(f"{self.path} is not UTF-8 text ({exc.reason})", "in Excel, save as 'CSV UTF-8'") from None


def _csv_rows(path: Path, limits: Limits) -> Iterator[Row]:
    with path.open("rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        if size > limits.file_bytes:
            raise _too_big(path, size, limits)
        lines = _ByteCounter(stream, path, limits)
        reader = csv.reader(lines)
        previous = csv.field_size_limit()
        # The module-wide limit is set only while this file is read (and restored).
        csv.field_size_limit(limits.cell_chars)
        # A row is a record, as a spreadsheet program shows it (a quoted cell may
        # hold line breaks, so records and lines differ); errors name the line.
        number = 0
        counted = _CellCount(path, limits)
        try:
            while True:
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    if "field larger than field limit" in str(exc):
                        raise _cell_too_long(f"{path} line {reader.line_num}", limits) from None
                    where = f"{path} line {reader.line_num}"
                    raise DataError(f"{where}: {exc}", "save the file again as CSV UTF-8") from None
                number += 1
                if number > limits.rows:
                    raise _too_many_rows(path, "", limits)
                yield counted.add(_row("", number, list(fields), limits, path))
        finally:
            csv.field_size_limit(previous)


class _CellCount:
    """Cells with a value read so far from one file, refused past ``limits.cells``."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        self.limits = limits
        self.count = 0

    def add(self, row: Row) -> Row:
        self.count += sum(1 for cell in row.cells if cell.value is not None and cell.value != "")
        if self.count > self.limits.cells:
            raise TableLimitError(
                f"{self.path} {row.cells[-1].ref}: more than {self.limits.cells:,} cells with a value, "
                "the limit for a spreadsheet",
                "a department's returns are a few thousand cells; copy the returns alone into a new file",
                "cells",
            )
        return row


def _row(
    sheet: str,
    number: int,
    values: list[Any],
    limits: Limits,
    path: Path,
    formulas: frozenset[int] = frozenset(),
    formats: Sequence[str | None] = (),
) -> Row:
    last = len(values)
    while last and (values[last - 1] is None or values[last - 1] == ""):
        last -= 1
    if last > limits.columns:
        raise TableLimitError(
            f"{path} {Cell(sheet, number, last, None).ref}: a cell in column {column_letter(last)}, "
            f"past the limit of {limits.columns} columns",
            "returns need a dozen columns; delete the columns to the right of the table",
            "columns",
        )
    cells = []
    for column, value in enumerate(values[:last], start=1):
        if isinstance(value, str) and len(value) > limits.cell_chars:
            raise _cell_too_long(f"{path} {Cell(sheet, number, column, None).ref}", limits)
        shown = formats[column - 1] if column <= len(formats) else None
        cells.append(Cell(sheet, number, column, value, column in formulas, shown))
    return Row(sheet, number, tuple(cells))


def _cell_too_long(place: str, limits: Limits) -> TableLimitError:
    return TableLimitError(
        f"{place}: a cell is longer than the limit of {limits.cell_chars:,} characters",
        "a note is a sentence or two; check the file is the returns and not something else",
        "cell_chars",
    )


def _too_many_rows(path: Path, sheet: str, limits: Limits) -> TableLimitError:
    where = f" sheet {sheet!r}" if sheet else ""
    return TableLimitError(
        f"{path}{where} goes past row {limits.rows:,}, the limit of rows for a spreadsheet",
        "delete the rows below the table (blank rows with formatting count too)",
        "rows",
    )


# -- xlsx --------------------------------------------------------------------------------


def _check_zip(path: Path, limits: Limits) -> None:
    """Refuse a workbook whose zip would unpack too large, from its directory alone.

    Python's zipfile never unpacks a member past the size its directory declares,
    so the declared sizes bound what openpyxl can read."""
    size = path.stat().st_size
    if size > limits.file_bytes:
        raise _too_big(path, size, limits)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DataError(
            f"{path} cannot be read as a workbook: {exc}", "save it from Excel or LibreOffice as .xlsx"
        ) from None
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > _RATIO_FLOOR and member.file_size > limits.compression_ratio * max(
            member.compress_size, 1
        ):
            raise TableLimitError(
                f"{path}: {member.filename} unzips {member.file_size / max(member.compress_size, 1):,.0f} times "
                f"larger than stored, past the compression ratio limit of {limits.compression_ratio}",
                "this is not how a spreadsheet program saves a workbook (a zip bomb?); save it again as .xlsx",
                "compression_ratio",
            )
    if total > limits.uncompressed_bytes:
        raise TableLimitError(
            f"{path} unzips to {_mb(total)}, over the uncompressed size limit of {_mb(limits.uncompressed_bytes)}",
            "a department's returns are far smaller; copy the returns alone into a new workbook",
            "uncompressed_bytes",
        )
    if _opendocument(path, members):
        raise DataError(
            f"{path} is an OpenDocument spreadsheet (.ods) with an .xlsx name: csplan reads Excel workbooks",
            "open it in LibreOffice and save it as Excel 2007-365 (.xlsx)",
        )


def _opendocument(path: Path, members: list[zipfile.ZipInfo]) -> bool:
    """Whether the zip is an OpenDocument file: its first member is a short "mimetype"
    naming one (and it has no [Content_Types].xml, which every .xlsx has)."""
    if not members or members[0].filename != "mimetype" or members[0].file_size > 100:
        return False
    if any(member.filename == "[Content_Types].xml" for member in members):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read("mimetype").startswith(b"application/vnd.oasis.opendocument")
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return False


def _open_workbook(path: Path, limits: Limits, formulas: bool = False) -> Any:
    _check_zip(path, limits)
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=not formulas, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise DataError(
            f"{path} cannot be read as a workbook: {exc}", "save it from Excel or LibreOffice as .xlsx"
        ) from None


def _xlsx_rows(path: Path, sheet: str | None, limits: Limits, formulas: bool = False) -> Iterator[Row]:
    """With ``formulas``, a formula cell is handed over as its formula text, marked as
    one (never its cached value, which a formula someone typed may not even have)."""
    book = _open_workbook(path, limits, formulas)
    try:
        if sheet is None:
            if not book.worksheets:
                raise DataError(f"{path} has no sheets")
            worksheet = book.worksheets[0]
        elif sheet in book.sheetnames:
            worksheet = book[sheet]
        else:
            raise DataError(f"{path} has no sheet {sheet!r}", f"its sheets are: {', '.join(book.sheetnames)}")
        name = str(worksheet.title)
        if not hasattr(worksheet, "reset_dimensions"):  # a chartsheet has no cells
            raise DataError(f"{path} sheet {name!r} is not a sheet of cells")
        # The declared dimension is the file's word, not a fact: forget it, so a row
        # holds only the cells the file has (openpyxl pads rows to the dimension).
        worksheet.reset_dimensions()
        counted = _CellCount(path, limits)
        try:
            for cells in worksheet.iter_rows():
                if not cells:
                    continue  # a row missing from the file: blank
                number = next(c.row for c in cells if getattr(c, "row", None) is not None)
                if number > limits.rows:
                    raise _too_many_rows(path, name, limits)
                formats = [_number_format(c) for c in cells]
                if formulas:
                    values, marked = _formula_texts(cells)
                    yield counted.add(_row(name, number, values, limits, path, marked, formats))
                else:
                    yield counted.add(_row(name, number, [c.value for c in cells], limits, path, formats=formats))
        except (TableLimitError, DataError):
            raise
        except Exception as exc:  # the sheet's XML is broken (openpyxl raises many kinds)
            raise DataError(
                f"{path} sheet {name!r} cannot be read: {exc}", "save it from Excel or LibreOffice as .xlsx"
            ) from None
    finally:
        book.close()


def _number_format(cell: Any) -> str | None:
    """A number cell's format (what the spreadsheet shows of the number it holds)."""
    value = getattr(cell, "value", None)
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    return str(cell.number_format)


def _formula_texts(cells: Any) -> tuple[list[Any], frozenset[int]]:
    """The values of a row read with formulas, and the columns holding one."""
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    values: list[Any] = []
    marked: set[int] = set()
    for column, cell in enumerate(cells, start=1):
        value = cell.value
        if isinstance(value, ArrayFormula):
            value = value.text or "="
        elif isinstance(value, DataTableFormula):
            value = "=TABLE()"
        if getattr(cell, "data_type", None) == "f" or value is not cell.value:
            marked.add(column)
            value = str(value) if str(value).startswith("=") else f"={value}"
        values.append(value)
    return values, frozenset(marked)
