import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from repayment_plans.calculator import add_months, months_between, schedule_calculate, split_evenly

money = st.decimals(min_value=Decimal("0"), max_value=Decimal("9999999.99"), places=2, allow_nan=False,
                    allow_infinity=False)
percent = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2, allow_nan=False,
                      allow_infinity=False)
TODAY = dt.date(2026, 11, 30)


@given(owed=st.fixed_dictionaries({"principal": money, "interest": money, "fees": money, "penalty": money}),
       waivers=st.fixed_dictionaries({"principal": percent, "interest": percent, "fees": percent, "penalty": percent}),
       count=st.integers(min_value=1, max_value=60),
       first=st.dates(min_value=TODAY, max_value=dt.date(2030, 12, 31)))
def test_instalments_sum_to_the_total_none_negative_dates_increasing(owed, waivers, count, first):
    schedule = schedule_calculate(owed=owed, waivers=waivers, count=count, first_due_date=first, today=TODAY)
    assert schedule.total == sum(owed.values()) - schedule.waived_total
    if schedule.total == 0:
        assert schedule.payments == []
        return
    amounts = [p.amount for p in schedule.payments]
    assert sum(amounts) == schedule.total and len(amounts) == count
    assert all(a >= 0 and a == a.quantize(Decimal("0.01")) for a in amounts)
    # Floored: every instalment but the last is the same, and the last carries the remainder.
    assert len(set(amounts[:-1])) <= 1 and amounts[-1] >= amounts[0]
    dates = [p.due_date for p in schedule.payments]
    assert dates == sorted(set(dates)) and dates[0] == first
    assert all(0 <= schedule.waived[part] <= owed[part] for part in owed)


def test_the_remainder_goes_on_the_last_instalment():
    assert split_evenly(Decimal("100.00"), 3) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]


def test_waivers_are_floored_to_the_cent_and_the_charges_share_is_reported():
    schedule = schedule_calculate(
        owed={"principal": Decimal("1000.00"), "interest": Decimal("33.33"), "fees": Decimal("10.00"),
              "penalty": Decimal("0")},
        waivers={"interest": Decimal("50")}, count=1, first_due_date=TODAY, today=TODAY)
    assert schedule.waived["interest"] == Decimal("16.66")
    assert schedule.total == Decimal("1026.67")
    assert schedule.charges_waiver_percent == Decimal("38.45")  # 16.66 of 43.33, rounded up


def test_monthly_dates_keep_the_day_or_fall_on_the_months_last():
    assert add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 12, 15), 2) == dt.date(2027, 2, 15)
    assert months_between(TODAY, dt.date(2027, 11, 30)) == 12
    assert months_between(TODAY, dt.date(2027, 12, 1)) == 13
