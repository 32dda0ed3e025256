"""What changed between two versions of the data, by line and by figure.

Each version is reduced to *figures*: for every file (kind and year), its lines by
id as flat ``field -> value`` maps (money as ``Decimal`` pounds, so 14.800 in a £m
file equals 14800000 in a £ file) and its totals. Two sets of figures are compared
line by line, matched by id whatever their order; formatting, comments, key order
and units do not count as changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from csplan.checks import check_plan
from csplan.load import Document, Plan
from csplan.models import MeasuresFile, PressuresFile, ProgrammeFile, SavingsFile
from csplan.money import ZERO, Money, format_pounds, money_sum
from csplan.savings import reporting_period, saving_status, savings_report

Value = Decimal | str | None
Line = dict[str, Value]


@dataclass
class DocFigures:
    """One file's figures: lines by id, totals by name, and what describes the file."""

    kind: str
    year: str
    path: str
    units: str
    lines: dict[str, Line]
    totals: dict[str, Money]
    reconciliation: list[str] = field(default_factory=list)
    """Messages of the total and cross-file findings (CSP2xx, CSP3xx) for this file."""
    forecast: ForecastTotal | None = None
    """A savings file's total forecast from the latest returns."""


@dataclass(frozen=True)
class ForecastTotal:
    """The total forecast of the savings reported, as at their latest returns."""

    forecast: Money
    reported: int
    count: int
    period: str | None
    """The latest period with any return."""


Figures = dict[tuple[str, str], DocFigures]


def _line_of_saving(saving: Any, settings: Any) -> Line:
    line: Line = {
        "description": saving.description,
        "division": saving.division,
        "owner": saving.owner,
        "ongoing": saving.ongoing,
        "one_off": saving.one_off,
    }
    for entry in saving.progress:
        prefix = f"progress[{entry.period}]"
        line[f"{prefix}.forecast"] = entry.forecast
        line[f"{prefix}.delivered"] = entry.delivered
        line[f"{prefix}.rag"] = entry.rag
        line[f"{prefix}.note"] = entry.note
    line["status"] = saving_status(saving, settings).rag
    line.update(_year_fields(saving))
    return {key: value for key, value in line.items() if value is not None}


def outcome_words(outcome: Any) -> str:
    """A year-end outcome as one phrase: "delivered £600,000; slipped £233,000 to 2026-27/S06-BF"."""
    parts = [f"delivered {format_pounds(outcome.delivered)}"]
    if outcome.over_delivered:
        parts.append(f"over-delivered {format_pounds(outcome.over_delivered)}")
    if outcome.slipped:
        parts.append(
            f"slipped {format_pounds(outcome.slipped)}" + (f" to {outcome.slipped_to}" if outcome.slipped_to else "")
        )
    if outcome.written_off:
        parts.append(f"written off {format_pounds(outcome.written_off)} ({outcome.write_off_reason or 'no reason'})")
    if outcome.replaced:
        parts.append(f"replaced {format_pounds(outcome.replaced)}")
    return "; ".join(parts)


def _year_fields(saving: Any) -> Line:
    """A saving's links between years, mitigations and year-end outcome, as figures."""
    line: Line = {"from": saving.from_}
    if saving.replaces is not None:
        line["replaces.saving"] = saving.replaces.saving
        line["replaces.amount"] = saving.replaces.amount
    if saving.mitigations:
        line["mitigated"] = money_sum(m.amount for m in saving.mitigations)
    outcome = saving.outcome
    if outcome is not None:
        line["outcome"] = outcome_words(outcome)
    return line


def figures_of(plan: Plan) -> Figures:
    """The figures of every loaded document, with each file's reconciliation."""
    findings = check_plan(plan)
    result: Figures = {}
    for document in plan.documents:
        result[(document.kind, document.year)] = _document_figures(document, findings)
    return result


def _document_figures(document: Document, findings: Iterable[Any]) -> DocFigures:
    model = document.model
    lines: dict[str, Line] = {}
    totals: dict[str, Money | None] = {}
    forecast: ForecastTotal | None = None
    if isinstance(model, PressuresFile):
        for p in model.lines:
            lines[p.id] = {"description": p.description, "amount": p.amount, "funding": p.funding}
        totals = {"total (stated)": model.total, "lines sum": money_sum(p.amount for p in model.lines)}
    elif isinstance(model, SavingsFile):
        for s in model.lines:
            lines[s.id] = _line_of_saving(s, model.settings)
        latest = savings_report(model, movement=False).totals
        forecast = ForecastTotal(latest.forecast, latest.reported, latest.count, reporting_period(model, None))
        given = model.totals
        totals = {
            "totals.ongoing (stated)": given.ongoing if given else None,
            "totals.one_off (stated)": given.one_off if given else None,
            "totals.total (stated)": given.total if given else None,
            "ongoing sum": money_sum(s.ongoing for s in model.lines),
            "one-off sum": money_sum(s.one_off for s in model.lines),
            "targets sum": money_sum(s.target for s in model.lines),
        }
    elif isinstance(model, ProgrammeFile):
        for item in model.lines:
            row: Line = {"description": item.description, "total": item.total}
            row.update({f"years[{year}]": amount for year, amount in item.years.items()})
            lines[item.id] = {k: v for k, v in row.items() if v is not None}
        totals = {f"totals.{key} (stated)": amount for key, amount in (model.totals or {}).items()}
    elif isinstance(model, MeasuresFile):
        for objective in model.objectives:
            for measure in objective.measures:
                line: Line = {
                    "name": measure.name,
                    "unit": measure.unit,
                    "better": measure.better,
                    "target": _as_value(measure.target),
                }
                line.update({f"value[{e.period}]": _as_value(e.value) for e in measure.progress})
                lines[measure.id] = {k: v for k, v in line.items() if v is not None}
            for milestone in objective.milestones:
                lines[milestone.id] = {"name": milestone.name, "status": milestone.status}
    else:
        budget = model
        for b in budget.lines or ():
            line = {"name": b.name, "budget": b.budget}
            line.update({f"forecast[{period}]": amount for period, amount in b.forecast.items()})
            line.update({f"change[{c.period}] {c.reason}": c.amount for c in b.changes})
            lines[b.id] = line
        totals = {"total (stated)": budget.total}
        if budget.lines:
            totals["lines sum"] = money_sum(b.budget for b in budget.lines)
        if budget.includes is not None:
            if budget.includes.pressures is not None:
                totals["includes.pressures"] = budget.includes.pressures
            if budget.includes.savings is not None:
                totals["includes.savings"] = budget.includes.savings
    reconciliation = [
        f"{f.code} {f.message}"
        for f in findings
        if f.path == document.path and f.code[3] in "23" and f.severity == "error"
    ]
    stated = {key: amount for key, amount in totals.items() if amount is not None}
    return DocFigures(
        document.kind, document.year, document.path, document.units, lines, stated, reconciliation, forecast
    )


def _as_value(value: Decimal | str | None) -> Value:
    """A measure's number as text, so that it is compared as written, never as money."""
    return f"{value}" if isinstance(value, Decimal) else value


# -- comparing ------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Value
    new: Value

    @property
    def delta(self) -> Money | None:
        """new - old for money (a missing side counts as zero); None for text."""
        if isinstance(self.old, Decimal | type(None)) and isinstance(self.new, Decimal | type(None)):
            if self.old is None and self.new is None:
                return None
            return (self.new or ZERO) - (self.old or ZERO)
        return None


@dataclass(frozen=True)
class SavingChange:
    """One change to a saving as a finance reader says it.

    ``what`` is forecast, delivered or note (of the latest return, whose period may
    move: ``old_period`` -> ``new_period``), rag, or a field of the saving itself
    (ongoing, one_off, description, division, owner). ``earlier`` marks a change to
    a return before the latest one on either side: a correction, or a return added
    or removed after the fact.
    """

    id: str
    label: str
    what: str
    old: Value
    new: Value
    old_period: str | None = None
    new_period: str | None = None
    earlier: bool = False

    @property
    def delta(self) -> Money | None:
        return FieldChange(self.what, self.old, self.new).delta if self.what not in TEXT_FIELDS else None


TEXT_FIELDS = frozenset(
    {
        "rag",
        "note",
        "description",
        "division",
        "owner",
        "from",
        "replaces.saving",
        "outcome",
    }
)
SAVING_FIELDS = (
    "description",
    "division",
    "owner",
    "ongoing",
    "one_off",
    "from",
    "replaces.saving",
    "replaces.amount",
    "mitigated",
    "outcome",
)
RETURN_FIELDS = ("forecast", "delivered", "note")


def _latest_period(line: Mapping[str, Value]) -> str | None:
    periods = [key[9:12] for key in line if key.startswith("progress[") and key.endswith("].forecast")]
    return max(periods, default=None)


def saving_changes(line_id: str, old: Mapping[str, Value], new: Mapping[str, Value]) -> list[SavingChange]:
    """What changed in one saving, in the terms of its latest return on each side."""
    label = _label(new) or _label(old)
    changes: list[SavingChange] = []
    was, now = _latest_period(old), _latest_period(new)
    for name in RETURN_FIELDS:
        before = old.get(f"progress[{was}].{name}") if was else None
        after = new.get(f"progress[{now}].{name}") if now else None
        # A new month's forecast is news even when unchanged; delivered and the note
        # only when they differ.
        moved = (was, before) != (now, after) if name == "forecast" else before != after
        if moved:
            changes.append(SavingChange(line_id, label, name, before, after, was, now))
        if name == "delivered" and old.get("status") != new.get("status"):
            changes.append(SavingChange(line_id, label, "rag", old.get("status"), new.get("status")))
    # A return before the old latest one that changed is a correction; returns
    # between the old latest and the new latest are history, not news.
    for key in [*new, *(k for k in old if k not in new)]:
        if not key.startswith("progress[") or old.get(key) == new.get(key):
            continue
        period, name = key[9:12], key.split(".", 1)[1]
        if was is None or period >= was or period == now or name == "rag":
            continue
        changes.append(SavingChange(line_id, label, name, old.get(key), new.get(key), period, period, earlier=True))
    for name in SAVING_FIELDS:
        if old.get(name) != new.get(name):
            changes.append(SavingChange(line_id, label, name, old.get(name), new.get(name)))
    return changes


@dataclass(frozen=True)
class ForecastMove:
    """The total forecast's change split like for like: savings with a latest return on
    both sides, and savings whose first return is new (so that more savings reporting
    is not read as a better forecast)."""

    compared: int
    movement: Money
    first_returns: int
    first_forecast: Money
    withdrawn: int
    withdrawn_forecast: Money


def forecast_move(old: Mapping[str, Line], new: Mapping[str, Line]) -> ForecastMove:
    """How the latest forecasts moved from ``old`` to ``new`` savings lines."""

    def latest(line: Mapping[str, Value]) -> Money | None:
        period = _latest_period(line)
        value = line.get(f"progress[{period}].forecast") if period else None
        return value if isinstance(value, Decimal) else None

    before = {k: v for k, line in old.items() if (v := latest(line)) is not None}
    after = {k: v for k, line in new.items() if (v := latest(line)) is not None}
    both = [k for k in after if k in before]
    first = [k for k in after if k not in before]
    gone = [k for k in before if k not in after]
    return ForecastMove(
        compared=len(both),
        movement=money_sum(after[k] - before[k] for k in both),
        first_returns=len(first),
        first_forecast=money_sum(after[k] for k in first),
        withdrawn=len(gone),
        withdrawn_forecast=money_sum(before[k] for k in gone),
    )


@dataclass(frozen=True)
class LineChange:
    change: str  # added | removed | changed
    id: str
    label: str
    fields: list[FieldChange]


@dataclass
class FileDiff:
    kind: str
    year: str
    old_path: str | None
    new_path: str | None
    old_units: str | None
    new_units: str | None
    lines: list[LineChange]
    totals: list[FieldChange]
    old_reconciliation: list[str]
    new_reconciliation: list[str]
    savings: list[SavingChange] = field(default_factory=list)
    """For a savings file: each changed saving's changes in a finance reader's terms."""
    old_forecast: ForecastTotal | None = None
    new_forecast: ForecastTotal | None = None
    forecast_move: ForecastMove | None = None

    @property
    def status(self) -> str:
        if self.old_path is None:
            return "added"
        if self.new_path is None:
            return "removed"
        return "changed" if self.lines or self.totals else "unchanged"

    @property
    def forecast_change(self) -> Money | None:
        """How the total forecast moved, when both sides have returns."""
        before, after = self.old_forecast, self.new_forecast
        if before is None or after is None or not before.reported or not after.reported:
            return None
        return after.forecast - before.forecast

    @property
    def units_changed(self) -> bool:
        return self.old_units is not None and self.new_units is not None and self.old_units != self.new_units

    @property
    def breaks_reconciliation(self) -> bool:
        return not self.old_reconciliation and bool(self.new_reconciliation)


@dataclass(frozen=True)
class YearMovement:
    """A saving's money moving from one year's file into a later one's.

    ``slipped``: a line of the later year, new in this diff, brings it forward
    (``from: YEAR/ID``); ``moved``: the same id left one year's file and appeared in a
    later year's. Either way the diff shows a movement, not a deletion and an addition.
    """

    how: str
    from_year: str
    from_id: str
    to_year: str
    to_id: str
    label: str
    amount: Money


@dataclass
class PlanDiff:
    old_label: str
    new_label: str
    files: list[FileDiff]
    movements: list[YearMovement] = field(default_factory=list)
    """Money moved between years (slippage brought forward, a saving moved)."""

    @property
    def differs(self) -> bool:
        return any(f.status != "unchanged" for f in self.files) or bool(self.movements)

    def rag_changes(self) -> list[tuple[str, str, Value, Value]]:
        """(file kind, id, old status, new status) for savings whose RAG moved."""
        return [
            (f.kind, line.id, change.old, change.new)
            for f in self.files
            for line in f.lines
            if line.change == "changed"
            for change in line.fields
            if change.field == "status"
        ]

    def progress_added(self) -> list[tuple[str, str]]:
        """(id, period) of progress entries present only in the new version."""
        added: list[tuple[str, str]] = []
        for f in self.files:
            for line in f.lines:
                for change in line.fields:
                    if (
                        change.field.startswith("progress[")
                        and change.field.endswith(".forecast")
                        and change.old is None
                    ):
                        added.append((line.id, change.field.split("[", 1)[1].split("]", 1)[0]))
        return added


def _label(line: Mapping[str, Value]) -> str:
    for key in ("description", "name"):
        value = line.get(key)
        if isinstance(value, str):
            return value
    return ""


def diff_lines(old: Mapping[str, Line], new: Mapping[str, Line]) -> list[LineChange]:
    """Lines matched by id: added, removed and changed, in the new order then removed."""
    changes: list[LineChange] = []
    for line_id, new_line in new.items():
        old_line = old.get(line_id)
        if old_line is None:
            fields = [FieldChange(k, None, v) for k, v in new_line.items()]
            changes.append(LineChange("added", line_id, _label(new_line), fields))
            continue
        fields = diff_fields(old_line, new_line)
        if fields:
            changes.append(LineChange("changed", line_id, _label(new_line), fields))
    for line_id, old_line in old.items():
        if line_id not in new:
            fields = [FieldChange(k, v, None) for k, v in old_line.items()]
            changes.append(LineChange("removed", line_id, _label(old_line), fields))
    return changes


def diff_fields(old: Mapping[str, Value], new: Mapping[str, Value]) -> list[FieldChange]:
    keys = list(new) + [k for k in old if k not in new]
    return [FieldChange(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


def diff_figures(old: Figures, new: Figures, old_label: str = "old", new_label: str = "new") -> PlanDiff:
    """Compare two sets of figures file by file (matched by kind and year)."""
    files: list[FileDiff] = []
    keys = sorted(set(old) | set(new))
    for key in keys:
        before, after = old.get(key), new.get(key)
        lines = diff_lines(before.lines if before else {}, after.lines if after else {})
        savings = (
            [
                change
                for line in lines
                if line.change == "changed"
                for change in saving_changes(line.id, before.lines[line.id], after.lines[line.id])
            ]
            if key[0] == "savings" and before and after
            else []
        )
        files.append(
            FileDiff(
                kind=key[0],
                year=key[1],
                old_path=before.path if before else None,
                new_path=after.path if after else None,
                old_units=before.units if before else None,
                new_units=after.units if after else None,
                lines=lines,
                totals=diff_fields(before.totals if before else {}, after.totals if after else {}),
                old_reconciliation=before.reconciliation if before else [],
                new_reconciliation=after.reconciliation if after else [],
                savings=savings,
                old_forecast=before.forecast if before else None,
                new_forecast=after.forecast if after else None,
                forecast_move=forecast_move(before.lines, after.lines)
                if key[0] == "savings" and before and after
                else None,
            )
        )
    return PlanDiff(old_label, new_label, files, year_movements(files))


def _target(line: LineChange) -> Money:
    fields = {c.field: c.new if line.change == "added" else c.old for c in line.fields}
    return money_sum(v for k in ("ongoing", "one_off") if isinstance(v := fields.get(k), Decimal))


def year_movements(files: list[FileDiff]) -> list[YearMovement]:
    """Find the added and removed savings that are money moving between years, take
    them out of their files' line changes, and return them as movements."""
    savings = [f for f in files if f.kind == "savings"]
    movements: list[YearMovement] = []
    for later in savings:
        for line in list(later.lines):
            if line.change != "added":
                continue
            origin = next((c.new for c in line.fields if c.field == "from"), None)
            if isinstance(origin, str) and "/" in origin:
                year, saving_id = origin.split("/", 1)
                movements.append(
                    YearMovement("slipped", year, saving_id, later.year, line.id, line.label, _target(line))
                )
                later.lines.remove(line)
                continue
            earlier = next(
                (
                    (f, gone)
                    for f in savings
                    if f.year < later.year
                    for gone in f.lines
                    if gone.change == "removed" and gone.id == line.id
                ),
                None,
            )
            if earlier is not None:
                file, gone = earlier
                movements.append(
                    YearMovement("moved", file.year, gone.id, later.year, line.id, line.label, _target(line))
                )
                later.lines.remove(line)
                file.lines.remove(gone)
    return movements


def filter_diff(diff: PlanDiff, only: str | None = None, minimum: Money = ZERO) -> PlanDiff:
    """Keep only changes of one kind, and money changes of at least ``minimum``.

    ``only`` is a kind of line change (changed, added, removed) or ``moved``: money
    moved between years (slipped or moved), which is neither an addition nor a
    removal, so it is kept only with no ``only`` or with ``moved``. A changed line
    whose every field is a money change below ``minimum`` is dropped, and so is a
    movement of less; a text change is always kept. Totals are kept whole.
    """
    files: list[FileDiff] = []
    for file in diff.files:
        lines: list[LineChange] = []
        for line in file.lines:
            if only and line.change != only:
                continue
            if line.change == "changed" and minimum:
                kept = [c for c in line.fields if c.delta is None or abs(c.delta) >= minimum]
                if not kept:
                    continue
                line = LineChange(line.change, line.id, line.label, kept)
            lines.append(line)
        kept_ids = {line.id for line in lines}
        savings = [
            c for c in file.savings if c.id in kept_ids and (c.delta is None or not minimum or abs(c.delta) >= minimum)
        ]
        files.append(replace(file, lines=lines, savings=savings))
    movements = [m for m in diff.movements if only in (None, "moved") and (not minimum or abs(m.amount) >= minimum)]
    return PlanDiff(diff.old_label, diff.new_label, files, movements)


def apply_changes(old: Mapping[str, Line], changes: Iterable[LineChange]) -> dict[str, Line]:
    """``old`` lines with ``changes`` applied: the inverse of ``diff_lines``."""
    result = {line_id: dict(line) for line_id, line in old.items()}
    for change in changes:
        if change.change == "removed":
            del result[change.id]
            continue
        line = result.setdefault(change.id, {})
        for field_change in change.fields:
            if field_change.new is None:
                line.pop(field_change.field, None)
            else:
                line[field_change.field] = field_change.new
    return result


def changes_since(revision: str, data: Path, plan: Plan) -> PlanDiff:
    """What changed in the figures since ``revision`` (or a folder), up to ``plan``."""
    from csplan import versions

    old = versions.resolve(revision, data)
    return diff_figures(figures_of(versions.load_version(old)), figures_of(plan), old.label, str(data))
