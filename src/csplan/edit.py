"""Editing data files in place without losing anything a person wrote.

ruamel.yaml's round-trip mode keeps comments, key order, blank lines and quoting;
csplan then checks that only the lines it meant to change did change, validates the
result, and writes it with ``csplan.writer`` (locked, atomic, keeping the file's form).
"""

from __future__ import annotations

import dataclasses
import difflib
import io
import re
import textwrap
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from csplan.checks import FILE_CHECKS, PLAN_CHECKS, unloaded_files
from csplan.errors import DataError, UsageError
from csplan.findings import Finding
from csplan.load import Document, Plan, build_document
from csplan.suggest import command
from csplan.writer import write_data_file
from csplan.yamlsource import YamlFile, parse_text
from csplan.years import no_file, refuse_closed


def decimal_text(value: Decimal) -> str:
    """A number as csplan writes it into a file: a whole one as its digits (5, never
    5.00), any other in plain notation (0.5, never 5E-1)."""
    return str(int(value)) if value == value.to_integral_value() else f"{value:f}"


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
        tag = "int" if value == value.to_integral_value() else "float"
        return representer.represent_scalar(f"tag:yaml.org,2002:{tag}", decimal_text(value))

    def represent_none(representer: Any, _: None) -> Any:
        return representer.represent_scalar("tag:yaml.org,2002:null", null_text)

    yaml.representer.add_representer(Decimal, represent_decimal)
    yaml.representer.add_representer(type(None), represent_none)
    return yaml


def set_in_progress(
    item: Any,
    period: str,
    values: Mapping[str, Any],
    clear: Collection[str],
    order: Sequence[str],
    rank: Callable[[str], int],
    ours: re.Pattern[str] | None = None,
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Record ``values`` for ``period`` in ``item``'s ``progress`` list (made if missing).

    An entry for the period already there is changed in place: the fields given are
    set, those in ``clear`` removed, every other field (and the entry's comments and
    style) kept; a person's comment ending a removed field's line stays, on a line of
    its own (one ``ours`` matches, csplan's mark, goes). Otherwise a new entry goes in
    period order (``rank``). Fields keep the canonical ``order``. Returns the entry
    before (None when new) and after.
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    progress = item.get("progress")
    if progress is None:
        progress = CommentedSeq()
        item["progress"] = progress
    entry = next((e for e in progress if e.get("period") == period), None)
    before = None if entry is None else dict(entry)
    if entry is None:
        entry = CommentedMap()
        entry["period"] = period
        position = sum(1 for existing in progress if rank(str(existing.get("period"))) < rank(period))
        progress.insert(position, entry)
    for name in clear:
        if name in entry:
            remove_key(entry, name, ours)  # the comment lines after it stay
    for name, value in values.items():
        if name in entry:
            entry[name] = value
            continue
        place = order.index(name) if name in order else len(order)
        at = sum(1 for key in entry if (order.index(key) if key in order else len(order)) < place)
        entry.insert(at, name, value)
    return before, dict(entry)


def set_line_comment(mapping: Any, key: str, comment: str) -> None:
    """End ``key``'s line in a round-trip ``mapping`` with ``  # comment``, in place of
    the comment that ends it now (if any); the comment lines after it are kept."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    slots = mapping.ca.items.get(key)
    old = slots[2] if slots is not None and len(slots) > 2 else None
    rest = old.value.partition("\n")[2] if old is not None else ""
    # Column 0 makes the emitter put it one space past the value: two in all, with this one.
    token = CommentToken(f" # {comment}\n{rest}", CommentMark(0), None)
    if slots is not None and len(slots) > 2:
        slots[2] = token
    else:
        mapping.ca.items[key] = [None, None, token, None]


def remove_key(mapping: Any, key: str, ours: re.Pattern[str] | None = None) -> None:
    """Remove ``key`` from a round-trip ``mapping``; the comment lines after its line
    (ruamel keeps them with the key) go to the key before, so they stay where they are
    in the file. The comment ending its line goes with it when ``ours`` matches it
    whole (csplan's own mark); a person's stays, as a comment line where the key was:
    clearing a note must not lose what someone wrote beside it."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString
    from ruamel.yaml.tokens import CommentToken

    slots = mapping.ca.items.pop(key, None)
    token = slots[2] if slots is not None and len(slots) > 2 else None
    first, _, rest = token.value.partition("\n") if token is not None else ("", "", "")
    if isinstance(mapping[key], LiteralScalarString | FoldedScalarString) and token is not None and first.strip():
        # A block scalar's text ends its line: what ruamel keeps after it is whole lines.
        first, rest = "", " " * (token.column or 0) + token.value.lstrip(" ")
    # A comment on a block scalar's header line (note: |  # JB) ruamel keeps apart.
    header_slot = slots[3] if slots is not None and len(slots) > 3 else None
    header = [str(getattr(c, "value", c)).strip() for c in header_slot or []]
    ends = [c for c in (*header, first.strip()) if c]
    place = getattr(getattr(mapping, "lc", None), "data", {}).get(key)
    theirs = [c for c in ends if not (ours is not None and ours.fullmatch(c))]
    if theirs and place is None:
        raise DataError(
            f"internal error: removing {key!r} would lose its comment {theirs[0]!r}; nothing was written",
            f"please report this; make the change by hand and run {command('validate')}",
        )
    rest = "".join(" " * (place[1] if place is not None else 0) + c + "\n" for c in theirs) + rest
    keys = list(mapping)
    del mapping[key]
    if not rest:
        return
    at = keys.index(key)
    if at == 0:
        raise DataError(
            f"internal error: removing {key!r} would lose the comment lines after it; nothing was written",
            f"please report this; make the change by hand and run {command('validate')}",
        )
    previous = keys[at - 1]
    before = mapping.ca.items.get(previous)
    kept = before[2] if before is not None and len(before) > 2 else None
    if kept is None:
        # After a key's value its line is still open, but a block scalar ends its own.
        ended = isinstance(mapping[previous], LiteralScalarString | FoldedScalarString)
        token = CommentToken(("" if ended else "\n") + rest, CommentMark(0), None)
        if before is not None and len(before) > 2:
            before[2] = token
        else:
            mapping.ca.items[previous] = [None, None, token, None]
    else:
        kept.value = (kept.value if kept.value.endswith("\n") else kept.value + "\n") + rest


def line_comment(mapping: Any, key: str) -> str | None:
    """The comment ending ``key``'s line in a round-trip ``mapping`` ("# carried from
    P09"), or None."""
    slots = mapping.ca.items.get(key) if key in mapping else None
    token = slots[2] if slots is not None and len(slots) > 2 else None
    return None if token is None else token.value.partition("\n")[0].strip() or None


def drop_line_comment(mapping: Any, key: str, ours: re.Pattern[str]) -> bool:
    """Remove the comment ending ``key``'s line in a round-trip ``mapping`` when it is
    one that ``ours`` matches (csplan's own), keeping any comment lines after it; True
    when one was removed."""
    slots = mapping.ca.items.get(key)
    token = slots[2] if slots is not None and len(slots) > 2 else None
    if token is None:
        return False
    first, _, rest = token.value.partition("\n")
    if not ours.fullmatch(first.strip()):
        return False
    if rest:
        token.value = "\n" + rest
    else:
        slots[2] = None
    return True


def describe_change(
    before: dict[str, Any] | None,
    after: dict[str, Any],
    show: Callable[[str, Any], str] = lambda _, v: str(v),
    word: Callable[[str], str] = str,
) -> str:
    """What an edit of one progress entry did, in words: "forecast 380000 -> 420000;
    kept delivered, note; cleared rag" (or the new entry's fields); ``word`` names a
    field as people read it (at_risk -> "at risk")."""
    # A field written empty (at_risk:, as --clear leaves a part) is cleared, not a value.
    fields = [name for name in after if name != "period" and after[name] is not None]
    if before is None:
        new = "new: " + ", ".join(f"{word(name)} {show(name, after[name])}" for name in fields)
        emptied = [word(name) for name in after if after[name] is None]
        return new + ("; cleared " + ", ".join(emptied) if emptied else "")
    said = [
        f"{word(name)} {show(name, before[name])} -> {show(name, after[name])}"
        if before.get(name) is not None
        else f"{word(name)} {show(name, after[name])} added"
        for name in fields
        if before.get(name) != after[name]
    ]
    kept = [word(name) for name in fields if before.get(name) == after[name]]
    cleared = [
        word(name)
        for name in dict.fromkeys([*before, *after])
        if after.get(name) is None and (before.get(name) is not None or (name in after and name not in before))
    ]
    if kept:
        said.append("kept " + ", ".join(kept))
    if cleared:
        said.append("cleared " + ", ".join(cleared))
    changed = any((n in before) != (n in after) or before.get(n) != after.get(n) for n in {*before, *after})
    return "; ".join(said) if changed else "no change"


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
            f"make the change by hand and run {command('validate')}",
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
                f"the file's layout is unusual here; make the change by hand and run {command('validate')}",
            )


def _common_ends(before: list[str], after: list[str]) -> tuple[int, int]:
    """How many lines the two share at the start, and then at the end."""
    head = 0
    while head < min(len(before), len(after)) and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < min(len(before), len(after)) - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    return head, tail


def on_disk(findings: list[Finding], path: str, old: str, new: str) -> list[Finding]:
    """Findings about the edited text ``new`` of ``path``, placed in ``old``, the file as
    it is on disk (an edit refused or shown by --dry-run is never written): a line the
    edit left as it was keeps its place in the file, a line the edit added or changed
    becomes the line on disk where that change is made, and loses its column."""
    before, after = old.splitlines(), new.splitlines()
    head, tail = _common_ends(before, after)
    shift = len(before) - len(after)
    inside = [f for f in findings if f.path == path and f.line is not None and head < f.line <= len(after) - tail]
    places = _places(before[head : len(before) - tail], after[head : len(after) - tail]) if inside else []
    placed = []
    for finding in findings:
        line = finding.line
        if finding.path != path or line is None or line <= head:
            placed.append(finding)
        elif line > len(after) - tail:
            placed.append(dataclasses.replace(finding, line=line + shift))
        else:
            at, kept = places[line - head - 1] if places else (0, False)
            column = finding.column if kept else None
            placed.append(dataclasses.replace(finding, line=head + 1 + at, column=column))
    return placed


_MATCHED_LINES = 1_000
"""Changed regions longer than this are not matched line by line (their findings go to
the first changed line): difflib's matching of a savings file's repeated lines grows
about as the cube of its length (800 lines 0.1 s, 2,400 lines 2.7 s, 4,800 lines 21 s)."""


def _places(before: list[str], after: list[str]) -> list[tuple[int, bool]]:
    """For each line of ``after``: the index in ``before`` of the same line (True), or of
    the line where the change that made it is (False)."""
    if max(len(before), len(after)) > _MATCHED_LINES:
        return [(0, False)] * len(after)
    places: list[tuple[int, bool]] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, first, last, start, end in matcher.get_opcodes():
        for offset in range(end - start):
            if tag == "equal":
                places.append((first + offset, True))
            else:  # inserted before line `first`, or replacing lines first..last
                places.append((min(first + offset, max(last - 1, first)), False))
    return places


def unified_diff(old: str, new: str, path: str, *, created: bool = False) -> str:
    """The edit as a unified diff. Lines the two texts share at the start and the end
    are left out of the comparison (but for context), so a one-saving edit of a
    large file is diffed in the time its few changed lines take."""
    before, after = old.splitlines(True), new.splitlines(True)
    head, tail = _common_ends(before, after)
    skip = max(head - 3, 0)
    keep = max(tail - 3, 0)
    name = path.lstrip("/")  # as git names an absolute path: a/tmp/x, not a//tmp/x
    lines = difflib.unified_diff(
        before[skip : len(before) - keep],
        after[skip : len(after) - keep],
        fromfile="/dev/null" if created else f"a/{name}",
        tofile=f"b/{name}",
    )

    def shift(match: re.Match[str]) -> str:
        return f"@@ -{int(match[1]) + skip}{match[2] or ''} +{int(match[3]) + skip}{match[4] or ''} @@"

    return "".join(re.sub(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", shift, line) for line in lines)


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
    plan: Plan,
    findings: list[Finding],
    kind: str,
    year: str | None,
    action: str = "change it",
    folder: object = "the data folder",
) -> Document:
    """The one ``kind`` document to edit, refusing a closed year (``action`` says what
    was asked) and a file that does not validate."""
    documents = plan.of_kind(kind, year)
    if not documents:
        if not unloaded_files(plan, findings):  # no such file at all: say which years there are
            raise no_file(plan, (kind,), year, folder)
        broken = sorted({f.path for f in findings if f.severity == "error"})
        raise DataError(
            f"the data does not validate ({', '.join(broken)}); nothing was written",
            f"run {command('validate')} and fix the errors first",
        )
    if len(documents) > 1 and year is None:
        default = plan.default_year()
        documents = [d for d in documents if d.year == default] or documents
    if len(documents) > 1:
        years = ", ".join(d.year for d in documents)
        raise UsageError(f"{kind} files for several years ({years})", "choose one with --year")
    document = documents[0]
    refuse_closed(document, action, plan)
    errors = [f for f in findings if f.path == document.path and f.severity == "error"]
    if errors:
        raise DataError(
            f"{document.path} does not validate; nothing was written",
            f"fix those errors first ({command('validate')} shows them all)",
            errors,
        )
    return document


def recheck(
    plan: Plan, document: Document, new_text: str, changed: tuple[str, Sequence[int]] | None = None
) -> tuple[Document, list[Finding]]:
    """Validate the plan with ``document`` replaced by ``new_text``: the new document and
    its warnings, or a data error listing what the edit would break.

    ``changed`` (a top-level list and the indexes of its items that the edit changed,
    as ``edit_list_items`` edits them) lets a large file be checked without reading it
    all again: only the changed items are read and validated, the others are the models
    already made from the same lines. Every check of the file and of the plan runs.
    """
    new_document = _rebuilt(document, new_text, *changed) if changed else None
    findings: list[Finding] = []
    if new_document is None:
        source, findings = parse_text(new_text, document.path)
        if source is not None:
            new_document, problems = build_document(source)
            findings.extend(problems)
    if new_document is not None:
        others = [d for d in plan.documents if d is not document]
        new_plan = Plan(documents=[*others, new_document])
        for check in FILE_CHECKS.get(new_document.kind, ()):
            findings.extend(check(new_document))
        for plan_check in PLAN_CHECKS:
            findings.extend(plan_check(new_plan))
    errors = [f for f in findings if f.severity == "error"]
    if errors or new_document is None:
        raise DataError(
            f"the change would leave {document.path} invalid; nothing was written",
            findings=on_disk(errors, document.path, document.source.text, new_text),
        )
    return new_document, sorted((f for f in findings if f.path == document.path), key=lambda f: f.sort_key)


def _rebuilt(document: Document, new_text: str, key: str, indexes: Sequence[int]) -> Document | None:
    """The document of ``new_text``, made by validating only the items at ``indexes``
    of the list ``key`` (read from the file's head and those items' lines alone);
    None when that cannot be done cleanly (the full check then runs and explains)."""
    items = getattr(document.model, key)
    spans = list_item_spans(new_text, key)
    if spans is None or len(spans) != len(items) or not indexes:
        return None
    chosen = sorted(set(indexes))
    head, tail = new_text[: spans[0][0]], new_text[spans[-1][1] :]
    small = head + "".join(new_text[slice(*spans[i])] for i in chosen) + tail
    source, findings = parse_text(small, document.path)
    if source is None or findings:
        return None
    rebuilt, problems = build_document(source)
    if rebuilt is None or problems or type(rebuilt.model) is not type(document.model):
        return None
    fresh = getattr(rebuilt.model, key)
    if len(fresh) != len(chosen) or rebuilt.model.model_dump(exclude={key}) != document.model.model_dump(exclude={key}):
        return None
    merged = list(items)
    for index, item in zip(chosen, fresh, strict=True):
        merged[index] = item
    model = document.model.model_copy(update={key: merged})
    return Document(document.path, model, YamlFile(document.path, new_text, None))


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


# -- editing items of a top-level list, one block of lines at a time --------------------------

ItemChange = Callable[[Any], None]


def edit_list_items(
    document: Document,
    key: str,
    changes: Mapping[int, ItemChange],
    what: str,
    removable: re.Pattern[str] | None = None,
) -> str:
    """The document's text with ``changes[i]`` applied to item ``i`` of its top-level
    list ``key`` (each change gets the item as ruamel.yaml round-trip data).

    Only the changed items' own lines are read and written by ruamel.yaml: the rest
    of the file is kept as it is, byte for byte, and a 10,000-item file is edited in
    the time a few items take. A list whose items cannot be cut out by their lines
    (flow style, say) is edited by a round trip of the whole file, confined to the
    changed items' lines.

    Every comment of the file is still in the new text, but for those ``removable``
    matches whole (csplan's own marks, which an edit may drop or replace): else the
    edit is refused as csplan's own error, and nothing is written.
    """
    text = document.source.text
    count = len(getattr(document.model, key))
    spans = list_item_spans(text, key)
    new_text = None
    if spans is not None and len(spans) == count:
        new_text = _splice(text, key, spans, changes, document)
    if new_text is None:
        yaml, tree = load_round_trip(text)
        for index, change in changes.items():
            change(tree[key][index])
        new_text = dump_round_trip(yaml, tree)
        confine_changes(text, new_text, [item_block(document, key, index, count) for index in sorted(changes)], what)
    start = item_block(document, key, min(changes), count)[0] if changes else 0
    keep_comments(text, new_text, what, removable, start, document.path)
    return new_text


def end_comment(line: str) -> str | None:
    """The comment a YAML line ends with ("# carried from P09"), or None: from the
    first ``#`` at the line's start or after a space that is not inside quotes."""
    quote = ""
    at = 0
    while at < len(line):
        char = line[at]
        if quote == "'" and line.startswith("''", at):
            at += 1  # '' is a quote inside a single-quoted scalar
        elif quote == '"' and char == "\\":
            at += 1  # \" is a quote inside a double-quoted scalar
        elif quote:
            quote = "" if char == quote else quote
        elif char in "'\"" and (at == 0 or line[at - 1] in " \t:[{,-"):
            quote = char
        elif char == "#" and (at == 0 or line[at - 1] in " \t"):
            return line[at:].rstrip()
        at += 1
    return None


def keep_comments(
    old: str,
    new: str,
    what: str,
    removable: re.Pattern[str] | None = None,
    start: int = 0,
    path: str | None = None,
) -> None:
    """Refuse (an internal error: nothing is written) an edit whose ``new`` text lost a
    comment of the ``old`` one, other than one ``removable`` matches whole.

    A comment inside a flow mapping or list written over several lines (``{period: P06,
    forecast: 400000,  # estimate``) is one ruamel.yaml cannot keep: that edit is refused
    as the file's layout, not as a bug, naming the lines (of ``path``) and the fix.

    Comments are found by YAML's own scanner (``line_comments``), from line ``start``
    (0-based: where a node of both texts begins, before any line the edit changed), so
    a ``#`` inside a note (quoted, block or folded over several lines, or a URL's
    fragment) is never taken for one."""
    before, after = old.splitlines(), new.splitlines()
    head, tail = _common_ends(before, after)  # lines both share are not searched: a large file stays fast
    start = start if start <= head else 0
    have: dict[str, int] = {}
    for comment in line_comments(new, after, range(head, len(after) - tail), start).values():
        have[comment] = have.get(comment, 0) + 1
    for number, comment in line_comments(old, before, range(head, len(before) - tail), start).items():
        if removable is not None and removable.fullmatch(comment):
            continue
        if not have.get(comment):
            flow = _flow_around(before, number, comment, start)
            if flow is not None:
                where = f"{path}:{number + 1}" if path else f"line {number + 1}"
                raise DataError(
                    f"{where}: csplan cannot edit {what} and keep the comment {comment!r}: it is inside a "
                    f"{flow[2]} written over lines {flow[0] + 1}-{flow[1] + 1}, which an edit rewrites whole; "
                    "nothing was written",
                    "write that entry in block style (one field a line, the comment at the end of its "
                    "field's line), then run the command again",
                )
            raise DataError(
                f"internal error: editing {what} would lose the comment on line {number + 1} ({comment!r}); "
                "nothing was written",
                f"this is a csplan bug: please report it; make the change by hand and run {command('validate')}",
            )
        have[comment] -= 1


def _flow_around(lines: Sequence[str], number: int, comment: str, start: int) -> tuple[int, int, str] | None:
    """(first line, last line, "flow mapping ({...})" or "flow list ([...])") of the
    outermost flow collection of ``lines`` that holds ``comment``, the comment ending
    line ``number`` (0-based), scanning from line ``start`` (where a node begins); None
    when no flow collection holds it."""
    import yaml as pyyaml

    loader = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)
    place = (number, len(lines[number].rstrip()) - len(comment))
    opening = (pyyaml.FlowMappingStartToken, pyyaml.FlowSequenceStartToken)
    closing = (pyyaml.FlowMappingEndToken, pyyaml.FlowSequenceEndToken)
    for first in dict.fromkeys((start, 0)):
        depth, opened = 0, (0, "")
        try:
            for token in pyyaml.scan("\n".join(lines[first:]), Loader=loader):
                at = (token.start_mark.line + first, token.start_mark.column)
                if depth == 0 and at > place:
                    return None
                if isinstance(token, opening):
                    depth += 1
                    if depth == 1:
                        kind = "mapping ({...})" if isinstance(token, pyyaml.FlowMappingStartToken) else "list ([...])"
                        opened = (at[0], kind)
                elif isinstance(token, closing) and depth:
                    depth -= 1
                    if depth == 0 and at > place:
                        return opened[0], at[0], f"flow {opened[1]}"
        except pyyaml.YAMLError:
            continue
        return None
    return None


def line_comments(text: str, lines: Sequence[str], wanted: range, start: int = 0) -> dict[int, str]:
    """The comment ending each line of ``wanted`` (0-based numbers of ``lines``, which
    are ``text.splitlines()``) that has one, by line: from a ``#`` at the line's start
    or after a space that no YAML token covers, to the line's end.

    Scanning (libyaml's scanner, lazily) begins at line ``start``, which must be where
    a node begins (an item's first line), and stops after the last wanted line. Should
    it fail from there, the whole text is scanned; should that fail too (the text is
    not YAML), ``end_comment`` reads each line by itself."""
    candidates = [n for n in wanted if "#" in lines[n]]
    if not candidates:
        return {}
    import yaml as pyyaml

    last = candidates[-1]
    # The lines up to the last wanted one are enough, unless a quoted scalar runs on past it.
    for first, end in dict.fromkeys(((start, last + 1), (start, len(lines)), (0, len(lines)))):
        try:
            spans = _token_spans("\n".join(lines[first:end]), last - first, first)
        except pyyaml.YAMLError:
            continue
        found: dict[int, str] = {}
        at_span = 0
        for number in candidates:  # spans and candidates both run in file order: one sweep
            line = lines[number]
            at = line.find("#")
            while at != -1:
                while at_span < len(spans) and spans[at_span][2:] <= (number, at):
                    at_span += 1
                inside = at_span < len(spans) and spans[at_span][:2] <= (number, at)
                if (at == 0 or line[at - 1] in " \t") and not inside:
                    found[number] = line[at:].rstrip()
                    break
                at = line.find("#", at + 1)
        return found
    return {n: c for n in candidates if (c := end_comment(lines[n])) is not None}


def _token_spans(text: str, last: int, offset: int) -> list[tuple[int, int, int, int]]:
    """(first line, column, last line, column) of every YAML token of ``text`` that
    starts no later than line ``last``, numbered from ``offset``, in order (tokens do
    not overlap); a ``#`` inside one is part of a scalar (or tag), not a comment."""
    import yaml as pyyaml

    loader = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)
    spans: list[tuple[int, int, int, int]] = []
    for token in pyyaml.scan(text, Loader=loader):
        begin, end = token.start_mark, token.end_mark
        if begin.line > last:
            break
        if getattr(token, "style", None) in ("|", ">"):
            # A block scalar's token starts at its header (| or >-, say), but the rest
            # of that line is indicators and a comment: its text starts on the next line.
            spans.append((begin.line + offset + 1, 0, end.line + offset, end.column))
        elif (begin.line, begin.column) != (end.line, end.column):
            spans.append((begin.line + offset, begin.column, end.line + offset, end.column))
    return spans


def item_block(document: Document, key: str, index: int, count: int) -> tuple[int, int]:
    """0-based first and last line of item ``index`` of the top-level list ``key``
    (the last may be the next item's or key's), from the loader's marks."""
    if index + 1 < count:
        return block_lines(document, (key, index), [(key, index + 1)])
    return block_lines(document, (key, index), [(name,) for name in document.model.model_fields_set])


def list_item_spans(text: str, key: str) -> list[tuple[int, int]] | None:
    """Where each item of the top-level block list ``key`` starts and ends in ``text``
    (an item runs to the next item's ``- `` line or the next top-level key, its
    trailing comments included); None when ``key`` is not such a list.

    An item starts with ``- `` at the items' indentation; in a block list no line
    inside an item can (its contents are indented further), so the cut is exact.
    """
    found = list(re.finditer(rf"^{re.escape(key)}:[ ]*(?:#[^\r\n]*)?\r?$", text, re.M))
    if len(found) != 1:
        return None
    body = found[0].end() + 1
    first = _FIRST_CHAR.search(text, body)
    while first is not None and first[2] == "#":
        first = _FIRST_CHAR.search(text, first.end())
    if first is None or first[2] != "-":
        return None
    # Plain string searches: a 10,000-item file is cut in milliseconds.
    stop = _TOP_LEVEL.search(text, body - 1)
    end = stop.start() + 1 if stop else len(text)
    marker = "\n" + first[1] + "-"
    starts: list[int] = []
    at = text.find(marker, body - 1, end)
    while at != -1:
        if text[at + len(marker) : at + len(marker) + 1] in (" ", "\n", "\r", ""):
            starts.append(at + 1)
        at = text.find(marker, at + 1, end)
    return list(zip(starts, [*starts[1:], end], strict=True))


# A line that starts a new top-level key: not indented, not a comment, not an item.
_TOP_LEVEL = re.compile(r"\n[^ \r\n#-]")
_FIRST_CHAR = re.compile(r"^( *)([^ \r\n])", re.M)


def _splice(
    text: str, key: str, spans: list[tuple[int, int]], changes: Mapping[int, ItemChange], document: Document
) -> str | None:
    """Round-trip each changed item's lines alone, as the one item of a ``key:`` list."""
    yaml = round_trip(text)
    items = getattr(document.model, key)
    pieces: list[str] = []
    done = 0
    for index in sorted(changes):
        start, end = spans[index]
        end = _trim_trailing_comments(text, start, end)
        block = text[start:end]
        crlf = "\r\n" in block
        head = f"{key}:\n"
        try:
            tree = yaml.load(head + block.replace("\r\n", "\n"))
        except Exception:  # ruamel raises many kinds: edit the whole file instead
            return None
        if not isinstance(tree, dict) or list(tree) != [key] or len(tree[key] or []) != 1:
            return None
        item = tree[key][0]
        if getattr(items[index], "id", None) not in (None, item.get("id")):
            return None  # not the item the model has at this place
        changes[index](item)
        dumped = dump_round_trip(yaml, tree)
        if not dumped.startswith(head):
            return None
        new_block = _keep_unchanged_lines(block.replace("\r\n", "\n"), dumped[len(head) :], head)
        if crlf:
            new_block = new_block.replace("\n", "\r\n")
        if block and not block.endswith("\n"):
            new_block = new_block.removesuffix("\r\n" if crlf else "\n")
        pieces += [text[done:start], new_block]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def _trim_trailing_comments(text: str, start: int, end: int) -> int:
    """Where an item's own lines end: before the comments and blank lines that follow
    it (they introduce the next item, and stay where they are). Lines that could be the
    content of a block scalar are kept in the item."""
    block = text[start:end]
    if re.search(r"[|>][0-9]?\+", block):
        return end  # a block scalar keeping its trailing blank lines: leave the cut alone
    indent = len(block) - len(block.lstrip(" "))
    lines = block.splitlines(keepends=True)
    while len(lines) > 1:
        last = lines[-1]
        stripped = last.lstrip(" ")
        lead = len(last) - len(stripped)
        if stripped.strip() and not (stripped.startswith("#") and lead <= indent + 2):
            break
        end -= len(last)
        lines.pop()
    return end


def _keep_unchanged_values(before: list[str], after: list[str]) -> list[str]:
    """``after`` with each key's lines that read as the same value as a key's lines of
    ``before`` (in order, same key and indentation) given back as they were: ruamel.yaml
    writes a quoted note the holder spread over two lines onto one, and a change next
    to it must not rewrite the note."""
    import yaml as pyyaml

    def value(chunk: list[str]) -> object:
        try:
            return pyyaml.load(textwrap.dedent("".join(chunk)), Loader=pyyaml.SafeLoader)
        except pyyaml.YAMLError:
            return _UNREADABLE

    old = _key_chunks(before)
    merged: list[str] = []
    at = 0
    for chunk in _key_chunks(after):
        found = next((i for i in range(at, len(old)) if _chunk_key(old[i]) == _chunk_key(chunk)), None)
        if found is not None and len(old[found]) > 1 and (same := value(old[found])) is not _UNREADABLE:
            at = found + 1
            if same == value(chunk):
                merged.extend(old[found])
                continue
            if old[found][0] == chunk[0] and len(chunk) > 1:  # an item whose first line stays: its keys, one by one
                merged += [chunk[0], *_keep_unchanged_values(old[found][1:], chunk[1:])]
                continue
        merged.extend(chunk)
    return merged


_UNREADABLE = object()


def _key_chunks(lines: list[str]) -> list[list[str]]:
    """``lines`` cut where a line is indented no further than the line that began the
    current piece: each piece one key (or item) with its value's continuation lines."""
    chunks: list[list[str]] = []
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        if chunks and (not line.strip() or indent > len(chunks[-1][0]) - len(chunks[-1][0].lstrip(" "))):
            chunks[-1].append(line)
        else:
            chunks.append([line])
    return chunks


def _chunk_key(chunk: list[str]) -> tuple[int, str]:
    first = chunk[0]
    return len(first) - len(first.lstrip(" ")), first.strip().partition(":")[0]


def _keep_unchanged_lines(old: str, new: str, head: str) -> str:
    """``new`` with each line that ruamel.yaml only re-spaced (``key:   1`` as ``key: 1``)
    given back as it was, when that reads as the same data."""
    import yaml as pyyaml

    def spacing(line: str) -> str:
        return re.sub(r"(?<=\S) {2,}", " ", line.rstrip())

    before, after = old.splitlines(True), new.splitlines(True)
    matcher = difflib.SequenceMatcher(a=[spacing(x) for x in before], b=[spacing(x) for x in after], autojunk=False)
    merged: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            merged.extend(before[i1:i2])
        elif tag == "replace":
            merged.extend(_keep_unchanged_values(before[i1:i2], after[j1:j2]))
        else:
            merged.extend(after[j1:j2])
    kept = "".join(merged)
    if kept == new:
        return new
    try:
        same = pyyaml.load(head + kept, Loader=pyyaml.SafeLoader) == pyyaml.load(head + new, Loader=pyyaml.SafeLoader)
    except pyyaml.YAMLError:
        same = False
    return kept if same else new
