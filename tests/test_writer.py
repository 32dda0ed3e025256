"""csplan.writer: concurrent editors, file fidelity, permissions, and outputs that never destroy.

Processes, permissions and signals matter here, so most tests run the installed csplan
script in real processes. CI runs as root: permission tests drop to the nobody user in
the child, or skip saying why.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import DATA, FolderCopy
from csplan import validate_plan
from csplan.errors import DataError
from csplan.savings_edit import Return, prepare_return

SCRIPT = str(Path(sys.executable).parent / "csplan")
IDS = [f"S{n:02d}" for n in range(1, 13)]
NOBODY = 65534


def env(**extra: str) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if k != "CSPLAN_DATA"}
    return {**values, "NO_COLOR": "1", **extra}


def csplan(data: Path, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [SCRIPT, "--data", str(data), *args], capture_output=True, text=True, env=env(), check=False, **kwargs
    )


def start(data: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [SCRIPT, "--data", str(data), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env()
    )


def forecasts(data: Path) -> dict[tuple[str, str], object]:
    plan, findings = validate_plan(data)
    assert [f for f in findings if f.severity == "error"] == []
    found = plan.savings()
    assert found is not None
    return {(s.id, p.period): p.forecast for s in found[1].lines for p in s.progress}


def temporaries(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".csplan-tmp") or name.endswith(".tmp"))


# -- concurrent writers ------------------------------------------------------------------


def test_twelve_updates_at_once_all_survive(data_copy: Path) -> None:
    """Before the lock, 1 to 3 of the 12 returns were left, and every run said 'recorded'."""
    runs = [start(data_copy, "savings", "update", i, "--period", "P06", "--forecast", "80000") for i in IDS]
    results = [(run.wait(timeout=60), run.communicate()) for run in runs]
    for code, (out, err) in results:
        assert code == 0, err
        assert "recorded P06" in out
    found = forecasts(data_copy)
    assert sorted(i for i, _ in found) == IDS
    assert temporaries(data_copy) == []


def test_an_import_racing_updates_loses_nothing(data_copy: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "returns.csv"
    sheet.write_text("id,period,forecast\n" + "".join(f"{i},P06,70000\n" for i in IDS[:6]), encoding="utf-8")
    runs = [start(data_copy, "savings", "import", str(sheet))]
    runs += [start(data_copy, "savings", "update", i, "--period", "P06", "--forecast", "150000") for i in IDS[6:]]
    for run in runs:
        _, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
    expected = {(i, "P06"): 70000 for i in IDS[:6]} | {(i, "P06"): 150000 for i in IDS[6:]}
    assert forecasts(data_copy) == expected


def test_measures_updates_at_once_all_survive(data_copy: Path) -> None:
    ids = [f"SO1-0{n}" for n in range(3, 10)] + [f"SO2-0{n}" for n in range(4, 7)]
    runs = [start(data_copy, "measures", "update", i, "--period", "Q1", "--value", "50") for i in ids]
    for run in runs:
        _, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
    plan, _ = validate_plan(data_copy)
    found = plan.measures()
    assert found is not None
    recorded = {m.id for o in found[1].objectives for m in o.measures if m.progress}
    assert recorded == set(ids)


# -- the lock ------------------------------------------------------------------------------

HOLD = """
import fcntl, os, sys, time
handle = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(handle, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(60)
"""


@pytest.fixture
def holder(data_copy: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the data folder's lock."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(data_copy)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "locked\n"
    yield process
    process.kill()
    process.wait()


def test_a_busy_folder_is_a_bounded_wait_naming_the_holder(data_copy: Path, holder: subprocess.Popen[str]) -> None:
    before = (data_copy / "savings.yaml").read_bytes()
    started = time.monotonic()
    done = subprocess.run(
        [SCRIPT, "--data", str(data_copy), "savings", "update", "S01", "--period", "P06", "--forecast", "30000"],
        capture_output=True,
        text=True,
        env=env(CSPLAN_LOCK_WAIT="0.5"),
        check=False,
    )
    assert 0.5 <= time.monotonic() - started < 10
    assert done.returncode == 1
    assert f"is busy, held by pid {holder.pid}; waited 0.5 s and wrote nothing" in done.stderr
    assert "Traceback" not in done.stderr
    assert (data_copy / "savings.yaml").read_bytes() == before


def test_a_killed_holder_never_blocks(data_copy: Path, holder: subprocess.Popen[str]) -> None:
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    done = subprocess.run(
        [SCRIPT, "--data", str(data_copy), "savings", "update", "S01", "--period", "P06", "--forecast", "30000"],
        capture_output=True,
        text=True,
        env=env(CSPLAN_LOCK_WAIT="0"),
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_a_change_made_meanwhile_is_refused_not_overwritten(data_copy: Path) -> None:
    """An editor or a git pull does not take csplan's lock: the write compares first."""
    update = prepare_return(data_copy, Return("S01", "P06", "90000"))
    path = data_copy / "savings.yaml"
    theirs = path.read_text(encoding="utf-8").replace("# ", "# edited meanwhile: ", 1)
    path.write_text(theirs, encoding="utf-8")
    with pytest.raises(DataError, match="changed since csplan read it"):
        update.write()
    assert path.read_text(encoding="utf-8") == theirs


def test_writes_killed_at_any_moment_leave_a_valid_file_and_no_temporaries(data_copy: Path) -> None:
    for round_ in range(6):
        runs = [start(data_copy, "savings", "update", i, "--period", "P06", "--forecast", "80000") for i in IDS]
        time.sleep(0.05 + 0.04 * round_)
        for run in runs:
            run.kill()
            run.communicate()
        forecasts(data_copy)  # the file is whole: the old one or a new one
    stale = data_copy / f".savings.yaml.{2**22 + 1}.0badf00d.csplan-tmp"
    stale.write_text("half a file", encoding="utf-8")
    assert csplan(data_copy, "savings", "update", "S12", "--period", "P12", "--forecast", "50000").returncode == 0
    assert temporaries(data_copy) == []


# -- keeping the file as people made it -----------------------------------------------------


def test_crlf_bom_mode_and_symlink_are_kept(data_copy: Path, tmp_path: Path) -> None:
    real = tmp_path / "elsewhere" / "savings.yaml"
    real.parent.mkdir()
    text = (data_copy / "savings.yaml").read_text(encoding="utf-8")
    real.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    real.chmod(0o640)
    (data_copy / "savings.yaml").unlink()
    (data_copy / "savings.yaml").symlink_to(real)
    done = csplan(data_copy, "savings", "update", "S07", "--period", "P06", "--forecast", "420000", "--note", "n")
    assert done.returncode == 0, done.stderr
    link = data_copy / "savings.yaml"
    assert link.is_symlink() and link.resolve() == real
    raw = real.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\n") == raw.count(b"\r\n") > text.count("\n")
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert forecasts(data_copy) == {("S07", "P06"): 420000}
    assert temporaries(real.parent) == [] and temporaries(data_copy) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another owner to test keeping it")
def test_owner_and_group_are_kept(data_copy: Path) -> None:
    path = data_copy / "savings.yaml"
    os.chown(path, NOBODY, NOBODY)
    assert csplan(data_copy, "savings", "update", "S01", "--period", "P06", "--forecast", "30000").returncode == 0
    assert (path.stat().st_uid, path.stat().st_gid) == (NOBODY, NOBODY)


def test_a_read_only_file_is_refused(data_copy: Path) -> None:
    path = data_copy / "savings.yaml"
    before = path.read_bytes()
    path.chmod(0o444)
    done = csplan(data_copy, "savings", "update", "S01", "--period", "P06", "--forecast", "30000")
    assert done.returncode == 1
    assert "is read-only (mode 0444); nothing was written" in done.stderr
    assert path.read_bytes() == before and stat.S_IMODE(path.stat().st_mode) == 0o444


def as_user(uid: int, args: list[str]) -> tuple[int, str]:
    """Run csplan's CLI in a forked child that has dropped to ``uid``: (exit code, stderr).

    In-process rather than the script: the interpreter itself may live where another
    user cannot read it (a pyenv under /root). The parent runs the same command as a dry
    run first, so every module the child needs is already imported.
    """
    from typer.testing import CliRunner

    from csplan.cli import app

    assert CliRunner().invoke(app, [*args, "--dry-run"]).exit_code == 0
    with tempfile.TemporaryFile() as errors:
        pid = os.fork()
        if pid == 0:  # the child: drop privileges, run, and never return into pytest
            code = 70
            try:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                os.dup2(errors.fileno(), 2)
                sys.stderr = os.fdopen(2, "w", closefd=False)
                try:
                    app(args, prog_name="csplan")
                    code = 0
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
                sys.stderr.flush()
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        errors.seek(0)
        return os.waitstatus_to_exitcode(status), errors.read().decode()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run csplan as another user")
def test_a_file_the_user_may_not_write_is_refused_even_in_a_writable_folder() -> None:
    """A rename in a folder anyone may write would go around the file's own permissions."""
    with tempfile.TemporaryDirectory() as top:
        folder = Path(top) / "data"
        subprocess.run(["cp", "-r", str(DATA), str(folder)], check=True)
        os.chmod(top, 0o755)
        os.chmod(folder, 0o777)  # nobody may create and rename files here
        path = folder / "savings.yaml"
        path.chmod(0o644)  # root's file: nobody may only read it
        before = path.read_bytes()
        args = ["--data", str(folder), "savings", "update", "S01", "--period", "P06", "--forecast", "30000"]
        code, errors = as_user(NOBODY, args)
        assert code == 1, errors
        assert "you may not write" in errors and "nothing was written" in errors
        assert path.read_bytes() == before and path.stat().st_uid == 0
        assert temporaries(folder) == []


# -- outputs --------------------------------------------------------------------------------


def test_a_fifo_a_folder_or_a_device_is_never_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    sheet = tmp_path / "returns.xlsx"
    os.mkfifo(sheet)
    for args in (
        ["report", "-o", str(fifo)],
        ["export", str(folder)],
        ["savings", "template", "-p", "P06", "-o", str(sheet)],
    ):
        done = csplan(DATA, *args, timeout=30)
        assert done.returncode == 2, done.stderr
        assert "csplan writes the" in done.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and folder.is_dir() and stat.S_ISFIFO(sheet.lstat().st_mode)
    device = tmp_path / "null.html"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null of our own
    except (PermissionError, OSError):
        pytest.skip("cannot make a device node here (not root, or a nodev filesystem)")
    done = csplan(DATA, "report", "-o", str(device))
    assert done.returncode == 2 and "not a regular file" in done.stderr
    assert stat.S_ISCHR(device.lstat().st_mode)


def test_wrong_suffixes_and_data_files_are_refused(data_copy: Path, tmp_path: Path) -> None:
    assert csplan(data_copy, "report", "-o", str(tmp_path / "r.xlsx")).returncode == 2
    assert csplan(data_copy, "export", str(tmp_path / "w.html")).returncode == 2
    sneaky = tmp_path / "report.html"
    sneaky.symlink_to(data_copy / "savings.yaml")
    before = (data_copy / "savings.yaml").read_bytes()
    done = csplan(data_copy, "report", "-o", str(sneaky))
    assert done.returncode == 2 and "is a data file of" in done.stderr
    assert (data_copy / "savings.yaml").read_bytes() == before
    assert not list(tmp_path.glob("*.xlsx")) and not list(tmp_path.glob("w.html"))


def files_of(root: Path) -> dict[str, bytes | str]:
    """Every file under ``root``: a link as the path it points to, any other file as its bytes."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if path.is_symlink():
            found[name] = os.readlink(path)
        elif path.is_file():
            found[name] = path.read_bytes()
    return found


# Every command that writes an output file: (its arguments, given the output path and the
# folders of the layout below; the name the output file has).
OUTPUT_COMMANDS = {
    "council report": (
        lambda out, root: ["--data", str(root / "council"), "council", "report", "-o", str(out)],
        "c.html",
    ),
    "export of a department": (
        lambda out, root: ["--data", str(root / "council"), "--department", "child", "export", str(out)],
        "w.xlsx",
    ),
    "template of a department": (
        lambda out, root: [
            "--data",
            str(root / "council"),
            "--department",
            "adult",
            "savings",
            "template",
            "-p",
            "P07",
            "-o",
            str(out),
        ],
        "t.xlsx",
    ),
    "report": (lambda out, root: ["--data", str(root / "dept"), "report", "-o", str(out)], "r.html"),
    "export": (lambda out, root: ["--data", str(root / "dept"), "export", str(out)], "w.xlsx"),
    "template": (
        lambda out, root: ["--data", str(root / "dept"), "savings", "template", "-p", "P07", "-o", str(out)],
        "t.xlsx",
    ),
    "schema --write": (
        lambda out, root: ["--data", str(root / "dept"), "schema", "--write", str(out.parent)],
        "savings.schema.json",
    ),
}
# What a link named as the output may lead to, relative to the layout's root: each is a
# data file csplan loads, would load, or that is plainly somebody's data.
DATA_TARGETS = {
    "another department's savings file": "council/adult-social-care/savings.yaml",
    "the council file": "council/council.yaml",
    "a department's next year, not made yet": "council/childrens-services/savings_2026_27.yaml",
    "a department file with no kind yet": "council/adult-social-care/notes.yaml",
    "a data folder's budget": "dept/budget_2025_26.yaml",
    "a data file outside every folder csplan reads": "elsewhere/savings.yaml",
    "a data file not named .yaml": "elsewhere/budget-backup",
    "any YAML file": "elsewhere/compose.yml",
}


@pytest.fixture
def output_layout(folder_copy: FolderCopy) -> Path:
    """council/ (examples/council), dept/ (a department folder, the plan) and elsewhere/
    (a copy of a data file, a renamed budget and an unrelated YAML file)."""
    folder_copy("council", "council")
    dept = folder_copy(DATA, "dept")
    root = dept.parent
    (root / "council" / "adult-social-care" / "notes.yaml").write_text("# to fill in\n")
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "savings.yaml").write_bytes((dept / "savings.yaml").read_bytes())
    (root / "elsewhere" / "budget-backup").write_bytes((dept / "budget_2025_26.yaml").read_bytes())
    (root / "elsewhere" / "compose.yml").write_text("services:\n  web: {image: nginx}\n")
    return root


@pytest.mark.parametrize("command", OUTPUT_COMMANDS)
def test_no_output_is_written_over_a_data_file_through_a_link(output_layout: Path, command: str) -> None:
    args, name = OUTPUT_COMMANDS[command]
    for number, (case, target) in enumerate(DATA_TARGETS.items()):
        out = output_layout / "out" / str(number) / name
        out.parent.mkdir(parents=True)
        out.symlink_to(output_layout / target)
        if number % 2:  # a link to a link to the data file
            (out.parent / f"hop{out.suffix}").symlink_to(output_layout / target)
            out.unlink()
            out.symlink_to(f"hop{out.suffix}")
        before = files_of(output_layout)
        done = subprocess.run(
            [SCRIPT, *args(out, output_layout)], capture_output=True, text=True, env=env(), check=False, timeout=60
        )
        assert done.returncode == 2, (case, done.stdout, done.stderr)
        assert "will not write the" in done.stderr and str(out) in done.stderr, (case, done.stderr)
        assert files_of(output_layout) == before, case


def test_a_link_to_an_ordinary_output_file_is_written_through(output_layout: Path) -> None:
    outputs = output_layout / "reports"
    outputs.mkdir()
    (outputs / "old.html").write_text("<p>last month</p>\n")
    (outputs / "report.html").symlink_to("old.html")
    (outputs / "latest.xlsx").symlink_to("november.xlsx")  # not made yet
    data = files_of(output_layout / "dept")
    report = csplan(output_layout / "dept", "report", "-o", str(outputs / "report.html"))
    export = csplan(output_layout / "dept", "export", str(outputs / "latest.xlsx"))
    assert report.returncode == 0 and export.returncode == 0, report.stderr + export.stderr
    assert os.readlink(outputs / "report.html") == "old.html"
    assert (outputs / "old.html").read_bytes().startswith(b"<!DOCTYPE html>")
    assert os.readlink(outputs / "latest.xlsx") == "november.xlsx"
    assert (outputs / "november.xlsx").read_bytes().startswith(b"PK")
    assert files_of(output_layout / "dept") == data


def test_a_link_to_a_fifo_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "r.html").symlink_to("pipe")
    done = csplan(DATA, "report", "-o", str(tmp_path / "r.html"), timeout=30)
    assert done.returncode == 2 and "not a regular file" in done.stderr
    assert stat.S_ISFIFO((tmp_path / "pipe").lstat().st_mode) and (tmp_path / "r.html").is_symlink()


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_new_outputs_get_the_umask_permissions(tmp_path: Path, umask: int) -> None:
    def child() -> None:
        os.umask(umask)

    for args, name in (
        (["report", "-o"], "r.html"),
        (["export"], "w.xlsx"),
        (["savings", "template", "-p", "P06", "-o"], "t.xlsx"),
    ):
        done = csplan(DATA, *args, str(tmp_path / name), preexec_fn=child)
        assert done.returncode == 0, done.stderr
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask
    done = csplan(DATA, "schema", "--write", str(tmp_path / "schema"), preexec_fn=child)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((tmp_path / "schema" / "savings.schema.json").stat().st_mode) == 0o666 & ~umask
    assert temporaries(tmp_path) == []


def test_schema_write_refuses_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "savings.schema.json")
    done = csplan(DATA, "schema", "--write", str(tmp_path), timeout=30)
    assert done.returncode == 2, done.stderr
    assert stat.S_ISFIFO((tmp_path / "savings.schema.json").lstat().st_mode)
    assert not (tmp_path / "budget.schema.json").exists()


def test_a_filesystem_that_cannot_lock_is_said_and_the_edit_still_checked(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Some network shares refuse flock (ENOLCK): csplan says so and writes, still
    refusing a file changed meanwhile."""
    import errno
    import fcntl

    from csplan import writer

    def refuse(handle: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", refuse)
    with writer.folder_lock(data_copy, wait=0):
        prepare_return(data_copy, Return("S01", "P06", "90000")).write()
    assert "cannot lock data folder" in capsys.readouterr().err
    assert forecasts(data_copy) == {("S01", "P06"): 90000}
