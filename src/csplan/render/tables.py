"""One table description, four outputs: a Rich table, CSV, Markdown, or plain data.

A report module describes what to show as ``Section``s of ``Table``s and text lines;
these functions only lay it out. Money cells arrive as ``Decimal`` pounds and are
formatted here (brackets for negatives in tables, plain numbers in CSV).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, Protocol, TextIO

from csplan.money import UNIT_LABELS, Money, format_millions, format_pounds, format_scaled, format_thousands, to_units
from csplan.rag import TERMINAL_STYLES
from csplan.text import escape_controls

Kind = Literal["text", "number", "money", "millions", "percent", "rag", "value", "delta", "movement"]
NUMERIC = frozenset({"number", "money", "millions", "percent", "delta"})
MONEY = frozenset({"money", "millions", "delta", "movement"})
"""Kinds whose figures follow a table's display units (a movement is words: "up 50")."""
Cell = str | Decimal | None


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind = "text"
    max_width: int | None = None
    drop_order: int | None = None
    """On a narrow terminal, columns with a drop order are left out, lowest first."""
    min_width: int = 10
    """The narrowest a ``max_width`` column is cut to before columns are dropped."""
    alternate: bool = False
    """The same figures as another column in another scale (£ beside £m): left out when
    a table shows all its money in one scale."""
    wrap: int | None = None
    """In a workbook, long text wrapped at this many characters (the column no wider),
    so a page fitted to its width keeps a readable type size."""
    fold: bool = False
    """On a narrow terminal, the column (its header too) is narrowed down to its longest
    word and Rich wraps its text onto more lines (``overflow="fold"``) rather than
    cutting it with "…": nothing in it is lost. A table whose columns all fold loses
    no word, and drops only columns with a ``drop_order`` when even that is too wide."""


@dataclass
class Table:
    """Rows of cells under columns, with optional footer rows (totals)."""

    title: str | None
    columns: Sequence[Column]
    rows: list[dict[str, Cell]] = field(default_factory=list)
    footer: list[dict[str, Cell]] = field(default_factory=list)
    units: str | None = None
    """The scale money columns are shown in (their headers say it: £'000); None for
    each column's own (pounds, or £m for a millions column)."""

    def header(self, column: Column) -> str:
        """A column's header, naming the scale of its figures when the table has one."""
        if self.units is None or column.kind not in MONEY:
            return column.header
        label = UNIT_LABELS[self.units]
        for named in UNIT_LABELS.values():  # a header that names its scale names the new one
            if column.header == named:
                return label
            if column.header.endswith(f" ({named})"):
                return f"{column.header.removesuffix(f' ({named})')} ({label})"
        return f"{column.header} {label}"

    def text(self, value: Cell, column: Column, *, brackets: bool = True) -> str:
        """A cell of this table as a person reads it."""
        if self.units is not None and column.kind == "movement" and isinstance(value, Decimal):
            return movement_text(value, self.units)
        if self.units is not None and column.kind in MONEY and isinstance(value, Decimal):
            shown = format_scaled(value, self.units, brackets=brackets and column.kind != "delta")
            return f"+{shown}" if column.kind == "delta" and value > 0 else shown
        return cell_text(value, column.kind, brackets=brackets)

    def csv_header(self, column: Column) -> str:
        """A column's CSV header: its key, with the scale when not pounds (target (£'000))."""
        if self.units in (None, "pounds") or column.kind not in MONEY:
            return column.key
        return f"{column.key} ({UNIT_LABELS[self.units or 'pounds']})"

    def csv_value(self, value: Cell, column: Column) -> str:
        """A cell as a spreadsheet reads it, in the table's units."""
        if self.units is not None and column.kind in MONEY and isinstance(value, Decimal):
            return csv_text(to_units(value, self.units))
        return csv_text(value)


def display_units(chosen: str | None, file_units: str | None) -> str | None:
    """The units a report's money is shown in: the one chosen (--units), else a thousands
    file's own, as councils publish (£'000); None keeps each table's own scale."""
    if chosen:
        return chosen
    return "thousands" if file_units == "thousands" else None


class MoneyWords(Protocol):
    """How running text (a headline, a chart label, a summary line) writes an amount
    (a negative in brackets with ``brackets``)."""

    def __call__(self, amount: Money, *, brackets: bool = False) -> str: ...


_WORDS: dict[str, MoneyWords] = {"pounds": format_pounds, "thousands": format_thousands, "millions": format_millions}


def money_words(units: str | None, usual: str = "pounds") -> MoneyWords:
    """How text beside a table in ``units`` writes money: £3,460k beside a £'000 table,
    £3.460m beside a £m one, £3,460,000 in pounds; ``usual`` where no units are chosen
    (None: the table keeps its own scale). Exact, as the table's figures are."""
    return _WORDS[units or usual]


def shown_in(sections: Sequence[Section], units: str | None) -> list[Section]:
    """``sections`` with every table's money shown in ``units`` (None: as built)."""
    if units is None:
        return list(sections)
    return [Section(in_units(s.table, units) if s.table is not None else None, s.lines) for s in sections]


def in_units(table: Table, units: str | None) -> Table:
    """``table`` with its money shown in ``units``, one column per figure (None: as built)."""
    if units is None:
        return table
    return dataclasses.replace(table, units=units, columns=[c for c in table.columns if not c.alternate])


@dataclass
class Section:
    """A table followed by lines of text (summaries, reasons, notes)."""

    table: Table | None = None
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Ratio:
    """Column ``out`` is ``part / whole`` in each row with a part (a fraction the
    workbook shows as a percentage); ``with_total`` in the total row too.
    ``of_size`` divides by the whole's size (an income line's budget is negative, and
    its overspend is still a positive share); ``shown_down`` rounds down to the 0.1%
    the sheet shows, as the text rounds a RAG's percentage down, so a forecast just
    under a threshold is never shown reaching it (74.99% is 74.9%, not 75.0%). The
    total row has no RAG: it is rounded half up, as the text rounds the total."""

    out: str
    part: str
    whole: str
    with_total: bool = False
    of_size: bool = False
    shown_down: bool = False


@dataclass(frozen=True)
class Difference:
    """Column ``out`` is ``minuend - subtrahend`` in each row with both a minuend and an ``out`` figure."""

    out: str
    minuend: str
    subtrahend: str


@dataclass(frozen=True)
class Share:
    """Column ``out`` is each row's ``amount`` over the total row's (a fraction)."""

    out: str
    amount: str


@dataclass(frozen=True)
class TotalsBalance:
    """Column ``out``'s total-row cell is the ``plus`` columns' totals less the
    ``minus`` columns' (its other rows stay empty): a figure of the totals alone, as
    the programme's carried is slipped out + replaced - brought forward."""

    out: str
    plus: tuple[str, ...]
    minus: tuple[str, ...] = ()


Derived = Ratio | Difference | Share | TotalsBalance
"""A column whose figure is arithmetic on other columns of its row: csplan shows its
own figure in text and CSV, and a workbook writes the formula, so the spreadsheet
does the arithmetic and it follows an edit."""


@dataclass
class Sheet:
    """A worksheet described by its table (the header is the sheet's first row).

    ``sums`` names the columns whose first footer cell is the sum of the rows above
    (the workbook writes it as a formula). ``after`` is what follows the table: a line
    of text, "" for a blank row, a row of cells by column key, or a further table
    whose columns sit under the main table's columns of the same key. ``sums_of``
    gives a footer cell the sum of another column's rows (``{"target": "new"}``: the
    programme's target counts each pound once, so it totals the new savings).
    ``derived`` names the columns the workbook writes as formulas over their row, by
    key, so they follow the columns wherever the layout and headers put them. Every
    column of kind "rag" is coloured by its word.
    """

    name: str
    table: Table
    sums: frozenset[str] = frozenset()
    after: list[str | dict[str, Cell] | Table] = field(default_factory=list)
    sums_of: dict[str, str] = field(default_factory=dict)
    derived: tuple[Derived, ...] = ()


def movement_text(movement: Decimal, units: str | None = None, *, words: bool = False) -> str:
    """A signed movement as a finance reader says it, in pounds ("down £50,000") or as a
    figure of a table in ``units`` ("down 50" under a £'000 header); with ``words``, as
    running text beside such a table says it ("down £50k")."""
    if not movement:
        return "no change"
    size = format_scaled(abs(movement), units) if units and not words else money_words(units)(abs(movement))
    return f"{'up' if movement > 0 else 'down'} {size}"


def cell_text(value: Cell, kind: Kind, *, brackets: bool = True) -> str:
    """A cell as a person reads it."""
    if value is None:
        return "—" if kind in NUMERIC and kind != "delta" else ""
    if isinstance(value, Decimal):
        if kind == "money":
            return format_pounds(value, brackets=brackets)
        if kind == "millions":
            return format_millions(value, brackets=brackets)
        if kind == "value":
            return format_pounds(value)
        if kind == "delta":
            return ("+" if value > 0 else "") + format_pounds(value)
        if kind == "movement":
            return movement_text(value)
        if kind == "percent":
            return f"({abs(value)}%)" if brackets and value < 0 else f"{value}%"
        return f"{value}"
    return escape_controls(value)


FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell of text as a formula (OWASP's list)."""


def as_plain_text(text: str) -> str:
    """Text a spreadsheet would run as a formula, given OWASP's leading apostrophe
    (Excel and LibreOffice then show the text, apostrophe hidden); other text as is."""
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def csv_text(value: Cell) -> str:
    """A cell as a spreadsheet reads it: plain numbers, no £ or separators, and
    text never a formula."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value != value.to_integral_value() else str(int(value))
    return as_plain_text(escape_controls(value))


# -- Rich ----------------------------------------------------------------------------


def make_console(file: TextIO | None = None) -> Any:
    """A Rich console: colour and box-drawing only on a terminal; NO_COLOR honoured."""
    from rich.console import Console

    stream = file or sys.stdout
    terminal = stream.isatty()
    # Piped output is read by people too (CI logs, emails): do not squeeze it to 80.
    width = None if terminal or os.environ.get("COLUMNS") else 160
    return Console(file=stream, width=width, highlight=False, soft_wrap=False, emoji=False)


def print_sections(sections: Sequence[Section], file: TextIO | None = None) -> None:
    """Print sections as Rich tables and lines."""
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    console = make_console(file)
    fancy = console.is_terminal
    for index, section in enumerate(sections):
        if index:
            console.print()
        if section.table is not None:
            spec = section.table
            if spec.title:
                console.print(Text(escape_controls(spec.title), style="bold" if fancy else ""))
            table = RichTable(
                box=box.SIMPLE_HEAVY if fancy else box.ASCII2,
                header_style="bold" if fancy else "",
            )
            all_rows = [*spec.rows, *spec.footer]
            widths = {
                c.key: max([len(spec.header(c)), *(len(spec.text(r.get(c.key), c)) for r in all_rows)])
                for c in spec.columns
            }
            floors = {c.key: _longest_word(spec, c, all_rows) for c in spec.columns if c.fold}
            columns, widths = _layout(spec.columns, widths, console.width, floors)
            for column in columns:
                table.add_column(
                    spec.header(column),
                    justify="right" if column.kind in NUMERIC else "left",
                    min_width=widths[column.key],
                    max_width=widths[column.key],
                    no_wrap=not column.fold,
                    overflow="fold" if column.fold else "ellipsis",
                )
            for row_index, row in enumerate(all_rows):
                cells = []
                for column in columns:
                    text = spec.text(row.get(column.key), column)
                    text = text if column.fold else _clip(text, widths[column.key])
                    style = TERMINAL_STYLES.get(text, "") if column.kind == "rag" and fancy else ""
                    cells.append(Text(text, style=style))
                is_footer = row_index >= len(spec.rows)
                table.add_row(
                    *cells,
                    end_section=row_index == len(spec.rows) - 1 and bool(spec.footer),
                    style="bold" if is_footer and fancy else None,
                )
            console.print(table)
        for line in section.lines:
            console.print(Text(escape_controls(line)), soft_wrap=True)


def _longest_word(spec: Table, column: Column, rows: Sequence[dict[str, Cell]]) -> int:
    """The narrowest a ``fold`` column gets: its longest word (header or cell)."""
    words = [*spec.header(column).split(), *(w for row in rows for w in spec.text(row.get(column.key), column).split())]
    return max(map(len, words), default=1)


def _layout(
    columns: Sequence[Column], widths: dict[str, int], width: int, floors: dict[str, int] | None = None
) -> tuple[list[Column], dict[str, int]]:
    """Which columns to show and how wide, to fit ``width``.

    Figures are never cut. Long text (columns with ``max_width``) is cut with an
    ellipsis when space is short, and a ``fold`` column narrowed to its longest word
    (``floors``: Rich wraps it); columns with a ``drop_order`` are left out, lowest
    first, when even that is not enough.
    """
    floors = floors or {}
    kept = list(columns)
    droppable = sorted((c for c in columns if c.drop_order is not None), key=lambda c: c.drop_order or 0)
    sized = dict(widths)
    for column in columns:
        if column.max_width is not None:
            sized[column.key] = min(widths[column.key], column.max_width)

    def narrowest(column: Column) -> int:
        return min(sized[column.key], floors[column.key] if column.fold else column.min_width)

    def narrows(column: Column) -> bool:
        return column.max_width is not None or column.fold

    def fixed() -> int:
        return sum(sized[c.key] for c in kept if not narrows(c)) + 3 * len(kept) + 1

    def least() -> int:
        return fixed() + sum(narrowest(c) for c in kept if narrows(c))

    while droppable and least() > width:
        kept.remove(droppable.pop(0))
    shrinkable = [c for c in kept if narrows(c)]
    room = width - fixed()
    while sum(sized[c.key] for c in shrinkable) > room:
        cuttable = [c for c in shrinkable if sized[c.key] > narrowest(c)]
        if not cuttable:
            break
        # Text narrows first; a figure's column only wraps its header when text cannot.
        widest = max(cuttable, key=lambda c: (c.kind not in NUMERIC, sized[c.key] - narrowest(c)))
        sized[widest.key] -= 1
    return kept, sized


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


# -- CSV and Markdown ---------------------------------------------------------------------


def to_csv(table: Table, *, footer: bool = False) -> str:
    """The table as CSV, one header row, numbers as plain decimals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([table.csv_header(c) for c in table.columns])
    for row in [*table.rows, *(table.footer if footer else [])]:
        writer.writerow([table.csv_value(row.get(c.key), c) for c in table.columns])
    return out.getvalue()


# What could make a link, an image, HTML, code or emphasis of text (and the cell
# separator); ">" and "_" inside a line make nothing, and csplan's own "->" stays.
_MARKDOWN_LIVE = re.compile(r"([\\`*\[\]<&|])")


def _md_escape(text: str) -> str:
    """Text shown as itself: no link, image, HTML or emphasis made of it, one line."""
    return _MARKDOWN_LIVE.sub(r"\\\1", escape_controls(text)).replace("\r", " ").replace("\n", " ")


def _md_cell(table: Table, value: Cell, column: Column) -> str:
    """A cell of a Markdown table: text from data is escaped and, as in CSV, never
    reads as a formula when the table is pasted into a spreadsheet. A leading = + - @
    is escaped with Markdown's own backslash, which the rendered table does not show
    ("+ service pressure funding" reads as itself); a leading tab or CR, which
    Markdown cannot escape, gets the spreadsheet's apostrophe."""
    text = _md_escape(table.text(value, column))
    if isinstance(value, str) and text.startswith(FORMULA_LEADS):
        return ("\\" if text[0] in "=+-@" else "'") + text
    return text


def to_markdown(sections: Sequence[Section]) -> str:
    """Sections as GitHub-flavoured Markdown (reads well as a pull-request comment)."""
    out: list[str] = []
    for section in sections:
        if section.table is not None:
            spec = section.table
            if spec.title:
                out.append(f"**{_md_escape(spec.title)}**\n")
            out.append("| " + " | ".join(_md_escape(spec.header(c)) for c in spec.columns) + " |")
            out.append("|" + "|".join("---:" if c.kind in NUMERIC else "---" for c in spec.columns) + "|")
            for row in spec.rows:
                out.append("| " + " | ".join(_md_cell(spec, row.get(c.key), c) for c in spec.columns) + " |")
            for row in spec.footer:
                out.append(
                    "| "
                    + " | ".join(
                        f"**{text}**" if (text := _md_cell(spec, row.get(c.key), c)) else "" for c in spec.columns
                    )
                    + " |"
                )
            out.append("")
        for line in section.lines:
            out.append(_md_escape(line) + "  ")
        if section.lines:
            out.append("")
    return "\n".join(out).rstrip() + "\n"
