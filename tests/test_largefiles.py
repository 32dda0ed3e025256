"""The paths large files take: the fast reader, chunks, and marks found on demand.

Thresholds are lowered so that small generated files take the large-file paths.
"""

from __future__ import annotations

import re
import sys
import weakref
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import csplan.position
from conftest import ROOT
from csplan import load, validate_plan, yamlsource
from csplan.cli import app
from csplan.findings import Finding
from csplan.load import watching_lines
from csplan.models import SavingsFile, SavingsSettings
from csplan.position import SavingsView, position
from csplan.render.jsonout import dumps
from csplan.render.savings import as_data
from csplan.savings import StatusesAsRead, savings_report

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import write_folder

COUNT = 30


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    folder = tmp_path / "gen"
    write_folder(folder, COUNT)
    return folder


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsource, "FAST_TEXT", 0)
    monkeypatch.setattr(yamlsource, "CHUNKED_TEXT", 0)
    monkeypatch.setattr(yamlsource, "CHUNK_ITEMS", 7)
    monkeypatch.setattr(yamlsource, "SMALL_TEXT", 0)
    monkeypatch.setattr(load, "CHUNK", 5)


def test_generator_output_validates(generated: Path) -> None:
    result = CliRunner().invoke(app, ["--data", str(generated), "validate"])
    assert result.exit_code == 0, result.output
    assert f"{COUNT} savings" in result.stdout


def test_fast_chunked_reading_gives_the_same_models(generated: Path, large: None) -> None:
    fast_plan, findings = validate_plan(generated)
    assert findings == []
    fast_doc = fast_plan.savings()
    assert fast_doc is not None and fast_doc[0].source.fast
    assert isinstance(
        yamlsource.parse_text((generated / "savings.yaml").read_text(), "s")[0].data["lines"], yamlsource.ChunkedLines
    )
    yamlsource.FAST_TEXT = 10**12  # restored by monkeypatch
    careful_plan, _ = validate_plan(generated)
    careful_doc = careful_plan.savings()
    assert careful_doc is not None and not careful_doc[0].source.fast
    assert fast_doc[1] == careful_doc[1]


def spoil_ongoing(path: Path, text: str, index: int) -> tuple[Finding, int]:
    """Write ``text`` to ``path`` with the ``ongoing:`` of saving ``index`` spoilt (a
    letter O for a zero); the one finding it gives, and the spoilt line's number."""
    lines = text.splitlines(keepends=True)
    target = [i for i, line in enumerate(lines) if line.strip().startswith("ongoing:")][index]
    lines[target] = "    ongoing: 12O00\n"
    path.write_text("".join(lines))
    _, findings = validate_plan(path)
    [finding] = findings
    return finding, target + 1


def test_a_corrupted_line_is_reported_at_its_line(generated: Path, large: None) -> None:
    path = generated / "savings.yaml"
    finding, line = spoil_ongoing(path, path.read_text(), 23)
    assert (finding.code, finding.line, finding.column) == ("CSP105", line, 14)
    assert finding.message == "lines[23].ongoing: '12O00' is not an amount"


def test_marks_inside_an_item_of_a_large_file(generated: Path, large: None) -> None:
    path = generated / "savings.yaml"
    text = path.read_text()
    source, _ = yamlsource.parse_text(text, str(path))
    assert source is not None
    lines = text.splitlines()
    line, column = source.locate(("lines", 17, "progress", 4, "forecast"))
    assert lines[line - 1].startswith("      - {period: P05, forecast:")
    assert column == lines[line - 1].index("forecast: ") + len("forecast: ") + 1
    line, _ = source.locate(("totals", "total"))
    assert lines[line - 1].startswith("  total: ")
    line, column = source.locate(("lines", 3, "one_off"), key=True)
    assert lines[line - 1].startswith("    one_off:") and column == 5
    assert lines[line - 2].startswith("    ongoing:")  # the item's own line, not a neighbour's


def test_exponents_are_read_again_exactly(tmp_path: Path, large: None) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("kind: budget\nyear: 2025-26\ndepartment: x\nunits: pounds\nsource: s\ntotal: 1e3\n")
    _, findings = validate_plan(path)
    # the careful reading won (the fast reader's float 1000.0 would pass), and money
    # is never written with an exponent
    assert [(f.code, f.message) for f in findings] == [("CSP105", "total: 1E+3 is written with an exponent")]


def test_leading_zero_is_never_read_fast(tmp_path: Path, large: None) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("kind: budget\nyear: 2025-26\ndepartment: x\nunits: pounds\nsource: s\ntotal: 032000\n")
    _, findings = validate_plan(path)
    assert [f.code for f in findings] == ["CSP105"]


def test_a_syntax_error_in_a_later_chunk_is_explained_carefully(generated: Path, large: None) -> None:
    path = generated / "savings.yaml"
    lines = path.read_text().splitlines(keepends=True)
    target = [i for i, line in enumerate(lines) if line.strip().startswith("description:")][25]
    lines[target] = lines[target].rstrip("\n") + ": broken\n"
    path.write_text("".join(lines))
    source, findings = yamlsource.parse_text(path.read_text(), str(path))
    assert source is not None and isinstance(source.data["lines"], yamlsource.ChunkedLines)  # lazily, so far
    _, findings = validate_plan(path)
    [finding] = findings
    assert (finding.code, finding.line) == ("CSP001", target + 1)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_chunks_are_read_one_ahead_in_order(generated: Path, large: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next chunk is read on a second thread while the caller holds the current
    one: the items come in file order, and never more than one chunk is read ahead
    (the raw data of a large file is never all in memory)."""
    source, _ = yamlsource.parse_text((generated / "savings.yaml").read_text(), "s")
    assert source is not None
    lines = source.data["lines"]
    assert isinstance(lines, yamlsource.ChunkedLines)
    reads: list[int] = []
    real = yamlsource.yaml_rs.loads

    def counted(text: str, **options: object) -> object:
        reads.append(len(text))
        return real(text, **options)

    monkeypatch.setattr(yamlsource.yaml_rs, "loads", counted)
    ids: list[str] = []
    for index, chunk in enumerate(lines.chunks()):
        assert len(reads) <= index + 2  # this chunk, and at most the next
        ids.extend(item["id"] for item in chunk)
    assert len(reads) == len(lines.cuts) - 1 > 2
    assert ids == [f"S{n:06d}" for n in range(1, COUNT + 1)]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_an_escaped_control_character_in_a_fast_read_ascii_file_is_found(
    generated: Path, large: None, newline: str
) -> None:
    """checks.check_control_characters skips its walk of an ASCII text with no
    backslash: the escape that makes a control is never missed."""
    path = generated / "savings.yaml"
    lines = path.read_text().splitlines(keepends=True)
    target = [i for i, line in enumerate(lines) if line.strip().startswith("description:")][23]
    lines[target] = '    description: "Generated \\e[2J saving 24"\n'
    path.write_bytes("".join(lines).replace("\n", newline).encode())
    plan, findings = validate_plan(path)
    found = plan.savings()
    assert found is not None and found[0].source.fast and found[0].source.text.isascii()
    [finding] = findings
    assert (finding.code, finding.line, finding.column) == ("CSP111", target + 1, 18)
    assert finding.message == "'Generated \\x1b[2J saving 24' holds a control character"


@pytest.mark.parametrize("char", ["\x1b", "\x07", "\x7f", "\x00", "\x9b", "\x80"])
@pytest.mark.parametrize("size", ["small", "large"])
@pytest.mark.parametrize("elsewhere", ["Generated saving 2", "Saving £2 – ‘two’"])
def test_a_raw_control_character_is_refused_by_both_readers(
    generated: Path, monkeypatch: pytest.MonkeyPatch, char: str, size: str, elsewhere: str
) -> None:
    """What lets check_control_characters look for no more than a backslash, or in a
    text that is not ASCII a bidirectional control: a raw C0 or C1 control never
    reaches the data (in an ASCII text, or one with £ or curly quotes)."""
    if size == "large":
        monkeypatch.setattr(yamlsource, "FAST_TEXT", 0)
        monkeypatch.setattr(yamlsource, "CHUNKED_TEXT", 0)
        monkeypatch.setattr(yamlsource, "SMALL_TEXT", 0)
    path = generated / "savings.yaml"
    lines = path.read_text().replace("Generated saving 2\n", elsewhere + "\n", 1).splitlines(keepends=True)
    target = [i for i, line in enumerate(lines) if line.strip().startswith("description:")][23]
    lines[target] = f"    description: Generated{char} saving 24\n"
    path.write_text("".join(lines))
    plan, findings = validate_plan(path)
    assert plan.documents == []
    assert [(f.code, f.line) for f in findings] == [("CSP001", target + 1)]


@pytest.mark.parametrize("quoted", [False, True])
def test_a_raw_bidirectional_control_in_a_fast_read_file_is_found(generated: Path, large: None, quoted: bool) -> None:
    """The controls YAML lets through raw (U+202E here) are still found in a text that
    is not ASCII, at their line, on the fast path."""
    path = generated / "savings.yaml"
    lines = path.read_text().splitlines(keepends=True)
    target = [i for i, line in enumerate(lines) if line.strip().startswith("description:")][23]
    written = "Saving £24 \u202eowt"
    lines[target] = f"    description: {chr(39) + written + chr(39) if quoted else written}\n"
    path.write_text("".join(lines))
    plan, findings = validate_plan(path)
    found = plan.savings()
    assert found is not None and found[0].source.fast and "\\" not in found[0].source.text
    [finding] = findings
    assert (finding.code, finding.line) == ("CSP111", target + 1)
    assert finding.message == "'Saving £24 \\u202eowt' holds a control character"


def test_a_next_line_character_is_read_as_a_line_break() -> None:
    """U+0085 NEXT LINE, a C1 control the careful reader accepts, is a line break to
    it (never left in the data); the fast path refuses it."""
    source, _ = yamlsource.parse_text('a: "x\x85y £"\n', "t")
    assert source is not None and source.data == {"a": "x y £"}
    assert not yamlsource.fast_path_safe('a: "x\x85y £"\n')


@pytest.mark.parametrize("between", ["\n", "  # the savings\n"])
def test_a_line_before_the_first_item_leaves_finding_places_right(generated: Path, large: None, between: str) -> None:
    """lines_block once listed the first item twice when a blank or comment line came
    between 'lines:' and it, so a finding in lines[n] was placed in lines[n-1]."""
    path = generated / "savings.yaml"
    text = path.read_text().replace("lines:\n", "lines:\n" + between, 1)
    block = yamlsource.lines_block(text)
    assert block is not None and len(block.items) == COUNT
    finding, line = spoil_ongoing(path, text, 23)
    assert (finding.code, finding.line, finding.column) == ("CSP105", line, 14)


def test_windows_line_endings_take_the_chunked_path_and_leave_no_carriage_return(generated: Path, large: None) -> None:
    """A file saved with CRLF line endings is read in chunks like any other (it once
    took the whole-file path), and its data hold no carriage return: so
    check_control_characters has nothing to look for in an ASCII one (it once read
    a 100,000-saving file again, carefully: 14 s and 1 GB)."""
    path = generated / "savings.yaml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    source, _ = yamlsource.parse_text(path.read_bytes().decode(), str(path))
    assert source is not None and source.fast and isinstance(source.data["lines"], yamlsource.ChunkedLines)
    plan, findings = validate_plan(path)
    assert findings == []
    found = plan.savings()
    assert found is not None
    texts = [s.description for s in found[1].lines]
    assert len(texts) == COUNT and not any("\r" in text for text in texts)
    yamlsource.FAST_TEXT = 10**12  # restored by monkeypatch: the careful path normalises CR too
    careful_plan, careful_findings = validate_plan(path)
    careful = careful_plan.savings()
    assert careful_findings == [] and careful is not None and careful[1] == found[1]


class _Counted(StatusesAsRead):
    """StatusesAsRead that counts the statuses it hands over."""

    handed = 0

    def take(self, savings: SavingsFile, period: str | None, since: str | None = None) -> Any:
        found = super().take(savings, period, since)
        self.handed += len(found.statuses) if found else 0
        return found


@pytest.mark.parametrize("example", ["illustrative", "year-end", "published", "generated"])
@pytest.mark.parametrize(
    ("period", "view"),
    [
        (None, SavingsView()),
        ("P03", SavingsView()),
        ("P09", SavingsView(since="P04")),
        (None, SavingsView(rags=("red", "amber"), sort="variance")),
    ],
)
def test_statuses_worked_out_as_a_file_loads_are_the_report_s_own(
    example: str, period: str | None, view: SavingsView, generated: Path, large: None
) -> None:
    # Mitigations, officer RAGs, pence, amounts alone, reversals and a year with
    # savings not reported: each status made chunk by chunk while the file loads is
    # the status the report would make, and the report is the same to the byte.
    folder = generated if example == "generated" else ROOT / "examples" / example
    if example == "generated":  # one saving given as an amount alone: the columns' totals mean nothing
        savings = folder / "savings.yaml"
        text = re.sub(r"    ongoing: (\d+)\n    one_off: 0\n", r"    amount: \1\n", savings.read_text(), count=1)
        savings.write_text(text[: text.index("totals:")])
    plan, _ = validate_plan(folder)
    years = sorted({document.year for document in plan.of_kind("savings")})
    assert years
    for year in years:  # year-end: the closed year's mitigations, the next year's slippage
        read = _Counted(period, view.since, year)
        with watching_lines(read):
            plan, _ = validate_plan(folder)
        found = plan.savings(year)
        assert found is not None
        streamed = position(plan, year, period, view=view, read=read).savings
        assert read.handed == len(found[1].lines)  # the statuses were made as the file loaded
        assert example != "generated" or not found[1].lines[0].split_known
        fresh = position(plan, year, period, view=view).savings
        assert streamed is not None and fresh is not None
        assert streamed == fresh  # every status, total and count
        assert dumps(as_data(streamed)) == dumps(as_data(fresh))


def _two_loads(generated: Path, read: StatusesAsRead) -> tuple[SavingsFile, SavingsFile]:
    with watching_lines(read):
        plan, _ = validate_plan(generated)
        again, _ = validate_plan(generated)  # equal records, other objects
    first, second = plan.savings(), again.savings()
    assert first is not None and second is not None and first[1] == second[1]
    return first[1], second[1]


def test_statuses_are_handed_over_only_for_the_very_savings_loaded(generated: Path, large: None) -> None:
    for pick in (0, 1):  # the first load's or the later one's: each gets its own
        read = StatusesAsRead(None)
        loads = _two_loads(generated, read)
        assert len(read) == 2 * COUNT
        taken = read.take(loads[pick], None)
        assert taken is not None and len(taken.statuses) == COUNT
        assert all(older is saving.progress[-2] for older, saving in zip(taken.earlier, loads[pick].lines, strict=True))
        assert len(read) == 0 and read.take(loads[pick], None) is None  # one report: the rest is let go
    refused = [
        (StatusesAsRead(None), lambda model: (model, "P06", None)),  # made as at the latest return, not P06
        (StatusesAsRead(None), lambda model: (model, None, "P03")),  # compared with the previous period, not P03
        (StatusesAsRead("P04"), lambda model: (model, None, None)),
        (StatusesAsRead(None), lambda model: (model.model_copy(update={"settings": SavingsSettings()}), None, None)),
    ]
    for read, asked in refused:
        first, _ = _two_loads(generated, read)
        assert read.take(*asked(first)) is None
    mixed = StatusesAsRead(None)
    first, second = _two_loads(generated, StatusesAsRead(None))
    mixed(first, list(second.lines))  # the same head and settings, equal savings: not these
    assert mixed.take(first, None) is None
    unmoved = StatusesAsRead(None)
    first, _ = _two_loads(generated, unmoved)  # a report without movement takes no statuses compared as they loaded
    assert savings_report(first, movement=False, read=unmoved) == savings_report(first, movement=False)


def test_only_the_year_asked_for_is_worked_out(large: None) -> None:
    read = StatusesAsRead(None, None, "2026-27")
    with watching_lines(read):
        plan, _ = validate_plan(ROOT / "examples" / "year-end")
    later = plan.savings("2026-27")
    assert later is not None and len(read) == len(later[1].lines) and plan.savings("2025-26") is not None


@pytest.mark.parametrize("options", [[], ["--since", "P03"], ["--period", "P04", "--rag", "red"]])
def test_savings_status_works_the_statuses_out_as_the_file_loads(
    generated: Path, large: None, monkeypatch: pytest.MonkeyPatch, options: list[str]
) -> None:
    reads: list[weakref.ref[StatusesAsRead]] = []
    handed: list[int] = []

    class Watched(StatusesAsRead):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            reads.append(weakref.ref(self))

        def take(self, savings: SavingsFile, period: str | None, since: str | None = None) -> Any:
            found = super().take(savings, period, since)
            handed.append(len(found.statuses) if found else 0)
            return found

    monkeypatch.setattr(csplan.position, "StatusesAsRead", Watched)
    result = CliRunner().invoke(app, ["--data", str(generated), "savings", "status", "--format", "json", *options])
    assert result.exit_code == 0, result.output
    assert handed == [COUNT]  # made as the file loaded, with the command's period and --since
    assert len(reads) == 1 and reads[0]() is None  # and let go with the command's report
    monkeypatch.setattr(csplan.position, "StatusesAsRead", lambda *args: StatusesAsRead("P01", "P01"))  # never matches
    fresh = CliRunner().invoke(app, ["--data", str(generated), "savings", "status", "--format", "json", *options])
    assert fresh.stdout == result.stdout


def test_a_file_that_fails_to_load_gives_no_report(generated: Path, large: None) -> None:
    savings = generated / "savings.yaml"
    savings.write_text(savings.read_text().replace("forecast: ", "forecast: x", 1))
    read = _Counted(None)
    with watching_lines(read):
        plan, findings = validate_plan(generated)
    assert any(f.code == "CSP105" for f in findings) and plan.savings() is None
    result = CliRunner().invoke(app, ["--data", str(generated), "savings", "status", "--format", "json"])
    assert result.exit_code == 1 and "no valid savings file" in result.output


@pytest.mark.parametrize("last", ["P06", "P01"])
def test_a_later_period_first_seen_in_a_later_chunk_puts_the_earlier_chunks_right(
    generated: Path, large: None, last: str
) -> None:
    # The chunks are compared as at the latest period seen so far. Here only the last
    # saving has returns past P03 (P06), or every saving has P01 alone (no movement),
    # so the first chunks are compared as at a period the file is not reported to.
    savings = generated / "savings.yaml"
    kept, saving = [], ""
    for line in savings.read_text().splitlines(keepends=True):
        saving = line.split("id: ")[1].strip() if "- id: " in line else saving
        month = line.split("period: P")[1][:2] if "period: P" in line else "00"
        if month <= ("01" if last == "P01" else "03") or (last == "P06" and saving == f"S{COUNT:06d}"):
            kept.append(line)
    savings.write_text("".join(kept))
    read = StatusesAsRead(None)
    with watching_lines(read):
        plan, findings = validate_plan(generated)
    assert findings == []
    found = plan.savings()
    assert found is not None
    streamed = savings_report(found[1], read=read)
    assert read.take(found[1], None) is None  # it was used
    fresh = savings_report(found[1])
    assert streamed == fresh
    assert (fresh.movement is None) == (last == "P01")
    if last == "P06":  # the others did not report at P06: their own P03 stands, counted apart
        assert fresh.movement is not None and fresh.movement.since == "P05"
        assert (fresh.movement.compared, fresh.movement.no_return, fresh.movement.period) == (1, COUNT - 1, "P06")
