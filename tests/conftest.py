"""Shared fixtures: the plan as transcribed (data/ without its monitoring returns), a
private copy of it, and a text editor for it."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest
from typer.testing import CliRunner, Result

ROOT = Path(__file__).resolve().parent.parent
LIVE_DATA = ROOT / "data"
"""The department's working folder: only the data-fidelity tests read it, and only
the plan's own figures, never the monitoring returns officers record in it."""
EXAMPLES = ROOT / "examples"
SOURCE = ROOT / "docs" / "source" / "service-plan-2025-29.txt"

sys.path.insert(0, str(ROOT / "docs"))
from fixtures import docs_workspace, plan_only  # noqa: E402

_PLAN = Path(tempfile.mkdtemp(prefix="csplan-plan-"))
atexit.register(shutil.rmtree, _PLAN, True)
DATA = plan_only(LIVE_DATA, _PLAN / "data")
"""The plan as transcribed: a copy of data/ without its monitoring returns, made once
per run, so that a return recorded in data/ changes no test's outcome. Read only."""

__all__ = [
    "DATA",
    "EXAMPLES",
    "LIVE_DATA",
    "ROOT",
    "SOURCE",
    "FolderCopy",
    "csplan",
    "docs_workspace",
    "plan_only",
]


class FolderCopy(Protocol):
    def __call__(self, source: str | Path, dest: str = "data") -> Path: ...


@pytest.fixture
def folder_copy(tmp_path: Path) -> FolderCopy:
    """Copy a folder into this test's tmp_path and return the copy, which the test may change.

    ``source`` is an example by name (``"illustrative"`` is examples/illustrative) or a
    folder (``DATA``, ``LIVE_DATA``); ``dest`` is where under tmp_path the copy goes
    (``"repo/data"``). Running csplan on a copy is what keeps the tests from writing to
    data/ or examples/, so a return recorded in data/ never turns CI red."""

    def _copy(source: str | Path, dest: str = "data") -> Path:
        target = tmp_path / dest
        assert target.resolve().is_relative_to(tmp_path.resolve()), f"{dest!r} is outside tmp_path"
        shutil.copytree(EXAMPLES / source if isinstance(source, str) else source, target)
        return target

    return _copy


@pytest.fixture
def data_copy(folder_copy: FolderCopy) -> Path:
    """A copy of the plan (data/ without its returns) that a test may change."""
    return folder_copy(DATA)


@pytest.fixture
def year_end(folder_copy: FolderCopy) -> Path:
    """A copy of examples/year-end (the plan at P12, ready to close) that a test may change."""
    return folder_copy("year-end")


def csplan(data: Path, *args: str) -> Result:
    """``csplan --data DATA ARGS...`` run in this process (Typer's test runner)."""
    from csplan.cli import app

    return CliRunner().invoke(app, ["--data", str(data), *args])


Edit = Callable[[Path, str, str], None]


@pytest.fixture
def edit() -> Edit:
    """Replace exactly one occurrence of ``old`` with ``new`` in a file."""

    def _edit(path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return _edit


def add_returns(path: Path, returns: dict[str, str]) -> None:
    """Give savings in a savings.yaml monitoring returns: ``{"S06": "P05 600000, P07 550000"}``.

    Each saving must have no ``progress`` yet (as in the shipped data)."""
    text = path.read_text(encoding="utf-8")
    for saving, entries in returns.items():
        head = f"  - id: {saving}\n"
        start = text.index(head)
        # The block ends at the next line indented less than its fields.
        following = re.search(r"\n(?!    |\n)", text[start + len(head) - 1 :])
        end = start + len(head) - 1 + following.end() - 1 if following else len(text)
        block = text[start:end]
        assert "progress:" not in block, f"{saving} already has progress in {path}"
        lines = ["    progress:\n"]
        for entry in entries.split(","):
            period, forecast = entry.split()
            lines.append(f"      - period: {period}\n        forecast: {forecast}\n")
        block = block.rstrip("\n") + "\n" + "".join(lines)
        text = text[:start] + block + text[end:]
    path.write_text(text, encoding="utf-8")


@dataclass(frozen=True)
class Measured:
    """A finished subprocess: its exit code, output, wall time and peak memory."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


_MEASURE = """
import os, resource, subprocess, sys
limit = int(sys.argv[2])
def cap():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
child = subprocess.Popen(sys.argv[3:], preexec_fn=cap)
_, status, usage = os.wait4(child.pid, 0)
child.returncode = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as report:
    report.write(f"{child.returncode} {usage.ru_maxrss}")
"""


def run_measured(args: list[str], *, timeout: float = 30, memory_cap_mb: int = 2048) -> Measured:
    """Run ``args`` and measure its own peak RSS and wall time.

    A child's peak RSS starts at its parent's size when it is forked (hundreds of MB
    late in a test run), so a small Python starts the command and measures it with
    ``wait4``. The address space is capped, so a run that would take gigabytes (as the
    bugs these tests guard against did) fails quickly instead of starving the machine;
    a run past ``timeout`` is killed with its process group and fails the test."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "measured"
        out_path, err_path = Path(folder) / "out", Path(folder) / "err"
        start = time.monotonic()
        with out_path.open("wb") as out, err_path.open("wb") as err:
            measurer = subprocess.Popen(
                [sys.executable, "-c", _MEASURE, str(report), str(memory_cap_mb * 1024 * 1024), *args],
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
            try:
                measurer.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(measurer.pid, 9)
                measurer.wait()
                pytest.fail(f"{' '.join(args)} still running after {timeout} s")
        seconds = time.monotonic() - start
        returncode, peak_kb = report.read_text().split()
        return Measured(
            int(returncode),
            out_path.read_bytes().decode("utf-8", "replace"),
            err_path.read_bytes().decode("utf-8", "replace"),
            seconds,
            int(peak_kb) / 1024,
        )


CSPLAN = str(Path(sys.executable).parent / "csplan")
"""The installed csplan, for tests that run it as a process."""


def csp302_folder(folder_copy: FolderCopy) -> Path:
    """The plan (``DATA``) with S06 and the savings file's stated totals at £3,225,000
    while the budget still includes £3.258m of savings: one CSP302 error, and the
    figures of a report or workbook disagree (the headline £3,225,000, the bridge
    £3.258m). What a new-user trial did; the report and workbook are still written."""
    folder = folder_copy(DATA, "csp302")
    savings = folder / "savings.yaml"
    text = savings.read_text(encoding="utf-8")
    for old, new in (
        ("    ongoing: 833000\n", "    ongoing: 800000\n"),
        ("  ongoing: 3226000\n", "  ongoing: 3193000\n"),
        ("  total: 3258000\n", "  total: 3225000\n"),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    savings.write_text(text, encoding="utf-8")
    return folder
