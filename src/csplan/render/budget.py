"""The budget variance report as sections or JSON data."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from csplan.budget import BridgeStep, BudgetReport, VarianceRow
from csplan.render.tables import Cell, Column, Ratio, Section, Sheet, Table, money_words
from csplan.text import plural

COLUMNS = (
    Column("id", "ID"),
    Column("name", "Line", max_width=44, min_width=16),
    Column("original", "Original", "millions"),
    Column("budget", "Budget", "millions"),
    Column("forecast", "Forecast", "millions"),
    Column("variance", "Variance", "millions"),
    Column("percent", "%", "percent"),
    Column("rag", "RAG", "rag"),
    Column("period", "Period", drop_order=1),
)

BRIDGE_COLUMNS = (
    Column("step", "Step"),
    Column("amount", "£m", "millions"),
    Column("note", "Source", max_width=80, min_width=12, drop_order=1),
)
CSV_BRIDGE_COLUMNS = (Column("step", "Step"), Column("kind", "Kind"), *BRIDGE_COLUMNS[1:])
"""For CSV: the step in plain words and its kind, as the JSON gives them (a cell that
began "+" or "=" would be written with a quote in front, as any formula-like text is)."""

STEP_SIGNS = {"base": "", "add": "+ ", "less": "- ", "total": "= "}


def step_words(step: BridgeStep) -> str:
    """A bridge step as people read it down the page: "+ service pressure funding"."""
    return STEP_SIGNS[step.kind] + step.label


def table(report: BudgetReport) -> Table:
    """The lines (each with its reason, which the workbook's sheet shows) and their total."""
    rows = [_line_data(r) for r in report.rows]
    footer = {"id": "Total", **_total_data(report)}
    when = f" at {report.period}" if report.period else " (latest forecasts)"
    return Table(f"Budget variance {report.year}{when}", _columns(report), rows, [footer])


def _columns(report: BudgetReport, columns: Sequence[Column] = COLUMNS) -> list[Column]:
    """A budget revised during the year shows the original beside the revised budget."""
    if not report.has_changes:
        return [c for c in columns if c.key != "original"]
    return [dataclasses.replace(c, header="Revised") if c.key == "budget" else c for c in columns]


def bridge_table(report: BudgetReport) -> Table:
    rows: list[dict[str, Cell]] = [{"step": step_words(s), "amount": s.amount, "note": s.note} for s in report.bridge]
    return Table(f"Budget bridge {report.year} (as far as the source gives figures)", BRIDGE_COLUMNS, rows)


def _csv_bridge_table(report: BudgetReport) -> Table:
    rows: list[dict[str, Cell]] = [
        {"step": s.label, "kind": s.kind, "amount": s.amount, "note": s.note} for s in report.bridge
    ]
    return Table(None, CSV_BRIDGE_COLUMNS, rows)


SHEET_COLUMNS = (
    Column("id", "ID"),
    Column("name", "Line", wrap=30),
    Column("original", "Original", "millions"),
    Column("budget", "Budget", "millions"),
    Column("forecast", "Forecast", "millions"),
    Column("variance", "Variance", "millions"),
    Column("percent", "% of budget", "percent"),
    Column("rag", "RAG", "rag"),
    Column("period", "Period"),
    Column("reason", "Reason", wrap=45),
)
SHEET_DERIVED = (Ratio("percent", "variance", "budget", with_total=True, of_size=True),)
"""% of budget is a formula over the variance and the (revised) budget of its row."""


def sheet(report: BudgetReport, units: str | None = None) -> Sheet:
    """The workbook's Budget variance sheet: the lines and their total (or the budget
    alone when it has no lines), then the bridge under the Line, Budget and Reason columns;
    the words under the table say money in ``units``, the sheet's scale (None: the file's)."""
    bridge = Table(
        "Bridge",
        (Column("name", "Step"), Column("budget", "Amount", "millions"), Column("reason", "Source")),
        [{"name": step_words(s), "budget": s.amount, "reason": s.note} for s in report.bridge],
    )
    if not report.has_lines:
        only: dict[str, Cell] = {
            "name": "The budget has no line split (the plan publishes none)",
            "budget": report.total,
        }
        columns = [c for c in SHEET_COLUMNS if c.key != "original"]
        return Sheet("Budget variance", Table(None, columns, [only]), after=["", bridge], derived=SHEET_DERIVED)
    rows = table(report).rows
    words = report.money_words if units is None else money_words(units)
    if units is not None:  # the reasons' red amount in the sheet's scale
        rows = [{**row, "reason": report.reason_in(line, words)} for row, line in zip(rows, report.rows, strict=True)]
    # Lines with no forecast count at budget in csplan's total; a sum of the forecast
    # column would leave them out, so then the total is csplan's figure.
    exact = report.unreported == 0 and not report.hidden
    footer: dict[str, Cell] = {"id": "Total", "percent": report.percent}
    if not exact:
        footer |= {"forecast": report.forecast, "variance": report.variance}
    sums = frozenset({"original", "budget", "forecast", "variance"} if exact else {"original", "budget"})
    summary = report.summary_in(words)
    summary = summary[0].upper() + summary[1:]
    return Sheet(
        "Budget variance",
        Table(None, _columns(report, SHEET_COLUMNS), rows, [footer]),
        sums,
        [summary, "", bridge],
        derived=SHEET_DERIVED,
    )


CSV_COLUMNS = (*COLUMNS, Column("reason", "Reason"))
"""For CSV: the JSON's line fields by the same names, in the table's order, original
always (a column that came and went with a revision would break a script reading it)."""


def _line_data(row: VarianceRow) -> dict[str, Cell]:
    """A line's fields as the JSON and the CSV both give them, in that order."""
    return {
        "id": row.id,
        "name": row.name,
        "original": row.original,
        "budget": row.budget,
        "period": row.period,
        "forecast": row.forecast,
        "variance": row.variance,
        "percent": row.percent,
        "rag": row.rag,
        "reason": row.reason,
    }


def _total_data(report: BudgetReport) -> dict[str, Cell]:
    """The lines' total, as the JSON's totals give it (the table's footer and the CSV's
    last row with "Total" for its id)."""
    return {
        "original": report.original,
        "budget": report.budget,
        "forecast": report.forecast,
        "variance": report.variance,
        "percent": report.percent,
    }


def csv_table(report: BudgetReport) -> Table:
    """The variance lines and their total (data in a CSV, not a footer), or the bridge
    when the budget has no lines."""
    if not report.has_lines:
        return _csv_bridge_table(report)
    rows: list[dict[str, Cell]] = [_line_data(r) for r in report.rows]
    # The total counts lines the rows leave out (below --materiality) or take at budget
    # (no forecast yet): its reason says so, as the lines under the table do.
    rows.append({"id": "Total", **_total_data(report), "reason": "; ".join(_counted_unshown(report)) or None})
    return Table(None, CSV_COLUMNS, rows)


def lines(report: BudgetReport) -> list[str]:
    result = [report.summary[0].upper() + report.summary[1:]]
    money = report.money_words
    if report.total is not None and report.original != report.total:
        result.append(f"Lines sum to {money(report.original)} but the budget states {money(report.total)}")
    if report.has_changes and report.changes:
        result.append(
            f"Revised budget {money(report.budget)}: original {money(report.original)} "
            f"and changes during the year of {money(report.changes, brackets=True)}"
        )
    return result + _counted_unshown(report)


def _counted_unshown(report: BudgetReport) -> list[str]:
    """What the total counts that the rows do not show as they are."""
    result = []
    if report.hidden:
        result.append(
            f"{plural(report.hidden, 'line')} below the materiality threshold not shown (included in the total)"
        )
    if report.unreported:
        result.append(f"{plural(report.unreported, 'line')} with no forecast yet, taken at budget in the total")
    return result


def sections(report: BudgetReport) -> list[Section]:
    if not report.has_lines:
        return [
            Section(
                None,
                [
                    f"Budget {report.year}: "
                    + (report.money_words(report.total) if report.total is not None else "no total stated"),
                    "The budget has no line split (the plan publishes none), so there is no forecast outturn "
                    "by line to compare; add lines: to the budget file to monitor variance.",
                ],
            ),
            Section(bridge_table(report)),
        ]
    return [Section(table(report), lines(report)), Section(bridge_table(report))]


def as_data(report: BudgetReport) -> dict[str, Any]:
    return {
        "year": report.year,
        "period": report.period,
        "total": report.total,
        "has_lines": report.has_lines,
        "lines": [_line_data(r) for r in report.rows],
        # A budget with no lines has no line totals (its budget is "total").
        "totals": _total_data(report) if report.has_lines else None,
        "hidden": report.hidden,
        "unreported": report.unreported,
        "summary": report.summary,
        "bridge": [{"step": s.label, "kind": s.kind, "amount": s.amount, "note": s.note} for s in report.bridge],
    }
