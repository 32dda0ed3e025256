"""Recording a monthly monitoring return for a saving, editing savings.yaml in place.

Everything is checked before anything is written: the file must validate first, the
input must make sense, the edited file must validate too, and only the lines of the
saving being updated may change. Then the new text is written atomically.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csplan.checks import validate_plan
from csplan.edit import (
    FileEdit,
    ItemChange,
    describe_change,
    edit_list_items,
    editable_document,
    recheck,
    set_in_progress,
)
from csplan.errors import DataError, UsageError
from csplan.load import Document
from csplan.models import PERIODS, SavingsFile, normalise_period
from csplan.money import AmountError, Money, cli_amount, format_pounds, parse_amount, to_units
from csplan.rag import RAGS
from csplan.savings import SavingStatus, saving_status
from csplan.tabular import cell_text, read_rows


@dataclass(frozen=True)
class Return:
    """A monitoring return as typed by an officer (amounts still text)."""

    saving_id: str
    period: str
    forecast: str | None
    """None keeps the period's forecast (a new return must give one)."""
    delivered: str | None = None
    rag: str | None = None
    note: str | None = None
    clear: tuple[str, ...] = ()
    """Fields of the period's return to remove (delivered, rag, note)."""


CLEARABLE = ("delivered", "rag", "note")
FIELD_ORDER = ("period", "forecast", "delivered", "rag", "note")


@dataclass(frozen=True)
class Update(FileEdit):
    """An edit of a savings file, checked and ready to write."""

    statuses: list[SavingStatus] = field(default_factory=list)
    """The new status of each saving changed."""
    changes: list[str] = field(default_factory=list)
    """What was done to each return, in words: "S07 P06: forecast 380000 -> 420000; kept note"."""


@dataclass(frozen=True)
class _Checked:
    """A return checked against the file, its amounts read, ready to place."""

    index: int
    period: str
    forecast: Money | None
    delivered: Money | None
    rag: str | None
    note: str | None
    clear: tuple[str, ...]


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
    periods = [p.period for p in model.lines[index].progress]
    unknown = [name for name in entry.clear if name not in CLEARABLE]
    if unknown:
        raise UsageError(f"--clear {unknown[0]}: only {', '.join(CLEARABLE)} can be cleared")
    given = {"delivered": entry.delivered, "rag": entry.rag, "note": entry.note}
    both = [name for name in entry.clear if given.get(name) is not None]
    if both:
        raise UsageError(f"--{both[0]} and --clear {both[0]} together", "give a value, or clear it, not both")
    if not entry.forecast and period not in periods:
        raise UsageError(
            f"{entry.saving_id} has no return for {period} yet: give its --forecast",
            "a return's forecast may be left out only to change a return already recorded",
        )
    forecast = cli_amount(entry.forecast, document.units, "--forecast") if entry.forecast else None
    delivered = cli_amount(entry.delivered, document.units, "--delivered") if entry.delivered is not None else None
    if period not in periods and periods and PERIODS.index(period) < PERIODS.index(periods[-1]) and not replace:
        raise UsageError(
            f"{entry.saving_id} already has a return for {periods[-1]}, later than {period}",
            "returns are kept oldest first; add --replace to insert an earlier period",
        )
    return _Checked(index, period, forecast, delivered, entry.rag, entry.note or None, tuple(entry.clear))


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
    indexes = sorted({c.index for c in checked})
    said: dict[tuple[int, str], str] = {}

    def change(index: int) -> ItemChange:
        def apply(node: Any) -> None:
            for item in (c for c in checked if c.index == index):
                before, after = set_in_progress(
                    node, item.period, _values(item, document.units), item.clear, FIELD_ORDER, PERIODS.index
                )
                said[index, item.period] = describe_change(before, after, _shown(document.units))

        return apply

    ids = ", ".join(model.lines[index].id for index in indexes)
    new_text = edit_list_items(document, "lines", {i: change(i) for i in indexes}, f"{ids} in {document.path}")
    new_document, warnings = recheck(plan, document, new_text)
    new_model = typing.cast(SavingsFile, new_document.model)
    statuses = [saving_status(new_model.lines[i], new_model.settings) for i in indexes]
    changes = [f"{model.lines[c.index].id} {c.period}: {said[c.index, c.period]}" for c in checked]
    return Update(Path(document.path), old_text, new_text, warnings, statuses, changes)


def _values(item: _Checked, units: str) -> dict[str, Any]:
    """The fields of a return that were given, as the file writes them."""
    values: dict[str, Any] = {}
    if item.forecast is not None:
        values["forecast"] = to_units(item.forecast, units)
    if item.delivered is not None:
        values["delivered"] = to_units(item.delivered, units)
    if item.rag is not None:
        values["rag"] = item.rag
    if item.note:
        values["note"] = item.note
    return values


def _shown(units: str) -> Callable[[str, Any], str]:
    """Show a field of a return: amounts in pounds, text quoted."""

    def show(name: str, value: Any) -> str:
        if name in ("forecast", "delivered"):
            try:
                return format_pounds(parse_amount(value, units))
            except AmountError:
                return str(value)
        return repr(str(value)) if name == "note" else str(value)

    return show


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
                    forecast=values.get("forecast"),
                    delivered=values.get("delivered"),
                    rag=rag.lower() if rag else None,
                    note=values.get("note"),
                ),
            )
        )
    if not returns:
        raise DataError(f"{path} has no returns below its header row")
    return returns
