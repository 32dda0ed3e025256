"""Monthly returns on a sheet: the template sent to budget holders, and reading back
whatever comes back (that template filled in, csplan's own export after someone edits
it, or a CSV).

A sheet is read as people lay it out: the header row is found (a title and the
period may sit above it), csplan's own read-only columns (description, target, last
month's return, variance ...) are recognised and skipped, a total row and blank rows
are counted and skipped, and every input cell is named by its sheet and reference so
a refusal can say which cell is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from csplan.errors import DataError, UsageError
from csplan.load import Document
from csplan.models import PERIODS, Saving, SavingsFile, normalise_period
from csplan.money import UNIT_LABELS, Money, own_scale
from csplan.rag import NOT_REPORTED
from csplan.savings import latest_entry, saving_status
from csplan.savings_edit import AMOUNTS, PARTS, Return, kept_with_sources, sent_text
from csplan.suggest import command
from csplan.tabular import cell_text, column_letter, read_rows, sheet_names
from csplan.text import escape_controls

MONTHS = (
    *("April", "May", "June", "July", "August", "September"),
    *("October", "November", "December", "January", "February", "March"),
)


def month_of(period: str, year: str) -> str:
    """``P07`` of 2025-26 as "October 2025"."""
    index = PERIODS.index(period)
    first = int(year[:4])
    return f"{MONTHS[index]} {first if index < 9 else first + 1}"


# -- the template --------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateRow:
    """One saving on the template: what the holder sees, and this month's return if one
    is already recorded (so a re-sent sheet comes back unchanged)."""

    id: str
    description: str
    owner: str | None
    target: Money
    last_period: str | None
    last_forecast: Money | None
    last_delivered: Money | None
    last_rag: str | None
    last_achieved: Money | None = None
    last_at_risk: Money | None = None
    """The last return's achieved and at risk: what a blank cell this month carries."""
    last_from: Mapping[str, str] = field(default_factory=dict)
    """Last delivered / achieved / at risk shown from a return older than
    ``last_period`` (which records none), by field ("last_at_risk": "P09")."""
    forecast: Money | None = None
    delivered: Money | None = None
    rag: str | None = None
    note: str | None = None
    achieved: Money | None = None
    at_risk: Money | None = None


@dataclass(frozen=True)
class ReturnsTemplate:
    """The returns template for one period: its rows and the rules in force."""

    year: str
    department: str
    period: str
    month: str
    division: str | None
    owner: str | None
    green_percent: Decimal
    amber_percent: Decimal
    rows: list[TemplateRow] = field(default_factory=list)
    tracks_at_risk: bool = False
    """The savings file tracks achieved and at risk (``SavingsFile.tracks_at_risk``): the template
    asks for them too (a council that does not track them sees no such columns)."""
    units: str = "pounds"
    """The savings file's units: a £'000 tracker's template shows and asks for its
    amounts in £'000 (the headers say so), so a budget holder types what they read."""


def returns_template(
    savings: SavingsFile,
    period: str,
    *,
    division: str | None = None,
    owner: str | None = None,
    document: Document | None = None,
) -> ReturnsTemplate:
    """The template for ``period``: one row per saving whose division and owner contain
    the words given, with its last return before ``period``. With the savings file's
    ``document``, Last delivered, Last achieved and Last at risk are what an empty cell keeps
    (``savings_edit.kept_with_sources``: an earlier return's figure where the last
    return has none); without it, the last return's."""
    index = PERIODS.index(period)
    before = PERIODS[index - 1] if index else None
    rows: list[TemplateRow] = []
    for index, saving in enumerate(savings.lines):
        if not matches(saving, division, owner):
            continue
        last = latest_entry(saving, before) if before else None
        last_rag = saving_status(saving, savings.settings, before).rag if last is not None else None
        this = next((p for p in saving.progress if p.period == period), None)
        kept = (
            kept_with_sources(document, index, period)
            if document is not None and last is not None
            else {name: (getattr(last, name), last.period) if last else (None, None) for name in ("delivered", *PARTS)}
        )
        older = {
            f"last_{name}": source
            for name, (_, source) in kept.items()
            if source is not None and last is not None and source != last.period
        }
        rows.append(
            TemplateRow(
                id=saving.id,
                description=saving.description,
                owner=saving.owner,
                target=saving.target,
                last_period=last.period if last else None,
                last_forecast=last.forecast if last else None,
                last_delivered=kept["delivered"][0],
                last_rag=last_rag,
                last_achieved=kept["achieved"][0],
                last_at_risk=kept["at_risk"][0],
                last_from=older,
                forecast=this.forecast if this else None,
                delivered=this.delivered if this else None,
                rag=this.rag if this else None,
                note=this.note if this else None,
                achieved=this.achieved if this else None,
                at_risk=this.at_risk if this else None,
            )
        )
    if not rows:
        raise no_match(savings, division, owner, document)
    return ReturnsTemplate(
        year=savings.year,
        department=savings.department,
        period=period,
        month=month_of(period, savings.year),
        division=division,
        owner=owner,
        green_percent=savings.settings.green_percent,
        amber_percent=savings.settings.amber_percent,
        rows=rows,
        tracks_at_risk=savings.tracks_at_risk,
        units=savings.units,
    )


def no_match(savings: SavingsFile, division: str | None, owner: str | None, document: Document | None) -> UsageError:
    """Why no saving matches --division/--owner, and what would: each option matches its
    own field only (--owner a saving's owner, never its division), and a file none of
    whose savings gives that field is said so, not searched in vain (:func:`no_such_field`).
    Used by savings template and savings status."""
    missing = no_such_field(savings, division, owner, document)
    if missing is not None:
        return missing
    given = {"division": division, "owner": owner}
    known = _field_values(savings)
    chosen = " and ".join(f"{name} {text!r}" for name, text in given.items() if text)
    hints = []
    for name, text in given.items():
        if text:
            listed = ", ".join(known[name][:8]) + (", ..." if len(known[name]) > 8 else "")
            field_words = "owner (budget holder)" if name == "owner" else "division"
            hints.append(f"--{name} matches part of a saving's {field_words} only; here: {listed}")
    return UsageError(f"no saving matches {chosen}", "; ".join(hints))


def no_such_field(
    savings: SavingsFile, division: str | None, owner: str | None, document: Document | None
) -> UsageError | None:
    """--owner (--division) given where no saving has an owner (a division): the error
    saying so, with where to add it; None where each field given is somewhere."""
    where = f"{document.path}" if document is not None else "this file"
    given = {"division": division, "owner": owner}
    known = _field_values(savings)
    missing = [name for name, text in given.items() if text and not known[name]]
    if not missing:
        return None
    name = missing[0]
    other = "owner" if name == "division" else "division"
    instead = f", or use --{other}" if known[other] else ""
    what = "an owner (its budget holder)" if name == "owner" else "a division"
    return UsageError(
        f"--{name} {given[name]!r}: no saving in {where} has {what}", f"add `{name}:` to each saving{instead}"
    )


def matches(saving: Saving, division: str | None, owner: str | None) -> bool:
    """Whether ``saving``'s division and owner contain the words given (case aside), as
    --division and --owner select."""
    if division and not (saving.division and division.casefold() in saving.division.casefold()):
        return False
    return not (owner and not (saving.owner and owner.casefold() in saving.owner.casefold()))


def _field_values(savings: SavingsFile) -> dict[str, list[str]]:
    """The divisions and owners the savings give, each sorted."""
    return {name: sorted({v for s in savings.lines if (v := getattr(s, name))}) for name in ("division", "owner")}


# -- what the template was sent with ---------------------------------------------------------

SENT_SHEET = "csplan as sent"
"""The hidden sheet of a template or an export recording what each input cell was
pre-filled with."""
SENT_FIELDS = ("forecast", "delivered", "rag", "note", "achieved", "at_risk")
"""The input fields a workbook may record as sent (achieved and at risk where it has them)."""


SENT_FILTERS = ("division", "owner")
"""The savings template options that chose a template's rows, recorded as sent (row 1,
after the title: "owner", its text, ...) so a hint to send it again gives them."""


def write_as_sent(
    book: Any,
    fields: Sequence[str],
    rows: Iterable[tuple[str, str, Mapping[str, Any]]],
    filters: Mapping[str, str | None] | None = None,
) -> None:
    """Add the as-sent record to ``book`` (an openpyxl Workbook), its last sheet: for each
    row sent, (saving id, period, {field: value pre-filled}), each of ``fields`` as
    :func:`csplan.savings_edit.sent_text` writes it (amounts as exact pounds, whatever
    scale the sheet shows them in). ``savings import`` reads it (:func:`_as_sent`) to
    tell a holder's change from a figure finance recorded since the sheet went out.

    Written by the returns template and by ``csplan export`` (its Savings sheet goes
    back in too). A sheet of its own, very hidden (Excel offers no way to unhide it;
    LibreOffice keeps it hidden) and protected, rather than columns on the sheet
    people edit: sorting or inserting rows there cannot misalign it, and the sheet
    they see is unchanged. Every value is a text cell, never a formula. ``filters``:
    the template's --division/--owner, if given (see ``SENT_FILTERS``)."""

    def put(cell: Any, value: str | None) -> None:
        cell.value = value
        if value is not None:
            cell.data_type = "s"

    sheet = book.create_sheet(SENT_SHEET)
    put(sheet["A1"], "What csplan's workbook was sent with; csplan savings import reads it. Do not edit.")
    chosen = [(name, text) for name in SENT_FILTERS if (text := (filters or {}).get(name))]
    for place, (name, text) in enumerate(chosen):
        put(sheet.cell(1, 2 + 2 * place), name)
        put(sheet.cell(1, 3 + 2 * place), escape_controls(text))
    for place, name in enumerate(("id", "period", *fields), start=1):
        put(sheet.cell(2, place), name)
    for number, (saving_id, period, values) in enumerate(rows, start=3):
        put(sheet.cell(number, 1), escape_controls(saving_id))
        put(sheet.cell(number, 2), period)
        for place, name in enumerate(fields, start=3):
            put(sheet.cell(number, place), sent_text(name, values.get(name)))
    sheet.sheet_state = "veryHidden"
    sheet.protection.sheet = True


def _as_sent(path: Path) -> tuple[dict[tuple[str, str], dict[str, str | None]], tuple[tuple[str, str], ...]]:
    """A workbook's as-sent record (:func:`write_as_sent`): for each (saving id, period),
    the text of each input field as pre-filled; and the template's filters (("owner",
    "admissions"), ...). Empty for a sheet with no record (a CSV, anyone's own sheet, a
    template from before 2026-11 or an export from before 2026-12)."""
    if path.suffix.lower() != ".xlsx" or SENT_SHEET not in sheet_names(path):
        return {}, ()
    rows = [[cell_text(c.value) for c in row.cells] for row in read_rows(path, sheet=SENT_SHEET)]
    header = next((i for i, row in enumerate(rows) if row[:2] == ["id", "period"]), None)
    if header is None:
        return {}, ()
    title = rows[0] if header else []
    filters = tuple(
        (name, text)
        for name, text in zip(title[1::2], title[2::2], strict=False)
        if name in SENT_FILTERS and text is not None
    )
    fields = [name if name in SENT_FIELDS else None for name in rows[header]]
    record: dict[tuple[str, str], dict[str, str | None]] = {}
    for row in rows[header + 1 :]:
        if len(row) < 2 or row[0] is None or row[1] is None:
            continue
        padded = row + [None] * (len(fields) - len(row))
        record[row[0], row[1]] = {name: text for name, text in zip(fields, padded, strict=False) if name}
    return record, filters


# -- reading a returns sheet back ------------------------------------------------------------

INPUT_COLUMNS = {
    "id": "id",
    "saving id": "id",
    "period": "period",
    "forecast": "forecast",
    "forecast for the year": "forecast",
    "delivered": "delivered",
    "delivered to date": "delivered",
    "rag": "rag",
    "your rag": "rag",
    "note": "note",
    "notes": "note",
    "achieved": "achieved",
    "at risk": "at_risk",
}
"""Header words (normalised) of the columns a return is read from."""

READ_ONLY_COLUMNS = frozenset(
    {
        "saving",
        "description",
        "division",
        "owner",
        "budget holder",
        "ongoing",
        "one off",
        "target",
        "variance",
        "% of target",
        "reason",
        "status",
        "percent",
        "direction",
        "derived rag",
        "officer rag",
        "unaccounted",
        "shortfall",
        "mitigated",
        "shortfall after mitigation",
        "after mitigation",
        "unused mitigation",
        "unused",
        "mitigations",
    }
)
"""csplan's own columns (of the template, the export and ``savings status --format
csv``), shown for reference and skipped on the way back in; so is any column whose
header starts with "last", "previous" or "movement". Achieved and at risk are input
columns where a sheet has them (the template, when the savings file records them;
csplan's export and status CSV, when a return gives them): a blank cell keeps what is
recorded, in a new month too (csplan.savings_edit carries it from the last return)."""

COLUMNS_HINT = (
    "the columns are: id, period, forecast, delivered, rag, note, and achieved, at risk where recorded "
    "(csplan's template and export have them)"
)
REQUIRED = ("id", "forecast")
TOTAL_WORDS = ("total", "totals", "grand total")
HEADER_SEARCH = 20
"""The header row is looked for in the first rows (a title and the period may sit above)."""


def _words(value: Any) -> str:
    """A header cell as plain words: "Forecast (£)" -> "forecast", "one_off" -> "one off",
    "forecast (£'000)" -> "forecast" (the scale is read by :func:`_without_scale`)."""
    text = _without_scale(str(value or ""))[0].casefold().replace("_", " ").replace("-", " ")
    return re.sub(r"[^a-z0-9%]+", " ", text).strip()


SCALE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "pounds": ("£",),
    "thousands": ("£'000", "£000", "£k", "£thousand", "£thousands"),
    "millions": ("£m", "£mn", "£million", "£millions"),
}
"""How a header names its scale, as :func:`_spelling` writes it (no spaces or brackets,
a straight apostrophe, no plural 's on a figure): csplan's own labels, and the other
ways councils' sheets write them that can mean nothing else: "£000s", "£’000" (Word's
and Excel's autocorrect apostrophe), "£000's", "£k", "(£ thousands)", "(£millions)".
"£M" is not here: M is also the Roman thousand (a US "$M" can be thousands), and a
figure read in the wrong one of the two is a thousandfold error."""

# The end of a header that names a scale: from its £ ("Forecast (£ thousands)",
# "Delivered £k"), or without one, a bracketed or last word that is a scale all the
# same ("Forecast (000s)", "At risk thousands"), which csplan refuses rather than read
# as pounds.
_SCALE_END = re.compile(
    r"\s*(?:\((?P<bracketed>[^()]*£[^()]*)\)|(?P<bare>£.*)"
    r"|\(?(?<![^\s(])(?P<unmarked>'?0{2,}(?:,0{3})*'?s?|k|m|mn|bn|thousands?|millions?|billions?)\)?)\s*$",
    re.IGNORECASE,
)


def _spelling(scale: str) -> str:
    """A scale as written in a header, in the form SCALE_SPELLINGS lists: "£ 000's" ->
    "£000", "(£’000s)" -> "£'000", "£K" -> "£k" (M keeps its case: see SCALE_SPELLINGS)."""
    text = re.sub(r"\s+", "", scale.strip().strip("()")).replace("’", "'").replace("‘", "'")
    text = re.sub(r"(?<=0)'?s$", "", text)
    return "".join(c if c == "M" else c.casefold() for c in text)


def _split_scale(header: str) -> tuple[str, str | None]:
    """A header without the scale named in it, and that scale as typed ("Forecast
    (£k)" -> ("Forecast", "£k")); None where it names none."""
    text = header.strip()
    match = _SCALE_END.search(text)
    if match is None or not match.string[: match.start()].strip():
        return text, None
    scale = match["bracketed"] or match["bare"] or match["unmarked"]
    words = text[: match.start()].strip()
    return words.removesuffix(" in").strip(), scale.strip()


def _units_of(scale: str) -> str | None:
    """The units a header's scale names (see SCALE_SPELLINGS); None if csplan does not read it."""
    spelt = _spelling(scale)
    return next((units for units, spellings in SCALE_SPELLINGS.items() if spelt in spellings), None)


def _without_scale(header: str) -> tuple[str, str | None]:
    """A header without the scale named in it (--units: "Forecast £'000",
    "forecast (£m)", an outside sheet's "Forecast £000"), and that scale's units
    (None where it names none, or one csplan does not read: :func:`_unread_scale`)."""
    words, scale = _split_scale(header)
    return words, _units_of(scale) if scale is not None else None


def _unread_scale(header: str) -> str | None:
    """The scale a header names as typed, where csplan does not read it ("£bn", "£M",
    "000s" with no £); None for a header naming a scale csplan reads, or none."""
    scale = _split_scale(header)[1]
    return scale if scale is not None and _units_of(scale) is None else None


def _meant_scale(words: str, scale: str) -> str:
    """The hint for a header whose scale csplan does not read: the spelling it most
    likely means, as the whole header that would be read."""
    spelt = _spelling(scale)
    read = "csplan reads £, £'000 (or £000, £k, £ thousands) and £m (or £ millions)"
    if "b" in spelt.casefold():
        return f"csplan has no £bn: give the figures in £m (1.2 in £bn is 1,200 in £m) under {words} (£m) ({read})"
    roman = "M is the Roman thousand as well as a million: " if "M" in spelt else ""
    if spelt.strip("£'") in {"000000", "000,000"} or "m" in spelt.casefold():
        meant = "£m"
    elif "0" in spelt or "k" in spelt or "th" in spelt:
        meant = "£'000"
    else:
        meant = "£"
    return f"{roman}did you mean {meant}? head it {words} ({meant}) if its figures are in {meant} ({read})"


def _unread_scales(path: Path, grid: Grid, header: int) -> None:
    """Refuse a sheet whose amount column names a scale csplan does not read ("Forecast
    (£bn)", "Forecast (£M)", "Forecast (000s)"), naming each such header's cell: its
    figures are neither read as pounds nor guessed, since a figure read in the wrong
    scale is a thousandfold error."""
    said: list[tuple[str, str]] = []
    for cell in grid.rows[header][1]:
        typed = str(cell_text(cell.value) or "")
        scale = _unread_scale(typed)
        if scale is None or INPUT_COLUMNS.get(_words(typed)) not in AMOUNTS:
            continue
        said.append(
            (
                f"{_place(path, grid, cell.where)}: error CSP714 header {typed!r} names a scale csplan does not "
                f"read ({scale!r}): nothing is read, rather than a figure in a wrong scale",
                _meant_scale(_split_scale(typed)[0], scale),
            )
        )
    if said:
        lines = [line for message, hint in said[:-1] for line in (message, f"  hint: {hint}")]
        raise DataError("\n".join([*lines, said[-1][0]]), said[-1][1])


def _bare_beside_scaled(path: Path, grid: Grid, header: int) -> None:
    """Refuse a sheet whose amount columns mix headers naming a scale ("Forecast (£k)")
    with an input amount header naming none, nor £ ("At risk"): its figures could be in
    pounds or in the others' scale, a thousandfold apart, so none is guessed (CSP714),
    naming each such header's cell. "At risk (£)" or "At risk £" says pounds; csplan's
    own sheets label every amount column alike, so they are never refused."""
    cells = [(cell, str(cell_text(cell.value) or "")) for cell in grid.rows[header][1]]
    scaled = [(cell, typed) for cell, typed in cells if _without_scale(typed)[1] in ("thousands", "millions")]
    bare = [
        (cell, typed)
        for cell, typed in cells
        if INPUT_COLUMNS.get(_words(typed)) in AMOUNTS and _split_scale(typed)[1] is None
    ]
    if not scaled or not bare:
        return
    first, label = scaled[0]
    unit = UNIT_LABELS[str(_without_scale(label)[1])]
    beside = f"{label!r} ({_column_place(grid, first)})"
    lines: list[str] = []
    for cell, typed in bare:
        words = typed.strip()
        column = "" if grid.name else f" ({_column_place(grid, cell)})"  # a workbook's cell names it
        lines.append(
            f"{_place(path, grid, cell.where)}: error CSP714 header {words!r}{column} names no scale beside {beside}: "
            f"its figures could be pounds or {unit}, so nothing is read"
        )
        lines.append(
            f"  hint: label the header with its scale: '{words} ({unit})' if its figures are in {unit}, "
            f"or '{words} (£)' if they are pounds"
        )
    raise DataError("\n".join(lines[:-1]), lines[-1].removeprefix("  hint: "))


# A figure without a scale of its own is read in its column's: an optional accounting
# bracket, sign and £ ("£0.80", "-£5", "(£1,250.5)": Excel writes a currency-formatted
# cell so when it saves a CSV). Only a k/m/bn typed on the figure itself is its own
# scale (money.own_scale).


def _scale_of(raw: Any, text: str | None, units: str | None, number_format: str | None = None) -> str | None:
    """The scale a figure under a header naming one is read in, as a finance officer
    reads the sheet: 950 under "Forecast £'000" or "forecast (£m)" is £950,000 or
    £950m, whether typed as text (csplan's CSV with --units, "£0.80" as Excel saves a
    currency cell) or held as a number (csplan's export with --units, and whatever
    someone types into it). The figure stays as typed (``Return.scales`` says its
    scale), so money.parse_amount reads it exactly, refuses one past the penny and a
    refusal quotes what the cell holds.

    None (read as typed, in pounds) for a number whose cell format itself scales
    (``#,##0,``: Excel shows the pounds it holds in thousands, as csplan's exports
    before 2026-11 and many councils' own sheets do), and for text with its own scale
    ("£32k"); £ is no scale ("£0.8" under "achieved (£m)" is £800,000)."""
    if text is None or units not in UNIT_LABELS or units == "pounds" or isinstance(raw, bool):
        return None
    if not isinstance(raw, str) and (not isinstance(raw, int | float) or display_scaled(number_format)):
        return None
    # Text that is no amount ("tbc", "2OO" typed with letter Os, 1e3: no exponents in
    # money) is refused whatever the scale: read in the column's, so its message quotes
    # that scale and gives examples in it (32000 there would be £32m).
    return None if own_scale(text) else units


# What a number format shows as itself, not digits: "text", \x, [Red] or [>0], _x, *x.
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')
# A run of commas after the last digit placeholder of a format section (before any
# text or the end): each divides what is shown by 1,000 (#,##0, or 0.000,,"m").
_SCALING_COMMAS = re.compile(r"[0#?.],+(?![^0#?]*[0#?])")


def display_scaled(number_format: str | None) -> bool:
    """Whether a number format shows its number divided by a thousand or a million
    (a comma after the digits: ``#,##0,`` or ``#,##0.000,,"m"``), judged on its first
    section, the one positive figures are shown with."""
    if not number_format:
        return False
    first = _QUOTED.sub("", number_format).split(";", 1)[0]
    return bool(_SCALING_COMMAS.search(first))


def _read_only(words: str) -> bool:
    return words in READ_ONLY_COLUMNS or words.startswith(("last ", "previous ", "movement"))


@dataclass(frozen=True)
class Cell:
    """A cell's value as stored, whether it holds a formula, and its name in messages."""

    value: Any
    formula: bool
    where: str
    number_format: str | None = None
    """A number's format in a workbook (see :func:`display_scaled`)."""


@dataclass(frozen=True)
class Grid:
    """One sheet (or a CSV) as rows of cells; ``name`` is the sheet's, None for a CSV."""

    name: str | None
    rows: list[tuple[int, list[Cell]]]


@dataclass(frozen=True)
class SheetReturns:
    """What a returns sheet holds: its returns (each labelled), what was skipped, and
    problems found while reading (formulas, a missing id ...), each naming its cell."""

    path: Path
    sheet: str | None
    returns: list[tuple[str, Return]]
    blank: int
    total: int
    problems: list[str]
    year: str | None = None
    """The financial year the sheet says it is for (a template's title), if it says."""
    refused: int = 0
    """Rows refused while reading (a formula where a value is read): returns all the
    same, counted with those refused later."""
    warnings: list[str] = field(default_factory=list)
    """Columns left out, each with its place ("warning CSP711 ...", then a hint)."""


def import_summary(recorded: int, unchanged: int, blank: int, total: int) -> str:
    """ "7 returns recorded, 3 unchanged, 2 skipped (blank), 1 skipped (total row)"."""
    parts = [f"{recorded} return{'s' if recorded != 1 else ''} recorded", f"{unchanged} unchanged"]
    if blank:
        parts.append(f"{blank} skipped (blank)")
    if total:
        parts.append(f"{total} skipped (total row{'s' if total != 1 else ''})")
    return ", ".join(parts)


def read_returns(path: Path, period: str | None = None) -> SheetReturns:
    """The returns in a .csv or .xlsx file. ``period`` is for rows that name none; a
    template's own period is used for its rows, and must agree with ``period``."""
    grids = _grids(path)
    first: tuple[Grid, int, list[str]] | None = None
    for grid in grids:
        found = _header(grid)
        if found is not None:
            return _returns(path, grid, *found, period)
        if first is None:
            first = (grid, 0, [])
    if first is None or not first[0].rows:
        raise DataError(f"{path} is empty", f"the first row names the columns: {', '.join(INPUT_COLUMNS)}")
    grid = first[0]
    header_cells = grid.rows[0][1]
    said = _header_problems([_words(c.value) for c in header_cells])
    where = f"{path}: {grid.name}!1" if grid.name else f"{path}:1"
    raise DataError(
        f"{where}: error CSP700 {'; '.join(said) or 'no header row'}",
        COLUMNS_HINT,
    )


def _header_problems(words: Sequence[str]) -> list[str]:
    unknown = [w for w in words if w and w not in INPUT_COLUMNS and not _read_only(w)]
    columns = {INPUT_COLUMNS[w] for w in words if w in INPUT_COLUMNS}
    missing = [name for name in REQUIRED if name not in columns]
    return [f"unknown column {name!r}" for name in unknown] + [f"no {name!r} column" for name in missing]


REPEATED_HINT = (
    "keep one column for each figure: delete the other (a column of last month's figures is "
    "read as such when headed 'Last forecast', 'Last delivered' ...)"
)


def _repeated_columns(grid: Grid, header: int, words: Sequence[str]) -> list[str]:
    """A problem for each return field two or more header cells give ("Forecast £'000"
    and "Forecast", "delivered" and "Delivered to date"), naming the cells: csplan does
    not choose one of two figures that may disagree by a thousandfold."""
    cells = grid.rows[header][1]
    giving: dict[str, list[int]] = {}
    for column, word in enumerate(words):
        if word in INPUT_COLUMNS:
            giving.setdefault(INPUT_COLUMNS[word], []).append(column)
    said = []
    for field_name, columns in giving.items():
        if len(columns) > 1:
            named = [f"{str(cell_text(cells[c].value))!r} ({_column_place(grid, cells[c])})" for c in columns]
            both = "both" if len(columns) == 2 else "all"
            what = _FIELD_WORDS.get(field_name, field_name)
            said.append(f"columns {', '.join(named[:-1])} and {named[-1]} {both} give the {what}")
    return said


_FIELD_WORDS = {"id": "saving id", "delivered": "delivered to date", "rag": "RAG", "at_risk": "at risk"}


def _column_place(grid: Grid, cell: Cell) -> str:
    """A header cell's place in a message: its cell in a workbook, its column in a CSV."""
    if grid.name:
        return cell.where
    return f"column {column_letter(int(cell.where.rsplit(':', 1)[1]))}"


def _header(grid: Grid) -> tuple[int, list[str]] | None:
    """The position of the header row in ``grid`` and its words, if it has one: a row
    with an id column and a forecast column (other columns may be unknown: the caller
    refuses them)."""
    for position, (_, cells) in enumerate(grid.rows[:HEADER_SEARCH]):
        words = [_words(c.value) for c in cells]
        columns = {INPUT_COLUMNS.get(w) for w in words}
        if "id" in columns and "forecast" in columns:
            return position, words
    return None


_TITLED_YEAR = re.compile(r"\bSavings return for .* (\d{4}-\d{2})$")
_TITLED_PERIOD = re.compile(r"Returns (P\d{2})")


def _sheet_year(grid: Grid, header: int) -> str | None:
    """The year a template's title names ("Savings return for P07 (October): ... 2025-26")."""
    for _, cells in grid.rows[:header]:
        for cell in cells:
            match = _TITLED_YEAR.search(str(cell_text(cell.value) or ""))
            if match:
                return match[1]
    return None


def _sheet_period(grid: Grid, header: int) -> tuple[str, str] | None:
    """A period stated above the header (the template's "Period | P07"), and its cell."""
    for _, cells in grid.rows[:header]:
        filled = [c for c in cells if cell_text(c.value) is not None]
        if len(filled) >= 2 and _words(filled[0].value) == "period":
            return str(cell_text(filled[1].value)), filled[1].where
    return None


def _returns(path: Path, grid: Grid, header: int, words: list[str], period: str | None) -> SheetReturns:
    twice = _repeated_columns(grid, header, words)
    said = _header_problems(words) + twice
    name = f"{path}: {grid.name}" if grid.name else str(path)
    if said:
        where = f"{path}: {grid.rows[header][1][0].where}" if grid.name else f"{path}:{grid.rows[header][0]}"
        hint = REPEATED_HINT if twice else COLUMNS_HINT
        raise DataError(f"{where}: error CSP700 {'; '.join(said)}", hint)
    _unread_scales(path, grid, header)
    _bare_beside_scaled(path, grid, header)
    columns = {INPUT_COLUMNS[w]: i for i, w in reversed(list(enumerate(words))) if w in INPUT_COLUMNS}
    own = "variance" in words or "reason" in words
    if own:
        # csplan's own export or status CSV: its RAG is the status csplan derived when it
        # wrote the sheet (beside its Variance), not an officer's judgement;
        # a RAG judged by an officer comes on the template or typed with savings update.
        columns.pop("rag", None)
    scales = [_without_scale(str(c.value or ""))[1] for c in grid.rows[header][1]]
    problems: list[str] = []
    stated = _sheet_period(grid, header)
    sheet_period = period
    if stated is not None:
        try:
            sheet_period = normalise_period(stated[0])
        except UsageError as exc:
            problems.append(f"{_place(path, grid, stated[1])}: error CSP705 {exc.message}")
        if period is not None and sheet_period != period:
            raise UsageError(f"{name} is the return for {sheet_period}, not {period}", "leave out --period")
        titled = _TITLED_PERIOD.fullmatch(grid.name or "")
        if titled and sheet_period and titled[1] != sheet_period:
            problems.append(
                f"{_place(path, grid, stated[1])}: error CSP705 the period cell says {sheet_period} but the sheet is "
                f"the template for {titled[1]}; make a template for {sheet_period} "
                f"({command(f'savings template --period {sheet_period} -o FILE.xlsx')})"
            )
    returns: list[tuple[str, Return]] = []
    blank = total = refused = 0
    body = grid.rows[header + 1 :]
    while body and not any(cell_text(c.value) for c in body[-1][1]):
        body.pop()  # blank lines after the table are not blank returns
    warnings = _flag_columns(path, grid, header, columns, body)
    record, filters = _as_sent(path) if grid.name else ({}, ())
    for number, cells in body:

        def cell(column: str, cells: list[Cell] = cells) -> Cell | None:
            index = columns.get(column)
            return cells[index] if index is not None and index < len(cells) else None

        found_id = cell("id")
        saving_id = cell_text(found_id.value) if found_id is not None and not found_id.formula else None
        if (saving_id is not None and saving_id.casefold() in TOTAL_WORDS) or (
            saving_id is None and any(c.formula for c in cells)
        ):
            total += 1
            continue
        values: dict[str, str | None] = {}
        scaled: dict[str, str] = {}
        places: dict[str, str] = {}
        formulas: list[str] = []
        for column in ("period", "forecast", "delivered", "rag", "note", "achieved", "at_risk", "id"):
            found = cell(column)
            if found is None:
                continue
            places[column] = _place(path, grid, found.where)
            if found.formula:
                values[column] = "=" + str(found.value).removeprefix("=")
                formulas.append(column)
            else:
                index = columns[column]
                values[column] = cell_text(found.value)
                scale = _scale_of(
                    found.value, values[column], scales[index] if index < len(scales) else None, found.number_format
                )
                if scale is not None and column in AMOUNTS:
                    scaled[column] = scale
        rag = values.get("rag")
        if rag is not None and rag.casefold() == NOT_REPORTED:
            rag = values["rag"] = None
        if not any(values.get(c) for c in ("forecast", "delivered", "rag", "note", "achieved", "at_risk")):
            blank += 1
            continue
        label = f"{path}: {grid.name} row {number}" if grid.name else f"{path}:{number}"
        # A formula where an amount goes is refused with the rest of the return's checks.
        formulas = [c for c in formulas if c not in AMOUNTS]
        for column in formulas:
            field_words = column.replace("_", " ")
            problems.append(f"{places[column]}: error CSP702 {field_words} {values[column]!r} is a formula")
            problems.append(f"  hint: type the {field_words} itself")
        if formulas:
            refused += 1
            continue
        row_period = values.get("period") or sheet_period or ""
        returns.append(
            (
                label,
                Return(
                    saving_id=saving_id or "",
                    period=row_period,
                    forecast=values.get("forecast") or "",
                    delivered=values.get("delivered"),
                    rag=rag.lower() if rag else None,
                    note=values.get("note"),
                    achieved=values.get("achieved"),
                    at_risk=values.get("at_risk"),
                    cells={**places, "period": places.get("period") or (stated[1] if stated else label)},
                    scales=scaled,
                    sent=_sent_for(record, saving_id, row_period, columns),
                    sent_by="template" if _TITLED_PERIOD.fullmatch(grid.name or "") else "export",
                    csplans_own=own and not grid.name,  # a CSV cannot keep an as-sent record
                    sent_filters=filters,
                ),
            )
        )
    if not returns and not problems and not blank:
        raise DataError(f"{name} has no returns below its header row")
    return SheetReturns(path, grid.name, returns, blank, total, problems, _sheet_year(grid, header), refused, warnings)


def _sent_for(
    record: dict[tuple[str, str], dict[str, str | None]], saving_id: str | None, period: str, columns: dict[str, int]
) -> dict[str, str | None] | None:
    """What the template was sent with for this row, for the input columns the sheet
    has; None when the workbook has no record of it."""
    sent = record.get((saving_id or "", period))
    return None if sent is None else {name: text for name, text in sent.items() if name in columns}


FLAG_WORDS = frozenset({"yes", "no", "y", "n", "true", "false"})
"""What a tracker's yes/no column holds ("At risk: Y"): a flag, not an amount."""


def _flag_columns(
    path: Path, grid: Grid, header: int, columns: dict[str, int], body: list[tuple[int, list[Cell]]]
) -> list[str]:
    """Leave out (from ``columns``) an Achieved or At risk column whose filled cells are
    all yes/no words: some trackers flag a saving at risk rather than give the amount,
    and such a column is not the amount csplan reads. The warnings name each column."""
    warnings: list[str] = []
    for field_name in PARTS:
        index = columns.get(field_name)
        if index is None:
            continue
        filled = [
            cells[index].value
            for _, cells in body
            if index < len(cells) and not cells[index].formula and cell_text(cells[index].value) is not None
        ]
        if not filled or any(str(cell_text(value)).casefold() not in FLAG_WORDS for value in filled):
            continue
        del columns[field_name]
        heading = grid.rows[header][1][index]
        words = field_name.replace("_", " ")
        warnings.append(
            f"{_place(path, grid, heading.where)}: warning CSP711 column {str(heading.value).strip()!r} holds "
            f"yes/no, not amounts: left out"
        )
        warnings.append(
            f"  hint: {words} is read as an amount (in pounds, or in the scale its header names); record it "
            f"with savings update --{words.replace(' ', '-')}"
        )
    return warnings


def _place(path: Path, grid: Grid, where: str) -> str:
    return f"{path}: {where}" if grid.name else where


def _grids(path: Path) -> Iterator[Grid]:
    """Each sheet of the file in turn (a CSV is one), read whole through csplan.tabular
    (streamed, with its limits) before any of it is used, formulas marked as such."""
    for name in sheet_names(path):
        if name == SENT_SHEET:
            continue  # csplan's record of the template as sent, read by _as_sent
        rows = []
        for row in read_rows(path, sheet=name or None, formulas=True):
            where = (lambda c: c.ref) if name else (lambda c: f"{path}:{c.row}:{c.column}")
            rows.append((row.number, [Cell(c.value, c.formula, where(c), c.number_format) for c in row.cells]))
        yield Grid(name or None, rows)
