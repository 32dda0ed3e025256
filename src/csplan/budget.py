"""Budget monitoring: forecast outturn against budget by line, with RAG, and the bridge.

Variance = forecast - budget: positive is an overspend (adverse), negative an
underspend (favourable). A line is red when it overspends by at least the lower of
``red_percent`` of its budget and ``red_amount``; amber for a smaller overspend;
green on budget or under.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from csplan.load import Plan
from csplan.models import PERIODS, BudgetFile, BudgetLine, BudgetSettings
from csplan.money import ZERO, Money, format_millions, money_sum, percent

NOT_REPORTED = "not reported"


def variance_percent(variance: Money, budget: Money) -> Decimal | None:
    """Variance as a % of budget to one decimal place; None for a zero budget."""
    return percent(variance, budget, 1)


def line_rag(budget: Money, variance: Money, settings: BudgetSettings) -> tuple[str, str]:
    """The RAG of a line's variance, and why."""
    if variance <= ZERO:
        return "green", "on or under budget"
    threshold = min(budget * settings.red_percent / 100, settings.red_amount)
    limit = f"the lower of {settings.red_percent}% of budget and {format_millions(settings.red_amount)}"
    if variance >= threshold:
        return "red", f"overspend at or above {limit}"
    return "amber", f"overspend below {limit}"


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
    period: str | None
    forecast: Money | None
    variance: Money | None
    percent: Decimal | None
    rag: str
    reason: str


@dataclass(frozen=True)
class BridgeStep:
    label: str
    amount: Money | None
    note: str


@dataclass(frozen=True)
class BudgetReport:
    year: str
    period: str | None
    total: Money
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

    @property
    def summary(self) -> str:
        when = f" at {self.period}" if self.period else ""
        if not self.has_lines:
            return f"budget {format_millions(self.total)}: no line split, so no forecast outturn to compare"
        pct = f" ({abs(self.percent)}%)" if self.percent is not None else ""
        if self.variance > 0:
            return f"forecast overspend {format_millions(self.variance)}{pct}{when}"
        if self.variance < 0:
            return f"forecast underspend {format_millions(-self.variance)}{pct}{when}"
        return f"forecast on budget{when}"


def budget_report(plan: Plan, model: BudgetFile, period: str | None = None, materiality: Money = ZERO) -> BudgetReport:
    """Compute budget against forecast for each line, totals and the budget bridge."""
    rows: list[VarianceRow] = []
    for line in model.lines or ():
        found = forecast_at(line, period)
        if found is None:
            rows.append(
                VarianceRow(
                    line.id,
                    line.name,
                    line.budget,
                    None,
                    None,
                    None,
                    None,
                    NOT_REPORTED,
                    "no forecast at or before the period; taken at budget in the totals",
                )
            )
            continue
        when, forecast = found
        variance = forecast - line.budget
        rag, reason = line_rag(line.budget, variance, model.settings)
        rows.append(
            VarianceRow(
                line.id,
                line.name,
                line.budget,
                when,
                forecast,
                variance,
                variance_percent(variance, line.budget),
                rag,
                reason,
            )
        )
    budget = money_sum(r.budget for r in rows)
    forecast = money_sum(r.forecast if r.forecast is not None else r.budget for r in rows)
    variance = forecast - budget
    shown = [r for r in rows if r.variance is None or abs(r.variance) >= materiality]
    return BudgetReport(
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
    )


def bridge(plan: Plan, model: BudgetFile) -> list[BridgeStep]:
    """From the previous year's base to this year's budget, as far as the data gives it.

    The plan states the pressures and savings included in the budget, but not the
    2024-25 base or the other changes; their sum is derived, and labelled so.
    """
    includes = model.includes
    pressures = includes.pressures if includes else None
    savings = includes.savings if includes else None
    first_year = int(model.year[:4])
    base = f"{first_year - 1}-{first_year % 100:02d} base and other changes"
    steps: list[BridgeStep] = []
    if pressures is not None and savings is not None:
        steps.append(
            BridgeStep(
                base,
                model.total - pressures + savings,
                "derived: budget - pressures + savings (the source does not state them)",
            )
        )
    else:
        steps.append(BridgeStep(base, None, "not stated"))
    sources = {"pressures": plan.first("pressures", model.year), "savings": plan.first("savings", model.year)}
    if pressures is not None:
        where = sources["pressures"]
        steps.append(BridgeStep("+ service pressure funding", pressures, where.path if where else "includes.pressures"))
    if savings is not None:
        where = sources["savings"]
        steps.append(BridgeStep("- savings to deliver", -savings, where.path if where else "includes.savings"))
    steps.append(BridgeStep(f"= {model.year} budget", model.total, "as stated"))
    return steps
