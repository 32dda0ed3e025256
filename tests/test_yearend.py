"""close-year: outcomes exact to the penny, shortfalls carried on, all or nothing."""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import Edit, FolderCopy, csplan
from csplan import validate_plan
from csplan.cli import app
from csplan.errors import DataError, UsageError
from csplan.yearend import prepare_close_year, write_offs_of, write_year_end
from csplan.years import savings_years

runner = CliRunner()
REASON = "Provider contracts cannot be ended before 2027"


def final(saving) -> Decimal:  # type: ignore[no-untyped-def]
    """What the P12 return says was delivered, computed here independently."""
    [entry] = [e for e in saving.progress if e.period == "P12"]
    return entry.delivered if entry.delivered is not None else entry.forecast


def test_acceptance_close_with_one_write_off(year_end: Path) -> None:
    plan, findings = validate_plan(year_end)
    assert findings == []
    before = {s.id: s for s in plan.savings("2025-26")[1].lines}
    replaced = {"S07": Decimal(50000)}  # S15 in 2026-27 replaces £50,000 of S07
    result = csplan(year_end, "savings", "close-year", "--year", "2025-26", "--write-off", "S09", "--reason", REASON)
    assert result.exit_code == 0, result.output
    assert "2025-26 is closed" in result.stdout

    plan, findings = validate_plan(year_end)
    assert findings == []  # the 2026-27 file the close produced validates
    later = plan.savings("2026-27")[1]
    brought = {s.from_: s.target for s in later.lines if s.from_}
    expected = {
        f"2025-26/{i}": s.target - min(final(s), s.target) - replaced.get(i, Decimal(0))
        for i, s in before.items()
        if i != "S09" and s.target > final(s)
    }
    assert brought == expected
    assert brought["2025-26/S10"] == Decimal("50000.45")  # to the penny
    assert sum(brought.values()) == Decimal("337000.45")
    closed = plan.savings("2025-26")[1]
    assert closed.closed
    for saving in closed.lines:
        o = saving.outcome
        assert o is not None
        assert o.delivered + o.slipped + o.written_off + o.replaced == saving.target
    s09 = closed.lines[8].outcome
    assert s09 is not None and (s09.written_off, s09.write_off_reason) == (160000, REASON)
    s05 = closed.lines[4].outcome
    assert s05 is not None and (s05.delivered, s05.over_delivered, s05.slipped) == (49000, 3000, 0)
    # the totals of the 2026-27 file grew by what was brought forward
    assert later.totals.total == Decimal(720000) + Decimal("337000.45")
    # and the default year is now 2026-27, the latest open one
    assert plan.default_year() == "2026-27"


def test_a_second_close_is_refused_and_changes_nothing(year_end: Path) -> None:
    assert csplan(year_end, "savings", "close-year", "--year", "2025-26").exit_code == 0
    files = {p: p.read_bytes() for p in year_end.iterdir()}
    result = csplan(year_end, "savings", "close-year", "--year", "2025-26")
    assert result.exit_code == 2
    assert "2025-26 is already closed" in result.stderr
    assert {p: p.read_bytes() for p in year_end.iterdir()} == files


def test_the_closed_year_refuses_writes_byte_identical(year_end: Path) -> None:
    assert csplan(year_end, "savings", "close-year", "--year", "2025-26").exit_code == 0
    path = year_end / "savings.yaml"
    before = path.read_bytes()
    for args in (
        ("savings", "update", "S06", "--period", "P12", "--forecast", "833000", "--year", "2025-26", "--replace"),
        ("savings", "mitigate", "S06", "--period", "P12", "--amount", "1", "--note", "x", "--year", "2025-26"),
    ):
        result = csplan(year_end, *args)
        assert result.exit_code == 2, result.output
        assert "2025-26 is closed" in result.stderr
    assert path.read_bytes() == before
    # without --year, update goes to 2026-27, the latest open year
    result = csplan(year_end, "savings", "update", "S06-BF", "--period", "P01", "--forecast", "233000")
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == before


def test_missing_final_returns_are_listed_and_nothing_is_written(year_end: Path, edit) -> None:  # type: ignore[no-untyped-def]
    edit(
        year_end / "savings.yaml",
        "      - period: P12\n        forecast: 600000\n",
        "      - period: P11\n        forecast: 600000\n",
    )
    edit(
        year_end / "savings.yaml",
        "      - period: P12\n        forecast: 149999.55\n",
        "      - period: P10\n        forecast: 149999.55\n",
    )
    files = {p: p.read_bytes() for p in year_end.iterdir()}
    result = csplan(year_end, "savings", "close-year", "--year", "2025-26")
    assert result.exit_code == 1
    assert "2 of 12 savings have no final return (P12): S06, S10" in result.stderr
    assert {p: p.read_bytes() for p in year_end.iterdir()} == files


def test_the_next_year_file_is_created_with_its_years_header(year_end: Path) -> None:
    (year_end / "savings_2026_27.yaml").unlink()
    budget = year_end / "budget_2026_27.yaml"
    budget.write_text(
        "# ILLUSTRATIVE\nkind: budget\nyear: 2026-27\ndepartment: Children's Services\nunits: millions\n"
        'source: "invented"\ntotal: 180.000\n'
    )
    result = csplan(year_end, "savings", "close-year", "--year", "2025-26", "--write-off", "S03", "--reason", "Gone")
    assert result.exit_code == 0, result.output
    created = year_end / "savings_2026_27.yaml"
    assert "created" in result.stdout and created.exists()
    text = created.read_text()
    assert "units: millions\n" in text and "# yaml-language-server: $schema=../../schema/savings.schema.json" in text
    plan, findings = validate_plan(year_end)
    assert findings == []
    later = plan.savings("2026-27")[1]
    # without the replacement, all of S07's £100,000 slips; S03 is written off
    assert {s.from_: s.target for s in later.lines} == {
        "2025-26/S06": 233000,
        "2025-26/S07": 100000,
        "2025-26/S09": 160000,
        "2025-26/S10": Decimal("50000.45"),
    }
    assert later.totals.total == Decimal("543000.45")


def test_dry_run_shows_both_diffs_and_writes_nothing(year_end: Path) -> None:
    files = {p: p.read_bytes() for p in year_end.iterdir()}
    result = csplan(year_end, "savings", "close-year", "--year", "2025-26", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "savings_2026_27.yaml" in result.stdout and "+    from: 2025-26/S06" in result.stdout
    assert "+closed: true" in result.stdout and "+    outcome:" in result.stdout
    assert result.stdout.rstrip().endswith("dry run: nothing was written")
    assert {p: p.read_bytes() for p in year_end.iterdir()} == files


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--write-off", "S09"), "each --write-off needs a --reason"),
        (("--write-off", "S04", "--reason", "x"), "S04: it has no shortfall left to write off"),
        (("--write-off", "S99", "--reason", "x"), "S99: no such saving"),
        # the id meant, as every other command suggests it; else the ids there are
        (("--write-off", "S99", "--reason", "x"), "hint: did you mean S09?"),
        (("--write-off", "s9", "--write-off", "XX", "--reason", "x"), "hint: s9: did you mean S09?"),
        (("--write-off", "QQQQ", "--reason", "x"), "hint: ids run S01..S12"),
        (
            ("--write-off", "S09", "--write-off", "S06", "--reason", "a", "--reason", "b", "--reason", "c"),
            "2 --write-off",
        ),
        (("--reason", "x"), "--reason given without --write-off"),
    ],
)
def test_write_off_refusals(year_end: Path, args: tuple[str, ...], message: str) -> None:
    files = {p: p.read_bytes() for p in year_end.iterdir()}
    result = csplan(year_end, "savings", "close-year", "--year", "2025-26", *args)
    assert result.exit_code in (1, 2)
    assert message in result.stderr
    assert {p: p.read_bytes() for p in year_end.iterdir()} == files


def test_reasons_once_per_id() -> None:
    assert write_offs_of(["S09", "S06"], ["a", "b"]) == {"S09": "a", "S06": "b"}
    assert write_offs_of(["S09", "S06"], ["a"]) == {"S09": "a", "S06": "a"}
    with pytest.raises(UsageError):
        write_offs_of(["S09", "S09"], ["a"])


def test_a_replacement_larger_than_the_shortfall_is_refused(year_end: Path, edit) -> None:  # type: ignore[no-untyped-def]
    edit(year_end / "savings_2026_27.yaml", "      amount: 50000\n", "      amount: 100000.01\n")
    result = csplan(year_end, "savings", "close-year", "--year", "2025-26")
    assert result.exit_code == 1
    assert "S07: later savings replace £100,000.01 of it (2026-27/S15 £100,000.01), but its shortfall is £100,000" in (
        result.stderr
    )


def test_an_interrupted_close_is_completed_by_running_it_again(year_end: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    closing = year_end / "savings.yaml"
    before = closing.read_bytes()
    renames: list[str] = []
    real_replace = os.replace

    def crash_before_the_second(source: str, target: str) -> None:
        renames.append(str(target))
        if len(renames) == 2:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", crash_before_the_second)
    result = csplan(year_end, "savings", "close-year", "--year", "2025-26")
    monkeypatch.setattr(os, "replace", real_replace)
    assert result.exit_code == 1
    assert closing.read_bytes() == before  # the commit point was not reached
    assert not [p for p in year_end.iterdir() if p.name.endswith(".csplan-tmp")]
    _, findings = validate_plan(year_end)
    assert {f.code for f in findings} == {"CSP504"}
    assert "run it again and it completes" in findings[0].hint  # type: ignore[operator]
    carried = (year_end / "savings_2026_27.yaml").read_bytes()

    result = csplan(year_end, "savings", "close-year", "--year", "2025-26")
    assert result.exit_code == 0, result.output
    assert "(already there)" in result.stdout
    assert (year_end / "savings_2026_27.yaml").read_bytes() == carried  # not carried twice
    assert validate_plan(year_end)[1] == []


def test_a_failure_while_staging_leaves_both_files_as_they_were(year_end: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    files = {p: p.read_bytes() for p in year_end.iterdir()}

    def no_room(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_room)
    result = csplan(year_end, "savings", "close-year", "--year", "2025-26")
    assert result.exit_code == 1
    assert {p: p.read_bytes() for p in year_end.iterdir()} == files


def test_links_are_checked_after_the_close(year_end: Path, edit) -> None:  # type: ignore[no-untyped-def]
    assert csplan(year_end, "savings", "close-year", "--year", "2025-26").exit_code == 0
    later = year_end / "savings_2026_27.yaml"
    edit(later, "    from: 2025-26/S06\n    ongoing: 233000\n", "    from: 2025-26/S06\n    ongoing: 233000.01\n")
    edit(later, "  ongoing: 1177000.45\n", "  ongoing: 1177000.46\n")
    edit(later, "  total: 1217000.45\n", "  total: 1217000.46\n")
    edit(later, "    from: 2025-26/S10\n", "    from: 2025-26/S66\n")
    _, findings = validate_plan(year_end)
    assert sorted(f.code for f in findings) == ["CSP502", "CSP505", "CSP505"]
    messages = " ".join(f.message for f in findings)
    assert "£233,000.01 of 2025-26/S06 is carried" in messages and "no saving S66" in messages


def test_outcome_checks(year_end: Path, edit) -> None:  # type: ignore[no-untyped-def]
    assert (
        csplan(year_end, "savings", "close-year", "--year", "2025-26", "--write-off", "S09", "--reason", "x").exit_code
        == 0
    )
    closing = year_end / "savings.yaml"
    edit(closing, "    outcome:\n      delivered: 263000\n", "    outcome:\n      delivered: 263001\n")
    edit(closing, "      write_off_reason: x\n", "")
    _, findings = validate_plan(year_end)
    assert sorted(f.code for f in findings) == ["CSP507", "CSP509"]


def test_mixed_ongoing_and_one_off_slip_in_proportion(year_end: Path, edit) -> None:  # type: ignore[no-untyped-def]
    edit(
        year_end / "savings.yaml", "    ongoing: 833000\n    one_off: 0\n", "    ongoing: 533000\n    one_off: 300000\n"
    )
    edit(year_end / "savings.yaml", "  ongoing: 3226000\n  one_off: 32000\n", "  ongoing: 2926000\n  one_off: 332000\n")
    assert csplan(year_end, "savings", "close-year", "--year", "2025-26").exit_code == 0
    plan, findings = validate_plan(year_end)
    assert findings == []
    [line] = [s for s in plan.savings("2026-27")[1].lines if s.from_ == "2025-26/S06"]
    # £233,000 of £833,000: 300/833 of it one-off, to the penny
    assert (line.ongoing, line.one_off) == (Decimal("149086.43"), Decimal("83913.57"))


# -- the property -------------------------------------------------------------------------

AMOUNT = st.integers(min_value=0, max_value=1_000_000_00).map(lambda pence: Decimal(pence) / 100)
# A saving: its target (negative for a reversal), its final figure, how the target is
# written (ongoing, one-off, or an amount with no split), whether P12 gives delivered,
# and whether it is written off.
SAVING = st.tuples(
    st.one_of(AMOUNT, AMOUNT.map(lambda a: -a)),
    st.one_of(AMOUNT, AMOUNT.map(lambda a: -a)),
    st.sampled_from(["ongoing", "one_off", "amount"]),
    st.booleans(),
    st.booleans(),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(finals=st.lists(SAVING, min_size=1, max_size=6), next_file=st.booleans())
def test_close_year_conserves_money_and_closes_once(finals: list[tuple[Any, ...]], next_file: bool) -> None:
    """For any final returns: each saving's outcome sums to its target, so the year's
    outcomes sum to its targets; the next year (made, or already there) carries exactly
    the slipped amounts; and a second close is refused, changing nothing."""
    lines = []
    totals = {"ongoing": Decimal(0), "one_off": Decimal(0)}
    whole = Decimal(0)
    write_offs: dict[str, str] = {}
    for number, (target, final_amount, form, has_delivered, write_off) in enumerate(finals, start=1):
        saving_id = f"S{number:02d}"
        if target >= 0:
            final_amount = abs(final_amount)  # a return is negative only for a reversal (CSP106)
        if form != "amount":
            totals[form] += target
        whole += target
        figure = f"delivered: {final_amount}" if has_delivered else "note: final"
        lines.append(
            f"  - id: {saving_id}\n    description: Saving {number}\n    {form}: {target}\n    progress:\n"
            f"      - period: P12\n        forecast: {final_amount}\n        {figure}\n"
        )
        if write_off and final_amount < target:
            write_offs[saving_id] = "cannot be delivered"
    split = all(form != "amount" for _, _, form, _, _ in finals)
    stated = (
        f"  ongoing: {totals['ongoing']}\n  one_off: {totals['one_off']}\n" if split else ""
    ) + f"  total: {whole}\n"
    header = "kind: savings\nyear: {year}\ndepartment: D\nunits: pounds\nsource: generated\n"
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "savings.yaml").write_text(
            header.format(year="2025-26") + "lines:\n" + "".join(lines) + "totals:\n" + stated
        )
        if next_file:
            (folder / "savings_2026_27.yaml").write_text(
                header.format(year="2026-27")
                + "lines:\n  - id: N01\n    description: New\n    ongoing: 1000\n"
                + "totals:\n  ongoing: 1000\n  one_off: 0\n  total: 1000\n"
            )
        result = prepare_close_year(folder, "2025-26", write_offs)
        for outcome in result.outcomes:
            assert outcome.delivered + outcome.slipped + outcome.written_off + outcome.replaced == outcome.target
            assert min(outcome.slipped, outcome.written_off, outcome.replaced, outcome.over_delivered) >= 0
        assert sum(o.target for o in result.outcomes) == whole
        write_year_end(result)
        plan, findings = validate_plan(folder)
        assert [f for f in findings if f.severity == "error"] == []
        years = savings_years(plan)
        closed = years[0][1]
        recorded = sum(
            s.outcome.delivered + s.outcome.slipped + s.outcome.written_off + s.outcome.replaced
            for s in closed.lines
            if s.outcome is not None
        )
        assert recorded == whole
        carried = sum(s.target for s in years[1][1].lines if s.from_) if len(years) > 1 else Decimal(0)
        assert carried == sum(o.slipped for o in result.outcomes)
        before = {p: p.read_bytes() for p in folder.iterdir()}
        with pytest.raises(UsageError, match="already closed"):
            prepare_close_year(folder, "2025-26")
        assert {p: p.read_bytes() for p in folder.iterdir()} == before


def test_an_explicit_closed_false_becomes_true(year_end: Path, edit) -> None:  # type: ignore[no-untyped-def]
    edit(year_end / "savings.yaml", "units: pounds\n", "units: pounds\nclosed: false\n")
    assert csplan(year_end, "savings", "close-year", "--year", "2025-26").exit_code == 0
    text = (year_end / "savings.yaml").read_text()
    assert text.count("\nclosed:") == 1 and "\nclosed: true " in text
    assert validate_plan(year_end)[1] == []


def test_only_the_savings_lines_and_the_closed_mark_change(year_end: Path) -> None:
    before = (year_end / "savings.yaml").read_text().splitlines()
    assert csplan(year_end, "savings", "close-year", "--year", "2025-26").exit_code == 0
    after = (year_end / "savings.yaml").read_text().splitlines()
    added = [line for line in after if line not in before]
    assert [line for line in before if line not in after] == []  # nothing a person wrote is lost
    assert all(
        line.startswith("    outcome:") or line.startswith("      ") or line.startswith("closed:") for line in added
    )


def test_a_saving_given_as_an_amount_slips_as_an_amount(year_end: Path, edit) -> None:  # type: ignore[no-untyped-def]
    edit(year_end / "savings.yaml", "    ongoing: 833000\n    one_off: 0\n", "    amount: 833000\n")
    result = csplan(year_end, "savings", "close-year", "--year", "2025-26")
    assert result.exit_code == 0, result.output
    plan, findings = validate_plan(year_end)
    assert [f for f in findings if f.severity == "error"] == []
    later = plan.savings("2026-27")[1]
    [line] = [s for s in later.lines if s.from_ == "2025-26/S06"]
    assert (line.amount, line.split_known) == (233000, False)
    # the file's stated split cannot hold an unsplit line: only its total is kept
    assert later.totals is not None and (later.totals.ongoing, later.totals.one_off) == (None, None)
    assert later.totals.total == Decimal("1217000.45")  # S09 slips too: nothing is written off


def test_a_replacement_added_after_the_close_is_checked_against_the_outcome(year_end: Path, edit) -> None:  # type: ignore[no-untyped-def]
    assert csplan(year_end, "savings", "close-year", "--year", "2025-26").exit_code == 0
    later = year_end / "savings_2026_27.yaml"
    # S16 takes over £30,000 of S06's slipped shortfall ...
    edit(
        later,
        "totals:\n",
        "  - id: S16\n    description: Family hubs shared reception\n    ongoing: 30000\n"
        "    replaces: {saving: 2025-26/S06, amount: 30000}\ntotals:\n",
    )
    edit(later, "  ongoing: 1177000.45\n", "  ongoing: 1207000.45\n")
    edit(later, "  total: 1217000.45\n", "  total: 1247000.45\n")
    _, findings = validate_plan(year_end)
    assert [f.code for f in findings] == ["CSP505"]  # ... while S06-BF still carries all of it: twice
    assert "£263,000 of 2025-26/S06 is carried into later years" in findings[0].message
    # taking it off the brought-forward line carries each pound once
    edit(later, "    from: 2025-26/S06\n    ongoing: 233000\n", "    from: 2025-26/S06\n    ongoing: 203000\n")
    edit(later, "  ongoing: 1207000.45\n", "  ongoing: 1177000.45\n")
    edit(later, "  total: 1247000.45\n", "  total: 1217000.45\n")
    assert validate_plan(year_end)[1] == []


def test_crlf_files_close_with_crlf_and_every_other_byte_kept(year_end: Path) -> None:
    for name in ("savings.yaml", "savings_2026_27.yaml"):
        path = year_end / name
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    before = (year_end / "savings.yaml").read_bytes()
    assert csplan(year_end, "savings", "close-year", "--year", "2025-26").exit_code == 0
    for name in ("savings.yaml", "savings_2026_27.yaml"):
        raw = (year_end / name).read_bytes()
        assert raw.count(b"\n") == raw.count(b"\r\n")
    after = (year_end / "savings.yaml").read_bytes()
    assert [line for line in before.split(b"\r\n") if line not in after.split(b"\r\n")] == []
    assert validate_plan(year_end)[1] == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # a saving written as a flow mapping, and a description as a block scalar:
        # layouts the line-by-line edit leaves to ruamel.yaml
        (
            '  - id: S12\n    description: "Fees and Charges: charges for Children In Care"\n',
            '  - {id: S12, description: "Fees and Charges: charges for Children In Care", ongoing: 60000,'
            " progress: [{period: P12, forecast: 60000, delivered: 60000}]}\n  - id: S99\n"
            '    description: "Placeholder"\n',
        ),
        (
            "    description: Review Quality Assurance model\n",
            "    description: |\n      Review Quality Assurance model\n      # not a comment\n",
        ),
    ],
)
def test_unusual_layouts_close_too(year_end: Path, edit, old: str, new: str) -> None:  # type: ignore[no-untyped-def]
    edit(year_end / "savings.yaml", old, new)
    if "S99" in new:  # the flow S12 replaces the block one: drop the rest of the old S12 block
        text = (year_end / "savings.yaml").read_text()
        start = text.index("  - id: S99\n")
        end = text.index("totals:")
        (year_end / "savings.yaml").write_text(text[:start] + text[end:])
    plan, findings = validate_plan(year_end)
    assert findings == [], findings
    result = csplan(year_end, "savings", "close-year", "--year", "2025-26")
    assert result.exit_code == 0, result.output
    plan, findings = validate_plan(year_end)
    assert findings == []
    assert all(s.outcome is not None for s in plan.savings("2025-26")[1].lines)


def test_a_large_close_lists_the_first_hundred(tmp_path: Path) -> None:
    lines = "".join(
        f"  - id: S{n:03d}\n    description: Saving {n}\n    ongoing: 1000\n"
        f"    progress:\n      - {{period: P12, forecast: 900}}\n"
        for n in range(1, 151)
    )
    (tmp_path / "savings.yaml").write_text(
        "kind: savings\nyear: 2025-26\ndepartment: D\nunits: pounds\nsource: generated\nlines:\n"
        + lines
        + "totals:\n  ongoing: 150000\n  one_off: 0\n  total: 150000\n"
    )
    result = csplan(tmp_path, "savings", "close-year", "--year", "2025-26")
    assert result.exit_code == 0, result.output
    assert "The first 100 of the 150 savings not delivered exactly are listed" in result.stdout
    assert "... and 50 more lines brought forward, written off or replaced" in result.stdout
    assert "| S100 " in result.stdout and "| S101 " not in result.stdout
    plan, findings = validate_plan(tmp_path)
    assert findings == [] and len(plan.savings("2026-27")[1].lines) == 150


def test_a_close_year_dry_run_names_lines_of_the_file_on_disk(folder_copy: FolderCopy) -> None:
    """The closed year's file is not written by a dry run: its warnings point into the
    file as it is, not into the text with every saving's outcome added (SV07 said :80)."""
    folder = folder_copy("published", "published")
    path = folder / "savings.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("period: P09", "period: P12"), encoding="utf-8")
    before = path.read_bytes()
    lines = path.read_text(encoding="utf-8").splitlines()
    sv07 = lines.index("  - id: SV07") + 3  # its amount: (100), two lines below the id
    sv02 = lines.index("  - id: SV02") + 5  # its P12 return, four lines below the id
    result = runner.invoke(app, ["--data", str(folder), "savings", "close-year", "--year", "2025-26", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"savings.yaml:{sv07}:13: warning CSP120 SV07" in result.stderr, result.stderr
    assert f"savings.yaml:{sv02}:62: warning CSP415 SV02 P12" in result.stderr, result.stderr
    assert path.read_bytes() == before


def _bytes_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize(
    ("old", "new", "finding"),
    [
        ("  - id: S13\n", "  - id: [S13\n", ":14:16: error CSP001 YAML syntax error"),
        (
            "    ongoing: 180000\n",
            "    ongoing: lots\n",
            ":17:14: error CSP105 lines[0].ongoing: 'lots' is not an amount",
        ),
    ],
    ids=["yaml-syntax", "schema"],
)
@pytest.mark.parametrize("dry_run", [False, True], ids=["write", "dry-run"])
def test_an_unreadable_next_year_file_is_reported_as_such_and_nothing_is_written(
    year_end: Path, edit: Edit, old: str, new: str, finding: str, dry_run: bool
) -> None:
    following = year_end / "savings_2026_27.yaml"
    edit(following, old, new)
    before = _bytes_of(year_end)
    args = ["savings", "close-year", "--year", "2025-26", "--write-off", "S09", "--reason", REASON]
    result = csplan(year_end, *args, *(["--dry-run"] if dry_run else []))
    assert result.exit_code == 1, result.output
    assert "appeared while csplan was working" not in result.output
    assert f"csplan: error: {following} exists but cannot be read as 2026-27's savings; nothing was written" in (
        result.output
    )
    assert f"{following}{finding}" in result.output  # the file's own finding, with its place
    assert "hint: fix those errors in it" in result.output
    assert "Traceback" not in result.output
    assert _bytes_of(year_end) == before


@pytest.mark.parametrize(
    ("old", "new"),
    [("year: 2026-27\n", "year: 2027-28\n"), ("kind: savings\n", "kind: pressures\n")],
    ids=["another-year", "another-kind"],
)
def test_a_next_year_file_name_holding_something_else_is_refused(
    year_end: Path, edit: Edit, old: str, new: str
) -> None:
    following = year_end / "savings_2026_27.yaml"
    edit(following, old, new)
    before = _bytes_of(year_end)
    with pytest.raises(DataError) as raised:
        prepare_close_year(year_end, "2025-26", {"S09": REASON})
    assert str(following) in raised.value.args[0] and "nothing was written" in raised.value.args[0]
    assert "appeared" not in raised.value.args[0]
    assert _bytes_of(year_end) == before


def test_a_p12_return_of_a_forecast_alone_carries_no_delivered(year_end: Path, edit) -> None:  # type: ignore[no-untyped-def]
    """close-year records the P12 delivered where given, else the P12 forecast: a P12
    return that gives only the forecast must not carry P06's £131,500 delivered, or the
    year closes with S04 £131,500 short (slipped) while its return says green 100%."""
    edit(
        year_end / "savings.yaml",
        "        rag: green\n      - period: P12\n        forecast: 263000\n        delivered: 263000\n",
        "        rag: green\n",
    )
    result = csplan(
        year_end, "savings", "update", "S04", "--period", "P12", "--forecast", "263000", "--year", "2025-26"
    )
    assert result.exit_code == 0, result.output
    assert (
        "S04 P12: delivered £131,500 not carried from P06: P12 is the year-end return, where close-year takes the "
        "P12 forecast as delivered unless you give it"
    ) in result.stdout
    [s04] = [s for s in validate_plan(year_end)[0].savings("2025-26")[1].lines if s.id == "S04"]
    assert [(e.period, e.delivered) for e in s04.progress][-1] == ("P12", None)
    result = csplan(year_end, "savings", "close-year", "--year", "2025-26", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "S04-BF" not in result.stdout  # nothing of S04 slips
    assert "Delivered £2,710,999.55 + slipped £497,000.45" in result.stdout
