"""Editing data files in place without losing anything a person wrote.

ruamel.yaml's round-trip mode keeps comments, key order, blank lines and quoting;
csplan then checks that only the lines it meant to change did change, validates the
result, and writes it with ``csplan.writer`` (locked, atomic, keeping the file's form).
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from csplan.checks import check_plan
from csplan.errors import DataError, UsageError
from csplan.findings import Finding
from csplan.load import Document, Plan, build_document
from csplan.writer import write_data_file
from csplan.yamlsource import parse_text
from csplan.years import refuse_closed


def round_trip(text: str) -> Any:
    """A ruamel.yaml round-trip loader/dumper set up to match this file's style."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long description
    mapping, sequence, offset = _indentation(text)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    null_text = "null" if re.search(r":\s+null\b", text) else ""

    def represent_decimal(representer: Any, value: Decimal) -> Any:
        if value == value.to_integral_value():
            return representer.represent_scalar("tag:yaml.org,2002:int", str(int(value)))
        return representer.represent_scalar("tag:yaml.org,2002:float", f"{value:f}")

    def represent_none(representer: Any, _: None) -> Any:
        return representer.represent_scalar("tag:yaml.org,2002:null", null_text)

    yaml.representer.add_representer(Decimal, represent_decimal)
    yaml.representer.add_representer(type(None), represent_none)
    return yaml


def place_in_progress(item: Any, entry: Any, period: str, rank: Callable[[str], int]) -> None:
    """Put ``entry`` in ``item``'s ``progress`` list (made if missing): replacing the
    entry for the same period, else inserted in period order (``rank``)."""
    from ruamel.yaml.comments import CommentedSeq

    progress = item.get("progress")
    if progress is None:
        progress = CommentedSeq()
        item["progress"] = progress
    for position, existing in enumerate(progress):
        if existing.get("period") == period:
            progress[position] = entry
            return
    position = sum(1 for existing in progress if rank(str(existing.get("period"))) < rank(period))
    progress.insert(position, entry)


def _indentation(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) indents as ruamel names them, read off the file."""
    match = re.search(r"^(\s*)\S[^\n]*:\s*\n(\s*)- ", text, re.M)
    if match is None:
        return 2, 4, 2
    offset = max(len(match[2]) - len(match[1]), 0)
    return 2, offset + 2, offset


def load_round_trip(text: str) -> tuple[Any, Any]:
    """(yaml, data) for ``text``; a data error if ruamel.yaml cannot keep its layout."""
    yaml = round_trip(text)
    try:
        return yaml, yaml.load(text)
    except Exception as exc:  # ruamel raises many kinds; csplan validated the file already
        raise DataError(
            f"the file validates, but its layout cannot be edited safely ({type(exc).__name__}); nothing was written",
            "make the change by hand and run csplan validate",
        ) from None


def dump_round_trip(yaml: Any, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def changed_line_ranges(old: str, new: str) -> list[tuple[int, int]]:
    """0-based [start, end) ranges of ``old``'s lines that differ in ``new``."""
    matcher = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines(), autojunk=False)
    return [(i1, i2) for tag, i1, i2, _, _ in matcher.get_opcodes() if tag != "equal"]


def confine_changes(old: str, new: str, blocks: list[tuple[int, int]], what: str) -> None:
    """Refuse an edit that touched lines of ``old`` outside the ``blocks`` it meant to
    change (each a 0-based first and last line)."""
    for start, end in changed_line_ranges(old, new):
        if not any(first <= start and max(start, end - 1) <= last for first, last in blocks):
            raise DataError(
                f"editing {what} would also change line {start + 1} of the file; nothing was written",
                "the file's layout is unusual here; make the change by hand and run csplan validate",
            )


def unified_diff(old: str, new: str, path: str) -> str:
    return "".join(
        difflib.unified_diff(old.splitlines(True), new.splitlines(True), fromfile=f"a/{path}", tofile=f"b/{path}")
    )


@dataclass(frozen=True)
class FileEdit:
    """A checked edit of a data file, ready to show (``old_text`` to ``new_text``) or
    to write; ``warnings`` are the findings the edited file still has."""

    path: Path
    old_text: str
    new_text: str
    warnings: list[Finding]

    def write(self) -> None:
        """Write the edit (holding ``writer.folder_lock``); refused if the file changed
        since it was read."""
        write_data_file(self.path, self.old_text, self.new_text)


# -- checks around an edit ------------------------------------------------------------------


def editable_document(
    plan: Plan, findings: list[Finding], kind: str, year: str | None, action: str = "change it"
) -> Document:
    """The one ``kind`` document to edit, refusing a closed year (``action`` says what
    was asked) and a file that does not validate."""
    documents = plan.of_kind(kind, year)
    if not documents:
        broken = sorted({f.path for f in findings if f.severity == "error"})
        if broken:
            raise DataError(
                f"the data does not validate ({', '.join(broken)}); nothing was written",
                "run csplan validate and fix the errors first",
            )
        wanted = f" for {year}" if year else ""
        raise UsageError(f"no {kind} file{wanted} in the data folder")
    if len(documents) > 1 and year is None:
        default = plan.default_year()
        documents = [d for d in documents if d.year == default] or documents
    if len(documents) > 1:
        years = ", ".join(d.year for d in documents)
        raise UsageError(f"{kind} files for several years ({years})", "choose one with --year")
    document = documents[0]
    refuse_closed(document, action)
    errors = [f for f in findings if f.path == document.path and f.severity == "error"]
    if errors:
        raise DataError(
            f"{document.path} does not validate; nothing was written",
            "fix those errors first (csplan validate shows them all)",
            errors,
        )
    return document


def recheck(plan: Plan, document: Document, new_text: str) -> tuple[Document, list[Finding]]:
    """Validate the plan with ``document`` replaced by ``new_text``: the new document and
    its warnings, or a data error listing what the edit would break."""
    source, findings = parse_text(new_text, document.path)
    new_document = None
    if source is not None:
        new_document, problems = build_document(source)
        findings.extend(problems)
        if new_document is not None:
            others = [d for d in plan.documents if d is not document]
            findings.extend(check_plan(Plan(documents=[*others, new_document])))
    errors = [f for f in findings if f.severity == "error"]
    if errors or new_document is None:
        raise DataError(f"the change would leave {document.path} invalid; nothing was written", findings=errors)
    return new_document, [f for f in findings if f.path == document.path]


def block_lines(
    document: Document, item: tuple[str | int, ...], following: list[tuple[str | int, ...]]
) -> tuple[int, int]:
    """0-based first and last line of the item at ``item``: up to the first of the
    ``following`` places (the next item, the next key) that comes after it."""
    first = document.locate(*item)[0] - 1
    later = []
    for loc in following:
        line = document.locate(*loc, key=isinstance(loc[-1], str))[0] - 1
        if line > first:
            later.append(line)
    return first, min(later) if later else document.source.line_count
