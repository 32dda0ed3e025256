"""JSON output with money as exact numbers: Decimal is written from its text."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def dumps(value: Any, indent: int = 2) -> str:
    """JSON text for dicts, lists, strings, bools, None, ints and Decimals.

    ``json`` would need a float for a Decimal; a float never carries money here, so
    Decimals are written from their exact decimal text instead.
    """
    return "".join(_encode(value, indent, 0)) + "\n"


def _encode(value: Any, indent: int, depth: int) -> list[str]:
    if isinstance(value, Decimal):
        return [_number(value)]
    if value is None or isinstance(value, bool | int | str):
        return [json.dumps(value, ensure_ascii=False)]
    pad = "\n" + " " * (indent * (depth + 1))
    end = "\n" + " " * (indent * depth)
    if isinstance(value, dict):
        if not value:
            return ["{}"]
        parts: list[str] = ["{"]
        for i, (key, item) in enumerate(value.items()):
            parts.append(("," if i else "") + pad + json.dumps(str(key), ensure_ascii=False) + ": ")
            parts.extend(_encode(item, indent, depth + 1))
        parts.append(end + "}")
        return parts
    if isinstance(value, list | tuple):
        if not value:
            return ["[]"]
        parts = ["["]
        for i, item in enumerate(value):
            parts.append(("," if i else "") + pad)
            parts.extend(_encode(item, indent, depth + 1))
        parts.append(end + "]")
        return parts
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _number(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} is not a JSON number")
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value.normalize():f}"
