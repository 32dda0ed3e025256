"""The workbooks as a real spreadsheet program sees them: LibreOffice Calc recalculates
every formula of the exported position and of a filled returns template, and the
figures it gets must be csplan's own (``savings status --format json``, ``savings
programme --format json``), with no cell showing an error. .ci/run installs Debian's
libreoffice-calc-nogui (Makefile: DEBIAN_PACKAGES); elsewhere, without soffice, these
tests are skipped."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import Edit, FolderCopy
from csplan.cli import app

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None and not os.environ.get("CI"), reason="LibreOffice (soffice) is not installed here"
)
runner = CliRunner()
ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "Err:")

# LibreOffice keeps the results a file carries unless told otherwise; recalculating
# every formula on load is what makes this a test of the formulas, not of the file.
ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def recalculated(tmp_path: Path, *books: Path) -> list[Any]:
    """Each workbook opened, recalculated and saved again by LibreOffice, then read back
    with the values LibreOffice computed."""
    assert SOFFICE is not None, "CI installs LibreOffice Calc (Makefile: DEBIAN_PACKAGES)"
    profile = tmp_path / "lo-profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(ALWAYS_RECALCULATE, encoding="utf-8")
    out = tmp_path / "recalculated"
    done = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *map(str, books),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [load_workbook(out / book.name, data_only=True) for book in books]


def error_cells(book: Any) -> list[str]:
    return [
        f"{sheet.title}!{cell.coordinate}: {cell.value}"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "e" or (isinstance(cell.value, str) and cell.value.startswith(ERRORS))
    ]


def status_json(data: Path, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["savings", "status", "-f", "json", "--data", str(data), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def columns(sheet: Any, header_row: int = 1) -> dict[str, str]:
    """Header text -> column letter."""
    return {str(c.value): c.column_letter for c in sheet[header_row] if c.value is not None}


def number(value: Any) -> Decimal:
    assert isinstance(value, int | float), value
    return Decimal(str(value))


@pytest.fixture
def illustrative(folder_copy: FolderCopy) -> Path:
    return folder_copy("illustrative")


PROGRAMME_TOTALS = (
    ("New", "new"),
    ("Brought fwd", "brought_forward"),
    ("Target", "target"),
    ("Delivered", "delivered"),
    ("Mitigated", "mitigated"),
    ("Slipped out", "slipped_out"),
    ("Written off", "written_off"),
    ("Replaced", "replaced"),
    ("Still open", "still_open"),
    ("Carried", "carried"),
)
"""The Programme sheet's headers and their keys in ``savings programme --format json``."""


def programme_totals(data: Path, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["savings", "programme", "-f", "json", "--data", str(data), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["totals"]  # type: ignore[no-any-return]


def test_export_and_filled_template_recalculate_to_csplans_figures(
    illustrative: Path, folder_copy: FolderCopy, tmp_path: Path
) -> None:
    position = tmp_path / "position.xlsx"
    assert runner.invoke(app, ["export", str(position), "--period", "P06", "--data", str(illustrative)]).exit_code == 0
    # The same two years before the close: 2026-27 already brings £50,000 forward from
    # an open 2025-26, so its Carried is -£50,000 (every other Programme fixture's is 0).
    still_open = folder_copy("year-end", "year-end-open")
    open_years = tmp_path / "open-years.xlsx"
    assert runner.invoke(app, ["export", str(open_years), "--data", str(still_open)]).exit_code == 0
    # A programme of two years, one closed (pence, slippage, a replacement brought forward).
    year_end = folder_copy("year-end", "year-end")
    close = ["savings", "close-year", "--year", "2025-26", "--write-off", "S09", "--reason", "x"]
    closed = runner.invoke(app, [*close, "--data", str(year_end)])
    assert closed.exit_code == 0, closed.output
    years = tmp_path / "years.xlsx"
    assert runner.invoke(app, ["export", str(years), "--data", str(year_end)]).exit_code == 0
    returns = tmp_path / "returns.xlsx"
    result = runner.invoke(app, ["savings", "template", "-p", "P07", "-o", str(returns), "--data", str(illustrative)])
    assert result.exit_code == 0, result.output
    book = load_workbook(returns)
    sheet = book.active
    by_id = {sheet[f"A{r}"].value: r for r in range(5, sheet.max_row + 1)}
    # Numbers, as a spreadsheet's data validation lets a holder type them (the typed
    # "£600k" is tests/test_returns_loop.py's round trip).
    typed = {"S01": 32000, "S06": 600000, "S07": 450000, "S10": 200000}
    for saving, amount in typed.items():
        sheet[f"I{by_id[saving]}"] = amount
    sheet[f"J{by_id['S01']}"] = 32000
    book.save(returns)
    at_p06 = status_json(illustrative, "--period", "P06")

    exported, filled, across_years, before_close = recalculated(tmp_path, position, returns, years, open_years)
    assert error_cells(exported) == [] and error_cells(filled) == [] and error_cells(across_years) == []
    assert error_cells(before_close) == []

    # The Programme sheet's total row, as LibreOffice computes it: each pound once.
    for computed, data, period in (
        (exported, illustrative, ("--period", "P06")),
        (before_close, still_open, ()),
        (across_years, year_end, ()),
    ):
        sheet = computed["Programme"]
        total = next(r for r in range(2, sheet.max_row + 1) if sheet[f"A{r}"].value == "Total")
        csplans = programme_totals(data, *period)
        for header, key in PROGRAMME_TOTALS:
            assert number(sheet[f"{columns(sheet)[header]}{total}"].value) == Decimal(str(csplans[key])), header
        shown = {header: number(sheet[f"{columns(sheet)[header]}{total}"].value) for header, _ in PROGRAMME_TOTALS}
        assert shown["Target"] == shown["Delivered"] + shown["Written off"] + shown["Still open"] + shown["Carried"]
        if computed is before_close:
            assert shown["Carried"] == Decimal(-50000) and shown["Target"] == Decimal(3928000)
    # the two years' target, 3,258,000 + 670,000 new: not their targets' sum, which counts
    # a pound brought forward twice; and the total row adds up on the sheet itself
    shown = {header: number(sheet[f"{columns(sheet)[header]}{total}"].value) for header, _ in PROGRAMME_TOTALS}
    assert shown["Target"] == Decimal(3928000)
    assert shown["Target"] == shown["Delivered"] + shown["Written off"] + shown["Still open"] + shown["Carried"]

    # The export: the total row and the Summary, as LibreOffice computes them.
    savings = exported["Savings"]
    heads = columns(savings)
    total = next(r for r in range(2, savings.max_row + 1) if savings[f"A{r}"].value == "Total")
    totals = at_p06["totals"]
    for header, key in (
        ("Ongoing", "ongoing"),
        ("One-off", "one_off"),
        ("Target", "target"),
        ("Forecast", "forecast"),
        ("Delivered", "delivered"),
        ("Variance", "variance"),
    ):
        assert number(savings[f"{heads[header]}{total}"].value) == Decimal(str(totals[key])), header
    statuses = {s["id"]: s for s in at_p06["savings"]}
    for row in range(2, total):
        status = statuses[savings[f"A{row}"].value]
        shown = savings[f"{heads['% of target']}{row}"].value
        if status["forecast"] is None:
            assert shown in (None, ""), (row, shown)
        else:  # to the 0.1% shown, rounded down as the table's whole percent is
            exact = Decimal(str(status["forecast"])) / Decimal(str(status["target"]))
            shown_down = exact.quantize(Decimal("0.001"), ROUND_DOWN)
            assert abs(number(shown) - shown_down) < Decimal("1e-9"), (status["id"], shown, exact)
    summary = {row[0]: row[1:] for row in exported["Summary"].iter_rows(values_only=True)}
    assert number(summary["Savings target"][0]) == Decimal(str(totals["target"]))
    assert number(summary["Savings forecast"][0]) == Decimal(str(totals["forecast"]))
    assert number(summary["Savings variance"][0]) == Decimal(str(totals["variance"]))
    for rag, counted in at_p06["rag_summary"].items():
        count, target = summary[f"Savings {rag}"][:2]
        assert (count, number(target)) == (counted["count"], Decimal(str(counted["target"]))), rag

    # The filled template: LibreOffice understood its protection, drop-down, number-only
    # cells and print setup (it writes them all back)...
    returns_sheet = filled.active
    assert returns_sheet.protection.sheet
    assert returns_sheet["A5"].protection.locked and not returns_sheet["I5"].protection.locked
    kinds = {(v.type, str(v.sqref)) for v in returns_sheet.data_validations.dataValidation}
    assert kinds == {("list", "K5:K16"), ("decimal", "I5:J16")}
    assert returns_sheet.page_setup.orientation == "landscape" and returns_sheet.print_title_rows == "$4:$4"
    assert returns_sheet.sheet_properties.pageSetUpPr.fitToPage and returns_sheet.page_setup.fitToWidth == 1
    # ...and its totals are the targets and the returns typed, which import then
    # records exactly so.
    heads = columns(returns_sheet, 4)
    total = next(r for r in range(5, returns_sheet.max_row + 1) if returns_sheet[f"A{r}"].value == "Total")
    assert number(returns_sheet[f"{heads['Target']}{total}"].value) == Decimal(str(totals["target"]))
    assert number(returns_sheet[f"{heads['Last forecast']}{total}"].value) == Decimal(str(totals["forecast"]))
    imported = runner.invoke(app, ["savings", "import", str(returns), "--data", str(illustrative)])
    assert imported.exit_code == 0, imported.output
    at_p07 = status_json(illustrative, "--period", "P07")
    recorded = [s["forecast"] for s in at_p07["savings"] if s["period"] == "P07"]
    assert len(recorded) == len(typed)
    assert number(returns_sheet[f"{heads['Forecast for the year']}{total}"].value) == Decimal(
        str(sum(Decimal(str(f)) for f in recorded))
    )


HEADERS_000 = ("Forecast for the year (£'000)", "Achieved (£'000)", "At risk (£'000)")


def test_template_with_achieved_and_at_risk_recalculates_and_imports(folder_copy: FolderCopy, tmp_path: Path) -> None:
    """A file that records achieved and at risk gets those input columns: LibreOffice keeps
    them unlocked and number-only, totals them, and what it saves imports exactly."""
    published = folder_copy("published", "published")
    returns = tmp_path / "returns.xlsx"
    result = runner.invoke(app, ["savings", "template", "-p", "P10", "-o", str(returns), "--data", str(published)])
    assert result.exit_code == 0, result.output
    book = load_workbook(returns)
    sheet = book.active
    heads = columns(sheet, 4)
    # In £'000, as the headers of a £'000 tracker's template say.
    typed = {"SV01": (950, 850, 350), "SV02": (600, 400, 500), "SV03": (610, 610, 0)}
    for row in range(5, 5 + len(typed)):
        figures = typed[sheet[f"A{row}"].value]
        for header, amount in zip(HEADERS_000, figures, strict=True):
            sheet[f"{heads[header]}{row}"] = amount
    book.save(returns)

    [filled] = recalculated(tmp_path, returns)
    assert error_cells(filled) == []
    returns_sheet = filled.active
    assert (heads["Achieved (£'000)"], heads["At risk (£'000)"], heads["RAG"]) == ("M", "N", "O")
    assert not returns_sheet["M5"].protection.locked and not returns_sheet["N5"].protection.locked
    kinds = {
        (
            v.type,
            v.operator if v.type == "decimal" else None,
            frozenset(cell for part in v.sqref.ranges for cell in part.cells),
        )
        for v in returns_sheet.data_validations.dataValidation
    }
    ordinary = {(row, column) for row in range(5, 12) for column in range(11, 15)} - {(11, 11), (11, 12)}
    assert kinds == {  # K..N are forecast, delivered, achieved, at risk; SV07 (row 11) is a reversal
        ("list", None, frozenset((row, 15) for row in range(5, 12))),
        ("decimal", "greaterThanOrEqual", frozenset(ordinary)),
        ("decimal", "lessThanOrEqual", frozenset({(11, 11), (11, 12)})),
    }
    total = next(r for r in range(5, returns_sheet.max_row + 1) if returns_sheet[f"A{r}"].value == "Total")
    for place, header in enumerate(HEADERS_000):
        expected = sum(Decimal(figures[place]) for figures in typed.values())
        assert number(returns_sheet[f"{heads[header]}{total}"].value) == expected, header

    imported = runner.invoke(
        app, ["savings", "import", str(tmp_path / "recalculated" / returns.name), "--data", str(published)]
    )
    assert imported.exit_code == 0, imported.output
    assert "3 returns recorded" in imported.stdout
    at_p10 = {s["id"]: s for s in status_json(published, "--period", "P10")["savings"]}
    for saving, (forecast, achieved, at_risk) in typed.items():
        shown = at_p10[saving]
        assert (shown["period"], shown["forecast"], shown["achieved"], shown["at_risk"]) == (
            "P10",
            forecast * 1000,
            achieved * 1000,
            at_risk * 1000,
        ), saving


def test_percentages_recalculate_as_csplan_judges_them(folder_copy: FolderCopy, edit: Edit, tmp_path: Path) -> None:
    """A forecast a hair under the amber threshold shows 74.9% beside its red RAG, never
    75.0%; an income line (a negative budget) that overspends shows a positive share,
    as budget variance --format json gives it."""
    illustrative = folder_copy("illustrative", "illustrative")
    edit(illustrative / "savings.yaml", "forecast: 600000", "forecast: 624717")  # S06: 74.996% of £833,000
    published = folder_copy("published", "published")
    # SV02 830 of 900: the forecast is 3,040 of 3,460 (87.86%), which the text rounds to 87.9%
    edit(published / "savings.yaml", "{period: P09, forecast: 600,", "{period: P09, forecast: 830,")
    books = []
    for data in (illustrative, published):
        book = tmp_path / f"{data.name}.xlsx"
        result = runner.invoke(app, ["--data", str(data), "export", str(book)])
        assert result.exit_code in (0, 1) and book.exists(), result.output
        books.append(book)
    saved, published_book = recalculated(tmp_path, *books)
    savings = saved["Savings"]
    heads = columns(savings)
    row = next(r for r in range(2, savings.max_row + 1) if savings[f"A{r}"].value == "S06")
    assert savings[f"{heads['RAG']}{row}"].value == "red"
    assert number(savings[f"{heads['% of target']}{row}"].value) == Decimal("0.749")
    # The total row has no RAG: its % is the text's, rounded half up (87.9%), where a
    # row's would be rounded down (87.8%).
    sheet = published_book["Savings"]
    heads = columns(sheet)
    total = next(r for r in range(2, sheet.max_row + 1) if sheet[f"A{r}"].value == "Total")
    whole = number(sheet[f"{heads['% of target']}{total}"].value)
    said = status_json(published)["totals"]["forecast_percent"]
    assert Decimal(str(said)) == Decimal("87.9") == (whole * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    assert whole.quantize(Decimal("0.001"), ROUND_DOWN) == Decimal("0.878") < whole
    text = runner.invoke(app, ["--data", str(published), "savings", "status"]).stdout
    assert "(87.9% of the whole target)" in text
    figures = runner.invoke(app, ["--data", str(published), "budget", "variance", "-f", "json"])
    lines = {line["id"]: line for line in json.loads(figures.stdout)["lines"]}
    budget = published_book["Budget variance"]
    heads = columns(budget)
    checked = 0
    for r in range(2, budget.max_row + 1):
        line = lines.get(budget[f"A{r}"].value)
        if line is None or line["percent"] is None:
            continue
        shown = number(budget[f"{heads['% of budget']}{r}"].value) * 100
        assert abs(shown - Decimal(str(line["percent"]))) <= Decimal("0.05"), (line["id"], shown, line["percent"])
        checked += line["budget"] < 0 and line["variance"] != 0
    assert checked  # an income line with a variance was among them


@pytest.mark.parametrize(
    ("example", "units"),
    [("illustrative", ("--units", "thousands")), ("illustrative", ("--units", "millions")), ("published", ())],
)
def test_a_scaled_export_recalculates_in_its_scale(
    folder_copy: FolderCopy, tmp_path: Path, example: str, units: tuple[str, ...]
) -> None:
    """Exported in £'000 or £m (--units, or a thousands file's own), every sheet's cells
    hold figures in that scale: LibreOffice's totals, % and variance over them are
    csplan's figures in that scale, and so are the Summary's links to them."""
    data = folder_copy(example, example)
    period = ("--period", "P06") if example == "illustrative" else ()
    out = tmp_path / "scaled.xlsx"
    result = runner.invoke(app, ["export", str(out), *period, *units, "--data", str(data)])
    assert result.exit_code == 0, result.output
    [book] = recalculated(tmp_path, out)
    assert error_cells(book) == []
    label, divisor = ("£m", Decimal(1_000_000)) if "millions" in units else ("£'000", Decimal(1000))
    shown = status_json(data, *period)

    def total_row(sheet: Any) -> int:
        return next(r for r in range(2, sheet.max_row + 1) if sheet[f"A{r}"].value == "Total")

    def close(value: Any, pounds: Any, scale: Decimal = divisor) -> bool:
        # A spreadsheet adds in binary floating point: equal to well under a penny.
        return abs(number(value) - Decimal(str(pounds)) / scale) < Decimal("0.000001")

    savings = book["Savings"]
    heads, total = columns(savings), total_row(savings)
    for header, key in (("Target", "target"), ("Forecast", "forecast"), ("Variance", "variance")):
        assert close(savings[f"{heads[f'{header} {label}']}{total}"].value, shown["totals"][key]), header
    by_id = {s["id"]: s for s in shown["savings"]}
    for row in range(2, total):
        status = by_id[savings[f"A{row}"].value]
        if status["forecast"] is not None:
            assert close(savings[f"{heads[f'Forecast {label}']}{row}"].value, status["forecast"])
            exact = Decimal(str(status["forecast"])) / Decimal(str(status["target"]))
            shown_down = exact.quantize(Decimal("0.001"), ROUND_DOWN)  # scale-free: the same as in pounds
            assert abs(number(savings[f"{heads['% of target']}{row}"].value) - shown_down) < Decimal("1e-9")
    summary = {row[0]: row[1:] for row in book["Summary"].iter_rows(values_only=True)}
    for item, key in (("Savings target", "target"), ("Savings forecast", "forecast")):
        assert close(summary[item][0], shown["totals"][key]), item
    for rag, counted in shown["rag_summary"].items():
        assert close(summary[f"Savings {rag}"][1], counted["target"]), rag
    if example == "illustrative":
        pressures = book["Pressures"]
        assert close(pressures[f"{columns(pressures)[f'Amount ({label})']}{total_row(pressures)}"].value, 23998000)
        assert close(summary["Pressure funding"][0], 23998000)
        budget = book["Budget variance"]
        assert close(budget[f"{columns(budget)[f'Budget {label}']}{total_row(budget)}"].value, 175772000)
        assert close(summary["Budget"][0], 175772000)
        programme = book["Programme"]
        totals = programme_totals(data, *period)
        for header, key in PROGRAMME_TOTALS:
            cell = programme[f"{columns(programme)[f'{header} {label}']}{total_row(programme)}"]
            assert close(cell.value, totals[key]), header


def test_mitigations_sheet_total_recalculates_to_the_reports_totals(folder_copy: FolderCopy, tmp_path: Path) -> None:
    """The Mitigations sheet's total row, recalculated, is savings status's shortfall,
    mitigated and after-mitigation totals (in the file's £'000): every saving that falls
    short has a row, mitigated or not (SV06 is not)."""
    from test_cli import mitigated_published

    published = mitigated_published(folder_copy)
    book = tmp_path / "position.xlsx"
    assert runner.invoke(app, ["--data", str(published), "export", str(book), "--period", "P12"]).exit_code == 0
    (saved,) = recalculated(tmp_path, book)
    assert error_cells(saved) == []
    sheet = saved["Mitigations"]
    heads = columns(sheet)
    total = next(r for r in range(2, sheet.max_row + 1) if sheet[f"A{r}"].value == "Total")
    totals = status_json(published, "--period", "P12")["totals"]
    for header, key in (
        ("Shortfall £'000", "shortfall"),
        ("Mitigated £'000", "mitigated"),
        ("After mitigation £'000", "shortfall_after_mitigation"),
    ):
        assert number(sheet[f"{heads[header]}{total}"].value) * 1000 == Decimal(str(totals[key])), header
    shortfall = heads["Shortfall £'000"]
    assert number(sheet[f"{shortfall}{total}"].value) == Decimal("655.6789")


def test_mitigations_sheet_with_a_mitigation_beyond_the_shortfall_recalculates(
    illustrative: Path, tmp_path: Path
) -> None:
    """More mitigation than shortfall: recalculated, the Mitigations sheet's total row
    still reads Shortfall - Mitigated = After mitigation (each row's Mitigated counted up
    to its shortfall), and its Unused total is what savings status says is left over."""
    result = runner.invoke(
        app,
        [
            "savings",
            "mitigate",
            "S09",
            "-p",
            "P07",
            "--amount",
            "200000",
            "--note",
            "Grant",
            "--data",
            str(illustrative),
        ],
    )
    assert result.exit_code == 0, result.output
    book = tmp_path / "position.xlsx"
    assert runner.invoke(app, ["--data", str(illustrative), "export", str(book), "--period", "P08"]).exit_code == 0
    (saved,) = recalculated(tmp_path, book)
    assert error_cells(saved) == []
    sheet = saved["Mitigations"]
    heads = columns(sheet)
    total = next(r for r in range(2, sheet.max_row + 1) if sheet[f"A{r}"].value == "Total")
    totals = status_json(illustrative, "--period", "P08")["totals"]
    figures = {
        key: number(sheet[f"{heads[header]}{total}"].value)
        for header, key in (
            ("Shortfall", "shortfall"),
            ("Mitigated", "mitigated"),
            ("After mitigation", "shortfall_after_mitigation"),
            ("Unused", "unused_mitigation"),
        )
    }
    assert figures == {key: Decimal(str(totals[key])) for key in figures}
    assert figures["shortfall"] - figures["mitigated"] == figures["shortfall_after_mitigation"]
    assert figures["unused_mitigation"] > 0
    for row in range(2, total):
        shortfall, mitigated, after = (
            sheet[f"{heads[h]}{row}"].value for h in ("Shortfall", "Mitigated", "After mitigation")
        )
        if shortfall is not None:
            assert number(shortfall) - number(mitigated) == number(after), row


def test_a_templates_as_sent_record_survives_libreoffice(folder_copy: FolderCopy, tmp_path: Path) -> None:
    """Saved by LibreOffice, the template keeps its hidden as-sent record, so a correction
    recorded after the sheet went out is still kept over the sheet's untouched figure."""
    published = folder_copy("published", "published")

    def update(*options: str) -> None:
        result = runner.invoke(app, ["savings", "update", "SV04", "-p", "P10", *options, "--data", str(published)])
        assert result.exit_code == 0, result.output

    update("--forecast", "450", "--note", "Restructure agreed")
    returns = tmp_path / "returns.xlsx"
    result = runner.invoke(app, ["savings", "template", "-p", "P10", "-o", str(returns), "--data", str(published)])
    assert result.exit_code == 0, result.output
    update("--forecast", "400")  # finance's correction, after the sheet went out

    [saved] = recalculated(tmp_path, returns)
    sent = saved["csplan as sent"]
    assert sent.sheet_state in ("hidden", "veryHidden") and sent.protection.sheet  # LibreOffice: veryHidden -> hidden
    header = [c.value for c in sent[2]]
    sv04 = next(row for row in sent.iter_rows(min_row=3, values_only=True) if row[0] == "SV04")
    assert (sv04[1], sv04[header.index("forecast")], sv04[header.index("note")]) == (
        "P10",
        "450000",
        "Restructure agreed",
    )

    imported = runner.invoke(
        app, ["savings", "import", str(tmp_path / "recalculated" / returns.name), "--data", str(published)]
    )
    assert imported.exit_code == 0, imported.output
    assert "warning CSP712 SV04 P10 forecast: kept 400 (£400,000) recorded since the sheet was sent" in imported.stderr
    sv04_now = {s["id"]: s for s in status_json(published, "--period", "P10")["savings"]}["SV04"]
    assert (sv04_now["forecast"], sv04_now["note"]) == (400000, "Restructure agreed")


def test_the_summary_turns_a_sheet_of_another_scale_into_its_own(
    folder_copy: FolderCopy, edit: Edit, tmp_path: Path
) -> None:
    """The Summary is in the Savings sheet's scale (£'000 for examples/published); a
    budget file in pounds keeps its sheet in pounds, and the Summary's links divide its
    totals into £'000: recalculated, they are the budget's figures in £'000."""
    data = folder_copy("published", "published")
    edit(data / "budget_2025_26.yaml", "units: thousands", "units: pounds")
    out = tmp_path / "mixed.xlsx"
    result = runner.invoke(app, ["export", str(out), "--data", str(data)])
    assert result.exit_code == 0, result.output
    links = {row[0]: row[1] for row in load_workbook(out)["Summary"].iter_rows(values_only=True)}
    assert links["Budget"] == "='Budget variance'!$D$6/1000" and links["Savings target"] == "=Savings!D9"
    [book] = recalculated(tmp_path, out)
    assert error_cells(book) == []
    summary = {row[0]: row[1:] for row in book["Summary"].iter_rows(values_only=True)}
    assert number(summary["Budget"][0]) == Decimal("92.15")  # £92,150 of budget, in £'000
    assert number(summary["Budget forecast variance"][0]) == Decimal("0.45")
    assert number(summary["Savings target"][0]) == Decimal(3460)
    assert summary["Budget position"][0] == "forecast overspend £0.45k (0.5%)"
