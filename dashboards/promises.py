"""Promise-to-pay figures for the dashboards, from the promises themselves (repayment_plans.Promise).

A promise counts in the period it was taken, and as it stands now: kept, broken (a partly kept promise
is not kept), or pending until its date and grace period have passed. repayment_plans decides which, with
the money that reached the case; the dashboards only count, so the product has one definition of "kept".
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from cases.models import Case
from repayment_plans.models import Promise, PromiseStatus


@dataclass(frozen=True)
class PromiseOutcomes:
    taken: int
    kept: int
    broken: int
    pending: int


def promises_taken(*, cases: QuerySet[Case], start: dt.datetime, end: dt.datetime) -> QuerySet[Promise]:
    return Promise.objects.filter(case__in=cases, taken_at__gte=start, taken_at__lt=end)


def promise_outcomes(*, cases: QuerySet[Case], start: dt.datetime, end: dt.datetime) -> PromiseOutcomes:
    """Promises taken on `cases` in [start, end), and how many were kept, broken or are still pending."""
    counts = promises_taken(cases=cases, start=start, end=end).aggregate(
        taken=Count("id"), kept=Count("id", filter=Q(status=PromiseStatus.KEPT)),
        pending=Count("id", filter=Q(status=PromiseStatus.PENDING)),
        # A promise cancelled when its case closed another way was neither kept nor broken.
        broken=Count("id", filter=Q(status__in=(PromiseStatus.BROKEN, PromiseStatus.PARTIALLY_KEPT))))
    return PromiseOutcomes(taken=counts["taken"], kept=counts["kept"], pending=counts["pending"],
                           broken=counts["broken"])
