"""Safe YAML reading: data only, with a line and column for every value.

Two readers give the same data:

- the **fast path**, for a large plain file: yaml-rs (a Rust YAML 1.2 parser) builds
  the data, after a scan of the text (``fast_path_safe``) has ruled out what it
  would read differently from the careful path and then validate without complaint:
  tags, anchors and aliases, control characters, and numbers with a leading zero, a
  radix or an underscore. What else it reads
  differently (a decimal it makes a float, a key it makes a number) fails
  validation, and ``csplan.load`` then reads the file again on the careful path;
- the **careful path**: libyaml's event parser (through PyYAML), with every scalar
  resolved here under YAML 1.2 core rules from its text, so ``032000`` is not octal,
  ``1:30`` is not 90, ``yes`` is not true, and numbers become ``Decimal`` without a
  float. Tags, anchors, aliases, duplicate keys and extra documents become findings.

Nothing is ever *constructed* by a YAML library: no tag can build an object. Line
and column marks are found only when a finding needs one (``YamlFile.locate``).
tests/test_yaml_paths.py proves the two paths give the same data and findings with
Hypothesis-generated files full of tricky scalars.

Reading never touches the garbage collector: a program that imports csplan keeps
its own collection policy (the ``csplan`` command sets one for itself, cli.run).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from csplan.findings import Finding, error

Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

yaml_rs: Any = None  # imported on first use: small files never need it

# The largest file read. A real plan is kilobytes; a generated benchmark of 100,000
# savings is about 50 MB. Past this we refuse rather than exhaust memory.
MAX_BYTES = 256 * 1024 * 1024
# Files below this size always take the careful path: it is instant for them, and
# the fast reader would only add its import to start-up.
FAST_TEXT = 256 * 1024
# Files up to this size have all their marks found in one pass when first needed;
# larger ones find the items of their top-level ``lines`` and mark one item at a time.
SMALL_TEXT = 1_000_000

_CORE = "tag:yaml.org,2002:"
# Explicit tags allowed on a scalar or collection. Anything else (``!!python/object``,
# ``!!binary``, ``!custom``) is refused.
_ALLOWED_TAGS = frozenset([*(_CORE + name for name in ("str", "int", "float", "bool", "null", "map", "seq")), "!"])
_TEXT_TAGS = frozenset({_CORE + "str", "!"})
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUES = frozenset({"true", "True", "TRUE"})
_FALSES = frozenset({"false", "False", "FALSE"})
# YAML 1.2 core numbers, except that a leading zero keeps the text as a string (the
# money parser then explains why 032000 is refused).
_NUMBER = re.compile(r"[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
Path_ = tuple[str | int, ...]


@dataclass
class YamlFile:
    """A YAML file read as plain data; marks are found when a finding needs one."""

    path: str
    text: str
    data: Any
    fast: bool = False
    _block: LinesBlock | None = field(default=None, repr=False)
    _marks: dict[Path_, tuple[int, int]] | None = field(default=None, repr=False)
    _key_marks: dict[Path_, tuple[int, int]] | None = field(default=None, repr=False)
    _item_lines: list[int] | None = field(default=None, repr=False)
    _whole_file: bool = field(default=False, repr=False)

    @property
    def line_count(self) -> int:
        return self.text.count("\n") + (0 if self.text.endswith("\n") or not self.text else 1)

    def locate(self, loc: Iterable[str | int], *, key: bool = False) -> tuple[int, int]:
        """1-based line and column of the value at ``loc`` (or of its key with ``key``).

        When ``loc`` goes past what the file holds (a missing field), the place of the
        deepest mapping or list that exists is returned. A large file's marks are
        found a piece at a time: the text around its ``lines:`` once, and each item
        of ``lines`` when a finding is in it, from line offsets found once.
        """
        path = tuple(loc)
        if self._marks is None:
            self._index()
        assert self._marks is not None and self._key_marks is not None
        if not self._whole_file and len(path) >= 2 and path[0] == "lines" and isinstance(path[1], int):
            found = self._locate_in_item(path, key)
            if found is not None:
                return found
            self._index(whole_file=True)  # an item the text search cut wrongly: mark the whole file
        return _nearest(path, key, self._marks, self._key_marks)

    def _index(self, whole_file: bool = False) -> None:
        block = None
        if not whole_file and len(self.text) > SMALL_TEXT:
            block = self._block or lines_block(self.text)
        if block is None:
            self._marks, self._key_marks = _collect_marks(self.text, max_depth=None)
            self._whole_file = True
            return
        self._block = block
        # The text before the items and the text after them, each read on its own.
        marks, key_marks = _collect_marks(self.text[: block.body], max_depth=None)
        tail_line = self.text.count("\n", 0, block.end)
        tail_marks, tail_key_marks = _collect_marks(self.text[block.end :], max_depth=None)
        marks.update({p: (line + tail_line, column) for p, (line, column) in tail_marks.items() if p})
        key_marks.update({p: (line + tail_line, column) for p, (line, column) in tail_key_marks.items()})
        self._marks, self._key_marks = marks, key_marks

    def libyaml_reads(self, locs: Iterable[Iterable[str | int]]) -> bool:
        """On the fast path: whether libyaml reads the pieces of the text that hold the
        values at ``locs`` (the items of ``lines`` they are in, or the text around the
        items), as the careful path would. yaml-rs takes some flow syntax that libyaml
        refuses (``{period:, P01}``) and makes data of it that fails validation; the
        caller then reads the file again carefully, for the careful path's finding.
        Only the items with findings are read (100 findings in 100,000 savings: 100
        items, 7 ms), never more than the whole text (a large file with a finding in
        every item costs one more libyaml pass, as the careful reading would)."""
        if not self.fast:
            return True
        block = self._block or (lines_block(self.text) if len(self.text) > SMALL_TEXT else None)
        pieces: set[tuple[int, int]] = set()
        if block is not None:
            for loc in locs:
                path = tuple(loc)
                index = path[1] if len(path) >= 2 and path[0] == "lines" else None
                if isinstance(index, int) and 0 <= index < len(block.items):
                    end = block.items[index + 1] if index + 1 < len(block.items) else block.end
                    pieces.add((block.items[index], end))
                else:
                    pieces.update({(0, block.body), (block.end, len(self.text))})
        else:
            pieces.add((0, len(self.text)))  # a file under SMALL_TEXT: read it whole
        try:
            for start, end in sorted(pieces):
                for _ in yaml.parse(self.text[start:end], Loader=Loader):
                    pass
        except yaml.YAMLError:
            return False
        return True

    def _locate_in_item(self, path: Path_, key: bool) -> tuple[int, int] | None:
        """Mark a value inside one item of ``lines`` by reading only that item's text."""
        block = self._block
        index = path[1]
        assert block is not None and isinstance(index, int)
        if not 0 <= index < len(block.items):
            return None
        if self._item_lines is None:
            # Each item's line number, counted once over the text (not per finding).
            lines, line, previous = [], 1, 0
            for start in block.items:
                line += self.text.count("\n", previous, start)
                lines.append(line)
                previous = start
            self._item_lines = lines
        start = block.items[index]
        end = block.items[index + 1] if index + 1 < len(block.items) else block.end
        marks, key_marks = _collect_marks(self.text[start:end], max_depth=None)
        if (0,) not in marks or (1,) in marks:
            return None  # not one item: the text search cut it wrongly
        line, column = _nearest((0, *path[2:]), key, marks, key_marks)
        return line + self._item_lines[index] - 1, column


def _nearest(
    path: Path_, key: bool, marks: dict[Path_, tuple[int, int]], key_marks: dict[Path_, tuple[int, int]]
) -> tuple[int, int]:
    if key and path in key_marks:
        return key_marks[path]
    for length in range(len(path), -1, -1):
        found = marks.get(path[:length])
        if found is not None:
            return found
    return 1, 1


def _collect_marks(
    text: str, max_depth: int | None
) -> tuple[dict[Path_, tuple[int, int]], dict[Path_, tuple[int, int]]]:
    """Marks (1-based) of every value, and of every key, up to ``max_depth`` deep."""
    marks: dict[Path_, tuple[int, int]] = {}
    key_marks: dict[Path_, tuple[int, int]] = {}
    # Text the fast reader took but libyaml refuses: keep the marks found so far.
    with contextlib.suppress(yaml.YAMLError):
        _walk_marks(yaml.parse(text, Loader=Loader), max_depth, marks, key_marks)
    return marks, key_marks


def _walk_marks(
    events: Iterable[Any],
    max_depth: int | None,
    marks: dict[Path_, tuple[int, int]],
    key_marks: dict[Path_, tuple[int, int]],
) -> None:
    # Each frame: [path, is_mapping, next index or pending key, expecting a key]
    stack: list[list[Any]] = []
    scalar, map_start, seq_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    for event in events:
        kind = type(event)
        if kind in ends:
            stack.pop()
            _advance(stack)
            continue
        if kind is not scalar and kind is not map_start and kind is not seq_start and kind is not yaml.AliasEvent:
            continue
        mark = event.start_mark
        if stack and stack[-1][1] and stack[-1][3]:  # a key of a mapping
            frame = stack[-1]
            if kind is scalar:
                frame[2] = event.value
                if max_depth is None or len(frame[0]) < max_depth:
                    key_marks[(*frame[0], event.value)] = (mark.line + 1, mark.column + 1)
            else:
                frame[2] = None
            frame[3] = False
            if kind is map_start or kind is seq_start:
                stack.append([(*frame[0], "?"), kind is map_start, 0 if kind is seq_start else None, True])
            continue
        if stack:
            frame = stack[-1]
            path = (*frame[0], frame[2])
        else:
            path = ()
        if max_depth is None or len(path) <= max_depth:
            marks[path] = (mark.line + 1, mark.column + 1)
        if kind is map_start:
            stack.append([path, True, None, True])
        elif kind is seq_start:
            stack.append([path, False, 0, False])
        else:
            _advance(stack)


def _advance(stack: list[list[Any]]) -> None:
    """After a value: a mapping expects its next key, a list its next index."""
    if not stack:
        return
    frame = stack[-1]
    if frame[1]:
        frame[3] = True
    else:
        frame[2] += 1


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
    return parse_text(text, name, encoded=raw)


def parse_text(text: str, name: str, *, encoded: bytes | None = None) -> tuple[YamlFile | None, list[Finding]]:
    """Read ``text`` as plain data, refusing what is not plain data (``encoded``: its
    UTF-8 bytes, when the caller has them)."""
    if len(text) >= FAST_TEXT and _fast_reader() and fast_path_safe(text, encoded):
        try:
            data, block = _fast_load(text)
        except Exception:  # any refusal: the careful path finds and explains it
            pass
        else:
            if isinstance(data, dict):
                return YamlFile(name, text, data, fast=True, _block=block), []
    return _careful(text, name)


# Files larger than this have their top-level ``lines:`` read a chunk of items at a
# time (see ``ChunkedLines``), so the raw data of a whole large file never exists.
CHUNKED_TEXT = 1_000_000
CHUNK_ITEMS = 1_000
# The top-level key ``lines:``, found after a newline (a literal prefix the regular
# expression engine searches for fast) or at the very start of the text.
_LINES_KEY = re.compile(r"\nlines:[ ]*(?:#[^\n]*)?\r?\n")
_LINES_KEY_FIRST = re.compile(r"lines:[ ]*(?:#[^\n]*)?\r?\n")


def _lines_key(text: str, start: int = 0) -> re.Match[str] | None:
    found = _LINES_KEY_FIRST.match(text) if start == 0 else None
    return found or _LINES_KEY.search(text, max(start - 1, 0))


class ChunkedLines:
    """The items of a large file's ``lines:`` block, read by yaml-rs a chunk at a time.

    The block is cut only where an item starts (``- `` at the items' indentation),
    which in a block sequence cannot occur inside an item. A chunk that does not
    read as a list raises, and the file is then read on the careful path.

    The next chunk is read on a second thread while the caller validates the one it
    was given: yaml-rs parses without holding the GIL, so on a machine with two cores
    the parse and the validation overlap (100,000 savings: 2.6 s of parse and
    validation took 1.5 s). One chunk is read ahead, no more, so the raw data of at
    most two chunks exists at once.
    """

    def __init__(self, text: str, cuts: list[int]) -> None:
        self.text = text
        self.cuts = cuts

    def _read(self, start: int, end: int) -> list[Any]:
        try:
            items = yaml_rs.loads(self.text[start:end], parse_datetime=False)
        except Exception as exc:  # any refusal: the careful path finds and explains it
            raise FastReadFailed(str(exc)) from None
        if not isinstance(items, list):
            raise FastReadFailed("a chunk of lines did not read as a list")
        return items

    def chunks(self) -> Iterator[list[Any]]:
        """Each chunk's items, in order; ``FastReadFailed`` when yaml-rs refuses one."""
        pieces = list(zip(self.cuts, self.cuts[1:], strict=False))
        if len(pieces) < 2:
            yield from (self._read(start, end) for start, end in pieces)
            return
        from concurrent.futures import ThreadPoolExecutor  # only a large file needs it

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="csplan-yaml") as reader:
            ahead = reader.submit(self._read, *pieces[0])
            for index in range(len(pieces)):
                items = ahead.result()
                if index + 1 < len(pieces):
                    ahead = reader.submit(self._read, *pieces[index + 1])
                yield items
                del items


class FastReadFailed(Exception):
    """yaml-rs refused part of a file it had started to read lazily: read it carefully."""


@dataclass
class LinesBlock:
    """Where a file's top-level block list ``lines:`` lies in its text."""

    body: int
    """Offset just after the ``lines:`` line."""
    items: list[int]
    """Offset of the line on which each item starts (its ``- ``)."""
    end: int
    """Offset just past the block: where the next top-level key's line starts."""


def lines_block(text: str) -> LinesBlock | None:
    """Find the items of a top-level block list ``lines:`` with a text search.

    An item starts with ``- `` at the items' indentation, which in a block sequence
    cannot occur inside an item; a wrong cut makes yaml-rs (or libyaml, placing a
    finding) refuse the piece, and the caller then reads the whole text. ``None``
    when the file has no such block, or two ``lines:`` keys.
    """
    found = _lines_key(text)
    if found is None or _lines_key(text, found.end()) is not None:
        return None
    body = found.end()
    first_item = text.find("- ", body)
    if first_item < 0:
        return None
    start = text.rfind("\n", 0, first_item) + 1
    indent = text[start:first_item]
    if indent.strip():
        return None
    # The other items, searched for from the first one's line (a blank or comment line
    # before it must not find it twice). finditer: 22 ms for 100,000 items in 51 MB,
    # where a loop of str.find took 37 ms.
    marker = re.compile(re.escape("\n" + indent + "- "))
    items = [start]
    items += [found.start() + 1 for found in marker.finditer(text, start)]
    # The block ends at the first line after the last item that starts a new key at
    # the top level (column 0, not a comment); the rest of the file is the tail.
    end = len(text)
    at = text.find("\n", items[-1])
    while at != -1 and at + 1 < len(text):
        char = text[at + 1]
        if char not in " \r\n#-" or (indent and char == "-"):
            end = at + 1
            break
        at = text.find("\n", at + 1)
    return LinesBlock(body, items, end)


def _fast_load(text: str) -> tuple[Any, LinesBlock | None]:
    """yaml-rs data for ``text``, and its lines block when it has one; a large
    file's lines come as ``ChunkedLines``."""
    block = lines_block(text) if len(text) > SMALL_TEXT else None
    if block is None or len(text) <= CHUNKED_TEXT:
        return yaml_rs.loads(text, parse_datetime=False), block
    # The first chunk is read before any validation can overlap it: a fifth of the
    # others, so validation starts sooner.
    first = max(1, CHUNK_ITEMS // 5)
    cuts = [block.body, *block.items[first::CHUNK_ITEMS], block.end]
    head = yaml_rs.loads(text[: block.body] + text[block.end :], parse_datetime=False)
    if not isinstance(head, dict) or "lines" not in head or head["lines"] is not None:
        raise ValueError("the file around lines: did not read as a mapping")
    head["lines"] = ChunkedLines(text, cuts)
    return head, block


# What yaml-rs would read differently from the careful path and still validate: a
# control character (libyaml refuses the file; yaml-rs keeps it); a tag, an anchor
# or an alias (refused carefully; yaml-rs drops or expands them); and a number the
# careful path keeps as text but yaml-rs reads as an integer: a leading zero
# (032000), a radix (0x1F, 0o17, 0b1), a signed zero (-0, +0x1) or an underscore
# (171_600, _1). A plain scalar that could be such a number, or a node property,
# starts after a space or line break (``key: 032000``, ``- 032000``, ``{a: 032000}``),
# a ``[`` or a ``,`` (a flow list), or a ``:`` after a JSON-like key, which a value
# may follow with no space (``{"a":032000}``, ``{"a" :&x 5}``): a ``:`` that follows
# a quote, a bracket, a brace, a comma or a blank.
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F)) + b"\n\r"
# Any character but \n, \r, \x20-\x7e, \xa0-\ud7ff, \ue000-\ufffd and \U00010000 up:
# listed, not as a negated class, which took 3-4 ms to compile at every start (this
# one 0.3 ms); tests/test_yamlsource.py checks the two agree on every code point.
_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# The same, and U+2028 and U+2029 (below), found in a text's UTF-8 bytes: a C0 control
# or DEL is a byte of its own (any other character's bytes are 0x80 and up), and the
# rest begin with a byte that a text without them seldom holds, found by memchr.
_PRINTABLE_ASCII_AND_HIGH = _PRINTABLE_ASCII + bytes(range(0x80, 0x100))
_ENCODED_CONTROL = {
    b"\xc2": re.compile(rb"\xc2[\x80-\x9f]"),  # C1 controls
    b"\xe2": re.compile(rb"\xe2\x80[\xa8\xa9]"),  # U+2028, U+2029
    b"\xef": re.compile(rb"\xef\xbf[\xbe\xbf]"),  # U+FFFE, U+FFFF
}  # (a surrogate has no UTF-8 bytes: text from bytes never holds one)
# What may come before a ':' that a value follows with no space: the end of a
# JSON-like key, or a space.
_KEY_END = r"""[\s"'\[\]{},]"""
_NODE_PROPERTY = re.compile(rf"[!&*](?:(?<=[\s\[{{,].)|(?<={_KEY_END}:.))(?=\S)")
_UNDERSCORE = re.compile(r"_(?:(?<=[0-9]_)|(?=[0-9]))")
# Each starts with a literal of two characters, which the regular expression engine
# searches for at about 20 ms per 51 MB; one pattern with the rules as alternatives
# starts with no literal and stops at every space or '0'.
_LEADING_ZERO = [re.compile(r" 0[0-9xXoObB]"), re.compile(r",0[0-9xXoObB]")]  # and after ':' (_colon_safe)
_BRACKET_ZERO = re.compile(r"\[0[0-9xXoObB]")  # only searched when the text has a '['
_SIGNED_ZERO = re.compile(rf"-0(?:(?<=[\s\[,]-0)|(?<={_KEY_END}:-0))")
_PLUS_ZERO = re.compile(rf"\+0(?:(?<=[\s\[,]\+0)|(?<={_KEY_END}:\+0))")  # only when the text has a '+'
# In a flow collection yaml-rs (YAML 1.2) reads a plain scalar that starts with '|' or
# '>', or with '?' or ':' and a non-space, as text ({note: >5% slip}, [a, ?b]); libyaml
# refuses it, or reads '?' as a key. Such a scalar stands after '[', '{', ',' or a ':',
# with only blanks between (in block context they read alike: a false alarm).
_INDICATOR_THEN_TEXT = {
    "|": re.compile(r"\|"),
    ">": re.compile(r">"),
    "?": re.compile(r"\?(?=\S)"),
    ":": re.compile(r":(?=\S)"),
}
_KEY_ENDS = frozenset(" \n\r\"'[]{},")
_ZERO_START = re.compile(r"0[0-9xXoObB]")


def fast_path_safe(text: str, encoded: bytes | None = None) -> bool:
    """True when yaml-rs reads ``text`` as the careful path does, or differently only
    in ways that fail validation (so the file is then read again carefully).
    ``encoded``: the text's UTF-8 bytes, when the caller has them (a file just read).

    Measured on 100,000 generated savings (51 MB): one regular expression with every
    rule as an alternative took 0.66 s, since the engine tries the alternatives at
    every '0' of every amount; these searches, each for a literal of two characters
    or a rare character, and those for a rare one skipped by a plain ``in`` test
    (C's memchr), take about 0.1 s together.
    """
    if text.isascii():
        if (encoded if encoded is not None else text.encode("ascii")).translate(None, _PRINTABLE_ASCII):
            return False
    elif _control_or_line_separator(text, encoded):
        return False
    if ("!" in text or "&" in text or "*" in text) and _NODE_PROPERTY.search(text):
        return False
    if "_" in text and _UNDERSCORE.search(text):
        return False
    if "[" in text and _BRACKET_ZERO.search(text):
        return False
    if "+" in text and _PLUS_ZERO.search(text):
        return False
    if _SIGNED_ZERO.search(text):
        return False
    if any(pattern.search(text) for pattern in _LEADING_ZERO):
        return False
    return not any(_flow_scalar_starts_with(char, text) for char in _INDICATOR_THEN_TEXT if char == ":" or char in text)


def _control_or_line_separator(text: str, encoded: bytes | None) -> bool:
    """Whether a text that is not ASCII holds a control character or U+2028 or
    U+2029, which libyaml reads as line breaks (YAML 1.1) and yaml-rs as text (1.2):
    'x\u2028  y' is 'x\u2028y' on one path and 'x\u2028  y' on the other.

    With the UTF-8 bytes, about 12 ms per 51 MB and a search for each lead byte the
    text holds; without them, a regular expression over the text, 130 to 230 ms.
    """
    if encoded is None:
        return bool(_CONTROL.search(text)) or "\u2028" in text or "\u2029" in text
    if encoded.translate(None, _PRINTABLE_ASCII_AND_HIGH):
        return True
    return any(lead in encoded and pattern.search(encoded) for lead, pattern in _ENCODED_CONTROL.items())


def _flow_scalar_starts_with(char: str, text: str) -> bool:
    """Whether a plain scalar in a flow collection may start with ``char`` (one of
    '|>?:', see ``_INDICATOR_THEN_TEXT``), or (for ':') a value with a leading zero or
    a radix follows a JSON-like key's ':' with no space ({"a":032000})."""
    for found in _INDICATOR_THEN_TEXT[char].finditer(text):  # for ':' about 30 ms per 51 MB
        at = found.start()
        if char == ":" and text[at - 1] in _KEY_ENDS and _ZERO_START.match(text, at + 1):
            return True
        before = at - 1
        while before >= 0 and text[before] in " \r\n":
            before -= 1
        if before >= 0 and text[before] in "[{,:":
            return True
    return False


def read_carefully(source: YamlFile) -> tuple[YamlFile | None, list[Finding]]:
    """Read a file again on the careful path (to explain what the fast path could not)."""
    return _careful(source.text, source.path)


def _fast_reader() -> bool:
    """Import yaml-rs if it is installed (it is an accelerator, never required)."""
    global yaml_rs
    if yaml_rs is None:
        try:
            import yaml_rs as module
        except ImportError:  # pragma: no cover - a platform without its wheels
            return False
        yaml_rs = module
    return True


def _careful(text: str, name: str) -> tuple[YamlFile | None, list[Finding]]:
    findings: list[Finding] = []
    try:
        data, documents = _Builder(name, findings).build(yaml.parse(text, Loader=Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        return None, [
            *findings,
            error(
                "CSP001", name, _line(mark), _col(mark), f"YAML syntax error: {problem}{context}", _syntax_hint(problem)
            ),
        ]
    except yaml.YAMLError as exc:  # ReaderError: control characters and the like
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        return None, [error("CSP001", name, line, None, f"YAML cannot read the file: {exc}")]
    if documents == 0 or (data is None and not findings):
        return None, [
            error(
                "CSP007", name, 1, 1, "the file is empty", "start it with kind:, year:, department:, units: and source:"
            )
        ]
    # A duplicate key leaves usable data (the first value), so the file is still
    # checked and every other problem reported too; a tag, an alias or a second
    # document does not.
    if any(f.code in {"CSP005", "CSP006", "CSP007"} for f in findings):
        return None, findings
    return YamlFile(name, text, data), findings


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


class _Builder:
    """Builds dicts, lists and scalars from parser events, noting what is refused."""

    def __init__(self, name: str, findings: list[Finding]) -> None:
        self.name = name
        self.findings = findings

    def build(self, events: Iterable[Any]) -> tuple[Any, int]:
        """The first document's data, and how many documents the stream starts."""
        root: Any = None
        documents = 0
        # Each frame: [container, pending key, {key: first line}, skip next value]
        stack: list[list[Any]] = []
        scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
        map_start, seq_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        for event in events:
            kind = type(event)
            if kind is scalar:
                self._check_node(event)
                if stack and isinstance(stack[-1][0], dict) and stack[-1][1] is _NO_KEY:
                    self._key(stack[-1], event)
                    continue
                # Quoted, or tagged !!str or ! (non-specific): the text as written.
                value = event.value if event.style or event.tag in _TEXT_TAGS else resolve_plain(event.value)
                root = self._add(stack, value, root)
            elif kind is map_start or kind is seq_start:
                self._check_node(event)
                stack.append([{} if kind is map_start else [], _NO_KEY, {}, False])
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                container = stack.pop()[0]
                if stack and isinstance(stack[-1][0], dict) and stack[-1][1] is _NO_KEY:
                    self._complex_key(stack[-1], event)
                    continue
                root = self._add(stack, container, root)
            elif kind is alias:
                self._refuse(
                    event,
                    "CSP005",
                    f"YAML alias '{event.anchor}' is not allowed: every figure is written out",
                    "copy the value where it is needed, so each line can be read on its own",
                )
                root = self._add(stack, None, root)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self._refuse(
                        event,
                        "CSP007",
                        "the file holds more than one YAML document (---)",
                        "keep one document per file",
                    )
                    break
        return root, documents

    def _add(self, stack: list[list[Any]], value: Any, root: Any) -> Any:
        if not stack:
            return value
        frame = stack[-1]
        container = frame[0]
        if isinstance(container, list):
            container.append(value)
        else:
            if not frame[3]:
                container[frame[1]] = value
            frame[1], frame[3] = _NO_KEY, False
        return root

    def _key(self, frame: list[Any], event: Any) -> None:
        key = event.value
        seen: dict[str, int] = frame[2]
        line = event.start_mark.line + 1
        if key in seen:
            self.findings.append(
                error(
                    "CSP004",
                    self.name,
                    line,
                    event.start_mark.column + 1,
                    f"duplicate key '{key}' (first at line {seen[key]}, again at line {line})",
                    "keep one of them; YAML would silently use the last",
                )
            )
            frame[1], frame[3] = key, True
        else:
            seen[key] = line
            frame[1], frame[3] = key, False

    def _complex_key(self, frame: list[Any], event: Any) -> None:
        self._refuse(event, "CSP104", "a key must be a plain name, not a list or mapping")
        frame[1], frame[3] = "?", True

    def _check_node(self, event: Any) -> None:
        if event.anchor is not None:
            self._refuse(
                event,
                "CSP005",
                f"YAML anchor '{event.anchor}' is not allowed: every figure is written out",
                "copy the value where it is needed, so each line can be read on its own",
            )
        if event.tag is not None and event.tag not in _ALLOWED_TAGS:
            self._refuse(
                event,
                "CSP006",
                f"tag '{event.tag}' is not allowed: csplan reads data only",
                "remove the tag; write the value plainly",
            )

    def _refuse(self, event: Any, code: str, message: str, hint: str | None = None) -> None:
        mark = event.start_mark
        self.findings.append(error(code, self.name, mark.line + 1, mark.column + 1, message, hint))


_NO_KEY = object()
