"""The council-wide position: each department's own position, then the council total.

Every department is loaded and checked on its own first. Only a department whose
files have no errors (so its stated totals reconcile) is added into the council's
totals; one that does not is still shown, flagged with the file and line of its
first error, and the total says it leaves that department out. The figures of a
department are exactly those its own ``savings status``, ``pressures`` and
``budget variance`` report, so the council total can be checked against them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from csplan.budget import BudgetReport, VarianceRow
from csplan.council import Council, Department, Thresholds, validate_council
from csplan.errors import UsageError
from csplan.findings import Finding, error
from csplan.money import ZERO, Money, money_sum, percent
from csplan.position import Position
from csplan.rag import NOT_REPORTED, STATUSES
from csplan.savings import SavingStatus


@dataclass(frozen=True)
class DepartmentPosition:
    """One department's row in the council roll-up."""

    name: str
    folder: str
    origin: str
    """Where the figures came from: folder, commit, uncommitted changes."""
    anchor: str
    """An id for the department's section of the HTML report."""
    included: bool
    """Added into the council total (no errors in its own files)."""
    reconciles: bool
    """Its own stated totals reconcile (no total or cross-file error)."""
    problem: str | None
    """Its first error, as ``file:line:col: error CODE message``, when it has any."""
    errors: int
    warnings: int
    year: str | None
    budget: Money | None
    """The budget the variance is measured against: the revised budget at the period
    (original plus changes during the year, as ``budget variance`` totals it), or the
    stated budget where there are no lines."""
    original_budget: Money | None
    """The budget before changes during the year (equal to ``budget`` where none)."""
    budget_changed: bool
    """Some budget line records a change during the year (so a table shows the original)."""
    forecast: Money | None
    """Forecast outturn (lines without a forecast taken at budget); None with no line split."""
    variance: Money | None
    variance_percent: Decimal | None
    rag: str
    """Budget RAG at the department thresholds; "not reported" with no forecast outturn."""
    rag_reason: str
    pressures: Money | None
    savings_target: Money | None
    savings_forecast: Money | None
    shortfall: Money | None
    """The savings reported short of target: their shortfalls, before mitigation."""
    mitigated: Money
    """Mitigations agreed by the period, each saving's counted up to its shortfall."""
    uncovered: Money | None
    """The shortfall after mitigation."""
    unused_mitigation: Money
    """Mitigations agreed beyond the shortfalls they cover (not in ``mitigated``)."""
    savings_reported: int
    savings_count: int
    rag_counts: dict[str, int] = field(default_factory=dict)
    detail: Position | None = field(default=None, repr=False, compare=False)
    """The department's whole position (every report), for its section of the HTML report."""


@dataclass(frozen=True)
class CouncilTotal:
    """The council's total over the departments included."""

    budget: Money
    """The departments' revised budgets (what the variance is measured against)."""
    original_budget: Money
    forecast: Money
    variance: Money
    variance_percent: Decimal | None
    rag: str
    rag_reason: str
    pressures: Money
    savings_target: Money
    savings_forecast: Money
    shortfall: Money
    mitigated: Money
    uncovered: Money
    unused_mitigation: Money
    savings_reported: int
    savings_count: int
    rag_counts: dict[str, int]
    included: int
    excluded: list[str]
    """Names of the departments left out, with errors."""
    taken_at_budget: list[str]
    """Departments with no line split: forecast outturn taken at budget."""

    @property
    def budget_changes(self) -> Money:
        """The budget changes during the year, summed (revised less original)."""
        return self.budget - self.original_budget

    @property
    def note(self) -> str:
        """What the total leaves out, in words ("excludes 1 department with errors")."""
        parts = []
        if self.excluded:
            count = len(self.excluded)
            parts.append(
                f"excludes {count} department{'s' if count != 1 else ''} with errors ({', '.join(self.excluded)})"
            )
        if self.taken_at_budget:
            parts.append(f"forecast outturn taken at budget for {', '.join(self.taken_at_budget)} (no line split)")
        return "; ".join(parts)


@dataclass(frozen=True)
class CouncilPosition:
    """What ``council status`` and ``council report`` show."""

    council: str
    file: str
    year: str | None
    period: str | None
    departments: list[DepartmentPosition]
    total: CouncilTotal
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return all(d.included for d in self.departments)

    @property
    def budget_changed(self) -> bool:
        """Some department's budget records changes during the year: show the original too."""
        return any(d.budget_changed for d in self.departments)


def slug(text: str) -> str:
    """An HTML id made of ``text``: lower case letters, digits and dashes."""
    return "dept-" + (re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "x")


def _budgets(budget: BudgetReport | None) -> tuple[Money | None, Money | None]:
    """(revised, original): with lines, the revised budget the variance is measured against
    and the lines' originals, as ``budget variance`` totals them; without lines, the
    stated budget twice (no line records a change); None with neither."""
    if budget is None:
        return None, None
    if budget.has_lines:
        return budget.budget, budget.original
    return budget.total, budget.total


def department_position(
    department: Department, year: str | None, period: str | None, thresholds: Thresholds
) -> DepartmentPosition:
    """One department's figures for ``year`` as at ``period``, as its own commands compute them."""
    from csplan.position import position

    errors = department.errors
    reconciling = [f for f in errors if f.code[:4] in ("CSP2", "CSP3")]
    found = position(department.plan, year, period)
    savings, budget, pressures = found.savings, found.budget, found.pressures
    forecast = variance = variance_pct = None
    rag, reason = NOT_REPORTED, "no budget file for the year"
    if budget is not None:
        if budget.has_lines:
            forecast, variance, variance_pct = budget.forecast, budget.variance, budget.percent
            rag, reason = thresholds.rag(budget.budget, budget.variance, budget.units)
        else:
            reason = "the budget has no line split, so no forecast outturn"
    totals = savings.totals if savings is not None else None
    first = errors[0] if errors else None
    revised, original = _budgets(budget)
    return DepartmentPosition(
        name=department.name,
        folder=department.label,
        origin=department.origin,
        anchor=slug(department.name),
        included=not errors,
        reconciles=not reconciling,
        problem=f"{first.location}: error {first.code} {first.message}" if first else None,
        errors=len(errors),
        warnings=len(department.findings) - len(errors),
        year=found.year,
        budget=revised,
        original_budget=original,
        budget_changed=budget is not None and budget.has_changes,
        forecast=forecast,
        variance=variance,
        variance_percent=variance_pct,
        rag=rag,
        rag_reason=reason,
        pressures=pressures.total if pressures is not None else None,
        savings_target=totals.target if totals else None,
        savings_forecast=totals.forecast if totals else None,
        shortfall=totals.shortfall if totals else None,
        mitigated=totals.mitigated if totals else ZERO,
        uncovered=totals.uncovered if totals else None,
        unused_mitigation=totals.unused_mitigation if totals else ZERO,
        savings_reported=totals.reported if totals else 0,
        savings_count=totals.count if totals else 0,
        rag_counts={rag: c.count for rag, c in savings.rag_summary.items()} if savings else {},
        detail=found,
    )


def council_total(council: Council, rows: list[DepartmentPosition]) -> CouncilTotal:
    """Add up the departments included; RAG at the council thresholds."""
    included = [r for r in rows if r.included]
    budget = money_sum(r.budget for r in included if r.budget is not None)
    original = money_sum(r.original_budget for r in included if r.original_budget is not None)
    forecast = money_sum(r.forecast if r.forecast is not None else r.budget for r in included if r.budget is not None)
    variance = money_sum(r.variance for r in included if r.variance is not None)
    rag, reason = council.threshold("council").rag(budget, variance)
    return CouncilTotal(
        budget=budget,
        original_budget=original,
        forecast=forecast,
        variance=variance,
        variance_percent=percent(variance, budget, 1),
        rag=rag,
        rag_reason=reason,
        pressures=money_sum(r.pressures for r in included if r.pressures is not None),
        savings_target=money_sum(r.savings_target for r in included if r.savings_target is not None),
        savings_forecast=money_sum(r.savings_forecast for r in included if r.savings_forecast is not None),
        shortfall=money_sum(r.shortfall for r in included if r.shortfall is not None),
        mitigated=money_sum(r.mitigated for r in included),
        uncovered=money_sum(r.uncovered for r in included if r.uncovered is not None),
        unused_mitigation=money_sum(r.unused_mitigation for r in included),
        savings_reported=sum(r.savings_reported for r in included),
        savings_count=sum(r.savings_count for r in included),
        rag_counts={rag: sum(r.rag_counts.get(rag, 0) for r in included) for rag in STATUSES},
        included=len(included),
        excluded=[r.name for r in rows if not r.included],
        taken_at_budget=[r.name for r in included if r.budget is not None and r.forecast is None],
    )


def _require_year(council: Council, departments: list[Department], year: str | None, *, given: bool) -> None:
    """Refuse a year no department has a file for (a usage error naming the years they
    hold), as a department's own commands refuse one (``years.no_file``): its total would
    read £0, on budget, green. A department whose files do not all load is left to its
    own errors (CSP607): the year may be in the file that did not load."""
    from csplan.checks import unloaded_files

    held = sorted({document.year for department in departments for document in department.plan.documents})
    if year is None or year in held or any(unloaded_files(d.plan, d.findings) for d in departments):
        return
    said = "" if given else f" (the year {council.file} gives)"
    raise UsageError(
        f"no department of {council.name} has a file for {year}{said}",
        f"the departments hold {', '.join(held)}" if held else "no department holds a data file",
    )


def council_position(folder: object, year: str | None = None, period: str | None = None) -> CouncilPosition:
    """Validate the council and each department, then roll them up for ``year`` (default:
    the council's year) as at ``period``."""
    from pathlib import Path

    council, departments, findings = validate_council(Path(str(folder)))
    chosen = year or council.year
    _require_year(council, departments, chosen, given=year is not None)
    thresholds = council.threshold("department")
    rows = [department_position(d, chosen, period, thresholds) for d in departments]
    for department, row in zip(departments, rows, strict=True):
        if not row.included:
            findings.append(
                error(
                    "CSP607",
                    str(council.file),
                    department.entry.line,
                    department.entry.column,
                    f"{row.name} is left out of the council total: {row.problem}",
                    f"fix it (csplan --data {council.folder} validate --department '{department.entry.path}')",
                )
            )
    findings.sort(key=lambda f: f.sort_key)
    return CouncilPosition(
        council=council.name,
        file=str(council.file),
        year=chosen,
        period=period,
        departments=rows,
        total=council_total(council, rows),
        findings=findings,
    )


def largest_shortfalls(report: CouncilPosition, count: int = 10) -> list[tuple[DepartmentPosition, SavingStatus]]:
    """The savings furthest short of target, council-wide, largest first."""
    found = [
        (row, status)
        for row in report.departments
        if row.detail is not None and row.detail.savings is not None
        for status in row.detail.savings.statuses
        if status.shortfall
    ]
    found.sort(key=lambda item: (-(item[1].shortfall or ZERO), item[0].name, item[1].id))
    return found[:count]


def largest_overspends(report: CouncilPosition, count: int = 10) -> list[tuple[DepartmentPosition, VarianceRow]]:
    """The budget lines furthest over budget, council-wide, largest first."""
    found = [
        (row, line)
        for row in report.departments
        if row.detail is not None and row.detail.budget is not None
        for line in row.detail.budget.rows
        if line.variance is not None and line.variance > ZERO
    ]
    found.sort(key=lambda item: (-(item[1].variance or ZERO), item[0].name, item[1].id))
    return found[:count]
