"""Whatever a file holds, csplan answers with findings, never a traceback."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, EXAMPLES
from csplan.checks import check_plan
from csplan.load import Plan, build_document
from csplan.render.tables import print_sections
from csplan.yamlsource import parse_text

SHIPPED = [path.read_text(encoding="utf-8") for path in sorted(DATA.glob("*.yaml"))]
YAMLISH = st.text(alphabet=st.sampled_from(list("abkindlyes:- \n\t'\"[]{},&*!#|>%@0123456789.£()kmP")), max_size=200)


def findings_for(text: str) -> list[object]:
    source, findings = parse_text(text, "fuzz.yaml")
    if source is None:
        return list(findings)
    document, problems = build_document(source)
    findings = [*findings, *problems]
    if document is not None:
        findings.extend(check_plan(Plan(documents=[document])))
    return findings


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH)
def test_arbitrary_text_never_raises(text: str) -> None:
    for finding in findings_for(text):
        assert finding.code.startswith("CSP")  # type: ignore[attr-defined]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SHIPPED), st.integers(min_value=0, max_value=10_000), YAMLISH)
def test_damaged_data_files_never_raise(text: str, at: int, junk: str) -> None:
    position = at % (len(text) + 1)
    for finding in findings_for(text[:position] + junk + text[position:]):
        assert finding.code.startswith("CSP")  # type: ignore[attr-defined]
        assert finding.line is None or finding.line >= 1  # type: ignore[attr-defined]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_rag_is_coloured_on_a_terminal_and_plain_with_no_color(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from csplan import validate_plan
    from csplan.render import savings as render
    from csplan.savings import savings_report

    plan, _ = validate_plan(EXAMPLES / "illustrative")
    sections = render.sections(savings_report(plan.savings()[1], "P06"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    terminal = _Terminal()
    print_sections(sections, file=terminal)
    assert "\x1b[1;31mred" in terminal.getvalue()  # bold red
    assert "━" in terminal.getvalue()  # box-drawing on a terminal
    monkeypatch.setenv("NO_COLOR", "1")
    plain = _Terminal()
    print_sections(sections, file=plain)
    assert "31m" not in plain.getvalue() and "red" in plain.getvalue()  # the word stays, the colour goes
    piped = io.StringIO()
    print_sections(sections, file=piped)
    assert "\x1b[" not in piped.getvalue() and "━" not in piped.getvalue() and "| S06 " in piped.getvalue()


def test_measures_are_compared_by_diff(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from csplan.cli import app

    result = CliRunner().invoke(
        app,
        [
            "diff",
            str(DATA / "measures.yaml"),
            str(EXAMPLES / "illustrative" / "measures.yaml"),
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    import json

    [measures] = json.loads(result.stdout)["files"]
    changed = {line["id"]: line for line in measures["lines"]}
    assert {"field": "value[P06]", "old": None, "new": "58.2", "delta": None} in changed["SO2-04"]["fields"]
    assert changed["SO2-M1"]["fields"] == [
        {"field": "status", "old": "not started", "new": "in progress", "delta": None}
    ]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(SHIPPED), st.integers(min_value=0, max_value=10_000), YAMLISH)
def test_damaged_files_on_the_large_file_paths_never_raise(
    monkeypatch: pytest.MonkeyPatch, text: str, at: int, junk: str
) -> None:
    from csplan import load, yamlsource

    with monkeypatch.context() as patch:
        for name, value in (("FAST_TEXT", 0), ("CHUNKED_TEXT", 0), ("CHUNK_ITEMS", 2), ("SMALL_TEXT", 0)):
            patch.setattr(yamlsource, name, value)
        patch.setattr(load, "CHUNK", 3)
        position = at % (len(text) + 1)
        for finding in findings_for(text[:position] + junk + text[position:]):
            assert finding.code.startswith("CSP")  # type: ignore[attr-defined]
