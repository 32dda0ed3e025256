"""Recording a mitigation against a saving's shortfall, editing the savings file in place.

A mitigation (vacancy savings, say) covers part of the year's gap. It is shown beside
the saving's own delivery and never changes it: the RAG stays the saving's, and what
slips at year end is the saving's own shortfall.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

from csplan.checks import validate_plan
from csplan.edit import edit_list_items, editable_document, recheck
from csplan.errors import UsageError
from csplan.models import PERIODS, SavingsFile, normalise_period
from csplan.money import cli_amount, to_units
from csplan.savings import saving_status
from csplan.savings_edit import Update
from csplan.suggest import did_you_mean


def prepare_mitigation(
    data: Path,
    saving_id: str,
    period: str,
    amount: str,
    note: str,
    *,
    ongoing: bool = False,
    year: str | None = None,
) -> Update:
    """Check a mitigation against the data and build the edited file; write nothing."""
    chosen_period = normalise_period(period)
    if not note.strip():
        raise UsageError("--note is empty", "say what the mitigation is: --note 'Vacancy savings'")
    plan, findings = validate_plan(data)
    document = editable_document(plan, findings, "savings", year, "record a mitigation", data)
    model = typing.cast(SavingsFile, document.model)
    ids = [s.id for s in model.lines]
    if saving_id not in ids:
        raise UsageError(f"no saving {saving_id!r} in {document.path}", did_you_mean(saving_id, ids))
    index = ids.index(saving_id)
    value = cli_amount(amount, document.units, "--amount")
    if not value:
        raise UsageError("--amount is £0; a mitigation covers some of the shortfall", "give the amount it covers")

    old_text = document.source.text
    entry = _entry(chosen_period, to_units(value, document.units), note.strip(), ongoing)
    new_text = edit_list_items(
        document, "lines", {index: lambda item: _place(item, entry, chosen_period)}, f"{saving_id} in {document.path}"
    )
    new_document, warnings = recheck(plan, document, new_text, ("lines", [index]))
    new_model = typing.cast(SavingsFile, new_document.model)
    status = saving_status(new_model.lines[index], new_model.settings, units=new_model.units)
    return Update(Path(document.path), old_text, new_text, warnings, [status])


def _entry(period: str, amount: Any, note: str, ongoing: bool) -> Any:
    from ruamel.yaml.comments import CommentedMap

    entry = CommentedMap()
    entry["period"] = period
    entry["amount"] = amount
    entry["note"] = note
    if ongoing:
        entry["ongoing"] = True
    return entry


def _place(item: Any, entry: Any, period: str) -> None:
    """Add ``entry`` to the saving's mitigations (made if missing), in period order:
    after every mitigation of the same or an earlier period."""
    from ruamel.yaml.comments import CommentedSeq

    mitigations = item.get("mitigations")
    if mitigations is None:
        mitigations = CommentedSeq()
        item["mitigations"] = mitigations
    position = sum(1 for m in mitigations if PERIODS.index(str(m.get("period"))) <= PERIODS.index(period))
    mitigations.insert(position, entry)
