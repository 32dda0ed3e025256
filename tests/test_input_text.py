"""Numbers and text in data files: huge, tiny, exponent and non-ASCII numbers, look-alike
ids and control characters are findings with a hint, never a crash; no output prints a
control character raw."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import EXAMPLES, Edit, FolderCopy
from csplan import validate_plan
from csplan.cli import app
from csplan.text import escape_controls, id_problem

runner = CliRunner()

COMMANDS = [
    ["validate"],
    ["savings", "status"],
    ["savings", "status", "--format", "json"],
    ["pressures"],
    ["budget", "variance"],
    ["measures"],
]


@pytest.fixture
def data(folder_copy: FolderCopy) -> Path:
    return folder_copy("illustrative")


def run(data: Path, *args: str):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["--data", str(data), *args])
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        f"{args}: {result.exception!r}"
    )
    return result


def codes(data: Path) -> list[tuple[str, str, str | None]]:
    return [(f.code, f.message, f.hint) for f in validate_plan(data)[1]]


# -- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("1e1000000", "1E+1000000 is written with an exponent"),  # was decimal.Overflow in every command
        ("1e-1000000", "1E-1000000 has more than 12 decimal places"),  # was a 1 MB message
        ("1.5e3", "1.5E+3 is written with an exponent"),
        ("2000000000000", "2000000000000 is implausibly large"),
        ('"£2,000bn"', "'£2,000bn' is £2,000,000,000,000, past £1 trillion"),
        ('"٣٠٠"', "'٣٠٠' is not an amount"),
        ('"６００"', "'６００' is not an amount"),
    ],
)
def test_amounts_past_sense_are_findings_in_every_command(data: Path, edit: Edit, written: str, message: str) -> None:
    edit(data / "pressures.yaml", "amount: 14.800", f"amount: {written}")
    found = [(code, text) for code, text, _ in codes(data) if code == "CSP105"]
    assert found and message in found[0][1]
    for command in COMMANDS:
        result = run(data, *command)
        assert result.exit_code == 1, (command, result.output)
        assert len(result.output) < 20_000


def test_non_ascii_digits_name_the_character(data: Path, edit: Edit) -> None:
    edit(data / "pressures.yaml", "amount: 14.800", 'amount: "٣٠٠"')
    [hint] = [hint for code, _, hint in codes(data) if code == "CSP105"]
    assert hint == "write the digits 0-9; '٣' is ARABIC-INDIC DIGIT THREE"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e1000000", "'1e1000000' is written with an exponent"),  # was a traceback
        ("1e-1000000", "'1e-1000000' is written with an exponent"),
        ("٣٠٠", "'٣٠٠' is not a number"),
        ("1" * 20, "is implausibly large"),
    ],
)
def test_measure_values_typed_are_refused_shortly(data: Path, value: str, message: str) -> None:
    before = (data / "measures.yaml").read_bytes()
    result = run(data, "measures", "update", "SO1-02", "--period", "P06", "--value", value)
    assert result.exit_code == 2 and message in result.stderr and len(result.stderr) < 500
    assert (data / "measures.yaml").read_bytes() == before


def test_measure_values_in_the_file_are_findings(data: Path, edit: Edit) -> None:
    edit(data / "measures.yaml", "value: 66.4", "value: 1e1000000")
    assert [(c, m) for c, m, _ in codes(data)] == [
        ("CSP406", "objectives[0].measures[2].progress[0].value: 1E+1000000 is written with an exponent")
    ]
    assert run(data, "measures").exit_code == 1


@pytest.mark.parametrize("amount", ["٣٠٠", "６００", "1e6", "1e1000000"])
def test_typed_amounts_refuse_exponents_and_other_digits(data: Path, amount: str) -> None:
    result = run(data, "savings", "update", "S06", "--period", "P07", "--forecast", amount)
    assert result.exit_code == 2 and "is not an amount" in result.stderr, result.output


@pytest.mark.parametrize("period", ["P٠٦", "P０６", "６", "٦"])
def test_periods_take_only_ascii_digits(data: Path, period: str) -> None:
    result = run(data, "savings", "update", "S06", "--period", period, "--forecast", "1")
    assert result.exit_code == 2 and "is not one of P01" in result.stderr, result.output
    assert run(data, "savings", "status", "--period", period).exit_code == 2


# -- ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ('"\\u0405\\u0030\\u0031"', "'Ѕ' is U+0405 CYRILLIC CAPITAL LETTER DZE, not a plain letter or digit"),
        ('"S01 "', "remove the space at the end of the id"),
        ('"S01\\u200b"', "remove the invisible U+200B ZERO WIDTH SPACE"),
        ('"S\\u200d01"', "remove the invisible U+200D ZERO WIDTH JOINER"),
        ('"S.01"', "'.' (U+002E FULL STOP) is not allowed"),
    ],
)
def test_ids_that_only_look_plain_are_findings(data: Path, edit: Edit, written: str, hint: str) -> None:
    edit(data / "savings.yaml", "- id: S01\n", f"- id: {written}\n")
    found = [(message, found_hint) for code, message, found_hint in codes(data) if code == "CSP110"]
    assert len(found) == 1 and found[0][1] is not None and hint in found[0][1], found
    assert "is not plain letters, digits, '-' and '_'" in found[0][0]


def test_ids_of_every_kind_are_checked(data: Path, edit: Edit) -> None:
    edit(data / "measures.yaml", "- id: SO1-02\n", '- id: "SO1-02 "\n')
    edit(data / "pressures.yaml", "- id: P01\n", '- id: "Р01"\n')  # Cyrillic Er
    assert sorted(code for code, _, _ in codes(data)) == ["CSP110", "CSP110"]


def test_plain_ids_pass() -> None:
    assert id_problem("SO1-02") is None and id_problem("ehs_2") is None


# -- control characters ------------------------------------------------------------------


ESCAPES = '"Review \\e[2J\\e]8;;http://example.invalid\\a QA model \\u202e"'


def test_control_characters_are_findings_and_never_printed_raw(data: Path, edit: Edit, tmp_path: Path) -> None:
    edit(data / "savings.yaml", "description: Review Quality Assurance model", f"description: {ESCAPES}")
    found = [(message, hint) for code, message, hint in codes(data) if code == "CSP111"]
    assert found == [
        (
            "'Review \\x1b[2J\\x1b]8;;http://example.invalid\\x07 QA model \\u202e' holds a control character",
            "U+001B ESCAPE is a control character, not text; delete it (retype the text if unsure)",
        )
    ]
    outputs = [
        *(["savings", "status", "--format", form] for form in ("table", "json", "csv", "markdown")),
        ["validate"],
        ["validate", "--format", "github"],
        ["validate", "--format", "json"],
        ["savings", "status", "--period", "P06"],
    ]
    for command in outputs:
        result = run(data, *command)
        assert result.exit_code == 1, (command, result.output)
        for char in ("\x1b", "\x07", "\u202e"):
            assert char not in result.output, (command, char, result.output)
    report = tmp_path / "r.html"
    run(data, "report", "-o", str(report))
    assert "\x1b" not in report.read_text(encoding="utf-8")
    book = tmp_path / "x.xlsx"
    run(data, "export", str(book))  # was an IllegalCharacterError traceback
    cells = [c.value for row in load_workbook(book)["Savings"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(value.startswith("Review \\x1b[2J") for value in cells)
    template = tmp_path / "returns.xlsx"
    run(data, "savings", "template", "--period", "P07", "-o", str(template))  # was IllegalCharacterError too
    texts = [c.value for sheet in load_workbook(template) for row in sheet.iter_rows() for c in row]
    assert any(isinstance(value, str) and value.startswith("Review \\x1b[2J") for value in texts)


def test_keys_with_control_characters_are_found_too(data: Path, edit: Edit) -> None:
    edit(data / "savings.yaml", "description: Review Quality Assurance model", '"descr\\eiption": x')
    result = run(data, "validate")
    assert "\x1b" not in result.output and "descr\\x1biption" in result.output


def test_error_messages_escape_what_was_typed(data: Path) -> None:
    result = run(data, "savings", "update", "S\x1b[2J06", "--period", "P06", "--forecast", "1")
    assert result.exit_code == 2 and "\x1b" not in result.output


def test_escape_controls_keeps_tabs_newlines_and_letters() -> None:
    assert escape_controls("a\tb\nc Ѕ £") == "a\tb\nc Ѕ £"
    assert escape_controls("\x1b[31m\r\x9b\u2066") == "\\x1b[31m\\x0d\\x9b\\u2066"


def test_a_huge_saving_breaks_no_command(data: Path, edit: Edit, tmp_path: Path) -> None:
    # the case: ongoing: 1e1000000 crashed every command with decimal.Overflow
    text = (data / "savings.yaml").read_text(encoding="utf-8")
    (data / "savings.yaml").write_text(text.replace("ongoing: 0", "ongoing: 1e1000000", 1), encoding="utf-8")
    for command in [
        *COMMANDS,
        ["savings", "programme"],
        ["report", "-o", str(tmp_path / "r.html")],
        ["export", str(tmp_path / "x.xlsx")],
        ["diff", str(EXAMPLES / "illustrative"), str(data)],
        ["savings", "update", "S02", "--period", "P07", "--forecast", "1"],
    ]:
        result = run(data, *command)
        assert result.exit_code == 1, (command, result.output)
        assert "written with an exponent" in result.output or "does not validate" in result.output, command
