"""A council folder: council.yaml, departments validated each on its own, --department,
departments read at a git revision, and the council-wide roll-up."""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from csplan.cli import app

runner = CliRunner()
COUNCIL = EXAMPLES / "council"


@pytest.fixture
def council(tmp_path: Path) -> Path:
    """A private copy of examples/council."""
    target = tmp_path / "council"
    shutil.copytree(COUNCIL, target)
    return target


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
    assert f"{council / 'adult-social-care' / 'savings.yaml'}:68:10: error CSP203" in out
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


def test_a_department_without_files_for_the_year_is_a_warning(council: Path) -> None:
    text = (council / "council.yaml").read_text()
    (council / "council.yaml").write_text(text.replace("year: 2025-26", "year: 2026-27"))
    code, out, _ = run(council, "validate")
    assert code == 0
    assert out.count("warning CSP608") == 2
    assert run(council, "validate", "--strict")[0] == 1


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
    assert "../asc-repo@v2:figures/savings.yaml:68:10: error CSP203" in out


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
