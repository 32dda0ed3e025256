from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from csplan import yamlsource
from csplan.yamlsource import parse_text, parse_yaml, read_yaml, resolve_plain


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("14.800", Decimal("14.800")),
        ("32000", Decimal("32000")),
        ("-1", Decimal("-1")),
        (".5", Decimal("0.5")),
        ("1e3", Decimal("1e3")),
        ("0", Decimal("0")),
        ("032000", "032000"),  # not octal 13312: left as text for the money parser to refuse
        ("1:30", "1:30"),  # not sexagesimal 90
        ("yes", "yes"),  # not True (YAML 1.1)
        ("on", "on"),
        ("true", True),
        ("false", False),
        ("~", None),
        ("null", None),
        ("", None),
        ("2025-26", "2025-26"),
        ("2025-04-01", "2025-04-01"),  # no timestamps
        (".inf", ".inf"),
        ("+.e5", "+.e5"),
        ("1_000", "1_000"),
    ],
)
def test_plain_scalars_follow_yaml_12_core(text: str, value: object) -> None:
    resolved = resolve_plain(text)
    assert resolved == value
    assert type(resolved) is type(value)


def test_exponents_reach_amounts_exactly(tmp_path: Path) -> None:
    from csplan import validate_plan

    path = tmp_path / "b.yaml"
    path.write_text("kind: budget\nyear: 2025-26\ndepartment: x\nunits: pounds\nsource: s\ntotal: 1e3\n")
    _, findings = validate_plan(path)
    # read from the text, never a float; and money is not written with an exponent
    assert [(f.code, f.message) for f in findings] == [("CSP105", "total: 1E+3 is written with an exponent")]


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("a: 32000\nb: Early Help & Safeguarding\nc: 5 * 3\n", True),
        ("a: 0\nb: [0, 10]\n", True),
        ("a: 032000\n", False),
        ("a: [1, 032000]\n", False),
        ("a: 0x1F\n", False),
        ("a: -0o17\n", False),
        ("a: 14.800\n", True),  # a float fails validation, and the file is read again carefully
        ("a: .5\n", True),
        ("a: 171_600\n", False),
        ("a: _1\n", False),
        ("a: -0\n", False),
        ("a: +0x1\n", False),
        ("a: x\x07y\n", False),
        ("a: x\x85y\n", False),
        ("a: 2025-01-01\n", True),
        ("a: &x 1\n", False),
        ("a: *x\n", False),
        ("a: !!python/object:os.system x\n", False),
        ("a:\t1\n", False),
        ("a: 'S_01'\n", False),  # a false alarm: only costs speed
        # After a JSON-like key (quoted, or a flow collection) a value may follow ':'
        # with no space between them.
        ('a: {"b":032}\n', False),
        ('a: {"b" :0x1F}\n', False),
        ("a: ['b':0o7]\n", False),
        ('a: {"b":-0}\n', False),
        ('a: {"b":+0}\n', False),
        ('a: {"b":&x 5, "c":*x}\n', False),
        ('a: {"b":!!int 5}\n', False),
        ("a: [1,+0]\n", False),
        ("a: [+0]\n", False),
        ("a: [032]\n", False),
        ("a: [-0]\n", False),
        ("a: Meeting at 10:05\n", True),
        ("a: x\u2028  y\n", False),  # a line break to libyaml, text to yaml-rs
        ("a: x\u2029y\n", False),
        ("a: x\u2027y \u202fz\n", True),
        # A plain scalar in a flow collection starting with ? : | or > and a non-space:
        # text to yaml-rs, refused (or a key) by libyaml.
        ("a: {n: >5% slip}\n", False),
        ("a: {n:\n    |x}\n", False),
        ("a: [x, ?y]\n", False),
        ("a: [ :x]\n", False),
        ("a: {n: 1,| m: 2}\n", False),
        ("a: {n: a >5% slip, m: a|b, o: why?, p: 10:05}\n", True),
        ("a: Costs >5% more, see https://example.invalid\n", True),
        ('a: {"b": 5, "c":5}\n', True),
    ],
)
def test_fast_path_scan(text: str, safe: bool) -> None:
    assert yamlsource.fast_path_safe(text) is safe


def test_the_control_character_scan_names_every_code_point_outside_the_accepted_ranges() -> None:
    accepted = [(0x0A, 0x0A), (0x0D, 0x0D), (0x20, 0x7E), (0xA0, 0xD7FF), (0xE000, 0xFFFD), (0x10000, 0x10FFFF)]
    every = "".join(map(chr, range(0x110000)))
    found = [match.start() for match in yamlsource._CONTROL.finditer(every)]
    assert found == [n for n in range(0x110000) if not any(low <= n <= high for low, high in accepted)]


def test_the_control_scan_on_utf8_bytes_agrees_with_the_one_on_text() -> None:
    """fast_path_safe given a text's bytes finds what it finds in the text: every
    code point but the surrogates, and some among other text that is not ASCII."""
    for code in [*range(0x80, 0xD800), *range(0xE000, 0x110000)]:
        char = chr(code)
        wanted = bool(yamlsource._CONTROL.match(char)) or char in "\u2028\u2029"
        assert yamlsource._control_or_line_separator(char, char.encode()) == wanted, hex(code)
    for text, wanted in [
        ("a: £5 – ‘x’ €\n", False),
        ("a: £5 x\u2028y\n", True),
        ("a: – \x85\n", True),
        ("a: ‘\uffff’\n", True),
        ("a: £\x1b[2J\n", True),
        ("a: \ufeff£ \u2027\n", False),
    ]:
        assert yamlsource._control_or_line_separator(text, text.encode()) is wanted, text
        assert yamlsource._control_or_line_separator(text, None) is wanted, text


def test_fast_and_careful_paths_read_valid_files_alike() -> None:
    from conftest import DATA

    for path in [*DATA.glob("*.yaml"), *(DATA.parent / "examples" / "illustrative").glob("*.yaml")]:
        text = path.read_text()
        careful, _ = yamlsource.read_carefully(yamlsource.YamlFile(str(path), text, None))
        assert yamlsource._fast_reader()
        fast = yamlsource.yaml_rs.loads(text, parse_datetime=False)
        assert careful is not None
        assert _plain(careful.data) == _plain(fast)


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, float):
        return Decimal(repr(value)).normalize()
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value).normalize()
    return value


def test_quoted_scalars_stay_text() -> None:
    source, findings = parse_text("a: \"032000\"\nb: '14.8'\n", "t.yaml")
    assert not findings and source is not None
    assert source.data == {"a": "032000", "b": "14.8"}


def test_numbers_never_pass_through_float() -> None:
    source, _ = parse_text("amount: 0.1\nbig: 12345678901234567890.12\n", "t.yaml")
    assert source is not None
    assert source.data["amount"] == Decimal("0.1")
    assert source.data["big"] == Decimal("12345678901234567890.12")


def test_duplicate_keys_name_both_lines_and_keep_checking() -> None:
    source, findings = parse_text("kind: budget\nyear: 2025-26\nyear: 2026-27\n", "t.yaml")
    assert source is not None and source.data["year"] == "2025-26"
    [finding] = findings
    assert (finding.code, finding.line, finding.column) == ("CSP004", 3, 1)
    assert "first at line 2, again at line 3" in finding.message


def test_object_tags_are_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f'total: !!python/object/apply:os.system ["touch {marker}"]\n'
    source, findings = parse_text(text, "t.yaml")
    assert source is None
    assert [f.code for f in findings] == ["CSP006"]
    assert (findings[0].line, findings[0].column) == (1, 8)
    assert not marker.exists()


def test_custom_tags_are_refused() -> None:
    _, findings = parse_text("a: !money 5\nb: !!binary aGVsbG8=\n", "t.yaml")
    assert [f.code for f in findings] == ["CSP006", "CSP006"]


def test_anchors_and_aliases_are_refused() -> None:
    _, findings = parse_text("a: &x 5\nb: *x\n", "t.yaml")
    assert [(f.code, f.line) for f in findings] == [("CSP005", 1), ("CSP005", 2)]


def test_ampersand_in_text_is_fine() -> None:
    source, findings = parse_text('d: "Early Help & Safeguarding"\ne: a * b\n', "t.yaml")
    assert not findings and source is not None
    assert source.data == {"d": "Early Help & Safeguarding", "e": "a * b"}


def test_non_utf8_is_located() -> None:
    _, findings = parse_yaml(b"kind: budget\nsource: caf\xe9\n", "t.yaml")
    [finding] = findings
    assert (finding.code, finding.line, finding.column) == ("CSP002", 2, 12)


def test_utf8_bom_is_accepted() -> None:
    source, findings = parse_yaml("\ufeffkind: budget\n".encode(), "t.yaml")
    assert not findings and source is not None and source.data == {"kind": "budget"}


def test_oversized_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("kind: budget\n" * 10)
    monkeypatch.setattr(yamlsource, "MAX_BYTES", 50)
    source, findings = read_yaml(path)
    assert source is None and [f.code for f in findings] == ["CSP003"]


def test_unreadable_path_is_a_finding(tmp_path: Path) -> None:
    source, findings = read_yaml(tmp_path / "missing.yaml")
    assert source is None and [f.code for f in findings] == ["CSP008"]


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("", "CSP007", 1),
        ("# only a comment\n", "CSP007", 1),
        ("a: 1\n---\nb: 2\n", "CSP007", 2),
        ("a: [1, 2\n", "CSP001", 2),
        ("a:\n\t- 1\n", "CSP001", 2),
        ("a: b: c\n", "CSP001", 1),
    ],
)
def test_broken_files_are_one_located_finding(text: str, code: str, line: int) -> None:
    source, findings = parse_text(text, "t.yaml")
    assert source is None
    assert [(f.code, f.line) for f in findings] == [(code, line)]


def test_locate_finds_values_keys_and_nearest_parent() -> None:
    text = "kind: x\nlines:\n  - id: A\n    amount: 5\n  - id: B\n"
    source, _ = parse_text(text, "t.yaml")
    assert source is not None
    assert source.locate(("lines", 0, "amount")) == (4, 13)
    assert source.locate(("lines", 0, "amount"), key=True) == (4, 5)
    assert source.locate(("lines", 1, "amount")) == (5, 5)  # missing: the line's mapping
    assert source.locate(("nothing",)) == (1, 1)
    assert source.line_count == 5


@pytest.mark.parametrize("loader", ["CSafeLoader", "SafeLoader"])
def test_same_data_with_either_parser(loader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    if not hasattr(yaml, loader):
        pytest.skip(f"{loader} not built")
    monkeypatch.setattr(yamlsource, "Loader", getattr(yaml, loader))
    source, findings = parse_text('a: 0.1\nb: "0.1"\nc: yes\nd: 032000\n', "t.yaml")
    assert not findings and source is not None
    assert source.data == {"a": Decimal("0.1"), "b": "0.1", "c": "yes", "d": "032000"}


def test_an_explicit_str_tag_keeps_the_text() -> None:
    source, findings = yamlsource.parse_text("a: !!str 5\nb: ! 032000\nc: !!int 5\nd: 5\n", "x.yaml")
    assert findings == [] and source is not None
    assert source.data == {"a": "5", "b": "032000", "c": Decimal(5), "d": Decimal(5)}
    assert type(source.data["a"]) is str
