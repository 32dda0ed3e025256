"""Recording a measure's value, editing measures.yaml in place.

The same guarantees as a savings return: the file must validate first, the value
must fit the measure's unit, only that measure's lines may change, the result
must validate, and it is written atomically; on any refusal nothing is written.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from csplan.checks import validate_plan
from csplan.edit import (
    FileEdit,
    block_lines,
    confine_changes,
    describe_change,
    edit_list_items,
    editable_document,
    recheck,
    set_in_progress,
)
from csplan.errors import UsageError
from csplan.measures import MeasureStatus, measure_status
from csplan.models import MeasuresFile, normalise_measure_period, period_rank
from csplan.money import AmountError, parse_number
from csplan.suggest import command, did_you_mean


def measure_value(text: str, unit: str, measure_id: str) -> Decimal | str:
    """A value typed for a measure: a number for number/count/percentage units."""
    if unit == "text":
        if not text.strip():
            raise UsageError(f"{measure_id}: the value is empty")
        return text.strip()
    cleaned = text.strip().removesuffix("%").replace(",", "").strip()
    try:
        number = parse_number(cleaned)
    except AmountError as exc:
        raise UsageError(f"{measure_id} is measured as a {unit}; {exc.message}", exc.hint) from None
    if unit == "percentage" and not 0 <= number <= 100:
        raise UsageError(f"{measure_id}: {text} is not a percentage from 0 to 100", "write 72.5 for 72.5%")
    if unit == "count" and number != number.to_integral_value():
        raise UsageError(f"{measure_id}: a count is a whole number, not {text}")
    return number


@dataclass(frozen=True)
class MeasureUpdate(FileEdit):
    """An edit of a measures file, checked and ready to write."""

    status: MeasureStatus | None = None
    change: str = ""
    """What was done to the period's value, in words ("new: value 72.5", "value 70 -> 72.5; kept note")."""


def prepare_measure_value(
    data: Path,
    measure_id: str,
    period: str,
    value: str,
    note: str | None = None,
    *,
    clear: tuple[str, ...] = (),
    replace: bool = False,
    year: str | None = None,
) -> MeasureUpdate:
    """Check a value against the measure and build the edited file; write nothing.

    A period already recorded keeps its note unless one is given or ``clear``
    names it."""
    chosen = normalise_measure_period(period)
    if [name for name in clear if name != "note"]:
        raise UsageError(f"--clear {clear[0]}: only the note can be cleared", "a value is replaced by --value")
    if note is not None and "note" in clear:
        raise UsageError("--note and --clear note together", "give a note, or clear it, not both")
    plan, findings = validate_plan(data)
    document = editable_document(plan, findings, "measures", year, folder=data)
    model = typing.cast(MeasuresFile, document.model)
    places = {
        m.id: (o_index, m_index) for o_index, o in enumerate(model.objectives) for m_index, m in enumerate(o.measures)
    }
    if measure_id not in places:
        raise UsageError(
            f"no measure {measure_id!r} in {document.path}",
            did_you_mean(measure_id, places) or f"{command('measures')} lists the ids",
        )
    o_index, m_index = places[measure_id]
    measure = model.objectives[o_index].measures[m_index]
    if measure.computed:
        raise UsageError(
            f"{measure_id} is computed by csplan ({measure.computed}); it takes no typed values",
            "record the savings returns instead",
        )
    parsed = measure_value(value, measure.unit, measure_id)
    ranks = [period_rank(e.period) for e in measure.progress]
    periods = [e.period for e in measure.progress]
    same_time = [p for p in periods if p != chosen and period_rank(p) == period_rank(chosen)]
    if same_time:
        raise UsageError(
            f"{measure_id} already has a value for {same_time[0]}, which ends when {chosen} does",
            f"a measure takes one value a month or a quarter: record {same_time[0]} again, or keep to one kind",
        )
    if chosen not in periods and ranks and period_rank(chosen) < max(ranks) and not replace:
        raise UsageError(
            f"{measure_id} already has a value for {periods[-1]}, later than {chosen}",
            "values are kept oldest first; add --replace to insert an earlier period",
        )

    old_text = document.source.text
    said: list[str] = []

    def change(objective: Any) -> None:
        values: dict[str, Any] = {"value": parsed} | ({"note": note} if note else {})
        node = objective["measures"][m_index]
        before, after = set_in_progress(node, chosen, values, clear, ("period", "value", "note"), period_rank)
        said.append(describe_change(before, after, lambda name, v: repr(str(v)) if name == "note" else str(v)))

    what = f"{measure_id} in {document.path}"
    new_text = edit_list_items(document, "objectives", {o_index: change}, what)
    item = ("objectives", o_index, "measures", m_index)
    following: list[tuple[str | int, ...]] = [
        ("objectives", o_index, "measures", m_index + 1),
        ("objectives", o_index, "milestones"),
        ("objectives", o_index + 1),
    ]
    confine_changes(old_text, new_text, [block_lines(document, item, following)], what)
    new_document, warnings = recheck(plan, document, new_text)
    new_model = typing.cast(MeasuresFile, new_document.model)
    new_measure = new_model.objectives[o_index].measures[m_index]
    status = measure_status(
        new_model.objectives[o_index].id, new_measure, new_model.settings.tolerance_percent, None, None
    )
    return MeasureUpdate(Path(document.path), old_text, new_text, warnings, status, said[0])
