"""Savings monitoring: each saving's BRAG status, with its reason, as plain data.

The rules, with the thresholds from the savings file's ``settings``:

- blue: delivered >= target (achieved)
- green: forecast >= green_percent of target (on track)
- amber: forecast >= amber_percent of target (at risk)
- red: below that

Comparisons are exact (``forecast * 100 >= target * percent``); percentages are only
rounded for display, and then down, so a forecast of 74.99% never reads "75%" in a
red status.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from functools import partial
from typing import Any

from csplan.errors import UsageError
from csplan.models import (
    PERIOD_INDEX,
    PERIODS,
    DataFile,
    Mitigation,
    ProgressEntry,
    Saving,
    SavingsFile,
    SavingsSettings,
)
from csplan.money import ZERO, Money, format_pounds, money_sum, money_words, percent
from csplan.rag import AMBER, BLUE, GREEN, NOT_REPORTED, RAGS, RED, STATUSES, WORST_FIRST

FIRST_RETURN = "first return"
NO_RETURN = "no return"
"""The direction of a saving compared with its own latest return: none came since."""


def shown_percent(part: Money, whole: Money) -> Decimal | None:
    """``part`` as a whole percentage of ``whole``, rounded down; None when whole is 0."""
    if not whole:
        return None
    if part == part.to_integral_value() and whole == whole.to_integral_value():
        return Decimal(int(part) * 100 // int(whole))  # exact, and far cheaper
    return percent(part, whole, 0, ROUND_FLOOR)


@dataclass(slots=True)
class Judgement:
    """A derived RAG, the words that explain it, and the forecast as % of target."""

    rag: str
    reason: str
    percent: Decimal | None = None


def derive_rag(
    target: Money, forecast: Money, delivered: Money | None, settings: SavingsSettings, units: str = "pounds"
) -> Judgement:
    """The RAG the figures support, and why (the reason's money in ``units``, the file's)."""
    return Judgement(*_judge(target, forecast, delivered, Thresholds.of(settings, units)))


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A savings file's RAG thresholds, read once for a report, with their whole-number
    forms for the usual saving of whole pounds (None for a threshold such as 97.5)."""

    green: Decimal
    amber: Decimal
    whole_green: int | None
    whole_amber: int | None
    money: Callable[[Money], str] = format_pounds
    """How the reasons say an amount: in the file's own scale (``money_words``: £950k in a
    £'000 file, as its tables show it), exact pounds for a file in pounds."""

    @classmethod
    def of(cls, settings: SavingsSettings, units: str = "pounds") -> Thresholds:
        green, amber = settings.green_percent, settings.amber_percent
        money = format_pounds if units == "pounds" else partial(_scaled_words, units=units)
        return cls(green, amber, _whole(green), _whole(amber), money)


def _scaled_words(amount: Money, units: str) -> str:
    """``money_words``, with nothing as £0 (not £0k)."""
    return money_words(amount, units) if amount else "£0"


def _whole(number: Decimal) -> int | None:
    whole = int(number)
    return whole if whole == number else None


def _judge(
    target: Money, forecast: Money, delivered: Money | None, limits: Thresholds
) -> tuple[str, str, Decimal | None]:
    """``derive_rag`` as (rag, reason, percent). Nearly every saving is whole pounds
    under whole-number thresholds: its percentage, tests and words come from ints, as
    the exact Decimal rules give them (half a report's own time, done in Decimal)."""
    pounds, forecast_pounds = int(target), int(forecast)
    green, amber = limits.whole_green, limits.whole_amber
    if (
        pounds <= 0
        or limits.money is not format_pounds
        or green is None
        or amber is None
        or target != pounds
        or forecast != forecast_pounds
        or (delivered is not None and delivered >= target)
    ):
        return _judge_exactly(target, forecast, delivered, limits)
    share = forecast_pounds * 100 // pounds
    scaled = forecast_pounds * 100
    shown = f"forecast {_whole_pounds(forecast_pounds)} is {share}% of target £{pounds:,}"
    if scaled >= pounds * green:
        return GREEN, f"{shown}: on track", Decimal(share)
    shown = f"{shown}; shortfall {_whole_pounds(pounds - forecast_pounds)}"
    if scaled >= pounds * amber:
        return AMBER, f"{shown}, at or above the {limits.amber}% amber threshold", Decimal(share)
    return RED, f"{shown}, below the {limits.amber}% amber threshold", Decimal(share)


def _judge_exactly(
    target: Money, forecast: Money, delivered: Money | None, limits: Thresholds
) -> tuple[str, str, Decimal | None]:
    """``_judge`` for any figures, in Decimal."""
    money = limits.money
    if target < 0:
        return _reversal_rag(target, forecast, limits.amber, money)
    pct = shown_percent(forecast, target)
    shown_target = money(target)
    if delivered is not None and delivered >= target:
        return BLUE, f"delivered {money(delivered)} of target {shown_target}: achieved", pct
    share = f"{pct}% of target {shown_target}" if pct is not None else f"against a target of {shown_target}"
    shown_forecast = money(forecast)
    if forecast * 100 >= target * limits.green:
        return GREEN, f"forecast {shown_forecast} is {share}: on track", pct
    shortfall = money(target - forecast)
    if forecast * 100 >= target * limits.amber:
        return (
            AMBER,
            f"forecast {shown_forecast} is {share}; shortfall {shortfall}, "
            f"at or above the {limits.amber}% amber threshold",
            pct,
        )
    return (
        RED,
        f"forecast {shown_forecast} is {share}; shortfall {shortfall}, below the {limits.amber}% amber threshold",
        pct,
    )


def _whole_pounds(pounds: int) -> str:
    """``format_pounds`` of a whole number of pounds."""
    return f"£{pounds:,}" if pounds >= 0 else f"-£{-pounds:,}"


def _reversal_rag(
    target: Money, forecast: Money, amber_percent: Decimal, money: Callable[[Money], str]
) -> tuple[str, str, Decimal | None]:
    """A reversal (a negative target: an earlier saving given back) is on track while it
    costs no more than planned; amber while the overrun is within the same share of the
    planned reversal as a saving's amber band."""
    planned = f"the planned reversal of {money(-target)}"
    if forecast >= target:
        return GREEN, f"forecast {money(forecast)} is within {planned}: on track", None
    overrun = target - forecast
    band = f"the {100 - amber_percent}% amber band"
    if overrun * 100 <= -target * (100 - amber_percent):
        return (
            AMBER,
            f"forecast {money(forecast)} costs {money(overrun)} more than {planned}, within {band}",
            None,
        )
    return (
        RED,
        f"forecast {money(forecast)} costs {money(overrun)} more than {planned}, beyond {band}",
        None,
    )


def better(officer: str, derived: str) -> bool:
    """True when the officer's RAG is better (nearer blue) than the derived one."""
    return RAGS.index(officer) < RAGS.index(derived)


def latest_entry(saving: Saving, period: str | None = None) -> ProgressEntry | None:
    """The latest progress entry at or before ``period`` (any period when None)."""
    limit = PERIOD_INDEX[period] if period else len(PERIODS)
    found: ProgressEntry | None = None
    found_at = -1
    for entry in saving.progress:
        at = PERIOD_INDEX[entry.period]
        if found_at <= at <= limit:
            found, found_at = entry, at
    return found


def latest_two(saving: Saving, period: str | None = None) -> tuple[ProgressEntry | None, ProgressEntry | None]:
    """``latest_entry(saving, period)``, and in the same pass the latest entry of an
    earlier period than that one's (the return a movement compares with)."""
    limit = PERIOD_INDEX[period] if period else len(PERIODS)
    latest: ProgressEntry | None = None
    before: ProgressEntry | None = None
    latest_at = before_at = -1
    for entry in saving.progress:
        at = PERIOD_INDEX[entry.period]
        if at > limit:
            continue
        if at > latest_at:
            before, before_at, latest, latest_at = latest, latest_at, entry, at
        elif at == latest_at:
            latest = entry
        elif at >= before_at:
            before, before_at = entry, at
    return latest, before


# Not frozen: a report makes one per saving, and a frozen dataclass's __init__
# (object.__setattr__ per field) was a third of the report's time. Nor slotted:
# orjson writes a dataclass with a __dict__ faster (100,000 statuses: 0.44 s
# against 0.55 s), more than the dict costs to make (+0.03 s, +15 MB).
@dataclass
class SavingStatus:
    """One saving as at a period: its target, latest return and BRAG.

    Its fields, in this order, are what ``savings status --format json`` shows of each
    saving: the JSON writer writes the statuses as they are, with no dict built per
    saving. So every figure is a field, set when the status is made (and by savings.py
    alone, which keeps ``direction`` and the shortfalls in step with the figures). It
    is made with every field given by position: with 28 keywords, making one took 1.1
    microseconds, by position 0.4.
    """

    id: str
    description: str
    division: str | None
    owner: str | None
    ongoing: Money | None
    """None for a saving given as ``amount`` alone: the source gives no split."""
    one_off: Money | None
    target: Money
    period: str | None
    previous_period: str | None
    """The period of the return compared with: this saving's latest at or before ``since``."""
    previous_forecast: Money | None
    forecast: Money | None
    movement: Money | None
    """forecast - previous_forecast, when the saving has a return at both points."""
    direction: str | None
    """How the forecast moved: up, down, unchanged, first return, or no return (none
    since the return compared with: ``movement`` is then zero); None without a return."""
    delivered: Money | None
    achieved: Money | None
    at_risk: Money | None
    unaccounted: Money | None
    """The part of the target neither achieved nor at risk, where a return gives both
    (or, in a report of a file that tracks them, where it gives either or neither: a
    figure left out counts as none, ``counted_as_none``): what is left, never less than
    zero (achieving more than the target leaves none; it does not make up another
    saving's gap)."""
    variance: Money | None
    percent: Decimal | None
    rag: str
    derived_rag: str | None
    officer_rag: str | None
    reason: str
    note: str | None
    shortfall: Money | None
    """Target less forecast when the forecast falls short (zero when it does not);
    None without a return."""
    mitigated: Money
    """Mitigations agreed at or before the period, counted up to the shortfall they cover
    (none without a return): so shortfall - mitigated = shortfall after mitigation."""
    shortfall_after_mitigation: Money | None
    """The shortfall after mitigation (never below zero)."""
    unused_mitigation: Money
    """Mitigations agreed beyond the shortfall (or with no return to show one): agreed,
    but covering no gap, so not in ``mitigated``."""
    mitigations: tuple[str, ...]
    """Each mitigation counted, in words ("£100,000 Vacancy savings (P08, one-off)")."""

    @property
    def uncovered(self) -> Money | None:
        """The shortfall after mitigation (never below zero)."""
        return self.shortfall_after_mitigation

    @property
    def split_known(self) -> bool:
        """Whether ongoing and one-off are known (a saving given as ``amount`` alone has neither)."""
        return self.ongoing is not None


def mitigations_at(saving: Saving, period: str | None = None) -> list[Mitigation]:
    """The saving's mitigations agreed at or before ``period`` (all when None)."""
    limit = PERIOD_INDEX[period] if period else len(PERIODS)
    return [m for m in saving.mitigations if PERIOD_INDEX[m.period] <= limit]


def _mitigation_words(mitigation: Mitigation, money: Callable[[Money], str]) -> str:
    when = "ongoing" if mitigation.ongoing else "one-off"
    return f"{money(mitigation.amount)} {mitigation.note} ({mitigation.period}, {when})"


def counted_mitigation(agreed: Money, shortfall: Money | None) -> tuple[Money, Money]:
    """(counted, unused) of ``agreed`` mitigations against a saving's ``shortfall``: a
    mitigation covers the year's gap, so no more than the shortfall is counted; the rest
    (all of it without a return, which gives no shortfall) covers nothing."""
    counted = ZERO if shortfall is None else min(agreed, shortfall)
    return counted, agreed - counted


def mitigation_at(saving: Saving, period: str | None = None) -> tuple[Money, Money]:
    """(counted, unused) of the saving's mitigations agreed by ``period``, against its
    shortfall on its latest return at or before it, as ``savings status`` counts them."""
    agreed = money_sum(m.amount for m in mitigations_at(saving, period))
    entry = latest_entry(saving, period)
    shortfall = None if entry is None else max(saving.target - entry.forecast, ZERO)
    return counted_mitigation(agreed, shortfall)


def _with_mitigation(
    status: SavingStatus, saving: Saving, period: str | None, money: Callable[[Money], str]
) -> SavingStatus:
    """Fill in the shortfall before and after mitigation; the RAG stays the saving's own,
    and the reason names what covers the gap, and any mitigation beyond it."""
    found = mitigations_at(saving, period)
    shortfall = status.shortfall
    status.mitigated, status.unused_mitigation = counted_mitigation(money_sum(m.amount for m in found), shortfall)
    status.mitigations = tuple(_mitigation_words(m, money) for m in found)
    if shortfall is not None:
        status.shortfall_after_mitigation = shortfall - status.mitigated
    if found and shortfall:
        status.reason += (
            f"; mitigated {money(status.mitigated)} ({'; '.join(m.note for m in found)}), "
            f"{money(status.shortfall_after_mitigation or ZERO)} of the gap uncovered"
        )
    if status.unused_mitigation:
        unused = money(status.unused_mitigation)
        status.reason += (
            f"; {unused} of mitigations not counted: no return shows a shortfall to cover"
            if shortfall is None
            else f"; {unused} of mitigations unused, beyond the shortfall {money(shortfall)}"
        )
    return status


def saving_status(
    saving: Saving, settings: SavingsSettings, period: str | None = None, units: str = "pounds"
) -> SavingStatus:
    """The status of one saving from its latest return at or before ``period`` (its
    reason's money in ``units``, the file's)."""
    return _status(saving, Thresholds.of(settings, units), period, latest_entry(saving, period))


def _status(saving: Saving, limits: Thresholds, period: str | None, entry: ProgressEntry | None) -> SavingStatus:
    """The status of one saving whose latest return at or before ``period`` is ``entry``."""
    target = saving.target
    split = saving.split_known
    about = (
        saving.id,
        saving.description,
        saving.division,
        saving.owner,
        saving.ongoing if split else None,
        saving.one_off if split else None,
        target,
    )
    if entry is None:
        when = f" at or before {period}" if period else ""
        status = SavingStatus(
            *about,
            *(None,) * 12,  # period, the previous return's period and forecast, forecast .. percent
            NOT_REPORTED,
            None,  # derived_rag
            None,  # officer_rag
            f"no monitoring return{when}",
            None,  # note
            None,  # shortfall
            ZERO,  # mitigated
            None,  # shortfall_after_mitigation
            ZERO,  # unused_mitigation
            (),  # mitigations
        )
        return _with_mitigation(status, saving, period, limits.money) if saving.mitigations else status
    forecast = entry.forecast
    derived, reason, share = _judge(target, forecast, entry.delivered, limits)
    rag = derived
    if entry.rag is not None and entry.rag != derived:
        if better(entry.rag, derived):
            reason = f"officer's {entry.rag} not supported: {reason}"
        else:
            rag, reason = entry.rag, f"officer's judgement {entry.rag}; figures alone: {derived} ({reason})"
    achieved, at_risk = entry.achieved, entry.at_risk
    gap = target - forecast
    shortfall = gap if gap >= 0 else ZERO  # max(gap, ZERO), as written
    status = SavingStatus(
        *about,
        entry.period,
        None,  # previous_period: _set_previous sets it and the two after
        None,  # previous_forecast
        forecast,
        None,  # movement
        FIRST_RETURN,  # direction
        entry.delivered,
        achieved,
        at_risk,
        _unaccounted(target, achieved, at_risk, entry.delivered),
        forecast - target,  # variance
        share,  # percent
        rag,
        derived,  # derived_rag
        entry.rag,  # officer_rag
        reason,
        entry.note,
        shortfall,
        ZERO,  # mitigated: _with_mitigation sets it and the three after
        shortfall,  # shortfall_after_mitigation
        ZERO,  # unused_mitigation
        (),  # mitigations
    )
    return _with_mitigation(status, saving, period, limits.money) if saving.mitigations else status


@dataclass(frozen=True)
class RagCount:
    count: int
    target: Money


@dataclass(frozen=True)
class StatusTotals:
    """The totals of the savings a report shows, computed from their statuses (the
    totals a savings file states are ``models.SavingsTotals``)."""

    ongoing: Money
    one_off: Money
    target: Money
    forecast: Money
    delivered: Money
    variance: Money
    reported: int
    count: int
    shortfall: Money = ZERO
    """The reported savings' shortfalls, before mitigation."""
    mitigated: Money = ZERO
    """Mitigations agreed by the period, each saving's counted up to its shortfall: so
    shortfall - mitigated = uncovered."""
    uncovered: Money = ZERO
    """The shortfall after mitigation."""
    unused_mitigation: Money = ZERO
    """Mitigations agreed by the period beyond the shortfalls they cover, not counted."""
    achieved: Money | None = None
    """Achieved, summed over the savings whose return gives it (None when none does)."""
    at_risk: Money | None = None
    """At risk, likewise."""
    unaccounted: Money = ZERO
    """Target neither achieved nor at risk, over the savings whose return gives both."""
    unaccounted_count: int = 0
    """How many savings leave some of their target unaccounted."""
    split_known: bool = True
    """Every saving gives its ongoing and one-off parts, so the columns' totals mean something."""
    unreported_target: Money = ZERO
    """The target of the savings with no return yet: not in ``forecast``, which adds up
    only the savings reported."""
    delivered_given: bool = False
    """Some saving's return gives delivered to date (``delivered`` is zero when none does)."""

    @property
    def unreported(self) -> int:
        return self.count - self.reported

    @property
    def outlook(self) -> Money:
        """The reported forecast plus the target of the savings not yet reported."""
        return self.forecast + self.unreported_target

    @property
    def ahead(self) -> Money:
        """The reported savings' forecasts above their targets, in all: ``variance`` is
        this less ``shortfall``, so a saving ahead of target hides part of the shortfall
        in the net variance but not in ``shortfall``."""
        return self.variance + self.shortfall

    @property
    def forecast_percent(self) -> Decimal | None:
        """The reported forecast as a % of the whole target, to one decimal place."""
        return percent(self.forecast, self.target, 1)

    @property
    def delivered_recorded(self) -> Money | None:
        """Delivered to date, None when no return gives it: a total of nothing recorded
        reads "—", as each saving's does, not £0."""
        return self.delivered if self.delivered_given else None

    @property
    def delivered_percent(self) -> Decimal | None:
        """Delivered to date as a % of the whole target, to one decimal place."""
        return percent(self.delivered, self.target, 1)


@dataclass(frozen=True)
class Movement:
    """How the total forecast moved since an earlier period.

    ``previous_forecast + movement + first_forecast == forecast``: the movement is
    like for like (savings with a return at both points), and savings reporting for
    the first time are counted apart, so more savings reporting is not read as a
    better forecast.
    """

    since: str
    previous_forecast: Money
    """The total forecast of the savings with a return at or before ``since``."""
    forecast: Money
    movement: Money
    """The like-for-like movement of every saving with a return at both points: those
    ``compared`` and those with ``no_return`` for the period."""
    compared: int
    """Savings with a return for the period and one at or before ``since``."""
    up: int
    """Of those compared, how many moved up, down or not at all."""
    down: int
    unchanged: int
    """Savings compared whose new return gives the same forecast."""
    first_returns: int
    first_forecast: Money
    no_return: int = 0
    """Savings with a return at or before ``since`` but none for the period: their latest
    return stands (no change, unless one came between ``since`` and the period)."""
    no_return_movement: Money = ZERO
    """The part of ``movement`` that is theirs (only a ``since`` before their latest
    return gives them one)."""
    period: str | None = None
    """The period the savings are as at (returns for it are the ones ``compared``)."""

    @property
    def direction(self) -> str:
        return "up" if self.movement > 0 else "down" if self.movement < 0 else "unchanged"

    @property
    def compared_movement(self) -> Money:
        """The movement of the savings ``compared`` (returned for the period)."""
        return self.movement - self.no_return_movement


@dataclass(frozen=True)
class SavingsReport:
    """What ``savings status`` shows: statuses, totals, stated totals, RAG summary."""

    year: str
    period: str | None
    statuses: list[SavingStatus]
    totals: StatusTotals
    stated: dict[str, Money | None]
    """The totals the file states (ongoing, one_off, total): None where it states none."""
    filtered: bool
    rag_summary: dict[str, RagCount] = field(default_factory=dict)
    movement: Movement | None = None
    """None when there is no earlier return to compare with."""
    units: str = "pounds"
    """The units of the file the figures come from (a table shows a thousands file in £'000)."""

    @property
    def since(self) -> str | None:
        """The period the movement is measured from."""
        return self.movement.since if self.movement else None

    def largest_movers(self, count: int = 3) -> list[SavingStatus]:
        """The savings whose forecast moved most (either way), largest first; ties by id."""
        moved = [s for s in self.statuses if s.movement]
        moved.sort(key=lambda s: (-abs(s.movement or ZERO), s.id))
        return moved[:count]

    @property
    def mitigation_rows(self) -> list[SavingStatus]:
        """The savings the shortfall-and-mitigation table lists: each that falls short or
        is mitigated, so its total is the shortfall of every saving shown; none when no
        saving shown has a mitigation (the table is then left out)."""
        if not any(s.mitigations for s in self.statuses):
            return []
        return [s for s in self.statuses if s.mitigations or s.shortfall]

    split_known: bool = True
    """Every saving gives its ongoing and one-off parts (not ``amount`` alone)."""
    returns_period: str | None = None
    """The period returns are counted for: the one asked for, else the latest with any
    return; None when neither is known (no return yet)."""
    outstanding: list[SavingStatus] = field(default_factory=list)
    """The savings shown with no return for ``returns_period``: their latest return at
    or before it is of an earlier period, or they have none. In the order shown."""

    @property
    def returned_this_period(self) -> int:
        """How many of the savings shown sent a return for ``returns_period``."""
        return len(self.statuses) - len(self.outstanding) if self.returns_period else 0

    @property
    def reconciles(self) -> bool | None:
        """The shown targets equal the totals the file states (only meaningful
        unfiltered); None when the file states none that can be checked."""
        shown = {"ongoing": self.totals.ongoing, "one_off": self.totals.one_off, "total": self.totals.target}
        checked = [
            key for key, stated in self.stated.items() if stated is not None and (key == "total" or self.split_known)
        ]
        if not checked:
            return None
        return all(shown[key] == self.stated[key] for key in checked)


def _gaps(reported: Sequence[SavingStatus]) -> tuple[Money, Money]:
    """(shortfall, shortfall after mitigation) of the reported savings, in one pass
    that does arithmetic only for the savings that fall short."""
    shortfall = uncovered = ZERO
    for status in reported:
        forecast = status.forecast
        if forecast is not None and forecast < status.target:
            gap = status.target - forecast
            shortfall += gap
            uncovered += gap - status.mitigated  # mitigated is counted up to the gap
    return shortfall, uncovered


def _unaccounted(
    target: Money, achieved: Money | None, at_risk: Money | None, delivered: Money | None = None
) -> Money | None:
    """The part of ``target`` a return's achieved and at risk leave to account for: None
    where it does not give both, else what is left, never negative (an over-achieved
    saving leaves nothing, so the total sums only what is left, as CSP415 lists it). A
    saving whose delivered to date reaches its (positive) target has achieved it: it
    leaves nothing, whatever achieved and at risk say (checks.check_achieved_at_risk
    warns none there either)."""
    if achieved is None or at_risk is None:
        return None
    if delivered_the_target(target, delivered):
        return ZERO
    return max(target - achieved - at_risk, ZERO)


def delivered_the_target(target: Money, delivered: Money | None) -> bool:
    """Whether delivered to date reaches a saving's (positive) target: the saving is
    achieved, so none of its target is left to account for (a reversal's, a negative
    target's, parts have no settled meaning: never)."""
    return target > ZERO and delivered is not None and delivered >= target


def tracks_parts(statuses: Sequence[SavingStatus], settings: SavingsSettings) -> bool:
    """Whether achieved and at risk are tracked, as the position shows: the settings say
    so, or some saving's latest return records either (checks.check_achieved_at_risk
    asks the same)."""
    return settings.track_at_risk or any(s.achieved is not None or s.at_risk is not None for s in statuses)


def counted_as_none(statuses: Sequence[SavingStatus], settings: SavingsSettings) -> list[SavingStatus] | None:
    """Where achieved and at risk are tracked, each saving whose latest return leaves one
    (or both) out, with that figure counted as none in what it leaves unaccounted: its
    target must be accounted somewhere, not dropped from every total (None: no change).
    A reversal's (negative target) parts have no settled meaning: left as they are."""
    missing = [i for i, s in enumerate(statuses) if s.forecast is not None and s.unaccounted is None and s.target > 0]
    if not missing or not tracks_parts(statuses, settings):
        return None
    counted = list(statuses)
    for i in missing:
        s = counted[i]
        left = _unaccounted(s.target, s.achieved or ZERO, s.at_risk or ZERO, s.delivered)
        counted[i] = dataclasses.replace(s, unaccounted=left)
    return counted


def totals_of(statuses: Sequence[SavingStatus]) -> StatusTotals:
    reported = [s for s in statuses if s.forecast is not None]
    shortfall, uncovered = _gaps(reported)
    delivered = [s.delivered for s in reported if s.delivered is not None]
    return StatusTotals(
        ongoing=money_sum(s.ongoing for s in statuses if s.ongoing is not None),
        one_off=money_sum(s.one_off for s in statuses if s.one_off is not None),
        target=money_sum(s.target for s in statuses),
        forecast=money_sum(s.forecast for s in reported if s.forecast is not None),
        delivered=money_sum(delivered),
        variance=money_sum(s.variance for s in reported if s.variance is not None),
        reported=len(reported),
        count=len(statuses),
        shortfall=shortfall,
        mitigated=money_sum(s.mitigated for s in statuses if s.mitigations),
        uncovered=uncovered,
        unused_mitigation=money_sum(s.unused_mitigation for s in statuses if s.mitigations),
        achieved=_sum_given(s.achieved for s in reported),
        at_risk=_sum_given(s.at_risk for s in reported),
        unaccounted=money_sum(s.unaccounted or ZERO for s in reported),
        unaccounted_count=sum(1 for s in reported if s.unaccounted),
        split_known=all(s.split_known for s in statuses),
        unreported_target=money_sum(s.target for s in statuses if s.forecast is None),
        delivered_given=bool(delivered),
    )


def combined_totals(parts: Sequence[StatusTotals]) -> StatusTotals:
    """``totals_of`` a list of statuses, from the totals of the lists it is made of."""
    return StatusTotals(
        ongoing=money_sum(p.ongoing for p in parts),
        one_off=money_sum(p.one_off for p in parts),
        target=money_sum(p.target for p in parts),
        forecast=money_sum(p.forecast for p in parts),
        delivered=money_sum(p.delivered for p in parts),
        variance=money_sum(p.variance for p in parts),
        reported=sum(p.reported for p in parts),
        count=sum(p.count for p in parts),
        shortfall=money_sum(p.shortfall for p in parts),
        mitigated=money_sum(p.mitigated for p in parts),
        uncovered=money_sum(p.uncovered for p in parts),
        unused_mitigation=money_sum(p.unused_mitigation for p in parts),
        achieved=_sum_given(p.achieved for p in parts),
        at_risk=_sum_given(p.at_risk for p in parts),
        unaccounted=money_sum(p.unaccounted for p in parts),
        unaccounted_count=sum(p.unaccounted_count for p in parts),
        split_known=all(p.split_known for p in parts),
        unreported_target=money_sum(p.unreported_target for p in parts),
        delivered_given=any(p.delivered_given for p in parts),
    )


def _sum_given(amounts: Iterable[Money | None]) -> Money | None:
    given = [a for a in amounts if a is not None]
    return money_sum(given) if given else None


def rag_summary(statuses: Iterable[SavingStatus]) -> dict[str, RagCount]:
    targets: dict[str, list[Money]] = {rag: [] for rag in STATUSES}
    for status in statuses:  # one pass, not two per RAG
        targets[status.rag].append(status.target)
    return {rag: RagCount(count=len(targets[rag]), target=money_sum(targets[rag])) for rag in STATUSES}


def combined_rag_summary(parts: Sequence[dict[str, RagCount]]) -> dict[str, RagCount]:
    """``rag_summary`` of a list of statuses, from the summaries of the lists it is made of."""
    return {
        rag: RagCount(count=sum(p[rag].count for p in parts), target=money_sum(p[rag].target for p in parts))
        for rag in STATUSES
    }


def reported_periods(savings: SavingsFile) -> list[str]:
    """The periods with any return, in order."""
    found = {e.period for s in savings.lines for e in s.progress}
    return [p for p in PERIODS if p in found]


def reporting_period(savings: SavingsFile, period: str | None) -> str | None:
    """The period a status is as at: ``period``, else the latest with any return."""
    if period is not None:
        return period
    periods = reported_periods(savings)
    return periods[-1] if periods else None


def _set_previous(status: SavingStatus, period: str, forecast: Money) -> None:
    status.previous_period = period
    status.previous_forecast = forecast
    if status.forecast is not None:
        movement = status.movement = status.forecast - forecast
        if period == status.period:  # compared with its own return: nothing came since
            status.direction = NO_RETURN
        else:
            status.direction = "up" if movement > 0 else "down" if movement < 0 else "unchanged"


def _compare_movement(
    statuses: Sequence[SavingStatus],
    lines: Sequence[Saving],
    period: str | None,
    since: str | None,
    earlier: Sequence[ProgressEntry | None],
) -> str | None:
    """Set each status's previous figures; the period they are compared with, if any.

    ``earlier`` holds each saving's latest return of a period before its status's (the
    second of ``latest_two``). Without ``since``, the statuses at the previous period
    with any return are the statuses at the month before the reported one (nothing was
    returned in between): a saving's return there is its status's own return when that
    is older than the reported period, else its ``earlier`` one. So the comparison
    needs no further search, and is named by the latest return it found."""
    current = period if period is not None else _latest_period(s.period for s in statuses)
    if current is None:
        return None
    if since is not None:
        if PERIOD_INDEX[since] >= PERIOD_INDEX[current]:
            raise UsageError(
                f"--since {since} is not before the period reported ({current})",
                "give an earlier period, e.g. --since P05 with --period P07",
            )
        for status, saving in zip(statuses, lines, strict=True):
            before = latest_entry(saving, since)
            if before is not None:
                _set_previous(status, before.period, before.forecast)
        return since
    return _compare_as_at(statuses, earlier, current)


def _compare_as_at(
    statuses: Sequence[SavingStatus], earlier: Sequence[ProgressEntry | None], current: str
) -> str | None:
    """``_compare_movement`` without ``since``, the statuses being as at ``current``."""
    if current == PERIODS[0]:
        return None
    for status, older in zip(statuses, earlier, strict=True):
        if status.period is not None and status.forecast is not None and status.period != current:
            _set_previous(status, status.period, status.forecast)
        elif older is not None:
            _set_previous(status, older.period, older.forecast)
    return _latest_period(s.previous_period for s in statuses)


def _latest_period(periods: Iterable[str | None]) -> str | None:
    """The latest of ``periods`` that is not None; None when none is."""
    return max((p for p in periods if p is not None), key=PERIOD_INDEX.__getitem__, default=None)


def movement_of(statuses: Sequence[SavingStatus], since: str, period: str | None) -> Movement:
    """The total movement of ``statuses`` (whose previous figures are set, as at
    ``period``) since ``since``. Only a saving with a return for ``period`` is compared
    (and counted up, down or unchanged); one whose latest return is older is counted
    apart, its movement (none, unless ``since`` is before that return) in the total."""
    previous: list[Money] = []
    forecast: list[Money] = []
    moved: list[Money] = []
    stale: list[Money] = []
    first: list[Money] = []
    up = down = 0
    for status in statuses:
        if status.previous_forecast is not None:
            previous.append(status.previous_forecast)
        if status.forecast is None:
            continue
        forecast.append(status.forecast)
        if status.movement is None:
            first.append(status.forecast)
        elif status.period != period:
            stale.append(status.movement)
        else:
            moved.append(status.movement)
            up += status.movement > 0
            down += status.movement < 0
    return Movement(
        since=since,
        previous_forecast=money_sum(previous),
        forecast=money_sum(forecast),
        movement=money_sum(moved) + money_sum(stale),
        compared=len(moved),
        up=up,
        down=down,
        unchanged=len(moved) - up - down,
        first_returns=len(first),
        first_forecast=money_sum(first),
        no_return=len(stale),
        no_return_movement=money_sum(stale),
        period=period,
    )


@dataclass
class FileStatuses:
    """What ``StatusesAsRead`` worked out for one file as it was loaded."""

    head: SavingsFile
    """The file without its lines, held so that no other file's head takes its id."""
    savings: list[Saving] = field(default_factory=list)
    statuses: list[SavingStatus] = field(default_factory=list)
    earlier: list[ProgressEntry | None] = field(default_factory=list)
    """Each saving's return before its latest (the second of ``latest_two``)."""
    totals: list[StatusTotals] = field(default_factory=list)
    """Each chunk's totals (a report of every saving adds these up)."""
    rags: list[dict[str, RagCount]] = field(default_factory=list)
    """Each chunk's RAG summary, likewise."""
    chunks: list[_Chunk] = field(default_factory=list)
    """Each chunk's movement, as at the period the file seemed to be reported to."""

    def compare(self, period: str | None) -> str | None:
        """``_compare_movement`` without ``since``, done chunk by chunk as the file was
        read, each chunk as at the latest period seen so far. A chunk compared as at a
        period before the file's latest is compared again: each status it changed then
        takes its own return in place of the one before (the period is not its latest
        now), over what it had."""
        current = period if period is not None else _latest_period(c.latest for c in self.chunks)
        for chunk in self.chunks:
            if chunk.current != current:
                chunk.compare(self.statuses[chunk.start : chunk.end], self.earlier[chunk.start : chunk.end], current)
        return _latest_period(c.compared for c in self.chunks)


@dataclass
class _Chunk:
    start: int
    end: int
    latest: str | None
    """The latest period of the chunk's statuses."""
    current: str | None = None
    """The period the statuses are compared as at."""
    compared: str | None = None
    """The latest period they were compared with."""
    movement: Movement | None = None
    """Their movement since then (``since`` left empty)."""

    def compare(
        self, statuses: Sequence[SavingStatus], earlier: Sequence[ProgressEntry | None], current: str | None
    ) -> None:
        self.current = current
        self.compared = None if current is None else _compare_as_at(statuses, earlier, current)
        self.movement = movement_of(statuses, "", current)


class StatusesAsRead:
    """Each saving's status as at ``period``, worked out as a large savings file is
    loaded: a ``load.watching_lines`` watcher, given each chunk of savings as it is
    validated, while the reader thread parses the next chunk (the main thread would
    otherwise wait for it). With the statuses go each chunk's totals, RAG counts and
    (without ``since``) movement, which the report of every saving adds up. At
    100,000 savings this takes about 0.4 s off ``savings status``.

    What it works out is of records that may not become the loaded file (an error in
    a later chunk, a re-read on the careful path), so ``take`` hands statuses over only
    for the very savings objects of the file given, in order, under the same settings,
    period and ``since``; and only once, as a report may go on to change them."""

    def __init__(self, period: str | None, since: str | None = None, year: str | None = None) -> None:
        self.period = period
        self.since = since
        self.year = year
        """Only this year's file, when given (else every year's: the report's is known only once all are loaded)."""
        self._files: dict[int, FileStatuses] = {}  # by id of the file's head

    def __len__(self) -> int:
        """How many statuses it holds."""
        return sum(len(read.statuses) for read in self._files.values())

    def __call__(self, head: DataFile, records: list[Any]) -> None:
        if not isinstance(head, SavingsFile) or (self.year is not None and head.year != self.year):
            return
        read = self._files.get(id(head))
        if read is None:
            read = self._files[id(head)] = FileStatuses(head)
        limits, period = Thresholds.of(head.settings, head.units), self.period
        made: list[SavingStatus] = []
        earlier: list[ProgressEntry | None] = []
        for saving in records:
            latest, older = latest_two(saving, period)
            earlier.append(older)
            made.append(_status(saving, limits, period, latest))
        start = len(read.statuses)
        read.savings.extend(records)
        read.statuses.extend(made)
        read.earlier.extend(earlier)
        # The totals and RAG counts need nothing the movement sets later.
        read.totals.append(totals_of(made))
        read.rags.append(rag_summary(made))
        if self.since is None:
            # Compared as at the latest period seen so far: nearly always the file's
            # own (FileStatuses.compare puts right a chunk it is not).
            chunk = _Chunk(start, len(read.statuses), _latest_period(s.period for s in made))
            seen = _latest_period(c.latest for c in (*read.chunks, chunk))
            chunk.compare(made, earlier, period if period is not None else seen)
            read.chunks.append(chunk)

    def take(self, savings: SavingsFile, period: str | None, since: str | None = None) -> FileStatuses | None:
        """What was worked out for ``savings`` at ``period`` (compared with ``since``), if
        any. A read serves one report: everything else it holds (another year's file, a
        load abandoned for a careful re-read) is let go."""
        files, self._files = self._files, {}
        if period != self.period or since != self.since:
            return None
        lines = savings.lines
        for read in files.values():
            if (
                read.head.settings is savings.settings
                and len(read.savings) == len(lines)
                and all(map(operator.is_, read.savings, lines))
            ):
                return read
        return None


def combined_movement(parts: Sequence[Movement], since: str, period: str | None) -> Movement:
    """``movement_of`` a list of statuses, from the movements of the lists it is made of."""
    return Movement(
        since=since,
        previous_forecast=money_sum(p.previous_forecast for p in parts),
        forecast=money_sum(p.forecast for p in parts),
        movement=money_sum(p.movement for p in parts),
        compared=sum(p.compared for p in parts),
        up=sum(p.up for p in parts),
        down=sum(p.down for p in parts),
        unchanged=sum(p.unchanged for p in parts),
        first_returns=sum(p.first_returns for p in parts),
        first_forecast=money_sum(p.first_forecast for p in parts),
        no_return=sum(p.no_return for p in parts),
        no_return_movement=money_sum(p.no_return_movement for p in parts),
        period=period,
    )


def savings_report(
    savings: SavingsFile,
    period: str | None = None,
    *,
    rags: Sequence[str] = (),
    division: str | None = None,
    owner: str | None = None,
    sort: str = "id",
    since: str | None = None,
    movement: bool = True,
    read: StatusesAsRead | None = None,
    units: str | None = None,
) -> SavingsReport:
    """Compute the savings status report, filtered and sorted as asked; its reasons and
    mitigation words say money in ``units`` (--units; None: the file's own scale).

    With ``movement``, each saving's forecast is compared with its return at or
    before ``since`` (by default the previous period with any return). ``read`` holds
    statuses worked out while the file was loaded; they are used when they are of
    these very savings at this period.
    """
    words = units or savings.units
    # The statuses worked out at load say money in the file's scale.
    found = read.take(savings, period, since) if read is not None and movement and words == savings.units else None
    if found is not None:
        statuses, earlier = found.statuses, found.earlier
    else:
        limits = Thresholds.of(savings.settings, words)
        returns = [latest_two(s, period) for s in savings.lines]
        statuses = [_status(s, limits, period, entry) for s, (entry, _) in zip(savings.lines, returns, strict=True)]
        earlier = [older for _, older in returns]
    counted = counted_as_none(statuses, savings.settings)
    if counted is not None:
        statuses = counted
    if not movement:
        compared_with = None
    elif found is not None and since is None:
        compared_with = found.compare(period)
    else:
        compared_with = _compare_movement(statuses, savings.lines, period, since, earlier)
    shown = statuses
    if rags:
        shown = [s for s in shown if s.rag in rags]
    if division:
        wanted = division.casefold()
        shown = [s for s in shown if s.division and wanted in s.division.casefold()]
    if owner:
        holder = owner.casefold()
        shown = [s for s in shown if s.owner and holder in s.owner.casefold()]
    if sort == "variance":
        # Largest shortfall first; savings with no return after those with one.
        shown = sorted(shown, key=lambda s: (s.variance is None, s.variance if s.variance is not None else ZERO))
    elif sort == "rag":
        shown = sorted(shown, key=lambda s: _rag_severity(s.rag))
    filtered = len(shown) != len(statuses)
    returns_period = period if period is not None else _latest_period(s.period for s in statuses)
    outstanding = [s for s in shown if s.period != returns_period] if returns_period is not None else []
    chunks = found if not filtered and counted is None else None  # every saving: add up the chunks' sums
    if compared_with is None:
        moved = None
    elif chunks is not None and chunks.chunks:
        moved = combined_movement(
            [c.movement for c in chunks.chunks if c.movement is not None], compared_with, returns_period
        )
    else:
        moved = movement_of(shown, compared_with, returns_period)
    return SavingsReport(
        units=savings.units,
        year=savings.year,
        period=period,
        statuses=shown,
        totals=combined_totals(chunks.totals) if chunks is not None else totals_of(shown),
        stated=stated_totals(savings),
        filtered=filtered,
        rag_summary=combined_rag_summary(chunks.rags) if chunks is not None else rag_summary(shown),
        movement=moved,
        split_known=all(s.split_known for s in savings.lines),
        returns_period=returns_period,
        outstanding=outstanding,
    )


@dataclass(frozen=True)
class PeriodForecast:
    """The savings' totals as at one period; None for a period after the one asked for."""

    period: str
    totals: StatusTotals | None


def forecast_by_period(savings: SavingsFile, period: str | None = None) -> list[PeriodForecast]:
    """The totals at each period of the year up to ``period`` (else the latest with
    returns); later periods are not known yet."""
    reported = [PERIOD_INDEX[e.period] for s in savings.lines for e in s.progress]
    last = PERIOD_INDEX[period] if period else max(reported, default=len(PERIODS) - 1)
    return [
        PeriodForecast(month, savings_report(savings, month, movement=False).totals if index <= last else None)
        for index, month in enumerate(PERIODS)
    ]


def stated_totals(savings: SavingsFile) -> dict[str, Money | None]:
    """The totals a savings file states: None for each it does not."""
    stated = savings.totals
    if stated is None:
        return {"ongoing": None, "one_off": None, "total": None}
    return {"ongoing": stated.ongoing, "one_off": stated.one_off, "total": stated.total}


def _rag_severity(rag: str) -> int:
    """Worst first: red, amber, not reported, green, blue."""
    return WORST_FIRST.index(rag)
