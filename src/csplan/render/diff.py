"""A diff of figures as sections (one per file) or JSON data."""

from __future__ import annotations

from typing import Any

from csplan.diff import FileDiff, PlanDiff
from csplan.render.tables import Cell, Column, Section, Table

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
                    "field": change.field,
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
    if file.lines:
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


def sections(diff: PlanDiff) -> list[Section]:
    changed = [f for f in diff.files if f.status != "unchanged"]
    head = f"csplan diff {diff.old_label} -> {diff.new_label}: "
    head += f"{len(changed)} of {len(diff.files)} files changed" if changed else "no changes in figures"
    result = [Section(None, [head])]
    for file in diff.files:
        if file.status != "unchanged" or file.units_changed:
            result.extend(file_sections(file))
    rag = diff.rag_changes()
    if rag:
        result.append(
            Section(None, ["RAG changes: " + ", ".join(f"{i} {o or 'new'} -> {n or 'gone'}" for _, i, o, n in rag)])
        )
    added = diff.progress_added()
    if added:
        result.append(Section(None, ["Progress entries added: " + ", ".join(f"{i} {p}" for i, p in added)]))
    return result


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
    return Table(None, columns, rows)


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
                "reconciliation": {
                    "old": f.old_reconciliation,
                    "new": f.new_reconciliation,
                    "broken_by_change": f.breaks_reconciliation,
                },
            }
            for f in diff.files
        ],
        "rag_changes": [{"id": i, "old": o, "new": n} for _, i, o, n in diff.rag_changes()],
        "progress_added": [{"id": i, "period": p} for i, p in diff.progress_added()],
    }
