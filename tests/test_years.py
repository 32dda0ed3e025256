"""Several years in one folder, mitigations, and a closed year's refusal to be written."""

from __future__ import annotations

import csv
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES, Edit, FolderCopy, csplan
from csplan import validate_plan
from csplan.cli import app
from csplan.savings import savings_report

runner = CliRunner()

LATER = """\
# ILLUSTRATIVE DATA - invented for a test.
kind: savings
year: 2026-27
department: Children's Services
units: pounds
source: "Invented for a test"
lines:
{lines}totals:
  ongoing: {total}
  one_off: 0
  total: {total}
"""
NEXT_YEAR = LATER.format(
    lines="  - id: N01\n    description: A new saving for 2026-27\n    ongoing: 100000\n", total=100000
)


@pytest.fixture
def two_years(folder_copy: FolderCopy) -> Path:
    """The illustrative folder with a hand-made 2026-27 savings file beside it."""
    folder = folder_copy("illustrative")
    (folder / "savings_2026_27.yaml").write_text(NEXT_YEAR, encoding="utf-8")
    return folder


# -- several years -------------------------------------------------------------------


def test_update_takes_the_latest_open_year_without_asking(two_years: Path) -> None:
    assert validate_plan(two_years)[1] == []
    result = csplan(two_years, "savings", "update", "N01", "--period", "P02", "--forecast", "90000")
    assert result.exit_code == 0, result.output
    assert "savings_2026_27.yaml: recorded P02 for N01" in result.stdout
    # --year still picks the other year
    result = csplan(
        two_years, "savings", "update", "S06", "--period", "P07", "--forecast", "700000", "--year", "2025-26"
    )
    assert result.exit_code == 0, result.output
    assert "savings.yaml: recorded P07 for S06" in result.stdout


def test_status_defaults_to_the_latest_open_year(two_years: Path) -> None:
    result = csplan(two_years, "savings", "status", "--format", "json")
    assert json.loads(result.stdout)["year"] == "2026-27"
    result = csplan(two_years, "savings", "status", "--format", "json", "--year", "2025-26")
    assert json.loads(result.stdout)["year"] == "2025-26"


def test_a_closed_latest_year_is_not_the_default(two_years: Path, edit) -> None:  # type: ignore[no-untyped-def]
    later = two_years / "savings_2027_28.yaml"
    later.write_text(
        NEXT_YEAR.replace("2026-27", "2027-28").replace("units: pounds\n", "units: pounds\nclosed: true\n")
    )
    plan, findings = validate_plan(two_years)
    assert plan.default_year() == "2026-27"
    # closed after an open year, and a closed year whose saving has no outcome
    assert {f.code for f in findings} == {"CSP506", "CSP510"}


# -- a closed year refuses writes -------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("savings", "update", "S06", "--period", "P12", "--forecast", "1"),
        ("savings", "mitigate", "S06", "--period", "P12", "--amount", "1", "--note", "x"),
    ],
)
def test_a_closed_year_refuses_writes_and_keeps_its_bytes(two_years: Path, args: tuple[str, ...]) -> None:
    path = two_years / "savings.yaml"
    text = path.read_text(encoding="utf-8").replace("units: pounds\n", "units: pounds\nclosed: true\n", 1)
    path.write_text(text, encoding="utf-8")
    before = path.read_bytes()
    result = csplan(two_years, *args, "--year", "2025-26")
    assert result.exit_code == 2
    assert "2025-26 is closed" in result.stderr and "read-only to csplan" in result.stderr
    assert "nothing was written" in result.stderr
    assert path.read_bytes() == before


def test_a_closed_year_refuses_an_import(two_years: Path, tmp_path: Path) -> None:
    path = two_years / "savings.yaml"
    path.write_text(path.read_text().replace("units: pounds\n", "units: pounds\nclosed: true\n", 1))
    before = path.read_bytes()
    sheet = tmp_path / "returns.csv"
    sheet.write_text("id,period,forecast\nS06,P12,700000\n")
    result = csplan(two_years, "savings", "import", str(sheet), "--year", "2025-26")
    assert result.exit_code == 2 and "2025-26 is closed" in result.stderr
    assert path.read_bytes() == before


# -- mitigations -------------------------------------------------------------------------


def test_mitigation_shows_the_gap_before_and_after_and_keeps_the_rag(folder_copy: FolderCopy) -> None:
    folder = folder_copy("illustrative")
    result = csplan(
        folder, "savings", "mitigate", "S06", "--period", "P08", "--amount", "100000", "--note", "Vacancy savings"
    )
    assert result.exit_code == 0, result.output
    assert "mitigated £100,000 (Vacancy savings), £133,000 of the gap uncovered" in result.stdout
    text = (folder / "savings.yaml").read_text()
    assert "    mitigations:\n      - period: P08\n        amount: 100000\n        note: Vacancy savings\n" in text
    plan, findings = validate_plan(folder)
    assert findings == []
    s06 = savings_report(plan.savings()[1]).statuses[5]
    assert (s06.rag, s06.forecast, s06.shortfall, s06.mitigated, s06.uncovered) == (
        "red",
        600000,
        233000,
        100000,
        133000,
    )
    # before P08 the mitigation was not yet agreed
    at_p06 = savings_report(plan.savings()[1], "P06").statuses[5]
    assert (at_p06.mitigated, at_p06.uncovered) == (0, 233000)
    table = csplan(folder, "savings", "status")
    assert "Shortfall before and after mitigation" in table.stdout
    data = json.loads(csplan(folder, "savings", "status", "--format", "json").stdout)
    assert data["savings"][5]["shortfall_after_mitigation"] == 133000
    assert data["totals"]["mitigated"] == 100000
    # The report, not a renderer, says which savings the mitigation table lists: each
    # that falls short or is mitigated; none before any mitigation is agreed.
    report = savings_report(plan.savings()[1])
    listed = report.mitigation_rows
    assert "S06" in [s.id for s in listed]
    assert [s.id for s in listed] == [s.id for s in report.statuses if s.shortfall or s.mitigations]
    assert savings_report(plan.savings()[1], "P06").mitigation_rows == []


def _table_rows(text: str, title: str) -> dict[str, dict[str, str]]:
    """A text table's rows (and Total) as {first cell: {header: cell}}."""
    lines = text[text.index(title) :].splitlines()
    header = [c.strip() for c in lines[2].strip("|").split("|")]
    rows = {}
    for line in lines[3:]:
        if not line.startswith(("|", "+")):
            break
        if line.startswith("| "):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = dict(zip(header, cells, strict=True))
    return rows


def _pounds(cell: str) -> Decimal:
    return Decimal(cell.strip("()").replace("£", "").replace(",", "")) * (-1 if cell.startswith("(") else 1)


def test_a_mitigation_beyond_the_shortfall_counts_up_to_it_and_shows_the_rest(folder_copy: FolderCopy) -> None:
    """Mitigated counts a saving's mitigations up to its shortfall, so Shortfall - Mitigated
    = After mitigation on every row and the total (JSON, CSV, table, council, programme);
    what goes beyond it is Unused, shown beside, not lost."""
    from csplan.money import format_pounds
    from csplan.savings import latest_entry

    council = folder_copy("council", "council")
    folder = council / "childrens-services"
    department = ("--department", "children")
    agreed = Decimal(200_000)
    result = csplan(
        council, "savings", "mitigate", "S09", "-p", "P07", "--amount", str(agreed), "--note", "Grant", *department
    )
    assert result.exit_code == 0, result.output
    plan, _ = validate_plan(folder)
    s09 = next(s for s in plan.savings()[1].lines if s.id == "S09")
    entry = latest_entry(s09, "P08")
    assert entry is not None
    shortfall = s09.target - entry.forecast
    assert 0 < shortfall < agreed  # the case: more mitigation than gap
    counted, unused = shortfall, agreed - shortfall

    def status(*args: str) -> str:
        done = csplan(council, "savings", "status", "-p", "P08", *department, *args)
        assert done.exit_code == 0, done.output
        return done.stdout

    data = json.loads(status("-f", "json"), parse_float=Decimal)
    by_id = {row["id"]: row for row in data["savings"]}
    assert (by_id["S09"]["shortfall"], by_id["S09"]["mitigated"], by_id["S09"]["unused_mitigation"]) == (
        shortfall,
        counted,
        unused,
    )
    assert by_id["S09"]["mitigations"] == [f"{format_pounds(agreed)} Grant (P07, one-off)"]  # the agreed amount
    assert f"mitigated {format_pounds(counted)} (Grant), £0 of the gap uncovered" in by_id["S09"]["reason"]
    assert f"{format_pounds(unused)} of mitigations unused, beyond the shortfall" in by_id["S09"]["reason"]
    for row in data["savings"]:
        if row["shortfall"] is not None:
            assert row["shortfall"] - row["mitigated"] == row["shortfall_after_mitigation"], row["id"]
    totals = data["totals"]
    assert totals["shortfall"] - totals["mitigated"] == totals["shortfall_after_mitigation"]
    assert totals["unused_mitigation"] == sum(row["unused_mitigation"] for row in data["savings"]) == unused

    table = _table_rows(status(), "Shortfall before and after mitigation")
    for key, row in table.items():
        assert _pounds(row["Shortfall"]) - _pounds(row["Mitigated"]) == _pounds(row["After mitigation"]), key
    assert _pounds(table["S09"]["Unused"]) == unused and _pounds(table["Total"]["Unused"]) == unused
    assert _pounds(table["Total"]["Mitigated"]) == totals["mitigated"]

    for row in csv.DictReader(io.StringIO(status("-f", "csv"))):
        if row["shortfall"]:
            after = Decimal(row["shortfall"]) - Decimal(row["mitigated"])
            assert after == Decimal(row["shortfall_after_mitigation"]), row["id"]
        assert Decimal(row["unused_mitigation"]) == by_id[row["id"]]["unused_mitigation"]

    programme = json.loads(
        csplan(council, "savings", "programme", "-p", "P08", "-f", "json", *department).stdout, parse_float=Decimal
    )
    assert programme["totals"]["mitigated"] == totals["mitigated"]
    assert programme["totals"]["unused_mitigation"] == unused

    rollup = json.loads(csplan(council, "council", "status", "-p", "P08", "-f", "json").stdout, parse_float=Decimal)
    children = next(d for d in rollup["departments"] if d["folder"].endswith("childrens-services"))
    assert (children["mitigated"], children["unused_mitigation"]) == (totals["mitigated"], unused)
    assert rollup["total"]["unused_mitigation"] == sum(d["unused_mitigation"] for d in rollup["departments"])
    words = csplan(council, "council", "status", "-p", "P08").stdout
    assert f"({format_pounds(rollup['total']['unused_mitigation'])} more agreed beyond the shortfalls, unused)" in words
    for row in [*rollup["departments"], rollup["total"]]:
        assert row["shortfall"] - row["mitigated"] == row["shortfall_after_mitigation"]


def test_ongoing_mitigation_and_period_order(folder_copy: FolderCopy) -> None:
    folder = folder_copy("illustrative")
    for period, amount in (("P09", "20k"), ("P07", "30k")):
        result = csplan(folder, "savings", "mitigate", "S09", "--period", period, "--amount", amount, "--note", "Grant")
        assert result.exit_code == 0, result.output
    assert (
        csplan(folder, "savings", "mitigate", "S09", "-p", "P08", "--amount", "1", "--note", "G", "--ongoing").exit_code
        == 0
    )
    plan, findings = validate_plan(folder)
    assert findings == []
    mitigations = plan.savings()[1].lines[8].mitigations
    assert [(m.period, m.amount, m.ongoing) for m in mitigations] == [
        ("P07", 30000, False),
        ("P08", 1, True),
        ("P09", 20000, False),
    ]


def test_mitigation_refusals(folder_copy: FolderCopy) -> None:
    folder = folder_copy("illustrative")
    before = (folder / "savings.yaml").read_bytes()
    for args, message in (
        (("S99", "-p", "P08", "--amount", "1", "--note", "x"), "no saving 'S99'"),
        (("S06", "-p", "P13", "--amount", "1", "--note", "x"), "P13"),
        (("S06", "-p", "P08", "--amount", "-5", "--note", "x"), "negative"),
        (("S06", "-p", "P08", "--amount", "0", "--note", "x"), "£0"),
        (("S06", "-p", "P08", "--amount", "1", "--note", " "), "--note is empty"),
    ):
        result = csplan(folder, "savings", "mitigate", *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr
    assert (folder / "savings.yaml").read_bytes() == before


def test_mitigation_findings(folder_copy: FolderCopy, edit: Edit) -> None:
    folder = folder_copy("illustrative")
    edit(
        folder / "savings.yaml",
        "        note: Provider contracts run to December\n",
        "        note: Provider contracts run to December\n"
        "    mitigations:\n"
        "      - {period: P09, amount: 200000, note: Grant}\n"
        "      - {period: P08, amount: 0, note: Nothing}\n",
    )
    _, findings = validate_plan(folder)
    assert sorted((f.code, f.severity) for f in findings) == [
        ("CSP409", "warning"),
        ("CSP410", "error"),
        ("CSP411", "error"),
    ]


def test_mitigating_the_last_saving_changes_only_its_lines(folder_copy: FolderCopy) -> None:
    folder = folder_copy("illustrative")
    before = (folder / "savings.yaml").read_text()
    result = csplan(folder, "savings", "mitigate", "S12", "--period", "P09", "--amount", "£5k", "--note", "Grant")
    assert result.exit_code == 0, result.output
    after = (folder / "savings.yaml").read_text()
    tail = before[before.index("totals:") :]
    assert after.endswith(tail)
    assert "      - period: P09\n        amount: 5000\n        note: Grant\ntotals:" in after


# -- diff across years ---------------------------------------------------------------------


def test_diff_shows_slippage_as_a_movement_between_years(folder_copy: FolderCopy) -> None:
    before, after = folder_copy("year-end", "before"), folder_copy("year-end", "after")
    assert csplan(after, "savings", "close-year", "--year", "2025-26").exit_code == 0
    result = runner.invoke(app, ["diff", str(before), str(after)])
    assert result.exit_code == 0, result.output
    assert "S06 slipped from 2025-26 into 2026-27 as S06-BF: £233,000 (Children's Centre review)" in result.stdout
    assert "S10 slipped from 2025-26 into 2026-27 as S10-BF: £50,000.45" in result.stdout
    assert "S06-BF added" not in result.stdout  # not an addition
    assert "S06 year-end outcome: none → “delivered £600,000; slipped £233,000 to 2026-27/S06-BF”" in result.stdout
    data = json.loads(runner.invoke(app, ["diff", str(before), str(after), "--format", "json"]).stdout)
    assert {m["from"]: (m["to"], m["how"], m["amount"]) for m in data["movements"]}["2025-26/S06"] == (
        "2026-27/S06-BF",
        "slipped",
        233000,
    )
    later = next(f for f in data["files"] if f["year"] == "2026-27")
    assert [line for line in later["lines"] if line["change"] == "added"] == []


def test_diff_only_and_min_filter_the_movements_between_years(folder_copy: FolderCopy) -> None:
    """A movement between years is its own kind of change: --only moved shows the
    movements alone, --only changed|added|removed leaves them out, and --min drops
    a movement smaller than it (under --min 100k, S06's £233,000 and S09's £160,000
    stay; S03's £4,000, S07's £50,000 and S10's £50,000.45 go)."""
    before, after = folder_copy("year-end", "before"), folder_copy("year-end", "after")
    assert csplan(after, "savings", "close-year", "--year", "2025-26").exit_code == 0

    def movements(*options: str) -> tuple[list[str], list[str]]:
        result = runner.invoke(app, ["diff", str(before), str(after), "--format", "json", *options])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        return sorted(m["from"] for m in data["movements"]), [line["id"] for f in data["files"] for line in f["lines"]]

    every, lines = movements()
    assert every == [f"2025-26/S{n:02d}" for n in (3, 6, 7, 9, 10)] and lines
    assert movements("--only", "moved") == (every, [])
    for kind in ("changed", "added", "removed"):
        assert movements("--only", kind)[0] == []
    assert movements("--min", "100k")[0] == ["2025-26/S06", "2025-26/S09"]
    assert movements("--only", "moved", "--min", "100k") == (["2025-26/S06", "2025-26/S09"], [])


def test_diff_shows_a_saving_moved_to_a_later_year_as_one_movement(two_years: Path, folder_copy: FolderCopy) -> None:
    after = folder_copy(two_years, "after")
    first = (after / "savings.yaml").read_text()
    start, end = first.index("  - id: S12\n"), first.index("totals:")
    block = first[start:end]
    (after / "savings.yaml").write_text(
        first[:start]
        + first[end:].replace("ongoing: 3226000", "ongoing: 3166000").replace("total: 3258000", "total: 3198000")
    )
    later = (after / "savings_2026_27.yaml").read_text()
    later = later.replace("totals:", block + "totals:").replace(
        "ongoing: 100000\n  one_off", "ongoing: 160000\n  one_off"
    )
    (after / "savings_2026_27.yaml").write_text(later.replace("total: 100000", "total: 160000"))
    (after / "budget_2025_26.yaml").unlink()  # its included savings total would no longer match
    (two_years / "budget_2025_26.yaml").unlink()
    assert validate_plan(after)[1] == []
    result = runner.invoke(app, ["diff", str(two_years), str(after)])
    assert (
        "S12 moved from 2025-26 into 2026-27: £60,000 (Fees and Charges: charges for Children In Care)" in result.stdout
    )
    assert "S12 removed" not in result.stdout and "S12 added" not in result.stdout


def test_every_file_of_a_closed_year_is_read_only(year_end: Path) -> None:
    """Closing the savings closes the year: its measures file refuses writes too."""
    folder = year_end
    shutil.copy(EXAMPLES / "illustrative" / "measures.yaml", folder)
    assert csplan(folder, "savings", "close-year", "--year", "2025-26").exit_code == 0
    measures = folder / "measures.yaml"
    before = measures.read_bytes()
    result = csplan(folder, "measures", "update", "SO2-04", "--period", "P12", "--value", "61", "--year", "2025-26")
    assert result.exit_code == 2, result.output
    assert "2025-26 is closed" in result.stderr
    assert measures.read_bytes() == before


# -- every cross-year finding, as validate reports it ---------------------------------------


def later_file(folder: Path, *lines: tuple[str, int, str]) -> None:
    """A 2026-27 savings file of (id, ongoing, extra YAML) lines."""
    body = "".join(
        f"  - id: {i}\n    description: Line {i}\n    ongoing: {amount}\n{extra}" for i, amount, extra in lines
    )
    total = sum(amount for _, amount, _ in lines)
    (folder / "savings_2026_27.yaml").write_text(LATER.format(lines=body, total=total), encoding="utf-8")


@pytest.mark.parametrize(
    ("extra", "code", "words"),
    [
        ("    from: S06\n", "CSP501", "'S06' does not name a saving as 'YYYY-YY/ID'"),
        ("    from: 2025-26/S66\n", "CSP502", "no saving S66 in the 2025-26 savings file"),
        ("    from: 2024-25/S06\n", "CSP502", "no savings file for 2024-25"),
        ("    from: 2026-27/N01\n", "CSP503", "not in an earlier year than 2026-27"),
        ("    from: 2025-26/S06\n", "CSP504", "2025-26 is not closed"),
        ("    replaces: {saving: 2025-26/S06, amount: 900000}\n", "CSP512", "more than its target £833,000"),
    ],
)
def test_links_from_a_later_year(two_years: Path, extra: str, code: str, words: str) -> None:
    later_file(two_years, ("N01", 100000, extra))
    _, findings = validate_plan(two_years)
    assert [f.code for f in findings if f.severity == "error" and f.code != "CSP302"] == [code]
    assert words in findings[0].message or any(words in f.message for f in findings)


def test_closed_year_findings(year_end: Path, edit) -> None:  # type: ignore[no-untyped-def]
    folder = year_end
    assert csplan(folder, "savings", "close-year", "--year", "2025-26").exit_code == 0
    later = folder / "savings_2026_27.yaml"
    # a second line bringing S06 forward: carried twice (and more than recorded)
    edit(
        later,
        "totals:\n",
        "  - id: S06-BF2\n    description: Again\n    from: 2025-26/S06\n    ongoing: 1\ntotals:\n",
    )
    edit(later, "  ongoing: 1177000.45\n", "  ongoing: 1177001.45\n")
    edit(later, "  total: 1217000.45\n", "  total: 1217001.45\n")
    # a slipped amount that names no line
    edit(folder / "savings.yaml", "      slipped_to: 2026-27/S03-BF\n", "")
    _, findings = validate_plan(folder)
    assert sorted(f.code for f in findings) == ["CSP505", "CSP511", "CSP513"]
    assert any("2025-26/S06 is brought forward twice (2026-27/S06-BF, 2026-27/S06-BF2)" in f.message for f in findings)


def test_an_outcome_in_an_open_year(two_years: Path, edit) -> None:  # type: ignore[no-untyped-def]
    edit(
        two_years / "savings.yaml",
        "        note: Provider contracts run to December\n",
        "        note: Provider contracts run to December\n    outcome: {delivered: 450000, slipped: 160000}\n",
    )
    _, findings = validate_plan(two_years)
    assert [(f.code, f.message) for f in findings] == [
        ("CSP508", "S09 records a year-end outcome but 2025-26 is not closed")
    ]
