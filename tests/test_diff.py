from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import DATA, Edit, FolderCopy
from csplan.cli import app
from csplan.diff import Line, LineChange, apply_changes, diff_lines

runner = CliRunner()
D = Decimal


def csplan(*args: str, cwd: Path | None = None):  # type: ignore[no-untyped-def]
    import os

    here = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return runner.invoke(app, list(args))
    finally:
        os.chdir(here)


@pytest.fixture
def two_versions(folder_copy: FolderCopy) -> tuple[Path, Path]:
    old = folder_copy(DATA, "old")
    new = folder_copy(DATA, "new")
    return old, new


def add_s13(path: Path) -> None:
    text = path.read_text()
    path.write_text(
        text.replace(
            "totals:",
            "  - id: S13\n    description: Review of agency spend\n    ongoing: 150000\n    one_off: 0\ntotals:",
            1,
        )
    )


def test_acceptance_changed_added_and_broken_reconciliation(two_versions: tuple[Path, Path], edit: Edit) -> None:
    old, new = two_versions
    edit(new / "savings.yaml", "ongoing: 833000", "ongoing: 733000")
    add_s13(new / "savings.yaml")
    result = csplan("diff", str(old), str(new), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    [savings] = [f for f in data["files"] if f["kind"] == "savings"]
    s06, s13 = savings["lines"]
    assert (s06["change"], s06["id"], s06["fields"]) == (
        "changed",
        "S06",
        [{"field": "ongoing", "old": 833000, "new": 733000, "delta": -100000}],
    )
    assert (
        s13["change"] == "added" and {"field": "ongoing", "old": None, "new": 150000, "delta": 150000} in s13["fields"]
    )
    totals = {t["total"]: t for t in savings["totals"]}
    assert (totals["targets sum"]["old"], totals["targets sum"]["new"]) == (3258000, 3308000)
    assert savings["reconciliation"]["broken_by_change"] is True
    assert savings["reconciliation"]["new"][0].startswith("CSP202 ongoing savings sum to £3,276,000")
    table = csplan("diff", str(old), str(new))
    assert "S06 ongoing target: £833,000 → £733,000 (down £100,000)" in table.stdout
    assert "S13 added: Review of agency spend (ongoing target £150,000, one-off target £0)" in table.stdout
    assert "BROKEN" in table.stdout
    assert csplan("diff", str(old), str(new), "--exit-code").exit_code == 1


def test_reorder_reformat_and_units_are_no_change(two_versions: tuple[Path, Path], edit: Edit) -> None:
    old, new = two_versions
    savings = new / "savings.yaml"
    text = savings.read_text()
    s01 = text[text.index("  - id: S01") : text.index("  - id: S02")]
    text = text.replace(s01, "").replace("totals:", s01 + "totals:", 1)  # S01 moved to the end
    text = text.replace("ongoing: 833000", 'ongoing: "£833,000"')
    savings.write_text(text)
    pressures = new / "pressures.yaml"
    edit(pressures, "units: millions", "units: thousands")
    for old_amount, new_amount in [
        ("amount: 14.800", "amount: 14800"),
        ("amount: 4.000", "amount: 4000"),
        ("amount: 3.225", "amount: 3225"),
        ("amount: 1.640", "amount: 1640"),
        ("amount: 0.333", "amount: 333"),
        ("total: 23.998", "total: 23998"),
    ]:
        edit(pressures, old_amount, new_amount)
    result = csplan("diff", str(old), str(new), "--exit-code")
    assert result.exit_code == 0, result.output
    assert "no changes in figures" in result.stdout
    assert "units changed from millions to thousands" in result.stdout


def test_only_and_min_filters(two_versions: tuple[Path, Path], edit: Edit) -> None:
    old, new = two_versions
    edit(new / "savings.yaml", "ongoing: 833000", "ongoing: 833500")
    edit(new / "savings.yaml", "ongoing: 610000", "ongoing: 510000")
    add_s13(new / "savings.yaml")
    data = json.loads(csplan("diff", str(old), str(new), "-f", "json", "--min", "10k").stdout)
    [savings] = [f for f in data["files"] if f["kind"] == "savings"]
    assert [line["id"] for line in savings["lines"]] == ["S09", "S13"]
    data = json.loads(csplan("diff", str(old), str(new), "-f", "json", "--only", "added").stdout)
    [savings] = [f for f in data["files"] if f["kind"] == "savings"]
    assert [line["id"] for line in savings["lines"]] == ["S13"]


def test_rag_changes_and_progress_added(two_versions: tuple[Path, Path], edit: Edit) -> None:
    old, new = two_versions
    block = "    ongoing: 833000\n    one_off: 0\n"
    edit(old / "savings.yaml", block, block + "    progress:\n      - period: P03\n        forecast: 833000\n")
    edit(
        new / "savings.yaml",
        block,
        block + "    progress:\n      - period: P03\n        forecast: 833000\n"
        "      - period: P06\n        forecast: 600000\n",
    )
    data = json.loads(csplan("diff", str(old), str(new), "-f", "json").stdout)
    assert data["rag_changes"] == [{"id": "S06", "old": "green", "new": "red"}]
    assert data["progress_added"] == [{"id": "S06", "period": "P06"}]
    markdown = csplan("diff", str(old), str(new), "-f", "markdown").stdout
    assert "RAG changes: S06 green → red" in markdown
    assert "S06 forecast P03 → P06: £833,000 → £600,000 (down £233,000)" in markdown
    assert "S06 RAG: green → red" in markdown
    assert "progress[" not in markdown
    assert (
        "Total forecast P03 → P06: £833,000 → £600,000: down £233,000 on the 1 saving reported both times" in markdown
    )
    # The machine-readable forms keep every field, and the words.
    [savings] = [f for f in data["files"] if f["kind"] == "savings"]
    assert savings["forecast"] == {
        "old": {"forecast": 833000, "reported": 1, "count": 12, "period": "P03"},
        "new": {"forecast": 600000, "reported": 1, "count": 12, "period": "P06"},
        "change": -233000,
        "like_for_like": {
            "compared": 1,
            "movement": -233000,
            "first_returns": 0,
            "first_forecast": 0,
            "withdrawn": 0,
            "withdrawn_forecast": 0,
        },
    }
    assert savings["savings"][0] == {
        "id": "S06",
        "what": "forecast",
        "old_period": "P03",
        "new_period": "P06",
        "old": 833000,
        "new": 600000,
        "delta": -233000,
        "earlier": False,
        "text": "S06 forecast P03 → P06: £833,000 → £600,000 (down £233,000)",
    }


def test_diff_in_a_finance_readers_words(two_versions: tuple[Path, Path]) -> None:
    from conftest import add_returns

    old, new = two_versions
    add_returns(old / "savings.yaml", {"S04": "P03 263000, P06 263000", "S06": "P06 600000", "S07": "P06 400000"})
    add_returns(
        new / "savings.yaml",
        {"S04": "P03 250000, P06 263000", "S06": "P06 600000, P07 550000", "S07": "P06 400000", "S08": "P07 250000"},
    )
    shown = csplan("diff", str(old), str(new)).stdout
    lines = shown.splitlines()
    assert "S06 forecast P06 → P07: £600,000 → £550,000 (down £50,000)" in lines
    assert "S08 forecast P07: £250,000 (first return)" in lines
    assert "S04 P03 return corrected: forecast £263,000 → £250,000 (down £13,000)" in lines
    assert not [line for line in lines if line.startswith("S07")]  # unchanged
    # Up £200,000 in all, but like for like it went down: the rise is a first return.
    assert (
        "Total forecast P06 → P07: £1,263,000 → £1,463,000: down £50,000 on the 3 savings reported both times; "
        "1 first return adding £250,000" in lines
    )
    # --min drops the small correction, keeps the rest.
    small = csplan("diff", str(old), str(new), "--min", "20k").stdout
    assert "S04 P03" not in small and "S06 forecast P06 → P07" in small


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path, folder_copy: FolderCopy) -> Path:
    root = tmp_path / "repo"
    folder_copy(DATA, "repo/data")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "first")
    savings = root / "data" / "savings.yaml"
    savings.write_text(savings.read_text().replace("ongoing: 833000", "ongoing: 733000"))
    git(root, "commit", "-qam", "second")
    return root


def test_git_revisions(repo: Path) -> None:
    result = csplan("diff", "HEAD~1", "HEAD", "-f", "json", cwd=repo)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["old"] == "HEAD~1:data" and data["new"] == "HEAD:data"
    [savings] = [f for f in data["files"] if f["status"] == "changed"]
    assert [(line["id"], line["fields"][0]["delta"]) for line in savings["lines"]] == [("S06", -100000)]
    status_before = subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], capture_output=True, text=True)
    assert status_before.stdout == ""  # nothing written to the repository


def test_git_revision_against_working_tree(repo: Path) -> None:
    savings = repo / "data" / "savings.yaml"
    savings.write_text(savings.read_text().replace("ongoing: 500000", "ongoing: 400000"))
    data = json.loads(csplan("diff", "HEAD~1", "-f", "json", cwd=repo).stdout)
    [changed] = [f for f in data["files"] if f["status"] == "changed"]
    assert [line["id"] for line in changed["lines"]] == ["S06", "S07"]
    data = json.loads(csplan("diff", "HEAD:data/savings.yaml", "-f", "json", cwd=repo).stdout)
    assert [line["id"] for line in data["files"][0]["lines"]] == ["S07"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuchrev"], "unknown revision 'nosuchrev'"),
        (["HEAD:nope"], "'nope' is not in revision HEAD"),
    ],
)
def test_bad_revisions_exit_2(repo: Path, args: list[str], message: str) -> None:
    result = csplan("diff", *args, cwd=repo)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


def test_revision_outside_a_repository_exits_2(folder_copy: FolderCopy) -> None:
    result = csplan("--data", str(folder_copy(DATA)), "diff", "HEAD")
    assert result.exit_code == 2 and "not in a git repository" in result.stderr


def test_a_side_that_does_not_load_exits_1(two_versions: tuple[Path, Path]) -> None:
    old, new = two_versions
    (new / "savings.yaml").write_text("kind: savings\nyear: [\n")
    result = csplan("diff", str(old), str(new))
    assert result.exit_code == 1 and "does not load" in result.stderr and "CSP001" in result.stderr


# -- properties --------------------------------------------------------------------------

ids = st.sampled_from([f"L{n}" for n in range(8)])
amounts = st.integers(min_value=0, max_value=10**9).map(lambda p: D(p) / 100)
texts = st.sampled_from(["alpha", "beta", "gamma"])
line_strategy: st.SearchStrategy[Line] = st.fixed_dictionaries(
    {"amount": amounts}, optional={"description": texts, "other": amounts}
)
lines_strategy = st.dictionaries(ids, line_strategy, max_size=6)


@given(lines_strategy)
def test_diff_of_a_version_with_itself_is_empty(a: dict[str, Line]) -> None:
    assert diff_lines(a, a) == []


def _normal(changes: list[LineChange], flip: bool) -> set[tuple[str, str, str, object, object, object]]:
    swap = {"added": "removed", "removed": "added", "changed": "changed"}
    result = set()
    for change in changes:
        for f in change.fields:
            if flip:
                delta = -f.delta if f.delta is not None else None
                result.add((swap[change.change], change.id, f.field, f.new, f.old, delta))
            else:
                result.add((change.change, change.id, f.field, f.old, f.new, f.delta))
    return result


@given(lines_strategy, lines_strategy)
def test_reversed_diff_flips_signs(a: dict[str, Line], b: dict[str, Line]) -> None:
    assert _normal(diff_lines(b, a), flip=False) == _normal(diff_lines(a, b), flip=True)


@given(lines_strategy, lines_strategy)
def test_applying_the_changes_gives_the_new_figures(a: dict[str, Line], b: dict[str, Line]) -> None:
    assert apply_changes(a, diff_lines(a, b)) == b
