"""The council report: one self-contained HTML page for the finance director and Cabinet.

The council headline, a row per department (each linked to its section), the
largest savings shortfalls and overspends council-wide, then a section per department
with its own headline and tables, exactly as its own report shows them. Every figure
comes from ``csplan.rollup``; this module only lays it out. The page shares the
department report's template, styles and print rules (A4, offline, no scripts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from csplan.money import format_millions, format_pounds
from csplan.render.html import (
    Chart,
    HtmlTable,
    MonthlyReport,
    build_report,
    html_table,
    period_name,
    target_chart,
    variance_chart,
)
from csplan.render.tables import cell_text
from csplan.rollup import CouncilPosition, DepartmentPosition
from csplan.text import plural


@dataclass
class DepartmentSection:
    """One department's part of the council report."""

    anchor: str
    name: str
    origin: str
    included: bool
    problem: str | None
    report: MonthlyReport | None
    """Its own report's headline and tables; None when it has no savings or budget."""


@dataclass
class CouncilReport:
    title: str
    period: str
    generated: str
    data_date: str
    headline: list[tuple[str, str, str]]
    budget_headline: list[tuple[str, str, str]]
    notes: list[str]
    departments: list[DepartmentPosition]
    budget_table: HtmlTable
    savings_table: HtmlTable
    charts: list[Chart]
    shortfalls: HtmlTable
    overspends: HtmlTable
    department_sections: list[DepartmentSection]
    links: list[tuple[str, str]] = field(default_factory=list)
    """(anchor, name) of each department's section."""
    sections: list[str] = field(
        default_factory=lambda: ["council_headline", "council_departments", "charts", "council_largest", "council_each"]
    )
    """The templates under ``templates/sections/`` to place, in order."""


def _variance_chart(report: CouncilPosition) -> Chart:
    return variance_chart(
        "Budget variance by department",
        "Forecast outturn minus budget: overspend right, underspend left; RAG at the department thresholds",
        [(r.name, r.variance, r.rag) for r in report.departments if r.variance is not None],
        least_rows=1,
    )


def _savings_chart(report: CouncilPosition) -> Chart:
    rows = [r for r in report.departments if r.savings_target is not None]
    return target_chart(
        "Savings: forecast against target by department",
        "Target (outline) and forecast of the savings reported (filled)",
        [
            (
                r.name,
                r.savings_target or Decimal(0),
                r.savings_forecast,
                f"{format_pounds(r.savings_forecast or Decimal(0))} of {format_pounds(r.savings_target or Decimal(0))}",
                "neutral",
            )
            for r in rows
        ],
        least_rows=1,
    )


def _largest_tables(report: CouncilPosition) -> tuple[HtmlTable, HtmlTable]:
    from csplan.render import council as render_council

    return (
        html_table(render_council.largest_shortfalls_table(report)),
        html_table(render_council.largest_overspends_table(report)),
    )


def build_council_report(report: CouncilPosition) -> CouncilReport:
    """Everything the council report shows, from the council roll-up."""
    from csplan.render import council as render_council

    total = report.total
    year = report.year or ""
    when = period_name(report.period, year) if year else (report.period or "latest returns")
    headline = [
        ("Savings target", format_pounds(total.savings_target), plural(total.savings_count, "saving")),
        (
            "Forecast",
            format_pounds(total.savings_forecast),
            f"from {total.savings_reported} of {plural(total.savings_count, 'saving')} reported",
        ),
        ("Shortfall", format_pounds(total.shortfall), "savings reported short of target"),
        (
            "After mitigation",
            format_pounds(total.uncovered),
            f"{format_pounds(total.mitigated)} of mitigations",
        ),
    ]
    included = f"{total.included} of {plural(len(report.departments), 'department')}"
    if report.budget_changed and total.budget_changes:
        changes = format_millions(total.budget_changes, brackets=True)
        included += f"; revised: original {format_millions(total.original_budget)}, changes during the year {changes}"
    budget_headline = [
        ("Budget", format_millions(total.budget), included),
        ("Forecast outturn", format_millions(total.forecast), "all departments included"),
        ("Variance", cell_text(total.variance, "millions"), f"{total.rag} at the council thresholds"),
        ("Pressure funding", format_millions(total.pressures), "included in the budgets"),
    ]
    sections = [
        DepartmentSection(
            row.anchor,
            row.name,
            row.origin,
            row.included,
            row.problem,
            build_report(row.detail, row.origin)
            if row.detail is not None and (row.detail.savings is not None or row.detail.budget is not None)
            else None,
        )
        for row in report.departments
    ]
    shortfalls, overspends = _largest_tables(report)
    return CouncilReport(
        title=f"{report.council}: savings and budget monitoring, {year}, {when}",
        period=when,
        generated=datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC"),
        data_date=f"{plural(len(report.departments), 'department')}, each from its own folder (sources below)",
        headline=headline,
        budget_headline=budget_headline,
        notes=render_council.total_lines(report),
        departments=report.departments,
        budget_table=html_table(render_council.budget_table(report)),
        savings_table=html_table(render_council.savings_table(report)),
        charts=[_variance_chart(report), _savings_chart(report)],
        shortfalls=shortfalls,
        overspends=overspends,
        department_sections=sections,
        links=[(row.anchor, row.name) for row in report.departments],
    )


def render_council_html(report: CouncilReport) -> str:
    """The council report as one self-contained HTML page (the department report's template)."""
    from csplan.render.html import render_page

    return render_page(report)
