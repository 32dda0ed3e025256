"""A diff of figures as sections (one per file) or JSON data."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from csplan.diff import (
    FieldChange,
    FileDiff,
    ForecastTotal,
    LineChange,
    PlanDiff,
    SavingChange,
    Value,
    YearMovement,
)
from csplan.money import format_pounds
from csplan.rag import STATUSES
from csplan.render.savings import movement_words
from csplan.render.tables import Cell, Column, Section, Table
from csplan.text import plural

FIELD_WORDS = {
    "forecast": "forecast",
    "delivered": "delivered to date",
    "note": "note",
    "rag": "RAG",
    "description": "description",
    "division": "division",
    "owner": "owner",
    "ongoing": "ongoing target",
    "one_off": "one-off target",
    "from": "brought forward from",
    "replaces.saving": "replaces",
    "replaces.amount": "replacement amount",
    "mitigated": "mitigated",
    "outcome": "year-end outcome",
}

CHANGE_COLUMNS = (
    Column("change", "Change"),
    Column("id", "ID"),
    Column("line", "Line", max_width=36, min_width=12, drop_order=1),
    Column("field", "Field"),
    Column("old", "Old", "value", max_width=30, min_width=10),
    Column("new", "New", "value", max_width=30, min_width=10),
    Column("delta", "Delta", "delta"),
)
TOTAL_COLUMNS = (
    Column("total", "Total"),
    Column("old", "Old", "value"),
    Column("new", "New", "value"),
    Column("delta", "Delta", "delta"),
)


def change_table(file: FileDiff) -> Table:
    rows: list[dict[str, Cell]] = []
    for line in file.lines:
        for index, change in enumerate(line.fields):
            rows.append(
                {
                    "change": line.change if index == 0 else "",
                    "id": line.id if index == 0 else "",
                    "line": line.label if index == 0 else "",
                    "field": field_words(change.field),
                    "old": change.old,
                    "new": change.new,
                    "delta": change.delta,
                }
            )
    return Table(None, CHANGE_COLUMNS, rows)


def totals_table(file: FileDiff) -> Table:
    rows: list[dict[str, Cell]] = [
        {"total": c.field, "old": c.old, "new": c.new, "delta": c.delta} for c in file.totals
    ]
    return Table(None, TOTAL_COLUMNS, rows)


def _said(value: Value) -> str:
    """A value as a sentence quotes it: money as £, text in quotes, nothing as "none"."""
    if value is None:
        return "none"
    if isinstance(value, str):
        return value if value in STATUSES else f"“{value}”"
    return format_pounds(value)


def saving_words(change: SavingChange) -> str:
    """One change to a saving as a finance reader says it:
    "S06 forecast P06 → P07: £600,000 → £550,000 (down £50,000)"."""
    what = FIELD_WORDS.get(change.what, change.what)
    if change.earlier:
        period = change.new_period
        if change.old is None:
            return f"{change.id} {period} return added: {what} {_said(change.new)}"
        if change.new is None:
            return f"{change.id} {period} return removed: {what} was {_said(change.old)}"
        return f"{change.id} {period} return corrected: {what} {_said(change.old)} → {_said(change.new)}" + (
            f" ({movement_words(change.delta)})" if change.delta is not None else ""
        )
    if change.what in {"forecast", "delivered", "note"}:
        was, now = change.old_period, change.new_period
        when = f"{was} → {now}" if was and now and was != now else (now or was or "")
        head = f"{change.id} {what} {when}".rstrip()
        if change.what == "forecast" and change.old is None:
            return f"{head}: {_said(change.new)} (first return)"
        if change.what == "forecast" and change.new is None:
            return f"{head}: {_said(change.old)} → not reported (return removed)"
        if change.old is None:
            return f"{head}: {_said(change.new)}"
        return f"{head}: {_said(change.old)} → {_said(change.new)}" + (
            f" ({movement_words(change.delta)})" if change.delta is not None else ""
        )
    return f"{change.id} {what}: {_said(change.old)} → {_said(change.new)}" + (
        f" ({movement_words(change.delta)})" if change.delta is not None else ""
    )


def line_words(line: LineChange) -> str:
    """A saving added or removed, with its target."""
    fields = {c.field: (c.new if line.change == "added" else c.old) for c in line.fields}
    parts = [
        f"{FIELD_WORDS[name]} {format_pounds(value)}"
        for name in ("ongoing", "one_off")
        if isinstance(value := fields.get(name), Decimal)
    ]
    return f"{line.id} {line.change}: {line.label}" + (f" ({', '.join(parts)})" if parts else "")


def forecast_words(file: FileDiff) -> str | None:
    """The total forecast before and after, from each side's latest returns."""
    before, after = file.old_forecast, file.new_forecast
    if before is None or after is None or before == after or not (before.reported or after.reported):
        return None
    if not after.reported:
        return f"Total forecast: {format_pounds(before.forecast)} → none reported"
    now = f"{format_pounds(after.forecast)} from {after.reported} of {plural(after.count, 'saving')} reported"
    if not before.reported:
        return f"Total forecast {after.period}: {now} (none before)"
    when = f"{before.period} → {after.period}" if before.period != after.period else f"{after.period}"
    words = f"Total forecast {when}: {format_pounds(before.forecast)} → {format_pounds(after.forecast)}"
    move = file.forecast_move
    if move is None:
        return words
    parts = []
    if move.compared:
        parts.append(f"{movement_words(move.movement)} on the {plural(move.compared, 'saving')} reported both times")
    if move.first_returns:
        parts.append(f"{plural(move.first_returns, 'first return')} adding {format_pounds(move.first_forecast)}")
    if move.withdrawn:
        parts.append(f"{plural(move.withdrawn, 'return')} withdrawn, {format_pounds(move.withdrawn_forecast)}")
    return words + (": " + "; ".join(parts) if parts else "")


def savings_lines(file: FileDiff) -> list[str]:
    """A savings file's changes in words, saving by saving, then the total forecast."""
    lines = [line_words(line) for line in file.lines if line.change != "changed"]
    lines[:0] = [saving_words(change) for change in file.savings]
    total = forecast_words(file)
    return [*lines, *([total] if total else [])]


KIND_WORDS = {"savings": "Savings", "pressures": "Pressure funding", "budget": "Budget", "measures": "Measures"}


def field_words(name: str) -> str:
    """A field of a line as a reader names it: ``forecast[P06]`` is "forecast outturn P06"."""
    if name.startswith("forecast[") and name.endswith("]"):
        return f"forecast outturn {name[9:-1]}"
    if name.startswith("value[") and name.endswith("]"):
        return f"value {name[6:-1]}"
    return FIELD_WORDS.get(name, name.replace("_", " "))


def change_words(name: str, change: FieldChange) -> str:
    """``name: old → new (down £x)``; a figure that is new or gone is said as such."""
    if change.old is None:
        return f"{name}: {_said(change.new)} (new)"
    if change.new is None:
        return f"{name}: removed (was {_said(change.old)})"
    said = f"{name}: {_said(change.old)} → {_said(change.new)}"
    return said + (f" ({movement_words(change.delta)})" if change.delta is not None else "")


def field_change_words(line: LineChange, change: FieldChange) -> str:
    return change_words(f"{line.id} {field_words(change.field)}", change)


def file_words(file: FileDiff) -> list[str]:
    """One file's changes as sentences: what a finance reader would say changed."""
    if file.kind == "savings" and file.old_path and file.new_path:
        lines = savings_lines(file)
    else:
        lines = []
        for line in file.lines:
            if line.change == "changed":
                lines.extend(field_change_words(line, change) for change in line.fields)
            else:
                lines.append(f"{line.id} {line.change}: {line.label}".rstrip(": "))
    lines.extend(change_words(field_words(c.field), c) for c in file.totals)
    return lines


def file_heading(file: FileDiff) -> str:
    """ "Savings 2025-26", with "added" or "removed" when the file is new or gone."""
    head = f"{KIND_WORDS.get(file.kind, file.kind)} {file.year}"
    return head if file.status in {"changed", "unchanged"} else f"{head} ({file.status})"


def _where(file: FileDiff) -> str:
    if file.old_path and file.new_path:
        return f"{file.old_path} -> {file.new_path}"
    return file.new_path or file.old_path or ""


def file_sections(file: FileDiff) -> list[Section]:
    title = f"{file.kind} {file.year} ({_where(file)}): {file.status}"
    notes: list[str] = []
    if file.units_changed:
        notes.append(
            f"units changed from {file.old_units} to {file.new_units}; figures are compared in pounds, "
            "so the change of units alone changes no figure"
        )
    if file.status == "unchanged":
        return [Section(None, [title, "no changes in figures", *notes])]
    sections = [Section(None, [title, *notes])]
    if file.kind == "savings" and file.old_path and file.new_path:
        sections.append(Section(None, savings_lines(file)))
    elif file.lines:
        sections.append(Section(change_table(file)))
    if file.totals:
        sections.append(Section(totals_table(file)))
    sections.append(Section(None, reconciliation_lines(file)))
    return sections


def reconciliation_lines(file: FileDiff) -> list[str]:
    def verdict(messages: list[str]) -> str:
        return "reconciles" if not messages else "DOES NOT reconcile"

    if file.breaks_reconciliation:
        head = "Reconciliation: BROKEN by this change"
    else:
        head = f"Reconciliation: before {verdict(file.old_reconciliation)}, after {verdict(file.new_reconciliation)}"
    return [head, *(f"  after: {m}" for m in file.new_reconciliation)]


def reconciliation_words(file: FileDiff) -> str:
    """Whether the file's stated totals reconcile, before and after, in a sentence."""
    after = "; ".join(file.new_reconciliation)
    if file.breaks_reconciliation:
        return f"This change breaks the reconciliation: {after}"
    if not file.new_reconciliation:
        return (
            "The stated totals reconcile, before and after."
            if not file.old_reconciliation
            else "The stated totals now reconcile (they did not before)."
        )
    return f"The stated totals do not reconcile, before or after: {after}"


def sections(diff: PlanDiff) -> list[Section]:
    changed = [f for f in diff.files if f.status != "unchanged"]
    head = f"csplan diff {diff.old_label} -> {diff.new_label}: "
    head += f"{len(changed)} of {plural(len(diff.files), 'file')} changed" if changed else "no changes in figures"
    result = [Section(None, [head])]
    if diff.movements:
        result.append(Section(None, ["Between years:", *(f"  {year_movement_words(m)}" for m in diff.movements)]))
    for file in diff.files:
        if file.status != "unchanged" or file.units_changed:
            result.extend(file_sections(file))
    rag = diff.rag_changes()
    if rag:
        result.append(
            Section(None, ["RAG changes: " + ", ".join(f"{i} {o or 'new'} → {n or 'gone'}" for _, i, o, n in rag)])
        )
    return result


def year_movement_words(movement: YearMovement) -> str:
    """ "S06 slipped from 2025-26 into 2026-27 as S06-BF: £233,000 (Children's Centre review)"."""
    into = f" as {movement.to_id}" if movement.to_id != movement.from_id else ""
    return (
        f"{movement.from_id} {movement.how} from {movement.from_year} into {movement.to_year}{into}: "
        f"{format_pounds(movement.amount)} ({movement.label})"
    )


def csv_table(diff: PlanDiff) -> Table:
    """Every field change as one CSV row, with its file."""
    columns = (Column("file", "File"), Column("kind", "Kind"), *CHANGE_COLUMNS)
    rows: list[dict[str, Cell]] = []
    for file in diff.files:
        for line in file.lines:
            for change in line.fields:
                rows.append(
                    {
                        "file": file.new_path or file.old_path,
                        "kind": file.kind,
                        "change": line.change,
                        "id": line.id,
                        "line": line.label,
                        "field": change.field,
                        "old": change.old,
                        "new": change.new,
                        "delta": change.delta,
                    }
                )
    for movement in diff.movements:
        rows.append(
            {
                "file": None,
                "kind": "savings",
                "change": movement.how,
                "id": movement.to_id,
                "line": movement.label,
                "field": "year",
                "old": f"{movement.from_year}/{movement.from_id}",
                "new": f"{movement.to_year}/{movement.to_id}",
                "delta": movement.amount,
            }
        )
    return Table(None, columns, rows)


def _forecast_data(total: ForecastTotal | None) -> dict[str, Any] | None:
    if total is None:
        return None
    return {"forecast": total.forecast, "reported": total.reported, "count": total.count, "period": total.period}


def as_data(diff: PlanDiff) -> dict[str, Any]:
    return {
        "old": diff.old_label,
        "new": diff.new_label,
        "differs": diff.differs,
        "files": [
            {
                "kind": f.kind,
                "year": f.year,
                "old_path": f.old_path,
                "new_path": f.new_path,
                "status": f.status,
                "units": {"old": f.old_units, "new": f.new_units},
                "lines": [
                    {
                        "change": line.change,
                        "id": line.id,
                        "label": line.label,
                        "fields": [
                            {"field": c.field, "old": c.old, "new": c.new, "delta": c.delta} for c in line.fields
                        ],
                    }
                    for line in f.lines
                ],
                "totals": [{"total": c.field, "old": c.old, "new": c.new, "delta": c.delta} for c in f.totals],
                **(
                    {
                        "forecast": {
                            "old": _forecast_data(f.old_forecast),
                            "new": _forecast_data(f.new_forecast),
                            "change": f.forecast_change,
                            "like_for_like": None
                            if f.forecast_move is None
                            else {
                                "compared": f.forecast_move.compared,
                                "movement": f.forecast_move.movement,
                                "first_returns": f.forecast_move.first_returns,
                                "first_forecast": f.forecast_move.first_forecast,
                                "withdrawn": f.forecast_move.withdrawn,
                                "withdrawn_forecast": f.forecast_move.withdrawn_forecast,
                            },
                        },
                        "savings": [
                            {
                                "id": c.id,
                                "what": c.what,
                                "old_period": c.old_period,
                                "new_period": c.new_period,
                                "old": c.old,
                                "new": c.new,
                                "delta": c.delta,
                                "earlier": c.earlier,
                                "text": saving_words(c),
                            }
                            for c in f.savings
                        ],
                    }
                    if f.kind == "savings"
                    else {}
                ),
                "reconciliation": {
                    "old": f.old_reconciliation,
                    "new": f.new_reconciliation,
                    "broken_by_change": f.breaks_reconciliation,
                },
            }
            for f in diff.files
        ],
        "movements": [
            {
                "how": m.how,
                "from": f"{m.from_year}/{m.from_id}",
                "to": f"{m.to_year}/{m.to_id}",
                "label": m.label,
                "amount": m.amount,
                "text": year_movement_words(m),
            }
            for m in diff.movements
        ],
        "rag_changes": [{"id": i, "old": o, "new": n} for _, i, o, n in diff.rag_changes()],
        "progress_added": [{"id": i, "period": p} for i, p in diff.progress_added()],
    }
