"""JSON output with money as exact numbers: a Decimal is written from its text."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from csplan.text import CONTROL

# Python's json would need a float for a Decimal, and a float never carries money
# here. A whole Decimal goes out as an int; any other is written as a marked string
# that is then unquoted, so its exact text becomes the number.
_MARK = "\x00N"
_MARKED = re.compile(r'"\\u0000N([-0-9.]+)"')
# Below this many values the output is indented for people; above it, compact, so
# Python's C encoder does the work (it is not used when indenting).
_PRETTY_LIMIT = 20_000


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        if value == value.to_integral_value():
            return int(value)
        return f"{_MARK}{value.normalize():f}"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps(value: Any, *, size: int = 0) -> str:
    """JSON text for dicts, lists, strings, bools, None, ints and Decimals.

    ``size`` (how many items the report holds) chooses indented or compact output.
    """
    indent = 2 if size <= _PRETTY_LIMIT else None
    text = json.dumps(value, default=_number, ensure_ascii=False, indent=indent)
    if _MARK in text or "\\u0000N" in text:
        text = _MARKED.sub(r"\1", text)
    # json escapes C0 controls itself; C1 and bidirectional controls (a terminal or
    # an editor acts on them) get JSON's \uXXXX too: the same string, never raw.
    if CONTROL.search(text):
        text = CONTROL.sub(lambda match: f"\\u{ord(match[0]):04x}", text)
    return text + "\n"
