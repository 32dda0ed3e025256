"""The ``csplan`` command: options in, report out, exit code.

Only Typer is imported at start-up; the core (records, YAML) and the
renderers (Rich) are imported inside the commands that need them, so ``--help`` and
``--version`` stay instant.

No ``from __future__ import annotations`` here: Typer reads the annotations of every
command at each start, and annotations kept as text cost it an ``eval`` each (about
5 ms in all, measured).
"""

import contextlib
import copy
import functools
import gc
import os
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
import typer.core

from csplan import __version__

if TYPE_CHECKING:
    from csplan.errors import CsplanError
    from csplan.savings_edit import Update

F = TypeVar("F", bound=Callable[..., Any])

GLOBAL_OPTIONS = ("data", "department", "units")
"""The root options a user may also type after the subcommand (``csplan savings status
--data DIR``), as people do. Name a root option here to make it global; read its value
with ``global_option(ctx, name)``."""

NOT_OFFERED: dict[tuple[str, ...], tuple[str, ...]] = {("savings", "template"): ("units",)}
"""Global options a command does not take, so its help does not offer them: the returns
template is in its savings file's units whatever --units says, as import reads it back
(``savings_template`` refuses --units typed before the subcommand)."""


def global_option(ctx: typer.Context, name: str) -> Any:
    """A global option's value, wherever on the command line it was typed (None if not),
    as Click parsed it (a path option's value is text, not yet a Path)."""
    return ctx.find_root().params.get(name)


def _store_global(ctx: Any, param: Any, value: Any) -> Any:
    """Callback of a global option typed after a subcommand: it overrides the root's."""
    if value is not None and not ctx.resilient_parsing:
        ctx.find_root().params[param.name] = value
    return value


class GlobalOptionsGroup(typer.core.TyperGroup):
    """The root command group: each option named in GLOBAL_OPTIONS is also accepted by
    every subcommand and sub-group, at any depth, with the same type and help. A copy
    of the root's own option is added to each, so new commands get it without a word."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        shared = [p for p in self.params if p.name in GLOBAL_OPTIONS]
        stack: list[tuple[tuple[str, ...], Any]] = [((name,), c) for name, c in self.commands.items()]
        while stack:
            path, command = stack.pop()
            taken = {opt for p in command.params for opt in [*p.opts, *p.secondary_opts]}
            names = {p.name for p in command.params} | set(NOT_OFFERED.get(path, ()))
            for option in shared:
                if option.name in names:
                    continue
                local = copy.copy(option)
                local.opts = [o for o in option.opts if o not in taken]
                if not local.opts:
                    continue
                local.envvar = None  # the root reads the environment; here only what is typed
                local.show_envvar = False  # type: ignore[attr-defined]  # an Option's, not every Parameter's
                local.default = None
                local.callback = _store_global
                local.expose_value = False
                command.params.append(local)
            stack.extend(((*path, name), sub) for name, sub in getattr(command, "commands", {}).items())

    # An option's value is parsed here (the root's) or in invoke (every subcommand's).
    # (Contexts typed Any: Typer's own Context class is private to it.)
    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        with _plain_option_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        with _plain_option_errors():
            return super().invoke(ctx)


@contextlib.contextmanager
def _plain_option_errors() -> Iterator[None]:
    """Typer parses an option's value through Pydantic, and a refused choice comes out
    in Pydantic's words: "Value error, 'xml' is not one of 'table', ...". Say it plainly.
    A value csplan itself refuses while the options are read (an option's callback,
    such as --year's) is said as any other csplan error is."""
    from csplan.errors import CsplanError

    try:
        yield
    except CsplanError as exc:
        raise typer.Exit(_said(exc)) from None
    except typer.BadParameter as exc:
        from pydantic import ValidationError

        from csplan.text import escape_controls

        cause = exc.__cause__
        errors = cause.errors() if isinstance(cause, ValidationError) else []
        if errors and errors[0]["type"] == "value_error":
            exc.message = escape_controls(str(errors[0]["ctx"]["error"]))
        raise


app = typer.Typer(
    cls=GlobalOptionsGroup,
    name="csplan",
    help="Budget and savings tracker for a department's service plan, or a whole council's.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


class ValidateFormat(StrEnum):
    text = "text"
    github = "github"
    json = "json"


class UnitsChoice(StrEnum):
    pounds = "pounds"
    thousands = "thousands"
    millions = "millions"


def _units_option(ctx: typer.Context) -> str | None:
    """--units as typed (before or after the subcommand), or None."""
    chosen = global_option(ctx, "units")
    return str(chosen.value if isinstance(chosen, UnitsChoice) else chosen) if chosen else None


def shown_units(ctx: typer.Context, file_units: str | None) -> str | None:
    """The units money is shown in: --units (before or after the subcommand), else a
    thousands file's own (published tables are in £'000); None keeps each table's own."""
    from csplan.render.tables import display_units

    return display_units(_units_option(ctx), file_units)


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


def _user_errors(command: F) -> F:
    """Show the user's mistakes as a message and an exit code, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from csplan.errors import CsplanError
        from csplan.suggest import given
        from csplan.text import escape_controls

        # The command's context (Typer passes Click's own Context, of which typer.Context is a subclass).
        ctx = next((a for a in [*args, *kwargs.values()] if hasattr(a, "find_root")), None)
        try:
            # A command a message suggests acts on this run's data (csplan.suggest).
            with given(*((global_option(ctx, "data"), _wanted_department(ctx)) if ctx else (None, None))):
                return command(*args, **kwargs)
        except CsplanError as exc:
            raise typer.Exit(_said(exc)) from None
        except OSError as exc:  # the machine said no (a read-only folder, a full disk)
            where = f" {exc.filename}" if exc.filename else ""
            typer.echo(escape_controls(f"csplan: error: cannot write or read{where}: {exc.strerror or exc}"), err=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _said(exc: "CsplanError") -> int:
    """Show a csplan error as the README documents errors ("csplan: error: ...", its
    findings, a hint line); its exit code."""
    from csplan.text import escape_controls

    typer.echo(escape_controls(f"csplan: error: {exc.message}"), err=True)
    if exc.findings:
        from csplan.render.findings import as_text

        typer.echo(as_text(exc.findings).rstrip("\n"), err=True)
    if exc.hint:
        typer.echo(escape_controls(f"  hint: {exc.hint}"), err=True)
    return exc.exit_code


def _version(value: bool) -> None:
    if value:
        typer.echo(f"csplan {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            "-d",
            envvar="CSPLAN_DATA",
            show_envvar=True,
            help="Data folder (default: ./data).",
            file_okay=False,
        ),
    ] = None,
    department: Annotated[
        str | None,
        typer.Option(
            "--department",
            help="In a council folder (one holding council.yaml): the department to act on, by part of its name.",
        ),
    ] = None,
    units: Annotated[
        UnitsChoice | None,
        typer.Option(
            "--units",
            metavar="<units>",
            help="Show money in pounds, thousands (£'000) or millions (£m) in tables, CSV, Markdown, the report "
            "and the workbook (default: as each file is written; JSON is always in pounds).",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Budget and savings tracker for a department's service plan, or a whole council's.

    Figures live in plain YAML (pressures.yaml, savings.yaml, budget_2025_26.yaml,
    measures.yaml); csplan validates them, reconciles every stated total and reports on them.
    A council folder (council.yaml) names one data folder per department.
    """


def _folder(ctx: typer.Context) -> Path:
    """The data folder as given: --data (before or after the subcommand), $CSPLAN_DATA,
    ./data; a council folder, maybe."""
    chosen = global_option(ctx, "data")
    return Path(chosen) if chosen else Path("data")


def _wanted_department(ctx: typer.Context) -> str | None:
    """--department, typed before the subcommand or after it."""
    wanted = global_option(ctx, "department")
    return wanted if isinstance(wanted, str) and wanted.strip() else None


def _is_council_folder(folder: Path) -> bool:
    """True when ``folder`` holds a council.yaml (``council.COUNCIL_FILE``), found without
    importing csplan.council: a department's own folder (every command's usual case)
    never needs the council code."""
    return (folder / "council.yaml").is_file()


def _department_entry(ctx: typer.Context) -> tuple[Any, Any] | None:
    """(council, entry) of the department chosen with --department, when --data is a
    council folder; None for a department's own data folder."""
    folder = _folder(ctx)
    if not _is_council_folder(folder):
        return None
    from csplan.council import choose_department, load_council
    from csplan.errors import UsageError
    from csplan.suggest import command

    council, _ = load_council(folder)
    wanted = _wanted_department(ctx)
    if not wanted:
        names = ", ".join(f"'{entry.path}'" for entry in council.departments) or "none yet"
        raise UsageError(
            f"'{folder}' is the council folder of {council.name}: name a department with --department",
            f"departments: {names}; or run {command('council status', department=False)} for them all",
        )
    return council, choose_department(council, wanted)


def _data(ctx: typer.Context) -> Path:
    """The department's data folder: --data, or the --department of a council folder."""
    chosen = _department_entry(ctx)
    if chosen is None:
        return _folder(ctx)
    council, entry = chosen
    if entry.git is not None:
        from csplan.errors import UsageError
        from csplan.suggest import command

        raise UsageError(
            f"department '{entry.path}' is read from {entry.repo} at {entry.git}: read-only here",
            "run the command in that repository's own folder, or use "
            f"{command('council status', department=False)} / {command('council report', department=False)}",
        )
    from csplan.council import department_folder

    return department_folder(council, entry)


def _data_folders(ctx: typer.Context) -> list[Path]:
    """Every folder whose YAML files csplan reads for --data: the folder itself and, in a
    council folder, each department's folder (a git department's in its working tree).
    No output is written over a file of one of them (``csplan.writer.check_output``)."""
    folder = _folder(ctx)
    folders = [folder]
    if _is_council_folder(folder):
        from csplan.council import COUNCIL_FILE, department_folder, read_council

        council, _ = read_council(folder / COUNCIL_FILE)  # its problems are said when it is loaded
        if council is not None:
            folders += [
                department_folder(council, entry) if entry.git is None else folder / (entry.repo or ".") / entry.path
                for entry in council.departments
            ]
    return folders


@app.command()
@_user_errors
def validate(
    ctx: typer.Context,
    paths: Annotated[  # told in the docstring: Typer shows a list argument's type as <list[Path]>
        list[Path] | None, typer.Argument(metavar="PATH", hidden=True)
    ] = None,
    output: Annotated[ValidateFormat, typer.Option("--format", "-f", help="Output format.")] = ValidateFormat.text,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors (exit 1).")] = False,
) -> None:
    """Load, validate and reconcile the data; print every finding.

    Checks each PATH given, a file or a folder (default: the data folder).

    In a council folder: council.yaml and every department, or one with --department.

    Exit 0 when the figures add up, 1 when there are errors (or warnings with
    --strict), 2 when the command is used wrongly.
    """
    from csplan.findings import has_errors
    from csplan.render import findings as render

    chosen = list(paths or [])
    if not chosen and not _wanted_department(ctx):
        chosen = [_folder(ctx)]
    plan, findings = _validate_paths(chosen) if chosen else _validate_department(ctx)
    if output is ValidateFormat.json:
        render.write_json(findings, sys.stdout)
    elif output is ValidateFormat.github:
        sys.stdout.write(render.as_github(findings))
        sys.stdout.write(_summary(plan, findings) + "\n")
    else:
        sys.stdout.write(render.as_text(findings))
        sys.stdout.write(_summary(plan, findings) + "\n")
    if has_errors(findings, strict=strict):
        raise typer.Exit(1)


def _validate_paths(paths: list[Path]) -> tuple[Any, list[Any]]:
    """Validate files and folders; a council folder is its council.yaml and departments."""
    from csplan.checks import validate_plan
    from csplan.load import Plan

    councils = [p for p in paths if p.is_dir() and _is_council_folder(p)]
    others = [p for p in paths if p not in councils]
    plan, findings = validate_plan(*others) if others else (Plan(), [])
    if councils:
        from csplan.council import validate_council
    for folder in councils:
        _, departments, found = validate_council(folder)
        findings.extend(found)
        plan.files_read += 1
        for department in departments:
            plan.documents.extend(department.plan.documents)
            plan.files_read += department.plan.files_read
    return plan, findings


def _validate_department(ctx: typer.Context) -> tuple[Any, list[Any]]:
    """Validate the data folder, or the --department of a council folder (git too)."""
    from csplan.checks import validate_plan

    chosen = _department_entry(ctx)
    if chosen is None:
        return validate_plan(_folder(ctx))
    from csplan.council import load_department

    department = load_department(*chosen)
    return department.plan, department.findings


def _summary(plan: Any, findings: list[Any]) -> str:
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    from csplan.checks import unchecked_totals
    from csplan.load import item_count

    kinds: dict[str, int] = {}
    for document in plan.documents:  # several years, or a council's departments: add up
        kinds[document.kind] = kinds.get(document.kind, 0) + item_count(document.model)
    detail = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    unchecked = unchecked_totals(plan)
    files = f"{plan.files_read} file{'s' if plan.files_read != 1 else ''}"
    lines = f"{plan.line_count} line{'s' if plan.line_count != 1 else ''}"
    verdict = (
        f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
        if findings
        else "no errors, no warnings"
    )
    summary = f"checked {files}, {lines} ({detail or 'none loaded'}), {plan.yaml_line_count} YAML lines: {verdict}"
    if unchecked:
        summary += f"\nnot checked, as the source states no totals: {'; '.join(unchecked)}"
    return summary


# -- savings -----------------------------------------------------------------------------

savings_app = typer.Typer(help="Track the savings: status and monthly returns.", no_args_is_help=True)
app.add_typer(savings_app, name="savings")


class SortKey(StrEnum):
    id = "id"
    variance = "variance"
    rag = "rag"


class ClearField(StrEnum):
    """The fields --clear removes; at risk spelt as its option (at-risk) or its YAML key."""

    delivered = "delivered"
    rag = "rag"
    note = "note"
    achieved = "achieved"
    at_risk = "at-risk"
    at_risk_key = "at_risk"


class MeasureClearField(StrEnum):
    note = "note"


class RagChoice(StrEnum):
    """The RAGs of csplan.rag, spelled out for Typer (a test keeps them equal)."""

    blue = "blue"
    green = "green"
    amber = "amber"
    red = "red"


def _complete_ids(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion of saving ids, read from the data folder."""
    root = ctx.find_root()
    data = root.params.get("data") or os.environ.get("CSPLAN_DATA") or "data"
    try:
        from csplan.load import load_plan

        plan, _ = load_plan(Path(data))
    except Exception:  # completion must never break the shell
        return []
    found = plan.savings()
    return [s.id for s in found[1].lines if s.id.upper().startswith(incomplete.upper())] if found else []


def _complete_periods(incomplete: str) -> list[str]:
    """Shell completion of periods P01..P12."""
    return [f"P{n:02d}" for n in range(1, 13) if f"P{n:02d}".startswith(incomplete.upper())]


def _period_option(value: str | None) -> str | None:
    if value is None:
        return None
    from csplan.models import normalise_period

    return normalise_period(value)  # a csplan usage error, as savings update's --period


def _year_value(value: str | None) -> str | None:
    """``--year`` as 'YYYY-YY', read as the files' ``year:`` is (2025/26 and 2025-2026
    too); anything else is a usage error, said at once (Typer's option callback)."""
    if value is None:
        return None
    from csplan.models import normalise_year

    year = normalise_year(value)
    if year is None:
        from csplan.errors import UsageError

        raise UsageError(f"--year {value!r} is not a financial year", "write it as 2025-26 (April 2025 to March 2026)")
    return year


def _rag_filter(value: str | None) -> list[str]:
    if not value:
        return []
    from csplan.rag import STATUSES

    chosen = [part.strip().lower().replace("-", " ") for part in value.split(",") if part.strip()]
    unknown = [c for c in chosen if c not in STATUSES]
    if unknown:
        from csplan.errors import UsageError

        words = ", ".join(status.replace(" ", "-") for status in STATUSES)
        raise UsageError(f"--rag {', '.join(map(repr, unknown))} is not a status", f"choose from {words}")
    return chosen


PeriodOption = Annotated[
    str | None,
    typer.Option(
        "--period", "-p", help="Report as at this period (P01 April .. P12 March).", autocompletion=_complete_periods
    ),
]
SinceOption = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="Show the movement since this period (default: the previous period with a return).",
        autocompletion=_complete_periods,
    ),
]
FormatOption = Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")]
StrictOption = Annotated[bool, typer.Option("--strict", help="Exit 1 on warnings in the data too.")]
YearOption = Annotated[
    str | None,
    typer.Option(
        "--year", callback=_year_value, help="Which year (2025-26), when the folder holds several; default the latest."
    ),
]


def _load_checked(ctx: typer.Context) -> tuple[Any, list[Any]]:
    """Validate the data folder; findings go to stderr, the plan comes back."""
    from csplan.render.findings import as_text

    plan, findings = _validate_department(ctx)
    if findings:
        sys.stderr.write(as_text(findings))
    return plan, findings


def _refuse_partial(plan: Any, findings: list[Any], what: str) -> None:
    """A report or workbook of the folder never silently leaves out a file that has errors."""
    from csplan.checks import unloaded_files
    from csplan.errors import DataError
    from csplan.suggest import command

    left_out = unloaded_files(plan, findings)
    if left_out:
        raise DataError(
            f"the {what} would leave out {', '.join(left_out)}: {'it has' if len(left_out) == 1 else 'they have'} "
            "errors (shown above), so nothing was written",
            f"fix the errors ({command('validate')} lists them all), then run this again",
        )


def _finish(findings: list[Any], strict: bool) -> None:
    from csplan.findings import has_errors

    if has_errors(findings, strict=strict):
        raise typer.Exit(1)


def _emit(
    ctx: typer.Context, render: Any, report: Any, output: ReportFormat, size: int, *, worded: bool = False
) -> None:
    """Write ``report`` in the chosen format with a render module's functions
    (``sections``, ``as_data``, ``csv_table``); only the one asked for runs. ``worded``:
    the module's ``sections(report, units)`` words its lines' money in the tables' units."""
    from csplan.render import jsonout, tables

    units = shown_units(ctx, getattr(report, "units", None))
    if output is ReportFormat.json:
        jsonout.write(render.as_data(report), sys.stdout, size=size)
        return
    if output is ReportFormat.csv:
        sys.stdout.write(tables.to_csv(tables.in_units(render.csv_table(report), units)))
        return
    sections = tables.shown_in(render.sections(report, units) if worded else render.sections(report), units)
    if output is ReportFormat.markdown:
        sys.stdout.write(tables.to_markdown(sections))
    else:
        tables.print_sections(sections)


def _require(
    found: Any, kinds: tuple[str, ...], ctx: typer.Context, loaded: tuple[Any, list[Any]], year: str | None
) -> Any:
    """``found``, else why not: a usage error naming the years held when the folder has no
    such file; a data error when a file did not load (it may be the one)."""
    from csplan.checks import unloaded_files
    from csplan.errors import DataError
    from csplan.suggest import command
    from csplan.years import no_file

    if found is not None:
        return found
    plan, findings = loaded
    if unloaded_files(plan, findings):
        wanted = f" for {year}" if year else ""
        raise DataError(
            f"no valid {' or '.join(kinds)} file{wanted} in {_data(ctx)}", f"run {command('validate')} to see why"
        )
    raise no_file(plan, kinds, year, _data(ctx))


@savings_app.command("status")
@_user_errors
def savings_status(
    ctx: typer.Context,
    period: PeriodOption = None,
    rag: Annotated[
        str | None, typer.Option("--rag", help="Only these RAGs, comma-separated (red,amber,not-reported).")
    ] = None,
    division: Annotated[
        str | None, typer.Option("--division", help="Only savings whose division contains this.")
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Only savings whose owner (budget holder) contains this.")
    ] = None,
    sort: Annotated[SortKey, typer.Option("--sort", help="Order: id, variance (worst first) or rag.")] = SortKey.id,
    since: SinceOption = None,
    year: YearOption = None,
    output: FormatOption = ReportFormat.table,
    strict: StrictOption = False,
) -> None:
    """Each saving's target, forecast, movement since the last return, variance and BRAG; totals; RAG summary."""
    from csplan.position import SavingsView, loaded_position
    from csplan.render import savings as render

    view = SavingsView(tuple(_rag_filter(rag)), division, owner, sort.value, _period_option(since))
    # JSON is always in pounds and --units leaves it alone: its reasons say the file's scale.
    words = None if output is ReportFormat.json else _units_option(ctx)
    plan, findings, found = loaded_position(
        lambda: _load_checked(ctx), year, _period_option(period), view=view, units=words
    )
    report = _require(found.savings, ("savings",), ctx, (plan, findings), year)
    unmatched = _unmatched(plan, year, division, owner) if (division or owner) and not report.statuses else None
    _emit(ctx, render, report, output, len(report.statuses), worded=True)
    if unmatched is not None:  # after the (empty) table, as savings template says it (exit 0: a filter's answer)
        _said_aside(unmatched)
    _finish(findings, strict)


def _unmatched(plan: Any, year: str | None, division: str | None, owner: str | None) -> "CsplanError | None":
    """Why --division/--owner left savings status nothing to show, as savings template
    says it (returns_sheet.no_match): raised where no saving has that field at all (exit
    2, as the template); else, where no saving's division/owner matches (not merely --rag),
    what to say beside the empty table, with the owners/divisions there; else None."""
    from csplan.returns_sheet import matches, no_match, no_such_field

    held = plan.savings(year)
    if held is None:
        return None
    document, model = held
    missing = no_such_field(model, division, owner, document)
    if missing is not None:
        raise missing
    if any(matches(saving, division, owner) for saving in model.lines):
        return None  # the --rag filter left none of them
    return no_match(model, division, owner, document)


def _said_aside(exc: "CsplanError") -> None:
    """A csplan error's message and hint said as a note beside output (stderr, no exit)."""
    from csplan.text import escape_controls

    typer.echo(escape_controls(f"csplan: {exc.message}"), err=True)
    if exc.hint:
        typer.echo(escape_controls(f"  hint: {exc.hint}"), err=True)


def _editing(ctx: typer.Context, dry_run: bool) -> Any:
    """The data folder's lock, held from reading the file to writing it (none for a dry run)."""
    import contextlib

    from csplan.writer import folder_lock

    return contextlib.nullcontext() if dry_run else folder_lock(_data(ctx))


def _write(update: Any, dry_run: bool) -> bool:
    """Show an edit's warnings, then its diff (dry run) or write it; True if written."""
    from csplan.edit import on_disk, unified_diff
    from csplan.render.findings import as_text

    if update.warnings:
        # A dry run writes nothing: its warnings name lines of the file as it is.
        shown = on_disk(update.warnings, str(update.path), update.old_text, update.new_text) if dry_run else None
        sys.stderr.write(as_text(shown or update.warnings))
    if dry_run:
        sys.stdout.write(unified_diff(update.old_text, update.new_text, str(update.path)) or "no change\n")
        return False
    update.write()
    return True


@savings_app.command("update")
@_user_errors
def savings_update(
    ctx: typer.Context,
    saving_id: Annotated[
        str, typer.Argument(metavar="ID", help="The saving's id, e.g. S06.", autocompletion=_complete_ids)
    ],
    period: Annotated[
        str, typer.Option("--period", "-p", help="The return's period, P01..P12.", autocompletion=_complete_periods)
    ],
    forecast: Annotated[
        str | None,
        typer.Option(
            "--forecast",
            help="Forecast delivery in the year: 600000, £600k ... (kept if left out of a recorded return).",
        ),
    ] = None,
    delivered: Annotated[str | None, typer.Option("--delivered", help="Delivered to date.")] = None,
    rag: Annotated[RagChoice | None, typer.Option("--rag", help="Your RAG judgement (checked).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note for the return.")] = None,
    achieved: Annotated[
        str | None, typer.Option("--achieved", help="Achieved (or achieved and anticipated), as trackers publish it.")
    ] = None,
    at_risk: Annotated[
        str | None, typer.Option("--at-risk", help="The part of the target at risk (with achieved, makes the target).")
    ] = None,
    clear: Annotated[
        list[ClearField] | None,
        typer.Option(
            "--clear",
            metavar="<field>",
            help="Remove this field from the period's return: delivered, rag, note, achieved or at-risk "
            "(also spelt at_risk; repeat for several).",
        ),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Allow a period earlier than the latest recorded.")
    ] = False,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="Accept an amount questioned against its target (under 1% or over 3x it)."),
    ] = False,
    year: Annotated[
        str | None, typer.Option("--year", callback=_year_value, help="Which year's savings file, if several.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the change to the file; write nothing.")] = False,
) -> None:
    """Record a monthly return for one saving, editing savings.yaml in place.

    A period already recorded keeps every field not given; --clear removes one. The
    file is validated before and after the edit, comments and layout are kept, and
    it is written atomically; on any refusal it is left byte-for-byte unchanged.
    """
    from csplan.models import normalise_period
    from csplan.savings_edit import Return, prepare_return, status_line

    cleared = tuple(c.value.replace("-", "_") for c in clear or [])
    with _editing(ctx, dry_run):
        update = prepare_return(
            _data(ctx),
            Return(
                saving_id,
                period,
                forecast,
                delivered,
                rag.value if rag else None,
                note,
                achieved=achieved,
                at_risk=at_risk,
                clear=cleared,
            ),
            replace=replace,
            year=year,
            confirmed=yes,
        )
        if update.unchanged:  # recorded exactly so already: the file is left as it is
            [status] = update.statuses
            typer.echo(f"{update.path}: {status.id} {normalise_period(period)} unchanged: nothing to write")
            typer.echo(status_line(status, update.periods, period_shown=False))
            return
        if not _write(update, dry_run):
            _said_carried(update, CARRIED_BY_UPDATE, err=True)
            return
    [status] = update.statuses
    [change] = update.changes
    if change.split(": ", 1)[1].startswith("new: "):
        typer.echo(f"{update.path}: recorded {normalise_period(period)} for {status.id} '{status.description}'")
    else:
        typer.echo(f"{update.path}: changed {change}")
    _said_carried(update, CARRIED_BY_UPDATE)
    typer.echo(status_line(status, update.periods, period_shown=False))


def _said_carried(update: "Update", how: tuple[str, str], *, err: bool = False) -> None:
    """Say which delivered, achieved and at risk figures a new return carried from an
    earlier one (or did not, and why), and ``how`` to give others (delivered, parts);
    which marked figures were worked out again; and, as warnings, marked figures kept
    because a person changed them."""
    for line in update.carried + update.rederived:
        typer.echo(line, err=err)
    if "delivered" in update.carried_fields:
        typer.echo(
            "  (delivered to date not given: kept as last recorded, a figure to date, where this month's forecast "
            f"is at least it, and not into P12; {how[0]})",
            err=err,
        )
    if {"achieved", "at_risk"} & set(update.carried_fields):
        typer.echo(
            f"  (achieved and at risk not given: carried where this return's figures leave room; {how[1]})", err=err
        )
    for line in update.hand_changed:
        typer.echo(f"warning: {line}", err=True)


CARRIED_BY_UPDATE = (
    "--delivered gives this month's, 0 for none; --clear delivered records no figure",
    "--achieved/--at-risk give this month's, 0 for none; --clear at-risk records no figure",
)
CARRIED_BY_SHEET = (
    "type this month's figure in the Delivered to date cell, 0 for none",
    "type this month's figure in the Achieved or At risk cell, 0 for none",
)


@savings_app.command("template")
@_user_errors
def savings_template(
    ctx: typer.Context,
    period: Annotated[
        str,
        typer.Option("--period", "-p", help="The month of the return, P01..P12.", autocompletion=_complete_periods),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The workbook to write, e.g. returns.xlsx.")],
    division: Annotated[
        str | None, typer.Option("--division", help="Only savings whose division contains this.")
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Only savings whose owner (budget holder) contains this.")
    ] = None,
    year: YearOption = None,
) -> None:
    """Write the monthly returns workbook to send to budget holders.

    One row per saving with its target and last month's return (locked), and cells
    for this month's forecast, delivered to date, RAG and note (and achieved and at
    risk, where the savings file records them). Take it back with csplan savings import.
    """
    from csplan.errors import UsageError
    from csplan.render.template import write_template
    from csplan.returns_sheet import returns_template
    from csplan.text import plural
    from csplan.writer import check_output

    if _units_option(ctx):  # typed before the subcommand (after it, it is not offered)
        raise UsageError(
            "--units does not apply to savings template: the returns workbook is in the savings file's units "
            "(its headers say so), as import reads it",
            "leave out --units",
        )
    check_output(output, (".xlsx",), "workbook", _data_folders(ctx))
    if not output.parent.is_dir():
        raise UsageError(f"folder '{output.parent}' does not exist")
    plan, findings = _load_checked(ctx)
    document, model = _require(plan.savings(year), ("savings",), ctx, (plan, findings), year)
    chosen = _period_option(period)
    assert chosen is not None
    template = returns_template(model, chosen, division=division, owner=owner, document=document)
    write_template(output, template, _data_folders(ctx))
    typer.echo(f"wrote {output}: {plural(len(template.rows), 'saving')} for {template.period} ({template.month})")
    _finish(findings, False)


@savings_app.command("import")
@_user_errors
def savings_import(
    ctx: typer.Context,
    returns: Annotated[
        Path,
        typer.Argument(
            help="The returns: csplan's template filled in, csplan's export, or a .csv/.xlsx of "
            "id, period, forecast, delivered, rag, note (achieved, at risk optional)."
        ),
    ],
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            "-p",
            help="The period of rows that give none (a template states its own).",
            autocompletion=_complete_periods,
        ),
    ] = None,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="Accept amounts questioned against their targets (under 1% or over 3x)."),
    ] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Allow periods earlier than the latest recorded.")] = False,
    year: Annotated[
        str | None, typer.Option("--year", callback=_year_value, help="Which year's savings file, if several.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the change to the file; write nothing.")] = False,
) -> None:
    """Take this month's returns into savings.yaml, all rows or none.

    Reads the sheet as it comes back: blank rows (no return this month), a total row
    and csplan's own read-only columns are skipped; a return already recorded exactly
    so is unchanged. Every row is checked first, the way savings update checks one;
    if any cell is wrong, each is named (sheet and cell) and nothing is written.
    A template's cell left as sent never undoes a figure recorded since (kept, with a
    warning); one changed where a figure was recorded since is refused.
    """
    from csplan.returns_sheet import import_summary, read_returns
    from csplan.savings_edit import prepare_returns, status_line

    sheet = read_returns(returns, _period_option(period))
    for warning in sheet.warnings:
        typer.echo(warning, err=True)
    if sheet.year is not None:  # a template says its year: its returns go to that year's file
        from csplan.errors import UsageError

        if year is not None and year != sheet.year:  # --year is normalised by _year_value
            raise UsageError(f"{returns} is the return for {sheet.year}, not {year}", "leave out --year")
        year = sheet.year
    with _editing(ctx, dry_run):
        update = prepare_returns(
            _data(ctx),
            sheet.returns,
            replace=replace,
            year=year,
            confirmed=yes,
            refused=sheet.problems,
            refused_rows=sheet.refused,
        )
        for warning in update.kept:  # figures recorded since the template was sent
            typer.echo(warning, err=True)
        summary = import_summary(update.recorded, update.unchanged, sheet.blank, sheet.total)
        if update.recorded and not _write(update, dry_run):
            typer.echo(f"{summary} (dry run: nothing written)", err=True)
            _said_carried(update, CARRIED_BY_SHEET, err=True)
            return
    typer.echo(f"{update.path}: {summary} from {returns}" if update.recorded else f"{summary}: nothing to write")
    for change in update.changes:
        if not change.split(": ", 1)[1].startswith("new: "):
            typer.echo(f"changed {change}")
    _said_carried(update, CARRIED_BY_SHEET)
    for status in update.statuses:
        typer.echo(status_line(status, update.periods))


@savings_app.command("mitigate")
@_user_errors
def savings_mitigate(
    ctx: typer.Context,
    saving_id: Annotated[
        str, typer.Argument(metavar="ID", help="The saving's id, e.g. S06.", autocompletion=_complete_ids)
    ],
    period: Annotated[
        str,
        typer.Option("--period", "-p", help="The period it was agreed, P01..P12.", autocompletion=_complete_periods),
    ],
    amount: Annotated[str, typer.Option("--amount", help="How much of the shortfall it covers: 100000, £100k ...")],
    note: Annotated[str, typer.Option("--note", help="What the mitigation is, e.g. 'Vacancy savings'.")],
    ongoing: Annotated[bool, typer.Option("--ongoing", help="It recurs in later years (default: one-off).")] = False,
    year: Annotated[
        str | None, typer.Option("--year", callback=_year_value, help="Which year's savings file, if several.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the change to the file; write nothing.")] = False,
) -> None:
    """Record a mitigation covering part of a saving's shortfall in the year.

    The saving's own delivery, RAG and what slips at year end do not change: status
    shows the shortfall before and after mitigation, and the reason names it.
    """
    from csplan.mitigations import prepare_mitigation

    with _editing(ctx, dry_run):
        update = prepare_mitigation(_data(ctx), saving_id, period, amount, note, ongoing=ongoing, year=year)
        if not _write(update, dry_run):
            return
    [status] = update.statuses
    typer.echo(f"{update.path}: recorded a mitigation for {status.id} '{status.description}'")
    typer.echo(f"{status.id} {status.rag}: {status.reason}")


@savings_app.command("close-year")
@_user_errors
def savings_close_year(
    ctx: typer.Context,
    year: Annotated[
        str, typer.Option("--year", callback=_year_value, help="The financial year to close, e.g. 2025-26.")
    ],
    write_off: Annotated[
        list[str] | None,
        typer.Option("--write-off", metavar="ID", help="Write this saving's shortfall off instead of slipping it."),
    ] = None,
    reason: Annotated[
        list[str] | None,
        typer.Option("--reason", metavar="<str>", help="Why: once for every --write-off, or once after each."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the outcomes and both diffs; write nothing.")
    ] = False,
) -> None:
    """Close a financial year: record each saving's outcome, carry its shortfall on.

    Needs a final return (P12) for every saving. Delivered + slipped + written off +
    replaced = target for each, to the penny; a shortfall slips into next year's file
    as a brought-forward line unless written off or replaced. Both files are written
    as one change, and the year is then read-only to csplan.
    """
    from csplan.edit import on_disk, unified_diff
    from csplan.render import tables
    from csplan.render import yearend as render
    from csplan.render.findings import as_text
    from csplan.yearend import prepare_close_year, write_offs_of, write_year_end

    chosen = write_offs_of(write_off or [], reason or [])
    with _editing(ctx, dry_run):
        year_end = prepare_close_year(_data(ctx), year, chosen)  # --year is normalised by _year_value
        warnings = year_end.warnings
        if dry_run:  # nothing is written: name lines of the closed year's file as it is
            for change in year_end.changes:
                if not change.created:
                    warnings = on_disk(warnings, str(change.path), change.old_text, change.new_text)
        if warnings:
            sys.stderr.write(as_text(warnings))
        tables.print_sections(render.sections(year_end))
        if dry_run:
            for change in year_end.changes:
                sys.stdout.write(
                    unified_diff(change.old_text, change.new_text, str(change.path), created=change.created)
                )
            typer.echo("dry run: nothing was written")
            return
        write_year_end(year_end)
    for change in year_end.changes:
        typer.echo(f"{'created' if change.created else 'wrote'} {change.path}")
    typer.echo(f"{year_end.year} is closed: its savings file is now read-only to csplan")


@savings_app.command("programme")
@_user_errors
def savings_programme(
    ctx: typer.Context,
    period: PeriodOption = None,
    output: FormatOption = ReportFormat.table,
    strict: StrictOption = False,
) -> None:
    """The savings programme across its years: planned, brought forward, delivered,
    mitigated, slipped, written off, replaced and still open, a row per year.

    Totals count each pound once: a pound brought forward is not a second target.
    Money is in --units, else in the savings files' own (£'000 for a thousands file).
    An open year's delivered is as at --period (default: the latest returns), the
    figure `savings status` shows for the same period.
    """
    from csplan.programme import programme
    from csplan.render import programme as render

    plan, findings = _load_checked(ctx)
    report = programme(plan, period=_period_option(period))
    _emit(ctx, render, report, output, len(report.years), worded=True)
    _finish(findings, strict)


# -- pressures and budget -------------------------------------------------------------------


@app.command()
@_user_errors
def pressures(
    ctx: typer.Context,
    year: YearOption = None,
    output: FormatOption = ReportFormat.table,
    strict: StrictOption = False,
) -> None:
    """The pressure-funding lines, their total against the stated total, shares."""
    from csplan.position import position
    from csplan.render import pressures as render

    plan, findings = _load_checked(ctx)
    report = _require(position(plan, year, anchor="pressures").pressures, ("pressures",), ctx, (plan, findings), year)
    _emit(ctx, render, report, output, len(report.rows))
    _finish(findings, strict)


budget_app = typer.Typer(help="Monitor the budget: forecast outturn against budget.", no_args_is_help=True)
app.add_typer(budget_app, name="budget")


@budget_app.command("variance")
@_user_errors
def budget_variance(
    ctx: typer.Context,
    period: PeriodOption = None,
    materiality: Annotated[
        str | None, typer.Option("--materiality", help="Hide lines whose variance is smaller: 100k, £0.5m ...")
    ] = None,
    year: YearOption = None,
    output: FormatOption = ReportFormat.table,
    strict: StrictOption = False,
) -> None:
    """Budget against forecast outturn by line, in £ and %, with RAG and a total."""
    from csplan.money import ZERO, cli_amount
    from csplan.position import position
    from csplan.render import budget as render

    plan, findings = _load_checked(ctx)
    threshold = cli_amount(materiality, "pounds", "--materiality") if materiality else ZERO
    chosen = _period_option(period)
    found = position(plan, year, chosen, anchor="budget", materiality=threshold)
    report = _require(found.budget, ("budget",), ctx, (plan, findings), year)
    _emit(ctx, render, report, output, len(report.rows))
    _finish(findings, strict)


# -- measures ---------------------------------------------------------------------------

measures_app = typer.Typer(help="Key performance measures: latest values against targets.", no_args_is_help=False)
app.add_typer(measures_app, name="measures")


@measures_app.callback(invoke_without_command=True)
@_user_errors
def measures(
    ctx: typer.Context,
    objective: Annotated[
        str | None, typer.Option("--objective", "-o", help="Only this objective: 1, SO1, 13, BUD ...")
    ] = None,
    period: PeriodOption = None,
    year: YearOption = None,
    output: FormatOption = ReportFormat.table,
    strict: StrictOption = False,
) -> None:
    """Each measure's latest value, target and RAG, and each milestone's status.

    The savings measure is computed from savings.yaml (forecast as % of target), so
    it always equals what savings status reports.
    """
    if ctx.invoked_subcommand is not None:
        return
    from csplan.position import position
    from csplan.render import measures as render

    plan, findings = _load_checked(ctx)
    chosen = _period_option(period)
    report = _require(
        position(plan, year, chosen, anchor="measures", objective=objective).measures,
        ("measures",),
        ctx,
        (plan, findings),
        year,
    )
    if objective and not report.measures and not report.milestones:
        from csplan.errors import UsageError

        raise UsageError(f"no objective {objective!r}", "objectives: " + ", ".join(report.objectives))
    _emit(ctx, render, report, output, len(report.measures))
    _finish(findings, strict)


@measures_app.command("update")
@_user_errors
def measures_update(
    ctx: typer.Context,
    measure_id: Annotated[str, typer.Argument(metavar="ID", help="The measure's id, e.g. SO2-04.")],
    period: Annotated[str, typer.Option("--period", "-p", help="P01..P12 for a month, Q1..Q4 for a quarter.")],
    value: Annotated[str, typer.Option("--value", help="The value: a number (72.5), or text for a text measure.")],
    note: Annotated[str | None, typer.Option("--note", help="A note for the value (a recorded one is kept).")] = None,
    clear: Annotated[
        list[MeasureClearField] | None,
        typer.Option("--clear", metavar="<field>", help="Remove this field (note) from the period's value."),
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Allow a period earlier than the latest.")] = False,
    year: Annotated[
        str | None, typer.Option("--year", callback=_year_value, help="Which year's measures file, if several.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the change to the file; write nothing.")] = False,
) -> None:
    """Record a measure's value for a period, editing measures.yaml in place.

    A period already recorded keeps its note unless --note or --clear note is given.
    """
    from csplan.measures_edit import prepare_measure_value

    cleared = tuple(c.value for c in clear or [])
    with _editing(ctx, dry_run):
        update = prepare_measure_value(
            _data(ctx), measure_id, period, value, note, clear=cleared, replace=replace, year=year
        )
        if not _write(update, dry_run):
            return
    status = update.status
    assert status is not None  # prepare_measure_value always computes it
    if update.change.startswith("new: "):
        typer.echo(f"{update.path}: recorded {status.period} for {status.id}")
    else:
        typer.echo(f"{update.path}: changed {status.id} {status.period}: {update.change}")
    typer.echo(f"{status.id} {status.rag}: {status.reason}")


# -- diff -----------------------------------------------------------------------------------


class OnlyChange(StrEnum):
    changed = "changed"
    added = "added"
    removed = "removed"
    moved = "moved"  # money moved between years: slipped or moved


@app.command()
@_user_errors
def diff(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="Old version: a folder, a file, or a git revision (REV or REV:path).")],
    new: Annotated[str | None, typer.Argument(help="New version (default: the working tree).")] = None,
    only: Annotated[
        OnlyChange | None,
        typer.Option(
            "--only",
            metavar="<change>",
            help="Only changed, added or removed lines, or moved: money moved between years.",
        ),
    ] = None,
    minimum: Annotated[
        str | None, typer.Option("--min", help="Ignore money changes smaller than this: 10k, £500 ...")
    ] = None,
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when the figures differ, 0 when not (for CI).")
    ] = False,
    output: FormatOption = ReportFormat.table,
) -> None:
    """What changed between two versions of the figures, line by line.

    Lines are matched by id; amounts are compared in pounds, so reordering,
    reformatting or a change of units alone changes nothing.
    """
    from csplan import versions
    from csplan.diff import diff_figures, figures_of, filter_diff
    from csplan.money import ZERO, cli_amount
    from csplan.render import diff as render

    data = _data(ctx)
    threshold = cli_amount(minimum, "pounds", "--min") if minimum else ZERO
    old_version = versions.resolve(old, data)
    new_version = versions.resolve(new, data) if new is not None else versions.working_tree_of(old_version, data)
    before = figures_of(versions.load_version(old_version))
    after = figures_of(versions.load_version(new_version))
    result = filter_diff(
        diff_figures(before, after, old_version.label, new_version.label), only.value if only else None, threshold
    )
    _emit(ctx, render, result, output, sum(len(f.lines) for f in result.files))
    if exit_code and result.differs:
        raise typer.Exit(1)


# -- export -----------------------------------------------------------------------------


@app.command()
@_user_errors
def export(
    ctx: typer.Context,
    output: Annotated[Path, typer.Argument(help="The workbook to write, e.g. report.xlsx.")],
    period: PeriodOption = None,
    year: YearOption = None,
    strict: StrictOption = False,
) -> None:
    """Write an Excel workbook: Savings, Pressures, Budget variance, Summary and Programme sheets.

    Programme is the savings programme across the folder's years, as `savings
    programme` shows it. Amounts are numbers with £ formats, RAG cells are filled in
    their colours, totals are formulas; the file is written atomically. Data with
    errors gets a line saying so on the Summary and a Findings sheet listing them.
    """
    from csplan.position import position
    from csplan.render.workbook import write_workbook
    from csplan.writer import check_output

    check_output(output, (".xlsx",), "workbook", _data_folders(ctx))
    plan, findings = _load_checked(ctx)
    _refuse_partial(plan, findings, "workbook")
    chosen = _period_option(period)
    found = position(plan, year, chosen, with_programme=True, units=_units_option(ctx))
    _require(found.savings, ("savings",), ctx, (plan, findings), year)
    write_workbook(output, found, _data_folders(ctx), units=_units_option(ctx), findings=findings)
    typer.echo(f"wrote {output}")
    _finish(findings, strict)


# -- report -----------------------------------------------------------------------------


REPORT_SUFFIXES = (".html", ".htm")


@app.command()
@_user_errors
def report(
    ctx: typer.Context,
    period: PeriodOption = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path("report.html"),
    compare: Annotated[
        str | None, typer.Option("--compare", help="Also show what changed since this git revision or folder.")
    ] = None,
    since: SinceOption = None,
    year: YearOption = None,
    strict: StrictOption = False,
) -> None:
    """Write the monthly monitoring report: one self-contained HTML file.

    Headline figures, charts (savings by RAG, forecast against target, trajectory,
    budget variance, budget bridge) and tables; opens offline and prints on A4. Data
    with errors: the page opens with a notice listing them.
    """
    from csplan.diff import changes_since
    from csplan.position import SavingsView, position
    from csplan.render.html import build_report, render_html
    from csplan.versions import data_date
    from csplan.writer import check_output, write_output

    check_output(output, REPORT_SUFFIXES, "report", _data_folders(ctx))
    plan, findings = _load_checked(ctx)
    _refuse_partial(plan, findings, "report")
    chosen = _period_option(period)
    found = position(
        plan,
        year,
        chosen,
        history=True,
        with_programme=True,
        view=SavingsView(since=_period_option(since)),
        units=_units_option(ctx),
    )
    if found.savings is None:  # a folder with a budget alone still gives a budget report
        _require(found.budget, ("savings", "budget"), ctx, (plan, findings), year)
    changes = changes_since(compare, _data(ctx), plan) if compare is not None else None
    built = build_report(found, data_date(_data(ctx)), changes, units=_units_option(ctx), findings=findings)
    write_output(output, render_html(built), REPORT_SUFFIXES, "report", _data_folders(ctx))
    typer.echo(f"wrote {output}")
    _finish(findings, strict)


# -- council ----------------------------------------------------------------------------

council_app = typer.Typer(
    help="A council folder (council.yaml): every department's position rolled up.", no_args_is_help=True
)
app.add_typer(council_app, name="council")


def _council_folder(ctx: typer.Context) -> Path:
    """--data, which must hold council.yaml for the council commands."""
    from csplan.errors import UsageError

    folder = _folder(ctx)
    if not _is_council_folder(folder):
        raise UsageError(
            f"'{folder}' holds no council.yaml, so it is not a council folder",
            "point --data at the folder holding council.yaml (see the README's council set-up)",
        )
    return folder


def _council_checked(ctx: typer.Context, year: str | None, period: str | None) -> Any:
    """The council roll-up; its findings (each department's, and who is left out) go to stderr."""
    from csplan.render.findings import as_text
    from csplan.rollup import council_position

    report = council_position(_council_folder(ctx), year, _period_option(period))
    if report.findings:
        sys.stderr.write(as_text(report.findings))
    return report


@council_app.command("status")
@_user_errors
def council_status(
    ctx: typer.Context,
    year: Annotated[
        str | None,
        typer.Option("--year", callback=_year_value, help="Which year (2025-26); default the council's year."),
    ] = None,
    period: PeriodOption = None,
    output: FormatOption = ReportFormat.table,
    strict: StrictOption = False,
) -> None:
    """One row per department and the council total, each department reconciled first.

    A department whose own figures have errors or do not reconcile is shown, flagged
    with its file and line, and left out of the total (exit 1).
    """
    from csplan.render import council as render

    report = _council_checked(ctx, year, period)
    _emit(ctx, render, report, output, len(report.departments))
    _finish(report.findings, strict)


@council_app.command("report")
@_user_errors
def council_report(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path("council.html"),
    year: Annotated[
        str | None,
        typer.Option("--year", callback=_year_value, help="Which year (2025-26); default the council's year."),
    ] = None,
    period: PeriodOption = None,
    strict: StrictOption = False,
) -> None:
    """Write the council's monitoring report: one self-contained HTML file.

    The council headline, a row per department linked to its section, the largest
    savings shortfalls and overspends council-wide, and each department's own
    headline and tables; opens offline and prints on A4. A department left out of the
    total is shown and flagged, and the command exits 1 after writing.
    """
    from csplan.render.council_html import build_council_report, render_council_html
    from csplan.writer import check_output, write_output

    _council_folder(ctx)
    folders = _data_folders(ctx)
    check_output(output, REPORT_SUFFIXES, "report", folders)
    report = _council_checked(ctx, year, period)
    write_output(output, render_council_html(build_council_report(report)), REPORT_SUFFIXES, "report", folders)
    typer.echo(f"wrote {output}")
    _finish(report.findings, strict)


@app.command()
@_user_errors
def init(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="The new department's data folder (made if missing; must be empty).")],
    department: Annotated[str, typer.Option("--department", help='The department\'s name: "Adult Social Care".')],
    year: Annotated[
        str, typer.Option("--year", callback=_year_value, help="The financial year the files are for: 2025-26.")
    ],
    council: Annotated[
        bool, typer.Option("--council", help="Also add the folder to council.yaml in the --data folder.")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the files and the change; write nothing.")] = False,
) -> None:
    """Start a department: savings, pressures and budget files with no figures yet.

    Each file has the header, an empty list of lines and comments saying what to fill
    in; the folder validates as it is. With --council, the folder is added to the
    council.yaml of the data folder, its comments and layout kept.
    """
    import contextlib

    from csplan.starter import prepare_department, write_department
    from csplan.writer import folder_lock

    council_folder = _council_folder(ctx) if council else None
    lock = folder_lock(council_folder) if council_folder is not None and not dry_run else contextlib.nullcontext()
    with lock:
        planned = prepare_department(folder, department, year, council_folder)
        if dry_run:
            from csplan.edit import unified_diff

            for path, text in planned.files.items():
                sys.stdout.write(f"--- {path} (new)\n{text}")
            if planned.council_file is not None and planned.council_new is not None:
                old = planned.council_old or ""
                sys.stdout.write(unified_diff(old, planned.council_new, str(planned.council_file)))
            return
        write_department(planned)
    for path in planned.files:
        typer.echo(f"wrote {path}")
    if planned.council_file is not None:
        typer.echo(f"{planned.council_file}: added department '{planned.entry}'")
    from csplan.suggest import command, given

    with given(folder, None):  # the new folder's own validate, quoted for the shell
        validate = command("validate")
    typer.echo(f"next: fill in the files, then {validate}")


# -- schema -----------------------------------------------------------------------------


class Kind(StrEnum):
    pressures = "pressures"
    savings = "savings"
    budget = "budget"
    measures = "measures"
    programme = "programme"


@app.command()
@_user_errors
def schema(
    ctx: typer.Context,
    kind: Annotated[  # told in the docstring: Typer's <pressures|savings|...> would break mid-word
        Kind | None, typer.Argument(metavar="KIND", hidden=True)
    ] = None,
    write: Annotated[
        Path | None, typer.Option("--write", help="Write KIND.schema.json for every kind into this folder.")
    ] = None,
) -> None:
    """Print the JSON Schema of a data file, generated from csplan's own models.

    KIND is pressures, savings, budget, measures or programme (default: all, with --write).

    Editors use it to flag a wrong field as you type: the shipped data files point
    at the copies in schema/ with a `# yaml-language-server: $schema=...` line.
    """
    from csplan.errors import UsageError
    from csplan.models import KINDS
    from csplan.schema import schema_text
    from csplan.writer import check_output, write_output

    if write is not None:
        if write.exists() and not write.is_dir():
            raise UsageError(f"'{write}' is not a folder", "--write takes the folder to write the schemas into")
        write.mkdir(parents=True, exist_ok=True)
        targets = [(write / f"{name}.schema.json", name) for name in ([kind.value] if kind else KINDS)]
        folders = _data_folders(ctx)
        for target, _ in targets:
            check_output(target, (".json",), "schema", folders)
        for target, name in targets:
            write_output(target, schema_text(name), (".json",), "schema", folders)
            typer.echo(f"wrote {target}")
        return
    if kind is None:
        raise UsageError(f"name a kind ({', '.join(KINDS)}), or use --write DIR for every kind")
    sys.stdout.write(schema_text(kind.value))


def run() -> None:
    """Console-script entry point."""
    # The csplan command is a short-lived program: the cyclic garbage collector's
    # repeated passes over the millions of objects a large file's records are (none
    # of them garbage) would only cost time. This is the program's choice; the
    # library (load, validate_plan) never touches the collector. (The installed
    # script's entry point, csplan.__main__, turns it off before this module's imports.)
    gc.disable()
    # Nor does the command load Pydantic plugins: looking for them reads the metadata
    # of every installed distribution (2-3 ms here, more in a larger environment). A
    # user who wants them sets PYDANTIC_DISABLE_PLUGINS to an empty value (README).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        app(prog_name="csplan")
    finally:
        # The interpreter collects again as it exits, collector off or not, walking
        # every object the run made (Pydantic's schemas, the records): on the shipped
        # data that took longer than the validation itself. Frozen objects are left
        # out; the process's memory goes back to the system as it ends.
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    run()
