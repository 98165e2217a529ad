"""The arithmetic of a seat invoice, free of the database: billing periods in Asia/Shanghai, the days a seat
was active, seat-days per price tier, prorated amounts and VAT. docs/billing.md works an example by hand.

Rules (docs/billing.md, "How an invoice is computed"):
- A seat counts for a day of the period when it was active at any moment of that day, Shanghai time; a day
  counts once however often the seat went on and off in it.
- A tier prices the n-th seat of a mode on each day: with 12 seats active on a day and a second tier from
  seat 11, ten seat-days fall in the first tier and two in the second.
- A line's amount is its seat-days × the monthly price ÷ the days of the month, rounded half up to the fen,
  once per line. VAT is rounded half up once per rate on the invoice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month in Shanghai time, written YYYY-MM."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text or "")
        if not match:
            raise ValueError(f"not a period (YYYY-MM): {text!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def before(cls, day: date) -> Period:
        """The month before the one `day` is in: what the run on the 1st bills."""
        last = day.replace(day=1) - timedelta(days=1)
        return cls(last.year, last.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next(self) -> Period:
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def days(self) -> int:
        return (self.next.first_day - self.first_day).days

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, datetime.min.time(), SHANGHAI)

    @property
    def end(self) -> datetime:
        return self.next.start


def day_index(moment: datetime, period: Period) -> int:
    """Which day of the period (0-based) a moment falls on, in Shanghai time; may lie outside 0..days-1."""
    return (moment.astimezone(SHANGHAI).date() - period.first_day).days


def active_days(period: Period, *, active_at_start: bool, changes: Iterable[tuple[datetime, bool]]) -> int:
    """The days a seat was active, as a bit mask (bit i: day i + 1 of the month).

    `changes` are the seat's switches inside the period, in time order: (moment, active after it).
    Switching to the state a seat is already in changes nothing (a repeated event is harmless)."""
    mask = 0
    since = period.start if active_at_start else None
    for moment, active in changes:
        if active and since is None:
            since = moment
        elif not active and since is not None:
            mask |= _days_between(since, moment, period)
            since = None
    if since is not None:
        mask |= _days_between(since, period.end, period)
    return mask


def _days_between(start: datetime, end: datetime, period: Period) -> int:
    """The days [start, end) touches; none when it is empty."""
    if end <= start:
        return 0
    first = max(day_index(start, period), 0)
    last = min(day_index(end - timedelta(microseconds=1), period), period.days - 1)
    if last < first:
        return 0
    return ((1 << (last + 1)) - 1) ^ ((1 << first) - 1)


def seats_per_day(masks: Iterable[int], days: int) -> list[int]:
    """How many seats were active on each day of the period."""
    counts = [0] * days
    for mask, seats in _tally(masks).items():
        day = 0
        while mask:
            if mask & 1:
                counts[day] += seats
            mask >>= 1
            day += 1
    return counts


def _tally(masks: Iterable[int]) -> dict[int, int]:
    # Most seats of a tenant share a mask (active all month), so days are counted per distinct mask.
    tally: dict[int, int] = {}
    for mask in masks:
        tally[mask] = tally.get(mask, 0) + 1
    return tally


@dataclass(frozen=True)
class TierDays:
    from_seat: int
    to_seat: int | None  # None: no upper bound
    unit_price_fen: int
    seat_days: int


def seat_days_per_tier(daily: Sequence[int], tiers: Sequence[tuple[int, int]]) -> list[TierDays]:
    """Split each day's seats over the tiers [(first seat, monthly price), …], first seat 1 first."""
    result = []
    bounds = [first for first, _price in tiers[1:]] + [None]
    for (first, price), next_first in zip(tiers, bounds, strict=True):
        width = None if next_first is None else next_first - first
        seat_days = sum(max(0, seats - (first - 1)) if width is None else min(max(0, seats - (first - 1)), width)
                        for seats in daily)
        result.append(TierDays(first, None if next_first is None else next_first - 1, price, seat_days))
    return result


def half_up(numerator: int | Fraction, denominator: int = 1) -> int:
    """numerator ÷ denominator rounded to the nearest integer, halves away from zero."""
    value = Fraction(numerator) / denominator
    magnitude = (abs(value.numerator) * 2 + value.denominator) // (2 * value.denominator)
    return magnitude if value >= 0 else -magnitude


def prorated(seat_days: int, unit_price_fen: int, days: int) -> int:
    """What seat-days cost at a monthly price: a seat active 10 days of 30 pays 10/30 of the month."""
    return half_up(seat_days * unit_price_fen, days)


@dataclass(frozen=True)
class Totals:
    subtotal_fen: int  # without VAT
    vat_fen: int
    total_fen: int


def totals(amounts: Iterable[tuple[int, Decimal, bool]]) -> Totals:
    """Invoice totals from line amounts (amount, VAT rate, amounts include VAT), VAT rounded once per rate."""
    groups: dict[tuple[Decimal, bool], int] = {}
    for amount, rate, inclusive in amounts:
        groups[(Decimal(rate), inclusive)] = groups.get((Decimal(rate), inclusive), 0) + amount
    subtotal = vat = 0
    for (rate, inclusive), amount in groups.items():
        exact_rate = Fraction(rate)
        if inclusive:
            tax = half_up(amount * exact_rate / (1 + exact_rate))
            subtotal, vat = subtotal + amount - tax, vat + tax
        else:
            tax = half_up(amount * exact_rate)
            subtotal, vat = subtotal + amount, vat + tax
    return Totals(subtotal, vat, subtotal + vat)
