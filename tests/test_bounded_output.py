"""Bounded output: a file of many findings prints a few hundred of them and a count;
the exit code and --format json stay complete, and memory stays small."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import CSPLAN, EXAMPLES, FolderCopy, run_measured
from csplan import validate_plan
from csplan.findings import error
from csplan.render.findings import TEXT_LIMIT, as_github, as_text

KEYS = 20_000


def many_unknown_keys(folder: Path, count: int) -> Path:
    folder.mkdir()
    text = (EXAMPLES / "illustrative" / "pressures.yaml").read_text(encoding="utf-8")
    (folder / "pressures.yaml").write_text(
        text + "".join(f"unknown_key_{n:06d}: 1\n" for n in range(count)), encoding="utf-8"
    )
    return folder


def test_text_shows_a_few_hundred_findings_and_counts_the_rest(tmp_path: Path) -> None:
    data = many_unknown_keys(tmp_path / "data", KEYS)
    run = run_measured([CSPLAN, "--data", str(data), "validate"])
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert sum(" error CSP102 " in line for line in lines) == TEXT_LIMIT
    assert f"pressures.yaml: ... and {KEYS - TEXT_LIMIT:,} more findings not shown" in run.stdout
    assert lines[-1].endswith(f"{KEYS:,} errors, 0 warnings") or lines[-1].endswith(f"{KEYS} errors, 0 warnings")
    assert len(run.stdout) < 100_000  # 9 MB before
    assert run.peak_mb < 500 and run.seconds < 30, run


def test_json_lists_every_finding(tmp_path: Path) -> None:
    data = many_unknown_keys(tmp_path / "data", KEYS)
    run = run_measured([CSPLAN, "--data", str(data), "validate", "--format", "json"])
    assert run.returncode == 1
    findings = json.loads(run.stdout)
    assert len(findings) == KEYS and {f["code"] for f in findings} == {"CSP102"}
    assert findings[-1]["message"] == f"unknown field 'unknown_key_{KEYS - 1:06d}' in the file"
    assert findings[-1]["line"] == findings[0]["line"] + KEYS - 1
    assert run.peak_mb < 500 and run.seconds < 30, run


def test_unknown_keys_are_the_findings_the_validator_gives(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    text = (EXAMPLES / "illustrative" / "pressures.yaml").read_text(encoding="utf-8")
    text = text.replace("\nunits:", "\ndepartmnet: x\nunits:", 1).replace(
        "    funding:", "    fundng: x\n    funding:", 1
    )
    (folder / "pressures.yaml").write_text(text, encoding="utf-8")
    found = [(f.code, f.message, f.hint) for f in validate_plan(folder)[1]]
    assert found == [
        ("CSP102", "unknown field 'departmnet' in the file", "did you mean 'department'?"),
        ("CSP102", "unknown field 'fundng' in lines[0]", "did you mean 'funding'?"),
    ]


def test_each_file_is_cut_on_its_own() -> None:
    findings = [error("CSP102", name, n, 1, f"unknown field 'k{n}'") for name in ("a.yaml", "b.yaml") for n in range(5)]
    text = as_text(findings, limit=2)
    assert text.splitlines() == [
        "a.yaml:0:1: error CSP102 unknown field 'k0'",
        "a.yaml:1:1: error CSP102 unknown field 'k1'",
        "a.yaml: ... and 3 more findings not shown (fix those above first; --format json lists every one)",
        "b.yaml:0:1: error CSP102 unknown field 'k0'",
        "b.yaml:1:1: error CSP102 unknown field 'k1'",
        "b.yaml: ... and 3 more findings not shown (fix those above first; --format json lists every one)",
    ]
    assert as_text(findings[:2], limit=2).count("not shown") == 0
    many = [error("CSP102", "a.yaml", n, 1, "x") for n in range(TEXT_LIMIT + 7)]
    github = as_github(many).splitlines()
    assert len(github) == TEXT_LIMIT + 1 and github[-1].startswith("::notice file=a.yaml::a.yaml: ... and 7 more")


def test_a_real_folder_is_not_cut(folder_copy: FolderCopy) -> None:
    data = folder_copy("illustrative")
    run = run_measured([CSPLAN, "--data", str(data), "validate"])
    assert run.returncode == 0 and "not shown" not in run.stdout
