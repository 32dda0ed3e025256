"""The records of the data files, as the README's "Data format" section describes them.

Each record is standard Pydantic: a file and its settings are a ``Record``, a frozen
``BaseModel`` that refuses unknown fields, so ``model_validate``, ``model_copy``,
``TypeAdapter`` and ``model_json_schema`` work as they do for any Pydantic user; a
record of a file's lines (a saving and what it holds) is a frozen Pydantic
dataclass with slots, for memory at scale (see ``LINE_CONFIG``). Amounts are validated by
``money.parse_amount`` with the file's ``units`` passed in the validation context, so
a record holds pounds whatever scale the file is in. A field's docstring is its
description in the JSON Schema (``csplan schema``).

A new field is a plain annotated field with a docstring under it; a value that needs
its own check is ``Annotated[T, PlainValidator(function), WithJsonSchema({...})]``
(see ``Amount`` below), its function raising ``PydanticCustomError`` with one of the
error types that ``csplan.load`` maps to a finding code.
"""

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, PlainValidator, ValidationInfo, WithJsonSchema
from pydantic.dataclasses import dataclass
from pydantic_core import PydanticCustomError, core_schema

from csplan.errors import UsageError
from csplan.money import ZERO, AmountError, Money, check_number, parse_amount, parse_number
from csplan.rag import Rag

KINDS = ("pressures", "savings", "budget", "measures", "programme")
PERIODS = tuple(f"P{n:02d}" for n in range(1, 13))
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
# A quarter's return counts as at its last month: Q1 (April-June) is as at P03.
QUARTER_END = {"Q1": "P03", "Q2": "P06", "Q3": "P09", "Q4": "P12"}


def normalise_period(text: str) -> str:
    """``P6``, ``p06`` or ``6`` as ``P06``; anything else is a usage error."""
    match = re.fullmatch(r"[Pp]?([0-9]{1,2})", text.strip())
    if match is None or not 1 <= int(match[1]) <= 12:
        raise UsageError(f"period {text!r} is not one of P01 (April) .. P12 (March)", "write it as P01..P12")
    return f"P{int(match[1]):02d}"


def normalise_measure_period(text: str) -> str:
    """A month as ``normalise_period`` reads it (``P6`` as ``P06``), or a quarter (``q2`` as ``Q2``)."""
    if text.strip().upper() in QUARTERS:
        return text.strip().upper()
    try:
        return normalise_period(text)
    except UsageError:
        raise UsageError(
            f"period {text!r} is not one of P01..P12 or Q1..Q4", "write P06 for a month, Q2 for a quarter"
        ) from None


class Record(BaseModel):
    """Base of csplan's file and settings records: read-only, unknown fields refused,
    each field's docstring its description."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


# populate_by_name: ``dataclasses.replace`` passes a field by its name (``from_``),
# where the file names it by its alias (``from``).
LINE_CONFIG = ConfigDict(extra="forbid", use_attribute_docstrings=True, populate_by_name=True)
"""The config of a record of a file's lines (a saving, a progress entry, a
mitigation, a measure: what a file holds one of per line). Those are Pydantic dataclasses, frozen and with
``slots=True``: a BaseModel carries a ``__dict__`` and a ``__pydantic_fields_set__``
set per instance, about 400 MB of the 750 MB that 100,000 savings with 600,000
progress entries took as BaseModels (README, Performance). Declare one as
``@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)``; copy one
with ``dataclasses.replace``."""


# What each validated type accepts, as JSON Schema shows it to an editor.
_AMOUNT_TEXT: dict[str, Any] = {
    "type": "string",
    "pattern": r"^\(?[-+−]?\s*£?\s*[0-9.,]+\s*([kKmM]|[mM][nN]|[bB][nN])?\)?$",
}
_AMOUNT_INPUT: dict[str, Any] = {"anyOf": [{"type": "number"}, _AMOUNT_TEXT]}
_NON_NEGATIVE_AMOUNT_INPUT: dict[str, Any] = {"anyOf": [{"type": "number", "minimum": 0}, _AMOUNT_TEXT]}


def _shown(value: Any) -> str:
    """A value as a message quotes it: a number as its digits (the same whichever YAML
    reader made it an int or a Decimal), anything else as its repr."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return repr(value)


# Whole-number amounts already read, by units: a large file repeats many (a target
# in each return), and one shared Decimal each saves the parsing and the memory
# (Decimals are immutable). Bounded, so a file of all-different amounts costs no more.
_WHOLE_AMOUNTS: dict[str, dict[int, Money]] = {"pounds": {}, "thousands": {}, "millions": {}}
_WHOLE_AMOUNTS_KEPT = 200_000


def _amount(value: Any, info: ValidationInfo) -> Money:
    context = info.context  # the file's units, read inline: this runs a million times
    units = context.get("units", "pounds") if type(context) is dict else "pounds"
    if type(value) is int:  # the common case, millions of times in a large file
        known = _WHOLE_AMOUNTS.get(units)
        found = known.get(value) if known is not None else None
        if found is not None:
            return found
    if isinstance(value, float):
        # Only the fast reader makes floats; the file is then read again carefully,
        # where the number arrives as its exact text.
        raise PydanticCustomError("csp_amount", "{message}", {"message": f"{value} was read as a float", "hint": ""})
    try:
        amount = parse_amount(value, units)
    except AmountError as exc:
        raise PydanticCustomError("csp_amount", "{message}", {"message": exc.message, "hint": exc.hint or ""}) from None
    if type(value) is int:
        known = _WHOLE_AMOUNTS.get(units)
        if known is not None and len(known) < _WHOLE_AMOUNTS_KEPT:
            known[value] = amount
    return amount


def _non_negative_amount(value: Any, info: ValidationInfo) -> Money:
    if type(value) is int and value >= 0:  # the common case again, without a second call
        context = info.context
        known = _WHOLE_AMOUNTS.get(context.get("units", "pounds") if type(context) is dict else "pounds")
        found = known.get(value) if known is not None else None
        if found is not None:
            return found
    amount = _amount(value, info)
    if amount < 0:
        raise PydanticCustomError(
            "csp_negative",
            "{message}",
            {"message": f"{value} is negative; this amount cannot be", "hint": "write it as a positive amount"},
        )
    return amount


def _percent(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        message = f"{_shown(value)} is not a percentage"
        raise PydanticCustomError("csp_percent", "{message}", {"message": message, "hint": ""})
    try:
        number = (
            check_number(value, "a percentage")
            if isinstance(value, Decimal)
            else parse_number(str(value).strip().removesuffix("%"), "a percentage")
        )
    except AmountError as exc:
        raise PydanticCustomError(
            "csp_percent", "{message}", {"message": exc.message, "hint": exc.hint or "write a number such as 75"}
        ) from None
    if not ZERO <= number <= 1000:
        raise PydanticCustomError(
            "csp_percent", "{message}", {"message": f"{value} is not a percentage from 0 to 1000", "hint": ""}
        )
    return number


# A financial year as people type it: 2025-26, 2025/26, 2025-2026 or 2025/2026.
_YEAR = re.compile(r"([0-9]{4})\s*[-/–]\s*([0-9]{2}|[0-9]{4})")


def _year(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else None
    match = _YEAR.fullmatch(text) if text else None
    if match is not None:
        first, second = int(match[1]), int(match[2])
        if (first + 1) % (100 if len(match[2]) == 2 else 10_000) == second:
            return f"{first}-{(first + 1) % 100:02d}"
    shown = repr(value) if isinstance(value, str) else str(value)
    start = re.match(r"\s*(\d{4})", text or "")
    example = f"{start[1]}-{(int(start[1]) + 1) % 100:02d}" if start else "2025-26"
    hint = (
        f"a financial year runs April to March, the second part one after the first: write it as YYYY-YY "
        f"(for example {example}, or {example.replace('-', '/')})"
    )
    raise PydanticCustomError(
        "csp_year", "{message}", {"message": f"{shown} is not a financial year 'YYYY-YY'", "hint": hint}
    )


def normalise_year(value: str) -> str | None:
    """``value`` as 'YYYY-YY' when it is a financial year in a form people type, else None."""
    try:
        return _year(value)
    except PydanticCustomError:
        return None


_LINK = re.compile(r"([0-9]{4}-[0-9]{2})/(\S+)")


def _saving_link(value: Any) -> str:
    match = _LINK.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise PydanticCustomError(
            "csp_link",
            "{message}",
            {"message": f"{_shown(value)} does not name a saving as 'YYYY-YY/ID'", "hint": "write it as 2025-26/S06"},
        )
    _year(match[1])
    return value  # type: ignore[no-any-return]


def period_message(value: Any) -> str:
    """What a CSP401 finding says of a value that is not a period."""
    return f"period {_shown(value)} is not one of P01 (April) .. P12 (March)"


class _OneOfPeriods:
    """A period, checked by pydantic-core itself: a literal of P01..P12 whose error is
    the custom ``csp_period`` (its message made by ``period_message`` from the value,
    when the finding is made). A Python validator for each of the 600,000 progress
    entries of 100,000 savings cost about 0.2 s; this costs nothing in Python."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.custom_error_schema(
            core_schema.literal_schema(list(PERIODS)),
            custom_error_type="csp_period",
            custom_error_message="the period is not one of P01 (April) .. P12 (March)",
            custom_error_context={"hint": "write the period as P01..P12, two digits"},
        )


def _measure_period(value: Any) -> str:
    if isinstance(value, str) and (value in PERIODS or value in QUARTERS):
        return value
    message = f"period {_shown(value)} is not one of P01..P12 or Q1..Q4"
    raise PydanticCustomError(
        "csp_period", "{message}", {"message": message, "hint": "write P06 for a month, Q2 for a quarter"}
    )


def _measure_value(value: Any) -> Decimal | str:
    if isinstance(value, float):  # only the fast reader makes floats; read again carefully
        raise PydanticCustomError("csp_value", "{message}", {"message": f"{value} was read as a float", "hint": ""})
    if isinstance(value, bool) or value is None:
        raise PydanticCustomError(
            "csp_value", "{message}", {"message": f"{_shown(value)} is not a value", "hint": "write a number, or text"}
        )
    if isinstance(value, int | Decimal):
        try:
            return check_number(Decimal(value), "a value")
        except AmountError as exc:
            raise PydanticCustomError(
                "csp_value", "{message}", {"message": exc.message, "hint": exc.hint or ""}
            ) from None
    if isinstance(value, str) and value.strip():
        return value
    raise PydanticCustomError("csp_value", "{message}", {"message": "the value is empty", "hint": "write a value"})


def _measure_target(value: Any) -> Decimal:
    found = _measure_value(value)
    if isinstance(found, str):
        message = f"target {_shown(value)} is not a number"
        raise PydanticCustomError("csp_value", "{message}", {"message": message, "hint": "write a number such as 85"})
    return found


Amount = Annotated[Money, PlainValidator(_amount), WithJsonSchema(_AMOUNT_INPUT)]
"""Any amount, negative allowed: a number in the file's units, or text such as
'£32,000', '£32k', '£1.2m' or '(1,000)'."""
NonNegativeAmount = Annotated[Money, PlainValidator(_non_negative_amount), WithJsonSchema(_NON_NEGATIVE_AMOUNT_INPUT)]
"""An amount that must not be negative (a target, a pressure, a budget)."""
Percent = Annotated[Decimal, PlainValidator(_percent), WithJsonSchema({"type": "number", "minimum": 0})]
Year = Annotated[str, PlainValidator(_year), WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}$"})]
Period = Annotated[str, _OneOfPeriods(), WithJsonSchema({"type": "string", "enum": list(PERIODS)})]
MeasurePeriod = Annotated[
    str, PlainValidator(_measure_period), WithJsonSchema({"type": "string", "enum": [*PERIODS, *QUARTERS]})
]
MeasureValue = Annotated[
    Decimal | str,
    PlainValidator(_measure_value),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "minLength": 1}]}),
]
MeasureTarget = Annotated[Decimal, PlainValidator(_measure_target), WithJsonSchema({"type": "number"})]
Text = Annotated[str, Field(min_length=1)]
SavingLink = Annotated[
    str, PlainValidator(_saving_link), WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}/\S+$"})
]
"""A saving of a given year, as 'YYYY-YY/ID' (2025-26/S06)."""
Flag = Annotated[bool, Field(strict=True)]
"""true or false, nothing else (never 'yes')."""
Units = Literal["pounds", "thousands", "millions"]


class Header(Record):
    """The header every data file starts with."""

    kind: str
    """What the file holds: pressures, savings, budget, measures or programme."""
    year: Year
    """Financial year, April to March, as 'YYYY-YY' (2025-26)."""
    department: Text
    """The department the figures belong to."""
    units: Units
    """The scale of every bare amount in this file: pounds, thousands or millions."""
    source: Text
    """Where the figures come from in the source document, or that they are not from it."""


# -- pressures ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class PressureLine:
    """One line of service-pressure funding."""

    id: Text
    """A short id, unique in the file (P01)."""
    description: Text
    """The pressure, worded as the source words it."""
    amount: NonNegativeAmount
    """The funding, in the file's units unless the text says £k or £m."""
    funding: Literal["ongoing", "one-off"]
    """Whether the funding is ongoing or one-off."""


class PressuresFile(Header):
    """Service-pressure funding for a year."""

    kind: Literal["pressures"]
    """Always 'pressures' for this file."""
    lines: list[PressureLine]
    """The pressure lines; they must sum to total."""
    total: NonNegativeAmount | None = None
    """The total as the source states it (leave out where the source states none)."""


# -- savings -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class ProgressEntry:
    """One monthly monitoring return for a saving."""

    period: Period
    """P01 (April) .. P12 (March) of the file's year."""
    forecast: Amount
    """Forecast delivery in the year (negative only for a reversal, a saving whose target is negative)."""
    delivered: Amount | None = None
    """Achieved to date."""
    achieved: NonNegativeAmount | None = None
    """Achieved (or achieved and anticipated), as monitoring tables publish it beside the amount at risk."""
    at_risk: NonNegativeAmount | None = None
    """The part of the target at risk; with achieved, it should account for the whole target."""
    rag: Rag | None = None
    """The officer's judgement, checked against the figures."""
    note: str | None = None
    """Why the figures are what they are."""


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class Mitigation:
    """Something that covers part of a saving's shortfall in the year (vacancy
    savings, say). It covers the year's gap; it is not the saving delivered."""

    period: Period
    """The period it was agreed in, P01..P12 of the file's year."""
    amount: NonNegativeAmount
    """How much of the shortfall it covers."""
    note: Text
    """What the mitigation is."""
    ongoing: Flag = False
    """True when it recurs in later years; one-off by default."""


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class Replacement:
    """How much of an earlier year's saving this saving replaces."""

    saving: SavingLink
    """The saving replaced, as 'YYYY-YY/ID' (2025-26/S07)."""
    amount: NonNegativeAmount
    """How much of that saving's shortfall this saving takes over."""


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class Outcome:
    """What became of a saving when its year closed, exact to the penny:
    delivered + slipped + written_off + replaced = target."""

    delivered: Amount
    """Delivered in the year, up to the target (negative for a reversal)."""
    over_delivered: NonNegativeAmount = ZERO
    """Delivered beyond the target (not part of the sum)."""
    slipped: NonNegativeAmount = ZERO
    """Shortfall slipped into the next year."""
    slipped_to: SavingLink | None = None
    """The brought-forward line that carries the slipped amount."""
    written_off: NonNegativeAmount = ZERO
    """Shortfall written off as undeliverable."""
    write_off_reason: str | None = None
    """Why it was written off."""
    replaced: NonNegativeAmount = ZERO
    """Shortfall replaced by later savings (their replaces:)."""


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class Saving:
    """One saving: its target and its monitoring returns."""

    id: Text
    """A short id, unique in the file (S01)."""
    description: Text
    """The saving, worded as the source words it."""
    division: str | None = None
    """The division delivering it, when known."""
    ongoing: Amount = ZERO
    """The ongoing part of the target (negative for a reversal of an earlier saving)."""
    one_off: Amount = ZERO
    """The one-off part of the target."""
    amount: Amount | None = None
    """The target, for a source that does not split it into ongoing and one-off."""
    owner: str | None = None
    """Who is responsible for delivering it."""
    progress: list[ProgressEntry] = Field(default_factory=list)
    """Monitoring returns, oldest first, one per period."""
    from_: SavingLink | None = Field(default=None, alias="from")
    """The saving of an earlier year whose shortfall this line brings forward ('2025-26/S06')."""
    replaces: Replacement | None = None
    """Part of an earlier year's saving that this saving replaces."""
    mitigations: list[Mitigation] = Field(default_factory=list)
    """Measures covering part of the year's shortfall, oldest first."""
    outcome: Outcome | None = None
    """What became of the saving at year end (recorded by close-year)."""

    @property
    def target(self) -> Money:
        """A saving's target: ``amount`` where given, else ongoing plus one-off."""
        return self.amount if self.amount is not None else self.ongoing + self.one_off

    @property
    def split_known(self) -> bool:
        """Whether the target's ongoing and one-off parts are known (not ``amount`` alone)."""
        return self.amount is None or bool(self.ongoing or self.one_off) or not self.amount


class SavingsTotals(Record):
    """The totals as the source states them; each is optional, as many sources state none."""

    ongoing: Amount | None = None
    """Stated total of the ongoing column."""
    one_off: Amount | None = None
    """Stated total of the one-off column."""
    total: Amount | None = None
    """Stated total of all savings; ongoing + one_off."""


class SavingsSettings(Record):
    """RAG thresholds for savings, as % of target the forecast must reach."""

    green_percent: Percent = Decimal(100)
    """Forecast at or above this % of target: green."""
    amber_percent: Percent = Decimal(75)
    """Forecast at or above this % of target: amber."""


class SavingsFile(Header):
    """Savings for a year, with their monitoring returns."""

    kind: Literal["savings"]
    """Always 'savings' for this file."""
    lines: list[Saving]
    """The savings; their columns must sum to totals."""
    totals: SavingsTotals | None = None
    """The totals as the source states them (leave out where the source states none)."""
    settings: SavingsSettings = Field(default_factory=SavingsSettings)
    """Optional RAG thresholds."""
    closed: Flag = False
    """True once the year is closed (csplan savings close-year): read-only to csplan."""


# -- budget ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class BudgetChange:
    """A change to a line's budget during the year: a virement or an allocation."""

    period: Period
    """The period from which the change counts (P01..P12)."""
    amount: Amount
    """The change: positive adds to the line's budget, negative takes from it."""
    reason: Text
    """Why the budget changed (virement from X, allocation from contingency)."""
    funded_by: str | None = None
    """Where the money comes from when it is from outside the department (corporate contingency)."""


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class BudgetLine:
    """One budget line (a division, say) with its forecast outturn."""

    id: Text
    """A short id, unique in the file."""
    name: Text
    """What the line is."""
    budget: Amount
    """The line's original budget for the year (negative for income, grants and recharges)."""
    forecast: dict[Period, Amount] = Field(default_factory=dict)
    """Forecast outturn by period (P01..P12), oldest first."""
    changes: list[BudgetChange] = Field(default_factory=list)
    """Changes to the budget during the year, oldest first; the revised budget adds those up to the period."""


class BudgetIncludes(Record):
    """Parts of the budget total that have files of their own."""

    pressures: NonNegativeAmount | None = None
    """Must equal that year's pressures total."""
    savings: NonNegativeAmount | None = None
    """Must equal that year's savings total."""


class BudgetSettings(Record):
    """A line is red when it overspends by at least the lower of these two."""

    red_percent: Percent = Decimal(5)
    """Red at an overspend of this % of the line's budget."""
    red_amount: NonNegativeAmount = Decimal(100_000)
    """Red at an overspend of this amount."""


class BudgetFile(Header):
    """The departmental budget for a year."""

    kind: Literal["budget"]
    """Always 'budget' for this file."""
    total: Amount | None = None
    """The departmental budget as stated (the original budget); leave out where the source states none."""
    includes: BudgetIncludes | None = None
    """Pressures and savings included in the total."""
    lines: list[BudgetLine] | None = None
    """Optional split of the budget; sums to total."""
    settings: BudgetSettings = Field(default_factory=BudgetSettings)
    """Optional RAG thresholds."""


# -- measures -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class MeasureEntry:
    """One reported value of a measure."""

    period: MeasurePeriod
    """P01..P12 for a month, Q1..Q4 for a quarter of the file's year."""
    value: MeasureValue
    """The value: a number, or text for a text measure."""
    note: str | None = None
    """What the value means or why it moved."""


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class Measure:
    """A key performance measure, worded as the plan words it."""

    id: Text
    """A short id, unique in the file (SO1-03)."""
    name: Text
    """The measure, worded as the source words it."""
    unit: Literal["number", "percentage", "count", "text"]
    """What kind of value it takes."""
    better: Literal["higher", "lower"] | None = None
    """Which direction is better, where the wording makes it clear."""
    target: MeasureTarget | None = None
    """The target, when one is set (never invented)."""
    computed: Literal["savings_forecast_percent"] | None = None
    """Computed by csplan from other files instead of typed (no progress then)."""
    progress: list[MeasureEntry] = Field(default_factory=list)
    """Reported values, oldest first."""


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class Milestone:
    """Something the plan monitors progress through, without a measurable target."""

    id: Text
    """A short id, unique in the file (SO1-M1)."""
    name: Text
    """The milestone, worded as the source words it."""
    status: Literal["not started", "in progress", "done"] = "not started"
    """Where it stands."""
    note: str | None = None
    """A note on its progress."""


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class Objective:
    """A strategic objective with its measures and milestones."""

    id: Text
    """A short id (SO1, or BUD for the budget objective)."""
    number: int | None = None
    """The plan's number for the objective, if it has one."""
    title: Text
    """The objective, worded as the source words it."""
    measures: list[Measure] = Field(default_factory=list)
    """Its key performance measures."""
    milestones: list[Milestone] = Field(default_factory=list)
    """What else it is monitored through."""


class MeasuresSettings(Record):
    """How far from target a measure may be and still be amber."""

    tolerance_percent: Percent = Decimal(5)
    """Amber within this % of target."""


class MeasuresFile(Header):
    """Key performance measures and milestones for a year."""

    kind: Literal["measures"]
    """Always 'measures' for this file."""
    units: Units = "pounds"
    """Unused: measures hold no money."""
    objectives: list[Objective]
    """The strategic objectives monitored."""
    settings: MeasuresSettings = Field(default_factory=MeasuresSettings)
    """Optional RAG tolerance."""


# -- programme (medium-term savings plan) ----------------------------------------------


def _programme_key(value: Any) -> str:
    if value == "total":
        return "total"
    return _year(value)


ProgrammeKey = Annotated[
    str, PlainValidator(_programme_key), WithJsonSchema({"type": "string", "pattern": r"^(\d{4}-\d{2}|total)$"})
]


class ProgrammeLine(Record):
    """One saving of a medium-term programme, with its amount in each year."""

    id: Text
    """A short id, unique in the file."""
    description: Text
    """The saving, worded as the source words it."""
    division: str | None = None
    """The division delivering it, when known."""
    years: dict[Year, Amount]
    """The saving in each financial year (2026-27: 500); negative for a reversal."""
    total: Amount | None = None
    """The row total as the source states it."""


class ProgrammeFile(Header):
    """A medium-term (MTFS) savings programme: a row per saving, a column per year."""

    kind: Literal["programme"]
    """Always 'programme' for this file."""
    lines: list[ProgrammeLine]
    """The savings, each with its amount per year."""
    totals: dict[ProgrammeKey, Amount] | None = None
    """Column totals as the source states them (2026-27: ..., total: ...)."""


DataFile = PressuresFile | SavingsFile | BudgetFile | MeasuresFile | ProgrammeFile

MODELS: dict[
    str, type[PressuresFile] | type[SavingsFile] | type[BudgetFile] | type[MeasuresFile] | type[ProgrammeFile]
] = {
    "pressures": PressuresFile,
    "savings": SavingsFile,
    "budget": BudgetFile,
    "measures": MeasuresFile,
    "programme": ProgrammeFile,
}
