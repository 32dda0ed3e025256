"""Findings as linter lines, GitHub Actions annotations or JSON, and counted in words."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TextIO

from csplan.findings import Finding
from csplan.text import escape_controls, plural

TEXT_LIMIT = 200
"""Findings shown per file in text output; the rest are counted (JSON has them all)."""


def may_not_agree(errors: int) -> str:
    """What an output written from data with ``errors`` says of its figures, in the
    HTML report's notice and the workbook's: "1 error: its figures may not agree"."""
    return f"{plural(errors, 'error')}: its figures may not agree"


def _shown(findings: Sequence[Finding], limit: int) -> tuple[list[Finding], dict[str, int]]:
    """The findings to print (at most ``limit`` per file, in order) and, per file, how
    many more there are."""
    shown: list[Finding] = []
    seen: dict[str, int] = {}
    left: dict[str, int] = {}
    for finding in findings:
        count = seen.get(finding.path, 0)
        seen[finding.path] = count + 1
        if count < limit:
            shown.append(finding)
        else:
            left[finding.path] = left.get(finding.path, 0) + 1
    return shown, left


def _more(path: str, count: int) -> str:
    return (
        f"{path}: ... and {count:,} more finding{'s' if count != 1 else ''} not shown "
        "(fix those above first; --format json lists every one)"
    )


def as_text(findings: Sequence[Finding], *, limit: int = TEXT_LIMIT) -> str:
    """``path:line:col: error CODE message`` with an indented ``hint:`` line; at most
    ``limit`` findings per file, then a count of the rest."""
    shown, left = _shown(findings, limit)
    out: list[str] = []
    for index, finding in enumerate(shown):
        out.append(escape_controls(f"{finding.location}: {finding.severity} {finding.code} {finding.message}") + "\n")
        if finding.hint:
            out.append(escape_controls(f"  hint: {finding.hint}") + "\n")
        last_of_file = index + 1 == len(shown) or shown[index + 1].path != finding.path
        if last_of_file and finding.path in left:
            out.append(escape_controls(_more(finding.path, left.pop(finding.path))) + "\n")
    out.extend(escape_controls(_more(path, count)) + "\n" for path, count in left.items())
    return "".join(out)


def _escape_data(text: str) -> str:
    return escape_controls(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands: ``::error file=…,line=…,col=…::message`` (at
    most ``TEXT_LIMIT`` per file, then a notice counting the rest)."""
    shown, left = _shown(findings, TEXT_LIMIT)
    out: list[str] = []
    for finding in shown:
        props = [f"file={_escape_property(finding.path)}"]
        if finding.line is not None:
            props.append(f"line={finding.line}")
        if finding.column is not None:
            props.append(f"col={finding.column}")
        props.append(f"title={finding.code}")
        message = finding.message + (f"\n\nhint: {finding.hint}" if finding.hint else "")
        out.append(f"::{finding.severity} {','.join(props)}::{_escape_data(message)}\n")
    out.extend(
        f"::notice file={_escape_property(path)}::{_escape_data(_more(path, count))}\n" for path, count in left.items()
    )
    return "".join(out)


def as_json(findings: Sequence[Finding]) -> str:
    """A JSON list of findings (every one: JSON is never cut short)."""
    out = io.StringIO()
    write_json(findings, out)
    return out.getvalue()


def write_json(findings: Sequence[Finding], stream: TextIO) -> None:
    """``as_json`` written a finding at a time: 500,000 findings as one list of dicts
    and one string took a GB. Each is encoded by ``jsonout`` (its controls escaped as
    everywhere) and indented as ``dumps`` indents the whole list."""
    from csplan.render.jsonout import dumps  # here: text and GitHub output need no JSON encoder

    if not findings:
        stream.write(dumps([]))
        return
    stream.write("[\n")
    for index, finding in enumerate(findings):
        item = "  " + dumps(finding).rstrip("\n").replace("\n", "\n  ")
        stream.write(item if not index else ",\n" + item)
    stream.write("\n]\n")
