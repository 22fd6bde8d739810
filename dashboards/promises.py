"""Promise-to-pay figures for the dashboards: THE seam to switch to the promise model.

Promises are recorded, for now, as contact attempts with result `promise`, which carry neither amount
nor date. Until `repayment_plans` stores promises, a promise counts as **kept** when any payment reaches
the case within `PROMISE_WINDOW` of the attempt, **broken** when that window has passed without one,
and **pending** otherwise. When the promise model lands, rewrite `promise_outcomes` to count its
kept/partially kept/broken statuses; its callers take only the returned counts.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from cases.models import Case, Payment
from contacts.models import AttemptResult, ContactAttempt

# A promise is usually for a date within the week, and DOMAIN.md gives 3 days' grace after it.
PROMISE_WINDOW = dt.timedelta(days=10)


@dataclass(frozen=True)
class PromiseOutcomes:
    taken: int
    kept: int
    broken: int
    pending: int


def promise_outcomes(*, cases: QuerySet[Case], start: dt.datetime, end: dt.datetime,
                     now: dt.datetime) -> PromiseOutcomes:
    """Promises taken on `cases` in [start, end), and how many were kept, broken or are still pending."""
    paid = Payment.objects.filter(case_id=OuterRef("case_id"), paid_at__gte=OuterRef("at"),
                                  paid_at__lt=OuterRef("at") + PROMISE_WINDOW)
    counts = (ContactAttempt.objects
              .filter(case__in=cases, result=AttemptResult.PROMISE, at__gte=start, at__lt=end)
              .annotate(paid=Exists(paid))
              .aggregate(taken=Count("id"), kept=Count("id", filter=Q(paid=True)),
                         broken=Count("id", filter=Q(paid=False, at__lte=now - PROMISE_WINDOW))))
    return PromiseOutcomes(taken=counts["taken"], kept=counts["kept"], broken=counts["broken"],
                           pending=counts["taken"] - counts["kept"] - counts["broken"])
