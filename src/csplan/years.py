"""Several financial years in one folder: their order, which are closed, and the
links between them (``from:``, ``replaces:``, an outcome's ``slipped_to``).

A year is closed by ``csplan savings close-year``: each of its savings then records
an ``outcome`` (delivered + slipped + written off + replaced = target, to the penny),
the slipped part is brought forward into the next year's file as a line of its own
that says ``from: YYYY-YY/ID``, and the file says ``closed: true``. A closed year is
read-only to csplan. The rules here check that the years agree with each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from csplan.errors import UsageError
from csplan.findings import Finding
from csplan.load import Document, Plan
from csplan.models import Saving, SavingsFile
from csplan.money import Money, format_pounds, money_sum
from csplan.suggest import command

FINAL_PERIOD = "P12"
"""The return a year closes on: close-year takes its delivered, else its forecast."""


def next_year(year: str) -> str:
    """The financial year after ``year``: 2025-26 -> 2026-27."""
    start = int(year[:4]) + 1
    return f"{start}-{(start + 1) % 100:02d}"


def link(year: str, saving_id: str) -> str:
    """A saving named across years: ``2025-26/S06``."""
    return f"{year}/{saving_id}"


def split_link(text: str) -> tuple[str, str]:
    """``2025-26/S06`` as (``2025-26``, ``S06``)."""
    year, _, saving_id = text.partition("/")
    return year, saving_id


def savings_file_name(year: str) -> str:
    """The file name of a later year's savings: ``savings_2026_27.yaml``."""
    return f"savings_{year.replace('-', '_')}.yaml"


def brought_from(saving: Saving) -> str | None:
    """The ``from:`` link of a brought-forward line, if it is one."""
    return saving.from_


def savings_years(plan: Plan) -> list[tuple[Document, SavingsFile]]:
    """The savings file of each year, oldest first (the first file where a year has two)."""
    chosen: dict[str, tuple[Document, SavingsFile]] = {}
    for document in plan.of_kind("savings"):
        if isinstance(document.model, SavingsFile) and document.year not in chosen:
            chosen[document.year] = (document, document.model)
    return [chosen[year] for year in sorted(chosen)]


def year_closed(plan: Plan, year: str) -> bool:
    """True when ``year``'s savings file says ``closed: true``."""
    return any(d.year == year and getattr(d.model, "closed", False) for d in plan.of_kind("savings"))


def refuse_closed(document: Document, action: str, plan: Plan | None = None) -> None:
    """A usage error when ``document``'s year is closed (its savings file says so):
    every file of a closed year is read-only to csplan."""
    if getattr(document.model, "closed", False) or (plan is not None and year_closed(plan, document.year)):
        raise UsageError(
            f"{document.year} is closed: {document.path} is read-only to csplan; cannot {action}; nothing was written",
            "a closed year's figures are final; record later changes in the next year's file "
            "(--year names it), or undo the close in version control",
        )


def no_file(plan: Plan, kinds: tuple[str, ...], year: str | None, folder: object) -> UsageError:
    """The usage error for a folder that holds no ``kinds`` file (of ``year``), naming
    the years it does hold. (A file that exists but does not load is a data error:
    csplan validate says why.)"""
    held = sorted({document.year for document in plan.documents})
    if year is not None and year not in held:
        return UsageError(
            f"no file for {year} in {folder}",
            f"the folder holds {', '.join(held)}" if held else "it holds no data file",
        )
    of_kind = sorted({document.year for document in plan.documents if document.kind in kinds})
    what = " or ".join(kinds)
    if year is None:
        return UsageError(f"no {what} file in {folder}", _how_to_add(plan, kinds, held))
    if of_kind:
        return UsageError(f"no {what} file for {year} in {folder}", f"its {what} files are for {', '.join(of_kind)}")
    return UsageError(f"no {what} file for {year} in {folder}", _how_to_add(plan, kinds, [year]))


STARTED_KINDS = ("savings", "pressures", "budget")
"""The kinds of file ``csplan init`` starts (with no figures)."""


def _how_to_add(plan: Plan, kinds: tuple[str, ...], years: list[str]) -> str:
    """What the folder holds instead, and how to add a ``kinds[0]`` file: its kind line,
    where its fields are described, and the command that writes an empty one."""
    kind = kinds[0]
    held = sorted({document.kind for document in plan.documents})
    holds = f"it holds {' and '.join(held)} files only" if held else "it holds no data file"
    how = f"add a {kind} file (kind: {kind}; csplan schema {kind} lists its fields"
    if kind in STARTED_KINDS:
        year = years[-1] if years else "2025-26"
        how += f"; csplan init NEWDIR --department NAME --year {year} writes an empty one to copy"
    return f"{holds}; {how})"


# -- checks across years ------------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    """A saving and where it lives."""

    document: Document
    model: SavingsFile
    index: int
    saving: Saving


def _index(plan: Plan) -> dict[str, _Place]:
    places: dict[str, _Place] = {}
    for document, model in savings_years(plan):
        for index, saving in enumerate(model.lines):
            places.setdefault(link(document.year, saving.id), _Place(document, model, index, saving))
    return places


def _resolve(
    places: dict[str, _Place], place: _Place, target: str, loc: tuple[str | int, ...], what: str
) -> Iterator[Finding | _Place]:
    """The saving ``target`` names, or the finding that says why it cannot be used."""
    year, saving_id = split_link(target)
    if year >= place.document.year:
        yield place.document.error(
            "CSP503",
            loc,
            f"{place.saving.id} {what} {target}, which is not in an earlier year than {place.document.year}",
            "a link points back at a saving of an earlier year",
        )
        return
    found = places.get(target)
    if found is None:
        held = [p.document.year for p in places.values() if p.document.year == year]
        why = f"no saving {saving_id} in the {year} savings file" if held else f"no savings file for {year}"
        yield place.document.error(
            "CSP502", loc, f"{place.saving.id} {what} {target}, but there is {why}", "check the year and the id"
        )
        return
    yield found


def check_year_links(plan: Plan) -> Iterable[Finding]:
    """CSP502-CSP513: links between years point at real savings of earlier years, a
    closed year's outcomes add up, and every amount carried forward is carried once."""
    years = savings_years(plan)
    if not years:
        return
    if not any(model.closed for _, model in years) and not any(
        saving.from_ is not None or saving.replaces is not None or saving.outcome is not None
        for _, model in years
        for saving in model.lines
    ):
        return  # one year, or years not yet linked: nothing to check (and a large file stays quick)
    places = _index(plan)
    carried: dict[str, list[tuple[_Place, Money, str]]] = {}  # target -> (carrier, amount, how)
    for place in places.values():
        saving = place.saving
        base: tuple[str | int, ...] = ("lines", place.index)
        source = brought_from(saving)
        if source is not None:
            for found in _resolve(places, place, source, (*base, "from"), "is brought forward from"):
                if isinstance(found, Finding):
                    yield found
                else:
                    carried.setdefault(source, []).append((place, saving.target, "brought forward"))
        if saving.replaces is not None:
            target = saving.replaces.saving
            for found in _resolve(places, place, target, (*base, "replaces", "saving"), "replaces"):
                if isinstance(found, Finding):
                    yield found
                else:
                    carried.setdefault(target, []).append((place, saving.replaces.amount, "replaced"))
    yield from _check_closed_years(years)
    yield from _check_carried(places, carried)
    yield from _check_uncarried(places, carried)


def _check_closed_years(years: list[tuple[Document, SavingsFile]]) -> Iterator[Finding]:
    open_before: Document | None = None
    for document, model in years:
        if not model.closed:
            open_before = open_before or document
            for index, saving in enumerate(model.lines):
                if saving.outcome is not None:
                    yield document.error(
                        "CSP508",
                        ("lines", index, "outcome"),
                        f"{saving.id} records a year-end outcome but {document.year} is not closed",
                        f"outcomes are recorded by {command('savings close-year')}; remove it, or close the year",
                    )
            continue
        if open_before is not None:
            yield document.error(
                "CSP510",
                ("closed",),
                f"{document.year} is closed but an earlier year, {open_before.year}, is not",
                f"years close in order: close {open_before.year} first ({open_before.path})",
            )
        for index, saving in enumerate(model.lines):
            yield from _check_outcome(document, index, saving)


def _check_outcome(document: Document, index: int, saving: Saving) -> Iterator[Finding]:
    outcome = saving.outcome
    if outcome is None:
        yield document.error(
            "CSP506",
            ("lines", index, "id"),
            f"{saving.id} has no year-end outcome, but {document.year} is closed",
            "a closed year records delivered, slipped, written_off and replaced for every saving",
        )
        return
    parts = outcome.delivered + outcome.slipped + outcome.written_off + outcome.replaced
    if parts != saving.target:
        yield document.error(
            "CSP507",
            ("lines", index, "outcome"),
            f"{saving.id} outcome: delivered {format_pounds(outcome.delivered)} + slipped "
            f"{format_pounds(outcome.slipped)} + written off {format_pounds(outcome.written_off)} + replaced "
            f"{format_pounds(outcome.replaced)} = {format_pounds(parts)}, but the target is "
            f"{format_pounds(saving.target)} (difference {format_pounds(abs(saving.target - parts))})",
            "every pound of the target is delivered, slipped, written off or replaced, exactly once",
        )
    if outcome.written_off and not (outcome.write_off_reason or "").strip():
        yield document.error(
            "CSP509",
            ("lines", index, "outcome", "written_off"),
            f"{saving.id} writes off {format_pounds(outcome.written_off)} without a reason",
            "add write_off_reason: saying why the saving cannot be delivered",
        )
    if outcome.slipped and outcome.slipped_to is None:
        yield document.error(
            "CSP511",
            ("lines", index, "outcome", "slipped"),
            f"{saving.id} slips {format_pounds(outcome.slipped)} but names no line that carries it (slipped_to:)",
            "close-year writes slipped_to: with the brought-forward line's link",
        )


def _check_carried(places: dict[str, _Place], carried: dict[str, list[tuple[_Place, Money, str]]]) -> Iterator[Finding]:
    for target, carriers in carried.items():
        origin = places[target]
        outcome = origin.saving.outcome
        brought = [c for c in carriers if c[2] == "brought forward"]
        carrier, _, _ = carriers[-1]
        where = ("lines", carrier.index, "from" if carriers[-1][2] == "brought forward" else "replaces")
        if not origin.model.closed:
            if brought:
                first = brought[0][0]
                yield first.document.error(
                    "CSP504",
                    ("lines", first.index, "from"),
                    f"{first.saving.id} is brought forward from {target}, but {origin.document.year} is not closed",
                    "a shortfall is brought forward by "
                    f"{command(f'savings close-year --year {origin.document.year}')}; "
                    "if a close was interrupted, run it again and it completes",
                )
            replaced = money_sum(amount for _, amount, how in carriers if how == "replaced")
            if replaced > origin.saving.target:
                yield carrier.document.error(
                    "CSP512",
                    where,
                    f"savings replace {format_pounds(replaced)} of {target}, more than its target "
                    f"{format_pounds(origin.saving.target)}",
                    "a replacement takes over part of a shortfall, never more than the saving",
                )
            continue
        if len(brought) > 1:
            names = ", ".join(link(c[0].document.year, c[0].saving.id) for c in brought)
            yield brought[-1][0].document.error(
                "CSP513",
                ("lines", brought[-1][0].index, "from"),
                f"{target} is brought forward twice ({names})",
                "a shortfall slips into one line; merge them or remove one",
            )
        if outcome is None:
            continue  # CSP506 says so
        recorded = outcome.slipped + outcome.replaced
        total = money_sum(amount for _, amount, _ in carriers)
        if total != recorded:
            detail = ", ".join(
                f"{link(c.document.year, c.saving.id)} {how} {format_pounds(amount)}" for c, amount, how in carriers
            )
            yield carrier.document.error(
                "CSP505",
                where,
                f"{format_pounds(total)} of {target} is carried into later years ({detail}), but its outcome "
                f"records {format_pounds(recorded)} slipped or replaced",
                "what is brought forward or replaced must equal the shortfall the closed year recorded; "
                "a replacement added after the close takes its amount off the brought-forward line",
            )


def _check_uncarried(
    places: dict[str, _Place], carried: dict[str, list[tuple[_Place, Money, str]]]
) -> Iterator[Finding]:
    """A closed saving whose outcome slips or replaces something no later line carries."""
    for name, place in places.items():
        outcome = place.saving.outcome
        if not place.model.closed or outcome is None or name in carried:
            continue
        recorded = outcome.slipped + outcome.replaced
        if recorded:
            yield place.document.error(
                "CSP505",
                ("lines", place.index, "outcome", "slipped" if outcome.slipped else "replaced"),
                f"{place.saving.id}'s outcome records {format_pounds(recorded)} slipped or replaced, but no line "
                f"of a later year carries it" + (f" (slipped_to: {outcome.slipped_to})" if outcome.slipped_to else ""),
                "a slipped shortfall is a line with from: in the next year's file; a replacement says replaces:",
            )
