"""Key performance measures: latest value against target, with RAG, as plain data.

RAG for a measure with a target and a direction (``better``): green at or better
than target; amber when worse by no more than ``tolerance_percent`` of the target;
red beyond. A measure without a target or direction is "no target", never guessed;
one without a value yet is "not reported". The savings measure is computed from
the savings report, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from csplan.models import PERIODS, Measure, MeasureEntry, MeasuresFile, Milestone, Objective, period_rank
from csplan.rag import AMBER, GREEN, NO_TARGET, NOT_REPORTED, RED
from csplan.text import plural

if TYPE_CHECKING:  # only named in annotations: validate's checks use period_rank and need no savings code
    from csplan.savings import SavingsReport


def latest_value(measure: Measure, period: str | None = None) -> MeasureEntry | None:
    """The latest reported value at or before ``period`` (any when None)."""
    limit = PERIODS.index(period) if period else len(PERIODS)
    candidates = [e for e in measure.progress if period_rank(e.period) <= limit]
    return max(candidates, key=lambda e: period_rank(e.period)) if candidates else None


def measure_rag(value: Decimal, target: Decimal, better: str, tolerance_percent: Decimal) -> tuple[str, str]:
    """The RAG of a numeric value against its target, and why."""
    margin = abs(target) * tolerance_percent / 100
    shortfall = target - value if better == "higher" else value - target
    if shortfall <= 0:
        return GREEN, f"{value} is at or {'above' if better == 'higher' else 'below'} the target {target}"
    if shortfall <= margin:
        return AMBER, f"{value} misses the target {target} by {shortfall}, within the {tolerance_percent}% tolerance"
    return RED, f"{value} misses the target {target} by {shortfall}, beyond the {tolerance_percent}% tolerance"


@dataclass
class MeasureStatus:
    objective: str
    id: str
    name: str
    unit: str
    better: str | None
    target: Decimal | None
    value: Decimal | str | None
    period: str | None
    rag: str
    reason: str
    note: str | None
    computed: bool


@dataclass
class MilestoneStatus:
    objective: str
    id: str
    name: str
    status: str
    note: str | None


@dataclass
class MeasuresReport:
    year: str
    period: str | None
    measures: list[MeasureStatus]
    milestones: list[MilestoneStatus]
    objectives: list[str] = field(default_factory=list)
    """Every objective id in the file, chosen or not."""


def savings_forecast_percent(report: SavingsReport) -> Decimal | None:
    """The savings forecast as a % of target, as ``savings status`` reports it."""
    return report.totals.forecast_percent


def measure_status(
    objective: str, measure: Measure, settings_tolerance: Decimal, period: str | None, savings: SavingsReport | None
) -> MeasureStatus:
    entry = latest_value(measure, period)
    value: Decimal | str | None = entry.value if entry else None
    when, note = (entry.period, entry.note) if entry else (None, None)
    if measure.computed == "savings_forecast_percent":
        if savings is None:
            value, note = None, "no savings file to compute it from"
        elif not savings.totals.reported:
            value, note = None, "computed from savings, which have no monitoring returns yet"
        else:
            value = savings_forecast_percent(savings)
            when = savings.period
            note = (
                f"computed from savings: forecast of {savings.totals.reported} of "
                f"{plural(savings.totals.count, 'saving')} reported, against the total target"
            )
    base = MeasureStatus(
        objective,
        measure.id,
        measure.name,
        measure.unit,
        measure.better,
        measure.target,
        value,
        when,
        NOT_REPORTED,
        "no value reported yet",
        note,
        measure.computed is not None,
    )
    if value is None:
        return base
    if measure.target is None or measure.better is None:
        base.rag = NO_TARGET
        base.reason = "no target set" if measure.target is None else "the plan does not say which direction is better"
        return base
    if isinstance(value, str):
        base.rag, base.reason = NO_TARGET, "a text value cannot be judged against a number"
        return base
    base.rag, base.reason = measure_rag(value, measure.target, measure.better, settings_tolerance)
    return base


def measures_report(
    model: MeasuresFile,
    savings: SavingsReport | None = None,
    period: str | None = None,
    objective: str | None = None,
) -> MeasuresReport:
    """Every measure's latest value, target and RAG; every milestone's status."""
    measures: list[MeasureStatus] = []
    milestones: list[MilestoneStatus] = []
    for goal in _chosen(model, objective):
        for measure in goal.measures:
            measures.append(measure_status(goal.id, measure, model.settings.tolerance_percent, period, savings))
        milestones.extend(_milestone(goal.id, m) for m in goal.milestones)
    return MeasuresReport(model.year, period, measures, milestones, [o.id for o in model.objectives])


def _milestone(objective: str, milestone: Milestone) -> MilestoneStatus:
    return MilestoneStatus(objective, milestone.id, milestone.name, milestone.status, milestone.note)


def _chosen(model: MeasuresFile, objective: str | None) -> Iterable[Objective]:
    if objective is None:
        return model.objectives
    wanted = objective.upper().removeprefix("SO")
    return [o for o in model.objectives if o.id.upper() == objective.upper() or str(o.number) == wanted]
