"""Findings as linter lines, GitHub Actions annotations or JSON."""

from __future__ import annotations

from collections.abc import Sequence

from csplan.findings import Finding
from csplan.render.jsonout import dumps
from csplan.text import escape_controls


def as_text(findings: Sequence[Finding]) -> str:
    """``path:line:col: error CODE message`` with an indented ``hint:`` line."""
    out: list[str] = []
    for finding in findings:
        out.append(escape_controls(f"{finding.location}: {finding.severity} {finding.code} {finding.message}") + "\n")
        if finding.hint:
            out.append(escape_controls(f"  hint: {finding.hint}") + "\n")
    return "".join(out)


def _escape_data(text: str) -> str:
    return escape_controls(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands: ``::error file=…,line=…,col=…::message``."""
    out: list[str] = []
    for finding in findings:
        props = [f"file={_escape_property(finding.path)}"]
        if finding.line is not None:
            props.append(f"line={finding.line}")
        if finding.column is not None:
            props.append(f"col={finding.column}")
        props.append(f"title={finding.code}")
        message = finding.message + (f"\n\nhint: {finding.hint}" if finding.hint else "")
        out.append(f"::{finding.severity} {','.join(props)}::{_escape_data(message)}\n")
    return "".join(out)


def as_json(findings: Sequence[Finding]) -> str:
    """A JSON list of findings."""
    return dumps(
        [
            {
                "code": f.code,
                "severity": f.severity,
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "message": f.message,
                "hint": f.hint,
            }
            for f in findings
        ]
    )
