"""The council roll-up as sections (tables and lines), a CSV table or JSON data."""

from __future__ import annotations

import dataclasses
from typing import Any

from csplan.rag import STATUSES, TABLE_LETTERS
from csplan.render.tables import Cell, Column, Section, Table
from csplan.rollup import CouncilPosition, CouncilTotal, DepartmentPosition, largest_overspends, largest_shortfalls
from csplan.text import plural

BUDGET_COLUMNS = (
    Column("name", "Department", max_width=32, fold=True),
    Column("original_budget", "Original", "millions", drop_order=0),
    Column("budget", "Budget", "millions"),
    Column("forecast", "Forecast outturn", "millions", fold=True),
    Column("variance", "Variance", "millions"),
    Column("variance_percent", "%", "percent", drop_order=2),
    Column("rag", "RAG", "rag"),
    Column("pressures", "Pressures", "millions", drop_order=1),
    Column("check", "In total", max_width=26, fold=True),
)

SAVINGS_COLUMNS = (
    Column("name", "Department", max_width=32, fold=True),
    Column("savings_target", "Savings target", "money", fold=True),
    Column("savings_forecast", "Forecast", "money"),
    Column("shortfall", "Shortfall", "money"),
    Column("mitigated", "Mitigated", "money", drop_order=3),
    Column("uncovered", "After mitigation", "money", drop_order=2, fold=True),
    Column("rag_counts", "B/G/A/R/NR", drop_order=4, fold=True),
    Column("reported", "Reported", drop_order=1, fold=True),
)

CSV_COLUMNS = (
    Column("name", "Department"),
    Column("folder", "Folder"),
    Column("source", "Source"),
    Column("included", "In council total"),
    Column("reconciles", "Own totals reconcile"),
    Column("problem", "First error"),
    Column("errors", "Errors", "number"),
    Column("warnings", "Warnings", "number"),
    Column("original_budget", "Original budget", "money"),
    Column("budget", "Budget", "money"),
    Column("forecast", "Forecast outturn", "money"),
    Column("variance", "Variance", "money"),
    Column("variance_percent", "Variance %", "percent"),
    Column("rag", "RAG", "rag"),
    Column("rag_reason", "RAG reason"),
    Column("pressures", "Pressures", "money"),
    Column("savings_target", "Savings target", "money"),
    Column("savings_forecast", "Savings forecast", "money"),
    Column("shortfall", "Shortfall", "money"),
    Column("mitigated", "Mitigated", "money"),
    Column("shortfall_after_mitigation", "After mitigation", "money"),
    Column("unused_mitigation", "Unused mitigation", "money"),
    Column("savings_reported", "Savings reported", "number"),
    Column("savings_count", "Savings", "number"),
    *(Column(f"rag_{rag.replace(' ', '_')}", f"Savings {rag}", "number") for rag in STATUSES),
    # The council total's own fields (empty on a department's row), as the JSON's total has them.
    Column("departments_included", "Departments in total", "number"),
    Column("excluded", "Excluded"),
    Column("forecast_taken_at_budget", "Forecast taken at budget"),
    Column("note", "Note"),
)
LIST_SEPARATOR = "; "
"""How a CSV cell holds the JSON's list of department names (excluded ...)."""


def rag_counts(counts: dict[str, int]) -> str:
    """RAG counts in letters: 2B 4G 3A 2R 1NR."""
    return " ".join(f"{counts.get(rag, 0)}{TABLE_LETTERS[rag]}" for rag in STATUSES) if counts else "—"


def check_words(row: DepartmentPosition) -> str:
    """Whether the department is in the council total, and if not, why."""
    if row.included:
        nothing = row.budget is None and not row.savings_count and row.pressures in (None, 0)
        return "yes: no figures yet" if nothing else "yes: reconciles"
    if not row.reconciles:
        return "NO: does not reconcile"
    return f"NO: {row.errors} error{'s' if row.errors != 1 else ''}"


def _name(row: DepartmentPosition) -> str:
    return row.name if row.included else f"{row.name} (left out)"


def budget_columns(report: CouncilPosition) -> list[Column]:
    """A council whose departments' budgets changed during the year shows each original
    beside the revised budget its variance is measured against, as ``budget variance`` does."""
    if not report.budget_changed:
        return [c for c in BUDGET_COLUMNS if c.key != "original_budget"]
    return [dataclasses.replace(c, header="Revised") if c.key == "budget" else c for c in BUDGET_COLUMNS]


def budget_table(report: CouncilPosition) -> Table:
    total = report.total
    rows: list[dict[str, Cell]] = [
        {
            "name": _name(r),
            "original_budget": r.original_budget,
            "budget": r.budget,
            "forecast": r.forecast,
            "variance": r.variance,
            "variance_percent": r.variance_percent,
            "rag": r.rag,
            "pressures": r.pressures,
            "check": check_words(r),
        }
        for r in report.departments
    ]
    footer: dict[str, Cell] = {
        "name": f"{report.council} total",
        "original_budget": total.original_budget,
        "budget": total.budget,
        "forecast": total.forecast,
        "variance": total.variance,
        "variance_percent": total.variance_percent,
        "rag": total.rag,
        "pressures": total.pressures,
        "check": f"{total.included} of {plural(len(report.departments), 'department')}",
    }
    title = f"Budget {report.year or ''}{_when(report)}".replace("  ", " ")
    return Table(title, budget_columns(report), rows, [footer])


def savings_table(report: CouncilPosition) -> Table:
    total = report.total
    rows: list[dict[str, Cell]] = [
        {
            "name": _name(r),
            "savings_target": r.savings_target,
            "savings_forecast": r.savings_forecast if r.savings_reported else None,
            "shortfall": r.shortfall if r.savings_reported else None,
            "mitigated": r.mitigated,
            "uncovered": r.uncovered if r.savings_reported else None,
            "rag_counts": rag_counts(r.rag_counts),
            "reported": f"{r.savings_reported} of {r.savings_count}",
        }
        for r in report.departments
    ]
    footer: dict[str, Cell] = {
        "name": f"{report.council} total",
        "savings_target": total.savings_target,
        "savings_forecast": total.savings_forecast,
        "shortfall": total.shortfall,
        "mitigated": total.mitigated,
        "uncovered": total.uncovered,
        "rag_counts": rag_counts(total.rag_counts),
        "reported": f"{total.savings_reported} of {total.savings_count}",
    }
    return Table(f"Savings {report.year or ''}{_when(report)}".replace("  ", " "), SAVINGS_COLUMNS, rows, [footer])


def _when(report: CouncilPosition) -> str:
    return f" at {report.period}" if report.period else " (latest returns)"


def total_lines(report: CouncilPosition) -> list[str]:
    """The council headline in words, with what the total leaves out."""
    total = report.total
    pct = f" ({abs(total.variance_percent)}%)" if total.variance_percent is not None else ""
    from csplan.money import format_millions, format_pounds

    if total.variance > 0:
        budget = f"forecast overspend {format_millions(total.variance)}{pct}"
    elif total.variance < 0:
        budget = f"forecast underspend {format_millions(-total.variance)}{pct}"
    else:
        budget = "forecast on budget"
    lines = [
        f"{report.council}: {budget}, {total.rag} at the council thresholds ({total.rag_reason}); "
        f"savings shortfall {format_pounds(total.shortfall)} against a {format_pounds(total.savings_target)} "
        f"target, {format_pounds(total.uncovered)} after {format_pounds(total.mitigated)} of mitigations"
        + (
            f" ({format_pounds(total.unused_mitigation)} more agreed beyond the shortfalls, unused)"
            if total.unused_mitigation
            else ""
        )
    ]
    if total.note:
        lines.append(f"The council total {total.note}.")
    return lines


def source_lines(report: CouncilPosition) -> list[str]:
    """Where each department's figures came from, and why any is left out."""
    lines = ["Sources:"]
    for row in report.departments:
        lines.append(f"  {row.name}: {row.origin}")
        if row.problem:
            lines.append(f"    left out of the total: {row.problem}")
    return lines


def sections(report: CouncilPosition) -> list[Section]:
    return [
        Section(budget_table(report)),
        Section(savings_table(report), total_lines(report)),
        Section(None, source_lines(report)),
    ]


def _row_data(row: DepartmentPosition | CouncilTotal) -> dict[str, Any]:
    return {
        "original_budget": row.original_budget,
        "budget": row.budget,
        "forecast": row.forecast,
        "variance": row.variance,
        "variance_percent": row.variance_percent,
        "rag": row.rag,
        "rag_reason": row.rag_reason,
        "pressures": row.pressures,
        "savings_target": row.savings_target,
        "savings_forecast": row.savings_forecast,
        "shortfall": row.shortfall,
        "mitigated": row.mitigated,
        "shortfall_after_mitigation": row.uncovered,
        "unused_mitigation": row.unused_mitigation,
        "savings_reported": row.savings_reported,
        "savings_count": row.savings_count,
        "rag_counts": dict(row.rag_counts),
    }


def as_data(report: CouncilPosition) -> dict[str, Any]:
    """The roll-up as JSON-ready data, money in pounds."""
    return {
        "council": report.council,
        "year": report.year,
        "period": report.period,
        "departments": [
            {
                "name": r.name,
                "folder": r.folder,
                "source": r.origin,
                "included": r.included,
                "reconciles": r.reconciles,
                "errors": r.errors,
                "warnings": r.warnings,
                "problem": r.problem,
                **_row_data(r),
            }
            for r in report.departments
        ],
        "total": {
            **_row_data(report.total),
            "departments_included": report.total.included,
            "excluded": list(report.total.excluded),
            "forecast_taken_at_budget": list(report.total.taken_at_budget),
            "note": report.total.note or None,
        },
    }


def csv_table(report: CouncilPosition) -> Table:
    def row_cells(name: str, row: DepartmentPosition | CouncilTotal) -> dict[str, Cell]:
        # The JSON's fields by the same names (the CSV's columns leave out rag_counts,
        # which it spreads over a column per RAG); counts as text, as csv_text takes.
        cells: dict[str, Cell] = {
            "name": name,
            **_row_data(row),
            "savings_reported": str(row.savings_reported),
            "savings_count": str(row.savings_count),
        }
        for rag in STATUSES:
            cells[f"rag_{rag.replace(' ', '_')}"] = str(row.rag_counts.get(rag, 0))
        return cells

    rows = []
    for r in report.departments:
        cells = row_cells(r.name, r)
        cells.update(
            folder=r.folder,
            source=r.origin,
            included="yes" if r.included else "no",
            reconciles="yes" if r.reconciles else "no",
            problem=r.problem,
            errors=str(r.errors),
            warnings=str(r.warnings),
        )
        rows.append(cells)
    total = row_cells(f"{report.council} total", report.total)
    total.update(
        departments_included=str(report.total.included),
        excluded=LIST_SEPARATOR.join(report.total.excluded) or None,
        forecast_taken_at_budget=LIST_SEPARATOR.join(report.total.taken_at_budget) or None,
        note=report.total.note or None,
    )
    rows.append(total)  # the council's row is data here, not a footer to drop
    return Table(f"{report.council} {report.year or ''}", CSV_COLUMNS, rows)


SHORTFALL_COLUMNS = (
    Column("department", "Department"),
    Column("id", "ID"),
    Column("saving", "Saving"),
    Column("target", "Target", "money"),
    Column("forecast", "Forecast", "money"),
    Column("shortfall", "Shortfall", "money"),
    Column("rag", "RAG", "rag"),
)

OVERSPEND_COLUMNS = (
    Column("department", "Department"),
    Column("id", "ID"),
    Column("line", "Line"),
    Column("budget", "Budget", "millions"),
    Column("forecast", "Forecast", "millions"),
    Column("variance", "Overspend", "millions"),
    Column("rag", "RAG", "rag"),
)


def largest_shortfalls_table(report: CouncilPosition) -> Table:
    """The largest savings shortfalls council-wide, a row per saving with its department."""
    rows: list[dict[str, Cell]] = [
        {
            "department": row.name,
            "id": status.id,
            "saving": status.description,
            "target": status.target,
            "forecast": status.forecast,
            "shortfall": status.shortfall,
            "rag": status.rag,
        }
        for row, status in largest_shortfalls(report)
    ]
    return Table("Largest savings shortfalls, council-wide", SHORTFALL_COLUMNS, rows)


def largest_overspends_table(report: CouncilPosition) -> Table:
    """The largest overspends by budget line council-wide, each at its department's thresholds."""
    rows: list[dict[str, Cell]] = [
        {
            "department": row.name,
            "id": line.id,
            "line": line.name,
            "budget": line.budget,
            "forecast": line.forecast,
            "variance": line.variance,
            "rag": line.rag,
        }
        for row, line in largest_overspends(report)
    ]
    title = "Largest overspends by budget line, council-wide (RAG at each department's line thresholds)"
    return Table(title, OVERSPEND_COLUMNS, rows)
