"""``csplan init``: a new department's data folder, empty but valid, and its council entry.

The files hold the header every data file needs and comments saying what to fill in;
they hold no figures at all (no lines, no stated totals), so nothing in them can be
mistaken for the department's plan. With ``--council`` the folder is also added to
the council's ``council.yaml``, round-tripped so its comments and layout are kept.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csplan.council import COUNCIL_FILE
from csplan.errors import DataError, UsageError
from csplan.models import normalise_year


def _quoted(text: str) -> str:
    """``text`` as a double-quoted YAML string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def department_files(department: str, year: str) -> dict[str, str]:
    """File name -> text of a new department's savings, pressures and budget files."""
    name, when = _quoted(department), year
    header = (
        f'year: {when}\ndepartment: {name}\nsource: "to fill in: the document and section these figures come from"\n'
    )
    budget_name = f"budget_{year[:4]}_{year[5:]}.yaml"
    return {
        "savings.yaml": (
            f"# Savings of {department} for {year}, started by `csplan init`: no figures yet.\n"
            "# To fill in, from the department's plan:\n"
            "#   lines:   one item per saving: id (S01 ...), description (as the plan words it),\n"
            "#            ongoing and one_off (the saving's target in the year), and division and\n"
            "#            owner where known. Monthly returns are recorded with `csplan savings update`.\n"
            "#   totals:  ongoing, one_off and total as the plan states them, so csplan can check\n"
            "#            the lines add up to them.\n"
            "#   units:   the scale of bare amounts: pounds, thousands or millions.\n"
            "kind: savings\n" + header + "units: pounds\n"
            "lines: []\n"
            "#  - id: S01\n"
            "#    description: the saving, as the plan words it\n"
            "#    ongoing: 0\n"
            "#    one_off: 0\n"
            "# totals:\n"
            "#   ongoing: 0\n"
            "#   one_off: 0\n"
            "#   total: 0\n"
        ),
        "pressures.yaml": (
            f"# Service pressure funding of {department} for {year}, started by `csplan init`:\n"
            "# no figures yet. To fill in, from the department's plan:\n"
            "#   lines:   one item per pressure: id (P01 ...), description, amount, and funding\n"
            "#            (ongoing or one-off).\n"
            "#   total:   the total as the plan states it, so csplan can check the lines add up.\n"
            "#   units:   the scale of bare amounts: pounds, thousands or millions.\n"
            "kind: pressures\n" + header + "units: millions\n"
            "lines: []\n"
            "#  - id: P01\n"
            "#    description: the pressure, as the plan words it\n"
            "#    amount: 0\n"
            "#    funding: ongoing\n"
            "# total: 0\n"
        ),
        budget_name: (
            f"# The budget of {department} for {year}, started by `csplan init`: no figures yet.\n"
            "# To fill in, from the department's plan:\n"
            "#   total:     the departmental budget as stated.\n"
            "#   includes:  the pressures and savings the total includes (they must equal the\n"
            "#              totals of pressures.yaml and savings.yaml).\n"
            "#   lines:     the budget split by line (division), each with its budget and, as the\n"
            "#              year goes on, its forecast outturn by period (P01 ... P12).\n"
            "#   units:     the scale of bare amounts: pounds, thousands or millions.\n"
            "kind: budget\n" + header + "units: millions\n"
            "# total: 0\n"
            "# includes:\n"
            "#   pressures: 0\n"
            "#   savings: 0\n"
            "lines: []\n"
            "#   - id: L01\n"
            "#     name: the line, as the plan names it\n"
            "#     budget: 0\n"
            "#     forecast: {}\n"
        ),
    }


@dataclass
class NewDepartment:
    """What ``csplan init`` will write: the new files, and the council file's change."""

    folder: Path
    department: str
    year: str
    files: dict[Path, str]
    council_file: Path | None = None
    council_old: str | None = None
    council_new: str | None = None
    entry: str | None = None
    """The path added to council.yaml, relative to it."""
    notes: list[str] = field(default_factory=list)

    def changes(self) -> list[tuple[Path, str | None, str]]:
        """(path, old text or None to create, new text), council.yaml last: its entry
        is only written once the folder it names exists."""
        changes: list[tuple[Path, str | None, str]] = [(path, None, text) for path, text in self.files.items()]
        if self.council_file is not None and self.council_new is not None:
            changes.append((self.council_file, self.council_old, self.council_new))
        return changes


def check_name(department: str) -> str:
    """The department's name, refused when empty or holding control characters."""
    name = department.strip()
    if not name:
        raise UsageError("the department has no name", 'give it: --department "Adult Social Care"')
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise UsageError("the department's name holds a control character", "type the name as plain text")
    return name


def prepare_department(folder: Path, department: str, year: str, council_folder: Path | None) -> NewDepartment:
    """Plan a new department folder (and, with ``council_folder``, its council entry)."""
    name = check_name(department)
    typed, year = year, normalise_year(year) or ""  # as a data file reads it: 2025/26 is 2025-26
    if not year:
        raise UsageError(
            f"year {typed!r} is not a financial year 'YYYY-YY'", "write it as 2025-26 (or 2025/26, 2025-2026)"
        )
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"'{folder}' exists and is not a folder")
    if folder.is_dir():
        present = sorted(p.name for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
        if present:
            raise UsageError(
                f"'{folder}' already holds data files ({', '.join(present)}); csplan init starts an empty folder",
                "choose a new folder, or edit the files that are there",
            )
    planned = NewDepartment(
        folder, name, year, {folder / file: text for file, text in department_files(name, year).items()}
    )
    if council_folder is not None:
        _plan_council_entry(planned, council_folder)
    return planned


def _plan_council_entry(planned: NewDepartment, council_folder: Path) -> None:
    from csplan.council import read_council
    from csplan.edit import dump_round_trip, load_round_trip
    from csplan.writer import read_data_file

    council_file = council_folder / COUNCIL_FILE
    if not council_file.is_file():
        raise UsageError(
            f"'{council_folder}' holds no {COUNCIL_FILE}, so --council has nowhere to add the department",
            "point --data at the council folder, or write its council.yaml first (see the README)",
        )
    council, findings = read_council(council_file)
    if council is None or any(f.severity == "error" for f in findings):
        raise DataError(
            f"{council_file} has errors, so csplan will not edit it; nothing was written",
            f"run csplan --data {council_folder} validate",
        )
    entry = Path(os.path.relpath(planned.folder.resolve(), council_folder.resolve())).as_posix()
    if any(d.git is None and os.path.normpath(d.path) == os.path.normpath(entry) for d in council.departments):
        raise UsageError(f"'{entry}' is already a department of {council.name}")
    old = read_data_file(council_file)
    yaml, tree = load_round_trip(old)
    departments = tree.get("departments")
    if departments is None:
        raise DataError(f"{council_file} has no departments: list to add to")
    departments.append(_entry_map({"path": entry}))
    planned.council_file, planned.council_old, planned.council_new = council_file, old, dump_round_trip(yaml, tree)
    planned.entry = entry


def _entry_map(values: dict[str, str]) -> Any:
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap(values)


def write_department(planned: NewDepartment) -> None:
    """Write the folder's files, then the council entry, as one change. Call it holding
    the council folder's lock (``writer.folder_lock``) from ``prepare_department`` on, so
    council.yaml is read and changed under it; write_data_files refuses files that
    appeared, or a council.yaml that changed, meanwhile."""
    from csplan.writer import write_data_files

    planned.folder.mkdir(parents=True, exist_ok=True)
    write_data_files(planned.changes())
