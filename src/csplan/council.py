"""A council folder: ``council.yaml`` and one data folder per department.

Each department keeps its own files and is validated on its own, exactly as
``csplan --data FOLDER validate`` would; only a department whose own figures load and
reconcile is added into the council's totals. A department may also be read at a git
revision of another repository (``repo:``, ``git:``, ``path:``), read-only, the way
``csplan diff`` reads revisions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from csplan.errors import UsageError
from csplan.findings import Finding, error, warning
from csplan.load import Plan
from csplan.models import normalise_year
from csplan.money import ZERO, AmountError, Money, money_words, parse_amount
from csplan.rag import AMBER, GREEN, RED
from csplan.yamlsource import YamlFile, read_yaml

COUNCIL_FILE = "council.yaml"
_FIELDS = ("kind", "name", "year", "departments", "thresholds")
_ENTRY_FIELDS = ("path", "repo", "git")
_THRESHOLD_FIELDS = ("amber_percent", "red_percent", "red_amount")
LEVELS = ("department", "council")
_START_HINT = "start council.yaml with kind: council, name:, year: and departments: (see the README)"


@dataclass(frozen=True)
class Thresholds:
    """Overspend RAG for one level: amber from ``amber_percent`` of budget; red from
    the lower of ``red_percent`` of budget and ``red_amount``."""

    amber_percent: Decimal = Decimal(0)
    red_percent: Decimal = Decimal(5)
    red_amount: Money = Decimal(100_000)

    def rag(self, budget: Money, variance: Money, units: str = "millions") -> tuple[str, str]:
        """The RAG of a variance against ``budget``, and why: an underspend is green. The
        red amount is said in ``units`` (a department's budget file's: £250k for a £'000
        file, as its own summary says money; the council's total in £m)."""
        if variance <= ZERO:
            return GREEN, "on or under budget"
        red_at = min(budget * self.red_percent / 100, self.red_amount)
        red_words = f"the lower of {self.red_percent}% of budget and {money_words(self.red_amount, units)}"
        if variance >= red_at:
            return RED, f"overspend at or above {red_words}"
        if variance * 100 >= budget * self.amber_percent:
            return AMBER, f"overspend from {self.amber_percent}% of budget, below {red_words}"
        return GREEN, f"overspend below {self.amber_percent}% of budget"


@dataclass(frozen=True)
class DepartmentEntry:
    """One ``departments:`` entry of council.yaml."""

    path: str
    """The data folder: relative to council.yaml, or inside ``repo`` at ``git``."""
    line: int
    """Where the entry is in council.yaml."""
    repo: str | None = None
    """A git repository, relative to council.yaml (with ``git``)."""
    git: str | None = None
    """A branch, tag or commit of ``repo`` to read the folder at."""
    column: int | None = None


@dataclass
class Council:
    """A council file, read and checked."""

    file: Path
    name: str
    year: str | None
    departments: list[DepartmentEntry]
    thresholds: dict[str, Thresholds] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.file.parent

    def threshold(self, level: str) -> Thresholds:
        return self.thresholds.get(level, Thresholds())


def read_council(file: Path) -> tuple[Council | None, list[Finding]]:
    """Read council.yaml; every problem comes back as a finding with its line."""
    source, findings = read_yaml(file)
    if source is None:
        return None, findings
    return _CouncilReader(file, source).read()


def load_council(folder: Path) -> tuple[Council, list[Finding]]:
    """The council of ``folder``; a council.yaml that cannot be read at all stops here."""
    council, findings = read_council(folder / COUNCIL_FILE)
    if council is None:
        from csplan.errors import DataError

        raise DataError(f"{folder / COUNCIL_FILE} cannot be read", findings=findings)
    return council, findings


class _CouncilReader:
    """Checks council.yaml field by field, placing each finding at its line."""

    def __init__(self, file: Path, source: YamlFile) -> None:
        self.file = file
        self.source = source
        self.findings: list[Finding] = []

    def problem(
        self,
        loc: tuple[str | int, ...],
        message: str,
        hint: str | None = None,
        *,
        key: bool = False,
        code: str = "CSP601",
    ) -> None:
        line, column = self.source.locate(loc, key=key)
        self.findings.append(error(code, self.source.path, line, column, message, hint))

    def read(self) -> tuple[Council | None, list[Finding]]:
        data = self.source.data
        if not isinstance(data, dict):
            return None, [
                error("CSP601", self.source.path, 1, 1, "council.yaml is not a mapping of fields", _START_HINT)
            ]
        for key in data:
            if key not in _FIELDS:
                self.problem(
                    (key,), f"unknown field '{key}' in council.yaml", f"valid fields: {', '.join(_FIELDS)}", key=True
                )
        if data.get("kind") != "council":
            self.problem(("kind",), f"kind is {data.get('kind')!r}; a council file says kind: council", _START_HINT)
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            self.problem(("name",), "the council has no name", "add name: Example County Council")
            name = "Council"
        written = data.get("year")
        year = normalise_year(written) if isinstance(written, str) else None  # 2025/26 as in a department's files
        if written is not None and year is None:
            self.problem(("year",), f"year {written!r} is not a financial year 'YYYY-YY'", "write it as 2025-26")
        council = Council(self.file, name.strip(), year, self.entries(data.get("departments")), self.thresholds(data))
        return council, self.findings

    def entries(self, value: Any) -> list[DepartmentEntry]:
        if not isinstance(value, list) or not value:
            self.problem(
                ("departments",), "council.yaml lists no departments", "add departments: with a '- path: FOLDER' each"
            )
            return []
        entries: list[DepartmentEntry] = []
        seen: dict[tuple[str, str, str], int] = {}
        for index, item in enumerate(value):
            entry = self.entry(("departments", index), item)
            if entry is None:
                continue
            where = (entry.repo or "", entry.git or "", os.path.normpath(entry.path))
            if where in seen:
                self.problem(
                    ("departments", index),
                    f"department '{entry.path}' is listed twice (first at line {seen[where]})",
                    "list each department's folder once",
                    code="CSP602",
                )
                continue
            seen[where] = entry.line
            entries.append(entry)
        return entries

    def entry(self, loc: tuple[str | int, ...], item: Any) -> DepartmentEntry | None:
        if isinstance(item, str):
            item = {"path": item}
        if not isinstance(item, dict):
            self.problem(loc, "a department entry must be '- path: FOLDER'")
            return None
        for key in item:
            if key not in _ENTRY_FIELDS:
                self.problem(
                    (*loc, key), f"unknown field '{key}' in a department entry", "use path:, repo:, git:", key=True
                )
        path, repo, revision = item.get("path"), item.get("repo"), item.get("git")
        if not isinstance(path, str) or not path.strip():
            self.problem(loc, "a department entry has no path:", "give its data folder: path: adult-social-care")
            return None
        if (repo is not None and not isinstance(repo, str)) or (revision is not None and not isinstance(revision, str)):
            self.problem(loc, "repo: and git: must be text", "quote a tag that looks like a number: git: '2025'")
            return None
        if (repo is None) != (revision is None):
            missing = "git:" if revision is None else "repo:"
            self.problem(
                loc,
                f"a department read from git needs both repo: and git: ({missing} is missing)",
                "repo: the repository (relative to council.yaml), git: a branch or tag, path: the folder in it",
            )
            return None
        if revision is not None and (revision.startswith("-") or not revision.strip()):
            self.problem((*loc, "git"), f"git: {revision!r} is not a branch, tag or commit")
            return None
        line, column = self.source.locate(loc)
        return DepartmentEntry(path.strip(), line, repo, revision, column)

    def thresholds(self, data: dict[str, Any]) -> dict[str, Thresholds]:
        value = data.get("thresholds")
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(("thresholds",), "thresholds must map department: and council: to their settings")
            return {}
        found: dict[str, Thresholds] = {}
        for level, settings in value.items():
            if level not in LEVELS:
                self.problem(
                    ("thresholds", level), f"unknown level '{level}'", "use department: and council:", key=True
                )
                continue
            if not isinstance(settings, dict):
                self.problem(("thresholds", level), f"thresholds.{level} must be a mapping such as {{red_percent: 5}}")
                continue
            found[level] = self.level(level, settings)
        return found

    def level(self, level: str, settings: dict[str, Any]) -> Thresholds:
        default = Thresholds()
        values: dict[str, Decimal] = {}
        for key, raw in settings.items():
            loc = ("thresholds", level, key)
            if key not in _THRESHOLD_FIELDS:
                self.problem(
                    loc, f"unknown field '{key}' in thresholds.{level}", ", ".join(_THRESHOLD_FIELDS), key=True
                )
                continue
            try:
                if key == "red_amount":
                    values[key] = parse_amount(raw, "pounds")
                else:
                    if isinstance(raw, bool) or not isinstance(raw, int | Decimal | str):
                        raise InvalidOperation
                    values[key] = Decimal(str(raw).strip().removesuffix("%"))
                    if not values[key].is_finite() or not ZERO <= values[key] <= 100:
                        raise InvalidOperation
            except (AmountError, InvalidOperation, ArithmeticError):
                kind = "an amount in pounds" if key == "red_amount" else "a percentage from 0 to 100"
                self.problem(loc, f"thresholds.{level}.{key}: {raw!r} is not {kind}")
                values.pop(key, None)
        chosen = Thresholds(
            values.get("amber_percent", default.amber_percent),
            values.get("red_percent", default.red_percent),
            values.get("red_amount", default.red_amount),
        )
        if chosen.amber_percent > chosen.red_percent:
            self.problem(
                ("thresholds", level, "amber_percent"),
                f"thresholds.{level}: amber from {chosen.amber_percent}% is above red from {chosen.red_percent}%",
                "amber_percent must not exceed red_percent",
                code="CSP603",
            )
        return chosen


# -- departments ------------------------------------------------------------------------------


@dataclass
class Department:
    """One department of a council: where its figures come from, loaded and checked."""

    entry: DepartmentEntry
    label: str
    """The department's folder as shown (the entry's path under the council folder,
    or repo@revision:path)."""
    folder: Path | None
    """The folder in the working tree; None when read at a git revision."""
    plan: Plan
    findings: list[Finding]
    origin: str
    """Where its figures came from: folder, commit, and whether the work tree differs."""

    @property
    def name(self) -> str:
        """The department's name, as its own files give it."""
        for kind in ("savings", "budget", "pressures", "measures"):
            document = self.plan.first(kind)
            if document is not None:
                return document.model.department
        return self.label

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


def department_folder(council: Council, entry: DepartmentEntry) -> Path:
    return council.folder / entry.path


def load_department(council: Council, entry: DepartmentEntry) -> Department:
    """Load and check one department as ``csplan validate`` checks a data folder."""
    from csplan.checks import check_plan, validate_plan

    council_path = str(council.file)
    if entry.git is None:
        folder = department_folder(council, entry)
        label = str(folder)
        if not folder.is_dir():
            finding = error(
                "CSP604",
                council_path,
                entry.line,
                entry.column,
                f"department folder '{entry.path}' does not exist (looked for {folder})",
                "give the folder relative to council.yaml, or make it with csplan init",
            )
            return Department(entry, label, None, Plan(), [finding], f"{label} (missing)")
        try:
            plan, findings = validate_plan(folder)
        except UsageError as exc:
            finding = error(
                "CSP604", council_path, entry.line, entry.column, f"department '{entry.path}': {exc.message}", exc.hint
            )
            return Department(entry, label, folder, Plan(), [finding], label)
        return Department(entry, label, folder, plan, findings, f"{label}, {_provenance(folder)}")
    from csplan import versions
    from csplan.load import load_blobs

    repo = council.folder / (entry.repo or ".")
    label = f"{entry.repo}@{entry.git}:{entry.path}"
    try:
        commit, blobs = versions.revision_blobs(repo, entry.git, entry.path, label_prefix=f"{entry.repo}@")
    except UsageError as exc:
        finding = error(
            "CSP605", council_path, entry.line, entry.column, f"department {label}: {exc.message}", exc.hint
        )
        return Department(entry, label, None, Plan(), [finding], label)
    plan, findings = load_blobs(blobs)
    findings.extend(check_plan(plan))
    findings.sort(key=lambda f: f.sort_key)
    return Department(entry, label, None, plan, findings, f"{label}, commit {commit} (read-only)")


def _provenance(folder: Path) -> str:
    """The folder's last commit, and "uncommitted changes" when the work tree differs."""
    from csplan import versions

    return versions.folder_commit(folder)


def load_departments(council: Council) -> list[Department]:
    return [load_department(council, entry) for entry in council.departments]


def check_departments(council: Council, departments: list[Department]) -> list[Finding]:
    """CSP606: each department's files name one department, and no two share a name;
    CSP608: each has savings and budget files for the council's year."""
    findings: list[Finding] = []
    seen: dict[str, Department] = {}
    for department in departments:
        if council.year and department.plan.documents:
            missing = [k for k in ("savings", "budget") if department.plan.first(k, council.year) is None]
            if missing:
                findings.append(
                    warning(
                        "CSP608",
                        str(council.file),
                        department.entry.line,
                        department.entry.column,
                        f"{department.label} has no {' or '.join(missing)} file for {council.year}",
                        f"add it (csplan init writes empty ones), or correct the year in {COUNCIL_FILE}",
                    )
                )
        names = sorted({d.model.department for d in department.plan.documents})
        if len(names) > 1:
            findings.append(
                warning(
                    "CSP606",
                    str(council.file),
                    department.entry.line,
                    department.entry.column,
                    f"the files of {department.label} name different departments: {', '.join(names)}",
                    "give every file of a department the same department: name",
                )
            )
        if not department.plan.documents:
            continue
        key = department.name.casefold()
        if key in seen:
            findings.append(
                error(
                    "CSP606",
                    str(council.file),
                    department.entry.line,
                    department.entry.column,
                    f"{department.label} and {seen[key].label} are both '{department.name}'",
                    "each department folder holds one department; list it once",
                )
            )
        else:
            seen[key] = department
    return findings


def validate_council(folder: Path) -> tuple[Council, list[Department], list[Finding]]:
    """Check council.yaml and every department; findings name each department's files."""
    council, findings = load_council(folder)
    departments = load_departments(council)
    for department in departments:
        findings.extend(department.findings)
    findings.extend(check_departments(council, departments))
    findings.sort(key=lambda f: f.sort_key)
    return council, departments, findings


def choose_department(council: Council, wanted: str) -> DepartmentEntry:
    """The department whose name (or folder) contains ``wanted``; exactly one must."""
    key = wanted.casefold().strip()
    departments = load_departments(council)
    matches = [d for d in departments if key in d.name.casefold() or key in d.entry.path.casefold()]
    exact = [d for d in matches if d.name.casefold() == key or d.entry.path.casefold() == key]
    if len(exact) == 1:
        return exact[0].entry
    names = ", ".join(f"'{d.name}' ({d.entry.path})" for d in departments) or "none listed"
    if not matches:
        raise UsageError(f"no department of {council.name} matches '{wanted}'", f"departments: {names}")
    if len(matches) > 1:
        found = ", ".join(f"'{d.name}'" for d in matches)
        raise UsageError(f"'{wanted}' matches {len(matches)} departments: {found}", "give more of the name")
    return matches[0].entry
