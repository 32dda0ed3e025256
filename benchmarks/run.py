"""Benchmark csplan: start-up against the import floor, and scale on generated data.

A benchmark, not a test: it prints figures and never fails on them. Run with
``make bench`` (or ``python benchmarks/run.py``); ``--quick`` skips 100,000 lines.

Each command runs in a fresh process, several times; the table gives the median,
min and max wall time and the peak resident memory (from the child's rusage), and
the ratios the performance issue sets targets for.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import write_folder

BIN = Path(sys.executable).parent
CSPLAN = str(BIN / "csplan")
ROOT = Path(__file__).resolve().parent.parent


def run_once(command: list[str], output: Any = subprocess.DEVNULL, expect: int = 0) -> tuple[float, int]:
    """Wall time of one run, and its peak RSS (KiB); stdout goes to ``output``. Stops
    the benchmark when the exit code is not ``expect``."""
    env = {**os.environ, "NO_COLOR": "1"}
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=output, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != expect:
        raise SystemExit(f"{' '.join(command)} exited with {os.waitstatus_to_exitcode(status)}, not {expect}")
    return elapsed, usage.ru_maxrss


def measure(commands: list[list[str]], runs: int) -> list[tuple[list[float], int]]:
    """Each command ``runs`` times, interleaved (a, b, a, b ...) so that a machine's
    drift during the measurement affects every command alike: ratios stay fair."""
    times: list[list[float]] = [[] for _ in commands]
    peaks = [0] * len(commands)
    for _ in range(runs):
        for index, command in enumerate(commands):
            elapsed, peak = run_once(command)
            times[index].append(elapsed)
            peaks[index] = max(peaks[index], peak)
    return list(zip(times, peaks, strict=True))


def row(name: str, times: list[float], peak: int) -> str:
    median = statistics.median(times)
    return f"| {name} | {median:.3f} | {min(times):.3f} | {max(times):.3f} | {peak / 1024:.0f} |"


# How each kind of spoilt line is made: the key of the line spoilt, and the new line.
SPOILS: dict[str, tuple[str, Callable[[str], str]]] = {
    "value": ("    ongoing: ", lambda line: "    ongoing: 12O00\n"),  # a letter O for a zero
    "syntax": ("    description: ", lambda line: line.rstrip("\n") + ": broken\n"),  # a second colon
}


def corrupted(folder: Path, fraction: float, change: str) -> str:
    """Spoil one line about ``fraction`` of the way through savings.yaml, validate once,
    and say whether csplan reported that very line (and how long it took)."""
    path = folder / "savings.yaml"
    original = path.read_bytes()
    lines = original.decode().splitlines(keepends=True)
    key, spoil = SPOILS[change]
    index = next(i for i in range(int(len(lines) * fraction), len(lines)) if lines[i].startswith(key))
    lines[index] = spoil(lines[index])
    path.write_text("".join(lines), encoding="utf-8")
    command = [CSPLAN, "--data", str(folder), "validate", "--format", "json"]
    try:
        with tempfile.TemporaryFile() as output:
            elapsed, peak = run_once(command, output, expect=1)
            output.seek(0)
            findings = json.load(output)
    finally:
        path.write_bytes(original)
    errors = [f for f in findings if f["severity"] == "error"]
    places = ", ".join(f"{f['code']} at line {f['line']:,}" for f in errors)
    verdict = "the right line" if [f["line"] for f in errors] == [index + 1] else "WRONG"
    cost = f"{elapsed:.1f} s, {peak / 1024:.0f} MB"
    return f"- {change} spoilt at line {index + 1:,}: exit 1, {places} ({verdict}), {cost}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-line data set")
    parser.add_argument("--runs", type=int, default=5, help="runs per command (3 for 100,000 lines)")
    args = parser.parse_args()
    # Time csplan as installed: with its modules compiled, as the floor's are (pip
    # compiles site-packages; an editable install with PYTHONDONTWRITEBYTECODE set
    # would otherwise compile csplan's source on every run).
    compileall.compile_dir(ROOT / "src" / "csplan", quiet=1)

    results: dict[str, float] = {}
    lines = ["| command | median s | min s | max s | peak MB |", "|---|---:|---:|---:|---:|"]

    def bench(named: dict[str, list[str]], runs: int) -> None:
        for (name, _), (times, peak) in zip(named.items(), measure(list(named.values()), runs), strict=True):
            results[name] = statistics.median(times)
            lines.append(row(name, times, peak))
            print(lines[-1], flush=True)

    print("\n".join(lines), flush=True)
    bench(
        {
            "floor: python -c 'import typer, pydantic, yaml'": [sys.executable, "-c", "import typer, pydantic, yaml"],
            "csplan --version": [CSPLAN, "--version"],
            "csplan --help": [CSPLAN, "--help"],
            "csplan validate (shipped data)": [CSPLAN, "validate"],
        },
        max(args.runs * 3, 15),
    )

    sizes = [1_000, 10_000] + ([] if args.quick else [100_000])
    checks: list[str] = []
    with tempfile.TemporaryDirectory(prefix="csplan-bench-") as tmp:
        for size in sizes:
            folder = Path(tmp) / f"data-{size}"
            start = time.perf_counter()
            write_folder(folder, size)
            print(
                f"(generated {size:,} savings, "
                f"{sum(1 for _ in (folder / 'savings.yaml').open()):,} YAML lines, "
                f"in {time.perf_counter() - start:.1f} s)",
                flush=True,
            )
            bench(
                {
                    f"validate {size:,}": [CSPLAN, "--data", str(folder), "validate"],
                    f"savings status --format json {size:,}": [
                        CSPLAN,
                        "--data",
                        str(folder),
                        "savings",
                        "status",
                        "--format",
                        "json",
                    ],
                },
                3 if size >= 100_000 else args.runs,
            )

            if size == sizes[-1]:
                checks = [corrupted(folder, 0.5, "value"), corrupted(folder, 0.7, "syntax")]

    print("\nOne line spoilt in the largest file, validated once:")
    print("\n".join(checks))
    floor = results["floor: python -c 'import typer, pydantic, yaml'"]
    print("\nRatios (targets in brackets):")
    print(f"- csplan --version / floor: {results['csplan --version'] / floor:.2f}x (<= 1.2x)")
    shipped = results["csplan validate (shipped data)"]
    print(f"- csplan validate (shipped) / floor: {shipped / floor:.2f}x (<= 1.3x)")
    big = sizes[-1]
    if big == 100_000:
        print(f"- validate 100,000: {results['validate 100,000']:.2f} s (< 10 s)")
        print(f"- validate 100,000 / 10,000: {results['validate 100,000'] / results['validate 10,000']:.1f}x (<= 12x)")
    status, validate = results[f"savings status --format json {big:,}"], results[f"validate {big:,}"]
    print(f"- savings status --format json / validate at {big:,}: {status / validate:.2f}x (<= 1.5x)")


if __name__ == "__main__":
    main()
