from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from csplan.money import (
    LIMIT,
    UNIT_SCALE,
    AmountError,
    format_in_units,
    format_millions,
    format_pounds,
    format_thousands,
    money_sum,
    parse_amount,
    percent,
    to_units,
)

D = Decimal


@pytest.mark.parametrize(
    ("value", "units", "pounds"),
    [
        ("£32,000", "pounds", "32000"),
        ("£1.2m", "pounds", "1200000"),
        ("£1.2m", "thousands", "1200000"),  # a suffix wins over the file's units
        ("£32k", "millions", "32000"),
        ("£1bn", "pounds", "1000000000"),
        ("(1,000)", "pounds", "-1000"),
        ("(£1,000.50)", "pounds", "-1000.50"),
        ("-1,000", "pounds", "-1000"),
        ("£4.000", "millions", "4000000"),  # no suffix: scaled by units, as the plan prints
        ("£.0333", "millions", "33300"),
        ("  £ 32,000  ", "pounds", "32000"),
        ("32K", "pounds", "32000"),
        (D("14.800"), "millions", "14800000"),
        (D("0.333"), "millions", "333000"),
        (D("32000"), "pounds", "32000"),
        (D("32"), "thousands", "32000"),
        (32000, "pounds", "32000"),
        ("0", "pounds", "0"),
        ("-0", "pounds", "0"),
    ],
)
def test_parse_amount_forms(value: object, units: str, pounds: str) -> None:
    assert parse_amount(value, units) == D(pounds)


@pytest.mark.parametrize(
    ("value", "units", "fragment"),
    [
        (D("12.345"), "pounds", "not a whole number of pence"),
        (D("0.000000001"), "millions", "not a whole number of pence"),
        ("032000", "pounds", "leading zero"),
        ("yes", "pounds", "not an amount"),
        (True, "pounds", "true is not an amount"),
        ("1:30", "pounds", "not an amount"),
        ("£1,00", "pounds", "not an amount"),
        ("abc", "pounds", "not an amount"),
        ("", "pounds", "empty"),
        (None, "pounds", "empty"),
        ("(-5)", "pounds", "two signs"),
        (D(10**20), "pounds", "implausibly large"),
        (D("1E+3"), "pounds", "written with an exponent"),
        (D("1e1000000"), "pounds", "written with an exponent"),  # was decimal.Overflow
        (D("1e-1000000"), "pounds", "more than 12 decimal places"),  # was a 1 MB message
        (D(1_000_000), "millions", "past £1 trillion"),
        ("£1,000bn", "pounds", "past £1 trillion"),
        ("1e6", "pounds", "not an amount"),
        ("٣٠٠", "pounds", "not an amount"),
        ("６００", "pounds", "not an amount"),
        ("0." + "1" * 13, "pounds", "more than 12 decimal places"),
        (D("NaN"), "pounds", "not an amount"),
        ([1], "pounds", "list is not an amount"),
        ("£1", "furlongs", "unknown units"),
    ],
)
def test_parse_amount_refuses(value: object, units: str, fragment: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount(value, units)
    assert fragment in caught.value.message


def test_hints_explain_yaml_11_surprises() -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount("1:30")
    assert caught.value.hint is not None and "sexagesimal" in caught.value.hint
    with pytest.raises(AmountError) as caught:
        parse_amount("032000")
    assert caught.value.hint == "write 32000"


def test_floats_never_carry_money() -> None:
    with pytest.raises(TypeError):
        parse_amount(0.1)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("3258000", "£3,258,000"),
        ("1000.5", "£1,000.50"),
        ("-1000", "-£1,000"),
        ("0", "£0"),
    ],
)
def test_format_pounds(amount: str, text: str) -> None:
    assert format_pounds(D(amount)) == text


def test_format_brackets_for_negatives() -> None:
    assert format_pounds(D("-450000"), brackets=True) == "(£450,000)"
    assert format_millions(D("-1350000"), brackets=True) == "(£1.350m)"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("23998000", "£23.998m"),
        ("23698300", "£23.6983m"),  # exact: more decimals where the amount needs them
        ("500", "£0.0005m"),
        ("499.99", "£0.00049999m"),
        ("175772000", "£175.772m"),
        ("1234567000", "£1,234.567m"),
    ],
)
def test_format_millions_is_exact(amount: str, text: str) -> None:
    assert format_millions(D(amount)) == text


def test_format_thousands() -> None:
    assert format_thousands(D("32000")) == "£32k"
    assert format_thousands(D("32500")) == "£32.5k"  # exact, never a rounded £33k
    assert format_thousands(D("32500"), places=1) == "£32.5k"


def test_format_in_units_never_hides_a_small_difference() -> None:
    assert format_in_units(D("300000"), "millions") == "£0.300m"
    assert format_in_units(D("1"), "millions") == "£1"
    assert format_in_units(D("32000"), "thousands") == "£32k"
    assert format_in_units(D("32001"), "thousands") == "£32,001"


def test_to_units_and_percent() -> None:
    assert to_units(D("14800000"), "millions") == D("14.8")
    assert f"{to_units(D('3000000'), 'millions'):f}" == "3"
    assert percent(D("600000"), D("833000")) == D("72")
    assert percent(D("1"), D("0")) is None


pence = st.integers(min_value=-(10**13), max_value=10**13).map(lambda p: D(p) / 100)


@given(pence)
def test_parse_format_round_trip(amount: Decimal) -> None:
    assert parse_amount(format_pounds(amount)) == amount
    assert parse_amount(format_pounds(amount, brackets=True)) == amount
    assert parse_amount(format_pounds(amount, pence=True)) == amount


@given(pence)
def test_millions_format_is_within_half_a_thousand(amount: Decimal) -> None:
    shown = parse_amount(format_millions(amount))
    assert abs(shown - amount) <= D(500)


@given(st.lists(st.integers(min_value=0, max_value=10**11), max_size=200))
def test_sum_of_lines_never_drifts(pennies: list[int]) -> None:
    amounts = [parse_amount(f"£{p // 100:,}.{p % 100:02d}") for p in pennies]
    assert money_sum(amounts) * 100 == sum(pennies)
    assert money_sum(reversed(amounts)) == money_sum(amounts)


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["pounds", "thousands", "millions"]))
def test_units_scale_exactly(whole: int, units: str) -> None:
    assume(whole * UNIT_SCALE[units] < LIMIT)
    amount = parse_amount(D(whole), units)
    assert parse_amount(to_units(amount, units), units) == amount


def test_cli_amount_reads_the_file_forms_and_refuses_negatives_as_usage_errors() -> None:
    from csplan.errors import UsageError
    from csplan.money import cli_amount

    assert cli_amount(" £1.2m ", "pounds", "--min") == Decimal(1_200_000)
    assert cli_amount("600", "thousands", "--forecast") == Decimal(600_000)
    with pytest.raises(UsageError, match="--min '-5' is negative"):
        cli_amount("-5", "pounds", "--min")
    with pytest.raises(UsageError, match="--min 'lots'"):
        cli_amount("lots", "pounds", "--min")


@pytest.mark.parametrize(
    ("text", "units", "hint"),
    [
        ("1e6", "pounds", "write the amount in full: 1000000"),
        ("1e3", "thousands", "write the amount in full, in £'000: 1000 for £1,000,000"),
        ("2.5e-1", "millions", "write the amount in full, in £m: 0.25 for £250,000"),
        ("1e1000000", "thousands", "write the amount in full digits, in £'000"),
    ],
)
def test_an_exponent_is_refused_with_the_figure_in_full_in_the_files_scale(text: str, units: str, hint: str) -> None:
    """1e3 where a bare number is in £'000 is £1,000,000: the pounds example 1000000
    would be £1bn there."""
    with pytest.raises(AmountError) as refused:
        parse_amount(text, units)
    assert refused.value.hint == f"money is not written with an exponent; {hint}"
