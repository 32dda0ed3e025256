from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Edit
from csplan import load_plan, validate_plan
from csplan.errors import UsageError


def findings_for(tmp_path: Path, text: str) -> list[tuple[str, int | None, str, str | None]]:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    _, findings = validate_plan(path)
    return [(f.code, f.line, f.message, f.hint) for f in findings]


HEADER = "kind: pressures\nyear: 2025-26\ndepartment: Children's Services\nunits: millions\nsource: test\n"


def test_public_api_loads_the_shipped_figures() -> None:
    plan, findings = load_plan(Path(__file__).parent.parent / "data")
    assert findings == []
    assert plan.line_count == 5 + 12 + 24  # pressures, savings, measures


def test_unknown_field_suggests_the_closest(tmp_path: Path) -> None:
    text = HEADER + "lines:\n  - id: P01\n    description: x\n    amont: 1\n    funding: ongoing\ntotal: 1\n"
    found = findings_for(tmp_path, text)
    assert ("CSP102", 9, "unknown field 'amont' in lines[0]", "did you mean 'amount'?") in found
    assert ("CSP103", 7, "missing required field 'amount' in lines[0]", None) in found


def test_savings_unknown_field_suggests_one_off(tmp_path: Path, data_copy: Path, edit: Edit) -> None:
    edit(data_copy / "savings.yaml", "one_off: 32000            # plan", "oneoff: 32000            # plan")
    _, findings = validate_plan(data_copy)
    assert any(f.code == "CSP102" and f.hint == "did you mean 'one_off'?" for f in findings)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        "kind: pressures\nyear: 2025-27\ndepartment: x\nunits: millions\nsource: s\n"
        "lines:\n  - id: P01\n    description: x\n    amount: -1\n    funding: ongoin\ntotal: yes\n"
    )
    found = findings_for(tmp_path, text)
    assert [(code, line) for code, line, _, _ in found] == [
        ("CSP107", 2),
        ("CSP106", 9),
        ("CSP104", 10),
        ("CSP105", 11),
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("kind: savings\n", "CSP103"),
        ("- a\n", "CSP007"),
        ("year: 2025-26\n", "CSP101"),
        ("kind: budgett\n", "CSP101"),
        (HEADER.replace("millions", "milions") + "lines: []\ntotal: 0\n", "CSP108"),
        (HEADER + "lines: []\ntotal: 1:30\n", "CSP105"),
        (HEADER + "lines: []\ntotal: 032000\n", "CSP105"),
        (HEADER + "lines:\n  - id: P01\n    description:\n    amount: 1\n    funding: ongoing\ntotal: 1\n", "CSP104"),
        (HEADER + "lines: {}\ntotal: 0\n", "CSP104"),
    ],
)
def test_bad_files_get_one_clear_finding(tmp_path: Path, text: str, code: str) -> None:
    found = findings_for(tmp_path, text)
    assert found and found[0][0] == code
    assert all(line is not None for _, line, _, _ in found)


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load_plan(tmp_path / "nowhere")


def test_empty_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no YAML files"):
        load_plan(tmp_path)


def test_data_folder_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from csplan.load import data_folder

    monkeypatch.setenv("CSPLAN_DATA", str(tmp_path))
    assert data_folder(None) == tmp_path
    assert data_folder("other") == Path("other")
    monkeypatch.delenv("CSPLAN_DATA")
    assert data_folder(None) == Path("data")


def test_large_files_are_validated_in_chunks_with_true_locations(
    data_copy: Path, edit: Edit, monkeypatch: pytest.MonkeyPatch
) -> None:
    from csplan import load

    monkeypatch.setattr(load, "CHUNK", 3)
    plan, findings = validate_plan(data_copy)
    assert findings == [] and [s.id for s in plan.savings()[1].lines] == [f"S{n:02d}" for n in range(1, 13)]
    edit(data_copy / "savings.yaml", "ongoing: 610000", "ongoing: abc")
    edit(data_copy / "savings.yaml", "ongoing: 60000", "ongoin: 60000")
    _, findings = validate_plan(data_copy / "savings.yaml")
    text = (data_copy / "savings.yaml").read_text().splitlines()
    assert [(f.code, text[f.line - 1].strip()) for f in findings] == [
        ("CSP105", "ongoing: abc"),
        ("CSP102", "ongoin: 60000"),
    ]


SAVINGS_HEADER = HEADER.replace("kind: pressures", "kind: savings").replace("millions", "pounds")
BUDGET_HEADER = HEADER.replace("kind: pressures", "kind: budget").replace("millions", "pounds")
NOT_A_PERIOD = "is not one of P01 (April) .. P12 (March)"
PERIOD_HINT = "write the period as P01..P12, two digits"


@pytest.mark.parametrize(
    ("written", "shown"), [("P13", "'P13'"), ("p06", "'p06'"), ("6", "6"), ("P6", "'P6'"), ("'06'", "'06'")]
)
def test_a_period_that_is_not_one_gets_csp401_naming_it(tmp_path: Path, written: str, shown: str) -> None:
    """Pydantic-core checks periods itself (a literal); the finding still names the
    value as written, with the hint, in a progress entry and as a forecast's key."""
    progress = "lines:\n  - id: S1\n    description: x\n    ongoing: 10\n    progress:\n"
    progress += f"      - {{period: {written}, forecast: 10}}\n"
    assert findings_for(tmp_path, SAVINGS_HEADER + progress) == [
        ("CSP401", 11, f"lines[0].progress[0].period: period {shown} {NOT_A_PERIOD}", PERIOD_HINT)
    ]
    budget = f"total: 10\nlines:\n  - id: B1\n    name: x\n    budget: 10\n    forecast: {{{written}: 10}}\n"
    [(code, line, message, hint)] = findings_for(tmp_path, BUDGET_HEADER + budget)
    assert (code, line, hint) == ("CSP401", 11, PERIOD_HINT)
    assert message.endswith(f"period {written.strip(chr(39))!r} {NOT_A_PERIOD}")  # a key is text
