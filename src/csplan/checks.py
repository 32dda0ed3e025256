"""Validation and reconciliation rules: each a small function returning findings.

A rule takes one document (``FILE_CHECKS``) or the whole plan (``PLAN_CHECKS``) and
returns what it finds; ``validate_plan`` runs them all.  Hints try to catch the slips
people really make: a decimal point in the wrong place, a total typed in the wrong
units, two digits swapped.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import compress
from operator import attrgetter

from csplan.findings import Finding
from csplan.load import Document, Plan, load_plan
from csplan.models import (
    PERIOD_INDEX,
    BudgetFile,
    Measure,
    MeasuresFile,
    PressuresFile,
    ProgrammeFile,
    ProgressEntry,
    Saving,
    SavingsFile,
)
from csplan.money import UNIT_SCALE, ZERO, Money, as_typed, format_in_units, format_pounds, money_sum, to_units
from csplan.text import BIDI_CONTROLS, CONTROL, any_not_plain, control_hint, id_problem
from csplan.yamlsource import read_carefully
from csplan.years import check_year_links

FileCheck = Callable[[Document], Iterable[Finding]]
PlanCheck = Callable[[Plan], Iterable[Finding]]

# A file of 100,000 savings holds 600,000 returns, so the rules below test each
# saving or return with as little as tells that nothing is wrong (a few attribute
# reads, in C where a column is read whole), and build labels, places and messages
# only for what they report.
_ID = attrgetter("id")
_PERIOD = attrgetter("period")
_MITIGATIONS = attrgetter("mitigations")
_SPLIT_KNOWN = attrgetter("split_known")
_TARGET = attrgetter("target")


def validate_plan(*paths: str | os.PathLike[str]) -> tuple[Plan, list[Finding]]:
    """Load, validate and reconcile; every finding, sorted by file and line."""
    plan, findings = load_plan(*paths)
    findings.extend(check_plan(plan))
    return plan, sorted(findings, key=lambda f: f.sort_key)


def check_plan(plan: Plan) -> list[Finding]:
    """Run every rule over a loaded plan."""
    findings: list[Finding] = []
    for document in plan.documents:
        for check in FILE_CHECKS.get(document.kind, ()):
            findings.extend(check(document))
    for plan_check in PLAN_CHECKS:
        findings.extend(plan_check(plan))
    return findings


# -- hints ----------------------------------------------------------------------------


def reconcile_hint(lines: Sequence[tuple[str, Money]], computed: Money, stated: Money, units: str) -> str | None:
    """Why ``lines`` (label, amount) summing to ``computed`` might miss ``stated``."""
    difference = stated - computed
    if not difference:
        return None
    shown = _shown_in(units)
    for label, amount in lines:
        for factor in (Decimal(10), Decimal(100), Decimal(1000)):
            for candidate in (amount * factor, amount / factor):
                if amount and computed - amount + candidate == stated:
                    return f"{label} is {shown(amount)}; {shown(candidate)} would reconcile (decimal point slip?)"
    for label, amount in lines:
        for candidate in _transpositions(amount, units):
            if computed - amount + candidate == stated:
                return (
                    f"{label} is {shown(amount)}; {shown(candidate)} would reconcile "
                    f"(transposed digits? the difference {format_in_units(abs(difference), units)} "
                    "divides by 9, as a swap of two digits always does)"
                )
    for scale_name, scale in UNIT_SCALE.items():
        if scale_name == units or not computed:
            continue
        ratio = UNIT_SCALE[units] / scale
        if stated == computed * ratio:
            return (
                f"the total looks written in {scale_name} ({shown(stated)} in a {units} file); "
                f"{shown(computed)} would reconcile"
            )
    pence = difference * 100
    if pence == pence.to_integral_value() and int(pence) % 9 == 0:
        return (
            f"the difference {format_in_units(abs(difference), units)} divides by 9: "
            "a difference divisible by 9 often means transposed digits"
        )
    return None


def _shown_in(units: str) -> Callable[[Money], str]:
    return lambda amount: f"{to_units(amount, units):,f}"


def _transpositions(amount: Money, units: str) -> Iterable[Money]:
    """Amounts made by swapping two neighbouring digits of ``amount`` as written."""
    text = f"{to_units(amount, units):f}"
    scale = UNIT_SCALE[units]
    for i in range(len(text) - 1):
        a, b = text[i], text[i + 1]
        if a != b and a.isdigit() and b.isdigit():
            swapped = text[:i] + b + a + text[i + 2 :]
            yield Decimal(swapped) * scale


def _total_finding(
    document: Document,
    code: str,
    what: str,
    computed: Money,
    stated_what: str,
    stated: Money,
    lines: Sequence[tuple[str, Money]],
    *loc: str | int,
) -> Finding:
    units = document.units
    message = (
        f"{what} sum to {format_in_units(computed, units)} but {stated_what} states "
        f"{format_in_units(stated, units)} (difference {format_in_units(abs(stated - computed), units)})"
    )
    return document.error(code, loc, message, reconcile_hint(lines, computed, stated, units))


# -- rules within one file ---------------------------------------------------------------


def check_duplicate_ids(document: Document) -> Iterable[Finding]:
    """CSP204: ids are unique within a file."""
    ids = _line_ids(document)
    if len(set(ids)) == len(ids):
        return
    first: dict[str, int] = {}
    for index, ident in enumerate(ids):
        if ident not in first:
            first[ident] = index
            continue
        # Marks are found only for the lines reported: a large file is never indexed
        # unless something is wrong with it.
        earlier, _ = document.locate("lines", first[ident], "id")
        yield document.error(
            "CSP204",
            ("lines", index, "id"),
            f"id {ident} is used twice (first at line {earlier})",
            "give each line its own id",
        )


def _line_ids(document: Document) -> list[str]:
    """The ids of a file's lines, in order (none for a file without lines)."""
    return list(map(_ID, getattr(document.model, "lines", None) or ()))


def _measure_id_places(model: MeasuresFile) -> list[tuple[str, tuple[str | int, ...]]]:
    """Every id in a measures file with its place: objectives, measures, milestones."""
    places: list[tuple[str, tuple[str | int, ...]]] = []
    for o_index, objective in enumerate(model.objectives):
        places.append((objective.id, ("objectives", o_index, "id")))
        places.extend((m.id, ("objectives", o_index, "measures", i, "id")) for i, m in enumerate(objective.measures))
        places.extend(
            (m.id, ("objectives", o_index, "milestones", i, "id")) for i, m in enumerate(objective.milestones)
        )
    return places


def check_plain_ids(document: Document) -> Iterable[Finding]:
    """CSP110: ids are plain ASCII letters, digits, - and _ (a Cyrillic S, a trailing
    space or a zero-width space makes an id that looks right and matches nothing)."""
    if isinstance(document.model, MeasuresFile):
        places = _measure_id_places(document.model)
        if not any_not_plain([ident for ident, _ in places]):
            return
    else:
        # A file's lines: their places are built only when some id is wrong.
        ids = _line_ids(document)
        if not any_not_plain(ids):
            return
        places = [(ident, ("lines", index, "id")) for index, ident in enumerate(ids)]
    for ident, loc in places:
        hint = id_problem(ident)
        if hint is not None:
            yield document.error("CSP110", loc, f"id {ident!r} is not plain letters, digits, '-' and '_' (ASCII)", hint)


def check_control_characters(document: Document) -> Iterable[Finding]:
    """CSP111: no control character (a terminal escape, a right-to-left override) in
    any text of the file, key or value."""
    if not _may_hold_controls(document.source.text):
        return
    # The raw data is let go once the model is built; read it again (rarely needed).
    data = document.source.data
    if data is None:
        source, _ = read_carefully(document.source)
        data = source.data if source is not None else None
    stack: list[tuple[tuple[str | int, ...], object]] = [((), data)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and CONTROL.search(key):
                    yield document.error(
                        "CSP111", (*loc, key), f"the key {key!r} holds a control character", control_hint(key), key=True
                    )
                stack.append(((*loc, key), item))
        elif isinstance(value, list):
            stack.extend(((*loc, index), item) for index, item in enumerate(value))
        elif isinstance(value, str) and CONTROL.search(value):
            shown = value if len(value) <= 60 else value[:50] + "…"
            yield document.error("CSP111", loc, f"{shown!r} holds a control character", control_hint(value))


def _may_hold_controls(text: str) -> bool:
    """Whether the data read from ``text`` can hold a control character."""
    # An escape in double quotes ("\e", "\x1b", "\u202e") makes one.
    if "\\" in text:
        return True
    # Written raw, only a bidirectional control reaches the data (text.BIDI_CONTROLS:
    # the readers refuse the others, or read them as line breaks), and never in an
    # ASCII text (str.isascii costs nothing): str.find, not a regular expression
    # over 51 MB, and a file with Windows line endings is not read again.
    return not text.isascii() and any(char in text for char in BIDI_CONTROLS)


def check_pressures_total(document: Document) -> Iterable[Finding]:
    """CSP201: pressure lines sum to the stated total."""
    model = typing.cast(PressuresFile, document.model)
    if model.total is None:
        return
    lines = [(f"{p.id} '{p.description}'", p.amount) for p in model.lines]
    computed = money_sum(amount for _, amount in lines)
    if computed != model.total:
        yield _total_finding(document, "CSP201", "lines", computed, "total", model.total, lines, "total")


def check_saving_amounts(document: Document) -> Iterable[Finding]:
    """CSP205/CSP120/CSP106: a saving's amount agrees with its split; a negative
    saving is a reversal (a warning naming it); a forecast is negative only for one."""
    model = typing.cast(SavingsFile, document.model)
    for index, saving in enumerate(model.lines):
        if saving.amount is not None and (saving.ongoing or saving.one_off):
            split = saving.ongoing + saving.one_off
            if split != saving.amount:
                yield document.error(
                    "CSP205",
                    ("lines", index, "amount"),
                    f"{saving.id}: amount {format_in_units(saving.amount, document.units)} differs from ongoing + "
                    f"one-off {format_in_units(split, document.units)}",
                    "give amount: alone, or ongoing: and one_off: that add up to it",
                )
        target = saving.target
        if target < ZERO:
            yield document.warning(
                "CSP120",
                ("lines", index, "amount" if saving.amount is not None else "ongoing"),
                f"{saving.id} '{saving.description}' is negative ({format_in_units(target, document.units)}): "
                "read as the reversal of an earlier saving",
                "if it is not a reversal, write it as a positive amount",
            )
            continue  # a reversal's figures are negative
        for entry in saving.progress:
            if entry.forecast < ZERO or (entry.delivered is not None and entry.delivered < ZERO):
                break
        else:
            continue  # no negative figure: the common case
        for position, entry in enumerate(saving.progress):
            for name in ("forecast", "delivered"):
                amount = typing.cast(Money | None, getattr(entry, name))
                if amount is not None and amount < 0:
                    yield document.error(
                        "CSP106",
                        ("lines", index, "progress", position, name),
                        f"{saving.id} {entry.period}: {name} {format_pounds(amount)} is negative, but the saving's "
                        f"target {format_pounds(target)} is not a reversal",
                        "write it as a positive amount",
                    )


def _latest_position(progress: list[ProgressEntry]) -> int:
    """Where the latest period's return is (the first, were one repeated): a plain loop
    over a dict, as ``max(key=PERIODS.index)`` took 0.3 s for 100,000 savings."""
    position, latest = 0, -1
    for at, entry in enumerate(progress):
        index = PERIOD_INDEX[entry.period]
        if index > latest:
            position, latest = at, index
    return position


def tracks_parts(model: SavingsFile, latest: Iterable[ProgressEntry] | None = None) -> bool:
    """Whether the file tracks achieved and at risk (as ``savings.tracks_parts`` reads it
    from the statuses): its settings say so, or some saving's latest return records
    either. ``latest``: those returns, where the caller has found them already."""
    if model.settings.track_at_risk:
        return True
    if latest is None:
        latest = (saving.progress[_latest_position(saving.progress)] for saving in model.lines if saving.progress)
    return any(entry.achieved is not None or entry.at_risk is not None for entry in latest)


def check_achieved_at_risk(document: Document) -> Iterable[Finding]:
    """CSP415: where a saving's latest return gives achieved and at risk, they account
    for the target (achieved alone reaching it does: over-achievement is no gap; so does
    delivered to date reaching it, with none at risk: the saving has achieved it). In a
    file that tracks them (settings, or some saving's latest return records either), a
    latest return that leaves one or both out counts it as none: its target is
    accounted somewhere, as ``savings status`` counts it. Only the latest: it is the
    position every report shows, and an earlier month's gap, carried into each later
    return, would be warned again every month (19 warnings by P12 for the published
    tracker's 4 gaps)."""
    model = typing.cast(SavingsFile, document.model)
    latest: list[tuple[int, int]] = []
    for index, saving in enumerate(model.lines):
        if saving.progress:
            # The latest return (as csplan.savings.latest_entry finds it): the one reports show.
            latest.append((index, _latest_position(saving.progress)))
    tracked = tracks_parts(model, (model.lines[i].progress[p] for i, p in latest))
    for index, position in latest:
        saving = model.lines[index]
        entry = saving.progress[position]
        given = entry.achieved is not None and entry.at_risk is not None
        if not given and not (tracked and saving.target > 0):
            continue
        achieved = entry.achieved if entry.achieved is not None else ZERO
        at_risk = entry.at_risk if entry.at_risk is not None else ZERO
        if saving.target > 0 and achieved >= saving.target and not at_risk:
            continue  # achieved alone makes the target, none at risk (over-achieving it is no gap)
        if saving.target > 0 and not at_risk and entry.delivered is not None and entry.delivered >= saving.target:
            continue  # delivered the target, none at risk: achieved (savings.delivered_the_target), no gap
        accounted = achieved + at_risk
        gap = saving.target - accounted
        if not gap:
            continue
        shown_achieved = format_pounds(achieved) if entry.achieved is not None else "none"
        shown_at_risk = format_pounds(at_risk) if entry.at_risk is not None else "none"
        where: tuple[str | int, ...] = (
            ("lines", index, "progress", position, "at_risk")
            if entry.at_risk is not None
            else ("lines", index, "progress", position)
        )
        yield document.warning(
            "CSP415",
            where,
            f"{saving.id} {entry.period}: achieved {shown_achieved} + at risk "
            f"{shown_at_risk} = {format_pounds(accounted)}; they leave "
            f"{format_pounds(gap)} of the target {format_pounds(saving.target)} unaccounted"
            if gap > 0
            else f"{saving.id} {entry.period}: achieved {shown_achieved} + at risk "
            f"{shown_at_risk} = {format_pounds(accounted)}, "
            f"{format_pounds(-gap)} more than the target {format_pounds(saving.target)}",
            "record what is achieved and what is at risk so that together they make the target",
        )


def check_at_risk_within_target(document: Document) -> Iterable[Finding]:
    """CSP710: no return's at risk is more than its saving's target. At risk is part of
    the target, so more is a slip (``savings update`` and ``import`` refuse it the same
    way); a figure written by hand must not reach the at-risk totals either. Every
    return, not only the latest: an earlier one is carried into later months. A
    reversal's (negative target) parts have no settled meaning against it: unchecked."""
    model = typing.cast(SavingsFile, document.model)
    units = model.units  # the file's scale: the figure as it is written there, and in pounds
    for index, saving in enumerate(model.lines):
        target = saving.target
        if target < ZERO:
            continue
        for position, entry in enumerate(saving.progress):
            if entry.at_risk is not None and entry.at_risk > target:
                yield document.error(
                    "CSP710",
                    ("lines", index, "progress", position, "at_risk"),
                    f"{saving.id} {entry.period}: at risk {as_typed(entry.at_risk, units)} is more than the target "
                    f"{as_typed(target, units)}",
                    f"at risk is the part of the target that may not be delivered: at most {as_typed(target, units)}; "
                    "correct the figure (did it lose or gain a digit?)",
                )


def check_savings_totals(document: Document) -> Iterable[Finding]:
    """CSP202/203/201: savings columns sum to the totals the file states, which add up."""
    model = typing.cast(SavingsFile, document.model)
    stated = model.totals
    if stated is None:
        return
    column_wrong = False
    split_known = all(map(_SPLIT_KNOWN, model.lines))
    for column, label in (("ongoing", "ongoing savings"), ("one_off", "one-off savings")):
        stated_amount = typing.cast(Money | None, getattr(stated, column))
        if stated_amount is None or not split_known:
            continue
        computed = money_sum(map(attrgetter(column), model.lines))
        if computed != stated_amount:
            # Each line's label only for the finding that shows them (100,000 lines).
            lines = [(f"{s.id} '{s.description}'", typing.cast(Money, getattr(s, column))) for s in model.lines]
            column_wrong = True
            yield _total_finding(
                document, "CSP202", label, computed, f"totals.{column}", stated_amount, lines, "totals", column
            )
    if stated.total is None:
        return
    if stated.ongoing is not None and stated.one_off is not None and stated.ongoing + stated.one_off != stated.total:
        parts = [("totals.ongoing", stated.ongoing), ("totals.one_off", stated.one_off)]
        yield _total_finding(
            document,
            "CSP203",
            "totals.ongoing and totals.one_off",
            stated.ongoing + stated.one_off,
            "totals.total",
            stated.total,
            parts,
            "totals",
            "total",
        )
    elif not column_wrong:
        computed = money_sum(map(_TARGET, model.lines))
        if computed != stated.total:
            targets = [(f"{s.id} '{s.description}'", s.target) for s in model.lines]
            yield _total_finding(
                document, "CSP201", "targets", computed, "totals.total", stated.total, targets, "totals", "total"
            )


def check_budget_lines(document: Document) -> Iterable[Finding]:
    """CSP201: budget lines, when given, sum to the budget total (the original budget)."""
    model = typing.cast(BudgetFile, document.model)
    if not model.lines:
        # An empty ``lines: []`` is a budget not filled in yet (csplan init writes one).
        if model.total is None and model.lines is None:
            yield document.error(
                "CSP103",
                ("kind",),
                "the budget states neither a total nor lines",
                "give total: (the budget as stated), lines:, or both",
            )
        return
    if model.total is None:
        return
    lines = [(f"{b.id} '{b.name}'", b.budget) for b in model.lines]
    computed = money_sum(amount for _, amount in lines)
    if computed != model.total:
        yield _total_finding(document, "CSP201", "budget lines", computed, "total", model.total, lines, "total")


def check_budget_changes(document: Document) -> Iterable[Finding]:
    """CSP402/CSP416: budget changes run in period order; virements between the
    department's lines net to zero in each period (changes funded from outside name it)."""
    model = typing.cast(BudgetFile, document.model)
    net: dict[str, Money] = {}
    last_place: dict[str, tuple[str | int, ...]] = {}
    for index, line in enumerate(model.lines or ()):
        periods = [change.period for change in line.changes]
        for position, period, previous in periods_out_of_order(periods):
            if period != previous:
                yield document.error(
                    "CSP402",
                    ("lines", index, "changes", position, "period"),
                    f"{line.id}: budget change for {period} comes after {previous}",
                    "list budget changes oldest first",
                )
        for position, change in enumerate(line.changes):
            if change.funded_by:
                continue
            net[change.period] = net.get(change.period, ZERO) + change.amount
            last_place[change.period] = ("lines", index, "changes", position, "amount")
    for period in sorted(net):  # P01..P12, zero-padded: text order is period order
        if net[period]:
            yield document.warning(
                "CSP416",
                last_place[period],
                f"budget changes in {period} between the department's lines do not net to zero: "
                f"{format_in_units(net[period], document.units)} more is added than taken"
                if net[period] > 0
                else f"budget changes in {period} between the department's lines do not net to zero: "
                f"{format_in_units(-net[period], document.units)} more is taken than added",
                "a virement moves money between lines; name funded_by: on a change funded from outside "
                "the department (corporate contingency, say)",
            )


def check_programme_totals(document: Document) -> Iterable[Finding]:
    """CSP206/CSP207/CSP208: a programme's row totals, column totals and grand total."""
    model = typing.cast(ProgrammeFile, document.model)
    for index, line in enumerate(model.lines):
        if line.total is None:
            continue
        parts = [(f"{line.id} {year}", amount) for year, amount in line.years.items()]
        computed = money_sum(amount for _, amount in parts)
        if computed != line.total:
            yield _total_finding(
                document,
                "CSP206",
                f"{line.id}'s years",
                computed,
                "its total",
                line.total,
                parts,
                "lines",
                index,
                "total",
            )
    stated = model.totals or {}
    years = sorted({year for line in model.lines for year in line.years})
    for year in years:
        if year not in stated:
            continue
        parts = [(f"{line.id} '{line.description}'", line.years.get(year, ZERO)) for line in model.lines]
        computed = money_sum(amount for _, amount in parts)
        if computed != stated[year]:
            yield _total_finding(
                document,
                "CSP207",
                f"the {year} column's lines",
                computed,
                f"totals.{year}",
                stated[year],
                parts,
                "totals",
                year,
            )
    if "total" in stated:
        parts = [(f"{line.id} '{line.description}'", money_sum(line.years.values())) for line in model.lines]
        computed = money_sum(amount for _, amount in parts)
        if computed != stated["total"]:
            yield _total_finding(
                document,
                "CSP208",
                "all years of all lines",
                computed,
                "totals.total",
                stated["total"],
                parts,
                "totals",
                "total",
            )


def periods_out_of_order(periods: Sequence[str]) -> Iterator[tuple[int, str, str]]:
    """(position, period, previous) wherever a period does not come after the one before."""
    for position, period in enumerate(periods[1:], start=1):
        previous = periods[position - 1]
        if period <= previous:  # P01..P12, zero-padded: text order is period order
            yield position, period, previous


def check_progress_order(document: Document) -> Iterable[Finding]:
    """CSP402: progress entries are in period order, each period once."""
    model = typing.cast(SavingsFile, document.model)
    # A large file repeats a few runs of periods (P01..P06): each is checked once.
    in_order: set[tuple[str, ...]] = set()
    for index, saving in enumerate(model.lines):
        periods = tuple(map(_PERIOD, saving.progress))
        if periods in in_order:
            continue
        for position, period, previous in periods_out_of_order(periods):
            what = "repeats" if period in periods[:position] else "comes after"
            yield document.error(
                "CSP402",
                ("lines", index, "progress", position, "period"),
                f"{saving.id}: period {period} {what} {previous}",
                "keep progress entries oldest first, one per period",
            )
        if next(periods_out_of_order(periods), None) is None:
            in_order.add(periods)


def check_progress_returns(document: Document) -> Iterable[Finding]:
    """CSP403/CSP417/CSP404: delivered within forecast; officer RAGs supported."""
    model = typing.cast(SavingsFile, document.model)
    for index, saving in enumerate(model.lines):
        for entry in saving.progress:
            delivered = entry.delivered
            if entry.rag is not None or (delivered is not None and (delivered > entry.forecast or delivered < ZERO)):
                break  # (a reversal's delivered is negative: _past_forecast judges it)
        else:
            continue  # no officer RAG and nothing delivered past its forecast: the common case
        for position, entry in enumerate(saving.progress):
            where = ("lines", index, "progress", position)
            if _past_forecast(saving.target, entry):
                yield _delivered_past_forecast(document, saving, (*where, "delivered"), entry)
            if entry.rag is None:
                continue
            from csplan.savings import better, derive_rag  # only officer RAGs need the rules

            derived = derive_rag(saving.target, entry.forecast, entry.delivered, model.settings)
            if better(entry.rag, derived.rag):
                yield document.warning(
                    "CSP404",
                    (*where, "rag"),
                    f"{saving.id} {entry.period} says {entry.rag} but {_figures(saving.target, entry)}: "
                    f"derived {derived.rag}",
                    f"set rag: {derived.rag}, or record the forecast that supports {entry.rag}",
                )


def _past_forecast(target: Money, entry: ProgressEntry) -> bool:
    """True when a return's delivered to date goes past its forecast for the year: more
    than it for a saving, more negative than it for a reversal (a negative target)."""
    delivered = entry.delivered
    if delivered is None:
        return False
    return delivered < entry.forecast if target < ZERO else delivered > entry.forecast


def _delivered_past_forecast(
    document: Document, saving: Saving, where: tuple[str | int, ...], entry: ProgressEntry
) -> Finding:
    """CSP403 (an error) when no note says why delivered to date is past the year's
    forecast; CSP417 (a warning) when one does: a note explains the figures but does not
    mend them, and status would show the saving achieved beside a forecast shortfall."""
    delivered, forecast = format_pounds(typing.cast(Money, entry.delivered)), format_pounds(entry.forecast)
    past = "more than" if saving.target >= ZERO else "a larger reversal than"
    if not entry.note:
        return document.error(
            "CSP403",
            where,
            f"{saving.id} {entry.period}: delivered {delivered} is {past} the forecast {forecast}",
            "raise the forecast to what will be delivered, or add a note saying why",
        )
    return document.warning(
        "CSP417",
        where,
        f"{saving.id} {entry.period}: delivered {delivered} to date is {past} the year's forecast {forecast}",
        "raise the forecast to at least what is delivered, or correct delivered",
    )


def _figures(target: Money, entry: ProgressEntry) -> str:
    from csplan.savings import shown_percent

    if entry.delivered is not None and entry.delivered >= target:
        return f"delivered {format_pounds(entry.delivered)} of {format_pounds(target)}"
    pct = shown_percent(entry.forecast, target)
    share = f"{pct}% of {format_pounds(target)}" if pct is not None else f"against {format_pounds(target)}"
    return f"forecast {format_pounds(entry.forecast)} is {share}"


def check_forecast_order(document: Document) -> Iterable[Finding]:
    """CSP402: a budget line's forecasts are in period order."""
    model = typing.cast(BudgetFile, document.model)
    for index, line in enumerate(model.lines or ()):
        for _, period, previous in periods_out_of_order(list(line.forecast)):
            yield document.error(
                "CSP402",
                ("lines", index, "forecast", period),
                f"{line.id}: forecast for {period} comes after {previous}",
                "list forecasts oldest first",
                key=True,
            )


def check_mitigations(document: Document) -> Iterable[Finding]:
    """CSP409/CSP410/CSP411: mitigations are in period order, cover something, and no
    more than the shortfall at the saving's latest return."""
    lines = typing.cast(SavingsFile, document.model).lines
    for index in compress(range(len(lines)), map(_MITIGATIONS, lines)):  # the few savings with any
        saving = lines[index]
        for position, previous in enumerate(saving.mitigations[:-1]):
            later = saving.mitigations[position + 1]
            if later.period < previous.period:  # P01..P12, zero-padded: text order is period order
                yield document.error(
                    "CSP411",
                    ("lines", index, "mitigations", position + 1, "period"),
                    f"{saving.id}: mitigation for {later.period} comes after {previous.period}",
                    "list mitigations oldest first",
                )
        for position, mitigation in enumerate(saving.mitigations):
            if not mitigation.amount:
                yield document.error(
                    "CSP410",
                    ("lines", index, "mitigations", position, "amount"),
                    f"{saving.id} {mitigation.period}: a mitigation of £0 covers nothing",
                    "give the amount it covers, or remove it",
                )
        latest = saving.progress[-1] if saving.progress else None
        mitigated = money_sum(m.amount for m in saving.mitigations)
        shortfall = max(saving.target - latest.forecast, Decimal(0)) if latest is not None else None
        if shortfall is not None and mitigated > shortfall:
            yield document.warning(
                "CSP409",
                ("lines", index, "mitigations"),
                f"{saving.id}: mitigations of {format_pounds(mitigated)} are more than the shortfall "
                f"{format_pounds(shortfall)} at {latest.period if latest else ''}",
                "a mitigation covers the year's gap: savings status counts it up to the shortfall "
                "and shows the rest as unused",
            )


def check_savings_settings(document: Document) -> Iterable[Finding]:
    """CSP405: the amber threshold is below the green one."""
    settings = typing.cast(SavingsFile, document.model).settings
    if settings.amber_percent > settings.green_percent:
        yield document.error(
            "CSP405",
            ("settings", "amber_percent"),
            f"amber_percent {settings.amber_percent} is above green_percent {settings.green_percent}",
            "amber must start below green (defaults: green 100, amber 75)",
        )


def _measure_places(model: MeasuresFile) -> Iterable[tuple[int, int, Measure]]:
    for o_index, objective in enumerate(model.objectives):
        for m_index, measure in enumerate(objective.measures):
            yield o_index, m_index, measure


def check_measure_ids(document: Document) -> Iterable[Finding]:
    """CSP204: objective, measure and milestone ids are unique within the file."""
    seen: dict[str, tuple[str | int, ...]] = {}
    for ident, loc in _measure_id_places(typing.cast(MeasuresFile, document.model)):
        if ident in seen:
            earlier, _ = document.locate(*seen[ident])
            yield document.error(
                "CSP204",
                loc,
                f"id {ident} is used twice (first at line {earlier})",
                "give each objective, measure and milestone its own id",
            )
        else:
            seen[ident] = loc


def check_measure_values(document: Document) -> Iterable[Finding]:
    """CSP406/CSP407/CSP402/CSP408: values fit their unit, computed measures are not
    typed, periods run in order, and a target has a direction to judge it by."""
    from csplan.models import period_rank

    model = typing.cast(MeasuresFile, document.model)
    for o_index, m_index, measure in _measure_places(model):
        where: tuple[str | int, ...] = ("objectives", o_index, "measures", m_index)
        if measure.computed and measure.progress:
            yield document.error(
                "CSP407",
                (*where, "progress"),
                f"{measure.id} is computed ({measure.computed}); its values cannot be typed",
                "remove its progress entries; csplan computes the value",
            )
        if measure.target is not None and measure.better is None:
            yield document.warning(
                "CSP408",
                (*where, "target"),
                f"{measure.id} has a target but no direction (better: higher or lower)",
                "set better:, or the RAG stays 'no target'",
            )
        numeric = measure.unit != "text"
        for e_index, entry in enumerate(measure.progress):
            if numeric and isinstance(entry.value, str):
                yield document.error(
                    "CSP406",
                    (*where, "progress", e_index, "value"),
                    f"{measure.id} {entry.period}: {entry.value!r} is not a {measure.unit}",
                    f"write a number; {measure.id} is measured as a {measure.unit}",
                )
            elif measure.unit == "percentage" and isinstance(entry.value, Decimal) and not 0 <= entry.value <= 100:
                yield document.error(
                    "CSP406",
                    (*where, "progress", e_index, "value"),
                    f"{measure.id} {entry.period}: {entry.value} is not a percentage from 0 to 100",
                    "write the percentage itself: 72.5 for 72.5%",
                )
        ranks = [period_rank(e.period) for e in measure.progress]
        for position in range(1, len(ranks)):
            if ranks[position] <= ranks[position - 1]:
                yield document.error(
                    "CSP402",
                    (*where, "progress", position, "period"),
                    f"{measure.id}: period {measure.progress[position].period} does not come after "
                    f"{measure.progress[position - 1].period}",
                    "keep values oldest first, one per month or quarter",
                )


FILE_CHECKS: dict[str, list[FileCheck]] = {
    "pressures": [check_duplicate_ids, check_plain_ids, check_control_characters, check_pressures_total],
    "savings": [
        check_duplicate_ids,
        check_saving_amounts,
        check_plain_ids,
        check_control_characters,
        check_savings_totals,
        check_achieved_at_risk,
        check_at_risk_within_target,
        check_progress_order,
        check_mitigations,
        check_progress_returns,
        check_savings_settings,
    ],
    "budget": [
        check_duplicate_ids,
        check_plain_ids,
        check_control_characters,
        check_budget_lines,
        check_forecast_order,
        check_budget_changes,
    ],
    "measures": [check_measure_ids, check_plain_ids, check_control_characters, check_measure_values],
    "programme": [check_duplicate_ids, check_plain_ids, check_control_characters, check_programme_totals],
}


# -- rules across files -------------------------------------------------------------------


def check_one_file_per_kind_and_year(plan: Plan) -> Iterable[Finding]:
    """CSP304: one file of each kind for a year."""
    first: dict[tuple[str, str], Document] = {}
    for document in plan.documents:
        key = (document.kind, document.year)
        if key in first:
            yield document.error(
                "CSP304",
                ("kind",),
                f"a second {document.kind} file for {document.year} (the first is {first[key].path})",
                "keep one file of each kind per year; another year needs its own year:",
            )
        else:
            first[key] = document


def check_budget_includes(plan: Plan) -> Iterable[Finding]:
    """CSP301/302/303: a budget's included pressures and savings match their files."""
    for document in plan.of_kind("budget"):
        includes = typing.cast(BudgetFile, document.model).includes
        if includes is None:
            continue
        for field, code in (("pressures", "CSP301"), ("savings", "CSP302")):
            included = typing.cast(Money | None, getattr(includes, field))
            if included is None:
                continue
            other = plan.first(field, document.year)
            if other is None:
                yield document.warning(
                    "CSP303",
                    ("includes", field),
                    f"includes.{field} is {format_in_units(included, document.units)} but there is no "
                    f"{field} file for {document.year} to check it against",
                    f"validate the whole data folder, or add the {field} file for {document.year}",
                )
                continue
            stated, where = _stated_total(other)
            if included != stated:
                other_line, _ = other.locate(*where)
                yield document.error(
                    code,
                    ("includes", field),
                    f"includes.{field} is {format_in_units(included, document.units)} but {other.path}:"
                    f"{other_line} states {format_in_units(stated, other.units)} "
                    f"(difference {format_in_units(abs(stated - included), document.units)})",
                    f"make includes.{field} equal the {field} total, or correct that file",
                )


def _stated_total(document: Document) -> tuple[Money, tuple[str, ...]]:
    """The file's stated total and where it stands; its lines' sum where it states none."""
    model = document.model
    if isinstance(model, SavingsFile):
        if model.totals is not None and model.totals.total is not None:
            return model.totals.total, ("totals", "total")
        return money_sum(s.target for s in model.lines), ("lines",)
    pressures = typing.cast(PressuresFile, model)
    if pressures.total is not None:
        return pressures.total, ("total",)
    return money_sum(p.amount for p in pressures.lines), ("lines",)


def check_programme_against_savings(plan: Plan) -> Iterable[Finding]:
    """CSP305: where a year's savings file exists, its targets match the programme's column."""
    for document in plan.of_kind("programme"):
        model = typing.cast(ProgrammeFile, document.model)
        for year in sorted({year for line in model.lines for year in line.years}):
            found = plan.savings(year)
            if found is None:
                continue
            savings_doc, savings = found
            targets = {s.id: (i, s.target) for i, s in enumerate(savings.lines)}
            column = [(i, line) for i, line in enumerate(model.lines) if year in line.years]
            for index, line in column:
                planned = line.years[year]
                if line.id in targets and targets[line.id][1] != planned:
                    where, _ = savings_doc.locate("lines", targets[line.id][0], "id")
                    yield document.error(
                        "CSP305",
                        ("lines", index, "years", year),
                        f"{line.id} {year}: the programme plans {format_in_units(planned, document.units)} but "
                        f"{savings_doc.path}:{where} targets {format_in_units(targets[line.id][1], savings_doc.units)}",
                        "correct whichever file is wrong (a saving changed since is a row of the next refresh)",
                    )
            planned_total = money_sum(line.years[year] for _, line in column)
            target_total = money_sum(s.target for s in savings.lines)
            if planned_total != target_total:
                yield document.warning(
                    "CSP306",
                    ("lines",),
                    f"the programme's {year} column sums to {format_in_units(planned_total, document.units)} but "
                    f"{savings_doc.path} targets {format_in_units(target_total, savings_doc.units)} in all "
                    f"(difference {format_in_units(abs(target_total - planned_total), document.units)})",
                    "savings added or dropped since the programme was set show here; refresh the programme file",
                )


def unloaded_files(plan: Plan, findings: Iterable[Finding]) -> list[str]:
    """The files with errors that kept them from loading at all: a report of the folder
    would silently leave their figures out."""
    loaded = {document.path for document in plan.documents}
    return sorted({f.path for f in findings if f.severity == "error" and f.path not in loaded})


def unchecked_totals(plan: Plan) -> list[str]:
    """The totals ``validate`` could not check because the source states none."""
    missing: list[str] = []
    for document in plan.documents:
        model = document.model
        name = os.path.basename(document.path)
        if isinstance(model, SavingsFile):
            stated = model.totals
            if stated is None or stated.total is None:
                missing.append(f"{name} (no stated total)")
            elif (stated.ongoing is not None or stated.one_off is not None) and not all(map(_SPLIT_KNOWN, model.lines)):
                missing.append(f"{name} ongoing/one-off (savings given as amount alone)")
        elif isinstance(model, PressuresFile | BudgetFile) and model.total is None:
            missing.append(f"{name} (no stated total)")
        elif isinstance(model, ProgrammeFile):
            unstated = sum(1 for line in model.lines if line.total is None)
            if not model.totals:
                missing.append(f"{name} (no stated column totals)")
            if unstated:
                missing.append(f"{name} ({unstated} row{'s' if unstated != 1 else ''} with no stated total)")
    return missing


PLAN_CHECKS: list[PlanCheck] = [
    check_one_file_per_kind_and_year,
    check_budget_includes,
    check_programme_against_savings,
    check_year_links,
]
