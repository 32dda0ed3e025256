"""Spreadsheets from outside: the streaming reader's limits, and hostile files refused
quickly and in little memory (measured on the installed csplan as a process)."""

from __future__ import annotations

import csv
import struct
import zipfile
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from conftest import CSPLAN, run_measured
from csplan.errors import DataError, UsageError
from csplan.tabular import Cell, Limits, TableLimitError, cell_text, column_letter, read_rows, sheet_names

HEADER = ["id", "period", "forecast", "delivered", "rag", "note"]


def returns_book(path: Path, *extra: tuple[str, object]) -> Path:
    """A good returns workbook (sheet "Returns"), with ``extra`` cells set by reference."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Returns"
    sheet.append(HEADER)
    sheet.append(["S07", "P06", 400000, None, "amber", "Policy applies from September"])
    sheet.append(["S08", "P06", 250000, 125000, None, None])
    for ref, value in extra:
        sheet[ref] = value
    book.save(path)
    return path


def rewrite_member(path: Path, name: str, change: dict[bytes, bytes]) -> None:
    """Replace bytes inside one member of a zip (a workbook's XML)."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in members:
            if info.filename == name:
                for old, new in change.items():
                    assert old in content, (old, content[:300])
                    content = content.replace(old, new)
            target.writestr(info, content)


def zip_bomb(path: Path, megabytes: int) -> Path:
    """A workbook whose sheet unzips to ``megabytes`` MB of rows, in about 1/330 of that.

    Deflate output after a full flush depends only on what follows, so one compressed
    megabyte of rows is repeated rather than compressing the whole sheet (seconds)."""
    returns_book(path)
    with zipfile.ZipFile(path) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    row = b'<row><c t="inlineStr"><is><t>S01</t></is></c><c><v>1</v></c></row>'
    chunk = row * (1024 * 1024 // len(row))
    head = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    tail = b"</sheetData></worksheet>"
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    middle = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head)
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    sheet = (start + middle * megabytes + end, crc, len(head) + len(chunk) * megabytes + len(tail))

    entries = []
    for name, content in members:
        if name == "xl/worksheets/sheet1.xml":
            entries.append((name, *sheet))
        else:
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
            entries.append((name, compressor.compress(content) + compressor.flush(), zlib.crc32(content), len(content)))
    with path.open("wb") as out:
        directory = b""
        for name, data, crc, size in entries:
            offset = out.tell()
            encoded = name.encode()
            fields = (20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0)
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + encoded + data)
            directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, offset) + encoded
        start_of_directory = out.tell()
        out.write(directory)
        out.write(
            struct.pack(
                "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), start_of_directory, 0
            )
        )
    return path


# -- the reader ---------------------------------------------------------------------------


def test_rows_carry_sheet_reference_and_raw_value(tmp_path: Path) -> None:
    book = returns_book(tmp_path / "r.xlsx", ("C7", 1234.56), ("A7", "S09"))
    rows = list(read_rows(book))
    assert [row.number for row in rows] == [1, 2, 3, 7]  # rows 4-6 are blank: not yielded
    assert rows[1].values == ("S07", "P06", 400000, None, "amber", "Policy applies from September")
    assert rows[2].values == ("S08", "P06", 250000, 125000)  # trailing blanks dropped
    last = rows[3].cells
    assert [cell.ref for cell in last] == ["Returns!A7", "Returns!B7", "Returns!C7"]
    assert (last[0].value, last[1].value, last[2].value) == ("S09", None, 1234.56)
    assert cell_text(last[2].value) == "1234.56" and cell_text(400000.0) == "400000"
    assert sheet_names(book) == ["Returns"]


def test_csv_rows_are_records_with_plain_references(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes('\ufeffid,period,forecast,note\nS06,P06,600000,"two\nlines"\n\nS01,P06,1,\n'.encode())
    rows = list(read_rows(path))
    assert [row.number for row in rows] == [1, 2, 3, 4]
    assert rows[0].values == ("id", "period", "forecast", "note")  # the BOM is not part of "id"
    assert rows[1].cells[3].value == "two\nlines" and rows[1].cells[3].ref == "D2"
    assert rows[2].cells == () and rows[3].values == ("S01", "P06", "1")


def test_reference_quotes_a_sheet_name_with_spaces() -> None:
    assert Cell("My returns", 7, 3, None).ref == "'My returns'!C7"
    assert Cell("O'Neil", 1, 1, None).ref == "'O''Neil'!A1"
    assert [column_letter(n) for n in (1, 26, 27, 200, 16384)] == ["A", "Z", "AA", "GR", "XFD"]


def test_a_named_sheet_is_read_and_a_missing_one_named(tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "Notes"
    book.create_sheet("Returns").append(HEADER)
    book.save(tmp_path / "r.xlsx")
    assert next(read_rows(tmp_path / "r.xlsx", sheet="Returns")).values == tuple(HEADER)
    with pytest.raises(DataError, match="no sheet 'Other'"):
        list(read_rows(tmp_path / "r.xlsx", sheet="Other"))


@pytest.mark.parametrize(
    ("limits", "content", "limit", "message"),
    [
        (Limits(rows=3), "a\nb\nc\nd\n", "rows", "past row 3"),
        (Limits(columns=3), "a,b,c,d\n", "columns", "D1: a cell in column D, past the limit of 3 columns"),
        (Limits(columns=3), "a,b,c,,,,\n", None, None),  # empty cells on the right are not columns
        (
            Limits(cell_chars=10),
            "id\n" + "x" * 11 + "\n",
            "cell_chars",
            "line 2: a cell is longer than the limit of 10",
        ),
        (Limits(file_bytes=100), "a\n" * 51, "file_bytes", "over the limit of 100 bytes"),
        (Limits(cells=5), "a,b,c\n,,\nd,e,f\n", "cells", "C3: more than 5 cells with a value"),
    ],
)
def test_csv_limits(tmp_path: Path, limits: Limits, content: str, limit: str | None, message: str | None) -> None:
    path = tmp_path / "r.csv"
    path.write_text(content, encoding="utf-8")
    before = csv.field_size_limit()
    if limit is None:
        assert list(read_rows(path, limits=limits))
        return
    with pytest.raises(TableLimitError, match=message) as caught:
        list(read_rows(path, limits=limits))
    assert caught.value.limit == limit
    assert csv.field_size_limit() == before  # the module-wide limit is put back


@pytest.mark.parametrize(
    ("limits", "extra", "limit", "message"),
    [
        (Limits(rows=10), [("A11", "x")], "rows", "sheet 'Returns' goes past row 10"),
        (Limits(columns=6), [("G2", "x")], "columns", "Returns!G2: a cell in column G, past the limit of 6"),
        (Limits(cell_chars=40), [("F3", "y" * 41)], "cell_chars", "Returns!F3: a cell is longer"),
        (Limits(uncompressed_bytes=5000), [], "uncompressed_bytes", "over the uncompressed size limit of 5,000"),
        (Limits(cells=12), [], "cells", "Returns!D3: more than 12 cells with a value"),
    ],
)
def test_xlsx_limits(tmp_path: Path, limits: Limits, extra: list[tuple[str, object]], limit: str, message: str) -> None:
    book = returns_book(tmp_path / "r.xlsx", *extra)
    with pytest.raises(TableLimitError, match=message) as caught:
        list(read_rows(book, limits=limits))
    assert caught.value.limit == limit


@pytest.mark.parametrize(
    ("name", "content", "error", "message"),
    [
        ("r.csv", b"id\n\xff\xfe\n", DataError, "not UTF-8"),
        ("r.xlsx", b"id,period\n", DataError, "cannot be read as a workbook"),
        ("r.txt", b"id\n", UsageError, "neither .csv nor .xlsx"),
    ],
)
def test_unreadable_files_are_refused(tmp_path: Path, name: str, content: bytes, error: type, message: str) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(error, match=message):
        list(read_rows(tmp_path / name))


def test_folders_and_missing_files_are_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    for path in (tmp_path / "dir.csv", tmp_path / "none.xlsx"):
        with pytest.raises(UsageError):
            list(read_rows(path))


def test_dates_come_raw(tmp_path: Path) -> None:
    book = returns_book(tmp_path / "r.xlsx", ("A4", datetime(2025, 9, 30)))
    assert list(read_rows(book))[-1].values == (datetime(2025, 9, 30),)


# -- hostile files through savings import, measured ---------------------------------------


def import_measured(data: Path, sheet: Path):  # type: ignore[no-untyped-def]
    return run_measured([CSPLAN, "--data", str(data), "savings", "import", str(sheet)])


def test_a_declared_dimension_of_the_whole_sheet_is_ignored(data_copy: Path, tmp_path: Path) -> None:
    # 5 KB that says A1:XFD1048576: openpyxl pads every row to it (7.6 GB before the fix)
    book = returns_book(tmp_path / "returns.xlsx")
    rewrite_member(
        book, "xl/worksheets/sheet1.xml", {b'<dimension ref="A1:F3" />': b'<dimension ref="A1:XFD1048576" />'}
    )
    assert book.stat().st_size < 6000
    run = import_measured(data_copy, book)
    assert run.returncode == 0, run.stderr
    assert "2 returns recorded, 0 unchanged" in run.stdout
    assert run.seconds < 5 and run.peak_mb < 300, run


def test_a_cell_in_the_last_column_is_refused(tmp_path: Path) -> None:
    book = returns_book(tmp_path / "returns.xlsx", ("XFD3", "x"))
    with pytest.raises(TableLimitError, match="Returns!XFD3: a cell in column XFD, past the limit of 200 columns"):
        list(read_rows(book))


def test_a_cell_at_the_last_column_and_row_is_refused(data_copy: Path, tmp_path: Path) -> None:
    book = returns_book(tmp_path / "returns.xlsx", ("XFD1048576", "x"))
    before = (data_copy / "savings.yaml").read_bytes()
    run = import_measured(data_copy, book)
    assert run.returncode == 1, run
    assert book.stat().st_size < 6000
    assert "sheet 'Returns' goes past row 100,000, the limit of rows" in run.stderr
    assert "Traceback" not in run.stderr
    assert run.seconds < 5 and run.peak_mb < 300, run
    assert (data_copy / "savings.yaml").read_bytes() == before


def test_a_zip_bomb_is_refused_before_it_is_opened(data_copy: Path, tmp_path: Path) -> None:
    bomb = zip_bomb(tmp_path / "returns.xlsx", 640)  # 2 MB unzipping to 640 MB
    assert 1_500_000 < bomb.stat().st_size < 2_500_000
    run = import_measured(data_copy, bomb)
    assert run.returncode == 1, run
    assert "xl/worksheets/sheet1.xml unzips" in run.stderr and "past the compression ratio limit of 100" in run.stderr
    assert run.seconds < 5 and run.peak_mb < 300, run


def test_a_bomb_of_ordinary_ratio_is_refused_by_its_total_size(tmp_path: Path) -> None:
    bomb = zip_bomb(tmp_path / "returns.xlsx", 20)
    with pytest.raises(TableLimitError, match=r"over the uncompressed size limit of 10\.0 MB") as caught:
        list(read_rows(bomb, limits=Limits(uncompressed_bytes=10 * 1024 * 1024, compression_ratio=1000)))
    assert caught.value.limit == "uncompressed_bytes"


def test_a_csv_cell_over_128k_is_refused(data_copy: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "returns.csv"
    sheet.write_text("id,period,forecast,note\nS06,P06,600000," + "x" * 140_000 + "\n", encoding="utf-8")
    run = import_measured(data_copy, sheet)
    assert run.returncode == 1, run
    assert "returns.csv line 2: a cell is longer than the limit of 32,767 characters" in run.stderr
    assert "Traceback" not in run.stderr
    assert run.seconds < 5 and run.peak_mb < 300, run


@pytest.mark.parametrize("units", ["pounds", "thousands", "millions"])
def test_every_amount_to_the_penny_comes_back_exactly_through_a_workbook(tmp_path: Path, units: str) -> None:
    """openpyxl writes a number through a float ("%.16g"), a Decimal too. Amounts are
    under £1e12 (money.LIMIT) in whole pence, so at most 14 significant digits in any
    scale: each is the same figure again when read back, small ones in full digits."""
    from decimal import Decimal

    from csplan.money import LIMIT, PENNY, parse_amount, to_units

    amounts = [LIMIT - PENNY, -(LIMIT - PENNY), Decimal("987654321098.76"), Decimal("0.01"), Decimal("5"), PENNY * 7]
    path = tmp_path / "amounts.xlsx"
    book = Workbook()
    for amount in amounts:
        book.active.append([to_units(amount, units)])  # type: ignore[union-attr]  # as csplan's export writes it
    book.save(path)
    read = [cell_text(row.cells[0].value) for row in read_rows(path)]
    assert all(text is not None and "e" not in text for text in read), read
    assert [parse_amount(text, units) for text in read if text is not None] == amounts


def test_an_opendocument_spreadsheet_named_xlsx_is_said_so(tmp_path: Path) -> None:
    """LibreOffice's own format under an .xlsx name gets a message that says what it
    is and how to save it, not openpyxl's missing [Content_Types].xml."""
    path = tmp_path / "returns.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(DataError, match=r"OpenDocument spreadsheet \(\.ods\)") as caught:
        list(read_rows(path))
    assert "save it as Excel 2007-365 (.xlsx)" in str(caught.value.hint)


def test_other_spreadsheet_files_are_named_in_the_refusal(tmp_path: Path) -> None:
    path = tmp_path / "returns.ods"
    path.write_bytes(b"PK")
    with pytest.raises(UsageError, match=r"neither \.csv nor \.xlsx") as caught:
        list(read_rows(path))
    assert ".ods" in str(caught.value.hint) and "Excel Workbook (.xlsx)" in str(caught.value.hint)
