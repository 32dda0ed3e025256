"""One meaning for every YAML file: the fast path a large file takes (yaml-rs, in
chunks, marks found a piece at a time) and the careful path a small file takes
(libyaml events, scalars resolved by csplan) give the same models and the same
findings, with the same places, for the same text.

A differential property test: Hypothesis writes savings files full of tricky
scalars, and each is read both ways.
"""

from __future__ import annotations

import contextlib
import gc
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import ROOT
from csplan import load, validate_plan, yamlsource
from csplan.cli import app

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import write_folder

# Scalars that YAML readers are known to read differently.
TRICKY = [
    "171_600", "1_0", "_1", "1_", "032000", "00", "0x1F", "0o17", "0b1", "-0", "+0", "+0x1", "-00",
    "+5", "-5", "0", "5", "1e3", "1E3", "2e-3", "1.5", "14.800", ".5", "5.", "+.5", ".inf", "-.inf", ".nan",
    "yes", "no", "on", "off", "y", "n", "1:30", "~", "null", "Null", "NULL", "true", "True", "FALSE",
    "١٢٣", "１２", "½", "£32,000", "£1.2m", "(1,000)", "32k", "1 000", "12O00", "99999999999999999999",
    "2025-26", "2025-01-01", "P01", "P13", "Q1", "green", "Red", "S01", "S_01", "x#y", "a: b", "-", "?",
]  # fmt: skip
# Scalars yaml-rs reads as integers but the careful path does not (or not alike).
ODD_INTEGERS = ["171_600", "1_0", "032000", "00", "0x1F", "0o17", "0b1", "-0", "+0", "+0x1", "-00"]
TAGS = ["", "", "", "", "!!str ", "!!int ", "!!float ", "! ", "!custom ", "&a "]
KEYS = ["1", "true", "null", "~", "01", "ownr", "'1'"]


def _scalar(draw: Any, text: str, flow: bool) -> str:
    """``text`` written plainly, quoted, or with a tag or an anchor."""
    form = draw(st.sampled_from(["plain", "plain", "single", "double", "tagged"]))
    if form == "single":
        return "'" + text.replace("'", "''") + "'"
    if form == "double":
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    unsafe = ":#,[]{}" if flow else ":#"
    if text == "" or text[0] in "-?&*!|>'\"%@`" or any(c in text for c in unsafe) or text != text.strip():
        return "'" + text.replace("'", "''") + "'"
    return (draw(st.sampled_from(TAGS)) if form == "tagged" else "") + text


# How often a value is tricky, drawn per file: many files must pass the scan and
# validate, so that the fast path and its models are compared too.
RATES = [0, 0, 1, 5, 30]


@st.composite
def value(draw: Any, rate: int, flow: bool = False) -> str:
    if draw(st.integers(1, 100)) > rate:
        return str(draw(st.integers(0, 10**7)))
    return _scalar(draw, draw(st.sampled_from(TRICKY)), flow)


@st.composite
def words(draw: Any, rate: int) -> str:
    if draw(st.integers(1, 100)) > rate:
        return draw(st.sampled_from(["Review of placements", "Early Help", "x", "Phase 2"]))
    return _scalar(draw, draw(st.sampled_from(TRICKY)), False)


@st.composite
def savings_text(draw: Any, rate: int | None = None) -> str:
    units = draw(st.sampled_from(["pounds", "thousands", "millions"]))
    rate = draw(st.sampled_from(RATES)) if rate is None else rate
    years = (["2025-26"] * 8 + ["2025-27", "2025_26", "!!str 2025-26"])[: 8 + (rate > 0) * 3]
    out = [
        "kind: savings",
        f"year: {draw(st.sampled_from(years))}",
        "department: Children's Services",
        f"units: {units}",
        "source: generated",
        "lines:",
    ]
    for n in range(draw(st.integers(1, 5))):
        out.append(f"  - id: {draw(st.sampled_from(([f'S{n:02d}'] * 8 + ['1', 'S_01', '0x1'])[: 8 + (rate > 0) * 3]))}")
        out.append(f"    description: {draw(words(rate))}")
        for field in draw(st.lists(st.sampled_from(["ongoing", "one_off", "owner", "division"]), unique=True)):
            out.append(f"    {field}: {draw(words(rate) if field in ('owner', 'division') else value(rate))}")
        if draw(st.integers(1, 100)) <= rate:
            out.append(f"    {draw(st.sampled_from(KEYS))}: {draw(value(rate))}")
        entries = draw(st.integers(0, 3))
        if entries:
            out.append("    progress:")
        style = draw(st.sampled_from(["block", "flow", "json"]))
        flow = style != "block"
        for month in range(1, entries + 1):
            period = draw(
                st.sampled_from(([f"P{month:02d}"] * 8 + ["P13", "1", "'P01'", "!!str P01"])[: 8 + (rate > 0) * 4])
            )
            forecast = draw(value(rate, flow=flow))
            delivered = draw(value(rate, flow=flow))
            if style == "flow":
                out.append(f"      - {{period: {period}, forecast: {forecast}, delivered: {delivered}}}")
            elif style == "json":
                # JSON-like keys: a value may follow the ':' (and a key the ',') with no space.
                gap = st.sampled_from(["", " "])
                pairs = [f'"{key}"{draw(gap)}:{draw(gap)}{written}' for key, written in
                         (("period", period), ("forecast", forecast), ("delivered", delivered))]  # fmt: skip
                out.append("      - {" + ",".join(draw(gap) + pair for pair in pairs) + "}")
            else:
                out += [f"      - period: {period}", f"        forecast: {forecast}", f"        delivered: {delivered}"]
    out += [
        "totals:",
        f"  ongoing: {draw(value(rate))}",
        f"  one_off: {draw(value(rate))}",
        f"  total: {draw(value(rate))}",
    ]
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))  # Windows line endings too
    return newline.join(out) + newline


@contextlib.contextmanager
def large_file_paths() -> Iterator[None]:
    """Every size threshold lowered: a small text takes each path a large file takes."""
    saved = {name: getattr(yamlsource, name) for name in ("FAST_TEXT", "SMALL_TEXT", "CHUNKED_TEXT", "CHUNK_ITEMS")}
    saved_chunk = load.CHUNK
    yamlsource.FAST_TEXT = yamlsource.SMALL_TEXT = yamlsource.CHUNKED_TEXT = 0
    yamlsource.CHUNK_ITEMS = 2
    load.CHUNK = 2
    try:
        yield
    finally:
        for name, was in saved.items():
            setattr(yamlsource, name, was)
        load.CHUNK = saved_chunk


def read(text: str) -> tuple[str | None, list[tuple[Any, ...]], bool]:
    """The model (as its repr: the exact Decimals), the findings, and whether the
    fast reader was used."""
    source, findings = yamlsource.parse_text(text, "savings.yaml")
    fast = source is not None and source.fast
    document = None
    if source is not None:
        document, more = load.build_document(source)
        findings = [*findings, *more]
    shown = [(f.code, f.line, f.column, f.message, f.hint) for f in findings]
    return (repr(document.model) if document else None), shown, fast


def both_ways(text: str) -> tuple[tuple[str | None, list[tuple[Any, ...]]], tuple[str | None, list[tuple[Any, ...]]]]:
    careful_model, careful_findings, was_fast = read(text)
    assert not was_fast  # a small file: the careful path
    with large_file_paths():
        fast_model, fast_findings, _ = read(text)
    return (careful_model, careful_findings), (fast_model, fast_findings)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(savings_text())
@example("kind: savings\nyear: 2025-26\ndepartment: D\nunits: pounds\nsource: s\nlines:\n"
         "  - id: S01\n    description: x\n    ongoing: 171_600\ntotals:\n  ongoing: 171600\n  one_off: 0\n"
         "  total: 171600\n")  # fmt: skip
@example("kind: savings\nyear: 2025-26\ndepartment: D\nunits: pounds\nsource: s\nlines:\n"
         '  - id: S01\n    description: x\n    progress:\n      - {"period":P01,"forecast" :032000}\n'
         "totals:\n  total: 32000\n")  # fmt: skip
def test_the_fast_and_the_careful_path_read_any_savings_file_alike(text: str) -> None:
    careful, fast = both_ways(text)
    assert fast == careful, text


@st.composite
def one_odd_integer(draw: Any) -> str:
    """A valid savings file in any layout but for one plain scalar that yaml-rs reads as
    an integer: a missed one would pass on the fast path and be refused carefully."""
    text = draw(savings_text(rate=0))
    # A number written as a value: after ': ', ':' (a JSON-like key) or ', '.
    found = list(re.finditer(r"[:,]( ?)([0-9]+)(?=[,}\r\n])", text))
    right_after = [m.span(2) for m in found if not m[1]]  # no space: the rarer, harder case
    start, end = draw(
        st.sampled_from(right_after if right_after and draw(st.booleans()) else [m.span(2) for m in found])
    )
    return text[:start] + draw(st.sampled_from(ODD_INTEGERS)) + text[end:]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_odd_integer())
def test_one_odd_integer_in_any_layout_is_read_alike(text: str) -> None:
    careful, fast = both_ways(text)
    assert fast == careful, text


@pytest.mark.parametrize("written", ["x\u2028  y", "x\u2028032", "'x\u2029'", "|\n      x\u2028y"])
def test_unicode_line_separators_read_alike(written: str) -> None:
    """libyaml reads U+2028 and U+2029 as line breaks, yaml-rs as text."""
    text = (
        "kind: savings\nyear: 2025-26\ndepartment: D\nunits: pounds\nsource: s\nlines:\n"
        f"  - id: S01\n    description: {written}\n    ongoing: 5\ntotals:\n  total: 5\n"
    )
    careful, fast = both_ways(text)
    assert fast == careful


def test_the_fast_path_is_taken_for_a_plain_file() -> None:
    text = (
        "kind: savings\nyear: 2025-26\ndepartment: D\nunits: pounds\nsource: s\nlines:\n"
        + "".join(f"  - id: S{n}\n    description: x\n    ongoing: {n}000\n" for n in range(1, 6))
        + "totals:\n  ongoing: 15000\n  one_off: 0\n  total: 15000\n"
    )
    with large_file_paths():
        model, findings, fast = read(text)
    assert fast and model is not None and findings == []
    assert isinstance(yamlsource.parse_text(text, "s")[0], yamlsource.YamlFile)


def test_171_600_gives_the_same_finding_in_a_small_and_a_large_file(tmp_path: Path) -> None:
    """The issue's case: an underscore in a number, refused in a 30-line file, was
    accepted in a 514 KB one."""
    small, large = tmp_path / "small", tmp_path / "large"
    write_folder(small, 2)
    write_folder(large, 1_000)
    found = {}
    for folder in (small, large):
        path = folder / "savings.yaml"
        text = path.read_text()
        first = text.index("    ongoing: ", text.index("  - id: S000002"))
        line_end = text.index("\n", first)
        path.write_text(text[:first] + "    ongoing: 171_600" + text[line_end:])
        result = CliRunner().invoke(app, ["--data", str(folder), "validate", "--format", "json"])
        assert result.exit_code == 1, result.output
        findings = json.loads(result.stdout)
        found[folder.name] = [(f["code"], f["line"], f["message"]) for f in findings if f["code"] != "CSP303"]
    assert path.stat().st_size > yamlsource.FAST_TEXT  # the large file is large
    line = text[:first].count("\n") + 1
    assert found["large"] == found["small"] == [("CSP105", line, "lines[1].ongoing: '171_600' is not an amount")]


def test_reading_leaves_the_garbage_collector_alone(tmp_path: Path) -> None:
    """A program that imports csplan keeps collecting its own cyclic garbage."""
    write_folder(tmp_path, 1_000)  # large enough for the fast path
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    with large_file_paths():
        validate_plan(tmp_path)
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_placing_findings_in_a_large_file_reads_only_the_items_they_are_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_folder(tmp_path, 1_000)
    path = tmp_path / "savings.yaml"
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    spoilt = [i for i, line in enumerate(lines) if line.startswith("    ongoing: ")][::100]  # 10 findings
    for index in spoilt:
        lines[index] = "    ongoing: 12O00\n"
    path.write_text("".join(lines))
    read: list[int] = []
    collect = yamlsource._collect_marks
    monkeypatch.setattr(yamlsource, "_collect_marks", lambda t, **k: (read.append(len(t)), collect(t, **k))[1])
    monkeypatch.setattr(yamlsource, "SMALL_TEXT", 0)
    _, findings = validate_plan(path)
    assert [(f.code, f.line) for f in findings] == [("CSP105", index + 1) for index in spoilt]
    assert max(read) < 2_000  # each item alone, and the text around the items; never the whole file
    assert len(read) == len(spoilt) + 2


BROKEN_FLOW_BASE = (
    "kind: savings\nyear: 2025-26\ndepartment: D\nunits: pounds\nsource: s\nlines:\n"
    "  - id: S01\n    description: x\n    ongoing: 5000\n    progress:\n"
    "      - {period: P01, forecast: 100}\n"
    "  - id: S02\n    description: y\n    ongoing: 6000\n    progress:\n"
    "      - PROGRESS\n"
    "totals:\n  total: 11000\n"
)


@pytest.mark.parametrize(
    "entry",
    [
        "{period:, P01, forecast: 100}",
        "{period: P01, fo\n        recast: 100}",
        "{period:? P01, forecast: 100}",
    ],
)
def test_flow_syntax_libyaml_refuses_gives_the_careful_finding_in_a_large_file(entry: str) -> None:
    """yaml-rs takes some malformed flow mappings that libyaml refuses; the data it
    makes then fails validation. The fast path checks that the items holding those
    errors read carefully too, and otherwise reads the file again carefully: the
    same finding (a syntax error) whatever the file's size."""
    careful, fast = both_ways(BROKEN_FLOW_BASE.replace("PROGRESS", entry))
    assert careful[1] and careful[1][0][0] == "CSP001"
    assert fast == careful
