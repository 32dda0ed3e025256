"""The records of the data files, as the README's "Data format" section describes them.

Each record is standard Pydantic: a file and its settings are a ``Record``, a frozen
``BaseModel`` that refuses unknown fields, so ``model_validate``, ``model_copy``,
``TypeAdapter`` and ``model_json_schema`` work as they do for any Pydantic user; a
record of a file's lines (a saving and what it holds) is a frozen Pydantic
dataclass with slots, for memory at scale (see ``LINE_CONFIG``). Amounts are validated by
``money.parse_amount`` with the file's ``units`` passed in the validation context, so
a record holds pounds whatever scale the file is in. A field's description is its
description in the JSON Schema (``csplan schema``).

A new field is ``name: Annotated[T, Field(description="...")]``, with ``= default``
after it when it has one. (In the annotation: a ``= Field(...)`` on a dataclass field
would lose the decorator's ``kw_only`` in Pydantic's validator. Not a docstring under
the field with ``use_attribute_docstrings``: Pydantic finds those by reading and parsing
each class's source as the module is imported, about 17 ms of every command's start-up
for these 25 records; README, Performance.) A value that needs
its own check is ``Annotated[T, PlainValidator(function), WithJsonSchema({...})]``
(see ``Amount`` below), its function raising ``PydanticCustomError`` with one of the
error types that ``csplan.load`` maps to a finding code; a text that must be one of a
few is ``Annotated[str, OneOf(...)]`` (see ``Period``), checked by pydantic-core itself.
"""

import dataclasses
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic.dataclasses import dataclass
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from csplan.errors import UsageError
from csplan.money import ZERO, AmountError, Money, check_number, parse_amount, parse_number
from csplan.rag import Rag

KINDS = ("pressures", "savings", "budget", "measures", "programme")
PERIODS = tuple(f"P{n:02d}" for n in range(1, 13))
PERIOD_INDEX = {period: index for index, period in enumerate(PERIODS)}
"""Each period's place in the year (P01 is 0), for sorting without a search."""
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
# A quarter's return counts as at its last month: Q1 (April-June) is as at P03.
QUARTER_END = {"Q1": "P03", "Q2": "P06", "Q3": "P09", "Q4": "P12"}


def period_rank(period: str) -> int:
    """Where a month or quarter falls in the year (a quarter at its last month)."""
    return PERIODS.index(QUARTER_END.get(period, period))


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


# defer_build: a record builds its validator when first used, not at import. Most are
# only ever validated inside a file's record (a saving inside SavingsFile), which
# builds their schemas as its own; a command pays for the records it uses.
class Record(BaseModel):
    """Base of csplan's file and settings records: read-only, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


# populate_by_name: ``dataclasses.replace`` passes a field by its name (``from_``),
# where the file names it by its alias (``from``).
LINE_CONFIG = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)
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


def one_of_message(value: Any, context: dict[str, Any]) -> str:
    """What a finding says of a value that is not one of a ``OneOf``'s values."""
    return f"{context['name']} {_shown(value)} is not one of {context['expected']}"


@dataclasses.dataclass(frozen=True)
class OneOf:
    """Text that must be one of ``values``, checked by pydantic-core itself: a literal
    whose error is the custom ``error_type``, with the hint in its context. The error's
    own message cannot quote the value (pydantic-core fills it from the context alone:
    "the period is not one of ..."), so ``csplan.load`` words the finding with
    ``one_of_message`` ("period 'P13' is not one of ..."). A Python validator for each
    of the 600,000 progress entries of 100,000 savings cost about 0.2 s; this costs
    nothing in Python."""

    values: tuple[str, ...]
    error_type: str
    name: str
    """What the value is, in the message: 'period'."""
    expected: str
    """The values as the message lists them: 'P01..P12 or Q1..Q4'."""
    hint: str

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.custom_error_schema(
            core_schema.literal_schema(list(self.values)),
            custom_error_type=self.error_type,
            custom_error_message="the {name} is not one of {expected}",
            custom_error_context={"name": self.name, "expected": self.expected, "hint": self.hint},
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "enum": list(self.values)}


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
Period = Annotated[
    str,
    OneOf(
        PERIODS,
        "csp_period",
        "period",
        expected="P01 (April) .. P12 (March)",
        hint="write the period as P01..P12, two digits",
    ),
]
MeasurePeriod = Annotated[
    str,
    OneOf(
        (*PERIODS, *QUARTERS),
        "csp_period",
        "period",
        expected="P01..P12 or Q1..Q4",
        hint="write P06 for a month, Q2 for a quarter",
    ),
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

    kind: Annotated[str, Field(description="What the file holds: pressures, savings, budget, measures or programme.")]
    year: Annotated[Year, Field(description="Financial year, April to March, as 'YYYY-YY' (2025-26).")]
    department: Annotated[Text, Field(description="The department the figures belong to.")]
    units: Annotated[
        Units, Field(description="The scale of every bare amount in this file: pounds, thousands or millions.")
    ]
    source: Annotated[
        Text, Field(description="Where the figures come from in the source document, or that they are not from it.")
    ]


# -- pressures ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class PressureLine:
    """One line of service-pressure funding."""

    id: Annotated[Text, Field(description="A short id, unique in the file (P01).")]
    description: Annotated[Text, Field(description="The pressure, worded as the source words it.")]
    amount: Annotated[
        NonNegativeAmount, Field(description="The funding, in the file's units unless the text says £k or £m.")
    ]
    funding: Annotated[Literal["ongoing", "one-off"], Field(description="Whether the funding is ongoing or one-off.")]


class PressuresFile(Header):
    """Service-pressure funding for a year."""

    kind: Annotated[Literal["pressures"], Field(description="Always 'pressures' for this file.")]
    lines: Annotated[list[PressureLine], Field(description="The pressure lines; they must sum to total.")]
    total: Annotated[
        NonNegativeAmount | None,
        Field(description="The total as the source states it (leave out where the source states none)."),
    ] = None


# -- savings -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class ProgressEntry:
    """One monthly monitoring return for a saving."""

    period: Annotated[Period, Field(description="P01 (April) .. P12 (March) of the file's year.")]
    forecast: Annotated[
        Amount,
        Field(
            description=(
                "Forecast delivery in the year (negative only for a reversal, a saving whose target is negative)."
            )
        ),
    ]
    delivered: Annotated[Amount | None, Field(description="Achieved to date.")] = None
    achieved: Annotated[
        NonNegativeAmount | None,
        Field(
            description=(
                "Achieved (or achieved and anticipated), as monitoring tables publish it beside the amount at risk."
            )
        ),
    ] = None
    at_risk: Annotated[
        NonNegativeAmount | None,
        Field(description="The part of the target at risk; with achieved, it should account for the whole target."),
    ] = None
    rag: Annotated[Rag | None, Field(description="The officer's judgement, checked against the figures.")] = None
    note: Annotated[str | None, Field(description="Why the figures are what they are.")] = None


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class Mitigation:
    """Something that covers part of a saving's shortfall in the year (vacancy
    savings, say). It covers the year's gap; it is not the saving delivered."""

    period: Annotated[Period, Field(description="The period it was agreed in, P01..P12 of the file's year.")]
    amount: Annotated[NonNegativeAmount, Field(description="How much of the shortfall it covers.")]
    note: Annotated[Text, Field(description="What the mitigation is.")]
    ongoing: Annotated[Flag, Field(description="True when it recurs in later years; one-off by default.")] = False


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class Replacement:
    """How much of an earlier year's saving this saving replaces."""

    saving: Annotated[SavingLink, Field(description="The saving replaced, as 'YYYY-YY/ID' (2025-26/S07).")]
    amount: Annotated[
        NonNegativeAmount, Field(description="How much of that saving's shortfall this saving takes over.")
    ]


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class Outcome:
    """What became of a saving when its year closed, exact to the penny:
    delivered + slipped + written_off + replaced = target."""

    delivered: Annotated[
        Amount, Field(description="Delivered in the year, up to the target (negative for a reversal).")
    ]
    over_delivered: Annotated[
        NonNegativeAmount, Field(description="Delivered beyond the target (not part of the sum).")
    ] = ZERO
    slipped: Annotated[NonNegativeAmount, Field(description="Shortfall slipped into the next year.")] = ZERO
    slipped_to: Annotated[
        SavingLink | None, Field(description="The brought-forward line that carries the slipped amount.")
    ] = None
    written_off: Annotated[NonNegativeAmount, Field(description="Shortfall written off as undeliverable.")] = ZERO
    write_off_reason: Annotated[str | None, Field(description="Why it was written off.")] = None
    replaced: Annotated[
        NonNegativeAmount, Field(description="Shortfall replaced by later savings (their replaces:).")
    ] = ZERO


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class Saving:
    """One saving: its target and its monitoring returns."""

    id: Annotated[Text, Field(description="A short id, unique in the file (S01).")]
    description: Annotated[Text, Field(description="The saving, worded as the source words it.")]
    division: Annotated[str | None, Field(description="The division delivering it, when known.")] = None
    ongoing: Annotated[
        Amount, Field(description="The ongoing part of the target (negative for a reversal of an earlier saving).")
    ] = ZERO
    one_off: Annotated[Amount, Field(description="The one-off part of the target.")] = ZERO
    amount: Annotated[
        Amount | None, Field(description="The target, for a source that does not split it into ongoing and one-off.")
    ] = None
    owner: Annotated[str | None, Field(description="Who is responsible for delivering it.")] = None
    progress: Annotated[list[ProgressEntry], Field(description="Monitoring returns, oldest first, one per period.")] = (
        Field(default_factory=list)
    )
    from_: Annotated[
        SavingLink | None,
        Field(description="The saving of an earlier year whose shortfall this line brings forward ('2025-26/S06')."),
    ] = Field(default=None, alias="from")
    replaces: Annotated[
        Replacement | None, Field(description="Part of an earlier year's saving that this saving replaces.")
    ] = None
    mitigations: Annotated[
        list[Mitigation], Field(description="Measures covering part of the year's shortfall, oldest first.")
    ] = Field(default_factory=list)
    outcome: Annotated[
        Outcome | None, Field(description="What became of the saving at year end (recorded by close-year).")
    ] = None

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

    ongoing: Annotated[Amount | None, Field(description="Stated total of the ongoing column.")] = None
    one_off: Annotated[Amount | None, Field(description="Stated total of the one-off column.")] = None
    total: Annotated[Amount | None, Field(description="Stated total of all savings; ongoing + one_off.")] = None


class SavingsSettings(Record):
    """RAG thresholds for savings, as % of target the forecast must reach, and whether
    the returns track achieved and at risk."""

    green_percent: Annotated[Percent, Field(description="Forecast at or above this % of target: green.")] = Decimal(100)
    amber_percent: Annotated[Percent, Field(description="Forecast at or above this % of target: amber.")] = Decimal(75)
    track_at_risk: Annotated[
        Flag,
        Field(
            description="True: the returns template asks for achieved and at risk even before any return records "
            "them (close-year sets it in the next year's file of a council that tracks them)."
        ),
    ] = False


class SavingsFile(Header):
    """Savings for a year, with their monitoring returns."""

    kind: Annotated[Literal["savings"], Field(description="Always 'savings' for this file.")]
    lines: Annotated[list[Saving], Field(description="The savings; their columns must sum to totals.")]
    totals: Annotated[
        SavingsTotals | None,
        Field(description="The totals as the source states them (leave out where the source states none)."),
    ] = None
    settings: Annotated[
        SavingsSettings, Field(description="Optional RAG thresholds, and whether achieved and at risk are tracked.")
    ] = Field(default_factory=SavingsSettings)
    closed: Annotated[
        Flag, Field(description="True once the year is closed (csplan savings close-year): read-only to csplan.")
    ] = False

    @property
    def tracks_at_risk(self) -> bool:
        """Whether the council tracks achieved and at risk in this file: its settings say
        so (``track_at_risk: true``, which close-year carries into the next year's file),
        or some return records either."""
        return self.settings.track_at_risk or any(
            entry.achieved is not None or entry.at_risk is not None
            for saving in self.lines
            for entry in saving.progress
        )


# -- budget ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class BudgetChange:
    """A change to a line's budget during the year: a virement or an allocation."""

    period: Annotated[Period, Field(description="The period from which the change counts (P01..P12).")]
    amount: Annotated[
        Amount, Field(description="The change: positive adds to the line's budget, negative takes from it.")
    ]
    reason: Annotated[Text, Field(description="Why the budget changed (virement from X, allocation from contingency).")]
    funded_by: Annotated[
        str | None,
        Field(description="Where the money comes from when it is from outside the department (corporate contingency)."),
    ] = None


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class BudgetLine:
    """One budget line (a division, say) with its forecast outturn."""

    id: Annotated[Text, Field(description="A short id, unique in the file.")]
    name: Annotated[Text, Field(description="What the line is.")]
    budget: Annotated[
        Amount,
        Field(description="The line's original budget for the year (negative for income, grants and recharges)."),
    ]
    forecast: Annotated[
        dict[Period, Amount], Field(description="Forecast outturn by period (P01..P12), oldest first.")
    ] = Field(default_factory=dict)
    changes: Annotated[
        list[BudgetChange],
        Field(
            description=(
                "Changes to the budget during the year, oldest first; the revised budget adds those up to the period."
            )
        ),
    ] = Field(default_factory=list)


class BudgetIncludes(Record):
    """Parts of the budget total that have files of their own."""

    pressures: Annotated[NonNegativeAmount | None, Field(description="Must equal that year's pressures total.")] = None
    savings: Annotated[NonNegativeAmount | None, Field(description="Must equal that year's savings total.")] = None


class BudgetSettings(Record):
    """A line is red when it overspends by at least the lower of these two."""

    red_percent: Annotated[Percent, Field(description="Red at an overspend of this % of the line's budget.")] = Decimal(
        5
    )
    red_amount: Annotated[NonNegativeAmount, Field(description="Red at an overspend of this amount.")] = Decimal(
        100_000
    )


class BudgetFile(Header):
    """The departmental budget for a year."""

    kind: Annotated[Literal["budget"], Field(description="Always 'budget' for this file.")]
    total: Annotated[
        Amount | None,
        Field(
            description=(
                "The departmental budget as stated (the original budget); leave out where the source states none."
            )
        ),
    ] = None
    includes: Annotated[BudgetIncludes | None, Field(description="Pressures and savings included in the total.")] = None
    lines: Annotated[list[BudgetLine] | None, Field(description="Optional split of the budget; sums to total.")] = None
    settings: Annotated[BudgetSettings, Field(description="Optional RAG thresholds.")] = Field(
        default_factory=BudgetSettings
    )


# -- measures -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class MeasureEntry:
    """One reported value of a measure."""

    period: Annotated[
        MeasurePeriod, Field(description="P01..P12 for a month, Q1..Q4 for a quarter of the file's year.")
    ]
    value: Annotated[MeasureValue, Field(description="The value: a number, or text for a text measure.")]
    note: Annotated[str | None, Field(description="What the value means or why it moved.")] = None


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class Measure:
    """A key performance measure, worded as the plan words it."""

    id: Annotated[Text, Field(description="A short id, unique in the file (SO1-03).")]
    name: Annotated[Text, Field(description="The measure, worded as the source words it.")]
    unit: Annotated[Literal["number", "percentage", "count", "text"], Field(description="What kind of value it takes.")]
    better: Annotated[
        Literal["higher", "lower"] | None,
        Field(description="Which direction is better, where the wording makes it clear."),
    ] = None
    target: Annotated[MeasureTarget | None, Field(description="The target, when one is set (never invented).")] = None
    computed: Annotated[
        Literal["savings_forecast_percent"] | None,
        Field(description="Computed by csplan from other files instead of typed (no progress then)."),
    ] = None
    progress: Annotated[list[MeasureEntry], Field(description="Reported values, oldest first.")] = Field(
        default_factory=list
    )


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class Milestone:
    """Something the plan monitors progress through, without a measurable target."""

    id: Annotated[Text, Field(description="A short id, unique in the file (SO1-M1).")]
    name: Annotated[Text, Field(description="The milestone, worded as the source words it.")]
    status: Annotated[Literal["not started", "in progress", "done"], Field(description="Where it stands.")] = (
        "not started"
    )
    note: Annotated[str | None, Field(description="A note on its progress.")] = None


@dataclass(frozen=True, slots=True, kw_only=True, config=LINE_CONFIG)
class Objective:
    """A strategic objective with its measures and milestones."""

    id: Annotated[Text, Field(description="A short id (SO1, or BUD for the budget objective).")]
    number: Annotated[int | None, Field(description="The plan's number for the objective, if it has one.")] = None
    title: Annotated[Text, Field(description="The objective, worded as the source words it.")]
    measures: Annotated[list[Measure], Field(description="Its key performance measures.")] = Field(default_factory=list)
    milestones: Annotated[list[Milestone], Field(description="What else it is monitored through.")] = Field(
        default_factory=list
    )


class MeasuresSettings(Record):
    """How far from target a measure may be and still be amber."""

    tolerance_percent: Annotated[Percent, Field(description="Amber within this % of target.")] = Decimal(5)


class MeasuresFile(Header):
    """Key performance measures and milestones for a year."""

    kind: Annotated[Literal["measures"], Field(description="Always 'measures' for this file.")]
    units: Annotated[Units, Field(description="Unused: measures hold no money.")] = "pounds"
    objectives: Annotated[list[Objective], Field(description="The strategic objectives monitored.")]
    settings: Annotated[MeasuresSettings, Field(description="Optional RAG tolerance.")] = Field(
        default_factory=MeasuresSettings
    )


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

    id: Annotated[Text, Field(description="A short id, unique in the file.")]
    description: Annotated[Text, Field(description="The saving, worded as the source words it.")]
    division: Annotated[str | None, Field(description="The division delivering it, when known.")] = None
    years: Annotated[
        dict[Year, Amount],
        Field(description="The saving in each financial year (2026-27: 500); negative for a reversal."),
    ]
    total: Annotated[Amount | None, Field(description="The row total as the source states it.")] = None


class ProgrammeFile(Header):
    """A medium-term (MTFS) savings programme: a row per saving, a column per year."""

    kind: Annotated[Literal["programme"], Field(description="Always 'programme' for this file.")]
    lines: Annotated[list[ProgrammeLine], Field(description="The savings, each with its amount per year.")]
    totals: Annotated[
        dict[ProgrammeKey, Amount] | None,
        Field(description="Column totals as the source states them (2026-27: ..., total: ...)."),
    ] = None


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
