"""Safe YAML reading: data only, with a line and column for every value.

The file is *composed* (parsed to nodes with marks) by PyYAML, with libyaml's C
parser when it is there, and never *constructed*: no tag can build an object, and
every plain scalar is resolved here under YAML 1.2 core rules, so ``032000`` is not
octal, ``1:30`` is not 90 and ``yes`` is not true.  Numbers become ``Decimal`` from
their source text; a float is never made.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from csplan.findings import Finding, error

Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The largest file read. A real plan is kilobytes; a generated benchmark of 100,000
# savings is about 50 MB. Past this we refuse rather than exhaust memory.
MAX_BYTES = 256 * 1024 * 1024

_CORE = "tag:yaml.org,2002:"
# Tags a plain or quoted scalar may carry after implicit resolution. Anything else
# (``!!python/object``, ``!!binary``, ``!custom``) is refused.
_ALLOWED_TAGS = frozenset(
    _CORE + name for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "merge", "value")
)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUES = frozenset({"true", "True", "TRUE"})
_FALSES = frozenset({"false", "False", "FALSE"})
# YAML 1.2 core numbers, except that a leading zero keeps the text as a string (the
# money parser then explains why 032000 is refused).
_NUMBER = re.compile(r"[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


@dataclass(slots=True)
class YamlFile:
    """A YAML file read as plain data, keeping its nodes to locate any value."""

    path: str
    text: str
    root: Node
    data: Any

    @property
    def line_count(self) -> int:
        return self.text.count("\n") + (0 if self.text.endswith("\n") or not self.text else 1)

    def locate(self, loc: tuple[str | int, ...], *, key: bool = False) -> tuple[int, int]:
        """1-based line and column of the value at ``loc`` (or of its key with ``key``).

        When ``loc`` goes past what the file holds (a missing field), the place of the
        deepest mapping or list that exists is returned.
        """
        node: Node = self.root
        key_node: Node | None = None
        for part in loc:
            found = _child(node, part)
            if found is None:
                break
            key_node, node = found
        else:
            if key and key_node is not None:
                return key_node.start_mark.line + 1, key_node.start_mark.column + 1
        return node.start_mark.line + 1, node.start_mark.column + 1


def _child(node: Node, part: str | int) -> tuple[Node | None, Node] | None:
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == str(part):
                return key_node, value_node
    elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return None, node.value[part]
    return None


def resolve_plain(text: str) -> Any:
    """A plain (unquoted) scalar under YAML 1.2 core rules; numbers as ``Decimal``."""
    if text in _NULLS:
        return None
    if text in _TRUES:
        return True
    if text in _FALSES:
        return False
    if text[:1] in "0123456789-+." and _NUMBER.fullmatch(text):
        return Decimal(text)
    return text


@contextmanager
def _gc_paused() -> Iterator[None]:
    # Composing builds millions of small objects that are never cyclic garbage; the
    # cyclic collector's repeated passes over them made large files superlinear.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_yaml(path: Path, display: str | None = None) -> tuple[YamlFile | None, list[Finding]]:
    """Read ``path`` as YAML data; return the file or the findings that stop it."""
    name = display if display is not None else str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, [
                error(
                    "CSP003",
                    name,
                    None,
                    None,
                    f"the file is {size:,} bytes; csplan reads at most {MAX_BYTES:,}",
                    "split it, or check that it is the file you meant",
                )
            ]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [error("CSP008", name, None, None, f"cannot read the file: {exc.strerror or exc}")]
    return parse_yaml(raw, name)


def parse_yaml(raw: bytes, name: str) -> tuple[YamlFile | None, list[Finding]]:
    """Parse bytes already read (a file, or a blob from git) as YAML data."""
    if len(raw) > MAX_BYTES:
        return None, [
            error("CSP003", name, None, None, f"the file is {len(raw):,} bytes; csplan reads at most {MAX_BYTES:,}")
        ]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            error(
                "CSP002",
                name,
                line,
                column,
                f"byte 0x{raw[exc.start]:02x} is not UTF-8",
                "save the file as UTF-8 (in Excel: 'CSV UTF-8'; in an editor: encoding UTF-8)",
            )
        ]
    return parse_text(text, name)


def parse_text(text: str, name: str) -> tuple[YamlFile | None, list[Finding]]:
    """Compose ``text`` into nodes and plain data, refusing what is not plain data."""
    try:
        with _gc_paused():
            root = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if "expected a single document" in str(exc):
            return None, [
                error(
                    "CSP007",
                    name,
                    _line(mark),
                    _col(mark),
                    "the file holds more than one YAML document (---)",
                    "keep one document per file",
                )
            ]
        context = f" ({exc.context})" if exc.context else ""
        return None, [
            error(
                "CSP001", name, _line(mark), _col(mark), f"YAML syntax error: {problem}{context}", _syntax_hint(problem)
            )
        ]
    except yaml.YAMLError as exc:  # ReaderError: control characters and the like
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        return None, [error("CSP001", name, line, None, f"YAML cannot read the file: {exc}")]
    except RecursionError:
        return None, [error("CSP001", name, None, None, "the YAML is nested too deeply")]
    if root is None:
        return None, [
            error(
                "CSP007", name, 1, 1, "the file is empty", "start it with kind:, year:, department:, units: and source:"
            )
        ]
    findings: list[Finding] = []
    if "&" in text or "*" in text:
        findings.extend(_anchor_findings(text, name))
    try:
        with _gc_paused():
            data = _Builder(name, findings).build(root)
    except RecursionError:
        return None, [error("CSP001", name, None, None, "the YAML is nested too deeply")]
    # A duplicate key leaves usable data (the first value), so the file is still
    # checked and every other problem reported too; a tag or an alias does not.
    if any(f.code in {"CSP005", "CSP006"} for f in findings):
        return None, findings
    return YamlFile(name, text, root, data), findings


def _line(mark: Any) -> int | None:
    return None if mark is None else mark.line + 1


def _col(mark: Any) -> int | None:
    return None if mark is None else mark.column + 1


def _syntax_hint(problem: str) -> str | None:
    if "tab" in problem:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "quote text that contains ': ' (for example description: \"Review: phase 2\")"
    if "could not find expected ':'" in problem:
        return "each field needs 'name: value'; check the line above for a missing colon"
    return None


def _anchor_findings(text: str, name: str) -> list[Finding]:
    findings: list[Finding] = []
    try:
        for token in yaml.scan(text, Loader=Loader):
            if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
                what = "anchor" if isinstance(token, yaml.AnchorToken) else "alias"
                mark = token.start_mark
                findings.append(
                    error(
                        "CSP005",
                        name,
                        mark.line + 1,
                        mark.column + 1,
                        f"YAML {what} '{token.value}' is not allowed: every figure is written out",
                        "copy the value where it is needed, so each line can be read on its own",
                    )
                )
    except yaml.YAMLError:  # pragma: no cover - compose already accepted the text
        pass
    return findings


class _Builder:
    """Turns composed nodes into dicts, lists and scalars, noting what is refused."""

    def __init__(self, name: str, findings: list[Finding]) -> None:
        self.name = name
        self.findings = findings

    def build(self, node: Node) -> Any:
        tag = node.tag
        if tag not in _ALLOWED_TAGS:
            self._refuse_tag(node)
            return None
        if isinstance(node, ScalarNode):
            if not node.style:  # plain: None from PyYAML, '' from libyaml
                return resolve_plain(node.value)
            return node.value
        if isinstance(node, SequenceNode):
            return [self.build(item) for item in node.value]
        return self._mapping(node)

    def _mapping(self, node: Node) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                mark = key_node.start_mark
                self.findings.append(
                    error(
                        "CSP104",
                        self.name,
                        mark.line + 1,
                        mark.column + 1,
                        "a key must be a plain name, not a list or mapping",
                    )
                )
                continue
            key = key_node.value
            if key in first_seen:
                earlier = first_seen[key].start_mark.line + 1
                mark = key_node.start_mark
                self.findings.append(
                    error(
                        "CSP004",
                        self.name,
                        mark.line + 1,
                        mark.column + 1,
                        f"duplicate key '{key}' (first at line {earlier}, again at line {mark.line + 1})",
                        "keep one of them; YAML would silently use the last",
                    )
                )
                continue
            first_seen[key] = key_node
            result[key] = self.build(value_node)
        return result

    def _refuse_tag(self, node: Node) -> None:
        mark = node.start_mark
        self.findings.append(
            error(
                "CSP006",
                self.name,
                mark.line + 1,
                mark.column + 1,
                f"tag '{node.tag}' is not allowed: csplan reads data only",
                "remove the tag; write the value plainly",
            )
        )
