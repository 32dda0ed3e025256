"""A council folder: council.yaml, departments validated each on its own, --department,
departments read at a git revision, and the council-wide roll-up."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES, FolderCopy
from csplan.cli import app
from csplan.render.council import SAVINGS_COLUMNS

runner = CliRunner()
COUNCIL = EXAMPLES / "council"


@pytest.fixture
def council(folder_copy: FolderCopy) -> Path:
    """A private copy of examples/council."""
    return folder_copy("council", "council")


def run(folder: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data", str(folder), *args])
    return result.exit_code, result.stdout, result.stderr


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


# -- validate ----------------------------------------------------------------------------------


def test_the_example_council_validates() -> None:
    code, out, _ = run(COUNCIL, "validate")
    assert code == 0, out
    assert out.startswith("checked 8 files")
    assert "6 savings" not in out and "18 savings" in out  # both departments' savings counted


def test_a_department_error_names_the_department_folder(council: Path) -> None:
    savings = council / "adult-social-care" / "savings.yaml"
    savings.write_text(savings.read_text().replace("  total: 5500000", "  total: 5600000"))
    code, out, _ = run(council, "validate")
    assert code == 1
    assert f"{council / 'adult-social-care' / 'savings.yaml'}:72:10: error CSP203" in out
    assert "childrens-services" not in out  # the other department is clean


def test_council_file_problems_have_their_line(council: Path) -> None:
    (council / "council.yaml").write_text(
        "kind: council\nname: X\nyear: 2025-27\ndepartments:\n  - path: childrens-services\n"
        "  - path: nowhere\n  - path: childrens-services\n  - {repo: r}\n"
        "thresholds:\n  council: {amber_percent: 6, red_percent: 5}\n  team: {}\ncolour: red\n"
    )
    code, out, _ = run(council, "validate")
    assert code == 1
    lines = out.splitlines()
    where = str(council / "council.yaml")
    assert f"{where}:3:7: error CSP601 year '2025-27' is not a financial year 'YYYY-YY'" in lines
    assert any(
        line.startswith(f"{where}:6:5: error CSP604 department folder 'nowhere' does not exist") for line in lines
    )
    assert any(
        line.startswith(f"{where}:7:5: error CSP602 department 'childrens-services' is listed twice") for line in lines
    )
    assert any(line.startswith(f"{where}:8:5: error CSP601 a department entry has no path:") for line in lines)
    assert any(f"{where}:10:" in line and "CSP603" in line for line in lines)
    assert any(f"{where}:11:" in line and "unknown level 'team'" in line for line in lines)
    assert any(line.startswith(f"{where}:12:1: error CSP601 unknown field 'colour'") for line in lines)


def test_council_year_is_read_in_the_forms_a_department_file_takes(council: Path) -> None:
    # A department's savings file reads year: 2025/26 as 2025-26; council.yaml said CSP601.
    text = (council / "council.yaml").read_text()
    (council / "council.yaml").write_text(text.replace("year: 2025-26", "year: 2025/26"))
    code, out, _ = run(council, "validate")
    assert code == 0 and "CSP601" not in out, out
    code, out, err = run(council, "council", "status", "-f", "json")
    assert code == 0, err
    assert json.loads(out)["year"] == "2025-26"


def test_a_department_without_files_for_the_year_is_a_warning(council: Path) -> None:
    text = (council / "council.yaml").read_text()
    (council / "council.yaml").write_text(text.replace("year: 2025-26", "year: 2026-27"))
    code, out, _ = run(council, "validate")
    assert code == 0
    assert out.count("warning CSP608") == 2
    assert run(council, "validate", "--strict")[0] == 1


def held_years(folder: Path) -> list[str]:
    from csplan.council import validate_council

    _, departments, _ = validate_council(folder)
    return sorted({document.year for d in departments for document in d.plan.documents})


@pytest.mark.parametrize("command", ["status", "report"])
def test_a_year_no_department_holds_is_a_usage_error_not_green(council: Path, tmp_path: Path, command: str) -> None:
    held = held_years(council)
    year = "2026-27"
    assert year not in held
    output = ["-o", str(tmp_path / "council.html")] if command == "report" else []
    code, out, err = run(council, "council", command, "--year", year, *output)
    assert code == 2 and out == "" and "green" not in err
    assert f"error: no department of Example County Council has a file for {year}\n" in err
    assert f"hint: the departments hold {', '.join(held)}" in err
    assert not (tmp_path / "council.html").exists()
    # the council file's own year, when no department has it, likewise
    text = (council / "council.yaml").read_text()
    (council / "council.yaml").write_text(text.replace("year: 2025-26", f"year: {year}"))
    code, _, err = run(council, "council", command, *output)
    assert code == 2 and f"has a file for {year} (the year {council / 'council.yaml'} gives)" in err


def test_a_year_only_some_departments_hold_leaves_the_others_without_figures(council: Path) -> None:
    adults = council / "adult-social-care"
    budget = (adults / "budget_2025_26.yaml").read_text()
    assert budget.count("year: 2025-26") == 1
    (adults / "budget_2026_27.yaml").write_text(budget.replace("year: 2025-26", "year: 2026-27"))
    code, out, err = run(council, "council", "status", "--year", "2026-27", "-f", "json")
    assert code == 0, err
    report = json.loads(out, parse_float=Decimal)
    rows = {d["name"]: d for d in report["departments"]}
    assert rows["Children's Services"]["budget"] is None
    assert report["total"]["budget"] == rows["Adult Social Care"]["budget"] is not None


# -- --department --------------------------------------------------------------------------------


def test_department_picks_one_department_by_part_of_its_name() -> None:
    code, out, _ = run(COUNCIL, "savings", "status", "--department", "adult", "--format", "json")
    assert code == 0
    assert json.loads(out)["totals"]["target"] == 5_500_000
    before = runner.invoke(app, ["--data", str(COUNCIL), "--department", "children", "pressures", "-f", "json"])
    assert before.exit_code == 0 and json.loads(before.stdout)["total"] == Decimal("23998000")


def test_department_validate_checks_only_that_department(council: Path) -> None:
    savings = council / "adult-social-care" / "savings.yaml"
    savings.write_text(savings.read_text().replace("  total: 5500000", "  total: 5600000"))
    assert run(council, "validate", "--department", "Children")[0] == 0
    assert run(council, "validate", "--department", "Adult Social Care")[0] == 1


def test_without_department_a_council_folder_is_refused(council: Path) -> None:
    before = (council / "adult-social-care" / "savings.yaml").read_bytes()
    code, _, err = run(council, "savings", "update", "S06", "--period", "P06", "--forecast", "250000")
    assert code == 2
    assert "is the council folder of Example County Council: name a department with --department" in err
    assert "'childrens-services', 'adult-social-care'" in err
    assert (council / "adult-social-care" / "savings.yaml").read_bytes() == before
    assert run(council, "budget", "variance")[0] == 2


def test_department_edit_writes_that_department_only(council: Path) -> None:
    code, _, err = run(
        council, "savings", "update", "S06", "--period", "P06", "--forecast", "250000", "--department", "adult"
    )
    assert code == 0, err
    assert "period: P06" in (council / "adult-social-care" / "savings.yaml").read_text().split("S06")[1]
    assert (council / "childrens-services" / "savings.yaml").read_text() == (
        COUNCIL / "childrens-services" / "savings.yaml"
    ).read_text()


def test_an_unknown_or_ambiguous_department_is_a_usage_error() -> None:
    code, _, err = run(COUNCIL, "pressures", "--department", "highways")
    assert code == 2 and "no department of Example County Council matches 'highways'" in err
    code, _, err = run(COUNCIL, "pressures", "--department", "s")
    assert code == 2 and "matches 2 departments" in err


# -- departments at a git revision ----------------------------------------------------------------


@pytest.fixture
def git_council(tmp_path: Path) -> Path:
    """A council whose Adult Social Care is read from another repository at a tag."""
    repo = tmp_path / "asc-repo"
    shutil.copytree(COUNCIL / "adult-social-care", repo / "figures")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "ASC plan")
    git(repo, "tag", "v1")
    council = tmp_path / "council"
    shutil.copytree(COUNCIL / "childrens-services", council / "childrens-services")
    (council / "council.yaml").write_text(
        "# the council file\nkind: council\nname: Example County Council\nyear: 2025-26\ndepartments:\n"
        "  - path: childrens-services\n  - repo: ../asc-repo\n    git: v1\n    path: figures\n"
    )
    return council


def test_a_department_at_a_git_revision_reads_what_was_committed(git_council: Path) -> None:
    repo = git_council.parent / "asc-repo"
    savings = repo / "figures" / "savings.yaml"
    savings.write_text(savings.read_text().replace("  total: 5500000", "  total: 5600000"))  # not committed
    code, out, _ = run(git_council, "validate")
    assert code == 0, out
    code, out, _ = run(git_council, "savings", "status", "--department", "adult", "-f", "json")
    assert code == 0 and json.loads(out)["totals"]["target"] == 5_500_000
    code, _, err = run(git_council, "savings", "update", "S06", "-p", "P06", "--forecast", "1", "--department", "adult")
    assert code == 2 and "read-only" in err
    assert git(repo, "status", "--porcelain").strip() == "M figures/savings.yaml"  # nothing else touched


def test_a_broken_committed_department_names_the_revision(git_council: Path) -> None:
    repo = git_council.parent / "asc-repo"
    savings = repo / "figures" / "savings.yaml"
    savings.write_text(savings.read_text().replace("  total: 5500000", "  total: 5600000"))
    git(repo, "commit", "-qam", "typo")
    git(repo, "tag", "v2")
    council_file = git_council / "council.yaml"
    council_file.write_text(council_file.read_text().replace("git: v1", "git: v2"))
    code, out, _ = run(git_council, "validate")
    assert code == 1
    assert "../asc-repo@v2:figures/savings.yaml:72:10: error CSP203" in out


def test_an_unknown_revision_is_a_finding_on_the_council_file(git_council: Path) -> None:
    council_file = git_council / "council.yaml"
    council_file.write_text(council_file.read_text().replace("git: v1", "git: v9"))
    code, out, _ = run(git_council, "validate")
    assert code == 1
    assert f"{council_file}:7:5: error CSP605 department ../asc-repo@v9:figures: unknown revision 'v9'" in out


def test_reading_a_revision_runs_none_of_the_repositorys_code(git_council: Path, tmp_path: Path) -> None:
    from csplan import versions

    repo = git_council.parent / "asc-repo"
    marker = tmp_path / "ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    git(repo, "config", "core.fsmonitor", str(hook))
    git(repo, "config", "core.pager", str(hook))
    (repo / "figures" / "new.txt").write_text("x")
    assert run(git_council, "validate")[0] == 0
    assert versions.folder_commit(repo / "figures").endswith("with uncommitted changes")
    assert not marker.exists()


# -- council status ----------------------------------------------------------------------------


def own_json(folder: Path, department: str, *args: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run(folder, *args, "--department", department, "--format", "json")
    assert code == 0, err
    return json.loads(out, parse_float=Decimal)  # type: ignore[no-any-return]


@pytest.mark.parametrize("period", [None, "P03", "P06"])
def test_council_totals_are_the_sum_of_each_departments_own_figures(period: str | None) -> None:
    when = ["--period", period] if period else []
    code, out, err = run(COUNCIL, "council", "status", *when, "--format", "json")
    assert code == 0, err
    council = json.loads(out, parse_float=Decimal)
    assert [d["name"] for d in council["departments"]] == ["Children's Services", "Adult Social Care"]
    sums = dict.fromkeys(
        (
            "budget",
            "forecast",
            "variance",
            "pressures",
            "savings_target",
            "savings_forecast",
            "shortfall",
            "mitigated",
            "shortfall_after_mitigation",
        ),
        Decimal(0),
    )
    for department, row in zip(("childrens", "adult"), council["departments"], strict=True):
        savings = own_json(COUNCIL, department, "savings", "status", *when)
        budget = own_json(COUNCIL, department, "budget", "variance", *when)
        pressures = own_json(COUNCIL, department, "pressures")
        own = {
            "budget": Decimal(budget["totals"]["budget"]),
            "forecast": Decimal(budget["totals"]["forecast"]),
            "variance": Decimal(budget["totals"]["variance"]),
            "pressures": Decimal(pressures["total"]),
            "savings_target": Decimal(savings["totals"]["target"]),
            "savings_forecast": Decimal(savings["totals"]["forecast"]),
            "shortfall": Decimal(savings["totals"]["shortfall"]),
            "mitigated": Decimal(savings["totals"]["mitigated"]),
            "shortfall_after_mitigation": Decimal(savings["totals"]["shortfall_after_mitigation"]),
        }
        for key, value in own.items():
            assert Decimal(row[key]) == value, (department, key)
            sums[key] += value
        assert row["rag_counts"] == {rag: c["count"] for rag, c in savings["rag_summary"].items()}
        assert row["included"] is True and row["reconciles"] is True
    for key, value in sums.items():
        assert Decimal(council["total"][key]) == value, key
    assert council["total"]["savings_target"] == 3_258_000 + 5_500_000


@pytest.fixture
def revised_council(council: Path, folder_copy: FolderCopy) -> Path:
    """The example council with a third department whose budget lines record changes during
    the year (examples/published: original £91.900m, revised £92.150m by P09)."""
    published = folder_copy("published", "council/published")
    shutil.rmtree(published / "mtfs")
    for file in published.glob("*.yaml"):
        text = file.read_text(encoding="utf-8")
        file.write_text(text.replace("department: Children's Services (illustrative)", "department: Published Dept"))
    listing = council / "council.yaml"
    text = listing.read_text(encoding="utf-8")
    after = "  - path: adult-social-care\n"
    listing.write_text(text.replace(after, after + "  - path: published\n"))
    return council


def _millions(cell: str) -> Decimal:
    """A table's £m cell as pounds: '£92.150m' or '(£0.200m)'."""
    negative = cell.startswith("(")
    amount = Decimal(cell.strip("()").removeprefix("£").removesuffix("m")) * 1_000_000
    return -amount if negative else amount


def test_a_revised_budget_is_the_budget_the_council_variance_is_measured_against(revised_council: Path) -> None:
    """Budget + Variance = Forecast outturn on every row and the total, in JSON, CSV and the
    table: the council's Budget is the revised budget the department's own variance uses."""
    code, out, err = run(revised_council, "council", "status", "--period", "P09", "-f", "json")
    assert code == 0, err
    data = json.loads(out, parse_float=Decimal)
    *_, published = data["departments"]
    own = own_json(revised_council, "published", "budget", "variance", "--period", "P09")["totals"]
    assert published["name"] == "Published Dept"
    assert (published["budget"], published["original_budget"]) == (own["budget"], own["original"])
    assert published["budget"] != published["original_budget"]  # the case the fix is about
    assert published["variance"] == own["variance"] and published["variance_percent"] == own["percent"]
    rows = [*data["departments"], data["total"]]
    for row in rows:
        assert Decimal(row["budget"]) + Decimal(row["variance"]) == Decimal(row["forecast"]), row.get("name")
    total = data["total"]
    for key in ("original_budget", "budget", "forecast", "variance"):
        assert total[key] == sum(Decimal(d[key]) for d in data["departments"]), key
    # The council's % and RAG are worked out against the revised total.
    from csplan.council import load_council
    from csplan.money import percent

    assert total["variance_percent"] == percent(Decimal(total["variance"]), Decimal(total["budget"]), 1)
    thresholds = load_council(revised_council)[0].threshold("council")
    assert total["rag"] == thresholds.rag(Decimal(total["budget"]), Decimal(total["variance"]))[0]

    csv_rows = list(csv.DictReader(io.StringIO(run(revised_council, "council", "status", "-p", "P09", "-f", "csv")[1])))
    assert len(csv_rows) == len(rows)
    for csv_row, row in zip(csv_rows, rows, strict=True):
        assert Decimal(csv_row["budget"]) + Decimal(csv_row["variance"]) == Decimal(csv_row["forecast"])
        assert (Decimal(csv_row["original_budget"]), Decimal(csv_row["budget"])) == (
            row["original_budget"],
            row["budget"],
        )

    args = ["--data", str(revised_council), "council", "status", "-p", "P09"]
    wide = runner.invoke(app, args, env={"COLUMNS": "200"})
    lines = wide.stdout.splitlines()
    header = [c.strip() for c in lines[2].strip("|").split("|")]
    assert header[:5] == ["Department", "Original", "Revised", "Forecast outturn", "Variance"]
    table_rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[4:10] if line.startswith("|")]
    assert [r[0] for r in table_rows] == [*(d["name"] for d in data["departments"]), "Example County Council total"]
    for cells, row in zip(table_rows, rows, strict=True):
        original, revised, forecast, variance = (_millions(c) for c in cells[1:5])
        assert (original, revised, forecast, variance) == tuple(
            Decimal(row[k]) for k in ("original_budget", "budget", "forecast", "variance")
        )
        assert revised + variance == forecast


def test_the_council_report_shows_the_revised_budget_with_its_original(revised_council: Path, tmp_path: Path) -> None:
    from csplan.money import format_millions
    from test_council_report import cards, write_council_report

    total = json.loads(run(revised_council, "council", "status", "-p", "P09", "-f", "json")[1], parse_float=Decimal)[
        "total"
    ]
    page = write_council_report(tmp_path, revised_council, "--period", "P09")
    figures = cards(page)
    assert figures["Budget"] == format_millions(Decimal(total["budget"]))
    assert figures["Forecast outturn"] == format_millions(Decimal(total["forecast"]))
    assert figures["Variance"] == format_millions(Decimal(total["variance"]))
    assert Decimal(total["budget"]) + Decimal(total["variance"]) == Decimal(total["forecast"])
    changes = format_millions(Decimal(total["budget"]) - Decimal(total["original_budget"]))
    assert f"revised: original {format_millions(Decimal(total['original_budget']))}, " in page
    assert f"changes during the year {changes}" in page
    # The department's row in the budget table: original, revised, forecast, variance.
    row = re.search(r'<tr><td><a href="#dept-published-dept">Published Dept</a></td>(.*?)</tr>', page)
    assert row is not None
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    own = own_json(revised_council, "published", "budget", "variance", "--period", "P09")["totals"]
    assert cells[:4] == [format_millions(Decimal(own[k])) for k in ("original", "budget", "forecast", "variance")]


def test_without_budget_changes_the_council_table_has_no_original_column() -> None:
    out = runner.invoke(app, ["--data", str(COUNCIL), "council", "status"], env={"COLUMNS": "200"}).stdout
    header = [c.strip() for c in out.splitlines()[2].strip("|").split("|")]
    assert header[:3] == ["Department", "Budget", "Forecast outturn"] and "Original" not in out


def test_an_underspend_is_green_and_rag_uses_each_levels_thresholds() -> None:
    council = json.loads(run(COUNCIL, "council", "status", "-p", "P06", "-f", "json")[1])
    children, adults = council["departments"]
    assert adults["variance"] == -200_000 and adults["rag"] == "green"
    # Children's Services: £1.68m over on £175.772m, above the department's £250k red line.
    assert children["variance"] == 1_680_000 and children["rag"] == "red"
    # Council: £1.48m over on £588.272m: at or above its £1m red amount.
    assert council["total"]["variance"] == 1_480_000 and council["total"]["rag"] == "red"


def test_thresholds_amber_from_the_percent_red_from_the_lower_of_the_two() -> None:
    from csplan.council import Thresholds

    level = Thresholds(Decimal("0.25"), Decimal("0.5"), Decimal(1_000_000))
    budget = Decimal(100_000_000)
    assert level.rag(budget, Decimal(-1))[0] == "green"
    assert level.rag(budget, Decimal(249_999))[0] == "green"  # below 0.25%
    assert level.rag(budget, Decimal(250_000))[0] == "amber"
    assert level.rag(budget, Decimal(499_999))[0] == "amber"
    assert level.rag(budget, Decimal(500_000))[0] == "red"  # 0.5% is lower than £1m
    assert level.rag(Decimal(1_000_000_000), Decimal(1_000_000))[0] == "red"  # £1m is lower than 0.5%
    # On £1bn, amber would start at 0.25% (£2.5m), above red's £1m: below £1m is green.
    assert level.rag(Decimal(1_000_000_000), Decimal(999_999))[0] == "green"


def test_a_department_that_does_not_reconcile_is_flagged_and_left_out(council: Path) -> None:
    savings = council / "adult-social-care" / "savings.yaml"
    savings.write_text(savings.read_text().replace("  total: 5500000", "  total: 5600000"))
    code, out, err = run(council, "council", "status", "--format", "json")
    assert code == 1
    data = json.loads(out)
    adults = data["departments"][1]
    assert adults["included"] is False and adults["reconciles"] is False
    assert adults["problem"].startswith(f"{council / 'adult-social-care' / 'budget_2025_26.yaml'}:13:12: error CSP302")
    assert data["total"]["savings_target"] == 3_258_000  # Children's Services only
    assert data["total"]["excluded"] == ["Adult Social Care"]
    assert data["total"]["note"] == "excludes 1 department with errors (Adult Social Care)"
    # ... and the CSV's total row says so in the JSON's fields
    *_, total_row = csv.DictReader(io.StringIO(run(council, "council", "status", "--format", "csv")[1]))
    assert (total_row["departments_included"], total_row["excluded"], total_row["problem"]) == (
        "1",
        "Adult Social Care",
        "",
    )
    assert total_row["note"] == "excludes 1 department with errors (Adult Social Care)"
    assert f"{savings}:72:10: error CSP203" in err
    assert f"{council / 'council.yaml'}:11:5: error CSP607 Adult Social Care is left out of the council total" in err
    wide = runner.invoke(app, ["--data", str(council), "council", "status"], env={"COLUMNS": "200"})
    code, table = wide.exit_code, wide.stdout
    assert code == 1
    assert "Adult Social Care (left out)" in table and "NO: does not reconcile" in table
    assert "The council total excludes 1 department with errors (Adult Social Care)." in table
    assert f"left out of the total: {council / 'adult-social-care' / 'budget_2025_26.yaml'}:13:12" in table


def test_every_row_says_where_its_figures_came_from(tmp_path: Path, folder_copy: FolderCopy) -> None:
    repo = tmp_path / "repo"
    folder_copy("council", "repo/council")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "council")
    commit = git(repo, "rev-parse", "--short", "HEAD").strip()
    savings = repo / "council" / "adult-social-care" / "savings.yaml"
    savings.write_text(savings.read_text() + "# a comment\n")
    data = json.loads(run(repo / "council", "council", "status", "-f", "json")[1])
    children, adults = data["departments"]
    assert children["source"].startswith(f"{repo / 'council' / 'childrens-services'}, commit {commit} of ")
    assert not children["source"].endswith("uncommitted changes")
    assert adults["source"].endswith("with uncommitted changes")


def test_a_git_department_row_names_repository_revision_and_commit(git_council: Path) -> None:
    commit = git(git_council.parent / "asc-repo", "rev-parse", "--short", "v1").strip()
    code, out, err = run(git_council, "council", "status", "-f", "json")
    assert code == 0, err
    adults = json.loads(out)["departments"][1]
    assert adults["source"] == f"../asc-repo@v1:figures, commit {commit} (read-only)"
    assert adults["savings_target"] == 5_500_000


def test_csv_and_markdown_have_a_row_per_department_and_the_total() -> None:
    csv_text = run(COUNCIL, "council", "status", "-f", "csv")[1].splitlines()
    assert len(csv_text) == 4 and csv_text[3].startswith("Example County Council total,")
    markdown = run(COUNCIL, "council", "status", "-f", "markdown")[1]
    assert "| Children's Services |" in markdown and "| **Example County Council total** |" in markdown


def test_csv_columns_are_the_json_fields_with_the_same_figures() -> None:
    """An analyst joining the CSV to the JSON finds one name per field, one figure."""
    data = json.loads(run(COUNCIL, "council", "status", "-f", "json")[1])
    departments, total = data["departments"], data["total"]
    rows = list(csv.DictReader(io.StringIO(run(COUNCIL, "council", "status", "-f", "csv")[1])))
    assert [r["name"] for r in rows] == [*(d["name"] for d in departments), f"{data['council']} total"]
    for row, fields in zip(rows, [*departments, total], strict=True):
        for key, value in row.items():
            if key.startswith("rag_") and key != "rag_reason":  # the JSON's rag_counts, a column per RAG
                assert int(value) == fields["rag_counts"][key.removeprefix("rag_").replace("_", " ")]
            elif key in ("included", "reconciles") and key in fields:
                assert value == ("yes" if fields[key] else "no")
            elif key == "name" and fields is total:  # its name, as above
                continue
            elif isinstance(fields.get(key), list):  # department names, "; " between
                assert value == "; ".join(fields[key]), key
            elif key in fields:
                expected = fields[key]
                assert value == ("" if expected is None else str(expected)), key
            else:  # a department's own column (its folder, its errors), empty on the total row,
                # and the total's own (departments_included ...), empty on a department's
                assert value == "" and key in (departments[0] if fields is total else total), key
        # Every field of the JSON is a column of the CSV (rag_counts a column per RAG, above),
        # the total's too: departments_included, excluded, forecast_taken_at_budget, note.
        assert {key for key in fields if key != "rag_counts"} - set(row) == set()


def test_reported_is_the_first_savings_column_left_out_on_a_narrow_terminal() -> None:
    """Narrowing the terminal, the savings table wraps its text first; the first column
    it leaves out is Reported, with every other column still there (the README names
    the order). At 120 columns, the README's example, nothing is left out."""

    def savings_headers(columns: int) -> list[str]:
        result = runner.invoke(
            app, ["--data", str(COUNCIL), "council", "status", "--period", "P06"], env={"COLUMNS": str(columns)}
        )
        return next(list(row) for row in _logical_rows(result.stdout) if "Savings target" in row)

    every = [c.header for c in SAVINGS_COLUMNS[:8]]
    assert savings_headers(120) == every
    narrowest = next(width for width in range(120, 60, -1) if "Reported" not in savings_headers(width))
    assert savings_headers(narrowest) == every[:-1]
    assert narrowest > 80  # at 80 more go: see the 80-column test below


def test_council_commands_need_a_council_folder(data_copy: Path) -> None:
    code, _, err = run(data_copy, "council", "status")
    assert code == 2 and "holds no council.yaml" in err


# -- csplan init ---------------------------------------------------------------------------------


def test_init_writes_a_folder_with_no_figures_that_validates(tmp_path: Path) -> None:
    folder = tmp_path / "asc"
    result = runner.invoke(app, ["init", str(folder), "--department", "Adult Social Care", "--year", "2026-27"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["budget_2026_27.yaml", "pressures.yaml", "savings.yaml"]
    for path in folder.iterdir():
        text = path.read_text()
        assert 'department: "Adult Social Care"' in text and "year: 2026-27" in text
        assert "Children" not in text
        figures = [line for line in text.splitlines() if not line.startswith("#") and any(c.isdigit() for c in line)]
        assert figures == ["year: 2026-27"], figures  # no amount anywhere but in comments
    code, out, _ = run(folder, "validate")
    assert code == 0, out
    assert "no errors, no warnings" in out


def test_init_refuses_a_folder_with_data_a_bad_year_and_writes_nothing(data_copy: Path, tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in data_copy.iterdir()}
    result = runner.invoke(app, ["init", str(data_copy), "--department", "X", "--year", "2025-26"])
    assert result.exit_code == 2 and "already holds data files" in result.stderr
    assert {p.name: p.read_bytes() for p in data_copy.iterdir()} == before
    result = runner.invoke(app, ["init", str(tmp_path / "new"), "--department", "X", "--year", "2025-27"])
    assert result.exit_code == 2 and "not a financial year" in result.stderr
    assert not (tmp_path / "new").exists()
    result = runner.invoke(app, ["init", str(tmp_path / "new"), "--department", " ", "--year", "2025-26"])
    assert result.exit_code == 2 and not (tmp_path / "new").exists()


@pytest.mark.parametrize("typed", ["2026/27", "2026/2027", "2026-2027", " 2026-27 "])
def test_init_takes_a_year_in_every_form_a_data_file_takes(tmp_path: Path, typed: str) -> None:
    # Data files read year: 2026/27 as 2026-27 (models.normalise_year); init took only 2026-27.
    folder = tmp_path / "asc"
    result = runner.invoke(app, ["init", str(folder), "--department", "Adult Social Care", "--year", typed])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["budget_2026_27.yaml", "pressures.yaml", "savings.yaml"]
    assert all("\nyear: 2026-27\n" in p.read_text() for p in folder.iterdir())
    code, out, _ = run(folder, "validate")
    assert code == 0 and "no errors, no warnings" in out, out


def test_init_council_adds_the_folder_and_keeps_the_council_files_comments(council: Path) -> None:
    council_file = council / "council.yaml"
    before = council_file.read_text()
    code, out, err = run(
        council, "init", str(council / "highways"), "--department", "Highways", "--year", "2025-26", "--council"
    )
    assert code == 0, err
    assert f"{council_file}: added department 'highways'" in out
    after = council_file.read_text()
    assert after == before.replace("  - path: adult-social-care\n", "  - path: adult-social-care\n  - path: highways\n")
    code, out, _ = run(council, "validate")
    assert code == 0, out
    data = json.loads(run(council, "council", "status", "-f", "json")[1])
    assert [d["name"] for d in data["departments"]] == ["Children's Services", "Adult Social Care", "Highways"]
    assert data["departments"][2]["included"] is True
    # A second time: already listed, nothing written.
    (council / "highways" / "savings.yaml").unlink()
    code, _, err = run(
        council, "init", str(council / "highways"), "--department", "Highways", "--year", "2025-26", "--council"
    )
    assert code == 2 and "already holds data files" in err
    assert council_file.read_text() == after


def test_init_next_command_is_quoted_for_the_shell(folder_copy: FolderCopy, tmp_path: Path) -> None:
    """Before: 'next: ... csplan --data ic/c s validate', which a shell splits at the space."""
    import shlex

    council = folder_copy("council", "my council")
    folder = council / "c s"
    code, out, err = run(council, "init", str(folder), "--department", "X", "--year", "2025-26", "--council")
    assert code == 0, err
    said = out.splitlines()[-1]
    assert said == f"next: fill in the files, then csplan validate --data {shlex.quote(str(folder))}"
    words = shlex.split(said.removeprefix("next: fill in the files, then "))
    assert words == ["csplan", "validate", "--data", str(folder)]
    result = runner.invoke(app, words[1:])
    assert result.exit_code == 0, result.output
    # Without --council too.
    code, out, err = run(council, "init", str(tmp_path / "new dept"), "--department", "Y", "--year", "2025-26")
    assert code == 0, err
    assert out.splitlines()[-1] == f"next: fill in the files, then csplan validate --data '{tmp_path / 'new dept'}'"


def test_init_council_refusal_hint_is_quoted_for_the_shell(folder_copy: FolderCopy) -> None:
    import shlex

    council = folder_copy("council", "my council")
    council_file = council / "council.yaml"
    council_file.write_text(council_file.read_text() + "oops: [\n")
    before = council_file.read_bytes()
    code, _, err = run(council, "init", str(council / "c s"), "--department", "X", "--year", "2025-26", "--council")
    assert code == 1
    assert f"hint: run csplan validate --data {shlex.quote(str(council))}\n" in err
    assert council_file.read_bytes() == before and not (council / "c s").exists()


COUNCIL_HEAD = "kind: council\nname: Example County Council\nyear: 2025-26\n"
CS, ASC = "childrens-services", "adult-social-care"


@pytest.mark.parametrize(
    ("departments", "expected"),
    [
        (  # a flow list on one line, a comment after it
            f"departments: [{{path: {CS}}}, {{path: {ASC}}}]  # flow\n",
            f"departments: [{{path: {CS}}}, {{path: {ASC}}}, {{path: highways}}]  # flow\n",
        ),
        (  # its own spacing and quoting
            f'departments: [{{ path: "{CS}" }},{{ path: "{ASC}" }}]\nthresholds: {{}}\n',
            f'departments: [{{ path: "{CS}" }},{{ path: "{ASC}" }},{{ path: "highways" }}]\nthresholds: {{}}\n',
        ),
        (  # an item a line, each with a comma, a comment on the last
            f"departments: [\n  {{path: {CS}}},\n  {{path: {ASC}}},   # adults\n]\n",
            f"departments: [\n  {{path: {CS}}},\n  {{path: {ASC}}},   # adults\n  {{path: highways}},\n]\n",
        ),
        (  # an item a line, no comma after the last
            f"departments: [\n    {{path: {CS}}},\n    {{path: {ASC}}}  # adults\n  ]\n",
            f"departments: [\n    {{path: {CS}}},\n    {{path: {ASC}}},  # adults\n    {{path: highways}}\n  ]\n",
        ),
        (  # the bracket closing on the last item's line
            f"departments: [{{path: {CS}}},\n              {{path: {ASC}}}]\n",
            f"departments: [{{path: {CS}}},\n              {{path: {ASC}}},\n              {{path: highways}}]\n",
        ),
        (  # a block list of flow items, a comment about the next key below it
            f"departments:\n  - {{path: {CS}}}   # children\n  - {{path: {ASC}}}   # adults\n# overspend RAG\n"
            "thresholds: {}\n",
            f"departments:\n  - {{path: {CS}}}   # children\n  - {{path: {ASC}}}   # adults\n  - {{path: highways}}\n"
            "# overspend RAG\nthresholds: {}\n",
        ),
        (  # a block list at the key's indentation, the file ending without a newline
            f"departments:\n- path: {CS}\n- path: {ASC}  # adults",
            f"departments:\n- path: {CS}\n- path: {ASC}  # adults\n- path: highways\n",
        ),
    ],
)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_init_council_adds_the_entry_as_the_list_is_written(
    council: Path, departments: str, expected: str, newline: str
) -> None:
    council_file = council / "council.yaml"
    council_file.write_bytes((COUNCIL_HEAD + departments).replace("\n", newline).encode())
    code, _, err = run(
        council, "init", str(council / "highways"), "--department", "Highways", "--year", "2025-26", "--council"
    )
    assert code == 0, err
    assert council_file.read_bytes() == (COUNCIL_HEAD + expected).replace("\n", newline).encode()
    data = json.loads(run(council, "council", "status", "-f", "json")[1])
    assert [d["name"] for d in data["departments"]] == ["Children's Services", "Adult Social Care", "Highways"]


def test_init_council_needs_a_council_folder_and_dry_run_writes_nothing(council: Path, data_copy: Path) -> None:
    code, _, err = run(
        data_copy, "init", str(data_copy.parent / "new"), "--department", "X", "--year", "2025-26", "--council"
    )
    assert code == 2 and "holds no council.yaml" in err
    assert not (data_copy.parent / "new").exists()
    before = (council / "council.yaml").read_text()
    code, out, _ = run(
        council, "init", str(council / "new"), "--department", "X", "--year", "2025-26", "--council", "--dry-run"
    )
    assert code == 0
    assert f"--- {council / 'new' / 'savings.yaml'} (new)" in out and "+  - path: new" in out
    assert not (council / "new").exists() and (council / "council.yaml").read_text() == before


# -- no department hard-coded ------------------------------------------------------------------------


def test_no_department_is_named_in_csplans_code_or_help() -> None:
    from conftest import ROOT

    for path in (ROOT / "src" / "csplan").rglob("*"):
        if path.suffix in (".py", ".j2"):
            assert "Children's Services" not in path.read_text(encoding="utf-8"), path
    assert "Children" not in runner.invoke(app, ["--help"]).stdout


def test_report_and_workbook_titles_come_from_the_departments_files(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    page = tmp_path / "asc.html"
    result = runner.invoke(app, ["--data", str(COUNCIL), "report", "--department", "adult", "-o", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert "<title>Adult Social Care savings and budget monitoring, 2025-26" in html
    assert "Children" not in html
    book = tmp_path / "asc.xlsx"
    result = runner.invoke(app, ["--data", str(COUNCIL), "export", str(book), "--department", "adult"])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(book)
    assert workbook.properties.title == "Adult Social Care savings and budget monitoring, 2025-26"
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
    assert summary["Department"] == "Adult Social Care"


def test_the_example_councils_childrens_services_is_the_illustrative_folder() -> None:
    """examples/council/childrens-services is examples/illustrative with a label on top;
    a change to one that is not made to the other fails here."""
    import yaml

    for copy in sorted((COUNCIL / "childrens-services").glob("*.yaml")):
        original = EXAMPLES / "illustrative" / copy.name
        assert yaml.safe_load(copy.read_text()) == yaml.safe_load(original.read_text()), copy.name
    assert {p.name for p in (COUNCIL / "childrens-services").glob("*.yaml")} == {
        p.name for p in (EXAMPLES / "illustrative").glob("*.yaml")
    }


def test_every_example_council_file_says_it_is_illustrative() -> None:
    for path in sorted(COUNCIL.rglob("*.yaml")):
        assert path.read_text().startswith("# ILLUSTRATIVE COUNCIL EXAMPLE"), path


def test_a_thousands_departments_rag_reason_says_its_red_amount_in_thousands(council: Path) -> None:
    """A department whose budget file is in £'000 has its RAG reason's red amount in
    £'000 words (£250k), as its own budget summary says money; the JSON and the CSV
    agree; the council total, which is shown in £m, keeps £m."""
    from csplan.money import format_millions, format_thousands

    shutil.copytree(EXAMPLES / "published", council / "published")
    text = (council / "council.yaml").read_text()
    (council / "council.yaml").write_text(text.replace("  - path: adult-social-care\n", "  - path: published\n"))
    _, out, _ = run(council, "council", "status", "--period", "P06", "--format", "json")
    data = json.loads(out)
    [published] = [d for d in data["departments"] if d["folder"].endswith("published")]
    assert published["rag"] == "red", published
    department_red = Decimal(250_000)  # council.yaml: department red_amount
    assert published["rag_reason"].endswith(f"and {format_thousands(department_red)}"), published["rag_reason"]
    assert data["total"]["rag_reason"].endswith(f"and {format_millions(Decimal(1_000_000))}")
    _, out, _ = run(council, "council", "status", "--period", "P06", "--format", "csv")
    rows = {row["name"]: row["rag_reason"] for row in csv.DictReader(io.StringIO(out))}
    assert rows[published["name"]] == published["rag_reason"]


def _logical_rows(text: str) -> list[dict[str, str]]:
    """The rows of each ASCII table in ``text``, a row's wrapped lines joined cell by
    cell, keyed by its table's (joined) headers. A row's first line is the one with a
    figure in its second column; the lines under it continue its cells."""
    rows: list[dict[str, str]] = []
    headers: list[str] = []
    lines: list[list[str]] = []
    part = "outside"

    def flush() -> None:
        joined = [" ".join(piece for piece in column if piece) for column in zip(*lines, strict=True)]
        if lines and part == "header":
            headers[:] = joined
        elif lines:
            rows.append(dict(zip(headers, joined, strict=True)))
        lines.clear()

    for line in text.splitlines():
        if line.startswith("+"):
            flush()
            part = {"outside": "header", "header": "body"}.get(part, "body")
        elif line.startswith("|"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if part == "body" and cells[1]:
                flush()
            lines.append(cells)
        else:
            flush()
            part = "outside"
    return rows


@pytest.mark.parametrize(
    ("width", "left_out"),
    [(120, set()), (80, {"pressures", "shortfall_after_mitigation", "savings_reported"})],
)
def test_council_status_at_80_columns_keeps_every_figure_it_has_room_for(width: int, left_out: set[str]) -> None:
    """At 80 columns nothing is cropped and nothing cut with "…": text wraps (Rich's
    fold) and each figure of the JSON appears in full in its row and column, but those
    of the columns the README says an 80-column terminal has no room for (even with
    every text column wrapped to its longest word: the savings table needs 97)."""
    from csplan.money import parse_amount

    args = ["--data", str(COUNCIL), "council", "status", "--period", "P06"]
    data = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    result = runner.invoke(app, args, env={"COLUMNS": str(width), "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    text = result.stdout
    table_lines = [line for line in text.splitlines() if line.startswith(("|", "+"))]
    assert max(map(len, table_lines)) <= width and "…" not in text
    headers = {
        "budget": "Budget",
        "forecast": "Forecast outturn",
        "variance": "Variance",
        "variance_percent": "%",
        "pressures": "Pressures",
        "savings_target": "Savings target",
        "savings_forecast": "Forecast",
        "shortfall": "Shortfall",
        "mitigated": "Mitigated",
        "shortfall_after_mitigation": "After mitigation",
        "savings_reported": "Reported",
    }
    entries = [*((d["name"], d) for d in data["departments"]), (f"{data['council']} total", data["total"])]
    missing = set()
    for name, figures in entries:
        shown = {k: v for row in _logical_rows(text) if row["Department"] == name for k, v in row.items()}
        assert shown, (name, text)
        for key, header in headers.items():
            if header not in shown:
                missing.add(key)
                continue
            cell = shown[header]
            if key == "variance_percent":
                assert Decimal(cell.strip("()%")) == abs(Decimal(str(figures[key]))), (name, key, cell)
            elif key == "savings_reported":
                assert cell == f"{figures['savings_reported']} of {figures['savings_count']}", (name, cell)
            else:
                assert parse_amount(cell) == Decimal(str(figures[key])), (name, key, cell)
        if "B/G/A/R/NR" in shown:
            counts = figures["rag_counts"]
            assert shown["B/G/A/R/NR"].split() == [
                f"{counts[r]}{r[0].upper() if r != 'not reported' else 'NR'}" for r in counts
            ]
    assert missing == left_out
