"""Money: the one place that decides how amounts are parsed, scaled and printed.

Amounts are ``Decimal`` pounds, exact to the penny, from parse to print. A binary
float never touches an amount: YAML numbers reach this module as ``Decimal`` built
from their source text (see ``yamlsource``), and strings are parsed here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

from csplan.errors import UsageError

Money = Decimal
"""An amount in pounds, exact to the penny."""

Units = Literal["pounds", "thousands", "millions"]

UNIT_SCALE: dict[str, Decimal] = {
    "pounds": Decimal(1),
    "thousands": Decimal(1_000),
    "millions": Decimal(1_000_000),
}

SUFFIX_SCALE: dict[str, Decimal] = {
    "k": Decimal(1_000),
    "m": Decimal(1_000_000),
    "mn": Decimal(1_000_000),
    "bn": Decimal(1_000_000_000),
}

PENNY = Decimal("0.01")
ZERO = Decimal(0)
# No council budget line comes near a trillion pounds; anything above is a typo
# (or an attempt to make Decimal work very hard).
LIMIT = Decimal(10) ** 12
_INT_LIMIT = 10**12
# Digits after the point past which no amount or measure is written (and past
# which Decimal would print a megabyte for 1e-1000000).
MAX_PLACES = 12

# Optional sign, optional £, digits with optional thousands commas, optional
# fraction, optional scale suffix.  Parentheses (accounting negative) are removed first.
_AMOUNT = re.compile(
    r"""
    (?P<sign>[-+−])?\s*
    (?P<pound>£)?\s*
    (?P<int>\d{1,3}(?:,\d{3})+|\d*)
    (?:\.(?P<frac>\d+))?
    \s*(?P<suffix>k|m|mn|bn)?
    """,
    re.VERBOSE | re.IGNORECASE | re.ASCII,
)
_EXPONENT = re.compile(r"[-+]?[0-9]*\.?[0-9]+[eE][-+]?[0-9]+", re.ASCII)
_NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)


class AmountError(ValueError):
    """An amount that cannot be read; ``hint`` says what would fix it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def parse_amount(value: object, units: str = "pounds") -> Money:
    """Read an amount from a YAML value or typed text, scaled to pounds.

    ``value`` is a ``Decimal`` (a YAML number), an ``int`` or a string in the forms
    finance people type: ``"£32,000"``, ``"£1.2m"``, ``"£32k"``, ``"(1,000)"``,
    ``"-1,000"``.  A bare number or a string without a scale suffix is scaled by
    ``units``; a suffix means exactly that scale.  The result must be whole pence.
    """
    scale = UNIT_SCALE.get(units)
    if type(value) is int and -_INT_LIMIT < value < _INT_LIMIT and scale is not None:
        # The common case, a whole number (millions of them in a large file): exact,
        # and in whole pence like every other amount (so 5 and 5.0 read alike).
        pounds = Decimal(value) * scale
        if -LIMIT < pounds < LIMIT:
            return _canonical(pounds)
    if scale is None:
        raise AmountError(f"unknown units {units!r}", "use pounds, thousands or millions")
    if isinstance(value, bool):
        raise AmountError(f"{str(value).lower()} is not an amount", "write a number such as 32000")
    if isinstance(value, float):
        # A programming error rather than a user's: floats never carry money here.
        raise TypeError("amounts must not be floats; pass Decimal or text")
    if isinstance(value, int):
        if value.bit_length() > 64:
            raise AmountError(f"{_show(value)} is implausibly large", "check the number of digits")
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = check_number(value, "an amount")
    elif isinstance(value, str):
        number, suffix_scale = _parse_text(value, units)
        if suffix_scale is not None:
            scale = suffix_scale
    elif value is None:
        raise AmountError("the amount is empty", "write a number such as 32000")
    else:
        raise AmountError(f"{type(value).__name__} is not an amount", "write a number such as 32000")
    # adjusted() before any arithmetic: abs(1e1000000) itself raises decimal.Overflow
    if number.adjusted() >= 12 or abs(number) >= LIMIT:
        raise AmountError(f"{_show(value)} is implausibly large", "check the number of digits")
    pounds = number * scale
    if abs(pounds) >= LIMIT:
        raise AmountError(
            f"{_show(value)} is {format_pounds(pounds)}, past £1 trillion", "check the number of digits and the units"
        )
    if pounds != pounds.quantize(PENNY):
        raise AmountError(
            f"{_show(value)} is {pounds.normalize():f} pounds, not a whole number of pence",
            _units_hint(units) if scale == UNIT_SCALE.get(units) else "round it to the penny",
        )
    return _canonical(pounds)


def _show(value: object) -> str:
    """A value as a message quotes it: never more than a line, however long the value."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:30] + f"… ({len(text):,} characters)"


def check_number(value: Decimal, what: str = "a number") -> Decimal:
    """A number read from a file, refused when no real figure looks like it: not
    finite, written with an exponent (1e6), too large or with too many places.
    Checked without arithmetic, which would overflow on 1e1000000."""
    if not value.is_finite():
        raise AmountError(f"{value} is not {what}", "write a finite number")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent > 0:  # only exponent notation gives a positive exponent
        raise AmountError(
            f"{_show(value)} is written with an exponent", "write the figure in full digits, such as 1000000"
        )
    if value.adjusted() >= 12:
        raise AmountError(f"{_show(value)} is implausibly large", "check the number of digits")
    if exponent < -MAX_PLACES:
        raise AmountError(
            f"{_show(value)} has more than {MAX_PLACES} decimal places", "round it to the places the figure has"
        )
    return value


def parse_number(text: str, what: str = "a number") -> Decimal:
    """A plain number typed as text (a measure's value, a percentage): ASCII digits,
    an optional sign and point, no exponent, within the bounds of ``check_number``."""
    raw = text.strip()
    if _EXPONENT.fullmatch(raw):
        raise AmountError(f"{_show(raw)} is written with an exponent", "write the figure in full digits")
    if not _NUMBER.fullmatch(raw):
        raise AmountError(f"{_show(raw)} is not {what}", _digits_hint(raw) or "write a number such as 72.5")
    return check_number(Decimal(raw), what)


def _digits_hint(raw: str) -> str | None:
    """Digits that look like 0-9 but are not (Arabic-Indic, full-width): say which."""
    import unicodedata

    for char in raw:
        if char.isdigit() and not char.isascii():
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            return f"write the digits 0-9; {char!r} is {name}"
    return None


def _units_hint(units: str) -> str:
    if units == "pounds":
        return "amounts are in pounds here; round to the penny, or is the file's units wrong?"
    return f"the file's units are {units}; round to the penny"


def _canonical(pounds: Decimal) -> Money:
    """Whole pence, with no negative zero, so equal amounts print and compare alike."""
    result = pounds.quantize(PENNY)
    return result if result else ZERO.quantize(PENNY)


def _parse_text(text: str, units: str = "pounds") -> tuple[Decimal, Decimal | None]:
    raw = text.strip()
    if not raw:
        raise AmountError("the amount is empty", "write a number such as 32000")
    negative = False
    body = raw
    if body.startswith("(") and body.endswith(")"):
        negative = True
        body = body[1:-1].strip()
    match = _AMOUNT.fullmatch(body)
    if match is None or not (match["int"] or match["frac"]):
        raise AmountError(f"{_show(raw)} is not an amount", _text_hint(raw, units))
    if match["sign"]:
        if negative:
            raise AmountError(f"{_show(raw)} has two signs", "use either brackets or a minus sign")
        negative = match["sign"] in "-−"
    digits = match["int"].replace(",", "")
    if len(digits) > 1 and digits.startswith("0"):
        raise AmountError(
            f"{_show(raw)} has a leading zero (YAML 1.1 would read it as octal)",
            f"write {digits.lstrip('0') or '0'}" if len(digits) <= 40 else "remove the leading zeros",
        )
    if len(match["frac"] or "") > MAX_PLACES:
        raise AmountError(f"{_show(raw)} has more than {MAX_PLACES} decimal places", "round it to the penny")
    try:
        number = Decimal(f"{digits or '0'}.{match['frac'] or '0'}")
    except InvalidOperation as error:  # pragma: no cover - the regex admits only digits
        raise AmountError(f"{raw!r} is not an amount") from error
    suffix = match["suffix"]
    suffix_scale = SUFFIX_SCALE[suffix.lower()] if suffix else None
    return (-number if negative else number), suffix_scale


def _text_hint(raw: str, units: str = "pounds") -> str:
    digits = _digits_hint(raw)
    if digits:
        return digits
    if _EXPONENT.fullmatch(raw):
        return _exponent_hint(raw, units)
    lowered = raw.lower()
    if lowered in {"yes", "no", "on", "off", "y", "n", "true", "false"}:
        return f"{raw!r} reads as a yes/no value, not money; write a number such as 32000"
    if re.fullmatch(r"\d+(:\d+)+", raw):
        return f"YAML 1.1 would read {raw!r} as a sexagesimal number; write the amount plainly"
    if re.search(r"\d,\d{1,2}(?!\d)|\d,\d{4,}", raw):
        return "thousands separators go every three digits: £1,234,567"
    return number_hint(units)


def _exponent_hint(raw: str, units: str) -> str:
    """How to write ``raw`` (1e3) in full, in ``units``: where a bare number is in
    £'000, 1e3 is 1000 there, £1,000,000 (the pounds example 1000000 would be £1bn)."""
    hint = "money is not written with an exponent; write the amount in full"
    number = Decimal(raw)  # exact: the pattern admits only digits, a point and an exponent
    if not -MAX_PLACES <= number.adjusted() < 12:
        return f"{hint} digits" + ("" if units == "pounds" else f", in {UNIT_LABELS[units]}")
    full = f"{number.normalize():f}"
    if units == "pounds" or units not in UNIT_SCALE:
        return f"{hint}: {full}"
    pounds = number * UNIT_SCALE[units]
    meant = f" for {format_pounds(pounds)}" if pounds == pounds.quantize(PENNY) else ""
    return f"{hint}, in {UNIT_LABELS[units]}: {full}{meant}"


def own_scale(text: str) -> bool:
    """``text`` names its own scale ("£32k", "(1.2m)"), so it means exactly that
    whatever a column's header says; a bare figure ("600", "£600", "2OO") does not."""
    body = text.strip()
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1].strip()
    match = _AMOUNT.fullmatch(body)
    return bool(match and match["suffix"] and (match["int"] or match["frac"]))


def number_hint(units: str) -> str:
    """How to write an amount where a bare number is in ``units`` (a £'000 sheet's 600
    is £600,000: its example is in its scale, not 32000, which there is £32m)."""
    if units == "thousands":
        return 'write a number in £\'000 (600 for £600,000) or text such as "£600,000", "£600k" or "(100)"'
    if units == "millions":
        return 'write a number in £m (0.6 for £600,000) or text such as "£600,000", "£1.2m" or "(0.1)"'
    return 'write a number (32000) or text such as "£32,000", "£32k", "£1.2m" or "(1,000)"'


# ---------------------------------------------------------------------------
# Printing


def _group(number: Decimal, places: int) -> str:
    """``number`` (non-negative) with thousands commas and ``places`` decimals."""
    return f"{number:,.{places}f}"


def _signed(text: str, negative: bool, brackets: bool) -> str:
    if not negative:
        return text
    return f"({text})" if brackets else f"-{text}"


def format_pounds(amount: Money, *, brackets: bool = False, pence: bool | None = None) -> str:
    """``£3,258,000`` (pence shown only when there are any, unless ``pence`` says)."""
    pounds = int(amount)
    whole = pounds == amount
    if whole and not pence:  # the common case, formatted as an int: much faster
        return f"£{pounds:,}" if pounds >= 0 else _signed(f"£{-pounds:,}", True, brackets)
    places = 2 if (not whole if pence is None else pence) else 0
    rounded = abs(amount).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return _signed(f"£{_group(rounded, places)}", amount < 0 and bool(rounded), brackets)


def as_typed(amount: Money, units: str) -> str:
    """An amount as it is typed where bare figures are in ``units`` (a £'000 sheet's
    column, a thousands file), and what it is: "610 (£610,000)"; "£610,000" in pounds.
    A suggestion said so is typed as read, where "£610,000" would be typed as 610000 (£610m)."""
    if units not in ("thousands", "millions"):
        return format_pounds(amount)
    return f"{to_units(amount, units):,f} ({format_pounds(amount)})"


def format_thousands(amount: Money, *, places: int = 0, brackets: bool = False) -> str:
    """``£32k``: at least ``places`` decimals of a thousand, more where the amount needs
    them (£32.5k, never a rounded £33k): money is exact."""
    return _format_scaled_words(amount, "thousands", places, brackets)


def format_millions(amount: Money, *, places: int = 3, brackets: bool = False) -> str:
    """``£23.998m``: three decimals, as the plan prints its £ million column, and more
    where the amount needs them (£0.2997m, never a rounded £0.300m): money is exact."""
    return _format_scaled_words(amount, "millions", places, brackets)


def _scaled(amount: Money, units: str, places: int) -> tuple[Decimal, int]:
    """``abs(amount)`` in ``units``, and the decimals that show it exactly: ``places``
    at least, more where the amount needs them, never a rounded figure."""
    value = abs(amount) / UNIT_SCALE[units]
    return value, max(places, -value.normalize().as_tuple().exponent)  # type: ignore[operator]


def _format_scaled_words(amount: Money, units: str, places: int, brackets: bool) -> str:
    value, shown = _scaled(amount, units, places)
    suffix = "k" if units == "thousands" else "m"
    return _signed(f"£{_group(value, shown)}{suffix}", amount < 0 and bool(value), brackets)


def format_in_units(amount: Money, units: str, *, brackets: bool = False) -> str:
    """An amount in the scale a file is written in: £m to 3 decimals in a millions
    file (as the plan prints), £k when exact in a thousands file, else pounds.

    An amount too small to show at 3 decimals of a million prints in pounds, so a
    difference of £1 never reads as £0.000m.
    """
    if units == "millions" and (not amount or abs(amount) >= 500):
        return format_millions(amount, brackets=brackets)
    if units == "thousands" and amount % 1000 == 0:
        return format_thousands(amount, brackets=brackets)
    return format_pounds(amount, brackets=brackets)


def money_words(amount: Money, units: str, *, brackets: bool = False) -> str:
    """An amount in running text (a summary, a RAG reason) in a file's scale, as its
    tables show it: £450k for a £'000 file, else £m as the plan prints its budget
    (£0.450m). Exact either way (£32.5k, £0.2997m)."""
    if units == "thousands":
        return format_thousands(amount, brackets=brackets)
    return format_millions(amount, brackets=brackets)


UNIT_LABELS = {"pounds": "£", "thousands": "£'000", "millions": "£m"}
"""How a column header names the scale of its figures, as published tables do."""
_PLACES = {"pounds": 0, "thousands": 0, "millions": 3}


def format_scaled(amount: Money, units: str, *, brackets: bool = False) -> str:
    """``amount`` as a figure of a table in ``units`` (the header says the scale):
    80,300 in £'000, 175.772 in £m. Exact: more decimals where the amount needs them
    (£32,500.50 is 32.5005 in £'000), never a rounded figure."""
    value, places = _scaled(amount, units, _PLACES[units])
    return _signed(_group(value, places), amount < 0, brackets)


def scaled_places(amount: Money, units: str) -> int:
    """The decimals :func:`format_scaled` shows ``amount`` with in ``units``: the
    table's usual places (none in £'000, 3 in £m), more where the amount needs them."""
    return _scaled(amount, units, _PLACES[units])[1]


def to_units(amount: Money, units: str) -> Decimal:
    """The number a file in ``units`` would hold for ``amount`` (no trailing zeros)."""
    value = amount / UNIT_SCALE[units]
    normal = value.normalize()
    # normalize() turns 1000 into 1E+3; keep plain notation.
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def percent(part: Money, whole: Money, places: int = 0, rounding: str = ROUND_HALF_UP) -> Decimal | None:
    """``part`` as a percentage of ``whole`` to ``places`` decimals (half up unless
    ``rounding`` says); None when ``whole`` is zero."""
    if not whole:
        return None
    shown = (part * 100 / whole).quantize(Decimal(1).scaleb(-places), rounding)
    return shown if shown else shown.copy_abs()  # a tiny underspend is 0.0%, never -0.0%


def money_sum(amounts: Iterable[Money]) -> Money:
    """Exact sum, canonical at whole pence (``sum`` of no amounts is £0.00)."""
    return _canonical(sum(amounts, ZERO))


def cli_amount(
    text: str, units: str, option: str, *, negative: bool = False, why_not_negative: str = "write it as zero or more"
) -> Money:
    """An amount typed on the command line, in the same forms as the files; negative
    only where ``negative`` allows it (a reversal's return), else refused with the hint
    ``why_not_negative``."""
    try:
        amount = parse_amount(text.strip(), units)
    except AmountError as exc:
        raise UsageError(f"{option} {text!r}: {exc.message}", exc.hint) from None
    if amount < 0 and not negative:
        raise UsageError(f"{option} {text!r} is negative", why_not_negative)
    return amount
