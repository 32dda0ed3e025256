"""Recording a monthly monitoring return for a saving, editing savings.yaml in place.

Everything is checked before anything is written: the file must validate first, the
input must make sense, the edited file must validate too, and only the lines of the
saving being updated may change. Then the new text is written atomically.
"""

from __future__ import annotations

import difflib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csplan.checks import validate_plan
from csplan.edit import (
    FileEdit,
    block_lines,
    confine_changes,
    dump_round_trip,
    editable_document,
    load_round_trip,
    place_in_progress,
    recheck,
)
from csplan.errors import DataError, UsageError
from csplan.load import Document
from csplan.models import PERIODS, RAGS, SavingsFile, normalise_period
from csplan.money import Money, cli_amount, to_units
from csplan.savings import SavingStatus, saving_status
from csplan.tabular import cell_text, read_rows


@dataclass(frozen=True)
class Return:
    """A monitoring return as typed by an officer (amounts still text)."""

    saving_id: str
    period: str
    forecast: str
    delivered: str | None = None
    rag: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Update(FileEdit):
    """An edit of a savings file, checked and ready to write."""

    statuses: list[SavingStatus] = field(default_factory=list)
    """The new status of each saving changed."""


@dataclass(frozen=True)
class _Checked:
    """A return checked against the file, its amounts read, ready to place."""

    index: int
    period: str
    forecast: Money
    delivered: Money | None
    rag: str | None
    note: str | None


def _check(entry: Return, model: SavingsFile, document: Document, replace: bool) -> _Checked:
    """Refuse a return that does not fit the file: a usage error saying why."""
    period = normalise_period(entry.period)
    if entry.rag is not None and entry.rag not in RAGS:
        raise UsageError(f"rag {entry.rag!r} is not one of {', '.join(RAGS)}")
    ids = [s.id for s in model.lines]
    if entry.saving_id not in ids:
        close = difflib.get_close_matches(entry.saving_id.upper(), ids, n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(close)}?" if close else f"ids run {ids[0]}..{ids[-1]}" if ids else None
        raise UsageError(f"no saving {entry.saving_id!r} in {document.path}", hint)
    index = ids.index(entry.saving_id)
    forecast = cli_amount(entry.forecast, document.units, "--forecast")
    delivered = cli_amount(entry.delivered, document.units, "--delivered") if entry.delivered is not None else None
    periods = [p.period for p in model.lines[index].progress]
    if period not in periods and periods and PERIODS.index(period) < PERIODS.index(periods[-1]) and not replace:
        raise UsageError(
            f"{entry.saving_id} already has a return for {periods[-1]}, later than {period}",
            "returns are kept oldest first; add --replace to insert an earlier period",
        )
    return _Checked(index, period, forecast, delivered, entry.rag, entry.note or None)


def prepare_return(data: Path, entry: Return, *, replace: bool = False, year: str | None = None) -> Update:
    """Check one return against the data and build the edited file; write nothing."""
    return prepare_returns(data, [("", entry)], replace=replace, year=year)


def prepare_returns(
    data: Path, entries: list[tuple[str, Return]], *, replace: bool = False, year: str | None = None
) -> Update:
    """Check every return (each labelled, e.g. "row 3") and build one edited file.

    All are checked before any is applied; if any is refused, nothing is: a single
    unlabelled return raises its own usage error, labelled ones a data error that
    lists every refused row. Write nothing; ``Update.write`` does.
    """
    plan, findings = validate_plan(data)
    document = editable_document(plan, findings, "savings", year, "record returns")
    model = typing.cast(SavingsFile, document.model)
    checked: list[_Checked] = []
    problems: list[str] = []
    seen: dict[tuple[int, str], str] = {}
    for label, entry in entries:
        try:
            item = _check(entry, model, document, replace)
        except UsageError as exc:
            if not label:
                raise
            problems.append(f"{label}: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""))
            continue
        key = (item.index, item.period)
        if key in seen:
            problems.append(f"{label}: a second return for {entry.saving_id} {item.period} (first: {seen[key]})")
            continue
        seen[key] = label
        checked.append(item)
    if problems:
        raise DataError(
            f"{len(problems)} of {len(entries)} returns refused; nothing was written\n" + "\n".join(problems)
        )

    old_text = document.source.text
    yaml, tree = load_round_trip(old_text)
    for item in checked:
        new_entry = _entry(item.period, item.forecast, item.delivered, item.rag, item.note, document.units)
        place_in_progress(tree["lines"][item.index], new_entry, item.period, PERIODS.index)
    new_text = dump_round_trip(yaml, tree)

    blocks = [_block_lines(document, index, len(model.lines)) for index in sorted({c.index for c in checked})]
    ids = ", ".join(model.lines[index].id for index in sorted({c.index for c in checked}))
    confine_changes(old_text, new_text, blocks, f"{ids} in {document.path}")

    new_document, warnings = recheck(plan, document, new_text)
    new_model = typing.cast(SavingsFile, new_document.model)
    statuses = [saving_status(new_model.lines[i], new_model.settings) for i in sorted({c.index for c in checked})]
    return Update(Path(document.path), old_text, new_text, warnings, statuses)


def _entry(period: str, forecast: Money, delivered: Money | None, rag: str | None, note: str | None, units: str) -> Any:
    from ruamel.yaml.comments import CommentedMap

    entry = CommentedMap()
    entry["period"] = period
    entry["forecast"] = to_units(forecast, units)
    if delivered is not None:
        entry["delivered"] = to_units(delivered, units)
    if rag is not None:
        entry["rag"] = rag
    if note:
        entry["note"] = note
    return entry


def _block_lines(document: Document, index: int, count: int) -> tuple[int, int]:
    """0-based first and last line of ``lines[index]`` (the last may be the next item's)."""
    if index + 1 < count:
        return block_lines(document, ("lines", index), [("lines", index + 1)])
    return block_lines(document, ("lines", index), [(key,) for key in document.model.model_fields_set])


# -- monthly returns from a spreadsheet ---------------------------------------------------

RETURN_COLUMNS = ("id", "period", "forecast", "delivered", "rag", "note")
REQUIRED_COLUMNS = ("id", "period", "forecast")


def read_returns(path: Path) -> list[tuple[str, Return]]:
    """Rows of ``id, period, forecast, delivered, rag, note`` from a .csv or .xlsx file
    (the first sheet), each labelled with its row number (the header is its first row).

    The file is read through ``tabular``, with its limits: all rows are read before
    any is used, so a file refused part way changes nothing."""
    rows = [row for row in read_rows(path) if row.cells]
    if not rows:
        raise DataError(f"{path} is empty", f"the first row names the columns: {', '.join(RETURN_COLUMNS)}")
    header = [str(value or "").strip().lower() for value in rows[0].values]
    unknown = [name for name in header if name and name not in RETURN_COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if unknown or missing:
        said = [f"unknown column {name!r}" for name in unknown] + [f"no {name!r} column" for name in missing]
        raise DataError(
            f"{path} row {rows[0].number}: {'; '.join(said)}", f"the columns are: {', '.join(RETURN_COLUMNS)}"
        )
    returns: list[tuple[str, Return]] = []
    for row in rows[1:]:
        cells = row.values
        values = {name: cell_text(cells[i]) if i < len(cells) else None for i, name in enumerate(header) if name}
        if not any(values.values()):
            continue  # a blank row
        rag = values.get("rag")
        returns.append(
            (
                f"row {row.number}",
                Return(
                    saving_id=values.get("id") or "",
                    period=values.get("period") or "",
                    forecast=values.get("forecast") or "",
                    delivered=values.get("delivered"),
                    rag=rag.lower() if rag else None,
                    note=values.get("note"),
                ),
            )
        )
    if not returns:
        raise DataError(f"{path} has no returns below its header row")
    return returns
