"""The whole position for one year as at one period, computed once for every command.

As hledger's ``budgetReport`` takes the whole journal, ``position`` takes the whole
plan and returns every report for the year as plain data: savings, pressures,
budget and measures. Commands pick the parts they show and hand them to a renderer;
neither assembles reports itself. A part is None when the folder holds no valid
file of its kind for the year. New parts (movement since a period, mitigations,
the council roll-up) belong here as fields with defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from csplan.budget import BudgetReport, budget_report
from csplan.findings import Finding
from csplan.load import Plan, watching_lines
from csplan.measures import MeasuresReport, measures_report
from csplan.money import ZERO, Money
from csplan.pressures import PressuresReport, pressures_report
from csplan.programme import DeliveredBridge, Programme, delivered_bridge, programme
from csplan.savings import PeriodForecast, SavingsReport, StatusesAsRead, forecast_by_period, savings_report


@dataclass(frozen=True)
class SavingsView:
    """Which savings to show and in what order (``savings status`` options).

    Only the shown savings report is filtered; measures computed from the savings
    always use the whole list."""

    rags: tuple[str, ...] = ()
    division: str | None = None
    owner: str | None = None
    sort: str = "id"
    since: str | None = None
    """Movement against the return at or before this period (default: the previous one)."""

    @property
    def filters(self) -> bool:
        return bool(self.rags or self.division or self.owner)


@dataclass
class Position:
    """Every report for ``year`` as at ``period`` (None: the latest returns)."""

    year: str | None
    period: str | None
    department: str | None = None
    """The department the files name (their ``department:``), for titles."""
    savings: SavingsReport | None = None
    """As the view asked: filtered and sorted for ``savings status``, else the whole list."""
    pressures: PressuresReport | None = None
    budget: BudgetReport | None = None
    measures: MeasuresReport | None = None
    forecast_by_period: list[PeriodForecast] = field(default_factory=list)
    """The savings totals at each period of the year, when asked for (the report's trajectory)."""
    programme: Programme | None = None
    """Every year of the savings programme, when asked for (the report's programme section)."""
    delivered_bridge: DeliveredBridge | None = None
    """With the programme: how the year's delivered to date becomes its programme Delivered."""


def department_of(plan: Plan, year: str | None = None) -> str | None:
    """The department named by the year's files (savings first), else by any file."""
    for chosen in (year, None):
        for kind in ("savings", "budget", "pressures", "measures"):
            document = plan.first(kind, chosen) if chosen else next(iter(plan.of_kind(kind)), None)
            if document is not None:
                return str(document.model.department)
    return None


def loaded_position(
    load: Callable[[], tuple[Plan, list[Finding]]],
    year: str | None = None,
    period: str | None = None,
    *,
    view: SavingsView | None = None,
    units: str | None = None,
) -> tuple[Plan, list[Finding], Position]:
    """Load the plan with ``load`` and compute its position, as ``position`` does, with
    each saving's status worked out while a large savings file loads
    (``savings.StatusesAsRead``): the statuses of 100,000 savings cost the report about
    0.4 s less (used when ``units``, --units, is the file's own or not given). What was
    worked out is let go with the call."""
    chosen = view or SavingsView()
    read = StatusesAsRead(period, chosen.since, year)
    with watching_lines(read):
        plan, findings = load()
    return plan, findings, position(plan, year, period, view=chosen, read=read, units=units)


def position(
    plan: Plan,
    year: str | None = None,
    period: str | None = None,
    *,
    anchor: str = "savings",
    view: SavingsView | None = None,
    materiality: Money = ZERO,
    objective: str | None = None,
    history: bool = False,
    with_programme: bool = False,
    read: StatusesAsRead | None = None,
    units: str | None = None,
) -> Position:
    """Compute the position for ``year`` as at ``period``.

    Without a year, the year is the latest one of the ``anchor`` kind of file (the
    one the command is about), and every other part is of that same year.
    ``materiality`` hides small budget lines, ``objective`` chooses measures, and
    ``history`` adds the savings totals period by period, ``with_programme`` the
    savings programme across every year of the folder. ``read`` holds the savings'
    statuses worked out as the folder was loaded (``savings.StatusesAsRead``). ``units``
    (--units) is the scale the savings' reasons and mitigation words say money in
    (None: the savings file's own).
    """
    if year is None:
        latest = plan.first(anchor)
        year = latest.year if latest is not None else None
    chosen = view or SavingsView()
    result = Position(year, period, department_of(plan, year))
    found_savings = plan.savings(year)
    if found_savings is not None:
        model = found_savings[1]
        result.savings = savings_report(
            model,
            period,
            rags=chosen.rags,
            division=chosen.division,
            owner=chosen.owner,
            sort=chosen.sort,
            since=chosen.since,
            read=read,
            units=units,
        )
        if history:
            result.forecast_by_period = forecast_by_period(model, period)
    found_pressures = plan.pressures(year)
    if found_pressures is not None:
        result.pressures = pressures_report(*found_pressures)
    found_budget = plan.budget(year)
    if found_budget is not None:
        result.budget = budget_report(plan, found_budget[1], period, materiality)
    found_measures = plan.measures(year)
    if found_measures is not None:
        whole = result.savings
        if found_savings is not None and chosen.filters:
            whole = savings_report(found_savings[1], period, movement=False)
        result.measures = measures_report(found_measures[1], whole, period, objective)
    if with_programme:
        result.programme = programme(plan, period=period)
        row = next((r for r in result.programme.years if r.year == year and r.has_file), None)
        if found_savings is not None and row is not None and not chosen.filters:
            delivered = result.savings.totals.delivered if result.savings is not None else ZERO
            result.delivered_bridge = delivered_bridge(found_savings[1], row, delivered, period)
    return result
