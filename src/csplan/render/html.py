"""The monthly monitoring report as one HTML page: headline words, chart geometry, tables.

Every figure comes computed from the position (``csplan.position``); this module
only words it and scales it into chart geometry, and the template only places what
this module gives it. Charts are drawn as inline SVG, so the file opens offline; every
coloured mark also carries its RAG word or letter, for colour-blind readers and
black-and-white printing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from csplan.budget import BudgetReport
from csplan.diff import PlanDiff
from csplan.findings import Finding
from csplan.models import PERIODS
from csplan.money import format_millions
from csplan.position import Position
from csplan.programme import DeliveredBridge, Programme
from csplan.rag import HTML_COLOURS, LETTERS, STATUSES
from csplan.render.budget import step_words
from csplan.render.findings import may_not_agree
from csplan.render.tables import (
    Cell,
    Column,
    MoneyWords,
    Table,
    cell_text,
    display_units,
    in_units,
    money_words,
    movement_text,
)
from csplan.savings import PeriodForecast, SavingsReport
from csplan.text import plural

MONTHS = (
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "January",
    "February",
    "March",
)
# Chart geometry, in SVG user units (the SVG's font is 11 units).
WIDE_COLUMNS = 8
"""A table of this many columns or more prints in smaller type, so it fits A4's width."""
WIDTH = 640
LABEL = 250
BAR = 18
GAP = 8
FONT_SIZE = 11
# Advance widths, in thousandths of the font size, of Arial and the fonts that share
# its metrics (Helvetica, Liberation Sans), which the charts ask for: text is fitted
# to its room with these, and the browser test checks that it did fit.
_ASCII_WIDTHS = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 "
    "556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 "
    "667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 "
    "556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584"
)
_WIDTHS = dict(
    zip(
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
        (int(width) for width in _ASCII_WIDTHS.split()),
        strict=True,
    ),
    **{"£": 556, "…": 1000, "–": 556, "—": 1000, "’": 222, "‘": 222, "“": 333, "”": 333, "→": 1000},
)
LABEL_ROOM = LABEL - 28
"""The room for a row's label, left of its RAG badge."""


def text_width(text: str) -> Decimal:
    """The width of ``text`` in SVG units, with 5% to spare for a font that differs."""
    thousandths = sum(_WIDTHS.get(c, 667 if ord(c) < 0x250 else 1000) for c in text)
    return (Decimal(thousandths) * FONT_SIZE * Decimal("1.05") / 1000).quantize(Decimal("0.1"), ROUND_HALF_UP)


def fit_text(text: str, room: Decimal | int) -> str:
    """``text`` cut to fit ``room`` units: after a whole word where one is near, with
    an ellipsis; a single long word (a long id) is cut within it."""
    if text_width(text) <= room:
        return text
    cut = text
    while cut and text_width(cut + "…") > room:
        cut = cut[:-1]
    space = cut.rfind(" ")
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–") + "…"


def period_name(period: str | None, year: str) -> str:
    """``P06`` in 2025-26 as "P06 (September 2025)"."""
    if period is None:
        return "latest returns"
    index = PERIODS.index(period)
    first = int(year[:4])
    return f"{period} ({MONTHS[index]} {first if index < 9 else first + 1})"


def _scale(value: Decimal, largest: Decimal, width: Decimal | int) -> Decimal:
    if not largest:
        return Decimal(0)
    return (value * Decimal(width) / largest).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class Bar:
    """One horizontal bar (or pair of bars) with its words."""

    label: str
    y: int
    width: Decimal
    text: str
    rag: str
    letter: str
    second_width: Decimal | None = None
    x: Decimal = Decimal(0)
    title: str = ""
    """The whole label, shown on hover when ``label`` is cut."""


@dataclass
class Chart:
    title: str
    description: str
    height: int
    bars: list[Bar] = field(default_factory=list)
    rects: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    texts: list[dict[str, Any]] = field(default_factory=list)
    table: HtmlTable | None = None
    """Figures of the chart as a table, placed under it."""


def _bar_room(texts: list[str], start: int = LABEL) -> Decimal:
    """The bar length that leaves room for the longest text after a bar."""
    longest = max((text_width(t) for t in texts), default=Decimal(0))
    return max(Decimal(WIDTH - start - 8) - longest, Decimal(60))


def rag_chart(report: SavingsReport, units: str | None = None) -> Chart:
    """Savings by RAG: count and £ of target, a bar per RAG; money in ``units`` as the
    report's savings tables (None: pounds)."""
    money = money_words(units)
    counts = report.rag_summary
    largest = max((c.target for c in counts.values()), default=Decimal(0))
    chart = Chart("Savings by RAG", "Target in each RAG status, with the number of savings", 0)
    texts = {
        rag: f"{counts[rag].count} saving{'s' if counts[rag].count != 1 else ''}, {money(counts[rag].target)}, {rag}"
        for rag in STATUSES
    }
    room = _bar_room(list(texts.values()))
    for row, rag in enumerate(STATUSES):
        chart.bars.append(
            Bar(
                label=f"{LETTERS[rag]}  {rag}",
                y=row * (BAR + GAP),
                width=_scale(counts[rag].target, largest, room),
                text=texts[rag],
                rag=rag,
                letter=LETTERS[rag],
            )
        )
    chart.height = len(STATUSES) * (BAR + GAP)
    return chart


def savings_chart(report: SavingsReport, units: str | None = None) -> Chart:
    """Each saving's forecast against its target, largest shortfall first; money in
    ``units`` as the report's savings tables (None: pounds)."""
    money = money_words(units)
    ordered = sorted(report.statuses, key=lambda s: (s.variance is None, s.variance if s.variance is not None else 0))
    return target_chart(
        "Forecast against target",
        "Each saving: target (outline) and forecast (filled), largest shortfall first",
        [
            (
                f"{s.id} {s.description}",
                s.target,
                s.forecast,
                f"not reported, target {money(s.target)}"
                if s.forecast is None
                else f"{money(s.forecast)} of {money(s.target)}, {s.rag}",
                s.rag,
            )
            for s in ordered
        ],
    )


def target_chart(
    title: str, note: str, rows: Sequence[tuple[str, Decimal, Decimal | None, str, str]], least_rows: int = 0
) -> Chart:
    """Forecast against target by row: the target as an outline, the forecast filled.

    Each row is (name, target, forecast or None, the text after the bars, RAG: "neutral"
    for none); the chart is at least ``least_rows`` high.
    """
    largest = max((max(target, forecast or Decimal(0)) for _, target, forecast, _, _ in rows), default=Decimal(0))
    room = _bar_room([text for _, _, _, text, _ in rows])
    chart = Chart(title, note, max(len(rows), least_rows) * (BAR + GAP))
    for index, (name, target, forecast, text, rag) in enumerate(rows):
        chart.bars.append(
            Bar(
                label=fit_text(name, LABEL_ROOM),
                y=index * (BAR + GAP),
                width=_scale(target, largest, room),
                second_width=_scale(forecast or Decimal(0), largest, room),
                text=text,
                rag=rag,
                letter=LETTERS.get(rag, ""),
                title=name,
            )
        )
    return chart


# The trajectory's plot area, inside margins for the axis labels (left), the target's
# label (right), the legend (top) and the periods (bottom): no line enters a margin,
# so no line crosses a label.
PLOT_LEFT = 64
PLOT_RIGHT = WIDTH - 80
PLOT_TOP = 34
PLOT_HEIGHT = 180


def _tick_step(top: Decimal) -> Decimal:
    """A round step that divides 0..``top`` into four to six parts."""
    raw = top / 5
    magnitude = Decimal(1)
    while magnitude * 10 <= raw:
        magnitude *= 10
    return next(
        m * magnitude for m in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)) if raw <= m * magnitude
    )


def _tick_label(value: Decimal, units: str | None) -> str:
    """An axis tick in the chart's scale, a round figure: £2,500,000, £2,500k or £2.5m
    (a £m tick drops the tables' 3 decimals, which a round figure does not need)."""
    if units == "millions":
        return format_millions(value, places=0)
    return money_words(units)(value)


def trajectory_chart(history: list[PeriodForecast], target: Decimal, units: str | None = None) -> Chart:
    """Each period up to the report's: the forecast of the savings reported (solid) and,
    stacked on it, the target of the savings not yet reported (light), against the target;
    money (axis, labels, table) in ``units`` as the report's savings tables (None: pounds).

    A line of the reported forecast alone jumps when more savings report, not when
    delivery improves; the stack shows the two apart."""
    money = money_words(units)
    known = [p for p in history if p.totals is not None]
    top = max([target, *(p.totals.outlook for p in known if p.totals is not None)], default=Decimal(0))
    step = _tick_step(top) if top > 0 else Decimal(1)
    axis_top = step * ((top / step).to_integral_value(rounding="ROUND_CEILING") or 1)
    ticks = [step * n for n in range(int(axis_top / step) + 1)]
    target_words = money(target)
    # The margins fit the axis's labels (left) and the target's (right), whatever the scale.
    plot_left = max(PLOT_LEFT, int(max(text_width(_tick_label(t, units)) for t in ticks)) + 10)
    plot_right = min(PLOT_RIGHT, WIDTH - int(text_width(target_words)) - 10)
    slot = Decimal(plot_right - plot_left) / max(len(history), 1)
    base = PLOT_TOP + PLOT_HEIGHT

    def y(value: Decimal) -> Decimal:
        return _q(Decimal(base) - _scale(value, axis_top, PLOT_HEIGHT))

    chart = Chart(
        "Savings trajectory",
        "At each period: the forecast of the savings that had reported (solid) and the target of those not yet "
        "reported (light, dashed), against the whole target",
        base + 26,
    )
    for tick in ticks:
        chart.lines.append({"x1": plot_left, "y1": y(tick), "x2": plot_right, "y2": y(tick), "kind": "grid"})
        chart.texts.append({"x": plot_left - 6, "y": y(tick) + 4, "anchor": "end", "text": _tick_label(tick, units)})
    rows: list[dict[str, Cell]] = []
    for index, point in enumerate(history):
        centre = _q(Decimal(plot_left) + slot * index + slot / 2)
        totals = point.totals
        chart.texts.append(
            {"x": centre, "y": base + 16, "anchor": "middle", "text": point.period, "kind": "" if totals else "muted"}
        )
        if totals is None:
            continue  # after this report: on the axis, not in the table
        left, width = _q(centre - slot * Decimal("0.3")), _q(slot * Decimal("0.6"))
        words = (
            f"{point.period}: forecast {money(totals.forecast)} from {totals.reported} of "
            f"{plural(totals.count, 'saving')}; target not yet reported {money(totals.unreported_target)}"
        )
        if totals.forecast:
            chart.rects.append(
                {
                    "x": left,
                    "y": y(totals.forecast),
                    "width": width,
                    "height": _q(base - y(totals.forecast)),
                    "kind": "reported",
                    "title": words,
                }
            )
        if totals.unreported_target:
            chart.rects.append(
                {
                    "x": left,
                    "y": y(totals.outlook),
                    "width": width,
                    "height": _q(y(totals.forecast) - y(totals.outlook)),
                    "kind": "unreported",
                    "title": words,
                }
            )
        rows.append(
            {
                "period": point.period,
                "forecast": totals.forecast if totals.reported else None,
                "reported": f"{totals.reported} of {totals.count}",
                "unreported_target": totals.unreported_target,
                "outlook": totals.outlook,
            }
        )
    chart.lines.append({"x1": plot_left, "y1": y(target), "x2": plot_right, "y2": y(target), "kind": "target"})
    chart.texts.append({"x": plot_right + 6, "y": y(target) - 3, "anchor": "start", "text": "Target"})
    chart.texts.append({"x": plot_right + 6, "y": y(target) + 11, "anchor": "start", "text": target_words})
    # The legend, in the top margin.
    x = Decimal(plot_left)
    for kind, words in (("reported", "Forecast, savings reported"), ("unreported", "Target, savings not yet reported")):
        chart.rects.append({"x": x, "y": 6, "width": 12, "height": 12, "kind": kind, "title": ""})
        chart.texts.append({"x": x + 18, "y": 16, "anchor": "start", "text": words})
        x += 18 + text_width(words) + 16
    chart.lines.append({"x1": x, "y1": 12, "x2": x + 24, "y2": 12, "kind": "target"})
    chart.texts.append({"x": x + 30, "y": 16, "anchor": "start", "text": "Target"})
    chart.table = html_table(
        in_units(
            Table(
                "Trajectory by period",
                (
                    Column("period", "Period"),
                    Column("forecast", "Forecast of the savings reported", "money"),
                    Column("reported", "Savings reported", "number"),
                    Column("unreported_target", "Target not yet reported", "money"),
                    Column("outlook", "Forecast and target not yet reported", "money"),
                ),
                rows,
            ),
            units,
        )
    )
    return chart


def variance_chart(
    title: str,
    note: str,
    rows: Sequence[tuple[str, Decimal, str]],
    half: int | None = None,
    least_rows: int = 0,
    money: MoneyWords = format_millions,
) -> Chart:
    """Variance by row, overspends right of the centre line, underspends left.

    Each row is (name, variance, RAG). ``half`` is the room each side of the centre line,
    by default half of what the bars' texts leave; the chart is at least ``least_rows`` high;
    ``money`` words each variance (an underspend bracketed), in £m unless told.
    """
    largest = max((abs(variance) for _, variance, _ in rows), default=Decimal(0))
    texts = [f"{money(variance, brackets=True)}, {rag}" for _, variance, rag in rows]
    if half is None:
        half = int(_bar_room(texts) / 2)
    chart = Chart(title, note, max(len(rows), least_rows) * (BAR + GAP))
    for index, ((name, variance, rag), text) in enumerate(zip(rows, texts, strict=True)):
        width = _scale(abs(variance), largest, half)
        chart.bars.append(
            Bar(
                label=fit_text(name, LABEL_ROOM),
                title=name,
                y=index * (BAR + GAP),
                width=width,
                x=Decimal(half) if variance >= 0 else Decimal(half) - width,
                text=text,
                rag=rag,
                letter=LETTERS[rag],
            )
        )
    return chart


def budget_chart(report: BudgetReport, units: str | None = None) -> Chart | None:
    """Variance by line, overspends right of the centre line, underspends left; money in
    ``units`` as the report's budget tables (None: £m, as the plan prints its budget)."""
    if not report.has_lines:
        return None
    return variance_chart(
        "Budget variance by line",
        "Forecast outturn minus budget: overspend right, underspend left",
        [(f"{line.id} {line.name}", line.variance, line.rag) for line in report.rows if line.variance is not None],
        half=(WIDTH - LABEL - 120) // 2,
        money=money_words(units, "millions"),
    )


def bridge_chart(report: BudgetReport, units: str | None = None) -> Chart:
    """From the previous year's base to this year's budget, as far as the source goes;
    money in ``units`` as the bridge table (None: £m)."""
    money = money_words(units, "millions")
    largest = max((abs(s.amount) for s in report.bridge if s.amount is not None), default=Decimal(0))
    room = WIDTH - LABEL - 130
    chart = Chart(
        "Budget bridge", "How the budget is built, as far as the source gives figures", len(report.bridge) * (BAR + GAP)
    )
    running = Decimal(0)
    for row, step in enumerate(report.bridge):
        if step.amount is None:
            chart.bars.append(Bar(step_words(step), row * (BAR + GAP), Decimal(0), "not stated", "neutral", ""))
            continue
        if step.kind in ("base", "total"):
            start, end = Decimal(0), step.amount
        else:
            start, end = running, running + step.amount
        running = end
        low, high = min(start, end), max(start, end)
        chart.bars.append(
            Bar(
                step_words(step),
                row * (BAR + GAP),
                _scale(high - low, largest, room),
                money(step.amount, brackets=True),
                "neutral",
                "",
                x=_scale(low, largest, room),
            )
        )
    return chart


@dataclass
class HtmlTable:
    """A table with every cell already written out as text."""

    title: str | None
    headers: list[str]
    numeric: list[bool]
    rows: list[list[str]]
    footer: list[list[str]]
    rag_column: int | None
    lines: list[str] = field(default_factory=list)
    """Said under the table, as the text and Markdown say them under theirs."""


LISTED_ERRORS = 200
"""Errors listed on the page; the rest are counted (``csplan validate`` lists them all)."""


@dataclass
class FindingsNotice:
    """What a report written from data with errors says at its top, in words: how
    many errors the checks found, each error, and what else there is."""

    errors: int
    headline: str
    explanation: str
    table: HtmlTable
    """Each error, in the order ``csplan validate`` prints them: code, place, message, hint."""
    lines: list[str]
    """The errors not listed (past ``LISTED_ERRORS``) and the warnings, counted."""


def findings_notice(findings: Sequence[Finding]) -> FindingsNotice | None:
    """The notice for a page written despite ``findings``; None when none is an error.
    Warnings are counted, not listed: they do not make figures disagree, and
    ``csplan validate`` shows them."""
    errors = [f for f in findings if f.severity == "error"]
    if not errors:
        return None
    listed = errors[:LISTED_ERRORS]
    rows = [[f.code, f.location, f.message, f.hint or ""] for f in listed]
    lines = []
    if len(errors) > len(listed):
        lines.append(f"… and {plural(len(errors) - len(listed), 'more error')}, not listed here.")
    if len(findings) > len(errors):
        lines.append(f"The data also has {plural(len(findings) - len(errors), 'warning')}, not listed here.")
    return FindingsNotice(
        len(errors),
        f"This report was written from data with {may_not_agree(len(errors))}",
        f"The checks of the data files found {'this error' if len(errors) == 1 else 'these errors'} when the "
        "report was written, so figures on this page may contradict each other or the plan. Fix the data "
        "(csplan validate lists every finding) and write the report again before relying on it.",
        HtmlTable("Errors in the data", ["Code", "File:line", "Error", "Hint"], [False] * 4, rows, [], None),
        lines,
    )


# The savings table as the report shows it: narrow enough for A4 portrait (the
# movement has a table of its own; ongoing and one-off make up the target).
REPORT_STATUS_COLUMNS = (
    "id",
    "description",
    "target",
    "forecast",
    "delivered",
    "variance",
    "achieved",
    "at_risk",
    "rag",
    "note",
)
"""Achieved and at risk are in the status table only where some return gives them."""


def html_table(table: Table, keys: Sequence[str] | None = None) -> HtmlTable:
    """``table`` with every cell written out; only the columns ``keys`` names, if given."""
    from csplan.render.tables import NUMERIC

    columns = [c for c in table.columns if keys is None or c.key in keys]
    rag = next((i for i, c in enumerate(columns) if c.kind == "rag"), None)
    return HtmlTable(
        table.title,
        [table.header(c) for c in columns],
        [c.kind in NUMERIC for c in columns],
        [[table.text(row.get(c.key), c) for c in columns] for row in table.rows],
        [[table.text(row.get(c.key), c) for c in columns] for row in table.footer],
        rag,
    )


@dataclass
class FileChanges:
    heading: str
    lines: list[str]
    reconciliation: str


@dataclass
class ChangesSection:
    """What changed in the figures since another version, file by file, in words."""

    title: str
    summary: str
    files: list[FileChanges]


def changes_section(result: PlanDiff) -> ChangesSection:
    """The diff of the figures as a reader says it, as ``csplan diff`` does for savings."""
    from csplan.render import diff as render_diff

    changed = [f for f in result.files if f.status != "unchanged"]
    files = [
        FileChanges(
            render_diff.file_heading(f),
            render_diff.file_words(f),
            render_diff.reconciliation_words(f),
        )
        for f in changed
    ]
    summary = f"{len(changed)} of {plural(len(result.files), 'file')} changed" if changed else "No figure has changed."
    return ChangesSection(f"Changes since {result.old_label}", summary, files)


@dataclass
class MovementSection:
    """What moved since an earlier period: a table, the total in words, the largest movers."""

    title: str
    table: HtmlTable | None
    lines: list[str]


def movement_section(report: SavingsReport, units: str | None = None) -> MovementSection:
    """The savings whose forecast moved, largest first, then first returns, then the rest;
    its money in ``units`` as the report's other savings tables (None: pounds), so its
    totals read as the Forecast card and the status table do."""
    from csplan.render import savings as render_savings

    moved = report.movement
    if moved is None:
        return MovementSection("Movement", None, ["No earlier return to compare with."])
    title = f"Movement since {period_name(moved.since, report.year)}"
    movers = report.largest_movers(len(report.statuses))
    rest = [s for s in report.statuses if s.direction is not None and s not in movers]
    rest.sort(key=lambda s: (s.direction != "first return", s.id))
    rows: list[dict[str, Cell]] = [
        {
            "id": s.id,
            "description": s.description,
            "previous_forecast": s.previous_forecast,
            "forecast": s.forecast,
            "period": s.period,
            "movement": render_savings.movement_cell(s),
            "rag": s.rag,
        }
        for s in [*movers, *rest]
    ]
    # Each saving's forecast is its latest return's (one with no return for the report's
    # period keeps an earlier one), headed as the status table heads it, not "Forecast
    # P07"; the period of each return beside it when some is of an earlier period.
    earlier = any(s.period != report.returns_period for s in [*movers, *rest])
    columns = (
        Column("id", "ID"),
        Column("description", "Saving"),
        Column("previous_forecast", f"Forecast {moved.since}", "money"),
        Column("forecast", "Forecast", "money"),
        *((Column("period", "Period"),) if earlier else ()),
        Column("movement", "Movement", "movement"),
        Column("rag", "RAG", "rag"),
    )
    footer: dict[str, Cell] = {
        "id": "Total",
        "previous_forecast": moved.previous_forecast,
        "forecast": moved.forecast,
        "movement": f"{movement_text(moved.movement, units)} like for like"
        if moved.compared or moved.no_return
        else None,
    }
    largest = report.largest_movers(3)
    lines = [render_savings.movement_sentence(moved, units)]
    if largest:
        lines.append(
            "Largest movers: "
            + "; ".join(
                f"{s.id} {s.description}, {render_savings.movement_words(s.movement, s.direction, s.period, units)}"
                for s in largest
            )
        )
    else:
        lines.append("No saving's forecast moved.")
    return MovementSection(title, html_table(in_units(Table(None, columns, rows, [footer]), units)), lines)


@dataclass
class Segment:
    """One part of a stacked bar: where it starts, how wide, and what it is."""

    x: Decimal
    width: Decimal
    kind: str
    title: str


@dataclass
class ProgrammeRow:
    label: str
    y: int
    segments: list[Segment]
    text: str
    text_x: Decimal


@dataclass
class ProgrammeSection:
    """The four-year programme: a stacked bar per year, its table and reconciliation."""

    title: str
    height: int
    rows: list[ProgrammeRow]
    legend: list[tuple[str, str]]
    table: HtmlTable
    lines: list[str]


# What became of each year's target, in the order the bar stacks it, with its colour.
PROGRAMME_PARTS = (
    ("delivered", "delivered", "bar-green"),
    ("replaced", "replaced", "bar-blue"),
    ("slipped_out", "slipped out", "bar-amber"),
    ("written_off", "written off", "bar-red"),
    ("still_open", "still open", "bar-not-reported"),
)


def programme_section(
    report: Programme, units: str | None = None, bridge: DeliveredBridge | None = None
) -> ProgrammeSection:
    """Each year's target as a stacked bar: delivered, replaced, slipped, written off, open;
    its money (bars, table, lines) in ``units`` as the report's savings tables (None: pounds);
    with ``bridge``, a line saying why the year's Delivered is not the headline's."""
    from csplan.render import programme as render_programme

    money = money_words(units)
    years = [row for row in report.years if row.has_file]
    largest = max((row.target for row in years), default=Decimal(0))
    room = WIDTH - LABEL - 150
    rows: list[ProgrammeRow] = []
    for index, row in enumerate(years):
        segments: list[Segment] = []
        start = Decimal(0)
        for name, words, kind in PROGRAMME_PARTS:
            amount = getattr(row, name)
            if not amount:
                continue
            width = _scale(amount, largest, room)
            segments.append(Segment(start, width, kind, f"{words} {money(amount)}"))
            start += width
        state = "closed" if row.closed else "open"
        rows.append(ProgrammeRow(f"{row.year} ({state})", index * (BAR + GAP), segments, money(row.target), start + 6))
    return ProgrammeSection(
        title="Four-year programme",
        height=max(len(rows), 1) * (BAR + GAP),
        rows=rows,
        legend=[(words, kind) for _, words, kind in PROGRAMME_PARTS],
        table=html_table(in_units(render_programme.table(report), units)),
        lines=render_programme.lines(report, units, bridge=bridge),
    )


@dataclass
class MonthlyReport:
    title: str
    year: str
    period: str
    generated: str
    data_date: str
    headline: list[tuple[str, str, str]]
    budget_headline: list[tuple[str, str, str]]
    charts: list[Chart]
    tables: list[HtmlTable]
    notes: list[str]
    changes: ChangesSection | None
    movement: MovementSection | None = None
    programme: ProgrammeSection | None = None
    reasons: list[str] = field(default_factory=list)
    """Why each red or amber saving, and each officer's judgement that differs, is so."""
    findings: FindingsNotice | None = None
    """The errors the data had when the report was written; None when it had none."""
    sections: list[str] = field(
        default_factory=lambda: [
            "findings",
            "headline",
            "movement",
            "charts",
            "tables",
            "reasons",
            "programme",
            "changes",
        ]
    )
    """The templates under ``templates/sections/`` to place, in order."""


def budget_card(budget: BudgetReport, money: MoneyWords) -> tuple[str, str, str]:
    """The Budget card: the budget the variance is measured against (the revised, where
    lines record changes during the year), naming the original where the two differ, as
    ``budget variance`` does; the stated total where there are no lines."""
    if not budget.has_lines:
        stated = budget.total if budget.total is not None else budget.budget
        return ("Budget", money(stated), budget.year)
    if budget.has_changes and budget.changes:
        changes = money(budget.changes, brackets=True)
        return (
            "Budget",
            money(budget.budget),
            f"{budget.year} revised: original {money(budget.original)}, changes during the year {changes}",
        )
    return ("Budget", money(budget.budget), budget.year)


def savings_headline(
    savings: SavingsReport, units: str | None = None, bridge: DeliveredBridge | None = None
) -> list[tuple[str, str, str]]:
    """The savings cards of the headline: target, forecast, shortfall, delivered; money
    in ``units`` where one is chosen (else in pounds). With ``bridge`` (the report's
    programme), the Delivered card names the programme's different Delivered."""
    totals = savings.totals
    pounds = money_words(units, "pounds")
    delivered = totals.delivered_percent
    return [
        ("Savings target", pounds(totals.target), plural(totals.count, "saving")),
        (
            "Forecast",
            pounds(totals.forecast) if totals.reported else "not reported",
            (
                f"from {totals.reported} of {plural(totals.count, 'saving')} reported; "
                f"{totals.forecast_percent}% of target"
                + (
                    f"; not yet reported: {totals.unreported} (target {pounds(totals.unreported_target)})"
                    if totals.unreported
                    else ""
                )
            )
            if totals.reported
            else f"no returns yet from the {plural(totals.count, 'saving')}",
        ),
        (
            "Shortfall",
            pounds(totals.shortfall) if totals.reported else "—",
            (
                "savings forecast below target"
                + (
                    f"; {pounds(totals.ahead)} forecast above target elsewhere, "
                    f"net variance {pounds(totals.variance, brackets=True)}"
                    if totals.ahead
                    else ""
                )
            )
            if totals.reported
            else "no returns yet",
        ),
        (
            "Delivered to date",
            pounds(totals.delivered) if totals.delivered_given else "—",
            (
                f"{delivered}% of target"
                if delivered is not None and totals.delivered_given
                else "no delivered figure recorded yet"
                if totals.reported
                else "no returns yet"
            )
            + (_programme_delivered(bridge, pounds) if bridge is not None and bridge.differs else ""),
        ),
    ]


def _programme_delivered(bridge: DeliveredBridge, money: MoneyWords) -> str:
    """The Delivered card's pointer to the programme's Delivered for the year."""
    if bridge.closed:
        return f", on the returns; the year closed with {money(bridge.programme)} delivered (programme, below)"
    return f"; the programme counts {money(bridge.programme)}, each saving up to its target (below)"


def build_report(
    position: Position,
    data_date: str,
    compare: PlanDiff | None = None,
    units: str | None = None,
    findings: Sequence[Finding] = (),
) -> MonthlyReport:
    """Everything the HTML report shows, from the same computations as the commands;
    its tables' money in ``units`` (--units), else as each file is written. The
    ``findings`` the data was loaded with are said at the top when any is an error."""
    from csplan.render import budget as render_budget
    from csplan.render import savings as render_savings

    savings = position.savings
    budget, pressures, period = position.budget, position.pressures, position.period
    savings_units = display_units(units, savings.units) if savings is not None else units
    budget_units = display_units(units, budget.units) if budget is not None else units
    headline = savings_headline(savings, savings_units, position.delivered_bridge) if savings is not None else []
    budget_headline: list[tuple[str, str, str]] = []
    if budget is not None:
        millions = money_words(budget_units, "millions")
        budget_headline.append(budget_card(budget, millions))
        if budget.has_lines and not budget.has_forecasts:
            budget_headline.append(("Forecast outturn", "—", "no line has a forecast yet"))
        elif budget.has_lines:
            budget_headline.append(("Forecast outturn", millions(budget.forecast), "all lines"))
            overspend = cell_text(budget.variance, "millions") if budget_units is None else millions(budget.variance)
            # the card's words in its figure's scale (--units), else the file's own
            budget_headline.append(
                ("Variance", overspend, budget.summary if budget_units is None else budget.summary_in(millions))
            )
        else:
            budget_headline.append(("Forecast outturn", "—", "the budget has no line split (the plan gives none)"))
    if pressures is not None:
        in_scale = money_words(display_units(units, pressures.units), "millions")
        budget_headline.append(("Pressure funding", in_scale(pressures.total), plural(len(pressures.rows), "line")))
    charts: list[Chart] = []
    if savings is not None:  # a folder may hold a budget alone
        charts = [rag_chart(savings, savings_units), savings_chart(savings, savings_units)]
        charts.append(trajectory_chart(position.forecast_by_period, savings.totals.target, savings_units))
    if budget is not None:
        variance = budget_chart(budget, budget_units)
        if variance is not None:
            charts.append(variance)
        charts.append(bridge_chart(budget, budget_units))
    tables: list[HtmlTable] = []
    if savings is not None:
        tables.append(html_table(in_units(render_savings.status_table(savings), savings_units), REPORT_STATUS_COLUMNS))
        mitigation = render_savings.mitigation_table(savings)
        if mitigation is not None:
            # The lines savings status says under it (what Mitigated counts, what is
            # unused), money in the table's scale.
            said = html_table(in_units(mitigation, savings_units))
            said.lines = render_savings.mitigation_lines(savings, savings_units)
            tables.append(said)
    if budget is not None:
        if budget.has_lines:
            tables.append(html_table(in_units(render_budget.table(budget), budget_units)))
        tables.append(html_table(in_units(render_budget.bridge_table(budget), budget_units)))
    if savings is not None:
        notes, year = render_savings.totals_lines(savings, movement=False, units=savings_units), savings.year
    elif budget is not None:
        notes, year = render_budget.lines(budget), budget.year
    else:
        raise ValueError("the report needs a savings or a budget report")
    when = period_name(period, year)
    return MonthlyReport(
        title=f"{position.department or 'Department'} savings and budget monitoring, {year}, {when}",
        year=year,
        period=when,
        generated=datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC"),
        data_date=data_date,
        headline=headline,
        budget_headline=budget_headline,
        charts=charts,
        tables=tables,
        notes=notes,
        changes=changes_section(compare) if compare is not None else None,
        movement=movement_section(savings, savings_units) if savings is not None else None,
        programme=programme_section(position.programme, savings_units, position.delivered_bridge)
        if position.programme is not None
        else None,
        reasons=render_savings.reason_lines(savings) if savings is not None else [],
        findings=findings_notice(findings),
    )


def _template(name: str) -> str:
    from importlib.resources import files

    return files("csplan.render").joinpath(f"templates/{name}").read_text(encoding="utf-8")


def render_html(report: MonthlyReport) -> str:
    """The report as one self-contained HTML page (see ``render_page``)."""
    return render_page(report)


def render_page(report: Any) -> str:
    """A report (a department's, or the council's) as one self-contained HTML page.

    The page is ``templates/report.html.j2``; each entry of ``report.sections`` is a
    template of its own under ``templates/sections/``, so a new section is a new file
    and one name in the list."""
    from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
    from markupsafe import Markup

    from csplan.text import escape_controls

    def finalize(value: Any) -> Any:
        # a control character from the data is shown escaped, as in every output
        return escape_controls(value) if isinstance(value, str) and not isinstance(value, Markup) else value

    environment = Environment(
        loader=FunctionLoader(_template),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=finalize,
    )
    return environment.get_template("report.html.j2").render(
        report=report,
        width=WIDTH,
        label=LABEL,
        bar=BAR,
        gap=GAP,
        letters=LETTERS,
        colours=HTML_COLOURS,
        wide_columns=WIDE_COLUMNS,
    )
