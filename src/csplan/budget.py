"""Budget monitoring: forecast outturn against budget by line, with RAG, and the bridge.

Variance = forecast - budget: positive is an overspend (adverse), negative an
underspend (favourable). A line is red when it overspends by at least the lower of
``red_percent`` of its budget and ``red_amount``; amber for a smaller overspend;
green on budget or under.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from csplan.load import Document, Plan
from csplan.models import PERIODS, BudgetFile, BudgetLine, BudgetSettings
from csplan.money import ZERO, Money, money_sum, money_words, percent
from csplan.rag import AMBER, GREEN, NOT_REPORTED, RED


def variance_percent(variance: Money, budget: Money) -> Decimal | None:
    """Variance as a % of the budget's size to one decimal place (an overspend is
    positive on an income line too); None for a nil budget."""
    return percent(variance, abs(budget), 1)


def line_rag(
    budget: Money,
    variance: Money,
    settings: BudgetSettings,
    units: str = "millions",
    money: Callable[[Money], str] | None = None,
) -> tuple[str, str]:
    """The RAG of a line's variance, and why (the threshold scales with the budget's
    size, so an income line's is not negative); the red amount in the budget file's
    ``units`` as its summary words say money (:func:`csplan.money.money_words`), or
    written by ``money`` (a table's scale)."""
    if variance <= ZERO:
        return GREEN, "on or under budget"
    threshold = min(abs(budget) * settings.red_percent / 100, settings.red_amount)
    red = money(settings.red_amount) if money is not None else money_words(settings.red_amount, units)
    limit = f"the lower of {settings.red_percent}% of budget and {red}"
    if variance >= threshold:
        return RED, f"overspend at or above {limit}"
    return AMBER, f"overspend below {limit}"


def revised_budget(line: BudgetLine, period: str | None) -> Money:
    """The line's original budget plus its changes up to ``period`` (all when None)."""
    limit = PERIODS.index(period) if period else len(PERIODS)
    return line.budget + money_sum(c.amount for c in line.changes if PERIODS.index(c.period) <= limit)


def forecast_at(line: BudgetLine, period: str | None) -> tuple[str, Money] | None:
    """The latest forecast at or before ``period`` (any when None)."""
    limit = PERIODS.index(period) if period else len(PERIODS)
    found = [(p, amount) for p, amount in line.forecast.items() if PERIODS.index(p) <= limit]
    return max(found, key=lambda item: PERIODS.index(item[0])) if found else None


@dataclass(frozen=True)
class VarianceRow:
    id: str
    name: str
    budget: Money
    """The revised budget at the period: the original plus changes up to it."""
    period: str | None
    forecast: Money | None
    variance: Money | None
    percent: Decimal | None
    rag: str
    reason: str
    original: Money = ZERO
    """The budget as set at the start of the year."""


BridgeKind = Literal["base", "add", "less", "total"]


@dataclass(frozen=True)
class BridgeStep:
    label: str
    """What the step is, in words ("service pressure funding"); a renderer shows its sign."""
    amount: Money | None
    note: str
    kind: BridgeKind
    """Its place in the bridge: the base, added (pressures), less (savings) or the total."""


@dataclass(frozen=True)
class BudgetReport:
    year: str
    period: str | None
    total: Money | None
    """The budget as the file states it (the original); None where it states none."""
    has_lines: bool
    rows: list[VarianceRow]
    hidden: int
    """Lines left out by --materiality."""
    budget: Money
    forecast: Money
    variance: Money
    percent: Decimal | None
    unreported: int
    bridge: list[BridgeStep]
    original: Money = ZERO
    """The lines' original budgets, summed (``budget`` is the revised)."""
    has_changes: bool = False
    """Some line records a budget change (so original and revised differ in places)."""
    units: str = "pounds"
    """The units of the file the figures come from (a table shows a thousands file in £'000)."""
    settings: BudgetSettings | None = None
    """The file's RAG settings (a line's reason names its red amount)."""

    def reason_in(self, row: VarianceRow, money: Callable[[Money], str]) -> str:
        """A line's reason with its money written by ``money`` (a table's scale)."""
        if row.variance is None or self.settings is None:
            return row.reason
        return line_rag(row.budget, row.variance, self.settings, money=money)[1]

    @property
    def changes(self) -> Money:
        """The budget changes up to the period, summed over the lines."""
        return self.budget - self.original

    @property
    def has_forecasts(self) -> bool:
        """Some line has a forecast at or before the period."""
        return self.unreported < len(self.rows) + self.hidden

    def money_words(self, amount: Money, *, brackets: bool = False) -> str:
        """An amount in the text, in the file's scale as its tables show it: £450k for a
        £'000 file, else £m as the plan prints its budget (£0.450m)."""
        return money_words(amount, self.units, brackets=brackets)

    @property
    def summary(self) -> str:
        """The position in a sentence, money in the file's scale (:meth:`money_words`)."""
        return self.summary_in(self.money_words)

    def summary_in(self, money: Callable[[Money], str]) -> str:
        """:attr:`summary` with its money written by ``money`` (a table's scale: --units)."""
        when = f" at {self.period}" if self.period else ""
        if not self.has_lines:
            stated = money(self.total) if self.total is not None else "not stated"
            return f"budget {stated}: no line split, so no forecast outturn to compare"
        if not self.has_forecasts:
            return f"no forecast outturn recorded yet{when}: budget {money(self.budget)}"
        pct = f" ({abs(self.percent)}%)" if self.percent is not None else ""
        if self.variance > 0:
            return f"forecast overspend {money(self.variance)}{pct}{when}"
        if self.variance < 0:
            return f"forecast underspend {money(-self.variance)}{pct}{when}"
        return f"forecast on budget{when}"


def budget_report(plan: Plan, model: BudgetFile, period: str | None = None, materiality: Money = ZERO) -> BudgetReport:
    """Compute budget against forecast for each line, totals and the budget bridge."""
    rows: list[VarianceRow] = []
    for line in model.lines or ():
        found = forecast_at(line, period)
        revised = revised_budget(line, period)
        if found is None:
            rows.append(
                VarianceRow(
                    line.id,
                    line.name,
                    revised,
                    None,
                    None,
                    None,
                    None,
                    NOT_REPORTED,
                    "no forecast at or before the period; taken at budget in the totals",
                    original=line.budget,
                )
            )
            continue
        when, forecast = found
        variance = forecast - revised
        rag, reason = line_rag(revised, variance, model.settings, model.units)
        rows.append(
            VarianceRow(
                line.id,
                line.name,
                revised,
                when,
                forecast,
                variance,
                variance_percent(variance, revised),
                rag,
                reason,
                original=line.budget,
            )
        )
    budget = money_sum(r.budget for r in rows)
    forecast = money_sum(r.forecast if r.forecast is not None else r.budget for r in rows)
    variance = forecast - budget
    shown = [r for r in rows if r.variance is None or abs(r.variance) >= materiality]
    return BudgetReport(
        units=model.units,
        settings=model.settings,
        year=model.year,
        period=period,
        total=model.total,
        has_lines=bool(model.lines),
        rows=shown,
        hidden=len(rows) - len(shown),
        budget=budget,
        forecast=forecast,
        variance=variance,
        percent=variance_percent(variance, budget),
        unreported=sum(1 for r in rows if r.forecast is None),
        bridge=bridge(plan, model),
        original=money_sum(r.original for r in rows),
        has_changes=any(line.changes for line in model.lines or ()),
    )


def bridge(plan: Plan, model: BudgetFile) -> list[BridgeStep]:
    """From the previous year's base to this year's budget, as far as the data gives it.

    The plan states the pressures and savings included in the budget, but not the
    2024-25 base or the other changes; their sum is derived, and labelled so. Each
    stated step's note names the file it comes from and the source that file cites.
    """
    includes = model.includes
    pressures = includes.pressures if includes else None
    savings = includes.savings if includes else None
    first_year = int(model.year[:4])
    base = f"{first_year - 1}-{first_year % 100:02d} base and other changes"
    if model.total is not None:
        total, total_note = model.total, _cited(plan.first("budget", model.year), "total")
    else:
        total = money_sum(line.budget for line in model.lines or ())
        total_note = "the sum of the budget lines (the file states no total)"
    steps: list[BridgeStep] = []
    if pressures is not None and savings is not None:
        steps.append(
            BridgeStep(
                base, total - pressures + savings, "derived: budget - pressures + savings (no file states it)", "base"
            )
        )
    else:
        steps.append(BridgeStep(base, None, "not stated in the files", "base"))
    budget_doc = plan.first("budget", model.year)
    if pressures is not None:
        where = plan.first("pressures", model.year) or budget_doc
        steps.append(BridgeStep("service pressure funding", pressures, _cited(where, "includes.pressures"), "add"))
    if savings is not None:
        where = plan.first("savings", model.year) or budget_doc
        steps.append(BridgeStep("savings to deliver", -savings, _cited(where, "includes.savings"), "less"))
    steps.append(BridgeStep(f"{model.year} budget", total, total_note, "total"))
    return steps


def _cited(document: Document | None, field: str) -> str:
    """Where a bridge figure comes from: the file (by name: the same wherever the folder
    is), and the source it cites."""
    if document is None:
        return f"the budget's {field}"
    return f"{os.path.basename(document.path)}: {document.model.source}"
