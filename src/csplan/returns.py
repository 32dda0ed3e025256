"""Recording a monthly monitoring return for a saving, editing savings.yaml in place.

Everything is checked before anything is written: the file must validate first, the
input must make sense, the edited file must validate too, and only the lines of the
saving being updated may change. Then the new text is written atomically.
"""

from __future__ import annotations

import difflib
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csplan.checks import check_plan, validate_plan
from csplan.edit import atomic_write, confine_changes, dump_round_trip, load_round_trip
from csplan.errors import DataError, UsageError
from csplan.findings import Finding
from csplan.load import Document, Plan, build_document
from csplan.models import PERIODS, RAGS, SavingsFile
from csplan.money import AmountError, Money, parse_amount, to_units
from csplan.render.findings import as_text
from csplan.savings import SavingStatus, saving_status
from csplan.yamlsource import parse_text


def normalise_period(text: str) -> str:
    """``P6``, ``p06`` or ``6`` as ``P06``; anything else is a usage error."""
    match = re.fullmatch(r"[Pp]?(\d{1,2})", text.strip())
    if match is None or not 1 <= int(match[1]) <= 12:
        raise UsageError(f"period {text!r} is not one of P01 (April) .. P12 (March)", "write it as P01..P12")
    return f"P{int(match[1]):02d}"


def cli_amount(text: str, units: str, option: str) -> Money:
    """An amount typed on the command line, in the same forms as the files."""
    try:
        amount = parse_amount(text.strip(), units)
    except AmountError as exc:
        raise UsageError(f"{option} {text!r}: {exc.message}", exc.hint) from None
    if amount < 0:
        raise UsageError(f"{option} {text!r} is negative", "forecast and delivered amounts are zero or more")
    return amount


@dataclass(frozen=True)
class Return:
    """A monitoring return as typed by an officer (amounts still text)."""

    saving_id: str
    period: str
    forecast: str
    delivered: str | None = None
    rag: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Update:
    """An edit of a savings file, checked and ready to write."""

    path: Path
    old_text: str
    new_text: str
    status: SavingStatus
    warnings: list[Finding]

    def write(self) -> None:
        atomic_write(self.path, self.new_text)


def savings_document(plan: Plan, findings: list[Finding], year: str | None) -> Document:
    """The savings document to edit, refusing one that does not validate."""
    documents = plan.of_kind("savings", year)
    if not documents:
        broken = sorted({f.path for f in findings if f.severity == "error"})
        if broken:
            raise DataError(
                f"the data does not validate ({', '.join(broken)}); nothing was written",
                "run csplan validate and fix the errors first",
            )
        wanted = f" for {year}" if year else ""
        raise UsageError(f"no savings file{wanted} in the data folder")
    if len(documents) > 1:
        years = ", ".join(d.year for d in documents)
        raise UsageError(f"savings files for several years ({years})", "choose one with --year")
    document = documents[0]
    errors = [f for f in findings if f.path == document.path and f.severity == "error"]
    if errors:
        raise DataError(
            f"{document.path} does not validate; nothing was written\n{as_text(errors).rstrip()}",
            "fix those errors first (csplan validate shows them all)",
        )
    return document


def prepare_return(data: Path, entry: Return, *, replace: bool = False, year: str | None = None) -> Update:
    """Check ``entry`` against the data and build the edited file; write nothing."""
    period = normalise_period(entry.period)
    if entry.rag is not None and entry.rag not in RAGS:
        raise UsageError(f"rag {entry.rag!r} is not one of {', '.join(RAGS)}")
    plan, findings = validate_plan(data)
    document = savings_document(plan, findings, year)
    model = typing.cast(SavingsFile, document.model)
    ids = [s.id for s in model.lines]
    if entry.saving_id not in ids:
        close = difflib.get_close_matches(entry.saving_id.upper(), ids, n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(close)}?" if close else f"ids run {ids[0]}..{ids[-1]}" if ids else None
        raise UsageError(f"no saving {entry.saving_id!r} in {document.path}", hint)
    index = ids.index(entry.saving_id)
    forecast = cli_amount(entry.forecast, document.units, "--forecast")
    delivered = cli_amount(entry.delivered, document.units, "--delivered") if entry.delivered is not None else None

    periods = [p.period for p in model.lines[index].progress]
    if period not in periods and periods and PERIODS.index(period) < PERIODS.index(periods[-1]) and not replace:
        raise UsageError(
            f"{entry.saving_id} already has a return for {periods[-1]}, later than {period}",
            "returns are kept oldest first; add --replace to insert an earlier period",
        )

    old_text = document.source.text
    yaml, tree = load_round_trip(old_text)
    new_entry = _entry(period, forecast, delivered, entry.rag, entry.note, document.units)
    _place(tree["lines"][index], new_entry, period)
    new_text = dump_round_trip(yaml, tree)

    first, last = _block_lines(document, index, len(model.lines))
    confine_changes(old_text, new_text, first, last, f"{entry.saving_id} in {document.path}")

    new_document, new_findings = _recheck(plan, document, new_text)
    errors = [f for f in new_findings if f.severity == "error"]
    if errors or new_document is None:
        raise DataError(
            f"the return would leave {document.path} invalid; nothing was written\n{as_text(errors).rstrip()}",
        )
    new_model = typing.cast(SavingsFile, new_document.model)
    status = saving_status(new_model.lines[index], new_model.settings)
    warnings = [f for f in new_findings if f.path == document.path]
    return Update(Path(document.path), old_text, new_text, status, warnings)


def _entry(period: str, forecast: Money, delivered: Money | None, rag: str | None, note: str | None, units: str) -> Any:
    from ruamel.yaml.comments import CommentedMap

    entry = CommentedMap()
    entry["period"] = period
    entry["forecast"] = to_units(forecast, units)
    if delivered is not None:
        entry["delivered"] = to_units(delivered, units)
    if rag is not None:
        entry["rag"] = rag
    if note:
        entry["note"] = note
    return entry


def _place(saving: Any, entry: Any, period: str) -> None:
    """Put ``entry`` in the saving's progress: replacing its period, else in order."""
    from ruamel.yaml.comments import CommentedSeq

    progress = saving.get("progress")
    if progress is None:
        progress = CommentedSeq()
        saving["progress"] = progress
    for position, existing in enumerate(progress):
        if existing.get("period") == period:
            progress[position] = entry
            return
    position = sum(1 for existing in progress if PERIODS.index(str(existing.get("period"))) < PERIODS.index(period))
    progress.insert(position, entry)


def _block_lines(document: Document, index: int, count: int) -> tuple[int, int]:
    """0-based first and last line of ``lines[index]`` (the last may be the next item's)."""
    first = document.locate("lines", index)[0] - 1
    if index + 1 < count:
        return first, document.locate("lines", index + 1)[0] - 1
    later = [line for key in document.model.model_fields_set if (line := document.locate(key, key=True)[0] - 1) > first]
    return first, min(later) if later else document.source.line_count


def _recheck(plan: Plan, document: Document, new_text: str) -> tuple[Document | None, list[Finding]]:
    source, findings = parse_text(new_text, document.path)
    if source is None:
        return None, findings
    new_document, problems = build_document(source)
    findings.extend(problems)
    if new_document is None:
        return None, findings
    others = [d for d in plan.documents if d is not document]
    findings.extend(check_plan(Plan(documents=[*others, new_document])))
    return new_document, findings
