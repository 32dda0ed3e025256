"""savings programme: a row per year, each reconciling; totals count each pound once."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import DATA, Edit, FolderCopy, csplan
from csplan import validate_plan
from csplan.cli import app
from csplan.programme import programme

runner = CliRunner()


def reconciles(row: dict) -> bool:  # type: ignore[type-arg]
    parts = ("delivered", "slipped_out", "written_off", "replaced", "still_open")
    return Decimal(str(row["target"])) == sum(Decimal(str(row[p])) for p in parts)


def test_acceptance_programme_json_reconciles_after_the_close(year_end: Path) -> None:
    result = csplan(year_end, "savings", "close-year", "--year", "2025-26", "--write-off", "S09", "--reason", "x")
    assert result.exit_code == 0, result.output
    data = json.loads(csplan(year_end, "savings", "programme", "--format", "json").stdout)
    assert [row["year"] for row in data["years"]] == ["2025-26", "2026-27"]
    for row in data["years"]:
        assert reconciles(row), row
        assert row["reconciles"] is True
    closed, later = data["years"]
    assert (closed["target"], closed["delivered"], closed["slipped_out"]) == (3258000, 2710999.55, 337000.45)
    assert (closed["written_off"], closed["replaced"], closed["still_open"]) == (160000, 50000, 0)
    # 2026-27: £720,000 of its own, £50,000 of which replaces S07; the rest brought forward
    assert (later["new"], later["brought_forward"], later["target"]) == (670000, 387000.45, 1057000.45)
    totals = data["totals"]
    # each pound once: the programme's target is the new savings, not new + brought forward
    assert totals["target"] == 3258000 + 670000
    assert Decimal(str(totals["target"])) == sum(
        Decimal(str(totals[k])) for k in ("delivered", "written_off", "still_open", "carried")
    )
    assert totals["carried"] == 0 and data["reconciles"] is True


def test_before_the_close_a_replacement_is_carried_ahead(year_end: Path) -> None:
    plan, _ = validate_plan(year_end)
    report = programme(plan)
    assert report.reconciles
    assert report.carried == -50000  # S15 takes over part of S07 before 2025-26 closes
    first = report.years[0]
    # an open year: still open = target less delivered to date (capped at each target)
    assert (first.delivered, first.still_open, first.over_delivered) == (2111000, 1147000, 3000)
    assert first.mitigated == 100000


def test_planned_figures_from_elsewhere_sit_beside_the_files(year_end: Path) -> None:
    plan, _ = validate_plan(year_end)
    report = programme(plan, planned={"2025-26": Decimal(3258000), "2028-29": Decimal(1500000)})
    assert [(r.year, r.has_file, r.planned) for r in report.years] == [
        ("2025-26", True, 3258000),
        ("2026-27", True, None),
        ("2028-29", False, 1500000),
    ]
    assert report.planned == 4758000 and report.reconciles


def test_shipped_data_is_one_open_year() -> None:
    result = runner.invoke(app, ["--data", str(DATA), "savings", "programme", "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1] == "2025-26,open,3258000,0,3258000,0,0,0,0,0,3258000,0,0"


@pytest.mark.parametrize("units", [[], ["--units", "thousands"]])
def test_programme_csv_columns_are_the_json_fields_with_the_same_figures(year_end: Path, units: list[str]) -> None:
    """An analyst joining the CSV to the JSON finds each column by the JSON field of the
    same name, the same figure (in the CSV's scale); unused mitigation too: £10,000
    agreed for S03, whose shortfall is £4,000, counts £4,000 and leaves £6,000 unused."""
    mitigate = ("savings", "mitigate", "S03", "--year", "2025-26", "--period", "P12", "--amount", "10000")
    mitigated = csplan(year_end, *mitigate, "--note", "x")
    assert mitigated.exit_code == 0, mitigated.output
    data = json.loads(csplan(year_end, "savings", "programme", "-f", "json").stdout)
    rows = csplan(year_end, "savings", "programme", "-f", "csv", *units).stdout.splitlines()
    header = rows[0].split(",")
    scale = Decimal(1000) if units else Decimal(1)
    assert len(rows) == 1 + len(data["years"])
    for line, year in zip(rows[1:], data["years"], strict=True):
        row = dict(zip(header, line.split(","), strict=True))
        assert row.pop("state") == ("closed" if year["closed"] else "open" if year["has_file"] else "planned")
        for column, value in row.items():
            key = column.removesuffix(" (£'000)")
            if isinstance(year[key], str):
                assert value == year[key], column
            else:
                assert Decimal(value) * scale == Decimal(str(year[key])), (year["year"], column)
        # Every figure of the JSON year has its column but these: the flags, said by state;
        # and planned, a column only when the folder has a programme file.
        left = set(year) - {c.removesuffix(" (£'000)") for c in header}
        assert left == {"closed", "has_file", "reconciles", "planned"}, left
    (open_year, _) = data["years"]
    assert (open_year["mitigated"], open_year["unused_mitigation"]) == (104000, 6000)
    # £3,000 delivered beyond target in 2025-26: the CSV's last figure ("3" in £'000)
    assert open_year["over_delivered"] == 3000 and rows[1].endswith(",3" if units else ",3000")
    last = ["unused_mitigation", "over_delivered"]
    assert header[-2:] == ([f"{key} (£'000)" for key in last] if units else last)


def test_report_has_the_programme_section_and_mitigations(year_end: Path, tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    result = csplan(year_end, "report", "--year", "2025-26", "-o", str(output))
    assert result.exit_code == 0, result.output
    html = output.read_text()
    assert '<h2 id="programme">Four-year programme</h2>' in html
    assert "<title>still open £1,147,000</title>" in html and "<title>still open £720,000</title>" in html
    assert "Shortfall before and after mitigation" in html


def test_report_says_the_lines_under_the_mitigation_table_as_status_does(year_end: Path, tmp_path: Path) -> None:
    """Under the HTML report's shortfall table, the lines savings status prints under
    its own: what a mitigation covers and, with £6,000 of S03's £10,000 beyond its
    £4,000 shortfall, the Unused line in the page's scale."""
    mitigate = ("savings", "mitigate", "S03", "--year", "2025-26", "--period", "P12", "--amount", "10000")
    mitigated = csplan(year_end, *mitigate, "--note", "x")
    assert mitigated.exit_code == 0, mitigated.output
    for units, unused in (([], "£6,000"), (["--units", "thousands"], "£6k")):
        text = csplan(year_end, "savings", "status", "--year", "2025-26", *units).stdout.splitlines()
        start = text.index("Shortfall before and after mitigation")
        said = [line for line in text[start:] if line.startswith(("Mitigations cover", "Unused "))]
        assert len(said) == 2 and said[1].startswith(f"Unused {unused}: "), said
        output = tmp_path / "report.html"
        result = csplan(year_end, "report", "--year", "2025-26", *units, "-o", str(output))
        assert result.exit_code == 0, result.output
        page = output.read_text(encoding="utf-8")
        table = page.split("<caption>Shortfall before and after mitigation</caption>", 1)[1]
        after = table.split("</table>", 1)[1]
        assert after.lstrip().startswith('<p class="note-line">Mitigations cover'), after[:200]  # right under it
        following = re.findall(r'<p class="note-line">([^<]*)</p>', after)[:2]
        assert [line.replace("&#39;", "'") for line in following] == said, units


def test_workbook_shows_the_shortfall_before_and_after_mitigation(year_end: Path, tmp_path: Path) -> None:
    output = tmp_path / "book.xlsx"
    assert csplan(year_end, "export", str(output), "--year", "2025-26").exit_code == 0
    sheet = load_workbook(output)["Mitigations"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("ID", "Saving", "Shortfall", "Mitigated", "After mitigation")
    s06 = next(row for row in rows if row[0] == "S06")
    assert s06[:6] == ("S06", "Children's Centre review", 233000, 100000, 133000, "red")


@pytest.fixture
def s06_returns(data_copy: Path) -> Path:
    """S06 delivers £300,000 at P03, gives a forecast alone at P04 and £500,000 at P05."""
    for args in (
        ("-p", "P03", "--forecast", "833000", "--delivered", "300000"),
        ("-p", "P04", "--forecast", "800000"),
        ("-p", "P05", "--forecast", "833000", "--delivered", "500000"),
    ):
        result = csplan(data_copy, "savings", "update", "S06", *args, "--yes")
        assert result.exit_code == 0, result.output
    return data_copy


def programme_delivered(data: Path, *period: str) -> Decimal:
    result = csplan(data, "savings", "programme", "--format", "json", *period)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["reconciles"] is True
    return Decimal(str(report["totals"]["delivered"]))


def status_delivered(data: Path, period: str) -> Decimal | None:
    result = csplan(data, "savings", "status", "--format", "json", "-p", period)
    assert result.exit_code == 0, result.output
    delivered = json.loads(result.stdout)["totals"]["delivered"]
    return None if delivered is None else Decimal(str(delivered))


def test_programme_delivered_is_as_at_the_period_status_reads(s06_returns: Path) -> None:
    # an open year's delivered is the latest return at or before the period, as in status
    assert programme_delivered(s06_returns, "-p", "P03") == status_delivered(s06_returns, "P03") == 300000
    # P04's return gives no delivered figure: delivered is to date, so the return keeps
    # P03's £300,000 (carried, marked in the file), and both commands read it there
    assert "delivered: 300000  # carried from P03" in (s06_returns / "savings.yaml").read_text()
    assert programme_delivered(s06_returns, "-p", "P04") == status_delivered(s06_returns, "P04") == 300000
    assert programme_delivered(s06_returns, "-p", "P05") == status_delivered(s06_returns, "P05") == 500000
    assert programme_delivered(s06_returns, "-p", "P02") == 0
    assert programme_delivered(s06_returns) == 500000  # no period: the latest returns


def test_a_return_that_clears_delivered_has_none_to_total(data_copy: Path) -> None:
    # --clear delivered records no figure on purpose (delivered:): nothing is carried past
    # it, so neither command reaches back to P03's; the programme counts nothing
    # delivered, status has no figure to total (null)
    for args in (
        ("-p", "P03", "--forecast", "833000", "--delivered", "300000"),
        ("-p", "P04", "--forecast", "800000", "--clear", "delivered"),
        ("-p", "P05", "--forecast", "800000"),
    ):
        result = csplan(data_copy, "savings", "update", "S06", *args, "--yes")
        assert result.exit_code == 0, result.output
    assert "carried" not in (data_copy / "savings.yaml").read_text()
    for period in ("P04", "P05"):
        assert programme_delivered(data_copy, "-p", period) == 0
        assert status_delivered(data_copy, period) is None


def test_report_programme_section_is_as_at_the_report_period(s06_returns: Path, tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    result = csplan(s06_returns, "report", "-p", "P03", "-o", str(output))
    assert result.exit_code == 0, result.output
    html = output.read_text()
    start = html.index('<h2 id="programme">')
    end = html.find("<h2", start + 1)
    section = html[start : end if end > 0 else len(html)]
    assert "<title>delivered £300,000</title>" in section
    assert "<title>still open £2,958,000</title>" in section
    assert "delivered £500,000" not in section  # P05's return is after the report's period
    assert "new savings £3,258,000 = delivered £300,000 + written off £0 + still open £2,958,000" in section


def test_an_open_years_reversal_counts_its_delivered_as_savings_status_does(folder_copy: FolderCopy) -> None:
    """examples/published's SV07 reverses an earlier £100k saving; at P10 £80k of it has
    been given back (delivered -80). The programme counts -80 as status does (not the
    whole -100 with £20k 'over-delivered'); the £20k still to come is still open."""
    folder = folder_copy("published")
    for args in (
        ("SV07", "--period", "P10", "--forecast", "-100", "--delivered", "-80"),
        ("SV01", "--period", "P10", "--forecast", "950", "--delivered", "700"),
    ):
        result = csplan(folder, "savings", "update", *args)
        assert result.exit_code == 0, result.output
    status = json.loads(csplan(folder, "savings", "status", "-p", "P10", "-f", "json").stdout)
    result = csplan(folder, "savings", "programme", "-p", "P10", "-f", "json")
    assert result.exit_code == 0, result.output
    (year,) = json.loads(result.stdout)["years"]
    assert status["totals"]["delivered"] == 620000 == year["delivered"]  # 700 - 80, £'000
    assert year["over_delivered"] == 0
    assert year["still_open"] == 3460000 - 620000 and year["reconciles"] is True
    table = csplan(folder, "savings", "programme", "-p", "P10").stdout
    assert "620" in _cells(table.split("2025-26", 1)[1].splitlines()[0])  # £'000, as the file is written


def test_an_open_years_mitigated_is_as_at_the_period_as_in_savings_status(folder_copy: FolderCopy) -> None:
    """A mitigation agreed at P12 is not counted in the programme at P10, as status does not."""
    folder = folder_copy("published")
    result = csplan(folder, "savings", "mitigate", "SV02", "--period", "P12", "--amount", "80", "--note", "Grant")
    assert result.exit_code == 0, result.output
    for period, mitigated in (("P10", 0), ("P12", 80000)):
        status = json.loads(csplan(folder, "savings", "status", "-p", period, "-f", "json").stdout)
        (year,) = json.loads(csplan(folder, "savings", "programme", "-p", period, "-f", "json").stdout)["years"]
        assert status["totals"]["mitigated"] == mitigated == year["mitigated"], period


def _cells(line: str) -> list[str]:
    return [cell.strip().strip("*") for cell in line.strip().strip("|").split("|")]


def test_a_thousands_programme_is_shown_in_thousands_and_json_stays_in_pounds(folder_copy: FolderCopy) -> None:
    """examples/published is written in £'000: its programme's table, CSV, Markdown and
    lines say £'000 (as savings status does), each figure the JSON's pounds / 1,000;
    --units chooses another scale; JSON stays in pounds."""
    from csplan.money import format_scaled, format_thousands

    folder = folder_copy("published")
    data = json.loads(csplan(folder, "savings", "programme", "-f", "json").stdout)
    (year,) = data["years"]
    totals = {key: Decimal(str(value)) for key, value in data["totals"].items() if value is not None}
    assert year["target"] == 3_460_000  # pounds in JSON

    table = csplan(folder, "savings", "programme").stdout.splitlines()
    header = _cells(next(line for line in table if line.startswith("| Year")))
    row = dict(zip(header, _cells(next(line for line in table if line.startswith("| 2025-26"))), strict=True))
    money_headers = [h for h in header if h not in ("Year", "State")]
    assert money_headers and all(h.endswith(" £'000") for h in money_headers)
    key_of = {"New": "new", "Brought fwd": "brought_forward", "Target": "target", "Delivered": "delivered"}
    key_of |= {"Slipped out": "slipped_out", "Written off": "written_off", "Still open": "still_open"}
    for shown in money_headers:
        key = key_of.get(shown.removesuffix(" £'000"))
        if key is not None:
            assert row[shown] == format_scaled(Decimal(str(year[key])), "thousands"), shown
    reconciled = next(line for line in table if line.startswith("Programme: "))
    assert reconciled.startswith(
        f"Programme: new savings {format_thousands(totals['new'])} = delivered {format_thousands(totals['delivered'])}"
    )
    assert "£" not in "".join(line for line in table if line.startswith("|")).replace("£'000", "")

    rows = csplan(folder, "savings", "programme", "-f", "csv").stdout.splitlines()
    header = rows[0].split(",")
    assert "target (£'000)" in header and "still_open (£'000)" in header
    csv_row = dict(zip(header, rows[1].split(","), strict=True))
    assert Decimal(csv_row["target (£'000)"]) * 1000 == Decimal(str(year["target"]))
    assert Decimal(csv_row["delivered (£'000)"]) * 1000 == Decimal(str(year["delivered"]))

    markdown = csplan(folder, "savings", "programme", "-f", "markdown").stdout
    assert "| Target £'000 |" in markdown and f"new savings {format_thousands(totals['new'])} =" in markdown

    millions = csplan(folder, "savings", "programme", "--units", "millions").stdout
    assert "Target £m" in millions and "£'000" not in millions
    assert f"new savings £{totals['new'] / 1_000_000:.3f}m =" in millions
    pounds = csplan(folder, "savings", "programme", "--units", "pounds").stdout
    assert f"£{int(totals['new']):,}" in pounds and "£'000" not in pounds and "k " not in pounds


def test_a_programme_of_files_in_different_units_is_in_pounds(year_end: Path, edit: Edit) -> None:
    """Two years written in different scales have no one 'own' scale: pounds, as before."""
    edit(year_end / "savings_2026_27.yaml", "units: pounds", "units: thousands")
    from csplan.load import load_plan

    plan, _ = load_plan(year_end)
    assert programme(plan).units == "pounds"
    edit(year_end / "savings.yaml", "units: pounds", "units: thousands")
    plan, _ = load_plan(year_end)
    assert programme(plan).units == "thousands"


def delivered_card(html: str) -> tuple[str, str]:
    value, detail = re.search(
        r'data-figure="Delivered to date"><div class="label">[^<]*</div><div class="value">([^<]*)</div>'
        r'<div class="detail">([^<]*)</div>',
        html,
    ).groups()  # type: ignore[union-attr]
    return value, detail.replace("&#39;", "'")


@pytest.mark.parametrize("close", [False, True])
def test_two_delivered_figures_for_a_year_are_said_to_differ_and_why(
    year_end: Path, tmp_path: Path, close: bool
) -> None:
    """The headline's delivered to date is the returns' (savings status); the programme's
    Delivered counts each saving up to its target and, once closed, is close-year's
    outcome (the P12 forecast where P12 gave no delivered). The page says which is which."""
    if close:
        assert csplan(year_end, "savings", "close-year", "--year", "2025-26").exit_code == 0
    status = json.loads(
        csplan(year_end, "savings", "status", "--year", "2025-26", "-f", "json").stdout, parse_float=Decimal
    )
    returns = status["totals"]["delivered"]
    over = sum(max(s["delivered"] - s["target"], 0) for s in status["savings"] if s["delivered"] is not None)
    taken = [s["forecast"] for s in status["savings"] if s["delivered"] is None] if close else []
    data = json.loads(csplan(year_end, "savings", "programme", "-f", "json").stdout, parse_float=Decimal)
    year = data["years"][0]
    assert year["year"] == "2025-26" and year["closed"] is close
    assert over > 0 and year["delivered"] == returns - over + sum(taken) != returns  # the data shows both
    output = tmp_path / "report.html"
    assert csplan(year_end, "report", "--year", "2025-26", "-o", str(output)).exit_code == 0
    html = output.read_text().replace("&#39;", "'")
    value, detail = delivered_card(html)
    assert value == f"£{returns:,}"
    programme_line = f"<p>2025-26 Delivered £{year['delivered']:,} "
    assert programme_line in html and f"the returns' delivered to date £{returns:,}" in html
    assert f"it leaves out £{over:,} delivered over target" in html
    if close:
        assert f"the year closed with £{year['delivered']:,} delivered (programme, below)" in detail
        assert f"the P12 forecast of the {len(taken)} savings whose P12 return gave no delivered figure" in html
        assert f"(£{sum(taken):,})" in html
    else:
        assert f"the programme counts £{year['delivered']:,}, each saving up to its target" in detail
    book = tmp_path / "book.xlsx"
    assert csplan(year_end, "export", str(book), "--year", "2025-26").exit_code == 0
    said = [row[0] for row in load_workbook(book)["Programme"].iter_rows(values_only=True) if row[0]]
    assert any(str(line).startswith(f"2025-26 Delivered £{year['delivered']:,} ") for line in said)


def test_one_delivered_figure_needs_no_words(tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    assert csplan(DATA, "report", "-o", str(output)).exit_code == 0
    html = output.read_text()
    assert "the returns&#39; delivered to date" not in html and "(programme, below)" not in html
