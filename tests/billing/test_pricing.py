"""The arithmetic of an invoice (billing/pricing.py): periods, active days, tiers, proration and VAT."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.pricing import (
    SHANGHAI,
    Period,
    active_days,
    half_up,
    prorated,
    seat_days_per_tier,
    seats_per_day,
    totals,
)

OCTOBER = Period(2026, 10)


def at(day: int, hh_mm: str, period: Period = OCTOBER) -> datetime:
    hour, minute = map(int, hh_mm.split(":"))
    return datetime(period.year, period.month, day, hour, minute, tzinfo=SHANGHAI)


def days_of(mask: int) -> list[int]:
    return [day + 1 for day in range(mask.bit_length()) if mask >> day & 1]


@pytest.mark.parametrize(("period", "days"), [("2026-02", 28), ("2028-02", 29), ("2026-11", 30), ("2026-10", 31),
                                              ("2026-12", 31), ("2100-02", 28), ("2000-02", 29)])
def test_a_period_has_the_days_of_its_month(period, days):
    # when
    month = Period.parse(period)

    # then
    assert month.days == days
    assert month.start == datetime(month.year, month.month, 1, tzinfo=SHANGHAI)
    assert month.end == month.next.start


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-10", "2026/10", "", "2026-1", "2026-10-01"])
def test_a_period_is_written_yyyy_mm(text):
    with pytest.raises(ValueError):
        Period.parse(text)


def test_the_month_before_a_day_is_what_the_run_on_the_first_bills():
    assert Period.before(date(2026, 11, 1)) == Period(2026, 10)
    assert Period.before(date(2027, 1, 1)) == Period(2026, 12)


def test_a_seat_active_one_day_counts_one_day():
    # when: switched on at 09:00 on the 10th and off at 18:00 the same day
    mask = active_days(OCTOBER, active_at_start=False, changes=[(at(10, "09:00"), True), (at(10, "18:00"), False)])

    # then
    assert days_of(mask) == [10]


def test_on_off_on_in_a_month_counts_each_day_once():
    # given: on the 5th to the 9th, off, on again the 9th (same day) to the 12th, then from the 20th
    changes = [(at(5, "10:00"), True), (at(9, "12:00"), False), (at(9, "20:00"), True), (at(12, "08:00"), False),
               (at(20, "00:00"), True)]

    # when
    mask = active_days(OCTOBER, active_at_start=False, changes=changes)

    # then: the 9th is counted once; the 20th to the 31st are 12 days
    assert days_of(mask) == [5, 6, 7, 8, 9, 10, 11, 12, *range(20, 32)]


def test_a_seat_active_the_whole_month_counts_every_day():
    assert days_of(active_days(OCTOBER, active_at_start=True, changes=[])) == list(range(1, 32))


@pytest.mark.parametrize(("period", "days"), [("2026-02", 28), ("2028-02", 29), ("2026-04", 30), ("2026-05", 31)])
def test_ten_days_of_a_month_cost_ten_of_its_days(period, days):
    # given: a seat on from the 1st at 00:00 until the 11th at 00:00, in a month of 28 to 31 days
    month = Period.parse(period)
    mask = active_days(month, active_at_start=False,
                       changes=[(at(1, "00:00", month), True), (at(11, "00:00", month), False)])

    # when
    seat_days = sum(seats_per_day([mask], month.days))

    # then: ten days, and ten days of ¥300.00 a month
    assert seat_days == 10
    assert prorated(seat_days, 300_00, month.days) == half_up(10 * 300_00, days)


def test_a_change_at_2359_on_the_last_day_bills_that_day_and_not_the_next_month():
    # given: switched on at 23:59 on 31 October, Shanghai time (15:59 UTC)
    on = datetime(2026, 10, 31, 23, 59, tzinfo=SHANGHAI)

    # when
    october = active_days(OCTOBER, active_at_start=False, changes=[(on, True)])
    november = active_days(Period(2026, 11), active_at_start=True, changes=[])

    # then: one day of October, and all of November (active when it began)
    assert days_of(october) == [31]
    assert days_of(november) == list(range(1, 31))


def test_a_change_at_0001_on_the_first_day_bills_that_day_only():
    # given: a seat active since October, switched off at 00:01 on 1 November, Shanghai time
    off = datetime(2026, 11, 1, 0, 1, tzinfo=SHANGHAI)

    # when
    november = active_days(Period(2026, 11), active_at_start=True, changes=[(off, False)])

    # then
    assert days_of(november) == [1]


def test_switching_off_at_midnight_exactly_does_not_bill_the_new_day():
    # given: off at 00:00:00 on 1 November (16:00 UTC on 31 October)
    off = datetime(2026, 11, 1, 0, 0, tzinfo=SHANGHAI)

    # then: nothing of November
    assert active_days(Period(2026, 11), active_at_start=True, changes=[(off, False)]) == 0


def test_days_are_shanghai_days_whatever_the_moment_s_time_zone():
    # given: 20:00 UTC on 9 October is 04:00 on the 10th in Shanghai
    utc_evening = datetime.fromisoformat("2026-10-09T20:00:00+00:00")

    # then
    assert days_of(active_days(OCTOBER, active_at_start=False, changes=[(utc_evening, True)]))[0] == 10


def test_a_repeated_event_changes_nothing():
    # given: "activated" arrives twice
    once = active_days(OCTOBER, active_at_start=False, changes=[(at(3, "09:00"), True)])
    twice = active_days(OCTOBER, active_at_start=False, changes=[(at(3, "09:00"), True), (at(7, "09:00"), True)])

    # then
    assert once == twice


def test_tiers_price_the_nth_seat_of_each_day():
    # given: 20 seats on days 1-15, 30 seats on days 16-31; ¥6,800 a seat, ¥6,200 from the 21st seat
    daily = [20] * 15 + [30] * 16

    # when
    first, second = seat_days_per_tier(daily, [(1, 6_800_00), (21, 6_200_00)])

    # then
    assert (first.from_seat, first.to_seat, first.seat_days) == (1, 20, 20 * 31)
    assert (second.from_seat, second.to_seat, second.seat_days) == (21, None, 10 * 16)


def test_a_tier_no_day_reaches_has_no_seat_days():
    # given: never more than 5 seats, three tiers
    tiers = seat_days_per_tier([5, 3, 0, 5], [(1, 100), (6, 90), (11, 80)])

    # then
    assert [tier.seat_days for tier in tiers] == [13, 0, 0]
    assert [(tier.from_seat, tier.to_seat) for tier in tiers] == [(1, 5), (6, 10), (11, None)]


def test_rounding_is_half_up_to_the_fen():
    assert half_up(5, 2) == 3  # 2.5 → 3
    assert half_up(7, 2) == 4  # 3.5 → 4 (not banker's 4 / 2.5 → 2)
    assert half_up(5, 4) == 1  # 1.25 → 1
    assert half_up(-5, 2) == -3  # a credit note mirrors its invoice
    # 384 seat-days of ¥260.00 in a 31-day month: 322,064.516… fen
    assert prorated(384, 260_00, 31) == 322_065


def test_tax_exclusive_prices_add_vat():
    # when: ¥1,000.05 without VAT at 6%
    result = totals([(100_005, Decimal("0.06"), False)])

    # then: VAT 60.003 → ¥60.00
    assert (result.subtotal_fen, result.vat_fen, result.total_fen) == (100_005, 6_000, 106_005)


def test_tax_inclusive_prices_contain_vat():
    # when: ¥3,220.65 with VAT at 6%
    result = totals([(322_065, Decimal("0.06"), True)])

    # then: VAT = 322,065 × 6/106 = 18,230.09 → 18,230 fen; the total is what the plan priced
    assert (result.subtotal_fen, result.vat_fen, result.total_fen) == (303_835, 18_230, 322_065)


def test_vat_is_rounded_once_per_rate_not_per_line():
    # given: three lines of 10 fen at 6% exclusive: 0.6 fen each, 1.8 fen together
    result = totals([(10, Decimal("0.06"), False)] * 3)

    # then: 2 fen, not 3 × 1
    assert result.vat_fen == 2


def test_a_mixed_invoice_sums_its_rates():
    # given: outsourced seats without VAT, hosted seats with VAT, and a 0% line
    result = totals([(19_200_000, Decimal("0.06"), False), (130_000, Decimal("0.06"), True),
                     (5_000, Decimal("0"), False)])

    # then
    assert result.vat_fen == 1_152_000 + 7_358
    assert result.total_fen == 19_200_000 + 1_152_000 + 130_000 + 5_000
    assert result.subtotal_fen + result.vat_fen == result.total_fen


switches = st.lists(st.tuples(st.integers(0, 31 * 24 * 60 - 1), st.booleans()), max_size=12)


@given(active_at_start=st.booleans(), changes=switches)
def test_active_days_are_the_days_some_minute_was_active(active_at_start, changes):
    # given: minute-resolution switches in October, checked against a minute-by-minute walk
    changes = sorted(changes)
    moments = [(datetime(2026, 10, 1, tzinfo=SHANGHAI) + timedelta(minutes=m), on)
               for m, on in changes]

    # when
    mask = active_days(OCTOBER, active_at_start=active_at_start, changes=moments)

    # then
    expected, active, index = set(), active_at_start, 0
    for minute in range(31 * 24 * 60):
        while index < len(changes) and changes[index][0] == minute:
            active = changes[index][1]
            index += 1
        if active:
            expected.add(minute // (24 * 60) + 1)
    assert set(days_of(mask)) == expected


@given(daily=st.lists(st.integers(0, 60), min_size=28, max_size=31),
       bounds=st.lists(st.integers(2, 50), max_size=3, unique=True))
def test_tiers_share_out_every_seat_day_exactly_once(daily, bounds):
    # when
    tiers = seat_days_per_tier(daily, [(1, 100), *((seat, 90) for seat in sorted(bounds))])

    # then
    assert sum(tier.seat_days for tier in tiers) == sum(daily)
