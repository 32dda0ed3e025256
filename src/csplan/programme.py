"""The savings programme across its years: each year's savings and what became of them.

One row per year that has a savings file:

- **new**: savings planned for the year, less what they take over from earlier years
  (a replacing saving's ``replaces`` amount) - pounds the programme has not seen before;
- **brought forward**: lines brought forward (``from:``) plus amounts replaced into the
  year - pounds of earlier years' targets;
- **target** = new + brought forward (the file's lines);
- **delivered**: a closed year's recorded outcomes; an open year's delivered as at the
  period asked for (each saving's ``delivered`` on its latest return at or before the
  period - the figure ``savings status`` counts - up to its target, the rest shown as
  over-delivered; a reversal's (negative target) delivered is counted as recorded, the
  reversal so far, so still open is the part of the reversal still to come);
- **mitigated**: mitigations recorded in the year (they cover the gap; not delivery),
  for an open year those agreed by the period, each saving's counted up to its
  shortfall, as ``savings status`` counts them (the rest is ``unused_mitigation``);
- **slipped out**, **written off**, **replaced**: a closed year's recorded outcomes;
- **still open**: an open year's target less delivered to date; nothing once closed.

For every year, target = delivered + slipped out + written off + replaced + still open.
The totals count each pound once: the programme's target is the sum of the new
savings, and a pound slipped out of one year and brought forward into the next is
counted where it finally lands. ``carried`` is what has left one year but not (yet)
arrived in another: positive when the last file's slippage has no later file, negative
while a later year replaces part of a year not yet closed. So
new = delivered + written off + still open + carried.

Planned figures may also come from elsewhere: ``programme(plan, planned=...)`` takes
each year's planned savings (from a ``kind: programme`` MTFS file, say) and shows them
beside the savings files' own, with a row for a planned year that has no file yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from csplan.load import Plan
from csplan.models import ProgrammeFile, SavingsFile
from csplan.money import ZERO, Money, money_sum
from csplan.savings import latest_entry, mitigation_at
from csplan.years import FINAL_PERIOD, savings_years


@dataclass(frozen=True)
class ProgrammeYear:
    """One year of the programme."""

    year: str
    closed: bool
    has_file: bool
    new: Money
    brought_forward: Money
    target: Money
    delivered: Money
    mitigated: Money
    slipped_out: Money
    written_off: Money
    replaced: Money
    still_open: Money
    over_delivered: Money = ZERO
    planned: Money | None = None
    """The year's planned savings from a programme file, when one gives them."""
    unused_mitigation: Money = ZERO
    """Mitigations agreed beyond the savings' shortfalls: not in ``mitigated``."""

    @property
    def reconciles(self) -> bool:
        """target = delivered + slipped out + written off + replaced + still open."""
        return self.target == (self.delivered + self.slipped_out + self.written_off + self.replaced + self.still_open)


@dataclass(frozen=True)
class Programme:
    """Every year of the programme and its totals, each pound counted once."""

    years: list[ProgrammeYear]
    new: Money
    brought_forward: Money
    delivered: Money
    mitigated: Money
    slipped_out: Money
    written_off: Money
    replaced: Money
    still_open: Money
    carried: Money
    """Slipped or replaced out of a year, less brought forward into one (see module)."""
    planned: Money | None = None
    unused_mitigation: Money = ZERO
    """Mitigations agreed beyond the savings' shortfalls, over every year."""
    notes: list[str] = field(default_factory=list)
    units: str = "pounds"
    """The units its savings files are written in (a table shows a thousands file's
    programme in £'000); pounds when the years' files differ."""

    @property
    def reconciles(self) -> bool:
        """Each year reconciles, and new = delivered + written off + still open + carried."""
        return all(y.reconciles for y in self.years) and self.new == (
            self.delivered + self.written_off + self.still_open + self.carried
        )


@dataclass(frozen=True)
class DeliveredBridge:
    """Why a year's delivered to date on the returns (``savings status``, the report's
    headline) and the programme's Delivered for that year differ:
    ``returns - over_target + forecast_taken + later == programme``."""

    year: str
    period: str | None
    closed: bool
    returns: Money
    """Delivered to date on the savings' returns as at ``period``, over target included."""
    over_target: Money
    """Delivered beyond each saving's target: the programme counts a saving up to it."""
    forecast_taken: Money
    """A closed year: the final (P12) forecast of the savings whose final return gave no
    delivered figure, which close-year recorded as delivered."""
    forecast_count: int
    later: Money
    """A closed year read as at an earlier period: what the final returns add since."""
    programme: Money
    """The programme's Delivered for the year."""

    @property
    def differs(self) -> bool:
        return self.returns != self.programme


def delivered_bridge(model: SavingsFile, row: ProgrammeYear, delivered: Money, period: str | None) -> DeliveredBridge:
    """How ``delivered`` (the year's delivered to date as at ``period``, as ``savings
    status`` totals it) becomes the programme ``row``'s Delivered."""
    taken, count = ZERO, 0
    if model.closed:
        for saving in model.lines:
            final = next((e for e in reversed(saving.progress) if e.period == FINAL_PERIOD), None)
            if saving.outcome is not None and final is not None and final.delivered is None:
                taken += final.forecast
                count += 1
    over = row.over_delivered
    return DeliveredBridge(
        year=row.year,
        period=period,
        closed=row.closed,
        returns=delivered,
        over_target=over,
        forecast_taken=taken,
        forecast_count=count,
        later=row.delivered - delivered + over - taken,
        programme=row.delivered,
    )


def year_row(model: SavingsFile, planned: Money | None = None, period: str | None = None) -> ProgrammeYear:
    """One savings file's row of the programme; an open year's delivered is as at
    ``period`` (None: the latest returns), from the same return ``savings status`` reads."""
    lines = model.lines
    target = money_sum(s.target for s in lines)
    brought = money_sum(s.target for s in lines if s.from_) + money_sum(
        s.replaces.amount for s in lines if s.replaces is not None and not s.from_
    )
    # An open year's mitigations as at the period, as savings status counts them: each
    # saving's up to its shortfall.
    counted = [mitigation_at(s, None if model.closed else period) for s in lines if s.mitigations]
    mitigated = money_sum(c for c, _ in counted)
    unused = money_sum(u for _, u in counted)
    if model.closed:
        outcomes = [s.outcome for s in lines if s.outcome is not None]
        delivered = money_sum(o.delivered for o in outcomes)
        slipped = money_sum(o.slipped for o in outcomes)
        written_off = money_sum(o.written_off for o in outcomes)
        replaced = money_sum(o.replaced for o in outcomes)
        # a saving without an outcome in a closed year is CSP506; its target stays open
        still_open = money_sum(s.target for s in lines if s.outcome is None)
        over = money_sum(o.over_delivered for o in outcomes)
    else:
        delivered = over = slipped = written_off = replaced = ZERO
        for saving in lines:
            entry = latest_entry(saving, period)
            latest = entry.delivered if entry is not None else None
            if latest is None:
                continue
            if saving.target < 0:
                # A reversal gives an earlier saving back: what it has given back so far
                # (-80 of -100) is its delivered, as savings status counts it; the rest
                # is still to come (still open -20), and a smaller reversal than planned
                # is not over-delivery while the year is open.
                delivered += latest
            else:
                delivered += min(latest, saving.target)
                over += max(latest - saving.target, ZERO)
        still_open = target - delivered
    return ProgrammeYear(
        year=model.year,
        closed=model.closed,
        has_file=True,
        new=target - brought,
        brought_forward=brought,
        target=target,
        delivered=delivered,
        mitigated=mitigated,
        slipped_out=slipped,
        written_off=written_off,
        replaced=replaced,
        still_open=still_open,
        over_delivered=over,
        planned=planned,
        unused_mitigation=unused,
    )


def planned_by_year(plan: Plan) -> dict[str, Money]:
    """Each year's planned savings from the folder's ``kind: programme`` (MTFS) file: the
    sum of its lines in that year's column (the latest file, when several)."""
    found = plan.first("programme")
    if found is None or not isinstance(found.model, ProgrammeFile):
        return {}
    years = sorted({year for line in found.model.lines for year in line.years})
    return {year: money_sum(line.years.get(year, ZERO) for line in found.model.lines) for year in years}


def programme(plan: Plan, planned: Mapping[str, Money] | None = None, period: str | None = None) -> Programme:
    """The programme of every year with a savings file in ``plan``, as at ``period``
    (None: the latest returns) for the years still open.

    ``planned`` is each year's planned savings kept elsewhere, by default the folder's
    programme (MTFS) file: shown beside the files' own; a planned year with no savings
    file yet gets a row of its planned figure alone."""
    planned = planned_by_year(plan) if planned is None else planned
    files = savings_years(plan)
    rows = [year_row(model, planned.get(document.year), period) for document, model in files]
    units = {model.units for _, model in files}
    held = {row.year for row in rows}
    for year, amount in planned.items():
        if year not in held:
            rows.append(
                ProgrammeYear(year, False, False, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, planned=amount)
            )
    rows.sort(key=lambda row: row.year)

    def total(name: str) -> Money:
        return money_sum(getattr(row, name) for row in rows)

    moved_out = total("slipped_out") + total("replaced")
    notes: list[str] = []
    carried = moved_out - total("brought_forward")
    if carried > 0:
        notes.append("slipped or replaced out of the last closed year with no later file to carry it yet")
    elif carried < 0:
        notes.append("a later year already replaces or brings forward part of a year that is not closed yet")
    return Programme(
        years=rows,
        new=total("new"),
        brought_forward=total("brought_forward"),
        delivered=total("delivered"),
        mitigated=total("mitigated"),
        slipped_out=total("slipped_out"),
        written_off=total("written_off"),
        replaced=total("replaced"),
        still_open=total("still_open"),
        carried=carried,
        planned=money_sum(planned.values()) if planned else None,
        unused_mitigation=total("unused_mitigation"),
        notes=notes,
        units=units.pop() if len(units) == 1 else "pounds",
    )
