import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cases.delinquency import bucket_for_dpd, days_past_due, overdue_since_range

UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("dpd", "bucket"),
    [(0, "current"), (1, "M1"), (30, "M1"), (31, "M2"), (60, "M2"), (61, "M3"), (90, "M3"), (91, "M4"),
     (120, "M4"), (121, "M5"), (150, "M5"), (151, "M6"), (180, "M6"), (181, "M7+"), (1000, "M7+")],
)
def test_bucket_boundaries(dpd, bucket):
    assert bucket_for_dpd(dpd) == bucket


@pytest.mark.parametrize("days", [0, 1, 30, 31, 60, 61, 90, 91, 180, 181])
def test_dpd_counts_calendar_days_since_the_missed_due_date(days):
    overdue_since = dt.date(2026, 1, 1)
    as_of = dt.datetime.combine(overdue_since + dt.timedelta(days=days), dt.time(12), SHANGHAI)
    assert days_past_due(overdue_since, as_of, "Asia/Shanghai") == days


def test_dpd_ticks_over_at_midnight_in_shanghai_not_at_utc_midnight():
    overdue_since = dt.date(2026, 3, 1)
    # 15:59:59 UTC on 1 March is 23:59:59 in Shanghai: still the due date.
    assert days_past_due(overdue_since, dt.datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC), "Asia/Shanghai") == 0
    # 16:00 UTC is midnight in Shanghai: one day past due, while UTC still says 1 March.
    assert days_past_due(overdue_since, dt.datetime(2026, 3, 1, 16, 0, tzinfo=UTC), "Asia/Shanghai") == 1
    # The same instant, judged in UTC, is still 0.
    assert days_past_due(overdue_since, dt.datetime(2026, 3, 1, 16, 0, tzinfo=UTC), "UTC") == 0


def test_the_bucket_changes_from_m1_to_m2_at_shanghai_midnight():
    overdue_since = dt.date(2026, 1, 1)
    last_m1 = dt.datetime(2026, 1, 31, 15, 59, tzinfo=UTC)  # 31 Jan 23:59 Shanghai: DPD 30
    first_m2 = dt.datetime(2026, 1, 31, 16, 0, tzinfo=UTC)  # 1 Feb 00:00 Shanghai: DPD 31
    assert bucket_for_dpd(days_past_due(overdue_since, last_m1, "Asia/Shanghai")) == "M1"
    assert bucket_for_dpd(days_past_due(overdue_since, first_m2, "Asia/Shanghai")) == "M2"


def test_dpd_is_never_negative_before_the_due_date():
    assert days_past_due(dt.date(2026, 5, 10), dt.datetime(2026, 5, 1, tzinfo=UTC), "Asia/Shanghai") == 0


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        days_past_due(dt.date(2026, 5, 10), dt.datetime(2026, 5, 1), "Asia/Shanghai")  # noqa: DTZ001


@given(st.integers(min_value=0, max_value=5000), st.dates(min_value=dt.date(2000, 1, 1),
                                                          max_value=dt.date(2090, 1, 1)))
def test_overdue_since_range_holds_exactly_the_dates_of_the_bucket(dpd, today):
    bucket = bucket_for_dpd(dpd)
    earliest, latest = overdue_since_range(bucket, today)
    overdue_since = today - dt.timedelta(days=dpd)
    assert overdue_since <= latest
    assert earliest is None or overdue_since >= earliest
    # One day either side of the range falls in another bucket.
    if latest < today:
        assert bucket_for_dpd((today - (latest + dt.timedelta(days=1))).days) != bucket
    if earliest is not None:
        assert bucket_for_dpd((today - (earliest - dt.timedelta(days=1))).days) != bucket
