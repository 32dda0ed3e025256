"""Findings: what validation says about the data, each with its place in a file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]

# Every code csplan can emit, with a one-line meaning. The README documents each one
# (a test checks), and the codes are stable: a retired code is never reused.
CODES: dict[str, str] = {
    # CSP0xx: the file itself and its YAML
    "CSP001": "the file is not valid YAML (syntax error)",
    "CSP002": "the file is not UTF-8 text",
    "CSP003": "the file is too large to be a plan",
    "CSP004": "a key appears twice in one mapping",
    "CSP005": "anchors and aliases (&name, *name) are not allowed",
    "CSP006": "a tag (!!python/..., !custom) is not allowed",
    "CSP007": "the file is empty, holds several documents, or is not a mapping at the top",
    "CSP008": "the file or folder cannot be read",
    # CSP1xx: the schema of each kind of file
    "CSP101": "missing or unknown `kind`",
    "CSP102": "unknown field",
    "CSP103": "missing required field",
    "CSP104": "a field has the wrong type or an invalid value",
    "CSP105": "an amount cannot be read as money (or is not whole pence)",
    "CSP106": "a negative amount where none makes sense",
    "CSP107": "the year is not a financial year 'YYYY-YY'",
    "CSP108": "unknown units (pounds, thousands, millions)",
    "CSP110": "an id is not plain ASCII letters, digits, '-' and '_' (a look-alike letter, a space, an invisible one)",
    "CSP111": "a text holds a control character (a terminal escape sequence, a right-to-left override)",
    "CSP120": "a saving is negative: read as the reversal of an earlier saving",
    # CSP2xx: totals within one file
    "CSP201": "the lines do not sum to the stated total",
    "CSP202": "a column (ongoing or one-off) does not sum to its stated total",
    "CSP203": "the stated ongoing and one-off totals do not add up to the stated total",
    "CSP204": "two lines share an id",
    "CSP205": "a saving's amount differs from its ongoing + one-off",
    "CSP206": "a programme row's years do not sum to its stated total",
    "CSP207": "a programme column does not sum to its stated total",
    "CSP208": "a programme's lines do not sum to its stated grand total",
    # CSP3xx: across files
    "CSP301": "the budget's included pressures differ from the pressures file's total",
    "CSP302": "the budget's included savings differ from the savings file's total",
    "CSP303": "the budget includes a figure with no file of that year to check it against",
    "CSP304": "two files of the same kind and year",
    "CSP305": "a programme plans a saving at another amount than that year's savings file targets",
    "CSP306": "a programme's column for a year differs from that year's savings file in all",
    # CSP4xx: in-year monitoring
    "CSP401": "a period is not P01..P12",
    "CSP402": "progress periods are out of order or repeated",
    "CSP403": "delivered exceeds forecast without a note",
    "CSP404": "an officer's RAG is better than the figures support",
    "CSP405": "RAG thresholds in settings are inconsistent",
    "CSP406": "a measure's value does not fit its unit",
    "CSP407": "a computed measure has typed values",
    "CSP408": "a measure has a target but no direction to judge it by",
    "CSP409": "a saving's mitigations are more than its shortfall",
    "CSP410": "a mitigation of £0",
    "CSP411": "mitigations are out of period order",
    # CSP5xx: the four-year programme: years, year end and the links between years
    "CSP501": "a link to a saving is not written 'YYYY-YY/ID'",
    "CSP502": "a link names a saving or year that is not in the folder",
    "CSP503": "a link names a saving of the same or a later year",
    "CSP504": "a line is brought forward from a year that is not closed",
    "CSP505": "what is carried forward from a closed saving differs from its recorded shortfall",
    "CSP506": "a saving of a closed year has no year-end outcome",
    "CSP507": "a year-end outcome does not add up to the saving's target",
    "CSP508": "a year-end outcome on a saving of a year that is not closed",
    "CSP509": "an amount written off without a reason",
    "CSP510": "a year is closed while an earlier year is not",
    "CSP511": "a slipped amount names no line that carries it",
    "CSP512": "replacements of a saving are more than its target",
    "CSP513": "a saving is brought forward twice",
    # CSP6xx: a council folder (council.yaml and its departments)
    "CSP601": "council.yaml: a field is missing, unknown or not valid",
    "CSP602": "a department is listed twice in council.yaml",
    "CSP603": "council RAG thresholds are inconsistent (amber above red)",
    "CSP604": "a department's folder does not exist or cannot be read",
    "CSP605": "a department's git revision cannot be read",
    "CSP606": "department names clash: one folder's files name several, or two folders one",
    "CSP607": "a department is left out of the council total: it has errors or does not reconcile",
    "CSP608": "a department has no savings or budget file for the council's year",
    "CSP415": "achieved and at risk of a saving's latest return do not account for the target",
    "CSP416": "budget changes between the department's lines do not net to zero",
    "CSP417": "delivered to date exceeds the year's forecast, though a note is given",
    # CSP70x: monthly returns taken in from a sheet (savings import), each naming its cell
    "CSP700": "a returns sheet's header row lacks a column, names an unknown one, or has two for one figure",
    "CSP701": "an amount is questioned against its target (under 1% of it, or over 3 times it)",
    "CSP702": "a cell holds a formula where a value is read",
    "CSP703": "an amount in a return cannot be read as money",
    "CSP704": "a return names no saving, or one not in the file",
    "CSP705": "a return's period is missing or not P01..P12, or differs from the sheet's",
    "CSP706": "a return's RAG is not blue, green, amber or red",
    "CSP707": "a second return for the same saving and period in one sheet",
    "CSP708": "a return with no forecast (a row left blank is no return)",
    "CSP709": "a return earlier than the latest recorded, without --replace",
    # CSP710 is also validate's: a return's at risk in the file itself, above its target.
    "CSP710": "a return's at risk is more than the saving's target (at risk is part of it)",
    "CSP711": "a sheet's Achieved or At risk column holds only yes/no words: left out of the import (warning)",
    "CSP712": "a template's or export's cell left as sent, its figure recorded since: the recorded one kept (warning)",
    "CSP713": "a template's or export's cell changed by its holder, its figure also recorded anew since it was sent",
    "CSP714": "a returns sheet's amount header names a scale csplan does not read (£bn, £M, 000s), "
    "or none beside a scaled one",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, located as compilers and linters locate them (1-based)."""

    code: str
    severity: Severity
    path: str
    line: int | None
    column: int | None
    message: str
    hint: str | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line or 0, self.column or 0, self.code)

    @property
    def location(self) -> str:
        """``path:line:col`` (as much of it as is known)."""
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


def error(code: str, path: str, line: int | None, column: int | None, message: str, hint: str | None = None) -> Finding:
    """An error finding (makes ``validate`` exit 1)."""
    return Finding(code, "error", path, line, column, message, hint)


def warning(
    code: str, path: str, line: int | None, column: int | None, message: str, hint: str | None = None
) -> Finding:
    """A warning finding (exit 1 only with ``--strict``)."""
    return Finding(code, "warning", path, line, column, message, hint)


def has_errors(findings: list[Finding], *, strict: bool = False) -> bool:
    """True when the findings should fail the run."""
    return any(f.severity == "error" or strict for f in findings)
