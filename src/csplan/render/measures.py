"""The measures report as sections or JSON data."""

from __future__ import annotations

from typing import Any

from csplan.measures import MeasuresReport
from csplan.render.tables import Cell, Column, Section, Table

MEASURE_COLUMNS = (
    Column("objective", "Objective"),
    Column("id", "ID"),
    Column("name", "Measure", max_width=60, min_width=24),
    Column("unit", "Unit", drop_order=2),
    Column("better", "Better", drop_order=1),
    Column("target", "Target", "number"),
    Column("value", "Value", max_width=28, min_width=8),
    Column("period", "Period", drop_order=3),
    Column("rag", "RAG", "rag"),
)
MILESTONE_COLUMNS = (
    Column("objective", "Objective"),
    Column("id", "ID"),
    Column("name", "Milestone", max_width=80, min_width=24),
    Column("status", "Status"),
)


def measures_table(report: MeasuresReport) -> Table:
    when = f" at {report.period}" if report.period else " (latest values)"
    rows: list[dict[str, Cell]] = [
        {
            "objective": m.objective,
            "id": m.id,
            "name": m.name,
            "unit": m.unit,
            "better": m.better,
            "target": None if m.target is None else f"{m.target}",
            "value": None if m.value is None else f"{m.value}",
            "period": m.period,
            "rag": m.rag,
        }
        for m in report.measures
    ]
    return Table(f"Key performance measures {report.year}{when}", MEASURE_COLUMNS, rows)


def csv_table(report: MeasuresReport) -> Table:
    return measures_table(report)


def sections(report: MeasuresReport) -> list[Section]:
    reasons = [
        f"  {m.id} {m.rag}: {m.reason}" + (f" ({m.note})" if m.note else "")
        for m in report.measures
        if m.value is not None
    ]
    result = [Section(measures_table(report), ["Why:", *reasons] if reasons else [])]
    if report.milestones:
        rows: list[dict[str, Cell]] = [
            {"objective": m.objective, "id": m.id, "name": m.name, "status": m.status} for m in report.milestones
        ]
        result.append(Section(Table("Milestones", MILESTONE_COLUMNS, rows)))
    return result


def as_data(report: MeasuresReport) -> dict[str, Any]:
    return {
        "year": report.year,
        "period": report.period,
        "measures": [
            {
                "objective": m.objective,
                "id": m.id,
                "name": m.name,
                "unit": m.unit,
                "better": m.better,
                "target": m.target,
                "value": m.value,
                "period": m.period,
                "rag": m.rag,
                "reason": m.reason,
                "note": m.note,
                "computed": m.computed,
            }
            for m in report.measures
        ],
        "milestones": [
            {"objective": m.objective, "id": m.id, "name": m.name, "status": m.status, "note": m.note}
            for m in report.milestones
        ],
    }
