from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import DATA, EXAMPLES, Edit, add_returns
from csplan import validate_plan
from csplan.errors import UsageError
from csplan.models import ProgressEntry, Saving, SavingsFile, SavingsSettings
from csplan.money import format_pounds
from csplan.savings import (
    FIRST_RETURN,
    NO_RETURN,
    NOT_REPORTED,
    derive_rag,
    latest_entry,
    latest_two,
    saving_status,
    savings_report,
    shown_percent,
)

D = Decimal
DEFAULT = SavingsSettings()


@pytest.mark.parametrize(
    ("forecast", "delivered", "rag"),
    [
        ("100000", "100000", "blue"),
        ("100000", "99999.99", "green"),
        ("100000", None, "green"),
        ("99999.99", None, "amber"),
        ("75000", None, "amber"),  # exactly 75%: amber
        ("74999.99", None, "red"),  # a penny under: red
        ("0", None, "red"),
        ("120000", None, "green"),
    ],
)
def test_rag_boundaries_are_exact(forecast: str, delivered: str | None, rag: str) -> None:
    judgement = derive_rag(D(100000), D(forecast), D(delivered) if delivered else None, DEFAULT)
    assert judgement.rag == rag


def test_reason_in_words() -> None:
    judgement = derive_rag(D(833000), D(600000), None, DEFAULT)
    assert judgement.reason == (
        "forecast £600,000 is 72% of target £833,000; shortfall £233,000, below the 75% amber threshold"
    )


def test_percent_shown_never_rounds_up_across_a_threshold() -> None:
    judgement = derive_rag(D(100000), D("74999.99"), None, DEFAULT)
    assert judgement.rag == "red" and "is 74% of target" in judgement.reason


def test_thresholds_are_settings() -> None:
    strict = SavingsSettings(green_percent=D(100), amber_percent=D(90))
    assert derive_rag(D(100000), D(80000), None, DEFAULT).rag == "amber"
    assert derive_rag(D(100000), D(80000), None, strict).rag == "red"
    assert "below the 90% amber threshold" in derive_rag(D(100000), D(80000), None, strict).reason


def test_settings_block_changes_the_derived_rag(data_copy: Path, edit: Edit) -> None:
    path = data_copy / "savings.yaml"
    edit(
        path,
        "    ongoing: 833000\n    one_off: 0\n",
        "    ongoing: 833000\n    one_off: 0\n    progress:\n      - period: P06\n        forecast: 700000\n",
    )
    plan, _ = validate_plan(data_copy)
    assert savings_report(plan.savings()[1]).statuses[5].rag == "amber"  # 84%
    path.write_text(path.read_text() + "settings:\n  amber_percent: 85\n")
    plan, findings = validate_plan(data_copy)
    assert findings == []
    assert savings_report(plan.savings()[1]).statuses[5].rag == "red"


def test_inconsistent_thresholds_are_an_error(data_copy: Path) -> None:
    path = data_copy / "savings.yaml"
    path.write_text(path.read_text() + "settings:\n  amber_percent: 110\n")
    _, findings = validate_plan(data_copy)
    assert [f.code for f in findings] == ["CSP405"]


def saving(*entries: ProgressEntry) -> Saving:
    return Saving(id="S06", description="Children's Centre review", ongoing=D(833000), progress=list(entries))


def test_status_as_at_a_period() -> None:
    s = saving(ProgressEntry(period="P03", forecast=D(833000)), ProgressEntry(period="P06", forecast=D(600000)))
    assert latest_entry(s, "P02") is None
    assert saving_status(s, DEFAULT, "P02").rag == NOT_REPORTED
    assert saving_status(s, DEFAULT, "P05").rag == "green"
    assert saving_status(s, DEFAULT, "P06").rag == "red"
    assert saving_status(s, DEFAULT).variance == D(-233000)


def test_officer_rag_better_than_figures_is_not_shown() -> None:
    s = saving(ProgressEntry(period="P06", forecast=D(600000), rag="green"))
    status = saving_status(s, DEFAULT)
    assert (status.rag, status.officer_rag, status.derived_rag) == ("red", "green", "red")
    assert status.reason.startswith("officer's green not supported: forecast £600,000 is 72%")


def test_officer_rag_worse_than_figures_is_respected() -> None:
    s = saving(ProgressEntry(period="P06", forecast=D(833000), rag="amber"))
    status = saving_status(s, DEFAULT)
    assert (status.rag, status.derived_rag) == ("amber", "green")


def test_shipped_data_all_not_reported_with_stated_totals() -> None:
    plan, _ = validate_plan(DATA)
    report = savings_report(plan.savings()[1])
    assert [s.rag for s in report.statuses] == [NOT_REPORTED] * 12
    assert (report.totals.ongoing, report.totals.one_off, report.totals.target) == (D(3226000), D(32000), D(3258000))
    assert report.reconciles
    assert report.rag_summary[NOT_REPORTED].count == 12
    assert report.rag_summary[NOT_REPORTED].target == D(3258000)


def test_illustrative_data_covers_every_rag() -> None:
    plan, findings = validate_plan(EXAMPLES / "illustrative")
    assert findings == []
    report = savings_report(plan.savings()[1], "P06")
    assert {s.rag for s in report.statuses} == {"blue", "green", "amber", "red", NOT_REPORTED}
    assert sum(c.count for c in report.rag_summary.values()) == 12
    assert sum(c.target for c in report.rag_summary.values()) == D(3258000)


def test_filters_and_sorts() -> None:
    plan, _ = validate_plan(EXAMPLES / "illustrative")
    model = plan.savings()[1]
    red = savings_report(model, "P06", rags=["red"])
    assert [s.id for s in red.statuses] == ["S06", "S09"] and red.filtered
    assert red.totals.target == D(833000 + 610000)
    by_variance = savings_report(model, "P06", sort="variance")
    variances = [s.variance for s in by_variance.statuses if s.variance is not None]
    assert variances == sorted(variances) and by_variance.statuses[-1].rag == NOT_REPORTED
    by_rag = savings_report(model, "P06", sort="rag")
    assert [s.rag for s in by_rag.statuses][:2] == ["red", "red"]
    education = savings_report(model, division="education")
    assert [s.id for s in education.statuses] == ["S07", "S08"]


def test_monitoring_checks(data_copy: Path, edit: Edit) -> None:
    path = data_copy / "savings.yaml"
    edit(
        path,
        "    ongoing: 833000\n    one_off: 0\n",
        "    ongoing: 833000\n    one_off: 0\n    progress:\n"
        "      - period: P06\n        forecast: 600000\n        rag: green\n"
        "      - period: P06\n        forecast: 600000\n"
        "      - period: P07\n        forecast: 600000\n        delivered: 700000\n",
    )
    _, findings = validate_plan(data_copy)
    assert [(f.code, f.severity) for f in findings] == [("CSP404", "warning"), ("CSP402", "error"), ("CSP403", "error")]
    assert findings[0].message == "S06 P06 says green but forecast £600,000 is 72% of £833,000: derived red"


# -- movement since an earlier period ----------------------------------------------------


def test_movement_since_the_previous_period_with_a_return() -> None:
    plan, _ = validate_plan(EXAMPLES / "illustrative")
    report = savings_report(plan.savings()[1], "P06")
    by_id = {s.id: s for s in report.statuses}
    assert report.since == "P03"  # nobody reported at P04 or P05
    s06 = by_id["S06"]
    assert (s06.previous_period, s06.previous_forecast, s06.forecast) == ("P03", D(833000), D(600000))
    assert (s06.movement, s06.direction) == (D(-233000), "down")
    assert (by_id["S01"].movement, by_id["S01"].direction) == (D(0), "unchanged")
    assert (by_id["S02"].previous_forecast, by_id["S02"].movement, by_id["S02"].direction) == (
        None,
        None,
        FIRST_RETURN,
    )
    assert (by_id["S10"].forecast, by_id["S10"].direction) == (None, None)
    moved = report.movement
    assert moved is not None
    assert (moved.previous_forecast, moved.movement, moved.compared) == (D(1128000), D(-233000), 3)
    assert (moved.down, moved.up, moved.unchanged) == (1, 0, 2)
    assert (moved.first_returns, moved.first_forecast) == (8, D(1666000))
    # Like for like, with first returns apart, the parts add up to the forecast now.
    assert moved.previous_forecast + moved.movement + moved.first_forecast == moved.forecast == report.totals.forecast
    assert [s.id for s in report.largest_movers()] == ["S06"]


def test_savings_with_no_return_for_the_period_are_not_compared() -> None:
    # examples/illustrative: S01, S04, S06 returned at P03 and P06; nobody at P07.
    plan, _ = validate_plan(EXAMPLES / "illustrative")
    model = plan.savings()[1]
    at_p07 = savings_report(model, "P07").movement
    assert at_p07 is not None and (at_p07.since, at_p07.period) == ("P06", "P07")
    # Every one of the 11 with a return keeps its P06 forecast: none "reported at both".
    assert (at_p07.compared, at_p07.up, at_p07.down, at_p07.unchanged) == (0, 0, 0, 0)
    assert (at_p07.no_return, at_p07.no_return_movement, at_p07.movement) == (11, D(0), D(0))
    # Since P05, their P06 returns moved them (S06 down £233,000), still none at P07:
    # the movement is theirs, counted apart, and the parts still add up.
    since = savings_report(model, "P07", since="P05").movement
    assert since is not None
    assert (since.compared, since.no_return, since.no_return_movement) == (0, 3, D(-233000))
    assert (since.movement, since.compared_movement, since.first_returns) == (D(-233000), D(0), 8)
    assert since.previous_forecast + since.movement + since.first_forecast == since.forecast == D(2561000)
    # At P06 the same three returned for the period: compared, as before.
    at_p06 = savings_report(model, "P06", since="P05").movement
    assert at_p06 is not None and (at_p06.compared, at_p06.down, at_p06.no_return) == (3, 1, 0)
    assert at_p06.compared_movement == D(-233000)


@pytest.mark.parametrize(
    ("units", "header", "s06", "total"),
    [
        ([], "Movement", "down £233,000", "down £233,000"),
        (["--units", "thousands"], "Movement £'000", "down 233", "down 233"),
        (["--units", "millions"], "Movement £m", "down 0.233", "down 0.233"),
    ],
)
def test_movement_words_are_in_the_tables_units(units: list[str], header: str, s06: str, total: str) -> None:
    """In a £'000 table "down £233,000" would be the one figure in another scale."""
    from typer.testing import CliRunner

    from csplan.cli import app

    for output in ("table", "markdown"):
        args = ["--data", str(EXAMPLES / "illustrative"), "savings", "status", *units, "-f", output]
        result = CliRunner().invoke(app, args, env={"COLUMNS": "250"})
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        headers = [cell.strip() for cell in next(line for line in lines if "| ID" in line).split("|")]
        place = headers.index(header)
        cells = {row.split("|")[1].strip(" *"): row.split("|")[place].strip(" *") for row in lines if "| S0" in row}
        footer = next(line for line in lines if "Total" in line and "|" in line)
        assert (cells["S06"], cells["S01"], cells["S02"]) == (s06, "no change", "first return"), output
        assert footer.split("|")[place].strip(" *") == total, output


def test_movement_since_a_chosen_period_up_and_down(data_copy: Path) -> None:
    add_returns(
        data_copy / "savings.yaml",
        {"S06": "P05 600000, P07 550000", "S07": "P04 400000, P07 450000", "S08": "P07 250000", "S09": "P05 610000"},
    )
    plan, findings = validate_plan(data_copy)
    assert not [f for f in findings if f.severity == "error"]
    model = plan.savings()[1]
    latest = savings_report(model)
    assert latest.since == "P05"
    by_id = {s.id: s for s in latest.statuses}
    assert (by_id["S06"].movement, by_id["S06"].direction) == (D(-50000), "down")
    assert (by_id["S07"].previous_period, by_id["S07"].movement, by_id["S07"].direction) == ("P04", D(50000), "up")
    assert by_id["S08"].direction == FIRST_RETURN
    # S09 sent nothing after P05: compared with that same return, it reads "no return", not "unchanged".
    assert (by_id["S09"].movement, by_id["S09"].direction) == (D(0), NO_RETURN)
    assert latest.movement is not None and latest.movement.movement == D(0)
    assert (latest.movement.unchanged, latest.movement.no_return) == (0, 1)
    # Returns for P07: S06, S07, S08; the rest (S09's latest is P05, the others none) are outstanding.
    assert latest.returns_period == "P07" and latest.returned_this_period == 3
    assert [s.id for s in latest.outstanding] == [f"S{n:02d}" for n in range(1, 13) if n not in (6, 7, 8)]
    assert [s.id for s in latest.largest_movers()] == ["S06", "S07"]  # equal size: by id
    since_p04 = savings_report(model, "P07", since="P04")
    assert since_p04.since == "P04"
    assert {s.id: s.direction for s in since_p04.statuses if s.direction} == {
        "S06": FIRST_RETURN,
        "S07": "up",
        "S08": FIRST_RETURN,
        "S09": FIRST_RETURN,
    }
    assert since_p04.movement is not None and since_p04.movement.previous_forecast == D(400000)
    # Filtered: the movement is of the savings shown.
    education = savings_report(model, "P07", division="education")
    assert education.movement is not None
    assert (education.movement.movement, education.movement.first_returns) == (D(50000), 1)


def test_no_movement_without_an_earlier_return_and_since_must_be_earlier() -> None:
    plan, _ = validate_plan(EXAMPLES / "illustrative")
    model = plan.savings()[1]
    assert savings_report(model, "P03").movement is None
    assert savings_report(model, "P03").statuses[0].direction == FIRST_RETURN
    assert savings_report(plan.savings()[1], "P06", movement=False).movement is None
    with pytest.raises(UsageError, match="--since P06 is not before the period reported"):
        savings_report(model, "P06", since="P06")
    shipped, _ = validate_plan(DATA)
    assert savings_report(shipped.savings()[1]).movement is None


def _entry_before(saving: Saving, latest: ProgressEntry | None) -> ProgressEntry | None:
    """The latest entry of a period before ``latest``'s, found the plain way."""
    if latest is None or latest.period == "P01":
        return None
    return latest_entry(saving, f"P{int(latest.period[1:]) - 1:02d}")


@given(
    st.lists(st.tuples(st.integers(1, 12), st.integers(0, 9)), max_size=8),
    st.none() | st.integers(1, 12).map(lambda n: f"P{n:02d}"),
)
def test_latest_two_is_latest_entry_and_the_one_before_it(returns: list[tuple[int, int]], period: str | None) -> None:
    # any order and repeated periods (CSP402 errors) included: the last of a period counts
    saving = Saving(
        id="S01",
        description="x",
        ongoing=D(10),
        progress=[ProgressEntry(period=f"P{month:02d}", forecast=D(value)) for month, value in returns],
    )
    latest, before = latest_two(saving, period)
    assert latest is latest_entry(saving, period)
    assert before is _entry_before(saving, latest)


@given(st.lists(st.lists(st.integers(1, 12), max_size=4), min_size=1, max_size=6), st.none() | st.integers(1, 12))
def test_movement_compares_with_the_month_before_the_reported_period(
    months: list[list[int]], chosen: int | None
) -> None:
    lines = [
        Saving(
            id=f"S{n:02d}",
            description="x",
            ongoing=D(100),
            progress=[ProgressEntry(period=f"P{m:02d}", forecast=D(m * 10 + n)) for m in sorted(set(periods))],
        )
        for n, periods in enumerate(months)
    ]
    model = SavingsFile(kind="savings", year="2025-26", department="x", units="pounds", source="x", lines=lines)
    period = f"P{chosen:02d}" if chosen else None
    report = savings_report(model, period)
    current = period or max((s.period for s in report.statuses if s.period), default=None)
    for status, saving in zip(report.statuses, lines, strict=True):
        before = latest_entry(saving, f"P{int(current[1:]) - 1:02d}") if current and current != "P01" else None
        assert (status.previous_period, status.previous_forecast) == (
            (before.period, before.forecast) if before else (None, None)
        )
        assert status.movement == (
            status.forecast - before.forecast if before is not None and status.forecast is not None else None
        )


SAVING_KEYS = [
    "id", "description", "division", "owner", "ongoing", "one_off", "target", "period", "previous_period",
    "previous_forecast", "forecast", "movement", "direction", "delivered", "achieved", "at_risk", "unaccounted",
    "variance", "percent", "rag", "derived_rag", "officer_rag", "reason", "note", "shortfall", "mitigated",
    "shortfall_after_mitigation", "unused_mitigation", "mitigations",
]  # fmt: skip


def test_json_shows_each_saving_by_its_status_fields_in_order() -> None:
    from csplan.render.jsonout import dumps
    from csplan.render.savings import as_data

    plan, _ = validate_plan(EXAMPLES / "published")  # savings given as one amount, and achieved/at risk
    report = savings_report(plan.savings()[1])
    rows = json.loads(dumps(as_data(report)), parse_float=Decimal)["savings"]
    assert all(list(row) == SAVING_KEYS for row in rows)
    by_id = {s.id: s for s in report.statuses}
    amount_only = [row for row in rows if not by_id[row["id"]].split_known]
    assert amount_only and all(row["ongoing"] is None and row["one_off"] is None for row in amount_only)
    for row in rows:
        status = by_id[row["id"]]
        assert row["shortfall_after_mitigation"] == status.uncovered
        assert row["direction"] == status.direction and row["unaccounted"] == status.unaccounted
        assert row["mitigations"] == list(status.mitigations)


def _judgement_the_long_way(
    target: Decimal, forecast: Decimal, delivered: Decimal | None, settings: SavingsSettings = DEFAULT
) -> tuple[str, str]:
    """derive_rag's rule for a saving, with shown_percent and format_pounds for every figure."""
    green, amber = settings.green_percent, settings.amber_percent
    pct = shown_percent(forecast, target)
    shown = format_pounds(target)
    if delivered is not None and delivered >= target:
        return "blue", f"delivered {format_pounds(delivered)} of target {shown}: achieved"
    share = f"{pct}% of target {shown}" if pct is not None else f"against a target of {shown}"
    if forecast * 100 >= target * green:
        return "green", f"forecast {format_pounds(forecast)} is {share}: on track"
    words = f"forecast {format_pounds(forecast)} is {share}; shortfall {format_pounds(target - forecast)}, "
    if forecast * 100 >= target * amber:
        return "amber", words + f"at or above the {amber}% amber threshold"
    return "red", words + f"below the {amber}% amber threshold"


MONEY = st.one_of(
    st.integers(-(10**9), 10**9).map(lambda n: D(n).quantize(D("0.01"))),  # whole pounds, in pence as files give them
    st.integers(-(10**11), 10**11).map(lambda n: D(n).scaleb(-2)),  # any pence, negative too
)


# Thresholds a file may set: whole (the int path) or not (97.5: the Decimal path), and
# above 100 (green only past the target: an amber forecast can then exceed the target).
PERCENT = st.integers(0, 150).map(D) | st.integers(0, 1500).map(lambda n: D(n).scaleb(-1))


@given(MONEY, MONEY, st.none() | MONEY, PERCENT, PERCENT)
def test_reasons_in_whole_pounds_read_as_every_other_amount_does(
    target: Decimal, forecast: Decimal, delivered: Decimal | None, green: Decimal, amber: Decimal
) -> None:
    if target < 0:
        return  # a reversal has its own rule
    settings = SavingsSettings(green_percent=green, amber_percent=amber)
    judgement = derive_rag(target, forecast, delivered, settings)
    assert (judgement.rag, judgement.reason) == _judgement_the_long_way(target, forecast, delivered, settings)
    assert judgement.percent == shown_percent(forecast, target)
    assert str(judgement.percent) == str(shown_percent(forecast, target))  # 95, never 95.00
