"""JSON output with money as exact numbers: a Decimal is written from its text."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, TextIO

import orjson

# orjson writes the JSON in C; a Decimal is the one value it hands back to us. A whole
# Decimal goes out as an int, any other as a Fragment (raw JSON text) of its exact
# digits: never a float. Below this many values the output is indented for people;
# above it, compact.
_PRETTY_LIMIT = 20_000
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE  # the newline in C: no 61 MB copy
# orjson writes ints of at most 64 bits; a longer whole Decimal goes out as text.
_INT_LIMIT = 2**63 - 1


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        whole = int(value)
        if value == whole:
            return whole if -_INT_LIMIT <= whole <= _INT_LIMIT else orjson.Fragment(str(whole))
        return orjson.Fragment(f"{value:f}".rstrip("0"))  # not whole: a digit other than 0 ends it
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _usual_number(value: Any) -> Any:
    """``_number`` for a finite Decimal whose int fits in 64 bits, in fewer steps (1.2
    million calls for a 100,000-saving status). Anything else raises, and ``encode``
    writes the value again with ``_number``, which handles or names every case."""
    if type(value) is not Decimal:
        raise TypeError
    # One C call says whether it is whole and gives the int (0.20 s for the 1.2 million
    # against 0.26 s for int() and a comparison); NaN and infinity raise here.
    whole, below = value.as_integer_ratio()
    if below == 1:
        return whole  # past 64 bits, orjson raises
    return orjson.Fragment(f"{value:f}".rstrip("0"))


# text.CONTROL less the C0 controls orjson has escaped, as UTF-8: DEL, C1 (U+0080-009F)
# and the bidirectional embeddings, overrides (U+202A-202E) and isolates (U+2066-2069).
# A lead byte never occurs inside another character, so a match is a whole character.
_RAW_CONTROL = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
# To find whether there is one: DEL and the lead byte of the bidirectional controls by a
# byte search (memchr: 1 ms for 61 MB), C1 and the bidirectional controls by a pattern
# each, which re searches for from its literal lead byte (15 ms each; the alternation
# of all four took 120 ms). "£" is \xc2\xa3, so C1's lead byte is in most output.
_C1 = re.compile(rb"\xc2[\x80-\x9f]")
_BIDI = re.compile(rb"\xe2(?:\x80[\xaa-\xae]|\x81[\xa6-\xa9])")


def _has_raw_control(data: bytes) -> bool:
    """Whether ``_RAW_CONTROL`` finds anything in ``data``, found faster."""
    return b"\x7f" in data or bool(_C1.search(data)) or (b"\xe2" in data and bool(_BIDI.search(data)))


def encode(value: Any, *, size: int = 0) -> bytes:
    """JSON as UTF-8 for dicts, lists, tuples, strings, bools, None, ints and Decimals,
    and dataclasses: an object of their fields in order (orjson leaves out a field whose
    name starts with an underscore).

    ``size`` (how many items the report holds) chooses indented or compact output.
    Indented, it is the layout of Python's ``json.dumps(indent=2)``; compact, it has
    no spaces at all.
    """
    options = _OPTIONS | orjson.OPT_INDENT_2 if size <= _PRETTY_LIMIT else _OPTIONS
    try:
        data = orjson.dumps(value, default=_usual_number, option=options)
    except TypeError:  # orjson's JSONEncodeError
        try:
            data = orjson.dumps(value, default=_number, option=options)
        except TypeError as error:  # say what _number said, if it did
            raise error.__cause__ or error from None
    # orjson escapes C0 controls itself; DEL, C1 and bidirectional controls (a terminal
    # or an editor acts on them) get JSON's \uXXXX too: the same string, never raw.
    if _has_raw_control(data):
        data = _RAW_CONTROL.sub(lambda match: b"\\u%04x" % ord(match[0].decode()), data)
    return data


def dumps(value: Any, *, size: int = 0) -> str:
    """``encode`` as text."""
    return encode(value, size=size).decode()


def write(value: Any, stream: TextIO, *, size: int = 0) -> None:
    """``encode`` written to ``stream``: as bytes to a UTF-8 stream's buffer, so 60 MB of
    JSON is not decoded only to be encoded again."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None or (stream.encoding or "").lower().replace("-", "") != "utf8":
        stream.write(dumps(value, size=size))
        return
    data = encode(value, size=size)
    stream.flush()
    buffer.write(data)
