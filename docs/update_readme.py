"""Rewrite the README's ```console examples with the commands' real output.

    python docs/update_readme.py        # rewrite README.md in place
    python docs/update_readme.py --check  # exit 1 if any example is stale

tests/test_docs.py runs the same commands and fails on a stale example.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from fixtures import docs_workspace

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SCRIPT = Path(sys.executable).parent / "csplan"
BLOCK = re.compile(r"```console\n\$ (.+?)\n(.*?)```", re.S)


def real_output(command: str, cwd: Path) -> str:
    """What ``command`` (a csplan command line) prints, as a reader's terminal would
    show it piped: no colour, 120 columns."""
    args = shlex.split(command)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    env.pop("CSPLAN_DATA", None)
    done = subprocess.run([str(SCRIPT), *args[1:]], cwd=cwd, capture_output=True, text=True, env=env, check=False)
    return done.stdout + done.stderr


def main() -> int:
    text = README.read_text(encoding="utf-8")
    # The examples run on the plan as transcribed (data/ without the monitoring returns
    # officers record in it), in a copy of the repository's top level: see fixtures.py.
    with tempfile.TemporaryDirectory() as folder:
        workspace = docs_workspace(Path(folder) / "repo")
        updated = BLOCK.sub(lambda m: f"```console\n$ {m[1]}\n{real_output(m[1], workspace)}```", text)
    if "--check" in sys.argv:
        return 0 if updated == text else 1
    README.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
