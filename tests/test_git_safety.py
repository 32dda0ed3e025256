"""Reading git metadata runs none of the repository's configured programs: no
fsmonitor command, no clean filter, no hook, no signature program."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import FolderCopy
from csplan import versions
from csplan.cli import app

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

runner = CliRunner()


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-C", str(repo), *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def hostile_repo(tmp_path: Path, folder_copy: FolderCopy) -> tuple[Path, Path]:
    """A repository holding the illustrative data whose config (set after the commit,
    as someone with write access to .git could) names programs that leave a mark."""
    repo = tmp_path / "repo"
    folder_copy("illustrative", "repo/data")
    git(repo, "init", "-q")
    (repo / ".gitattributes").write_text("*.yaml filter=mark\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "data")
    marks = tmp_path / "marks"
    marks.mkdir()
    program = tmp_path / "mark.sh"
    program.write_text(f'#!/bin/sh\necho "$0 $*" >> {marks}/ran\ncat\n')
    program.chmod(0o755)
    hook = repo / ".git" / "hooks" / "post-index-change"
    shutil.copy(program, hook)
    for key, value in [
        ("core.fsmonitor", str(program)),
        ("filter.mark.clean", str(program)),
        ("filter.mark.smudge", str(program)),
        ("filter.mark.required", "true"),
        ("log.showSignature", "true"),
        ("gpg.program", str(program)),
        ("core.pager", str(program)),
    ]:
        git(repo, "config", key, value)
    # a change since the commit, with a new mtime: git status would hash it (filter)
    path = repo / "data" / "savings.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    os.utime(path, (1, 1))
    return repo / "data", marks


def test_report_runs_nothing_the_repository_configures(hostile_repo: tuple[Path, Path], tmp_path: Path) -> None:
    data, marks = hostile_repo
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["--data", str(data), "report", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert not (marks / "ran").exists(), (marks / "ran").read_text()
    assert "(with uncommitted changes)" in out.read_text(encoding="utf-8")


def test_folder_state_without_git_status(hostile_repo: tuple[Path, Path]) -> None:
    data, marks = hostile_repo
    assert versions.folder_commit(data).endswith(" with uncommitted changes")
    subprocess.run(["git", "-C", str(data), "checkout", "--", "savings.yaml"], check=True, capture_output=True)
    (marks / "ran").unlink(missing_ok=True)  # that checkout ran the smudge filter: csplan did not
    assert versions.folder_commit(data).startswith("commit ")
    assert not versions.folder_commit(data).endswith("changes")
    (data / "new.yaml").write_text("kind: pressures\n")
    assert versions.folder_commit(data).endswith(" with uncommitted changes")
    assert versions.data_date(data).endswith("(with uncommitted changes)")
    assert not (marks / "ran").exists(), (marks / "ran").read_text()
