"""The savings status report as sections (table, totals, RAG summary) or JSON data."""

from __future__ import annotations

from typing import Any

from csplan.money import format_pounds
from csplan.render.tables import Cell, Column, Section, Table
from csplan.savings import STATUS_ORDER, SavingsReport, SavingStatus

STATUS_COLUMNS = (
    Column("id", "ID"),
    Column("description", "Saving", max_width=40, min_width=24),
    Column("division", "Division", max_width=20, drop_order=2),
    Column("ongoing", "Ongoing", "money", drop_order=5),
    Column("one_off", "One-off", "money", drop_order=4),
    Column("forecast", "Forecast", "money"),
    Column("variance", "Variance", "money"),
    Column("rag", "RAG", "rag"),
    Column("period", "Period", drop_order=3),
    Column("note", "Note", max_width=28, drop_order=1),
)


def status_row(status: SavingStatus) -> dict[str, Any]:
    return {
        "id": status.id,
        "description": status.description,
        "division": status.division,
        "ongoing": status.ongoing,
        "one_off": status.one_off,
        "forecast": status.forecast,
        "variance": status.variance,
        "rag": status.rag,
        "period": status.period,
        "note": status.note,
    }


def status_table(report: SavingsReport) -> Table:
    when = f" at {report.period}" if report.period else " (latest returns)"
    totals = report.totals
    footer: dict[str, Cell] = {
        "id": "Total",
        "description": f"{totals.count} savings, {totals.reported} reported",
        "ongoing": totals.ongoing,
        "one_off": totals.one_off,
        "forecast": totals.forecast if totals.reported else None,
        "variance": totals.variance if totals.reported else None,
    }
    return Table(
        title=f"Savings {report.year}{when}",
        columns=STATUS_COLUMNS,
        rows=[status_row(s) for s in report.statuses],
        footer=[footer],
    )


def csv_table(report: SavingsReport) -> Table:
    return status_table(report)


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
            for rag in STATUS_ORDER
        ],
    )


def totals_lines(report: SavingsReport) -> list[str]:
    totals = report.totals
    lines = [
        f"Target {format_pounds(totals.target)} (ongoing {format_pounds(totals.ongoing)}, "
        f"one-off {format_pounds(totals.one_off)})"
    ]
    if report.filtered:
        lines.append(f"Filtered: {totals.count} savings shown; stated totals apply to the whole list")
    else:
        stated = report.stated
        verdict = "reconciles" if report.reconciles else "DOES NOT reconcile (run csplan validate)"
        lines.append(
            f"Stated totals: ongoing {format_pounds(stated['ongoing'])}, one-off {format_pounds(stated['one_off'])}, "
            f"total {format_pounds(stated['total'])}: {verdict}"
        )
    if totals.reported:
        lines.append(
            f"Forecast {format_pounds(totals.forecast)} from {totals.reported} of {totals.count} savings reported "
            f"({totals.forecast_percent}% of the whole target); "
            f"variance {format_pounds(totals.variance, brackets=True)} against their targets"
        )
    else:
        lines.append("No monitoring returns recorded yet: every saving is 'not reported'")
    return lines


def reason_lines(report: SavingsReport) -> list[str]:
    flagged = [
        s
        for s in report.statuses
        if s.rag in {"red", "amber"} or (s.officer_rag and s.derived_rag and s.officer_rag != s.rag)
    ]
    return [f"{s.id} {s.rag}: {s.reason}" for s in flagged]


def sections(report: SavingsReport) -> list[Section]:
    reasons = reason_lines(report)
    result = [
        Section(status_table(report), totals_lines(report)),
        Section(summary_table(report)),
    ]
    if reasons:
        result.append(Section(None, ["Why:", *(f"  {line}" for line in reasons)]))
    return result


def as_data(report: SavingsReport) -> dict[str, Any]:
    """The report as JSON-ready data, money in pounds."""
    return {
        "year": report.year,
        "period": report.period,
        "savings": [
            {
                "id": s.id,
                "description": s.description,
                "division": s.division,
                "owner": s.owner,
                "ongoing": s.ongoing,
                "one_off": s.one_off,
                "target": s.target,
                "period": s.period,
                "forecast": s.forecast,
                "delivered": s.delivered,
                "variance": s.variance,
                "percent": s.percent,
                "rag": s.rag,
                "derived_rag": s.derived_rag,
                "officer_rag": s.officer_rag,
                "reason": s.reason,
                "note": s.note,
            }
            for s in report.statuses
        ],
        "totals": {
            "ongoing": report.totals.ongoing,
            "one_off": report.totals.one_off,
            "target": report.totals.target,
            "forecast": report.totals.forecast,
            "delivered": report.totals.delivered,
            "variance": report.totals.variance,
            "forecast_percent": report.totals.forecast_percent,
            "reported": report.totals.reported,
            "count": report.totals.count,
        },
        "stated": dict(report.stated),
        "reconciles": None if report.filtered else report.reconciles,
        "rag_summary": {rag: {"count": c.count, "target": c.target} for rag, c in report.rag_summary.items()},
    }
