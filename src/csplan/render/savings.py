"""The savings status report as sections (table, totals, RAG summary) or JSON data."""

from __future__ import annotations

from typing import Any

from csplan.money import ZERO, Money
from csplan.rag import AMBER, RED, STATUSES
from csplan.render.tables import (
    Cell,
    Column,
    Difference,
    Ratio,
    Section,
    Sheet,
    Table,
    money_words,
    movement_text,
)
from csplan.savings import FIRST_RETURN, NO_RETURN, Movement, SavingsReport, SavingStatus
from csplan.suggest import command
from csplan.text import plural


def status_columns(report: SavingsReport) -> tuple[Column, ...]:
    """The table's columns; the movement ones only when there is an earlier return.

    On a narrow terminal the columns with a ``drop_order`` go, lowest first, as the
    README's ``savings status`` section says (tests/test_docs.py holds it to this):
    the target before achieved, at risk and delivered, which say where the saving
    stands; the variance (forecast against the target) and the RAG always stay."""
    since = report.since
    movement = (
        (
            Column("previous_forecast", f"Forecast {since}", "money", drop_order=10),
            Column("forecast", "Forecast", "money"),
            Column("movement", "Movement", "movement", drop_order=11),
        )
        if since
        else (Column("forecast", "Forecast", "money"),)
    )
    return (
        Column("id", "ID"),
        Column("description", "Saving", max_width=40, min_width=20),
        Column("division", "Division", max_width=20, drop_order=2),
        Column("ongoing", "Ongoing", "money", drop_order=5),
        Column("one_off", "One-off", "money", drop_order=4),
        Column("target", "Target", "money", drop_order=6),
        *movement,
        Column("delivered", "Delivered", "money", drop_order=9),
        Column("variance", "Variance", "money"),
        Column("achieved", "Achieved", "money", drop_order=7),
        Column("at_risk", "At risk", "money", drop_order=8),
        Column("rag", "RAG", "rag"),
        Column("period", "Period", drop_order=3),
        Column("note", "Note", max_width=28, drop_order=1),
    )


def movement_words(
    movement: Money | None, direction: str | None = None, period: str | None = None, units: str | None = None
) -> str:
    """A forecast's movement as a finance reader says it: "down £50,000" ("down £50k"
    beside tables in £'000: ``units``); "no return since P06" for a saving whose latest
    return (of ``period``) is the one compared with."""
    if direction == FIRST_RETURN:
        return FIRST_RETURN
    if direction == NO_RETURN:
        return f"{NO_RETURN} since {period}"
    return "" if movement is None else movement_text(movement, units, words=True)


def movement_cell(status: SavingStatus) -> Money | str | None:
    """The movement column's cell: words for a first return or none since, else the
    figure (put in words in the table's units)."""
    if status.direction in (FIRST_RETURN, NO_RETURN):
        return movement_words(status.movement, status.direction, status.period)
    return status.movement


def status_row(status: SavingStatus) -> dict[str, Any]:
    return {
        "id": status.id,
        "description": status.description,
        "division": status.division,
        "target": status.target,
        "ongoing": status.ongoing,
        "one_off": status.one_off,
        "previous_forecast": status.previous_forecast,
        "forecast": status.forecast,
        "movement": movement_cell(status),
        "delivered": status.delivered,
        "variance": status.variance,
        "achieved": status.achieved,
        "at_risk": status.at_risk,
        "rag": status.rag,
        "period": status.period,
        "note": status.note,
    }


def _unused_columns(report: SavingsReport) -> frozenset[str]:
    """Columns with nothing to show: achieved and at risk where no return gives them, and
    the ongoing/one-off split for a source that gives each saving as one amount."""
    totals = report.totals
    unused = {"achieved", "at_risk"} if totals.achieved is None and totals.at_risk is None else set()
    return frozenset(unused if totals.split_known else unused | {"ongoing", "one_off"})


def status_table(report: SavingsReport) -> Table:
    when = f" at {report.period}" if report.period else " (latest returns)"
    totals = report.totals
    moved = report.movement
    footer: dict[str, Cell] = {
        "id": "Total",
        "description": f"{plural(totals.count, 'saving')}, {totals.reported} reported",
        "target": totals.target,
        "ongoing": totals.ongoing if totals.split_known else None,
        "one_off": totals.one_off if totals.split_known else None,
        "previous_forecast": moved.previous_forecast if moved else None,
        "forecast": totals.forecast if totals.reported else None,
        "movement": moved.movement if moved and (moved.compared or moved.no_return) else None,
        "delivered": totals.delivered_recorded,
        "variance": totals.variance if totals.reported else None,
        "achieved": totals.achieved,
        "at_risk": totals.at_risk,
    }
    unused = _unused_columns(report)
    return Table(
        title=f"Savings {report.year}{when}",
        columns=[c for c in status_columns(report) if c.key not in unused],
        rows=[status_row(s) for s in report.statuses],
        footer=[footer],
    )


CSV_COLUMNS = (
    Column("id", "ID"),
    Column("description", "Saving"),
    Column("division", "Division"),
    Column("owner", "Owner"),
    Column("ongoing", "Ongoing", "money"),
    Column("one_off", "One-off", "money"),
    Column("target", "Target", "money"),
    Column("previous_period", "Previous period"),
    Column("previous_forecast", "Previous forecast", "money"),
    Column("forecast", "Forecast", "money"),
    Column("movement", "Movement", "money"),
    Column("direction", "Direction"),
    Column("delivered", "Delivered", "money"),
    Column("variance", "Variance", "money"),
    Column("achieved", "Achieved", "money"),
    Column("at_risk", "At risk", "money"),
    Column("rag", "RAG", "rag"),
    Column("period", "Period"),
    Column("note", "Note"),
    # Last, so the columns before them keep their places; as in the JSON, and summing
    # to the totals of the mitigation table (a blank shortfall: no return).
    Column("shortfall", "Shortfall", "money"),
    Column("mitigated", "Mitigated", "money"),
    Column("shortfall_after_mitigation", "After mitigation", "money"),
    Column("unused_mitigation", "Unused mitigation", "money"),
)


def csv_table(report: SavingsReport) -> Table:
    """One row per saving, figures as plain numbers; the movement signed (+ up, - down)."""
    rows: list[dict[str, Cell]] = [
        {
            **status_row(s),
            "owner": s.owner,
            "previous_period": s.previous_period,
            "movement": s.movement,
            "direction": s.direction,
            "shortfall": s.shortfall,
            "mitigated": s.mitigated,
            "shortfall_after_mitigation": s.shortfall_after_mitigation,
            "unused_mitigation": s.unused_mitigation,
        }
        for s in report.statuses
    ]
    return Table(None, CSV_COLUMNS, rows)


OUTSTANDING_NAMED = 20
"""How many outstanding savings the text names; JSON lists every one."""


def returns_lines(report: SavingsReport) -> list[str]:
    """Who has returned for the period, and who is outstanding (with each budget holder)."""
    period = report.returns_period
    if period is None or not report.statuses:
        return []
    shown = len(report.statuses)
    line = f"Returns for {period}: {report.returned_this_period} of {plural(shown, 'saving')} returned"
    outstanding = report.outstanding
    if not outstanding:
        return [line]
    named = ", ".join(f"{s.id} ({s.owner})" if s.owner else s.id for s in outstanding[:OUTSTANDING_NAMED])
    more = len(outstanding) - OUTSTANDING_NAMED
    rest = f" and {more:,} more (--format json lists every one)" if more > 0 else ""
    return [f"{line}; outstanding: {named}{rest}"]


def movement_lines(report: SavingsReport, units: str | None = None) -> list[str]:
    """The total movement in words, like for like, with first returns apart."""
    moved = report.movement
    if moved is None:
        return ["Movement: no earlier return to compare with"] if report.totals.reported else []
    return [movement_sentence(moved, units)]


def movement_sentence(moved: Movement, units: str | None = None) -> str:
    """The total movement in a sentence, money in ``units`` as the tables beside it (None: pounds)."""
    money = money_words(units)
    head = f"Movement since {moved.since}: total forecast {money(moved.previous_forecast)} → {money(moved.forecast)}"
    parts = []
    if moved.compared:
        counts = ", ".join(
            f"{n} {word}" for n, word in ((moved.down, "down"), (moved.up, "up"), (moved.unchanged, "unchanged")) if n
        )
        parts.append(
            f"{movement_words(moved.compared_movement, units=units)} on the {plural(moved.compared, 'saving')} "
            f"reported at both ({counts})"
        )
    if moved.no_return:
        # Their latest return stands: no change, unless it came after ``since``.
        stale = f"no return for {moved.period} from {plural(moved.no_return, 'saving')}"
        if moved.no_return_movement:
            earlier = movement_words(moved.no_return_movement, units=units)
            stale += f", {earlier} by {'their' if moved.no_return != 1 else 'its'} returns since {moved.since}"
        else:
            stale += " (no change)"
        parts.append(stale)
    if moved.first_returns:
        parts.append(f"{plural(moved.first_returns, 'first return')} adding {money(moved.first_forecast)}")
    return head + ("; " + "; ".join(parts) if parts else "; no returns to compare")


def summary_table(report: SavingsReport) -> Table:
    return Table(
        title="RAG summary",
        columns=(
            Column("rag", "RAG", "rag"),
            Column("count", "Savings", "number"),
            Column("target", "Target", "money"),
        ),
        rows=[
            {"rag": rag, "count": str(report.rag_summary[rag].count), "target": report.rag_summary[rag].target}
            for rag in STATUSES
        ],
    )


def totals_lines(report: SavingsReport, *, movement: bool = True, units: str | None = None) -> list[str]:
    """The totals in words; with ``movement``, the movement since the previous return too;
    money in ``units`` as the tables beside them (None: pounds)."""
    money = money_words(units)
    totals = report.totals
    split = (
        f"ongoing {money(totals.ongoing)}, one-off {money(totals.one_off)}"
        if totals.split_known
        else "no ongoing/one-off split in the source"
    )
    lines = [f"Target {money(totals.target)} ({split})"]
    if report.filtered:
        lines.append(f"Filtered: {plural(totals.count, 'saving')} shown; stated totals apply to the whole list")
    elif report.reconciles is None:
        lines.append("Stated totals: none (the source states no totals to reconcile)")
    else:
        names = {"ongoing": "ongoing", "one_off": "one-off", "total": "total"}
        stated = ", ".join(f"{names[k]} {money(v)}" for k, v in report.stated.items() if v is not None)
        verdict = "reconciles" if report.reconciles else f"DOES NOT reconcile (run {command('validate')})"
        lines.append(f"Stated totals: {stated}: {verdict}")
    whole = "the target shown" if report.filtered else "the whole target"
    if totals.reported:
        lines.append(
            f"Forecast {money(totals.forecast)} from {totals.reported} of "
            f"{plural(totals.count, 'saving')} reported "
            f"({totals.forecast_percent}% of {whole}); "
            f"variance {money(totals.variance, brackets=True)} against their targets"
        )
    elif report.filtered and not totals.count:
        lines.append("No saving matches the filter")
    elif report.filtered:
        lines.append("No monitoring returns recorded yet for the savings shown")
    else:
        lines.append("No monitoring returns recorded yet: every saving is 'not reported'")
    lines.extend(returns_lines(report))
    if movement:
        lines.extend(movement_lines(report, units))
    if totals.achieved is not None or totals.at_risk is not None:
        line = f"Achieved {money(totals.achieved or ZERO)}, at risk {money(totals.at_risk or ZERO)}"
        if totals.unaccounted_count:
            one = totals.unaccounted_count == 1
            line += (
                f"; {plural(totals.unaccounted_count, 'saving')} {'leaves' if one else 'leave'} "
                f"{money(totals.unaccounted)} of {'its' if one else 'their'} target "
                "neither achieved nor at risk"
            )
        lines.append(line)
    return lines


def reason_lines(report: SavingsReport) -> list[str]:
    flagged = [
        s
        for s in report.statuses
        if s.rag in {RED, AMBER} or (s.officer_rag and s.derived_rag and s.officer_rag != s.rag)
    ]
    return [f"{s.id} {s.rag}: {s.reason}" for s in flagged]


SHEET_COLUMNS = (
    Column("id", "ID"),
    Column("description", "Saving", wrap=40),
    Column("division", "Division", wrap=24),
    Column("ongoing", "Ongoing", "money"),
    Column("one_off", "One-off", "money"),
    Column("target", "Target", "money"),
    Column("forecast", "Forecast", "money"),
    Column("delivered", "Delivered", "money"),
    Column("variance", "Variance", "money"),
    Column("percent", "% of target", "percent"),
    Column("achieved", "Achieved", "money"),
    Column("at_risk", "At risk", "money"),
    Column("rag", "RAG", "rag"),
    Column("period", "Period"),
    Column("reason", "Reason", wrap=45),
    Column("note", "Note", wrap=40),
)
SHEET_SUMS = frozenset({"ongoing", "one_off", "target", "forecast", "delivered", "variance", "achieved", "at_risk"})
SHEET_DERIVED = (
    Ratio("percent", "forecast", "target", with_total=True, shown_down=True),
    Difference("variance", "forecast", "target"),
)
"""% of target and variance are formulas over the forecast and target of their row."""


def sheets(report: SavingsReport, units: str | None = None) -> list[Sheet]:
    """The workbook's Savings sheet (every figure and the reason of each saving, the
    money columns totalled), and its Mitigations sheet when a saving has mitigations
    (the lines under it in ``units``, the sheet's scale; None: pounds)."""
    rows: list[dict[str, Cell]] = [{**status_row(s), "percent": s.percent, "reason": s.reason} for s in report.statuses]
    footer: dict[str, Cell] = {"id": "Total", "description": plural(len(report.statuses), "saving")}
    # As in the table: achieved and at risk only where a return gives them, and no
    # ongoing/one-off split for a source that gives each saving as one amount.
    unused = _unused_columns(report)
    columns = [c for c in SHEET_COLUMNS if c.key not in unused]
    # No delivered figure recorded: its total cell is left blank, as the rows are, not =SUM(...) reading 0.
    sums = SHEET_SUMS - unused - (set() if report.totals.delivered_given else {"delivered"})
    result = [Sheet("Savings", Table(None, columns, rows, [footer]), sums, derived=SHEET_DERIVED)]
    mitigations = mitigation_table(report)
    if mitigations is not None:
        # The same rows and total as the table; the workbook writes the total as sums
        # of the rows above, which equal the report's totals because every saving that
        # falls short or is mitigated has a row.
        footer = {"id": "Total", "description": mitigations.footer[0]["description"]}
        result.append(
            Sheet(
                "Mitigations",
                Table(None, mitigations.columns, mitigations.rows, [footer]),
                frozenset({"shortfall", "mitigated", "uncovered", "unused_mitigation"}),
                [*mitigation_lines(report, units)[1:]],  # what Unused is, where the sheet has it
            )
        )
    return result


def mitigation_table(report: SavingsReport) -> Table | None:
    """The shortfall before and after mitigation of the savings the report lists for it
    (``SavingsReport.mitigation_rows``); None when it lists none. The total row is the
    report's totals (the shortfall of every saving shown), so it is the sum of the rows."""
    shown = report.mitigation_rows
    if not shown:
        return None
    totals = report.totals
    columns = [
        Column("id", "ID"),
        Column("description", "Saving", max_width=30, min_width=16, wrap=40),
        Column("shortfall", "Shortfall", "money"),
        Column("mitigated", "Mitigated", "money"),
        Column("uncovered", "After mitigation", "money"),
        Column("unused_mitigation", "Unused", "money"),
        Column("rag", "RAG", "rag"),
        Column("mitigations", "Mitigations", max_width=40, drop_order=1, wrap=45),
    ]
    if not totals.unused_mitigation:  # shown only where a mitigation goes beyond its shortfall
        columns = [c for c in columns if c.key != "unused_mitigation"]
    return Table(
        title="Shortfall before and after mitigation",
        columns=tuple(columns),
        rows=[
            {
                "id": s.id,
                "description": s.description,
                "shortfall": s.shortfall,
                "mitigated": s.mitigated,
                "uncovered": s.uncovered,
                "unused_mitigation": s.unused_mitigation,
                "rag": s.rag,
                "mitigations": "; ".join(s.mitigations),
            }
            for s in shown
        ],
        footer=[
            {
                "id": "Total",
                "description": f"{len(shown)} of {plural(len(report.statuses), 'saving')}",
                "shortfall": totals.shortfall,
                "mitigated": totals.mitigated,
                "uncovered": totals.uncovered,
                "unused_mitigation": totals.unused_mitigation,
            }
        ],
    )


def mitigation_lines(report: SavingsReport, units: str | None = None) -> list[str]:
    """Under the mitigation table: what a mitigation covers, and what Unused holds (money
    in ``units``, the table's scale)."""
    lines = ["Mitigations cover the year's gap; each saving's RAG and what slips at year end stay its own"]
    if report.totals.unused_mitigation:
        lines.append(
            f"Unused {money_words(units)(report.totals.unused_mitigation)}: mitigations agreed beyond a saving's "
            "shortfall (or before its first return) cover no gap; Mitigated counts each up to its shortfall"
        )
    return lines


def sections(report: SavingsReport, units: str | None = None) -> list[Section]:
    """The status table and its totals in words (money in ``units``, the tables' scale:
    ``tables.shown_in`` scales the tables), the RAG summary, mitigations and why."""
    reasons = reason_lines(report)
    result = [
        Section(status_table(report), totals_lines(report, units=units)),
        Section(summary_table(report)),
    ]
    mitigation = mitigation_table(report)
    if mitigation is not None:
        result.append(Section(mitigation, mitigation_lines(report, units)))
    if reasons:
        result.append(Section(None, ["Why:", *(f"  {line}" for line in reasons)]))
    return result


def as_data(report: SavingsReport) -> dict[str, Any]:
    """The report as JSON-ready data, money in pounds."""
    return {
        "year": report.year,
        "period": report.period,
        # each status's fields are the saving's keys, in order (savings.SavingStatus)
        "savings": report.statuses,
        "totals": {
            "ongoing": report.totals.ongoing if report.totals.split_known else None,
            "one_off": report.totals.one_off if report.totals.split_known else None,
            "target": report.totals.target,
            "forecast": report.totals.forecast,
            "delivered": report.totals.delivered_recorded,
            "achieved": report.totals.achieved,
            "at_risk": report.totals.at_risk,
            "unaccounted": report.totals.unaccounted,
            "variance": report.totals.variance,
            "forecast_percent": report.totals.forecast_percent,
            "reported": report.totals.reported,
            "count": report.totals.count,
            "shortfall": report.totals.shortfall,
            "mitigated": report.totals.mitigated,
            "shortfall_after_mitigation": report.totals.uncovered,
            "unused_mitigation": report.totals.unused_mitigation,
        },
        "movement": None
        if report.movement is None
        else {
            "since": report.movement.since,
            "previous_forecast": report.movement.previous_forecast,
            "forecast": report.movement.forecast,
            "movement": report.movement.movement,
            "direction": report.movement.direction,
            "compared": report.movement.compared,
            "up": report.movement.up,
            "down": report.movement.down,
            "unchanged": report.movement.unchanged,
            "first_returns": report.movement.first_returns,
            "first_forecast": report.movement.first_forecast,
            "no_return": report.movement.no_return,
            "no_return_movement": report.movement.no_return_movement,
            "period": report.movement.period,
        },
        "returns": None
        if report.returns_period is None
        else {
            "period": report.returns_period,
            "returned": report.returned_this_period,
            "outstanding": [s.id for s in report.outstanding],
        },
        "stated": dict(report.stated),
        "reconciles": None if report.filtered else report.reconciles,
        "rag_summary": {rag: {"count": c.count, "target": c.target} for rag, c in report.rag_summary.items()},
    }
