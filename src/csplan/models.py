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

KINDS = ("pressures", "savings", "budget")
PERIODS = tuple(f"P{n:02d}" for n in range(1, 13))
RAGS = ("blue", "green", "amber", "red")

_AMOUNT_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number"},
        {"type": "string", "pattern": r"^\(?[-+]?\s*£?\s*[0-9.,]+\s*(k|m|mn|bn)?\)?$"},
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


Amount = Annotated[Money, PlainValidator(_amount), WithJsonSchema(_AMOUNT_SCHEMA)]
"""Any amount, negative allowed."""
NonNegativeAmount = Annotated[
    Money, PlainValidator(_non_negative_amount), WithJsonSchema({**_AMOUNT_SCHEMA, "minimum": 0})
]
"""An amount that must not be negative (a target, a pressure, a budget)."""
Percent = Annotated[Decimal, PlainValidator(_percent), WithJsonSchema({"type": "number", "minimum": 0})]
Year = Annotated[str, PlainValidator(_year), WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}$"})]
Period = Annotated[str, PlainValidator(_period), WithJsonSchema({"type": "string", "enum": list(PERIODS)})]
Text = Annotated[str, Field(min_length=1)]
Rag = Literal["blue", "green", "amber", "red"]
Units = Literal["pounds", "thousands", "millions"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Header(_Model):
    """The header every data file starts with."""

    kind: str
    year: Year = Field(description="Financial year, April to March, as 'YYYY-YY'.")
    department: Text
    units: Units = Field(description="The scale of every bare amount in this file.")
    source: Text = Field(description="Where the figures come from in the source document.")


# -- pressures ---------------------------------------------------------------------


class PressureLine(_Model):
    id: Text
    description: Text
    amount: NonNegativeAmount
    funding: Literal["ongoing", "one-off"]


class PressuresFile(Header):
    kind: Literal["pressures"]
    lines: list[PressureLine]
    total: NonNegativeAmount = Field(description="The total as the source states it.")


# -- savings -----------------------------------------------------------------------


class ProgressEntry(_Model):
    period: Period
    forecast: NonNegativeAmount = Field(description="Forecast delivery in the year.")
    delivered: NonNegativeAmount | None = Field(default=None, description="Achieved to date.")
    rag: Rag | None = Field(default=None, description="The officer's judgement, checked against the figures.")
    note: str | None = None


class Saving(_Model):
    id: Text
    description: Text
    division: str | None = None
    ongoing: NonNegativeAmount = ZERO
    one_off: NonNegativeAmount = ZERO
    owner: str | None = None
    progress: list[ProgressEntry] = Field(default_factory=list)

    @property
    def target(self) -> Money:
        """A saving's target: ongoing plus one-off."""
        return self.ongoing + self.one_off


class SavingsTotals(_Model):
    ongoing: NonNegativeAmount
    one_off: NonNegativeAmount
    total: NonNegativeAmount


class SavingsSettings(_Model):
    """RAG thresholds for savings, as % of target the forecast must reach."""

    green_percent: Percent = Decimal(100)
    amber_percent: Percent = Decimal(75)


class SavingsFile(Header):
    kind: Literal["savings"]
    lines: list[Saving]
    totals: SavingsTotals
    settings: SavingsSettings = Field(default_factory=SavingsSettings)


# -- budget ------------------------------------------------------------------------


class BudgetLine(_Model):
    id: Text
    name: Text
    budget: NonNegativeAmount
    forecast: dict[Period, NonNegativeAmount] = Field(
        default_factory=dict, description="Forecast outturn by period, oldest first."
    )


class BudgetIncludes(_Model):
    pressures: NonNegativeAmount | None = None
    savings: NonNegativeAmount | None = None


class BudgetSettings(_Model):
    """A line is red when it overspends by at least the lower of these two."""

    red_percent: Percent = Decimal(5)
    red_amount: NonNegativeAmount = Decimal(100_000)


class BudgetFile(Header):
    kind: Literal["budget"]
    total: NonNegativeAmount = Field(description="The departmental budget as stated.")
    includes: BudgetIncludes | None = None
    lines: list[BudgetLine] | None = None
    settings: BudgetSettings = Field(default_factory=BudgetSettings)


DataFile = PressuresFile | SavingsFile | BudgetFile

MODELS: dict[str, type[PressuresFile] | type[SavingsFile] | type[BudgetFile]] = {
    "pressures": PressuresFile,
    "savings": SavingsFile,
    "budget": BudgetFile,
}
