"""A year's close as sections: each saving's outcome, and the money accounted for."""

from __future__ import annotations

from csplan.money import format_pounds
from csplan.render.tables import Cell, Column, Section, Table
from csplan.text import plural
from csplan.yearend import SavingOutcome, YearEnd

OUTCOME_COLUMNS = (
    Column("id", "ID"),
    Column("description", "Saving", max_width=30, min_width=16),
    Column("target", "Target", "money"),
    Column("delivered", "Delivered", "money"),
    Column("slipped", "Slipped", "money"),
    Column("written_off", "Written off", "money"),
    Column("replaced", "Replaced", "money"),
    Column("over_delivered", "Over-delivered", "money", drop_order=2),
    Column("carried_to", "Carried to", drop_order=1),
)
# A close lists at most this many savings, and this many brought-forward lines; the
# files (and csplan diff) hold every one. A department has tens; a test file thousands.
SHOWN = 100


def outcome_table(year_end: YearEnd) -> Table:
    rows: list[dict[str, Cell]] = [
        {
            "id": o.id,
            "description": o.description,
            "target": o.target,
            "delivered": o.delivered,
            "slipped": o.slipped,
            "written_off": o.written_off,
            "replaced": o.replaced,
            "over_delivered": o.over_delivered,
            "carried_to": o.carried_to,
        }
        for o in [o for o in year_end.outcomes if _listed(o)][:SHOWN]
    ]
    footer: dict[str, Cell] = {"id": "Total", "description": plural(len(year_end.outcomes), "saving")}
    for name in ("target", "delivered", "slipped", "written_off", "replaced", "over_delivered"):
        footer[name] = year_end.total(name)
    return Table(f"Closing {year_end.year}: savings not delivered exactly", OUTCOME_COLUMNS, rows, [footer])


def _listed(outcome: SavingOutcome) -> bool:
    """A saving is listed when something other than exact delivery became of it."""
    return bool(outcome.slipped or outcome.written_off or outcome.replaced or outcome.over_delivered)


def summary_lines(year_end: YearEnd) -> list[str]:
    t = year_end.total
    in_full = sum(1 for o in year_end.outcomes if not _listed(o))
    lines = (
        [f"{in_full} of {plural(len(year_end.outcomes), 'saving')} delivered exactly their target (not listed)"]
        if in_full
        else []
    )
    lines += [
        f"Delivered {format_pounds(t('delivered'))} + slipped {format_pounds(t('slipped'))} + written off "
        f"{format_pounds(t('written_off'))} + replaced {format_pounds(t('replaced'))} = target "
        f"{format_pounds(t('target'))}"
    ]
    if t("over_delivered"):
        lines.append(
            f"Over-delivery of {format_pounds(t('over_delivered'))} is shown, not carried: nothing slips there"
        )
    listed = len(year_end.outcomes) - in_full
    if listed > SHOWN:
        lines.append(
            f"The first {SHOWN} of the {plural(listed, 'saving')} not delivered exactly are listed; the files hold all"
        )
    said: list[str] = []
    for line in year_end.brought_forward:
        state = "already there" if line.existing else "new line"
        said.append(
            f"{year_end.next_year}/{line.id} brings forward {format_pounds(line.target)} from {line.origin} ({state})"
        )
    for outcome in year_end.outcomes:
        if outcome.written_off:
            said.append(f"{outcome.id} writes off {format_pounds(outcome.written_off)}: {outcome.write_off_reason}")
        if outcome.replaced:
            said.append(
                f"{outcome.id} is replaced by {', '.join(outcome.replaced_by)}: {format_pounds(outcome.replaced)}"
            )
    if len(said) > SHOWN:
        left = len(said) - SHOWN
        said = [
            *said[:SHOWN],
            f"... and {left} more line{'s' if left != 1 else ''} brought forward, written off or replaced",
        ]
    return lines + said


def sections(year_end: YearEnd) -> list[Section]:
    return [Section(outcome_table(year_end), summary_lines(year_end))]
