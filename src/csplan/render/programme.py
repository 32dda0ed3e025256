"""The savings programme across its years, as sections, CSV, a workbook sheet or JSON data."""

from __future__ import annotations

from typing import Any

from csplan.programme import DeliveredBridge, Programme, ProgrammeYear
from csplan.render.tables import Cell, Column, MoneyWords, Section, Sheet, Table, TotalsBalance, money_words
from csplan.suggest import command

FIGURES = (
    ("new", "New"),
    ("brought_forward", "Brought fwd"),
    ("target", "Target"),
    ("delivered", "Delivered"),
    ("mitigated", "Mitigated"),
    ("slipped_out", "Slipped out"),
    ("written_off", "Written off"),
    ("replaced", "Replaced"),
    ("still_open", "Still open"),
)
# On a narrow terminal these go first; the columns that reconcile each year stay.
DROP = {"mitigated": 1, "brought_forward": 2, "new": 3, "state": 4}


def _columns(report: Programme, *, table: bool = True) -> tuple[Column, ...]:
    columns = [Column("year", "Year"), Column("state", "State", drop_order=DROP["state"] if table else None)]
    if report.planned is not None:
        columns.append(Column("planned", "Planned", "money"))
    columns.extend(Column(key, header, "money", drop_order=DROP.get(key) if table else None) for key, header in FIGURES)
    return tuple(columns)


def _row(row: ProgrammeYear) -> dict[str, Cell]:
    state = "closed" if row.closed else "open" if row.has_file else "planned"
    cells: dict[str, Cell] = {"year": row.year, "state": state, "planned": row.planned}
    cells.update({key: getattr(row, key) for key, _ in FIGURES})
    return cells


def table(report: Programme) -> Table:
    footer: dict[str, Cell] = {"year": "Total", "state": "", "planned": report.planned}
    footer.update({key: getattr(report, key) for key, _ in FIGURES if key != "target"})
    footer["target"] = report.new
    return Table("Savings programme", _columns(report), [_row(r) for r in report.years], [footer])


def csv_table(report: Programme) -> Table:
    """The table's columns and two last ones, as the JSON's fields of the same names:
    ``unused_mitigation`` (as ``savings status``'s CSV), mitigations agreed beyond the
    shortfalls, which Mitigated leaves out and the lines under the table name; and
    ``over_delivered``, delivered beyond each saving's target, which Delivered leaves out."""
    columns = (
        *_columns(report, table=False),
        Column("unused_mitigation", "Unused mitigation", "money"),
        Column("over_delivered", "Over delivered", "money"),
    )
    rows = [
        {**_row(r), "unused_mitigation": r.unused_mitigation, "over_delivered": r.over_delivered} for r in report.years
    ]
    return Table(None, columns, rows)


SHEET_TOTALS = [
    "Total target counts each pound once: the sum of New, a pound brought forward counted in the year it came "
    "from. So in this row, Target = Delivered + Written off + Still open + Carried",
    "Carried = Slipped out + Replaced - Brought fwd: what has left one year but not (yet) arrived in another",
]
"""Under the Programme sheet's total row: why its target is not the sum of its outcomes there."""


def sheet(report: Programme, units: str | None = None, bridge: DeliveredBridge | None = None) -> Sheet:
    """The workbook's Programme sheet: a row per year with the columns of the CSV, the
    totals as sums (the target's is the new savings': each pound once), and a Carried
    column whose total (a formula over the totals) makes the total row add up, then the
    lines that say so and how it reconciles (their money in ``units``, the sheet's)."""
    summed = frozenset({"planned", *(key for key, _ in FIGURES if key != "target")})
    columns = (*_columns(report, table=False), Column("carried", "Carried", "money"))
    return Sheet(
        "Programme",
        Table(None, columns, [_row(r) for r in report.years], [{"year": "Total", "carried": report.carried}]),
        summed,
        [*SHEET_TOTALS, "", *lines(report, units, bridge)],
        sums_of={"target": "new"},
        derived=(TotalsBalance("carried", ("slipped_out", "replaced"), ("brought_forward",)),),
    )


def lines(report: Programme, units: str | None = None, bridge: DeliveredBridge | None = None) -> list[str]:
    """The reconciliation in words, money in ``units`` as the table beside it (None: pounds);
    with ``bridge``, why the year's Delivered is not the returns' delivered to date."""
    money = money_words(units)
    verdict = "reconciles" if report.reconciles else f"DOES NOT reconcile (run {command('validate')})"
    said = [
        "Each year: target = delivered + slipped out + written off + replaced + still open",
        f"Programme: new savings {money(report.new)} = delivered {money(report.delivered)} + "
        f"written off {money(report.written_off)} + still open {money(report.still_open)}"
        + (f" + carried {money(report.carried, brackets=True)}" if report.carried else "")
        + f": {verdict}",
    ]
    if report.brought_forward:
        said.append(
            f"Brought forward {money(report.brought_forward)} is not a second target: it is counted in the "
            "year it came from"
        )
    said.extend(f"Carried: {note}" for note in report.notes)
    if bridge is not None and bridge.differs:
        said.append(bridge_words(bridge, money))
    if report.unused_mitigation:
        said.append(
            f"Mitigated counts each saving's mitigations up to its shortfall, as savings status does; "
            f"{money(report.unused_mitigation)} agreed beyond the shortfalls covers no gap"
        )
    return said


def bridge_words(bridge: DeliveredBridge, money: MoneyWords) -> str:
    """Why the programme's Delivered for the year is not the delivered to date the
    returns give (the savings table's, the headline's), each difference named."""
    at = f" at {bridge.period}" if bridge.period else ""
    returns = f"the returns' delivered to date{at} {money(bridge.returns)}"
    if bridge.closed:
        said = f"{bridge.year} Delivered {money(bridge.programme)} is what close-year recorded, not {returns}"
    else:
        said = (
            f"{bridge.year} Delivered {money(bridge.programme)} counts each saving up to its target, unlike {returns}"
        )
    parts = []
    if bridge.forecast_count:
        savings = "saving" if bridge.forecast_count == 1 else "savings"
        parts.append(
            f"it takes the P12 forecast of the {bridge.forecast_count} {savings} whose P12 return gave no "
            f"delivered figure ({money(bridge.forecast_taken)})"
        )
    if bridge.over_target:
        parts.append(f"it leaves out {money(bridge.over_target)} delivered over target")
    if bridge.later:
        after = bridge.period or "the period"
        verb = "add" if bridge.later > 0 else "take off"
        parts.append(f"the returns after {after} {verb} {money(abs(bridge.later))}")
    return said + (": " + "; ".join(parts) if parts else "")


def sections(report: Programme, units: str | None = None) -> list[Section]:
    """The table and its lines; the lines' money in ``units`` (the table is scaled by
    ``tables.shown_in``), so both say the one scale."""
    return [Section(table(report), lines(report, units))]


def as_data(report: Programme) -> dict[str, Any]:
    """The programme as JSON-ready data, money in pounds."""
    return {
        "years": [
            {
                "year": r.year,
                "closed": r.closed,
                "has_file": r.has_file,
                "planned": r.planned,
                **{key: getattr(r, key) for key, _ in FIGURES},
                "over_delivered": r.over_delivered,
                "unused_mitigation": r.unused_mitigation,
                "reconciles": r.reconciles,
            }
            for r in report.years
        ],
        "totals": {
            "planned": report.planned,
            "new": report.new,
            "target": report.new,
            "brought_forward": report.brought_forward,
            "delivered": report.delivered,
            "mitigated": report.mitigated,
            "unused_mitigation": report.unused_mitigation,
            "slipped_out": report.slipped_out,
            "written_off": report.written_off,
            "replaced": report.replaced,
            "still_open": report.still_open,
            "carried": report.carried,
        },
        "reconciles": report.reconciles,
    }
