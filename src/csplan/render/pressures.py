"""The pressures report as sections or JSON data."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from csplan.money import format_millions, to_units
from csplan.pressures import PressuresReport
from csplan.render.tables import Cell, Column, Section, Share, Sheet, Table
from csplan.text import plural

COLUMNS = (
    Column("id", "ID"),
    Column("description", "Pressure", max_width=44, min_width=20),
    Column("funding", "Funding", drop_order=2),
    Column("amount_m", "£m", "millions"),
    Column("amount", "£", "money", drop_order=1, alternate=True),
    Column("share", "Share", "percent"),
)


def table(report: PressuresReport) -> Table:
    rows: list[dict[str, Cell]] = [
        {
            "id": r.id,
            "description": r.description,
            "funding": r.funding,
            "amount_m": r.amount,
            "amount": r.amount,
            "share": r.share,
        }
        for r in report.rows
    ]
    footer: dict[str, Cell] = {
        "id": "Total",
        "description": plural(len(report.rows), "line"),
        "amount_m": report.total,
        "amount": report.total,
        "share": Decimal("100.0") if report.total else None,
    }
    return Table(f"Service pressure funding {report.year}", COLUMNS, rows, [footer])


SHEET_COLUMNS = (
    Column("id", "ID"),
    Column("description", "Pressure", wrap=40),
    Column("funding", "Funding"),
    Column("amount", "Amount (£)", "money"),
    Column("amount_m", "Amount (£m)", "millions", alternate=True),
    Column("share", "Share", "percent"),
)


def sheet(report: PressuresReport) -> Sheet:
    """The workbook's Pressures sheet: the lines totalled, then the stated total."""
    lines = table(report)
    footer: dict[str, Cell] = {"id": "Total", "description": plural(len(report.rows), "line")}
    stated: list[str | dict[str, Cell] | Table] = []
    if report.stated_total is not None:
        stated.append({"id": "Stated total", "amount": report.stated_total, "amount_m": report.stated_total})
    return Sheet(
        "Pressures",
        Table(None, SHEET_COLUMNS, lines.rows, [footer]),
        frozenset({"amount", "amount_m", "share"}),
        stated,
        # Each line's share is a formula over its amount and the total.
        derived=(Share("share", "amount"),),
    )


CSV_COLUMNS = (
    Column("id", "ID"),
    Column("description", "Pressure"),
    Column("funding", "Funding"),
    Column("amount_m", "£m", "number", alternate=True),
    Column("amount", "£", "money"),
    Column("share", "Share", "percent"),
)
"""In CSV, ``amount_m`` is the amount in millions whatever the table's units (it is a
number, never rescaled); with --units the one ``amount`` column says its scale."""


def csv_table(report: PressuresReport) -> Table:
    """One row per line: amount in pounds (or --units) and amount_m in millions."""
    rows: list[dict[str, Cell]] = [
        {
            "id": r.id,
            "description": r.description,
            "funding": r.funding,
            "amount_m": to_units(r.amount, "millions"),
            "amount": r.amount,
            "share": r.share,
        }
        for r in report.rows
    ]
    return Table(f"Service pressure funding {report.year}", CSV_COLUMNS, rows)


def lines(report: PressuresReport) -> list[str]:
    if report.stated_total is None:
        verdict = "Stated total: none (the source states no total to reconcile)"
    elif report.reconciles:
        verdict = f"Stated total {format_millions(report.stated_total)}: reconciles"
    else:
        verdict = (
            f"Stated total {format_millions(report.stated_total)}: DOES NOT reconcile "
            f"(lines sum to {format_millions(report.total)})"
        )
    result = [verdict, f"Ongoing {format_millions(report.ongoing)}, one-off {format_millions(report.one_off)}"]
    for finding in report.findings:
        result.append(f"{finding.location}: {finding.severity} {finding.code} {finding.message}")
        if finding.hint:
            result.append(f"  hint: {finding.hint}")
    return result


def sections(report: PressuresReport) -> list[Section]:
    return [Section(table(report), lines(report))]


def as_data(report: PressuresReport) -> dict[str, Any]:
    return {
        "year": report.year,
        "lines": [
            {"id": r.id, "description": r.description, "funding": r.funding, "amount": r.amount, "share": r.share}
            for r in report.rows
        ],
        "total": report.total,
        "stated_total": report.stated_total,
        "ongoing": report.ongoing,
        "one_off": report.one_off,
        "reconciles": report.reconciles,
        "findings": [
            {"code": f.code, "path": f.path, "line": f.line, "message": f.message, "hint": f.hint}
            for f in report.findings
        ],
    }
