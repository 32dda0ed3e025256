"""Load a data folder (or files) into models, collecting every finding on the way.

Loading never stops at the first problem: each file is read, checked against its
model, and whatever is wrong comes back as findings with file, line and column.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import os
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.dataclasses import is_pydantic_dataclass
from pydantic.fields import FieldInfo

from csplan.errors import UsageError
from csplan.findings import Finding, error
from csplan.models import (
    KINDS,
    MODELS,
    BudgetFile,
    DataFile,
    MeasuresFile,
    PressuresFile,
    Record,
    SavingsFile,
    normalise_year,
    one_of_message,
)
from csplan.money import UNIT_SCALE
from csplan.yamlsource import ChunkedLines, FastReadFailed, YamlFile, parse_yaml, read_carefully, read_yaml

YAML_SUFFIXES = (".yaml", ".yml")
M = typing.TypeVar("M", PressuresFile, SavingsFile, BudgetFile, MeasuresFile)
DEFAULT_DATA = "data"


@dataclass
class Document:
    """One loaded data file: its model and the YAML it came from."""

    path: str
    model: DataFile
    source: YamlFile

    @property
    def kind(self) -> str:
        return self.model.kind

    @property
    def year(self) -> str:
        return self.model.year

    @property
    def units(self) -> str:
        return self.model.units

    def locate(self, *loc: str | int, key: bool = False) -> tuple[int, int]:
        """Line and column of a value in this file (see ``YamlFile.locate``)."""
        return self.source.locate(loc, key=key)

    def error(
        self, code: str, loc: tuple[str | int, ...], message: str, hint: str | None = None, *, key: bool = False
    ) -> Finding:
        """An error finding placed at ``loc`` in this file."""
        line, column = self.locate(*loc, key=key)
        return Finding(code, "error", self.path, line, column, message, hint)

    def warning(self, code: str, loc: tuple[str | int, ...], message: str, hint: str | None = None) -> Finding:
        """A warning finding placed at ``loc`` in this file."""
        line, column = self.locate(*loc)
        return Finding(code, "warning", self.path, line, column, message, hint)


@dataclass
class Plan:
    """Every document loaded from a data folder."""

    documents: list[Document] = field(default_factory=list)
    files_read: int = 0

    def of_kind(self, kind: str, year: str | None = None) -> list[Document]:
        if year is not None:
            year = normalise_year(year) or year  # --year 2025/26 means 2025-26
        return [d for d in self.documents if d.kind == kind and (year is None or d.year == year)]

    def default_year(self) -> str | None:
        """The year a command works on when no --year is given: the latest year whose
        savings are not closed (the latest year held when all are, or none has savings)."""
        open_years = [d.year for d in self.documents if d.kind == "savings" and not getattr(d.model, "closed", False)]
        if open_years:
            return max(open_years)
        return max((d.year for d in self.documents), default=None)

    def first(self, kind: str, year: str | None = None) -> Document | None:
        """The ``kind`` document of ``year``; without a year, of the default year
        (``default_year``), else the latest one before it, else the latest held."""
        found = self.of_kind(kind, year)
        if year is None and len(found) > 1:
            default = self.default_year()
            found = [d for d in found if default is None or d.year <= default] or found
        return max(found, key=lambda d: d.year) if found else None

    def _with_model(self, kind: str, model_type: type[M], year: str | None) -> tuple[Document, M] | None:
        doc = self.first(kind, year)
        return (doc, doc.model) if doc is not None and isinstance(doc.model, model_type) else None

    def savings(self, year: str | None = None) -> tuple[Document, SavingsFile] | None:
        return self._with_model("savings", SavingsFile, year)

    def pressures(self, year: str | None = None) -> tuple[Document, PressuresFile] | None:
        return self._with_model("pressures", PressuresFile, year)

    def budget(self, year: str | None = None) -> tuple[Document, BudgetFile] | None:
        return self._with_model("budget", BudgetFile, year)

    def measures(self, year: str | None = None) -> tuple[Document, MeasuresFile] | None:
        return self._with_model("measures", MeasuresFile, year)

    @property
    def line_count(self) -> int:
        """Data lines (pressure, saving, budget lines and measures) across all documents."""
        return sum(item_count(d.model) for d in self.documents)

    @property
    def yaml_line_count(self) -> int:
        return sum(d.source.line_count for d in self.documents)


def item_count(model: DataFile) -> int:
    """How many lines (or, in a measures file, measures) a file holds."""
    if isinstance(model, MeasuresFile):
        return sum(len(o.measures) for o in model.objectives)
    return len(model.lines or ())


def data_folder(option: str | os.PathLike[str] | None) -> Path:
    """The data folder: ``--data``, else ``$CSPLAN_DATA``, else ``./data``."""
    chosen = option if option is not None else os.environ.get("CSPLAN_DATA") or DEFAULT_DATA
    return Path(chosen)


def discover(paths: Sequence[Path]) -> list[Path]:
    """The YAML files named, or found directly inside the folders named, in order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in YAML_SUFFIXES and p.is_file())
            if not found:
                raise UsageError(
                    f"no YAML files in folder '{path}'",
                    "point --data (or $CSPLAN_DATA) at the folder holding pressures.yaml, savings.yaml ...",
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif not path.exists():
            what = "folder" if not path.suffix else "file"
            raise UsageError(
                f"{what} '{path}' does not exist", "give an existing data folder with --data or $CSPLAN_DATA"
            )
        else:
            raise UsageError(f"'{path}' is neither a file nor a folder")
    return files


def load_plan(*paths: str | os.PathLike[str]) -> tuple[Plan, list[Finding]]:
    """Load the files and folders given (default: the data folder), without checks.

    Returns the documents that loaded and the findings of those that did not. Use
    ``csplan.checks.validate_plan`` to reconcile them as well.
    """
    chosen = [Path(p) for p in paths] or [data_folder(None)]
    return _assemble(read_yaml(path) for path in discover(chosen))


def load_blobs(blobs: Iterable[tuple[str, bytes]]) -> tuple[Plan, list[Finding]]:
    """Load documents from (name, bytes) pairs, as read from git or elsewhere."""
    return _assemble(parse_yaml(raw, name) for name, raw in blobs)


def _assemble(results: Iterable[tuple[YamlFile | None, list[Finding]]]) -> tuple[Plan, list[Finding]]:
    plan = Plan()
    findings: list[Finding] = []
    for yaml_file, problems in results:
        plan.files_read += 1
        findings.extend(problems)
        if yaml_file is not None:
            document, problems = build_document(yaml_file)
            findings.extend(problems)
            if document is not None:
                plan.documents.append(document)
    return plan, findings


def build_document(source: YamlFile) -> tuple[Document | None, list[Finding]]:
    """Validate a YAML file's data against the model its ``kind`` names."""
    data = source.data
    name = source.path
    if not isinstance(data, dict):
        found = "a list" if isinstance(data, list) else f"a single value ({data!r})"
        return None, [
            error(
                "CSP007",
                name,
                1,
                1,
                f"the file is {found}, not a mapping of fields",
                "start the file with kind:, year:, department:, units: and source:",
            )
        ]
    kind = data.get("kind")
    if source.fast and kind is not None and not isinstance(kind, str):
        return _read_again_carefully(source)  # the careful reader shows it as written
    if kind is None:
        return None, [
            error("CSP101", name, 1, 1, "the file has no 'kind:'", f"add a first line kind: {' | '.join(KINDS)}")
        ]
    if kind not in MODELS:
        line, column = source.locate(("kind",))
        return None, [
            error(
                "CSP101",
                name,
                line,
                column,
                f"unknown kind {kind!r}",
                _suggest(str(kind), KINDS) or f"use one of: {', '.join(KINDS)}",
            )
        ]
    model_type = MODELS[kind]
    units = data.get("units")
    context = {"units": units if units in UNIT_SCALE else "pounds"}
    unknown = _take_unknown_keys(model_type, data, source.text)
    try:
        model = _validate(model_type, data, context)
    except FastReadFailed:
        # A later chunk of a large file is not what the fast reader takes (a syntax
        # error, say): the careful reader reads it all and explains.
        return _read_again_carefully(source)
    except (ValidationError, _LineErrors) as exc:
        # Let the raw data go first (the traceback's frames hold it too): a file of
        # 500,000 unknown keys has as many errors, and data, errors and findings
        # together took a GB.
        data = source.data = None
        exc.__traceback__ = None
        errors = exc.errors(include_url=False)
        del exc
        if source.fast and (
            _keys_doubtful(unknown)
            or any(_fast_read_doubtful(err) for err in errors)
            or not source.libyaml_reads([*(loc for loc, _ in unknown), *(err["loc"] for err in errors)])
        ):
            unknown.clear()  # let them go before the file is read again
            errors.clear()
            return _read_again_carefully(source)
        every: list[Any] = [*unknown, *errors]
        unknown.clear()  # each is let go as its finding is made: hold them only in every
        errors.clear()
        return None, _findings(source, model_type, every)
    if unknown:
        data = source.data = None
        if source.fast and (_keys_doubtful(unknown) or not source.libyaml_reads(loc for loc, _ in unknown)):
            unknown.clear()  # let them go before the file is read again
            return _read_again_carefully(source)
        return None, _findings(source, model_type, unknown)
    source.data = None  # the model holds the figures now; let the raw data go
    return Document(name, model, source), []


def _known_keys(record_type: Any) -> frozenset[str] | None:
    """Every key a record could accept (names and aliases), or None when it takes
    keys it does not name (then only the validator can say what is unknown)."""
    config = getattr(record_type, "model_config", None) or getattr(record_type, "__pydantic_config__", None) or {}
    if config.get("extra") != "forbid":
        return None
    decorators = getattr(record_type, "__pydantic_decorators__", None)
    if decorators is None or any(v.info.mode != "after" for v in decorators.model_validators.values()):
        return None  # a validator that sees the raw keys first may accept others
    keys: set[str] = set()
    for name, info in _fields_of(record_type).items():
        keys.add(name)
        keys.update(alias for alias in (info.alias, info.validation_alias) if isinstance(alias, str))
    return frozenset(keys)


def _top_level_key_lines(text: str, keys: set[str]) -> dict[str, int]:
    """The line of each of ``keys`` written plainly at the start of a line (``key:``),
    found by one pass over the text: indexing every mark of a file of 500,000 keys
    took 300 MB. A key not found so is placed by the full index, as before."""
    found: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        key, colon, rest = line.partition(":")
        if colon and key in keys and (not rest or rest[0] in " \t\r") and key not in found:
            found[key] = number
    return found


_UnknownKey = tuple[tuple[Any, ...], tuple[int, int] | None]
"""An unknown key taken out before validation: its loc, and its mark when found."""


def _take_unknown_keys(model_type: type[DataFile], data: dict[str, Any], text: str) -> list[_UnknownKey]:
    """Remove the keys the file's record (and its lines, in a file validated whole)
    cannot accept; ``_findings`` turns each into the finding the validator's error
    would give.

    The same findings either way, but a file of 500,000 unknown keys gave as many
    validation errors, each a dict, and with the findings took a GB. Keys that may be
    accepted stay for the validator to judge."""
    taken: list[_UnknownKey] = []
    known = _known_keys(model_type)
    if known is not None:
        unknown = [key for key in data if key not in known]
        lines_of = _top_level_key_lines(text, {key for key in unknown if isinstance(key, str)}) if unknown else {}
        for key in unknown:
            del data[key]
            line = lines_of.get(key)
            taken.append(((key,), (line, 1) if line is not None else None))
    lines = data.get("lines")
    if isinstance(lines, list) and len(lines) <= CHUNK:
        line_type = (
            _record_in(model_type.model_fields["lines"].annotation) if "lines" in model_type.model_fields else None
        )
        line_known = _known_keys(line_type) if line_type is not None else None
        if line_known is not None:
            for index, item in enumerate(lines):
                if isinstance(item, dict):
                    for key in [key for key in item if key not in line_known]:
                        del item[key]
                        taken.append((("lines", index, key), None))
    return taken


def _keys_doubtful(unknown: list[_UnknownKey]) -> bool:
    """``_fast_read_doubtful`` for the unknown keys taken out before validation."""
    return any(not isinstance(loc[-1], str) for loc, _ in unknown)


def _fast_read_doubtful(err: Any) -> bool:
    """An error that yaml-rs's reading may have caused, where the careful reader reads
    the text otherwise: a float (the careful reader keeps 14.8 or 1e3 exact), or a
    key it made a number, a boolean or null (the careful reader keeps keys as text).
    The file is then read again carefully, so every finding comes from one meaning."""
    value = err.get("input")
    loc = err["loc"]
    if isinstance(value, float):
        return True
    if err["type"] == "invalid_key" or (err["type"] in _UNKNOWN_FIELD and loc and not isinstance(loc[-1], str)):
        return True
    return "[key]" in loc and not isinstance(value, str)


def _read_again_carefully(source: YamlFile) -> tuple[Document | None, list[Finding]]:
    careful, problems = read_carefully(source)
    if careful is None:
        return None, problems
    document, more = build_document(careful)
    return document, [*problems, *more]


# Files with more lines than this are validated a chunk at a time, each chunk's raw
# data released as its models are made, so the raw data and the models of a large
# file are never all in memory at once.
CHUNK = 5_000


class _LineErrors(Exception):
    """Validation errors of a chunked file, with locs from the top of the file."""

    def __init__(self, errors: list[Any]) -> None:
        super().__init__(f"{len(errors)} validation errors")
        self.items = errors

    def errors(self, include_url: bool = False) -> list[Any]:
        return self.items


LinesWatcher = Callable[[DataFile, list[Any]], None]
"""Called with a large file's head (the file without its lines) and each chunk of its
lines as the chunk is validated."""
_WATCHERS: ContextVar[tuple[LinesWatcher, ...]] = ContextVar("csplan_lines_watchers", default=())


@contextlib.contextmanager
def watching_lines(watcher: LinesWatcher) -> Iterator[None]:
    """Within the block, hand ``watcher`` each chunk of a large file's lines as soon as
    it is validated, while the reader thread parses the next chunk (the main thread
    otherwise waits for it: about 0.6 s of a 100,000-saving load). A report that
    works line by line can do its work there. The watcher sees records of a file that
    may yet fail (a later chunk with an error, a re-read on the careful path): what
    it keeps must be matched to the loaded model before use (``savings.StatusesAsRead``).
    A watcher does not fail on data it is given (the records are validated); an
    exception from one is a bug, and ends the load with it."""
    token = _WATCHERS.set((*_WATCHERS.get(), watcher))
    try:
        yield
    finally:
        _WATCHERS.reset(token)


def _validate(model_type: type[DataFile], data: dict[str, Any], context: dict[str, str]) -> DataFile:
    lines = data.get("lines")
    if isinstance(lines, ChunkedLines):
        chunks: Iterable[list[Any]] = lines.chunks()
    elif isinstance(lines, list) and len(lines) > CHUNK:
        chunks = _release_in_chunks(lines)
    else:
        return model_type.model_validate(data, context=context)
    problems: list[Any] = []
    head = None
    try:
        head = model_type.model_validate({**data, "lines": []}, context=context)
    except ValidationError as exc:
        problems.extend(exc.errors(include_url=False))
    lines_validator = _lines_validator(model_type)
    validated: list[Any] = []
    watchers = _WATCHERS.get()
    for chunk in chunks:
        start = len(validated)
        try:
            records = lines_validator.validate_python(chunk, context=context)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc = err["loc"]
                problems.append({**err, "loc": ("lines", start + int(loc[0]), *loc[1:])})
            validated.extend([None] * len(chunk))  # keep later chunks' indexes right
        else:
            validated.extend(records)
            if head is not None:
                for watch in watchers:
                    watch(head, records)
        del chunk
    if problems:
        # In the order a file validated whole gives (see _take_unknown_keys): a line's
        # unknown keys first, then by field, each field's errors in line order.
        order = {field.alias or name: index for index, (name, field) in enumerate(model_type.model_fields.items())}

        def place(err: Any) -> tuple[int, int]:
            loc = err["loc"]
            line_key = err["type"] in _UNKNOWN_FIELD and len(loc) == 3 and loc[0] == "lines"
            return (0 if line_key else 1, order.get(loc[0], len(order)) if loc else -1)

        problems.sort(key=place)
        raise _LineErrors(problems)
    assert head is not None
    return head.model_copy(update={"lines": validated})


_LINES_VALIDATORS: dict[type[DataFile], TypeAdapter[Any]] = {}


def _lines_validator(model_type: type[DataFile]) -> TypeAdapter[Any]:
    """A validator of a file's ``lines`` alone, built once per kind."""
    found = _LINES_VALIDATORS.get(model_type)
    if found is None:
        annotation: Any = model_type.model_fields["lines"].annotation
        found = _LINES_VALIDATORS[model_type] = TypeAdapter(annotation)
    return found


def _release_in_chunks(lines: list[Any]) -> Iterator[list[Any]]:
    """Chunks of ``lines``, each dropped from the list as it is handed out."""
    for start in range(0, len(lines), CHUNK):
        chunk = lines[start : start + CHUNK]
        lines[start : start + CHUNK] = [None] * len(chunk)
        yield chunk


# Custom error types raised by the model validators, and the finding code of each.
_CUSTOM_CODES = {
    "csp_amount": "CSP105",
    "csp_negative": "CSP106",
    "csp_year": "CSP107",
    "csp_period": "CSP401",
    "csp_percent": "CSP104",
    "csp_value": "CSP406",
    "csp_link": "CSP501",
}


# A BaseModel and a Pydantic dataclass name an unknown or a missing field differently.
_UNKNOWN_FIELD = frozenset({"extra_forbidden", "unexpected_keyword_argument"})
_MISSING_FIELD = frozenset({"missing", "missing_keyword_only_argument", "missing_argument"})


SUGGESTIONS = 1_000
"""Findings of a file that get a "did you mean" hint (the rest list the valid names)."""


def _findings(source: YamlFile, model_type: type[Record], errors: list[Any]) -> list[Finding]:
    """A finding for each validation error, each error let go as it is turned.

    "Did you mean" is worked out for the first findings only: text output shows a few
    hundred a file, and difflib on 500,000 unknown keys took a minute."""
    findings: list[Finding] = []
    for index in range(len(errors)):
        err, errors[index] = errors[index], None
        if isinstance(err, tuple):  # an unknown key taken out before validation
            loc, mark = err
            err = {"type": "extra_forbidden", "loc": loc, "msg": "Extra inputs are not permitted", "mark": mark}
        findings.append(_finding(source, model_type, err, suggest=index < SUGGESTIONS))
    return findings


def _finding(source: YamlFile, model_type: type[Record], err: Any, *, suggest: bool = True) -> Finding:
    loc: tuple[str | int, ...] = tuple(err["loc"])
    kind = err["type"]
    where = _dotted(loc)
    ctx = err.get("ctx") or {}
    if kind in _UNKNOWN_FIELD:
        line, column = err.get("mark") or source.locate(loc, key=True)
        name = str(loc[-1])
        valid, listed = _valid_here(model_type, tuple(part for part in loc[:-1] if not isinstance(part, int)))
        hint = (_suggest(name, valid) if suggest else None) or listed
        return error(
            "CSP102", source.path, line, column, f"unknown field '{name}' in {_dotted(loc[:-1]) or 'the file'}", hint
        )
    line, column = source.locate(loc)
    if kind in _MISSING_FIELD:
        parent = _dotted(loc[:-1]) or "the file"
        return error("CSP103", source.path, line, column, f"missing required field '{loc[-1]}' in {parent}")
    if kind in _CUSTOM_CODES:
        # A OneOf's error (its context names what was expected) is worded from the value,
        # which pydantic-core cannot quote; the others carry their message in the context.
        message = one_of_message(err.get("input"), ctx) if "expected" in ctx else ctx.get("message", err["msg"])
        return error(_CUSTOM_CODES[kind], source.path, line, column, f"{where}: {message}", ctx.get("hint") or None)
    value = err.get("input")
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        value = _Number(value)  # shown as written, however the reader typed it
    if loc and loc[-1] == "units" and len(loc) == 1:
        return error(
            "CSP108",
            source.path,
            line,
            column,
            f"units {value!r} is not one of pounds, thousands, millions",
            _suggest(str(value), ("pounds", "thousands", "millions")),
        )
    message = err["msg"]
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        hint = _suggest(str(value), [e.strip(" '") for e in expected.replace(" or ", ",").split(",")])
        return error("CSP104", source.path, line, column, f"{where}: {value!r} is not valid; expected {expected}", hint)
    if value is None and kind in {"string_type", "list_type", "dict_type", "model_type"}:
        return error("CSP104", source.path, line, column, f"{where} is empty", "give it a value, or remove the key")
    if kind == "string_too_short":
        return error("CSP104", source.path, line, column, f"{where} is empty", "give it a value")
    shown = "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else repr(value)
    if kind == "string_type":
        return error(
            "CSP104", source.path, line, column, f"{where} must be text, not {shown}", "quote it if it is meant as text"
        )
    return error("CSP104", source.path, line, column, f"{where}: {message.lower()} (found {shown})")


class _Number(str):
    """A number shown as its digits in messages (``5``, not ``Decimal('5')``)."""

    def __new__(cls, value: int | Decimal) -> _Number:
        return super().__new__(cls, f"{value}")

    def __repr__(self) -> str:
        return str(self)


def _dotted(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _suggest(name: str, valid: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


@functools.lru_cache(maxsize=256)
def _valid_here(model_type: type[Record], loc: tuple[str, ...]) -> tuple[list[str], str | None]:
    """The field names valid at ``loc`` and the hint listing them (one string shared
    by every finding there)."""
    valid = _field_names(model_type, loc)
    return valid, (f"valid fields here: {', '.join(valid)}" if valid else None)


def _field_names(model_type: type[Record], loc: tuple[str | int, ...]) -> list[str]:
    """Names of the fields valid at ``loc`` inside ``model_type``."""
    current: Any = model_type
    for part in loc:
        if isinstance(part, int):
            continue
        found = _fields_of(current).get(part)
        if found is None:
            return []
        current = _record_in(found.annotation)
    return list(_fields_of(current))


def _fields_of(record_type: Any) -> dict[str, FieldInfo]:
    """The fields of a BaseModel or a Pydantic dataclass; none of anything else."""
    if isinstance(record_type, type) and issubclass(record_type, BaseModel):
        return record_type.model_fields
    if isinstance(record_type, type) and is_pydantic_dataclass(record_type):
        fields: dict[str, FieldInfo] = record_type.__pydantic_fields__
        return fields
    return {}


def _record_in(annotation: Any) -> Any:
    """The record type inside ``list[Record]``, ``Record | None`` and the like."""
    if _fields_of(annotation):
        return annotation
    for arg in typing.get_args(annotation):
        found = _record_in(arg)
        if found is not None:
            return found
    return None
