"""Text from data that could deceive a reader: control characters and look-alike ids.

A terminal runs an escape sequence (``ESC [ 2 J`` clears it, ``ESC ] 8`` makes a
link) and a right-to-left override reverses what follows, so such characters in a
data file are findings, and every text output shows them escaped (``\\x1b``), never
raw. Ids are plain ASCII letters, digits, ``-`` and ``_``: a Cyrillic ``Ѕ`` or a
zero-width space makes an id that looks right and matches nothing.
"""

from __future__ import annotations

import re
import unicodedata

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls except tab and line feed, DEL, and the bidirectional
embeddings, overrides and isolates."""
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""The characters of ``CONTROL`` that a YAML reader lets into the data when written
raw: the bidirectional embeddings, overrides and isolates. Both of csplan's readers
refuse a raw C0 or C1 control but tab, line feed, carriage return and next line,
and read those three line breaks as line breaks, never left in the data."""

PLAIN_ID = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)
_NOT_PLAIN_ID = re.compile(r"[^A-Za-z0-9_\n-]", re.ASCII)


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with each control character shown as its escape (``\\x1b``, ``\\u202e``)."""
    return CONTROL.sub(_escape, text) if CONTROL.search(text) else text


_CONTROL_NAMES = {
    0x00: "NULL",
    0x07: "BELL",
    0x08: "BACKSPACE",
    0x0D: "CARRIAGE RETURN",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
}


def describe(char: str) -> str:
    """``U+0405 CYRILLIC CAPITAL LETTER DZE`` (controls have no Unicode name: ``U+001B ESCAPE``)."""
    code = ord(char)
    name = unicodedata.name(char, None) or _CONTROL_NAMES.get(code, "CONTROL CHARACTER")
    return f"U+{code:04X} {name}"


def control_hint(text: str) -> str:
    """What the first control character in ``text`` is, and what to do."""
    match = CONTROL.search(text)
    assert match is not None
    return f"{describe(match[0])} is a control character, not text; delete it (retype the text if unsure)"


def any_not_plain(ids: list[str]) -> bool:
    """True when some id is not plain (one scan over them all: fast on 100,000 ids)."""
    return bool(_NOT_PLAIN_ID.search("\n".join(ids))) or "" in ids


def id_problem(ident: str) -> str | None:
    """None for a plain id; else a hint naming the character that is not plain."""
    if PLAIN_ID.fullmatch(ident):
        return None
    for index, char in enumerate(ident):
        if char.isascii() and (char.isalnum() or char in "-_"):
            continue
        if char.isspace() and (index == 0 or index == len(ident) - 1):
            where = "start" if index == 0 else "end"
            return f"remove the {describe(char).split(' ', 1)[1].lower()} at the {where} of the id"
        category = unicodedata.category(char)
        if category in ("Cf", "Cc", "Zs", "Zl", "Zp", "Mn"):
            return f"remove the invisible {describe(char)}"
        if char.isalnum():
            return f"{char!r} is {describe(char)}, not a plain letter or digit; type the id again with A-Z and 0-9"
        return f"{char!r} ({describe(char)}) is not allowed; ids are letters A-Z, digits 0-9, '-' and '_'"
    return "an id is letters A-Z, digits 0-9, '-' and '_'"


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and the noun in its number: "1 saving", "12 savings", "2 entries"."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"
