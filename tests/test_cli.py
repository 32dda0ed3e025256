"""Whole commands, as a user runs them: Typer's CliRunner and the installed script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DATA, ROOT, Edit, FolderCopy
from csplan import __version__
from csplan.cli import app

runner = CliRunner()
SCRIPT = Path(sys.executable).parent / "csplan"


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=env)


def test_version_and_help() -> None:
    result = run("--version")
    assert result.exit_code == 0 and result.stdout == f"csplan {__version__}\n"
    result = run("--help")
    assert result.exit_code == 0 and "validate" in result.stdout


def test_validate_shipped_data_says_what_it_checked() -> None:
    result = run("--data", str(DATA), "validate")
    assert result.exit_code == 0, result.output
    yaml_lines = sum(len(p.read_text().splitlines()) for p in DATA.glob("*.yaml"))
    assert result.stdout == (
        f"checked 4 files, 41 lines (0 budget, 24 measures, 5 pressures, 12 savings), {yaml_lines} YAML lines: "
        "no errors, no warnings\n"
    )


def test_validate_reads_data_folder_from_environment(data_copy: Path, edit: Edit) -> None:
    edit(data_copy / "pressures.yaml", "amount: 0.333", "amount: 0.0333")
    result = run("validate", env={"CSPLAN_DATA": str(data_copy)})
    assert result.exit_code == 1
    assert "error CSP201 lines sum to £23.6983m but total states £23.998m (difference £0.2997m)" in result.stdout
    assert "  hint: P05 'Inflation - historic pensions' is 0.0333; 0.333 would reconcile" in result.stdout


def test_validate_json_and_github(data_copy: Path, edit: Edit) -> None:
    edit(data_copy / "savings.yaml", "ongoing: 833000", "ongoing: 383000")
    result = run("validate", str(data_copy), "--format", "json")
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)
    assert finding["code"] == "CSP202" and finding["line"] > 1 and "£450,000" in finding["message"]
    result = run("validate", str(data_copy), "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"::error file={data_copy / 'savings.yaml'},line=")
    assert ",title=CSP202::" in result.stdout


def test_validate_clean_json_is_an_empty_list() -> None:
    result = run("validate", str(DATA), "-f", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_missing_folder_exits_2_without_traceback(tmp_path: Path) -> None:
    result = run("--data", str(tmp_path / "nope"), "validate")
    assert result.exit_code == 2
    assert "csplan: error: folder" in result.stderr and "does not exist" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_option_exits_2() -> None:
    assert run("validate", "--frobnicate").exit_code == 2


@pytest.mark.parametrize(
    "command",
    [
        ["savings", "status"],
        ["savings", "template", "--period", "P06", "--output", "{tmp}/returns.xlsx"],
        ["savings", "update", "S01", "--period", "P06", "--forecast", "1000"],
        ["savings", "import", "{tmp}/returns.xlsx"],
        ["savings", "mitigate", "S01", "--period", "P06", "--amount", "1000", "--note", "Vacancies"],
        ["savings", "close-year"],
        ["export", "{tmp}/out.xlsx"],
        ["report", "--output", "{tmp}/out.html"],
        ["budget", "variance"],
        ["pressures"],
    ],
)
def test_a_year_with_no_file_is_one_usage_error_naming_the_years_held(
    folder_copy: FolderCopy, tmp_path: Path, command: list[str]
) -> None:
    folder = folder_copy("year-end")
    assert run("--data", str(folder), "export", str(tmp_path / "returns.xlsx")).exit_code == 0
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in command]
    result = run("--data", str(folder), *args, "--year", "2099-00")
    assert result.exit_code == 2, result.output
    assert (
        result.stderr == f"csplan: error: no file for 2099-00 in {folder}\n  hint: the folder holds 2025-26, 2026-27\n"
    )


def test_a_year_whose_file_does_not_load_points_at_validate(data_copy: Path, edit: Edit) -> None:
    edit(data_copy / "savings.yaml", "ongoing: 833000", "ongoing: lots")
    result = run("--data", str(data_copy), "savings", "status", "--year", "2025-26")
    assert result.exit_code == 1
    hint = f"  hint: run csplan validate --data {data_copy} to see why"  # on the same folder
    assert f"no valid savings file for 2025-26 in {data_copy}\n{hint}" in result.stderr


def test_a_kind_missing_from_a_year_held_names_the_years_it_has(folder_copy: FolderCopy) -> None:
    folder = folder_copy("year-end")
    result = run("--data", str(folder), "budget", "variance", "--year", "2025-26")
    assert result.exit_code == 2
    assert result.stderr == (
        f"csplan: error: no budget file for 2025-26 in {folder}\n  hint: it holds savings files only; add a budget "
        "file (kind: budget; csplan schema budget lists its fields; csplan init NEWDIR --department NAME --year "
        "2025-26 writes an empty one to copy)\n"
    )
    (folder / "savings_2026_27.yaml").rename(folder / "later.yaml.off")
    result = run("--data", str(folder), "savings", "update", "S01", "-p", "P06", "--forecast", "1", "--year", "2026-27")
    assert result.exit_code == 2
    assert "hint: the folder holds 2025-26" in result.stderr


@pytest.mark.parametrize(
    "text",
    [
        "",
        "- a\n- b\n",
        "year: 2025-26\n",
        "kind: budget\n  bad: [\n",
        'kind: budget\ntotal: !!python/object/apply:os.system ["echo hi"]\n',
        "kind: budget\nx: &a 1\ny: *a\n",
    ],
)
def test_bad_files_exit_1_with_a_located_message(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = run("validate", str(path))
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{path}:1:") or first.startswith(f"{path}:2:"), first
    assert " error CSP" in first
    assert "Traceback" not in result.output


def test_warnings_fail_only_with_strict(data_copy: Path) -> None:
    budget = data_copy / "budget_2025_26.yaml"
    assert run("validate", str(budget)).exit_code == 0
    result = run("validate", str(budget), "--strict")
    assert result.exit_code == 1 and "warning CSP303" in result.stdout


# -- the installed script, in a real process -------------------------------------------


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CSPLAN_DATA", None)
    env["NO_COLOR"] = "1"
    return env


def test_installed_script_validates_shipped_data() -> None:
    assert SCRIPT.exists(), "install the package (make test does) so the csplan script exists"
    done = subprocess.run(
        [str(SCRIPT), "validate"], cwd=ROOT, capture_output=True, text=True, env=subprocess_env(), check=False
    )
    assert done.returncode == 0, done.stderr
    assert "41 lines" in done.stdout and "no errors" in done.stdout


def test_the_commands_own_choices_and_a_library_users_defaults() -> None:
    """The command (not the library) turns the collector off before Typer and Pydantic are
    imported, loads no Pydantic plugins unless told to, and freezes what it made on its
    way out, so the interpreter's last collections at exit skip it all (README, Performance)."""
    script = (
        "import gc, os, sys\nimport csplan.__main__, csplan.checks\n"
        "print(gc.isenabled(), 'typer' in sys.modules, os.environ.get('PYDANTIC_DISABLE_PLUGINS'))\n"
        "sys.argv = ['csplan', 'validate']\n"
        "try:\n    csplan.__main__.main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 10_000, os.environ.get('PYDANTIC_DISABLE_PLUGINS'))"
    )
    env = subprocess_env()
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "True False None"  # importing csplan changes nothing
    assert lines[-1] == "False True __all__"
    env["PYDANTIC_DISABLE_PLUGINS"] = ""  # a user who wants plugins
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, env=env, check=False
    )
    assert done.stdout.splitlines()[-1] == "False True ", done.stderr


def test_python_dash_m_and_bad_input_in_a_real_process(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"kind: budget\nsource: caf\xe9\n")
    done = subprocess.run(
        [sys.executable, "-m", "csplan", "validate", str(bad)],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout.startswith(f"{bad}:2:12: error CSP002 byte 0xe9 is not UTF-8")
    assert "Traceback" not in done.stderr


def test_missing_folder_in_a_real_process(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SCRIPT), "--data", str(tmp_path / "none"), "validate"],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("csplan: error: folder") and "Traceback" not in done.stderr


# -- savings status ----------------------------------------------------------------------


def test_savings_status_on_shipped_data() -> None:
    result = run("--data", str(DATA), "savings", "status")
    assert result.exit_code == 0, result.output
    for n in range(1, 13):
        assert f"S{n:02d}" in result.stdout
    assert result.stdout.count("| not reported |") == 13  # 12 rows and the summary
    assert "Stated totals: ongoing £3,226,000, one-off £32,000, total £3,258,000: reconciles" in result.stdout
    assert "| Total " in result.stdout and "£3,226,000" in result.stdout


def test_savings_status_json() -> None:
    result = run("--data", str(DATA), "savings", "status", "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert len(report["savings"]) == 12
    assert {"target", "forecast", "variance", "rag", "reason"} <= set(report["savings"][0])
    assert report["totals"]["ongoing"] == 3226000 and report["totals"]["one_off"] == 32000
    assert report["totals"]["target"] == 3258000 == report["stated"]["total"]
    assert report["reconciles"] is True


def test_savings_status_csv_and_markdown() -> None:
    examples = str(ROOT / "examples" / "illustrative")
    csv_out = run("--data", examples, "savings", "status", "--period", "P06", "-f", "csv").stdout
    lines = csv_out.splitlines()
    assert lines[0] == (
        "id,description,division,owner,ongoing,one_off,target,previous_period,previous_forecast,forecast,"
        "movement,direction,delivered,variance,achieved,at_risk,rag,period,note,"
        "shortfall,mitigated,shortfall_after_mitigation,unused_mitigation"
    )
    assert len(lines) == 13
    assert (
        "S06,Children's Centre review,Early Help and Safeguarding,Head of Early Help,833000,0,833000,P03,833000,600000,"
        "-233000,down,,-233000,,,red,P06" in csv_out
    )
    assert "S04,Review of Traded Service support team management," in csv_out
    assert ",263000,0,263000,P03,263000,263000,0,unchanged,131500,0,,,green,P06," in csv_out
    assert ",,,32000,,first return,,0,,,green,P06," in csv_out  # S02: its first return
    md = run("--data", examples, "savings", "status", "--period", "P06", "-f", "markdown").stdout
    assert (
        "| S06 | Children's Centre review | Early Help and Safeguarding | £833,000 | £0 | £833,000 | £833,000 "
        "| £600,000 | down £233,000 | — | (£233,000) |" in md
    )
    assert "| **Total** |" in md and "| **£1,128,000** | **£2,561,000** | **down £233,000** | **£223,500** |" in md
    assert "Movement since P03: total forecast £1,128,000 → £2,561,000; down £233,000 on the 3 savings" in md


def test_savings_status_movement_since_a_period(data_copy: Path) -> None:
    from conftest import add_returns

    add_returns(data_copy / "savings.yaml", {"S06": "P05 600000, P07 550000", "S07": "P06 400000"})
    shown = run("--data", str(data_copy), "savings", "status", env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    row = next(line for line in shown.stdout.splitlines() if line.startswith("| S06"))
    cells = [c.strip() for c in row.split("|")]
    header = [c.strip() for c in shown.stdout.splitlines()[2].split("|")]
    assert dict(zip(header, cells, strict=True))["Forecast P06"] == "£600,000"
    assert dict(zip(header, cells, strict=True))["Movement"] == "down £50,000"
    # S07's latest return is P06: not reported at both P06 and P07, counted apart.
    assert (
        "Movement since P06: total forecast £1,000,000 → £950,000; down £50,000 on the 1 saving reported at both "
        "(1 down); no return for P07 from 1 saving (no change)\n"
    ) in shown.stdout
    since = json.loads(run("--data", str(data_copy), "savings", "status", "--since", "p5", "-f", "json").stdout)
    assert since["movement"]["since"] == "P05"
    assert (since["movement"]["previous_forecast"], since["movement"]["movement"]) == (600000, -50000)
    assert (since["movement"]["first_returns"], since["movement"]["first_forecast"]) == (1, 400000)
    s07 = next(s for s in since["savings"] if s["id"] == "S07")
    assert (s07["previous_forecast"], s07["movement"], s07["direction"]) == (None, None, "first return")
    s06 = next(s for s in since["savings"] if s["id"] == "S06")
    assert (s06["previous_period"], s06["previous_forecast"], s06["movement"], s06["direction"]) == (
        "P05",
        600000,
        -50000,
        "down",
    )
    late = run("--data", str(data_copy), "savings", "status", "--period", "P06", "--since", "P07")
    assert late.exit_code == 2 and "--since P07 is not before the period reported (P06)" in late.output


def test_savings_status_as_at_period_and_filters() -> None:
    examples = str(ROOT / "examples" / "illustrative")
    result = run("--data", examples, "savings", "status", "--period", "P3", "--rag", "green,not-reported", "-f", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["period"] == "P03"
    assert [s["id"] for s in report["savings"] if s["rag"] == "green"] == ["S01", "S04", "S06"]
    assert len(report["savings"]) == 12 and report["reconciles"] is True
    only_green = json.loads(
        run("--data", examples, "savings", "status", "-p", "P03", "--rag", "green", "-f", "json").stdout
    )
    assert len(only_green["savings"]) == 3 and only_green["reconciles"] is None
    assert only_green["totals"]["target"] == 32000 + 263000 + 833000


@pytest.mark.parametrize("args", [["--period", "P13"], ["--rag", "purple"], ["--sort", "size"]])
def test_savings_status_bad_options_exit_2(args: list[str]) -> None:
    result = run("--data", str(DATA), "savings", "status", *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["savings", "status", "-f", "xml"],
            "Invalid value for '--format' / '-f': 'xml' is not one of 'table', 'json',",
        ),
        (["--units", "pence", "savings", "status"], "Invalid value for '--units': 'pence' is not one of 'pounds',"),
        (["savings", "status", "--units", "pence"], "Invalid value for '--units': 'pence' is not one of 'pounds',"),
        (["savings", "status", "--sort", "size"], "Invalid value for '--sort': 'size' is not one of 'id',"),
        (["savings", "update", "S06", "-p", "P07", "--forecast", "5", "--rag", "purple"], "'purple' is not one of"),
        (["measures", "update", "SO2-04", "-p", "P07", "--value", "5", "--clear", "value"], "'value' is not one of"),
        (["validate", "-f", "xml"], "Invalid value for '--format' / '-f': 'xml' is not one of 'text',"),
    ],
)
def test_a_bad_choice_is_said_plainly_not_in_pydantic_words(args: list[str], said: str) -> None:
    # Typer parses options through Pydantic, which words a refused choice "Value error, 'xml' is ...".
    result = run("--data", str(DATA), *args)
    shown = " ".join(result.stderr.replace("│", " ").split())
    assert result.exit_code == 2 and said in shown, shown
    assert "Value error" not in shown and "Traceback" not in result.output


def test_savings_status_strict_fails_on_warnings(data_copy: Path, edit: Edit) -> None:
    edit(
        data_copy / "savings.yaml",
        "    ongoing: 833000\n    one_off: 0\n",
        "    ongoing: 833000\n    one_off: 0\n    progress:\n      - period: P06\n        forecast: 600000\n"
        "        rag: green\n",
    )
    assert run("--data", str(data_copy), "savings", "status").exit_code == 0
    result = run("--data", str(data_copy), "savings", "status", "--strict")
    assert result.exit_code == 1 and "CSP404" in result.stderr


def test_savings_status_in_a_real_process_is_plain_text() -> None:
    done = subprocess.run(
        [str(SCRIPT), "savings", "status"], cwd=ROOT, capture_output=True, text=True, env=subprocess_env(), check=False
    )
    assert done.returncode == 0, done.stderr
    assert "\x1b[" not in done.stdout  # no colour when not a terminal
    assert "S12" in done.stdout and "reconciles" in done.stdout


def test_a_second_year_is_loaded_and_chosen_with_year(data_copy: Path) -> None:
    text = (data_copy / "savings.yaml").read_text()
    (data_copy / "savings_2026_27.yaml").write_text(
        text.replace("year: 2025-26", "year: 2026-27")
        .replace("ongoing: 833000", "ongoing: 733000")
        .replace("ongoing: 3226000", "ongoing: 3126000")
        .replace("total: 3258000", "total: 3158000")
    )
    assert run("--data", str(data_copy), "validate").exit_code == 0
    latest = json.loads(run("--data", str(data_copy), "savings", "status", "-f", "json").stdout)
    assert latest["year"] == "2026-27" and latest["totals"]["target"] == 3158000
    chosen = json.loads(run("--data", str(data_copy), "savings", "status", "--year", "2025-26", "-f", "json").stdout)
    assert chosen["year"] == "2025-26" and chosen["totals"]["target"] == 3258000
    missing = run("--data", str(data_copy), "savings", "status", "--year", "2030-31")
    assert missing.exit_code == 2 and f"no file for 2030-31 in {data_copy}" in missing.stderr
    for written in ("2025/26", "2025-2026", " 2025/2026 "):  # read as the files' year: is
        same = json.loads(run("--data", str(data_copy), "savings", "status", "--year", written, "-f", "json").stdout)
        assert same == chosen


@pytest.mark.parametrize(
    "command",
    [
        ("savings", "status"),
        ("pressures",),
        ("budget", "variance"),
        ("savings", "close-year", "--dry-run"),
        ("council", "status"),
    ],
)
@pytest.mark.parametrize("written", ["2024/26", "2025", "FY25", "2025-27"])
def test_a_year_that_is_not_a_financial_year_is_a_usage_error(
    data_copy: Path, command: tuple[str, ...], written: str
) -> None:
    """--year is read as a file's year: is; '2024/26' is not a year at all, so it is
    the command that is wrong (exit 2, at once), not the data."""
    result = run("--data", str(data_copy), *command, "--year", written)
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"csplan: error: --year '{written}' is not a financial year\n"
        "  hint: write it as 2025-26 (April 2025 to March 2026)\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("savings", "status", "--period", "P00"),
        ("savings", "status", "--since", "P00"),
        ("savings", "update", "S06", "--period", "P00", "--forecast", "1"),
        ("budget", "variance", "-p", "P00"),
        ("savings", "programme", "-p", "P00"),
    ],
)
def test_a_bad_period_is_said_alike_by_every_command(data_copy: Path, args: tuple[str, ...]) -> None:
    # savings status showed Typer's boxed usage error, savings update csplan's own line.
    result = run("--data", str(data_copy), *args)
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "csplan: error: period 'P00' is not one of P01 (April) .. P12 (March)\n  hint: write it as P01..P12\n"
    )


def test_a_bad_rag_filter_is_a_csplan_usage_error(data_copy: Path) -> None:
    result = run("--data", str(data_copy), "savings", "status", "--rag", "red,purple")
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "csplan: error: --rag 'purple' is not a status\n  hint: choose from blue, green, amber, red, not-reported\n"
    )


def _command_paths(command: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
        found += _command_paths(sub, (*path, name))
    return found


def test_template_does_not_offer_units_it_would_ignore(tmp_path: Path) -> None:
    """The returns workbook is in its savings file's units (its headers say so, and import
    reads it so): --units is not offered after the subcommand, and typed before it, it
    is refused rather than ignored."""
    out = str(tmp_path / "returns.xlsx")
    assert "--units" not in run("savings", "template", "--help").stdout
    assert "--units" in run("savings", "status", "--help").stdout  # still global elsewhere
    after = run("--data", str(DATA), "savings", "template", "-p", "P06", "-o", out, "--units", "thousands")
    assert after.exit_code == 2 and "No such option: --units" in after.output
    before = run("--data", str(DATA), "--units", "thousands", "savings", "template", "-p", "P06", "-o", out)
    assert before.exit_code == 2 and "--units does not apply to savings template" in before.stderr
    assert "in the savings file's units" in before.stderr and "in pounds" not in before.stderr
    assert not Path(out).exists()


def test_clear_help_names_at_risk_as_the_option_is_spelt() -> None:
    shown = " ".join(run("savings", "update", "--help", env={"COLUMNS": "200"}).stdout.split())
    assert "delivered, rag, note, achieved or at-risk (also spelt at_risk" in shown


def test_every_help_reads_as_paragraphs_in_80_columns() -> None:
    """Typer keeps a docstring's line breaks unless the help is Markdown: a line a little
    too long for the terminal then left one word on a line of its own ("in" under a
    long line). Each command's help, at 80 columns, fits and has no such orphan."""
    import typer.main

    paths = _command_paths(typer.main.get_command(app))
    assert len(paths) > 20  # every command and group, not a few
    for path in paths:
        result = run(*path, "--help", env={"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"})
        assert result.exit_code == 0, (path, result.output)
        lines = result.stdout.splitlines()
        assert all(len(line) <= 80 for line in lines), (path, result.stdout)
        # No Python type for a metavar (<list[Path]>), and none broken mid-word across
        # lines (<pounds|thousands|millio / ns>). (Typer's own <bool> on flags stays.)
        assert "list[" not in result.stdout and "Path>" not in result.stdout, (path, result.stdout)
        for line in lines:
            assert line.count("<") == line.count(">"), (path, line)
        for before, line, after in zip(lines, lines[1:], lines[2:], strict=False):
            # prose outside the panels: one word between two lines that carry on the text
            alone = line.strip() and " " not in line.strip() and not line.lstrip().startswith(("│", "╭", "╰"))
            assert not (alone and before.strip() and after.strip()), (path, line, result.stdout)


def mitigated_published(folder_copy: FolderCopy) -> Path:
    """examples/published (£'000) at P12 as a new user left it: SV01 reforecast to
    944.3211, SV01 and SV02 mitigated, SV06 falling short with no mitigation."""
    folder = folder_copy("published")
    for args in (
        ["savings", "update", "SV01", "--period", "P10", "--forecast", "944.3211"],
        ["savings", "mitigate", "SV01", "--period", "P12", "--amount", "60", "--note", "Vacancy savings"],
        ["savings", "mitigate", "SV02", "--period", "P12", "--amount", "80", "--note", "Grant"],
    ):
        result = run("--data", str(folder), *args)
        assert result.exit_code == 0, result.output
    return folder


def test_mitigation_totals_agree_in_every_output_and_add_up(folder_copy: FolderCopy, tmp_path: Path) -> None:
    """The mitigation table's total is the department's shortfall before and after
    mitigation (as the JSON totals), and it is the sum of the rows shown above it: the
    unmitigated SV06's shortfall has a row too. Table, Markdown, CSV, HTML and the
    workbook's Mitigations sheet give the same figures."""
    from openpyxl import load_workbook

    folder = mitigated_published(folder_copy)
    period = ("--period", "P12")
    totals = json.loads(run("--data", str(folder), "savings", "status", *period, "-f", "json").stdout)["totals"]
    # £'000: 255.6789 (SV01) + 300 (SV02) + 100 (SV06); 60 + 80 mitigated
    assert (totals["shortfall"], totals["mitigated"], totals["shortfall_after_mitigation"]) == (
        655678.9,
        140000,
        515678.9,
    )
    expected = {"SV01": ("255.6789", "60", "195.6789"), "SV02": ("300", "80", "220"), "SV06": ("100", "0", "100")}
    total = ("655.6789", "140", "515.6789")

    table = run("--data", str(folder), "savings", "status", *period).stdout
    shown = table[table.index("Shortfall before and after mitigation") :]
    rows = {
        cells[0]: tuple(cells[2:5])
        for line in shown.splitlines()
        if line.startswith("| ") and (cells := [c.strip() for c in line.strip("|").split("|")])[0] != "ID"
    }
    assert rows == {**expected, "Total": total}
    assert "| Total | 3 of 7 savings" in shown

    markdown = run("--data", str(folder), "savings", "status", *period, "-f", "markdown").stdout
    assert "| **Total** | **3 of 7 savings** | **655.6789** | **140** | **515.6789** |" in markdown

    lines = run("--data", str(folder), "savings", "status", *period, "-f", "csv").stdout.splitlines()
    header = lines[0].split(",")
    keys = ("shortfall (£'000)", "mitigated (£'000)", "shortfall_after_mitigation (£'000)")
    csv_rows = {cells[0]: cells for cells in (line.split(",") for line in lines[1:])}
    for key, column in enumerate(keys):
        figures = [Decimal(r[header.index(column)] or "0") for r in csv_rows.values()]
        assert sum(figures) == Decimal(total[key])
    assert tuple(csv_rows["SV06"][header.index(k)] for k in keys) == expected["SV06"]

    page = tmp_path / "r.html"
    assert run("--data", str(folder), "report", *period, "--output", str(page)).exit_code == 0
    html = page.read_text(encoding="utf-8")
    mitigation = html[html.index("Shortfall before and after mitigation") :]
    mitigation = mitigation[: mitigation.index("</table>")]
    for figure in (*total, "3 of 7 savings", "SV06"):
        assert f">{figure}<" in mitigation, figure

    book = tmp_path / "position.xlsx"
    assert run("--data", str(folder), "export", str(book), *period).exit_code == 0
    sheet = load_workbook(book)["Mitigations"]
    ids = [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)]
    assert ids[:4] == ["SV01", "SV02", "SV06", "Total"]
    last = ids.index("Total") + 2
    for column in "CDE":
        assert sheet[f"{column}{last}"].value == f"=SUM({column}2:{column}{last - 1})"
    assert [Decimal(str(sheet[f"C{r}"].value)) for r in range(2, last)] == [
        Decimal(d) for d in ("255.6789", "300", "100")
    ]
    assert sheet[f"B{last}"].value == "3 of 7 savings"


def test_status_says_who_has_not_returned_this_period(folder_copy: FolderCopy, tmp_path: Path) -> None:
    # The new-user trial: 8 of the 12 illustrative savings send a P07 return; S01, S05,
    # S09 and S12 do not (their latest is P06), which only the Period column showed.
    data = folder_copy("illustrative")

    def movement(*args: str) -> tuple[str, dict[str, object]]:
        text = run("--data", str(data), "savings", "status", "--period", "P07", *args).stdout
        [line] = [line for line in text.splitlines() if line.startswith("Movement since")]
        out = json.loads(run("--data", str(data), "savings", "status", "--period", "P07", "--format", "json").stdout)
        return line, out["movement"]

    # None returned for P07 yet: no saving is "reported at both"; each keeps its P06 return.
    line, moved = movement()
    assert line == (
        "Movement since P06: total forecast £2,561,000 → £2,561,000; no return for P07 from 11 savings (no change)"
    )
    assert (moved["compared"], moved["no_return"], moved["unchanged"], moved["movement"]) == (0, 11, 0, 0)
    for saving in ("S02", "S03", "S04", "S06", "S07", "S08", "S10", "S11"):
        # (S04's P07 keeps P06's £131,500 delivered to date: its forecast may not be less)
        forecast = "131500" if saving == "S04" else "25000"
        recorded = run("--data", str(data), "savings", "update", saving, "--period", "P07", "--forecast", forecast)
        assert recorded.exit_code == 0, recorded.output
    text = run("--data", str(data), "savings", "status", "--period", "P07", env={"COLUMNS": "200"}).stdout
    said = (
        "Returns for P07: 8 of 12 savings returned; outstanding: S01 (Head of Commissioning), "
        "S05 (Head of Traded Services), S09 (Head of Disabled Children's Services), S12 (Head of Children in Care)"
    )
    assert said in text
    row = next(line for line in text.splitlines() if line.startswith("| S05 "))
    assert "no return since P06" in row and "no change" not in row
    # Some returned: the 7 with a P07 return and a P06 one are compared; S10 is a first
    # return; S01, S05, S09, S12 are counted apart. 6 x £25,000 + £131,500 against their P06
    # £1,970,000: down £1,688,500; £2,561,000 - £1,688,500 + £25,000 = £897,500.
    line, moved = movement()
    assert line == (
        "Movement since P06: total forecast £2,561,000 → £897,500; down £1,688,500 on the 7 savings reported "
        "at both (6 down, 1 unchanged); no return for P07 from 4 savings (no change); 1 first return adding £25,000"
    )
    assert (moved["compared"], moved["down"], moved["unchanged"], moved["no_return"]) == (7, 6, 1, 4)
    assert (moved["movement"], moved["no_return_movement"], moved["period"]) == (-1688500, 0, "P07")
    data_out = json.loads(run("--data", str(data), "savings", "status", "--period", "P07", "--format", "json").stdout)
    assert data_out["returns"] == {"period": "P07", "returned": 8, "outstanding": ["S01", "S05", "S09", "S12"]}
    assert {s["id"]: s["direction"] for s in data_out["savings"]}["S09"] == "no return"
    assert data_out["movement"]["no_return"] == 4 and data_out["movement"]["unchanged"] == 1
    markdown = run("--data", str(data), "savings", "status", "--period", "P07", "--format", "markdown").stdout
    assert said in markdown
    page = tmp_path / "report.html"
    assert run("--data", str(data), "report", "--period", "P07", "-o", str(page)).exit_code == 0
    assert said.replace("'", "&#39;") in page.read_text(encoding="utf-8")
    # One holder's savings: the line counts those alone.
    mine = run("--data", str(data), "savings", "status", "--period", "P07", "--owner", "Head of Traded Services").stdout
    assert "Returns for P07: 1 of 2 savings returned; outstanding: S05 (Head of Traded Services)" in mine
    # All returned: every saving is compared, and no sentence part speaks of a missing return.
    for saving, forecast in (("S01", "32000"), ("S05", "49000"), ("S09", "450000"), ("S12", "60000")):
        recorded = run("--data", str(data), "savings", "update", saving, "--period", "P07", "--forecast", forecast)
        assert recorded.exit_code == 0, recorded.output
    line, moved = movement()
    assert line == (
        "Movement since P06: total forecast £2,561,000 → £897,500; down £1,688,500 on the 11 savings reported "
        "at both (6 down, 5 unchanged); 1 first return adding £25,000"
    )
    assert (moved["compared"], moved["unchanged"], moved["no_return"]) == (11, 5, 0)


def test_a_folder_without_the_kind_asked_for_says_how_to_add_one(folder_copy: FolderCopy) -> None:
    # The new-user trial: `pressures` on examples/published (savings and a budget, no
    # pressures) said only "no pressures file in ...".
    folder = folder_copy("published")
    result = run("--data", str(folder), "pressures")
    assert result.exit_code == 2
    assert f"csplan: error: no pressures file in {folder}\n" in result.stderr
    assert "  hint: it holds budget and savings files only; add a pressures file (kind: pressures; " in result.stderr
    assert "csplan init NEWDIR --department NAME --year 2025-26 writes an empty one to copy)" in result.stderr
    # A kind init does not start: where its fields are, no init.
    result = run("--data", str(folder), "measures")
    assert (
        result.exit_code == 2
        and "add a measures file (kind: measures; csplan schema measures lists its fields)\n" in (result.stderr)
    )
