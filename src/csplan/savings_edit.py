"""Recording a monthly monitoring return for a saving, editing savings.yaml in place.

Everything is checked before anything is written: the file must validate first, the
input must make sense, the edited file must validate too, and only the lines of the
saving being updated may change. Then the new text is written atomically.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
import shlex
import typing
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from csplan.checks import tracks_parts, validate_plan
from csplan.edit import (
    FileEdit,
    ItemChange,
    decimal_text,
    describe_change,
    drop_line_comment,
    edit_list_items,
    editable_document,
    end_comment,
    line_comment,
    recheck,
    remove_key,
    set_in_progress,
    set_line_comment,
)
from csplan.errors import DataError, UsageError
from csplan.load import Document
from csplan.models import PERIODS, Saving, SavingsFile, normalise_period
from csplan.money import (
    PENNY,
    UNIT_LABELS,
    UNIT_SCALE,
    ZERO,
    AmountError,
    Money,
    as_typed,
    cli_amount,
    format_pounds,
    own_scale,
    parse_amount,
    to_units,
)
from csplan.rag import RAGS
from csplan.savings import SavingStatus, delivered_the_target, saving_status
from csplan.suggest import command, did_you_mean
from csplan.tabular import cell_text
from csplan.text import escape_controls, plural
from csplan.years import FINAL_PERIOD


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
    achieved: str | None = None
    at_risk: str | None = None
    clear: tuple[str, ...] = ()
    """Fields of the period's return to remove (delivered, rag, note, achieved, at_risk)."""
    cells: Mapping[str, str] = field(default_factory=dict)
    """Where each field was read in a sheet ("Returns P07!I5"), to name a bad cell;
    empty for a return typed on the command line."""
    scales: Mapping[str, str] = field(default_factory=dict)
    """The scale (thousands, millions) an amount read from a sheet is in, by field, where
    its column's header names one ("Forecast £'000": 950 is £950,000); the amount's text
    stays as the cell holds it, so a refusal quotes what the holder sees."""
    sent: Mapping[str, str | None] | None = None
    """What csplan's template (or export) was sent with in each input cell of this row (see
    :func:`sent_text`), to tell the holder's change from a figure recorded
    since; None for a sheet with no such record."""
    sent_by: str = "template"
    """What wrote the sheet with that record: "template" (savings template) or "export"
    (csplan export's Savings sheet), to say how to send it again."""
    csplans_own: bool = False
    """Read from csplan's own status CSV (a CSV with csplan's Variance or Reason column,
    which cannot keep an as-sent record): a delivered, achieved or at risk it shows as
    recorded is csplan's report, not the holder's word, so it keeps csplan's mark (carried)."""
    sent_filters: tuple[tuple[str, str], ...] = ()
    """The template's --division/--owner as recorded with it (("owner", "admissions")),
    so the command to send it again makes the same sheet."""

    @property
    def from_sheet(self) -> bool:
        """Read from a sheet: amounts are in pounds (the sheets show £) unless their
        column names a scale (``scales``), a RAG that only
        repeats csplan's own status is not a new judgement, and a return already
        recorded exactly so is counted as unchanged rather than written again."""
        return bool(self.cells)


CLEARABLE = ("delivered", "rag", "note", "achieved", "at_risk")
FIELD_ORDER = ("period", "forecast", "delivered", "rag", "note", "achieved", "at_risk")
AMOUNTS = ("forecast", "delivered", "achieved", "at_risk")
"""The fields of a return that are amounts."""
OPTIONAL_AMOUNTS = ("delivered", "achieved", "at_risk")
"""Amounts a return may give or leave out (each rightly small early in the year)."""
PARTS = ("achieved", "at_risk")
"""Achieved and at risk split the target: never negative, even for a reversal."""
CARRIED = ("delivered", *PARTS)
"""The figures a new month's return that leaves them out keeps from an earlier one
(delivered to date first: the parts' rules weigh it). Each is a position to date, not
a movement in the month: a blank means no change."""
DELIVERED_MARK = "delivered the target"
CSPLANS_MARK = re.compile(rf"# (carried from P\d\d|{DELIVERED_MARK})")
"""The comments csplan ends a line with when it wrote a figure the holder did not give."""


def csplans_mark(comment: str | None) -> str | None:
    """The mark a comment ending a figure's line is ("carried from P09", "delivered the
    target"), or None. The one rule: a mark is the WHOLE end-of-line comment, nothing
    else ("# JB # carried from P10" is a person's comment)."""
    found = CSPLANS_MARK.fullmatch(comment.strip()) if comment is not None else None
    return found[1] if found else None


def option_name(name: str) -> str:
    """A field's command-line option: at_risk -> --at-risk."""
    return "--" + name.replace("_", "-")


@dataclass(frozen=True)
class Update(FileEdit):
    """An edit of a savings file, checked and ready to write."""

    statuses: list[SavingStatus] = field(default_factory=list)
    """The new status of each saving changed."""
    changes: list[str] = field(default_factory=list)
    """What was done to each return, in words: "S07 P06: forecast 380000 -> 420000; kept note"."""
    unchanged: int = 0
    """Returns already recorded exactly so (not written again)."""
    carried: list[str] = field(default_factory=list)
    """Delivered, achieved and at risk carried into a new period's return, in words:
    "SV01 P10: achieved £800,000, at risk £250,000 carried from P09"."""
    kept: list[str] = field(default_factory=list)
    """Warnings (CSP712), each with its hint line: a figure recorded since the template
    was sent, kept over the sheet's untouched, older one."""
    rederived: list[str] = field(default_factory=list)
    """Figures csplan marked (carried, or delivered the target) that the edit changed the
    grounds of, worked out again, in words: "SV01 P10: achieved £700,000 carried from
    P09 (was £800,000)"."""
    hand_changed: list[str] = field(default_factory=list)
    """Figures still marked as csplan's that a person changed by hand (they already
    disagreed with their mark's rule before this edit): kept as they are, not worked
    out again, in words."""

    carried_fields: tuple[str, ...] = ()
    """Which of delivered, achieved and at risk ``carried`` speaks of (for the hint)."""
    periods: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """The periods this edit gave a return for, by saving id (changed or unchanged): a
    status line at a later period says it is the latest (:func:`status_line`)."""

    @property
    def recorded(self) -> int:
        """Returns that change the file."""
        return len(self.changes)


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
    achieved: Money | None = None
    at_risk: Money | None = None
    marks: tuple[tuple[str, str], ...] = ()
    """Parts (achieved, at risk) csplan filled in, not the holder, each with the comment
    that ends its line in the file ("carried from P09")."""
    carried: str | None = None
    """What was carried into this new period's return, or not and why, in words."""
    weighed: tuple[str, ...] = ()
    """The figures this new period's return left out that an earlier return records
    (carried, or not and why)."""
    typed: bool = False
    """Typed on the command line (else read from a sheet)."""
    as_sent: tuple[str, ...] = ()
    """Parts whose template cell the holder left exactly as csplan sent it (the sheet's
    as-sent record): only these may keep csplan's mark. Any other part given, typed or
    in a sheet, is the holder's own figure, even where it repeats one csplan carried."""

    def gives(self, name: str) -> bool:
        """The holder gives part ``name`` (not a template cell left as sent)."""
        return getattr(self, name) is not None and name not in self.as_sent


@dataclass(frozen=True)
class Problem:
    """Why a return is refused: its finding code, the field at fault, what is wrong."""

    code: str
    field: str
    message: str
    hint: str | None = None


SLIP_LOW = Decimal("0.01")
"""An amount under 1% of the target is very likely typed in the wrong units ..."""
CONFIRM_HIGH = Decimal(3)
"""... one more than 3 times it is worth confirming (a saving seldom delivers three
times its target; one zero too many makes 10 times, so a slip rarely lands below) ..."""
SLIP_HIGH = Decimal(10)
"""... and one 10 times it or more is very likely a zero too many or the wrong units."""


def _typed_as(figure: Decimal, suffix: str) -> str:
    """``figure`` with a scale suffix as someone would type it: £0.6m, £250k; a thousand
    or more of one scale in the next (£1m, not £1,000k; £1.2bn, not £1,200m)."""
    if figure >= 1_000 and suffix in ("k", "m"):
        figure, suffix = figure / 1_000, "m" if suffix == "k" else "bn"
    return f"£{figure.normalize():,f}{suffix}"


@dataclass(frozen=True)
class Query:
    """Why an amount is questioned against its saving's target."""

    share: str
    """How it compares: "under 1% of", "10 times", "over 3 times" (the target)."""
    sure: bool
    """Very likely a slip (under 1%, or 10 times or more), not merely worth confirming."""
    likely: tuple[Money, str] | None
    """The amount probably meant and how it would be typed; None when no slip explains it."""


def amount_query(amount: Money, target: Money, *, small_expected: bool = False) -> Query | None:
    """None when ``amount`` is plausible for ``target``; else why it is questioned. Sizes
    are compared, so a reversal's (negative target) forecast is judged as a saving's.
    ``small_expected``: a small amount is no slip (delivered to date early in the year)."""
    if not amount or not target:
        return None
    size, whole = abs(amount), abs(target)
    if size < whole * SLIP_LOW:
        if small_expected:
            return None
        return Query("under 1% of", True, _likely(amount, target))
    if size <= whole * CONFIRM_HIGH:
        return None
    times = size / whole
    share = f"{int(times)} times" if times == int(times) else f"over {int(times)} times"
    return Query(share, size >= whole * SLIP_HIGH, _likely(amount, target))


def _likely(amount: Money, target: Money) -> tuple[Money, str] | None:
    """The amount a slip most likely meant (nearest the target, and itself plausible):
    typed in the wrong units (0.6 for £0.6m, 610000 for £610k) or with a zero or two too
    many; and how it would be typed. None when no such slip explains ``amount``."""
    best: tuple[Decimal, Money, str] | None = None
    whole = abs(target)
    typed = amount > 0
    for meant, shown in (
        (amount * 1_000_000, _typed_as(amount, "m") if typed else None),
        (amount * 1_000, _typed_as(amount, "k") if typed else None),
        (amount / 10, None),
        (amount / 100, None),
        (amount / 1_000, None),
        (amount / 1_000_000, None),
    ):
        if whole * SLIP_LOW <= abs(meant) <= whole * CONFIRM_HIGH and meant == meant.quantize(PENNY):
            distance = abs((abs(meant) / whole).ln())
            if best is None or distance < best[0]:
                best = (distance, meant, shown or format_pounds(meant))
    return (best[1], best[2]) if best else None


def _amount(
    text: str, entry: Return, units: str, name: str, target: Money, confirmed: bool, known: Collection[Money] = ()
) -> Money | Problem:
    """One amount of a return, read; or the problem with it (unreadable, a formula, or
    very likely a units slip when not ``confirmed``). An amount among ``known`` (the
    figure already recorded, or the sheet's as-sent one) was confirmed when recorded:
    it is not questioned again."""
    words = name.replace("_", " ")
    label = words if entry.from_sheet else option_name(name)
    scale = entry.scales.get(name)
    if scale is not None:  # the cell as it holds the figure, and its column's scale apart
        units, label = scale, f"{label} ({UNIT_LABELS[scale]})"
    # The scale the figure was typed in (a sheet column's; the file's units for a bare
    # figure on the command line): the target and every figure suggested are said in it,
    # as the holder would type them ("did you mean 200 (£200,000)?", never "£200,000",
    # which typed there is £200m).
    typed_in = scale or (units if not entry.from_sheet and not own_scale(text) else "pounds")
    said = f"{label} {text!r}"
    if text.startswith("="):
        return Problem("CSP702", name, f"{said} is a formula", f"type the {words} amount itself")
    try:
        amount = cli_amount(
            text,
            units,
            label,
            negative=target < 0 or name in PARTS,
            why_not_negative="write it as zero or more: only a reversal (a saving whose target is negative) "
            "is forecast or delivered below zero",
        )
    except UsageError as exc:
        hint = exc.hint
        if scale is not None and "whole number of pence" in exc.message:
            hint = _penny_hint(text, scale)
        return Problem("CSP703", name, exc.message, hint)
    if amount < 0 and name in PARTS:  # the model refuses it, reversal or not
        return Problem("CSP703", name, f"{said} is negative", f"{words} is a part of the target: zero or more")
    if name == "at_risk" and amount > target >= 0:
        # At risk is part of the target: more is a slip, not a judgement --yes could accept.
        # (A reversal's parts have no settled meaning against a negative target: unchecked.)
        bare = not any(c.isalpha() for c in text)  # scaled by the file's units, not its own suffix
        smaller = (amount / 1_000, amount / 1_000_000) if bare else ()
        likely = next((m for m in smaller if target * SLIP_LOW <= m <= target and m == m.quantize(PENNY)), None)
        return Problem(
            "CSP710",
            name,
            f"{said} is {format_pounds(amount)}, more than the target {as_typed(target, typed_in)}",
            (f"did you mean {as_typed(likely, typed_in)}? " if likely is not None else "")
            + f"at risk is the part of the target that may not be delivered: at most {as_typed(target, typed_in)}",
        )
    # Delivered to date (and achieved or at risk) is rightly small early in the year:
    # only an excess is queried. A reversal's parts have no settled meaning: unchecked.
    if confirmed or (target < 0 and name in PARTS) or amount in known:
        return amount
    query = amount_query(amount, target, small_expected=name in OPTIONAL_AMOUNTS)
    if query is None:
        return amount
    meant = query.likely[1] if query.likely else None
    if query.likely is not None and typed_in != "pounds":
        meant = as_typed(query.likely[0], typed_in)  # as the sheet takes it: "610 (£610,000)"
    shown = format_pounds(amount)
    return Problem(
        "CSP701",
        name,
        f"{said} is {shown}, {query.share} the target {as_typed(target, typed_in)}"
        + ("" if query.sure else " (worth confirming)"),
        (f"did you mean {meant}? " if meant else "check the number of digits; ") + f"(add --yes if {shown} is right)",
    )


def _penny_hint(text: str, scale: str) -> str:
    """How to round a figure of a scaled column past the penny, with the figure rounded:
    "the column is in £'000: round to the penny, 5 decimal places at most (45.67891 for £45,678.91)"."""
    places = 5 if scale == "thousands" else 8
    hint = f"the column is in {UNIT_LABELS[scale]}: round to the penny, {places} decimal places at most"
    try:
        figure = text.strip()
        number = Decimal(figure.strip("()£ ").replace(",", "").replace("−", "-").replace("£", ""))
        number = -number if figure.startswith("(") else number
        pounds = (number * UNIT_SCALE[scale]).quantize(PENNY, ROUND_HALF_UP)
    except ArithmeticError:
        return hint
    return f"{hint} ({to_units(pounds, scale):f} for {format_pounds(pounds)})"


def _check(
    entry: Return, model: SavingsFile, document: Document, replace: bool, confirmed: bool
) -> tuple[_Checked | None, list[Problem]]:
    """Check a return against the file: the return ready to place, or every problem."""
    problems: list[Problem] = []
    period: str | None = None
    if not entry.period:
        problems.append(Problem("CSP705", "period", "no period for this return", "give the period, P01..P12"))
    else:
        try:
            period = normalise_period(entry.period)
        except UsageError as exc:
            problems.append(Problem("CSP705", "period", exc.message, exc.hint))
    if entry.rag is not None and entry.rag not in RAGS:
        nearest = difflib.get_close_matches(entry.rag, RAGS, n=1)
        choose = f"did you mean {nearest[0]}?" if nearest else "choose blue, green, amber or red, or leave it empty"
        problems.append(Problem("CSP706", "rag", f"rag {entry.rag!r} is not one of {', '.join(RAGS)}", choose))
    ids = [s.id for s in model.lines]
    if entry.saving_id not in ids:
        if not entry.saving_id:
            problems.append(Problem("CSP704", "id", "no saving id for this return", "give the saving's id, e.g. S06"))
        else:
            hint = did_you_mean(entry.saving_id, ids) or (f"ids run {ids[0]}..{ids[-1]}" if ids else None)
            problems.append(Problem("CSP704", "id", f"no saving {entry.saving_id!r} in {document.path}", hint))
        return None, problems
    index = ids.index(entry.saving_id)
    saving = model.lines[index]
    periods = [p.period for p in saving.progress]
    unknown = [name for name in entry.clear if name not in CLEARABLE]
    if unknown:
        raise UsageError(f"--clear {unknown[0]}: only {', '.join(CLEARABLE)} can be cleared")
    given = {
        "delivered": entry.delivered,
        "rag": entry.rag,
        "note": entry.note,
        "achieved": entry.achieved,
        "at_risk": entry.at_risk,
    }
    both = [name for name in entry.clear if given.get(name) is not None]
    if both:
        raise UsageError(
            f"{option_name(both[0])} and --clear {option_name(both[0])[2:]} together",
            "give a value, or clear it, not both",
        )
    units = "pounds" if entry.from_sheet else document.units
    forecast: Money | None = None
    if not entry.forecast:
        if period is not None and period not in periods:
            if entry.from_sheet:
                message, hint = (
                    "a return with no forecast",
                    "type the forecast for the year, or leave the whole row blank for no return this month",
                )
            else:
                message, hint = (
                    f"{entry.saving_id} has no return for {period} yet: give its --forecast",
                    "a return's forecast may be left out only to change a return already recorded",
                )
            problems.append(Problem("CSP708", "forecast", message, hint))
    else:
        known = _confirmed_figures(saving, period, "forecast", entry)
        read = _amount(entry.forecast, entry, units, "forecast", saving.target, confirmed, known)
        if isinstance(read, Problem):
            problems.append(read)
        else:
            forecast = read
    optional: dict[str, Money | None] = dict.fromkeys(OPTIONAL_AMOUNTS)
    for name in OPTIONAL_AMOUNTS:
        text = given[name]
        if text is not None:
            known = _confirmed_figures(saving, period, name, entry)
            read = _amount(text, entry, units, name, saving.target, confirmed, known)
            if isinstance(read, Problem):
                problems.append(read)
            else:
                optional[name] = read
    if (
        period is not None
        and period not in periods
        and periods
        and PERIODS.index(period) < PERIODS.index(periods[-1])
        and not replace
    ):
        problems.append(
            Problem(
                "CSP709",
                "period",
                f"{entry.saving_id} already has a return for {periods[-1]}, later than {period}",
                "returns are kept oldest first; add --replace to insert an earlier period",
            )
        )
    if problems or period is None:
        return None, problems
    rag = entry.rag
    if entry.from_sheet and rag is not None:
        existing = next((p for p in saving.progress if p.period == period), None)
        # csplan's own sheets show its status; repeating it is not the officer's judgement.
        if existing is not None and rag != existing.rag and rag == saving_status(saving, model.settings, period).rag:
            rag = None  # keep the return's own RAG (or none)
    checked = _Checked(
        index,
        period,
        forecast,
        optional["delivered"],
        rag,
        entry.note or None,
        tuple(entry.clear),
        achieved=optional["achieved"],
        at_risk=optional["at_risk"],
        typed=not entry.from_sheet,
    )
    return checked, []


def _confirmed_figures(saving: Saving, period: str | None, name: str, entry: Return) -> set[Money]:
    """The figures of field ``name`` that the CSP701 query (worth confirming) has no
    call to question again: the one recorded for ``period`` (or, when the period has no
    return yet, in the saving's latest earlier return), and the one the sheet was sent
    with in that cell. Repeating them changes nothing: they were confirmed when recorded.
    Only a changed figure is questioned."""
    known: set[Money] = set()
    if period is not None:
        rank = PERIODS.index(period)
        earlier = [p for p in saving.progress if PERIODS.index(p.period) <= rank]
        if earlier and getattr(earlier[-1], name) is not None:
            known.add(getattr(earlier[-1], name))
    try:
        sent = _typed(name, entry.sent.get(name)) if entry.sent is not None else None
    except ArithmeticError:  # not csplan's record: nothing confirmed by it
        sent = None
    if sent is not None:
        known.add(sent)
    return known


def _unchanged(item: _Checked, model: SavingsFile, cleared: Collection[tuple[str, str]] = ()) -> bool:
    """The return is already recorded exactly so: every field given equals the file's,
    and every part cleared is already empty on purpose (``cleared``, by period and part)."""
    for existing in model.lines[item.index].progress:
        if existing.period == item.period:
            given = {
                "forecast": item.forecast,
                "delivered": item.delivered,
                "rag": item.rag,
                "note": item.note,
                "achieved": item.achieved,
                "at_risk": item.at_risk,
            }
            figures = _carried_figures(model.lines[item.index])
            return (
                all(getattr(existing, name) is None for name in item.clear)
                and not _emptied(item, figures, cleared)
                and all(value is None or getattr(existing, name) == value for name, value in given.items())
            )
    return False


def _confirms_a_mark(item: _Checked, model: SavingsFile, document: Document) -> bool:
    """The return gives a part whose line csplan marked as not the holder's (``# carried
    from P09``): giving it is a change of the file, if not of the figure."""
    progress = model.lines[item.index].progress
    position = next(i for i, p in enumerate(progress) if p.period == item.period)
    return any(
        item.gives(name)
        and getattr(progress[position], name) is not None
        and _file_mark(document, item.index, position, name) is not None
        for name in CARRIED
    )


def _cleared_in_file(document: Document, index: int) -> set[tuple[str, str]]:
    """The carried figures (delivered, achieved, at risk) saving ``index``'s returns
    leave empty on purpose, by (period, name): written with no value (``at_risk:``, as
    ``--clear at-risk`` writes it), which stops an earlier figure being carried past
    that return. A figure left out altogether only has no figure in that return."""
    cleared: set[tuple[str, str]] = set()
    if not _has_empty_parts(document.source.text):
        return cleared  # the common case, and every file written before --clear left parts empty
    for position, entry in enumerate(typing.cast(SavingsFile, document.model).lines[index].progress):
        for name in CARRIED:
            if getattr(entry, name) is None:
                line, column = document.locate("lines", index, "progress", position, name, key=True)
                if re.match(rf"{name}[ \t]*:", _lines(document.source.text)[line - 1][column - 1 :]):
                    cleared.add((entry.period, name))
    return cleared


@functools.lru_cache(maxsize=2)
def _lines(text: str) -> list[str]:
    """A file's lines, split once per text however many returns are checked (a str
    keeps its hash, so finding the text again costs nothing)."""
    return text.splitlines()


@functools.lru_cache(maxsize=2)
def _has_empty_parts(text: str) -> bool:
    """Whether any achieved: or at_risk: of the file may be empty (a quick, generous test)."""
    return re.search(r"\b(?:delivered|achieved|at_risk)[ \t]*:[ \t]*(?:null\b|~|[,}#\r\n]|$)", text, re.M) is not None


def kept_with_sources(document: Document, index: int, period: str) -> dict[str, tuple[Money | None, str | None]]:
    """What an empty Delivered to date, Achieved or At risk cell of saving ``index``'s
    return for ``period`` starts from, before that return's own figures are weighed
    (``_carry``): each one's
    latest figure recorded before ``period`` (``_latest``), None where there is none or
    a return cleared it on purpose. The returns template shows these as Last delivered,
    Last achieved and Last at risk, so what a holder sees is what a blank cell keeps;
    with the return each comes from (None: none), which the template names where it is
    older than the last return."""
    saving = typing.cast(SavingsFile, document.model).lines[index]
    figures = _carried_figures(saving)
    cleared = _cleared_in_file(document, index)
    sources = {name: _latest(name, period, figures, cleared) for name in CARRIED}
    return {
        name: (figures[source][name], source) if source is not None else (None, None)
        for name, source in sources.items()
    }


def _emptied(
    item: _Checked, figures: Mapping[str, Mapping[str, Money | None]], cleared: Collection[tuple[str, str]]
) -> list[str]:
    """The parts ``item`` clears that are to be written empty (``at_risk:``), so that no
    earlier figure is carried past its return: those it records now, or that a later
    return would carry from an earlier one. Where there is nothing to stop (no figure
    here or before, or already empty on purpose) there is nothing to clear."""
    return [
        name
        for name in CARRIED
        if name in item.clear
        and (item.period, name) not in cleared
        and (
            (figures.get(item.period) or {}).get(name) is not None
            or _latest(name, item.period, figures, cleared) is not None
        )
    ]


def _cleared_in_node(node: Any) -> set[tuple[str, str]]:
    """``_cleared_in_file`` of a saving as round-trip data (during an edit)."""
    return {
        (str(entry.get("period")), name)
        for entry in node.get("progress") or ()
        for name in CARRIED
        if name in entry and entry[name] is None
    }


def _file_mark(document: Document, index: int, position: int, name: str) -> str | None:
    """The mark csplan ended a part's line with in the file ("carried from P09",
    "delivered the target"), or None: a figure given by someone (or not there)."""
    if getattr(typing.cast(SavingsFile, document.model).lines[index].progress[position], name) is None:
        return None
    line = _lines(document.source.text)[document.locate("lines", index, "progress", position, name)[0] - 1]
    return csplans_mark(end_comment(line))


def _where(label: str, entry: Return, problem: Problem) -> str:
    return entry.cells.get(problem.field) or label


def prepare_return(
    data: Path, entry: Return, *, replace: bool = False, year: str | None = None, confirmed: bool = False
) -> Update:
    """Check one return against the data and build the edited file; write nothing."""
    return prepare_returns(data, [("", entry)], replace=replace, year=year, confirmed=confirmed)


def prepare_returns(
    data: Path,
    entries: list[tuple[str, Return]],
    *,
    replace: bool = False,
    year: str | None = None,
    confirmed: bool = False,
    refused: Sequence[str] = (),
    refused_rows: int = 0,
) -> Update:
    """Check every return (each labelled, e.g. "row 3") and build one edited file.

    All are checked before any is applied; if any is refused, nothing is: a single
    unlabelled return raises its own usage error, labelled ones a data error that
    names every bad cell (with ``refused``, problems the reader already found in
    ``refused_rows`` rows not among ``entries``).
    A return already recorded exactly so is counted as unchanged, not written (typed on
    the command line, its saving's status is given all the same). ``confirmed``
    (--yes) accepts amounts that look like a units slip. Write nothing;
    ``Update.write`` does.
    """
    plan, findings = validate_plan(data)
    document = editable_document(plan, findings, "savings", year, "record returns", data)
    model = typing.cast(SavingsFile, document.model)
    checked: list[_Checked] = []
    problems: list[str] = list(refused)
    seen: dict[tuple[int, str], str] = {}
    unchanged = 0
    kept: list[str] = []
    shown: list[int] = []
    bad_rows = refused_rows
    given_periods: dict[str, list[str]] = {}
    conflicted = 0  # rows that disagree with a figure recorded since the sheet was sent (CSP713)
    news = False  # ... and gives another figure not yet recorded
    for label, entry in entries:
        item, found = _check(entry, model, document, replace, confirmed)
        if found and not label:
            first = found[0]
            raise UsageError(first.message, first.hint)
        if found:
            bad_rows += 1
            for problem in found:
                problems.append(f"{_where(label, entry, problem)}: error {problem.code} {problem.message}")
                if problem.hint:
                    problems.append(f"  hint: {problem.hint}")
            continue
        assert item is not None
        given_periods.setdefault(model.lines[item.index].id, []).append(item.period)
        key = (item.index, item.period)
        if key in seen:
            bad_rows += 1
            problems.append(
                f"{label}: error CSP707 a second return for {entry.saving_id} {item.period} (first: {seen[key]})"
            )
            continue
        seen[key] = label
        if entry.sent is not None:
            item, warned, conflicts = _against_sent(label, entry, item, model, document)
            kept.extend(warned)
            if conflicts:
                bad_rows += 1
                problems.extend(conflicts)
                conflicted += 1
                news = news or any(line.startswith(REST_OF_ROW) for line in conflicts)
                continue
            if item is None:  # the return was removed since the sheet was sent; the sheet left it as sent
                unchanged += 1
                continue
        if entry.sent is not None:
            # A template cell left as sent was not given by the holder: only it may keep a mark.
            sent = entry.sent
            left = tuple(
                n
                for n in CARRIED
                if getattr(item, n) is not None and _typed(n, sent.get(n)) == _typed(n, getattr(item, n))
            )
            item = dataclasses.replace(item, as_sent=left)
        elif entry.csplans_own:
            # csplan's status CSV shows what is recorded: a carried figure repeated is not given.
            now = next((p for p in model.lines[item.index].progress if p.period == item.period), None)
            left = tuple(
                n
                for n in CARRIED
                if now is not None and getattr(item, n) is not None and getattr(item, n) == getattr(now, n)
            )
            item = dataclasses.replace(item, as_sent=left)
        if _unchanged(item, model, _cleared_in_file(document, item.index)) and not _confirms_a_mark(
            item, model, document
        ):
            unchanged += 1
            if not entry.from_sheet:
                shown.append(item.index)
            continue
        checked.append(item)
    if problems:
        # (a problem of the sheet itself, not of a row, refuses it with no row counted)
        refusal = (
            f"{bad_rows} of {plural(len(entries) + refused_rows, 'return')} refused"
            if bad_rows
            else "the sheet is refused"
        )
        if conflicted:
            # Nothing else on the sheet would change anything, and each conflict is over a
            # figure somebody recorded: very likely it was imported before, and those figures
            # corrected since. Anything else the sheet would record proves it was not: then
            # the "imported before" hedge would lead an officer to drop the sheet's figures.
            alone = (
                not news
                and not checked
                and not refused
                and bad_rows == conflicted
                and all(isinstance(p, _Hedged) for p in problems if " error CSP713 " in p)
            )
            if not alone:
                problems = [p.plain if isinstance(p, _Hedged) else p for p in problems]
            problems.append(IMPORTED_BEFORE if alone else CONFLICTS_SETTLED)
        raise DataError(f"{refusal}; nothing was written\n" + "\n".join(problems))

    checked = _carry_forward(checked, model, document)
    old_text = document.source.text
    if not checked:
        statuses = [saving_status(model.lines[index], model.settings, units=model.units) for index in shown]
        return Update(
            Path(document.path),
            old_text,
            old_text,
            [],
            statuses,
            [],
            unchanged,
            kept=kept,
            periods={k: tuple(v) for k, v in given_periods.items()},
        )
    indexes = sorted({c.index for c in checked})
    said: dict[tuple[int, str], str] = {}
    rederived: dict[tuple[int, str, str], str] = {}
    hand: dict[tuple[int, str, str], str] = {}
    brackets = writes_brackets(old_text)

    def change(index: int) -> ItemChange:
        def apply(node: Any) -> None:
            saving = model.lines[index]
            recorded = {p.period: {name: getattr(p, name) for name in AMOUNTS} for p in saving.progress}
            theirs = _hand_changed(saving.target, recorded, _marks(node), _cleared_in_node(node))
            # A figure this edit gives or clears is the holder's now: nothing to warn of.
            settled = {
                (c.period, n) for c in checked if c.index == index for n in CARRIED if c.gives(n) or n in c.clear
            }
            for (period, name), why in theirs.items():
                if (period, name) not in settled:
                    hand[index, period, name] = f"{saving.id} {period}: {why}"
            olds: dict[str, tuple[dict[str, Any] | None, list[str]]] = {}
            for item in (c for c in checked if c.index == index):
                # A part cleared stays, empty: it says no figure on purpose, and stops the carry.
                emptied = _emptied(item, _figures(model, index, []), _cleared_in_node(node))
                values = {**_values(item, document.units, brackets), **dict.fromkeys(emptied)}
                others = tuple(n for n in item.clear if n not in CARRIED)
                before, after = set_in_progress(
                    node, item.period, values, others, FIELD_ORDER, PERIODS.index, CSPLANS_MARK
                )
                olds[item.period] = (before, _mark(node, item, before, after))
            marks = {place: mark for place, mark in _marks(node).items() if place not in theirs}
            for again in _rederive(saving.target, _figures(model, index, checked), marks, _cleared_in_node(node)):
                entry = next(e for e in node["progress"] if e.get("period") == again.period)
                if again.value is None:
                    remove_key(entry, again.name, CSPLANS_MARK)
                else:
                    entry[again.name] = _written(again.value, document.units, brackets)
                    set_line_comment(entry, again.name, again.mark or "")
                rederived[index, again.period, again.name] = f"{saving.id} {again.period}: {again.said}"
            # Said after the re-derivation, so the summary is what the file now holds.
            for period, (before, given) in olds.items():
                entry = next(e for e in node["progress"] if e.get("period") == period)
                said[index, period] = describe_change(before, dict(entry), _shown(document.units), _words)
                if given and said[index, period] == "no change":
                    said[index, period] = f"{' and '.join(map(_words, given))} given, no longer marked carried"

        return apply

    ids = ", ".join(model.lines[index].id for index in indexes)
    new_text = edit_list_items(
        document, "lines", {i: change(i) for i in indexes}, f"{ids} in {document.path}", CSPLANS_MARK
    )
    try:
        new_document, warnings = recheck(plan, document, new_text, ("lines", indexes))
    except DataError as exc:
        kept = [c.carried for c in checked if c.carried and any(n == "delivered" for n, _ in c.marks)]
        if not kept or exc.hint is not None:
            raise
        # The holder did not type the delivered figure a finding may be about: say where it came from.
        raise DataError(
            exc.message,
            f"delivered to date was not given, so the latest recorded was kept ({'; '.join(kept)}): give this "
            "month's delivered figure (--delivered, or the Delivered to date cell), or a forecast of at least it",
            exc.findings,
        ) from exc
    new_model = typing.cast(SavingsFile, new_document.model)
    statuses = [saving_status(new_model.lines[i], new_model.settings, units=new_model.units) for i in indexes]
    changes = [f"{model.lines[c.index].id} {c.period}: {said[c.index, c.period]}" for c in checked]
    carried = [c.carried for c in checked if c.carried]
    return Update(
        Path(document.path),
        old_text,
        new_text,
        warnings,
        statuses,
        changes,
        unchanged,
        carried,
        kept,
        list(rederived.values()),
        list(hand.values()),
        tuple(n for n in CARRIED if any(n in c.weighed for c in checked)),
        {k: tuple(v) for k, v in given_periods.items()},
    )


def status_line(status: SavingStatus, periods: Mapping[str, Sequence[str]], *, period_shown: bool = True) -> str:
    """A saving's status after an edit, "S06 P08 red: forecast ...": its status is at its
    latest return, so where the edit gave an earlier period (P07 when P08 is recorded),
    the line names that period as the latest: "S06 P08 (latest) red: ...". Without
    ``period_shown`` (savings update of the latest period) the period is left out."""
    latest = status.period is not None and status.period not in periods.get(status.id, ())
    when = f" {status.period} (latest)" if latest else f" {status.period}" if period_shown and status.period else ""
    return f"{status.id}{when} {status.rag}: {status.reason}"


def resend_command(entry: Return, period: str) -> str:
    """The command that makes the sheet ``entry`` came from again, as it was chosen: a
    template for ``period`` with its recorded --division/--owner, or csplan's export."""
    if entry.sent_by != "template":
        return command("export FILE.xlsx")
    chosen = "".join(f" --{name} {shlex.quote(text)}" for name, text in entry.sent_filters)
    return command(f"savings template --period {period}{chosen} -o FILE.xlsx")


REST_OF_ROW = "  hint: the rest of this row, not in conflict, is not recorded either: "

IMPORTED_BEFORE = (
    "  then: nothing was changed; every other figure on the sheet is already recorded, so if this sheet was "
    "imported before, the figures above are corrections made since, which stand, and nothing needs doing; "
    "if not, settle each conflict as its hint says"
)
"""After a refusal for CSP713 where the sheet would otherwise change nothing."""

CONFLICTS_SETTLED = (
    "  then: nothing from the sheet was recorded, neither its other rows nor the rest of a row in conflict; "
    "once the sheet's figure is recorded for each conflict, importing the sheet again records the rest "
    "(where the recorded figure stands, record the rest of its row as above, and send the sheet out again "
    "for the others)"
)
"""After a refusal for CSP713: what was not recorded, and how none of it is lost."""


class _Hedged(str):
    """A CSP713 line saying what holds if the sheet was imported before (the recorded
    figure is a correction made since; nothing needs doing): said only where nothing else
    on the sheet would change. ``plain`` is the line to say otherwise."""

    plain: str

    def __new__(cls, hedged: str, plain: str) -> _Hedged:
        line = super().__new__(cls, hedged)
        line.plain = plain
        return line


def _against_sent(
    label: str, entry: Return, item: _Checked, model: SavingsFile, document: Document
) -> tuple[_Checked | None, list[str], list[str]]:
    """A template's (or export's) row against what it was sent with and what is recorded now.

    Several officers record returns at once: finance may correct a figure by hand after
    the template went out. Per field: recorded unchanged since sending, the sheet's
    value stands (as for any sheet); recorded changed and the cell still as sent, the
    holder did not touch it: the recorded figure is kept, with a warning (CSP712);
    recorded changed and the cell changed too (to something else), the two disagree and
    neither may silently win: an error (CSP713). An empty cell keeps what is recorded,
    as on any sheet. Returns the row to apply (None: nothing to apply), the warnings
    and the errors, each with its hint line."""
    saving = model.lines[item.index]
    units = document.units
    position = next((i for i, p in enumerate(saving.progress) if p.period == item.period), None)
    existing = saving.progress[position] if position is not None else None
    sent = entry.sent or {}

    def shown(name: str, value: Any) -> str:  # an amount as the sheet's column takes it: "700 (£700,000)"
        return _shown_sent(name, value, entry.scales.get(name, "pounds"))

    update: dict[str, Any] = {}
    warnings: list[str] = []
    errors: list[str] = []
    rest: list[str] = []  # the row's own figures not in conflict, as update options
    removed = existing is None and any(text is not None for text in sent.values())
    for name, sent_text in sent.items():
        was = _typed(name, sent_text)
        now = _typed(name, getattr(existing, name) if existing is not None else None)
        given = _typed(name, entry.rag if name == "rag" else getattr(item, name))
        if given is not None and given != was and given != now and not removed and now == was:
            rest.append(_option(name, given, units))  # the holder's change, nobody else's: would be recorded
        if given is None or (not removed and (now == was or given == now)):
            continue  # empty (keeps what is recorded), nobody else changed it, or both agree
        place = entry.cells.get(name) or label
        what = f"{saving.id} {item.period} {_words(name)}"
        fix = command(f"savings update {shlex.quote(saving.id)} --period {item.period} {_option(name, given, units)}")
        # A figure csplan carried (or settled) since is said so: nobody recorded it.
        mark = _file_mark(document, item.index, position, name) if position is not None and name in CARRIED else None
        how = "recorded" if mark is None else mark if mark != DELIVERED_MARK else f"settled ({mark})"
        if given == was:
            update[name] = None
            kept = (
                "kept the return removed"
                if removed
                else f"kept {shown(name, now)} {how}"
                if now is not None
                else "kept it cleared"
            )
            warnings.append(
                f"{place}: warning CSP712 {what}: {kept} since the sheet was sent (the sheet still shows "
                f"{shown(name, was)})"
            )
            warnings.append(f"  hint: the holder left it as sent; if {shown(name, was)} is right after all: {fix}")
        else:
            recorded = (
                "the return was removed"
                if removed
                else f"{shown(name, now)} was {how}"
                if now is not None
                else "it was cleared"
            )
            sent_as = f"with {shown(name, was)}" if was is not None else "with it empty"
            # csplan keeps no record of which sheet a figure came from, so it cannot tell
            # a holder's change from this sheet imported before and corrected since: it
            # refuses either way, and says both.
            before = (
                f" (if this sheet was imported before, {shown(name, now)} is a correction made since: "
                "it is what stays recorded)"
                if how == "recorded" and now is not None and not removed
                else ""
            )
            error = (
                f"{place}: error CSP713 {what}: the sheet says {shown(name, given)} but {recorded} since the sheet "
                f"was sent {sent_as}"
            )
            again = resend_command(entry, item.period)
            template = entry.sent_by == "template"
            check = (
                f"re-send the template ({again}) for the holder to check"
                if template
                else f"export the workbook again ({again}) for whoever edited it to check"
            )
            hint = f"  hint: {check}, or record the figure meant: {fix}"
            if before:  # prepare_returns says the plain lines where the sheet would change anything else
                fresh = "a fresh template" if template else "a fresh export"
                check = "re-send it for the holder" if template else "export it again for whoever edited it"
                errors.append(_Hedged(error + before, error))
                errors.append(
                    _Hedged(
                        f"  hint: if it was imported before, nothing needs doing; make {fresh} for new figures "
                        f"({again}); if not, {check} to check, or record the figure meant: {fix}",
                        hint,
                    )
                )
            else:
                errors.extend((error, hint))
    if errors:
        if rest:  # nothing of the row is written while a conflict stands: its other figures too
            whole = command(f"savings update {shlex.quote(saving.id)} --period {item.period} {' '.join(rest)}")
            errors.append(f"{REST_OF_ROW}{whole}")
        return None, warnings, errors
    if removed:
        return None, warnings, []  # removed since, and the holder left the row as sent: it stays removed
    return dataclasses.replace(item, **update), warnings, []


def sent_text(field_name: str, value: Any) -> str | None:
    """A pre-filled value as a template's as-sent record holds it: an amount as exact
    pounds ("700000.5"), a note as its cell shows it (stripped, a control character
    escaped), a RAG as is; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(to_units(value, "pounds"), "f")
    return cell_text(escape_controls(str(value)))


def _typed(name: str, value: Any) -> Any:
    """A field's value as compared with the as-sent record: an amount as a Decimal, text
    as the sheet shows it; None when empty."""
    text = sent_text(name, value)
    return Decimal(text) if text is not None and name in AMOUNTS else text


def _shown_sent(name: str, value: Any, scale: str = "pounds") -> str:
    """A field's value in a message: an amount as typed in its sheet column's ``scale``
    ("700 (£700,000)" in a £'000 column, money.as_typed), a note quoted, a RAG as is."""
    if name in AMOUNTS:
        return as_typed(value, scale)
    return repr(value) if name == "note" else str(value)


def _option(name: str, value: Any, units: str) -> str:
    """The savings update option that records ``value`` (an amount in the file's units)."""
    typed = to_units(value, units) if name in AMOUNTS else value
    return f"{option_name(name)} {shlex.quote(str(typed))}"


def _words(name: str) -> str:
    """A field as people read it: at_risk -> "at risk"."""
    return name.replace("_", " ")


def _carry_forward(checked: list[_Checked], model: SavingsFile, document: Document) -> list[_Checked]:
    """The returns, with delivered to date, achieved and at risk that a return for a new
    period leaves out carried from the saving's latest earlier return that records each (recorded, or
    earlier in this batch), where the new return's own figures leave room for them
    (see ``_carry``).

    They are a position, like the forecast, not a movement in the month: a holder who
    gives only this month's forecast has not said that nothing is achieved or at risk,
    and dropping them would change the totals status shows. Delivered to date is
    cumulative: a blank means no change, so it is carried as it is, but only up to the
    new return's forecast (a lower forecast is the holder's word: a carried figure past
    it would make the saving blue beside it, and CSP403 would refuse the return for a
    figure nobody typed), before the parts are weighed. An earlier return with no
    figure for a part (csplan did not carry it there, it was recorded before the part
    was) is looked past; one that leaves it empty on purpose (``--clear at-risk``
    writes ``at_risk:``) stops the carry. A return for a period already recorded keeps
    its own (an empty cell keeps what is recorded); ``clear`` carries nothing, and 0
    says none is at risk.
    """
    carried: dict[tuple[int, str], _Checked] = {}
    tracked = tracks_parts(model)
    for index in sorted({item.index for item in checked}):
        saving = model.lines[index]
        known = _carried_figures(saving)
        cleared = _cleared_in_file(document, index)
        for item in sorted((c for c in checked if c.index == index), key=lambda c: PERIODS.index(c.period)):
            recorded = known.get(item.period)
            if recorded is None:
                sources = {name: _latest(name, item.period, known, cleared) for name in CARRIED}
                item = _carry(item, saving.id, saving.target, sources, known, tracked)
                if item.carried:
                    carried[index, item.period] = item
                known[item.period] = {name: getattr(item, name) for name in CARRIED}
            else:
                _given_over(recorded, item, CARRIED)
            for name in CARRIED:
                if name in item.clear:
                    cleared.add((item.period, name))
                elif getattr(item, name) is not None:
                    cleared.discard((item.period, name))
    return [carried.get((c.index, c.period), c) for c in checked]


def _carried_figures(saving: Saving) -> dict[str, dict[str, Money | None]]:
    """A saving's carried parts (delivered, achieved, at risk) as its returns record them,
    by period: what ``_latest`` and the marks' rules read."""
    return {p.period: {name: getattr(p, name) for name in CARRIED} for p in saving.progress}


def _latest(
    name: str,
    period: str,
    figures: Mapping[str, Mapping[str, Money | None]],
    cleared: Collection[tuple[str, str]],
) -> str | None:
    """The latest return before ``period`` that records part ``name``, looking past
    returns with no figure for it but stopping at one that leaves it empty on purpose
    (``cleared``, by period and part): None when there is none to carry from."""
    for earlier in sorted((p for p in figures if PERIODS.index(p) < PERIODS.index(period)), key=PERIODS.index)[::-1]:
        if figures[earlier].get(name) is not None:
            return earlier
        if (earlier, name) in cleared:
            return None
    return None


def _carry(
    item: _Checked,
    saving_id: str,
    target: Money,
    sources: Mapping[str, str | None],
    figures: Mapping[str, Mapping[str, Money | None]],
    tracked: bool = False,
) -> _Checked:
    """A new period's return with the parts it leaves out taken from the saving's
    returns for ``sources`` (by part: the latest earlier return recording it, see
    ``_latest``), unless its own figures rule them out.

    Delivered reaching the target settles both: the saving is achieved, so achieved is
    what was delivered and nothing is at risk (carrying £250,000 at risk into a blue
    return would count it in the at-risk total). Otherwise a part is carried only where
    the new forecast leaves room for it: achieved no more than the forecast, at risk no
    more than the shortfall (target - forecast), so none when the forecast makes the
    target; never cut down to fit. A part that does not fit is left out and said, for
    the holder to give: a figure nobody gave that contradicts the figures they did give
    is worse than none. A reversal's parts (a negative target) have no settled meaning
    against it: carried as they are. In a file that tracks achieved and at risk
    (``tracked``), delivered reaching the target settles both even where no earlier
    return recorded them: the saving is achieved whether or not a part was recorded.
    """
    source_of = {n: source for n in CARRIED if (source := sources.get(n)) is not None}
    earlier = {n: amount for n, source in source_of.items() if (amount := figures[source][n]) is not None}
    missing = [n for n in earlier if getattr(item, n) is None and n not in item.clear]
    # Parts no earlier return records: settled only if delivered reaches the target.
    unrecorded = [
        n
        for n in PARTS
        if tracked and target > 0 and n not in earlier and getattr(item, n) is None and n not in item.clear
    ]
    if not missing and not unrecorded:
        return item
    own = {"forecast": item.forecast, "delivered": item.delivered}
    derived = {}
    for name in missing:  # delivered first: the parts' rules weigh it, carried or given
        derived[name] = _derived(name, own, target, source_of[name], figures[source_of[name]], item.period)
        if name == "delivered":
            own["delivered"] = derived[name][0]
    if unrecorded and delivered_the_target(target, own["delivered"]):
        for name in unrecorded:
            derived[name] = _derived(name, own, target, None, None, item.period)
        missing = [n for n in CARRIED if n in missing or n in unrecorded]
    if not missing:
        return item
    filled = {name: value for name, (value, _, _) in derived.items() if value is not None}
    marks = tuple((name, derived[name][1] or "") for name in filled)
    pieces = []
    settled = [name for name, mark in marks if mark == DELIVERED_MARK]
    if "delivered" in filled and settled:
        pieces.append(f"delivered {format_pounds(filled['delivered'])} carried from {source_of['delivered']}")
    if settled:
        parts = [name for name in missing if name in PARTS]
        shown = ", ".join(f"{_words(name)} {format_pounds(filled[name])}" for name in parts)
        froms = " or ".join(dict.fromkeys(source_of[name] for name in parts if name in source_of))
        pieces.append(f"delivered the target, so {shown}" + (f", not carried from {froms}" if froms else ""))
    else:
        for source in dict.fromkeys(source_of[name] for name in filled):  # the figures carried from each return
            pieces.append(
                ", ".join(f"{_words(n)} {format_pounds(a)}" for n, a in filled.items() if source_of[n] == source)
                + f" carried from {source}"
            )
        for name in missing:
            if name not in filled:
                pieces.append(f"{_words(name)} {format_pounds(earlier[name])} not carried from {source_of[name]}: ")
                pieces[-1] += derived[name][2]
    return dataclasses.replace(
        item,
        delivered=filled.get("delivered", item.delivered),
        achieved=filled.get("achieved", item.achieved),
        at_risk=filled.get("at_risk", item.at_risk),
        marks=marks,
        weighed=tuple(missing),
        carried=f"{saving_id} {item.period}: " + "; ".join(pieces),
    )


def _no_room(name: str, forecast: Money | None, target: Money) -> str:
    """Why the new forecast leaves no room for the part ``name`` as last recorded."""
    assert forecast is not None  # a new period's return gives its forecast
    if name == "achieved":
        return f"more than the forecast {format_pounds(forecast)}"
    if forecast >= target:
        return f"the forecast {format_pounds(forecast)} makes the target {format_pounds(target)}"
    return f"more than the {format_pounds(target - forecast)} the forecast {format_pounds(forecast)} leaves short"


def _passes(delivered: Money, forecast: Money, target: Money) -> bool:
    """Whether delivered to date goes past the year's forecast (checks._past_forecast):
    more than it, or for a reversal (a negative target) a larger reversal than it."""
    return delivered < forecast if target < ZERO else delivered > forecast


def _below_delivered(delivered: Money, forecast: Money, target: Money) -> str:
    """Why a delivered to date past the new forecast is not carried: the holder's lower
    forecast is their word, a carried figure beside it would outvote it (blue beside a
    forecast short of the target) and be refused without a note (CSP403)."""
    lower = "lower" if target >= ZERO else "a smaller reversal"
    return (
        f"this month's forecast {format_pounds(forecast)} is {lower}; give this month's delivered figure "
        f"if {format_pounds(delivered)} is still delivered (with a note saying why it passes the forecast)"
    )


def _mark(node: Any, item: _Checked, before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """Mark in the file each part csplan filled in for ``item`` (``# carried from P09``),
    and unmark a part the holder has since changed or cleared: a reader of the YAML can
    tell a carried figure from one given. (A template cell left exactly as sent keeps
    its mark: the holder did not give it.) Returns the parts unmarked."""
    entry = next(e for e in node["progress"] if e.get("period") == item.period)
    for name, comment in item.marks:
        set_line_comment(entry, name, comment)
    unmarked = []
    if before is not None:
        for name in (n for n in CARRIED if n in before):
            given = item.gives(name)
            changed = name not in after or after[name] != before[name] or given
            if changed and drop_line_comment(entry, name, CSPLANS_MARK):
                unmarked.append(name)
    return unmarked


@dataclass(frozen=True)
class _Rederived:
    """A figure csplan marked, worked out again: its new value (None: dropped) and mark."""

    period: str
    name: str
    value: Money | None
    mark: str | None
    said: str


def _figures(model: SavingsFile, index: int, checked: Sequence[_Checked]) -> dict[str, dict[str, Money | None]]:
    """Each return's amounts for saving ``index`` as the edit leaves them, by period."""
    figures = {p.period: {name: getattr(p, name) for name in AMOUNTS} for p in model.lines[index].progress}
    for item in (c for c in checked if c.index == index):
        _given_over(figures.setdefault(item.period, dict.fromkeys(AMOUNTS)), item, AMOUNTS)
    return figures


def _given_over(recorded: dict[str, Money | None], item: _Checked, names: Sequence[str]) -> None:
    """``recorded`` with what ``item`` gives or clears of ``names`` put over it (an
    empty figure keeps what is recorded)."""
    for name in names:
        given = getattr(item, name)
        if given is not None or name in item.clear:
            recorded[name] = given


def _marks(node: Any) -> dict[tuple[str, str], str]:
    """The parts csplan marked in a saving's returns in the file, by (period, part):
    "carried from P09" or "delivered the target"."""
    marks = {}
    for entry in node.get("progress") or ():
        for name in CARRIED:
            # A mark on an empty value (the figure blanked by hand) marks nothing.
            mark = csplans_mark(line_comment(entry, name)) if entry.get(name) is not None else None
            if mark is not None:
                marks[str(entry.get("period")), name] = mark
    return marks


def _hand_changed(
    target: Money,
    figures: Mapping[str, Mapping[str, Money | None]],
    marks: Mapping[tuple[str, str], str],
    cleared: Collection[tuple[str, str]] = (),
) -> dict[tuple[str, str], str]:
    """The marked figures that disagree with their mark's rule in the file as it was
    before this edit, by (period, part), each with what it is and why: a person changed
    them by hand (csplan writes a marked figure by its rule), so they are theirs and are
    never worked out again."""
    theirs = {}
    for period, name, mark, source, (value, rule_mark, _) in _by_rule(target, figures, marks, cleared):
        figure = figures[period][name]
        if value != figure or rule_mark != mark:
            expected = f"{format_pounds(value)} {rule_mark}" if value is not None else "none"
            # Carried from a figure a person changed: it was not changed itself, say so.
            how = (
                f"{source}'s {_words(name)} was changed by hand"
                if (source, name) in theirs and mark == f"carried from {source}"
                else "it was changed by hand"
            )
            theirs[period, name] = (
                f"{_words(name)} {format_pounds(figure) if figure is not None else 'empty'} is marked "
                f"'{mark}' but its rule gives {expected} ({how}): kept as it is, not worked out again"
            )
    return theirs


def _by_rule(
    target: Money,
    figures: Mapping[str, Mapping[str, Money | None]],
    marks: Mapping[tuple[str, str], str],
    cleared: Collection[tuple[str, str]] = (),
) -> Iterator[tuple[str, str, str, str | None, tuple[Money | None, str | None, str]]]:
    """Each marked figure, oldest return first: its period, part, mark, the return it
    comes from (``_latest``: as a new return is carried), and what its rule
    (``_derived``) gives. Lazily, so a caller that updates ``figures`` as it goes has a
    figure carried on from a carried one follow it."""
    for period in sorted(figures, key=PERIODS.index):
        for name in CARRIED:
            mark = marks.get((period, name))
            if mark is not None:
                source = _latest(name, period, figures, cleared)
                last = figures[source] if source is not None else None
                yield period, name, mark, source, _derived(name, figures[period], target, source, last, period)


def _rederive(
    target: Money,
    figures: Mapping[str, dict[str, Money | None]],
    marks: Mapping[tuple[str, str], str],
    cleared: Collection[tuple[str, str]] = (),
) -> list[_Rederived]:
    """Every figure csplan marked, worked out again from the figures it came from as
    they now stand, by the rules it was first written by (see ``_carry``); those that
    change. A correction of P09's achieved reaches the achieved P10 carried from it; a
    forecast or delivered changed re-limits or drops what its return carried or settled.
    Oldest return first, so a figure carried on from a carried one follows it
    (``figures`` is updated as it goes). A figure without a mark was given by someone:
    never touched."""
    changed = []
    for period, name, mark, _, (value, new_mark, why) in _by_rule(target, figures, marks, cleared):
        was = figures[period][name]
        if value == was and new_mark == mark:
            continue
        figures[period][name] = value
        assert was is not None  # a marked figure is in the file
        words = _words(name)
        if value is None:
            said = f"{words} {format_pounds(was)} ({mark}) dropped: {why}"
        else:
            said = f"{words} {format_pounds(value)}" + (": " if new_mark == DELIVERED_MARK else " ") + f"{new_mark}"
            if value != was:
                said += f" (was {format_pounds(was)}" + (f", {mark})" if new_mark != mark else ")")
            else:
                said += f" (was {mark})"
        changed.append(_Rederived(period, name, value, new_mark, said))
    return changed


def _derived(
    name: str,
    figures: Mapping[str, Money | None],
    target: Money,
    source: str | None,
    last: Mapping[str, Money | None] | None,
    period: str,
) -> tuple[Money | None, str | None, str]:
    """A part of a return csplan fills in, from the return's own figures (forecast,
    delivered) and ``last``, the saving's return for ``source`` (the latest earlier):
    its value and mark, or None and why none. The one home of the rules (see
    ``_carry``): carrying into a new return (for ``period``) and working a marked figure
    out again. The year-end return (P12) carries no delivered: close-year records the
    P12 delivered where given, else the P12 forecast, and a figure carried from P06
    would slip what the holder's forecast says is delivered."""
    if name == "delivered":  # to date: carried as it is, up to the return's forecast
        earlier_delivered = last["delivered"] if last is not None else None
        if source is None or earlier_delivered is None:
            return None, None, "no delivered to carry from " + (source or "an earlier return")
        if period == FINAL_PERIOD:
            return (
                None,
                None,
                (
                    f"{FINAL_PERIOD} is the year-end return, where close-year takes the {FINAL_PERIOD} forecast as "
                    "delivered unless you give it"
                ),
            )
        forecast = figures["forecast"]
        if forecast is not None and _passes(earlier_delivered, forecast, target):
            return None, None, _below_delivered(earlier_delivered, forecast, target)
        return earlier_delivered, f"carried from {source}", ""
    delivered = figures["delivered"]
    if delivered_the_target(target, delivered):
        return (delivered if name == "achieved" else ZERO), DELIVERED_MARK, ""
    earlier = last[name] if last is not None else None
    if source is None or earlier is None:
        return None, None, f"no {_words(name)} to carry from " + (source or "an earlier return")
    forecast = figures["forecast"]
    if target > 0 and forecast is not None:
        room = forecast if name == "achieved" else max(target - forecast, ZERO)
        if earlier > room:
            return None, None, _no_room(name, forecast, target)
    return earlier, f"carried from {source}", ""


_BRACKETED = re.compile(r"^[ \t-]*[{]?[^#\n]*\b[a-z_]+: *\(\d", re.M)
_MINUS = re.compile(r"^[ \t-]*[{]?[^#\n]*\b[a-z_]+: *-\d", re.M)


def writes_brackets(text: str) -> bool:
    """Whether a file writes its negative amounts as accountants do, "(100)", and never
    "-100": a figure csplan adds is written so too."""
    return bool(_BRACKETED.search(text)) and not _MINUS.search(text)


def _written(value: Money, units: str, brackets: bool = False) -> Any:
    """An amount as the file writes it (a negative in brackets where the file writes its
    negatives so)."""
    figure = to_units(value, units)
    return f"({decimal_text(-figure)})" if brackets and figure < 0 else figure


def _values(item: _Checked, units: str, brackets: bool = False) -> dict[str, Any]:
    """The fields of a return that were given, as the file writes them (a negative
    amount in brackets where the file writes its negatives so)."""

    def amount(value: Money) -> Any:
        return _written(value, units, brackets)

    values: dict[str, Any] = {}
    if item.forecast is not None:
        values["forecast"] = amount(item.forecast)
    if item.delivered is not None:
        values["delivered"] = amount(item.delivered)
    if item.rag is not None:
        values["rag"] = item.rag
    if item.note:
        values["note"] = item.note
    if item.achieved is not None:
        values["achieved"] = amount(item.achieved)
    if item.at_risk is not None:
        values["at_risk"] = amount(item.at_risk)
    return values


def _shown(units: str) -> Callable[[str, Any], str]:
    """Show a field of a return: amounts in pounds, text quoted."""

    def show(name: str, value: Any) -> str:
        if name in AMOUNTS:
            try:
                return format_pounds(parse_amount(value, units))
            except AmountError:
                return str(value)
        return repr(str(value)) if name == "note" else str(value)

    return show
