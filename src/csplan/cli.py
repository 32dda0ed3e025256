"""The ``csplan`` command: options in, report out, exit code.

Only Typer is imported at start-up; the core (Pydantic models, YAML) and the
renderers (Rich) are imported inside the commands that need them, so ``--help`` and
``--version`` stay instant.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from csplan import __version__

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="csplan",
    help="Budget and savings tracker for the Children's Services Service Plan.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class ValidateFormat(StrEnum):
    text = "text"
    github = "github"
    json = "json"


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

        try:
            return command(*args, **kwargs)
        except CsplanError as exc:
            typer.echo(f"csplan: error: {exc.message}", err=True)
            if exc.hint:
                typer.echo(f"  hint: {exc.hint}", err=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


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
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Budget and savings tracker for the Children's Services Service Plan 2025-29.

    Figures live in plain YAML (pressures.yaml, savings.yaml, budget_2025_26.yaml);
    csplan validates them, reconciles every stated total and reports on them.
    """
    ctx.obj = data if data is not None else Path("data")


def _data(ctx: typer.Context) -> Path:
    return ctx.obj if isinstance(ctx.obj, Path) else Path("data")


@app.command()
@_user_errors
def validate(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders to check (default: the data folder).")
    ] = None,
    output: Annotated[ValidateFormat, typer.Option("--format", "-f", help="Output format.")] = ValidateFormat.text,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors (exit 1).")] = False,
) -> None:
    """Load, validate and reconcile the data; print every finding.

    Exit 0 when the figures add up, 1 when there are errors (or warnings with
    --strict), 2 when the command is used wrongly.
    """
    from csplan.checks import validate_plan
    from csplan.findings import has_errors
    from csplan.render import findings as render

    plan, findings = validate_plan(*(paths or [_data(ctx)]))
    if output is ValidateFormat.json:
        sys.stdout.write(render.as_json(findings))
    elif output is ValidateFormat.github:
        sys.stdout.write(render.as_github(findings))
        sys.stdout.write(_summary(plan, findings) + "\n")
    else:
        sys.stdout.write(render.as_text(findings))
        sys.stdout.write(_summary(plan, findings) + "\n")
    if has_errors(findings, strict=strict):
        raise typer.Exit(1)


def _summary(plan: Any, findings: list[Any]) -> str:
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    kinds = {d.kind: len(getattr(d.model, "lines", None) or ()) for d in plan.documents}
    detail = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    files = f"{plan.files_read} file{'s' if plan.files_read != 1 else ''}"
    lines = f"{plan.line_count} line{'s' if plan.line_count != 1 else ''}"
    verdict = (
        f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
        if findings
        else "no errors, no warnings"
    )
    return f"checked {files}, {lines} ({detail or 'none loaded'}), {plan.yaml_line_count} YAML lines: {verdict}"


def run() -> None:
    """Console-script entry point."""
    app(prog_name="csplan")


if __name__ == "__main__":  # pragma: no cover
    run()
