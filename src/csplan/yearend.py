"""Closing a financial year: each saving's outcome, and its shortfall carried on.

``prepare_close_year`` computes everything and builds both edited files, writing
nothing; ``YearEnd.write`` writes them. For each saving of the year:

- its final return is its P12 return (every saving needs one);
- delivered is the P12 ``delivered`` where given, else the P12 forecast, counted up to
  the target; anything beyond is over-delivery and nothing slips;
- the shortfall (target - delivered) is replaced where later savings say
  ``replaces: {saving: YEAR/ID, amount: ...}``, written off where asked (with a
  reason), and otherwise slips: the next year's file gets a brought-forward line for
  it (``from: YEAR/ID``, the slipped amount as its target, ongoing or one-off as the
  original);
- the outcome is recorded on the saving, exact to the penny:
  delivered + slipped + written_off + replaced = target.

Mitigations do not enter into it: they covered the year's gap, not the saving.

The two files are written as one change (``write_year_end``): both new texts go to
temporary files first, each flushed to disk, and only then renamed into place, the
next year's file first and the closed year's last. The closed year's rename is the
commit point: interrupted before it, the next year holds lines brought forward from a
year that is not closed (``validate`` says CSP504), and running close-year again
finds those lines, recognises them as its own and completes the close.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from csplan.checks import check_plan, unloaded_files, validate_plan
from csplan.edit import decimal_text, dump_round_trip, edit_list_items, load_round_trip
from csplan.errors import DataError, UsageError
from csplan.findings import Finding
from csplan.load import Document, Plan, build_document
from csplan.models import Saving, SavingsFile
from csplan.money import ZERO, Money, format_pounds, money_sum, to_units
from csplan.suggest import command, did_you_mean
from csplan.text import plural
from csplan.yamlsource import parse_text
from csplan.years import FINAL_PERIOD, link, next_year, no_file, savings_file_name, savings_years

PENNY = Decimal("0.01")


@dataclass(frozen=True)
class SavingOutcome:
    """What becomes of one saving when its year closes."""

    id: str
    description: str
    target: Money
    final: Money
    """The P12 delivered, else the P12 forecast."""
    delivered: Money
    over_delivered: Money
    slipped: Money
    written_off: Money
    replaced: Money
    write_off_reason: str | None = None
    carried_to: str | None = None
    """The brought-forward line's link (``2026-27/S06-BF``) when something slips."""
    replaced_by: tuple[str, ...] = ()

    @property
    def shortfall(self) -> Money:
        return self.target - self.delivered


@dataclass(frozen=True)
class BroughtForward:
    """A line the next year's file gains: a slipped shortfall, carried on."""

    id: str
    origin: str
    description: str
    division: str | None
    owner: str | None
    ongoing: Money
    one_off: Money
    existing: bool = False
    """Already in the next year's file (left by an interrupted close): kept as it is."""
    amount: Money | None = None
    """The whole slipped amount, when the original's ongoing and one-off split is not known."""

    @property
    def target(self) -> Money:
        return self.amount if self.amount is not None else self.ongoing + self.one_off


@dataclass(frozen=True)
class FileChange:
    """One file's old and new text; ``created`` when it did not exist."""

    path: Path
    old_text: str
    new_text: str
    created: bool = False


@dataclass(frozen=True)
class YearEnd:
    """A year's close, computed and checked, ready to show or to write."""

    year: str
    next_year: str
    outcomes: list[SavingOutcome]
    brought_forward: list[BroughtForward]
    closing: FileChange
    carrying: FileChange | None
    warnings: list[Finding] = field(default_factory=list)

    @property
    def changes(self) -> list[FileChange]:
        """The files to write, in the order they are renamed into place."""
        return [c for c in (self.carrying, self.closing) if c is not None]

    def total(self, name: str) -> Money:
        return money_sum(getattr(o, name) for o in self.outcomes)


# -- computing the close ------------------------------------------------------------------


def write_offs_of(ids: Sequence[str], reasons: Sequence[str]) -> dict[str, str]:
    """``--write-off`` ids with their ``--reason``: one reason for all, or one per id in order."""
    if not ids:
        if reasons:
            raise UsageError("--reason given without --write-off", "name the saving: --write-off S09 --reason ...")
        return {}
    cleaned = [r.strip() for r in reasons]
    if not cleaned or any(not r for r in cleaned):
        raise UsageError("each --write-off needs a --reason", "say why it cannot be delivered: --reason '...'")
    if len(cleaned) == 1:
        cleaned = cleaned * len(ids)
    elif len(cleaned) != len(ids):
        raise UsageError(
            f"{len(ids)} --write-off ids but {len(cleaned)} --reason texts",
            "give one --reason for all of them, or one after each --write-off",
        )
    chosen: dict[str, str] = {}
    for saving_id, reason in zip(ids, cleaned, strict=True):
        if saving_id in chosen:
            raise UsageError(f"--write-off {saving_id} is given twice")
        chosen[saving_id] = reason
    return chosen


def prepare_close_year(data: Path, year: str, write_offs: dict[str, str] | None = None) -> YearEnd:
    """Check that ``year`` can close and build both edited files; write nothing."""
    plan, findings = validate_plan(data)
    return close_plan(plan, findings, year, write_offs or {}, Path(data))


def close_plan(plan: Plan, findings: list[Finding], year: str, write_offs: dict[str, str], folder: Path) -> YearEnd:
    """``prepare_close_year`` on a plan already loaded and validated."""
    years = savings_years(plan)
    by_year = {document.year: (document, model) for document, model in years}
    if year not in by_year:
        if unloaded_files(plan, findings):
            raise DataError(f"no valid savings file for {year} in {folder}", f"run {command('validate')} to see why")
        raise no_file(plan, ("savings",), year, folder)
    document, model = by_year[year]
    if model.closed:
        raise UsageError(
            f"{year} is already closed ({document.path}); nothing was written",
            "a year closes once; its outcomes are recorded on each saving",
        )
    for earlier, earlier_model in years:
        if earlier.year < year and not earlier_model.closed:
            raise UsageError(
                f"{earlier.year} is not closed yet; close it before {year}",
                command(f"savings close-year --year {earlier.year}"),
            )
    following = next_year(year)
    next_found = by_year.get(following)
    _refuse_errors(findings, [document] + ([next_found[0]] if next_found else []), year)
    if next_found is None:
        _refuse_unreadable_next(Path(document.path).parent / savings_file_name(following), following, findings)
    _refuse_missing_finals(model, document)
    ids = [s.id for s in model.lines]
    unknown = [i for i in write_offs if i not in set(ids)]
    if unknown:
        hints = [(i, did_you_mean(i, ids)) for i in unknown]
        hint = "; ".join(f"{i}: {meant}" if len(unknown) > 1 else meant for i, meant in hints if meant) or (
            f"ids run {ids[0]}..{ids[-1]}" if ids else None
        )
        raise UsageError(f"--write-off {', '.join(unknown)}: no such saving in {document.path}", hint)

    replacements = _replacements(years, year)
    next_model = next_found[1] if next_found else None
    existing = {s.from_: s for s in next_model.lines if s.from_} if next_model else {}
    taken = {s.id for s in next_model.lines} if next_model else set()
    outcomes: list[SavingOutcome] = []
    carried: list[BroughtForward] = []
    problems: list[str] = []
    for saving in model.lines:
        outcome, problem = _outcome(saving, year, replacements.get(saving.id, []), write_offs.get(saving.id))
        if problem:
            problems.append(problem)
            continue
        if outcome.slipped:
            origin = link(year, saving.id)
            line = _carry(saving, origin, outcome.slipped, existing.get(origin), taken)
            if isinstance(line, str):
                problems.append(line)
                continue
            taken.add(line.id)
            carried.append(line)
            outcome = _with(outcome, carried_to=link(following, line.id))
        elif link(year, saving.id) in existing:
            problems.append(
                f"{saving.id}: {following}/{existing[link(year, saving.id)].id} already brings it forward, "
                "but nothing of it slips"
            )
        outcomes.append(outcome)
    for saving_id in write_offs:
        done = next((o for o in outcomes if o.id == saving_id), None)
        if done is not None and not done.written_off:
            problems.append(f"--write-off {saving_id}: it has no shortfall left to write off")
    if problems:
        raise DataError(f"{year} cannot close; nothing was written\n" + "\n".join(problems))

    closing = FileChange(Path(document.path), document.source.text, _closed_text(document, outcomes))
    carrying = _carrying_change(plan, document, following, next_found, carried, folder) if carried else None
    if model.tracks_at_risk and not (next_found and next_found[1].tracks_at_risk):
        carrying = _keep_tracking(carrying, next_found[0] if next_found else None, year)
    warnings = _recheck(plan, document, closing, next_found[0] if next_found else None, carrying)
    return YearEnd(year, following, outcomes, carried, closing, carrying, warnings)


def _refuse_errors(findings: list[Finding], documents: list[Document], year: str) -> None:
    paths = {d.path for d in documents}
    # Lines brought forward by an interrupted close of this year are what it completes.
    errors = [
        f
        for f in findings
        if f.severity == "error" and f.path in paths and not (f.code == "CSP504" and f"from {year}/" in f.message)
    ]
    if errors:
        raise DataError(
            "the data does not validate; nothing was written",
            f"fix those errors first ({command('validate')} shows them all)",
            errors,
        )


def _refuse_unreadable_next(path: Path, following: str, findings: list[Finding]) -> None:
    """Refuse the close when the next year's file it would create is already there but
    did not load as that year's savings (a YAML or schema error, another year or kind):
    creating it would write over it, and the writer would misreport it as having
    appeared meanwhile. The file's own findings say what to fix."""
    if not os.path.lexists(path):
        return
    where = os.path.normpath(path)
    own = [f for f in findings if os.path.normpath(f.path) == where and f.severity == "error"]
    if own:
        raise DataError(
            f"{path} exists but cannot be read as {following}'s savings; nothing was written",
            f"fix those errors in it ({command('validate')} shows them), then close the year again",
            own,
        )
    raise DataError(
        f"{path} exists but is not {following}'s savings file; nothing was written",
        f"the close adds {following}'s brought-forward lines to that file: make it {following}'s savings "
        "(kind: savings, year: " + following + "), or move it out of the folder",
    )


def _refuse_missing_finals(model: SavingsFile, document: Document) -> None:
    missing = [s.id for s in model.lines if not any(e.period == FINAL_PERIOD for e in s.progress)]
    if missing:
        raise DataError(
            f"{document.year} cannot close: {len(missing)} of {plural(len(model.lines), 'saving')} "
            f"{'has' if len(missing) == 1 else 'have'} no final return "
            f"({FINAL_PERIOD}): {', '.join(missing)}; nothing was written",
            "record each with "
            + command(
                f"savings update ID --period {FINAL_PERIOD} --forecast AMOUNT [--delivered AMOUNT] "
                f"--year {document.year}"
            ),
        )


def _replacements(years: list[tuple[Document, SavingsFile]], year: str) -> dict[str, list[tuple[str, Money]]]:
    """Savings of later years that replace part of a saving of ``year``: by that
    saving's id, (the replacing saving's link, amount)."""
    found: dict[str, list[tuple[str, Money]]] = {}
    for document, model in years:
        if document.year <= year:
            continue
        for saving in model.lines:
            replaces = saving.replaces
            if replaces is not None and replaces.saving.startswith(f"{year}/"):
                found.setdefault(replaces.saving.split("/", 1)[1], []).append(
                    (link(document.year, saving.id), replaces.amount)
                )
    return found


def _outcome(
    saving: Saving, year: str, replacements: list[tuple[str, Money]], write_off_reason: str | None
) -> tuple[SavingOutcome, str | None]:
    final_entry = next(e for e in reversed(saving.progress) if e.period == FINAL_PERIOD)
    final = final_entry.delivered if final_entry.delivered is not None else final_entry.forecast
    target = saving.target
    delivered = min(final, target)
    shortfall = target - delivered
    replaced = money_sum(amount for _, amount in replacements)
    outcome = SavingOutcome(
        id=saving.id,
        description=saving.description,
        target=target,
        final=final,
        delivered=delivered,
        over_delivered=final - delivered,
        slipped=ZERO,
        written_off=ZERO,
        replaced=replaced,
        replaced_by=tuple(name for name, _ in replacements),
    )
    if replaced > shortfall:
        names = ", ".join(f"{name} {format_pounds(amount)}" for name, amount in replacements)
        return outcome, (
            f"{saving.id}: later savings replace {format_pounds(replaced)} of it ({names}), but its shortfall is "
            f"{format_pounds(shortfall)}; lower the replacement"
        )
    rest = shortfall - replaced
    if write_off_reason is not None:
        return _with(outcome, written_off=rest, write_off_reason=write_off_reason), None
    return _with(outcome, slipped=rest), None


def _with(outcome: SavingOutcome, **changes: Any) -> SavingOutcome:
    from dataclasses import replace

    return replace(outcome, **changes)


def _carry(
    saving: Saving, origin: str, slipped: Money, existing: Saving | None, taken: set[str]
) -> BroughtForward | str:
    """The brought-forward line for ``saving``'s slipped shortfall, or why it cannot be made."""
    ongoing, one_off = _split(saving, slipped)
    if existing is not None:
        if existing.target != slipped:
            return (
                f"{saving.id}: {existing.id} in the next year already brings forward "
                f"{format_pounds(existing.target)} from {origin}, but {format_pounds(slipped)} slips"
            )
        return BroughtForward(
            existing.id,
            origin,
            existing.description,
            existing.division,
            existing.owner,
            existing.ongoing,
            existing.one_off,
            existing=True,
            amount=existing.amount,
        )
    return BroughtForward(
        _carried_id(saving.id, taken),
        origin,
        saving.description,
        saving.division,
        saving.owner,
        ongoing,
        one_off,
        amount=None if saving.split_known else slipped,
    )


def _split(saving: Saving, slipped: Money) -> tuple[Money, Money]:
    """(ongoing, one-off) of a slipped amount, as the original is: a saving of both
    parts slips in proportion, the odd penny on the ongoing part (a saving given only as
    an ``amount`` slips as an amount: see ``BroughtForward.amount``)."""
    if not saving.split_known:
        return ZERO, ZERO
    if not saving.one_off:
        return slipped, ZERO
    if not saving.ongoing:
        return ZERO, slipped
    one_off = (slipped * saving.one_off / saving.target).quantize(PENNY)
    return slipped - one_off, one_off


def _carried_id(saving_id: str, taken: set[str]) -> str:
    """``S06-BF``, or ``S06-BF2`` ... when taken; a line brought forward again keeps its base."""
    base = re.sub(r"-BF\d*$", "", saving_id)
    candidate, number = f"{base}-BF", 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-BF{number}"
    return candidate


# -- the edited files ---------------------------------------------------------------------


def _amount(value: Money, units: str) -> Any:
    return to_units(value, units)


def _closed_text(document: Document, outcomes: list[SavingOutcome]) -> str:
    """The closed year's text: each saving gains its outcome, and ``closed: true`` is
    added at the end. Only the outcome lines are new; every other byte is kept."""
    text = document.source.text
    spliced = _spliced_outcomes(text, outcomes, document.units)
    if spliced is None:
        spliced = edit_list_items(
            document,
            "lines",
            {i: _record(o, document.units) for i, o in enumerate(outcomes)},
            f"the savings of {document.path}",
        )
    mark = f"closed: true                  # closed by csplan savings close-year: {document.year} is read-only"
    spliced, replaced = re.subn(r"^closed:[^\n]*$", mark, spliced, count=1, flags=re.M)  # an explicit false
    if replaced:
        return spliced
    newline = "\r\n" if spliced.endswith("\r\n") else "\n"
    return spliced + ("" if spliced.endswith("\n") else newline) + mark + newline


def _outcome_fields(outcome: SavingOutcome, units: str) -> list[tuple[str, Any]]:
    fields: list[tuple[str, Any]] = [("delivered", _amount(outcome.delivered, units))]
    if outcome.over_delivered:
        fields.append(("over_delivered", _amount(outcome.over_delivered, units)))
    fields.append(("slipped", _amount(outcome.slipped, units)))
    if outcome.carried_to:
        fields.append(("slipped_to", outcome.carried_to))
    fields.append(("written_off", _amount(outcome.written_off, units)))
    if outcome.write_off_reason:
        fields.append(("write_off_reason", outcome.write_off_reason))
    fields.append(("replaced", _amount(outcome.replaced, units)))
    return fields


def _record(outcome: SavingOutcome, units: str) -> Any:
    """A change for ``edit_list_items``: the item gains its ``outcome`` mapping."""

    def change(item: Any) -> None:
        from ruamel.yaml.comments import CommentedMap

        recorded = CommentedMap()
        for name, value in _outcome_fields(outcome, units):
            recorded[name] = value
        item["outcome"] = recorded

    return change


_BLOCK_SCALAR = re.compile(r":[ ]*[|>][-+0-9]*[ ]*(?:#[^\n]*)?\r?$", re.M)


def _spliced_outcomes(text: str, outcomes: list[SavingOutcome], units: str) -> str | None:
    """``text`` with each saving's outcome written as lines of its own at the end of
    the saving's block, or None when the list's layout is not one this can do safely
    (flow style, block scalars): ``edit_list_items`` does those, a saving at a time."""
    from csplan.edit import list_item_spans

    spans = list_item_spans(text, "lines")
    if spans is None or len(spans) != len(outcomes):
        return None
    pieces: list[str] = [text[: spans[0][0]]]
    for (start, end), outcome in zip(spans, outcomes, strict=True):
        item = text[start:end]
        head = re.match(r"( *)- ( *)(?=[^ {\[\r\n#])", item)
        if head is None or _BLOCK_SCALAR.search(item):
            return None
        indent = " " * (len(head[1]) + 2 + len(head[2]))
        content, newline, after = _item_end(item)
        added = [f"{indent}outcome:{newline}"] + [
            f"{indent}  {name}: {_scalar(value)}{newline}" for name, value in _outcome_fields(outcome, units)
        ]
        pieces.append(content + "".join(added) + after)
    pieces.append(text[spans[-1][1] :])
    return "".join(pieces)


def _item_end(item: str) -> tuple[str, str, str]:
    """One list item's text cut where lines added at its end go: (its content, ending
    in a line break; the line break the item uses; the comments and blank lines after
    it, which belong before the next item and stay after what is added)."""
    lines = item.splitlines(keepends=True)
    last = len(lines)
    while last > 1 and (not lines[last - 1].strip() or lines[last - 1].lstrip().startswith("#")):
        last -= 1
    newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
    content = "".join(lines[:last])
    return content if content.endswith("\n") else content + newline, newline, "".join(lines[last:])


def _scalar(value: Any) -> str:
    """A value as YAML writes it: a number as its digits, text as a plain word where
    that reads back as the same text, else double-quoted."""
    if isinstance(value, Decimal):
        return decimal_text(value)
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}/[A-Za-z0-9._-]+", text) or (
        re.fullmatch(r"[A-Za-z][A-Za-z0-9 ,.'()/-]*", text)
        and not text.endswith(" ")
        and text.lower() not in {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "nan", "inf"}
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def _line_fields(line: BroughtForward, units: str) -> list[tuple[str, Any]]:
    """A brought-forward line's fields, in the order they are written."""
    fields: list[tuple[str, Any]] = [("id", line.id), ("description", line.description)]
    if line.division:
        fields.append(("division", line.division))
    if line.owner:
        fields.append(("owner", line.owner))
    fields.append(("from", line.origin))
    if line.amount is not None:
        fields.append(("amount", _amount(line.amount, units)))
    else:
        fields.extend([("ongoing", _amount(line.ongoing, units)), ("one_off", _amount(line.one_off, units))])
    return fields


def _line_text(line: BroughtForward, units: str, dash: str, newline: str) -> str:
    """A brought-forward line as YAML text, its ``- `` at ``dash`` indentation."""
    fields = _line_fields(line, units)
    inner = " " * (len(dash) + 2)
    first, *rest = fields
    return f"{dash}- {first[0]}: {_scalar(first[1])}{newline}" + "".join(
        f"{inner}{name}: {_scalar(value)}{newline}" for name, value in rest
    )


def _carrying_change(
    plan: Plan,
    closing: Document,
    following: str,
    next_found: tuple[Document, SavingsFile] | None,
    carried: list[BroughtForward],
    folder: Path,
) -> FileChange | None:
    new_lines = [c for c in carried if not c.existing]
    if next_found is not None:
        document, model = next_found
        if not new_lines:
            return None  # an interrupted close already wrote them
        text = _appended(document, model, new_lines)
        if text is None:
            text = _appended_round_trip(document, model, new_lines)
        return FileChange(Path(document.path), document.source.text, text)
    return FileChange(
        Path(closing.path).parent / savings_file_name(following),
        "",
        _new_file_text(plan, closing, following, new_lines),
        created=True,
    )


def _keep_tracking(carrying: FileChange | None, following: Document | None, year: str) -> FileChange | None:
    """The next year's change with ``settings: track_at_risk: true`` added, so that a
    council that tracks achieved and at risk keeps being asked for them in the new
    year, whose file records none yet; None when there is no next year's file to say it."""
    if carrying is not None:
        return FileChange(carrying.path, carrying.old_text, _tracked_text(carrying.new_text, year), carrying.created)
    if following is None:
        return None
    return FileChange(Path(following.path), following.source.text, _tracked_text(following.source.text, year))


def _tracked_text(text: str, year: str) -> str:
    """``text`` with ``track_at_risk: true`` in its settings, every other byte kept; as it
    was where the file already says ``track_at_risk`` (its own choice stands)."""
    if re.search(r"^[ ]+track_at_risk:", text, re.M):
        return text
    newline = "\r\n" if "\r\n" in text else "\n"
    setting = f"track_at_risk: true  # {year}'s returns gave achieved and at risk: the template asks for them"
    found = re.search(r"^settings:[ ]*(?:#[^\r\n]*)?\r?\n", text, re.M)
    if found is None and not re.search(r"^settings:", text, re.M):
        ending = "" if not text or text.endswith("\n") else newline
        return f"{text}{ending}settings:{newline}  {setting}{newline}"
    flow = re.search(r"^settings:[ ]*\{([^{}\r\n]*)\}", text, re.M)
    if flow is not None:  # settings: {green_percent: 95} on one line: add to it in place
        end = flow.start(1) + len(flow[1].rstrip())
        comma = ", " if flow[1].strip() else ""
        return f"{text[:end]}{comma}track_at_risk: true{text[end:]}"
    child = re.match(r"(?:[ ]*(?:#[^\r\n]*)?\r?\n)*([ ]+)\S", text[found.end() :]) if found else None
    if found is None or child is None:
        yaml, tree = load_round_trip(text)  # an empty or multi-line flow settings: mapping
        settings = tree.get("settings") or {}
        tree["settings"] = {**settings, "track_at_risk": True}
        return dump_round_trip(yaml, tree)
    return text[: found.end()] + f"{child[1]}{setting}{newline}" + text[found.end() :]


def _grown_totals(model: SavingsFile, new_lines: list[BroughtForward]) -> dict[str, Money | None]:
    """Each total the file states, grown by what is brought forward into it; None for a
    column total that must go (an unsplit amount comes in: the split cannot hold)."""
    totals = model.totals
    if totals is None:
        return {}
    unsplit = any(c.amount is not None for c in new_lines)
    added = {
        "ongoing": money_sum(c.ongoing for c in new_lines),
        "one_off": money_sum(c.one_off for c in new_lines),
        "total": money_sum(c.target for c in new_lines),
    }
    grown: dict[str, Money | None] = {}
    for name, more in added.items():
        stated = getattr(totals, name, None)
        if stated is not None:
            grown[name] = None if unsplit and name != "total" else stated + more
    return grown


def _appended(document: Document, model: SavingsFile, new_lines: list[BroughtForward]) -> str | None:
    """The next year's text with the new lines after its last saving and its totals
    grown, every other byte kept; None for a layout this cannot edit safely."""
    from csplan.edit import list_item_spans

    text = document.source.text
    spans = list_item_spans(text, "lines")
    if not spans or len(spans) != len(model.lines):
        return None
    head = re.match(r"( *)- ", text[spans[0][0] : spans[0][1]])
    last_start, last_end = spans[-1]
    if head is None or _BLOCK_SCALAR.search(text[last_start:last_end]):
        return None
    content, newline, after = _item_end(text[last_start:last_end])
    block = "".join(_line_text(line, document.units, head[1], newline) for line in new_lines)
    text = text[:last_start] + content + block + after + text[last_end:]
    return _totals_text(text, _grown_totals(model, new_lines), document.units)


def _totals_text(text: str, grown: dict[str, Money | None], units: str) -> str | None:
    """``text`` with the values of its block ``totals:`` set (a None value's line
    removed), comments kept; None when the totals are not a block mapping."""
    if not grown:
        return text
    found = re.search(r"^totals:[ ]*(?:#[^\r\n]*)?\r?\n", text, re.M)
    if found is None:
        return None
    after = re.search(r"^[^ \r\n#]", text[found.end() :], re.M)
    end = found.end() + (after.start() if after else len(text) - found.end())
    block = text[found.end() : end]
    done: set[str] = set()

    def value(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in grown:
            return match[0]
        done.add(name)
        amount = grown[name]
        if amount is None:
            return ""
        return f"{match['lead']}{name}:{match['gap']}{_scalar(_amount(amount, units))}{match['rest']}"

    pattern = re.compile(
        r"^(?P<lead>[ ]+)(?P<name>ongoing|one_off|total):(?P<gap>[ ]*)[^#\r\n]*?(?P<rest>[ ]*(?:#[^\r\n]*)?\r?\n|$)",
        re.M,
    )
    block = pattern.sub(value, block)
    if done != set(grown):
        return None
    return text[: found.end()] + block + text[end:]


def _appended_round_trip(document: Document, model: SavingsFile, new_lines: list[BroughtForward]) -> str:
    """``_appended`` for any layout, through a round trip of the whole file."""
    from ruamel.yaml.comments import CommentedMap

    yaml, tree = load_round_trip(document.source.text)
    for line in new_lines:
        item = CommentedMap()
        for name, value in _line_fields(line, document.units):
            item[name] = value
        tree["lines"].append(item)
    if "totals" in tree:
        for name, amount in _grown_totals(model, new_lines).items():
            if name not in tree["totals"]:
                continue
            if amount is None:
                del tree["totals"][name]
            else:
                tree["totals"][name] = _amount(amount, document.units)
    return dump_round_trip(yaml, tree)


def _new_file_text(plan: Plan, closing: Document, following: str, lines: list[BroughtForward]) -> str:
    """The next year's savings file, made with the header its year's other files have
    (department, units), else the closed year's."""
    sibling = next((d for d in plan.documents if d.year == following and d.kind in ("budget", "pressures")), None)
    header = sibling or closing
    units = header.units
    schema_line = next(
        (ln for ln in closing.source.text.splitlines() if ln.startswith("# yaml-language-server:")), None
    )
    total = money_sum(c.target for c in lines)
    totals = [("total", total)]
    if all(c.amount is None for c in lines):
        totals[:0] = [
            ("ongoing", money_sum(c.ongoing for c in lines)),
            ("one_off", money_sum(c.one_off for c in lines)),
        ]
    return (
        (f"{schema_line}\n" if schema_line else "")
        + f"# Savings for {following}. Made by `csplan savings close-year --year {closing.year}`, which\n"
        f"# brought forward the {closing.year} shortfalls below (each line's from: names its saving).\n"
        f"# Add {following}'s new savings as lines of their own and keep totals: in step.\n"
        "kind: savings\n"
        f"year: {following}\n"
        f"department: {_scalar(header.model.department)}\n"
        f"units: {units}\n"
        f"source: {_scalar(f'Brought forward from {closing.year} at year end (csplan savings close-year)')}\n"
        "lines:\n"
        + "".join(_line_text(line, units, "  ", "\n") for line in lines)
        + "totals:\n"
        + "".join(f"  {name}: {_scalar(_amount(amount, units))}\n" for name, amount in totals)
    )


def _recheck(
    plan: Plan,
    closing_document: Document,
    closing: FileChange,
    next_document: Document | None,
    carrying: FileChange | None,
) -> list[Finding]:
    """Validate the plan as it would be after the close: refuse if either file would
    have an error; the warnings they would have."""
    replaced = {closing_document.path: closing}
    if carrying is not None:
        replaced[str(carrying.path) if next_document is None else next_document.path] = carrying
    documents = [d for d in plan.documents if d.path not in replaced]
    findings: list[Finding] = []
    for name, change in replaced.items():
        source, problems = parse_text(change.new_text, name)
        findings.extend(problems)
        if source is not None:
            document, more = build_document(source)
            findings.extend(more)
            if document is not None:
                documents.append(document)
    findings.extend(check_plan(Plan(documents=documents)))
    mine = [f for f in findings if f.path in replaced]
    errors = [f for f in mine if f.severity == "error"]
    if errors:
        raise DataError(
            "closing would leave the files invalid; nothing was written",
            "this is csplan's mistake, not yours: please report it",
            errors,
        )
    return [f for f in mine if f.severity == "warning"]


# -- writing both files as one change ------------------------------------------------------


def write_year_end(year_end: YearEnd) -> None:
    """Write the close as one change (``writer.write_data_files``): both new texts are
    staged to disk before either is renamed, the next year's file first and the closed
    year's last, which commits. Call it holding the data folder's lock."""
    from csplan.writer import write_data_files

    write_data_files([(c.path, None if c.created else c.old_text, c.new_text) for c in year_end.changes])
