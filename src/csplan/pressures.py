"""The pressure-funding report: lines, shares, total against the stated total."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from csplan.checks import check_pressures_total
from csplan.findings import Finding
from csplan.load import Document
from csplan.models import PressuresFile
from csplan.money import Money, money_sum, percent


@dataclass(frozen=True)
class PressureRow:
    id: str
    description: str
    funding: str
    amount: Money
    share: Decimal | None
    """Percent of the lines' total, to one decimal place."""


@dataclass(frozen=True)
class PressuresReport:
    year: str
    path: str
    rows: list[PressureRow]
    total: Money
    stated_total: Money | None
    """The total as the file states it; None where the source states none."""
    findings: list[Finding]
    units: str = "pounds"
    """The units of the file the figures come from (a table shows a thousands file in £'000)."""

    @property
    def reconciles(self) -> bool | None:
        """The lines sum to the stated total; None when no total is stated."""
        return None if self.stated_total is None else self.total == self.stated_total

    @property
    def ongoing(self) -> Money:
        return money_sum(r.amount for r in self.rows if r.funding == "ongoing")

    @property
    def one_off(self) -> Money:
        return money_sum(r.amount for r in self.rows if r.funding == "one-off")


def share(part: Money, whole: Money) -> Decimal | None:
    """``part`` as a percentage of ``whole`` to one decimal place, half up."""
    return percent(part, whole, 1)


def pressures_report(document: Document, model: PressuresFile) -> PressuresReport:
    """Compute the pressures report for one file."""
    total = money_sum(line.amount for line in model.lines)
    rows = [PressureRow(p.id, p.description, p.funding, p.amount, share(p.amount, total)) for p in model.lines]
    return PressuresReport(
        units=model.units,
        year=model.year,
        path=document.path,
        rows=rows,
        total=total,
        stated_total=model.total,
        findings=list(check_pressures_total(document)),
    )
