"""``csplan init``: a new department's data folder, empty but valid, and its council entry.

The files hold the header every data file needs and comments saying what to fill in;
they hold no figures at all (no lines, no stated totals), so nothing in them can be
mistaken for the department's plan. With ``--council`` the folder is also added to
the council's ``council.yaml`` as text, so its comments and layout are kept.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csplan.council import COUNCIL_FILE
from csplan.errors import DataError, UsageError
from csplan.models import normalise_year
from csplan.suggest import command


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
            f"run {command('validate', department=False)}",
        )
    entry = Path(os.path.relpath(planned.folder.resolve(), council_folder.resolve())).as_posix()
    if any(d.git is None and os.path.normpath(d.path) == os.path.normpath(entry) for d in council.departments):
        raise UsageError(f"'{entry}' is already a department of {council.name}")
    old = read_data_file(council_file)
    new = _with_department(old, entry, council_file)
    planned.council_file, planned.council_old, planned.council_new = council_file, old, new
    planned.entry = entry


@dataclass
class _Item:
    """One item of the departments list as the file writes it."""

    start: int
    end: int = 0
    """Just after the item's last character (its closing brace, or its last value)."""
    flow: bool = False
    paths: list[Any] = field(default_factory=list)
    """The ScalarEvent of each ``path:`` value in the item (one for a path-only item)."""
    keys: int = 0


@dataclass
class _Departments:
    """Where council.yaml's departments list is, and how it is written."""

    flow: bool
    items: list[_Item]
    close: int = 0
    """The closing bracket of a flow list."""


def _with_department(text: str, entry: str, council_file: Path) -> str:
    """council.yaml's ``text`` with ``{path: entry}`` added at the end of its
    departments list, as text: every other byte is kept (comments and their spacing,
    a flow list's braces), and the new item is written as the last one is (a flow
    mapping in a flow list or after ``- {path: b}``, on its own line where the items
    are, with the last item's indentation and quoting). Checked by reading it back."""
    found = _find_departments(text)
    if found is None:
        raise DataError(f"{council_file} has no departments: list to add to")
    last = found.items[-1] if found.items else None
    item = _item_text(text, last, entry, flow=found.flow)
    if found.flow:
        new = _add_to_flow(text, found, item)
    else:
        assert last is not None  # a block list has an item
        line_end = text.find("\n", last.end)
        at = len(text) if line_end < 0 else line_end + 1
        dash = text.rfind("-", 0, last.start)
        lead = " " * (dash - (text.rfind("\n", 0, dash) + 1)) + text[dash : last.start]  # "  - "
        new = text[:at] + ("" if text[:at].endswith("\n") else "\n") + lead + item + "\n" + text[at:]
    _check_added(text, new, entry, council_file)
    return new


def _add_to_flow(text: str, found: _Departments, item: str) -> str:
    """A flow list with ``item`` after its last item: on the same line (`, ` or the
    separator its items use), or on a line of its own where each item has one."""
    if not found.items:
        return text[: found.close] + item + text[found.close :]
    last = found.items[-1]
    if "\n" not in text[found.items[0].start : found.close]:  # one line: [{path: a}, {path: b}]
        between = ", "
        if len(found.items) > 1:
            between = text[found.items[-2].end : last.start]
        return text[: last.end] + between + item + text[last.end :]
    line_end = text.find("\n", last.end)
    if line_end < 0 or line_end > found.close:  # the bracket closes on the last item's line
        indent = last.start - (text.rfind("\n", 0, last.start) + 1)
        return text[: last.end] + ",\n" + " " * indent + item + text[last.end :]
    indent = last.start - (text.rfind("\n", 0, last.start) + 1)
    after = text[last.end : line_end]
    if after.lstrip().startswith(","):  # each item ends with a comma, the last one too
        return text[: line_end + 1] + " " * indent + item + ",\n" + text[line_end + 1 :]
    return text[: last.end] + "," + text[last.end : line_end + 1] + " " * indent + item + "\n" + text[line_end + 1 :]


def _item_text(text: str, last: _Item | None, entry: str, *, flow: bool) -> str:
    """The new item, written as ``last`` is: its own text with the path replaced where
    it is a path-only mapping, else ``{path: ...}`` in a flow list (or after a flow
    item) and ``path: ...`` in a block list."""
    style = last.paths[0].style if last is not None and len(last.paths) == 1 else None
    value = _scalar_text(entry, style)
    if last is not None and last.keys == 1 and len(last.paths) == 1:
        scalar = last.paths[0]
        return text[last.start : scalar.start_mark.index] + value + text[scalar.end_mark.index : last.end]
    return f"{{path: {value}}}" if flow or (last is not None and last.flow) else f"path: {value}"


# A path written as a plain YAML scalar that reads back as the same text in a flow or
# block mapping: letters, digits and a few marks, starting with a letter or digit.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]*")


def _scalar_text(value: str, style: str | None) -> str:
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"' or not _PLAIN_PATH.fullmatch(value):
        return json.dumps(value, ensure_ascii=False)
    return value


def _find_departments(text: str) -> _Departments | None:
    """The top-level departments list of council.yaml's ``text``, from ruamel.yaml's
    parse events (each with its place in the text)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.events import (
        CollectionEndEvent,
        CollectionStartEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceStartEvent,
    )

    events = list(YAML(typ="rt").parse(text))
    depth = 0
    key_next = True
    for position, event in enumerate(events):
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth == 2:
                key_next = not key_next
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
        elif isinstance(event, ScalarEvent) and depth == 1:
            if key_next and event.value == "departments":
                following = events[position + 1]
                if not isinstance(following, SequenceStartEvent):
                    return None
                return _read_list(events[position + 1 :], bool(following.flow_style), MappingStartEvent)
            key_next = not key_next
    return None


def _read_list(events: list[Any], flow: bool, mapping_start: type) -> _Departments:
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent, ScalarEvent

    found = _Departments(flow=flow, items=[])
    depth = 0
    key: str | None = None
    for event in events:
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth == 2:
                found.items.append(_Item(event.start_mark.index, flow=bool(event.flow_style)))
                key = "" if isinstance(event, mapping_start) else None
            elif depth == 3 and key:  # a key's value that is a list or mapping
                key = ""
            continue
        if isinstance(event, CollectionEndEvent):
            depth -= 1
            if depth == 0:
                found.close = event.start_mark.index
                return found
            if depth == 1 and found.items[-1].flow:
                found.items[-1].end = event.end_mark.index
            continue
        if not isinstance(event, ScalarEvent):
            continue
        if depth == 1:  # an item that is a plain value
            found.items.append(_Item(event.start_mark.index, event.end_mark.index))
            continue
        item = found.items[-1]
        if not item.flow:
            item.end = max(item.end, event.end_mark.index)
        if depth == 2 and key is not None:
            if key == "":
                key = event.value
                item.keys += 1
            else:
                if key == "path":
                    item.paths.append(event)
                key = ""
    return found


def _check_added(old: str, new: str, entry: str, council_file: Path) -> None:
    """Refuse a council.yaml change that does not read back as the old file with one
    more department, ``{path: entry}``, at the end of its list."""
    from csplan.edit import load_round_trip

    before, after = load_round_trip(old)[1], load_round_trip(new)[1]
    expected = [*before["departments"], {"path": entry}]
    if after.get("departments") != expected or {k: v for k, v in after.items() if k != "departments"} != {
        k: v for k, v in before.items() if k != "departments"
    }:
        raise DataError(
            f"csplan cannot add '{entry}' to {council_file} keeping its layout; nothing was written",
            f"add '- path: {entry}' to its departments by hand, then run {command('validate', department=False)}",
        )


def write_department(planned: NewDepartment) -> None:
    """Write the folder's files, then the council entry, as one change. Call it holding
    the council folder's lock (``writer.folder_lock``) from ``prepare_department`` on, so
    council.yaml is read and changed under it; write_data_files refuses files that
    appeared, or a council.yaml that changed, meanwhile."""
    from csplan.writer import write_data_files

    planned.folder.mkdir(parents=True, exist_ok=True)
    write_data_files(planned.changes())
