"""Days past due and buckets, as of a moment, in the cardholder's time zone.

`overdue_since` is the payment due date that was missed. On that date the account is 0 days past due;
the next calendar day in the cardholder's zone it is 1 day past due (bucket M1), and so on.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext_lazy as _


class Bucket(models.TextChoices):
    CURRENT = "current", _("Current")
    M1 = "M1", "M1"
    M2 = "M2", "M2"
    M3 = "M3", "M3"
    M4 = "M4", "M4"
    M5 = "M5", "M5"
    M6 = "M6", "M6"
    M7_PLUS = "M7+", "M7+"


# (bucket, first DPD, last DPD or None for open-ended)
BUCKET_RANGES: tuple[tuple[str, int, int | None], ...] = (
    (Bucket.CURRENT, 0, 0),
    (Bucket.M1, 1, 30),
    (Bucket.M2, 31, 60),
    (Bucket.M3, 61, 90),
    (Bucket.M4, 91, 120),
    (Bucket.M5, 121, 150),
    (Bucket.M6, 151, 180),
    (Bucket.M7_PLUS, 181, None),
)
DELINQUENT_BUCKETS = tuple(b for b, _first, _last in BUCKET_RANGES if b != Bucket.CURRENT)


def local_date(moment: dt.datetime, tz_name: str) -> dt.date:
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    return moment.astimezone(ZoneInfo(tz_name)).date()


def days_past_due(overdue_since: dt.date, as_of: dt.datetime, tz_name: str) -> int:
    """Calendar days from the missed due date to `as_of`'s date in `tz_name`; never negative."""
    return max(0, (local_date(as_of, tz_name) - overdue_since).days)


def bucket_for_dpd(dpd: int) -> str:
    for bucket, first, last in BUCKET_RANGES:
        if dpd >= first and (last is None or dpd <= last):
            return bucket
    raise ValueError(f"negative DPD: {dpd}")


def bucket_dpd_range(bucket: str) -> tuple[int, int | None]:
    for name, first, last in BUCKET_RANGES:
        if name == bucket:
            return first, last
    raise ValueError(f"unknown bucket {bucket!r}")


def overdue_since_range(bucket: str, today: dt.date) -> tuple[dt.date | None, dt.date]:
    """The `overdue_since` dates that put a case in `bucket` on local date `today`: (earliest or None, latest)."""
    first, last = bucket_dpd_range(bucket)
    latest = today - dt.timedelta(days=first)
    earliest = None if last is None else today - dt.timedelta(days=last)
    return earliest, latest
