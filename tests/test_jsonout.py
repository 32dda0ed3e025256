from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csplan.render.jsonout import _RAW_CONTROL, _has_raw_control, dumps, encode, write
from csplan.text import CONTROL

D = Decimal


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("286000.00"), "286000"),  # whole pence that are whole pounds: an int
        (D("-5.00"), "-5"),
        (D("-0.00"), "0"),
        (D("0.50"), "0.5"),  # the exact digits, never through a float
        (D("1234567.89"), "1234567.89"),
        (D("0.1"), "0.1"),
        (D("1E+3"), "1000"),
        (D("0.0000001"), "0.0000001"),  # plain digits, as json.loads reads them back
        (D("123456789012345678901234567890.00"), "123456789012345678901234567890"),  # past 64 bits
        (D("-123456789012345678901234567890"), "-123456789012345678901234567890"),
    ],
)
def test_decimals_are_exact_json_numbers(value: Decimal, text: str) -> None:
    assert dumps([value], size=10**6) == f"[{text}]\n"
    assert json.loads(dumps({"amount": value}), parse_float=Decimal)["amount"] == value


@pytest.mark.parametrize("value", [D("NaN"), D("Infinity"), D("-Infinity"), D("sNaN")])
def test_a_decimal_that_is_no_number_is_refused(value: Decimal) -> None:
    with pytest.raises(ValueError, match="not a JSON number"):
        dumps({"amount": value})


def test_other_values_are_refused_not_guessed() -> None:
    with pytest.raises(TypeError, match="cannot write object as JSON"):
        dumps({"when": object()})


def test_small_output_is_indented_as_pythons_json_module_does() -> None:
    value = {
        "year": "2025-26",
        "period": None,
        "savings": [{"id": "S1", "target": 5, "mitigations": [], "reconciles": True}],
        "stated": {},
        "text": '£ é \t \n " \\ / \x01 \U0001f600',
        3: "int key",
    }
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def test_large_output_is_compact_and_reads_back_the_same() -> None:
    rows = [{"id": f"S{n}", "forecast": D(f"{n}.50"), "note": None} for n in range(20_001)]
    text = dumps({"savings": rows}, size=len(rows))
    assert text.count("\n") == 1
    assert text.startswith('{"savings":[{"id":"S0","forecast":0.5,"note":null},')
    assert json.loads(text, parse_float=Decimal)["savings"] == rows


def test_controls_a_terminal_acts_on_are_escaped() -> None:
    text = dumps({"note": "a\x00b\x1bc\x7fd\x85e\u202ef\u2066g"})
    assert text == '{\n  "note": "a\\u0000b\\u001bc\\u007fd\\u0085e\\u202ef\\u2066g"\n}\n'
    assert json.loads(text)["note"] == "a\x00b\x1bc\x7fd\x85e\u202ef\u2066g"


TEXT = st.text(st.characters(blacklist_categories=("Cs",)))  # a file's text holds no lone surrogates


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**63), 2**63 - 1)
        | TEXT
        | st.decimals(allow_nan=False, allow_infinity=False),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
        max_leaves=20,
    )
)
def test_any_value_reads_back_exactly(value: object) -> None:
    for size in (0, 10**6):
        assert json.loads(dumps(value, size=size), parse_float=Decimal) == value


def test_the_utf8_scan_finds_exactly_the_controls_orjson_leaves_raw() -> None:
    for code in range(0x30000):
        char = chr(code)
        if 0xD800 <= code < 0xE000:
            continue
        escaped_by_orjson = code < 0x20
        wanted = bool(CONTROL.match(char)) and not escaped_by_orjson
        assert bool(_RAW_CONTROL.search(char.encode())) == wanted, hex(code)
        assert _has_raw_control(char.encode()) == wanted, hex(code)
        assert _has_raw_control(f"£ – {char} ’".encode()) == wanted, hex(code)  # among other lead bytes


def test_write_sends_utf8_bytes_or_text() -> None:
    value = {"note": "£5 \x85", "amount": D("5.50")}
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8")
    stream.write("before\n")
    write(value, stream, size=0)
    stream.flush()
    assert raw.getvalue() == b"before\n" + encode(value)
    text = io.StringIO()
    write(value, text)
    assert text.getvalue() == dumps(value) == encode(value).decode()
    latin = io.BytesIO()
    stream = io.TextIOWrapper(latin, encoding="latin-1")
    write(value, stream)
    stream.flush()
    assert latin.getvalue() == dumps(value).encode("latin-1")  # as the stream's encoding says
