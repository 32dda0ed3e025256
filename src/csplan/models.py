"""Pydantic models of the data files, exactly as SPEC section 1 describes them.

Amounts are validated by ``money.parse_amount`` with the file's ``units`` passed in
the validation context, so a model holds pounds whatever scale the file is in.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from csplan.money import ZERO, AmountError, Money, parse_amount

KINDS = ("pressures", "savings", "budget", "measures")
PERIODS = tuple(f"P{n:02d}" for n in range(1, 13))
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
# A quarter's return counts as at its last month: Q1 (April-June) is as at P03.
QUARTER_END = {"Q1": "P03", "Q2": "P06", "Q3": "P09", "Q4": "P12"}
RAGS = ("blue", "green", "amber", "red")

_AMOUNT_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number"},
        {"type": "string", "pattern": r"^\(?[-+−]?\s*£?\s*[0-9.,]+\s*([kKmM]|[mM][nN]|[bB][nN])?\)?$"},
    ],
    "description": "An amount: a number in the file's units, or text such as '£32,000', '£32k', '£1.2m' or '(1,000)'.",
}


def _units(info: ValidationInfo) -> str:
    context = info.context
    return context.get("units", "pounds") if type(context) is dict else "pounds"


def _amount(value: Any, info: ValidationInfo) -> Money:
    if isinstance(value, float):
        # Only the fast reader makes floats; the file is then read again carefully,
        # where the number arrives as its exact text.
        raise PydanticCustomError("csp_amount", "{message}", {"message": f"{value} was read as a float", "hint": ""})
    try:
        return parse_amount(value, _units(info))
    except AmountError as exc:
        raise PydanticCustomError("csp_amount", "{message}", {"message": exc.message, "hint": exc.hint or ""}) from None


def _non_negative_amount(value: Any, info: ValidationInfo) -> Money:
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
        raise PydanticCustomError("csp_percent", "{message}", {"message": f"{value!r} is not a percentage", "hint": ""})
    text = str(value).strip().removesuffix("%")
    try:
        number = Decimal(text)
    except ArithmeticError:
        raise PydanticCustomError(
            "csp_percent",
            "{message}",
            {"message": f"{value!r} is not a percentage", "hint": "write a number such as 75"},
        ) from None
    if not number.is_finite() or not ZERO <= number <= 1000:
        raise PydanticCustomError(
            "csp_percent", "{message}", {"message": f"{value} is not a percentage from 0 to 1000", "hint": ""}
        )
    return number


_YEAR = re.compile(r"(\d{4})-(\d{2})")


def _year(value: Any) -> str:
    text = str(value) if isinstance(value, str) else None
    match = _YEAR.fullmatch(text) if text else None
    if match is None or (int(match[1]) + 1) % 100 != int(match[2]):
        shown = repr(value) if isinstance(value, str) else str(value)
        hint = "a financial year runs April to March: write it as 2025-26"
        raise PydanticCustomError(
            "csp_year", "{message}", {"message": f"{shown} is not a financial year 'YYYY-YY'", "hint": hint}
        )
    return text  # type: ignore[return-value]


def _period(value: Any) -> str:
    if isinstance(value, str) and value in PERIODS:
        return value
    raise PydanticCustomError(
        "csp_period",
        "{message}",
        {
            "message": f"period {value!r} is not one of P01 (April) .. P12 (March)",
            "hint": "write the period as P01..P12, two digits",
        },
    )


def _measure_period(value: Any) -> str:
    if isinstance(value, str) and (value in PERIODS or value in QUARTERS):
        return value
    message = f"period {value!r} is not one of P01..P12 or Q1..Q4"
    raise PydanticCustomError(
        "csp_period", "{message}", {"message": message, "hint": "write P06 for a month, Q2 for a quarter"}
    )


def _measure_value(value: Any) -> Decimal | str:
    if isinstance(value, float):  # only the fast reader makes floats; read again carefully
        raise PydanticCustomError("csp_value", "{message}", {"message": f"{value} was read as a float", "hint": ""})
    if isinstance(value, bool) or value is None:
        raise PydanticCustomError(
            "csp_value", "{message}", {"message": f"{value!r} is not a value", "hint": "write a number, or text"}
        )
    if isinstance(value, int | Decimal):
        if not Decimal(value).is_finite():
            raise PydanticCustomError("csp_value", "{message}", {"message": f"{value} is not a value", "hint": ""})
        return Decimal(value)
    if isinstance(value, str) and value.strip():
        return value
    raise PydanticCustomError("csp_value", "{message}", {"message": "the value is empty", "hint": "write a value"})


def _measure_target(value: Any) -> Decimal:
    found = _measure_value(value)
    if isinstance(found, str):
        message = f"target {value!r} is not a number"
        raise PydanticCustomError("csp_value", "{message}", {"message": message, "hint": "write a number such as 85"})
    return found


Amount = Annotated[Money, PlainValidator(_amount), WithJsonSchema(_AMOUNT_SCHEMA)]
"""Any amount, negative allowed."""
NonNegativeAmount = Annotated[
    Money, PlainValidator(_non_negative_amount), WithJsonSchema({**_AMOUNT_SCHEMA, "minimum": 0})
]
"""An amount that must not be negative (a target, a pressure, a budget)."""
Percent = Annotated[Decimal, PlainValidator(_percent), WithJsonSchema({"type": "number", "minimum": 0})]
Year = Annotated[str, PlainValidator(_year), WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}$"})]
Period = Annotated[str, PlainValidator(_period), WithJsonSchema({"type": "string", "enum": list(PERIODS)})]
MeasurePeriod = Annotated[
    str,
    PlainValidator(_measure_period),
    WithJsonSchema({"type": "string", "enum": [*PERIODS, *QUARTERS]}),
]
MeasureValue = Annotated[
    Decimal | str,
    PlainValidator(_measure_value),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "minLength": 1}]}),
]
MeasureTarget = Annotated[Decimal, PlainValidator(_measure_target), WithJsonSchema({"type": "number"})]
Text = Annotated[str, Field(min_length=1)]
Rag = Literal["blue", "green", "amber", "red"]
Units = Literal["pounds", "thousands", "millions"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Header(_Model):
    """The header every data file starts with."""

    kind: str = Field(description="What the file holds: pressures, savings or budget.")
    year: Year = Field(description="Financial year, April to March, as 'YYYY-YY' (2025-26).")
    department: Text = Field(description="The department the figures belong to.")
    units: Units = Field(description="The scale of every bare amount in this file: pounds, thousands or millions.")
    source: Text = Field(
        description="Where the figures come from in the source document, or that they are not from it."
    )


# -- pressures ---------------------------------------------------------------------


class PressureLine(_Model):
    """One line of service-pressure funding."""

    id: Text = Field(description="A short id, unique in the file (P01).")
    description: Text = Field(description="The pressure, worded as the source words it.")
    amount: NonNegativeAmount = Field(description="The funding, in the file's units unless the text says £k or £m.")
    funding: Literal["ongoing", "one-off"] = Field(description="Whether the funding is ongoing or one-off.")


class PressuresFile(Header):
    """Service-pressure funding for a year."""

    kind: Literal["pressures"] = Field(description="Always 'pressures' for this file.")
    lines: list[PressureLine] = Field(description="The pressure lines; they must sum to total.")
    total: NonNegativeAmount = Field(description="The total as the source states it.")


# -- savings -----------------------------------------------------------------------


class ProgressEntry(_Model):
    """One monthly monitoring return for a saving."""

    period: Period = Field(description="P01 (April) .. P12 (March) of the file's year.")
    forecast: NonNegativeAmount = Field(description="Forecast delivery in the year.")
    delivered: NonNegativeAmount | None = Field(default=None, description="Achieved to date.")
    rag: Rag | None = Field(default=None, description="The officer's judgement, checked against the figures.")
    note: str | None = Field(default=None, description="Why the figures are what they are.")


class Saving(_Model):
    """One saving: its target and its monitoring returns."""

    id: Text = Field(description="A short id, unique in the file (S01).")
    description: Text = Field(description="The saving, worded as the source words it.")
    division: str | None = Field(default=None, description="The division delivering it, when known.")
    ongoing: NonNegativeAmount = Field(default=ZERO, description="The ongoing part of the target.")
    one_off: NonNegativeAmount = Field(default=ZERO, description="The one-off part of the target.")
    owner: str | None = Field(default=None, description="Who is responsible for delivering it.")
    progress: list[ProgressEntry] = Field(
        default_factory=list, description="Monitoring returns, oldest first, one per period."
    )

    @property
    def target(self) -> Money:
        """A saving's target: ongoing plus one-off."""
        return self.ongoing + self.one_off


class SavingsTotals(_Model):
    """The totals as the source states them."""

    ongoing: NonNegativeAmount = Field(description="Stated total of the ongoing column.")
    one_off: NonNegativeAmount = Field(description="Stated total of the one-off column.")
    total: NonNegativeAmount = Field(description="Stated total of all savings; ongoing + one_off.")


class SavingsSettings(_Model):
    """RAG thresholds for savings, as % of target the forecast must reach."""

    green_percent: Percent = Field(
        default=Decimal(100),
        json_schema_extra={"default": 100},
        description="Forecast at or above this % of target: green.",
    )
    amber_percent: Percent = Field(
        default=Decimal(75),
        json_schema_extra={"default": 75},
        description="Forecast at or above this % of target: amber.",
    )


class SavingsFile(Header):
    """Savings for a year, with their monitoring returns."""

    kind: Literal["savings"] = Field(description="Always 'savings' for this file.")
    lines: list[Saving] = Field(description="The savings; their columns must sum to totals.")
    totals: SavingsTotals = Field(description="The totals as the source states them.")
    settings: SavingsSettings = Field(default_factory=SavingsSettings, description="Optional RAG thresholds.")


# -- budget ------------------------------------------------------------------------


class BudgetLine(_Model):
    """One budget line (a division, say) with its forecast outturn."""

    id: Text = Field(description="A short id, unique in the file.")
    name: Text = Field(description="What the line is.")
    budget: NonNegativeAmount = Field(description="The line's budget for the year.")
    forecast: dict[Period, NonNegativeAmount] = Field(
        default_factory=dict, description="Forecast outturn by period (P01..P12), oldest first."
    )


class BudgetIncludes(_Model):
    """Parts of the budget total that have files of their own."""

    pressures: NonNegativeAmount | None = Field(default=None, description="Must equal that year's pressures total.")
    savings: NonNegativeAmount | None = Field(default=None, description="Must equal that year's savings total.")


class BudgetSettings(_Model):
    """A line is red when it overspends by at least the lower of these two."""

    red_percent: Percent = Field(
        default=Decimal(5),
        json_schema_extra={"default": 5},
        description="Red at an overspend of this % of the line's budget.",
    )
    red_amount: NonNegativeAmount = Field(
        default=Decimal(100_000),
        json_schema_extra={"default": 100000},
        description="Red at an overspend of this amount.",
    )


class BudgetFile(Header):
    """The departmental budget for a year."""

    kind: Literal["budget"] = Field(description="Always 'budget' for this file.")
    total: NonNegativeAmount = Field(description="The departmental budget as stated.")
    includes: BudgetIncludes | None = Field(default=None, description="Pressures and savings included in the total.")
    lines: list[BudgetLine] | None = Field(default=None, description="Optional split of the budget; sums to total.")
    settings: BudgetSettings = Field(default_factory=BudgetSettings, description="Optional RAG thresholds.")


# -- measures -----------------------------------------------------------------------


class MeasureEntry(_Model):
    """One reported value of a measure."""

    period: MeasurePeriod = Field(description="P01..P12 for a month, Q1..Q4 for a quarter of the file's year.")
    value: MeasureValue = Field(description="The value: a number, or text for a text measure.")
    note: str | None = Field(default=None, description="What the value means or why it moved.")


class Measure(_Model):
    """A key performance measure, worded as the plan words it."""

    id: Text = Field(description="A short id, unique in the file (SO1-03).")
    name: Text = Field(description="The measure, worded as the source words it.")
    unit: Literal["number", "percentage", "count", "text"] = Field(description="What kind of value it takes.")
    better: Literal["higher", "lower"] | None = Field(
        default=None, description="Which direction is better, where the wording makes it clear."
    )
    target: MeasureTarget | None = Field(default=None, description="The target, when one is set (never invented).")
    computed: Literal["savings_forecast_percent"] | None = Field(
        default=None, description="Computed by csplan from other files instead of typed (no progress then)."
    )
    progress: list[MeasureEntry] = Field(default_factory=list, description="Reported values, oldest first.")


class Milestone(_Model):
    """Something the plan monitors progress through, without a measurable target."""

    id: Text = Field(description="A short id, unique in the file (SO1-M1).")
    name: Text = Field(description="The milestone, worded as the source words it.")
    status: Literal["not started", "in progress", "done"] = Field(default="not started", description="Where it stands.")
    note: str | None = Field(default=None, description="A note on its progress.")


class Objective(_Model):
    """A strategic objective with its measures and milestones."""

    id: Text = Field(description="A short id (SO1, or BUD for the budget objective).")
    number: int | None = Field(default=None, description="The plan's number for the objective, if it has one.")
    title: Text = Field(description="The objective, worded as the source words it.")
    measures: list[Measure] = Field(default_factory=list, description="Its key performance measures.")
    milestones: list[Milestone] = Field(default_factory=list, description="What else it is monitored through.")


class MeasuresSettings(_Model):
    """How far from target a measure may be and still be amber."""

    tolerance_percent: Percent = Field(
        default=Decimal(5), json_schema_extra={"default": 5}, description="Amber within this % of target."
    )


class MeasuresFile(Header):
    """Key performance measures and milestones for a year."""

    kind: Literal["measures"] = Field(description="Always 'measures' for this file.")
    units: Units = Field(default="pounds", description="Unused: measures hold no money.")
    objectives: list[Objective] = Field(description="The strategic objectives monitored.")
    settings: MeasuresSettings = Field(default_factory=MeasuresSettings, description="Optional RAG tolerance.")


DataFile = PressuresFile | SavingsFile | BudgetFile | MeasuresFile

MODELS: dict[str, type[PressuresFile] | type[SavingsFile] | type[BudgetFile] | type[MeasuresFile]] = {
    "pressures": PressuresFile,
    "savings": SavingsFile,
    "budget": BudgetFile,
    "measures": MeasuresFile,
}
