"""Editing a return keeps what was not given, and keeps the file byte for byte outside
the item changed (issue 13, items 2 and 11)."""

from __future__ import annotations

import difflib
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import FolderCopy, csplan
from csplan import validate_plan
from csplan.edit import list_item_spans, unified_diff

runner = CliRunner()


def progress(data: Path, saving_id: str) -> list[dict[str, object]]:
    plan, findings = validate_plan(data)
    assert [f for f in findings if f.severity == "error"] == []
    found = plan.savings()
    assert found is not None
    [saving] = [s for s in found[1].lines if s.id == saving_id]
    return [
        {k: v for k, v in (("period", p.period), ("forecast", p.forecast), ("delivered", p.delivered),
                           ("rag", p.rag), ("note", p.note)) if v is not None}
        for p in saving.progress
    ]  # fmt: skip


# -- keeping what was not given --------------------------------------------------------------


def test_replacing_a_return_keeps_the_fields_not_given(data_copy: Path) -> None:
    """Before: --forecast alone on a recorded P06 silently dropped delivered, rag and note."""
    first = csplan(data_copy, "savings", "update", "S07", "-p", "P06", "--forecast", "380000",
                "--delivered", "100000", "--rag", "amber", "--note", "Slipped a term")  # fmt: skip
    assert first.exit_code == 0, first.output
    result = csplan(data_copy, "savings", "update", "S07", "--period", "P06", "--forecast", "420000")
    assert result.exit_code == 0, result.output
    assert progress(data_copy, "S07") == [
        {"period": "P06", "forecast": 420000, "delivered": 100000, "rag": "amber", "note": "Slipped a term"}
    ]
    assert "savings.yaml: changed S07 P06: forecast £380,000 -> £420,000; kept delivered, rag, note\n" in result.stdout


def test_clearing_is_explicit_and_said(data_copy: Path) -> None:
    csplan(data_copy, "savings", "update", "S07", "-p", "P06", "--forecast", "380000", "--rag", "amber", "--note", "n")
    result = csplan(data_copy, "savings", "update", "S07", "-p", "P06", "--clear", "note", "--delivered", "5000")
    assert result.exit_code == 0, result.output
    assert progress(data_copy, "S07") == [{"period": "P06", "forecast": 380000, "delivered": 5000, "rag": "amber"}]
    assert "changed S07 P06: delivered £5,000 added; kept forecast, rag; cleared note" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-p", "P06", "--note", "x", "--clear", "note"], "--note and --clear note together"),
        (["-p", "P07", "--note", "x"], "S07 has no return for P07 yet: give its --forecast"),
        (["-p", "P06", "--clear", "forecast"], "'forecast' is not one of"),
    ],
)
def test_refused_changes_write_nothing(data_copy: Path, args: list[str], message: str) -> None:
    csplan(data_copy, "savings", "update", "S07", "-p", "P06", "--forecast", "380000")
    before = (data_copy / "savings.yaml").read_bytes()
    result = csplan(data_copy, "savings", "update", "S07", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert (data_copy / "savings.yaml").read_bytes() == before


def test_an_import_keeps_what_its_blank_cells_do_not_give(data_copy: Path, tmp_path: Path) -> None:
    csplan(
        data_copy, "savings", "update", "S01", "-p", "P06", "--forecast", "1000", "--delivered", "500", "--note", "n"
    )
    sheet = tmp_path / "returns.csv"
    sheet.write_text("id,period,forecast,delivered,note\nS01,P06,2000,,\nS02,P06,3000,,\n", encoding="utf-8")
    result = csplan(data_copy, "savings", "import", str(sheet))
    assert result.exit_code == 0, result.output
    assert progress(data_copy, "S01") == [{"period": "P06", "forecast": 2000, "delivered": 500, "note": "n"}]
    assert "changed S01 P06: forecast £1,000 -> £2,000; kept delivered, note" in result.stdout


def test_measures_update_keeps_the_note_unless_cleared(data_copy: Path) -> None:
    """Before: a second value for the period dropped its note."""
    assert csplan(data_copy, "measures", "update", "SO1-03", "-p", "Q1", "--value", "50", "--note", "n").exit_code == 0
    result = csplan(data_copy, "measures", "update", "SO1-03", "-p", "Q1", "--value", "55")
    assert result.exit_code == 0, result.output
    assert "changed SO1-03 Q1: value 50 -> 55; kept note" in result.stdout
    assert "note: n\n" in (data_copy / "measures.yaml").read_text(encoding="utf-8")
    result = csplan(data_copy, "measures", "update", "SO1-03", "-p", "Q1", "--value", "55", "--clear", "note")
    assert result.exit_code == 0, result.output
    assert "changed SO1-03 Q1: kept value; cleared note" in result.stdout
    assert "note: n\n" not in (data_copy / "measures.yaml").read_text(encoding="utf-8")


# -- byte for byte outside the item changed --------------------------------------------------


def savings_text(count: int, newline: str = "\n") -> str:
    """A savings file with the layouts people write: comments between and inside items,
    flow-style and block-style returns, quoting, blank lines, odd spacing."""
    lines = ["# a header comment", "kind: savings", "year: 2025-26", "department: Test", "units: pounds",
             "source: 'tests'", "lines:"]  # fmt: skip
    for n in range(1, count + 1):
        lines += [f"  # -- saving {n} --", f"  - id: S{n:03d}", f'    description: "Saving {n}: \'quoted\'"',
                  f"    ongoing:   {n * 1000}     # spaced", "    one_off: 0"]  # fmt: skip
        if n % 3 == 0:
            lines += ["    progress:", f"      - {{period: P01, forecast: {n * 1000}, delivered: 0}}"]
        if n % 3 == 1:
            lines += ["    progress:", "      - period: P01", f"        forecast: {n * 900}", "        note: >-",
                      "          folded text", "          over lines"]  # fmt: skip
        lines.append("")
    total = sum(n * 1000 for n in range(1, count + 1))
    lines += ["totals:", f"  ongoing: {total}", "  one_off: 0", f"  total: {total}  # stated", ""]
    return newline.join(lines)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("saving", [1, 2, 3, 150, 299, 300])
def test_only_the_changed_saving_changes_byte_for_byte(tmp_path: Path, newline: str, saving: int) -> None:
    path = tmp_path / "savings.yaml"
    old = savings_text(300, newline).encode()
    path.write_bytes(old)
    result = csplan(
        tmp_path, "savings", "update", f"S{saving:03d}", "-p", "P02", "--forecast", "7", "--note", "x", "--yes"
    )
    assert result.exit_code == 0, result.output
    new = path.read_bytes()
    start = old.index(f"  - id: S{saving:03d}".encode())
    following = old.find(f"  # -- saving {saving + 1} --".encode())  # the next item's comment stays with it
    end = following if following != -1 else old.index(b"totals:")
    end -= len(newline)  # and so does the blank line before it
    assert new[:start] == old[:start]
    assert new.endswith(old[end:])
    changed = new[start : len(new) - (len(old) - end)]
    assert changed.count(b"\n") == changed.count(newline.encode())
    assert b"period: P02" in changed and b"note: x" in changed
    assert changed.startswith(old[start : old.index(b"progress:" if saving % 3 != 2 else b"one_off", start)])


def test_mixed_line_endings_stay_as_they_were_outside_the_saving(tmp_path: Path) -> None:
    lines = savings_text(20).split("\n")
    mixed = "".join(line + ("\r\n" if i % 2 else "\n") for i, line in enumerate(lines[:-1]))
    path = tmp_path / "savings.yaml"
    path.write_bytes(mixed.encode())
    assert csplan(tmp_path, "savings", "update", "S010", "-p", "P02", "--forecast", "7", "--yes").exit_code == 0
    new = path.read_bytes().decode()
    start, end = mixed.index("  - id: S010"), mixed.index("  # -- saving 11")
    assert new.startswith(mixed[:start]) and new.endswith(mixed[end:])


def test_a_flow_style_list_is_still_edited_safely(tmp_path: Path) -> None:
    """No item lines to cut: the whole file is round-tripped, changes confined to the item."""
    text = (
        "kind: savings\nyear: 2025-26\ndepartment: T\nunits: pounds\nsource: t\n"
        "lines: [{id: S1, description: a, ongoing: 10, one_off: 0}, {id: S2, description: b, ongoing: 5, one_off: 0}]\n"
    )
    assert list_item_spans(text, "lines") is None
    (tmp_path / "savings.yaml").write_text(text, encoding="utf-8")
    result = csplan(tmp_path, "savings", "update", "S2", "-p", "P01", "--forecast", "5")
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 0:
        assert progress(tmp_path, "S2") == [{"period": "P01", "forecast": 5}]
    else:
        assert "nothing was written" in result.output
        assert (tmp_path / "savings.yaml").read_text(encoding="utf-8") == text


def test_item_spans_cut_at_items_and_the_next_key() -> None:
    text = savings_text(5)
    spans = list_item_spans(text, "lines")
    assert spans is not None and len(spans) == 5
    assert text[spans[0][0] :].startswith("  - id: S001")
    assert text[spans[-1][1] :].startswith("totals:")
    assert "# -- saving 2 --" in text[spans[0][0] : spans[0][1]]  # a comment goes with the item before it


def test_the_fast_unified_diff_is_difflibs() -> None:
    chance = random.Random(13)
    for round_ in range(300):
        old = [f"line {i}\n" for i in range(chance.randint(0, 40))]
        new = list(old)
        for _ in range(chance.randint(0, 3)):
            at = chance.randint(0, len(new))
            kind = chance.choice("adc")
            if kind == "a":
                new.insert(at, f"new {round_}\n")
            elif at < len(new):
                new[at : at + 1] = [] if kind == "d" else [f"changed {round_}\n"]
        want = difflib.unified_diff(old, new, fromfile="a/f", tofile="b/f")
        assert unified_diff("".join(old), "".join(new), "f") == "".join(want)


def test_the_quick_recheck_makes_the_model_a_full_read_makes(tmp_path: Path) -> None:
    """recheck reads only the changed items of a large file: the model must be the one
    reading the whole new file gives."""
    from csplan.edit import _rebuilt
    from csplan.load import build_document, load_plan
    from csplan.savings_edit import Return, prepare_returns
    from csplan.yamlsource import parse_text

    (tmp_path / "savings.yaml").write_text(savings_text(60), encoding="utf-8")
    plan, _ = load_plan(tmp_path)
    [before] = plan.documents
    returns = [("", Return(s, "P03", "1000", "400", "red", "n")) for s in ("S001", "S030", "S060")]
    new_text = prepare_returns(tmp_path, returns).new_text
    source, _ = parse_text(new_text, before.path)
    assert source is not None
    full, _ = build_document(source)
    assert full is not None and full.model != before.model
    quick = _rebuilt(before, new_text, "lines", [0, 29, 59])
    assert quick is not None and quick.model == full.model


# -- what an edit that is not written says --------------------------------------------------


def test_a_quarter_ending_with_a_recorded_month_is_refused_up_front(data_copy: Path) -> None:
    """Before: Q2 after P06 was refused with CSP402 at a line of the unwritten file."""
    assert csplan(data_copy, "measures", "update", "SO2-04", "-p", "P06", "--value", "50").exit_code == 0
    before = (data_copy / "measures.yaml").read_bytes()
    result = csplan(data_copy, "measures", "update", "SO2-04", "-p", "Q2", "--value", "58")
    assert result.exit_code == 2
    assert "SO2-04 already has a value for P06, which ends when Q2 does" in result.output
    assert (data_copy / "measures.yaml").read_bytes() == before


def test_a_dry_run_names_lines_of_the_file_on_disk(data_copy: Path) -> None:
    """The edit is not written, so its warnings point into the file as it is, and an
    absolute path reads a/tmp/..., as git writes it, not a//tmp/..."""
    result = csplan(data_copy, "savings", "update", "S06", "-p", "P06", "--forecast", "600000", "--rag", "green",
                 "--dry-run")  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = (data_copy / "savings.yaml").read_text(encoding="utf-8").splitlines()
    s07 = lines.index("  - id: S07") + 1  # the return goes just before S07
    assert f"savings.yaml:{s07}: warning CSP404 S06 P06 says green" in result.stderr
    assert f"--- a/{str(data_copy).lstrip('/')}/savings.yaml\n" in result.stdout


def test_findings_of_an_edited_text_are_placed_in_the_file_on_disk() -> None:
    from csplan.edit import on_disk
    from csplan.findings import Finding

    old = "a\nb\nc\nd\n"
    new = "a\nb\nX\nY\nZ\nc\nd\n"  # three lines inserted after line 2
    found = [Finding("CSP1", "error", "f", line, 3, "m") for line in (1, 2, 3, 5, 6, 7)]
    placed = [(f.line, f.column) for f in on_disk(found, "f", old, new)]
    assert placed == [(1, 3), (2, 3), (3, None), (3, None), (3, 3), (4, 3)]


@pytest.mark.parametrize("indent", ["", "  ", "    "])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_item_spans_at_any_indentation(indent: str, newline: str) -> None:
    body = [
        "kind: savings",
        "lines:   # the savings",
        "# a comment at column 0",
        f"{indent}- id: A",
        f"{indent}  note: |",
        f"{indent}    - not an item",
        f"{indent}    x",
        "",
        "# between items, at column 0",
        f"{indent}-",
        f"{indent}  id: B",
        f"{indent}- id: C",
        "totals:",
        "  total: 1",
        "",
    ]
    text = newline.join(body)
    spans = list_item_spans(text, "lines")
    assert spans is not None
    assert [text[start:end].split(newline)[0].strip() for start, end in spans] == ["- id: A", "-", "- id: C"]
    assert text[spans[-1][1] :].startswith("totals:")
    assert "# between items" in text[slice(*spans[0])]


@pytest.mark.parametrize(("style", "written"), [("(100)", "forecast: (50)"), ("-100", "forecast: -50")])
def test_a_new_negative_is_written_as_the_file_writes_its_negatives(
    folder_copy: FolderCopy, style: str, written: str
) -> None:
    """examples/published writes negatives as accountants do, "(100)": a reversal's new
    return is written so too (it was "-50"), and a file that writes "-100" keeps "-"."""
    from decimal import Decimal

    data = folder_copy("published")
    path = data / "savings.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("(100)", style), encoding="utf-8")
    result = csplan(data, "savings", "update", "SV07", "--period", "P10", "--forecast", "-50")
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert f"      - period: P10\n        {written}\n" in text
    assert text.count(style) == 2  # the file's own figures as they were
    [sv07] = [s for s in validate_plan(data)[0].savings()[1].lines if s.id == "SV07"]
    assert sv07.progress[-1].forecast == Decimal(-50000)


# -- the comment safety net reads comments as YAML does -----------------------------------------

P06 = "      - period: P06\n        forecast: 600000\n        note: Consultation delayed\n"
NOTES_WITH_HASHES = {
    "double-quoted over two lines": '        note: "call #3 with\n          finance # 2"\n',
    "single-quoted over two lines": "        note: 'call #3 with\n          finance # 2 (it''s # done)'\n",
    "literal block": "        note: |\n          call #3 with\n          finance # 2\n",
    "folded block": "        note: >-\n          call #3 with\n\n          # 2 is finance's\n",
    "quoted on one line": "        note: 'see #4 and # 5'\n",
    "url with a fragment": "        note: see https://intranet/cs#savings and a#4\n",
}


@pytest.mark.parametrize("note", list(NOTES_WITH_HASHES.values()), ids=list(NOTES_WITH_HASHES))
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--period", "P06", "--forecast", "610000", "--replace"), lambda note: p06_with(note, "610000")),
        (("--period", "P06", "--clear", "note", "--replace"), lambda note: p06_with(None, "600000")),
        (
            ("--period", "P07", "--forecast", "610000"),
            lambda note: p06_with(note, "600000") + "      - period: P07\n        forecast: 610000\n",
        ),
    ],
    ids=["change-forecast", "clear-note", "new-period"],
)
def test_a_hash_inside_a_note_is_not_a_comment_the_edit_would_lose(
    folder_copy: FolderCopy, note: str, args: tuple[str, ...], expected: object
) -> None:
    """Before, the safety net searched each line's text for ' #', so the second line of
    a note quoted over two lines ('finance # 2"') or of a block note was a 'comment',
    and every edit of that saving was refused as an internal error."""
    data = folder_copy("illustrative")
    path = data / "savings.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(P06) == 1
    path.write_text(text.replace(P06, p06_with(note, "600000")), encoding="utf-8")
    assert validate_plan(data)[1] == []
    before = path.read_bytes()
    result = csplan(data, "savings", "update", "S06", *args)
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    want = expected(note)  # type: ignore[operator]
    assert path.read_bytes() == before.replace(p06_with(note, "600000").encode(), want.encode())


def p06_with(note: str | None, forecast: str) -> str:
    # A person's comment on the return's first line: the edits keep it, and the safety net checks it.
    return f"      - period: P06  # JB: agreed with finance\n        forecast: {forecast}\n" + (note or "")


@pytest.mark.parametrize(
    ("text", "comments"),
    [
        ('a: "call #3 with\n  finance # 2"  # real\n', {1: "# real"}),
        ("a: |\n  x # y\n  # z\nb: 1 # c\n", {3: "# c"}),
        ("a: >\n    x # y\n  # less indented: a comment\n", {2: "# less indented: a comment"}),
        ("a: http://x/y#frag # c\n", {0: "# c"}),
        ("a: 'it''s # not' # one\n", {0: "# one"}),
        ("# top\na: b#c\n", {0: "# top"}),
        ("- {note: 'a # b', x: 1}  # flow\n", {0: "# flow"}),
        ("a: |  # JB\n  x # y\nb: >-  # folded\n  # z\n", {0: "# JB", 2: "# folded"}),
    ],
)
def test_line_comments_are_the_ones_yaml_reads(text: str, comments: dict[int, str]) -> None:
    from csplan.edit import line_comments

    lines = text.splitlines()
    assert line_comments(text, lines, range(len(lines))) == comments


def test_a_real_comment_lost_beside_a_note_with_hashes_is_still_refused() -> None:
    from csplan.edit import keep_comments
    from csplan.errors import DataError

    old = 'lines:\n  - id: S1\n    note: "call #3 with\n      finance # 2"\n    ongoing: 5  # JB: firm\n'
    new = 'lines:\n  - id: S1\n    note: "call #3 with\n      finance # 2"\n    ongoing: 6\n'
    with pytest.raises(DataError, match=r"lose the comment on line 5 \('# JB: firm'\)"):
        keep_comments(old, new, "S1", start=1)
    keep_comments(old, new.replace("6\n", "6  # JB: firm\n"), "S1", start=1)  # kept: no refusal


def test_a_quoted_note_running_past_the_lines_asked_about_is_still_read_whole() -> None:
    from csplan.edit import line_comments

    text = '- id: S1\n  note: "x # y\n    z # w"  # JB\n- id: S2  # two\n'
    lines = text.splitlines()
    assert line_comments(text, lines, range(1, 2)) == {}  # line 2 alone: no comment, whatever follows
    assert line_comments(text, lines, range(1, 4), start=0) == {2: "# JB", 3: "# two"}


def test_clearing_a_field_keeps_a_persons_comment_from_its_line(folder_copy: FolderCopy) -> None:
    """Before, --clear note on 'note: ...  # JB: ...' was refused as an internal error (the
    safety net caught the comment going with the line), so the note could not be cleared
    at all. The comment is a person's: it stays, on its own line where the field was."""
    data = folder_copy("illustrative")
    path = data / "savings.yaml"
    text = path.read_text(encoding="utf-8")
    with_comment = P06.replace("Consultation delayed\n", "Consultation delayed  # JB: from the March board\n")
    path.write_text(text.replace(P06, with_comment + "        # JB: second line\n"), encoding="utf-8")
    before = path.read_bytes()
    result = csplan(data, "savings", "update", "S06", "--period", "P06", "--clear", "note")
    assert result.exit_code == 0, result.output
    assert "changed S06 P06: kept forecast; cleared note" in result.stdout
    assert path.read_bytes() == before.replace(
        b"        note: Consultation delayed  # JB: from the March board\n", b"        # JB: from the March board\n"
    )


# -- a comment on a block note's header line (note: |  # JB) -----------------------------------

S09_P06 = "      - period: P06\n        forecast: 450000\n        note: Provider contracts run to December\n"
BLOCK_HEADERS = {"literal": "|", "folded": ">-"}


def s09_block_note(header: str, words: str = "Provider contracts") -> str:
    head = "      - period: P06\n        forecast: 450000\n"
    return f"{head}        note: {header}  # JB: keep the wording\n          {words}\n"


def with_s09(folder_copy: FolderCopy, p06: str) -> tuple[Path, bytes]:
    data = folder_copy("illustrative")
    path = data / "savings.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(S09_P06) == 1
    path.write_text(text.replace(S09_P06, p06), encoding="utf-8")
    assert [f for f in validate_plan(data)[1] if f.severity == "error"] == []
    return data, path.read_bytes()


@pytest.mark.parametrize("header", list(BLOCK_HEADERS.values()), ids=list(BLOCK_HEADERS))
def test_clearing_a_block_note_keeps_the_comment_on_its_header(folder_copy: FolderCopy, header: str) -> None:
    """Before, --clear note on 'note: |  # JB: ...' wrote the file without the comment
    (the scanner's block-scalar token covered the header line, so the safety net did
    not see the comment, and ruamel keeps it apart from the line's other comments)."""
    data, before = with_s09(folder_copy, s09_block_note(header) + "        # JB: after the note\n")
    result = csplan(data, "savings", "update", "S09", "-p", "P06", "--clear", "note")
    assert result.exit_code == 0, result.output
    assert (data / "savings.yaml").read_bytes() == before.replace(
        f"        note: {header}  # JB: keep the wording\n          Provider contracts\n".encode(),
        b"        # JB: keep the wording\n",
    )


def test_clearing_a_block_note_and_the_field_before_it_keeps_both_comments(folder_copy: FolderCopy) -> None:
    p06 = s09_block_note("|").replace("forecast: 450000\n", "forecast: 450000\n        rag: red   # JB: by hand\n")
    data, before = with_s09(folder_copy, p06)
    result = csplan(data, "savings", "update", "S09", "-p", "P06", "--clear", "rag", "--clear", "note")
    assert result.exit_code == 0, result.output
    assert (data / "savings.yaml").read_bytes() == before.replace(
        p06.encode(),
        b"      - period: P06\n        forecast: 450000\n        # JB: by hand\n        # JB: keep the wording\n",
    )


@pytest.mark.parametrize("header", list(BLOCK_HEADERS.values()), ids=list(BLOCK_HEADERS))
@pytest.mark.parametrize("how", ["update", "import"])
def test_a_new_note_over_a_block_note_keeps_its_header_comment(
    folder_copy: FolderCopy, tmp_path: Path, header: str, how: str
) -> None:
    data, before = with_s09(folder_copy, s09_block_note(header))
    if how == "update":
        result = csplan(data, "savings", "update", "S09", "-p", "P06", "--note", "New words")
    else:
        sheet = tmp_path / "returns.csv"
        sheet.write_text("id,period,forecast,note\nS09,P06,450000,New words\n", encoding="utf-8")
        result = csplan(data, "savings", "import", str(sheet))
    assert result.exit_code == 0, result.output
    # The note stays a block (ruamel writes |- for text without a final line break), comment and all.
    assert (data / "savings.yaml").read_bytes() == before.replace(
        s09_block_note(header).encode(), s09_block_note(header.rstrip("-") + "-", "New words").encode()
    )


def test_a_new_forecast_beside_a_block_note_changes_the_forecast_line_only(folder_copy: FolderCopy) -> None:
    data, before = with_s09(folder_copy, s09_block_note(">-"))
    result = csplan(data, "savings", "update", "S09", "-p", "P06", "--forecast", "460000")
    assert result.exit_code == 0, result.output
    assert (data / "savings.yaml").read_bytes() == before.replace(b"forecast: 450000\n", b"forecast: 460000\n")


def test_figures_dropped_after_a_block_note_leave_its_comments_in_place(folder_copy: FolderCopy) -> None:
    """Re-derivation: P05's achieved and at risk cleared, so P06's carried ones go; the
    block note before them keeps its header comment, the comment after them stays put
    (with no blank line added: a block note ends its own line)."""
    p05 = "      - period: P05\n        forecast: 450000\n        achieved: 300000\n        at_risk: 100000\n"
    marked = "        achieved: 300000  # carried from P05\n        at_risk: 100000  # carried from P05\n"
    after = "        # JB: after the figures\n"
    data, before = with_s09(folder_copy, p05 + s09_block_note("|") + marked + after)
    result = csplan(data, "savings", "update", "S09", "-p", "P05", "--clear", "achieved", "--clear", "at-risk")
    assert result.exit_code == 0, result.output
    new_p05 = p05.replace("300000", "null").replace("100000", "null")
    assert (data / "savings.yaml").read_bytes() == before.replace(
        (p05 + s09_block_note("|") + marked).encode(), (new_p05 + s09_block_note("|")).encode()
    )


def test_figures_worked_out_again_after_a_block_note_keep_its_comment(folder_copy: FolderCopy) -> None:
    p05 = "      - period: P05\n        forecast: 450000\n        achieved: 300000\n        at_risk: 100000\n"
    marked = "        achieved: 300000  # carried from P05\n        at_risk: 100000  # carried from P05\n"
    data, before = with_s09(folder_copy, p05 + s09_block_note("|") + marked)
    result = csplan(data, "savings", "update", "S09", "-p", "P05", "--achieved", "320000")
    assert result.exit_code == 0, result.output
    assert (data / "savings.yaml").read_bytes() == before.replace(
        (p05 + s09_block_note("|") + marked).encode(),
        (p05 + s09_block_note("|") + marked).replace("achieved: 300000", "achieved: 320000").encode(),
    )


def test_closing_a_year_keeps_a_block_notes_header_comment(folder_copy: FolderCopy) -> None:
    """The closed file is the one a plain note gives, with the block note (comments and
    all) in the plain note's place: byte for byte."""
    plain, block_folder = folder_copy("year-end", "plain"), folder_copy("year-end", "block")
    final = "        note: Provider contracts could not be ended early\n"
    block = "        note: |  # JB: keep the wording\n          Provider contracts\n        # JB: after it\n"
    path = block_folder / "savings.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(final) == 1
    path.write_text(text.replace(final, block), encoding="utf-8")
    for data in (plain, block_folder):
        result = csplan(data, "savings", "close-year", "--year", "2025-26")
        assert result.exit_code == 0, result.output
    closed = (plain / "savings.yaml").read_bytes()
    assert closed.count(final.encode()) == 1
    assert path.read_bytes() == closed.replace(final.encode(), block.encode())
    following = "savings_2026_27.yaml"
    assert (block_folder / following).read_bytes() == (plain / following).read_bytes()


def test_measures_clear_keeps_a_block_notes_header_comment(folder_copy: FolderCopy) -> None:
    data = folder_copy("illustrative")
    path = data / "measures.yaml"
    flow = "          - {period: P06, value: 58.2, note: Backlog cleared in August}\n"
    block = (
        "          - period: P06\n            value: 58.2\n"
        "            note: >-  # JB: from the panel\n              Backlog cleared\n"
    )
    text = path.read_text(encoding="utf-8")
    assert text.count(flow) == 1
    path.write_text(text.replace(flow, block), encoding="utf-8")
    before = path.read_bytes()
    result = csplan(data, "measures", "update", "SO2-04", "-p", "P06", "--value", "58.2", "--clear", "note")
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == before.replace(
        block.encode(), b"          - period: P06\n            value: 58.2\n            # JB: from the panel\n"
    )


# -- a comment inside a flow mapping written over several lines ---------------------------------

S07_P06 = (
    "      - period: P06\n        forecast: 400000\n        rag: amber\n"
    "        note: Policy applies from the September intake\n"
)


def test_a_comment_inside_a_multi_line_flow_return_is_refused_as_layout_not_a_bug(
    folder_copy: FolderCopy,
) -> None:
    """Before: 'internal error ... this is a csplan bug' (ruamel.yaml drops a comment
    inside a flow mapping when it writes the return again). Now a clear refusal naming
    the file, the line and the fix; nothing written."""
    data = folder_copy("illustrative")
    path = data / "savings.yaml"
    text = path.read_text(encoding="utf-8")
    flow = "      - {period: P06, forecast: 400000,   # estimate\n         delivered: 100000}\n"
    assert text.count(S07_P06) == 1
    path.write_text(text.replace(S07_P06, flow), encoding="utf-8")
    assert validate_plan(data)[1] == []
    line = path.read_text(encoding="utf-8").splitlines().index(flow.splitlines()[0]) + 1
    before = path.read_bytes()
    for args in (("--forecast", "410000"), ("--clear", "delivered"), ("--rag", "green")):
        result = csplan(data, "savings", "update", "S07", "-p", "P06", *args)
        assert result.exit_code == 1, result.output
        assert "internal error" not in result.output and "csplan bug" not in result.output
        assert f"{path}:{line}: csplan cannot edit S07 in {path} and keep the comment '# estimate'" in result.output
        assert f"flow mapping ({{...}}) written over lines {line}-{line + 1}" in result.output
        assert "hint: write that entry in block style" in result.output
        assert path.read_bytes() == before


def test_a_comment_inside_a_multi_line_flow_measure_entry_is_refused_clearly(folder_copy: FolderCopy) -> None:
    data = folder_copy("illustrative")
    path = data / "measures.yaml"
    text = path.read_text(encoding="utf-8")
    flow = "          - {period: P06, value: 58.2, note: Backlog cleared in August}\n"
    assert text.count(flow) == 1
    multi_line = "          - {period: P06, value: 58.2,  # provisional\n             note: Backlog cleared}\n"
    path.write_text(text.replace(flow, multi_line), encoding="utf-8")
    before = path.read_bytes()
    result = csplan(data, "measures", "update", "SO2-04", "-p", "P06", "--value", "59")
    assert result.exit_code == 1, result.output
    assert "csplan bug" not in result.output
    assert "keep the comment '# provisional': it is inside a flow mapping" in result.output
    assert path.read_bytes() == before


def test_a_one_line_flow_return_ending_with_a_comment_is_edited_in_place(folder_copy: FolderCopy) -> None:
    data = folder_copy("illustrative")
    path = data / "savings.yaml"
    text = path.read_text(encoding="utf-8")
    flow = "      - {period: P06, forecast: 400000, delivered: 100000}  # estimate\n"
    path.write_text(text.replace(S07_P06, flow), encoding="utf-8")
    before = path.read_bytes()
    result = csplan(data, "savings", "update", "S07", "-p", "P06", "--forecast", "410000")
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == before.replace(flow.encode(), flow.replace("400000", "410000").encode())
